use actix_jwt_extended::require_token;

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct MyClaims {
    role: String,
}

// `claims` names a struct; `MyClaims + Send` is a trait-object type.
#[require_token(claims = MyClaims + Send, role = "admin")]
async fn handler() -> String {
    current_token.sub().unwrap_or_default().to_owned()
}

fn main() {}
