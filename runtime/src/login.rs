//! Flask-JWT's login endpoint, `POST /auth`, as an actix-web service.

use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::{HttpRequest, HttpResponse, Responder, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::body;
use crate::encode::{Fresh, TokenOptions};
use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::rejection::Rejection;

type Authenticate<I> =
    Arc<dyn Fn(String, String) -> LocalBoxFuture<'static, Option<I>> + Send + Sync>;
type Respond<I> = Arc<dyn Fn(&HttpRequest, &str, &I) -> HttpResponse + Send + Sync>;

/// The largest request body [`AuthEndpoint`] reads by default, in bytes.
const DEFAULT_BODY_LIMIT: usize = 16 * 1024;

/// Flask-JWT's login endpoint: `POST /auth` with the JSON body
/// `{"username": "…", "password": "…"}` calls an authentication callback
/// and answers `200 {"access_token": "…"}` with a token created by the app's
/// [`JwtManager`] for the identity the callback returns.
///
/// Register it like any other service; the manager is read from the app's
/// data, as for protected handlers:
///
/// ```
/// use actix_jwt_extended::{AuthEndpoint, JwtManager};
/// use actix_web::App;
///
/// let jwt = JwtManager::builder().secret_key("change me").build().unwrap();
/// let app = App::new().app_data(jwt.clone()).service(
///     AuthEndpoint::new(|username, password| async move {
///         // Look the user up, e.g. in a database; `None` refuses the login.
///         (username == "alice" && password == "wonderland").then_some(username)
///     })
///     .path("/login")          // JWT_AUTH_URL_RULE, default "/auth"
///     .username_key("email"),  // JWT_AUTH_USERNAME_KEY, default "username"
/// );
/// # let _ = app;
/// ```
///
/// Every request that does not yield a token — unknown user or wrong
/// password, a body that is not a JSON object of exactly the two keys (as in
/// Flask-JWT) with non-empty string values, a body that is not declared as
/// JSON (`Content-Type: application/json` or `application/*+json`, as Flask's
/// `request.get_json()` requires — which also keeps cross-site HTML forms
/// out), or one over the [body limit](AuthEndpoint::body_limit) — gets
/// Flask-JWT's 401 (see [`invalid_credentials_response`]); none is a 500. The
/// callback is only called for well-formed requests. Other methods than
/// `POST` get 405.
///
/// The identity the callback returns goes through the manager like any
/// identity passed to [`JwtManager::create_access_token_with`] (the
/// user-identity loader, the additional-claims loader, …); the token is
/// [fresh](AuthEndpoint::fresh). To answer differently, e.g. with
/// a refresh token too, set an
/// [`auth_response_handler`](AuthEndpoint::auth_response_handler).
#[must_use]
pub struct AuthEndpoint<I> {
    path: String,
    username_key: String,
    password_key: String,
    body_limit: usize,
    fresh: Fresh,
    authenticate: Authenticate<I>,
    respond: Option<Respond<I>>,
}

impl<I> Clone for AuthEndpoint<I> {
    fn clone(&self) -> Self {
        Self {
            path: self.path.clone(),
            username_key: self.username_key.clone(),
            password_key: self.password_key.clone(),
            body_limit: self.body_limit,
            fresh: self.fresh,
            authenticate: Arc::clone(&self.authenticate),
            respond: self.respond.clone(),
        }
    }
}

impl<I> fmt::Debug for AuthEndpoint<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthEndpoint")
            .field("path", &self.path)
            .field("username_key", &self.username_key)
            .field("password_key", &self.password_key)
            .field("body_limit", &self.body_limit)
            .field("fresh", &self.fresh)
            .field("auth_response_handler", &self.respond.is_some())
            .finish_non_exhaustive()
    }
}

