//! The receiving end: `try_recv`, the blocking receives, `close`, the
//! `Future` impl, and what dropping it does.
//!
//! Every receive method is built from three steps: [`Receiver::finish`]
//! (look at the state and take the message or report the disconnect),
//! [`Receiver::register`] (store a waker so the sender wakes us) and
//! [`Receiver::withdraw`] (take the waker back). Blocking methods register a
//! waker that unparks the thread, so a receiver can switch between `poll` and
//! the blocking methods in any order.

use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::task::Waker;
#[cfg(feature = "std")]
use core::time::Duration;
#[cfg(feature = "async")]
use core::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};
#[cfg(feature = "std")]
use std::time::Instant;

use crate::channel::{self, Channel};
use crate::errors::TryRecvError;
#[cfg(feature = "std")]
use crate::errors::{RecvError, RecvTimeoutError};
use crate::loom::Ordering::{AcqRel, Acquire, Relaxed, Release};
use crate::state::{self, RX_CLAIM, RX_CLOSED, RX_DONE, RX_GONE, RX_WAKER, TX_DONE, TX_WAKER};

/// The receiving end of a oneshot channel, made by [`channel`](crate::channel).
///
/// One type does everything: [`try_recv`](Receiver::try_recv) never blocks,
/// [`recv`](Receiver::recv) and its timed forms block the thread, and the
/// receiver is a [`Future`](core::future::Future) that any executor can poll.
/// These can be mixed in any order: a receiver that was polled and returned
/// `Pending` can then block in `recv`, and one whose `recv_timeout` timed out
/// can then be awaited. Nothing panics and nothing is lost.
///
/// Dropping the receiver drops a message that was sent but not received,
/// exactly once, and makes any later [`send`](crate::Sender::send) fail
/// with the message handed back. (The one exception to who drops it: when
/// the receiver is dropped while `send` is still waking it, `send` is the
/// last end and drops the message, so a panicking `T::drop` unwinds out of
/// `send`, not out of the receiver's drop.)
///
/// `Receiver` is `Send` when `T: Send`, but not `Sync`: the `&self` receive
/// methods must not race with each other. It is not `Clone`.
///
/// # Cancel safety
///
/// Awaiting `&mut receiver` (or the receiver itself) is cancel-safe: a poll
/// that returns `Pending` never takes the message, so a receiver dropped by
/// `select!` loses nothing it did not already own, and a `&mut` receiver used
/// in a `select!` loop still holds the message for the next iteration.
///
/// `futures::select!` takes only fused futures: with the `futures` feature
/// the receiver is a `FusedFuture`, so `&mut receiver` goes in as it is;
/// without it, write `(&mut receiver).fuse()` (`futures::FutureExt`).
/// `tokio::select!` needs neither.
///
/// # Examples
///
/// A thread answers a task:
///
/// ```
/// use futures::executor::block_on;
///
/// let (sender, receiver) = oneshot::channel();
/// let worker = std::thread::spawn(move || sender.send("done").unwrap());
/// assert_eq!(block_on(receiver), Ok("done"));
/// # worker.join().unwrap();
/// ```
pub struct Receiver<T> {
    channel: NonNull<Channel<T>>,
    // The receiver may own and drop a `T`.
    _owns: PhantomData<T>,
}

// SAFETY: the receiver takes a `T` that was made on the sender's thread, so
// `T: Send` is required and enough; shared state is only reached through the
// atomic protocol. No `Sync`: `&self` methods such as `try_recv` take the
// message with a plain store when the sender is gone, which must not race
// with another receive.
unsafe impl<T: Send> Send for Receiver<T> {}

/// The receiver never pins its message: it lives in the heap allocation and
/// is moved out by value, so `Receiver<T>` is `Unpin` for every `T`.
impl<T> Unpin for Receiver<T> {}

