//! Configuration: every option with its Flask-JWT-Extended name and default,
//! and the parsing of option values given as text (environment variables).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::algorithm::Algorithm;
use crate::challenge::WwwAuthenticate;
use crate::error::ConfigError;
use crate::keys::KeyMaterial;

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

/// The settings of a [`JwtManager`](crate::JwtManager). Field names follow the
/// Flask-JWT-Extended options (`decode_leeway` is `JWT_DECODE_LEEWAY`, …) and
/// [`Default`] gives that library's defaults.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JwtConfig {
    /// JWT_ALGORITHM: signs new tokens. Default `HS256`.
    pub algorithm: Algorithm,
    /// JWT_DECODE_ALGORITHMS: accepted on incoming tokens; `algorithm` is
    /// always added. Default: just `algorithm`.
    pub decode_algorithms: Vec<Algorithm>,
    /// JWT_ACCESS_TOKEN_EXPIRES: default 15 minutes.
    pub access_token_expires: Expires,
    /// JWT_REFRESH_TOKEN_EXPIRES: default 30 days.
    pub refresh_token_expires: Expires,
    /// JWT_IDENTITY_CLAIM: the claim that holds the identity. Default `sub`.
    pub identity_claim: String,
    /// JWT_DECODE_LEEWAY: tolerance for `exp`, `nbf` and `iat`. Default 0.
    pub decode_leeway: Duration,
    /// JWT_ENCODE_ISSUER: the `iss` of new tokens. Default none.
    pub encode_issuer: Option<String>,
    /// JWT_DECODE_ISSUER: when set, incoming tokens must carry this `iss`.
    pub decode_issuer: Option<String>,
    /// JWT_ENCODE_AUDIENCE: the `aud` of new tokens (one value is written as a
    /// string, several as a list). Default none.
    pub encode_audience: Vec<String>,
    /// JWT_DECODE_AUDIENCE: when non-empty, incoming tokens must carry an `aud`
    /// that shares a value with this list.
    pub decode_audience: Vec<String>,
    /// JWT_ENCODE_NBF: write `nbf` (= `iat`) into new tokens. Default on.
    pub encode_nbf: bool,
    /// JWT_VERIFY_SUB: reject tokens whose `sub` is not a string. Default on.
    pub verify_sub: bool,
    /// JWT_ERROR_MESSAGE_KEY: the key of error bodies. Default `msg`.
    pub error_message_key: String,
    /// JWT_HEADER_NAME: default `Authorization`.
    pub header_name: String,
    /// JWT_HEADER_TYPE: the scheme before the token; empty means a bare token.
    /// Default `Bearer`.
    pub header_type: String,
    /// JWT_COOKIE_CSRF_PROTECT: write a `csrf` claim into every token (and
    /// check it for cookie tokens). Default on.
    pub cookie_csrf_protect: bool,
    /// JWT_TOKEN_LOCATION: where to look for tokens, in order. Default headers.
    pub token_location: Vec<TokenLocation>,
    /// JWT_QUERY_STRING_NAME: the query parameter that carries the token.
    /// Default `jwt`.
    pub query_string_name: String,
    /// JWT_QUERY_STRING_VALUE_PREFIX: a prefix the parameter's value must
    /// start with (removed before decoding). Default empty.
    pub query_string_value_prefix: String,
    /// JWT_MAX_TOKEN_SIZE: tokens longer than this many bytes are rejected
    /// before any decoding (422 `Token is too large`). Default 16 KiB.
    pub max_token_size: usize,
    /// JWT_WWW_AUTHENTICATE: the `WWW-Authenticate` challenge of rejected
    /// requests (see [`Challenge`](crate::Challenge)). Default off.
    pub www_authenticate: WwwAuthenticate,
    /// JWT_DEFAULT_REALM: the realm of that challenge. Default
    /// `Login Required`, as in Flask-JWT.
    pub default_realm: String,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::HS256,
            decode_algorithms: Vec::new(),
            access_token_expires: Expires::After(Duration::from_secs(15 * 60)),
            refresh_token_expires: Expires::After(Duration::from_secs(30 * 24 * 60 * 60)),
            identity_claim: "sub".to_owned(),
            decode_leeway: Duration::ZERO,
            encode_issuer: None,
            decode_issuer: None,
            encode_audience: Vec::new(),
            decode_audience: Vec::new(),
            encode_nbf: true,
            verify_sub: true,
            error_message_key: "msg".to_owned(),
            header_name: "Authorization".to_owned(),
            header_type: "Bearer".to_owned(),
            cookie_csrf_protect: true,
            token_location: vec![TokenLocation::Headers],
            query_string_name: "jwt".to_owned(),
            query_string_value_prefix: String::new(),
            max_token_size: 16 * 1024,
            www_authenticate: WwwAuthenticate::Off,
            default_realm: "Login Required".to_owned(),
        }
    }
}

