//! The manager: configuration, keys and callbacks, built once (see
//! `builder.rs`) and shared with every worker through `App::app_data`.
//! Every method of [`JwtManager`] is here, each a thin entry into the
//! module that does the work.

use std::fmt;
use std::sync::Arc;

use actix_web::http::header::HeaderName;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt as _;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::audit::Audit;
use crate::builder::JwtManagerBuilder;
use crate::cache::{TokenCacheHandle, TokenCacheStats};
use crate::challenge::Challenge;
use crate::config::JwtConfig;
use crate::cookies::{self, CookieOptions, CookieSink};
use crate::csrf;
use crate::decode::{self, Expiry};
use crate::decode_options::DecodeOptions;
use crate::encode::{self, Minting, TokenOptions};
use crate::error::{ConfigError, JwtError};
use crate::events::AuditEvent;
use crate::keys::set::KeySet;
use crate::keys::{Key, KeyInfo, Keys};
use crate::kind::TokenKind;
use crate::loaders::Loaders;
use crate::rejection::Rejection;
use crate::render::Renderer;
use crate::revocation::check::{self, Retention, RevocationSettings};
use crate::revocation::{self, FAMILY_CLAIM, TokenPair, identity_key};
use crate::time::Clock;
use crate::token::{CurrentToken, DecodedToken};

/// The remote key source.
#[cfg(feature = "remote-jwks")]
pub(crate) type Remote = crate::remote::RemoteKeys;
/// No remote key source without the `remote-jwks` feature.
#[cfg(not(feature = "remote-jwks"))]
pub(crate) type Remote = NoRemote;

/// Stands for the remote key source without the `remote-jwks` feature.
#[cfg(not(feature = "remote-jwks"))]
#[derive(Debug)]
pub(crate) enum NoRemote {}

/// What a manager is made of; built by [`JwtManagerBuilder::build`].
pub(crate) struct Inner {
    pub(crate) config: JwtConfig,
    pub(crate) keys: Arc<Keys>,
    /// The remote key source, when one is configured.
    #[cfg_attr(not(feature = "remote-jwks"), allow(dead_code))]
    pub(crate) remote: Option<Remote>,
    /// JWT_HEADER_NAME, parsed.
    pub(crate) header_name: HeaderName,
    /// The verified-token cache, when it is on.
    pub(crate) cache: Option<Arc<TokenCacheHandle>>,
    pub(crate) loaders: Loaders,
    pub(crate) renderer: Arc<Renderer>,
    pub(crate) revocation: RevocationSettings,
    pub(crate) retention: Retention,
    /// Where audit events go.
    pub(crate) audit: Audit,
    /// Where every time this manager reads comes from.
    pub(crate) clock: Clock,
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
///
/// Every fallible method returns a [`Rejection`], which renders as the
/// response a rejected request gets: return it from a handler, or use `?`.
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

    /// The manager registered on the app that serves `req`, as
    /// `.app_data(manager)` or `.app_data(web::Data::new(manager))`.
    pub fn from_app(req: &HttpRequest) -> Option<&JwtManager> {
        req.app_data::<JwtManager>()
            .or_else(|| req.app_data::<web::Data<JwtManager>>().map(|d| d.get_ref()))
    }

    /// The rejection for `error` (a [`JwtError`] or a [`Rejection`]),
    /// rendered by this manager (its response loaders, message key and
    /// challenge) — for a handler that refuses a request itself:
    /// `return Err(jwt.reject(JwtError::MissingRequiredClaims))`.
    pub fn reject(&self, error: impl Into<Rejection>) -> Rejection {
        error.into().rendered_by(&self.inner.renderer)
    }

    // --- Creating tokens -------------------------------------------------

    /// Creates an access token for `identity` (any serialisable value; the
    /// user-identity loader, if any, turns it into the identity claim).
    pub fn create_access_token(&self, identity: impl Serialize) -> Result<String, Rejection> {
        self.create_token(identity, TokenKind::Access, TokenOptions::new())
    }

