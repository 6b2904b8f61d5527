//! A counting global allocator for the test binaries that check what the
//! channel allocates. A binary opts in with
//!
//! ```text
//! #[global_allocator]
//! static ALLOC: oneshot_tests::CountingAlloc = oneshot_tests::CountingAlloc;
//! ```
//!
//! Only threads that called [`count_this_thread`] are counted, so the test
//! harness and other tests' threads do not disturb the counts; tests that
//! read the counts take [`alloc_test_lock`] so they run one at a time.
//!
//! It can also stall one thread inside its next allocation ([`AllocGate`]),
//! which stops a channel operation half-way through a step (an unbounded
//! channel's sender that allocates a new block) so a test can check that no
//! other operation waits for it.
//!
//! Every counter is `Relaxed`: counts are read on the counting thread or
//! after a join.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Wraps the system allocator and counts what the opted-in threads do.
#[derive(Debug)]
pub struct CountingAlloc;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);
static BYTES_ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static BYTES_FREED: AtomicUsize = AtomicUsize::new(0);
static ALL_BYTES_ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static ALL_BYTES_FREED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
    static GATE: Cell<Option<&'static AllocGate>> = const { Cell::new(None) };
}

fn this_thread_counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

fn stall_if_armed() {
    if let Ok(Some(gate)) = GATE.try_with(Cell::take) {
        // ORDERING: Relaxed: the test only polls these flags; whatever
        // else it needs is ordered by the channel or by joins.
        gate.stalled.store(true, Relaxed);
        // ORDERING: as above.
        while !gate.released.load(Relaxed) {
            // `sleep` does not allocate.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn record_alloc(size: usize) {
    // ORDERING: Relaxed, see the module docs.
    ALL_BYTES_ALLOCATED.fetch_add(size, Relaxed);
    if this_thread_counted() {
        // ORDERING: Relaxed, see the module docs.
        ALLOCS.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, see the module docs.
        BYTES_ALLOCATED.fetch_add(size, Relaxed);
    }
}

fn record_free(size: usize) {
    // ORDERING: Relaxed, see the module docs.
    ALL_BYTES_FREED.fetch_add(size, Relaxed);
    if this_thread_counted() {
        // ORDERING: Relaxed, see the module docs.
        FREES.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, see the module docs.
        BYTES_FREED.fetch_add(size, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees hold; the counters and the gate do not touch memory
// handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        stall_if_armed();
        // SAFETY: forwarded with the caller's (valid) layout.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            record_alloc(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        stall_if_armed();
        // SAFETY: forwarded with the caller's (valid) layout.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record_alloc(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record_free(layout.size());
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        stall_if_armed();
        // SAFETY: forwarded; `ptr`/`layout` came from this allocator.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record_free(layout.size());
            record_alloc(new_size);
        }
        new
    }
}

/// Bytes allocated and freed so far by every thread, counted or not: for a
/// binary with a single test, which can compare them before and after.
pub fn all_threads_bytes() -> (usize, usize) {
    // ORDERING: Relaxed, see the module docs.
    (
        ALL_BYTES_ALLOCATED.load(Relaxed),
        ALL_BYTES_FREED.load(Relaxed),
    )
}

/// Starts (or stops) counting the calling thread's allocations.
pub fn count_this_thread(on: bool) {
    COUNTED.with(|c| c.set(on));
}

/// Counts the calling thread's allocations until dropped (also when a
/// panic unwinds through it, so a failing test does not go on counting
/// while the next one runs).
#[derive(Debug)]
pub struct CountScope(());

impl CountScope {
    /// Starts counting the calling thread.
    pub fn new() -> Self {
        count_this_thread(true);
        Self(())
    }
}

impl Default for CountScope {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for CountScope {
    fn drop(&mut self) {
        count_this_thread(false);
    }
}

/// Runs `f` with this thread counted and returns what it allocated.
pub fn counted<R>(f: impl FnOnce() -> R) -> (R, AllocSnapshot) {
    let scope = CountScope::new();
    let before = AllocSnapshot::now();
    let result = f();
    let delta = before.elapsed();
    drop(scope);
    (result, delta)
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocSnapshot {
    /// Allocations (a `realloc` counts as one allocation and one free).
    pub allocs: usize,
    /// Frees.
    pub frees: usize,
    /// Bytes allocated.
    pub bytes_allocated: usize,
    /// Bytes freed.
    pub bytes_freed: usize,
}

impl AllocSnapshot {
    /// The counters now.
    pub fn now() -> Self {
        // ORDERING: Relaxed, see the module docs.
        Self {
            allocs: ALLOCS.load(Relaxed),
            frees: FREES.load(Relaxed),
            bytes_allocated: BYTES_ALLOCATED.load(Relaxed),
            bytes_freed: BYTES_FREED.load(Relaxed),
        }
    }

    /// What happened between `self` (earlier) and `later`.
    pub fn until(self, later: Self) -> Self {
        Self {
            allocs: later.allocs - self.allocs,
            frees: later.frees - self.frees,
            bytes_allocated: later.bytes_allocated - self.bytes_allocated,
            bytes_freed: later.bytes_freed - self.bytes_freed,
        }
    }

    /// What happened from `self` until now.
    pub fn elapsed(self) -> Self {
        self.until(Self::now())
    }
}

/// Serialises the tests of one binary that read the counters.
pub fn alloc_test_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Stalls one thread inside its next allocation until released.
#[derive(Debug)]
pub struct AllocGate {
    stalled: AtomicBool,
    released: AtomicBool,
}

impl AllocGate {
    /// A gate that stalls nobody yet.
    pub const fn new() -> Self {
        Self {
            stalled: AtomicBool::new(false),
            released: AtomicBool::new(false),
        }
    }

    /// Arms the gate for the calling thread: its next allocation waits
    /// until [`release`](Self::release).
    pub fn arm_this_thread(&'static self) {
        GATE.with(|g| g.set(Some(self)));
    }

    /// Disarms the gate for the calling thread if it did not fire.
    pub fn disarm_this_thread(&'static self) {
        GATE.with(|g| g.set(None));
    }

    /// Whether a thread is (or was) stalled in it.
    pub fn has_stalled(&self) -> bool {
        // ORDERING: Relaxed, see `stall_if_armed`.
        self.stalled.load(Relaxed)
    }

    /// Lets the stalled thread (and any later one) go on.
    pub fn release(&self) {
        // ORDERING: Relaxed, see `stall_if_armed`.
        self.released.store(true, Relaxed);
    }
}

impl Default for AllocGate {
    fn default() -> Self {
        Self::new()
    }
}
