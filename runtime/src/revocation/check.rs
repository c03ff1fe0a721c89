//! The revocation step of the verification pipeline, and the revocation
//! operations the manager offers, each bounded by the revocation timeout.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use serde_json::Value;

use crate::audit::Audit;
use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::events::{AuditEvent, StoreOperation};
use crate::loaders::TokenCheck;
use crate::token::{CurrentToken, DecodedToken};

use super::memory::MemoryStore;
use super::store::{
    DEFAULT_REVOCATION_TIMEOUT, DynStore, FAMILY_CLAIM, StoreError, TokenKey, TokenStatus,
    family_of,
};

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

/// How long revocations are remembered, from the configured lifetimes and
/// leeway.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retention {
    /// The decode leeway in whole seconds (rounded up): a token is accepted
    /// that long past its `exp`.
    leeway: i64,
    /// The longest token lifetime, `None` when some tokens never expire.
    longest: Option<Duration>,
}

impl Retention {
    pub(crate) fn new(config: &JwtConfig) -> Self {
        Self {
            leeway: config.decode_leeway.as_secs_f64().ceil() as i64,
            longest: config.longest_lifetime(),
        }
    }

    /// How long to remember a revoked token: until it expires (plus the
    /// leeway, during which it would still be accepted).
    pub(crate) fn of_token(&self, token: &DecodedToken) -> Option<i64> {
        token.exp().map(|exp| exp.saturating_add(self.leeway))
    }

