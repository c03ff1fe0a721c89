//! `WWW-Authenticate` challenges on rejected requests: Flask-JWT's
//! `JWT realm="…"` and RFC 6750's `Bearer realm="…", error="…",
//! error_description="…"`, chosen by JWT_WWW_AUTHENTICATE (off by default,
//! as in Flask-JWT-Extended).

use std::fmt::{self, Write as _};

use actix_web::http::header::{HeaderValue, InvalidHeaderValue, TryIntoHeaderValue};

use crate::config::{JwtConfig, WwwAuthenticate};
use crate::error::{ErrorClass, JwtError};

/// An error code of a `Bearer` challenge (RFC 6750 §3.1, and RFC 9470 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BearerError {
    /// `invalid_request`: the request is malformed (e.g. a bad
    /// `Authorization` header or a missing CSRF value).
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, malformed or invalid
    /// for another reason.
    InvalidToken,
    /// `insufficient_scope`: the token does not grant enough privileges.
    InsufficientScope,
    /// `insufficient_user_authentication` (RFC 9470): the authentication
    /// behind the token is not recent enough — a fresh token is required.
    InsufficientUserAuthentication,
}

impl BearerError {
    /// The error code as written in the header.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::InsufficientUserAuthentication => "insufficient_user_authentication",
        }
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `WWW-Authenticate` challenge. `Display` (and [`TryIntoHeaderValue`])
/// render the header value, with `realm` written as an RFC 9110
/// quoted-string (`"` and `\` escaped, control characters dropped) and
/// `error_description` restricted to the characters RFC 6750 allows (`"`
/// becomes `'`, any other character outside printable ASCII or `\` becomes
/// `?`).
///
/// ```
/// use actix_jwt_extended::{BearerError, Challenge};
///
/// assert_eq!(Challenge::jwt("Login Required").to_string(), r#"JWT realm="Login Required""#);
/// assert_eq!(
///     Challenge::bearer("api")
///         .with_error(BearerError::InvalidToken, "Token has expired")
///         .to_string(),
///     r#"Bearer realm="api", error="invalid_token", error_description="Token has expired""#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Challenge {
    /// Flask-JWT's `JWT realm="<realm>"`.
    Jwt {
        /// The protection space.
        realm: String,
    },
    /// RFC 6750's `Bearer realm="<realm>"[, error="…"[, error_description="…"]][, scope="…"]`.
    Bearer {
        /// The protection space.
        realm: String,
        /// The error code, absent for a request without credentials.
        error: Option<BearerError>,
        /// A human-readable explanation (only written with an error code).
        error_description: Option<String>,
        /// The scope the request needs (space-separated scope tokens), sent
        /// with `insufficient_scope`.
        scope: Option<String>,
    },
}

impl Challenge {
    /// `JWT realm="<realm>"`.
    pub fn jwt(realm: impl Into<String>) -> Self {
        Self::Jwt {
            realm: realm.into(),
        }
    }

    /// `Bearer realm="<realm>"`, without an error code.
    pub fn bearer(realm: impl Into<String>) -> Self {
        Self::Bearer {
            realm: realm.into(),
            error: None,
            error_description: None,
            scope: None,
        }
    }

    /// Adds an error code and its description to a `Bearer` challenge (a
    /// `JWT` challenge has neither and is returned unchanged).
    #[must_use]
    pub fn with_error(self, code: BearerError, description: impl Into<String>) -> Self {
        match self {
            Self::Bearer { realm, scope, .. } => Self::Bearer {
                realm,
                error: Some(code),
                error_description: Some(description.into()),
                scope,
            },
            jwt @ Self::Jwt { .. } => jwt,
        }
    }

    /// Adds the scope the request needs to a `Bearer` challenge (RFC 6750
    /// §3: space-separated scope tokens; characters a token cannot hold are
    /// written as `?`). A `JWT` challenge is returned unchanged.
    #[must_use]
    pub fn with_scope(self, scope: impl Into<String>) -> Self {
        match self {
            Self::Bearer {
                realm,
                error,
                error_description,
                ..
            } => Self::Bearer {
                realm,
                error,
                error_description,
                scope: Some(scope.into()),
            },
            jwt @ Self::Jwt { .. } => jwt,
        }
    }

