//! The verified-token cache: what it serves, what it never stores, and that
//! every request-level check still runs on a hit.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_jwt_extended::testing::ManualClock;
use actix_jwt_extended::{
    Algorithm, JwtManager, JwtManagerBuilder, TokenCache, TokenCacheStats, TokenOptions,
    jwt_refresh_required, jwt_required, require_token,
};
use actix_jwt_extended_examples::{SECRET, hs256, hs256_token, key, key_pair, now};
use actix_web::{App, HttpResponse, get, test};
use serde_json::{Value, json};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

#[get("/fresh")]
#[jwt_required(fresh)]
async fn fresh() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/refresh")]
#[jwt_refresh_required]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/admin")]
#[require_token(role = "admin")]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

async fn call(m: &JwtManager, path: &str, token: &str) -> (u16, Value) {
    let app = test::init_service(
        App::new()
            .app_data(m.clone())
            .service(protected)
            .service(fresh)
            .service(refresh)
            .service(admin),
    )
    .await;
    let req = test::TestRequest::get()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn msg(text: &str) -> Value {
    json!({ "msg": text })
}

/// An RS256 builder (the cache is on by default).
fn rs256() -> JwtManagerBuilder {
    let (private, public) = key_pair(Algorithm::RS256);
    JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .private_key_pem(private)
        .public_key_pem(public)
}

fn stats(m: &JwtManager) -> TokenCacheStats {
    m.verified_token_cache_stats().expect("the cache is on")
}

#[actix_web::test]
async fn a_repeated_token_is_served_from_the_cache() {
    let m = rs256().build().unwrap();
    assert!(m.verified_token_cache_enabled());
    let token = m.create_access_token("alice").unwrap();
    for _ in 0..3 {
        assert_eq!(
            call(&m, "/protected", &token).await,
            (200, json!({"sub": "alice"}))
        );
    }
    let stats = stats(&m);
    assert_eq!((stats.entries, stats.hits, stats.misses), (1, 2, 1));
    assert_eq!(stats.capacity, 1024);
    m.clear_verified_token_cache();
    assert_eq!(self::stats(&m).entries, 0);
}

#[actix_web::test]
async fn on_by_default_and_auto_is_on_for_asymmetric_algorithms_only() {
    assert!(rs256().build().unwrap().verified_token_cache_enabled());
    assert!(hs256().build().unwrap().verified_token_cache_enabled());
    let auto = |builder: JwtManagerBuilder| {
        builder
            .verified_token_cache(TokenCache::Auto)
            .build()
            .unwrap()
            .verified_token_cache_enabled()
    };
    assert!(auto(rs256()));
    assert!(!auto(hs256()));
    let (private, public) = key_pair(Algorithm::EdDSA);
    let ed = JwtManager::builder()
        .algorithm(Algorithm::EdDSA)
        .private_key_pem(private)
        .public_key_pem(public)
        .build()
        .unwrap();
    assert!(ed.verified_token_cache_enabled());
    let off = hs256()
        .options([("JWT_VERIFIED_TOKEN_CACHE", "off")])
        .unwrap()
        .build()
        .unwrap();
    assert!(!off.verified_token_cache_enabled());
    assert_eq!(off.verified_token_cache_stats(), None);
    let on = hs256()
        .options([
            ("JWT_VERIFIED_TOKEN_CACHE", "on"),
            ("JWT_VERIFIED_TOKEN_CACHE_SIZE", "7"),
        ])
        .unwrap()
        .build()
        .unwrap();
    assert!(on.verified_token_cache_enabled());
    assert_eq!(stats(&on).capacity, 7);
    let off = rs256()
        .verified_token_cache(TokenCache::Off)
        .build()
        .unwrap();
    assert!(!off.verified_token_cache_enabled());

    let bad = hs256().options([("JWT_VERIFIED_TOKEN_CACHE", "sometimes")]);
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("JWT_VERIFIED_TOKEN_CACHE")
    );
    let zero = hs256().verified_token_cache_size(0).build();
    assert!(
        zero.unwrap_err()
            .to_string()
            .contains("JWT_VERIFIED_TOKEN_CACHE_SIZE")
    );
}

