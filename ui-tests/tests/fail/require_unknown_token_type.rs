use actix_jwt_extended::require_token;

#[require_token("refrsh")]
async fn handler() -> &'static str {
    "typo"
}

fn main() {}
