//! The verified-token cache, after Envoy's `jwt_authn` cache: tokens that
//! passed full verification are remembered so that the next request carrying
//! the same token — on any worker — skips the signature check and the
//! parsing.
//!
//! * One cache per manager, shared by every worker thread: a token verified
//!   on one worker is a hit on the others. It is a sharded concurrent cache
//!   (`quick_cache`): a lookup takes the read lock of one shard of eight or
//!   more, so no lock is contended by every request on every worker.
//! * Keyed by the whole encoded token, compared byte for byte, so two tokens
//!   can never share an entry.
//! * Only tokens that passed every check of the full verification are
//!   stored; a failure is never stored.
//! * On every hit `exp`, `nbf` and `iat` are checked again with the leeway;
//!   a token that no longer passes is removed and verified in full, which
//!   gives exactly the error an uncached request gets. The CSRF, type,
//!   freshness, revocation and requirement checks run after the lookup, hit
//!   or miss.
//! * Bounded: at most JWT_VERIFIED_TOKEN_CACHE_SIZE tokens, and tokens over
//!   [`MAX_CACHED_TOKEN_SIZE`] bytes are never stored. Admission resists
//!   scans: a new token enters a small "cold" part and is promoted only when
//!   seen again (CLOCK-Pro with ghost entries, close to S3-FIFO), so a burst
//!   of one-off tokens cannot evict the tokens in use.
//! * A manager's key set can change; a change that removes a key empties the
//!   cache (rotation adds a key and keeps the old one until its tokens have
//!   expired, so it keeps the cache).
//!   [`JwtManager::clear_verified_token_cache`](crate::JwtManager::clear_verified_token_cache)
//!   empties it too.
//! * Hits and misses are counted on striped counters (no cache line shared
//!   by every worker).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use quick_cache::sync::Cache;

use crate::claims::time_claim;
use crate::token::DecodedToken;

/// Tokens longer than this many bytes are never put in the cache (they are
/// still verified and accepted, just not cached).
pub(crate) const MAX_CACHED_TOKEN_SIZE: usize = 4096;

/// Counters of a manager's verified-token cache, from
/// [`JwtManager::verified_token_cache_stats`](crate::JwtManager::verified_token_cache_stats):
/// one cache shared by every worker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TokenCacheStats {
    /// Tokens cached now.
    pub entries: usize,
    /// The most tokens the cache keeps.
    pub capacity: usize,
    /// Lookups that found a still-valid token.
    pub hits: u64,
    /// Lookups that found nothing (or a token whose time claims no longer
    /// pass), so the token was verified in full.
    pub misses: u64,
}

impl TokenCacheStats {
    /// The share of lookups that were hits (0 without lookups).
    pub fn hit_ratio(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }
}

/// What a hit needs besides the token: its time claims, as the full
/// verification read them (whole seconds).
#[derive(Clone)]
struct Entry {
    token: Arc<DecodedToken>,
    /// The later of `nbf` and `iat`, or -∞.
    not_before: f64,
    /// `exp`, or +∞.
    expires: f64,
}

/// Counters spread over cache lines, one picked per thread.
struct Striped([Padded; STRIPES]);

const STRIPES: usize = 16;

#[repr(align(128))]
#[derive(Default)]
struct Padded {
    hits: AtomicU64,
    misses: AtomicU64,
}

fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
    }
    STRIPE.try_with(|s| *s).unwrap_or(0)
}

impl Striped {
    fn new() -> Self {
        Self(std::array::from_fn(|_| Padded::default()))
    }

