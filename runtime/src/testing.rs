//! The testing kit (feature `testing`, for `[dev-dependencies]`): tokens of
//! any kind, claims and lifetime minted by the application's own manager,
//! attached to an [`actix_web::test::TestRequest`] the way a client sends
//! them, and a [`ManualClock`] to move time instead of sleeping.
//!
//! ```
//! use std::time::Duration;
//! use actix_jwt_extended::testing::{ManualClock, TestRequestExt, TestTokens};
//! use actix_jwt_extended::{JwtManager, jwt_required};
//! use actix_web::{App, HttpResponse, get, test};
//!
//! #[get("/admin")]
//! #[jwt_required]
//! async fn admin() -> HttpResponse {
//!     match current_token.claim("role").and_then(|r| r.as_str()) {
//!         Some("admin") => HttpResponse::Ok().finish(),
//!         _ => HttpResponse::Forbidden().finish(),
//!     }
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let clock = ManualClock::new();
//! let jwt = JwtManager::builder().secret_key("k").clock(&clock).build().unwrap();
//! let app = test::init_service(App::new().app_data(jwt.clone()).service(admin)).await;
//!
//! let tokens = TestTokens::new(&jwt);
//! let admin_token = tokens.access("alice").claim("role", "admin").mint();
//! let req = test::TestRequest::get().uri("/admin").jwt_header(&admin_token);
//! assert_eq!(test::call_service(&app, req.to_request()).await.status(), 200);
//!
//! clock.advance(Duration::from_secs(15 * 60)); // the default lifetime
//! let req = test::TestRequest::get().uri("/admin").jwt_header(&admin_token);
//! let resp = test::call_service(&app, req.to_request()).await;
//! assert_eq!(resp.status(), 401);
//! let body: serde_json::Value = test::read_body_json(resp).await;
//! assert_eq!(body["msg"], "Token has expired");
//! # });
//! ```
//!
//! The manager's settings decide how a token travels: JWT_HEADER_NAME and
//! JWT_HEADER_TYPE, the cookie and CSRF names, JWT_QUERY_STRING_NAME and its
//! prefix, the JSON keys. See `docs/testing.md`.

use std::fmt;

use actix_web::cookie::Cookie;
use actix_web::http::header::HeaderName;
use actix_web::test::TestRequest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::Expires;
use crate::encode::{Fresh, TokenOptions};
use crate::kind::TokenKind;
use crate::manager::JwtManager;

pub use crate::time::ManualClock;

/// Mints test tokens with the application's manager (its keys, settings,
/// loaders and clock).
#[derive(Debug, Clone)]
pub struct TestTokens {
    manager: JwtManager,
}

impl TestTokens {
    /// Tokens of `manager` — the one the app under test registers.
    pub fn new(manager: &JwtManager) -> Self {
        Self {
            manager: manager.clone(),
        }
    }

    /// An access token for `identity`, to adjust and [`mint`](Mint::mint).
    pub fn access(&self, identity: impl Serialize) -> Mint {
        self.mint(TokenKind::Access, identity)
    }

    /// A refresh token for `identity`, to adjust and [`mint`](Mint::mint).
    pub fn refresh(&self, identity: impl Serialize) -> Mint {
        self.mint(TokenKind::Refresh, identity)
    }

    /// The access and refresh token of one login (a session: see
    /// [`JwtManager::create_token_pair`]).
    ///
    /// # Panics
    ///
    /// When the manager cannot create them (an identity that does not
    /// serialise to JSON).
    pub fn pair(&self, identity: impl Serialize) -> (TestToken, TestToken) {
        let pair = self
            .manager
            .create_token_pair(identity)
            .unwrap_or_else(|rejection| panic!("could not mint a test token pair: {rejection}"));
        (
            TestToken::new(&self.manager, pair.access_token),
            TestToken::new(&self.manager, pair.refresh_token),
        )
    }

    fn mint(&self, kind: TokenKind, identity: impl Serialize) -> Mint {
        Mint {
            manager: self.manager.clone(),
            kind,
            identity: serde_json::to_value(identity),
            options: TokenOptions::new(),
        }
    }
}

