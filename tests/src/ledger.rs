//! A drop ledger for channel tests with many messages: every message has an
//! id, and the ledger counts the drops of each id, so a test can tell which
//! message was lost or dropped twice (not just that the totals differ).
//!
//! Every counter is `Relaxed`: the counts are read after the threads that
//! dropped the messages were joined (which orders them).

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

struct Entries {
    drops: Box<[AtomicU32]>,
    made: AtomicUsize,
}

/// Counts the drops of each [`LedgerMsg`] it made. Cloning shares the ledger.
///
/// # Examples
///
/// ```
/// let ledger = oneshot_tests::Ledger::new(4);
/// let first = ledger.msg(0);
/// assert_eq!(first.id(), 0);
/// drop(first);
/// drop(ledger.msg(3));
/// assert_eq!(ledger.drops_of(0), 1);
/// ledger.assert_dropped_once(&[0, 3]);
/// ```
#[derive(Clone)]
pub struct Ledger(Arc<Entries>);

impl Ledger {
    /// A ledger for the ids `0..ids`.
    pub fn new(ids: usize) -> Self {
        Self(Arc::new(Entries {
            drops: (0..ids).map(|_| AtomicU32::new(0)).collect(),
            made: AtomicUsize::new(0),
        }))
    }

    /// How many ids it has room for.
    pub fn ids(&self) -> usize {
        self.0.drops.len()
    }

    /// Makes the message with `id` (each id should be made once).
    pub fn msg(&self, id: usize) -> LedgerMsg {
        assert!(id < self.ids(), "ledger id {id} out of range");
        // ORDERING: Relaxed, see the module docs.
        self.0.made.fetch_add(1, Relaxed);
        LedgerMsg {
            id,
            ledger: self.clone(),
        }
    }

    /// How many messages it made.
    pub fn made(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.made.load(Relaxed)
    }

    /// How often the message `id` was dropped.
    pub fn drops_of(&self, id: usize) -> u32 {
        // ORDERING: Relaxed, see the module docs.
        self.0.drops[id].load(Relaxed)
    }

    /// How many drops it counted in all.
    pub fn total_drops(&self) -> usize {
        (0..self.ids()).map(|id| self.drops_of(id) as usize).sum()
    }

    /// How many messages are alive: made and not dropped.
    pub fn alive(&self) -> usize {
        self.made() - self.total_drops()
    }

    /// Panics unless each id in `ids` was dropped exactly once; the message
    /// names the first few that were not (and how often they were).
    pub fn assert_dropped_once(&self, ids: &[usize]) {
        let wrong: Vec<(usize, u32)> = ids
            .iter()
            .map(|&id| (id, self.drops_of(id)))
            .filter(|&(_, drops)| drops != 1)
            .collect();
        assert!(
            wrong.is_empty(),
            "{} of {} messages not dropped exactly once, (id, drops): {:?}",
            wrong.len(),
            ids.len(),
            &wrong[..wrong.len().min(16)]
        );
    }

    /// Panics unless each of the ids `0..n` was dropped exactly once.
    pub fn assert_first_dropped_once(&self, n: usize) {
        let ids: Vec<usize> = (0..n).collect();
        self.assert_dropped_once(&ids);
    }
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("ids", &self.ids())
            .field("made", &self.made())
            .field("drops", &self.total_drops())
            .finish()
    }
}

/// A message whose drop is counted under its id by the [`Ledger`] that made it.
pub struct LedgerMsg {
    id: usize,
    ledger: Ledger,
}

impl LedgerMsg {
    /// The id it was made with.
    pub fn id(&self) -> usize {
        self.id
    }
}

impl Drop for LedgerMsg {
    fn drop(&mut self) {
        // ORDERING: Relaxed, see the module docs.
        self.ledger.0.drops[self.id].fetch_add(1, Relaxed);
    }
}

impl fmt::Debug for LedgerMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LedgerMsg").field(&self.id).finish()
    }
}

impl PartialEq for LedgerMsg {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
