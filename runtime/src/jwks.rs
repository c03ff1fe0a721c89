//! [`JwksEndpoint`]: the manager's public keys as a JWKS document, at
//! `/.well-known/jwks.json` by default.

use std::rc::Rc;
use std::time::Duration;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::header::{CACHE_CONTROL, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::rejection::Rejection;

/// Publishes the public keys of the app's [`JwtManager`] as an RFC 7517
/// JWKS document ([`JwtManager::jwks`]) for `GET` requests, with
/// `Cache-Control: public, max-age=<max_age>` — so that other services,
/// gateways and clients (e.g. PyJWT's `PyJWKClient`) can verify the
/// manager's tokens.
///
/// Each key carries `kty`, `kid`, `use` (`sig`), `alg` and its public
/// parameters; private parts and HMAC secrets are never published. A key
/// retired by [`JwtManager::rotate_signing_key`] stays published while
/// tokens it signed can still be valid.
///
/// ```
/// use actix_jwt_extended::{JwksEndpoint, JwtManager};
/// use actix_web::App;
///
/// # let jwt = JwtManager::builder().secret_key("k").build().unwrap();
/// let app = App::new()
///     .app_data(jwt.clone())
///     .service(JwksEndpoint::new()); // GET /.well-known/jwks.json
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct JwksEndpoint {
    path: String,
    max_age: Duration,
}

impl Default for JwksEndpoint {
    fn default() -> Self {
        Self::new()
    }
}

impl JwksEndpoint {
    /// The endpoint at `/.well-known/jwks.json`, cacheable for five minutes.
    pub fn new() -> Self {
        Self {
            path: "/.well-known/jwks.json".to_owned(),
            max_age: Duration::from_secs(300),
        }
    }

    /// The path of the endpoint (relative to the scope it is registered in).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// How long clients may cache the document (`Cache-Control: max-age`).
    /// A key is best added some time before it signs, so that clients that
    /// cache the document learn it first.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let Some(manager) = JwtManager::from_app(req) else {
            let error = JwtError::ManagerMissing;
            tracing::error!(target: "actix_jwt_extended", "{error}");
            return Rejection::from(error).error_response();
        };
        HttpResponse::Ok()
            .insert_header((
                CACHE_CONTROL,
                CacheControl(vec![
                    CacheDirective::Public,
                    CacheDirective::MaxAge(self.max_age.as_secs().try_into().unwrap_or(u32::MAX)),
                ]),
            ))
            .json(manager.jwks())
    }
}

impl HttpServiceFactory for JwksEndpoint {
    fn register(self, config: &mut AppService) {
        let path = self.path.clone();
        let endpoint = Rc::new(self);
        web::resource(path)
            .route(web::get().to(move |req: HttpRequest| {
                let endpoint = Rc::clone(&endpoint);
                async move { endpoint.respond(&req) }
            }))
            .register(config);
    }
}
