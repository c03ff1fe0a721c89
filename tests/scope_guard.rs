//! `JwtRequired`: a whole `web::scope` protected with the attributes'
//! options and requirements, through the one pipeline — and handlers inside
//! it reuse the verification.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_jwt_extended::testing::{TestRequestExt, TestTokens};
use actix_jwt_extended::{
    CurrentToken, JwtManager, JwtRequired, TokenLocation, WwwAuthenticate, get_current_token,
    jwt_required,
};
use actix_jwt_extended_examples::{Runs, hs256};
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{App, HttpRequest, HttpResponse, test, web};
use serde_json::{Value, json};

async fn plain(req: HttpRequest, runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    let sub = get_current_token(&req).map(|t| t.identity().clone());
    HttpResponse::Ok().json(json!({ "sub": sub }))
}

async fn extractor(token: CurrentToken) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": token.identity() }))
}

#[jwt_required(fresh)]
async fn fresh_inside() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

async fn echo(body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(body.into_inner())
}

fn app_config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .wrap(JwtRequired::new())
            .route("/plain", web::get().to(plain))
            .route("/extractor", web::get().to(extractor))
            .route("/fresh", web::get().to(fresh_inside))
            .route("/echo", web::post().to(echo)),
    )
    .service(
        web::scope("/admin")
            .wrap(
                JwtRequired::new()
                    .claim_one_of("role", ["admin", "owner"])
                    .scope(json!({"perms": ["write"]})),
            )
            .route("", web::get().to(plain)),
    )
    .service(
        web::scope("/token")
            .wrap(JwtRequired::new().refresh(true))
            .route("/refresh", web::post().to(plain)),
    )
    .service(
        web::scope("/maybe")
            .wrap(JwtRequired::new().optional(true))
            .route("", web::get().to(plain)),
    );
}

async fn call(jwt: &JwtManager, req: test::TestRequest) -> (u16, Value, usize) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .app_data(web::Data::new(runs.clone()))
            .configure(app_config),
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

fn msg(text: &str) -> Value {
    json!({ "msg": text })
}

#[actix_web::test]
async fn a_scope_answers_as_a_protected_handler_does() {
    let jwt = hs256().build().unwrap();
    let tokens = TestTokens::new(&jwt);
    let alice = tokens.access("alice").mint();
    let get = |uri: &str| test::TestRequest::get().uri(uri);
    assert_eq!(
        call(&jwt, get("/api/plain")).await,
        (401, msg("Missing Authorization Header"), 0)
    );
    assert_eq!(
        call(
            &jwt,
            get("/api/plain").jwt_header(&tokens.access("alice").expired().mint())
        )
        .await,
        (401, msg("Token has expired"), 0)
    );
    assert_eq!(
        call(
            &jwt,
            get("/api/plain").jwt_header(&tokens.refresh("alice").mint())
        )
        .await,
        (422, msg("Only non-refresh tokens are allowed"), 0)
    );
    assert_eq!(
        call(&jwt, get("/api/plain").jwt_header(&alice)).await,
        (200, json!({"sub": "alice"}), 1)
    );
    assert_eq!(
        call(&jwt, get("/api/extractor").jwt_header(&alice)).await.1,
        json!({"sub": "alice"})
    );
    // Options: refresh, optional; a preflight goes through.
    let refresh = tokens.refresh("bob").mint();
    let post = test::TestRequest::post()
        .uri("/token/refresh")
        .jwt_header(&refresh);
    assert_eq!(call(&jwt, post).await.1, json!({"sub": "bob"}));
    assert_eq!(
        call(&jwt, get("/maybe")).await,
        (200, json!({"sub": null}), 1)
    );
    let preflight = test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/api/plain");
    assert_ne!(call(&jwt, preflight).await.0, 401);
}

#[actix_web::test]
async fn requirements_of_the_scope() {
    let jwt = hs256()
        .www_authenticate(WwwAuthenticate::Bearer)
        .build()
        .unwrap();
    let tokens = TestTokens::new(&jwt);
    let writer = |role: &str| {
        let token = tokens
            .access("alice")
            .claim("role", role)
            .claim("scope", json!({"perms": ["read", "write"]}))
            .mint();
        test::TestRequest::get().uri("/admin").jwt_header(&token)
    };
    assert_eq!(call(&jwt, writer("owner")).await.0, 200);
    assert_eq!(
        call(&jwt, writer("guest")).await,
        (403, msg("Missing required claim(s)"), 0)
    );
    let reader = tokens
        .access("alice")
        .claim("role", "admin")
        .claim("scope", json!({"perms": ["read"]}))
        .mint();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(app_config)).await;
    let req = test::TestRequest::get().uri("/admin").jwt_header(&reader);
    let resp = test::call_service(&app, req.to_request()).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers().get(WWW_AUTHENTICATE).unwrap(),
        "Bearer realm=\"Login Required\", error=\"insufficient_scope\", \
         error_description=\"Missing required scope(s)\", scope=\"perms:write\""
    );
}

#[actix_web::test]
async fn handlers_inside_reuse_the_verification() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&lookups);
    let jwt = hs256()
        .user_lookup_loader(move |token| {
            counted.fetch_add(1, Ordering::SeqCst);
            let name = token.sub().map(str::to_owned);
            async move { name }
        })
        .build()
        .unwrap();
    let tokens = TestTokens::new(&jwt);
    let get = |uri: &str, token| test::TestRequest::get().uri(uri).jwt_header(token);
    let alice = tokens.access("alice").mint();
    assert_eq!(call(&jwt, get("/api/extractor", &alice)).await.0, 200);
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        1,
        "the user was loaded once"
    );
    // An inner attribute still applies its own options.
    assert_eq!(
        call(&jwt, get("/api/fresh", &alice)).await,
        (401, msg("Fresh token required"), 0)
    );
    let fresh = tokens.access("alice").fresh(true).mint();
    assert_eq!(
        call(&jwt, get("/api/fresh", &fresh)).await.1,
        json!({"sub": "alice"})
    );
}

#[actix_web::test]
async fn a_token_in_the_body_leaves_the_body_to_the_handler() {
    let jwt = hs256()
        .token_location([TokenLocation::Json])
        .build()
        .unwrap();
    let token = TestTokens::new(&jwt).access("alice").mint();
    let req = test::TestRequest::post()
        .uri("/api/echo")
        .jwt_json_with(&token, json!({"note": "kept"}));
    let (status, body, _) = call(&jwt, req).await;
    assert_eq!(status, 200);
    assert_eq!(body["note"], "kept");
    assert_eq!(body["access_token"], token.as_str());
}
