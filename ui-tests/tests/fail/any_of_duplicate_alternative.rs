use actix_jwt_extended::require_token;

#[require_token(role = "admin" | "owner" | "admin")]
async fn handler() -> String {
    String::new()
}

fn main() {}
