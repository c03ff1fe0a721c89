use actix_jwt_extended::require_token;

#[derive(serde::Deserialize)]
struct MyClaims {
    role: String,
}

#[require_token(claims = MyClaims, rol = "admin")]
async fn handler() -> String {
    current_token.typed.role.clone()
}

fn main() {}
