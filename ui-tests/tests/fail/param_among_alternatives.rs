use actix_jwt_extended::require_token;
use actix_web::web;

#[require_token(team = "blue" | param(team))]
async fn handler(team: web::Path<String>) -> String {
    team.into_inner()
}

fn main() {}
