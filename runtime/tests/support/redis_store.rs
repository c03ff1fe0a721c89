//! Helpers of the Redis store tests: instances on a topology, and bounded
//! waits that let the stores' background tasks run.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use actix_jwt_extended::JwtManager;
use actix_jwt_extended::revocation::RedisStore;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;

use super::{builder, claim, get_with, revoked};

/// The value of a test server's `start(name)`, or the end of the test when
/// it returned `None` (the binary is missing; it said so).
#[allow(unused_macros)]
macro_rules! or_skip {
    ($start:expr) => {
        match $start {
            Some(server) => server,
            None => return,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use or_skip;

/// A store on `url` (any form of `RedisStoreBuilder::url`) under `prefix`.
pub async fn store(url: &str, prefix: &str) -> RedisStore {
    RedisStore::builder()
        .url(url)
        .key_prefix(prefix)
        .connect()
        .await
        .expect("connect to the test Redis")
}

/// An application instance: a manager with its own store (connection and
/// mirror).
pub async fn instance(url: &str, prefix: &str) -> (JwtManager, RedisStore) {
    let store = store(url, prefix).await;
    let jwt = builder().revocation_store(store.clone()).build().unwrap();
    (jwt, store)
}

/// Waits until `ready` holds, for at most `within`, without blocking the
/// runtime.
pub async fn eventually(what: &str, within: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (bounded, five seconds) until `app` answers `token` as revoked:
/// a revocation made through another instance reaches this one's mirror by
/// the store's events, usually within milliseconds (the propagation delay
/// is measured by scripts/chaos.sh, not here).
pub async fn until_revoked<S, B>(app: &S, token: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = get_with(app, "/protected", token).await;
        if answer == (StatusCode::UNAUTHORIZED, revoked()) || Instant::now() >= deadline {
            assert_eq!(answer, (StatusCode::UNAUTHORIZED, revoked()));
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (bounded) until the store's mirror is in sync.
pub async fn synced(store: &RedisStore) {
    eventually("the mirror syncs", Duration::from_secs(10), || {
        store.is_synced()
    })
    .await;
}

/// The Redis key of a token's `jti` entry.
pub fn jti_key(prefix: &str, token: &str) -> String {
    format!("{prefix}jti:{}", claim(token, "jti").as_str().unwrap())
}