/// How a blocking receive waits before it registers its waker and parks:
/// first this many re-reads of the state with a spin-loop hint, then this
/// many more after `thread::yield_now`. Parking and being unparked cost
/// microseconds (about 5 µs each way on the 2-core VM the benchmarks run on),
/// so a reply already on its way is cheaper to wait for this way: a worker
/// thread that was parked answers a blocked caller in about 1 µs instead of
/// 10. The wait is bounded and depends on nothing the sender must do. None
/// under loom, to keep the models small.
#[cfg(all(feature = "std", not(loom)))]
const SPINS_BEFORE_PARK: u32 = 16;
#[cfg(all(feature = "std", not(loom)))]
const YIELDS_BEFORE_PARK: u32 = 16;
#[cfg(all(feature = "std", loom))]
const SPINS_BEFORE_PARK: u32 = 0;
#[cfg(all(feature = "std", loom))]
const YIELDS_BEFORE_PARK: u32 = 0;

/// What [`Receiver::finish`] found.
enum Finished<T> {
    Message(T),
    Disconnected,
}

impl<T> Finished<T> {
    /// The result of a timed receive that finished.
    #[cfg(feature = "std")]
    fn into_timeout_result(self) -> Result<T, RecvTimeoutError> {
        match self {
            Self::Message(message) => Ok(message),
            Self::Disconnected => Err(RecvTimeoutError::Disconnected),
        }
    }
}

impl<T> Receiver<T> {
    pub(crate) const fn from_channel(channel: NonNull<Channel<T>>) -> Self {
        Self {
            channel,
            _owns: PhantomData,
        }
    }

    fn shared(&self) -> &Channel<T> {
        // SAFETY: the allocation lives until both ends have left, and this
        // receiver leaves only in `drop`.
        unsafe { self.channel.as_ref() }
    }

    /// Completes the receive if `state` (acquired) allows: takes the message,
    /// or reports that none will come. `None` means the sender is still there
    /// and has not sent.
    fn finish(&self, state: usize) -> Option<Finished<T>> {
        if state::has_message(state) {
            // SAFETY: `state` was acquired after the sender's Release RMW
            // that set MESSAGE, the message was not refused (no RX_CLOSED)
            // nor taken (no RX_DONE), and we mark it taken right below.
            let message = unsafe { self.shared().take_message() };
            self.mark_done(state);
            return Some(Finished::Message(message));
        }
        if state & (TX_DONE | RX_CLOSED | RX_DONE) != 0 {
            if state & RX_DONE == 0 {
                self.mark_done(state);
            }
            return Some(Finished::Disconnected);
        }
        None
    }

    /// Records that a receive returned its final result.
    fn mark_done(&self, state: usize) {
        let shared = self.shared();
        if state::sender_left(state) {
            // ORDERING: Relaxed store, not an RMW: the sender is gone for
            // good, so nobody else writes or reads the state any more.
            shared.state.store(state | RX_DONE, Relaxed);
        } else {
            // ORDERING: Relaxed. The sender, still active or still in its
            // claim, reads RX_DONE only in the RMW where it also finds
            // RX_GONE, and our later Release RMW that sets RX_GONE orders
            // the message read above before its free. `fetch_add`: RX_DONE
            // is clear (only we set it, once).
            shared.state.fetch_add(RX_DONE, Relaxed);
        }
    }

