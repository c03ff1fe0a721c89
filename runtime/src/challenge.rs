//! `WWW-Authenticate` challenges on rejected requests: Flask-JWT's
//! `JWT realm="…"` and RFC 6750's `Bearer realm="…", error="…",
//! error_description="…"`, chosen by JWT_WWW_AUTHENTICATE (off by default,
//! as in Flask-JWT-Extended).

use std::fmt::{self, Write as _};
use std::str::FromStr;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue, InvalidHeaderValue, TryIntoHeaderValue};

use crate::config::JwtConfig;
use crate::error::{ConfigError, ErrorClass, JwtError};
use crate::manager::JwtManager;

/// Which `WWW-Authenticate` challenge rejected requests carry
/// (JWT_WWW_AUTHENTICATE: `off`, `jwt` or `bearer`). See [`Challenge`].
///
/// Which rejection carries which challenge:
///
/// | rejection | `jwt` | `bearer` |
/// |---|---|---|
/// | no token (`Missing Authorization Header`, …) | `JWT realm="R"` | `Bearer realm="R"` |
/// | bad header or query value, CSRF failure | — | `error="invalid_request"` |
/// | non-fresh token where a fresh one is required | — | `error="insufficient_user_authentication"` |
/// | any other problem with the token (expired, bad signature, revoked, wrong type, …) | — | `error="invalid_token"` |
/// | server-side problems (500) | — | — |
///
/// * The `jwt` form is Flask-JWT's: it is sent for a missing token only.
/// * A request without credentials gets a bare `Bearer realm="R"`: RFC 6750
///   §3.1 says that when "the request lacks any authentication information"
///   the server "SHOULD NOT include an error code or other error
///   information". A header with another scheme (`Authorization: Basic …`)
///   counts as no token here, as it does in §3.1.
/// * Every other challenge names an error code and repeats the message of the
///   response body as `error_description`. `insufficient_user_authentication`
///   is the code of RFC 9470 (step-up authentication) for a token whose
///   authentication event is too old — what a non-fresh token is.
/// * The status code is never changed: it stays Flask-JWT-Extended's (401,
///   422, …), even where RFC 6750 suggests another one for an error code. RFC
///   9110 §11.6.1 allows the header on any response to which other
///   credentials could make a difference.
///
/// The challenge is added to the rejection's response — the default one or
/// the one of a response loader — when that response is a client error and
/// has no `WWW-Authenticate` header of its own, so a loader that sets one
/// wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WwwAuthenticate {
    /// No challenge (the default, as in Flask-JWT-Extended).
    #[default]
    Off,
    /// Flask-JWT's `JWT realm="<realm>"`, on a missing token only.
    Jwt,
    /// RFC 6750's `Bearer realm="<realm>"`, with an error code and
    /// description for every rejection but a missing token.
    Bearer,
}

impl WwwAuthenticate {
    /// The option value: `"off"`, `"jwt"` or `"bearer"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Jwt => "jwt",
            Self::Bearer => "bearer",
        }
    }
}

impl fmt::Display for WwwAuthenticate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WwwAuthenticate {
    type Err = String;

    /// Parses `off`, `jwt` or `bearer`, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "jwt" => Ok(Self::Jwt),
            "bearer" => Ok(Self::Bearer),
            _ => Err(format!(
                "{s:?} is not a challenge form; expected off, jwt or bearer"
            )),
        }
    }
}

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
    /// RFC 6750's `Bearer realm="<realm>"[, error="…"[, error_description="…"]]`.
    Bearer {
        /// The protection space.
        realm: String,
        /// The error code, absent for a request without credentials.
        error: Option<BearerError>,
        /// A human-readable explanation (only written with an error code).
        error_description: Option<String>,
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
        }
    }

    /// Adds an error code and its description to a `Bearer` challenge (a
    /// `JWT` challenge has neither and is returned unchanged).
    #[must_use]
    pub fn with_error(self, code: BearerError, description: impl Into<String>) -> Self {
        match self {
            Self::Bearer { realm, .. } => Self::Bearer {
                realm,
                error: Some(code),
                error_description: Some(description.into()),
            },
            jwt @ Self::Jwt { .. } => jwt,
        }
    }

    /// The challenge that `config` calls for when a request is rejected with
    /// `error`, if any (see the table at [`WwwAuthenticate`]).
    pub fn for_error(config: &JwtConfig, error: &JwtError) -> Option<Self> {
        let realm = || config.default_realm.clone();
        match config.www_authenticate {
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
                    | JwtError::CsrfMissing
                    | JwtError::CsrfMismatch => BearerError::InvalidRequest,
                    JwtError::FreshTokenRequired => BearerError::InsufficientUserAuthentication,
                    _ => BearerError::InvalidToken,
                };
                Some(Self::bearer(realm()).with_error(code, error.to_string()))
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

/// Checks JWT_DEFAULT_REALM: it must be writable in a header.
pub(crate) fn validate_realm(realm: &str) -> Result<(), ConfigError> {
    if realm.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ConfigError::invalid(
            "JWT_DEFAULT_REALM",
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Adds the configured challenge for `error` to a rejection's `response`,
/// unless the response is not a client error or already has one.
pub(crate) fn attach(config: &JwtConfig, error: &JwtError, response: &mut HttpResponse) {
    if !response.status().is_client_error()
        || response.headers().contains_key(header::WWW_AUTHENTICATE)
    {
        return;
    }
    if let Some(value) = Challenge::for_error(config, error).and_then(|c| c.try_into_value().ok()) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
}

impl JwtManager {
    /// The `WWW-Authenticate` challenge this manager adds to the response for
    /// `error` (see JWT_WWW_AUTHENTICATE), for response loaders and custom
    /// guards that build their own responses.
    pub fn challenge(&self, error: &JwtError) -> Option<Challenge> {
        Challenge::for_error(&self.inner.config, error)
    }
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
    fn forms_parse_and_print() {
        for form in [
            WwwAuthenticate::Off,
            WwwAuthenticate::Jwt,
            WwwAuthenticate::Bearer,
        ] {
            assert_eq!(form.as_str().parse::<WwwAuthenticate>(), Ok(form));
        }
        assert_eq!(" Bearer ".parse(), Ok(WwwAuthenticate::Bearer));
        assert!("basic".parse::<WwwAuthenticate>().is_err());
        assert_eq!(WwwAuthenticate::default(), WwwAuthenticate::Off);
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
            Challenge::for_error(&bearer, &JwtError::ManagerMissing),
            None
        );
        assert_eq!(
            Challenge::for_error(&bearer, &JwtError::Encode("x".into())),
            None
        );
    }

    #[test]
    fn realm_must_fit_in_a_header() {
        assert!(validate_realm("Login Required").is_ok());
        assert_eq!(
            validate_realm("a\nb").unwrap_err().option(),
            Some("JWT_DEFAULT_REALM")
        );
    }
}
