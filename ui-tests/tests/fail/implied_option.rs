use actix_jwt_extended::jwt_optional;

#[jwt_optional(optional)]
async fn handler() -> &'static str {
    "already optional"
}

fn main() {}
