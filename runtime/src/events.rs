//! Audit events: one per security decision, stated here once and delivered
//! three ways.
//!
//! The decisions ([`AuditEvent`]): a token issued, a request accepted, a
//! request rejected (with its reason class), tokens revoked, a refresh token
//! reused, the revocation store unavailable. Each is
//!
//! * a `tracing` event with target [`AUDIT_TARGET`] and the field
//!   `event = "<name>"` (accepted and rejected requests at `DEBUG`, but
//!   rejections of class `internal` at `ERROR`; issued and revoked at
//!   `INFO`; refresh reuse at `WARN`; an unavailable store at `ERROR`, or
//!   `WARN` when the manager fails open);
//! * counters and a latency histogram through the `metrics` facade, with
//!   the `metrics` feature (see [`metrics`](crate::metrics) for the names);
//! * a call of the manager's audit hook, if one is set
//!   ([`JwtManagerBuilder::audit_hook`](crate::JwtManagerBuilder::audit_hook)).
//!
//! An event never holds the token: only its type, identity, `jti` and
//! rotation family, and for requests the method and path.
//!
//! Cost per request when nothing listens: no allocation and no claim
//! lookup (a decision's event is only built for a subscriber or the hook);
//! a `tracing` interest check, the hook's `None` check and, with the
//! `metrics` feature, two clock reads and two no-op recorder calls on
//! static keys.

use std::sync::Arc;

use actix_web::http::Method;
use serde_json::Value;

use crate::config::TokenLocation;
use crate::error::{ErrorClass, JwtError};
use crate::kind::TokenKind;

/// The `tracing` target of every audit event: filter on it with, e.g.,
/// `RUST_LOG=actix_jwt_extended::audit=debug`.
pub const AUDIT_TARGET: &str = "actix_jwt_extended::audit";

/// One security decision. It never holds the token itself.
///
/// Received by the manager's audit hook
/// ([`JwtManagerBuilder::audit_hook`](crate::JwtManagerBuilder::audit_hook)):
///
/// ```
/// use actix_jwt_extended::{AuditEvent, JwtManager};
///
/// let jwt = JwtManager::builder()
///     .secret_key("change me")
///     .audit_hook(|event: &AuditEvent<'_>| {
///         if let AuditEvent::RefreshReused { family, identity, .. } = event {
///             eprintln!("ALERT: refresh token reuse by {identity} (family {family})");
///         }
///     })
///     .build()
///     .unwrap();
/// # let _ = jwt;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum AuditEvent<'a> {
    /// A token was created (by any `create_*` method, a token pair or a
    /// rotation).
    #[non_exhaustive]
    Issued {
        /// The type of the new token.
        token_type: TokenKind,
        /// The identity it was created for.
        identity: &'a Value,
    },
    /// A request's token passed every check of the handler.
    #[non_exhaustive]
    Accepted {
        /// The type of the token.
        token_type: TokenKind,
        /// Where it was found.
        location: Option<TokenLocation>,
        /// Its identity claim.
        identity: &'a Value,
        /// Its `jti`.
        jti: Option<&'a str>,
        /// The request's method.
        method: &'a Method,
        /// The request's path.
        path: &'a str,
    },
    /// A request was rejected.
    #[non_exhaustive]
    Rejected {
        /// The reason class (which response loader answers, and the status).
        reason: ErrorClass,
        /// The error; its message is the response's.
        error: &'a JwtError,
        /// The type of the token presented when it could be decoded,
        /// otherwise the type the handler asks for.
        token_type: TokenKind,
        /// The identity claim, when the token could be decoded.
        identity: Option<&'a Value>,
        /// The `jti`, when the token could be decoded.
        jti: Option<&'a str>,
        /// The request's method.
        method: &'a Method,
        /// The request's path.
        path: &'a str,
    },
    /// Tokens were revoked: one token (with its type and `jti`), or every
    /// token of an identity issued until now (without).
    #[non_exhaustive]
    Revoked {
        /// The type of the revoked token; `None` for every token of the
        /// identity.
        token_type: Option<TokenKind>,
        /// The identity concerned.
        identity: &'a Value,
        /// The revoked token's `jti`; `None` for every token of the identity.
        jti: Option<&'a str>,
    },
    /// A refresh token was presented again after rotation had exchanged it:
    /// its whole family has been revoked. Worth an alert.
    #[non_exhaustive]
    RefreshReused {
        /// The rotation family, now revoked.
        family: &'a str,
        /// The identity of the reused token.
        identity: &'a Value,
        /// The reused token's `jti`.
        jti: Option<&'a str>,
    },
    /// The revocation store failed or did not answer in time.
    #[non_exhaustive]
    RevocationUnavailable {
        /// What was asked of the store.
        operation: StoreOperation,
        /// Whether the request was let through (only the pipeline's check
        /// fails open, when so configured).
        fail_open: bool,
        /// What went wrong.
        cause: &'a str,
    },
}

