//! Wakers for driving a [`Receiver`](oneshot::Receiver) or
//! [`Sender::poll_closed`](oneshot::Sender::poll_closed) by hand.
//!
//! Every counter is `Relaxed`: counts are read on the thread that made them
//! or after a join (which orders them), and relaxed operations add no
//! happens-before edges that could hide a race in the channel from Miri.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, RawWaker, RawWakerVTable, Waker};

/// A waker that does nothing (the crate's MSRV predates `Waker::noop`).
pub fn noop_waker() -> Waker {
    const fn raw() -> RawWaker {
        RawWaker::new(std::ptr::null(), &NOOP_VTABLE)
    }
    static NOOP_VTABLE: RawWakerVTable = RawWakerVTable::new(|_| raw(), |_| {}, |_| {}, |_| {});
    // SAFETY: every vtable function ignores the (null) data pointer and
    // does nothing, which fulfils the `RawWaker` contract trivially.
    unsafe { Waker::from_raw(raw()) }
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: std::future::Future + Unpin>(
    future: &mut F,
    waker: &Waker,
) -> std::task::Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[derive(Debug, Default)]
struct Counts {
    wakes: AtomicUsize,
    clones: AtomicUsize,
}

/// A waker factory that counts what the channel does with its wakers: how
/// often they were woken, how often cloned, and how many are still alive.
///
/// All wakers from one `CountingWaker` share one data pointer, so they
/// [`will_wake`](Waker::will_wake) each other, and no waker from another
/// `CountingWaker`.
///
/// # Examples
///
/// ```
/// let counting = oneshot_tests::CountingWaker::new();
/// let waker = counting.waker();
/// assert!(waker.will_wake(&counting.waker()));
/// let copy = waker.clone();
/// copy.wake();
/// assert_eq!((counting.wakes(), counting.clones(), counting.live()), (1, 1, 1));
/// ```
#[derive(Default)]
pub struct CountingWaker(Arc<Counts>);

static COUNTING_VTABLE: RawWakerVTable = RawWakerVTable::new(
    counting_clone,
    counting_wake,
    counting_wake_by_ref,
    counting_drop,
);

fn counting_raw(counts: *const Counts) -> RawWaker {
    RawWaker::new(counts.cast(), &COUNTING_VTABLE)
}

/// # Safety
///
/// `data` came from `Arc::<Counts>::into_raw` and its strong count is held
/// by the waker being cloned.
unsafe fn counting_clone(data: *const ()) -> RawWaker {
    let counts = data.cast::<Counts>();
    // SAFETY: the waker being cloned holds one strong count, so the pointer
    // is a live `Arc<Counts>` allocation; we add one for the clone.
    unsafe { Arc::increment_strong_count(counts) };
    // SAFETY: as above, the allocation is alive.
    let counts_ref = unsafe { &*counts };
    // ORDERING: Relaxed, see the module docs.
    counts_ref.clones.fetch_add(1, Relaxed);
    counting_raw(counts)
}

/// # Safety
///
/// As for [`counting_clone`]; consumes the waker's strong count.
unsafe fn counting_wake(data: *const ()) {
    // SAFETY: per the contract.
    unsafe { counting_wake_by_ref(data) };
    // SAFETY: per the contract.
    unsafe { counting_drop(data) };
}

/// # Safety
///
/// As for [`counting_clone`].
unsafe fn counting_wake_by_ref(data: *const ()) {
    // SAFETY: the waker holds a strong count, so the allocation is alive.
    let counts = unsafe { &*data.cast::<Counts>() };
    // ORDERING: Relaxed, see the module docs.
    counts.wakes.fetch_add(1, Relaxed);
}

/// # Safety
///
/// As for [`counting_clone`]; consumes the waker's strong count.
unsafe fn counting_drop(data: *const ()) {
    // SAFETY: the waker being dropped gives up the strong count it held.
    unsafe { Arc::decrement_strong_count(data.cast::<Counts>()) };
}

impl CountingWaker {
    /// A fresh factory with nothing counted.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new waker handle. Making it is not counted as a clone.
    pub fn waker(&self) -> Waker {
        let raw = counting_raw(Arc::into_raw(Arc::clone(&self.0)));
        // SAFETY: the data pointer holds one strong count of an
        // `Arc<Counts>`, which is what every vtable function expects.
        unsafe { Waker::from_raw(raw) }
    }

    /// How many times any of its wakers was woken.
    pub fn wakes(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.wakes.load(Relaxed)
    }

    /// How many times any of its wakers was cloned.
    pub fn clones(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.clones.load(Relaxed)
    }

    /// How many of its wakers are alive (held by the test or the channel).
    pub fn live(&self) -> usize {
        Arc::strong_count(&self.0) - 1
    }
}

impl fmt::Debug for CountingWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CountingWaker")
            .field("wakes", &self.wakes())
            .field("clones", &self.clones())
            .field("live", &self.live())
            .finish()
    }
}