    fn count(&self, hit: bool) {
        let padded = &self.0[stripe()];
        let counter = if hit { &padded.hits } else { &padded.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn totals(&self) -> (u64, u64) {
        self.0.iter().fold((0, 0), |(hits, misses), p| {
            (
                hits + p.hits.load(Ordering::Relaxed),
                misses + p.misses.load(Ordering::Relaxed),
            )
        })
    }
}

/// A manager's cache of verified tokens.
pub(crate) struct TokenCache {
    entries: Cache<Arc<str>, Entry>,
    capacity: usize,
    leeway: f64,
    counters: Striped,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.capacity)
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache of about `capacity` tokens: each shard holds its share,
    /// rounded up.
    pub(crate) fn new(capacity: usize, leeway: f64) -> Self {
        let entries = Cache::new(capacity);
        Self {
            capacity: usize::try_from(entries.capacity()).unwrap_or(usize::MAX),
            entries,
            leeway,
            counters: Striped::new(),
        }
    }

    /// The cached token for `encoded`, if its time claims still pass at `now`.
    pub(crate) fn get(&self, encoded: &str, now: f64) -> Option<Arc<DecodedToken>> {
        if encoded.len() > MAX_CACHED_TOKEN_SIZE {
            return None;
        }
        let leeway = self.leeway;
        let found = match self.entries.get(encoded) {
            Some(entry) if entry.not_before <= now + leeway && entry.expires > now - leeway => {
                Some(entry.token)
            }
            Some(_) => {
                // No longer valid: the full verification reports why.
                self.entries.remove(encoded);
                None
            }
            None => None,
        };
        self.counters.count(found.is_some());
        found
    }

    /// Remembers a token that has just passed full verification.
    pub(crate) fn insert(&self, token: &Arc<DecodedToken>) {
        if token.encoded.len() > MAX_CACHED_TOKEN_SIZE {
            return;
        }
        // The full verification has already checked that these are numbers.
        let time = |name| {
            time_claim(token.registered.value(name), name)
                .ok()
                .flatten()
        };
        let not_before = match (time("nbf"), time("iat")) {
            (Some(nbf), Some(iat)) => nbf.max(iat),
            (one, other) => one.or(other).unwrap_or(f64::NEG_INFINITY),
        };
        let entry = Entry {
            token: Arc::clone(token),
            not_before,
            expires: time("exp").unwrap_or(f64::INFINITY),
        };
        self.entries.insert(Arc::clone(&token.encoded), entry);
    }

    /// The counters.
    pub(crate) fn stats(&self) -> TokenCacheStats {
        let (hits, misses) = self.counters.totals();
        TokenCacheStats {
            entries: self.entries.len(),
            capacity: self.capacity,
            hits,
            misses,
        }
    }

    /// Empties the cache, for every worker.
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn token(encoded: &str, claims: Value) -> Arc<DecodedToken> {
        Arc::new(DecodedToken::for_tests(encoded, claims))
    }

    #[test]
    fn hits_only_while_the_time_claims_pass() {
        let cache = TokenCache::new(8, 0.0);
        cache.insert(&token(
            "a.b.c",
            json!({"sub": "x", "nbf": 100, "iat": 90, "exp": 200}),
        ));
        assert!(cache.get("a.b.c", 150.0).is_some());
        assert!(cache.get("a.b.c", 99.5).is_none(), "before nbf");
        // The failed hit removed the entry.
        assert_eq!(cache.stats().entries, 0);
        cache.insert(&token("a.b.c", json!({"sub": "x", "nbf": 100, "exp": 200})));
        assert!(cache.get("a.b.c", 200.0).is_none(), "at exp");
        assert_eq!(cache.stats().entries, 0);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (1, 2));
        assert!((stats.hit_ratio() - 1.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_leeway_applies_on_a_hit() {
        let cache = TokenCache::new(8, 10.0);
        cache.insert(&token(
            "a.b.c",
            json!({"sub": "x", "iat": 100.9, "exp": 200.7}),
        ));
        assert!(cache.get("a.b.c", 91.0).is_some(), "iat within the leeway");
        assert!(cache.get("a.b.c", 209.0).is_some(), "exp within the leeway");
        assert!(cache.get("a.b.c", 210.0).is_none(), "exp past the leeway");
    }

    #[test]
    fn keyed_by_the_whole_token() {
        let cache = TokenCache::new(8, 0.0);
        cache.insert(&token("a.b.c", json!({"sub": "x"})));
        assert!(cache.get("a.b.cd", 0.0).is_none());
        assert!(cache.get("a.b.", 0.0).is_none());
        assert!(cache.get("A.b.c", 0.0).is_none());
        assert_eq!(cache.get("a.b.c", 0.0).unwrap().sub(), Some("x"));
    }

    #[test]
    fn bounded_and_scan_resistant() {
        let cache = TokenCache::new(1000, 0.0);
        let hot: Vec<String> = (0..200).map(|i| format!("hot.{i}.x")).collect();
        for _ in 0..3 {
            for encoded in &hot {
                if cache.get(encoded, 0.0).is_none() {
                    cache.insert(&token(encoded, json!({"sub": "h"})));
                }
            }
        }
        // A burst of 100 000 one-off tokens, with the hot ones still in use.
        for i in 0..100_000 {
            let once = format!("once.{i}.x");
            cache.insert(&token(&once, json!({"sub": "o"})));
            if i % 10 == 0 {
                let encoded = &hot[(i / 10) % hot.len()];
                if cache.get(encoded, 0.0).is_none() {
                    cache.insert(&token(encoded, json!({"sub": "h"})));
                }
            }
        }
        let stats = cache.stats();
        assert!(stats.entries <= stats.capacity, "{stats:?}");
        let kept = hot.iter().filter(|e| cache.get(e, 0.0).is_some()).count();
        assert!(
            kept >= 190,
            "only {kept} of 200 hot tokens survived the burst"
        );
    }

    #[test]
    fn the_bound_holds_under_100_000_tokens() {
        let cache = TokenCache::new(4096, 0.0);
        for i in 0..100_000 {
            let encoded = format!("t.{i}.x");
            if cache.get(&encoded, 0.0).is_none() {
                cache.insert(&token(&encoded, json!({"sub": "u", "exp": 10})));
            }
            if i % 1000 == 0 {
                assert!(cache.stats().entries <= 4096, "{:?}", cache.stats());
            }
        }
        let stats = cache.stats();
        assert_eq!(stats.capacity, 4096);
        assert!(stats.entries <= stats.capacity, "{stats:?}");
        assert_eq!((stats.hits, stats.misses), (0, 100_000));
    }

    #[test]
    fn oversize_tokens_are_not_stored() {
        let cache = TokenCache::new(8, 0.0);
        let big = format!("a.{}.c", "b".repeat(MAX_CACHED_TOKEN_SIZE));
        cache.insert(&token(&big, json!({"sub": "x"})));
        assert_eq!(cache.stats().entries, 0);
        assert!(cache.get(&big, 0.0).is_none());
        let fits = format!("a.{}.c", "b".repeat(MAX_CACHED_TOKEN_SIZE - 4));
        cache.insert(&token(&fits, json!({"sub": "x"})));
        assert!(cache.get(&fits, 0.0).is_some());
    }

    #[test]
    fn a_token_cached_on_one_thread_is_a_hit_on_another_and_clearing_reaches_all() {
        let cache = &TokenCache::new(8, 0.0);
        std::thread::scope(|scope| {
            scope
                .spawn(|| cache.insert(&token("a.b.c", json!({"sub": "x"}))))
                .join()
                .unwrap();
        });
        assert!(cache.get("a.b.c", 0.0).is_some(), "shared between threads");
        cache.clear();
        std::thread::scope(|scope| {
            let other = scope.spawn(|| cache.get("a.b.c", 0.0).is_none());
            assert!(other.join().unwrap(), "cleared for every thread");
        });
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (1, 1), "counted across threads");
    }
}
