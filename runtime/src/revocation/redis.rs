//! The Redis revocation store, shared by every instance of a deployment.
//!
//! Layout, under a key prefix (default `actix-jwt-extended:`):
//!
//! | key | value | TTL |
//! |---|---|---|
//! | `<prefix>jti:<jti>` | `r\|<until>` (revoked) or `x\|<until>` (exchanged) | the token's remaining lifetime |
//! | `<prefix>fam:<family>` | `<until>` | the longest token lifetime |
//! | `<prefix>cut:<identity>` | `<cutoff>\|<until>` | the longest token lifetime |
//!
//! `<until>` is the UNIX second at which the entry may be forgotten (`-` for
//! never). Every write also publishes `<kind>\|<value>\|<id>` on
//! `<prefix>events`, atomically (one Lua script), so that each instance's
//! local mirror learns it at once.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{FutureExt as _, StreamExt as _};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Script};

use super::memory::{JtiState, MemoryStore};
use super::{RevocationStore, StoreError, TokenKey, TokenStatus};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "actix-jwt-extended:";
/// How often the mirror's subscription is pinged, to notice a silent loss.
const PING_EVERY: Duration = Duration::from_secs(1);
/// Bounds on the wait between two attempts to resynchronise the mirror.
const MIN_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// The longest a full load of the mirror may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Writes a key unless the mode forbids it, then publishes the change.
///
/// KEYS[1]: key. ARGV: value, ttl (0: none), channel, message, mode, cutoff.
/// Modes: `set` always writes; `jti` keeps an exchanged token exchanged;
/// `nx` writes only a new key; `max` keeps a later cut-off.
const WRITE_SCRIPT: &str = r"
local cur = redis.call('GET', KEYS[1])
local mode = ARGV[5]
if cur then
  if mode == 'nx' then return 0 end
  if mode == 'jti' and string.sub(cur, 1, 1) == 'x' then return 0 end
  if mode == 'max' then
    local c = tonumber(string.match(cur, '^(-?%d+)'))
    if c and c >= tonumber(ARGV[6]) then return 0 end
  end
end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
";

fn now() -> i64 {
    crate::time::now_f64().floor() as i64
}

fn fail(error: impl fmt::Display) -> StoreError {
    StoreError::new(error.to_string())
}

fn until_text(until: Option<i64>) -> String {
    until.map_or_else(|| "-".to_owned(), |u| u.to_string())
}

fn parse_until(text: &str) -> Option<Option<i64>> {
    if text == "-" {
        Some(None)
    } else {
        text.parse().ok().map(Some)
    }
}

/// The three kinds of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jti,
    Family,
    Cutoff,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Jti, Kind::Family, Kind::Cutoff];

    fn tag(self) -> &'static str {
        match self {
            Kind::Jti => "jti",
            Kind::Family => "fam",
            Kind::Cutoff => "cut",
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

/// A parsed entry value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    Jti(JtiState, Option<i64>),
    Family(Option<i64>),
    Cutoff(i64, Option<i64>),
}

impl Record {
    fn parse(kind: Kind, value: &str) -> Option<Self> {
        match kind {
            Kind::Jti => {
                let (state, until) = value.split_once('|')?;
                let state = match state {
                    "r" => JtiState::Revoked,
                    "x" => JtiState::Exchanged,
                    _ => return None,
                };
                Some(Record::Jti(state, parse_until(until)?))
            }
            Kind::Family => Some(Record::Family(parse_until(value)?)),
            Kind::Cutoff => {
                let (cutoff, until) = value.split_once('|')?;
                Some(Record::Cutoff(cutoff.parse().ok()?, parse_until(until)?))
            }
        }
    }

    fn apply(self, mirror: &MemoryStore, id: &str) {
        match self {
            Record::Jti(state, until) => mirror.set_jti(id, state, until),
            Record::Family(until) => mirror.revoke_family_now(id, until),
            Record::Cutoff(cutoff, until) => mirror.cut_off_now(id, cutoff, until),
        }
    }
}

/// State shared with the mirror task.
struct Shared {
    mirror: MemoryStore,
    synced: AtomicBool,
    prefix: String,
    channel: String,
}

impl Shared {
    fn key(&self, kind: Kind, id: &str) -> String {
        format!("{}{}:{id}", self.prefix, kind.tag())
    }

