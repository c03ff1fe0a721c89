use actix_jwt_extended::require_token;
use actix_web::web;

#[require_token(sub = "username")]
async fn handler(id: web::Path<u32>) -> String {
    id.to_string()
}

fn main() {}
