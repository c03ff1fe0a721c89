use actix_jwt_extended::jwt_required;

#[jwt_required(refresh, fresh)]
async fn handler() -> &'static str {
    "refresh tokens are never fresh"
}

fn main() {}
