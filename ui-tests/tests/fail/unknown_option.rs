use actix_jwt_extended::jwt_required;

#[jwt_required(fersh)]
async fn handler() -> &'static str {
    "typo"
}

fn main() {}
