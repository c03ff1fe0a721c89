//! The embedded in-memory revocation store.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

// Keys are `jti`s, family ids and identities of tokens this manager signed,
// so a fast seeded hash is enough; SipHash was a third of a lookup.
use foldhash::fast::RandomState;

use super::store::{RevocationStore, StoreError, TokenKey, TokenStatus};

/// The number of shards of each map: a request locks one shard of one map
/// for reading, so unrelated requests never wait on each other.
const SHARDS: usize = 16;

/// "Never expires".
const NEVER: i64 = i64::MAX;

use crate::time::Clock;

/// An entry's value and the UNIX second after which it can be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry<V> {
    value: V,
    until: i64,
}

impl<V> Entry<V> {
    fn live(&self, now: i64) -> bool {
        self.until > now
    }
}

struct Shard<V> {
    map: HashMap<Box<str>, Entry<V>, RandomState>,
    /// The earliest `until` in `map`: nothing can be swept before it.
    earliest: i64,
}

impl<V> Default for Shard<V> {
    fn default() -> Self {
        Self {
            map: HashMap::default(),
            earliest: NEVER,
        }
    }
}

impl<V> Shard<V> {
    fn sweep(&mut self, now: i64) -> usize {
        if now < self.earliest {
            return 0;
        }
        let before = self.map.len();
        self.map.retain(|_, entry| entry.live(now));
        self.earliest = self.map.values().map(|e| e.until).min().unwrap_or(NEVER);
        before - self.map.len()
    }
}

/// A map split into independently locked shards, whose entries expire.
struct ShardedMap<V> {
    hasher: RandomState,
    shards: Box<[RwLock<Shard<V>>]>,
    len: AtomicUsize,
}

impl<V: Copy> ShardedMap<V> {
    fn new() -> Self {
        Self {
            hasher: RandomState::default(),
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            len: AtomicUsize::new(0),
        }
    }

    fn shard(&self, key: &str) -> &RwLock<Shard<V>> {
        let hash = self.hasher.hash_one(key) as usize;
        &self.shards[hash % SHARDS]
    }

    fn read(lock: &RwLock<Shard<V>>) -> RwLockReadGuard<'_, Shard<V>> {
        lock.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(lock: &RwLock<Shard<V>>) -> RwLockWriteGuard<'_, Shard<V>> {
        lock.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live value of `key`. A shard whose earliest entry has expired is
    /// swept on the way if nobody else holds it, so memory is reclaimed even
    /// when no new revocations arrive.
    fn get(&self, key: &str, now: i64) -> Option<V> {
        // Empty maps (no family or cut-off ever revoked) cost no lock. The
        // Acquire pairs with the Release of the insertion's increment.
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let lock = self.shard(key);
        let (found, stale) = {
            let shard = Self::read(lock);
            let found = shard.map.get(key).filter(|e| e.live(now)).map(|e| e.value);
            (found, now >= shard.earliest)
        };
        if stale && let Ok(mut shard) = lock.try_write() {
            let removed = shard.sweep(now);
            self.len.fetch_sub(removed, Ordering::Relaxed);
        }
        found
    }

    /// Inserts or updates `key` with `update(current live value)`; `None`
    /// from `update` leaves the entry alone. Returns what `update` returned.
    fn upsert<R>(
        &self,
        key: &str,
        until: i64,
        now: i64,
        update: impl FnOnce(Option<V>) -> (Option<V>, R),
    ) -> R {
        let mut shard = Self::write(self.shard(key));
        let removed = shard.sweep(now);
        self.len.fetch_sub(removed, Ordering::Relaxed);
        let current = shard.map.get(key).filter(|e| e.live(now)).copied();
        let (value, result) = update(current.map(|e| e.value));
        if let Some(value) = value {
            let until = current.map_or(until, |e| e.until.max(until));
            if until > now {
                let previous = shard.map.insert(key.into(), Entry { value, until });
                if previous.is_none() {
                    self.len.fetch_add(1, Ordering::Release);
                }
                shard.earliest = shard.earliest.min(until);
            }
        }
        result
    }

    fn purge(&self, now: i64) {
        for lock in &self.shards {
            let removed = Self::write(lock).sweep(now);
            self.len.fetch_sub(removed, Ordering::Relaxed);
        }
    }

    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    fn clear(&self) {
        for lock in &self.shards {
            let mut shard = Self::write(lock);
            let removed = shard.map.len();
            *shard = Shard::default();
            self.len.fetch_sub(removed, Ordering::Relaxed);
        }
    }

    fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }
}

/// The per-`jti` state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum JtiState {
    Revoked,
    Exchanged,
}

