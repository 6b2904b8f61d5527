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
pub(crate) use loom::sync::atomic::Ordering;

/// loom's atomic, with `load` modelled as a read-modify-write.
///
/// loom 0.7's partial-order reduction misses interleavings when a thread's
/// next operation is a plain load: a spawned thread that starts with a load
/// never runs to completion before the other thread's load (tokio-rs/loom
/// issue 392, reproduced here with a two-line model). Modelled as
/// `fetch_add(0)`, a load is a dependent access and every interleaving is
/// explored. The price is that a load always reads the latest value, so
/// loom no longer explores stale reads; in this protocol a stale load only
/// ever leads to a CAS that fails and retries, or to an `Empty`/`Pending`
/// answer that a real interleaving also gives.
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct AtomicUsize(loom::sync::atomic::AtomicUsize);

#[cfg(loom)]
impl AtomicUsize {
    pub(crate) fn new(value: usize) -> Self {
        Self(loom::sync::atomic::AtomicUsize::new(value))
    }

    pub(crate) fn load(&self, order: Ordering) -> usize {
        self.0.fetch_add(0, order)
    }

    pub(crate) fn store(&self, value: usize, order: Ordering) {
        self.0.store(value, order);
    }

    pub(crate) fn fetch_add(&self, value: usize, order: Ordering) -> usize {
        self.0.fetch_add(value, order)
    }

    pub(crate) fn fetch_sub(&self, value: usize, order: Ordering) -> usize {
        self.0.fetch_sub(value, order)
    }

    pub(crate) fn compare_exchange(
        &self,
        current: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    ) -> Result<usize, usize> {
        self.0.compare_exchange(current, new, success, failure)
    }
}

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
    pub(crate) fn park_timeout(_timeout: core::time::Duration) {
        loom::thread::yield_now();
    }
}

/// Moves `value` into a new heap allocation. Under loom the allocation is
/// tracked, so a model that leaks or double-frees a channel fails.
pub(crate) fn allocate<T>(value: T) -> core::ptr::NonNull<T> {
    #[cfg(not(loom))]
    {
        let raw = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(value));
        // SAFETY: `Box::into_raw` never returns null.
        unsafe { core::ptr::NonNull::new_unchecked(raw) }
    }
    #[cfg(loom)]
    {
        let layout = core::alloc::Layout::new::<T>();
        // SAFETY: `Channel` is never zero-sized (it holds the state word).
        let raw = unsafe { loom::alloc::alloc(layout) }.cast::<T>();
        let ptr = core::ptr::NonNull::new(raw).expect("loom allocation failed");
        // SAFETY: freshly allocated for a `T`.
        unsafe { ptr.as_ptr().write(value) };
        ptr
    }
}

/// Drops the value and frees an allocation made by [`allocate`].
///
/// # Safety
///
/// `ptr` came from [`allocate`] and is not used after this call.
pub(crate) unsafe fn deallocate<T>(ptr: core::ptr::NonNull<T>) {
    #[cfg(not(loom))]
    {
        // SAFETY: per the contract, the pointer came from `Box::into_raw`.
        drop(unsafe { alloc::boxed::Box::from_raw(ptr.as_ptr()) });
    }
    #[cfg(loom)]
    {
        // SAFETY: per the contract, a live `T` in a loom allocation of its layout.
        unsafe {
            ptr.as_ptr().drop_in_place();
            loom::alloc::dealloc(ptr.as_ptr().cast(), core::alloc::Layout::new::<T>());
        }
    }
}
