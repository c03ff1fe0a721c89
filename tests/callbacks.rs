//! The manager's loaders: claim/header/identity loaders at creation, the
//! pipeline hooks in Flask-JWT-Extended's order, and every response loader.

use std::sync::{Arc, Mutex};

use actix_jwt_extended::{JwtManager, JwtManagerBuilder, TokenOptions, jwt_required};
use actix_jwt_extended_examples::{hs256, hs256_token, now};
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, get, test};
use serde_json::{Map, Value, json};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    let user = current_token.user::<String>().map(|user| (*user).clone());
    HttpResponse::Ok().json(json!({ "sub": current_token.sub(), "user": user }))
}

#[get("/fresh")]
#[jwt_required(fresh)]
async fn fresh() -> HttpResponse {
    HttpResponse::Ok().finish()
}

async fn call(m: &JwtManager, path: &str, token: Option<&str>) -> (u16, Value) {
    let app = test::init_service(
        App::new()
            .app_data(m.clone())
            .service(protected)
            .service(fresh),
    )
    .await;
    let mut req = test::TestRequest::get().uri(path);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    (status, test::read_body_json(resp).await)
}

type Log = Arc<Mutex<Vec<&'static str>>>;

/// A manager whose three hooks record their calls and answer as told.
fn hooked(
    log: &Log,
    revoked: bool,
    verified: bool,
    user: Option<&'static str>,
) -> JwtManagerBuilder {
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    hs256()
        .token_in_blocklist_loader(move |_| {
            l1.lock().unwrap().push("blocklist");
            async move { revoked }
        })
        .token_verification_loader(move |_| {
            l2.lock().unwrap().push("verify");
            async move { verified }
        })
        .user_lookup_loader(move |token| {
            l3.lock().unwrap().push("user_lookup");
            let name = token.sub().unwrap_or_default().to_owned();
            async move { user.map(|u| format!("{u}:{name}")) }
        })
}

#[actix_web::test]
async fn hooks_run_in_flask_order_and_stop_at_the_first_failure() {
    let log: Log = Default::default();
    let m = hooked(&log, false, true, Some("user")).build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, "/protected", Some(&token)).await,
        (200, json!({"sub": "alice", "user": "user:alice"}))
    );
    assert_eq!(*log.lock().unwrap(), ["blocklist", "verify", "user_lookup"]);

    let log: Log = Default::default();
    let m = hooked(&log, true, false, None).build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, "/protected", Some(&token)).await,
        (401, json!({"msg": "Token has been revoked"}))
    );
    assert_eq!(*log.lock().unwrap(), ["blocklist"]);

    let log: Log = Default::default();
    let m = hooked(&log, false, false, None).build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, "/protected", Some(&token)).await,
        (400, json!({"msg": "User claims verification failed"}))
    );
    assert_eq!(*log.lock().unwrap(), ["blocklist", "verify"]);

    let log: Log = Default::default();
    let m = hooked(&log, false, true, None).build().unwrap();
    let token = m.create_access_token("ghost").unwrap();
    assert_eq!(
        call(&m, "/protected", Some(&token)).await,
        (401, json!({"msg": "Error loading the user ghost"}))
    );

    // Freshness is checked before the revocation hook; expiry before any hook.
    let log: Log = Default::default();
    let m = hooked(&log, true, true, Some("u")).build().unwrap();
    let stale = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, "/fresh", Some(&stale)).await,
        (401, json!({"msg": "Fresh token required"}))
    );
    let expired = hs256_token(&json!({"sub": "alice", "exp": now() - 1}));
    assert_eq!(call(&m, "/protected", Some(&expired)).await.0, 401);
    assert!(log.lock().unwrap().is_empty());
}

