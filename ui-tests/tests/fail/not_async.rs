use actix_jwt_extended::jwt_required;

#[jwt_required]
fn handler() -> &'static str {
    "sync handlers cannot be protected"
}

fn main() {}
