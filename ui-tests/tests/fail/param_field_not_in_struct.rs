use actix_jwt_extended::require_token;
use actix_web::web;

#[derive(serde::Deserialize)]
struct Search {
    team: String,
}

#[require_token(team = param(search.tem))]
async fn handler(search: web::Query<Search>) -> String {
    search.team.clone()
}

fn main() {}
