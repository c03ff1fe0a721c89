//! The clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the UNIX epoch, with sub-second precision.
pub(crate) fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Whole seconds since the UNIX epoch (rounded down).
pub(crate) fn now_secs() -> i64 {
    now_f64().floor() as i64
}
