//! The Redis revocation store, shared by every instance of a deployment:
//! the store and its builder (here), where Redis is (`topology`) and the
//! connection to it (`backend`, with `cluster` and `sentinel`), the wire
//! format (`wire`) and the local mirror (`mirror`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::Script;

use super::memory::JtiState;
use super::store::{
    DEFAULT_REVOCATION_TIMEOUT, RevocationStore, StoreError, TokenKey, TokenStatus,
};

mod backend;
mod cluster;
mod mirror;
mod sentinel;
mod server;
mod topology;
mod wire;

use backend::Backend;
use mirror::{Shared, mirror_task};
use server::{Timeouts, within};
use topology::Target;
use wire::{Kind, Record, WRITE_SCRIPT, WriteMode, until_text};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "actix-jwt-extended:";

/// The replication wait of every write: `WAIT <replicas> <timeout>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReplicationWait {
    replicas: u32,
    timeout: Duration,
}

impl ReplicationWait {
    /// The timeout in whole milliseconds, at least one (`WAIT … 0` would
    /// wait for ever).
    fn millis(&self) -> u64 {
        (self.timeout.as_millis() as u64).max(1)
    }
}

struct Inner {
    backend: Backend,
    shared: Arc<Shared>,
    script: Script,
    timeouts: Timeouts,
    wait: Option<ReplicationWait>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A revocation store in Redis, for deployments of several instances:
/// revocations made through any instance are honoured by all.
///
/// * Redis is one server, a Redis Cluster, or a primary with replicas
///   watched by Sentinel (failovers followed by the store); Valkey works the
///   same. See [`RedisStoreBuilder::url`].
/// * Keys expire with the token they concern (TTL = its remaining
///   lifetime), under a configurable prefix; "revoke every token of an
///   identity" is one cut-off key per identity, compared with `iat`. Every
///   write is one key, so one cluster slot.
/// * Each instance keeps a local mirror of the revoked entries, loaded at
///   start and kept current through Redis pub/sub, so that checking a token
///   costs no network round trip. Redis stays the source of truth: whenever
///   the subscription is down (and until it has reloaded), and after a
///   failover until it has reloaded, checks go to Redis directly.
/// * Every command is bounded by the command timeout (default one second);
///   connections are re-established by themselves. While Redis is
///   unreachable checks fail, and the manager answers 503 (fail-closed)
///   until Redis is back.
/// * Replication is asynchronous unless
///   [`replication_wait`](RedisStoreBuilder::replication_wait) is set: a
///   revocation acknowledged by a primary that dies before replicating it
///   is lost (docs/revocation.md lists what each fault loses).
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
            .field("timeout", &self.inner.timeouts.command)
            .field("replication_wait", &self.inner.wait)
            .finish_non_exhaustive()
    }
}

/// Configures and connects a [`RedisStore`].
#[derive(Clone)]
#[must_use]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub struct RedisStoreBuilder {
    target: Option<Target>,
    prefix: String,
    timeout: Duration,
    mirror: bool,
    wait: Option<ReplicationWait>,
}

impl fmt::Debug for RedisStoreBuilder {
    // Without the URLs: they may hold passwords.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("mirror", &self.mirror)
            .field("replication_wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl Default for RedisStoreBuilder {
    fn default() -> Self {
        Self {
            target: None,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_REVOCATION_TIMEOUT,
            mirror: true,
            wait: None,
        }
    }
}

impl RedisStoreBuilder {
    /// Where Redis is (default: the `REDIS_URL` environment variable, in the
    /// same forms):
    ///
    /// * one server: any redis-rs URL, e.g. `redis://127.0.0.1:6379/0`,
    ///   `redis://user:password@host:6379`, `valkey://…`, `unix://…`;
    /// * a Redis Cluster: `redis+cluster://[user:password@]host:port[,host:port…]`,
    ///   seed nodes sharing the credentials (the others are learnt from the
    ///   cluster);
    /// * Sentinel: `redis+sentinel://[user:password@]host:port[,host:port…]/<master>[/<db>]`,
    ///   the sentinels and the master's name; the credentials and database
    ///   are the primary's (the sentinels are reached without).
    ///
    /// The last one set of `url`, [`cluster`](Self::cluster) and
    /// [`sentinel`](Self::sentinel) wins.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.target = Some(Target::Url(url.into()));
        self
    }

    /// A Redis Cluster, from seed nodes given as redis-rs URLs
    /// (`redis://[user:password@]host:port`, all with the same credentials).
    pub fn cluster<I>(mut self, nodes: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.target = Some(Target::Cluster(nodes.into_iter().map(Into::into).collect()));
        self
    }

    /// A primary watched by Sentinel: the sentinels as redis-rs URLs (with
    /// the sentinels' own credentials, if any) and the name of the master
    /// they watch. The primary is reached without credentials; use the
    /// `redis+sentinel://` form of [`url`](Self::url) to give them.
    pub fn sentinel<I>(mut self, sentinels: I, master: impl Into<String>) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let sentinels = sentinels.into_iter().map(Into::into).collect();
        self.target = Some(Target::Sentinel(sentinels, master.into()));
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

