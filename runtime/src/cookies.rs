//! Storing tokens in cookies: Flask-JWT-Extended's `set_access_cookies`,
//! `set_refresh_cookies`, `unset_*_cookies` and `get_csrf_token`, writing
//! the same `Set-Cookie` headers as Werkzeug.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::cookie::SameSite;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue, HttpDate};
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::config::{self, JwtConfig, TokenLocation};
use crate::error::JwtError;
use crate::kind::TokenKind;

/// The lifetime of persistent (non-session) cookies, in seconds: one year,
/// as in Flask-JWT-Extended.
pub const PERSISTENT_COOKIE_MAX_AGE: u64 = 31_540_000;

/// Per-call overrides for
/// [`JwtManager::set_access_cookies`](crate::JwtManager::set_access_cookies)
/// and [`JwtManager::set_refresh_cookies`](crate::JwtManager::set_refresh_cookies) — their `max_age` and `domain`
/// keyword arguments in Flask-JWT-Extended.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::CookieOptions;
///
/// let options = CookieOptions::new()
///     .max_age(Duration::from_secs(120))
///     .domain("api.example.com");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct CookieOptions {
    max_age: Option<Duration>,
    domain: Option<String>,
}

impl CookieOptions {
    /// No overrides: the configured domain and lifetime.
    pub fn new() -> Self {
        Self::default()
    }

    /// `Max-Age` (and `Expires`) of the cookies instead of the configured
    /// lifetime, in whole seconds. As in Flask-JWT-Extended, zero means "not
    /// given".
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age).filter(|age| age.as_secs() > 0);
        self
    }

    /// `Domain` of the cookies instead of JWT_COOKIE_DOMAIN.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }
}

/// Something that can receive `Set-Cookie` headers: a response under
/// construction ([`HttpResponseBuilder`]), a finished [`HttpResponse`], or a
/// [`ServiceResponse`] in a middleware.
pub trait CookieSink {
    /// Appends one `Set-Cookie` header.
    fn append_set_cookie(&mut self, value: HeaderValue);
}

impl CookieSink for HttpResponseBuilder {
    fn append_set_cookie(&mut self, value: HeaderValue) {
        self.append_header((header::SET_COOKIE, value));
    }
}

impl<B> CookieSink for HttpResponse<B> {
    fn append_set_cookie(&mut self, value: HeaderValue) {
        self.headers_mut().append(header::SET_COOKIE, value);
    }
}

impl<B> CookieSink for ServiceResponse<B> {
    fn append_set_cookie(&mut self, value: HeaderValue) {
        self.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// One cookie as Werkzeug's `dump_cookie` writes it: `name=value; Domain=…;
/// Expires=…; Max-Age=…; Secure; HttpOnly; Path=…; SameSite=…`.
struct SetCookie<'a> {
    name: &'a str,
    value: &'a str,
    domain: Option<&'a str>,
    expires: Option<SystemTime>,
    max_age: Option<u64>,
    secure: bool,
    http_only: bool,
    path: &'a str,
    same_site: Option<SameSite>,
}

impl SetCookie<'_> {
    fn header_value(&self) -> Result<HeaderValue, JwtError> {
        let mut text = format!("{}={}", self.name, self.value);
        // Writing to a String cannot fail.
        if let Some(domain) = self.domain {
            let _ = write!(
                text,
                "; Domain={}",
                domain.strip_prefix('.').unwrap_or(domain)
            );
        }
        if let Some(expires) = self.expires {
            let _ = write!(text, "; Expires={}", HttpDate::from(expires));
        }
        if let Some(max_age) = self.max_age {
            let _ = write!(text, "; Max-Age={max_age}");
        }
        if self.secure {
            text.push_str("; Secure");
        }
        if self.http_only {
            text.push_str("; HttpOnly");
        }
        let _ = write!(text, "; Path={}", self.path);
        if let Some(same_site) = self.same_site {
            let _ = write!(text, "; SameSite={same_site}");
        }
        HeaderValue::from_str(&text)
            .map_err(|_| JwtError::Malformed("Token is not a valid cookie value".to_owned()))
    }
}

/// `Expires` for a `Max-Age`: now + max-age, capped at the last second an
/// HTTP date can express (the end of year 9999).
fn expiry_time(now: SystemTime, max_age: u64) -> SystemTime {
    let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    now.checked_add(Duration::from_secs(max_age))
        .filter(|at| *at <= last)
        .unwrap_or(last)
}

