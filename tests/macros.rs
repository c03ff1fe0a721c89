//! Every macro and option, in every placement: above or below `#[get]`,
//! resource routes, any return type, with other extractors.

use std::sync::{Arc, Mutex};

use actix_jwt_extended::{
    CurrentToken, JwtManager, TokenLocation, TokenOptions, fresh_jwt_required, get_current_token,
    get_jwt, get_jwt_identity, get_jwt_request_location, jwt_optional, jwt_refresh_required,
    jwt_required,
};
use actix_jwt_extended_examples::{Runs, hs256};
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, post, test, web};
use serde::Deserialize;
use serde_json::{Value, json};

// --- placements -----------------------------------------------------------

#[get("/below")]
#[jwt_required]
async fn below_get() -> impl Responder {
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

#[jwt_required]
#[get("/above")]
async fn above_get() -> impl Responder {
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

/// Registered with `web::resource(..).route(..)`.
#[jwt_required]
async fn resource_handler(path: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.sub(), "item": path.into_inner() }))
}

#[derive(Debug)]
struct NotFound;

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not found")
    }
}

impl actix_web::ResponseError for NotFound {
    fn status_code(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }
}

/// A `Result` return with `?` inside the body.
#[get("/result/{id}")]
#[jwt_required]
async fn result_handler(id: web::Path<u32>) -> Result<HttpResponse, NotFound> {
    let id = id.into_inner();
    if id == 0 {
        return Err(NotFound);
    }
    Ok(HttpResponse::Ok().json(json!({ "id": id, "sub": current_token.sub() })))
}

#[derive(Deserialize)]
struct Item {
    name: String,
}

/// Other extractors (request, JSON body, app data) next to the guard.
#[post("/extractors")]
#[jwt_required]
async fn extractors(
    req: HttpRequest,
    item: web::Json<Item>,
    runs: web::Data<Runs>,
) -> HttpResponse {
    runs.hit();
    let stored = get_current_token(&req).map(|t| t.jti().map(str::to_owned));
    HttpResponse::Ok().json(json!({
        "name": item.name,
        "same_token": stored == Some(current_token.jti().map(str::to_owned)),
        "identity": get_jwt_identity(&req),
        "location": get_jwt_request_location(&req).map(|l| l.as_str()),
        "claims_type": get_jwt(&req)["type"],
    }))
}

/// A visible `current_token` parameter is used instead of a hidden one.
#[get("/visible")]
#[jwt_required]
async fn visible(current_token: CurrentToken) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

#[get("/visible-optional")]
#[jwt_optional]
async fn visible_optional(current_token: Option<CurrentToken>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "present": current_token.is_some() }))
}

/// The extractor form, without any macro.
#[get("/extractor")]
async fn extractor(token: CurrentToken) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": token.sub() }))
}

// --- options --------------------------------------------------------------

#[get("/any-type")]
#[jwt_required(verify_type = false)]
async fn any_type() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[get("/fresh-option")]
#[jwt_required(fresh)]
async fn fresh_option() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/fresh-macro")]
#[fresh_jwt_required]
async fn fresh_macro() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[post("/refresh-option")]
#[jwt_required(refresh)]
async fn refresh_option() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[post("/refresh-macro")]
#[jwt_refresh_required]
async fn refresh_macro() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[get("/optional-option")]
#[jwt_required(optional)]
async fn optional_option() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "present": current_token.is_some() }))
}

#[get("/optional-fresh")]
#[jwt_optional(fresh)]
async fn optional_fresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "present": current_token.is_some() }))
}

#[get("/skip")]
#[jwt_required(skip_revocation_check)]
async fn skip() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/query-only")]
#[jwt_required(locations = [query_string])]
async fn query_only() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "location": current_token.location().map(|l| l.as_str()) }))
}

#[get("/query-then-headers")]
#[jwt_required(locations = [query_string, headers])]
async fn query_then_headers() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "location": current_token.location().map(|l| l.as_str()) }))
}

#[derive(Deserialize)]
struct MyClaims {
    sub: String,
    role: String,
}

