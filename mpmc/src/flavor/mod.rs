//! The queue algorithms; the channel dispatches to one of them ([`Flavor`]):
//!
//! * [`array`]: `bounded(n)` for `n >= 1`, a lock-free ring of `n` slots;
//! * [`array`] with an [`overflow`]: `unbounded()`, the same ring (its size
//!   chosen from the message size) plus a `VecDeque` behind a short lock that
//!   takes the messages sent while the ring is full;
//! * [`zero`]: `bounded(0)`, the rendezvous, done entirely in the waiter lists.
//!
//! The ring never waits and never wakes: it answers `Empty`/`Full` for a slot
//! another thread is in the middle of, and the channel (`chan.rs`) does the
//! waiting and the notifications around it. The overflow's lock is held for
//! a push or a refill of at most the ring's size, never while user code runs.

pub(crate) mod array;
pub(crate) mod overflow;
pub(crate) mod zero;

use core::ops::Deref;

/// The queue of one channel.
#[expect(
    clippy::large_enum_variant,
    reason = "one per channel, inside its one allocation: boxing the ring would add an allocation"
)]
pub(crate) enum Flavor<T> {
    /// `bounded(n >= 1)`, and `unbounded` (a ring with an overflow).
    Array(array::Array<T>),
    Zero(zero::Zero),
}

/// Keeps a hot atomic on its own cache line (two lines on x86-64, where the
/// adjacent-line prefetcher pairs them), so senders and receivers do not
/// invalidate each other's counters.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "aarch64"), repr(align(128)))]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    repr(align(64))
)]
pub(crate) struct CachePadded<T>(T);

impl<T> CachePadded<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(value)
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
