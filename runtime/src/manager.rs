//! The manager: configuration, keys and callbacks, built once and shared
//! with every worker through `App::app_data`.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::crypto::CryptoProvider;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::cache::{TokenCacheHandle, TokenCacheStats};
use crate::config::{self, Expires, JwtConfig, RawConfig, TokenCache, TokenLocation};
use crate::decode::{self, Rejection};
use crate::encode::{self, TokenKind, TokenOptions};
use crate::error::{ConfigError, ErrorClass, JwtError};
use crate::keys::{self, Keys};
use crate::revocation::RevocationSettings;
use crate::token::{CurrentToken, DecodedToken};

type LocalFuture<T> = LocalBoxFuture<'static, T>;
type TokenCheck = Arc<dyn Fn(CurrentToken) -> LocalFuture<bool> + Send + Sync>;
type UserLoader =
    Arc<dyn Fn(CurrentToken) -> LocalFuture<Option<Arc<dyn Any + Send + Sync>>> + Send + Sync>;
type MapLoader = Arc<dyn Fn(&Value) -> Map<String, Value> + Send + Sync>;
type IdentityLoader = Arc<dyn Fn(&Value) -> Value + Send + Sync>;
type ResponseLoader = Arc<dyn Fn(&JwtError, Option<&DecodedToken>) -> HttpResponse + Send + Sync>;

/// The callbacks of a manager (Flask-JWT-Extended's `@jwt.*_loader`s).
#[derive(Clone, Default)]
pub(crate) struct Loaders {
    pub(crate) additional_claims: Option<MapLoader>,
    pub(crate) additional_headers: Option<MapLoader>,
    pub(crate) user_identity: Option<IdentityLoader>,
    pub(crate) token_in_blocklist: Option<TokenCheck>,
    pub(crate) token_verification: Option<TokenCheck>,
    pub(crate) user_lookup: Option<UserLoader>,
    pub(crate) responses: Vec<(ErrorClass, ResponseLoader)>,
}

pub(crate) struct Inner {
    pub(crate) config: JwtConfig,
    pub(crate) allowed: Vec<Algorithm>,
    pub(crate) keys: Keys,
    pub(crate) loaders: Loaders,
    pub(crate) revocation: RevocationSettings,
    /// The verified-token cache, when it is on.
    pub(crate) cache: Option<TokenCacheHandle>,
    /// The usual encoded headers of the accepted algorithms.
    pub(crate) known_headers: decode::KnownHeaders,
    /// JWT_HEADER_NAME, parsed.
    pub(crate) header_name: actix_web::http::header::HeaderName,
}

/// Issues and verifies tokens for an actix-web application — the
/// counterpart of Flask-JWT-Extended's `JWTManager(app)`.
///
/// Build it once at startup, then register it with `App::app_data` so that
/// protected handlers find it. Cloning is cheap (an `Arc`).
///
/// ```
/// use actix_jwt_extended::JwtManager;
///
/// let jwt = JwtManager::builder().secret_key("change me").build().unwrap();
/// let token = jwt.create_access_token("alice").unwrap();
/// assert_eq!(token.split('.').count(), 3);
/// // App::new().app_data(jwt.clone()) …
/// ```
#[derive(Clone)]
pub struct JwtManager {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for JwtManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtManager")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl JwtManager {
    /// A builder with Flask-JWT-Extended's defaults.
    pub fn builder() -> JwtManagerBuilder {
        JwtManagerBuilder::default()
    }