    /// Makes sure `waker` is woken when the sender sends or leaves, unless it
    /// already has: then the receive completes right here.
    ///
    /// `None` promises that, at this call's last reading of the state, a
    /// waker for this task or thread was stored (one that `will_wake`
    /// `waker`, the clone this call stored, or the same thread's waker stored
    /// by a nested blocking receive) and no user code has run since, so the
    /// caller may park or return `Pending`.
    #[cfg(any(feature = "std", feature = "async"))]
    #[inline]
    fn register(&self, waker: &Waker) -> Option<Finished<T>> {
        let shared = self.shared();
        // A step that only reads: done, or the same waker already stored.
        // ORDERING: Acquire pairs with the sender's Release RMW in
        // `Sender::send`/`Sender::drop`, so a message it published is
        // visible to `finish`.
        let state = shared.state.load(Acquire);
        if let Some(finished) = self.finish(state) {
            return Some(finished);
        }
        // SAFETY: RX_WAKER without TX_DONE (`finish` found none): the cell
        // holds our waker. A sender that just made its final RMW may be
        // copying it out; both sides only read. `will_wake` compares
        // pointers and runs no user code.
        if state & RX_WAKER != 0 && unsafe { shared.rx_waker_will_wake(waker) } {
            return None;
        }
        // A clone must be stored: user code, so made before the next step.
        let new = waker.clone();
        // The next step, for the common case (nothing stored, nothing
        // happened since): store the clone.
        // ORDERING: Acquire, as above.
        let state = shared.state.load(Acquire);
        if state & (TX_DONE | RX_CLOSED | RX_DONE | RX_WAKER) == 0 {
            // SAFETY: RX_WAKER is clear and the sender has not finished, so
            // the cell is empty and ours.
            unsafe { shared.write_rx_waker(new) };
            // ORDERING: as in `store_waker`'s CAS that stores the waker.
            match shared
                .state
                .compare_exchange(state, state | RX_WAKER, Release, Acquire)
            {
                Ok(_) => return None,
                // SAFETY: the CAS failed, so the sender never saw this
                // waker: it is ours alone.
                Err(_) => return self.store_waker(unsafe { shared.take_rx_waker() }, waker),
            }
        }
        self.store_waker(new, waker)
    }

    /// The storing part of [`register`](Receiver::register): stores `new`
    /// (a clone of `waker`, made before this call), replacing a stored
    /// waker, unless the receive completes first.
    ///
    /// The user code it must still run (dropping the waker it replaced, or
    /// `new` if it is not needed) runs between steps, and after it the state
    /// is read again (see the rule in `state.rs`): a replaced waker's `Drop`
    /// may re-enter this receiver and receive, register or withdraw.
    #[cfg(any(feature = "std", feature = "async"))]
    #[inline(never)]
    fn store_waker(&self, new: Waker, waker: &Waker) -> Option<Finished<T>> {
        let shared = self.shared();
        // The clone to store, while it is not stored.
        let mut spare = Some(new);
        // The waker this call replaced, to drop after the step.
        let mut replaced: Option<Waker> = None;
        // Whether an earlier step of this call stored its clone.
        let mut stored = false;
        loop {
            // One step, from this load to the CAS that ends it: no user code.
            // ORDERING: Acquire, as in `register`.
            let mut state = shared.state.load(Acquire);
            let clone_needed = loop {
                if let Some(finished) = self.finish(state) {
                    // `finish` made the step's last access.
                    drop(replaced);
                    drop(spare);
                    return Some(finished);
                }
                // The sender is active and has not finished: no TX_DONE bit.
                if state & RX_WAKER != 0 {
                    // The stored waker will do if this call stored it (a
                    // clone need not `will_wake` its original), or if a
                    // nested receive put its own there: only the blocking
                    // receives can re-enter (`poll` takes `&mut self`), and
                    // they store the waker of this same thread.
                    // SAFETY: as in `register`.
                    if stored || unsafe { shared.rx_waker_will_wake(waker) } {
                        if spare.is_some() {
                            // Drop the unneeded clone, then look again.
                            break false;
                        }
                        return None;
                    }
                    if spare.is_none() {
                        // Clone first: no user code inside the step.
                        break true;
                    }
                    // ORDERING: Relaxed on success: the waker is ours again
                    // and we publish nothing. Acquire on failure: the sender
                    // may have sent, and `finish` then reads the message.
                    match shared
                        .state
                        .compare_exchange(state, state & !RX_WAKER, Relaxed, Acquire)
                    {
                        Ok(_) => {
                            // Only we set RX_WAKER, so after our withdrawal
                            // it stays clear for the rest of this step.
                            debug_assert!(replaced.is_none());
                            // SAFETY: withdrawn before the sender's final
                            // RMW: ours. Moved out, dropped after the step.
                            replaced = Some(unsafe { shared.take_rx_waker() });
                            state &= !RX_WAKER;
                        }
                        Err(actual) => {
                            state = actual;
                            continue;
                        }
                    }
                }
                let Some(new) = spare.take() else {
                    break true;
                };
                // SAFETY: RX_WAKER is clear and the sender has not finished,
                // so the cell is empty and ours.
                unsafe { shared.write_rx_waker(new) };
                // ORDERING: Release on success publishes the waker to the
                // sender's Acquire half of its final RMW (`Sender::send`,
                // `Sender::drop`). Acquire on failure: the sender may have
                // sent, and `finish` reads the message.
                match shared
                    .state
                    .compare_exchange(state, state | RX_WAKER, Release, Acquire)
                {
                    Ok(_) if replaced.is_none() => return None,
                    // Stored; drop the replaced waker, then look again.
                    Ok(_) => {
                        stored = true;
                        break false;
                    }
                    Err(actual) => {
                        // SAFETY: the CAS failed, so the sender never saw
                        // this waker: it is ours alone. Kept for the retry.
                        spare = Some(unsafe { shared.take_rx_waker() });
                        state = actual;
                    }
                }
            };
            // Between steps: the user code, then a fresh step.
            drop(replaced.take());
            if clone_needed {
                spare = Some(waker.clone());
            } else {
                drop(spare.take());
            }
        }
    }

