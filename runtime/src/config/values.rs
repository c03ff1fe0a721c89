//! The types of option values, and how each is read from text (an
//! environment variable): [`OptionValue`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;

use crate::algorithm::Algorithm;
use crate::error::ConfigError;

/// How long a token lives: a duration, or forever (Flask-JWT-Extended's `False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expires {
    /// The token expires this long after it is issued.
    After(Duration),
    /// The token carries no `exp` claim and never expires.
    Never,
}

impl From<Duration> for Expires {
    fn from(duration: Duration) -> Self {
        Self::After(duration)
    }
}

/// Where a request may carry its token (JWT_TOKEN_LOCATION).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenLocation {
    /// The `Authorization` header (JWT_HEADER_NAME / JWT_HEADER_TYPE).
    Headers,
    /// A cookie (JWT_ACCESS_COOKIE_NAME / JWT_REFRESH_COOKIE_NAME).
    Cookies,
    /// A query-string parameter (JWT_QUERY_STRING_NAME).
    QueryString,
    /// A key of a JSON body (JWT_JSON_KEY / JWT_REFRESH_JSON_KEY).
    Json,
}

impl TokenLocation {
    /// The name Flask-JWT-Extended uses (`"headers"`, `"cookies"`,
    /// `"query_string"`, `"json"`), also returned by `get_jwt_request_location`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Headers => "headers",
            Self::Cookies => "cookies",
            Self::QueryString => "query_string",
            Self::Json => "json",
        }
    }
}

impl fmt::Display for TokenLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenLocation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "headers" => Ok(Self::Headers),
            "cookies" => Ok(Self::Cookies),
            "query_string" => Ok(Self::QueryString),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "'{other}' is not a valid location; expected headers, cookies, query_string or json"
            )),
        }
    }
}

/// Whether verified tokens are cached (JWT_VERIFIED_TOKEN_CACHE).
///
/// The cache remembers tokens that passed full verification (signature,
/// algorithm and every claim check), keyed by the whole encoded token, so that
/// a token seen again skips the signature check and the parsing. On every hit
/// `exp`, `nbf` and `iat` are checked again with the leeway, and the CSRF,
/// type, freshness, revocation and requirement checks run as usual. Each
/// actix worker thread has its own bounded cache per manager (no lock);
/// tokens over 4 KiB and failed verifications are never stored.
///
/// On by default for every algorithm: a hit costs less than even an HS256
/// verification (BENCHMARKS.md has the figures and the reasoning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenCache {
    /// On for every algorithm. The default.
    #[default]
    On,
    /// On for asymmetric algorithms (RS*, PS*, ES*, EdDSA) only, off for
    /// HMAC.
    Auto,
    /// Off: every request verifies its token in full.
    Off,
}

impl TokenCache {
    /// The option value: `on`, `auto` or `off`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Auto => "auto",
            Self::Off => "off",
        }
    }

    /// Whether the cache is on for a manager signing with `algorithm`.
    pub const fn is_on_for(self, algorithm: Algorithm) -> bool {
        match self {
            Self::On => true,
            Self::Auto => algorithm.is_asymmetric(),
            Self::Off => false,
        }
    }
}

impl fmt::Display for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenCache {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" | "true" => Ok(Self::On),
            "auto" => Ok(Self::Auto),
            "off" | "false" => Ok(Self::Off),
            other => Err(format!("{other:?} is not on, off or auto")),
        }
    }
}

/// Which `WWW-Authenticate` challenge rejected requests carry
/// (JWT_WWW_AUTHENTICATE: `off`, `jwt` or `bearer`). See
/// [`Challenge`](crate::Challenge).
///
/// Which rejection carries which challenge:
///
/// | rejection | `jwt` | `bearer` |
/// |---|---|---|
/// | no token (`Missing Authorization Header`, …) | `JWT realm="R"` | `Bearer realm="R"` |
/// | bad header or query value, CSRF failure | — | `error="invalid_request"` |
/// | non-fresh token where a fresh one is required | — | `error="insufficient_user_authentication"` |
/// | required scope not covered (403) | — | `error="insufficient_scope"`, `scope="…"` (the required scope) |
/// | required claims missing (403) | — | `error="insufficient_scope"` |
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

/// A type an option can have, read from the option's text. Errors name
/// `option`.
pub(crate) trait OptionValue: Sized {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError>;
}

/// A type that can be an item of a comma-separated list option.
pub(crate) trait ListItem: OptionValue {}

impl OptionValue for String {
    fn parse(_: &'static str, text: &str) -> Result<Self, ConfigError> {
        Ok(text.to_owned())
    }
}

impl ListItem for String {}

/// Optional text: blank means none.
impl OptionValue for Option<String> {
    fn parse(_: &'static str, text: &str) -> Result<Self, ConfigError> {
        Ok(Some(text.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned))
    }
}

