use actix_jwt_extended::require_token;

#[require_token(scope = {"admin" true})]
async fn handler() -> &'static str {
    "missing colon"
}

fn main() {}
