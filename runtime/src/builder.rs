//! [`JwtManagerBuilder`]: settings (one setter per option of the option
//! table), keys, callbacks and the revocation store, checked and prepared
//! by [`JwtManagerBuilder::build`].

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::cookie::SameSite;
use actix_web::http::Method;
use jsonwebtoken::crypto::CryptoProvider;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::audit::Audit;
use crate::cache::TokenCacheHandle;
use crate::config::{
    self, Expires, JwtConfig, KeyMaterial, TokenCache, TokenLocation, WwwAuthenticate,
    with_key_options, with_options,
};
use crate::cookies;
use crate::error::{ConfigError, ErrorClass, JwtError};
use crate::events::AuditEvent;
use crate::keys::{self, Key, Keys};
use crate::loaders::Loaders;
use crate::manager::{Inner, JwtManager};
use crate::render::Renderer;
use crate::revocation::check::{Retention, RevocationSettings};
use crate::revocation::{MemoryStore, RevocationStore};
use crate::time::Clock;
use crate::token::{CurrentToken, DecodedToken};

/// Builds a [`JwtManager`]: settings, keys and callbacks.
///
/// Every setter has the name of its Flask-JWT-Extended option in its docs;
/// [`JwtManagerBuilder::from_env`] reads them from the environment.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::{JwtManager, TokenLocation};
///
/// let jwt = JwtManager::builder()
///     .secret_key("change me")                            // JWT_SECRET_KEY
///     .access_token_expires(Duration::from_secs(5 * 60))  // JWT_ACCESS_TOKEN_EXPIRES
///     .token_location([TokenLocation::Headers, TokenLocation::Cookies])
///     .build()
///     .expect("a valid configuration");
/// assert_eq!(jwt.config().token_location.len(), 2);
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct JwtManagerBuilder {
    config: JwtConfig,
    keys: KeyMaterial,
    added_keys: Vec<Key>,
    loaders: Loaders,
    provider: Option<&'static CryptoProvider>,
    revocation: RevocationSettings,
    audit: Audit,
    /// Whether the application chose the revocation store (otherwise an
    /// embedded store that keeps time by the manager's clock).
    custom_store: bool,
    clock: Clock,
}

impl fmt::Debug for JwtManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtManagerBuilder")
            .field("config", &self.config)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// One builder setter, by the form the option table gives it.
macro_rules! setter {
    ($(#[$doc:meta])* value $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: $ty) -> Self {
            self.config.$field = value;
            self
        }
    };
    ($(#[$doc:meta])* into $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.config.$field = value.into();
            self
        }
    };
    ($(#[$doc:meta])* some $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl Into<String>) -> Self {
            self.config.$field = Some(value.into());
            self
        }
    };
    ($(#[$doc:meta])* list($item:ty) $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $field<I: Into<$item>>(mut self, values: impl IntoIterator<Item = I>) -> Self {
            self.config.$field = values.into_iter().map(Into::into).collect();
            self
        }
    };
    ($(#[$doc:meta])* bytes $field:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, value: impl AsRef<[u8]>) -> Self {
            self.keys.$field = Some(value.as_ref().to_vec());
            self
        }
    };
}

