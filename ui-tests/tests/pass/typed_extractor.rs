//! `TypedToken<C>` is an extractor on its own, like `CurrentToken`, and its
//! typed claims (`.typed`) do not clash with the JSON map (`.claims()`).
use actix_jwt_extended::TypedToken;
use actix_web::{App, HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize)]
struct Claims {
    role: String,
}

async fn plain(token: TypedToken<Claims>) -> HttpResponse {
    let role: &String = &token.typed.role;
    let jti = &token.claims()["jti"];
    HttpResponse::Ok().json(serde_json::json!({ "role": role, "jti": jti, "sub": token.identity() }))
}

async fn optional(token: Option<TypedToken<Claims>>) -> HttpResponse {
    HttpResponse::Ok().body(token.map(|t| t.typed.role).unwrap_or_default())
}

fn main() {
    let _ = App::new()
        .route("/plain", web::get().to(plain))
        .route("/optional", web::get().to(optional));
}
