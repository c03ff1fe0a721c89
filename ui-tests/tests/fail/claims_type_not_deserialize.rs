use actix_jwt_extended::require_token;

struct NotClaims {
    role: String,
}

#[require_token(claims = NotClaims, role = "admin")]
async fn handler() -> String {
    current_token.typed.role.clone()
}

fn main() {}
