//! The revocation step of the pipeline with the embedded in-memory store,
//! the callback form, custom stores, and store failures.

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_jwt_extended::revocation::{MemoryStore, RevocationStore};
use actix_jwt_extended::revocation::{StoreError, TokenKey, TokenStatus};
use actix_jwt_extended::testing::ManualClock;
use actix_jwt_extended::{JwtError, JwtManager, TokenOptions};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, HttpResponse, test};
use serde_json::json;
use support::{builder, get_with, hello, post_with, revoked, routes, send, unavailable};

#[actix_web::test]
async fn a_revoked_access_token_gets_401_and_other_tokens_still_pass() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let first = jwt.create_access_token("alice").unwrap();
    let second = jwt.create_access_token("alice").unwrap();

    assert_eq!(
        get_with(&app, "/protected", &first).await,
        (StatusCode::OK, hello("alice"))
    );
    jwt.revoke_token(&jwt.decode_token(&first).unwrap())
        .await
        .unwrap();

    assert_eq!(
        get_with(&app, "/protected", &first).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        get_with(&app, "/protected", &second).await,
        (StatusCode::OK, hello("alice"))
    );
}

#[actix_web::test]
async fn the_logout_route_revokes_access_and_refresh_tokens() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();

    let logged_out = (StatusCode::OK, json!({ "msg": "Token revoked" }));
    assert_eq!(
        send(&app, Method::DELETE, "/logout", Some(&access)).await,
        logged_out
    );
    assert_eq!(
        send(&app, Method::DELETE, "/logout", Some(&refresh)).await,
        logged_out
    );

    assert_eq!(
        get_with(&app, "/protected", &access).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        post_with(&app, "/refresh", &refresh).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        send(&app, Method::DELETE, "/logout", Some(&access)).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn revoking_every_token_of_an_identity_cuts_off_earlier_tokens_only() {
    let clock = ManualClock::new();
    let jwt = builder().clock(&clock).build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let alice_access = jwt.create_access_token("alice").unwrap();
    let alice_refresh = jwt.create_refresh_token("alice").unwrap();
    let bob = jwt.create_access_token("bob").unwrap();

    assert_eq!(
        post_with(&app, "/logout/all", &alice_access).await,
        (StatusCode::OK, json!({ "msg": "All tokens revoked" }))
    );

    assert_eq!(
        get_with(&app, "/protected", &alice_access).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        post_with(&app, "/refresh", &alice_refresh).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        get_with(&app, "/protected", &bob).await,
        (StatusCode::OK, hello("bob"))
    );
    // A token created after the call returned is not affected.
    let fresh_login = jwt.create_access_token("alice").unwrap();
    assert_eq!(
        get_with(&app, "/protected", &fresh_login).await,
        (StatusCode::OK, hello("alice"))
    );
}

#[actix_web::test]
async fn skip_revocation_check_lets_a_revoked_token_through() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();
    jwt.revoke_token(&jwt.decode_token(&token).unwrap())
        .await
        .unwrap();

    assert_eq!(
        get_with(&app, "/skip", &token).await,
        (StatusCode::OK, hello("alice"))
    );
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn the_callback_form_sync_or_async_revokes_and_sees_both_token_kinds() {
    let blocked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (blocked_in, seen_in) = (Arc::clone(&blocked), Arc::clone(&seen));
    let jwt = builder()
        .token_in_blocklist_loader(move |token| {
            let (blocked, seen) = (Arc::clone(&blocked_in), Arc::clone(&seen_in));
            async move {
                tokio::task::yield_now().await;
                seen.lock().unwrap().push(token.token_type().to_owned());
                blocked.lock().unwrap().contains(token.jti().unwrap())
            }
        })
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();

    assert_eq!(
        get_with(&app, "/protected", &access).await,
        (StatusCode::OK, hello("alice"))
    );
    for token in [&access, &refresh] {
        let jti = jwt.decode_token(token).unwrap().jti().unwrap().to_owned();
        blocked.lock().unwrap().insert(jti);
    }
    assert_eq!(
        get_with(&app, "/protected", &access).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        post_with(&app, "/refresh", &refresh).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(*seen.lock().unwrap(), ["access", "access", "refresh"]);
    // The skip option skips the callback too.
    assert_eq!(
        get_with(&app, "/skip", &access).await,
        (StatusCode::OK, hello("alice"))
    );
    assert_eq!(seen.lock().unwrap().len(), 3);

    // A plain (non-async) check works as well.
    let sync = builder()
        .token_in_blocklist_loader(|token| std::future::ready(token.sub() == Some("mallory")))
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(sync.clone()).configure(routes)).await;
    let mallory = sync.create_access_token("mallory").unwrap();
    assert_eq!(
        get_with(&app, "/protected", &mallory).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn the_store_and_the_callback_are_both_consulted() {
    let jwt = builder()
        .token_in_blocklist_loader(|token| std::future::ready(token.sub() == Some("mallory")))
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let alice = jwt.create_access_token("alice").unwrap();
    let mallory = jwt.create_access_token("mallory").unwrap();
    jwt.revoke_token(&jwt.decode_token(&alice).unwrap())
        .await
        .unwrap();

    assert_eq!(
        get_with(&app, "/protected", &alice).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        get_with(&app, "/protected", &mallory).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert!(
        jwt.is_token_revoked(&jwt.decode_token(&mallory).unwrap())
            .await
            .unwrap()
    );
    let carol = jwt.create_access_token("carol").unwrap();
    assert!(
        !jwt.is_token_revoked(&jwt.decode_token(&carol).unwrap())
            .await
            .unwrap()
    );
}

#[actix_web::test]
async fn the_revoked_response_can_be_overridden() {
    let jwt = builder()
        .revoked_token_loader(|token| HttpResponse::NotFound().json(json!({ "gone": token.jti() })))
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();
    let decoded = jwt.decode_token(&token).unwrap();
    jwt.revoke_token(&decoded).await.unwrap();

    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::NOT_FOUND, json!({ "gone": decoded.jti() }))
    );
}

#[actix_web::test]
async fn revocation_comes_after_type_and_fresh_and_before_claims_verification() {
    let jwt = builder()
        .token_verification_loader(|_| std::future::ready(false))
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let refresh = jwt.create_refresh_token("alice").unwrap();
    let stale = jwt.create_access_token("alice").unwrap();
    let fresh = jwt
        .create_access_token_with("alice", TokenOptions::new().fresh(true))
        .unwrap();
    for token in [&refresh, &stale, &fresh] {
        jwt.revoke_token(&jwt.decode_token(token).unwrap())
            .await
            .unwrap();
    }

    assert_eq!(
        get_with(&app, "/protected", &refresh).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "msg": "Only non-refresh tokens are allowed" })
        )
    );
    assert_eq!(
        get_with(&app, "/fresh", &stale).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({ "msg": "Fresh token required" })
        )
    );
    assert_eq!(
        get_with(&app, "/fresh", &fresh).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    // Not revoked: the claims verification runs and says no.
    let other = jwt.create_access_token("alice").unwrap();
    assert_eq!(
        get_with(&app, "/protected", &other).await,
        (
            StatusCode::BAD_REQUEST,
            json!({ "msg": "User claims verification failed" })
        )
    );
}

