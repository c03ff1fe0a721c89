//! The Redis revocation store, shared by every instance of a deployment:
//! the store (here), its wire format (`wire`) and its local mirror
//! (`mirror`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

use super::memory::{JtiState, MemoryStore};
use super::store::{
    DEFAULT_REVOCATION_TIMEOUT, RevocationStore, StoreError, TokenKey, TokenStatus,
};

mod mirror;
mod wire;

use mirror::{Shared, mirror_task};
use wire::{Kind, Record, WRITE_SCRIPT, WriteMode, until_text};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "actix-jwt-extended:";

struct Inner {
    conn: ConnectionManager,
    shared: Arc<Shared>,
    script: Script,
    timeout: Duration,
    task: Option<tokio::task::AbortHandle>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// A revocation store in Redis, for deployments of several instances:
/// revocations made through any instance are honoured by all.
///
/// * Keys expire with the token they concern (TTL = its remaining
///   lifetime), under a configurable prefix; "revoke every token of an
///   identity" is one cut-off key per identity, compared with `iat`.
/// * Each instance keeps a local mirror of the revoked entries, loaded at
///   start and kept current through Redis pub/sub, so that checking a token
///   costs no network round trip. Redis stays the source of truth: whenever
///   the subscription is down (and until it has reloaded), checks go to
///   Redis directly.
/// * The connection is a redis-rs `ConnectionManager`, which reconnects by
///   itself; every command is bounded by the command timeout (default one
///   second). While Redis is unreachable checks fail, and the manager
///   answers 503 (fail-closed) until Redis is back.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use actix_jwt_extended::JwtManager;
/// use actix_jwt_extended::revocation::RedisStore;
///
/// let store = RedisStore::builder()
///     .url("redis://127.0.0.1:6379")
///     .key_prefix("myapp:jwt:")
///     .connect()
///     .await?;
/// let jwt = JwtManager::builder()
///     .secret_key("change me")
///     .revocation_store(store)
///     .build()?;
/// # let _ = jwt; Ok(()) }
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct RedisStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.inner.shared.prefix)
            .field("synced", &self.is_synced())
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures and connects a [`RedisStore`].
#[derive(Debug, Clone)]
#[must_use]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct RedisStoreBuilder {
    url: Option<String>,
    prefix: String,
    timeout: Duration,
    mirror: bool,
}

impl Default for RedisStoreBuilder {
    fn default() -> Self {
        Self {
            url: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_REVOCATION_TIMEOUT,
            mirror: true,
        }
    }
}

impl RedisStoreBuilder {
    /// The server, e.g. `redis://127.0.0.1:6379/0` (default: the
    /// `REDIS_URL` environment variable).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The prefix of every key and of the event channel (default
    /// `actix-jwt-extended:`). Instances that share revocations use the
    /// same prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The bound on connecting and on each command (default one second).
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether to keep the local mirror (default on). Off, every check is a
    /// Redis round trip.
    pub fn mirror(mut self, on: bool) -> Self {
        self.mirror = on;
        self
    }

    /// Connects (within the command timeout) and, with the mirror on,
    /// starts the task that keeps it in sync. Must be called inside a Tokio
    /// runtime (e.g. in `#[actix_web::main]`), which must outlive the store.
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let url = match self.url {
            Some(url) => url,
            None => std::env::var("REDIS_URL")
                .map_err(|_| StoreError::new("REDIS_URL is not set and no Redis URL was given"))?,
        };
        // Every failure names the server (without its password).
        let shown = redacted(&url);
        let at =
            |error: &dyn std::fmt::Display| StoreError::new(format!("Redis at {shown}: {error}"));
        let client = Client::open(url.as_str()).map_err(|e| at(&e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(25))
            .set_max_delay(Duration::from_millis(250));
        let mut conn = tokio::time::timeout(
            self.timeout,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .map_err(|_| at(&format!("could not connect within {:?}", self.timeout)))?
        .map_err(|e| at(&e))?;
        let _: String =
            tokio::time::timeout(self.timeout, redis::cmd("PING").query_async(&mut conn))
                .await
                .map_err(|_| at(&"no answer to PING in time"))?
                .map_err(|e| at(&e))?;
        let shared = Arc::new(Shared {
            mirror: MemoryStore::new(),
            synced: AtomicBool::new(false),
            channel: format!("{}events", self.prefix),
            prefix: self.prefix,
        });
        let task = self.mirror.then(|| {
            let future = mirror_task(client, conn.clone(), Arc::clone(&shared), self.timeout);
            tokio::spawn(future).abort_handle()
        });
        Ok(RedisStore {
            inner: Arc::new(Inner {
                conn,
                shared,
                script: Script::new(WRITE_SCRIPT),
                timeout: self.timeout,
                task,
            }),
        })
    }
}

/// `url` with its password (if any) replaced by `***`, for messages.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let password = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{password}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

impl RedisStore {
    /// A builder (URL from `REDIS_URL` unless set).
    pub fn builder() -> RedisStoreBuilder {
        RedisStoreBuilder::default()
    }

    /// Connects to `url` with the default settings.
    pub async fn connect(url: impl Into<String>) -> Result<Self, StoreError> {
        Self::builder().url(url).connect().await
    }