    /// Creates a refresh token for `identity`.
    pub fn create_refresh_token(&self, identity: impl Serialize) -> Result<String, Rejection> {
        self.create_token(identity, TokenKind::Refresh, TokenOptions::new())
    }

    /// Creates an access token with per-call options (fresh, expiry, extra
    /// claims and headers).
    pub fn create_access_token_with(
        &self,
        identity: impl Serialize,
        options: TokenOptions,
    ) -> Result<String, Rejection> {
        self.create_token(identity, TokenKind::Access, options)
    }

    /// Creates a refresh token with per-call options.
    pub fn create_refresh_token_with(
        &self,
        identity: impl Serialize,
        options: TokenOptions,
    ) -> Result<String, Rejection> {
        self.create_token(identity, TokenKind::Refresh, options)
    }

    /// Creates a token of either kind.
    pub(crate) fn create_token(
        &self,
        identity: impl Serialize,
        kind: TokenKind,
        options: TokenOptions,
    ) -> Result<String, Rejection> {
        let identity = encode::identity_value(identity).map_err(|e| self.reject(e))?;
        self.mint(&identity, kind, options)
            .map_err(|e| self.reject(e))
    }

    fn mint(
        &self,
        identity: &Value,
        kind: TokenKind,
        options: TokenOptions,
    ) -> Result<String, JwtError> {
        let inner = &self.inner;
        let loaders = &inner.loaders.claims;
        let mint = |signing| {
            let minting = Minting {
                config: &inner.config,
                signing,
                loaders,
            };
            encode::create(minting, identity, kind, options, inner.clock.now_f64())
        };
        let token = match &loaders.encode_key {
            Some(loader) => {
                let key = loader(identity);
                let signing = inner
                    .keys
                    .signer_for(&key)
                    .map_err(|e| JwtError::Encode(format!("the encode key loader's key: {e}")))?;
                mint(&signing)
            }
            None => mint(inner.keys.load().signing()?),
        }?;
        inner.audit.emit(AuditEvent::Issued {
            token_type: kind,
            identity,
        });
        Ok(token)
    }

    /// Creates an access token and a refresh token for `identity` that start
    /// a new rotation family (e.g. at login). `access` applies to the access
    /// token (freshness, expiry, extra claims). See
    /// [`revocation`](crate::revocation) for rotation.
    pub fn create_token_pair_with(
        &self,
        identity: impl Serialize,
        access: TokenOptions,
    ) -> Result<TokenPair, Rejection> {
        let identity = encode::identity_value(identity).map_err(|e| self.reject(e))?;
        let family = uuid::Uuid::new_v4().to_string();
        self.pair_in_family(&identity, &family, access, Some(&family))
            .map_err(|e| self.reject(e))
    }

    /// [`JwtManager::create_token_pair_with`] with default options (the
    /// access token is not fresh).
    pub fn create_token_pair(&self, identity: impl Serialize) -> Result<TokenPair, Rejection> {
        self.create_token_pair_with(identity, TokenOptions::new())
    }

