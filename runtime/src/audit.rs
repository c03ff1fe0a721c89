//! Delivering audit events (see `events`): each is a `tracing` event with
//! target [`AUDIT_TARGET`], counters and a histogram with the `metrics`
//! feature, and a call of the manager's audit hook.
//!
//! Cost per request when nothing listens: no allocation and no claim
//! lookup (a decision's event is only built for a subscriber or the hook);
//! a `tracing` interest check, the hook's `None` check and, with the
//! `metrics` feature, two clock reads and two no-op recorder calls on
//! static keys.

use std::sync::Arc;

use crate::config::TokenLocation;
use crate::error::ErrorClass;
use crate::events::{AUDIT_TARGET, AuditEvent, Decision, reason_label};
use crate::kind::TokenKind;

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
        if self.hook.is_some() || traced(decision) {
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

/// Whether a subscriber records `decision`'s `tracing` event (at the level
/// [`trace`] gives it).
fn traced(decision: Decision) -> bool {
    match decision.rejected {
        Some(ErrorClass::Internal) => {
            tracing::enabled!(target: AUDIT_TARGET, tracing::Level::ERROR)
        }
        _ => tracing::enabled!(target: AUDIT_TARGET, tracing::Level::DEBUG),
    }
}
