//! Refresh-token rotation with reuse detection (opt-in).
//!
//! Every token created by [`JwtManager::create_token_pair`](crate::JwtManager::create_token_pair)
//! or [`JwtManager::rotate_refresh_token`](crate::JwtManager::rotate_refresh_token)
//! carries a family claim ([`FAMILY_CLAIM`](super::FAMILY_CLAIM)). Rotating a refresh token marks
//! it as exchanged in the revocation store and issues a new pair in the same
//! family. Presenting an exchanged refresh token again — anywhere a refresh
//! token is accepted — is a reuse: the whole family (every access and
//! refresh token descended from the same login) is revoked and the request
//! gets 401
//! `{"msg": "Refresh token reuse detected: every token of this session has been revoked"}`.

use serde::{Deserialize, Serialize};

use crate::audit::Audit;
use crate::error::JwtError;
use crate::token::DecodedToken;

use super::check::{self, Retention, RevocationSettings};
use super::store::family_of;

/// An access token and a refresh token of the same family; serialises as
/// `{"access_token": …, "refresh_token": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// The new access token.
    pub access_token: String,
    /// The new refresh token.
    pub refresh_token: String,
}

/// Exchanges a refresh token for rotation (at `now`): marks it as exchanged
/// and returns its family, in which the new pair is to be issued. A token
/// that was already exchanged is a reuse: its family is revoked and the
/// error is [`JwtError::RefreshTokenReused`].
pub(crate) async fn exchange(
    settings: &RevocationSettings,
    retention: Retention,
    audit: &Audit,
    token: &DecodedToken,
    now: f64,
) -> Result<String, JwtError> {
    if !token.is_refresh() {
        return Err(JwtError::RefreshTokenRequired);
    }
    let Some(jti) = token.jti() else {
        return Err(JwtError::MissingClaim("jti".to_owned()));
    };
    let family = family_of(token).unwrap_or(jti).to_owned();
    if check::exchange(settings, retention, audit, jti, token).await? {
        Ok(family)
    } else {
        Err(check::reuse_detected(settings, retention, audit, token, now).await)
    }
}
