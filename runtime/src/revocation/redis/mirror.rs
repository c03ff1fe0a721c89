//! The local mirror of the Redis store: a copy of the revoked entries kept
//! in sync through the event channel, so that checking a token costs no
//! round trip.
//!
//! In sync means: subscribed to the channel, then loaded (so that nothing
//! written meanwhile is missed), and since then neither a lost subscription
//! (its stream ended, or a ping went unanswered) nor a changed topology (a
//! failover; see `backend`). Out of sync, the store asks Redis directly.
//! In sync, a full load is merged every [`REFRESH_EVERY`], for an event that
//! a cluster failed to forward while the subscription stayed alive.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{FutureExt as _, StreamExt as _};

use crate::revocation::memory::MemoryStore;
use crate::revocation::store::{StoreError, TokenKey, TokenStatus};

use super::backend::Backend;
use super::server::Timeouts;
use super::wire::{Kind, Record};

/// How often the mirror's subscription is pinged, to notice a silent loss.
const PING_EVERY: Duration = Duration::from_secs(1);
/// Bounds on the wait between two attempts to resynchronise the mirror.
const MIN_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// The longest a full load of the mirror may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a mirror in sync merges a full load of Redis: an event that a
/// cluster failed to forward (cluster-bus trouble, with the subscription
/// itself alive) is made up for within this time.
const REFRESH_EVERY: Duration = Duration::from_secs(300);

/// State shared with the mirror task.
pub(super) struct Shared {
    pub(super) mirror: MemoryStore,
    /// Even while the mirror is in sync, odd while it is not (or reloading);
    /// moves on at each change, so that a check that read the mirror across
    /// a reload notices (a sequence lock: only the mirror task writes it).
    epoch: AtomicU64,
    pub(super) prefix: String,
    pub(super) channel: String,
}

impl Shared {
    /// A mirror of the entries under `prefix`, out of sync.
    pub(super) fn new(prefix: String) -> Self {
        Self {
            mirror: MemoryStore::new(),
            epoch: AtomicU64::new(1),
            channel: format!("{prefix}events"),
            prefix,
        }
    }

    pub(super) fn is_synced(&self) -> bool {
        self.epoch.load(Ordering::SeqCst).is_multiple_of(2)
    }

    /// The mirror's answer, if it was in sync from before to after reading
    /// it; `None` otherwise (Redis is to be asked).
    pub(super) fn status(&self, token: &TokenKey<'_>) -> Option<TokenStatus> {
        let before = self.epoch.load(Ordering::SeqCst);
        if !before.is_multiple_of(2) {
            return None;
        }
        let status = self.mirror.status_now(token);
        std::sync::atomic::fence(Ordering::SeqCst);
        (self.epoch.load(Ordering::SeqCst) == before).then_some(status)
    }

    /// Out of sync from now on; whether it was in sync.
    fn lose_sync(&self) -> bool {
        let synced = self.is_synced();
        if synced {
            self.epoch.fetch_add(1, Ordering::SeqCst);
        }
        synced
    }

