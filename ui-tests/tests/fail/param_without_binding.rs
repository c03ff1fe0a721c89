use actix_jwt_extended::require_token;

#[require_token(team = param(team_id))]
async fn handler() -> String {
    String::new()
}

fn main() {}
