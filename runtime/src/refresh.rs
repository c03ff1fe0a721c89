//! Implicit refresh: a middleware that renews the access cookie of a
//! cookie-authenticated request shortly before the token expires —
//! Flask-JWT-Extended's documented `after_request` pattern, shipped.

use std::cell::Cell;
use std::future::{Ready, ready};
use std::rc::Rc;
use std::time::Duration;

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header;
use futures_util::future::LocalBoxFuture;

use crate::config::{Expires, TokenLocation};
use crate::cookies::CookieOptions;
use crate::manager::JwtManager;
use crate::token::CurrentToken;
use crate::verify::get_current_token;

/// Middleware that, after a successful (2xx) response to a request
/// authenticated by an access token **from a cookie** that expires within
/// the window, sets a fresh access cookie — and its CSRF companion — for the
/// same identity.
///
/// The window is, by default, the second half of each token's lifetime
/// (`exp` − `iat`; for a token without `iat`, JWT_ACCESS_TOKEN_EXPIRES): a
/// token is renewed at most once per half-life, whatever the lifetime. A
/// window set with [`ImplicitRefresh::window`] that is not shorter than
/// JWT_ACCESS_TOKEN_EXPIRES would renew the token on every request; the
/// middleware logs a warning the first time it meets such a manager.
///
/// ```no_run
/// use std::time::Duration;
/// use actix_jwt_extended::{ImplicitRefresh, JwtManager};
/// use actix_web::App;
///
/// # let jwt = JwtManager::builder().secret_key("k").build().unwrap();
/// let app = App::new()
///     .app_data(jwt.clone())
///     .wrap(ImplicitRefresh::new().window(Duration::from_secs(10 * 60)));
/// # let _ = app;
/// ```
///
/// The new token is created with [`JwtManager::create_access_token`] from
/// the identity claim of the old one, so it is not fresh and gets the claims
/// of the additional-claims loader, not the old token's extra claims. A
/// response that already sets the access cookie (a login, a refresh or a
/// logout handler) is left alone, as are requests whose token came from
/// anywhere but a cookie, and expired tokens.
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct ImplicitRefresh {
    /// `None`: half of each token's lifetime.
    window: Option<Duration>,
}

impl Default for ImplicitRefresh {
    fn default() -> Self {
        Self::new()
    }
}

impl ImplicitRefresh {
    /// Renews tokens in the second half of their lifetime.
    pub const fn new() -> Self {
        Self { window: None }
    }

    /// Renews tokens that expire within `window`, which should be shorter
    /// than JWT_ACCESS_TOKEN_EXPIRES.
    pub const fn window(mut self, window: Duration) -> Self {
        self.window = Some(window);
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for ImplicitRefresh
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = ImplicitRefreshMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ImplicitRefreshMiddleware {
            service: Rc::new(service),
            window: self.window,
            warned: Rc::new(Cell::new(false)),
        }))
    }
}

/// The service built by [`ImplicitRefresh`].
#[derive(Debug)]
pub struct ImplicitRefreshMiddleware<S> {
    service: Rc<S>,
    window: Option<Duration>,
    /// Whether the warning about a window as long as the lifetime was given.
    warned: Rc<Cell<bool>>,
}

impl<S, B> Service<ServiceRequest> for ImplicitRefreshMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let window = self.window;
        let warned = Rc::clone(&self.warned);
        let response = self.service.call(req);
        Box::pin(async move {
            let mut response = response.await?;
            if let (Some(window), Some(manager)) =
                (window, JwtManager::from_app(response.request()))
                && !warned.get()
            {
                warned.set(true);
                warn_if_too_wide(window, manager);
            }
            renew(&mut response, window);
            Ok(response)
        })
    }
}

/// Warns when `window` is not shorter than the access-token lifetime, so
/// that every request would get a new token.
fn warn_if_too_wide(window: Duration, manager: &JwtManager) {
    if let Expires::After(lifetime) = manager.config().access_token_expires
        && window >= lifetime
    {
        tracing::warn!(
            target: "actix_jwt_extended",
            window_secs = window.as_secs(),
            lifetime_secs = lifetime.as_secs(),
            "the implicit-refresh window is not shorter than JWT_ACCESS_TOKEN_EXPIRES: every request renews its token"
        );
    }
}

/// The window of `token`: the configured one, or half its lifetime.
fn window_of(window: Option<Duration>, token: &CurrentToken, manager: &JwtManager) -> Option<f64> {
    if let Some(window) = window {
        return Some(window.as_secs_f64());
    }
    let lifetime = match (token.exp(), token.iat()) {
        (Some(exp), Some(iat)) => (exp - iat) as f64,
        _ => match manager.config().access_token_expires {
            Expires::After(lifetime) => lifetime.as_secs_f64(),
            Expires::Never => return None,
        },
    };
    Some(lifetime / 2.0)
}

/// Sets a new access cookie when the request qualifies.
fn renew<B>(response: &mut ServiceResponse<B>, window: Option<Duration>) {
    if !response.status().is_success() {
        return;
    }
    let request = response.request();
    let Some(token) = get_current_token(request) else {
        return;
    };
    if token.location() != Some(TokenLocation::Cookies) || token.is_refresh() {
        return;
    }
    let Some(exp) = token.exp() else {
        return;
    };
    let Some(manager) = JwtManager::from_app(request).cloned() else {
        return;
    };
    let Some(window) = window_of(window, &token, &manager) else {
        return;
    };
    let remaining = exp as f64 - manager.inner.clock.now_f64();
    if remaining <= 0.0 || remaining > window {
        return;
    }
    let cookie_name = &manager.config().access_cookie_name;
    let prefix = format!("{cookie_name}=");
    let sets_cookie_already = response
        .headers()
        .get_all(header::SET_COOKIE)
        .any(|value| value.as_bytes().starts_with(prefix.as_bytes()));
    if sets_cookie_already {
        return;
    }
    let renewed = match manager.create_access_token(token.identity()) {
        Ok(renewed) => renewed,
        Err(error) => {
            tracing::warn!(target: "actix_jwt_extended", %error, "implicit refresh failed");
            return;
        }
    };
    if let Err(error) = manager.set_access_cookies(response, &renewed, CookieOptions::new()) {
        tracing::warn!(target: "actix_jwt_extended", %error, "implicit refresh failed");
        return;
    }
    tracing::debug!(target: "actix_jwt_extended", path = response.request().path(), "access cookie renewed");
}
