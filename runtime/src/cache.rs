//! The verified-token cache, after Envoy's `jwt_authn` cache: tokens that
//! passed full verification are remembered so that the next request carrying
//! the same token skips the signature check and the parsing.
//!
//! * Keyed by the whole encoded token (compared byte for byte), so two tokens
//!   can never share an entry.
//! * Only tokens that passed every check of the full verification are
//!   stored; a failure is never stored.
//! * On every hit `exp`, `nbf` and `iat` are checked again with the leeway;
//!   a token that no longer passes is evicted and verified in full, which
//!   gives exactly the error an uncached request gets. The type, freshness,
//!   revocation and requirement checks run after the lookup, hit or miss.
//! * Bounded: at most `JWT_VERIFIED_TOKEN_CACHE_SIZE` entries per worker
//!   thread and manager (least recently used go first), and tokens over
//!   [`MAX_CACHED_TOKEN_SIZE`] bytes are never stored.
//! * One cache per manager and thread: a thread-local table, so the hot path
//!   takes no lock. A new manager (new keys, new settings) starts empty, and
//!   the entries of a dropped manager are freed the next time a manager is
//!   first used on that thread. A manager's keys never change, so a key
//!   change is a new manager, and a new manager never sees old entries.
//! * [`JwtManager::clear_verified_token_cache`](crate::JwtManager::clear_verified_token_cache)
//!   empties every thread's cache of the manager: it bumps a generation that
//!   each thread compares (one atomic load) before it uses its entries.

use std::cell::RefCell;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use lru::LruCache;

use crate::claims::time_claim;
use crate::token::DecodedToken;

/// Tokens longer than this many bytes are never put in the cache (they are
/// still verified and accepted, just not cached).
pub(crate) const MAX_CACHED_TOKEN_SIZE: usize = 4096;

/// Counters of the verified-token cache of one manager on the current
/// thread, from [`JwtManager::verified_token_cache_stats`](crate::JwtManager::verified_token_cache_stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Tokens cached now.
    pub entries: usize,
    /// The most tokens this thread keeps for the manager.
    pub capacity: usize,
    /// Lookups that found a still-valid token.
    pub hits: u64,
    /// Lookups that found nothing (or a token whose time claims no longer
    /// pass), so the token was verified in full.
    pub misses: u64,
}

/// What a hit needs besides the token: its time claims, as the full
/// verification read them (whole seconds).
struct Entry {
    token: Arc<DecodedToken>,
    /// The later of `nbf` and `iat`, or -∞.
    not_before: f64,
    /// `exp`, or +∞.
    expires: f64,
}

/// One manager's cache on one thread.
struct Slot {
    id: u64,
    alive: Weak<()>,
    entries: LruCache<Box<str>, Entry>,
    /// The manager's generation these entries belong to.
    generation: u64,
    hits: u64,
    misses: u64,
}