#[get("/typed")]
#[jwt_required]
async fn typed() -> actix_web::Result<HttpResponse> {
    let claims: MyClaims = current_token
        .claims_as()
        .map_err(actix_web::error::ErrorUnprocessableEntity)?;
    Ok(HttpResponse::Ok().json(json!({ "sub": claims.sub, "role": claims.role })))
}

fn manager(revoked: Arc<Mutex<Vec<String>>>) -> JwtManager {
    hs256()
        .token_in_blocklist_loader(move |token| {
            let revoked = revoked.clone();
            async move {
                let jti = token.jti().unwrap_or_default().to_owned();
                revoked.lock().unwrap().contains(&jti)
            }
        })
        .build()
        .unwrap()
}

async fn call(m: &JwtManager, req: test::TestRequest) -> (u16, Value, usize) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(m.clone())
            .app_data(web::Data::new(runs.clone()))
            .service(below_get)
            .service(above_get)
            .service(web::resource("/items/{id}").route(web::get().to(resource_handler)))
            .service(result_handler)
            .service(extractors)
            .service(visible)
            .service(visible_optional)
            .service(extractor)
            .service(any_type)
            .service(fresh_option)
            .service(fresh_macro)
            .service(refresh_option)
            .service(refresh_macro)
            .service(optional_option)
            .service(optional_fresh)
            .service(skip)
            .service(query_only)
            .service(query_then_headers)
            .service(typed),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        runs.count(),
    )
}

fn with(req: test::TestRequest, token: &str) -> test::TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

fn get_(path: &str) -> test::TestRequest {
    test::TestRequest::get().uri(path)
}

#[actix_web::test]
async fn both_orders_resource_routes_and_return_types() {
    let m = manager(Default::default());
    let token = m.create_access_token("alice").unwrap();
    for path in ["/below", "/above"] {
        assert_eq!(
            call(&m, with(get_(path), &token)).await.1,
            json!({"sub": "alice"})
        );
        assert_eq!(call(&m, get_(path)).await.0, 401);
    }
    assert_eq!(
        call(&m, with(get_("/items/7"), &token)).await.1,
        json!({"sub": "alice", "item": "7"})
    );
    assert_eq!(call(&m, get_("/items/7")).await.0, 401);
    assert_eq!(
        call(&m, with(get_("/result/3"), &token)).await.1,
        json!({"id": 3, "sub": "alice"})
    );
    assert_eq!(call(&m, with(get_("/result/0"), &token)).await.0, 404);
    assert_eq!(call(&m, get_("/result/3")).await.0, 401);
}

#[actix_web::test]
async fn other_extractors_and_request_getters() {
    let m = manager(Default::default());
    let token = m.create_access_token("alice").unwrap();
    let req =
        with(test::TestRequest::post().uri("/extractors"), &token).set_json(json!({"name": "pen"}));
    let (status, body, runs) = call(&m, req).await;
    assert_eq!(status, 200);
    assert_eq!(runs, 1);
    assert_eq!(
        body,
        json!({"name": "pen", "same_token": true, "identity": "alice", "location": "headers", "claims_type": "access"})
    );
    // The guard runs before the body extractor: no token → 401, not 400.
    let req = test::TestRequest::post()
        .uri("/extractors")
        .set_payload("not json");
    let (status, body, runs) = call(&m, req).await;
    assert_eq!(
        (status, body, runs),
        (401, json!({"msg": "Missing Authorization Header"}), 0)
    );
}

#[actix_web::test]
async fn visible_parameter_and_extractor() {
    let m = manager(Default::default());
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, with(get_("/visible"), &token)).await.1,
        json!({"sub": "alice"})
    );
    assert_eq!(call(&m, get_("/visible")).await.0, 401);
    assert_eq!(
        call(&m, get_("/visible-optional")).await.1,
        json!({"present": false})
    );
    assert_eq!(
        call(&m, with(get_("/visible-optional"), &token)).await.1,
        json!({"present": true})
    );
    assert_eq!(
        call(&m, with(get_("/extractor"), &token)).await.1,
        json!({"sub": "alice"})
    );
    let refresh = m.create_refresh_token("alice").unwrap();
    assert_eq!(
        call(&m, with(get_("/extractor"), &refresh)).await.1,
        json!({"msg": "Only non-refresh tokens are allowed"})
    );
}

