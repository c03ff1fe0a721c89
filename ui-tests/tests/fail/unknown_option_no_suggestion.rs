use actix_jwt_extended::jwt_required;

#[jwt_required(roles = "admin")]
async fn handler() -> &'static str {
    "no such option"
}

fn main() {}