    /// Takes back a registered waker (after a timeout), unless the sender
    /// finished first: then the receive completes right here.
    #[cfg(feature = "std")]
    fn withdraw(&self) -> Option<Finished<T>> {
        let shared = self.shared();
        // ORDERING: Acquire, as in `register`: `finish` may read the message.
        let mut state = shared.state.load(Acquire);
        loop {
            if let Some(finished) = self.finish(state) {
                return Some(finished);
            }
            if state & RX_WAKER == 0 {
                return None;
            }
            // ORDERING: as in `register`'s withdrawal.
            match shared
                .state
                .compare_exchange(state, state & !RX_WAKER, Relaxed, Acquire)
            {
                Ok(_) => {
                    // SAFETY: withdrawn before the sender's final RMW: ours.
                    let waker = unsafe { shared.take_rx_waker() };
                    // The CAS was the step's last access: the waker's drop
                    // (user code) comes after it, and the caller only
                    // reports the timeout.
                    drop(waker);
                    return None;
                }
                Err(actual) => state = actual,
            }
        }
    }

    /// Returns the message if it is there, without blocking.
    ///
    /// Lock-free, and when it finds nothing or finds the message with the
    /// sender gone, it makes no atomic read-modify-write at all.
    ///
    /// # Errors
    ///
    /// * [`TryRecvError::Empty`]: nothing yet, the sender may still send.
    /// * [`TryRecvError::Disconnected`]: nothing will come: the sender was
    ///   dropped, the receiver was closed empty, or the message was taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneshot::TryRecvError;
    ///
    /// let (sender, receiver) = oneshot::channel();
    /// assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    /// sender.send(5).unwrap();
    /// assert_eq!(receiver.try_recv(), Ok(5));
    /// assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        // ORDERING: Acquire pairs with the sender's Release RMW in `send`,
        // making the message visible.
        let state = self.shared().state.load(Acquire);
        match self.finish(state) {
            Some(Finished::Message(message)) => Ok(message),
            Some(Finished::Disconnected) => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Blocks the thread until the message arrives or the sender is dropped,
    /// consuming the receiver.
    ///
    /// Works after the receiver was polled as a future, or after a timed
    /// receive timed out.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if no message will ever arrive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// let worker = std::thread::spawn(move || sender.send(1u8).unwrap());
    /// assert_eq!(receiver.recv(), Ok(1));
    /// # worker.join().unwrap();
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[inline]
    pub fn recv(self) -> Result<T, RecvError> {
        let shared = self.shared();
        // ORDERING: Acquire pairs with the sender's Release RMW in `send`,
        // making the message visible.
        let state = shared.state.load(Acquire);
        if state::has_message(state) && state::sender_left(state) {
            // The common case, the message already there: take it and free
            // the allocation at once, instead of marking it taken and then
            // reloading the state in `drop`.
            let ptr = ManuallyDrop::new(self).channel;
            // SAFETY: the acquired state has a valid, untaken message, and
            // the sender is gone, so we are the only side left.
            let message = unsafe { (*ptr.as_ptr()).take_message() };
            // SAFETY: we are last; with RX_DONE the message is not dropped.
            unsafe { channel::free(ptr, state | RX_DONE) };
            return Ok(message);
        }
        self.recv_ref()
    }

    /// Blocks like [`recv`](Receiver::recv), without consuming the receiver.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if no message will ever arrive, including when it was
    /// already received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// let worker = std::thread::spawn(move || sender.send('x').unwrap());
    /// assert_eq!(receiver.recv_ref(), Ok('x'));
    /// assert_eq!(receiver.recv_ref(), Err(oneshot::RecvError));
    /// # worker.join().unwrap();
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_ref(&self) -> Result<T, RecvError> {
        match self.block(|| None) {
            Ok(message) => Ok(message),
            Err(_) => Err(RecvError),
        }
    }

    /// Blocks until the message arrives, the sender is dropped, or `timeout`
    /// has passed.
    ///
    /// After a timeout the receiver is as good as new: receive again, poll
    /// it, or drop it.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// * [`RecvTimeoutError::Timeout`] if the time ran out first.
    /// * [`RecvTimeoutError::Disconnected`] if no message will ever arrive.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use oneshot::RecvTimeoutError;
    ///
    /// let (sender, receiver) = oneshot::channel();
    /// let wait = Duration::from_millis(5);
    /// assert_eq!(receiver.recv_timeout(wait), Err(RecvTimeoutError::Timeout));
    /// sender.send(9).unwrap();
    /// assert_eq!(receiver.recv_timeout(wait), Ok(9));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        // A timeout too large to add to `now` is as good as none.
        self.block(|| Instant::now().checked_add(timeout))
    }

