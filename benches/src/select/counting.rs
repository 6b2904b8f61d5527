//! The counting global allocator of the `select` binary: allocations and
//! bytes, process-wide (every thread), and the allocations of the calling
//! thread alone (so the selecting thread's own count can be told apart from
//! its producers' and consumers').

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's allocations (a `const` initialiser and no destructor:
    /// reading or bumping it never allocates).
    static MINE: Cell<u64> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // ORDERING: Relaxed: plain counters, read after the threads that
    // allocate were joined or stopped counting (or on this thread).
    ALLOCS.fetch_add(1, Relaxed);
    // ORDERING: Relaxed, as above.
    BYTES.fetch_add(bytes as u64, Relaxed);
    // During a thread's teardown the slot may be gone: then not counted.
    let _ = MINE.try_with(|c| c.set(c.get() + 1));
}

/// Counts every allocation (a `realloc` as one allocation of its new size)
/// and its bytes; frees are not counted. The same cost for every peer.
#[derive(Debug)]
pub(crate) struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counters are only
// bookkeeping and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
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
            // ORDERING: Relaxed: see `count`.
            allocs: ALLOCS.load(Relaxed),
            // ORDERING: Relaxed, as above.
            bytes: BYTES.load(Relaxed),
        }
    }

    /// What was allocated between `self` and `later`.
    pub(crate) fn until(self, later: Allocated) -> Allocated {
        Allocated {
            allocs: later.allocs - self.allocs,
            bytes: later.bytes - self.bytes,
        }
    }
}

/// The calling thread's allocations so far.
pub(crate) fn mine() -> u64 {
    MINE.try_with(Cell::get).unwrap_or(0)
}
