//! The clock: the one place a manager reads the time. Token creation, the
//! decoding of `exp`/`nbf`/`iat`, the verified-token cache's time checks,
//! freshness, revocation retention, the embedded store's expiry, cookie
//! `Expires` and the implicit refresh all ask the manager's [`Clock`] — the
//! system clock, or (feature `testing`) a manual clock that tests move.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(feature = "testing")]
use std::sync::Arc;
#[cfg(feature = "testing")]
use std::sync::atomic::{AtomicI64, Ordering};

/// The time source of a manager. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock(Source);

#[derive(Debug, Clone, Default)]
enum Source {
    /// The system clock.
    #[default]
    System,
    /// Nanoseconds since the UNIX epoch, moved by hand.
    #[cfg(feature = "testing")]
    Manual(Arc<AtomicI64>),
}

impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Source::System, Source::System) => true,
            #[cfg(feature = "testing")]
            (Source::Manual(a), Source::Manual(b)) => Arc::ptr_eq(a, b),
            #[cfg(feature = "testing")]
            _ => false,
        }
    }
}

impl Clock {
    /// A clock that reads (and shares) `nanos`, nanoseconds since the epoch.
    #[cfg(feature = "testing")]
    fn manual(nanos: Arc<AtomicI64>) -> Self {
        Self(Source::Manual(nanos))
    }

    /// Seconds since the UNIX epoch, with sub-second precision.
    pub(crate) fn now_f64(&self) -> f64 {
        match &self.0 {
            Source::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            #[cfg(feature = "testing")]
            Source::Manual(nanos) => nanos.load(Ordering::Acquire) as f64 / 1e9,
        }
    }

    /// Whole seconds since the UNIX epoch (rounded down).
    pub(crate) fn now_secs(&self) -> i64 {
        self.now_f64().floor() as i64
    }

    /// The current time as a [`SystemTime`].
    pub(crate) fn now(&self) -> SystemTime {
        match &self.0 {
            Source::System => SystemTime::now(),
            #[cfg(feature = "testing")]
            Source::Manual(nanos) => {
                let nanos = nanos.load(Ordering::Acquire);
                match u64::try_from(nanos) {
                    Ok(after) => UNIX_EPOCH + Duration::from_nanos(after),
                    Err(_) => UNIX_EPOCH - Duration::from_nanos(nanos.unsigned_abs()),
                }
            }
        }
    }

    /// Waits until this clock reads at least `deadline` (seconds since the
    /// epoch): the system clock sleeps; a manual clock is moved there, since
    /// nobody else would move it.
    pub(crate) async fn wait_until(&self, deadline: f64) {
        match &self.0 {
            Source::System => {
                let wait = deadline - self.now_f64();
                if wait > 0.0 {
                    tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                }
            }
            #[cfg(feature = "testing")]
            Source::Manual(nanos) => {
                nanos.fetch_max((deadline * 1e9).ceil() as i64, Ordering::AcqRel);
            }
        }
    }
}

/// A clock that moves only when told to, so that tests can let tokens
/// expire, stop being fresh or leave the cache without sleeping.
///
/// Give it to the manager with
/// [`JwtManagerBuilder::clock`](crate::JwtManagerBuilder::clock); clones
/// share the same time. Everything the manager times reads it: token
/// creation (`iat`, `nbf`, `exp`, a `fresh` duration), verification of
/// `exp`/`nbf`/`iat` (cached tokens included), freshness, how long
/// revocations are kept, the embedded revocation store's expiry, cookie
/// `Expires` and [`ImplicitRefresh`](crate::ImplicitRefresh).
/// [`JwtManager::revoke_all_tokens`](crate::JwtManager::revoke_all_tokens),
/// which waits for the next whole second on the system clock, moves a
/// manual clock there instead.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_extended::JwtManager;
/// use actix_jwt_extended::testing::ManualClock;
///
/// let clock = ManualClock::new();
/// let jwt = JwtManager::builder().secret_key("k").clock(&clock).build().unwrap();
/// let token = jwt.create_access_token("alice").unwrap();   // expires in 15 minutes
/// assert!(jwt.decode_token(&token).is_ok());
/// clock.advance(Duration::from_secs(15 * 60));
/// assert_eq!(jwt.decode_token(&token).unwrap_err().to_string(), "Token has expired");
/// ```
#[cfg(feature = "testing")]
#[derive(Debug, Clone)]
pub struct ManualClock {
    nanos: Arc<AtomicI64>,
}

#[cfg(feature = "testing")]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "testing")]
impl ManualClock {
    /// A clock showing the current time, rounded down to a whole second (so
    /// that a token's `iat` is exactly "now" and a lifetime of `n` seconds
    /// ends exactly `n` seconds of [`advance`](ManualClock::advance) later).
    pub fn new() -> Self {
        let now = Clock::default().now_secs();
        Self {
            nanos: Arc::new(AtomicI64::new(now.saturating_mul(1_000_000_000))),
        }
    }

    /// A clock showing `time`.
    pub fn at(time: SystemTime) -> Self {
        let clock = Self::new();
        clock.set(time);
        clock
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        self.nanos.fetch_add(by, Ordering::AcqRel);
    }

    /// Sets the clock to `time` (forward or back).
    pub fn set(&self, time: SystemTime) {
        let nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
        };
        self.nanos.store(nanos, Ordering::Release);
    }

    /// The time it shows.
    pub fn now(&self) -> SystemTime {
        self.clock().now()
    }

    /// The time it shows, in whole seconds since the UNIX epoch (what a
    /// token's `iat` would be).
    pub fn unix_seconds(&self) -> i64 {
        self.clock().now_secs()
    }

    /// The manager's view of this clock.
    pub(crate) fn clock(&self) -> Clock {
        Clock::manual(Arc::clone(&self.nanos))
    }
}

/// Whole seconds since the UNIX epoch by the system clock, for what keeps
/// time by it whatever the manager's clock (a Redis server's expiries).
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn now_secs() -> i64 {
    Clock::default().now_secs()
}