    /// Blocks until the message arrives, the sender is dropped, or
    /// `deadline` is reached.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// As for [`recv_timeout`](Receiver::recv_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (sender, receiver) = oneshot::channel();
    /// sender.send("early").unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(receiver.recv_deadline(deadline), Ok("early"));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.block(|| Some(deadline))
    }

    /// The blocking receive behind `recv*`: register a waker that unparks
    /// this thread and park until `finish` succeeds or the deadline passes.
    ///
    /// `deadline` is only evaluated if the message is not already there, so
    /// that case never reads the clock.
    #[cfg(feature = "std")]
    fn block(&self, deadline: impl FnOnce() -> Option<Instant>) -> Result<T, RecvTimeoutError> {
        let finished = Finished::into_timeout_result;
        // ORDERING: Acquire, as in `try_recv`. Checked before reading the
        // clock or building the thread's waker, so a message that is
        // already there costs neither, nor any RMW.
        let state = self.shared().state.load(Acquire);
        if let Some(done) = self.finish(state) {
            return finished(done);
        }
        let deadline = deadline();
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            // A passed deadline (`recv_timeout(ZERO)`) never waits. It times
            // out at once, unless a waker from an earlier poll is stored:
            // the register/withdraw below then replaces it with nothing, so
            // an abandoned task is not woken.
            if state & RX_WAKER == 0 {
                return Err(RecvTimeoutError::Timeout);
            }
        } else if let Some(done) = self.wait_briefly(deadline) {
            return finished(done);
        }
        let waker = crate::waker::current_thread();
        loop {
            if let Some(done) = self.register(&waker) {
                return finished(done);
            }
            match deadline {
                None => crate::loom::thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        // Never waits for the sender: if it is mid-send the
                        // message is already readable and `withdraw` takes it.
                        return match self.withdraw() {
                            Some(done) => finished(done),
                            None => Err(RecvTimeoutError::Timeout),
                        };
                    }
                    crate::loom::thread::park_timeout(deadline - now);
                }
            }
        }
    }

    /// The short optimistic wait before registering and parking (see
    /// [`SPINS_BEFORE_PARK`]): a reply already on its way then costs no
    /// sleep and wake-up. A bounded number of loads that waits for nothing
    /// the sender must do; the yield rounds stop at the deadline.
    #[cfg(feature = "std")]
    fn wait_briefly(&self, deadline: Option<Instant>) -> Option<Finished<T>> {
        for round in 0..SPINS_BEFORE_PARK + YIELDS_BEFORE_PARK {
            if round < SPINS_BEFORE_PARK {
                core::hint::spin_loop();
            } else if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return None;
            } else {
                std::thread::yield_now();
            }
            // ORDERING: Acquire, as in `try_recv`.
            let state = self.shared().state.load(Acquire);
            if let Some(done) = self.finish(state) {
                return Some(done);
            }
        }
        None
    }

    /// Returns `true` if no message is waiting and none can arrive any more:
    /// the sender is gone, or the receiver was closed, or the message was
    /// already taken.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel::<u8>();
    /// assert!(!receiver.is_closed());
    /// drop(sender);
    /// assert!(receiver.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // ORDERING: Relaxed: a snapshot of bits; any receive that follows
        // makes its own Acquire load before reading data.
        let state = self.shared().state.load(Relaxed);
        !state::has_message(state) && state & (TX_DONE | RX_CLOSED | RX_DONE) != 0
    }

    /// Returns `true` if the message is waiting to be taken: the next
    /// [`try_recv`](Receiver::try_recv) will return it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// assert!(!receiver.has_message());
    /// sender.send(()).unwrap();
    /// assert!(receiver.has_message());
    /// ```
    pub fn has_message(&self) -> bool {
        // ORDERING: Relaxed: a snapshot; `try_recv` acquires before reading.
        state::has_message(self.shared().state.load(Relaxed))
    }

    /// Returns `true` once a receive has returned its final result (the
    /// message, or a disconnect): polling again would only give
    /// `Err(RecvError)`. This is the `FusedFuture::is_terminated` contract.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// sender.send(1).unwrap();
    /// assert!(!receiver.is_terminated());
    /// assert_eq!(receiver.try_recv(), Ok(1));
    /// assert!(receiver.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        // ORDERING: Relaxed: RX_DONE is only written by this receiver.
        self.shared().state.load(Relaxed) & RX_DONE != 0
    }

    /// Closes the channel from the receiving side: every later
    /// [`send`](crate::Sender::send) fails and hands its message back, and
    /// [`Sender::closed`](crate::Sender::closed) completes.
    ///
    /// A message sent *before* the close stays in the channel and can still
    /// be taken with [`try_recv`](Receiver::try_recv). Closing twice, or after
    /// the sender is gone, does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, mut receiver) = oneshot::channel();
    /// receiver.close();
    /// assert!(sender.is_closed());
    /// assert_eq!(sender.send(1).unwrap_err().into_inner(), 1);
    /// assert_eq!(receiver.try_recv(), Err(oneshot::TryRecvError::Disconnected));
    /// ```
    pub fn close(&mut self) {
        let shared = self.shared();
        // ORDERING: Relaxed: only bits decide what follows; the CAS below
        // acquires before we read anything the sender wrote.
        let mut state = shared.state.load(Relaxed);
        loop {
            if state & (TX_DONE | RX_CLOSED) != 0 {
                return;
            }
            let closed = state::closing(state);
            let own = copy_own_waker(shared, state);
            // ORDERING: Acquire on success pairs with the sender's Release
            // CAS in `Sender::poll_closed`, so a waker we claim is visible.
            // Relaxed on failure: we only re-read bits.
            match shared
                .state
                .compare_exchange(state, closed, Acquire, Relaxed)
            {
                Ok(_) => {
                    // Our CAS withdrew RX_WAKER before the sender's final
                    // RMW: the copy is ours. Both wakers are out before we
                    // wake or drop either, so a panicking waker cannot leave
                    // the claim open.
                    let own = own.map(ManuallyDrop::into_inner);
                    if closed & RX_CLAIM != 0 {
                        // SAFETY: we claimed the sender's waker; we are not
                        // gone, so nobody frees meanwhile.
                        let waker = unsafe { shared.take_tx_waker() };
                        // ORDERING: Release: our read of the slot happens
                        // before the sender's Acquire load in its `drop`
                        // (which may then free). We free nothing here.
                        // `fetch_sub`: RX_CLAIM is set, and only we clear it.
                        shared.state.fetch_sub(RX_CLAIM, Release);
                        waker.wake();
                    }
                    drop(own);
                    return;
                }
                // The waker stays in the cell; `own` was only a copy.
                Err(actual) => state = actual,
            }
        }
    }

    /// Turns the receiver into a raw pointer, for passing through FFI. No
    /// allocation; use [`from_raw`](Receiver::from_raw) to get it back, or
    /// the channel leaks.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel::<u8>();
    /// let raw = receiver.into_raw();
    /// sender.send(3).unwrap();
    /// // SAFETY: `raw` came from `Receiver::into_raw` for this `T` and is used once.
    /// let receiver = unsafe { oneshot::Receiver::<u8>::from_raw(raw) };
    /// assert_eq!(receiver.recv(), Ok(3));
    /// ```
    pub fn into_raw(self) -> *mut () {
        ManuallyDrop::new(self).channel.as_ptr().cast()
    }

    /// Rebuilds a receiver from [`into_raw`](Receiver::into_raw).
    ///
    /// # Safety
    ///
    /// * `raw` was returned by `Receiver::<T>::into_raw` for this same `T`.
    /// * It is turned back into a receiver at most once.
    ///
    /// # Examples
    ///
    /// See [`into_raw`](Receiver::into_raw).
    pub unsafe fn from_raw(raw: *mut ()) -> Self {
        // SAFETY: per the contract, `raw` is the non-null channel pointer a
        // receiver gave up.
        Self::from_channel(unsafe { NonNull::new_unchecked(raw.cast()) })
    }
}