    /// In sync from now on (after a load).
    fn gain_sync(&self) {
        debug_assert!(!self.is_synced());
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    pub(super) fn key(&self, kind: Kind, id: &str) -> String {
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
/// follow the events; start over whenever the subscription breaks or the
/// topology changes (a failover).
pub(super) async fn mirror_task(backend: Backend, shared: Arc<Shared>, timeouts: Timeouts) {
    let mut backoff = MIN_BACKOFF;
    let mut attempt = 0;
    loop {
        shared.lose_sync();
        let result = follow(&backend, &shared, &timeouts, &mut backoff, attempt).await;
        attempt = attempt.wrapping_add(1);
        let was_synced = shared.lose_sync();
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

/// Applies every entry of Redis to the mirror.
async fn load(backend: &Backend, shared: &Shared, timeouts: &Timeouts) -> Result<(), StoreError> {
    let pattern = format!("{}*", glob_escape(&shared.prefix));
    let mut apply = |key: &str, value: &str| shared.apply_key(key, value);
    tokio::time::timeout(LOAD_TIMEOUT, backend.load(&pattern, &mut apply, timeouts))
        .await
        .map_err(|_| StoreError::new(format!("load: not done within {LOAD_TIMEOUT:?}")))?
}

async fn follow(
    backend: &Backend,
    shared: &Shared,
    timeouts: &Timeouts,
    backoff: &mut Duration,
    attempt: usize,
) -> Result<(), StoreError> {
    let timeout = timeouts.command;
    let timed_out = |what: &'static str| {
        move |_| StoreError::new(format!("{what}: no answer within {timeout:?}"))
    };
    // Taken first: a failover from now on is noticed below.
    let mark = backend.mark(timeouts).await?;
    let client = backend.subscriber(attempt, timeouts).await?;
    let pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
        .await
        .map_err(timed_out("subscribe"))?
        .map_err(StoreError::message)?;
    let (mut sink, mut stream) = pubsub.split();
    tokio::time::timeout(timeout, sink.subscribe(&shared.channel))
        .await
        .map_err(timed_out("subscribe"))?
        .map_err(StoreError::message)?;

    // Subscribed: nothing written from now on can be missed. Reload.
    shared.mirror.clear();
    load(backend, shared, timeouts).await?;
    while let Some(Some(message)) = stream.next().now_or_never() {
        shared.apply_message(&String::from_utf8_lossy(message.get_payload_bytes()));
    }
    shared.gain_sync();
    *backoff = MIN_BACKOFF;
    tracing::info!(target: "actix_jwt_extended", "revocation mirror in sync with Redis");

    // Pinging, reading the topology and refreshing run beside the events,
    // never delaying them.
    let watch = async {
        let mut ping = tokio::time::interval(PING_EVERY);
        let mut refresh = tokio::time::interval(REFRESH_EVERY);
        ping.tick().await;
        refresh.tick().await;
        loop {
            tokio::select! {
                _ = ping.tick() => {}
                _ = refresh.tick() => {
                    // Entries only ever get stricter: merging is safe.
                    load(backend, shared, timeouts).await?;
                    continue;
                }
                () = backend.moved() => {
                    return Err(StoreError::new("the Redis primary was replaced"));
                }
            }
            tokio::time::timeout(timeout, sink.ping::<redis::Value>())
                .await
                .map_err(timed_out("ping"))?
                .map_err(StoreError::message)?;
            // A topology that cannot be read now is read again at the next
            // tick; the subscription itself is alive.
            if backend.mark(timeouts).await.is_ok_and(|now| now != mark) {
                return Err::<(), _>(StoreError::new("the Redis topology changed (a failover)"));
            }
        }
    };
    let mut watch = std::pin::pin!(watch);
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(message) => {
                    shared.apply_message(&String::from_utf8_lossy(message.get_payload_bytes()));
                }
                None => return Err(StoreError::new("the subscription was closed")),
            },
            result = &mut watch => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared::new("p:".to_owned())
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
        let until = crate::time::now_secs() + 60;
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
        let until = crate::time::now_secs() + 60;
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
    fn the_mirror_answers_only_when_in_sync_throughout() {
        let shared = shared();
        let revoked = key("j1", None, "u", 0);
        shared.apply_key("p:jti:j1", "r|-");
        assert_eq!(shared.status(&revoked), None, "never synced");
        shared.gain_sync();
        assert!(shared.is_synced());
        assert_eq!(shared.status(&revoked), Some(TokenStatus::Revoked));
        assert!(shared.lose_sync());
        assert!(!shared.lose_sync(), "once");
        assert_eq!(shared.status(&revoked), None, "out of sync");
        shared.gain_sync();
        assert_eq!(shared.status(&revoked), Some(TokenStatus::Revoked));
    }

    #[test]
    fn glob_characters_in_the_prefix_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
    }
}