    /// A manager configured from `JWT_*` environment variables (see
    /// [`JwtManagerBuilder::from_env`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        JwtManagerBuilder::from_env()?.build()
    }

    /// The settings in force.
    pub fn config(&self) -> &JwtConfig {
        &self.inner.config
    }

    /// Creates an access token for `identity` (any serialisable value; the
    /// user-identity loader, if any, turns it into the identity claim).
    pub fn create_access_token(&self, identity: impl Serialize) -> Result<String, JwtError> {
        self.create_token(identity, TokenKind::Access, TokenOptions::new())
    }

    /// Creates a refresh token for `identity`.
    pub fn create_refresh_token(&self, identity: impl Serialize) -> Result<String, JwtError> {
        self.create_token(identity, TokenKind::Refresh, TokenOptions::new())
    }

    /// Creates an access token with per-call options (fresh, expiry, extra
    /// claims and headers).
    pub fn create_access_token_with(
        &self,
        identity: impl Serialize,
        options: TokenOptions,
    ) -> Result<String, JwtError> {
        self.create_token(identity, TokenKind::Access, options)
    }

    /// Creates a refresh token with per-call options.
    pub fn create_refresh_token_with(
        &self,
        identity: impl Serialize,
        options: TokenOptions,
    ) -> Result<String, JwtError> {
        self.create_token(identity, TokenKind::Refresh, options)
    }

    /// Creates a token of either kind.
    pub fn create_token(
        &self,
        identity: impl Serialize,
        kind: TokenKind,
        options: TokenOptions,
    ) -> Result<String, JwtError> {
        let identity =
            serde_json::to_value(identity).map_err(|e| JwtError::Encode(e.to_string()))?;
        encode::create(&self.inner, identity, kind, options)
    }

    /// Fully verifies an encoded token (signature, algorithm, time claims,
    /// audience, issuer, identity) without the request-level checks (type,
    /// freshness, revocation, loaders) — Flask-JWT-Extended's `decode_token`.
    ///
    /// It always verifies in full: the verified-token cache serves requests
    /// only.
    pub fn decode_token(&self, encoded: &str) -> Result<DecodedToken, Rejection> {
        decode::decode(&self.inner, encoded, crate::time::now_f64())
    }

    /// Whether this manager caches verified tokens (JWT_VERIFIED_TOKEN_CACHE,
    /// with `auto` resolved for the configured algorithm).
    pub fn verified_token_cache_enabled(&self) -> bool {
        self.inner.cache.is_some()
    }

    /// The counters of this manager's verified-token cache on the current
    /// thread (each actix worker thread has its own cache); `None` when the
    /// cache is off.
    pub fn verified_token_cache_stats(&self) -> Option<TokenCacheStats> {
        self.inner.cache.as_ref().map(TokenCacheHandle::stats)
    }

    /// Empties this manager's verified-token cache on every worker thread
    /// (each drops its entries before its next lookup). Revoked tokens need
    /// no clearing (the revocation check runs on every hit), and a manager's
    /// keys never change: to change keys, build a new manager, which starts
    /// with an empty cache.
    pub fn clear_verified_token_cache(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.clear();
        }
    }

    /// The manager registered on the app that serves `req`, as
    /// `.app_data(manager)` or `.app_data(web::Data::new(manager))`.
    pub fn from_app(req: &HttpRequest) -> Option<&JwtManager> {
        req.app_data::<JwtManager>()
            .or_else(|| req.app_data::<web::Data<JwtManager>>().map(|d| d.get_ref()))
    }

    /// The response for a rejection: the registered response loader for its
    /// class, or `{"<JWT_ERROR_MESSAGE_KEY>": "<message>"}` with its status;
    /// plus the `WWW-Authenticate` challenge of JWT_WWW_AUTHENTICATE, if any,
    /// when the response does not set that header itself.
    pub fn error_response(&self, rejection: &Rejection) -> HttpResponse {
        let error = &rejection.error;
        let class = error.class();
        let loader = self
            .inner
            .loaders
            .responses
            .iter()
            .find(|(c, _)| *c == class)
            .map(|(_, loader)| loader);
        let mut response = match loader {
            Some(loader) => loader(error, rejection.token()),
            None => default_response(&self.inner.config.error_message_key, error),
        };
        crate::challenge::attach(&self.inner.config, error, &mut response);
        response
    }
}

/// `{"<key>": "<message>"}` with the error's status.
pub(crate) fn default_response(message_key: &str, error: &JwtError) -> HttpResponse {
    let mut body = Map::new();
    body.insert(message_key.to_owned(), Value::from(error.to_string()));
    HttpResponse::build(error.status()).json(body)
}

/// The manager is itself an extractor, for login handlers that create tokens:
/// `async fn login(jwt: JwtManager, …)`.
impl FromRequest for JwtManager {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(JwtManager::from_app(req).cloned().ok_or_else(|| {
            let error = JwtError::ManagerMissing;
            tracing::error!(target: "actix_jwt_extended", "{error}");
            actix_web::error::InternalError::from_response(
                error.clone(),
                default_response("msg", &error),
            )
            .into()
        }))
    }
}

