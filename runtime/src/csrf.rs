//! The CSRF double submit for tokens found in cookies: the value the client
//! echoes (header, or form field with JWT_CSRF_CHECK_FORM) must equal the
//! token's `csrf` claim.

use std::sync::Arc;

use actix_web::HttpRequest;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::body;
use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::kind::TokenKind;
use crate::rejection::Rejection;
use crate::token::DecodedToken;

/// Whether a token found in a cookie must come with a CSRF value on this
/// request (JWT_COOKIE_CSRF_PROTECT and a method in JWT_CSRF_METHODS).
pub(crate) fn applies(config: &JwtConfig, req: &HttpRequest) -> bool {
    config.cookie_csrf_protect && config.csrf_methods.contains(req.method())
}

/// The CSRF header of this request, if present and not empty.
fn header_value(config: &JwtConfig, req: &HttpRequest, kind: TokenKind) -> Option<Vec<u8>> {
    req.headers()
        .get(config.names(kind).csrf_header)
        .map(|value| value.as_bytes().to_vec())
        .filter(|value| !value.is_empty())
}

/// Whether the CSRF value will have to come from the form body: the header
/// is absent, JWT_CSRF_CHECK_FORM is on and the body is an HTML form
/// (URL-encoded or multipart).
pub(crate) fn needs_form_body(config: &JwtConfig, req: &HttpRequest, kind: TokenKind) -> bool {
    config.csrf_check_form
        && applies(config, req)
        && header_value(config, req, kind).is_none()
        && body::is_form(req)
}

/// The value the client submitted: the CSRF header, else (with
/// JWT_CSRF_CHECK_FORM) the form field. `Missing CSRF token` when neither
/// holds one — checked before the token is decoded, as Flask-JWT-Extended does.
pub(crate) fn submitted(
    config: &JwtConfig,
    req: &HttpRequest,
    kind: TokenKind,
) -> Result<Vec<u8>, JwtError> {
    if let Some(value) = header_value(config, req, kind) {
        return Ok(value);
    }
    if config.csrf_check_form {
        let field = config.names(kind).csrf_field;
        let from_form = body::buffered(req)
            .filter(|body| !body.overflow)
            .and_then(|body| body::form_field(req, &body.bytes, field))
            .filter(|value| !value.is_empty());
        if let Some(value) = from_form {
            return Ok(value.into_bytes());
        }
    }
    Err(JwtError::CsrfMissing)
}

/// Compares the submitted value with the token's `csrf` claim in constant
/// time: 422 `Missing claim: csrf` when the token has none, 401 `CSRF double
/// submit tokens do not match` when they differ.
pub(crate) fn verify(token: &DecodedToken, submitted: &[u8]) -> Result<(), JwtError> {
    let Some(claim) = token.claim("csrf") else {
        return Err(JwtError::MissingClaim("csrf".to_owned()));
    };
    // A claim that is not a string can never match what a client sends.
    let expected = match claim {
        Value::String(value) => value.as_bytes(),
        _ => return Err(JwtError::CsrfMismatch),
    };
    if bool::from(expected.ct_eq(submitted)) {
        Ok(())
    } else {
        Err(JwtError::CsrfMismatch)
    }
}

/// Applies the double-submit check, if the token came with a CSRF value, to
/// the outcome of decoding it. As in Flask-JWT-Extended, an expired token
/// is checked too, so a wrong CSRF value wins over the expiry.
pub(crate) fn check_decoded(
    decoded: Result<Arc<DecodedToken>, Rejection>,
    submitted: Option<&[u8]>,
) -> Result<Arc<DecodedToken>, Rejection> {
    let Some(submitted) = submitted else {
        return decoded;
    };
    match decoded {
        Ok(token) => match verify(&token, submitted) {
            Ok(()) => Ok(token),
            Err(error) => Err(error.into()),
        },
        Err(rejection) => {
            if let (JwtError::Expired, Some(token)) = (rejection.error(), rejection.token()) {
                verify(token, submitted)?;
            }
            Err(rejection)
        }
    }
}