/// The setters of the settings table.
macro_rules! setting_setters {
    ($(
        $(#[$doc:meta])*
        [$env:literal, $default_text:literal, $meaning:literal]
        $field:ident : $ty:ty = $default:expr, $setter:ident $(($item:ty))? ;
    )*) => {
        /// The setters of the settings, one per option.
        impl JwtManagerBuilder {
            $(
                setter! {
                    #[doc = concat!("`", $env, "` (default: ", $default_text, ").")]
                    #[doc = ""]
                    $(#[$doc])*
                    $setter $(($item))? $field: $ty
                }
            )*
        }
    };
}

/// The setters of the key table.
macro_rules! key_setters {
    ($(
        $(#[$doc:meta])*
        [$env:literal, $default_text:literal, $meaning:literal]
        $field:ident : $ty:ty, $setter:ident, $parser:ident;
    )*) => {
        /// The setters of the keys, one per option.
        impl JwtManagerBuilder {
            $(
                setter! {
                    #[doc = concat!("`", $env, "`.")]
                    #[doc = ""]
                    $(#[$doc])*
                    $setter $field: $ty
                }
            )*
        }
    };
}

with_options!(setting_setters);
with_key_options!(key_setters);

impl JwtManagerBuilder {
    /// A builder configured from the process environment: every variable
    /// named like a Flask-JWT-Extended option (`JWT_SECRET_KEY`,
    /// `JWT_ACCESS_TOKEN_EXPIRES`, …; the README lists them). A bad value is
    /// an error that names the variable. Unknown `JWT_*` variables are
    /// reported with a warning.
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
            if !config::apply_option(&mut self.config, &mut self.keys, name, value.as_ref())? {
                tracing::warn!(target: "actix_jwt_extended", option = name, "unknown option ignored");
            }
        }
        Ok(self)
    }

    /// Replaces all settings at once (keys and callbacks are kept).
    pub fn config(mut self, config: JwtConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds a verification key to the key set (see
    /// [`JwtManager::add_key`]); a key pair given here verifies only — sign
    /// with it by also giving its private key as JWT_PRIVATE_KEY, or rotate
    /// to it at runtime.
    pub fn add_key(mut self, key: Key) -> Self {
        self.added_keys.push(key);
        self
    }

    /// Uses this jsonwebtoken crypto provider instead of the one chosen by
    /// this crate's features.
    pub fn crypto_provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    // --- Callbacks of token creation -------------------------------------

    /// `additional_claims_loader`: extra claims for every new token, from
    /// the identity passed to `create_*_token`. Per-call claims win ties.
    pub fn additional_claims_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Map<String, Value> + Send + Sync + 'static,
    {
        self.loaders.claims.additional_claims = Some(Arc::new(loader));
        self
    }

    /// `additional_headers_loader`: extra JOSE headers for every new token.
    /// Per-call headers win ties.
    pub fn additional_headers_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Map<String, Value> + Send + Sync + 'static,
    {
        self.loaders.claims.additional_headers = Some(Arc::new(loader));
        self
    }

    /// `user_identity_loader`: turns the identity passed to `create_*_token`
    /// (e.g. a serialised user) into the value of the identity claim.
    pub fn user_identity_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Value + Send + Sync + 'static,
    {
        self.loaders.claims.user_identity = Some(Arc::new(loader));
        self
    }

    /// `encode_key_loader`: the key that signs a new token, chosen from
    /// the identity passed to `create_*_token` (e.g. per tenant) — a secret
    /// ([`Key::secret`]) or a key pair ([`Key::pem_pair`]) for
    /// JWT_ALGORITHM (or the key's own algorithm, if accepted); its key id
    /// goes in the token's header.
    pub fn encode_key_loader<F>(mut self, loader: F) -> Self
    where
        F: Fn(&Value) -> Key + Send + Sync + 'static,
    {
        self.loaders.claims.encode_key = Some(Arc::new(loader));
        self
    }

    // --- Callbacks of verification ---------------------------------------

    /// `decode_key_loader`: the key that verifies a token, chosen from its
    /// unverified header and claims (e.g. per tenant or per issuer). May be
    /// async. It replaces the key set; its key still verifies only the
    /// accepted algorithms (JWT_DECODE_ALGORITHMS) it fits, and `None`
    /// refuses the token (422 `Unable to find a signing key that matches`).
    /// [`JwtManager::decode_token`](crate::JwtManager::decode_token) uses
    /// it only when its future is ready at once.
    pub fn decode_key_loader<F, Fut>(mut self, loader: F) -> Self
    where
        F: Fn(&Map<String, Value>, &Map<String, Value>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Key>> + 'static,
    {
        self.loaders.tokens.decode_key = Some(Arc::new(move |header, claims| {
            Box::pin(loader(header, claims))
        }));
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
        self.loaders.tokens.token_in_blocklist = Some(Arc::new(move |t| Box::pin(loader(t))));
        self
    }

    /// `token_verification_loader`: answers `false` to reject a token's
    /// claims (400 `User claims verification failed`). May be async.
    pub fn token_verification_loader<F, Fut>(mut self, loader: F) -> Self
    where
        F: Fn(CurrentToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + 'static,
    {
        self.loaders.tokens.token_verification = Some(Arc::new(move |t| Box::pin(loader(t))));
        self
    }

    /// `user_lookup_loader`: loads the user of a verified token, available as
    /// [`CurrentToken::user`]. `None` rejects the request
    /// (401 `Error loading the user <identity>`). May be async.
    pub fn user_lookup_loader<F, Fut, U>(mut self, loader: F) -> Self
    where
        F: Fn(CurrentToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<U>> + 'static,
        U: Any + Send + Sync,
    {
        let loader = Arc::new(loader);
        self.loaders.tokens.user_lookup = Some(Arc::new(move |t| {
            let fut = loader(t);
            Box::pin(async move { fut.await.map(|u| Arc::new(u) as Arc<dyn Any + Send + Sync>) })
        }));
        self
    }

    // --- Response loaders ------------------------------------------------

    /// Registers the response loader of `class`, replacing any other.
    fn response_loader(
        mut self,
        class: ErrorClass,
        loader: impl Fn(&JwtError, Option<&DecodedToken>) -> Option<HttpResponse>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.loaders.responses.retain(|(c, _)| *c != class);
        self.loaders.responses.push((class, Arc::new(loader)));
        self
    }

    /// A loader for a class whose errors come with a verified token; an
    /// error without one gets the default response.
    fn token_response<F>(self, class: ErrorClass, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.response_loader(class, move |_, token| token.map(&loader))
    }

    /// A loader that receives the error's message.
    fn message_response<F>(self, class: ErrorClass, loader: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.response_loader(class, move |error, _| Some(loader(&error.to_string())))
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
        self.message_response(ErrorClass::Invalid, loader)
    }

    /// `unauthorized_loader`: the response when no token is found (401 by
    /// default); receives the reason.
    pub fn unauthorized_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.message_response(ErrorClass::Unauthorized, loader)
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

    /// The response when the revocation check is unavailable (503
    /// `{"msg": "Token revocation check unavailable"}` by default).
    pub fn revocation_unavailable_loader<F>(self, loader: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.token_response(ErrorClass::Unavailable, loader)
    }

    // --- Revocation ------------------------------------------------------

    /// The store that records revoked tokens (default: an embedded
    /// [`MemoryStore`](crate::revocation::MemoryStore), private to this
    /// manager and its clones). Build the manager once, outside the
    /// `HttpServer::new` closure, so that every worker shares it.
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocation.store = Arc::new(store);
        self.custom_store = true;
        self
    }

    /// The same as [`JwtManagerBuilder::revocation_store`], for a store that
    /// is already shared (e.g. a `MemoryStore` the application also
    /// inspects).
    pub fn revocation_store_arc<S: RevocationStore>(mut self, store: Arc<S>) -> Self {
        self.revocation.store = store;
        self.custom_store = true;
        self
    }

    /// The longest wait for the revocation store (and the
    /// `token_in_blocklist_loader` callback) on one request; default one
    /// second. Past it, the check fails closed (503) or open.
    pub fn revocation_timeout(mut self, timeout: Duration) -> Self {
        self.revocation.timeout = timeout;
        self
    }

    /// When the revocation check cannot be made (the store fails or times
    /// out): `false` (the default) rejects the request with 503
    /// `{"msg": "Token revocation check unavailable"}`; `true` lets the
    /// token through and logs a warning. Refresh-token rotation always
    /// fails closed.
    pub fn revocation_fail_open(mut self, fail_open: bool) -> Self {
        self.revocation.fail_open = fail_open;
        self
    }

    // --- Observability ---------------------------------------------------

    /// Receives every audit event of this manager — tokens issued, requests
    /// accepted and rejected, revocations, refresh-token reuse, an
    /// unavailable revocation store — in addition to its `tracing` event
    /// (and metrics, with the `metrics` feature). It runs on the thread that
    /// made the decision, before the response is sent: keep it short (e.g.
    /// send to a channel). See [`AuditEvent`].
    pub fn audit_hook<F>(mut self, hook: F) -> Self
    where
        F: Fn(&AuditEvent<'_>) + Send + Sync + 'static,
    {
        self.audit = Audit::new(Arc::new(hook));
        self
    }

    // --- Time ------------------------------------------------------------

    /// The clock the manager reads instead of the system clock: a
    /// [`ManualClock`](crate::time::ManualClock) that tests move, so that
    /// tokens expire (or stop being fresh) without sleeping. The embedded
    /// revocation store follows it too.
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn clock(mut self, clock: &crate::time::ManualClock) -> Self {
        self.clock = clock.clock();
        self
    }

    // --- Building --------------------------------------------------------

    /// Checks the settings, prepares the keys and returns the manager.
    /// Every problem is an error that names the option.
    pub fn build(self) -> Result<JwtManager, ConfigError> {
        let Self {
            mut config,
            keys,
            added_keys,
            mut loaders,
            provider,
            mut revocation,
            audit,
            custom_store,
            clock,
        } = self;
        if let Some(issuer) = &config.oidc_issuer
            && config.decode_issuer.is_none()
        {
            // Tokens of an OpenID Connect issuer carry it as `iss`.
            config.decode_issuer = Some(issuer.clone());
        }
        let checked = config.check()?;
        cookies::warn_if_insecure(&config);
        let provider = provider
            .or_else(keys::default_provider)
            .ok_or(ConfigError::NoCryptoBackend)?;
        let remote_configured = config.jwks_url.is_some() || config.oidc_issuer.is_some();
        let keys = Arc::new(Keys::from_config(
            &keys,
            &added_keys,
            &config,
            provider,
            remote_configured,
        )?);
        let cache = std::num::NonZeroUsize::new(config.verified_token_cache_size)
            .filter(|_| config.verified_token_cache.is_on_for(config.algorithm))
            .map(|size| {
                Arc::new(TokenCacheHandle::new(
                    size,
                    config.decode_leeway.as_secs_f64(),
                ))
            });
        let remote = start_remote(&config, &keys, cache.clone())?;
        let renderer = Arc::new(Renderer::new(
            &config,
            std::mem::take(&mut loaders.responses),
        ));
        Renderer::remember_first(&renderer);
        if !custom_store {
            revocation.store = Arc::new(MemoryStore::on_clock(clock.clone()));
        }
        Ok(JwtManager {
            inner: Arc::new(Inner {
                cache,
                remote,
                clock,
                header_name: checked.header_name,
                retention: Retention::new(&config),
                config,
                keys,
                loaders,
                renderer,
                revocation,
                audit,
            }),
        })
    }
}

/// The remote key source of `config`, if any; a change of the remote keys
/// empties the verified-token cache.
#[cfg(feature = "remote-jwks")]
fn start_remote(
    config: &JwtConfig,
    keys: &Arc<Keys>,
    cache: Option<Arc<TokenCacheHandle>>,
) -> Result<Option<crate::remote::RemoteKeys>, ConfigError> {
    let on_change = Box::new(move || {
        if let Some(cache) = &cache {
            cache.clear();
        }
    });
    crate::remote::RemoteKeys::start(config, keys, on_change)
}

/// Without the `remote-jwks` feature, a remote key source is a startup
/// error.
#[cfg(not(feature = "remote-jwks"))]
fn start_remote(
    config: &JwtConfig,
    _: &Arc<Keys>,
    _: Option<Arc<TokenCacheHandle>>,
) -> Result<Option<crate::manager::NoRemote>, ConfigError> {
    for (option, set) in [
        ("JWT_JWKS_URL", config.jwks_url.is_some()),
        ("JWT_OIDC_ISSUER", config.oidc_issuer.is_some()),
    ] {
        if set {
            return Err(ConfigError::invalid(
                option,
                "needs the `remote-jwks` feature of actix-jwt-extended",
            ));
        }
    }
    Ok(None)
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
