//! Token revocation: the store trait, the check that runs in the
//! verification pipeline, and the manager's revocation methods.
//!
//! The check runs after the type and fresh checks and before the
//! token-verification loader, as Flask-JWT-Extended's
//! `token_in_blocklist_loader` does. It consults the manager's
//! [`RevocationStore`] (an embedded [`MemoryStore`] unless another one is
//! configured) and then the `token_in_blocklist_loader` callback, if any.
//!
//! A store that fails or does not answer within the revocation timeout
//! (default one second) makes the check *fail closed*: the request is
//! answered with 503 `{"msg": "Token revocation check unavailable"}`.
//! [`JwtManagerBuilder::revocation_fail_open`] lets such requests through
//! instead.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use actix_web::HttpResponse;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::Value;

use crate::config::Expires;
use crate::error::{ErrorClass, JwtError};
use crate::manager::{Inner, JwtManager, JwtManagerBuilder};
use crate::rotation::FAMILY_CLAIM;
use crate::token::{CurrentToken, DecodedToken};

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};

/// The default bound on one revocation-store operation.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_secs(1);

/// What a store knows about one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TokenStatus {
    /// Not revoked.
    Active,
    /// Revoked: by `jti`, through its family, or by its identity's cut-off.
    Revoked,
    /// A refresh token that has already been exchanged for a new pair by
    /// refresh-token rotation. Presenting it again is a reuse.
    Exchanged,
}

/// The parts of a token that a revocation store looks at.
///
/// Built from a verified token with [`TokenKey::of`]; stores receive it in
/// [`RevocationStore::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKey<'a> {
    /// The token's `jti`, if it has one.
    pub jti: Option<&'a str>,
    /// The refresh-token family (the `fam` claim), if the token has one.
    pub family: Option<&'a str>,
    /// The identity claim as text (see [`identity_key`]).
    pub identity: Cow<'a, str>,
    /// The `iat` claim (UNIX seconds), if present.
    pub issued_at: Option<i64>,
}

impl<'a> TokenKey<'a> {
    /// The key of a verified token.
    pub fn of(token: &'a DecodedToken) -> Self {
        // One pass over the claims instead of a lookup per field: this runs
        // on every request.
        let (mut jti, mut family, mut identity, mut issued_at) = (None, None, None, None);
        for (name, value) in token.claims() {
            match name.as_str() {
                "jti" => jti = value.as_str(),
                FAMILY_CLAIM => family = value.as_str(),
                "iat" => issued_at = Some(value),
                _ => {}
            }
            if *name == token.identity_claim {
                identity = Some(value);
            }
        }
        Self {
            jti,
            family,
            identity: identity_key(identity.unwrap_or(&Value::Null)),
            issued_at: issued_at.and_then(crate::token::whole_seconds),
        }
    }

    /// Whether a per-identity cut-off revokes this token: it was issued
    /// before `cutoff`, or its issue time is unknown.
    pub fn is_cut_off(&self, cutoff: i64) -> bool {
        self.issued_at.is_none_or(|iat| iat < cutoff)
    }
}

