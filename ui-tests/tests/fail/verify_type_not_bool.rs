use actix_jwt_extended::jwt_required;

#[jwt_required(verify_type = "no")]
async fn handler() -> &'static str {
    "not a bool"
}

fn main() {}
