//! Creating tokens with Flask-JWT-Extended 4.x's header and claim layout.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use serde::Serialize;

use crate::config::{Expires, JwtConfig};
use crate::error::JwtError;
use crate::keys::set::SigningKey;
use crate::kind::TokenKind;
use crate::loaders::ClaimLoaders;

/// Whether a new access token is fresh (`fresh` claim).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Fresh {
    /// Not fresh (`"fresh": false`), the default.
    #[default]
    No,
    /// Fresh (`"fresh": true`), e.g. right after a password login.
    Yes,
    /// Fresh for this long: stored as the float timestamp now + duration.
    For(Duration),
    /// Fresh until this UNIX timestamp (stored as is).
    Until(f64),
}

impl From<bool> for Fresh {
    fn from(fresh: bool) -> Self {
        if fresh { Self::Yes } else { Self::No }
    }
}

impl From<Duration> for Fresh {
    fn from(duration: Duration) -> Self {
        Self::For(duration)
    }
}

/// Per-call options of token creation — the keyword arguments of
/// Flask-JWT-Extended's `create_access_token`.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::TokenOptions;
/// use serde_json::json;
///
/// let options = TokenOptions::new()
///     .fresh(true)
///     .expires(Duration::from_secs(60))
///     .claim("role", json!("admin"))
///     .header("kid", json!("k1"));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TokenOptions {
    pub(crate) fresh: Fresh,
    pub(crate) expires: Option<Expires>,
    pub(crate) claims: Map<String, Value>,
    pub(crate) headers: Map<String, Value>,
}

impl TokenOptions {
    /// Options that change nothing: not fresh, configured expiry, no extras.
    pub fn new() -> Self {
        Self::default()
    }

    /// Freshness: `true`/`false`, a [`Duration`], or a [`Fresh`] value.
    /// Ignored for refresh tokens, which are never fresh.
    pub fn fresh(mut self, fresh: impl Into<Fresh>) -> Self {
        self.fresh = fresh.into();
        self
    }

    /// Lifetime: a [`Duration`] or [`Expires::Never`]; overrides
    /// JWT_ACCESS_TOKEN_EXPIRES / JWT_REFRESH_TOKEN_EXPIRES.
    pub fn expires(mut self, expires: impl Into<Expires>) -> Self {
        self.expires = Some(expires.into());
        self
    }

    /// Adds a claim at the top level of the payload. It wins over the
    /// additional-claims loader and may replace any reserved claim.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// Adds every entry of a JSON object as a claim (see [`TokenOptions::claim`]).
    /// Values that are not objects are ignored.
    pub fn claims(mut self, claims: Value) -> Self {
        if let Value::Object(map) = claims {
            self.claims.extend(map);
        }
        self
    }

    /// Adds a JOSE header. It wins over the additional-headers loader; `alg`
    /// and `kid` always follow the signing key (JWT_ALGORITHM, and the key's
    /// id when it has one).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }
}

fn b64_json(value: &impl serde::Serialize) -> Result<String, JwtError> {
    let json = serde_json::to_vec(value).map_err(|e| JwtError::Encode(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// An identity (or any value passed for one) as JSON.
pub(crate) fn identity_value(identity: impl Serialize) -> Result<Value, JwtError> {
    serde_json::to_value(identity).map_err(|e| JwtError::Encode(e.to_string()))
}

/// What a new token is made of besides its identity and options.
#[derive(Clone, Copy)]
pub(crate) struct Minting<'a> {
    pub(crate) config: &'a JwtConfig,
    pub(crate) signing: &'a SigningKey,
    pub(crate) loaders: &'a ClaimLoaders,
}

/// Builds and signs a token at time `now` (seconds since the epoch).
pub(crate) fn create(
    minting: Minting<'_>,
    identity: &Value,
    kind: TokenKind,
    options: TokenOptions,
    now: f64,
) -> Result<String, JwtError> {
    let Minting {
        config,
        signing,
        loaders,
    } = minting;
    let iat = now.floor() as i64;

    // The JOSE header: keys sorted, as PyJWT writes them.
    let mut header: BTreeMap<String, Value> = BTreeMap::new();
    header.insert("typ".to_owned(), Value::from("JWT"));
    if let Some(loader) = &loaders.additional_headers {
        header.extend(loader(identity));
    }
    header.extend(options.headers);
    header.insert(
        "alg".to_owned(),
        Value::from(signing.signer.algorithm().as_str()),
    );
    if let Some(kid) = &signing.kid {
        header.insert("kid".to_owned(), Value::from(kid.as_str()));
    }

    let fresh = match (kind, options.fresh) {
        (TokenKind::Refresh, _) | (_, Fresh::No) => Value::Bool(false),
        (_, Fresh::Yes) => Value::Bool(true),
        (_, Fresh::For(duration)) => Value::from(now + duration.as_secs_f64()),
        (_, Fresh::Until(timestamp)) => Value::from(timestamp),
    };
    let subject = match &loaders.user_identity {
        Some(loader) => loader(identity),
        None => identity.clone(),
    };
    let expires = options.expires.unwrap_or(config.expires(kind));

    let mut payload = Map::new();
    payload.insert("fresh".to_owned(), fresh);
    payload.insert("iat".to_owned(), Value::from(iat));
    payload.insert(
        "jti".to_owned(),
        Value::from(uuid::Uuid::new_v4().to_string()),
    );
    payload.insert("type".to_owned(), Value::from(kind.as_str()));
    payload.insert(config.identity_claim.clone(), subject);
    if config.encode_nbf {
        payload.insert("nbf".to_owned(), Value::from(iat));
    }
    if config.cookie_csrf_protect {
        payload.insert(
            "csrf".to_owned(),
            Value::from(uuid::Uuid::new_v4().to_string()),
        );
    }
    match config.encode_audience.as_slice() {
        [] => {}
        [one] => {
            payload.insert("aud".to_owned(), Value::from(one.as_str()));
        }
        many => {
            payload.insert("aud".to_owned(), Value::from(many.to_vec()));
        }
    }
    if let Some(issuer) = &config.encode_issuer {
        payload.insert("iss".to_owned(), Value::from(issuer.as_str()));
    }
    if let Expires::After(lifetime) = expires {
        let exp = (now + lifetime.as_secs_f64()).floor() as i64;
        payload.insert("exp".to_owned(), Value::from(exp));
    }
    if let Some(loader) = &loaders.additional_claims {
        payload.extend(loader(identity));
    }
    payload.extend(options.claims);

    let signing_input = format!("{}.{}", b64_json(&header)?, b64_json(&payload)?);
    let signature = signing.signer.sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}
