use actix_jwt_extended::require_token;

#[require_token]
async fn handler(current_user: String) -> String {
    current_user
}

fn main() {}