/// A token is written into a cookie as is, so it must be a cookie-safe
/// string (every JWT is).
fn is_cookie_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.=+/~".contains(&b))
}

/// The `Set-Cookie` values that store `token` (of `kind`) in its cookie and,
/// when `csrf` is given, the CSRF value in its companion cookie; `Expires`
/// counts from `now`.
pub(crate) fn set_cookies(
    config: &JwtConfig,
    kind: TokenKind,
    token: &str,
    csrf: Option<&str>,
    options: &CookieOptions,
    now: SystemTime,
) -> Result<Vec<HeaderValue>, JwtError> {
    let domain = cookie_domain(config, options.domain.as_deref())?;
    if !is_cookie_value(token) {
        return Err(JwtError::Malformed(
            "Token is not a valid cookie value".to_owned(),
        ));
    }
    let max_age = options
        .max_age
        .map(|age| age.as_secs())
        .or((!config.session_cookie).then_some(PERSISTENT_COOKIE_MAX_AGE));
    let names = config.names(kind);
    let jwt = SetCookie {
        name: names.cookie,
        value: token,
        domain,
        expires: max_age.map(|max_age| expiry_time(now, max_age)),
        max_age,
        secure: config.cookie_secure,
        http_only: true,
        path: names.cookie_path,
        same_site: config.cookie_samesite,
    };
    let mut headers = vec![jwt.header_value()?];
    if let Some(csrf) = csrf {
        let companion = SetCookie {
            name: names.csrf_cookie,
            value: csrf,
            http_only: false,
            path: names.csrf_cookie_path,
            ..jwt
        };
        headers.push(companion.header_value()?);
    }
    Ok(headers)
}

/// The `Set-Cookie` values that expire the cookie of `kind` (and its
/// companion) with an empty value, the same name, path and domain, and
/// `Expires=Thu, 01 Jan 1970 00:00:00 GMT`.
pub(crate) fn unset_cookies(
    config: &JwtConfig,
    kind: TokenKind,
    domain: Option<&str>,
) -> Result<Vec<HeaderValue>, JwtError> {
    let names = config.names(kind);
    let jwt = SetCookie {
        name: names.cookie,
        value: "",
        domain: cookie_domain(config, domain)?,
        expires: Some(UNIX_EPOCH),
        max_age: None,
        secure: config.cookie_secure,
        http_only: true,
        path: names.cookie_path,
        same_site: config.cookie_samesite,
    };
    let mut headers = vec![jwt.header_value()?];
    if with_csrf_cookies(config) {
        let companion = SetCookie {
            name: names.csrf_cookie,
            http_only: false,
            path: names.csrf_cookie_path,
            ..jwt
        };
        headers.push(companion.header_value()?);
    }
    Ok(headers)
}

/// Whether the CSRF companion cookies are written (JWT_COOKIE_CSRF_PROTECT
/// and JWT_CSRF_IN_COOKIES).
pub(crate) fn with_csrf_cookies(config: &JwtConfig) -> bool {
    config.cookie_csrf_protect && config.csrf_in_cookies
}

/// The per-call domain, else JWT_COOKIE_DOMAIN. A bad per-call domain is a
/// programming error of the application (500).
fn cookie_domain<'a>(
    config: &'a JwtConfig,
    domain: Option<&'a str>,
) -> Result<Option<&'a str>, JwtError> {
    match domain {
        Some(domain) if !config::is_cookie_domain(domain) => {
            Err(JwtError::InvalidCookieDomain(domain.to_owned()))
        }
        Some(domain) => Ok(Some(domain)),
        None => Ok(config.cookie_domain.as_deref()),
    }
}

/// Logs a warning at startup when tokens are read from cookies that are not
/// `Secure` or have no `SameSite` attribute.
pub(crate) fn warn_if_insecure(config: &JwtConfig) {
    if !config.token_location.contains(&TokenLocation::Cookies) {
        return;
    }
    if !config.cookie_secure {
        tracing::warn!(
            target: "actix_jwt_extended",
            "JWT cookies are not Secure: set JWT_COOKIE_SECURE=true when serving over HTTPS"
        );
    }
    if config.cookie_samesite.is_none() {
        tracing::warn!(
            target: "actix_jwt_extended",
            "JWT cookies have no SameSite attribute: set JWT_COOKIE_SAMESITE (Lax or Strict)"
        );
    }
}