/// Builds a [`JwtManager`]: settings, keys and callbacks.
///
/// Every setter has the name of its Flask-JWT-Extended option in its docs;
/// [`JwtManagerBuilder::from_env`] reads them from the environment.
#[derive(Clone, Default)]
#[must_use]
pub struct JwtManagerBuilder {
    raw: RawConfig,
    loaders: Loaders,
    provider: Option<&'static CryptoProvider>,
    pub(crate) revocation: RevocationSettings,
}

impl fmt::Debug for JwtManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtManagerBuilder")
            .field("config", &self.raw.config)
            .field("keys", &self.raw.keys)
            .finish_non_exhaustive()
    }
}

impl JwtManagerBuilder {
    /// A builder configured from the process environment: every variable
    /// named like a Flask-JWT-Extended option (`JWT_SECRET_KEY`,
    /// `JWT_ACCESS_TOKEN_EXPIRES`, …; see [`crate::config::OPTIONS`]). A bad
    /// value is an error that names the variable. Unknown `JWT_*` variables
    /// are reported with a warning.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::default().options(std::env::vars().filter(|(name, _)| name.starts_with("JWT_")))
    }

    /// Applies options given as `(name, value)` text pairs, exactly as
    /// [`JwtManagerBuilder::from_env`] reads them.
    pub fn options<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        options: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, ConfigError> {
        for (name, value) in options {
            let name = name.as_ref();
            if !config::apply_option(&mut self.raw, name, value.as_ref())? {
                tracing::warn!(target: "actix_jwt_extended", option = name, "unknown option ignored");
            }
        }
        Ok(self)
    }

    /// Replaces all settings at once (keys and callbacks are kept).
    pub fn config(mut self, config: JwtConfig) -> Self {
        self.raw.config = config;
        self
    }

    /// JWT_SECRET_KEY: the HMAC secret for HS256/384/512.
    pub fn secret_key(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.raw.keys.secret = Some(secret.as_ref().to_vec());
        self
    }

    /// JWT_PRIVATE_KEY: a PEM (PKCS#8) private key that signs new tokens with
    /// an asymmetric algorithm.
    pub fn private_key_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.raw.keys.private_pem = Some(pem.as_ref().to_vec());
        self
    }

    /// JWT_PUBLIC_KEY: the PEM public key that verifies incoming tokens.
    pub fn public_key_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.raw.keys.public_pem = Some(pem.as_ref().to_vec());
        self
    }

    /// JWT_ALGORITHM: the algorithm that signs new tokens (default HS256).
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.raw.config.algorithm = algorithm;
        self
    }

    /// JWT_DECODE_ALGORITHMS: algorithms accepted on incoming tokens;
    /// JWT_ALGORITHM is always accepted too.
    pub fn decode_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.raw.config.decode_algorithms = algorithms.into_iter().collect();
        self
    }

    /// JWT_ACCESS_TOKEN_EXPIRES (default 15 minutes).
    pub fn access_token_expires(mut self, expires: impl Into<Expires>) -> Self {
        self.raw.config.access_token_expires = expires.into();
        self
    }

    /// JWT_REFRESH_TOKEN_EXPIRES (default 30 days).
    pub fn refresh_token_expires(mut self, expires: impl Into<Expires>) -> Self {
        self.raw.config.refresh_token_expires = expires.into();
        self
    }

    /// JWT_IDENTITY_CLAIM (default `sub`).
    pub fn identity_claim(mut self, claim: impl Into<String>) -> Self {
        self.raw.config.identity_claim = claim.into();
        self
    }

    /// JWT_DECODE_LEEWAY (default 0).
    pub fn decode_leeway(mut self, leeway: Duration) -> Self {
        self.raw.config.decode_leeway = leeway;
        self
    }

    /// JWT_ENCODE_ISSUER.
    pub fn encode_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.raw.config.encode_issuer = Some(issuer.into());
        self
    }

    /// JWT_DECODE_ISSUER.
    pub fn decode_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.raw.config.decode_issuer = Some(issuer.into());
        self
    }

    /// JWT_ENCODE_AUDIENCE (one value is written as a string, several as a list).
    pub fn encode_audience<S: Into<String>>(
        mut self,
        audience: impl IntoIterator<Item = S>,
    ) -> Self {
        self.raw.config.encode_audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// JWT_DECODE_AUDIENCE.
    pub fn decode_audience<S: Into<String>>(
        mut self,
        audience: impl IntoIterator<Item = S>,
    ) -> Self {
        self.raw.config.decode_audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// JWT_ENCODE_NBF (default on).
    pub fn encode_nbf(mut self, on: bool) -> Self {
        self.raw.config.encode_nbf = on;
        self
    }

    /// JWT_VERIFY_SUB (default on).
    pub fn verify_sub(mut self, on: bool) -> Self {
        self.raw.config.verify_sub = on;
        self
    }

    /// JWT_ERROR_MESSAGE_KEY (default `msg`).
    pub fn error_message_key(mut self, key: impl Into<String>) -> Self {
        self.raw.config.error_message_key = key.into();
        self
    }

    /// JWT_HEADER_NAME (default `Authorization`).
    pub fn header_name(mut self, name: impl Into<String>) -> Self {
        self.raw.config.header_name = name.into();
        self
    }

    /// JWT_HEADER_TYPE (default `Bearer`; empty for a bare token).
    pub fn header_type(mut self, kind: impl Into<String>) -> Self {
        self.raw.config.header_type = kind.into();
        self
    }

    /// JWT_COOKIE_CSRF_PROTECT (default on): writes a `csrf` claim.
    pub fn cookie_csrf_protect(mut self, on: bool) -> Self {
        self.raw.config.cookie_csrf_protect = on;
        self
    }

    /// JWT_TOKEN_LOCATION: where to look for tokens, in order.
    pub fn token_location(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.raw.config.token_location = locations.into_iter().collect();
        self
    }

    /// JWT_QUERY_STRING_NAME (default `jwt`).
    pub fn query_string_name(mut self, name: impl Into<String>) -> Self {
        self.raw.config.query_string_name = name.into();
        self
    }

    /// JWT_QUERY_STRING_VALUE_PREFIX (default empty).
    pub fn query_string_value_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.raw.config.query_string_value_prefix = prefix.into();
        self
    }

    /// JWT_MAX_TOKEN_SIZE: longest accepted token in bytes (default 16 KiB).
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.raw.config.max_token_size = bytes;
        self
    }

    /// JWT_WWW_AUTHENTICATE: the `WWW-Authenticate` challenge of rejected
    /// requests — none (default), Flask-JWT's or RFC 6750's; see
    /// [`Challenge`](crate::Challenge).
    pub fn www_authenticate(mut self, form: crate::WwwAuthenticate) -> Self {
        self.raw.config.www_authenticate = form;
        self
    }

    /// JWT_DEFAULT_REALM: the realm of the challenge (default
    /// `Login Required`).
    pub fn default_realm(mut self, realm: impl Into<String>) -> Self {
        self.raw.config.default_realm = realm.into();
        self
    }

    /// JWT_VERIFIED_TOKEN_CACHE: whether verified tokens are cached (default
    /// [`TokenCache::On`]).
    pub fn verified_token_cache(mut self, mode: TokenCache) -> Self {
        self.raw.config.verified_token_cache = mode;
        self
    }

    /// JWT_VERIFIED_TOKEN_CACHE_SIZE: the most tokens cached per worker
    /// thread (default 1024).
    pub fn verified_token_cache_size(mut self, entries: usize) -> Self {
        self.raw.config.verified_token_cache_size = entries;
        self
    }

    /// Uses this jsonwebtoken crypto provider instead of the one chosen by
    /// this crate's features.
    pub fn crypto_provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// `additional_claims_loader`: extra claims for every new token, from
    /// the identity passed to `create_*_token`. Per-call claims win ties.
    pub fn additional_claims_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Map<String, Value> + Send + Sync + 'static,
    {
        self.loaders.additional_claims = Some(Arc::new(loader));
        self
    }

    /// `additional_headers_loader`: extra JOSE headers for every new token.
    /// Per-call headers win ties.
    pub fn additional_headers_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Map<String, Value> + Send + Sync + 'static,
    {
        self.loaders.additional_headers = Some(Arc::new(loader));
        self
    }

    /// `user_identity_loader`: turns the identity passed to `create_*_token`
    /// (e.g. a serialised user) into the value of the identity claim.
    pub fn user_identity_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Value + Send + Sync + 'static,
    {
        self.loaders.user_identity = Some(Arc::new(loader));
        self
    }

    /// `token_in_blocklist_loader`: answers `true` for a revoked token
    /// (401 `Token has been revoked`). Runs after the type and fresh checks,
    /// unless the handler says `skip_revocation_check`. May be async.
    pub fn token_in_blocklist_loader<F, Fut>(mut self, loader: F) -> Self
    where
        F: Fn(CurrentToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + 'static,
    {
        self.loaders.token_in_blocklist = Some(Arc::new(move |t| Box::pin(loader(t))));
        self
    }

    /// `token_verification_loader`: answers `false` to reject a token's
    /// claims (400 `User claims verification failed`). May be async.
    pub fn token_verification_loader<F, Fut>(mut self, loader: F) -> Self
    where
        F: Fn(CurrentToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + 'static,
    {
        self.loaders.token_verification = Some(Arc::new(move |t| Box::pin(loader(t))));
        self
    }

    /// `user_lookup_loader`: loads the user of a verified token, available as
    /// [`CurrentToken::current_user`]. `None` rejects the request
    /// (401 `Error loading the user <identity>`). May be async.
    pub fn user_lookup_loader<F, Fut, U>(mut self, loader: F) -> Self
    where
        F: Fn(CurrentToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<U>> + 'static,
        U: Any + Send + Sync,
    {
        let loader = Arc::new(loader);
        self.loaders.user_lookup = Some(Arc::new(move |t| {
            let fut = loader(t);
            Box::pin(async move { fut.await.map(|u| Arc::new(u) as Arc<dyn Any + Send + Sync>) })
        }));
        self
    }

    fn response_loader(
        mut self,
        class: ErrorClass,
        loader: impl Fn(&JwtError, Option<&DecodedToken>) -> HttpResponse + Send + Sync + 'static,
    ) -> Self {
        self.loaders.responses.retain(|(c, _)| *c != class);
        self.loaders.responses.push((class, Arc::new(loader)));
        self
    }

    /// `expired_token_loader`: the response for an expired token; receives
    /// the token's (verified) claims.
    pub fn expired_token_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::Expired, loader)
    }

    /// `invalid_token_loader`: the response for an unusable token (422 by
    /// default); receives the reason.
    pub fn invalid_token_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.response_loader(ErrorClass::Invalid, move |e, _| loader(&e.to_string()))
    }

    /// `unauthorized_loader`: the response when no token is found (401 by
    /// default); receives the reason.
    pub fn unauthorized_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.response_loader(ErrorClass::Unauthorized, move |e, _| loader(&e.to_string()))
    }

    /// `needs_fresh_token_loader`: the response for a non-fresh token.
    pub fn needs_fresh_token_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::NeedsFresh, loader)
    }

    /// `revoked_token_loader`: the response for a revoked token.
    pub fn revoked_token_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::Revoked, loader)
    }

    /// `token_verification_failed_loader`: the response when the
    /// token-verification loader says no.
    pub fn token_verification_failed_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::VerificationFailed, loader)
    }

    /// `user_lookup_error_loader`: the response when the user lookup finds
    /// nobody.
    pub fn user_lookup_error_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::UserLookup, loader)
    }

    /// `missing_claims_loader`: the response when a `#[require_token]`
    /// claim requirement is not met (403 `Missing required claim(s)`).
    pub fn missing_claims_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::MissingClaims, loader)
    }

    /// `missing_scope_loader`: the response when a `#[require_token]` scope
    /// requirement is not met (403 `Missing required scope(s)`).
    pub fn missing_scope_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::MissingScope, loader)
    }

    /// A loader for a class whose errors always come with a verified token.
    pub(crate) fn token_response<F>(self, class: ErrorClass, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.response_loader(class, move |error, token| match token {
            Some(token) => loader(token),
            None => default_response("msg", error),
        })
    }

    /// Checks the settings, prepares the keys and returns the manager.
    /// Every problem is an error that names the option.
    pub fn build(self) -> Result<JwtManager, ConfigError> {
        let config = self.raw.config;
        config.validate()?;
        crate::cookies::warn_if_insecure(&config);
        let provider = self
            .provider
            .or_else(keys::default_provider)
            .ok_or(ConfigError::NoCryptoBackend)?;
        let allowed = config.allowed_algorithms();
        let keys = Keys::new(&self.raw.keys, config.algorithm, &allowed, provider)?;
        let header_name = config.parsed_header_name()?;
        let cache = std::num::NonZeroUsize::new(config.verified_token_cache_size)
            .filter(|_| config.verified_token_cache.is_on_for(config.algorithm))
            .map(|size| TokenCacheHandle::new(size, config.decode_leeway.as_secs_f64()));
        Ok(JwtManager {
            inner: Arc::new(Inner {
                cache,
                known_headers: decode::KnownHeaders::new(&allowed),
                header_name,
                config,
                allowed,
                keys,
                loaders: self.loaders,
                revocation: self.revocation,
            }),
        })
    }
}

