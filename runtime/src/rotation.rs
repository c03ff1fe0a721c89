//! Refresh-token rotation with reuse detection (opt-in).
//!
//! Every token created by [`JwtManager::create_token_pair`] or
//! [`JwtManager::rotate_refresh_token`] carries a family claim
//! ([`FAMILY_CLAIM`]). Rotating a refresh token marks it as exchanged in the
//! revocation store and issues a new pair in the same family. Presenting an
//! exchanged refresh token again — anywhere a refresh token is accepted —
//! is a reuse: the whole family (every access and refresh token descended
//! from the same login) is revoked and the request gets 401
//! `{"msg": "Refresh token reuse detected: every token of this session has been revoked"}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decode::Rejection;
use crate::encode::TokenOptions;
use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::revocation::{bounded, token_retention};
use crate::token::DecodedToken;

/// The claim that holds a token's refresh family id.
pub const FAMILY_CLAIM: &str = "fam";

/// An access token and a refresh token of the same family; serialises as
/// `{"access_token": …, "refresh_token": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// The new access token.
    pub access_token: String,
    /// The new refresh token.
    pub refresh_token: String,
}

/// The family of a refresh token: its family claim, or for a refresh token
/// created without one, its own `jti` (the family that its rotation starts).
pub(crate) fn family_of(token: &DecodedToken) -> Option<&str> {
    token
        .claim(FAMILY_CLAIM)
        .and_then(Value::as_str)
        .or_else(|| token.jti())
}

impl JwtManager {
    /// Creates an access token and a refresh token for `identity` that start
    /// a new rotation family (e.g. at login). `access` applies to the access
    /// token (freshness, expiry, extra claims).
    pub fn create_token_pair_with(
        &self,
        identity: impl Serialize,
        access: TokenOptions,
    ) -> Result<TokenPair, JwtError> {
        let identity =
            serde_json::to_value(identity).map_err(|e| JwtError::Encode(e.to_string()))?;
        let family = uuid::Uuid::new_v4().to_string();
        self.pair_in_family(&identity, &family, access, Some(family.clone()))
    }

    /// [`JwtManager::create_token_pair_with`] with default options (the
    /// access token is not fresh).
    pub fn create_token_pair(&self, identity: impl Serialize) -> Result<TokenPair, JwtError> {
        self.create_token_pair_with(identity, TokenOptions::new())
    }

    fn pair_in_family(
        &self,
        identity: &Value,
        family: &str,
        access: TokenOptions,
        refresh_jti: Option<String>,
    ) -> Result<TokenPair, JwtError> {
        let access_token =
            self.create_access_token_with(identity, access.claim(FAMILY_CLAIM, family))?;
        let mut refresh = TokenOptions::new().claim(FAMILY_CLAIM, family);
        if let Some(jti) = refresh_jti {
            refresh = refresh.claim("jti", jti);
        }
        let refresh_token = self.create_refresh_token_with(identity, refresh)?;
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
    /// Render the error with [`JwtManager::error_response`].
    ///
    /// ```no_run
    /// use actix_jwt_extended::{JwtManager, jwt_refresh_required};
    /// use actix_web::{HttpResponse, post};
    ///
    /// #[post("/refresh")]
    /// #[jwt_refresh_required]
    /// async fn refresh(jwt: JwtManager) -> HttpResponse {
    ///     match jwt.rotate_refresh_token(&current_token).await {
    ///         Ok(pair) => HttpResponse::Ok().json(pair),
    ///         Err(rejection) => jwt.error_response(&rejection),
    ///     }
    /// }
    /// ```
    pub async fn rotate_refresh_token(&self, token: &DecodedToken) -> Result<TokenPair, Rejection> {
        let inner = &self.inner;
        let reject = |error| Rejection::with_token(error, std::sync::Arc::new(token.clone()));
        if !token.is_refresh() {
            return Err(reject(JwtError::RefreshTokenRequired));
        }
        let Some(jti) = token.jti() else {
            return Err(reject(JwtError::MissingClaim("jti".to_owned())));
        };
        let family = family_of(token).unwrap_or(jti).to_owned();
        let until = token_retention(inner, token);
        let settings = &inner.revocation;
        match bounded(settings.timeout, settings.store.exchange(jti, until)).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(reject(
                    crate::revocation::reuse_detected(inner, token).await,
                ));
            }
            Err(why) => {
                tracing::error!(
                    target: "actix_jwt_extended",
                    reason = %why,
                    "refresh token rotation unavailable"
                );
                return Err(reject(JwtError::RevocationUnavailable));
            }
        }
        self.pair_in_family(token.identity(), &family, TokenOptions::new(), None)
            .map_err(reject)
    }
}
