use actix_jwt_extended::require_token;

#[require_token(scope = {"admin": true, "perms": ["read"], "admin": false})]
async fn handler() -> &'static str {
    "twice"
}

fn main() {}
