use actix_jwt_extended::{CurrentToken, jwt_required};

#[jwt_required]
async fn handler(current_token: Option<CurrentToken>) -> String {
    format!("{}", current_token.is_some())
}

fn main() {}
