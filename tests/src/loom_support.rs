//! The harness of the loom models (`select_loom.rs`, `mpmc_loom.rs`,
//! `mpmc_loom_unbounded.rs`, `broadcast_loom.rs`): [`model`] runs one model
//! and prints how many interleavings it explored, [`Ledger`] and [`Msg`]
//! count every message's drops, and [`Counting`] and [`poll`] drive futures
//! by hand. Compiled only under `--cfg loom`.
//!
//! The counters are plain std atomics, `Relaxed`: loom runs one thread at a
//! time, and the counts are read after the joins.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use loom::alloc::Track;

/// The preemption bound when none of the variables is set.
const DEFAULT_PREEMPTION_BOUND: usize = 3;

/// Runs `f` under every interleaving loom explores and prints how many
/// that was, as `"{binary} {name}: N interleavings (preemption bound
/// Some(B)) in S s"` (CI greps for "interleavings").
///
/// The preemption bound is the value of the first variable of `bound_vars`
/// that is set, else 3. Each binary names its own list, most specific
/// first (`LOOM_MAX_PREEMPTIONS` last, if at all).
pub fn model(binary: &str, bound_vars: &[&str], name: &str, f: impl Fn() + Sync + Send + 'static) {
    model_capped(binary, bound_vars, usize::MAX, name, f);
}

/// [`model`] with the preemption bound capped at `cap`: for a model whose
/// state space grows too fast for CI at the bound the others use (each
/// such model says why, and what the cap leaves out).
pub fn model_capped(
    binary: &str,
    bound_vars: &[&str],
    cap: usize,
    name: &str,
    f: impl Fn() + Sync + Send + 'static,
) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemption_bound(bound_vars).min(cap));
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let started = Instant::now();
    builder.check(move || {
        // ORDERING: Relaxed, see the module docs.
        counter.fetch_add(1, Relaxed);
        f();
    });
    println!(
        "{binary} {name}: {} interleavings (preemption bound {:?}) in {:.1} s",
        // ORDERING: Relaxed, see the module docs.
        runs.load(Relaxed),
        builder.preemption_bound,
        started.elapsed().as_secs_f64()
    );
}

/// The value of the first of `vars` that is set, else the default.
fn preemption_bound(vars: &[&str]) -> usize {
    vars.iter()
        .find_map(|var| {
            let bound = std::env::var(var).ok()?;
            Some(
                bound
                    .parse()
                    .unwrap_or_else(|_| panic!("{var} is a number, not {bound:?}")),
            )
        })
        .unwrap_or(DEFAULT_PREEMPTION_BOUND)
}

/// How many message ids a [`Ledger`] has room for.
const IDS: usize = 8;

/// Counts the drops of each original [`Msg`] of one model run (ids
/// `0..8`).
#[derive(Debug)]
pub struct Ledger {
    /// How often each original was dropped, by id.
    pub drops: [AtomicUsize; IDS],
    made: AtomicUsize,
}

impl Ledger {
    /// A ledger with nothing made yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            drops: Default::default(),
            made: AtomicUsize::new(0),
        })
    }

    /// A new original message with the given id (ids index the ledger:
    /// `0..8`).
    pub fn msg(self: &Arc<Self>, id: usize) -> Msg {
        // ORDERING: Relaxed, see the module docs.
        self.made.fetch_add(1, Relaxed);
        Msg {
            id,
            original: Some((Arc::clone(self), Track::new(()))),
        }
    }

    /// How often the original message `id` was dropped.
    pub fn drops(&self, id: usize) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.drops[id].load(Relaxed)
    }

    /// Every original made so far was dropped exactly once.
    #[track_caller]
    pub fn assert_all_dropped_once(&self) {
        // ORDERING: Relaxed, see the module docs.
        let made = self.made.load(Relaxed);
        let dropped: usize = (0..IDS).map(|id| self.drops(id)).sum();
        assert_eq!(dropped, made, "messages made vs dropped");
        for id in 0..IDS {
            assert!(self.drops(id) <= 1, "message {id} dropped twice");
        }
    }
}

/// A message: an original, made by [`Ledger::msg`], records its drop (a
/// second drop of the same message panics at once) and is a loom-tracked
/// allocation (a leak fails the model); a clone (a broadcast receiver's
/// copy) is neither.
pub struct Msg {
    /// The id the ledger counts it under.
    pub id: usize,
    /// `Some` for an original (its ledger and its loom-tracked allocation),
    /// `None` for a clone.
    pub original: Option<(Arc<Ledger>, Track<()>)>,
}

impl Clone for Msg {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            original: None,
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if let Some((ledger, _)) = &self.original {
            // ORDERING: Relaxed, see the module docs.
            let before = ledger.drops[self.id].fetch_add(1, Relaxed);
            assert_eq!(before, 0, "message {} dropped twice", self.id);
        }
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Msg({})", self.id)
    }
}

/// A waker that counts its wake-ups (in its field).
#[derive(Debug, Default)]
pub struct Counting(pub AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        // ORDERING: Relaxed, see the module docs.
        self.0.fetch_add(1, Relaxed);
    }
}

/// A [`Counting`] waker and its counter.
pub fn counting_waker() -> (Arc<Counting>, Waker) {
    let counter = Arc::new(Counting::default());
    (Arc::clone(&counter), Waker::from(counter))
}

/// Polls `future` once with `waker`.
pub fn poll<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}
