use actix_jwt_extended::jwt_required;

#[jwt_required(locations = [cookies, header])]
async fn handler() -> &'static str {
    "typo in a location"
}

fn main() {}
