//! [`DecodeOptions`]: the arguments of Flask-JWT-Extended's `decode_token`.

/// How [`JwtManager::decode_token_with`](crate::JwtManager::decode_token_with)
/// decodes — the keyword arguments of Flask-JWT-Extended's
/// `decode_token(encoded_token, csrf_value=None, allow_expired=False)`.
///
/// ```
/// use actix_jwt_extended::{DecodeOptions, JwtManager};
///
/// let jwt = JwtManager::builder().secret_key("k").build().unwrap();
/// let token = jwt.create_access_token("alice").unwrap();
/// let csrf = jwt.get_csrf_token(&token).unwrap();
/// let options = DecodeOptions::new().allow_expired(true).csrf_value(csrf);
/// assert_eq!(jwt.decode_token_with(&token, options).unwrap().sub(), Some("alice"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct DecodeOptions {
    allow_expired: bool,
    csrf_value: Option<String>,
}

impl DecodeOptions {
    /// Full verification, as [`JwtManager::decode_token`](crate::JwtManager::decode_token).
    pub fn new() -> Self {
        Self::default()
    }

    /// `allow_expired`: accept a token whose `exp` has passed. Every other
    /// check (signature, algorithm, `nbf`, `iat`, audience, issuer, claim
    /// types, the identity claim) still applies.
    pub fn allow_expired(mut self, on: bool) -> Self {
        self.allow_expired = on;
        self
    }

    /// `csrf_value`: the token's `csrf` claim must equal this value (compared
    /// in constant time): 422 `Missing claim: csrf` when it has none, 401
    /// `CSRF double submit tokens do not match` when it differs — even for
    /// an expired token, as in Flask-JWT-Extended. An empty value checks
    /// nothing (Python's `if csrf_value:`).
    pub fn csrf_value(mut self, value: impl Into<String>) -> Self {
        self.csrf_value = Some(value.into()).filter(|value| !value.is_empty());
        self
    }

    /// Whether an expired token is accepted.
    pub fn allows_expired(&self) -> bool {
        self.allow_expired
    }

    /// The CSRF value the token must carry, if any.
    pub fn csrf(&self) -> Option<&str> {
        self.csrf_value.as_deref()
    }
}
