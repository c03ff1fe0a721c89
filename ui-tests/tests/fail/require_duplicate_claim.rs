use actix_jwt_extended::require_token;

#[require_token(team = "blue", level = 3, team = "red")]
async fn handler() -> &'static str {
    "twice"
}

fn main() {}
