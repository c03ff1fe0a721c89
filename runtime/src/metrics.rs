//! Metrics of the audit events through the [`metrics`](https://docs.rs/metrics)
//! facade (feature `metrics`): install any recorder (Prometheus exporter,
//! StatsD, …) and these counters and histogram appear. Call [`describe`]
//! once after installing it to give them units and descriptions.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | [`TOKENS_ISSUED`] `jwt_tokens_issued_total` | counter | `token_type` |
//! | [`REQUESTS_ACCEPTED`] `jwt_requests_accepted_total` | counter | `token_type` |
//! | [`REQUESTS_REJECTED`] `jwt_requests_rejected_total` | counter | `reason`, `token_type` |
//! | [`VERIFICATION_SECONDS`] `jwt_request_verification_seconds` | histogram | `outcome`, `token_type` |
//! | [`REVOCATIONS`] `jwt_revocations_total` | counter | `target` |
//! | [`REFRESH_REUSE`] `jwt_refresh_reuse_detected_total` | counter | |
//! | [`REVOCATION_UNAVAILABLE`] `jwt_revocation_store_unavailable_total` | counter | `operation`, `fail_open` |
//!
//! Label values: `token_type` is `access` or `refresh`; `reason` is the
//! reason class (`unauthorized`, `invalid`, `expired`, `needs_fresh`,
//! `revoked`, `verification_failed`, `user_lookup`, `missing_claims`,
//! `missing_scope`, `unavailable`, `internal`); `outcome` is `accepted` or
//! `rejected`; `target` is `token` (one token) or `identity` (every token
//! of an identity); `operation` is the store operation (`check`, `revoke`,
//! `revoke_all`, `is_revoked`, `rotate`, `revoke_family`) and `fail_open`
//! `true` or `false`.
//!
//! Every key is a static, hashed at compile time: recording allocates
//! nothing.

use ::metrics::{Key, Label, Level, Metadata, Unit};

use crate::error::ErrorClass;
use crate::events::{AUDIT_TARGET, AuditEvent, Decision, StoreOperation, reason_label};
use crate::kind::TokenKind;

/// Counter: tokens created, by `token_type`.
pub const TOKENS_ISSUED: &str = "jwt_tokens_issued_total";
/// Counter: requests whose token passed every check, by `token_type`.
pub const REQUESTS_ACCEPTED: &str = "jwt_requests_accepted_total";
/// Counter: rejected requests, by `reason` (class) and `token_type`.
pub const REQUESTS_REJECTED: &str = "jwt_requests_rejected_total";
/// Histogram: seconds from the start of a request's verification to its
/// decision, by `outcome` and `token_type`.
pub const VERIFICATION_SECONDS: &str = "jwt_request_verification_seconds";
/// Counter: revocations, by `target` (`token` or `identity`).
pub const REVOCATIONS: &str = "jwt_revocations_total";
/// Counter: refresh tokens presented again after rotation (each revokes
/// its family).
pub const REFRESH_REUSE: &str = "jwt_refresh_reuse_detected_total";
/// Counter: revocation-store operations that got no answer, by `operation`
/// and `fail_open`.
pub const REVOCATION_UNAVAILABLE: &str = "jwt_revocation_store_unavailable_total";

/// Every metric: name, unit, description.
const METRICS: [(&str, Unit, &str); 7] = [
    (TOKENS_ISSUED, Unit::Count, "Tokens created, by token type"),
    (
        REQUESTS_ACCEPTED,
        Unit::Count,
        "Requests whose token passed every check, by token type",
    ),
    (
        REQUESTS_REJECTED,
        Unit::Count,
        "Rejected requests, by reason class and token type",
    ),
    (
        VERIFICATION_SECONDS,
        Unit::Seconds,
        "Time from the start of a request's verification to its decision",
    ),
    (
        REVOCATIONS,
        Unit::Count,
        "Revocations of one token or of every token of an identity",
    ),
    (
        REFRESH_REUSE,
        Unit::Count,
        "Refresh tokens presented again after rotation; each revokes its family",
    ),
    (
        REVOCATION_UNAVAILABLE,
        Unit::Count,
        "Revocation-store operations that failed or timed out",
    ),
];

/// Registers the unit and description of every metric with the installed
/// recorder. Call it once, after installing the recorder.
pub fn describe() {
    for (name, unit, description) in METRICS {
        if name == VERIFICATION_SECONDS {
            ::metrics::describe_histogram!(name, unit, description);
        } else {
            ::metrics::describe_counter!(name, unit, description);
        }
    }
}

static METADATA: Metadata<'static> = Metadata::new(AUDIT_TARGET, Level::INFO, Some(module_path!()));

const TOKEN_TYPE: &str = "token_type";