impl JwtConfig {
    /// The algorithms accepted on incoming tokens: JWT_DECODE_ALGORITHMS with
    /// JWT_ALGORITHM always included.
    pub fn allowed_algorithms(&self) -> Vec<Algorithm> {
        let mut algorithms = self.decode_algorithms.clone();
        if !algorithms.contains(&self.algorithm) {
            algorithms.push(self.algorithm);
        }
        algorithms
    }

    /// Checks the settings that do not involve keys.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.header_name.trim().is_empty() {
            return Err(ConfigError::invalid("JWT_HEADER_NAME", "must not be empty"));
        }
        if actix_web::http::header::HeaderName::from_bytes(self.header_name.as_bytes()).is_err() {
            return Err(ConfigError::invalid(
                "JWT_HEADER_NAME",
                format!("{:?} is not a valid header name", self.header_name),
            ));
        }
        if self.identity_claim.is_empty() {
            return Err(ConfigError::invalid(
                "JWT_IDENTITY_CLAIM",
                "must not be empty",
            ));
        }
        if self.token_location.is_empty() {
            return Err(ConfigError::invalid(
                "JWT_TOKEN_LOCATION",
                "must name at least one location",
            ));
        }
        if let Some(location) = self
            .token_location
            .iter()
            .find(|l| matches!(l, TokenLocation::Cookies | TokenLocation::Json))
        {
            return Err(ConfigError::invalid(
                "JWT_TOKEN_LOCATION",
                format!(
                    "'{location}' is not supported by this version; use headers or query_string"
                ),
            ));
        }
        if self.max_token_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_MAX_TOKEN_SIZE",
                "must be positive",
            ));
        }
        crate::challenge::validate_realm(&self.default_realm)?;
        Ok(())
    }
}

