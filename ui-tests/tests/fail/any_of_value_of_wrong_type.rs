use actix_jwt_extended::require_token;

#[derive(serde::Deserialize)]
struct MyClaims {
    level: u32,
}

#[require_token(claims = MyClaims, level = 1 | "two")]
async fn handler() -> String {
    current_token.typed.level.to_string()
}

fn main() {}
