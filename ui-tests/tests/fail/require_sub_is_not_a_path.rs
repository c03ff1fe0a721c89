use actix_jwt_extended::require_token;
use actix_web::web;

#[require_token(sub = "username")]
async fn handler(username: web::Json<String>) -> String {
    username.into_inner()
}

fn main() {}