#[actix_web::test]
async fn a_token_that_expires_while_cached_is_refused_as_expired() {
    let expired_claims: Arc<Mutex<Option<Value>>> = Default::default();
    let seen = expired_claims.clone();
    let clock = ManualClock::new();
    let m = hs256()
        .clock(&clock)
        .verified_token_cache(TokenCache::On)
        .expired_token_loader(move |token| {
            *seen.lock().unwrap() = Some(Value::Object(token.claims().clone()));
            HttpResponse::Unauthorized().json(json!({"msg": "Token has expired"}))
        })
        .build()
        .unwrap();
    let exp = clock.unix_seconds() + 2;
    let token = hs256_token(&json!({"sub": "alice", "exp": exp, "jti": "j1"}));
    assert_eq!(call(&m, "/protected", &token).await.0, 200);
    assert_eq!(call(&m, "/protected", &token).await.0, 200);
    assert_eq!(stats(&m).hits, 1);

    clock.advance(Duration::from_millis(1999));
    assert_eq!(call(&m, "/protected", &token).await.0, 200);
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        call(&m, "/protected", &token).await,
        (401, msg("Token has expired"))
    );
    // Verified in full again: the expired-token loader got the claims, and
    // the entry is gone.
    let claims = expired_claims.lock().unwrap().clone().unwrap();
    assert_eq!(claims["jti"], "j1");
    let stats = stats(&m);
    assert_eq!((stats.entries, stats.hits), (0, 2));
}

#[actix_web::test]
async fn a_token_revoked_while_cached_is_refused() {
    let revoked: Arc<Mutex<HashSet<String>>> = Default::default();
    let store = revoked.clone();
    let m = rs256()
        .token_in_blocklist_loader(move |token| {
            let hit = token
                .jti()
                .is_some_and(|jti| store.lock().unwrap().contains(jti));
            async move { hit }
        })
        .build()
        .unwrap();
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(call(&m, "/protected", &token).await.0, 200);
    assert_eq!(stats(&m).entries, 1);

    let jti = m.decode_token(&token).unwrap().jti().unwrap().to_owned();
    revoked.lock().unwrap().insert(jti.clone());
    assert_eq!(
        call(&m, "/protected", &token).await,
        (401, msg("Token has been revoked"))
    );
    assert_eq!(stats(&m).hits, 1, "the refusal came on a cache hit");
    revoked.lock().unwrap().remove(&jti);
    assert_eq!(call(&m, "/protected", &token).await.0, 200);
}

#[actix_web::test]
async fn the_built_in_revocation_store_is_consulted_on_a_hit() {
    let m = rs256().clock(&ManualClock::new()).build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    let other = m.create_access_token("alice").unwrap();
    let bob = m.create_access_token("bob").unwrap();
    for token in [&token, &other, &bob] {
        assert_eq!(call(&m, "/protected", token).await.0, 200);
    }
    assert_eq!(stats(&m).entries, 3);

    m.revoke_token(&m.decode_token(&token).unwrap())
        .await
        .unwrap();
    assert_eq!(
        call(&m, "/protected", &token).await,
        (401, msg("Token has been revoked"))
    );
    assert_eq!(call(&m, "/protected", &other).await.0, 200);

    // "Log out everywhere" reaches cached tokens of that identity only.
    m.revoke_all_tokens("alice").await.unwrap();
    assert_eq!(
        call(&m, "/protected", &other).await,
        (401, msg("Token has been revoked"))
    );
    assert_eq!(call(&m, "/protected", &bob).await.0, 200);
    let stats = stats(&m);
    assert_eq!(
        (stats.hits, stats.misses),
        (4, 3),
        "every refusal came on a hit"
    );
}

