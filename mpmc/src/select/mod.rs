//! [`Select`]: wait on several channel operations at once — from a thread
//! (blocking, with a timeout or a deadline, or trying once) or from a task
//! (a future) — and complete exactly one of them.
//!
//! # What a select promises
//!
//! * **The operation is complete when the select returns.** The result you
//!   get is the arm's closure applied to the operation's outcome: the
//!   received message, the send's `Ok(())`, or the channel's error. There is
//!   no "selected but not yet done" step to finish by hand, and nothing to
//!   panic about.
//! * **Exactly one operation completes per call.** A losing receive arm
//!   takes nothing; a losing send arm keeps its message in the select (the
//!   next call on the same select tries to send it again; dropping the
//!   select drops it).
//! * **Closed and disconnected channels are ready**: the arm completes with
//!   the error (a receive with [`RecvError`] once the queue is drained, a
//!   send with [`SendError`] carrying the message back).
//! * **Fair by default**: each call starts trying at a pseudo-random arm, so
//!   a busy arm cannot starve its neighbours; [`biased`](Select::biased)
//!   tries them in the order they were added.
//! * **Nothing is allocated**: the arms live in the `Select` value itself (a
//!   list built by the type system), and a waiting select registers one
//!   entry per arm, in its blocking call's frame or in its future. A
//!   `Select` is reusable across loop iterations.
//! * **No spinning**: a waiting select parks (a thread) or returns `Pending`
//!   (a task) until a channel commits it; rendezvous arms work in both
//!   directions against blocked threads, pending futures and other selects.
//!
//! # How it works
//!
//! One waiting record per select, one entry per arm in each channel's
//! waiter list, and one CAS that commits the record to the arm whose
//! channel got there first (`waiters.rs`, "Select entries"; the owner's
//! side is in `wait.rs`). The winner only *wakes* the select (or, on a
//! rendezvous, takes a send arm's offered message); the select completes the
//! operation itself, so a receive arm never holds a message the select has
//! not returned.
//!
//! # Examples
//!
//! A worker waits for a job or a shutdown message:
//!
//! ```
//! use mpmc::Select;
//!
//! enum Event {
//!     Job(u32),
//!     Stop,
//! }
//!
//! let (jobs_tx, jobs) = mpmc::bounded(8);
//! let (stop_tx, stop) = mpmc::bounded::<()>(1);
//! jobs_tx.send(1).unwrap();
//! jobs_tx.send(2).unwrap();
//! let worker = std::thread::spawn(move || {
//!     let mut sel = Select::new()
//!         .recv(&jobs, |job| job.map_or(Event::Stop, Event::Job))
//!         .recv(&stop, |_| Event::Stop);
//!     let mut done = 0;
//!     loop {
//!         match sel.select() {
//!             Event::Job(n) => done += n,
//!             Event::Stop => return done,
//!         }
//!     }
//! });
//! // Closing the jobs channel stops the worker after the queued jobs.
//! drop(jobs_tx);
//! let done = worker.join().unwrap();
//! assert_eq!(done, 3);
//! # drop(stop_tx);
//! ```
//!
//! The same select, awaited:
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx, rx) = mpmc::bounded(1);
//! let (out_tx, out_rx) = mpmc::bounded(0);
//! tx.send("ping").unwrap();
//! let mut sel = mpmc::Select::new()
//!     .recv(&rx, |msg| format!("got {}", msg.unwrap()))
//!     .send(&out_tx, 7, |res| format!("sent: {res:?}"));
//! assert_eq!(sel.select_async().await, "got ping"); // nobody receives `7`
//! # drop(out_rx);
//! # });
//! ```

mod arms;
#[cfg(feature = "std")]
mod macros;
#[cfg(any(feature = "std", feature = "async"))]
mod wait;

use core::fmt;
use core::sync::atomic::{AtomicU32, Ordering};
#[cfg(feature = "std")]
use core::time::Duration;
#[cfg(feature = "std")]
use std::time::Instant;