    /// The challenge that `config` calls for when a request is rejected with
    /// `error`, if any (see the table at [`WwwAuthenticate`]).
    pub fn for_error(config: &JwtConfig, error: &JwtError) -> Option<Self> {
        Self::choose(config.www_authenticate, &config.default_realm, error)
    }

    /// The challenge of the form `form` with `realm` for `error`.
    pub(crate) fn choose(form: WwwAuthenticate, realm: &str, error: &JwtError) -> Option<Self> {
        let realm = || realm.to_owned();
        match form {
            WwwAuthenticate::Off => None,
            WwwAuthenticate::Jwt => {
                matches!(error, JwtError::NoAuthorization(_)).then(|| Self::jwt(realm()))
            }
            WwwAuthenticate::Bearer if error.class() == ErrorClass::Internal => None,
            WwwAuthenticate::Bearer => {
                let code = match error {
                    JwtError::NoAuthorization(_) => return Some(Self::bearer(realm())),
                    JwtError::InvalidHeader(_)
                    | JwtError::InvalidQueryParam(_)
                    | JwtError::AmbiguousRequest(_)
                    | JwtError::CsrfMissing
                    | JwtError::CsrfMismatch => BearerError::InvalidRequest,
                    JwtError::FreshTokenRequired => BearerError::InsufficientUserAuthentication,
                    JwtError::MissingRequiredClaims | JwtError::MissingRequiredScope(_) => {
                        BearerError::InsufficientScope
                    }
                    _ => BearerError::InvalidToken,
                };
                let challenge = Self::bearer(realm()).with_error(code, error.to_string());
                Some(match error {
                    JwtError::MissingRequiredScope(scope) => challenge.with_scope(scope.clone()),
                    _ => challenge,
                })
            }
        }
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jwt { realm } => {
                f.write_str("JWT realm=")?;
                write_quoted(f, realm)
            }
            Self::Bearer {
                realm,
                error,
                error_description,
                scope,
            } => {
                f.write_str("Bearer realm=")?;
                write_quoted(f, realm)?;
                if let Some(error) = error {
                    write!(f, ", error=\"{error}\"")?;
                    if let Some(description) = error_description {
                        f.write_str(", error_description=\"")?;
                        write_description(f, description)?;
                        f.write_char('"')?;
                    }
                }
                if let Some(scope) = scope {
                    f.write_str(", scope=\"")?;
                    write_scope(f, scope)?;
                    f.write_char('"')?;
                }
                Ok(())
            }
        }
    }
}

impl TryIntoHeaderValue for Challenge {
    type Error = InvalidHeaderValue;

    fn try_into_value(self) -> Result<HeaderValue, Self::Error> {
        HeaderValue::from_str(&self.to_string())
    }
}

/// `"…"` with `"` and `\` escaped; control characters other than a tab
/// cannot be written in a header and are dropped.
fn write_quoted(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                f.write_char('\\')?;
                f.write_char(c)?;
            }
            '\t' => f.write_char(c)?,
            c if c.is_control() => {}
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// RFC 6750: `error-description = *( %x20-21 / %x23-5B / %x5D-7E )`.
fn write_description(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    for c in value.chars() {
        f.write_char(match c {
            '"' => '\'',
            ' '..='~' if c != '\\' => c,
            _ => '?',
        })?;
    }
    Ok(())
}

