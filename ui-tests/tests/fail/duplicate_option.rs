use actix_jwt_extended::jwt_required;

#[jwt_required(fresh, optional, fresh)]
async fn handler() -> &'static str {
    "twice"
}

fn main() {}