#[actix_web::test]
async fn the_csrf_check_still_runs_on_a_hit() {
    let m = rs256()
        .token_location([actix_jwt_extended::TokenLocation::Cookies])
        .build()
        .unwrap();
    let token = m.create_access_token("alice").unwrap();
    let csrf = m.decode_token(&token).unwrap().claims()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = test::init_service(App::new().app_data(m.clone()).route(
        "/update",
        actix_web::web::post().to(|token: actix_jwt_extended::CurrentToken| async move {
            HttpResponse::Ok().json(json!({ "sub": token.sub() }))
        }),
    ))
    .await;
    let post = |csrf: &str| {
        test::TestRequest::post()
            .uri("/update")
            .cookie(actix_web::cookie::Cookie::new(
                "access_token_cookie",
                token.clone(),
            ))
            .insert_header(("X-CSRF-TOKEN", csrf.to_owned()))
            .to_request()
    };
    assert_eq!(test::call_service(&app, post(&csrf)).await.status(), 200);
    let refused = test::call_service(&app, post("forged")).await;
    assert_eq!(refused.status(), 401);
    let body: Value = test::read_body_json(refused).await;
    assert_eq!(body, msg("CSRF double submit tokens do not match"));
    assert_eq!(stats(&m).hits, 1, "the refusal came on a hit");
}

#[actix_web::test]
async fn a_new_manager_with_other_keys_starts_with_an_empty_cache() {
    let first = rs256().build().unwrap();
    let token = first.create_access_token("alice").unwrap();
    assert_eq!(call(&first, "/protected", &token).await.0, 200);
    assert_eq!(stats(&first).entries, 1);

    // Same thread, same token, another key: verified in full and refused.
    let other = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .private_key_pem(key("rsa2_private.pem"))
        .public_key_pem(key("rsa2_public.pem"))
        .build()
        .unwrap();
    assert_eq!(
        call(&other, "/protected", &token).await,
        (422, msg("Signature verification failed"))
    );
    let stats_other = stats(&other);
    assert_eq!((stats_other.entries, stats_other.hits), (0, 0));

    // Same keys, new manager: its own, empty cache.
    let again = rs256().build().unwrap();
    assert_eq!(stats(&again).entries, 0);
    assert_eq!(call(&again, "/protected", &token).await.0, 200);
    let stats_again = stats(&again);
    assert_eq!((stats_again.hits, stats_again.misses), (0, 1));
}

#[actix_web::test]
async fn an_oversize_token_is_verified_but_never_cached() {
    let m = rs256().build().unwrap();
    // Tokens over 4 KiB are never cached (see `TokenCache`).
    const MAX_CACHED_TOKEN_SIZE: usize = 4096;
    let padding = "x".repeat(MAX_CACHED_TOKEN_SIZE);
    let token = m
        .create_access_token_with("alice", TokenOptions::new().claim("padding", padding))
        .unwrap();
    assert!(token.len() > MAX_CACHED_TOKEN_SIZE);
    for _ in 0..2 {
        assert_eq!(call(&m, "/protected", &token).await.0, 200);
    }
    let stats = stats(&m);
    assert_eq!((stats.entries, stats.hits), (0, 0));
}

