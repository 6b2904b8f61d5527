//! A user crate of `oneshot` without its `client` feature: see `tests/ui.rs`.
