use actix_jwt_extended::jwt_required;

#[jwt_required(refresh, verify_type = false)]
async fn handler() -> &'static str {
    "contradiction"
}

fn main() {}