    /// Applies a message `<kind>|<value>|<id>` from the channel.
    fn apply_message(&self, message: &str) {
        let parsed = (|| {
            let (tag, rest) = message.split_once('|')?;
            let kind = Kind::from_tag(tag)?;
            let fields = if kind == Kind::Family { 1 } else { 2 };
            let mut split = rest.splitn(fields + 1, '|');
            let value_len: usize = split.by_ref().take(fields).map(|f| f.len() + 1).sum();
            let id = split.next()?;
            let value = &rest[..value_len - 1];
            Some((Record::parse(kind, value)?, id))
        })();
        match parsed {
            Some((record, id)) => record.apply(&self.mirror, id),
            None => tracing::warn!(
                target: "actix_jwt_extended",
                "ignoring an unreadable revocation event"
            ),
        }
    }

    /// Applies a key loaded from Redis.
    fn apply_key(&self, key: &str, value: &str) {
        let Some(rest) = key.strip_prefix(&self.prefix) else {
            return;
        };
        let Some((tag, id)) = rest.split_once(':') else {
            return;
        };
        if let Some(record) = Kind::from_tag(tag).and_then(|k| Record::parse(k, value)) {
            record.apply(&self.mirror, id);
        }
    }
}

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
/// use actix_jwt_extended::{JwtManager, RedisStore};
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
            timeout: super::DEFAULT_REVOCATION_TIMEOUT,
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
        let client = Client::open(url.as_str()).map_err(fail)?;
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
        .map_err(|_| {
            StoreError::new(format!(
                "could not connect to Redis within {:?}",
                self.timeout
            ))
        })?
        .map_err(fail)?;
        let _: String =
            tokio::time::timeout(self.timeout, redis::cmd("PING").query_async(&mut conn))
                .await
                .map_err(|_| StoreError::new("Redis did not answer PING in time"))?
                .map_err(fail)?;
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

    fn bounded<T>(
        &self,
        future: impl Future<Output = redis::RedisResult<T>>,
    ) -> impl Future<Output = Result<T, StoreError>> {
        let timeout = self.inner.timeout;
        async move {
            match tokio::time::timeout(timeout, future).await {
                Ok(result) => result.map_err(fail),
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
        mode: &str,
        cutoff: i64,
    ) -> Result<bool, StoreError> {
        let shared = &self.inner.shared;
        let ttl = match until {
            None => 0,
            Some(until) => until - now(),
        };
        if until.is_some() && ttl <= 0 {
            // The token has expired already: nothing to remember.
            return Ok(mode == "nx");
        }
        let message = format!("{}|{value}|{id}", kind.tag());
        let mut conn = self.inner.conn.clone();
        let mut invocation = self.inner.script.key(shared.key(kind, id));
        invocation
            .arg(&value)
            .arg(ttl)
            .arg(&shared.channel)
            .arg(message)
            .arg(mode)
            .arg(cutoff);
        let written: i64 = self.bounded(invocation.invoke_async(&mut conn)).await?;
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
        let values: Vec<Option<String>> = self.bounded(cmd.query_async(&mut conn)).await?;
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
        self.write(Kind::Jti, jti, value, expires_at, "jti", 0)
            .await
            .map(drop)
    }

    async fn revoke_family(&self, family: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        let value = until_text(expires_at);
        self.write(Kind::Family, family, value, expires_at, "set", 0)
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
        self.write(Kind::Cutoff, identity, value, expires_at, "max", cutoff)
            .await
            .map(drop)
    }

    async fn exchange(&self, jti: &str, expires_at: Option<i64>) -> Result<bool, StoreError> {
        let value = format!("x|{}", until_text(expires_at));
        self.write(Kind::Jti, jti, value, expires_at, "nx", 0).await
    }

    async fn status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        let shared = &self.inner.shared;
        if shared.synced.load(Ordering::Acquire) {
            return Ok(shared.mirror.status_now(token));
        }
        self.direct_status(token).await
    }
}

