use actix_jwt_extended::require_token;
use actix_web::web;

#[require_token(team = param(body))]
async fn handler(body: web::Json<serde_json::Value>) -> String {
    body.to_string()
}

fn main() {}
