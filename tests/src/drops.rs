//! Payloads that count their drops, so a test can tell that each message was
//! dropped exactly once, and when.
//!
//! Every counter is `Relaxed`: counts are read on the thread that made them
//! or after a join (which orders them), and relaxed operations add no
//! happens-before edges that could hide a race in the channel from Miri.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

#[derive(Debug, Default)]
struct Counts {
    created: AtomicUsize,
    dropped: AtomicUsize,
}

/// Counts how many [`Tracked`] values it made and how many of them were
/// dropped. Cloning it shares the counts.
///
/// # Examples
///
/// ```
/// let counter = oneshot_tests::DropCounter::new();
/// let message = counter.track(5_u32);
/// assert_eq!(counter.alive(), 1);
/// drop(message);
/// assert_eq!((counter.dropped(), counter.alive()), (1, 0));
/// ```
#[derive(Clone, Default)]
pub struct DropCounter(Arc<Counts>);

impl DropCounter {
    /// A fresh counter with nothing made yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wraps `payload` so that dropping it is counted here.
    pub fn track<P>(&self, payload: P) -> Tracked<P> {
        // ORDERING: Relaxed, see the module docs.
        self.0.created.fetch_add(1, Relaxed);
        Tracked {
            payload,
            counter: self.clone(),
        }
    }

    /// How many tracked values were made.
    pub fn created(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.created.load(Relaxed)
    }

    /// How many tracked values were dropped.
    pub fn dropped(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.dropped.load(Relaxed)
    }

    /// How many tracked values are alive: made and not yet dropped.
    pub fn alive(&self) -> usize {
        self.created() - self.dropped()
    }
}

impl fmt::Debug for DropCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropCounter")
            .field("created", &self.created())
            .field("dropped", &self.dropped())
            .finish()
    }
}

/// A payload whose drop is counted by the [`DropCounter`] that made it.
pub struct Tracked<P> {
    payload: P,
    counter: DropCounter,
}

impl<P> Tracked<P> {
    /// The wrapped payload.
    pub fn payload(&self) -> &P {
        &self.payload
    }
}

impl<P> Drop for Tracked<P> {
    fn drop(&mut self) {
        // ORDERING: Relaxed, see the module docs.
        self.counter.0.dropped.fetch_add(1, Relaxed);
    }
}

/// Compares the payloads only.
impl<P: PartialEq> PartialEq for Tracked<P> {
    fn eq(&self, other: &Self) -> bool {
        self.payload == other.payload
    }
}

/// Does not print the payload: it may be 8 KiB.
impl<P> fmt::Debug for Tracked<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("payload_size", &std::mem::size_of::<P>())
            .finish_non_exhaustive()
    }
}

/// How many counters [`ZstToken`] has: one per test that uses it.
pub const ZST_SLOTS: usize = 32;

static ZST_DROPS: [AtomicUsize; ZST_SLOTS] = [const { AtomicUsize::new(0) }; ZST_SLOTS];

/// A zero-sized message whose drops are counted in a global counter chosen
/// by `SLOT`. Tests in one binary run in parallel, so each test that uses it
/// takes its own `SLOT`.
///
/// # Examples
///
/// ```
/// use oneshot_tests::{zst_drops, ZstToken};
///
/// assert_eq!(std::mem::size_of::<ZstToken<3>>(), 0);
/// drop(ZstToken::<3>);
/// assert_eq!(zst_drops::<3>(), 1);
/// ```
#[derive(Debug)]
pub struct ZstToken<const SLOT: usize>;

impl<const SLOT: usize> Drop for ZstToken<SLOT> {
    fn drop(&mut self) {
        // ORDERING: Relaxed, see the module docs.
        ZST_DROPS[SLOT].fetch_add(1, Relaxed);
    }
}

/// How many [`ZstToken<SLOT>`] values were dropped so far in this process.
pub fn zst_drops<const SLOT: usize>() -> usize {
    // ORDERING: Relaxed, see the module docs.
    ZST_DROPS[SLOT].load(Relaxed)
}