/// Setters of the token-transport options (cookies, CSRF, JSON body).
macro_rules! text_setters {
    ($($(#[$doc:meta])* $name:ident;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: impl Into<String>) -> Self {
                self.raw.config.$name = value.into();
                self
            }
        )*
    };
}

impl JwtManagerBuilder {
    text_setters! {
        /// JWT_ACCESS_COOKIE_NAME (default `access_token_cookie`).
        access_cookie_name;
        /// JWT_REFRESH_COOKIE_NAME (default `refresh_token_cookie`).
        refresh_cookie_name;
        /// JWT_ACCESS_COOKIE_PATH (default `/`).
        access_cookie_path;
        /// JWT_REFRESH_COOKIE_PATH (default `/`).
        refresh_cookie_path;
        /// JWT_ACCESS_CSRF_COOKIE_NAME (default `csrf_access_token`).
        access_csrf_cookie_name;
        /// JWT_REFRESH_CSRF_COOKIE_NAME (default `csrf_refresh_token`).
        refresh_csrf_cookie_name;
        /// JWT_ACCESS_CSRF_COOKIE_PATH (default `/`).
        access_csrf_cookie_path;
        /// JWT_REFRESH_CSRF_COOKIE_PATH (default `/`).
        refresh_csrf_cookie_path;
        /// JWT_ACCESS_CSRF_HEADER_NAME (default `X-CSRF-TOKEN`).
        access_csrf_header_name;
        /// JWT_REFRESH_CSRF_HEADER_NAME (default `X-CSRF-TOKEN`).
        refresh_csrf_header_name;
        /// JWT_ACCESS_CSRF_FIELD_NAME (default `csrf_token`).
        access_csrf_field_name;
        /// JWT_REFRESH_CSRF_FIELD_NAME (default `csrf_token`).
        refresh_csrf_field_name;
        /// JWT_JSON_KEY (default `access_token`).
        json_key;
        /// JWT_REFRESH_JSON_KEY (default `refresh_token`).
        refresh_json_key;
    }

