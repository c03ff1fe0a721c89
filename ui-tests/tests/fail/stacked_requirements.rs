#[actix_jwt_extended::require_token(role = "admin")]
#[actix_jwt_extended::jwt_refresh_required]
async fn handler() -> &'static str {
    "an access token with a role, or a refresh token?"
}

fn main() {}
