//! The one place that chooses between the real synchronisation primitives and
//! loom's model-checked ones.
//!
//! Everything in the crate that touches an atomic, a cell shared between
//! threads, the waiter lock or thread parking goes through this module, so the
//! loom build (`RUSTFLAGS="--cfg loom"`) checks exactly the code that ships.
//!
//! Unlike `oneshot`'s shim, loads are *not* modelled as read-modify-writes
//! here: the channel's correctness rests on store-buffering windows (a store
//! followed by a load of another location, closed by a `SeqCst` fence on both
//! sides), and an RMW-load always reads the newest value, which would hide
//! exactly the stale reads those fences exist for. loom 0.7 does model
//! a `SeqCst` fence; it does not model `SeqCst` on plain loads and stores, so
//! the crate never relies on those (every store-buffering window is closed by
//! an explicit fence or by an RMW on one shared location).

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};

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

/// Called before re-reading a word found stale (another thread's step is
/// already done). A no-op on hardware, where the new value arrives; under
/// loom a yield, since loom may otherwise keep returning the old value to a
/// thread with no happens-before edge to the newer store.
#[inline(always)]
pub(crate) fn stale_read_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// The short lock that guards the waiter lists (never the queue itself, and
/// never held while user code runs).
///
/// With `std` it is `std::sync::Mutex`, which parks a contended thread; under
/// loom, loom's mutex. Without `std` (the `async` feature on `no_std`) there
/// is no way to park, so it is a test-and-set lock whose critical sections are
/// a bounded number of pointer writes (a list link or unlink).
pub(crate) mod lock {
    #[cfg(all(feature = "std", not(loom)))]
    pub(crate) struct Lock<T>(std::sync::Mutex<T>);

    #[cfg(all(feature = "std", not(loom)))]
    pub(crate) type Guard<'a, T> = std::sync::MutexGuard<'a, T>;

    #[cfg(all(feature = "std", not(loom)))]
    impl<T> Lock<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(std::sync::Mutex::new(value))
        }

        #[inline]
        pub(crate) fn lock(&self) -> Guard<'_, T> {
            // No user code runs under this lock, so a poisoned lock only means
            // a panic in our own bookkeeping; the data is still consistent.
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }

    #[cfg(loom)]
    pub(crate) struct Lock<T>(loom::sync::Mutex<T>);

    #[cfg(loom)]
    pub(crate) type Guard<'a, T> = loom::sync::MutexGuard<'a, T>;

    #[cfg(loom)]
    impl<T> Lock<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> Guard<'_, T> {
            self.0.lock().unwrap()
        }
    }

    #[cfg(all(not(feature = "std"), not(loom)))]
    pub(crate) use spin::{Guard, Lock};

    #[cfg(all(not(feature = "std"), not(loom)))]
    mod spin {
        use core::cell::UnsafeCell;
        use core::ops::{Deref, DerefMut};
        use core::sync::atomic::{AtomicBool, Ordering};

        pub(crate) struct Lock<T> {
            locked: AtomicBool,
            value: UnsafeCell<T>,
        }

        // SAFETY: the value is only reached through a `Guard`, and at most one
        // guard exists at a time (the `locked` flag), so sharing the lock
        // shares `T` exactly like a mutex does.
        unsafe impl<T: Send> Sync for Lock<T> {}

        pub(crate) struct Guard<'a, T>(&'a Lock<T>);

        impl<T> Lock<T> {
            pub(crate) const fn new(value: T) -> Self {
                Self {
                    locked: AtomicBool::new(false),
                    value: UnsafeCell::new(value),
                }
            }

            pub(crate) fn lock(&self) -> Guard<'_, T> {
                // ORDERING: Acquire pairs with the Release store in
                // `Guard::drop`, so the previous holder's writes are visible.
                while self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_err()
                {
                    core::hint::spin_loop();
                }
                Guard(self)
            }
        }

        impl<T> Deref for Guard<'_, T> {
            type Target = T;
            fn deref(&self) -> &T {
                // SAFETY: this guard holds the lock, so no other reference exists.
                unsafe { &*self.0.value.get() }
            }
        }

        impl<T> DerefMut for Guard<'_, T> {
            fn deref_mut(&mut self) -> &mut T {
                // SAFETY: this guard holds the lock, so no other reference exists.
                unsafe { &mut *self.0.value.get() }
            }
        }

        impl<T> Drop for Guard<'_, T> {
            fn drop(&mut self) {
                // ORDERING: Release pairs with the Acquire CAS in `Lock::lock`.
                self.0.locked.store(false, Ordering::Release);
            }
        }
    }
}

/// Thread handles and parking, for the blocking operations.
#[cfg(feature = "std")]
pub(crate) mod thread {
    #[cfg(not(loom))]
    pub(crate) use std::thread::{current, park, park_timeout, yield_now, Thread};

    #[cfg(loom)]
    pub(crate) use loom::thread::{current, park, Thread};

    /// loom has no clock: a timed park is modelled as a yield, which the wait
    /// loops treat like a spurious wake-up. The models that exercise timeouts
    /// use deadlines that have already passed.
    #[cfg(loom)]
    pub(crate) fn park_timeout(_timeout: core::time::Duration) {
        loom::thread::yield_now();
    }
}