#[actix_web::test]
async fn a_token_without_jti_cannot_be_revoked_individually() {
    let clock = ManualClock::new();
    let jwt = builder().clock(&clock).build().unwrap();
    // A token from another issuer, without `jti`.
    let now = clock.unix_seconds();
    let claims = json!({ "sub": "alice", "iat": now, "exp": now + 60 });
    // `jsonwebtoken::encode` needs a process-wide provider when both crypto
    // features are enabled (as under `--all-features`).
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(support::SECRET.as_bytes()),
    )
    .unwrap();
    let decoded = jwt.decode_token(&token).unwrap();
    assert_eq!(decoded.jti(), None);
    assert_eq!(
        jwt.revoke_token(&decoded).await.map_err(|r| r.into_error()),
        Err(JwtError::MissingClaim("jti".to_owned()))
    );
    // The identity cut-off still applies to it.
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::OK, hello("alice"))
    );
    jwt.revoke_all_tokens("alice").await.unwrap();
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn revoked_entries_are_dropped_once_the_token_has_expired() {
    let clock = ManualClock::new();
    let store = MemoryStore::with_clock(&clock);
    let jwt = builder()
        .clock(&clock)
        .revocation_store(store.clone())
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let short = jwt
        .create_access_token_with("alice", TokenOptions::new().expires(Duration::from_secs(1)))
        .unwrap();
    let long = jwt.create_access_token("alice").unwrap();
    jwt.revoke_token(&jwt.decode_token(&short).unwrap())
        .await
        .unwrap();
    jwt.revoke_token(&jwt.decode_token(&long).unwrap())
        .await
        .unwrap();
    assert_eq!(store.len(), 2);
    assert_eq!(
        get_with(&app, "/protected", &short).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );

    clock.advance(Duration::from_secs(1));
    store.purge_expired();
    assert_eq!(store.len(), 1, "only the live token's entry is kept");
    assert_eq!(
        get_with(&app, "/protected", &short).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({ "msg": "Token has expired" })
        )
    );
    assert_eq!(
        get_with(&app, "/protected", &long).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

/// A store whose backend can be switched off, or made to hang.
#[derive(Default)]
struct Flaky {
    inner: MemoryStore,
    down: AtomicBool,
    hang: AtomicBool,
}

impl Flaky {
    async fn gate(&self) -> Result<(), StoreError> {
        if self.hang.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::new("connection refused"));
        }
        Ok(())
    }
}

