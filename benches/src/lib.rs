//! Shared code for the oneshot benchmarks: one adapter per channel, the
//! scenario bodies, and the worker thread of the cross-thread scenarios.
//!
//! Every consumer (the criterion benches, the `memory-report` binary and the
//! `counts` binary that runs under callgrind) calls the *same* generic
//! scenario functions from [`scenarios`], so the three kinds of figures
//! describe the same code.
//!
//! Channels, by their name in every table:
//!
//! | name        | channel                                          |
//! |-------------|--------------------------------------------------|
//! | `ours`      | this workspace's `oneshot::channel`              |
//! | `oneshot`   | crates.io `oneshot` 0.2 (`oneshot_crate` here)   |
//! | `tokio`     | `tokio::sync::oneshot`                           |
//! | `futures`   | `futures::channel::oneshot`                      |
//! | `crossbeam` | `crossbeam_channel::bounded(1)`                  |
//! | `flume`     | `flume::bounded(1)`                              |
//! | `std`       | `std::sync::mpsc::sync_channel(1)`               |
//!
//! A peer that lacks an operation does not implement the trait for it, so it
//! is absent from that scenario (the summary prints "n/a"). Where a peer
//! gets a stand-in, the adapter says so in [`Channel::NOTES`].

pub mod channels;
pub mod harness;
pub mod queues;
pub mod scenarios;
pub mod worker;

pub use channels::{Awaitable, Blocking, Channel, Timeout};
