//! The one place that chooses between the real synchronisation primitives and
//! loom's model-checked ones.
//!
//! Everything in the crate that touches an atomic, an `UnsafeCell` shared by
//! the two ends, or thread parking goes through this module, so the loom build
//! (`RUSTFLAGS="--cfg loom"`) compiles exactly the same state machine as the
//! normal build.

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// `core::cell::UnsafeCell` with loom's closure-based access API, so call
/// sites are the same in both builds.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with an exclusive raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Thread handles and parking, for the blocking receive methods.
#[cfg(feature = "std")]
pub(crate) mod thread {
    #[cfg(not(loom))]
    pub(crate) use std::thread::{current, park, park_timeout, Thread};

    #[cfg(loom)]
    pub(crate) use loom::thread::{current, park, Thread};

    /// loom has no clock: a timed park is modelled as a yield, which the
    /// receive loop treats like a spurious wake-up. The models that exercise
    /// timeouts use deadlines that have already passed.
    #[cfg(loom)]
    pub(crate) fn park_timeout(_timeout: std::time::Duration) {
        loom::thread::yield_now();
    }
}