/// What was asked of the revocation store when it gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreOperation {
    /// The revocation check of a request (the store or the
    /// `token_in_blocklist_loader`).
    Check,
    /// [`JwtManager::revoke_token`](crate::JwtManager::revoke_token).
    Revoke,
    /// [`JwtManager::revoke_all_tokens`](crate::JwtManager::revoke_all_tokens).
    RevokeAll,
    /// [`JwtManager::is_token_revoked`](crate::JwtManager::is_token_revoked).
    IsRevoked,
    /// Marking a refresh token as exchanged for rotation.
    Rotate,
    /// Revoking the family of a reused refresh token.
    RevokeFamily,
}

impl StoreOperation {
    /// The name used in events and metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Revoke => "revoke",
            Self::RevokeAll => "revoke_all",
            Self::IsRevoked => "is_revoked",
            Self::Rotate => "rotate",
            Self::RevokeFamily => "revoke_family",
        }
    }
}

impl AuditEvent<'_> {
    /// The event's name: the `event` field of the `tracing` event
    /// (`issued`, `accepted`, `rejected`, `revoked`, `refresh_reused`,
    /// `revocation_unavailable`).
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Issued { .. } => "issued",
            Self::Accepted { .. } => "accepted",
            Self::Rejected { .. } => "rejected",
            Self::Revoked { .. } => "revoked",
            Self::RefreshReused { .. } => "refresh_reused",
            Self::RevocationUnavailable { .. } => "revocation_unavailable",
        }
    }
}

/// The label of a reason class in events and metrics.
pub(crate) const fn reason_label(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Unauthorized => "unauthorized",
        ErrorClass::Invalid => "invalid",
        ErrorClass::Expired => "expired",
        ErrorClass::NeedsFresh => "needs_fresh",
        ErrorClass::Revoked => "revoked",
        ErrorClass::VerificationFailed => "verification_failed",
        ErrorClass::UserLookup => "user_lookup",
        ErrorClass::MissingClaims => "missing_claims",
        ErrorClass::MissingScope => "missing_scope",
        ErrorClass::Unavailable => "unavailable",
        ErrorClass::Internal => "internal",
    }
}

/// The callback that receives every audit event.
pub(crate) type AuditHook = Arc<dyn Fn(&AuditEvent<'_>) + Send + Sync>;

/// When a request's verification started, for the latency histogram (a
/// clock read only with the `metrics` feature).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch(#[cfg(feature = "metrics")] std::time::Instant);

impl Stopwatch {
    pub(crate) fn start() -> Self {
        Self(
            #[cfg(feature = "metrics")]
            std::time::Instant::now(),
        )
    }
}

/// Where a manager's audit events go: `tracing`, the metrics and the hook.
#[derive(Clone, Default)]
pub(crate) struct Audit {
    hook: Option<AuditHook>,
}

impl Audit {
    pub(crate) fn new(hook: AuditHook) -> Self {
        Self { hook: Some(hook) }
    }

    /// Emits an event that is not a request's decision.
    pub(crate) fn emit(&self, event: AuditEvent<'_>) {
        #[cfg(feature = "metrics")]
        crate::metrics::record(&event);
        self.trace_and_call(&event);
    }

    /// Emits a request's decision, timed from `started`. The event (whose
    /// fields cost claim lookups) is built only when the hook or a `tracing`
    /// subscriber takes it; the metrics need only the decision.
    pub(crate) fn decide<'a>(
        &self,
        decision: Decision,
        started: Stopwatch,
        event: impl FnOnce() -> AuditEvent<'a>,
    ) {
        #[cfg(feature = "metrics")]
        crate::metrics::decided(decision, started.0.elapsed());
        #[cfg(not(feature = "metrics"))]
        let _ = started;
        if self.hook.is_some() || decision.traced() {
            self.trace_and_call(&event());
        }
    }

    fn trace_and_call(&self, event: &AuditEvent<'_>) {
        trace(event);
        if let Some(hook) = &self.hook {
            hook(event);
        }
    }
}