    /// Connects to the server named by the `REDIS_URL` environment variable.
    pub async fn from_env() -> Result<Self, StoreError> {
        Self::builder().connect().await
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.inner.shared.prefix
    }

    /// Whether the local mirror is in sync with Redis (checks are then
    /// answered locally). False while the subscription is down or
    /// reloading, and always false with the mirror off.
    pub fn is_synced(&self) -> bool {
        self.inner.shared.synced.load(Ordering::Acquire)
    }

    fn within_timeout<T>(
        &self,
        future: impl Future<Output = redis::RedisResult<T>>,
    ) -> impl Future<Output = Result<T, StoreError>> {
        let timeout = self.inner.timeout;
        async move {
            match tokio::time::timeout(timeout, future).await {
                Ok(result) => result.map_err(StoreError::message),
                Err(_) => Err(StoreError::new(format!(
                    "Redis did not answer within {timeout:?}"
                ))),
            }
        }
    }

    /// Writes one entry (see [`WRITE_SCRIPT`]); true if written.
    async fn write(
        &self,
        kind: Kind,
        id: &str,
        value: String,
        until: Option<i64>,
        mode: WriteMode,
        cutoff: i64,
    ) -> Result<bool, StoreError> {
        let shared = &self.inner.shared;
        let ttl = match until {
            None => 0,
            Some(until) => until - crate::time::now_secs(),
        };
        if until.is_some() && ttl <= 0 {
            // The token has expired already: nothing to remember.
            return Ok(mode == WriteMode::New);
        }
        let message = format!("{}|{value}|{id}", kind.tag());
        let mut conn = self.inner.conn.clone();
        let mut invocation = self.inner.script.key(shared.key(kind, id));
        invocation
            .arg(&value)
            .arg(ttl)
            .arg(&shared.channel)
            .arg(message)
            .arg(mode.as_str())
            .arg(cutoff);
        let written: i64 = self
            .within_timeout(invocation.invoke_async(&mut conn))
            .await?;
        if written == 1
            && let Some(record) = Record::parse(kind, &value)
        {
            record.apply(&shared.mirror, id);
        }
        Ok(written == 1)
    }

    /// Asks Redis directly.
    async fn direct_status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        let shared = &self.inner.shared;
        let mut keys = Vec::with_capacity(3);
        if let Some(jti) = token.jti {
            keys.push((Kind::Jti, shared.key(Kind::Jti, jti)));
        }
        if let Some(family) = token.family {
            keys.push((Kind::Family, shared.key(Kind::Family, family)));
        }
        keys.push((Kind::Cutoff, shared.key(Kind::Cutoff, &token.identity)));
        let mut conn = self.inner.conn.clone();
        let mut cmd = redis::cmd("MGET");
        for (_, key) in &keys {
            cmd.arg(key);
        }
        let values: Vec<Option<String>> = self.within_timeout(cmd.query_async(&mut conn)).await?;
        let mut status = TokenStatus::Active;
        for ((kind, _), value) in keys.iter().zip(values) {
            let record = value.and_then(|v| Record::parse(*kind, &v));
            let found = match record {
                Some(Record::Jti(JtiState::Exchanged, _)) => TokenStatus::Exchanged,
                Some(Record::Jti(JtiState::Revoked, _)) | Some(Record::Family(_)) => {
                    TokenStatus::Revoked
                }
                Some(Record::Cutoff(cutoff, _)) if token.is_cut_off(cutoff) => TokenStatus::Revoked,
                _ => TokenStatus::Active,
            };
            status = status.max(found);
        }
        Ok(status)
    }
}

impl RevocationStore for RedisStore {
    async fn revoke(&self, jti: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        let value = format!("r|{}", until_text(expires_at));
        self.write(Kind::Jti, jti, value, expires_at, WriteMode::Jti, 0)
            .await
            .map(drop)
    }

    async fn revoke_family(&self, family: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        let value = until_text(expires_at);
        self.write(Kind::Family, family, value, expires_at, WriteMode::Set, 0)
            .await
            .map(drop)
    }

    async fn revoke_issued_before(
        &self,
        identity: &str,
        cutoff: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let value = format!("{cutoff}|{}", until_text(expires_at));
        self.write(
            Kind::Cutoff,
            identity,
            value,
            expires_at,
            WriteMode::Max,
            cutoff,
        )
        .await
        .map(drop)
    }

    async fn exchange(&self, jti: &str, expires_at: Option<i64>) -> Result<bool, StoreError> {
        let value = format!("x|{}", until_text(expires_at));
        self.write(Kind::Jti, jti, value, expires_at, WriteMode::New, 0)
            .await
    }

    async fn status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        let shared = &self.inner.shared;
        if shared.synced.load(Ordering::Acquire) {
            return Ok(shared.mirror.status_now(token));
        }
        self.direct_status(token).await
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn urls_in_messages_hide_the_password() {
        assert_eq!(
            redacted("redis://127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(
            redacted("redis://user:secret@host:6379/0"),
            "redis://user:***@host:6379/0"
        );
        assert_eq!(redacted("rediss://:secret@host"), "rediss://:***@host");
        assert_eq!(redacted("redis://user@host"), "redis://user@host");
        assert_eq!(redacted("not a url"), "not a url");
    }
}