/// The text form of an identity claim, as stores key it: a string as is,
/// any other JSON value as its JSON text.
pub fn identity_key(identity: &Value) -> Cow<'_, str> {
    match identity {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// A revocation store failed (unreachable, timed out, protocol error…).
#[derive(Debug, thiserror::Error)]
#[error("revocation store failure: {source}")]
pub struct StoreError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    /// Wraps the cause of a failure (any error, or a message).
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

/// Where revoked tokens are recorded — in the style of actix-session's
/// `SessionStore`.
///
/// Expiry times are UNIX timestamps in seconds; `None` means "never
/// expires". A store may forget an entry once its expiry has passed: the
/// token it concerns is expired by then, so memory stays bounded by live
/// tokens. Every operation is bounded by the manager's revocation timeout;
/// an `Err` (or no answer in time) makes the check fail closed unless
/// [`JwtManagerBuilder::revocation_fail_open`] is set.
///
/// Implementations must be safe to share between actix-web workers; the
/// returned futures need not be `Send`.
///
/// ```
/// use std::collections::HashSet;
/// use std::sync::Mutex;
/// use actix_jwt_extended::revocation::{RevocationStore, StoreError, TokenKey, TokenStatus};
///
/// /// A toy store that only revokes by `jti` and never forgets.
/// #[derive(Default)]
/// struct JtiSet(Mutex<HashSet<String>>);
///
/// impl RevocationStore for JtiSet {
///     async fn revoke(&self, jti: &str, _expires_at: Option<i64>) -> Result<(), StoreError> {
///         self.0.lock().unwrap().insert(jti.to_owned());
///         Ok(())
///     }
///     async fn revoke_family(&self, family: &str, _: Option<i64>) -> Result<(), StoreError> {
///         self.0.lock().unwrap().insert(format!("family:{family}"));
///         Ok(())
///     }
///     async fn revoke_issued_before(&self, _: &str, _: i64, _: Option<i64>) -> Result<(), StoreError> {
///         Err(StoreError::new("not supported by this store"))
///     }
///     async fn exchange(&self, jti: &str, _: Option<i64>) -> Result<bool, StoreError> {
///         Ok(self.0.lock().unwrap().insert(format!("exchanged:{jti}")))
///     }
///     async fn status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
///         let set = self.0.lock().unwrap();
///         let Some(jti) = token.jti else { return Ok(TokenStatus::Active) };
///         if set.contains(&format!("exchanged:{jti}")) {
///             return Ok(TokenStatus::Exchanged);
///         }
///         let family = token.family.is_some_and(|f| set.contains(&format!("family:{f}")));
///         Ok(if family || set.contains(jti) { TokenStatus::Revoked } else { TokenStatus::Active })
///     }
/// }
///
/// let jwt = actix_jwt_extended::JwtManager::builder()
///     .secret_key("change me")
///     .revocation_store(JtiSet::default())
///     .build()
///     .unwrap();
/// # let _ = jwt;
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a revocation store",
    label = "this type does not implement `RevocationStore`",
    note = "use `MemoryStore`, `RedisStore` (feature `redis`), or implement `actix_jwt_extended::revocation::RevocationStore` for your type"
)]
pub trait RevocationStore: Send + Sync + 'static {
    /// Revokes the token whose `jti` is `jti`, until `expires_at`. A token
    /// already [exchanged](TokenStatus::Exchanged) stays exchanged.
    fn revoke(
        &self,
        jti: &str,
        expires_at: Option<i64>,
    ) -> impl Future<Output = Result<(), StoreError>>;

    /// Revokes every token whose family claim is `family`, until `expires_at`.
    fn revoke_family(
        &self,
        family: &str,
        expires_at: Option<i64>,
    ) -> impl Future<Output = Result<(), StoreError>>;

    /// Revokes every token of `identity` issued before `cutoff` (`iat <
    /// cutoff`, or no `iat`), remembering the cut-off until `expires_at`. A
    /// later cut-off replaces an earlier one, never the reverse.
    fn revoke_issued_before(
        &self,
        identity: &str,
        cutoff: i64,
        expires_at: Option<i64>,
    ) -> impl Future<Output = Result<(), StoreError>>;

    /// Marks a refresh token as exchanged (refresh-token rotation), until
    /// `expires_at`. Answers `true` for the first exchange and `false` when
    /// the `jti` was already exchanged or revoked — atomically, so that of two
    /// concurrent exchanges exactly one succeeds.
    fn exchange(
        &self,
        jti: &str,
        expires_at: Option<i64>,
    ) -> impl Future<Output = Result<bool, StoreError>>;

    /// The status of a token: [`TokenStatus::Exchanged`] if its `jti` was
    /// exchanged, [`TokenStatus::Revoked`] if its `jti` or family is revoked
    /// or its identity's cut-off is after its `iat`, otherwise
    /// [`TokenStatus::Active`].
    fn status(&self, token: &TokenKey<'_>)
    -> impl Future<Output = Result<TokenStatus, StoreError>>;
}