/// A request's decision, as far as the metrics need it: accepted, or
/// rejected with a reason class; and the token type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    /// `None` when accepted.
    pub(crate) rejected: Option<ErrorClass>,
    pub(crate) token_type: TokenKind,
}

impl Decision {
    /// Whether a subscriber records the decision's `tracing` event (at the
    /// level [`trace`] gives it).
    fn traced(self) -> bool {
        match self.rejected {
            Some(ErrorClass::Internal) => {
                tracing::enabled!(target: AUDIT_TARGET, tracing::Level::ERROR)
            }
            _ => tracing::enabled!(target: AUDIT_TARGET, tracing::Level::DEBUG),
        }
    }
}

/// The `tracing` event.
fn trace(event: &AuditEvent<'_>) {
    let name = event.name();
    match *event {
        AuditEvent::Issued {
            token_type,
            identity,
        } => tracing::info!(
            target: AUDIT_TARGET,
            event = name,
            token_type = token_type.as_str(),
            %identity,
            "token issued"
        ),
        AuditEvent::Accepted {
            token_type,
            location,
            identity,
            jti,
            method,
            path,
        } => tracing::debug!(
            target: AUDIT_TARGET,
            event = name,
            token_type = token_type.as_str(),
            location = location.map(TokenLocation::as_str),
            %identity,
            jti,
            %method,
            path,
            "request accepted"
        ),
        AuditEvent::Rejected {
            reason,
            error,
            token_type,
            identity,
            jti,
            method,
            path,
        } => {
            macro_rules! rejected {
                ($level:ident) => {
                    tracing::$level!(
                        target: AUDIT_TARGET,
                        event = name,
                        reason = reason_label(reason),
                        status = error.status().as_u16(),
                        %error,
                        token_type = token_type.as_str(),
                        identity = identity.map(tracing::field::display),
                        jti,
                        %method,
                        path,
                        "request rejected"
                    )
                };
            }
            if reason == ErrorClass::Internal {
                rejected!(error);
            } else {
                rejected!(debug);
            }
        }
        AuditEvent::Revoked {
            token_type,
            identity,
            jti,
        } => tracing::info!(
            target: AUDIT_TARGET,
            event = name,
            token_type = token_type.map(TokenKind::as_str),
            %identity,
            jti,
            "tokens revoked"
        ),
        AuditEvent::RefreshReused {
            family,
            identity,
            jti,
        } => tracing::warn!(
            target: AUDIT_TARGET,
            event = name,
            family,
            %identity,
            jti,
            "refresh token reuse detected; the token family is revoked"
        ),
        AuditEvent::RevocationUnavailable {
            operation,
            fail_open,
            cause,
        } => {
            let operation = operation.as_str();
            if fail_open {
                tracing::warn!(
                    target: AUDIT_TARGET,
                    event = name,
                    operation,
                    fail_open,
                    cause,
                    "revocation store unavailable; letting the token through (fail-open)"
                );
            } else {
                tracing::error!(
                    target: AUDIT_TARGET,
                    event = name,
                    operation,
                    fail_open,
                    cause,
                    "revocation store unavailable"
                );
            }
        }
    }
}
