//! Configuration: every option with its Flask-JWT-Extended name and default,
//! and the parsing of option values given as text (environment variables).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;

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

/// Whether verified tokens are cached (JWT_VERIFIED_TOKEN_CACHE).
///
/// The cache remembers tokens that passed full verification (signature,
/// algorithm and every claim check), keyed by the whole encoded token, so that
/// a token seen again skips the signature check and the parsing. On every hit
/// `exp`, `nbf` and `iat` are checked again with the leeway, and the CSRF,
/// type, freshness, revocation and requirement checks run as usual. Each
/// actix worker thread has its own bounded cache per manager (no lock);
/// tokens over [`MAX_CACHED_TOKEN_SIZE`] bytes and failed verifications are
/// never stored.
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

/// Tokens longer than this many bytes are never put in the verified-token
/// cache (they are still verified and accepted, just not cached).
pub const MAX_CACHED_TOKEN_SIZE: usize = 4096;

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
    /// JWT_JSON_KEY: the key of a JSON body that carries an access token.
    /// Default `access_token`.
    pub json_key: String,
    /// JWT_REFRESH_JSON_KEY: the key of a JSON body that carries a refresh
    /// token. Default `refresh_token`.
    pub refresh_json_key: String,
    /// JWT_MAX_BODY_SIZE: the most bytes of a request body read to find a
    /// token (`json` location) or a CSRF form field. Default 2 MiB, the limit
    /// of actix-web's `Json` extractor.
    pub max_body_size: usize,
    /// JWT_ACCESS_COOKIE_NAME: default `access_token_cookie`.
    pub access_cookie_name: String,
    /// JWT_REFRESH_COOKIE_NAME: default `refresh_token_cookie`.
    pub refresh_cookie_name: String,
    /// JWT_ACCESS_COOKIE_PATH: default `/`.
    pub access_cookie_path: String,
    /// JWT_REFRESH_COOKIE_PATH: default `/`.
    pub refresh_cookie_path: String,
    /// JWT_COOKIE_SECURE: mark every cookie `Secure`. Default off.
    pub cookie_secure: bool,
    /// JWT_COOKIE_DOMAIN: the `Domain` of every cookie (a leading dot is
    /// dropped). Default none.
    pub cookie_domain: Option<String>,
    /// JWT_COOKIE_SAMESITE: the `SameSite` of every cookie. Default none (the
    /// attribute is left out).
    pub cookie_samesite: Option<SameSite>,
    /// JWT_SESSION_COOKIE: session cookies (no `Max-Age`); off gives cookies
    /// that last 31540000 seconds. Default on.
    pub session_cookie: bool,
    /// JWT_CSRF_METHODS: the methods on which a token found in a cookie needs
    /// the CSRF double-submit value. Default POST, PUT, PATCH, DELETE.
    pub csrf_methods: Vec<Method>,
    /// JWT_CSRF_IN_COOKIES: set the `csrf_*` companion cookies next to the
    /// JWT cookies. Default on.
    pub csrf_in_cookies: bool,
    /// JWT_CSRF_CHECK_FORM: also accept the CSRF value from a form field when
    /// the CSRF header is absent. Default off.
    pub csrf_check_form: bool,
    /// JWT_ACCESS_CSRF_COOKIE_NAME: default `csrf_access_token`.
    pub access_csrf_cookie_name: String,
    /// JWT_REFRESH_CSRF_COOKIE_NAME: default `csrf_refresh_token`.
    pub refresh_csrf_cookie_name: String,
    /// JWT_ACCESS_CSRF_COOKIE_PATH: default `/`.
    pub access_csrf_cookie_path: String,
    /// JWT_REFRESH_CSRF_COOKIE_PATH: default `/`.
    pub refresh_csrf_cookie_path: String,
    /// JWT_ACCESS_CSRF_HEADER_NAME: default `X-CSRF-TOKEN`.
    pub access_csrf_header_name: String,
    /// JWT_REFRESH_CSRF_HEADER_NAME: default `X-CSRF-TOKEN`.
    pub refresh_csrf_header_name: String,
    /// JWT_ACCESS_CSRF_FIELD_NAME: default `csrf_token`.
    pub access_csrf_field_name: String,
    /// JWT_REFRESH_CSRF_FIELD_NAME: default `csrf_token`.
    pub refresh_csrf_field_name: String,
    /// JWT_MAX_TOKEN_SIZE: tokens longer than this many bytes are rejected
    /// before any decoding (422 `Token is too large`). Default 16 KiB.
    pub max_token_size: usize,
    /// JWT_WWW_AUTHENTICATE: the `WWW-Authenticate` challenge of rejected
    /// requests (see [`Challenge`](crate::Challenge)). Default off.
    pub www_authenticate: WwwAuthenticate,
    /// JWT_DEFAULT_REALM: the realm of that challenge. Default
    /// `Login Required`, as in Flask-JWT.
    pub default_realm: String,
    /// JWT_VERIFIED_TOKEN_CACHE: cache verified tokens (see [`TokenCache`]).
    /// Default [`TokenCache::On`].
    pub verified_token_cache: TokenCache,
    /// JWT_VERIFIED_TOKEN_CACHE_SIZE: the most tokens each worker thread
    /// keeps cached for a manager (least recently used go first). Default 1024.
    pub verified_token_cache_size: usize,
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
            json_key: "access_token".to_owned(),
            refresh_json_key: "refresh_token".to_owned(),
            max_body_size: 2 * 1024 * 1024,
            access_cookie_name: "access_token_cookie".to_owned(),
            refresh_cookie_name: "refresh_token_cookie".to_owned(),
            access_cookie_path: "/".to_owned(),
            refresh_cookie_path: "/".to_owned(),
            cookie_secure: false,
            cookie_domain: None,
            cookie_samesite: None,
            session_cookie: true,
            csrf_methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            csrf_in_cookies: true,
            csrf_check_form: false,
            access_csrf_cookie_name: "csrf_access_token".to_owned(),
            refresh_csrf_cookie_name: "csrf_refresh_token".to_owned(),
            access_csrf_cookie_path: "/".to_owned(),
            refresh_csrf_cookie_path: "/".to_owned(),
            access_csrf_header_name: "X-CSRF-TOKEN".to_owned(),
            refresh_csrf_header_name: "X-CSRF-TOKEN".to_owned(),
            access_csrf_field_name: "csrf_token".to_owned(),
            refresh_csrf_field_name: "csrf_token".to_owned(),
            max_token_size: 16 * 1024,
            www_authenticate: WwwAuthenticate::Off,
            default_realm: "Login Required".to_owned(),
            verified_token_cache: TokenCache::On,
            verified_token_cache_size: 1024,
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
    /// JWT_HEADER_NAME as a header name.
    pub(crate) fn parsed_header_name(
        &self,
    ) -> Result<actix_web::http::header::HeaderName, ConfigError> {
        actix_web::http::header::HeaderName::from_bytes(self.header_name.as_bytes()).map_err(|_| {
            ConfigError::invalid(
                "JWT_HEADER_NAME",
                format!("{:?} is not a valid header name", self.header_name),
            )
        })
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.header_name.trim().is_empty() {
            return Err(ConfigError::invalid("JWT_HEADER_NAME", "must not be empty"));
        }
        self.parsed_header_name()?;
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
        self.validate_transport()?;
        if self.max_token_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_MAX_TOKEN_SIZE",
                "must be positive",
            ));
        }
        if self.verified_token_cache_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_VERIFIED_TOKEN_CACHE_SIZE",
                "must be positive; set JWT_VERIFIED_TOKEN_CACHE=off to turn the cache off",
            ));
        }
        crate::challenge::validate_realm(&self.default_realm)?;
        Ok(())
    }

    /// Checks the cookie, CSRF and JSON-body settings, so that every cookie
    /// and header this crate writes or reads is well formed.
    fn validate_transport(&self) -> Result<(), ConfigError> {
        let cookie_names = [
            ("JWT_ACCESS_COOKIE_NAME", &self.access_cookie_name),
            ("JWT_REFRESH_COOKIE_NAME", &self.refresh_cookie_name),
            ("JWT_ACCESS_CSRF_COOKIE_NAME", &self.access_csrf_cookie_name),
            (
                "JWT_REFRESH_CSRF_COOKIE_NAME",
                &self.refresh_csrf_cookie_name,
            ),
        ];
        for (option, name) in cookie_names {
            if name.is_empty() || !name.bytes().all(is_token_char) {
                return Err(ConfigError::invalid(
                    option,
                    format!("{name:?} is not a valid cookie name"),
                ));
            }
        }
        let paths = [
            ("JWT_ACCESS_COOKIE_PATH", &self.access_cookie_path),
            ("JWT_REFRESH_COOKIE_PATH", &self.refresh_cookie_path),
            ("JWT_ACCESS_CSRF_COOKIE_PATH", &self.access_csrf_cookie_path),
            (
                "JWT_REFRESH_CSRF_COOKIE_PATH",
                &self.refresh_csrf_cookie_path,
            ),
        ];
        for (option, path) in paths {
            if !path.starts_with('/') || !path.bytes().all(is_attribute_char) {
                return Err(ConfigError::invalid(
                    option,
                    format!("{path:?} is not a cookie path; it must start with '/'"),
                ));
            }
        }
        if let Some(domain) = self
            .cookie_domain
            .as_deref()
            .filter(|d| !is_cookie_domain(d))
        {
            return Err(ConfigError::invalid(
                "JWT_COOKIE_DOMAIN",
                format!("{domain:?} is not a cookie domain"),
            ));
        }
        let headers = [
            ("JWT_ACCESS_CSRF_HEADER_NAME", &self.access_csrf_header_name),
            (
                "JWT_REFRESH_CSRF_HEADER_NAME",
                &self.refresh_csrf_header_name,
            ),
        ];
        for (option, name) in headers {
            if actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(ConfigError::invalid(
                    option,
                    format!("{name:?} is not a valid header name"),
                ));
            }
        }
        if self.max_body_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_MAX_BODY_SIZE",
                "must be positive",
            ));
        }
        Ok(())
    }
}