pub use arms::{Arm, ArmList, BroadcastArm, Entry, HasEntry, RecvArm, SendArm};
#[cfg(feature = "async")]
pub use wait::SelectFuture;

#[cfg(feature = "std")]
use crate::errors::SelectTimeoutError;
use crate::errors::{RecvError, SendError, TrySelectError};
use crate::{Receiver, Sender};

/// A set of channel operations to wait on together, completing exactly one
/// per call. See the [module docs](self) for the promises.
///
/// Build it with [`new`](Self::new) and one [`recv`](Self::recv) or
/// [`send`](Self::send) per arm, each with a closure that turns that arm's
/// outcome into the select's result type `R`; then call
/// [`select`](Self::select), [`select_timeout`](Self::select_timeout),
/// [`select_deadline`](Self::select_deadline),
/// [`try_select`](Self::try_select) or [`select_async`](Self::select_async),
/// as many times as you like. The arms are kept in the value's type (`A`),
/// so a select of any number of arms allocates nothing.
///
/// # Examples
///
/// ```
/// let (tx1, rx1) = mpmc::unbounded();
/// let (_tx2, rx2) = mpmc::bounded::<&str>(0);
/// tx1.send(10).unwrap();
/// let mut sel = mpmc::Select::new()
///     .recv(&rx1, |n| n.unwrap().to_string())
///     .recv(&rx2, |s| s.unwrap().to_owned());
/// assert_eq!(sel.select(), "10");
/// ```
pub struct Select<R, A = ()> {
    arms: A,
    biased: bool,
    /// xorshift32 state for the fair start (never 0).
    rng: u32,
    _result: core::marker::PhantomData<fn() -> R>,
}

/// Seeds each select's start sequence differently.
static SEED: AtomicU32 = AtomicU32::new(0x9E37_79B9);

impl<R> Select<R, ()> {
    /// A select with no arm yet.
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(1);
    /// tx.send(1).unwrap();
    /// let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap() + 1);
    /// assert_eq!(sel.select(), 2);
    /// ```
    pub fn new() -> Self {
        // ORDERING: Relaxed: only a seed, no synchronisation.
        let seed = SEED.fetch_add(0x6D2B_79F5, Ordering::Relaxed);
        Self {
            arms: (),
            biased: false,
            rng: seed | 1,
            _result: core::marker::PhantomData,
        }
    }
}