/// A test token being made: the options of
/// [`JwtManager::create_access_token_with`] plus shortcuts for tests.
#[derive(Debug)]
#[must_use = "call .mint() to create the token"]
pub struct Mint {
    manager: JwtManager,
    kind: TokenKind,
    identity: Result<Value, serde_json::Error>,
    options: TokenOptions,
}

impl Mint {
    /// Adds a claim at the top level of the payload; it may replace any
    /// reserved claim (`type`, `exp`, `jti`, `sub`, …).
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options = self.options.claim(name, value);
        self
    }

    /// Adds every entry of a JSON object as a claim.
    pub fn claims(mut self, claims: Value) -> Self {
        self.options = self.options.claims(claims);
        self
    }

    /// Adds a JOSE header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options = self.options.header(name, value);
        self
    }

    /// Freshness of an access token: `true`, or a
    /// [`Duration`](std::time::Duration).
    pub fn fresh(mut self, fresh: impl Into<Fresh>) -> Self {
        self.options = self.options.fresh(fresh);
        self
    }

    /// Lifetime: a [`Duration`](std::time::Duration) or [`Expires::Never`], from the manager's
    /// clock.
    pub fn expires(mut self, expires: impl Into<Expires>) -> Self {
        self.options = self.options.expires(expires);
        self
    }

    /// Already expired: issued by the manager's clock, with an `exp` one
    /// second before it (beyond JWT_DECODE_LEEWAY).
    pub fn expired(self) -> Self {
        let clock = &self.manager.inner.clock;
        let leeway = self.manager.config().decode_leeway.as_secs_f64().ceil() as i64;
        let exp = clock.now_secs() - leeway - 1;
        self.claim("exp", exp)
    }

    /// Creates the token.
    ///
    /// # Panics
    ///
    /// When the manager cannot create it (an identity or a claim that does
    /// not serialise to JSON): a mistake in the test.
    pub fn mint(self) -> TestToken {
        let identity = self
            .identity
            .unwrap_or_else(|error| panic!("could not mint a test token: {error}"));
        let encoded = match self.kind {
            TokenKind::Access => self
                .manager
                .create_access_token_with(identity, self.options),
            TokenKind::Refresh => self
                .manager
                .create_refresh_token_with(identity, self.options),
        }
        .unwrap_or_else(|rejection| panic!("could not mint a test token: {rejection}"));
        TestToken::new(&self.manager, encoded)
    }
}

/// A token minted for a test, with what a client needs to send it as the
/// manager expects: in the header, in cookies with their CSRF value, in the
/// query string or in a JSON body. `Display` and `as_str` give the encoded
/// token.
#[derive(Debug, Clone)]
pub struct TestToken {
    manager: JwtManager,
    encoded: String,
    kind: TokenKind,
    csrf: Option<String>,
}

