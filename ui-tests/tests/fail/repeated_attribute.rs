use actix_jwt_extended::jwt_required;

#[jwt_required]
#[jwt_required]
async fn handler() -> &'static str {
    "verified twice"
}

fn main() {}