    /// Waits for replication on every write (default: off). A revocation
    /// (or a rotation's "exchanged" mark) is then reported as done only
    /// once `replicas` replicas of the primary that took it have
    /// acknowledged it, within `timeout` (`WAIT replicas timeout`); short
    /// of that the operation fails (503), although the entry is written and
    /// published. So a revocation reported as done survives the failover
    /// of that primary to an acknowledging replica.
    ///
    /// The trade-off: each write takes one replication round trip longer
    /// (well under a millisecond on a LAN), and while fewer than `replicas`
    /// replicas are connected — e.g. after a failover, until the old
    /// primary is back as a replica — every write waits the whole `timeout`
    /// and fails. Use at most the number of replicas minus one to ride out
    /// the loss of one. Keep `timeout` plus a round trip under the
    /// manager's revocation timeout. `replicas` 0 turns it off.
    pub fn replication_wait(mut self, replicas: u32, timeout: Duration) -> Self {
        self.wait = (replicas > 0).then_some(ReplicationWait { replicas, timeout });
        self
    }

    /// Connects (within the command timeout) and, with the mirror on,
    /// starts the task that keeps it in sync. Must be called inside a Tokio
    /// runtime (e.g. in `#[actix_web::main]`), which must outlive the store.
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let target =
            match self.target {
                Some(target) => target,
                None => Target::Url(std::env::var("REDIS_URL").map_err(|_| {
                    StoreError::new("REDIS_URL is not set and no Redis URL was given")
                })?),
            };
        if self.wait.is_some_and(|wait| wait.timeout.is_zero()) {
            return Err(StoreError::new(
                "RedisStoreBuilder::replication_wait: the timeout must be positive",
            ));
        }
        let timeouts = Timeouts {
            command: self.timeout,
            write: self.timeout + self.wait.map_or(Duration::ZERO, |wait| wait.timeout),
        };
        // Every connection failure names the server (without its password).
        let shown = shown(&target);
        let (backend, watcher) = Backend::connect(target.parse()?, timeouts)
            .await
            .map_err(|error| StoreError::new(format!("Redis at {shown}: {error}")))?;
        let shared = Arc::new(Shared::new(self.prefix));
        let mut tasks = Vec::new();
        if let Some(watcher) = watcher {
            tasks.push(tokio::spawn(watcher).abort_handle());
        }
        if self.mirror {
            let future = mirror_task(backend.clone(), Arc::clone(&shared), timeouts);
            tasks.push(tokio::spawn(future).abort_handle());
        }
        Ok(RedisStore {
            inner: Arc::new(Inner {
                backend,
                shared,
                script: Script::new(WRITE_SCRIPT),
                timeouts,
                wait: self.wait,
                tasks,
            }),
        })
    }
}

/// What a message calls `target`: its URLs, passwords replaced.
fn shown(target: &Target) -> String {
    match target {
        Target::Url(url) => redacted(url),
        Target::Cluster(nodes) => nodes
            .iter()
            .map(|node| redacted(node))
            .collect::<Vec<_>>()
            .join(","),
        Target::Sentinel(sentinels, master) => {
            let sentinels: Vec<String> = sentinels.iter().map(|url| redacted(url)).collect();
            format!("{} (master {master})", sentinels.join(","))
        }
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
        self.inner.shared.is_synced()
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
        let inner = &self.inner;
        let mut conn = inner.backend.conn();
        let mut invocation = inner.script.key(shared.key(kind, id));
        invocation
            .arg(&value)
            .arg(ttl)
            .arg(&shared.channel)
            .arg(message)
            .arg(mode.as_str())
            .arg(cutoff);
        let result = match inner.wait {
            None => inner
                .timeouts
                .command("the write", invocation.invoke_async(&mut conn))
                .await
                .map(|written: i64| (written, None)),
            Some(wait) => {
                // One request, on the connection (and, in a cluster, to the
                // node) that takes the write: WAIT counts the replicas that
                // have everything this connection wrote.
                let mut pipe = redis::pipe();
                pipe.load_script(&inner.script)
                    .invoke_script(&invocation)
                    .cmd("WAIT")
                    .arg(wait.replicas)
                    .arg(wait.millis());
                within(
                    inner.timeouts.write,
                    "the write",
                    pipe.query_async(&mut conn),
                )
                .await
                .map(|(_, written, acks): (String, i64, i64)| (written, Some(acks)))
            }
        };
        let (written, acks) = result.inspect_err(|_| inner.backend.saw_error())?;
        if written != 1 {
            return Ok(false);
        }
        if let Some(record) = Record::parse(kind, &value) {
            record.apply(&shared.mirror, id);
        }
        match (inner.wait, acks) {
            (Some(wait), Some(acks)) if acks < i64::from(wait.replicas) => {
                Err(StoreError::new(format!(
                    "written, but acknowledged by {acks} of the {} replicas required within {:?}",
                    wait.replicas, wait.timeout
                )))
            }
            _ => Ok(true),
        }
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
        let mut conn = self.inner.backend.conn();
        let mut cmd = redis::cmd("MGET");
        for (_, key) in &keys {
            cmd.arg(key);
        }
        let values: Vec<Option<String>> = self
            .inner
            .timeouts
            .command("the status lookup", cmd.query_async(&mut conn))
            .await
            .inspect_err(|_| self.inner.backend.saw_error())?;
        if values.len() != keys.len() {
            return Err(StoreError::new(
                "Redis answered a lookup with the wrong count",
            ));
        }
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
        match self.inner.shared.status(token) {
            Some(status) => Ok(status),
            None => self.direct_status(token).await,
        }
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
