//! Token revocation: the store trait ([`RevocationStore`]), the stores
//! ([`MemoryStore`], and [`RedisStore`] with the `redis` feature), and
//! refresh-token rotation with reuse detection.
//!
//! The check runs after the type and fresh checks and before the
//! token-verification loader, as Flask-JWT-Extended's
//! `token_in_blocklist_loader` does. It consults the manager's
//! [`RevocationStore`] (an embedded [`MemoryStore`] unless another one is
//! configured) and then the `token_in_blocklist_loader` callback, if any.
//!
//! A store that fails or does not answer within the revocation timeout
//! (default one second) makes the check *fail closed*: the request is
//! answered with 503 `{"msg": "Token revocation check unavailable"}`.
//! [`JwtManagerBuilder::revocation_fail_open`](crate::JwtManagerBuilder::revocation_fail_open)
//! lets such requests through instead.
//!
//! The parts: `store` (the trait and what it is given), `check` (the
//! pipeline step and the manager's operations), `rotation`, `memory` and
//! `redis`.

pub(crate) mod check;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod rotation;
mod store;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisStore, RedisStoreBuilder};
pub use rotation::TokenPair;
pub(crate) use rotation::exchange;
pub use store::{
    DEFAULT_REVOCATION_TIMEOUT, FAMILY_CLAIM, RevocationStore, StoreError, TokenKey, TokenStatus,
    identity_key,
};