/// Copies the receiver's own waker out of its cell *before* a close/drop CAS
/// from `state` that withdraws it, if one is stored.
///
/// The copy must be made before the CAS: once a drop's CAS has set RX_GONE,
/// the sender may free the allocation at any moment. If the CAS succeeds the
/// copy is ours; if it fails, the caller lets the `ManuallyDrop` go without
/// dropping it (the waker is still in the cell).
fn copy_own_waker<T>(shared: &Channel<T>, state: usize) -> Option<ManuallyDrop<Waker>> {
    if state & RX_WAKER != 0 {
        // SAFETY: RX_WAKER without TX_DONE (the callers handle TX_DONE
        // first): the cell holds our waker. Until our CAS, the sender can
        // at most claim it, which only reads it, and cannot free.
        Some(ManuallyDrop::new(unsafe { shared.take_rx_waker() }))
    } else {
        None
    }
}

/// Awaiting the receiver: `Ready(Ok(message))`, or `Ready(Err(RecvError))` if
/// no message will come. Polling again after `Ready` returns
/// `Err(RecvError)`; it never panics.
///
/// Each poll keeps the waker of that poll; when the new waker
/// [`will_wake`](core::task::Waker::will_wake) the stored one, it neither
/// clones it nor makes any atomic read-modify-write.
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
impl<T> Future for Receiver<T> {
    type Output = Result<T, crate::RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.register(cx.waker()) {
            Some(Finished::Message(message)) => Poll::Ready(Ok(message)),
            Some(Finished::Disconnected) => Poll::Ready(Err(crate::RecvError)),
            None => Poll::Pending,
        }
    }
}

