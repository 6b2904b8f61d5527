//! The counting global allocator of the `broadcast` binary: bytes and
//! allocations, process-wide (every thread), read before and after a run or
//! a step.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// Counts every allocation (and every `realloc`, as one allocation of its
/// new size) and its bytes; frees are not counted. Two relaxed increments
/// per allocation, the same cost for every channel; a channel that does not
/// allocate per message does not pay it per message.
#[derive(Debug)]
pub(crate) struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counters are only
// bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // ORDERING: Relaxed: plain counters, read after the threads that
        // allocate were joined (or on this thread).
        ALLOCS.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, as above.
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // ORDERING: Relaxed, as in `alloc`.
        ALLOCS.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, as in `alloc`.
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // ORDERING: Relaxed, as in `alloc`.
        ALLOCS.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, as in `alloc`.
        BYTES.fetch_add(new_size as u64, Relaxed);
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and bytes allocated so far, process-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Allocated {
    pub(crate) allocs: u64,
    pub(crate) bytes: u64,
}

impl Allocated {
    pub(crate) fn now() -> Self {
        Allocated {
            // ORDERING: Relaxed: see `Counting::alloc`.
            allocs: ALLOCS.load(Relaxed),
            // ORDERING: Relaxed, as above.
            bytes: BYTES.load(Relaxed),
        }
    }

    /// What was allocated since `self`.
    pub(crate) fn since(self) -> Self {
        let now = Allocated::now();
        Allocated {
            allocs: now.allocs - self.allocs,
            bytes: now.bytes - self.bytes,
        }
    }
}
