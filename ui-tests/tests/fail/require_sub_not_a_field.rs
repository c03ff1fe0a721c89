use actix_jwt_extended::require_token;
use actix_web::web;

#[derive(serde::Deserialize)]
struct Ids {
    org: u32,
    owner: String,
}

#[require_token(sub = "username")]
async fn handler(ids: web::Path<Ids>) -> String {
    format!("{} {}", ids.org, ids.owner)
}

fn main() {}
