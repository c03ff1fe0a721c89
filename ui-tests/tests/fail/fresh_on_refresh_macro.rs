use actix_jwt_extended::jwt_refresh_required;

#[jwt_refresh_required(fresh)]
async fn handler() -> &'static str {
    "refresh tokens are never fresh"
}

fn main() {}
