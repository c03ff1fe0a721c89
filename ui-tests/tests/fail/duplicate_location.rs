use actix_jwt_extended::jwt_required;

#[jwt_required(locations = [headers, query_string, headers])]
async fn handler() -> &'static str {
    "twice"
}

fn main() {}