impl RevocationStore for Flaky {
    async fn revoke(&self, jti: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        self.gate().await?;
        self.inner.revoke(jti, expires_at).await
    }
    async fn revoke_family(&self, family: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        self.gate().await?;
        self.inner.revoke_family(family, expires_at).await
    }
    async fn revoke_issued_before(
        &self,
        identity: &str,
        cutoff: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.gate().await?;
        self.inner
            .revoke_issued_before(identity, cutoff, expires_at)
            .await
    }
    async fn exchange(&self, jti: &str, expires_at: Option<i64>) -> Result<bool, StoreError> {
        self.gate().await?;
        self.inner.exchange(jti, expires_at).await
    }
    async fn status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        self.gate().await?;
        self.inner.status(token).await
    }
}

#[actix_web::test]
async fn a_failing_store_fails_closed_with_503_and_recovers_by_itself() {
    let store = Arc::new(Flaky::default());
    let jwt = builder()
        .revocation_store_arc(Arc::clone(&store))
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();
    let revoked_token = jwt.create_access_token("alice").unwrap();
    jwt.revoke_token(&jwt.decode_token(&revoked_token).unwrap())
        .await
        .unwrap();

    store.down.store(true, Ordering::SeqCst);
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    assert_eq!(
        send(&app, Method::DELETE, "/logout", Some(&token)).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    assert_eq!(
        jwt.revoke_token(&jwt.decode_token(&token).unwrap())
            .await
            .map_err(|r| r.into_error()),
        Err(JwtError::RevocationUnavailable)
    );
    // Routes that skip the check are unaffected.
    assert_eq!(
        get_with(&app, "/skip", &token).await,
        (StatusCode::OK, hello("alice"))
    );

    store.down.store(false, Ordering::SeqCst);
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::OK, hello("alice"))
    );
    assert_eq!(
        get_with(&app, "/protected", &revoked_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn a_hanging_store_is_cut_off_by_the_timeout() {
    let store = Arc::new(Flaky::default());
    let jwt = builder()
        .revocation_store_arc(Arc::clone(&store))
        .revocation_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();

    store.hang.store(true, Ordering::SeqCst);
    let started = Instant::now();
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    // Bounded: answered after the timeout, not left hanging.
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    store.hang.store(false, Ordering::SeqCst);
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::OK, hello("alice"))
    );
}

#[actix_web::test]
async fn a_hanging_callback_is_cut_off_by_the_timeout_too() {
    let jwt = builder()
        .revocation_timeout(Duration::from_millis(100))
        .token_in_blocklist_loader(|_| std::future::pending::<bool>())
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
}

