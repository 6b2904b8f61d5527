//! The long-lived worker thread of the cross-thread scenarios: it takes the
//! sender of a fresh channel from a one-slot mailbox and sends the answer.
//!
//! The mailbox is the same for every channel and as cheap as it can be (one
//! flag, one slot, no allocation), so the channel under test dominates the
//! round trip. The worker either spins on the flag or parks until
//! [`Worker::post`] unparks it.

use std::cell::UnsafeCell;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// What the worker does while its mailbox is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Busy-polls the mailbox: answers within nanoseconds, burns a core.
    Spin,
    /// Parks; `post` unparks it (one futex wake per job).
    Park,
}

/// One job slot shared by the posting thread and the worker.
struct Mailbox<S> {
    /// `true` while `slot` holds a job the worker has not taken.
    full: AtomicBool,
    stop: AtomicBool,
    slot: UnsafeCell<Option<S>>,
}

// SAFETY: `slot` is only written by the poster while `full` is false and
// only read by the worker while `full` is true; the Release/Acquire pairs on
// `full` order the two. Jobs move between threads, hence `S: Send`.
unsafe impl<S: Send> Sync for Mailbox<S> {}

/// A worker thread that answers each posted job with `answer(job)`.
pub struct Worker<S: Send + 'static> {
    mailbox: Arc<Mailbox<S>>,
    idle: Idle,
    thread: Option<JoinHandle<()>>,
}

impl<S: Send + 'static> std::fmt::Debug for Worker<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

impl<S: Send + 'static> Worker<S> {
    /// Starts the worker thread.
    pub fn new(idle: Idle, answer: fn(S)) -> Self {
        let mailbox = Arc::new(Mailbox {
            full: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            slot: UnsafeCell::new(None),
        });
        let shared = Arc::clone(&mailbox);
        let thread = thread::Builder::new()
            .name(format!("bench-worker-{idle:?}"))
            .spawn(move || loop {
                // ORDERING: Acquire pairs with the Release store in `post`,
                // so the job written to the slot is visible.
                if shared.full.load(Acquire) {
                    // SAFETY: `full` is true, so the poster has finished
                    // writing the slot and will not touch it until we clear
                    // `full` below.
                    let job = unsafe { (*shared.slot.get()).take() };
                    // ORDERING: Release: our take happens-before the
                    // poster's next write (its Acquire load in `post`).
                    shared.full.store(false, Release);
                    answer(job.expect("a full mailbox holds a job"));
                    continue;
                }
                // ORDERING: Acquire pairs with the Release store in `drop`;
                // nothing but the flag is read after it.
                if shared.stop.load(Acquire) {
                    return;
                }
                match idle {
                    Idle::Spin => std::hint::spin_loop(),
                    Idle::Park => thread::park(),
                }
            })
            .expect("spawn the worker thread");
        Self {
            mailbox,
            idle,
            thread: Some(thread),
        }
    }

    /// Hands `job` to the worker. The previous job must have been taken,
    /// which is always so when the caller waited for its answer.
    #[inline]
    pub fn post(&self, job: S) {
        // ORDERING: Acquire pairs with the worker's Release store of `false`,
        // so its take of the previous job happens-before our write.
        while self.mailbox.full.load(Acquire) {
            std::hint::spin_loop();
        }
        // SAFETY: `full` is false: the worker took the previous job and will
        // not read the slot until we set `full` again.
        unsafe { *self.mailbox.slot.get() = Some(job) };
        // ORDERING: Release publishes the slot write to the worker's Acquire
        // load.
        self.mailbox.full.store(true, Release);
        if self.idle == Idle::Park {
            if let Some(thread) = &self.thread {
                thread.thread().unpark();
            }
        }
    }
}

impl<S: Send + 'static> Drop for Worker<S> {
    fn drop(&mut self) {
        // ORDERING: Release pairs with the worker's Acquire load of `stop`.
        self.mailbox.stop.store(true, Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            thread.join().expect("the worker thread panicked");
        }
    }
}
