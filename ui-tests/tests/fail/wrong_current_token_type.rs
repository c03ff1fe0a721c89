use actix_jwt_extended::jwt_optional;

#[jwt_optional]
async fn handler(current_token: actix_jwt_extended::CurrentToken) -> String {
    current_token.token_type().to_owned()
}

fn main() {}