#[actix_web::test]
async fn fail_open_lets_tokens_through_while_the_store_is_down() {
    let store = Arc::new(Flaky::default());
    let jwt = builder()
        .revocation_store_arc(Arc::clone(&store))
        .revocation_fail_open(true)
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();
    jwt.revoke_token(&jwt.decode_token(&token).unwrap())
        .await
        .unwrap();

    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    store.down.store(true, Ordering::SeqCst);
    assert_eq!(
        get_with(&app, "/protected", &token).await,
        (StatusCode::OK, hello("alice"))
    );
}

#[actix_web::test]
async fn the_unavailable_response_can_be_overridden() {
    let store = Arc::new(Flaky::default());
    store.down.store(true, Ordering::SeqCst);
    let jwt = builder()
        .revocation_store_arc(Arc::clone(&store))
        .revocation_unavailable_loader(|token| {
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "1"))
                .json(json!({ "error": "try again", "sub": token.sub() }))
        })
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let token = jwt.create_access_token("alice").unwrap();
    let request = test::TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers().get("Retry-After").unwrap(), "1");
    let body: serde_json::Value = test::read_body_json(response).await;
    assert_eq!(body, json!({ "error": "try again", "sub": "alice" }));
}

#[actix_web::test]
async fn the_error_table_maps_the_new_errors() {
    assert_eq!(
        JwtError::RevocationUnavailable.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        JwtError::RevocationUnavailable.to_string(),
        "Token revocation check unavailable"
    );
    assert_eq!(
        JwtError::RefreshTokenReused.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        JwtError::RefreshTokenReused.class(),
        actix_jwt_extended::ErrorClass::Revoked
    );
}

#[actix_web::test]
async fn a_manager_without_explicit_store_uses_its_own_memory_store() {
    // Two managers built separately do not share revocations (build one
    // manager and clone it for every worker).
    let first = builder().build().unwrap();
    let second = builder().build().unwrap();
    let token = first.create_access_token("alice").unwrap();
    first
        .revoke_token(&first.decode_token(&token).unwrap())
        .await
        .unwrap();
    assert!(
        first
            .clone()
            .is_token_revoked(&first.decode_token(&token).unwrap())
            .await
            .unwrap()
    );
    assert!(
        !second
            .is_token_revoked(&second.decode_token(&token).unwrap())
            .await
            .unwrap()
    );
    let _: &JwtManager = &first;
}

#[actix_web::test]
async fn revoking_a_session_ends_that_login_only() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let phone = jwt.create_token_pair("alice").unwrap();
    let laptop = jwt.create_token_pair("alice").unwrap();
    let rotated = jwt
        .rotate_refresh_token(&jwt.decode_token(&phone.refresh_token).unwrap())
        .await
        .unwrap();

    jwt.revoke_session(&jwt.decode_token(&rotated.access_token).unwrap())
        .await
        .unwrap();
    for token in [&phone.access_token, &rotated.access_token] {
        assert_eq!(
            get_with(&app, "/protected", token).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
    }
    assert_eq!(
        post_with(&app, "/refresh", &rotated.refresh_token).await,
        (StatusCode::UNAUTHORIZED, revoked()),
        "the session's refresh token no longer rotates"
    );
    assert_eq!(
        get_with(&app, "/protected", &laptop.access_token).await,
        (StatusCode::OK, hello("alice")),
        "another login of the same identity is untouched"
    );
    assert_eq!(
        post_with(&app, "/refresh", &laptop.refresh_token).await.0,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_token_outside_any_session_is_revoked_with_what_it_started() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    // A lone access token: only it is revoked.
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();
    jwt.revoke_session(&jwt.decode_token(&access).unwrap())
        .await
        .unwrap();
    assert_eq!(
        get_with(&app, "/protected", &access).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    // A lone refresh token: it and every pair rotated from it.
    let decoded = jwt.decode_token(&refresh).unwrap();
    let rotated = jwt.rotate_refresh_token(&decoded).await.unwrap();
    jwt.revoke_session(&decoded).await.unwrap();
    assert_eq!(
        get_with(&app, "/protected", &rotated.access_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    assert_eq!(
        post_with(&app, "/refresh", &rotated.refresh_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    let unrelated = jwt.create_refresh_token("alice").unwrap();
    assert_eq!(
        post_with(&app, "/refresh", &unrelated).await.0,
        StatusCode::OK
    );
}
