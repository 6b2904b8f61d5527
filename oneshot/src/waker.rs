//! The waker a blocked thread registers, so that the sender never needs to
//! know whether the receiver is a thread or a task.
//!
//! A blocking receive stores a [`Waker`] whose `wake` unparks the thread, in
//! the same cell an async receiver uses for its task's waker. Switching a
//! receiver from `poll` to `recv` (or back) is then an ordinary re-register
//! with a different waker. Each thread builds its waker once and keeps it in
//! a thread-local, so a blocking receive does not allocate.

use core::task::Waker;

use alloc::sync::Arc;
use alloc::task::Wake;

use crate::loom::thread::{self, Thread};

/// Unparks one thread when woken.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks the calling thread.
#[cfg(not(loom))]
pub(crate) fn current_thread() -> Waker {
    std::thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
    }
    // A thread-local that is being destroyed (a receive from inside another
    // thread-local's destructor) falls back to a fresh waker.
    WAKER
        .try_with(Waker::clone)
        .unwrap_or_else(|_| Waker::from(Arc::new(Unparker(thread::current()))))
}

/// A waker that unparks the calling (loom) thread. loom threads are created
/// per model iteration, so there is nothing to cache.
#[cfg(loom)]
pub(crate) fn current_thread() -> Waker {
    Waker::from(Arc::new(Unparker(thread::current())))
}