impl TestToken {
    /// Wraps an encoded token (from any issuer) for sending to the app of
    /// `manager`. Its kind and CSRF value are read from its payload, without
    /// verification.
    pub fn new(manager: &JwtManager, encoded: impl Into<String>) -> Self {
        let encoded = encoded.into();
        let claims = unverified_claims(&encoded);
        let kind = match claims.get("type").and_then(Value::as_str) {
            Some(kind) => TokenKind::of_type_claim(kind),
            None => TokenKind::Access,
        };
        let csrf = claims
            .get("csrf")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            manager: manager.clone(),
            encoded,
            kind,
            csrf,
        }
    }

    /// The encoded token.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// Access or refresh (its `type` claim).
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Its `csrf` claim, which a cookie client echoes.
    pub fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }

    /// The header that carries it: `(JWT_HEADER_NAME, "<JWT_HEADER_TYPE>
    /// <token>")`, e.g. `("authorization", "Bearer eyJ…")`.
    pub fn header(&self) -> (HeaderName, String) {
        let config = self.manager.config();
        let value = match config.header_type.as_str() {
            "" => self.encoded.clone(),
            scheme => format!("{scheme} {}", self.encoded),
        };
        (self.manager.inner.header_name.clone(), value)
    }

    /// The cookie that carries it (JWT_ACCESS_COOKIE_NAME or
    /// JWT_REFRESH_COOKIE_NAME).
    pub fn cookie(&self) -> Cookie<'static> {
        let names = self.manager.config().names(self.kind);
        Cookie::new(names.cookie.to_owned(), self.encoded.clone())
    }

    /// The CSRF companion cookie and the CSRF header a browser client sends
    /// with a cookie token, when the token has a `csrf` claim.
    pub fn csrf_cookie_and_header(&self) -> Option<(Cookie<'static>, (HeaderName, String))> {
        let csrf = self.csrf.as_ref()?;
        let names = self.manager.config().names(self.kind);
        let header = HeaderName::try_from(names.csrf_header).ok()?;
        Some((
            Cookie::new(names.csrf_cookie.to_owned(), csrf.clone()),
            (header, csrf.clone()),
        ))
    }

    /// `<JWT_QUERY_STRING_NAME>=<prefix><token>`, URL-encoded, to append
    /// to a URI's query.
    pub fn query(&self) -> String {
        let config = self.manager.config();
        let value = format!("{}{}", config.query_string_value_prefix, self.encoded);
        form_urlencoded::Serializer::new(String::new())
            .append_pair(&config.query_string_name, &value)
            .finish()
    }

    /// `uri` with the token added to its query string.
    pub fn uri_with_query(&self, uri: &str) -> String {
        let separator = if uri.contains('?') { '&' } else { '?' };
        format!("{uri}{separator}{}", self.query())
    }

    /// The JSON body that carries it: `{"<JWT_JSON_KEY>": "<token>"}` (the
    /// refresh key for a refresh token), merged into `body` when that is an
    /// object.
    pub fn json_body(&self, body: Value) -> Value {
        let key = self.manager.config().names(self.kind).json_key;
        let mut object = match body {
            Value::Object(object) => object,
            _ => Map::new(),
        };
        object.insert(key.to_owned(), Value::from(self.encoded.clone()));
        Value::Object(object)
    }
}

impl fmt::Display for TestToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

impl AsRef<str> for TestToken {
    fn as_ref(&self) -> &str {
        &self.encoded
    }
}

/// The payload of a token, without verification; empty when unreadable.
fn unverified_claims(encoded: &str) -> Map<String, Value> {
    encoded
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Attaching a [`TestToken`] to an [`actix_web::test::TestRequest`].
pub trait TestRequestExt: Sized {
    /// In the header (JWT_HEADER_NAME / JWT_HEADER_TYPE).
    fn jwt_header(self, token: &TestToken) -> Self;

    /// In its cookie, with its CSRF companion cookie and the CSRF header a
    /// browser client echoes (so that `POST` & co. pass the double submit).
    fn jwt_cookies(self, token: &TestToken) -> Self;

    /// In the query string of `uri` (which replaces the request's URI).
    fn jwt_query(self, uri: &str, token: &TestToken) -> Self;

    /// As the JSON body `{"<JWT_JSON_KEY>": "<token>"}`.
    fn jwt_json(self, token: &TestToken) -> Self;

    /// In the JSON body `body`, under JWT_JSON_KEY (JWT_REFRESH_JSON_KEY for
    /// a refresh token).
    fn jwt_json_with(self, token: &TestToken, body: Value) -> Self;
}

impl TestRequestExt for TestRequest {
    fn jwt_header(self, token: &TestToken) -> Self {
        self.insert_header(token.header())
    }

    fn jwt_cookies(self, token: &TestToken) -> Self {
        let request = self.cookie(token.cookie());
        match token.csrf_cookie_and_header() {
            Some((cookie, header)) => request.cookie(cookie).insert_header(header),
            None => request,
        }
    }

    fn jwt_query(self, uri: &str, token: &TestToken) -> Self {
        self.uri(&token.uri_with_query(uri))
    }

    fn jwt_json(self, token: &TestToken) -> Self {
        self.jwt_json_with(token, Value::Object(Map::new()))
    }

    fn jwt_json_with(self, token: &TestToken, body: Value) -> Self {
        self.set_json(token.json_body(body))
    }
}
