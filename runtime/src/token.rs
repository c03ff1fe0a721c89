//! A verified token as the handler sees it: `current_token`.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::claims::{lookup, whole_seconds};
use crate::config::TokenLocation;
use crate::error::JwtError;
use crate::kind::TokenKind;
use crate::time::Clock;

/// A token that passed decoding and verification, with its claims filled in
/// as Flask-JWT-Extended does for tokens from other issuers (`type` defaults to
/// `"access"`, `fresh` to `false`, `jti` to `null`).
#[derive(Clone, PartialEq)]
pub struct DecodedToken {
    pub(crate) header: Arc<Map<String, Value>>,
    pub(crate) claims: Map<String, Value>,
    pub(crate) encoded: String,
    pub(crate) identity_claim: String,
    /// The clock of the manager that decoded it, for [`DecodedToken::is_fresh`].
    pub(crate) clock: Clock,
}

impl fmt::Debug for DecodedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the encoded token: it is a bearer credential.
        f.debug_struct("DecodedToken")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl DecodedToken {
    /// The JOSE header (`{"alg": …, "typ": "JWT", …}`).
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// Every claim of the payload (`get_jwt()` in Flask-JWT-Extended).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// One claim by name.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        lookup(&self.claims, name)
    }

    /// The claims deserialised into your own type.
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.claims.clone()))
    }

    /// The identity: the value of the identity claim (JWT_IDENTITY_CLAIM,
    /// `sub` by default) — `get_jwt_identity()`.
    pub fn identity(&self) -> &Value {
        self.claim(&self.identity_claim).unwrap_or(&Value::Null)
    }

    /// The identity as a string, when it is one (it always is while
    /// JWT_VERIFY_SUB is on and the identity claim is `sub`).
    pub fn sub(&self) -> Option<&str> {
        self.identity().as_str()
    }

    /// The `type` claim: `"access"`, `"refresh"` or a custom type.
    pub fn token_type(&self) -> &str {
        self.claim("type")
            .and_then(Value::as_str)
            .unwrap_or("access")
    }

    /// The kind of token: a refresh token, or an access token (any other
    /// `type`).
    pub fn kind(&self) -> TokenKind {
        TokenKind::of_type_claim(self.token_type())
    }

    /// Whether this is a refresh token.
    pub fn is_refresh(&self) -> bool {
        self.kind() == TokenKind::Refresh
    }

    /// The raw `fresh` claim: `true`/`false`, or a timestamp until which the
    /// token counts as fresh.
    pub fn fresh(&self) -> &Value {
        self.claim("fresh").unwrap_or(&Value::Bool(false))
    }

    /// Whether the token is fresh now (by the manager's clock): `fresh` is
    /// `true`, or a timestamp that has not passed.
    pub fn is_fresh(&self) -> bool {
        match self.fresh() {
            Value::Bool(fresh) => *fresh,
            Value::Number(until) => until
                .as_f64()
                .is_some_and(|until| until >= self.clock.now_f64()),
            _ => false,
        }
    }

    /// The token's unique id (`jti`), if it has one.
    pub fn jti(&self) -> Option<&str> {
        self.claim("jti").and_then(Value::as_str)
    }

    /// Expiry as a UNIX timestamp, if the token expires.
    pub fn exp(&self) -> Option<i64> {
        self.numeric("exp")
    }

    /// Issue time as a UNIX timestamp, if present.
    pub fn iat(&self) -> Option<i64> {
        self.numeric("iat")
    }

    /// The `scope` claim, if present (Flask-PyJWT's `scope`).
    pub fn scope(&self) -> Option<&Value> {
        self.claim("scope")
    }

    /// The encoded token as it was received (Flask-PyJWT's `signed`).
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    fn numeric(&self, name: &str) -> Option<i64> {
        whole_seconds(self.claim(name)?)
    }
}

/// The token of the current request, bound as `current_token` in handlers
/// protected by `#[jwt_required]` and its siblings. Cheap to clone.
///
/// It dereferences to [`DecodedToken`] for the claims, and adds where the
/// token was found and the user loaded by the manager's user-lookup loader.
/// It is also an extractor (a valid access token), for handlers without an
/// attribute.
///
/// ```
/// use actix_jwt_extended::{CurrentToken, TokenLocation, jwt_required};
/// use actix_web::{HttpResponse, get, web};
/// use serde_json::json;
///
/// #[get("/token")]
/// #[jwt_required]
/// async fn token_info() -> HttpResponse {
///     HttpResponse::Ok().json(json!({
///         "identity": current_token.identity(),       // get_jwt_identity()
///         "claims": current_token.claims(),           // get_jwt()
///         "role": current_token.claim("role"),
///         "header": current_token.header(),           // get_jwt_header()
///         "type": current_token.token_type(),
///         "fresh": current_token.is_fresh(),
///         "jti": current_token.jti(),
///         "from_cookie": current_token.location() == Some(TokenLocation::Cookies),
///     }))
/// }
///
/// // The same, as a plain extractor.
/// async fn identity(token: CurrentToken) -> HttpResponse {
///     HttpResponse::Ok().json(json!({ "identity": token.identity() }))
/// }
/// # let _ = web::get().to(identity);
/// ```
#[derive(Clone)]
pub struct CurrentToken {
    pub(crate) token: Arc<DecodedToken>,
    pub(crate) location: Option<TokenLocation>,
    pub(crate) user: Option<Arc<dyn Any + Send + Sync>>,
}