/// RFC 6750: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`, separated by
/// single spaces.
fn write_scope(f: &mut fmt::Formatter<'_>, value: &str) -> fmt::Result {
    for (index, token) in value.split_whitespace().enumerate() {
        if index > 0 {
            f.write_char(' ')?;
        }
        for c in token.chars() {
            f.write_char(match c {
                '!'..='~' if c != '"' && c != '\\' => c,
                _ => '?',
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(form: WwwAuthenticate) -> JwtConfig {
        JwtConfig {
            www_authenticate: form,
            ..JwtConfig::default()
        }
    }

    #[test]
    fn realm_is_a_quoted_string() {
        assert_eq!(
            Challenge::jwt("a \"b\" \\ c\r\n\td").to_string(),
            "JWT realm=\"a \\\"b\\\" \\\\ c\td\""
        );
        assert!(Challenge::bearer("Zürich").try_into_value().is_ok());
        assert_eq!(
            Challenge::bearer("Zürich").to_string(),
            "Bearer realm=\"Zürich\""
        );
    }

    #[test]
    fn description_keeps_to_rfc_6750_characters() {
        let challenge = Challenge::bearer("r").with_error(
            BearerError::InvalidToken,
            "Token is missing the \"aud\" claim \\ é\n",
        );
        assert_eq!(
            challenge.to_string(),
            "Bearer realm=\"r\", error=\"invalid_token\", \
             error_description=\"Token is missing the 'aud' claim ? ??\""
        );
        assert!(challenge.try_into_value().is_ok());
    }

    #[test]
    fn scope_keeps_to_rfc_6750_characters() {
        let challenge = Challenge::bearer("r").with_scope("a  b\"c\\d é\n");
        assert_eq!(
            challenge.to_string(),
            "Bearer realm=\"r\", scope=\"a b?c?d ?\""
        );
        assert!(challenge.try_into_value().is_ok());
    }

    #[test]
    fn a_jwt_challenge_takes_no_error() {
        assert_eq!(
            Challenge::jwt("r").with_error(BearerError::InvalidToken, "x"),
            Challenge::jwt("r")
        );
    }

    #[test]
    fn choice_per_error() {
        let missing = JwtError::NoAuthorization("Missing Authorization Header".into());
        assert_eq!(
            Challenge::for_error(&config(WwwAuthenticate::Off), &missing),
            None
        );
        let jwt = config(WwwAuthenticate::Jwt);
        assert_eq!(
            Challenge::for_error(&jwt, &missing),
            Some(Challenge::jwt("Login Required"))
        );
        assert_eq!(Challenge::for_error(&jwt, &JwtError::Expired), None);

        let bearer = config(WwwAuthenticate::Bearer);
        let code = |e: &JwtError| match Challenge::for_error(&bearer, e) {
            Some(Challenge::Bearer { error, .. }) => error,
            other => panic!("{e:?}: {other:?}"),
        };
        assert_eq!(code(&missing), None);
        assert_eq!(code(&JwtError::Expired), Some(BearerError::InvalidToken));
        assert_eq!(
            code(&JwtError::InvalidSignature),
            Some(BearerError::InvalidToken)
        );
        assert_eq!(code(&JwtError::Revoked), Some(BearerError::InvalidToken));
        assert_eq!(
            code(&JwtError::InvalidHeader("Bad".into())),
            Some(BearerError::InvalidRequest)
        );
        assert_eq!(
            code(&JwtError::CsrfMissing),
            Some(BearerError::InvalidRequest)
        );
        assert_eq!(
            code(&JwtError::FreshTokenRequired),
            Some(BearerError::InsufficientUserAuthentication)
        );
        assert_eq!(
            code(&JwtError::MissingRequiredClaims),
            Some(BearerError::InsufficientScope)
        );
        assert_eq!(
            Challenge::for_error(
                &bearer,
                &JwtError::MissingRequiredScope("admin perms:read".into())
            )
            .unwrap()
            .to_string(),
            "Bearer realm=\"Login Required\", error=\"insufficient_scope\", \
             error_description=\"Missing required scope(s)\", scope=\"admin perms:read\""
        );
        assert_eq!(
            Challenge::for_error(&bearer, &JwtError::ManagerMissing),
            None
        );
        assert_eq!(
            Challenge::for_error(&bearer, &JwtError::Encode("x".into())),
            None
        );
    }
}