/// Escapes the glob characters of a SCAN pattern.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Keeps the mirror in sync for the life of the store: subscribe, load,
/// follow the events; start over whenever the subscription breaks.
async fn mirror_task(
    client: Client,
    conn: ConnectionManager,
    shared: Arc<Shared>,
    timeout: Duration,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        shared.synced.store(false, Ordering::Release);
        let result = follow(&client, conn.clone(), &shared, timeout, &mut backoff).await;
        let was_synced = shared.synced.swap(false, Ordering::AcqRel);
        match result {
            // Logged once per outage; the retries that follow are debug.
            Err(error) if was_synced => tracing::warn!(
                target: "actix_jwt_extended",
                %error,
                "revocation mirror out of sync; checking Redis directly until it is back"
            ),
            Err(error) => tracing::debug!(
                target: "actix_jwt_extended",
                %error,
                "revocation mirror still out of sync"
            ),
            Ok(()) => {}
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn follow(
    client: &Client,
    mut conn: ConnectionManager,
    shared: &Shared,
    timeout: Duration,
    backoff: &mut Duration,
) -> Result<(), StoreError> {
    let bounded = |what: &'static str| {
        move |_| StoreError::new(format!("{what}: no answer within {timeout:?}"))
    };
    let pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
        .await
        .map_err(bounded("subscribe"))?
        .map_err(fail)?;
    let (mut sink, mut stream) = pubsub.split();
    tokio::time::timeout(timeout, sink.subscribe(&shared.channel))
        .await
        .map_err(bounded("subscribe"))?
        .map_err(fail)?;

    // Subscribed: nothing written from now on can be missed. Reload.
    shared.mirror.clear();
    let pattern = format!("{}*", glob_escape(&shared.prefix));
    let load = async {
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(fail)?;
            if !keys.is_empty() {
                let values: Vec<Option<String>> = redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(fail)?;
                for (key, value) in keys.iter().zip(values) {
                    if let Some(value) = value {
                        shared.apply_key(key, &value);
                    }
                }
            }
            if next == 0 {
                return Ok::<(), StoreError>(());
            }
            cursor = next;
        }
    };
    tokio::time::timeout(LOAD_TIMEOUT, load)
        .await
        .map_err(bounded("load"))??;
    while let Some(Some(message)) = stream.next().now_or_never() {
        shared.apply_message(&String::from_utf8_lossy(message.get_payload_bytes()));
    }
    shared.synced.store(true, Ordering::Release);
    *backoff = MIN_BACKOFF;
    tracing::info!(target: "actix_jwt_extended", "revocation mirror in sync with Redis");

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => {
                    shared.apply_message(&String::from_utf8_lossy(message.get_payload_bytes()));
                }
                None => return Err(StoreError::new("the subscription was closed")),
            },
            _ = ping.tick() => {
                tokio::time::timeout(timeout, sink.ping::<redis::Value>())
                    .await
                    .map_err(bounded("ping"))?
                    .map_err(fail)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared {
            mirror: MemoryStore::new(),
            synced: AtomicBool::new(true),
            prefix: "p:".to_owned(),
            channel: "p:events".to_owned(),
        }
    }

    fn key<'a>(jti: &'a str, family: Option<&'a str>, identity: &'a str, iat: i64) -> TokenKey<'a> {
        TokenKey {
            jti: Some(jti),
            family,
            identity: identity.into(),
            issued_at: Some(iat),
        }
    }

    #[test]
    fn messages_with_separators_in_ids_are_applied() {
        let shared = shared();
        let until = now() + 60;
        shared.apply_message(&format!("jti|r|{until}|a|b"));
        shared.apply_message(&format!("fam|{until}|f|1"));
        shared.apply_message(&format!("cut|100|{until}|user|x"));
        shared.apply_message("jti|x|-|forever");
        shared.apply_message("garbage");
        let mirror = &shared.mirror;
        assert_eq!(
            mirror.status_now(&key("a|b", None, "u", 0)),
            TokenStatus::Revoked
        );
        assert_eq!(
            mirror.status_now(&key("j", Some("f|1"), "u", 0)),
            TokenStatus::Revoked
        );
        assert_eq!(
            mirror.status_now(&key("j", None, "user|x", 99)),
            TokenStatus::Revoked
        );
        assert_eq!(
            mirror.status_now(&key("j", None, "user|x", 100)),
            TokenStatus::Active
        );
        assert_eq!(
            mirror.status_now(&key("forever", None, "u", 0)),
            TokenStatus::Exchanged
        );
        assert_eq!(mirror.len(), 4);
    }

    #[test]
    fn loaded_keys_are_applied_by_kind() {
        let shared = shared();
        let until = now() + 60;
        shared.apply_key("p:jti:j1", &format!("r|{until}"));
        shared.apply_key("p:fam:f1", "-");
        shared.apply_key("p:cut:bob", &format!("50|{until}"));
        shared.apply_key("other:jti:j2", &format!("r|{until}"));
        let mirror = &shared.mirror;
        assert_eq!(
            mirror.status_now(&key("j1", None, "u", 0)),
            TokenStatus::Revoked
        );
        assert_eq!(
            mirror.status_now(&key("j2", None, "u", 0)),
            TokenStatus::Active
        );
        assert_eq!(
            mirror.status_now(&key("j", Some("f1"), "u", 0)),
            TokenStatus::Revoked
        );
        assert_eq!(
            mirror.status_now(&key("j", None, "bob", 49)),
            TokenStatus::Revoked
        );
    }

    #[test]
    fn glob_characters_in_the_prefix_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
    }
}