/// With the `futures` feature, the receiver is a
/// [`FusedFuture`](https://docs.rs/futures-core/0.3/futures_core/future/trait.FusedFuture.html): it reports itself
/// terminated once a receive has returned its final result (see
/// [`Receiver::is_terminated`]), so `futures::select!` can take
/// `&mut receiver` without `.fuse()`.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::{Context, Poll, Waker};
/// use futures_core::future::FusedFuture;
///
/// let (sender, mut receiver) = oneshot::channel();
/// assert!(!FusedFuture::is_terminated(&receiver));
/// sender.send(1).unwrap();
/// let mut cx = Context::from_waker(Waker::noop());
/// assert_eq!(Pin::new(&mut receiver).poll(&mut cx), Poll::Ready(Ok(1)));
/// assert!(FusedFuture::is_terminated(&receiver));
/// ```
#[cfg(feature = "futures")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T> futures_core::future::FusedFuture for Receiver<T> {
    fn is_terminated(&self) -> bool {
        Receiver::is_terminated(self)
    }
}

impl<T> Drop for Receiver<T> {
    /// Drops an unreceived message, and makes later sends fail.
    ///
    /// When the sender is gone, this frees the channel and then drops the
    /// message, so a panicking `T::drop` (or a waker's `Drop`) unwinds out of
    /// it with nothing leaked. When the sender is still inside `send`,
    /// waking this receiver, the sender frees the channel and drops the
    /// message instead, at the end of `send`.
    #[inline]
    fn drop(&mut self) {
        // ORDERING: Acquire pairs with the sender's Release final RMW (and
        // release of its claim), so its writes, the message included,
        // happen-before we drop and free.
        let state = self.shared().state.load(Acquire);
        // `sender_left` without a `closed()` waker in the slot, as one test:
        // TX_DONE set, neither RX_WAKER (the sender's claim) nor TX_WAKER.
        let sender_left_empty = state & (RX_WAKER | TX_WAKER) == 0 && state & TX_DONE != 0;
        let message_to_drop = core::mem::needs_drop::<T>() && state::has_message(state);
        if sender_left_empty && !message_to_drop {
            // SAFETY: the sender is gone for good, so we are last, and the
            // slot holds nothing to drop: no `closed()` waker, and no message
            // with drop glue.
            unsafe { channel::free_empty(self.channel) };
            return;
        }
        self.leave(state);
    }
}

