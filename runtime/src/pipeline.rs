//! The verification pipeline: the one entry through which every protected
//! request passes — the attribute macros' guard, the [`CurrentToken`] and
//! [`CurrentUser`](crate::CurrentUser) extractors and
//! [`verify_jwt_in_request`](crate::verify_jwt_in_request).
//!
//! In Flask-JWT-Extended's order: find the manager → find the token (reading
//! the body first when it may hold the token or the CSRF value, and a body
//! can be read) → decode and validate (or a still-valid cached token) →
//! CSRF → type → fresh → revocation check → token-verification loader →
//! user lookup. On success the token is stored in the request for the
//! getters, and a later verification of the same request (a handler inside
//! a [`JwtRequired`](crate::JwtRequired) scope) reuses it when it covers
//! the later options; every rejection carries the manager's rendering.
//!
//! Each verification gets one audit decision (`audit`): a rejection here,
//! or, once the caller has checked what it adds (a handler's requirements,
//! its bindings), [`Verification::accept`] or [`Verification::refuse`]. A
//! verification that reuses a token accepted earlier in the request adds no
//! second acceptance (its refusal is a decision of its own). A missing
//! manager is no decision (there is no manager to audit): the renderer logs
//! it, once per process.

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use crate::audit::{Audit, Stopwatch};
use crate::body;
use crate::csrf;
use crate::decode::Expiry;
use crate::error::JwtError;
use crate::events::{AuditEvent, Decision};
use crate::extract;
use crate::kind::TokenKind;
use crate::manager::JwtManager;
use crate::rejection::Rejection;
use crate::revocation::check;
use crate::token::CurrentToken;
use crate::verify_options::VerifyOptions;

/// The result of verifying a request (part of the contract with the
/// attribute macros).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub enum Verified {
    /// A token was found and passed every check.
    Token(CurrentToken),
    /// No token was found and the handler is optional.
    Anonymous,
    /// An `OPTIONS` request (CORS preflight), exempt from verification.
    Preflight,
}

impl Verified {
    /// The token, if one was verified.
    pub(crate) fn token(&self) -> Option<&CurrentToken> {
        match self {
            Self::Token(token) => Some(token),
            Self::Anonymous | Self::Preflight => None,
        }
    }
}

/// A verified request: its manager and the outcome, awaiting the caller's
/// decision.
pub(crate) struct Verification {
    pub(crate) manager: JwtManager,
    pub(crate) verified: Verified,
    req: HttpRequest,
    options: VerifyOptions,
    started: Stopwatch,
    /// The token was accepted earlier in this request, which emitted the
    /// acceptance.
    reused: bool,
}

impl Verification {
    /// The request is accepted: emits the decision (for a token; an
    /// anonymous request or a preflight is no decision about a token, and a
    /// token accepted earlier in the request was decided then).
    pub(crate) fn accept(&self) {
        let Some(current) = self.verified.token().filter(|_| !self.reused) else {
            return;
        };
        let token = current.token();
        // The type check made the kind the required one (no claim lookup).
        let token_type = match self.options.verifies_type() {
            true => self.options.kind(),
            false => token.kind(),
        };
        let decision = Decision {
            rejected: None,
            token_type,
        };
        self.manager
            .inner
            .audit
            .decide(decision, self.started, || AuditEvent::Accepted {
                token_type,
                location: current.location(),
                identity: token.identity(),
                jti: token.jti(),
                method: self.req.method(),
                path: self.req.path(),
            });
    }

    /// Refuses the verified request with `error` (a requirement or binding
    /// of the caller): emits the decision and returns the rejection.
    pub(crate) fn refuse(&self, error: JwtError) -> Rejection {
        let rejection = match self.verified.token() {
            Some(token) => Rejection::with_token(error, Arc::clone(&token.token)),
            None => Rejection::from(error),
        };
        reject(
            &self.manager.inner.audit,
            &self.req,
            &rejection,
            self.options,
            self.started,
        );
        self.manager.reject(rejection)
    }
}

/// Verifies `req` with `options`. With the request's `payload`, the body is
/// read first when the token may be in it (JSON) or the CSRF value in a form
/// field, and replayed to the handler; without it, the body is not looked
/// at.
pub(crate) fn verify(
    req: &HttpRequest,
    payload: Option<&mut Payload>,
    options: VerifyOptions,
) -> LocalBoxFuture<'static, Result<Verification, Rejection>> {
    let started = Stopwatch::start();
    let req = req.clone();
    let Some(manager) = JwtManager::from_app(&req).cloned() else {
        return Box::pin(async move { Err(JwtError::ManagerMissing.into()) });
    };
    let preflight = req.method() == Method::OPTIONS;
    let earlier = accepted_earlier(&req, &manager, options);
    let reused = matches!(earlier, Some(Ok(_)));
    let config = manager.config();
    let locations = options
        .location_override()
        .unwrap_or(&config.token_location);
    let capture = payload
        .filter(|_| !preflight && earlier.is_none())
        .filter(|_| extract::needs_body(config, &req, locations, options.kind()))
        .map(|payload| body::capture(payload, config.max_body_size));
    Box::pin(async move {
        if let Some(capture) = capture {
            capture.read(&req).await;
        }
        let verified = match earlier {
            _ if preflight => Ok(Verified::Preflight),
            Some(earlier) => earlier,
            None => steps(&manager, &req, options).await,
        };
        match verified {
            Ok(verified) => Ok(Verification {
                manager,
                verified,
                req,
                options,
                started,
                reused,
            }),
            Err(rejection) => {
                reject(&manager.inner.audit, &req, &rejection, options, started);
                Err(rejection.rendered_by(&manager.inner.renderer))
            }
        }
    })
}

