//! Rendering a rejection: the one place that turns an error into the
//! response a client sees — a response loader for its class, or
//! `{"<JWT_ERROR_MESSAGE_KEY>": "<message>"}` with its status — plus the
//! configured `WWW-Authenticate` challenge. A server-side problem
//! ([`ErrorClass::Internal`]) is answered with a generic message and its
//! details are logged here (a missing manager once per process).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use actix_web::HttpResponse;
use actix_web::http::header::{self, TryIntoHeaderValue};
use serde_json::{Map, Value};

use crate::challenge::Challenge;
use crate::config::{JwtConfig, WwwAuthenticate};
use crate::error::{ErrorClass, JwtError};
use crate::token::DecodedToken;

/// A response loader: the response for an error of its class, or `None`
/// to fall back to the default body (a loader that needs the token gets
/// none for an error that came without one).
pub(crate) type ResponseLoader =
    Arc<dyn Fn(&JwtError, Option<&DecodedToken>) -> Option<HttpResponse> + Send + Sync>;

/// How one manager renders rejections.
#[derive(Clone)]
pub(crate) struct Renderer {
    message_key: String,
    challenge: WwwAuthenticate,
    realm: String,
    loaders: Vec<(ErrorClass, ResponseLoader)>,
}

impl Renderer {
    /// The renderer of `config` with these response loaders.
    pub(crate) fn new(config: &JwtConfig, loaders: Vec<(ErrorClass, ResponseLoader)>) -> Self {
        Self {
            message_key: config.error_message_key.clone(),
            challenge: config.www_authenticate,
            realm: config.default_realm.clone(),
            loaders,
        }
    }

    /// The response to `error` (with the token, when it was readable and
    /// signed): the loader of its class, else the default body; plus the
    /// challenge, when the response is a client error without one.
    pub(crate) fn render(&self, error: &JwtError, token: Option<&DecodedToken>) -> HttpResponse {
        let class = error.class();
        if class == ErrorClass::Internal {
            log_internal(error);
        }
        let mut response = self
            .loaders
            .iter()
            .find(|(c, _)| *c == class)
            .and_then(|(_, loader)| loader(error, token))
            .unwrap_or_else(|| self.body(error));
        if response.status().is_client_error()
            && !response.headers().contains_key(header::WWW_AUTHENTICATE)
            && let Some(value) = self.challenge(error).and_then(|c| c.try_into_value().ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }

    /// `{"<key>": "<message>"}` with the error's status.
    fn body(&self, error: &JwtError) -> HttpResponse {
        let mut body = Map::new();
        body.insert(
            self.message_key.clone(),
            Value::from(error.client_message()),
        );
        HttpResponse::build(error.status()).json(body)
    }

    /// The challenge for `error` (see [`WwwAuthenticate`]).
    pub(crate) fn challenge(&self, error: &JwtError) -> Option<Challenge> {
        Challenge::choose(self.challenge, &self.realm, error)
    }

    /// Remembers the renderer of the first manager built in this process,
    /// for answers given where no manager is registered.
    pub(crate) fn remember_first(renderer: &Arc<Renderer>) {
        let _ = FIRST.set(Arc::clone(renderer));
    }

    /// The renderer for a request that found no manager: the first manager
    /// built in this process renders it (so its message key is used), or
    /// the defaults when none was built.
    pub(crate) fn without_manager() -> Arc<Renderer> {
        FIRST
            .get()
            .cloned()
            .unwrap_or_else(|| Arc::new(Renderer::new(&JwtConfig::default(), Vec::new())))
    }
}

static FIRST: OnceLock<Arc<Renderer>> = OnceLock::new();

/// Logs the details of a server-side problem the client only reads
/// `Internal Server Error` about. A missing manager concerns every request
/// of a misconfigured app: it is logged once per process.
fn log_internal(error: &JwtError) {
    static MANAGER_MISSING_LOGGED: AtomicBool = AtomicBool::new(false);
    if matches!(error, JwtError::ManagerMissing)
        && MANAGER_MISSING_LOGGED.swap(true, Ordering::Relaxed)
    {
        return;
    }
    tracing::error!(target: "actix_jwt_extended", "{error}");
}
