use actix_jwt_extended::jwt_required;
use actix_web::get;

#[jwt_required]
#[get("/")]
#[actix_jwt_extended::jwt_optional]
async fn handler() -> &'static str {
    "required or optional?"
}

fn main() {}