impl<I: Serialize + 'static> AuthEndpoint<I> {
    /// An endpoint at `/auth` that reads the keys `username` and `password`
    /// and passes their values to `authenticate` (Flask-JWT's
    /// `authentication_handler`). The callback returns the identity of the
    /// user — anything serialisable — or `None` to refuse the login. It may
    /// be async, e.g. a database lookup.
    pub fn new<F, Fut>(authenticate: F) -> Self
    where
        F: Fn(String, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<I>> + 'static,
    {
        Self {
            path: "/auth".to_owned(),
            username_key: "username".to_owned(),
            password_key: "password".to_owned(),
            body_limit: DEFAULT_BODY_LIMIT,
            fresh: Fresh::Yes,
            authenticate: Arc::new(move |username, password| {
                Box::pin(authenticate(username, password))
            }),
            respond: None,
        }
    }

    /// The path of the endpoint (Flask-JWT's JWT_AUTH_URL_RULE), default
    /// `/auth`. Inside a `web::scope` it is relative to the scope.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The JSON key of the user name (JWT_AUTH_USERNAME_KEY), default
    /// `username`.
    pub fn username_key(mut self, key: impl Into<String>) -> Self {
        self.username_key = key.into();
        self
    }

    /// The JSON key of the password (JWT_AUTH_PASSWORD_KEY), default
    /// `password`.
    pub fn password_key(mut self, key: impl Into<String>) -> Self {
        self.password_key = key.into();
        self
    }

    /// The largest body read, in bytes (default 16 KiB);
    /// a larger one is refused with the 401 of invalid credentials.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Whether the access token is fresh (default: yes — a password login is
    /// what makes a token fresh, so it passes `#[jwt_required(fresh)]`);
    /// `false`, or a [`Duration`](std::time::Duration) of freshness.
    pub fn fresh(mut self, fresh: impl Into<Fresh>) -> Self {
        self.fresh = fresh.into();
        self
    }

    /// Builds the response of a successful login from the new access token
    /// and the identity (Flask-JWT's `auth_response_handler`) instead of
    /// `{"access_token": "…"}`. Any [`Responder`] will do, including a
    /// `Result` whose error renders as a response.
    ///
    /// ```
    /// use actix_jwt_extended::{AuthEndpoint, JwtManager, Rejection};
    /// use actix_web::HttpResponse;
    /// use serde_json::json;
    ///
    /// let jwt = JwtManager::builder().secret_key("change me").build().unwrap();
    /// let manager = jwt.clone();
    /// let endpoint = AuthEndpoint::new(|user, _password| async move { Some(user) })
    ///     .auth_response_handler(move |access_token, identity: &String| {
    ///         let refresh_token = manager.create_refresh_token(identity)?;
    ///         Ok::<_, Rejection>(HttpResponse::Ok().json(json!({
    ///             "access_token": access_token,
    ///             "refresh_token": refresh_token,
    ///         })))
    ///     });
    /// # let _ = endpoint;
    /// ```
    pub fn auth_response_handler<F, R>(mut self, handler: F) -> Self
    where
        F: Fn(&str, &I) -> R + Send + Sync + 'static,
        R: Responder,
    {
        self.respond = Some(Arc::new(move |req, access_token, identity| {
            handler(access_token, identity)
                .respond_to(req)
                .map_into_boxed_body()
        }));
        self
    }

    async fn handle(&self, req: HttpRequest, payload: web::Payload) -> HttpResponse {
        let Some(manager) = JwtManager::from_app(&req).cloned() else {
            return Rejection::from(JwtError::ManagerMissing).error_response();
        };
        if !body::is_json(&req) {
            return refuse(&req, "not a JSON body");
        }
        let body = match payload.to_bytes_limited(self.body_limit).await {
            Ok(Ok(body)) => body,
            Ok(Err(_)) | Err(_) => return refuse(&req, "unreadable or oversized body"),
        };
        let Some((username, password)) = self.credentials(&body) else {
            return refuse(&req, "malformed credentials");
        };
        let Some(identity) = (self.authenticate)(username, password).await else {
            return refuse(&req, "unknown user or wrong password");
        };
        let options = TokenOptions::new().fresh(self.fresh);
        let access_token = match manager.create_access_token_with(&identity, options) {
            Ok(token) => token,
            Err(rejection) => return rejection.error_response(),
        };
        match &self.respond {
            Some(respond) => respond(&req, &access_token, &identity),
            None => HttpResponse::Ok().json(json!({ "access_token": access_token })),
        }
    }

    /// The user name and password of a well-formed request.
    fn credentials(&self, body: &[u8]) -> Option<(String, String)> {
        let Value::Object(mut data) = serde_json::from_slice(body).ok()? else {
            return None;
        };
        if data.len() != 2 {
            return None;
        }
        let username = take_string(&mut data, &self.username_key)?;
        let password = take_string(&mut data, &self.password_key)?;
        Some((username, password))
    }
}

/// A non-empty string value (Flask-JWT refuses any falsy value).
fn take_string(data: &mut Map<String, Value>, key: &str) -> Option<String> {
    match data.remove(key)? {
        Value::String(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

fn refuse(req: &HttpRequest, reason: &'static str) -> HttpResponse {
    tracing::debug!(
        target: "actix_jwt_extended",
        path = req.path(),
        reason,
        "login refused"
    );
    invalid_credentials_response()
}

/// Flask-JWT's answer to a refused login, 401 with the body
/// `{"description":"Invalid credentials","error":"Bad Request","status_code":401}`
/// — for login handlers of your own that want to answer alike.
pub fn invalid_credentials_response() -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({
        "description": "Invalid credentials",
        "error": "Bad Request",
        "status_code": 401,
    }))
}

impl<I: Serialize + 'static> HttpServiceFactory for AuthEndpoint<I> {
    fn register(self, config: &mut AppService) {
        let path = self.path.clone();
        let endpoint = Rc::new(self);
        web::resource(path)
            .route(
                web::post().to(move |req: HttpRequest, payload: web::Payload| {
                    let endpoint = Rc::clone(&endpoint);
                    async move { endpoint.handle(req, payload).await }
                }),
            )
            .register(config);
    }
}
