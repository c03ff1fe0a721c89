//! The application's callbacks — Flask-JWT-Extended's `@jwt.*_loader`s —
//! grouped by the step that calls them.

use std::any::Any;
use std::sync::Arc;

use futures_util::future::LocalBoxFuture;
use serde_json::{Map, Value};

use crate::error::ErrorClass;
use crate::keys::Key;
use crate::render::ResponseLoader;
use crate::token::CurrentToken;

/// A callback's future (not `Send`: it runs on the request's worker).
pub(crate) type LocalFuture<T> = LocalBoxFuture<'static, T>;
/// A yes/no check of a verified token.
pub(crate) type TokenCheck = Arc<dyn Fn(CurrentToken) -> LocalFuture<bool> + Send + Sync>;
/// The user lookup: any user type, or none.
pub(crate) type UserLoader =
    Arc<dyn Fn(CurrentToken) -> LocalFuture<Option<Arc<dyn Any + Send + Sync>>> + Send + Sync>;
/// Extra claims or headers from the identity.
pub(crate) type MapLoader = Arc<dyn Fn(&Value) -> Map<String, Value> + Send + Sync>;
/// The identity claim from the identity passed to `create_*_token`.
pub(crate) type IdentityLoader = Arc<dyn Fn(&Value) -> Value + Send + Sync>;
/// The key that signs a new token, from its identity.
pub(crate) type EncodeKeyLoader = Arc<dyn Fn(&Value) -> Key + Send + Sync>;
/// The key that verifies a token, from its unverified header and claims.
pub(crate) type DecodeKeyLoader =
    Arc<dyn Fn(&Map<String, Value>, &Map<String, Value>) -> LocalFuture<Option<Key>> + Send + Sync>;

/// The callbacks of token creation.
#[derive(Clone, Default)]
pub(crate) struct ClaimLoaders {
    pub(crate) additional_claims: Option<MapLoader>,
    pub(crate) additional_headers: Option<MapLoader>,
    pub(crate) user_identity: Option<IdentityLoader>,
    pub(crate) encode_key: Option<EncodeKeyLoader>,
}

/// The callbacks of verification, after the token was decoded.
#[derive(Clone, Default)]
pub(crate) struct TokenLoaders {
    pub(crate) decode_key: Option<DecodeKeyLoader>,
    pub(crate) token_in_blocklist: Option<TokenCheck>,
    pub(crate) token_verification: Option<TokenCheck>,
    pub(crate) user_lookup: Option<UserLoader>,
}

/// Every callback of a manager.
#[derive(Clone, Default)]
pub(crate) struct Loaders {
    pub(crate) claims: ClaimLoaders,
    pub(crate) tokens: TokenLoaders,
    pub(crate) responses: Vec<(ErrorClass, ResponseLoader)>,
}
