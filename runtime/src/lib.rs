//! JSON Web Token protection for [actix-web] handlers, driven by attribute
//! macros, with the token layout, options, status codes and error messages of
//! Python's [Flask-JWT-Extended] 4.x.
//!
//! ```no_run
//! use actix_jwt_extended::{JwtManager, jwt_required};
//! use actix_web::{App, HttpResponse, HttpServer, get, web};
//! use serde_json::json;
//!
//! #[get("/protected")]
//! #[jwt_required]
//! async fn protected() -> HttpResponse {
//!     HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let jwt = JwtManager::from_env().expect("JWT configuration");
//!     HttpServer::new(move || App::new().app_data(jwt.clone()).service(protected))
//!         .bind(("127.0.0.1", 5000))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! * [`JwtManager`] holds the configuration (from a builder or `JWT_*`
//!   environment variables), creates tokens and verifies requests.
//! * [`macro@jwt_required`], [`macro@fresh_jwt_required`],
//!   [`macro@jwt_refresh_required`] and [`macro@jwt_optional`] protect a handler
//!   and bind `current_token` ([`CurrentToken`]) in its body;
//!   [`macro@require_token`] adds declared claim and scope requirements,
//!   checked at compile time where possible.
//! * A whole `web::scope` (or app): the [`JwtRequired`] middleware, with the
//!   attributes' options and requirements.
//! * Without macros: the [`CurrentToken`] and [`TypedToken`] extractors,
//!   [`verify_jwt_in_request`] and the request getters.
//! * Tokens in headers, cookies, the query string or a JSON body
//!   ([`TokenLocation`]); cookies come with the CSRF double submit, the
//!   helpers [`JwtManager::set_access_cookies`] & co. and the
//!   [`ImplicitRefresh`] middleware.
//! * [`AuthEndpoint`]: Flask-JWT's login endpoint (`POST /auth`) as a
//!   service, and an optional `WWW-Authenticate` [`Challenge`] on rejections.
//! * [`revocation`]: revoking tokens (an embedded
//!   [`MemoryStore`](revocation::MemoryStore), a shared Redis store with the
//!   `redis` feature, or your own
//!   [`RevocationStore`](revocation::RevocationStore)) and refresh-token
//!   rotation with reuse detection.
//! * Observability: an [`AuditEvent`] per security decision, as a `tracing`
//!   event, through an audit hook, and (feature `metrics`) as
//!   [`metrics`] counters and a latency histogram.
//! * OpenAPI (feature `utoipa`): [`openapi::apply`]
//!   documents each protected handler's security from its attribute.
//!
//! Rejected requests get `{"msg": "<reason>"}` with Flask-JWT-Extended's
//! status (401, 422, …) and never reach the handler body; every response can
//! be replaced by a loader on the manager. Every fallible call returns a
//! [`Rejection`], which renders the same way: handlers return
//! `Result<HttpResponse, Rejection>` and use `?`. A server-side problem is a
//! 500 with a generic body, its details logged.
//!
//! [actix-web]: https://actix.rs
//! [Flask-JWT-Extended]: https://flask-jwt-extended.readthedocs.io

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The modules are layered: runtime/tests/architecture.rs lists them from
// the bottom up and checks that each uses only modules below it.
mod algorithm;
#[doc(hidden)]
pub mod attribute;
mod audit;
mod body;
mod builder;
mod cache;
mod challenge;
mod claims;
mod config;
mod cookies;
mod csrf;
mod decode;
mod decode_options;
mod encode;
mod error;
mod events;
mod extract;
mod extractors;
mod jwks;
mod keys;
mod kind;
mod loaders;
mod login;
mod manager;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "utoipa")]
pub mod openapi;
mod pipeline;
mod refresh;
mod rejection;
#[cfg(feature = "remote-jwks")]
mod remote;
mod render;
mod requirements;
pub mod revocation;
mod scope_guard;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod time;
mod token;
mod verify;
mod verify_options;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use builder::JwtManagerBuilder;
pub use cache::TokenCacheStats;
pub use challenge::{BearerError, Challenge};
pub use config::{Expires, JwtConfig, TokenCache, TokenLocation, WwwAuthenticate};
pub use cookies::{CookieOptions, CookieSink, PERSISTENT_COOKIE_MAX_AGE};
pub use decode_options::DecodeOptions;
pub use encode::{Fresh, TokenOptions};
pub use error::{ConfigError, ErrorClass, JwtError};
pub use events::{AUDIT_TARGET, AuditEvent, StoreOperation};
pub use jwks::JwksEndpoint;
pub use keys::{Key, KeyInfo};
pub use kind::TokenKind;
pub use login::{AuthEndpoint, invalid_credentials_response};
pub use manager::JwtManager;
pub use refresh::{ImplicitRefresh, ImplicitRefreshMiddleware};
pub use rejection::Rejection;
pub use scope_guard::{JwtRequired, JwtRequiredMiddleware};
pub use token::{CurrentToken, CurrentUser, DecodedToken, TypedToken};
pub use verify::{
    get_current_token, get_jwt, get_jwt_header, get_jwt_identity, get_jwt_request_location,
    verify_jwt_in_request,
};
pub use verify_options::{Locations, VerifyOptions};

pub use actix_jwt_extended_macros::{
    fresh_jwt_required, jwt_optional, jwt_refresh_required, jwt_required, require_token,
};

// The Rust code of the README and of the guides in `docs/` written as
// complete programs, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct Readme;
#[cfg(doctest)]
#[doc = include_str!("../../docs/recipes.md")]
struct Recipes;
#[cfg(doctest)]
#[doc = include_str!("../../docs/migrating-from-flask.md")]
struct MigratingFromFlask;
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../../docs/testing.md")]
struct TestingGuide;
