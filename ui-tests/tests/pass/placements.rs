//! Both orders with the route macros, resource routes, every return type.
use actix_jwt_extended::{CurrentToken, fresh_jwt_required, jwt_optional, jwt_refresh_required, jwt_required};
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, post, web};

#[get("/below")]
#[jwt_required]
async fn below() -> impl Responder {
    HttpResponse::Ok().body(current_token.sub().unwrap_or_default().to_owned())
}

#[jwt_required]
#[post("/above")]
async fn above(body: web::Json<serde_json::Value>) -> HttpResponse {
    let _ = (body, current_token.identity());
    HttpResponse::Ok().finish()
}

#[jwt_required]
async fn for_resource(req: HttpRequest, id: web::Path<u32>) -> Result<HttpResponse, actix_web::Error> {
    let _ = (req, id, current_token.jti());
    Ok(HttpResponse::Ok().finish())
}

#[fresh_jwt_required]
async fn fresh() -> &'static str {
    "fresh"
}

#[jwt_refresh_required]
async fn refresh() -> String {
    current_token.token_type().to_owned()
}

#[jwt_optional]
async fn optional() -> String {
    format!("{:?}", current_token.as_ref().map(|t| t.identity()))
}

#[jwt_required]
async fn visible(current_token: CurrentToken) -> String {
    current_token.token_type().to_owned()
}

#[jwt_optional]
async fn visible_optional(current_token: Option<CurrentToken>) -> String {
    current_token.is_some().to_string()
}

#[jwt_required(optional, fresh, verify_type = true, skip_revocation_check, locations = [query_string, headers])]
async fn every_option() -> HttpResponse {
    let _: Option<CurrentToken> = current_token;
    HttpResponse::Ok().finish()
}

#[jwt_required(verify_type = false, crate = "::actix_jwt_extended")]
async fn any_type() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Attributes the macro does not own pass through.
#[allow(clippy::unused_async)]
#[doc = "a handler"]
#[jwt_required]
#[deprecated(note = "kept for the test")]
async fn passthrough() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[allow(deprecated)]
fn main() {
    let _ = App::new()
        .service(below)
        .service(above)
        .service(web::resource("/items/{id}").route(web::get().to(for_resource)))
        .route("/fresh", web::get().to(fresh))
        .route("/refresh", web::post().to(refresh))
        .route("/optional", web::get().to(optional))
        .route("/visible", web::get().to(visible))
        .route("/visible-optional", web::get().to(visible_optional))
        .route("/every", web::get().to(every_option))
        .route("/any", web::get().to(any_type))
        .route("/passthrough", web::get().to(passthrough));
}