#[actix_web::test]
async fn type_fresh_and_requirements_are_still_enforced_on_a_hit() {
    let m = rs256().build().unwrap();
    let access = m.create_access_token("alice").unwrap();
    assert_eq!(call(&m, "/protected", &access).await.0, 200);
    assert_eq!(
        call(&m, "/fresh", &access).await,
        (401, msg("Fresh token required"))
    );
    assert_eq!(
        call(&m, "/refresh", &access).await,
        (422, msg("Only refresh tokens are allowed"))
    );
    assert_eq!(
        call(&m, "/admin", &access).await,
        (403, msg("Missing required claim(s)"))
    );
    assert_eq!(stats(&m).hits, 3);

    let refresh_token = m.create_refresh_token("alice").unwrap();
    assert_eq!(call(&m, "/refresh", &refresh_token).await.0, 200);
    assert_eq!(
        call(&m, "/protected", &refresh_token).await,
        (422, msg("Only non-refresh tokens are allowed"))
    );
    let admin_token = m
        .create_access_token_with("root", TokenOptions::new().claim("role", "admin"))
        .unwrap();
    assert_eq!(call(&m, "/admin", &admin_token).await.0, 200);
    assert_eq!(call(&m, "/admin", &admin_token).await.0, 200);
    assert_eq!(stats(&m).hits, 5);
}

#[actix_web::test]
async fn a_fresh_until_token_stops_being_fresh_while_cached() {
    let clock = ManualClock::new();
    let m = rs256().clock(&clock).build().unwrap();
    let token = m
        .create_access_token_with("alice", TokenOptions::new().fresh(Duration::from_secs(60)))
        .unwrap();
    assert_eq!(call(&m, "/fresh", &token).await.0, 200);
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        call(&m, "/fresh", &token).await.0,
        200,
        "fresh until its second"
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        call(&m, "/fresh", &token).await,
        (401, msg("Fresh token required"))
    );
    assert_eq!(stats(&m).hits, 2);
}

#[actix_web::test]
async fn failures_are_never_cached() {
    let m = hs256()
        .verified_token_cache(TokenCache::On)
        .build()
        .unwrap();
    let good = m.create_access_token("alice").unwrap();
    let (head, _) = good.rsplit_once('.').unwrap();
    let forged = format!("{head}.{}", "A".repeat(43));
    let expired = hs256_token(&json!({"sub": "alice", "exp": now() - 10}));
    let not_yet = hs256_token(&json!({"sub": "alice", "exp": now() + 600, "nbf": now() + 600}));
    let no_identity = hs256_token(&json!({"exp": now() + 600}));
    let cases = [
        (forged.as_str(), 422, "Signature verification failed"),
        (expired.as_str(), 401, "Token has expired"),
        (not_yet.as_str(), 422, "The token is not yet valid (nbf)"),
        (no_identity.as_str(), 422, "Missing claim: sub"),
        ("not.a.token", 422, "Invalid header padding"),
    ];
    for _ in 0..2 {
        for (token, status, text) in cases {
            assert_eq!(call(&m, "/protected", token).await, (status, msg(text)));
        }
    }
    let stats = stats(&m);
    assert_eq!((stats.entries, stats.hits, stats.misses), (0, 0, 10));

    // A token signed with another secret never reaches the cache either.
    let other = JwtManager::builder()
        .secret_key(format!("{SECRET}-other"))
        .build()
        .unwrap()
        .create_access_token("alice")
        .unwrap();
    assert_eq!(call(&m, "/protected", &other).await.0, 422);
    assert_eq!(self::stats(&m).entries, 0);
}

#[actix_web::test]
async fn the_extractor_and_verify_jwt_in_request_use_the_cache_too() {
    let m = rs256().build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    let app = test::init_service(App::new().app_data(m.clone()).route(
        "/extractor",
        actix_web::web::get().to(|token: actix_jwt_extended::CurrentToken| async move {
            HttpResponse::Ok().json(json!({ "sub": token.sub() }))
        }),
    ))
    .await;
    for _ in 0..2 {
        let req = test::TestRequest::get()
            .uri("/extractor")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status().as_u16(), 200);
    }
    let req = test::TestRequest::get()
        .insert_header(("Authorization", format!("Bearer {token}")))
        .app_data(m.clone())
        .to_http_request();
    let verified =
        actix_jwt_extended::verify_jwt_in_request(&req, actix_jwt_extended::VerifyOptions::new())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(verified.sub(), Some("alice"));
    assert_eq!(stats(&m).hits, 2);
}
