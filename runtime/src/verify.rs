//! Verifying the token of a request: Flask-JWT-Extended's
//! `verify_jwt_in_request`, its options, and the request getters.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde_json::{Map, Value};

use crate::body;
use crate::config::TokenLocation;
use crate::csrf;
use crate::decode::Rejection;
use crate::error::JwtError;
use crate::extract;
use crate::manager::{JwtManager, default_response};
use crate::time::now_f64;
use crate::token::CurrentToken;

/// What a protected handler requires — the arguments of Flask-JWT-Extended's
/// `jwt_required()` / `verify_jwt_in_request()`.
///
/// ```
/// use actix_jwt_extended::{TokenLocation, VerifyOptions};
///
/// let options = VerifyOptions::new().fresh(true);
/// let refresh = VerifyOptions::new().refresh(true).locations(&[TokenLocation::Headers]);
/// # let _ = (options, refresh);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct VerifyOptions {
    /// Let requests without any token through (a present but bad token is
    /// still rejected).
    pub optional: bool,
    /// Require a fresh token.
    pub fresh: bool,
    /// Require a refresh token (otherwise refresh tokens are refused).
    pub refresh: bool,
    /// Check the token type at all (`false` accepts access and refresh tokens).
    pub verify_type: bool,
    /// Do not consult the revocation check.
    pub skip_revocation_check: bool,
    /// Where to look, overriding JWT_TOKEN_LOCATION.
    pub locations: Option<Locations>,
}

/// An ordered list of token locations (at most one of each), usable in
/// constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locations {
    len: u8,
    items: [TokenLocation; 4],
}

impl Locations {
    /// The list, keeping the first occurrence of each location.
    pub const fn new(locations: &[TokenLocation]) -> Self {
        let mut items = [TokenLocation::Headers; 4];
        let mut len = 0;
        let mut i = 0;
        while i < locations.len() {
            let mut seen = false;
            let mut j = 0;
            while j < len {
                if items[j] as u8 == locations[i] as u8 {
                    seen = true;
                }
                j += 1;
            }
            if !seen && len < 4 {
                items[len] = locations[i];
                len += 1;
            }
            i += 1;
        }
        Self {
            len: len as u8,
            items,
        }
    }