/// A character allowed in a cookie name (an RFC 7230 `token` character).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A character allowed in a cookie attribute value such as `Path`.
fn is_attribute_char(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && b != b';'
}

/// A plausible `Domain` attribute: host-name characters, at least one.
pub(crate) fn is_cookie_domain(domain: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The options understood by `JwtManager::from_env` and
/// `JwtManagerBuilder::options`, as `(name, default, meaning)`: the source of
/// the configuration table in the README.
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
        "JWT_JSON_KEY",
        "access_token",
        "JSON body key of an access token",
    ),
    (
        "JWT_REFRESH_JSON_KEY",
        "refresh_token",
        "JSON body key of a refresh token",
    ),
    (
        "JWT_MAX_BODY_SIZE",
        "2097152",
        "most body bytes read for a JSON token or CSRF form field",
    ),
    (
        "JWT_ACCESS_COOKIE_NAME",
        "access_token_cookie",
        "cookie that carries the access token",
    ),
    (
        "JWT_REFRESH_COOKIE_NAME",
        "refresh_token_cookie",
        "cookie that carries the refresh token",
    ),
    ("JWT_ACCESS_COOKIE_PATH", "/", "Path of the access cookie"),
    ("JWT_REFRESH_COOKIE_PATH", "/", "Path of the refresh cookie"),
    ("JWT_COOKIE_SECURE", "false", "mark every cookie Secure"),
    ("JWT_COOKIE_DOMAIN", "(none)", "Domain of every cookie"),
    (
        "JWT_COOKIE_SAMESITE",
        "(none)",
        "SameSite of every cookie: Strict, Lax or None",
    ),
    (
        "JWT_SESSION_COOKIE",
        "true",
        "session cookies; false gives Max-Age 31540000",
    ),
    (
        "JWT_CSRF_METHODS",
        "POST,PUT,PATCH,DELETE",
        "methods that need the CSRF value for cookie tokens",
    ),
    (
        "JWT_CSRF_IN_COOKIES",
        "true",
        "set the csrf_* companion cookies",
    ),
    (
        "JWT_CSRF_CHECK_FORM",
        "false",
        "also read the CSRF value from a form field",
    ),
    (
        "JWT_ACCESS_CSRF_COOKIE_NAME",
        "csrf_access_token",
        "companion cookie of the access cookie",
    ),
    (
        "JWT_REFRESH_CSRF_COOKIE_NAME",
        "csrf_refresh_token",
        "companion cookie of the refresh cookie",
    ),
    (
        "JWT_ACCESS_CSRF_COOKIE_PATH",
        "/",
        "Path of the access companion cookie",
    ),
    (
        "JWT_REFRESH_CSRF_COOKIE_PATH",
        "/",
        "Path of the refresh companion cookie",
    ),
    (
        "JWT_ACCESS_CSRF_HEADER_NAME",
        "X-CSRF-TOKEN",
        "header that echoes the access CSRF value",
    ),
    (
        "JWT_REFRESH_CSRF_HEADER_NAME",
        "X-CSRF-TOKEN",
        "header that echoes the refresh CSRF value",
    ),
    (
        "JWT_ACCESS_CSRF_FIELD_NAME",
        "csrf_token",
        "form field that echoes the access CSRF value",
    ),
    (
        "JWT_REFRESH_CSRF_FIELD_NAME",
        "csrf_token",
        "form field that echoes the refresh CSRF value",
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
    (
        "JWT_VERIFIED_TOKEN_CACHE",
        "on",
        "cache verified tokens per worker: on, off, or auto (asymmetric algorithms only)",
    ),
    (
        "JWT_VERIFIED_TOKEN_CACHE_SIZE",
        "1024",
        "most tokens cached per worker thread",
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
        "JWT_MAX_TOKEN_SIZE" => c.max_token_size = parse_count("JWT_MAX_TOKEN_SIZE", value)?,
        "JWT_WWW_AUTHENTICATE" => {
            c.www_authenticate = value
                .parse()
                .map_err(|e| ConfigError::invalid("JWT_WWW_AUTHENTICATE", e))?
        }
        "JWT_DEFAULT_REALM" => c.default_realm = value.to_owned(),
        "JWT_VERIFIED_TOKEN_CACHE" => {
            c.verified_token_cache = value
                .parse()
                .map_err(|e| ConfigError::invalid("JWT_VERIFIED_TOKEN_CACHE", e))?
        }
        "JWT_VERIFIED_TOKEN_CACHE_SIZE" => {
            c.verified_token_cache_size = parse_count("JWT_VERIFIED_TOKEN_CACHE_SIZE", value)?
        }
        _ => return apply_transport_option(c, name, value),
    }
    Ok(true)
}