/// The keys of metric `$name` with each token type, `[access, refresh]`,
/// and the label `$key = $value` if given: statics, hashed at compile time.
macro_rules! by_token_type {
    ($name:expr, $($key:literal => $value:expr)?) => {{
        // One label, plus one for `$key` when it is given.
        static LABELS: [[Label; 1 $(+ { let _ = $key; 1 })?]; 2] = [
            [
                $(Label::from_static_parts($key, $value),)?
                Label::from_static_parts(TOKEN_TYPE, TokenKind::Access.as_str()),
            ],
            [
                $(Label::from_static_parts($key, $value),)?
                Label::from_static_parts(TOKEN_TYPE, TokenKind::Refresh.as_str()),
            ],
        ];
        static KEYS: [Key; 2] = [
            Key::from_static_parts($name, &LABELS[0]),
            Key::from_static_parts($name, &LABELS[1]),
        ];
        &KEYS
    }};
}

fn of_type(keys: &'static [Key; 2], kind: TokenKind) -> &'static Key {
    match kind {
        TokenKind::Access => &keys[0],
        TokenKind::Refresh => &keys[1],
    }
}

fn rejected(class: ErrorClass) -> &'static [Key; 2] {
    macro_rules! classes {
        ($($class:ident),*) => {
            match class {
                $(ErrorClass::$class => {
                    by_token_type!(REQUESTS_REJECTED, "reason" => reason_label(ErrorClass::$class))
                })*
            }
        };
    }
    classes!(
        Unauthorized,
        Invalid,
        Expired,
        NeedsFresh,
        Revoked,
        VerificationFailed,
        UserLookup,
        MissingClaims,
        MissingScope,
        Unavailable,
        Internal
    )
}

fn unavailable(operation: StoreOperation, fail_open: bool) -> &'static Key {
    macro_rules! operations {
        ($($operation:ident),*) => {
            match operation {
                $(StoreOperation::$operation => {
                    static LABELS: [[Label; 2]; 2] = [
                        [
                            Label::from_static_parts("operation", StoreOperation::$operation.as_str()),
                            Label::from_static_parts("fail_open", "false"),
                        ],
                        [
                            Label::from_static_parts("operation", StoreOperation::$operation.as_str()),
                            Label::from_static_parts("fail_open", "true"),
                        ],
                    ];
                    static KEYS: [Key; 2] = [
                        Key::from_static_parts(REVOCATION_UNAVAILABLE, &LABELS[0]),
                        Key::from_static_parts(REVOCATION_UNAVAILABLE, &LABELS[1]),
                    ];
                    &KEYS[usize::from(fail_open)]
                })*
            }
        };
    }
    operations!(Check, Revoke, RevokeAll, IsRevoked, Rotate, RevokeFamily)
}

fn count(key: &Key) {
    ::metrics::with_recorder(|recorder| recorder.register_counter(key, &METADATA)).increment(1);
}

/// Records a request's decision, which took `elapsed`.
pub(crate) fn decided(decision: Decision, elapsed: std::time::Duration) {
    let Decision {
        rejected: reason,
        token_type,
    } = decision;
    let timed = match reason {
        None => {
            count(of_type(by_token_type!(REQUESTS_ACCEPTED,), token_type));
            by_token_type!(VERIFICATION_SECONDS, "outcome" => "accepted")
        }
        Some(reason) => {
            count(of_type(rejected(reason), token_type));
            by_token_type!(VERIFICATION_SECONDS, "outcome" => "rejected")
        }
    };
    let key = of_type(timed, token_type);
    ::metrics::with_recorder(|recorder| recorder.register_histogram(key, &METADATA))
        .record(elapsed.as_secs_f64());
}

/// Records an event that is not a request's decision.
pub(crate) fn record(event: &AuditEvent<'_>) {
    match *event {
        AuditEvent::Issued { token_type, .. } => {
            count(of_type(by_token_type!(TOKENS_ISSUED,), token_type));
        }
        // Recorded by `decided`.
        AuditEvent::Accepted { .. } | AuditEvent::Rejected { .. } => {}
        AuditEvent::Revoked { jti, .. } => {
            static TOKEN: [Label; 1] = [Label::from_static_parts("target", "token")];
            static IDENTITY: [Label; 1] = [Label::from_static_parts("target", "identity")];
            static KEYS: [Key; 2] = [
                Key::from_static_parts(REVOCATIONS, &TOKEN),
                Key::from_static_parts(REVOCATIONS, &IDENTITY),
            ];
            count(&KEYS[usize::from(jti.is_none())]);
        }
        AuditEvent::RefreshReused { .. } => {
            static KEY: Key = Key::from_static_name(REFRESH_REUSE);
            count(&KEY);
        }
        AuditEvent::RevocationUnavailable {
            operation,
            fail_open,
            ..
        } => count(unavailable(operation, fail_open)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_documented() {
        let guide = include_str!("../../docs/observability.md");
        for (name, _, _) in METRICS {
            assert!(
                guide.contains(&format!("`{name}`")),
                "docs/observability.md does not name {name}"
            );
        }
    }
}