impl<R> Default for Select<R, ()> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, A: ArmList<R>> Select<R, A> {
    /// Adds an arm that receives from `rx`; `f` maps the outcome — the
    /// message, or [`RecvError`] once the channel is disconnected and
    /// drained — to the select's result.
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<u8>(1);
    /// drop(tx);
    /// let mut sel = mpmc::Select::new().recv(&rx, |r| r.is_err());
    /// assert!(sel.select()); // a disconnected channel is ready
    /// ```
    pub fn recv<'a, T, F>(self, rx: &'a Receiver<T>, f: F) -> Select<R, (A, RecvArm<'a, T, F>)>
    where
        F: FnMut(Result<T, RecvError>) -> R,
    {
        self.push(RecvArm::new(rx, f))
    }

    /// Adds an arm that sends `msg` on `tx`; `f` maps the outcome —
    /// `Ok(())`, or [`SendError`] with the message back once the channel is
    /// disconnected — to the select's result. The message stays in the
    /// select until it is sent (or handed back): a call that completes
    /// another arm leaves it for the next call, and once it is sent this arm
    /// is spent (it never completes again; build a new select to send more).
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(1);
    /// let mut sel = mpmc::Select::new().send(&tx, "hi", |r| r.is_ok());
    /// assert!(sel.select());
    /// assert_eq!(rx.recv(), Ok("hi"));
    /// ```
    pub fn send<'a, T, F>(
        self,
        tx: &'a Sender<T>,
        msg: T,
        f: F,
    ) -> Select<R, (A, SendArm<'a, T, F>)>
    where
        F: FnMut(Result<(), SendError<T>>) -> R,
    {
        self.push(SendArm::new(tx, msg, f))
    }

    /// Adds an arm that receives from a broadcast receiver; `f` maps the
    /// outcome — the message, or [`broadcast::RecvError`] (`Disconnected`
    /// once the channel is closed and read to the end, `Lagged(n)` in
    /// overwrite mode) — to the select's result. The receiver's cursor
    /// advances only when this arm completes.
    ///
    /// [`broadcast::RecvError`]: crate::broadcast::RecvError
    ///
    /// ```
    /// let (tx, mut news) = mpmc::broadcast::channel(4);
    /// let (_jobs_tx, jobs) = mpmc::bounded::<u32>(4);
    /// tx.send("extra!").unwrap();
    /// let mut sel = mpmc::Select::new()
    ///     .recv(&jobs, |job| format!("job {}", job.unwrap()))
    ///     .recv_broadcast(&mut news, |n| format!("news: {}", n.unwrap()));
    /// assert_eq!(sel.select(), "news: extra!");
    /// ```
    pub fn recv_broadcast<'a, T: Clone, F>(
        self,
        rx: &'a mut crate::broadcast::Receiver<T>,
        f: F,
    ) -> Select<R, (A, BroadcastArm<'a, T, F>)>
    where
        F: FnMut(Result<T, crate::broadcast::RecvError>) -> R,
    {
        self.push(BroadcastArm::new(rx, f))
    }

    fn push<B>(self, arm: B) -> Select<R, (A, B)> {
        Select {
            arms: (self.arms, arm),
            biased: self.biased,
            rng: self.rng,
            _result: core::marker::PhantomData,
        }
    }

    /// Tries the arms in the order they were added, every call, instead of
    /// from a pseudo-random one: the first arm wins whenever it is ready.
    ///
    /// ```
    /// let (tx1, rx1) = mpmc::bounded(1);
    /// let (tx2, rx2) = mpmc::bounded(1);
    /// tx1.send(1).unwrap();
    /// tx2.send(2).unwrap();
    /// let mut sel = mpmc::Select::new()
    ///     .recv(&rx1, |r| r.unwrap())
    ///     .recv(&rx2, |r| r.unwrap())
    ///     .biased();
    /// assert_eq!(sel.select(), 1);
    /// assert_eq!(sel.select(), 2);
    /// ```
    pub fn biased(mut self) -> Self {
        self.biased = true;
        self
    }

    /// The number of arms.
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<()>(1);
    /// let sel = mpmc::Select::new().recv(&rx, |_| ()).send(&tx, (), |_| ());
    /// assert_eq!(sel.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        A::LEN
    }

    /// Whether the select has no arm.
    ///
    /// ```
    /// assert!(mpmc::Select::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        A::LEN == 0
    }

    /// Completes one ready arm and returns its result, or
    /// [`TrySelectError`] if none is ready now. Never waits (on a
    /// rendezvous, a send arm completes only with a receiving thread already
    /// blocked, as `try_send` does).
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(1);
    /// let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap());
    /// assert!(sel.try_select().is_err());
    /// tx.send(5).unwrap();
    /// assert_eq!(sel.try_select(), Ok(5));
    /// ```
    pub fn try_select(&mut self) -> Result<R, TrySelectError> {
        self.try_once().ok_or(TrySelectError)
    }

    /// Blocks the thread until one arm completes, and returns its result.
    ///
    /// # Panics
    ///
    /// If no arm can complete: the select has no arm, or only send arms
    /// whose messages were already sent.
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv().unwrap());
    /// let mut sel = mpmc::Select::new().send(&tx, 42, |r| r.is_ok());
    /// assert!(sel.select()); // a rendezvous: the thread took it
    /// assert_eq!(t.join().unwrap(), 42);
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn select(&mut self) -> R {
        self.blocking(None)
            .expect("a select without a deadline completes an arm")
    }

    /// [`select`](Self::select), giving up after `timeout` with
    /// [`SelectTimeoutError`]. An arm that completed is returned even if the
    /// deadline passed meanwhile.
    ///
    /// # Panics
    ///
    /// As [`select`](Self::select).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = mpmc::bounded::<i32>(1);
    /// let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap());
    /// assert!(sel.select_timeout(Duration::from_millis(5)).is_err());
    /// tx.send(1).unwrap();
    /// assert_eq!(sel.select_timeout(Duration::from_millis(5)), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn select_timeout(&mut self, timeout: Duration) -> Result<R, SelectTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.select_deadline(deadline),
            None => Ok(self.select()),
        }
    }

    /// [`select`](Self::select), giving up at `deadline` with
    /// [`SelectTimeoutError`].
    ///
    /// # Panics
    ///
    /// As [`select`](Self::select).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (_tx, rx) = mpmc::bounded::<i32>(0);
    /// let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap());
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert!(sel.select_deadline(deadline).is_err());
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn select_deadline(&mut self, deadline: Instant) -> Result<R, SelectTimeoutError> {
        self.blocking(Some(deadline)).ok_or(SelectTimeoutError)
    }

    /// A future that completes one arm and resolves to its result: the same
    /// select, awaited from a task on any executor.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future completes nothing, except a rendezvous send arm
    /// whose offered message a receiver already took: that send happened,
    /// and the select's next call returns its result first. No message is
    /// lost or sent twice; see [`SelectFuture`].
    ///
    /// # Panics
    ///
    /// When polled, as [`select`](Self::select).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = mpmc::bounded(1);
    /// let t = std::thread::spawn(move || tx.send(3).unwrap());
    /// let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap() * 2);
    /// assert_eq!(sel.select_async().await, 6);
    /// # t.join().unwrap();
    /// # });
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn select_async(&mut self) -> SelectFuture<'_, R, A> {
        SelectFuture::new(self)
    }

    /// Panics unless an arm can complete (a wait would never end).
    #[cfg(any(feature = "std", feature = "async"))]
    fn assert_can_complete(&mut self) {
        let can = (0..A::LEN).any(|i| {
            let arm = self.arms.arm_only(i);
            arm.active() || arm.completed()
        });
        assert!(
            can,
            "a select needs an arm that can complete (it has no arm, or only spent send arms)"
        );
    }

    #[cfg(feature = "std")]
    fn blocking(&mut self, deadline: Option<Instant>) -> Option<R> {
        self.assert_can_complete();
        if let Some(out) = self.try_once() {
            return Some(out);
        }
        // Bounded re-tries before registering, as the channels' blocking
        // calls do (`waiters::SPINS`/`YIELDS`): a partner that answers within
        // microseconds then costs no registration and no park.
        #[cfg(not(loom))]
        for round in 0..crate::waiters::SPINS + crate::waiters::YIELDS {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            crate::waiters::backoff(round);
            if let Some(out) = self.try_once() {
                return Some(out);
            }
        }
        self.wait_blocking(deadline)
    }

    /// The first arm to try this call.
    fn start(&mut self) -> usize {
        if self.biased || A::LEN <= 1 {
            return 0;
        }
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x as usize) % A::LEN
    }

    /// A completed arm's result left by an interrupted call, else one try of
    /// every arm (no registration).
    fn try_once(&mut self) -> Option<R> {
        for i in 0..A::LEN {
            let arm = self.arms.arm_only(i);
            if arm.completed() {
                return Some(arm.finish());
            }
        }
        let start = self.start();
        for j in 0..A::LEN {
            let i = (start + j) % A::LEN;
            let arm = self.arms.arm_only(i);
            if arm.active() && arm.attempt(None, core::ptr::null(), false) {
                return Some(arm.finish());
            }
        }
        None
    }

    /// Finishes arm `i` (every entry has left).
    fn finish(&mut self, i: usize) -> R {
        self.arms.arm_only(i).finish()
    }
}

impl<R, A: ArmList<R>> fmt::Debug for Select<R, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("arms", &A::LEN)
            .field("biased", &self.biased)
            .finish_non_exhaustive()
    }
}