/// The cookie, CSRF and JSON-body options of [`apply_option`].
fn apply_transport_option(c: &mut JwtConfig, name: &str, value: &str) -> Result<bool, ConfigError> {
    let text = || value.to_owned();
    match name {
        "JWT_JSON_KEY" => c.json_key = text(),
        "JWT_REFRESH_JSON_KEY" => c.refresh_json_key = text(),
        "JWT_MAX_BODY_SIZE" => c.max_body_size = parse_count("JWT_MAX_BODY_SIZE", value)?,
        "JWT_ACCESS_COOKIE_NAME" => c.access_cookie_name = text(),
        "JWT_REFRESH_COOKIE_NAME" => c.refresh_cookie_name = text(),
        "JWT_ACCESS_COOKIE_PATH" => c.access_cookie_path = text(),
        "JWT_REFRESH_COOKIE_PATH" => c.refresh_cookie_path = text(),
        "JWT_COOKIE_SECURE" => c.cookie_secure = parse_bool("JWT_COOKIE_SECURE", value)?,
        "JWT_COOKIE_DOMAIN" => c.cookie_domain = non_empty(value),
        "JWT_COOKIE_SAMESITE" => c.cookie_samesite = parse_samesite(value)?,
        "JWT_SESSION_COOKIE" => c.session_cookie = parse_bool("JWT_SESSION_COOKIE", value)?,
        "JWT_CSRF_METHODS" => {
            c.csrf_methods = list(value)
                .map(|m| {
                    Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
                        ConfigError::invalid(
                            "JWT_CSRF_METHODS",
                            format!("{m:?} is not an HTTP method"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        }
        "JWT_CSRF_IN_COOKIES" => c.csrf_in_cookies = parse_bool("JWT_CSRF_IN_COOKIES", value)?,
        "JWT_CSRF_CHECK_FORM" => c.csrf_check_form = parse_bool("JWT_CSRF_CHECK_FORM", value)?,
        "JWT_ACCESS_CSRF_COOKIE_NAME" => c.access_csrf_cookie_name = text(),
        "JWT_REFRESH_CSRF_COOKIE_NAME" => c.refresh_csrf_cookie_name = text(),
        "JWT_ACCESS_CSRF_COOKIE_PATH" => c.access_csrf_cookie_path = text(),
        "JWT_REFRESH_CSRF_COOKIE_PATH" => c.refresh_csrf_cookie_path = text(),
        "JWT_ACCESS_CSRF_HEADER_NAME" => c.access_csrf_header_name = text(),
        "JWT_REFRESH_CSRF_HEADER_NAME" => c.refresh_csrf_header_name = text(),
        "JWT_ACCESS_CSRF_FIELD_NAME" => c.access_csrf_field_name = text(),
        "JWT_REFRESH_CSRF_FIELD_NAME" => c.refresh_csrf_field_name = text(),
        _ => return Ok(false),
    }
    Ok(true)
}

/// `Strict`, `Lax` or `None` (the attribute value), any case; empty for no
/// attribute at all.
fn parse_samesite(value: &str) -> Result<Option<SameSite>, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "strict" => Ok(Some(SameSite::Strict)),
        "lax" => Ok(Some(SameSite::Lax)),
        "none" => Ok(Some(SameSite::None)),
        other => Err(ConfigError::invalid(
            "JWT_COOKIE_SAMESITE",
            format!("{other:?} is not Strict, Lax or None (leave it empty to omit the attribute)"),
        )),
    }
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
    parse_whole(option, value, " of seconds")
}

/// A size or a count.
fn parse_count(option: &'static str, value: &str) -> Result<usize, ConfigError> {
    let count = parse_whole(option, value, "")?;
    usize::try_from(count).map_err(|_| ConfigError::invalid(option, "too large"))
}

fn parse_whole(option: &'static str, value: &str, unit: &str) -> Result<u64, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|_| ConfigError::invalid(option, format!("{value:?} is not a whole number{unit}")))
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
