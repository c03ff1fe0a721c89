use actix_jwt_extended::jwt_required;

#[jwt_required(team = "blue")]
async fn handler() -> &'static str {
    "claims need require_token"
}

fn main() {}