/// The audit decision of a rejected request.
fn reject(
    audit: &Audit,
    req: &HttpRequest,
    rejection: &Rejection,
    options: VerifyOptions,
    started: Stopwatch,
) {
    let error = rejection.error();
    let token = rejection.token();
    let decision = Decision {
        rejected: Some(error.class()),
        token_type: token.map_or(options.kind(), |token| token.kind()),
    };
    audit.decide(decision, started, || AuditEvent::Rejected {
        reason: error.class(),
        error,
        token_type: decision.token_type,
        identity: token.map(|token| token.identity()),
        jti: token.and_then(|token| token.jti()),
        method: req.method(),
        path: req.path(),
    });
}

/// A token this request's pipeline accepted already (e.g. in a
/// [`JwtRequired`](crate::JwtRequired) middleware around the handler), and
/// how: the kind it looked for, and whether the revocation check ran.
#[derive(Clone)]
struct Accepted {
    token: CurrentToken,
    kind: TokenKind,
    revocation_checked: bool,
}

/// The outcome for `options` of a token accepted earlier in this request,
/// when that verification covers them: it looked for the same kind, in a
/// location `options` allow, and ran the revocation check unless `options`
/// skip it. The type and freshness checks are made again for `options`;
/// decoding, CSRF, revocation and the loaders are not repeated.
fn accepted_earlier(
    req: &HttpRequest,
    manager: &JwtManager,
    options: VerifyOptions,
) -> Option<Result<Verified, Rejection>> {
    let accepted = req.extensions().get::<Accepted>().cloned()?;
    let locations = options
        .location_override()
        .unwrap_or(&manager.config().token_location);
    let covers = accepted.kind == options.kind()
        && (accepted.revocation_checked || options.skips_revocation_check())
        && accepted
            .token
            .location()
            .is_some_and(|location| locations.contains(&location));
    if !covers {
        return None;
    }
    let token = accepted.token;
    Some(match type_and_freshness(&token, options) {
        Ok(()) => Ok(Verified::Token(token)),
        Err(error) => Err(Rejection::with_token(error, Arc::clone(&token.token))),
    })
}

/// The type and freshness checks of `options`.
fn type_and_freshness(current: &CurrentToken, options: VerifyOptions) -> Result<(), JwtError> {
    if options.verifies_type() && current.kind() != options.kind() {
        return Err(match options.kind() {
            TokenKind::Refresh => JwtError::RefreshTokenRequired,
            TokenKind::Access => JwtError::RefreshTokenNotAllowed,
        });
    }
    if options.requires_fresh() && !current.is_fresh() {
        return Err(JwtError::FreshTokenRequired);
    }
    Ok(())
}

/// The steps after the manager was found.
async fn steps(
    manager: &JwtManager,
    req: &HttpRequest,
    options: VerifyOptions,
) -> Result<Verified, Rejection> {
    let inner = &manager.inner;
    let config = &inner.config;
    let locations = options
        .location_override()
        .unwrap_or(&config.token_location);
    let found =
        match extract::find_token(config, &inner.header_name, req, locations, options.kind()) {
            Ok(found) => found,
            Err(JwtError::NoAuthorization(_)) if options.is_optional() => {
                return Ok(Verified::Anonymous);
            }
            Err(error) => return Err(error.into()),
        };
    let now = inner.clock.now_f64();
    let cache = inner.cache.as_deref();
    let decoded = match cache.and_then(|cache| cache.get(&found.token, now)) {
        Some(token) => Ok(token),
        None => manager
            .verify_at(&found.token, now, Expiry::Checked)
            .await
            .map(|token| {
                let token = Arc::new(token);
                if let Some(cache) = cache {
                    cache.insert(&token);
                }
                token
            }),
    };
    let token = csrf::check_decoded(decoded, found.csrf.as_deref())?;
    let mut current = CurrentToken::new(token, found.location);
    let reject = |error| Rejection::with_token(error, Arc::clone(&current.token));

    type_and_freshness(&current, options).map_err(reject)?;
    let loaders = &inner.loaders.tokens;
    if !options.skips_revocation_check()
        && let Err(error) = check::check(
            &inner.revocation,
            inner.retention,
            &inner.audit,
            loaders.token_in_blocklist.as_ref(),
            &current,
            now,
        )
        .await
    {
        return Err(reject(error));
    }
    if let Some(verify) = &loaders.token_verification
        && !verify(current.clone()).await
    {
        return Err(reject(JwtError::UserClaimsVerificationFailed));
    }
    if let Some(lookup) = &loaders.user_lookup {
        match lookup(current.clone()).await {
            Some(user) => current.user = Some(user),
            None => {
                let identity = display_identity(current.identity());
                return Err(reject(JwtError::UserLookupFailed(identity)));
            }
        }
    }
    // One entry serves the request getters and a later verification.
    req.extensions_mut().insert(Accepted {
        token: current.clone(),
        kind: options.kind(),
        revocation_checked: !options.skips_revocation_check(),
    });
    Ok(Verified::Token(current))
}

/// The token this request's pipeline accepted, for the request getters
/// ([`get_current_token`](crate::get_current_token) and the others).
pub(crate) fn accepted_token(req: &HttpRequest) -> Option<CurrentToken> {
    req.extensions()
        .get::<Accepted>()
        .map(|accepted| accepted.token.clone())
}

/// The identity as Python's `str()` would print it in Flask's message.
fn display_identity(identity: &Value) -> String {
    match identity {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
