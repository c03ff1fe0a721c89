//! Shared routes and HTTP helpers of the revocation tests.

#![allow(dead_code)]

#[cfg(feature = "redis")]
pub mod redis_cluster;
#[cfg(feature = "redis")]
pub mod redis_sentinel;
pub mod redis_server;
#[cfg(feature = "redis")]
pub mod redis_store;

use actix_jwt_extended::{JwtManager, fresh_jwt_required, jwt_refresh_required, jwt_required};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, delete, get, post, test, web};
use serde_json::{Value, json};

pub const SECRET: &str = "revocation-test-secret";

/// The test of a Redis test file built without the `redis` feature: fails
/// under `CI=true`, says loudly that `tests` were skipped otherwise.
pub fn redis_feature_missing(tests: &str) {
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "CI must run the tests with `--features redis` (or `--all-features`)"
    );
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPING {tests}: built without the `redis` feature\n"
    );
}

/// `#[jwt_required]`.
#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
}

/// `#[jwt_required(skip_revocation_check)]`.
#[get("/skip")]
#[jwt_required(skip_revocation_check)]
async fn skip() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
}

/// `#[fresh_jwt_required]`.
#[get("/fresh")]
#[fresh_jwt_required]
async fn fresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "fresh": true }))
}

/// Accepts both kinds and revokes the presented token.
#[delete("/logout")]
#[jwt_required(verify_type = false)]
async fn logout(jwt: JwtManager) -> HttpResponse {
    match jwt.revoke_token(&current_token).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "msg": "Token revoked" })),
        Err(error) => jwt.error_response(error),
    }
}

/// Revokes every token of the identity.
#[post("/logout/all")]
#[jwt_required(verify_type = false)]
async fn logout_all(jwt: JwtManager) -> HttpResponse {
    match jwt.revoke_all_tokens(current_token.identity()).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "msg": "All tokens revoked" })),
        Err(error) => jwt.error_response(error),
    }
}

/// Rotates the refresh token.
#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh(jwt: JwtManager) -> HttpResponse {
    match jwt.rotate_refresh_token(&current_token).await {
        Ok(pair) => HttpResponse::Ok().json(pair),
        Err(rejection) => jwt.error_response(rejection),
    }
}

/// Every route above.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(protected)
        .service(skip)
        .service(fresh)
        .service(logout)
        .service(logout_all)
        .service(refresh);
}

/// A manager builder with the test secret.
pub fn builder() -> actix_jwt_extended::JwtManagerBuilder {
    JwtManager::builder().secret_key(SECRET)
}

/// Sends a request with an optional bearer token; returns the status and
/// the JSON body (`null` when the body is not JSON).
pub async fn send<S, B>(
    app: &S,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut request = test::TestRequest::default().method(method).uri(path);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    let body = test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// GET with a token.
pub async fn get_with<S, B>(app: &S, path: &str, token: &str) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, Method::GET, path, Some(token)).await
}

/// POST with a token.
pub async fn post_with<S, B>(app: &S, path: &str, token: &str) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    send(app, Method::POST, path, Some(token)).await
}

/// The expected body of a revoked token.
pub fn revoked() -> Value {
    json!({ "msg": "Token has been revoked" })
}

/// The expected body when the revocation check is unavailable.
pub fn unavailable() -> Value {
    json!({ "msg": "Token revocation check unavailable" })
}

/// The expected body of a reused refresh token.
pub fn reused() -> Value {
    json!({ "msg": "Refresh token reuse detected: every token of this session has been revoked" })
}

/// The `{"hello": identity}` body of `/protected`.
pub fn hello(identity: &str) -> Value {
    json!({ "hello": identity })
}

/// Two instances share revocations: a token revoked through A is rejected
/// by B 50 ms later, "log out everywhere" through B is honoured by A, and a
/// refresh token rotated on A and replayed on B revokes the family on both.
pub async fn assert_instances_share_revocations<SA, BA, SB, BB>(
    (app_a, jwt_a): (&SA, &JwtManager),
    (app_b, jwt_b): (&SB, &JwtManager),
) where
    SA: Service<actix_http::Request, Response = ServiceResponse<BA>, Error = actix_web::Error>,
    BA: MessageBody,
    SB: Service<actix_http::Request, Response = ServiceResponse<BB>, Error = actix_web::Error>,
    BB: MessageBody,
{
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(50));
    let token = jwt_a.create_access_token("alice").unwrap();
    assert_eq!(
        get_with(app_b, "/protected", &token).await,
        (StatusCode::OK, hello("alice"))
    );
    assert_eq!(
        send(app_a, Method::DELETE, "/logout", Some(&token)).await,
        (StatusCode::OK, json!({ "msg": "Token revoked" }))
    );
    pause().await;
    assert_eq!(
        get_with(app_b, "/protected", &token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );

    let bob = jwt_b.create_access_token("bob").unwrap();
    assert_eq!(
        post_with(app_b, "/logout/all", &bob).await.0,
        StatusCode::OK
    );
    pause().await;
    assert_eq!(
        get_with(app_a, "/protected", &bob).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );

    let login = jwt_a.create_token_pair("carol").unwrap();
    let (status, body) = post_with(app_a, "/refresh", &login.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    let rotated: actix_jwt_extended::revocation::TokenPair = serde_json::from_value(body).unwrap();
    pause().await;
    assert_eq!(
        post_with(app_b, "/refresh", &login.refresh_token).await,
        (StatusCode::UNAUTHORIZED, reused())
    );
    pause().await;
    assert_eq!(
        get_with(app_a, "/protected", &rotated.access_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

/// While the store is failing: a revoked token is answered 401 or 503, a
/// valid token of `identity` 200 or 503 — never anything else. Returns the
/// two statuses.
pub async fn assert_fail_closed<S, B>(
    app: &S,
    revoked_token: &str,
    valid_token: &str,
    identity: &str,
) -> (StatusCode, StatusCode)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let revoked_answer = get_with(app, "/protected", revoked_token).await;
    match revoked_answer.0 {
        StatusCode::UNAUTHORIZED => assert_eq!(revoked_answer.1, revoked()),
        StatusCode::SERVICE_UNAVAILABLE => assert_eq!(revoked_answer.1, unavailable()),
        other => panic!("revoked token: {other} {}", revoked_answer.1),
    }
    let valid_answer = get_with(app, "/protected", valid_token).await;
    match valid_answer.0 {
        StatusCode::OK => assert_eq!(valid_answer.1, hello(identity)),
        StatusCode::SERVICE_UNAVAILABLE => assert_eq!(valid_answer.1, unavailable()),
        other => panic!("valid token: {other} {}", valid_answer.1),
    }
    (revoked_answer.0, valid_answer.0)
}

/// Logs `token` out through `app`, again while the answer is 503, until
/// it is 200 — which it must be within `within`.
pub async fn logout_within<S, B>(app: &S, token: &str, within: std::time::Duration)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let deadline = std::time::Instant::now() + within;
    loop {
        let status = send(app, Method::DELETE, "/logout", Some(token)).await.0;
        if status == StatusCode::OK {
            return;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            std::time::Instant::now() < deadline,
            "revoking still fails {within:?} later"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Reads a claim of an encoded token without verifying it.
pub fn claim(token: &str, name: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("three segments");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    let claims: Value = serde_json::from_slice(&bytes).expect("JSON payload");
    claims[name].clone()
}
