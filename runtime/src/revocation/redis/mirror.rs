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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::{FutureExt as _, StreamExt as _};

use crate::revocation::memory::MemoryStore;
use crate::revocation::store::StoreError;

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
    pub(super) synced: AtomicBool,
    pub(super) prefix: String,
    pub(super) channel: String,
}

impl Shared {
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
        shared.synced.store(false, Ordering::Release);
        let result = follow(&backend, &shared, &timeouts, &mut backoff, attempt).await;
        attempt = attempt.wrapping_add(1);
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

/// Applies every entry of Redis to the mirror.
async fn load(backend: &Backend, shared: &Shared) -> Result<(), StoreError> {
    let pattern = format!("{}*", glob_escape(&shared.prefix));
    let mut apply = |key: &str, value: &str| shared.apply_key(key, value);
    tokio::time::timeout(LOAD_TIMEOUT, backend.load(&pattern, &mut apply))
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
    load(backend, shared).await?;
    while let Some(Some(message)) = stream.next().now_or_never() {
        shared.apply_message(&String::from_utf8_lossy(message.get_payload_bytes()));
    }
    shared.synced.store(true, Ordering::Release);
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
                    load(backend, shared).await?;
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
    use crate::revocation::store::TokenKey;
    use crate::revocation::store::TokenStatus;

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
    fn glob_characters_in_the_prefix_are_escaped() {
        assert_eq!(glob_escape("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
    }
}