    /// JWT_COOKIE_SECURE (default off): mark every cookie `Secure`.
    pub fn cookie_secure(mut self, on: bool) -> Self {
        self.raw.config.cookie_secure = on;
        self
    }

    /// JWT_COOKIE_DOMAIN (default none).
    pub fn cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.raw.config.cookie_domain = Some(domain.into());
        self
    }

    /// JWT_COOKIE_SAMESITE (default none: the attribute is left out).
    pub fn cookie_samesite(mut self, same_site: Option<actix_web::cookie::SameSite>) -> Self {
        self.raw.config.cookie_samesite = same_site;
        self
    }

    /// JWT_SESSION_COOKIE (default on); off gives cookies with
    /// `Max-Age=31540000`.
    pub fn session_cookie(mut self, on: bool) -> Self {
        self.raw.config.session_cookie = on;
        self
    }

    /// JWT_CSRF_METHODS (default POST, PUT, PATCH, DELETE).
    pub fn csrf_methods(
        mut self,
        methods: impl IntoIterator<Item = actix_web::http::Method>,
    ) -> Self {
        self.raw.config.csrf_methods = methods.into_iter().collect();
        self
    }

    /// JWT_CSRF_IN_COOKIES (default on): set the `csrf_*` companion cookies.
    pub fn csrf_in_cookies(mut self, on: bool) -> Self {
        self.raw.config.csrf_in_cookies = on;
        self
    }

    /// JWT_CSRF_CHECK_FORM (default off): also read the CSRF value from a
    /// form field when the header is absent.
    pub fn csrf_check_form(mut self, on: bool) -> Self {
        self.raw.config.csrf_check_form = on;
        self
    }

    /// JWT_MAX_BODY_SIZE: the most bytes of a body read to find a JSON token
    /// or a CSRF form field (default 2 MiB).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.raw.config.max_body_size = bytes;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_backend_build_is_an_error_not_a_panic() {
        let result = JwtManager::builder().secret_key("s").build();
        if keys::default_provider().is_some() {
            assert!(result.is_ok());
        } else {
            assert_eq!(result.unwrap_err(), ConfigError::NoCryptoBackend);
        }
    }
}