#[actix_web::test]
async fn verify_type_false_accepts_both_types() {
    let m = manager(Default::default());
    let access = m.create_access_token("alice").unwrap();
    let refresh = m.create_refresh_token("alice").unwrap();
    assert_eq!(
        call(&m, with(get_("/any-type"), &access)).await.1,
        json!({"type": "access"})
    );
    assert_eq!(
        call(&m, with(get_("/any-type"), &refresh)).await.1,
        json!({"type": "refresh"})
    );
    assert_eq!(call(&m, get_("/any-type")).await.0, 401);
}

#[actix_web::test]
async fn fresh_and_refresh_spellings_agree() {
    let m = manager(Default::default());
    let stale = m.create_access_token("alice").unwrap();
    let fresh = m
        .create_access_token_with("alice", TokenOptions::new().fresh(true))
        .unwrap();
    let refresh = m.create_refresh_token("alice").unwrap();
    for path in ["/fresh-option", "/fresh-macro"] {
        assert_eq!(call(&m, with(get_(path), &fresh)).await.0, 200);
        assert_eq!(
            call(&m, with(get_(path), &stale)).await.1,
            json!({"msg": "Fresh token required"})
        );
        assert_eq!(
            call(&m, with(get_(path), &refresh)).await.1,
            json!({"msg": "Only non-refresh tokens are allowed"})
        );
    }
    for path in ["/refresh-option", "/refresh-macro"] {
        let post = || test::TestRequest::post().uri(path);
        assert_eq!(
            call(&m, with(post(), &refresh)).await.1,
            json!({"type": "refresh"})
        );
        assert_eq!(
            call(&m, with(post(), &fresh)).await.1,
            json!({"msg": "Only refresh tokens are allowed"})
        );
        assert_eq!(call(&m, post()).await.0, 401);
    }
}

#[actix_web::test]
async fn optional_spellings() {
    let m = manager(Default::default());
    let stale = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, get_("/optional-option")).await.1,
        json!({"present": false})
    );
    assert_eq!(
        call(&m, with(get_("/optional-option"), &stale)).await.1,
        json!({"present": true})
    );
    assert_eq!(
        call(&m, get_("/optional-fresh")).await.1,
        json!({"present": false})
    );
    assert_eq!(
        call(&m, with(get_("/optional-fresh"), &stale)).await.1,
        json!({"msg": "Fresh token required"})
    );
}

#[actix_web::test]
async fn skip_revocation_check() {
    let revoked = Arc::new(Mutex::new(Vec::new()));
    let m = manager(revoked.clone());
    let token = m.create_access_token("alice").unwrap();
    let jti = m.decode_token(&token).unwrap().jti().unwrap().to_owned();
    revoked.lock().unwrap().push(jti);
    assert_eq!(
        call(&m, with(get_("/below"), &token)).await.1,
        json!({"msg": "Token has been revoked"})
    );
    assert_eq!(call(&m, with(get_("/skip"), &token)).await.0, 200);
}

#[actix_web::test]
async fn per_handler_locations() {
    let m = manager(Default::default());
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, with(get_("/query-only"), &token)).await.1,
        json!({"msg": "Missing 'jwt' query paramater"})
    );
    assert_eq!(
        call(&m, get_(&format!("/query-only?jwt={token}"))).await.1,
        json!({"location": "query_string"})
    );
    assert_eq!(
        call(&m, with(get_("/query-then-headers"), &token)).await.1,
        json!({"location": "headers"})
    );
    assert_eq!(
        call(&m, get_("/query-then-headers")).await.1,
        json!({"msg": "Missing JWT in query_string or headers (Missing 'jwt' query paramater; Missing Authorization Header)"})
    );
    let _ = TokenLocation::Headers;
}

#[actix_web::test]
async fn typed_claims() {
    let m = manager(Default::default());
    let admin = m
        .create_access_token_with("alice", TokenOptions::new().claim("role", "admin"))
        .unwrap();
    assert_eq!(
        call(&m, with(get_("/typed"), &admin)).await.1,
        json!({"sub": "alice", "role": "admin"})
    );
    let plain = m.create_access_token("alice").unwrap();
    assert_eq!(call(&m, with(get_("/typed"), &plain)).await.0, 422);
}