type StoreFuture<'a, T> = LocalBoxFuture<'a, Result<T, StoreError>>;

/// The object-safe form of [`RevocationStore`], for `Arc<dyn …>`.
pub(crate) trait DynStore: Send + Sync {
    fn revoke<'a>(&'a self, jti: &'a str, expires_at: Option<i64>) -> StoreFuture<'a, ()>;
    fn revoke_family<'a>(&'a self, family: &'a str, expires_at: Option<i64>)
    -> StoreFuture<'a, ()>;
    fn revoke_issued_before<'a>(
        &'a self,
        identity: &'a str,
        cutoff: i64,
        expires_at: Option<i64>,
    ) -> StoreFuture<'a, ()>;
    fn exchange<'a>(&'a self, jti: &'a str, expires_at: Option<i64>) -> StoreFuture<'a, bool>;
    fn status<'a>(&'a self, token: &'a TokenKey<'a>) -> StoreFuture<'a, TokenStatus>;
}

impl<S: RevocationStore> DynStore for S {
    fn revoke<'a>(&'a self, jti: &'a str, expires_at: Option<i64>) -> StoreFuture<'a, ()> {
        Box::pin(RevocationStore::revoke(self, jti, expires_at))
    }

    fn revoke_family<'a>(
        &'a self,
        family: &'a str,
        expires_at: Option<i64>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(RevocationStore::revoke_family(self, family, expires_at))
    }

    fn revoke_issued_before<'a>(
        &'a self,
        identity: &'a str,
        cutoff: i64,
        expires_at: Option<i64>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(RevocationStore::revoke_issued_before(
            self, identity, cutoff, expires_at,
        ))
    }

    fn exchange<'a>(&'a self, jti: &'a str, expires_at: Option<i64>) -> StoreFuture<'a, bool> {
        Box::pin(RevocationStore::exchange(self, jti, expires_at))
    }

    fn status<'a>(&'a self, token: &'a TokenKey<'a>) -> StoreFuture<'a, TokenStatus> {
        Box::pin(RevocationStore::status(self, token))
    }
}

/// The revocation settings of a manager.
#[derive(Clone)]
pub(crate) struct RevocationSettings {
    pub(crate) store: Arc<dyn DynStore>,
    pub(crate) timeout: Duration,
    pub(crate) fail_open: bool,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        Self {
            store: Arc::new(MemoryStore::new()),
            timeout: DEFAULT_REVOCATION_TIMEOUT,
            fail_open: false,
        }
    }
}

impl fmt::Debug for RevocationSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationSettings")
            .field("timeout", &self.timeout)
            .field("fail_open", &self.fail_open)
            .finish_non_exhaustive()
    }
}

/// Why a bounded store operation gave no answer.
#[derive(Debug)]
pub(crate) enum Unanswered {
    Failed(StoreError),
    TimedOut(Duration),
}

impl fmt::Display for Unanswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(error) => error.fmt(f),
            Self::TimedOut(after) => write!(f, "no answer within {after:?}"),
        }
    }
}

