//! Helpers shared by the integration tests: drop counting, wakers that
//! count their wake-ups, and a minimal executor; under `--cfg loom`, the
//! loom models' harness (`loom_support`).
//!
//! The tests in `tests/` use the `oneshot` crate only through its public
//! API, as a user would. Tests that need real time or a runtime start with
//! `#![cfg(not(loom))]` and are ignored under Miri.
//!
//! # Compile-time guarantees that must *not* compile
//!
//! `Sender<T>` is invariant in `T`: a `Sender<&'static str>` cannot become a
//! `Sender<&'a str>` (covariance would let it send a short-lived borrow to a
//! receiver expecting `&'static str`) ...
//!
//! ```compile_fail
//! fn shorten<'a>(sender: oneshot::Sender<&'static str>) -> oneshot::Sender<&'a str> {
//!     sender
//! }
//! ```
//!
//! ... nor the other way round:
//!
//! ```compile_fail
//! fn lengthen<'a>(sender: oneshot::Sender<&'a str>) -> oneshot::Sender<&'static str> {
//!     sender
//! }
//! ```
//!
//! The same function with matching lifetimes compiles, so the two cases
//! above fail for the variance and not for a typo:
//!
//! ```
//! fn keep(sender: oneshot::Sender<&'static str>) -> oneshot::Sender<&'static str> {
//!     sender
//! }
//! # drop(keep(oneshot::channel().0));
//! ```
//!
//! `Receiver` is not `Sync`: its `&self` receive methods must not race.
//!
//! ```compile_fail
//! fn is_sync<T: Sync>() {}
//! is_sync::<oneshot::Receiver<u8>>();
//! ```
//!
//! Neither end is `Send` when `T` is not:
//!
//! ```compile_fail
//! fn is_send<T: Send>() {}
//! is_send::<oneshot::Sender<std::rc::Rc<u8>>>();
//! ```
//!
//! ```compile_fail
//! fn is_send<T: Send>() {}
//! is_send::<oneshot::Receiver<std::rc::Rc<u8>>>();
//! ```
//!
//! Neither end can be cloned, and a sender sends only once:
//!
//! ```compile_fail
//! let (sender, _receiver) = oneshot::channel::<u8>();
//! let _copy = sender.clone();
//! ```
//!
//! ```compile_fail
//! let (_sender, receiver) = oneshot::channel::<u8>();
//! let _copy = receiver.clone();
//! ```
//!
//! ```compile_fail
//! let (sender, _receiver) = oneshot::channel::<u8>();
//! let _ = sender.send(1);
//! let _ = sender.send(2);
//! ```
//!
//! `recv` consumes the receiver:
//!
//! ```compile_fail
//! let (_sender, receiver) = oneshot::channel::<u8>();
//! let _ = receiver.recv();
//! let _ = receiver.try_recv();
//! ```

mod counting_alloc;
mod drops;
mod executor;
mod hostile_wakers;
mod ledger;
#[cfg(loom)]
pub mod loom_support;
#[cfg(doctest)]
mod mpmc_compile_fail;
mod probe;
mod rng;
mod wakers;
mod watchdog;

pub use drops::{zst_drops, DropCounter, Tracked, ZstToken, ZST_SLOTS};
pub use executor::{block_on, block_on_counted};
pub use wakers::{noop_waker, poll_once, CountingWaker};

// Helpers for the `mpmc` tests (usable by any test).
pub use counting_alloc::{
    all_threads_bytes, alloc_test_lock, count_this_thread, counted, AllocGate, AllocSnapshot,
    CountScope, CountingAlloc,
};
pub use hostile_wakers::{panics, quietly, Bomb, HostileWaker, HOSTILE};
pub use ledger::{Ledger, LedgerMsg};
pub use probe::ThreadProbe;
pub use rng::Rng;
pub use watchdog::{join_within, poll_pinned, Watchdog, HANG_LIMIT};

/// Iteration count for loops that look for races: large natively, small
/// under Miri, which is about a thousand times slower (and explores
/// interleavings by its own scheduling instead).
pub const fn race_iterations(native: usize) -> usize {
    if cfg!(miri) {
        if native < 8 {
            native
        } else {
            8
        }
    } else {
        native
    }
}
