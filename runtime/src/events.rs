//! Audit events: what a security decision is, stated once. The `audit`
//! module delivers each event three ways.
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
//!   the `metrics` feature (the `metrics` module names them);
//! * a call of the manager's audit hook, if one is set
//!   ([`JwtManagerBuilder::audit_hook`](crate::JwtManagerBuilder::audit_hook)).
//!
//! An event never holds the token: only its type, identity, `jti` and
//! rotation family, and for requests the method and path.

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

/// A request's decision, as far as the metrics need it: accepted, or
/// rejected with a reason class; and the token type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    /// `None` when accepted.
    pub(crate) rejected: Option<ErrorClass>,
    pub(crate) token_type: TokenKind,
}
