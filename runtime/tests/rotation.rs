//! Refresh-token rotation with reuse detection, on the in-memory store.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_jwt_extended::JwtError;
use actix_jwt_extended::revocation::{FAMILY_CLAIM, MemoryStore, RevocationStore, TokenPair};
use actix_jwt_extended::revocation::{StoreError, TokenKey, TokenStatus};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, test};
use serde_json::Value;
use support::{
    builder, claim, get_with, hello, post_with, reused, revoked, routes, send, unavailable,
};

fn pair(body: Value) -> TokenPair {
    serde_json::from_value(body).expect("an access and a refresh token")
}

#[actix_web::test]
async fn rotation_issues_a_new_pair_in_the_same_family() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let login = jwt.create_token_pair("alice").unwrap();
    let family = claim(&login.refresh_token, FAMILY_CLAIM);
    assert!(family.is_string());
    assert_eq!(claim(&login.access_token, FAMILY_CLAIM), family);

    let (status, body) = post_with(&app, "/refresh", &login.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    let rotated = pair(body);
    assert_ne!(rotated.refresh_token, login.refresh_token);
    assert_eq!(claim(&rotated.refresh_token, FAMILY_CLAIM), family);
    assert_eq!(claim(&rotated.access_token, FAMILY_CLAIM), family);
    assert_eq!(claim(&rotated.access_token, "type"), "access");
    assert_eq!(claim(&rotated.access_token, "fresh"), false);
    assert_eq!(claim(&rotated.refresh_token, "type"), "refresh");

    // The new tokens work; the login access token is still valid too.
    assert_eq!(
        get_with(&app, "/protected", &rotated.access_token).await,
        (StatusCode::OK, hello("alice"))
    );
    assert_eq!(
        get_with(&app, "/protected", &login.access_token).await,
        (StatusCode::OK, hello("alice"))
    );
    let (status, body) = post_with(&app, "/refresh", &rotated.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(claim(&pair(body).refresh_token, FAMILY_CLAIM), family);
}

#[actix_web::test]
async fn reusing_an_exchanged_refresh_token_revokes_the_whole_family() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let login = jwt.create_token_pair("alice").unwrap();
    let other_login = jwt.create_token_pair("alice").unwrap();

    let (_, body) = post_with(&app, "/refresh", &login.refresh_token).await;
    let first = pair(body);
    let (_, body) = post_with(&app, "/refresh", &first.refresh_token).await;
    let second = pair(body);

    // The stolen first refresh token is replayed.
    assert_eq!(
        post_with(&app, "/refresh", &login.refresh_token).await,
        (StatusCode::UNAUTHORIZED, reused())
    );

    // Every token of the family is revoked, including the latest pair.
    assert_eq!(
        post_with(&app, "/refresh", &second.refresh_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
    for access in [
        &login.access_token,
        &first.access_token,
        &second.access_token,
    ] {
        assert_eq!(
            get_with(&app, "/protected", access).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
    }
    // Another login of the same user is a different family.
    assert_eq!(
        get_with(&app, "/protected", &other_login.access_token).await,
        (StatusCode::OK, hello("alice"))
    );
    let (status, _) = post_with(&app, "/refresh", &other_login.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn reuse_is_detected_wherever_a_refresh_token_is_accepted() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let login = jwt.create_token_pair("alice").unwrap();
    let (_, body) = post_with(&app, "/refresh", &login.refresh_token).await;
    let rotated = pair(body);

    assert_eq!(
        send(&app, Method::DELETE, "/logout", Some(&login.refresh_token)).await,
        (StatusCode::UNAUTHORIZED, reused())
    );
    assert_eq!(
        get_with(&app, "/protected", &rotated.access_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn two_concurrent_rotations_of_one_token_succeed_once() {
    let jwt = builder().build().unwrap();
    let login = jwt.create_token_pair("alice").unwrap();
    let token = jwt.decode_token(&login.refresh_token).unwrap();

    let (a, b) = futures_util::future::join(
        jwt.rotate_refresh_token(&token),
        jwt.rotate_refresh_token(&token),
    )
    .await;
    let (winner, loser) = if a.is_ok() { (a, b) } else { (b, a) };
    let winner = winner.expect("one rotation succeeds");
    assert_eq!(
        loser.expect_err("the other is a reuse").error(),
        &JwtError::RefreshTokenReused
    );
    let fresh = jwt.decode_token(&winner.refresh_token).unwrap();
    assert!(
        jwt.is_token_revoked(&fresh).await.unwrap(),
        "the family is revoked"
    );
}

#[actix_web::test]
async fn a_refresh_token_without_family_starts_one_at_its_first_rotation() {
    let jwt = builder().build().unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let plain = jwt.create_refresh_token("alice").unwrap();
    assert_eq!(claim(&plain, FAMILY_CLAIM), Value::Null);

    let (status, body) = post_with(&app, "/refresh", &plain).await;
    assert_eq!(status, StatusCode::OK);
    let rotated = pair(body);
    assert_eq!(
        claim(&rotated.refresh_token, FAMILY_CLAIM),
        claim(&plain, "jti")
    );

    assert_eq!(
        post_with(&app, "/refresh", &plain).await,
        (StatusCode::UNAUTHORIZED, reused())
    );
    assert_eq!(
        post_with(&app, "/refresh", &rotated.refresh_token).await,
        (StatusCode::UNAUTHORIZED, revoked())
    );
}

#[actix_web::test]
async fn only_refresh_tokens_rotate() {
    let jwt = builder().build().unwrap();
    let access = jwt.create_access_token("alice").unwrap();
    let rejection = jwt
        .rotate_refresh_token(&jwt.decode_token(&access).unwrap())
        .await
        .expect_err("an access token does not rotate");
    assert_eq!(rejection.error(), &JwtError::RefreshTokenRequired);
}

/// A memory store that can be switched off.
#[derive(Default)]
struct Switchable {
    inner: MemoryStore,
    down: AtomicBool,
}

impl Switchable {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::new("down"))
        } else {
            Ok(())
        }
    }
}

impl RevocationStore for Switchable {
    async fn revoke(&self, jti: &str, until: Option<i64>) -> Result<(), StoreError> {
        self.check()?;
        self.inner.revoke(jti, until).await
    }
    async fn revoke_family(&self, family: &str, until: Option<i64>) -> Result<(), StoreError> {
        self.check()?;
        self.inner.revoke_family(family, until).await
    }
    async fn revoke_issued_before(
        &self,
        identity: &str,
        cutoff: i64,
        until: Option<i64>,
    ) -> Result<(), StoreError> {
        self.check()?;
        self.inner
            .revoke_issued_before(identity, cutoff, until)
            .await
    }
    async fn exchange(&self, jti: &str, until: Option<i64>) -> Result<bool, StoreError> {
        // Fails after the status check passed, as a store that goes down
        // in the middle of a request would.
        self.check()?;
        self.inner.exchange(jti, until).await
    }
    async fn status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        self.inner.status(token).await
    }
}

#[actix_web::test]
async fn rotation_fails_closed_even_when_the_check_fails_open() {
    let store = Arc::new(Switchable::default());
    let jwt = builder()
        .revocation_store_arc(Arc::clone(&store))
        .revocation_fail_open(true)
        .build()
        .unwrap();
    let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
    let login = jwt.create_token_pair("alice").unwrap();

    store.down.store(true, Ordering::SeqCst);
    assert_eq!(
        post_with(&app, "/refresh", &login.refresh_token).await,
        (StatusCode::SERVICE_UNAVAILABLE, unavailable())
    );
    store.down.store(false, Ordering::SeqCst);
    let (status, _) = post_with(&app, "/refresh", &login.refresh_token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the failed attempt did not consume the token"
    );
}