    /// How long to remember a family or an identity cut-off made at `now`:
    /// until every token it may concern has expired.
    pub(crate) fn of_everything_until(&self, now: f64) -> Option<i64> {
        let longest = self.longest?;
        Some(now.ceil() as i64 + longest.as_secs() as i64 + 1 + self.leeway)
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
async fn answer_within<T>(
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
async fn flag_within(
    timeout: Duration,
    future: impl Future<Output = bool>,
) -> Result<bool, Unanswered> {
    answer_within(timeout, async move { Ok(future.await) }).await
}

/// The revocation step of the pipeline: the store, then the
/// `token_in_blocklist_loader` callback.
pub(crate) async fn check(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    blocklist: Option<&TokenCheck>,
    current: &CurrentToken,
    now: f64,
) -> Result<(), JwtError> {
    let key = TokenKey::of(current.token());
    match answer_within(settings.timeout, settings.store.status(&key)).await {
        Ok(TokenStatus::Active) => {}
        Ok(TokenStatus::Revoked) => return Err(JwtError::Revoked),
        Ok(TokenStatus::Exchanged) if current.is_refresh() => {
            return Err(reuse_detected(settings, retention, audit, current.token(), now).await);
        }
        Ok(TokenStatus::Exchanged) => return Err(JwtError::Revoked),
        Err(why) => unavailable(settings, audit, &why)?,
    }
    if let Some(is_revoked) = blocklist {
        match flag_within(settings.timeout, is_revoked(current.clone())).await {
            Ok(true) => return Err(JwtError::Revoked),
            Ok(false) => {}
            Err(why) => unavailable(settings, audit, &why)?,
        }
    }
    Ok(())
}

/// The pipeline's check got no answer: fail closed (the default) or open.
fn unavailable(
    settings: &RevocationSettings,
    audit: &Audit,
    why: &Unanswered,
) -> Result<(), JwtError> {
    report(audit, StoreOperation::Check, why, settings.fail_open);
    match settings.fail_open {
        true => Ok(()),
        false => Err(JwtError::RevocationUnavailable),
    }
}

/// The audit event of a store operation that got no answer.
fn report(audit: &Audit, operation: StoreOperation, why: &Unanswered, fail_open: bool) {
    audit.emit(AuditEvent::RevocationUnavailable {
        operation,
        fail_open,
        cause: &why.to_string(),
    });
}

/// A store operation that cannot fail open got no answer.
fn unanswered(audit: &Audit, operation: StoreOperation) -> impl FnOnce(Unanswered) -> JwtError {
    move |why| {
        report(audit, operation, &why, false);
        JwtError::RevocationUnavailable
    }
}

/// A refresh token was presented after it had been exchanged (at `now`):
/// revoke its whole family. Returns the error the request gets.
pub(crate) async fn reuse_detected(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    token: &DecodedToken,
    now: f64,
) -> JwtError {
    let Some(family) = family_of(token) else {
        return JwtError::Revoked;
    };
    audit.emit(AuditEvent::RefreshReused {
        family,
        identity: token.identity(),
        jti: token.jti(),
    });
    let until = retention.of_everything_until(now);
    answer_within(
        settings.timeout,
        settings.store.revoke_family(family, until),
    )
    .await
    .map_or_else(unanswered(audit, StoreOperation::RevokeFamily), |()| {
        JwtError::RefreshTokenReused
    })
}

/// Revokes one token by its `jti`, until it expires.
pub(crate) async fn revoke(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    token: &DecodedToken,
) -> Result<(), JwtError> {
    let jti = token
        .jti()
        .ok_or_else(|| JwtError::MissingClaim("jti".to_owned()))?;
    let until = retention.of_token(token);
    answer_within(settings.timeout, settings.store.revoke(jti, until))
        .await
        .map_err(unanswered(audit, StoreOperation::Revoke))
}

/// Revokes the session `token` belongs to (at `now`): its rotation family —
/// every access and refresh token descended from the same login — when it
/// has one. A token without a family belongs to no session: it is revoked
/// by its `jti`, and a refresh token also revokes the family its rotation
/// would start (the tokens rotated from it).
pub(crate) async fn revoke_session(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    token: &DecodedToken,
    now: f64,
) -> Result<(), JwtError> {
    let family = token.claim(FAMILY_CLAIM).and_then(Value::as_str);
    if family.is_none() {
        revoke(settings, retention, audit, token).await?;
    }
    let Some(family) = family.or_else(|| token.is_refresh().then(|| token.jti()).flatten()) else {
        return Ok(());
    };
    let until = retention.of_everything_until(now);
    answer_within(
        settings.timeout,
        settings.store.revoke_family(family, until),
    )
    .await
    .map_err(unanswered(audit, StoreOperation::RevokeFamily))
}

/// Revokes every token of `identity` issued before `cutoff` (at `now`).
pub(crate) async fn revoke_issued_before(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    identity: &str,
    cutoff: i64,
    now: f64,
) -> Result<(), JwtError> {
    let until = retention.of_everything_until(now);
    answer_within(
        settings.timeout,
        settings.store.revoke_issued_before(identity, cutoff, until),
    )
    .await
    .map_err(unanswered(audit, StoreOperation::RevokeAll))
}

/// Whether `token` is revoked (store, then callback), without the
/// fail-open setting: a store failure is an error.
pub(crate) async fn is_revoked(
    settings: &RevocationSettings,
    audit: &Audit,
    blocklist: Option<&TokenCheck>,
    token: &CurrentToken,
) -> Result<bool, JwtError> {
    let key = TokenKey::of(token.token());
    let status = answer_within(settings.timeout, settings.store.status(&key))
        .await
        .map_err(unanswered(audit, StoreOperation::IsRevoked))?;
    if status != TokenStatus::Active {
        return Ok(true);
    }
    match blocklist {
        Some(is_revoked) => flag_within(settings.timeout, is_revoked(token.clone()))
            .await
            .map_err(unanswered(audit, StoreOperation::IsRevoked)),
        None => Ok(false),
    }
}

/// Marks a refresh token as exchanged for rotation. `Ok(false)` when it
/// was already exchanged (a reuse); a store failure is always an error,
/// since rotation cannot work without the store.
pub(crate) async fn exchange(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    jti: &str,
    token: &DecodedToken,
) -> Result<bool, JwtError> {
    let until = retention.of_token(token);
    answer_within(settings.timeout, settings.store.exchange(jti, until))
        .await
        .map_err(unanswered(audit, StoreOperation::Rotate))
}