impl<T: ListItem> OptionValue for Vec<T> {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| T::parse(option, item))
            .collect()
    }
}

impl OptionValue for bool {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            other => Err(ConfigError::invalid(
                option,
                format!("{other:?} is not a boolean; use true or false"),
            )),
        }
    }
}

/// A size or a count.
impl OptionValue for usize {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        let count = whole_number(option, text, "")?;
        usize::try_from(count).map_err(|_| ConfigError::invalid(option, "too large"))
    }
}

/// Whole seconds.
impl OptionValue for Duration {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        whole_number(option, text, " of seconds").map(Duration::from_secs)
    }
}

/// Whole seconds, or `false` for never.
impl OptionValue for Expires {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        if text.trim().eq_ignore_ascii_case("false") {
            return Ok(Expires::Never);
        }
        match Duration::parse(option, text)? {
            Duration::ZERO => Err(ConfigError::invalid(
                option,
                "0 seconds would mint expired tokens; use false for tokens that never expire",
            )),
            lifetime => Ok(Expires::After(lifetime)),
        }
    }
}

impl OptionValue for Algorithm {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        text.trim()
            .parse()
            .map_err(|e: crate::algorithm::UnknownAlgorithm| {
                ConfigError::invalid(option, e.to_string())
            })
    }
}

impl ListItem for Algorithm {}

impl OptionValue for Method {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        Method::from_bytes(text.to_ascii_uppercase().as_bytes())
            .map_err(|_| ConfigError::invalid(option, format!("{text:?} is not an HTTP method")))
    }
}

impl ListItem for Method {}

/// `Strict`, `Lax` or `None` (the attribute value), any case; empty for no
/// attribute at all.
impl OptionValue for Option<SameSite> {
    fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "strict" => Ok(Some(SameSite::Strict)),
            "lax" => Ok(Some(SameSite::Lax)),
            "none" => Ok(Some(SameSite::None)),
            other => Err(ConfigError::invalid(
                option,
                format!(
                    "{other:?} is not Strict, Lax or None (leave it empty to omit the attribute)"
                ),
            )),
        }
    }
}

/// The option types that parse with their `FromStr`, whose error text
/// explains the accepted values.
macro_rules! from_str_values {
    ($($ty:ty),*) => {$(
        impl OptionValue for $ty {
            fn parse(option: &'static str, text: &str) -> Result<Self, ConfigError> {
                text.parse().map_err(|e: String| ConfigError::invalid(option, e))
            }
        }
    )*};
}

from_str_values!(TokenLocation, TokenCache, WwwAuthenticate);

impl ListItem for TokenLocation {}

fn whole_number(option: &'static str, text: &str, unit: &str) -> Result<u64, ConfigError> {
    text.trim()
        .parse()
        .map_err(|_| ConfigError::invalid(option, format!("{text:?} is not a whole number{unit}")))
}

/// A secret given as text: its bytes.
pub(crate) fn parse_secret(_: &'static str, text: &str) -> Result<Option<Vec<u8>>, ConfigError> {
    Ok(Some(text.as_bytes().to_vec()))
}

/// A JWKS document given as JSON text or as the path of a file holding it.
pub(crate) fn parse_jwks(option: &'static str, text: &str) -> Result<Option<Vec<u8>>, ConfigError> {
    if text.trim_start().starts_with('{') {
        return Ok(Some(text.as_bytes().to_vec()));
    }
    let path = text.trim();
    std::fs::read(path).map(Some).map_err(|e| {
        ConfigError::invalid(option, format!("cannot read the JWKS file {path:?}: {e}"))
    })
}

/// A key given as PEM text or as the path of a PEM file.
pub(crate) fn parse_pem(option: &'static str, text: &str) -> Result<Option<Vec<u8>>, ConfigError> {
    if text.trim_start().starts_with("-----BEGIN") {
        return Ok(Some(text.as_bytes().to_vec()));
    }
    let path = text.trim();
    let pem = std::fs::read(path).map_err(|e| {
        ConfigError::invalid(option, format!("cannot read the PEM file {path:?}: {e}"))
    })?;
    if !pem.starts_with(b"-----BEGIN") {
        return Err(ConfigError::invalid(
            option,
            format!("the file {path:?} does not hold a PEM key"),
        ));
    }
    Ok(Some(pem))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn list_options_skip_blank_items() {
        assert_eq!(
            Vec::<Algorithm>::parse("X", " HS256, ,HS384 ").unwrap(),
            [Algorithm::HS256, Algorithm::HS384]
        );
        assert_eq!(
            Vec::<Method>::parse("X", "get,Post").unwrap(),
            [Method::GET, Method::POST]
        );
        assert_eq!(
            Vec::<Method>::parse("JWT_CSRF_METHODS", "PO ST")
                .unwrap_err()
                .option(),
            Some("JWT_CSRF_METHODS")
        );
    }
}