    fn pair_in_family(
        &self,
        identity: &Value,
        family: &str,
        access: TokenOptions,
        refresh_jti: Option<&str>,
    ) -> Result<TokenPair, JwtError> {
        let access = access.claim(FAMILY_CLAIM, family);
        let access_token = self.mint(identity, TokenKind::Access, access)?;
        let mut refresh = TokenOptions::new().claim(FAMILY_CLAIM, family);
        if let Some(jti) = refresh_jti {
            refresh = refresh.claim("jti", jti);
        }
        let refresh_token = self.mint(identity, TokenKind::Refresh, refresh)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
        })
    }

    /// Rotates a refresh token: marks it as exchanged and returns a new
    /// (not fresh) access token and a new refresh token in the same family,
    /// for the same identity (the identity claim, passed through the
    /// user-identity loader as Flask's refresh endpoints do with
    /// `get_jwt_identity()`).
    ///
    /// If the token was already exchanged, this is a reuse: the whole family
    /// is revoked and the error is [`JwtError::RefreshTokenReused`] (401).
    /// A store failure is [`JwtError::RevocationUnavailable`] (503) even when
    /// the manager fails open, since rotation cannot work without the store.
    ///
    /// ```no_run
    /// use actix_jwt_extended::{JwtManager, Rejection, jwt_refresh_required};
    /// use actix_web::{HttpResponse, post};
    ///
    /// #[post("/refresh")]
    /// #[jwt_refresh_required]
    /// async fn refresh(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    ///     let pair = jwt.rotate_refresh_token(&current_token).await?;
    ///     Ok(HttpResponse::Ok().json(pair))
    /// }
    /// ```
    pub async fn rotate_refresh_token(&self, token: &DecodedToken) -> Result<TokenPair, Rejection> {
        let inner = &self.inner;
        let reject = |error| self.reject(Rejection::with_token(error, Arc::new(token.clone())));
        let now = inner.clock.now_f64();
        let family =
            revocation::exchange(&inner.revocation, inner.retention, &inner.audit, token, now)
                .await
                .map_err(reject)?;
        self.pair_in_family(token.identity(), &family, TokenOptions::new(), None)
            .map_err(reject)
    }

    // --- Verifying tokens ------------------------------------------------

    /// Fully verifies an encoded token (signature, algorithm, time claims,
    /// audience, issuer, identity) without the request-level checks (type,
    /// freshness, revocation, loaders) — Flask-JWT-Extended's `decode_token`.
    ///
    /// It always verifies in full: the verified-token cache serves requests
    /// only.
    pub fn decode_token(&self, encoded: &str) -> Result<DecodedToken, Rejection> {
        self.decode_at(encoded, self.inner.clock.now_f64(), Expiry::Checked)
            .map_err(|r| r.rendered_by(&self.inner.renderer))
    }

    /// Flask-JWT-Extended's `decode_token(encoded_token, csrf_value,
    /// allow_expired)`: [`JwtManager::decode_token`], optionally accepting
    /// an expired token and checking the `csrf` claim against a submitted
    /// value (see [`DecodeOptions`]).
    pub fn decode_token_with(
        &self,
        encoded: &str,
        options: DecodeOptions,
    ) -> Result<DecodedToken, Rejection> {
        let inner = &self.inner;
        let now = inner.clock.now_f64();
        let decoded = match options.allows_expired() {
            false => self.decode_at(encoded, now, Expiry::Checked),
            true => self.decode_at(encoded, now, Expiry::Ignored),
        };
        let submitted = options.csrf().map(str::as_bytes);
        csrf::check_decoded(decoded.map(Arc::new), submitted)
            .map(Arc::unwrap_or_clone)
            .map_err(|r| r.rendered_by(&inner.renderer))
    }

    /// `get_jti(encoded_token)`: the `jti` of a token, after full
    /// verification (`None` for a token minted elsewhere without one).
    pub fn get_jti(&self, encoded: &str) -> Result<Option<String>, Rejection> {
        Ok(self.decode_token(encoded)?.jti().map(str::to_owned))
    }

    /// `get_unverified_jwt_headers(encoded_token)`: the JOSE header of a
    /// token **without verifying it** — e.g. to read its `kid` before
    /// choosing a key. Only the format is checked (three base64url
    /// segments, a JSON-object header, a string `kid`).
    pub fn get_unverified_jwt_headers(
        &self,
        encoded: &str,
    ) -> Result<Map<String, Value>, Rejection> {
        decode::unverified_header(encoded).map_err(|r| r.rendered_by(&self.inner.renderer))
    }

    /// The full verification at time `now` (with `expiry`), with the key set (a
    /// decode-key loader's key is only used by requests and by
    /// [`JwtManager::decode_token`] when the loader answers at once).
    pub(crate) fn decode_at(
        &self,
        encoded: &str,
        now: f64,
        expiry: Expiry,
    ) -> Result<DecodedToken, Rejection> {
        let inner = &self.inner;
        if inner.loaders.tokens.decode_key.is_some() {
            return self
                .verify_at(encoded, now, expiry)
                .now_or_never()
                .unwrap_or_else(|| Err(JwtError::KeysUnavailable.into()));
        }
        self.decode_with(&inner.keys.load(), encoded, now, expiry)
    }

    /// The full verification at time `now` of a request's token: with a
    /// decode-key loader, with the key it chooses; else with the key set,
    /// where a token whose key is unknown makes a remote key source refetch
    /// its keys (at most once per cool-down) before it is verified again.
    pub(crate) async fn verify_at(
        &self,
        encoded: &str,
        now: f64,
        expiry: Expiry,
    ) -> Result<DecodedToken, Rejection> {
        let inner = &self.inner;
        if let Some(loader) = &inner.loaders.tokens.decode_key {
            let (header, claims) = decode::unverified(encoded, &inner.config)?;
            let kid = header
                .get("kid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(key) = loader(&header, &claims).await else {
                return Err(JwtError::UnknownKeyId(kid.chars().take(64).collect()).into());
            };
            let keys = inner.keys.single(&key).map_err(|reason| {
                tracing::error!(target: "actix_jwt_extended", %reason, "the decode key loader's key is unusable");
                Rejection::from(JwtError::InvalidSignature)
            })?;
            return self.decode_with(&keys, encoded, now, expiry);
        }
        let first = self.decode_with(&inner.keys.load(), encoded, now, expiry);
        #[cfg(feature = "remote-jwks")]
        if let (Err(rejection), Some(remote)) = (&first, &self.inner.remote)
            && matches!(
                rejection.error(),
                JwtError::UnknownKeyId(_) | JwtError::KeysUnavailable
            )
            && remote.refetch().await
        {
            return self.decode_with(&inner.keys.load(), encoded, now, expiry);
        }
        first
    }

    /// One decoding of `encoded` with `keys` and the manager's settings and
    /// clock.
    fn decode_with(
        &self,
        keys: &KeySet,
        encoded: &str,
        now: f64,
        expiry: Expiry,
    ) -> Result<DecodedToken, Rejection> {
        let inner = &self.inner;
        decode::decode(keys, &inner.config, encoded, now, &inner.clock, expiry)
    }

    // --- Keys ------------------------------------------------------------

    /// Adds a verification key to the key set, at once for every worker;
    /// returns its key id (the one given, or a public key's RFC 7638
    /// thumbprint). Tokens whose `kid` names it verify with it from now on.
    pub fn add_key(&self, key: Key) -> Result<Option<String>, ConfigError> {
        self.inner
            .keys
            .add(&key, self.inner.clock.now_f64())
            .map_err(ConfigError::InvalidKey)
    }

    /// Rotates the signing key, at once for every worker: new tokens are
    /// signed with `key` (and carry its key id); the key that signed until
    /// now keeps verifying the tokens it signed until they have all expired
    /// (the longest configured lifetime plus the leeway), then it is
    /// retired — or until [removed](JwtManager::remove_key). Returns the new
    /// key id. `key` must be able to sign: a secret, or a key pair.
    ///
    /// ```
    /// # #[cfg(feature = "aws-lc-rs")] {
    /// use actix_jwt_extended::{Algorithm, JwtManager, Key};
    ///
    /// let first = Key::generate(Algorithm::ES256).unwrap();
    /// let jwt = JwtManager::builder()
    ///     .algorithm(Algorithm::ES256)
    ///     .private_key_pem(first.private_pem().unwrap())
    ///     .add_key(first)
    ///     .build()
    ///     .unwrap();
    /// let old = jwt.create_access_token("alice").unwrap();
    /// let kid = jwt.rotate_signing_key(Key::generate(Algorithm::ES256).unwrap()).unwrap();
    /// let new = jwt.create_access_token("alice").unwrap();
    /// assert_eq!(jwt.decode_token(&new).unwrap().header()["kid"], kid.unwrap());
    /// assert!(jwt.decode_token(&old).is_ok(), "the old key still verifies");
    /// # }
    /// ```
    pub fn rotate_signing_key(&self, key: Key) -> Result<Option<String>, ConfigError> {
        let now = self.inner.clock.now_f64();
        let retire_at = self.inner.config.longest_lifetime().map(|longest| {
            now + longest.as_secs_f64() + self.inner.config.decode_leeway.as_secs_f64() + 1.0
        });
        self.inner
            .keys
            .rotate_signing(&key, retire_at, now)
            .map_err(ConfigError::InvalidKey)
    }

    /// Removes the keys with this key id from the key set, at once for every
    /// worker (the verified-token cache is emptied too); `Ok(false)` when
    /// there was none. The signing key cannot be removed: rotate first.
    pub fn remove_key(&self, kid: &str) -> Result<bool, ConfigError> {
        let removed = self
            .inner
            .keys
            .remove(kid)
            .map_err(ConfigError::InvalidKey)?;
        if removed {
            self.clear_verified_token_cache();
        }
        Ok(removed)
    }

    /// The keys of the key set, with their ids and whether they sign, are
    /// retired or came from a remote JWKS.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.inner.keys.prune(self.inner.clock.now_f64());
        self.inner.keys.info()
    }

    /// The public keys of the key set as a JWKS document (RFC 7517):
    /// `{"keys": [{"kty", "kid", "use": "sig", "alg", …}]}` — the live local
    /// public keys (retired ones until their retirement), never a secret,
    /// never a key fetched from a remote JWKS. Served by
    /// [`JwksEndpoint`](crate::JwksEndpoint).
    pub fn jwks(&self) -> Value {
        let now = self.inner.clock.now_f64();
        self.inner.keys.prune(now);
        self.inner.keys.load().public_jwks(now)
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
        self.inner.cache.as_deref().map(TokenCacheHandle::stats)
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

    // --- Answering -------------------------------------------------------

    /// The response to an error: the registered response loader for its
    /// class, or `{"<JWT_ERROR_MESSAGE_KEY>": "<message>"}` with its status;
    /// plus the `WWW-Authenticate` challenge of JWT_WWW_AUTHENTICATE, if any,
    /// when the response does not set that header itself. Takes a
    /// [`Rejection`] or a [`JwtError`].
    pub fn error_response(&self, error: impl Into<Rejection>) -> HttpResponse {
        self.reject(error).render()
    }

    /// The `WWW-Authenticate` challenge this manager adds to the response for
    /// `error` (see JWT_WWW_AUTHENTICATE), for response loaders and custom
    /// guards that build their own responses.
    pub fn challenge(&self, error: &JwtError) -> Option<Challenge> {
        self.inner.renderer.challenge(error)
    }

    // --- Cookies ---------------------------------------------------------

    /// `get_csrf_token`: the `csrf` claim of an encoded token, after full
    /// verification — for set-ups with JWT_CSRF_IN_COOKIES off that hand the
    /// value to the front end another way.
    pub fn get_csrf_token(&self, encoded: &str) -> Result<String, Rejection> {
        let token = self.decode_token(encoded)?;
        match token.claim("csrf").and_then(Value::as_str) {
            Some(csrf) => Ok(csrf.to_owned()),
            None => Err(self.reject(JwtError::MissingClaim("csrf".to_owned()))),
        }
    }

    /// `set_access_cookies`: stores an access token in the
    /// JWT_ACCESS_COOKIE_NAME cookie (HttpOnly) and, with
    /// JWT_COOKIE_CSRF_PROTECT and JWT_CSRF_IN_COOKIES, its `csrf` claim in
    /// the JWT_ACCESS_CSRF_COOKIE_NAME cookie (readable by JavaScript).
    ///
    /// ```
    /// use actix_jwt_extended::{CookieOptions, JwtManager, Rejection};
    /// use actix_web::HttpResponse;
    ///
    /// async fn login(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    ///     let token = jwt.create_access_token("alice")?;
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
    ) -> Result<(), Rejection> {
        self.set_cookies(response, TokenKind::Access, token, &options)
    }

    /// `set_refresh_cookies`: as [`JwtManager::set_access_cookies`], with the
    /// refresh cookie names and paths.
    pub fn set_refresh_cookies(
        &self,
        response: &mut impl CookieSink,
        token: &str,
        options: CookieOptions,
    ) -> Result<(), Rejection> {
        self.set_cookies(response, TokenKind::Refresh, token, &options)
    }

    fn set_cookies(
        &self,
        response: &mut impl CookieSink,
        kind: TokenKind,
        token: &str,
        options: &CookieOptions,
    ) -> Result<(), Rejection> {
        let config = self.config();
        let csrf = match cookies::with_csrf_cookies(config) {
            true => Some(self.get_csrf_token(token)?),
            false => None,
        };
        let now = self.inner.clock.now();
        let headers = cookies::set_cookies(config, kind, token, csrf.as_deref(), options, now)
            .map_err(|e| self.reject(e))?;
        headers
            .into_iter()
            .for_each(|value| response.append_set_cookie(value));
        Ok(())
    }

    /// `unset_access_cookies`: expires the access cookie (and its CSRF
    /// companion) with an empty value, the same name, path and domain, and
    /// `Expires=Thu, 01 Jan 1970 00:00:00 GMT`. `domain` overrides
    /// JWT_COOKIE_DOMAIN.
    pub fn unset_access_cookies(
        &self,
        response: &mut impl CookieSink,
        domain: Option<&str>,
    ) -> Result<(), Rejection> {
        self.unset_cookies(response, &[TokenKind::Access], domain)
    }

    /// `unset_refresh_cookies`: as [`JwtManager::unset_access_cookies`] for
    /// the refresh cookies.
    pub fn unset_refresh_cookies(
        &self,
        response: &mut impl CookieSink,
        domain: Option<&str>,
    ) -> Result<(), Rejection> {
        self.unset_cookies(response, &[TokenKind::Refresh], domain)
    }

    /// `unset_jwt_cookies`: unsets the access and the refresh cookies.
    pub fn unset_jwt_cookies(
        &self,
        response: &mut impl CookieSink,
        domain: Option<&str>,
    ) -> Result<(), Rejection> {
        self.unset_cookies(response, &[TokenKind::Access, TokenKind::Refresh], domain)
    }

    fn unset_cookies(
        &self,
        response: &mut impl CookieSink,
        kinds: &[TokenKind],
        domain: Option<&str>,
    ) -> Result<(), Rejection> {
        let mut headers = Vec::new();
        for &kind in kinds {
            headers.extend(
                cookies::unset_cookies(self.config(), kind, domain).map_err(|e| self.reject(e))?,
            );
        }
        headers
            .into_iter()
            .for_each(|value| response.append_set_cookie(value));
        Ok(())
    }

    // --- Revocation ------------------------------------------------------

    /// Revokes one token by its `jti`, until it expires. Later requests
    /// with it get 401 `{"msg": "Token has been revoked"}`. To log a user
    /// out, prefer [`JwtManager::revoke_session`], which also ends the
    /// refresh token of that login.
    ///
    /// Errors: [`JwtError::MissingClaim`] for a token without `jti`,
    /// [`JwtError::RevocationUnavailable`] when the store fails or does not
    /// answer within the revocation timeout.
    pub async fn revoke_token(&self, token: &DecodedToken) -> Result<(), Rejection> {
        let inner = &self.inner;
        check::revoke(&inner.revocation, inner.retention, &inner.audit, token)
            .await
            .map_err(|e| self.reject(e))?;
        inner.audit.emit(AuditEvent::Revoked {
            token_type: Some(token.kind()),
            identity: token.identity(),
            jti: token.jti(),
        });
        Ok(())
    }

    /// Logs out **this device**: revokes the session `token` belongs to —
    /// the access and refresh tokens of one login, and every pair rotated
    /// from them — so that the session's refresh token no longer rotates.
    /// Sessions are rotation families: tokens created by
    /// [`JwtManager::create_token_pair`] (at login) and
    /// [`JwtManager::rotate_refresh_token`] carry one. Other logins of the
    /// same identity (other devices) stay valid; see
    /// [`JwtManager::revoke_all_tokens`] for every device.
    ///
    /// A token created alone by `create_access_token` or
    /// `create_refresh_token` belongs to no session (nothing links it to
    /// the other token of that login): it is revoked by its `jti`, and a
    /// refresh token also revokes every token rotated from it. Log such a
    /// client out by revoking both of its tokens (e.g. a logout route with
    /// `verify_type = false` called once with each).
    ///
    /// ```
    /// use actix_jwt_extended::{JwtManager, Rejection, jwt_required};
    /// use actix_web::{HttpResponse, delete};
    ///
    /// #[delete("/logout")]
    /// #[jwt_required(verify_type = false)]
    /// async fn logout(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    ///     jwt.revoke_session(&current_token).await?;
    ///     Ok(HttpResponse::Ok().json(serde_json::json!({"msg": "Logged out"})))
    /// }
    /// ```
    ///
    /// Errors: [`JwtError::MissingClaim`] for a token with neither a family
    /// nor a `jti`, [`JwtError::RevocationUnavailable`] when the store fails
    /// or does not answer within the revocation timeout.
    pub async fn revoke_session(&self, token: &DecodedToken) -> Result<(), Rejection> {
        let inner = &self.inner;
        let now = inner.clock.now_f64();
        check::revoke_session(&inner.revocation, inner.retention, &inner.audit, token, now)
            .await
            .map_err(|e| self.reject(e))?;
        inner.audit.emit(AuditEvent::Revoked {
            token_type: Some(token.kind()),
            identity: token.identity(),
            jti: token.jti(),
        });
        Ok(())
    }

    /// Logs out **every device**: revokes every token of `identity` (the
    /// value of the identity claim, e.g. `current_token.identity()`) issued
    /// until now, whatever session it belongs to. See
    /// [`JwtManager::revoke_session`] for this device only.
    ///
    /// Tokens carry their issue time in whole seconds, so the cut-off is the
    /// start of the next second: this method returns once that second has
    /// begun (at most one second later), so that every token created after
    /// it returns is valid, and every token created before it was called is
    /// revoked. The cut-off is remembered for the longest configured token
    /// lifetime (for ever if a lifetime is [`Expires::Never`](crate::Expires::Never)).
    pub async fn revoke_all_tokens(&self, identity: impl Serialize) -> Result<(), Rejection> {
        let inner = &self.inner;
        let identity = encode::identity_value(identity).map_err(|e| self.reject(e))?;
        let now = inner.clock.now_f64();
        let cutoff = now.floor() as i64 + 1;
        check::revoke_issued_before(
            &inner.revocation,
            inner.retention,
            &inner.audit,
            &identity_key(&identity),
            cutoff,
            now,
        )
        .await
        .map_err(|e| self.reject(e))?;
        inner.audit.emit(AuditEvent::Revoked {
            token_type: None,
            identity: &identity,
            jti: None,
        });
        inner.clock.wait_until(cutoff as f64).await;
        Ok(())
    }

    /// Whether `token` is revoked, as the pipeline's revocation step would
    /// judge it (store and `token_in_blocklist_loader`), without the
    /// fail-open setting: a store failure is an error.
    pub async fn is_token_revoked(&self, token: &DecodedToken) -> Result<bool, Rejection> {
        let inner = &self.inner;
        let current = CurrentToken::unlocated(Arc::new(token.clone()));
        check::is_revoked(
            &inner.revocation,
            &inner.audit,
            inner.loaders.tokens.token_in_blocklist.as_ref(),
            &current,
        )
        .await
        .map_err(|e| self.reject(e))
    }
}