impl<T> Receiver<T> {
    /// The slow part of `drop`: the sender is still active or still in its
    /// claim. `state` was loaded with Acquire.
    #[cold]
    #[inline(never)]
    fn leave(&mut self, mut state: usize) {
        let ptr = self.channel;
        let shared = self.shared();
        loop {
            if state::sender_left(state) {
                // SAFETY: the sender is gone for good; we are last.
                unsafe { channel::free(ptr, state) };
                return;
            }
            if state::sender_claiming(state) {
                // ORDERING: AcqRel. Release: our uses (a message we took)
                // happen-before the sender frees in `sender::wake_receiver`.
                // Acquire: if the sender released first, we free.
                // `fetch_add`: RX_GONE is clear; one `lock xadd` on x86.
                let prev = shared.state.fetch_add(RX_GONE, AcqRel);
                if state::sender_left(prev) {
                    // SAFETY: the sender released its claim before our RMW.
                    unsafe { channel::free(ptr, prev | RX_GONE) };
                }
                return;
            }
            let gone = state::closing(state) | RX_GONE;
            let own = copy_own_waker(shared, state);
            // ORDERING: AcqRel on success. Release: our uses happen-before
            // the sender frees after seeing RX_GONE (its Acquire). Acquire:
            // pairs with the sender's Release CAS in `poll_closed` when we
            // claim its waker. Acquire on failure: we may free next round.
            match shared.state.compare_exchange(state, gone, AcqRel, Acquire) {
                Ok(_) => {
                    // Our CAS withdrew RX_WAKER before the sender's final
                    // RMW: the copy made before it is ours. (Reading the
                    // cell now could race with the sender freeing it.) Wake
                    // or drop the wakers only after the claim's release, so
                    // a panicking waker cannot leave it open.
                    let own = own.map(ManuallyDrop::into_inner);
                    if gone & RX_CLAIM != 0 {
                        // SAFETY: we claimed the sender's waker and the claim
                        // keeps the sender from freeing.
                        let waker = unsafe { shared.take_tx_waker() };
                        // ORDERING: AcqRel. Release: our read of the slot
                        // happens-before the sender frees. Acquire: if the
                        // sender left during the claim, we free after it.
                        let prev = shared.state.fetch_sub(RX_CLAIM, AcqRel);
                        if prev & TX_DONE != 0 {
                            // SAFETY: the sender left during our claim and
                            // left the freeing to us.
                            unsafe { channel::free(ptr, prev & !RX_CLAIM) };
                        }
                        waker.wake();
                    }
                    drop(own);
                    return;
                }
                // The waker stays in the cell; `own` was only a copy.
                Err(actual) => state = actual,
            }
        }
    }
}

/// Shows the channel's state, without requiring `T: Debug`.
impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("has_message", &self.has_message())
            .field("is_closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
