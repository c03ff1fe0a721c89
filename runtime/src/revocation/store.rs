//! The revocation store: the trait stores implement, in the style of
//! actix-session's `SessionStore`, and what they are given and answer.

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use crate::claims::whole_seconds;
use crate::token::DecodedToken;

/// The claim that holds a token's refresh family id (see
/// [refresh-token rotation](crate::JwtManager::rotate_refresh_token)).
pub const FAMILY_CLAIM: &str = "fam";

/// The family of a refresh token: its family claim, or for a refresh token
/// created without one, its own `jti` (the family that its rotation starts).
pub(crate) fn family_of(token: &DecodedToken) -> Option<&str> {
    token
        .claim(FAMILY_CLAIM)
        .and_then(Value::as_str)
        .or_else(|| token.jti())
}

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
        // The registered claims were read when the token was verified: no
        // map of every claim is built for this, which runs on every request.
        Self {
            jti: token.jti(),
            family: token.claim(FAMILY_CLAIM).and_then(Value::as_str),
            identity: identity_key(token.identity()),
            issued_at: token.claim("iat").and_then(whole_seconds),
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

    /// A failure described by `error`'s message.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn message(error: impl std::fmt::Display) -> Self {
        Self::new(error.to_string())
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
/// [`JwtManagerBuilder::revocation_fail_open`](crate::JwtManagerBuilder::revocation_fail_open)
/// is set.
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
