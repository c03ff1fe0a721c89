use actix_jwt_extended::require_token;

#[require_token(scpoe = {"admin": true})]
async fn handler() -> &'static str {
    "typo"
}

fn main() {}