/// Runs a store operation with a deadline. A future that is ready at once
/// (the in-memory store, a synced mirror) never touches the timer.
pub(crate) async fn bounded<T>(
    timeout: Duration,
    future: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, Unanswered> {
    let mut future = std::pin::pin!(future);
    let first = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
    let result = match first {
        Poll::Ready(result) => result,
        Poll::Pending => match tokio::time::timeout(timeout, future).await {
            Ok(result) => result,
            Err(_) => return Err(Unanswered::TimedOut(timeout)),
        },
    };
    result.map_err(Unanswered::Failed)
}

/// Bounds a callback that cannot fail.
async fn bounded_flag(
    timeout: Duration,
    future: Pin<Box<dyn Future<Output = bool>>>,
) -> Result<bool, Unanswered> {
    bounded(timeout, async move { Ok(future.await) }).await
}

/// The revocation step of the pipeline: the store, then the
/// `token_in_blocklist_loader` callback.
pub(crate) async fn check(inner: &Inner, current: &CurrentToken) -> Result<(), JwtError> {
    let settings = &inner.revocation;
    let key = TokenKey::of(current.token());
    match bounded(settings.timeout, settings.store.status(&key)).await {
        Ok(TokenStatus::Active) => {}
        Ok(TokenStatus::Revoked) => return Err(JwtError::Revoked),
        Ok(TokenStatus::Exchanged) if current.is_refresh() => {
            return Err(reuse_detected(inner, current.token()).await);
        }
        Ok(TokenStatus::Exchanged) => return Err(JwtError::Revoked),
        Err(why) => unavailable(settings, &why)?,
    }
    if let Some(is_revoked) = &inner.loaders.token_in_blocklist {
        match bounded_flag(settings.timeout, is_revoked(current.clone())).await {
            Ok(true) => return Err(JwtError::Revoked),
            Ok(false) => {}
            Err(why) => unavailable(settings, &why)?,
        }
    }
    Ok(())
}

/// Fail closed (the default) or open.
fn unavailable(settings: &RevocationSettings, why: &Unanswered) -> Result<(), JwtError> {
    if settings.fail_open {
        tracing::warn!(
            target: "actix_jwt_extended",
            reason = %why,
            "revocation check unavailable; letting the token through (fail-open)"
        );
        Ok(())
    } else {
        tracing::error!(
            target: "actix_jwt_extended",
            reason = %why,
            "revocation check unavailable; rejecting the request (fail-closed)"
        );
        Err(JwtError::RevocationUnavailable)
    }
}

/// A refresh token was presented after it had been exchanged: revoke its
/// whole family.
pub(crate) async fn reuse_detected(inner: &Inner, token: &DecodedToken) -> JwtError {
    let Some(family) = crate::rotation::family_of(token) else {
        return JwtError::Revoked;
    };
    let settings = &inner.revocation;
    let until = family_retention(inner);
    match bounded(
        settings.timeout,
        settings.store.revoke_family(family, until),
    )
    .await
    {
        Ok(()) => {
            tracing::warn!(
                target: "actix_jwt_extended",
                family,
                "refresh token reuse detected; the token family is revoked"
            );
            JwtError::RefreshTokenReused
        }
        Err(why) => {
            tracing::error!(
                target: "actix_jwt_extended",
                family,
                reason = %why,
                "refresh token reuse detected but the family could not be revoked"
            );
            JwtError::RevocationUnavailable
        }
    }
}

/// The configured decode leeway, in whole seconds (rounded up).
fn leeway_secs(inner: &Inner) -> i64 {
    inner.config.decode_leeway.as_secs_f64().ceil() as i64
}

/// How long to remember a revoked token: until it expires (plus the decode
/// leeway, during which it would still be accepted).
pub(crate) fn token_retention(inner: &Inner, token: &DecodedToken) -> Option<i64> {
    token
        .exp()
        .map(|exp| exp.saturating_add(leeway_secs(inner)))
}

/// How long to remember a family or an identity cut-off: until every token
/// it may concern has expired — the longest configured lifetime from now.
pub(crate) fn family_retention(inner: &Inner) -> Option<i64> {
    let config = &inner.config;
    let mut longest = Duration::ZERO;
    for expires in [config.access_token_expires, config.refresh_token_expires] {
        match expires {
            Expires::After(lifetime) => longest = longest.max(lifetime),
            Expires::Never => return None,
        }
    }
    let now = crate::time::now_f64().ceil() as i64;
    Some(now + longest.as_secs() as i64 + 1 + leeway_secs(inner))
}

fn store_error(why: Unanswered) -> JwtError {
    tracing::error!(target: "actix_jwt_extended", reason = %why, "revocation store unavailable");
    JwtError::RevocationUnavailable
}

impl JwtManager {
    /// Revokes one token by its `jti`, until it expires. Later requests
    /// with it get 401 `{"msg": "Token has been revoked"}`.
    ///
    /// Errors: [`JwtError::MissingClaim`] for a token without `jti`,
    /// [`JwtError::RevocationUnavailable`] when the store fails or does not
    /// answer within the revocation timeout.
    pub async fn revoke_token(&self, token: &DecodedToken) -> Result<(), JwtError> {
        let inner = &self.inner;
        let jti = token
            .jti()
            .ok_or_else(|| JwtError::MissingClaim("jti".to_owned()))?;
        let until = token_retention(inner, token);
        bounded(
            inner.revocation.timeout,
            inner.revocation.store.revoke(jti, until),
        )
        .await
        .map_err(store_error)
    }

    /// Revokes every token of `identity` (the value of the identity claim,
    /// e.g. `current_token.identity()`) issued until now — "log out
    /// everywhere".
    ///
    /// Tokens carry their issue time in whole seconds, so the cut-off is the
    /// start of the next second: this method returns once that second has
    /// begun (at most one second later), so that every token created after
    /// it returns is valid, and every token created before it was called is
    /// revoked. The cut-off is remembered for the longest configured token
    /// lifetime (for ever if a lifetime is [`Expires::Never`]).
    pub async fn revoke_all_tokens(&self, identity: impl Serialize) -> Result<(), JwtError> {
        let inner = &self.inner;
        let identity =
            serde_json::to_value(identity).map_err(|e| JwtError::Encode(e.to_string()))?;
        let identity = identity_key(&identity);
        let now = crate::time::now_f64();
        let cutoff = now.floor() as i64 + 1;
        let until = family_retention(inner);
        let store = &inner.revocation.store;
        bounded(
            inner.revocation.timeout,
            store.revoke_issued_before(&identity, cutoff, until),
        )
        .await
        .map_err(store_error)?;
        let wait = cutoff as f64 - crate::time::now_f64();
        if wait > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        }
        Ok(())
    }

    /// Whether `token` is revoked, as the pipeline's revocation step would
    /// judge it (store and `token_in_blocklist_loader`), without the
    /// fail-open setting: a store failure is an error.
    pub async fn is_token_revoked(&self, token: &DecodedToken) -> Result<bool, JwtError> {
        let inner = &self.inner;
        let settings = &inner.revocation;
        let key = TokenKey::of(token);
        let status = bounded(settings.timeout, settings.store.status(&key))
            .await
            .map_err(store_error)?;
        if status != TokenStatus::Active {
            return Ok(true);
        }
        if let Some(is_revoked) = &inner.loaders.token_in_blocklist {
            let current = CurrentToken {
                token: Arc::new(token.clone()),
                location: None,
                user: None,
            };
            return bounded_flag(settings.timeout, is_revoked(current))
                .await
                .map_err(store_error);
        }
        Ok(false)
    }
}