    /// The locations, in lookup order.
    pub fn as_slice(&self) -> &[TokenLocation] {
        &self.items[..self.len as usize]
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifyOptions {
    /// `jwt_required()`: any non-refresh token, from the configured locations.
    pub const fn new() -> Self {
        Self {
            optional: false,
            fresh: false,
            refresh: false,
            verify_type: true,
            skip_revocation_check: false,
            locations: None,
        }
    }

    /// Sets [`VerifyOptions::optional`].
    pub const fn optional(mut self, on: bool) -> Self {
        self.optional = on;
        self
    }

    /// Sets [`VerifyOptions::fresh`].
    pub const fn fresh(mut self, on: bool) -> Self {
        self.fresh = on;
        self
    }

    /// Sets [`VerifyOptions::refresh`].
    pub const fn refresh(mut self, on: bool) -> Self {
        self.refresh = on;
        self
    }

    /// Sets [`VerifyOptions::verify_type`].
    pub const fn verify_type(mut self, on: bool) -> Self {
        self.verify_type = on;
        self
    }

    /// Sets [`VerifyOptions::skip_revocation_check`].
    pub const fn skip_revocation_check(mut self, on: bool) -> Self {
        self.skip_revocation_check = on;
        self
    }

    /// Sets [`VerifyOptions::locations`].
    pub const fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.locations = Some(Locations::new(locations));
        self
    }
}

/// The result of verifying a request.
#[derive(Debug, Clone)]
pub enum Verified {
    /// A token was found and passed every check.
    Token(CurrentToken),
    /// No token was found and the handler is optional.
    Anonymous,
    /// An `OPTIONS` request (CORS preflight), exempt from verification.
    Preflight,
}

impl JwtManager {
    /// Runs the whole pipeline, in Flask-JWT-Extended's order: find the
    /// token → decode and validate → type → fresh → revocation check →
    /// token-verification loader → user lookup. On success the token is also
    /// stored in the request for the getters ([`get_current_token`], …).
    pub async fn verify_request(
        &self,
        req: &HttpRequest,
        options: VerifyOptions,
    ) -> Result<Verified, Rejection> {
        if req.method() == Method::OPTIONS {
            return Ok(Verified::Preflight);
        }
        let inner = &self.inner;
        let config = &inner.config;
        let locations = match &options.locations {
            Some(locations) => locations.as_slice(),
            None => &config.token_location,
        };
        let found = match extract::find_token(inner, req, locations, options.refresh) {
            Ok(found) => found,
            Err(JwtError::NoAuthorization(_)) if options.optional => {
                return Ok(Verified::Anonymous);
            }
            Err(error) => return Err(error.into()),
        };
        let decoded = crate::cache::verify(inner, &found.token, now_f64());
        let token = csrf::check_decoded(decoded, found.csrf.as_deref())?;
        let mut current = CurrentToken::new(token, found.location);
        let reject = |error| Rejection::with_token(error, Arc::clone(&current.token));

        if options.verify_type {
            if options.refresh && !current.is_refresh() {
                return Err(reject(JwtError::RefreshTokenRequired));
            }
            if !options.refresh && current.is_refresh() {
                return Err(reject(JwtError::RefreshTokenNotAllowed));
            }
        }
        if options.fresh && !current.is_fresh() {
            return Err(reject(JwtError::FreshTokenRequired));
        }
        let loaders = &inner.loaders;
        if !options.skip_revocation_check
            && let Err(error) = crate::revocation::check(inner, &current).await
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
        req.extensions_mut().insert(current.clone());
        Ok(Verified::Token(current))
    }
}

/// The identity as Python's `str()` would print it in Flask's message.
fn display_identity(identity: &Value) -> String {
    match identity {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Verifies the request's token with `options` — Flask-JWT-Extended's
/// `verify_jwt_in_request`, for custom guards and middleware.
///
/// Returns the token, `None` when an optional check found no token (or for
/// an `OPTIONS` preflight), or an error that renders as the standard JSON
/// response (or the manager's response loader).
///
/// This function cannot read the request body: a token in a JSON body (the
/// `json` location) or a CSRF value in a form field is only seen by the
/// macros and the [`CurrentToken`] extractor, which read the body before the
/// handler (and still let the handler read it).
pub async fn verify_jwt_in_request(
    req: &HttpRequest,
    options: VerifyOptions,
) -> Result<Option<CurrentToken>, actix_web::Error> {
    let Some(manager) = JwtManager::from_app(req) else {
        return Err(manager_missing());
    };
    match manager.verify_request(req, options).await {
        Ok(Verified::Token(token)) => Ok(Some(token)),
        Ok(Verified::Anonymous | Verified::Preflight) => Ok(None),
        Err(rejection) => Err(reject_response(manager, req, &rejection)),
    }
}

/// Verifies the request for an extractor (the macros' guard and
/// [`CurrentToken`]). When the token may be in the JSON body, or the CSRF
/// value in a form field, the body is read first and replayed to the handler.
pub(crate) fn verify_for_extractor(
    req: &HttpRequest,
    payload: &mut Payload,
    options: VerifyOptions,
) -> LocalBoxFuture<'static, Result<Verified, actix_web::Error>> {
    let req = req.clone();
    let Some(manager) = JwtManager::from_app(&req).cloned() else {
        return Box::pin(async { Err(manager_missing()) });
    };
    let config = manager.config();
    let locations = match &options.locations {
        Some(locations) => locations.as_slice(),
        None => &config.token_location,
    };
    let capture = (req.method() != Method::OPTIONS
        && extract::needs_body(config, &req, locations, options.refresh))
    .then(|| body::capture(payload, config.max_body_size));
    Box::pin(async move {
        if let Some(capture) = capture {
            capture.read(&req).await;
        }
        manager
            .verify_request(&req, options)
            .await
            .map_err(|rejection| reject_response(&manager, &req, &rejection))
    })
}

/// Logs a rejection (never the token) and renders its response.
pub(crate) fn reject_response(
    manager: &JwtManager,
    req: &HttpRequest,
    rejection: &Rejection,
) -> actix_web::Error {
    let error = rejection.error();
    tracing::debug!(
        target: "actix_jwt_extended",
        method = %req.method(),
        path = req.path(),
        status = error.status().as_u16(),
        reason = %error,
        "request rejected"
    );
    actix_web::error::InternalError::from_response(error.clone(), manager.error_response(rejection))
        .into()
}

pub(crate) fn manager_missing() -> actix_web::Error {
    let error = JwtError::ManagerMissing;
    tracing::error!(target: "actix_jwt_extended", "{error}");
    actix_web::error::InternalError::from_response(error.clone(), default_response("msg", &error))
        .into()
}

/// A handler parameter that requires a valid access (non-refresh) token —
/// the extractor form of `#[jwt_required]`, for handlers that prefer a
/// visible parameter:
///
/// ```
/// use actix_jwt_extended::CurrentToken;
/// use actix_web::HttpResponse;
///
/// async fn me(token: CurrentToken) -> HttpResponse {
///     HttpResponse::Ok().json(serde_json::json!({ "user": token.identity() }))
/// }
/// ```
impl FromRequest for CurrentToken {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verified = verify_for_extractor(req, payload, VerifyOptions::new());
        Box::pin(async move {
            Ok(match verified.await? {
                Verified::Token(token) => token,
                Verified::Anonymous | Verified::Preflight => CurrentToken::preflight(),
            })
        })
    }
}

/// The verified token of this request, if a protected handler (or
/// [`verify_jwt_in_request`]) has accepted one.
pub fn get_current_token(req: &HttpRequest) -> Option<CurrentToken> {
    req.extensions().get::<CurrentToken>().cloned()
}

/// `get_jwt_identity()`: the identity of the verified token, if any.
pub fn get_jwt_identity(req: &HttpRequest) -> Option<Value> {
    get_current_token(req).map(|t| t.identity().clone())
}

/// `get_jwt()`: every claim of the verified token (empty without one).
pub fn get_jwt(req: &HttpRequest) -> Map<String, Value> {
    get_current_token(req)
        .map(|t| t.claims().clone())
        .unwrap_or_default()
}

/// `get_jwt_header()`: the JOSE header of the verified token (empty without one).
pub fn get_jwt_header(req: &HttpRequest) -> Map<String, Value> {
    get_current_token(req)
        .map(|t| t.header().clone())
        .unwrap_or_default()
}

/// `get_jwt_request_location()`: where the verified token was found.
pub fn get_jwt_request_location(req: &HttpRequest) -> Option<TokenLocation> {
    get_current_token(req).and_then(|t| t.location())
}

/// The user of a valid access token, loaded by the manager's
/// `user_lookup_loader` — the extractor form of Flask's `current_user`.
/// (In a handler protected by an attribute, declare a `current_user:
/// CurrentUser<User>` parameter instead: the attribute binds it without
/// verifying twice.)
impl<U: std::any::Any + Send + Sync> FromRequest for crate::token::CurrentUser<U> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = verify_jwt_in_request(&req, VerifyOptions::new()).await?;
            match token.as_ref().and_then(CurrentToken::user::<U>) {
                Some(user) => Ok(user),
                None => {
                    let error = JwtError::UserLoaderMissing(std::any::type_name::<U>());
                    tracing::error!(target: "actix_jwt_extended", "{error}");
                    Err(actix_web::error::InternalError::from_response(
                        error.clone(),
                        default_response("msg", &error),
                    )
                    .into())
                }
            }
        })
    }
}