impl fmt::Debug for CurrentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentToken")
            .field("token", &self.token)
            .field("location", &self.location)
            .field("has_user", &self.user.is_some())
            .finish()
    }
}

impl std::ops::Deref for CurrentToken {
    type Target = DecodedToken;

    fn deref(&self) -> &DecodedToken {
        &self.token
    }
}

impl CurrentToken {
    pub(crate) fn new(token: Arc<DecodedToken>, location: TokenLocation) -> Self {
        Self {
            token,
            location: Some(location),
            user: None,
        }
    }

    /// A verified token that did not come with a request.
    pub(crate) fn unlocated(token: Arc<DecodedToken>) -> Self {
        Self {
            token,
            location: None,
            user: None,
        }
    }

    /// The placeholder bound when a protected handler runs without a token
    /// because the request is a CORS preflight (`OPTIONS`), which
    /// Flask-JWT-Extended exempts from verification. It has no claims, an
    /// identity of `null`, and [`CurrentToken::is_verified`] is false.
    pub fn preflight() -> Self {
        Self {
            token: Arc::new(DecodedToken {
                header: Arc::default(),
                claims: Map::new(),
                encoded: String::new(),
                identity_claim: "sub".to_owned(),
                clock: Clock::default(),
            }),
            location: None,
            user: None,
        }
    }

    /// False only for the [`CurrentToken::preflight`] placeholder.
    pub fn is_verified(&self) -> bool {
        self.location.is_some()
    }

    /// Where the token was found (`get_jwt_request_location()`); `None` for
    /// the preflight placeholder.
    pub fn location(&self) -> Option<TokenLocation> {
        self.location
    }

    /// The decoded token.
    pub fn token(&self) -> &DecodedToken {
        &self.token
    }
}

/// `current_token` of a handler with a claims type (`#[require_token(claims =
/// MyClaims)]` or a `current_token: TypedToken<MyClaims>` parameter): the
/// claims deserialised once into your type, as the field
/// [`typed`](TypedToken::typed), plus everything [`CurrentToken`] offers
/// (`claims()` stays the JSON map of every claim, as on any token).
///
/// It is an extractor on its own too, like [`CurrentToken`]: it requires a
/// valid access token whose claims deserialise into `C` (422 naming the
/// claim otherwise).
///
/// ```
/// use actix_jwt_extended::TypedToken;
/// use actix_web::{HttpResponse, web};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Claims {
///     sub: String,
///     role: String,
/// }
///
/// async fn me(token: TypedToken<Claims>) -> HttpResponse {
///     let Claims { sub, role } = &token.typed;
///     let raw = token.claims(); // every claim, as JSON
///     HttpResponse::Ok().json(serde_json::json!({ "sub": sub, "role": role, "jti": raw["jti"] }))
/// }
///
/// let route = web::get().to(me);
/// # let _ = route;
/// ```
#[derive(Debug, Clone)]
pub struct TypedToken<C> {
    /// The claims, deserialised into the handler's type.
    pub typed: C,
    token: CurrentToken,
}

impl<C> TypedToken<C> {
    /// The untyped token.
    pub fn current(&self) -> &CurrentToken {
        &self.token
    }
}

impl<C: DeserializeOwned> TypedToken<C> {
    /// Deserialises the claims of a verified token: 422
    /// [`JwtError::InvalidClaims`](crate::JwtError::InvalidClaims) naming the
    /// claim that does not fit.
    pub(crate) fn from_current(token: &CurrentToken) -> Result<Self, JwtError> {
        let claims = Value::Object(token.claims().clone());
        let typed = serde_path_to_error::deserialize::<_, C>(&claims).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            JwtError::InvalidClaims(if path == "." {
                format!("Invalid claims: {inner}")
            } else {
                format!("Invalid claim \"{path}\": {inner}")
            })
        })?;
        Ok(Self {
            typed,
            token: token.clone(),
        })
    }
}

impl<C> std::ops::Deref for TypedToken<C> {
    type Target = CurrentToken;

    fn deref(&self) -> &CurrentToken {
        &self.token
    }
}

/// The user loaded by the manager's `user_lookup_loader` for this request
/// (Flask-JWT-Extended's `current_user`). Bound by the attribute macros when a
/// handler declares a `current_user: CurrentUser<User>` parameter; also an
/// extractor on its own.
#[derive(Debug)]
pub struct CurrentUser<U>(pub(crate) Arc<U>);

impl<U> Clone for CurrentUser<U> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<U> std::ops::Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U> CurrentUser<U> {
    /// The shared user value.
    pub fn into_inner(self) -> Arc<U> {
        self.0
    }
}

impl CurrentToken {
    /// The user of this token as a [`CurrentUser`], if the user-lookup loader
    /// returned a `U`.
    pub fn user<U: Any + Send + Sync>(&self) -> Option<CurrentUser<U>> {
        let user = Arc::clone(self.user.as_ref()?);
        user.downcast::<U>().ok().map(CurrentUser)
    }
}