/// Response loaders for the three hook failures, each answering 404 with
/// its code and the token's subject.
fn hook_responses(builder: JwtManagerBuilder) -> JwtManagerBuilder {
    let answer = |code: &'static str| {
        move |t: &actix_jwt_extended::DecodedToken| {
            HttpResponse::NotFound().json(json!({"code": code, "sub": t.sub()}))
        }
    };
    builder
        .revoked_token_loader(answer("revoked"))
        .token_verification_failed_loader(answer("verify"))
        .user_lookup_error_loader(answer("lookup"))
}

#[actix_web::test]
async fn every_response_is_overridable() {
    let m = hs256()
        .expired_token_loader(|token| {
            HttpResponse::build(StatusCode::from_u16(419).unwrap())
                .json(json!({"code": "expired", "type": token.token_type()}))
        })
        .invalid_token_loader(|reason| {
            HttpResponse::BadRequest().json(json!({"code": "invalid", "reason": reason}))
        })
        .unauthorized_loader(|reason| {
            HttpResponse::Forbidden().json(json!({"code": "unauth", "reason": reason}))
        })
        .needs_fresh_token_loader(|t| {
            HttpResponse::Forbidden().json(json!({"code": "needs_fresh", "sub": t.sub()}))
        })
        .build()
        .unwrap();
    let expired = hs256_token(&json!({"sub": "a", "exp": now() - 1, "type": "access"}));
    assert_eq!(
        call(&m, "/protected", Some(&expired)).await,
        (419, json!({"code": "expired", "type": "access"}))
    );
    assert_eq!(
        call(&m, "/protected", Some("aaaaa.bbbbb.ccccc")).await,
        (
            400,
            json!({"code": "invalid", "reason": "Invalid header padding"})
        )
    );
    assert_eq!(
        call(&m, "/protected", None).await,
        (
            403,
            json!({"code": "unauth", "reason": "Missing Authorization Header"})
        )
    );
    let stale = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, "/fresh", Some(&stale)).await,
        (403, json!({"code": "needs_fresh", "sub": "alice"}))
    );

    for (revoked, verified, user, code) in [
        (true, true, Some("u"), "revoked"),
        (false, false, Some("u"), "verify"),
        (false, true, None, "lookup"),
    ] {
        let log: Log = Default::default();
        let m = hook_responses(hooked(&log, revoked, verified, user))
            .build()
            .unwrap();
        let token = m.create_access_token("alice").unwrap();
        assert_eq!(
            call(&m, "/protected", Some(&token)).await,
            (404, json!({"code": code, "sub": "alice"}))
        );
    }
}

#[actix_web::test]
async fn creation_loaders_merge_and_per_call_values_win() {
    let m = hs256()
        .user_identity_loader(|user| user["id"].clone())
        .additional_claims_loader(|user| {
            let mut claims = Map::new();
            claims.insert("role".into(), user["role"].clone());
            claims.insert("shared".into(), json!("from_loader"));
            claims
        })
        .additional_headers_loader(|_| {
            let mut headers = Map::new();
            headers.insert("kid".into(), json!("loader-kid"));
            headers.insert("x".into(), json!(1));
            headers
        })
        .build()
        .unwrap();
    let user = json!({"id": "7", "role": "admin"});
    let token = m
        .create_access_token_with(
            &user,
            TokenOptions::new()
                .claim("shared", "from_arg")
                .header("x", 2),
        )
        .unwrap();
    let decoded = m.decode_token(&token).unwrap();
    assert_eq!(decoded.sub(), Some("7"));
    assert_eq!(decoded.claim("role"), Some(&json!("admin")));
    assert_eq!(decoded.claim("shared"), Some(&json!("from_arg")));
    assert_eq!(
        Value::Object(decoded.header().clone()),
        json!({"alg": "HS256", "kid": "loader-kid", "typ": "JWT", "x": 2})
    );
    // The header is written with sorted keys, as PyJWT does.
    let header_json = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header_json,
        r#"{"alg":"HS256","kid":"loader-kid","typ":"JWT","x":2}"#
    );
}