/// The options understood by [`apply_option`], as `(name, default, meaning)`:
/// the source of the configuration table in the README.
pub const OPTIONS: &[(&str, &str, &str)] = &[
    ("JWT_SECRET_KEY", "(none)", "HMAC secret for HS* algorithms"),
    ("JWT_ALGORITHM", "HS256", "algorithm that signs new tokens"),
    (
        "JWT_DECODE_ALGORITHMS",
        "JWT_ALGORITHM",
        "comma-separated allow-list for incoming tokens",
    ),
    (
        "JWT_PRIVATE_KEY",
        "(none)",
        "PEM text or file path; signs with RS*/PS*/ES*/EdDSA",
    ),
    (
        "JWT_PUBLIC_KEY",
        "(none)",
        "PEM text or file path; verifies RS*/PS*/ES*/EdDSA",
    ),
    (
        "JWT_ACCESS_TOKEN_EXPIRES",
        "900",
        "seconds, or false for never",
    ),
    (
        "JWT_REFRESH_TOKEN_EXPIRES",
        "2592000",
        "seconds, or false for never",
    ),
    ("JWT_IDENTITY_CLAIM", "sub", "claim that holds the identity"),
    (
        "JWT_DECODE_LEEWAY",
        "0",
        "seconds of tolerance for exp, nbf and iat",
    ),
    ("JWT_ENCODE_ISSUER", "(none)", "iss of new tokens"),
    (
        "JWT_DECODE_ISSUER",
        "(none)",
        "required iss of incoming tokens",
    ),
    (
        "JWT_ENCODE_AUDIENCE",
        "(none)",
        "aud of new tokens (comma-separated for several)",
    ),
    (
        "JWT_DECODE_AUDIENCE",
        "(none)",
        "accepted aud values (comma-separated)",
    ),
    ("JWT_ENCODE_NBF", "true", "write nbf into new tokens"),
    (
        "JWT_VERIFY_SUB",
        "true",
        "reject tokens whose sub is not a string",
    ),
    ("JWT_ERROR_MESSAGE_KEY", "msg", "key of the JSON error body"),
    (
        "JWT_HEADER_NAME",
        "Authorization",
        "header that carries the token",
    ),
    (
        "JWT_HEADER_TYPE",
        "Bearer",
        "scheme before the token; empty for a bare token",
    ),
    (
        "JWT_COOKIE_CSRF_PROTECT",
        "true",
        "write a csrf claim into tokens",
    ),
    (
        "JWT_TOKEN_LOCATION",
        "headers",
        "where tokens are looked for (comma-separated, in order)",
    ),
    (
        "JWT_QUERY_STRING_NAME",
        "jwt",
        "query parameter that carries the token",
    ),
    (
        "JWT_QUERY_STRING_VALUE_PREFIX",
        "(empty)",
        "prefix the query value must start with",
    ),
    (
        "JWT_MAX_TOKEN_SIZE",
        "16384",
        "longest accepted token, in bytes",
    ),
    (
        "JWT_WWW_AUTHENTICATE",
        "off",
        "WWW-Authenticate challenge of rejections: off, jwt or bearer",
    ),
    (
        "JWT_DEFAULT_REALM",
        "Login Required",
        "realm of the WWW-Authenticate challenge",
    ),
];

/// A configuration under construction: settings plus key material.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawConfig {
    pub(crate) config: JwtConfig,
    pub(crate) keys: KeyMaterial,
}

