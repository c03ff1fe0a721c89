//! Compile-time tests of the attribute macros (see `tests/ui.rs`).
