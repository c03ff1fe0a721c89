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
use crate::decode::Rejection;
use crate::error::JwtError;
use crate::manager::JwtManager;

/// The lifetime of persistent (non-session) cookies, in seconds: one year,
/// as in Flask-JWT-Extended.
pub const PERSISTENT_COOKIE_MAX_AGE: u64 = 31_540_000;

/// Per-call overrides for [`JwtManager::set_access_cookies`] and
/// [`JwtManager::set_refresh_cookies`] — their `max_age` and `domain`
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

/// Which pair of cookies.
#[derive(Clone, Copy)]
enum Pair {
    Access,
    Refresh,
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
fn expiry_time(max_age: u64) -> SystemTime {
    let last = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    SystemTime::now()
        .checked_add(Duration::from_secs(max_age))
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

impl JwtManager {
    /// `get_csrf_token`: the `csrf` claim of an encoded token, after full
    /// verification — for set-ups with JWT_CSRF_IN_COOKIES off that hand the
    /// value to the front end another way.
    pub fn get_csrf_token(&self, encoded: &str) -> Result<String, Rejection> {
        let token = self.decode_token(encoded)?;
        match token.claim("csrf").and_then(|claim| claim.as_str()) {
            Some(csrf) => Ok(csrf.to_owned()),
            None => Err(JwtError::MissingClaim("csrf".to_owned()).into()),
        }
    }

    /// `set_access_cookies`: stores an access token in the
    /// JWT_ACCESS_COOKIE_NAME cookie (HttpOnly) and, with
    /// JWT_COOKIE_CSRF_PROTECT and JWT_CSRF_IN_COOKIES, its `csrf` claim in
    /// the JWT_ACCESS_CSRF_COOKIE_NAME cookie (readable by JavaScript).
    ///
    /// ```
    /// use actix_jwt_extended::{CookieOptions, JwtManager};
    /// use actix_web::HttpResponse;
    ///
    /// async fn login(jwt: JwtManager) -> actix_web::Result<HttpResponse> {
    ///     let token = jwt
    ///         .create_access_token("alice")
    ///         .map_err(actix_web::error::ErrorInternalServerError)?;
    ///     let mut response = HttpResponse::Ok();
    ///     jwt.set_access_cookies(&mut response, &token, CookieOptions::new())?;
    ///     Ok(response.json(serde_json::json!({"login": true})))
    /// }
    /// ```
    ///
    /// Reading the `csrf` claim verifies the token, so, as in
    /// Flask-JWT-Extended, an invalid or expired token is an error whose
    /// response is the usual one (e.g. 401 `Token has expired`).
    pub fn set_access_cookies(
        &self,
        response: &mut impl CookieSink,
        token: &str,
        options: CookieOptions,
    ) -> actix_web::Result<()> {
        self.set_cookies(response, Pair::Access, token, &options)
    }

    /// `set_refresh_cookies`: as [`JwtManager::set_access_cookies`], with the
    /// refresh cookie names and paths.
    pub fn set_refresh_cookies(
        &self,
        response: &mut impl CookieSink,
        token: &str,
        options: CookieOptions,
    ) -> actix_web::Result<()> {
        self.set_cookies(response, Pair::Refresh, token, &options)
    }

    /// `unset_access_cookies`: expires the access cookie (and its CSRF
    /// companion) with an empty value, the same name, path and domain, and
    /// `Expires=Thu, 01 Jan 1970 00:00:00 GMT`. `domain` overrides
    /// JWT_COOKIE_DOMAIN.
    pub fn unset_access_cookies(
        &self,
        response: &mut impl CookieSink,
        domain: Option<&str>,
    ) -> actix_web::Result<()> {
        self.unset_cookies(response, Pair::Access, domain)
    }

    /// `unset_refresh_cookies`: as [`JwtManager::unset_access_cookies`] for
    /// the refresh cookies.
    pub fn unset_refresh_cookies(
        &self,
        response: &mut impl CookieSink,
        domain: Option<&str>,
    ) -> actix_web::Result<()> {
        self.unset_cookies(response, Pair::Refresh, domain)
    }

    /// `unset_jwt_cookies`: unsets the access and the refresh cookies.
    pub fn unset_jwt_cookies(
        &self,
        response: &mut impl CookieSink,
        domain: Option<&str>,
    ) -> actix_web::Result<()> {
        self.unset_cookies(response, Pair::Access, domain)?;
        self.unset_cookies(response, Pair::Refresh, domain)
    }

    /// Renders an error the way a rejected request is answered.
    fn error(&self, rejection: Rejection) -> actix_web::Error {
        let response = self.error_response(&rejection);
        actix_web::error::InternalError::from_response(rejection.error, response).into()
    }

    fn set_cookies(
        &self,
        response: &mut impl CookieSink,
        pair: Pair,
        token: &str,
        options: &CookieOptions,
    ) -> actix_web::Result<()> {
        let config = self.config();
        let with_csrf = config.cookie_csrf_protect && config.csrf_in_cookies;
        let csrf = if with_csrf {
            Some(self.get_csrf_token(token).map_err(|r| self.error(r))?)
        } else {
            None
        };
        let max_age = options
            .max_age
            .map(|age| age.as_secs())
            .or((!config.session_cookie).then_some(PERSISTENT_COOKIE_MAX_AGE));
        let expires = max_age.map(expiry_time);
        let domain = self.cookie_domain(options.domain.as_deref())?;
        let names = Names::of(config, pair);
        let mut headers = Vec::with_capacity(2);
        if !is_cookie_value(token) {
            let error = JwtError::Malformed("Token is not a valid cookie value".to_owned());
            return Err(self.error(error.into()));
        }
        let jwt = SetCookie {
            name: names.cookie,
            value: token,
            domain,
            expires,
            max_age,
            secure: config.cookie_secure,
            http_only: true,
            path: names.path,
            same_site: config.cookie_samesite,
        };
        headers.push(jwt.header_value().map_err(|e| self.error(e.into()))?);
        if let Some(csrf) = &csrf {
            let companion = SetCookie {
                name: names.csrf_cookie,
                value: csrf,
                http_only: false,
                path: names.csrf_path,
                ..jwt
            };
            headers.push(companion.header_value().map_err(|e| self.error(e.into()))?);
        }
        for value in headers {
            response.append_set_cookie(value);
        }
        Ok(())
    }

    fn unset_cookies(
        &self,
        response: &mut impl CookieSink,
        pair: Pair,
        domain: Option<&str>,
    ) -> actix_web::Result<()> {
        let config = self.config();
        let names = Names::of(config, pair);
        let jwt = SetCookie {
            name: names.cookie,
            value: "",
            domain: self.cookie_domain(domain)?,
            expires: Some(UNIX_EPOCH),
            max_age: None,
            secure: config.cookie_secure,
            http_only: true,
            path: names.path,
            same_site: config.cookie_samesite,
        };
        let mut headers = vec![jwt.header_value().map_err(|e| self.error(e.into()))?];
        if config.cookie_csrf_protect && config.csrf_in_cookies {
            let companion = SetCookie {
                name: names.csrf_cookie,
                http_only: false,
                path: names.csrf_path,
                ..jwt
            };
            headers.push(companion.header_value().map_err(|e| self.error(e.into()))?);
        }
        for value in headers {
            response.append_set_cookie(value);
        }
        Ok(())
    }

    /// The per-call domain, else JWT_COOKIE_DOMAIN. A bad per-call domain is
    /// a programming error of the application (500).
    fn cookie_domain<'a>(&'a self, domain: Option<&'a str>) -> actix_web::Result<Option<&'a str>> {
        match domain {
            Some(domain) if !config::is_cookie_domain(domain) => {
                tracing::error!(target: "actix_jwt_extended", domain, "invalid cookie domain");
                Err(actix_web::error::ErrorInternalServerError(
                    "invalid cookie domain",
                ))
            }
            Some(domain) => Ok(Some(domain)),
            None => Ok(self.config().cookie_domain.as_deref()),
        }
    }
}

/// The names and paths of one pair of cookies.
struct Names<'a> {
    cookie: &'a str,
    path: &'a str,
    csrf_cookie: &'a str,
    csrf_path: &'a str,
}

impl<'a> Names<'a> {
    fn of(config: &'a JwtConfig, pair: Pair) -> Self {
        match pair {
            Pair::Access => Self {
                cookie: &config.access_cookie_name,
                path: &config.access_cookie_path,
                csrf_cookie: &config.access_csrf_cookie_name,
                csrf_path: &config.access_csrf_cookie_path,
            },
            Pair::Refresh => Self {
                cookie: &config.refresh_cookie_name,
                path: &config.refresh_cookie_path,
                csrf_cookie: &config.refresh_csrf_cookie_name,
                csrf_path: &config.refresh_csrf_cookie_path,
            },
        }
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