/// Applies one option given as text. Returns `Ok(false)` for a name that is
/// not an option of this crate.
pub(crate) fn apply_option(
    raw: &mut RawConfig,
    name: &str,
    value: &str,
) -> Result<bool, ConfigError> {
    let c = &mut raw.config;
    match name {
        "JWT_SECRET_KEY" => raw.keys.secret = Some(value.as_bytes().to_vec()),
        "JWT_PRIVATE_KEY" => raw.keys.private_pem = Some(read_pem("JWT_PRIVATE_KEY", value)?),
        "JWT_PUBLIC_KEY" => raw.keys.public_pem = Some(read_pem("JWT_PUBLIC_KEY", value)?),
        "JWT_ALGORITHM" => c.algorithm = parse_algorithm("JWT_ALGORITHM", value)?,
        "JWT_DECODE_ALGORITHMS" => {
            c.decode_algorithms = list(value)
                .map(|alg| parse_algorithm("JWT_DECODE_ALGORITHMS", alg))
                .collect::<Result<_, _>>()?
        }
        "JWT_ACCESS_TOKEN_EXPIRES" => c.access_token_expires = parse_expires(name_of(name), value)?,
        "JWT_REFRESH_TOKEN_EXPIRES" => {
            c.refresh_token_expires = parse_expires(name_of(name), value)?
        }
        "JWT_IDENTITY_CLAIM" => c.identity_claim = value.to_owned(),
        "JWT_DECODE_LEEWAY" => {
            c.decode_leeway = Duration::from_secs(parse_number("JWT_DECODE_LEEWAY", value)?)
        }
        "JWT_ENCODE_ISSUER" => c.encode_issuer = non_empty(value),
        "JWT_DECODE_ISSUER" => c.decode_issuer = non_empty(value),
        "JWT_ENCODE_AUDIENCE" => c.encode_audience = list(value).map(str::to_owned).collect(),
        "JWT_DECODE_AUDIENCE" => c.decode_audience = list(value).map(str::to_owned).collect(),
        "JWT_ENCODE_NBF" => c.encode_nbf = parse_bool("JWT_ENCODE_NBF", value)?,
        "JWT_VERIFY_SUB" => c.verify_sub = parse_bool("JWT_VERIFY_SUB", value)?,
        "JWT_ERROR_MESSAGE_KEY" => c.error_message_key = value.to_owned(),
        "JWT_HEADER_NAME" => c.header_name = value.to_owned(),
        "JWT_HEADER_TYPE" => c.header_type = value.to_owned(),
        "JWT_COOKIE_CSRF_PROTECT" => {
            c.cookie_csrf_protect = parse_bool("JWT_COOKIE_CSRF_PROTECT", value)?
        }
        "JWT_TOKEN_LOCATION" => {
            c.token_location = list(value)
                .map(|l| {
                    l.parse()
                        .map_err(|e| ConfigError::invalid("JWT_TOKEN_LOCATION", e))
                })
                .collect::<Result<_, _>>()?
        }
        "JWT_QUERY_STRING_NAME" => c.query_string_name = value.to_owned(),
        "JWT_QUERY_STRING_VALUE_PREFIX" => c.query_string_value_prefix = value.to_owned(),
        "JWT_MAX_TOKEN_SIZE" => {
            c.max_token_size = usize::try_from(parse_number("JWT_MAX_TOKEN_SIZE", value)?)
                .map_err(|_| ConfigError::invalid("JWT_MAX_TOKEN_SIZE", "too large"))?
        }
        "JWT_WWW_AUTHENTICATE" => {
            c.www_authenticate = value
                .parse()
                .map_err(|e| ConfigError::invalid("JWT_WWW_AUTHENTICATE", e))?
        }
        "JWT_DEFAULT_REALM" => c.default_realm = value.to_owned(),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Maps a runtime name back to the `'static` option name used in errors.
fn name_of(name: &str) -> &'static str {
    OPTIONS
        .iter()
        .map(|(n, _, _)| *n)
        .find(|n| *n == name)
        .unwrap_or("JWT_*")
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn non_empty(value: &str) -> Option<String> {
    Some(value.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn parse_algorithm(option: &'static str, value: &str) -> Result<Algorithm, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|e: crate::algorithm::UnknownAlgorithm| {
            ConfigError::invalid(option, e.to_string())
        })
}

pub(crate) fn parse_bool(option: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(ConfigError::invalid(
            option,
            format!("{other:?} is not a boolean; use true or false"),
        )),
    }
}

fn parse_number(option: &'static str, value: &str) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| {
        ConfigError::invalid(
            option,
            format!("{value:?} is not a whole number of seconds"),
        )
    })
}

fn parse_expires(option: &'static str, value: &str) -> Result<Expires, ConfigError> {
    if value.trim().eq_ignore_ascii_case("false") {
        return Ok(Expires::Never);
    }
    match parse_number(option, value)? {
        0 => Err(ConfigError::invalid(
            option,
            "0 seconds would mint expired tokens; use false for tokens that never expire",
        )),
        secs => Ok(Expires::After(Duration::from_secs(secs))),
    }
}

/// Reads a key given as PEM text or as the path of a PEM file.
pub(crate) fn read_pem(option: &'static str, value: &str) -> Result<Vec<u8>, ConfigError> {
    if value.trim_start().starts_with("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    let path = value.trim();
    let text = std::fs::read(path).map_err(|e| {
        ConfigError::invalid(option, format!("cannot read the PEM file {path:?}: {e}"))
    })?;
    if !text.starts_with(b"-----BEGIN") {
        return Err(ConfigError::invalid(
            option,
            format!("the file {path:?} does not hold a PEM key"),
        ));
    }
    Ok(text)
}