struct Maps {
    jtis: ShardedMap<JtiState>,
    families: ShardedMap<()>,
    cutoffs: ShardedMap<i64>,
}

/// The embedded revocation store (the default): revoked `jti`s, revoked
/// families and per-identity cut-offs in sharded, read-mostly maps.
///
/// Each entry is dropped once the token it concerns would have expired
/// (swept lazily as the store is used), so memory stays bounded by live
/// tokens. Checking a token takes one uncontended read lock per non-empty
/// map. Cheap to clone: clones share the same maps.
///
/// The store lives in one process: instances of a deployment that must see
/// each other's revocations share a `RedisStore` (feature `redis`).
#[derive(Clone)]
pub struct MemoryStore {
    maps: Arc<Maps>,
    /// What "expired" is measured against: the system clock, or the clock
    /// of the manager that made this store its default.
    clock: Clock,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("revoked_tokens", &self.maps.jtis.len())
            .field("revoked_families", &self.maps.families.len())
            .field("identity_cutoffs", &self.maps.cutoffs.len())
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::on_clock(Clock::default())
    }

    /// An empty store whose entries expire by a manual clock (a manager's
    /// default store follows the manager's clock by itself).
    #[cfg(feature = "testing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    pub fn with_clock(clock: &crate::time::ManualClock) -> Self {
        Self::on_clock(clock.clock())
    }

    /// An empty store whose entries expire by `clock`.
    pub(crate) fn on_clock(clock: Clock) -> Self {
        Self {
            maps: Arc::new(Maps {
                jtis: ShardedMap::new(),
                families: ShardedMap::new(),
                cutoffs: ShardedMap::new(),
            }),
            clock,
        }
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// The number of entries held (revoked or exchanged tokens, revoked
    /// families and identity cut-offs), including expired entries not yet
    /// swept.
    pub fn len(&self) -> usize {
        self.maps.jtis.len() + self.maps.families.len() + self.maps.cutoffs.len()
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired entry now (the store also does this lazily).
    pub fn purge_expired(&self) {
        let now = self.now();
        self.maps.jtis.purge(now);
        self.maps.families.purge(now);
        self.maps.cutoffs.purge(now);
    }

    /// Forgets everything.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn clear(&self) {
        self.maps.jtis.clear();
        self.maps.families.clear();
        self.maps.cutoffs.clear();
    }

    pub(crate) fn set_jti(&self, jti: &str, state: JtiState, until: Option<i64>) {
        let until = until.unwrap_or(NEVER);
        self.maps.jtis.upsert(jti, until, self.now(), |current| {
            (Some(current.map_or(state, |c| c.max(state))), ())
        });
    }

    pub(crate) fn revoke_now(&self, jti: &str, until: Option<i64>) {
        self.set_jti(jti, JtiState::Revoked, until);
    }

    pub(crate) fn exchange_now(&self, jti: &str, until: Option<i64>) -> bool {
        let until = until.unwrap_or(NEVER);
        self.maps
            .jtis
            .upsert(jti, until, self.now(), |current| match current {
                None => (Some(JtiState::Exchanged), true),
                Some(_) => (None, false),
            })
    }

    pub(crate) fn revoke_family_now(&self, family: &str, until: Option<i64>) {
        let until = until.unwrap_or(NEVER);
        self.maps
            .families
            .upsert(family, until, self.now(), |_| (Some(()), ()));
    }

    pub(crate) fn cut_off_now(&self, identity: &str, cutoff: i64, until: Option<i64>) {
        let until = until.unwrap_or(NEVER);
        self.maps
            .cutoffs
            .upsert(identity, until, self.now(), |current| {
                (Some(current.map_or(cutoff, |c| c.max(cutoff))), ())
            });
    }

    pub(crate) fn status_now(&self, token: &TokenKey<'_>) -> TokenStatus {
        let now = self.now();
        let maps = &self.maps;
        if let Some(jti) = token.jti {
            match maps.jtis.get(jti, now) {
                Some(JtiState::Exchanged) => return TokenStatus::Exchanged,
                Some(JtiState::Revoked) => return TokenStatus::Revoked,
                None => {}
            }
        }
        if let Some(family) = token.family
            && maps.families.get(family, now).is_some()
        {
            return TokenStatus::Revoked;
        }
        if let Some(cutoff) = maps.cutoffs.get(&token.identity, now)
            && token.is_cut_off(cutoff)
        {
            return TokenStatus::Revoked;
        }
        TokenStatus::Active
    }
}

impl RevocationStore for MemoryStore {
    async fn revoke(&self, jti: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        self.revoke_now(jti, expires_at);
        Ok(())
    }

