//! The counting global allocator of the `broadcast` and `select` binaries:
//! allocations and bytes, process-wide (every thread), read before and after
//! a run or a step; and, where the binary asks for it, the allocations of the
//! calling thread alone (so a selecting thread's own count can be told apart
//! from its producers' and consumers').
//!
//! Each binary declares its own `#[global_allocator] static` of
//! [`Counting`]; the counters live here, so a binary that does not install it
//! never moves them.

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

/// Counts every allocation (and every `realloc`, as one allocation of its
/// new size) and its bytes; frees are not counted. Two relaxed increments
/// per allocation, the same cost for every channel; a channel that does not
/// allocate per message does not pay it per message.
///
/// `PER_THREAD`: also count each thread's own allocations (see [`mine`]).
/// A constant, so a binary that does not read them (`broadcast`) does not
/// pay the thread-local bump on every allocation.
#[derive(Debug)]
pub struct Counting<const PER_THREAD: bool>;

impl<const PER_THREAD: bool> Counting<PER_THREAD> {
    #[inline]
    fn count(bytes: usize) {
        // ORDERING: Relaxed: plain counters, read after the threads that
        // allocate were joined or stopped counting (or on this thread).
        ALLOCS.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, as above.
        BYTES.fetch_add(bytes as u64, Relaxed);
        if PER_THREAD {
            // During a thread's teardown the slot may be gone: then not
            // counted.
            let _ = MINE.try_with(|c| c.set(c.get() + 1));
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counters are only
// bookkeeping and never allocate.
unsafe impl<const PER_THREAD: bool> GlobalAlloc for Counting<PER_THREAD> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count(new_size);
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and bytes allocated so far, process-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allocated {
    pub allocs: u64,
    pub bytes: u64,
}

impl Allocated {
    #[inline]
    pub fn now() -> Self {
        Allocated {
            // ORDERING: Relaxed: see `Counting::count`.
            allocs: ALLOCS.load(Relaxed),
            // ORDERING: Relaxed, as above.
            bytes: BYTES.load(Relaxed),
        }
    }

    /// What was allocated between `self` and `later`.
    #[inline]
    pub fn until(self, later: Allocated) -> Allocated {
        Allocated {
            allocs: later.allocs - self.allocs,
            bytes: later.bytes - self.bytes,
        }
    }

    /// What was allocated since `self`.
    #[inline]
    pub fn since(self) -> Self {
        self.until(Allocated::now())
    }
}

/// The calling thread's allocations so far (always 0 unless the global
/// allocator is a `Counting<true>`).
#[inline]
pub fn mine() -> u64 {
    MINE.try_with(Cell::get).unwrap_or(0)
}