impl JwtManagerBuilder {
    /// The store that records revoked tokens (default: an embedded
    /// [`MemoryStore`], private to this manager and its clones). Build the
    /// manager once, outside the `HttpServer::new` closure, so that every
    /// worker shares it.
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocation.store = Arc::new(store);
        self
    }

    /// The same as [`JwtManagerBuilder::revocation_store`], for a store that
    /// is already shared (e.g. a [`MemoryStore`] the application also
    /// inspects).
    pub fn revocation_store_arc<S: RevocationStore>(mut self, store: Arc<S>) -> Self {
        self.revocation.store = store;
        self
    }

    /// The longest wait for the revocation store (and the
    /// `token_in_blocklist_loader` callback) on one request; default one
    /// second. Past it, the check fails closed (503) or open.
    pub fn revocation_timeout(mut self, timeout: Duration) -> Self {
        self.revocation.timeout = timeout;
        self
    }

    /// When the revocation check cannot be made (the store fails or times
    /// out): `false` (the default) rejects the request with 503
    /// `{"msg": "Token revocation check unavailable"}`; `true` lets the
    /// token through and logs a warning. Refresh-token rotation always
    /// fails closed.
    pub fn revocation_fail_open(mut self, fail_open: bool) -> Self {
        self.revocation.fail_open = fail_open;
        self
    }

    /// The response when the revocation check is unavailable (503
    /// `{"msg": "Token revocation check unavailable"}` by default).
    pub fn revocation_unavailable_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::Unavailable, loader)
    }
}