    async fn revoke_family(&self, family: &str, expires_at: Option<i64>) -> Result<(), StoreError> {
        self.revoke_family_now(family, expires_at);
        Ok(())
    }

    async fn revoke_issued_before(
        &self,
        identity: &str,
        cutoff: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.cut_off_now(identity, cutoff, expires_at);
        Ok(())
    }

    async fn exchange(&self, jti: &str, expires_at: Option<i64>) -> Result<bool, StoreError> {
        Ok(self.exchange_now(jti, expires_at))
    }

    async fn status(&self, token: &TokenKey<'_>) -> Result<TokenStatus, StoreError> {
        Ok(self.status_now(token))
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn now() -> i64 {
        Clock::default().now_secs()
    }

    fn key<'a>(jti: &'a str, identity: &'a str, iat: i64) -> TokenKey<'a> {
        TokenKey {
            jti: Some(jti),
            family: None,
            identity: Cow::Borrowed(identity),
            issued_at: Some(iat),
        }
    }

    #[test]
    fn revoked_jti_is_revoked_until_its_expiry_then_swept() {
        let store = MemoryStore::new();
        let now = now();
        store.revoke_now("live", Some(now + 60));
        store.revoke_now("gone", Some(now - 1));
        assert_eq!(
            store.status_now(&key("live", "a", now)),
            TokenStatus::Revoked
        );
        assert_eq!(
            store.status_now(&key("gone", "a", now)),
            TokenStatus::Active
        );
        assert_eq!(
            store.status_now(&key("other", "a", now)),
            TokenStatus::Active
        );
        // An entry already expired when written is never stored.
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn expired_entries_are_dropped_on_purge_and_on_reads() {
        let store = MemoryStore::new();
        let now = now();
        for i in 0..100 {
            store.revoke_now(&format!("jti-{i}"), Some(now + 1));
        }
        store.revoke_family_now("fam", Some(now + 1));
        store.cut_off_now("alice", now, Some(now + 1));
        store.revoke_now("forever", None);
        assert_eq!(store.len(), 103);
        // Sweep as if two seconds had passed.
        let later = now + 2;
        store.maps.jtis.purge(later);
        store.maps.families.purge(later);
        assert_eq!(store.len(), 2, "jtis and the family are dropped");
        // A read of a stale shard sweeps it too.
        assert_eq!(store.maps.cutoffs.get("alice", later), None);
        assert_eq!(store.len(), 1, "only the never-expiring entry is left");
        assert_eq!(
            store.status_now(&key("forever", "a", now)),
            TokenStatus::Revoked
        );
    }

    #[test]
    fn cutoff_revokes_tokens_issued_before_it_only() {
        let store = MemoryStore::new();
        let now = now();
        store.cut_off_now("alice", 1000, Some(now + 60));
        assert_eq!(
            store.status_now(&key("j1", "alice", 999)),
            TokenStatus::Revoked
        );
        assert_eq!(
            store.status_now(&key("j2", "alice", 1000)),
            TokenStatus::Active
        );
        assert_eq!(
            store.status_now(&key("j3", "bob", 999)),
            TokenStatus::Active
        );
        let no_iat = TokenKey {
            issued_at: None,
            ..key("j4", "alice", 0)
        };
        assert_eq!(store.status_now(&no_iat), TokenStatus::Revoked);
        // An earlier cut-off never replaces a later one.
        store.cut_off_now("alice", 500, Some(now + 60));
        assert_eq!(
            store.status_now(&key("j5", "alice", 999)),
            TokenStatus::Revoked
        );
    }

    #[test]
    fn exchange_succeeds_once_and_wins_over_revoke() {
        let store = MemoryStore::new();
        let until = Some(now() + 60);
        assert!(store.exchange_now("r1", until));
        assert!(!store.exchange_now("r1", until));
        store.revoke_now("r1", until);
        assert_eq!(store.status_now(&key("r1", "a", 0)), TokenStatus::Exchanged);
        store.revoke_now("r2", until);
        assert!(
            !store.exchange_now("r2", until),
            "a revoked token cannot be exchanged"
        );
    }

    #[test]
    fn family_revocation_covers_every_member() {
        let store = MemoryStore::new();
        store.revoke_family_now("fam-1", Some(now() + 60));
        let member = TokenKey {
            family: Some("fam-1"),
            ..key("any", "a", 0)
        };
        let stranger = TokenKey {
            family: Some("fam-2"),
            ..key("any", "a", 0)
        };
        assert_eq!(store.status_now(&member), TokenStatus::Revoked);
        assert_eq!(store.status_now(&stranger), TokenStatus::Active);
    }
}
