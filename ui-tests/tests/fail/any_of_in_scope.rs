use actix_jwt_extended::require_token;

#[require_token(scope = {"admin": true} | {"owner": true})]
async fn handler() -> String {
    String::new()
}

fn main() {}
