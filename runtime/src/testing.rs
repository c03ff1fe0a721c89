//! The testing kit (feature `testing`, for `[dev-dependencies]`): a
//! [`ManualClock`] to move time instead of sleeping.

pub use crate::time::ManualClock;
