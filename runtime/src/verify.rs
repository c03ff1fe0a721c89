//! Flask-JWT-Extended's `verify_jwt_in_request`, and the request getters
//! (`get_jwt`, …).

use actix_web::HttpRequest;
use serde_json::{Map, Value};

use crate::config::TokenLocation;
use crate::pipeline;
use crate::rejection::Rejection;
use crate::token::CurrentToken;
use crate::verify_options::VerifyOptions;

/// Verifies the request's token with `options` — Flask-JWT-Extended's
/// `verify_jwt_in_request`, for custom guards and middleware.
///
/// Returns the token, `None` when an optional check found no token (or for
/// an `OPTIONS` preflight), or a [`Rejection`] that renders as the standard
/// JSON response (or the manager's response loader).
///
/// This function cannot read the request body: a token in a JSON body (the
/// `json` location) or a CSRF value in a form field is only seen by the
/// macros and the [`CurrentToken`] extractor, which read the body before the
/// handler (and still let the handler read it).
pub async fn verify_jwt_in_request(
    req: &HttpRequest,
    options: VerifyOptions,
) -> Result<Option<CurrentToken>, Rejection> {
    let verification = pipeline::verify(req, None, options).await?;
    verification.accept();
    Ok(verification.verified.token().cloned())
}

/// The verified token of this request, if a protected handler (or
/// [`verify_jwt_in_request`]) has accepted one.
pub fn get_current_token(req: &HttpRequest) -> Option<CurrentToken> {
    pipeline::accepted_token(req)
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
