use actix_jwt_extended::require_token;

#[require_token(scope = {"perms": [read, write]})]
async fn handler() -> &'static str {
    "unquoted strings"
}

fn main() {}