thread_local! {
    static SLOTS: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A manager's handle on its per-thread caches.
#[derive(Debug)]
pub(crate) struct TokenCacheHandle {
    id: u64,
    capacity: NonZeroUsize,
    /// Dropped with the manager; the slots hold a `Weak` to it.
    alive: Arc<()>,
    leeway: f64,
    /// Bumped by [`TokenCacheHandle::clear`]: entries of an older generation
    /// are dropped before use.
    generation: AtomicU64,
}

impl TokenCacheHandle {
    pub(crate) fn new(capacity: NonZeroUsize, leeway: f64) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            capacity,
            alive: Arc::new(()),
            leeway,
            generation: AtomicU64::new(0),
        }
    }

    /// Runs `f` on this manager's slot of the current thread, creating it
    /// (and dropping the slots of dropped managers) on first use, and
    /// emptying it when the manager's cache was cleared since. `None` while
    /// the thread is being torn down.
    fn with_slot<T>(&self, f: impl FnOnce(&mut Slot) -> T) -> Option<T> {
        let generation = self.generation.load(Ordering::Acquire);
        SLOTS
            .try_with(|slots| {
                let mut slots = slots.try_borrow_mut().ok()?;
                let index = match slots.iter().position(|slot| slot.id == self.id) {
                    Some(index) => index,
                    None => {
                        slots.retain(|slot| slot.alive.strong_count() > 0);
                        slots.push(Slot {
                            id: self.id,
                            alive: Arc::downgrade(&self.alive),
                            entries: LruCache::new(self.capacity),
                            generation,
                            hits: 0,
                            misses: 0,
                        });
                        slots.len() - 1
                    }
                };
                let slot = &mut slots[index];
                if slot.generation != generation {
                    slot.entries.clear();
                    slot.generation = generation;
                }
                Some(f(slot))
            })
            .ok()
            .flatten()
    }

    /// The cached token for `encoded`, if its time claims still pass at `now`.
    pub(crate) fn get(&self, encoded: &str, now: f64) -> Option<Arc<DecodedToken>> {
        if encoded.len() > MAX_CACHED_TOKEN_SIZE {
            return None;
        }
        let leeway = self.leeway;
        self.with_slot(|slot| {
            let found = match slot.entries.get(encoded) {
                Some(entry) if entry.not_before <= now + leeway && entry.expires > now - leeway => {
                    Some(Arc::clone(&entry.token))
                }
                Some(_) => {
                    // No longer valid: the full verification reports why.
                    slot.entries.pop(encoded);
                    None
                }
                None => None,
            };
            match found {
                Some(_) => slot.hits += 1,
                None => slot.misses += 1,
            }
            found
        })
        .flatten()
    }

    /// Remembers a token that has just passed full verification.
    pub(crate) fn insert(&self, token: &Arc<DecodedToken>) {
        if token.encoded.len() > MAX_CACHED_TOKEN_SIZE {
            return;
        }
        // The full verification has already checked that these are numbers.
        let time = |name| time_claim(&token.claims, name).ok().flatten();
        let not_before = match (time("nbf"), time("iat")) {
            (Some(nbf), Some(iat)) => nbf.max(iat),
            (one, other) => one.or(other).unwrap_or(f64::NEG_INFINITY),
        };
        let entry = Entry {
            token: Arc::clone(token),
            not_before,
            expires: time("exp").unwrap_or(f64::INFINITY),
        };
        self.with_slot(|slot| slot.entries.put(Box::from(token.encoded.as_str()), entry));
    }

    /// The counters of the current thread.
    pub(crate) fn stats(&self) -> TokenCacheStats {
        self.with_slot(|slot| TokenCacheStats {
            entries: slot.entries.len(),
            capacity: slot.entries.cap().get(),
            hits: slot.hits,
            misses: slot.misses,
        })
        .unwrap_or_default()
    }

    /// Empties this manager's cache on every thread: each thread drops its
    /// entries before its next lookup.
    pub(crate) fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn token(encoded: &str, claims: Value) -> Arc<DecodedToken> {
        let Value::Object(claims) = claims else {
            unreachable!()
        };
        Arc::new(DecodedToken {
            header: Arc::default(),
            claims,
            encoded: encoded.to_owned(),
            identity_claim: "sub".to_owned(),
            clock: crate::time::Clock::default(),
        })
    }

    fn handle(capacity: usize, leeway: f64) -> TokenCacheHandle {
        TokenCacheHandle::new(NonZeroUsize::new(capacity).unwrap(), leeway)
    }

    #[test]
    fn hits_only_while_the_time_claims_pass() {
        let cache = handle(8, 0.0);
        cache.insert(&token(
            "a.b.c",
            json!({"sub": "x", "nbf": 100, "iat": 90, "exp": 200}),
        ));
        assert!(cache.get("a.b.c", 150.0).is_some());
        assert!(cache.get("a.b.c", 99.5).is_none(), "before nbf");
        // The failed hit evicted the entry.
        assert_eq!(cache.stats().entries, 0);
        cache.insert(&token("a.b.c", json!({"sub": "x", "nbf": 100, "exp": 200})));
        assert!(cache.get("a.b.c", 200.0).is_none(), "at exp");
        assert_eq!(cache.stats().entries, 0);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (1, 2));
    }

    #[test]
    fn the_leeway_applies_on_a_hit() {
        let cache = handle(8, 10.0);
        cache.insert(&token(
            "a.b.c",
            json!({"sub": "x", "iat": 100.9, "exp": 200.7}),
        ));
        assert!(cache.get("a.b.c", 91.0).is_some(), "iat within the leeway");
        assert!(cache.get("a.b.c", 209.0).is_some(), "exp within the leeway");
        assert!(cache.get("a.b.c", 210.0).is_none(), "exp past the leeway");
    }

    #[test]
    fn keyed_by_the_whole_token_and_bounded() {
        let cache = handle(2, 0.0);
        cache.insert(&token("a.b.c", json!({"sub": "x"})));
        assert!(cache.get("a.b.cd", 0.0).is_none());
        assert!(cache.get("a.b.", 0.0).is_none());
        assert!(cache.get("A.b.c", 0.0).is_none());
        cache.insert(&token("d.e.f", json!({"sub": "y"})));
        cache.insert(&token("g.h.i", json!({"sub": "z"})));
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.capacity), (2, 2));
        assert!(
            cache.get("a.b.c", 0.0).is_none(),
            "least recently used went first"
        );
        assert_eq!(cache.get("g.h.i", 0.0).unwrap().claims()["sub"], "z");
    }

    #[test]
    fn oversize_tokens_are_not_stored() {
        let cache = handle(8, 0.0);
        let big = format!("a.{}.c", "b".repeat(MAX_CACHED_TOKEN_SIZE));
        cache.insert(&token(&big, json!({"sub": "x"})));
        assert_eq!(cache.stats().entries, 0);
        assert!(cache.get(&big, 0.0).is_none());
        let fits = format!("a.{}.c", "b".repeat(MAX_CACHED_TOKEN_SIZE - 4));
        cache.insert(&token(&fits, json!({"sub": "x"})));
        assert!(cache.get(&fits, 0.0).is_some());
    }

    #[test]
    fn each_manager_has_its_own_entries_and_dropped_ones_are_freed() {
        let first = handle(8, 0.0);
        let second = handle(8, 0.0);
        first.insert(&token("a.b.c", json!({"sub": "x"})));
        assert!(second.get("a.b.c", 0.0).is_none());
        assert!(first.get("a.b.c", 0.0).is_some());
        let slots = || SLOTS.with(|slots| slots.borrow().len());
        let before = slots();
        drop(first);
        // The next manager used for the first time on this thread prunes.
        let third = handle(8, 0.0);
        assert!(third.get("a.b.c", 0.0).is_none());
        assert_eq!(slots(), before);
        second.clear();
        assert_eq!(second.stats().entries, 0);
    }

    #[test]
    fn clearing_reaches_the_entries_of_other_threads() {
        let cache = &handle(8, 0.0);
        let (to_worker, worker_inbox) = std::sync::mpsc::channel::<()>();
        let (to_main, main_inbox) = std::sync::mpsc::channel::<bool>();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                cache.insert(&token("a.b.c", json!({"sub": "x"})));
                to_main.send(cache.get("a.b.c", 0.0).is_some()).unwrap();
                worker_inbox.recv().unwrap();
                to_main.send(cache.get("a.b.c", 0.0).is_some()).unwrap();
            });
            assert!(main_inbox.recv().unwrap(), "cached on the worker thread");
            assert!(cache.get("a.b.c", 0.0).is_none(), "each thread has its own");
            cache.clear();
            to_worker.send(()).unwrap();
            assert!(!main_inbox.recv().unwrap(), "cleared on the worker too");
        });
    }
}
