//! The sending end: `send`, `is_closed`, `closed`/`poll_closed`, and what
//! dropping an unsent sender does.

use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::task::Waker;
#[cfg(feature = "async")]
use core::task::{Context, Poll};

use crate::channel::{self, Channel};
use crate::errors::SendError;
#[cfg(feature = "async")]
use crate::loom::Ordering::Release;
use crate::loom::Ordering::{AcqRel, Acquire, Relaxed};
use crate::state::{self, MESSAGE, RX_CLAIM, RX_CLOSED, RX_GONE, RX_WAKER, TX_DROPPED, TX_WAKER};

/// The sending end of a oneshot channel, made by [`channel`](crate::channel).
///
/// It sends at most one message: [`send`](Sender::send) consumes it, so a
/// second send does not compile. It is neither `Clone` nor `Copy`.
///
/// Dropping a `Sender` without sending disconnects the channel: the receiver
/// wakes up (if it waits) and gets [`RecvError`](crate::RecvError).
///
/// `Sender<T>` is invariant in `T`, so a `Sender<&'static str>` cannot be
/// used to send a shorter-lived borrow:
///
/// ```compile_fail
/// fn shorten<'a>(sender: oneshot::Sender<&'static str>) -> oneshot::Sender<&'a str> {
///     sender
/// }
/// ```
///
/// # Examples
///
/// ```
/// let (sender, receiver) = oneshot::channel();
/// std::thread::spawn(move || sender.send(42).unwrap());
/// assert_eq!(receiver.recv(), Ok(42));
/// ```
pub struct Sender<T> {
    channel: NonNull<Channel<T>>,
    // `fn(T) -> T` makes the sender invariant in `T` (see the type docs)
    // without affecting auto traits, which are implemented by hand below.
    _invariant: PhantomData<fn(T) -> T>,
}

// SAFETY: the sender moves a `T` to whichever thread holds the receiver, so
// `T: Send` is required and enough; every access to the shared allocation
// goes through the state word's atomic protocol.
unsafe impl<T: Send> Send for Sender<T> {}

// SAFETY: through `&Sender` one can only call `is_closed` and `Debug`, which
// do a single atomic load and never touch a `T`.
unsafe impl<T> Sync for Sender<T> {}

impl<T> Sender<T> {
    pub(crate) const fn from_channel(channel: NonNull<Channel<T>>) -> Self {
        Self {
            channel,
            _invariant: PhantomData,
        }
    }

    fn shared(&self) -> &Channel<T> {
        // SAFETY: the allocation lives until both ends have left, and this
        // sender has not left (that only happens in `send` and `drop`, which
        // stop using `self` first).
        unsafe { self.channel.as_ref() }
    }

    /// Sends `message` to the receiver, consuming the sender.
    ///
    /// This never blocks and never allocates. It is lock-free and wait-free:
    /// one atomic read-modify-write (RMW) when the receiver is not waiting.
    /// When the receiver is waiting (a task that polled, or a blocked
    /// thread), `send` also copies the receiver's waker out, makes a second
    /// RMW, and then calls [`Waker::wake`](core::task::Waker::wake): that
    /// call is the one step whose cost is not ours, since it runs the
    /// executor's wake-up code (or `Thread::unpark`). If
    /// [`poll_closed`](Sender::poll_closed) left a waker registered, `send`
    /// withdraws it first with one more RMW.
    ///
    /// `Ok(())` means the message is in the channel for the receiver; it does
    /// *not* mean it has been received (the receiver may still be dropped
    /// with the message unread, which then drops it).
    ///
    /// # Errors
    ///
    /// If the receiver was dropped or [closed](crate::Receiver::close) first,
    /// the message was not delivered and comes back in the [`SendError`].
    ///
    /// # Panics
    ///
    /// Not by itself, but it may run user code, always after its final RMW
    /// (the message is then delivered, or refused), and a panic there
    /// unwinds out of `send`:
    ///
    /// * the drop of the [`poll_closed`](Sender::poll_closed) waker it
    ///   withdraws, and the waiting receiver's `wake`;
    /// * `T::drop` of the message itself, when the receiver is dropped
    ///   while `send` is waking it: `send` is then the last end, so it frees
    ///   the channel and drops the unreceived message (after deallocating).
    ///   Without the panic it would have returned `Ok`.
    ///
    /// # Examples
    ///
    /// Sending to a receiver that is still there:
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// assert!(sender.send("hi").is_ok());
    /// assert_eq!(receiver.try_recv(), Ok("hi"));
    /// ```
    ///
    /// Getting the message back when nobody listens:
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// drop(receiver);
    /// assert_eq!(sender.send(vec![1, 2]).unwrap_err().into_inner(), vec![1, 2]);
    /// ```
    #[inline]
    pub fn send(self, message: T) -> Result<(), SendError<T>> {
        let this = ManuallyDrop::new(self);
        let ptr = this.channel;

        // ORDERING: Relaxed. It decides two things: whether our own
        // `closed()` waker is stored (only we set TX_WAKER, so our own
        // writes are enough), and an early refusal on RX_CLOSED, which is
        // re-checked by the final RMW with the right ordering.
        let state = this.shared().state.load(Relaxed);
        if state & (RX_CLOSED | TX_WAKER) != 0 {
            // SAFETY: we have not sent, `state` is our own load, and `this`
            // is not used again.
            return unsafe { send_slow(ptr, state, message) };
        }
        // SAFETY: we have not sent, no waker of ours is in the slot, and
        // `this` is not used again.
        unsafe { deliver(ptr, message) }
    }

    /// Returns `true` if the receiver was dropped or
    /// [closed](crate::Receiver::close): a [`send`](Sender::send) would
    /// fail.
    ///
    /// A `false` is only a snapshot: the receiver may go away right after.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel::<()>();
    /// assert!(!sender.is_closed());
    /// drop(receiver);
    /// assert!(sender.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // ORDERING: Relaxed: a snapshot of one bit; no data is read based
        // on it (a later `send` re-checks with its own RMW).
        self.shared().state.load(Relaxed) & RX_CLOSED != 0
    }

    /// Waits until the receiver is dropped or closed, so a worker can stop
    /// work whose result nobody will read.
    ///
    /// Returns at once if that already happened. Not calling it costs
    /// nothing: the sender's other paths only check one bit they read anyway.
    ///
    /// The future is `Unpin` and `Sync` for every `T`, and `Send` exactly
    /// when `T: Send` (as the sender it borrows), so it can be polled by
    /// hand, stored in a `select!`, or awaited in a task that moves between
    /// threads. These are promises; `Sync` and `Unpin` are part of the
    /// signature, and a future for a `T` that is not `Send` is not `Send`:
    ///
    /// ```compile_fail
    /// fn is_send<F: Send>(_: F) {}
    /// let (mut sender, _receiver) = oneshot::channel::<std::rc::Rc<u8>>();
    /// is_send(sender.closed());
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future leaves the sender usable; a waker it
    /// registered is replaced by the next poll or withdrawn by `send`/drop.
    ///
    /// # Examples
    ///
    /// ```
    /// futures::executor::block_on(async {
    ///     let (mut sender, receiver) = oneshot::channel::<u32>();
    ///     let worker = std::thread::spawn(move || drop(receiver));
    ///     sender.closed().await; // the worker dropped its receiver
    ///     assert!(sender.is_closed());
    ///     worker.join().unwrap();
    /// });
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn closed(&mut self) -> impl core::future::Future<Output = ()> + Unpin + Sync + '_ {
        core::future::poll_fn(move |cx| self.poll_closed(cx))
    }

    /// Polls for the receiver being dropped or closed (the poll-based form of
    /// [`closed`](Sender::closed)).
    ///
    /// Returns `Pending` and keeps the waker of the latest call (no clone
    /// when it `will_wake` the stored one) until the receiver goes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (mut sender, receiver) = oneshot::channel::<u8>();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(sender.poll_closed(&mut cx), Poll::Pending);
    /// drop(receiver);
    /// assert_eq!(sender.poll_closed(&mut cx), Poll::Ready(()));
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let shared = self.shared();
        // A step that only reads: closed, or the same waker already stored.
        // ORDERING: Relaxed. We only decide on bits: RX_CLOSED (no data
        // follows from it) and our own TX_WAKER.
        let state = shared.state.load(Relaxed);
        if state & RX_CLOSED != 0 {
            return Poll::Ready(());
        }
        // SAFETY: TX_WAKER is set and RX_CLOSED was clear: the slot holds our
        // waker; a receiver claiming it concurrently only reads it, as we
        // do. `will_wake` compares pointers and runs no user code.
        if state & TX_WAKER != 0 && unsafe { shared.tx_waker_will_wake(cx.waker()) } {
            return Poll::Pending;
        }
        // A clone must be stored: user code, so made before the next step.
        self.store_closed_waker(cx.waker().clone(), cx.waker())
    }

    /// The storing part of [`poll_closed`](Sender::poll_closed), built like
    /// `Receiver::register`'s: stores `new` (a clone of `waker`), replacing
    /// a stored waker, and drops the replaced waker (or `new`, if it is not
    /// needed) between steps, reading the state again after it.
    #[cfg(feature = "async")]
    #[inline(never)]
    fn store_closed_waker(&mut self, new: Waker, waker: &Waker) -> Poll<()> {
        let shared = self.shared();
        let mut spare = Some(new);
        let mut replaced: Option<Waker> = None;
        // Only we set TX_WAKER, and `&mut self` rules out a nested call: once
        // this call stored its clone, a set TX_WAKER means it is still there.
        let mut stored = false;
        loop {
            // ORDERING: Relaxed, as in `poll_closed`.
            let mut state = shared.state.load(Relaxed);
            let clone_needed = loop {
                if state & RX_CLOSED != 0 {
                    drop(replaced);
                    drop(spare);
                    return Poll::Ready(());
                }
                if state & TX_WAKER != 0 {
                    // SAFETY: as in `poll_closed`.
                    if stored || unsafe { shared.tx_waker_will_wake(waker) } {
                        if spare.is_some() {
                            break false;
                        }
                        return Poll::Pending;
                    }
                    if spare.is_none() {
                        break true;
                    }
                    // ORDERING: Relaxed both ways: on success the waker is
                    // ours again (we stored it); on failure we only re-read
                    // bits.
                    match shared
                        .state
                        .compare_exchange(state, state & !TX_WAKER, Relaxed, Relaxed)
                    {
                        Ok(_) => {
                            debug_assert!(replaced.is_none());
                            // SAFETY: withdrawn while RX_CLOSED was clear:
                            // ours. Moved out, dropped after the step.
                            replaced = Some(unsafe { shared.take_tx_waker() });
                            state &= !TX_WAKER;
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
                // SAFETY: TX_WAKER is clear and we have not sent: the slot
                // is empty and ours.
                unsafe { shared.write_tx_waker(new) };
                // ORDERING: Release on success publishes the waker to the
                // receiver's Acquire CAS in `Receiver::{close, drop}` that
                // claims it. Relaxed on failure: we only re-read bits.
                match shared
                    .state
                    .compare_exchange(state, state | TX_WAKER, Release, Relaxed)
                {
                    Ok(_) if replaced.is_none() => return Poll::Pending,
                    Ok(_) => {
                        stored = true;
                        break false;
                    }
                    Err(actual) => {
                        // SAFETY: the CAS failed, so TX_WAKER was never set
                        // for this waker: it is still ours alone.
                        spare = Some(unsafe { shared.take_tx_waker() });
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

    /// Turns the sender into a raw pointer, for passing through FFI. No
    /// allocation; use [`from_raw`](Sender::from_raw) to get it back, or the
    /// channel leaks.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel::<u8>();
    /// let raw = sender.into_raw();
    /// // SAFETY: `raw` came from `Sender::into_raw` for this `T` and is used once.
    /// let sender = unsafe { oneshot::Sender::<u8>::from_raw(raw) };
    /// sender.send(3).unwrap();
    /// assert_eq!(receiver.recv(), Ok(3));
    /// ```
    pub fn into_raw(self) -> *mut () {
        ManuallyDrop::new(self).channel.as_ptr().cast()
    }

    /// Rebuilds a sender from [`into_raw`](Sender::into_raw).
    ///
    /// # Safety
    ///
    /// * `raw` was returned by `Sender::<T>::into_raw` for this same `T`.
    /// * It is turned back into a sender at most once.
    ///
    /// # Examples
    ///
    /// See [`into_raw`](Sender::into_raw).
    pub unsafe fn from_raw(raw: *mut ()) -> Self {
        // SAFETY: per the contract, `raw` is the non-null channel pointer a
        // sender gave up.
        Self::from_channel(unsafe { NonNull::new_unchecked(raw.cast()) })
    }
}

/// The sender's final step: write the message into the slot, publish it
/// with the final RMW, and wake the receiver if it waits.
///
/// # Safety
///
/// Called once, by a sender that has not sent, with the slot free for the
/// message: no TX_DONE bit yet and no `closed()` waker in it (withdrawn by
/// [`clear_slot`] or never stored). Nothing may touch the allocation after
/// this call.
#[inline(always)]
unsafe fn deliver<T>(ptr: NonNull<Channel<T>>, message: T) -> Result<(), SendError<T>> {
    // SAFETY: we have not made our final RMW, so the allocation is alive.
    let shared = unsafe { ptr.as_ref() };
    let message = ManuallyDrop::new(message);
    // SAFETY: the slot is ours (see the contract). We keep `message` until
    // the RMW tells us whether the copy was delivered.
    unsafe { shared.write_message(&message) };

    // ORDERING: AcqRel. Release publishes the message written above to
    // the receiver's Acquire load in `Receiver::{try_recv, poll, recv*,
    // drop}`. Acquire pairs with the receiver's Release CAS in
    // `Receiver::register` (when RX_WAKER is set, we read the waker it
    // stored) and with its Release CAS in `Receiver::drop` (when
    // RX_GONE is set, we free).
    // `fetch_add`, not `fetch_or`: MESSAGE is clear (only we set it,
    // once), so both give the same result, and on x86 a `fetch_or`
    // whose result is used compiles to a CAS loop, which is not
    // wait-free; `fetch_add` is one `lock xadd`.
    // Results: RX_CLOSED set -> refused, the copy is dead bits;
    // RX_WAKER set -> we claimed the receiver's waker; else delivered.
    let prev = shared.state.fetch_add(MESSAGE, AcqRel);
    if prev & (RX_CLOSED | RX_WAKER) == 0 {
        return Ok(());
    }
    if prev & RX_CLOSED != 0 {
        // SAFETY: `prev` is our final RMW's result, with RX_CLOSED set.
        return Err(unsafe { refused(ptr, prev, ManuallyDrop::into_inner(message)) });
    }
    // Delivered: the copy in the slot is the receiver's now, and our
    // `message` is never touched again (not even moved: moving a `Box`
    // would assert uniqueness over the receiver's copy).
    // SAFETY: our final RMW found RX_WAKER set and RX_CLOSED clear.
    unsafe { wake_receiver(ptr) };
    Ok(())
}

/// `send` when the receiver closed, or when `poll_closed` left our waker in
/// the slot: withdraw the waker, deliver, and only then drop the waker.
///
/// The waker's `Drop` is user code, so it runs after the final RMW (see the
/// rule in `state.rs`): if it panics, the message is already delivered and
/// the receiver woken, and the panic unwinds out of `send`.
///
/// # Safety
///
/// Called by a sender that has not sent, with `state` loaded by it, and
/// the sender is not used again.
#[cold]
#[inline(never)]
unsafe fn send_slow<T>(
    ptr: NonNull<Channel<T>>,
    state: usize,
    message: T,
) -> Result<(), SendError<T>> {
    // SAFETY: per the contract.
    let Some(own_waker) = (unsafe { clear_slot(ptr, state) }) else {
        // Refused before anything was written: leave exactly as an unsent
        // sender is dropped.
        drop(Sender::from_channel(ptr));
        return Err(SendError::new(message));
    };
    // SAFETY: `clear_slot` withdrew our waker, so the slot is free, and we
    // have not sent.
    let result = unsafe { deliver(ptr, message) };
    // User code, after the final RMW: the waker was moved out of the slot
    // by `clear_slot`, so dropping it touches nothing.
    drop(own_waker);
    result
}

/// The slow start of `send`: if the receiver has not closed, withdraws the
/// `closed()` waker that `poll_closed` left in the slot and returns it (not
/// dropped: that is user code, and it must wait for the final RMW). `None`
/// means the send must be refused (nothing was written).
///
/// # Safety
///
/// Called by the sender before its final RMW, with `state` loaded by it.
#[inline(always)]
unsafe fn clear_slot<T>(ptr: NonNull<Channel<T>>, state: usize) -> Option<Waker> {
    if state & RX_CLOSED != 0 {
        return None;
    }
    // SAFETY: we have not made our final RMW, so the allocation is alive.
    let shared = unsafe { ptr.as_ref() };
    // ORDERING: Relaxed. If RX_CLOSED is clear in `prev`, the receiver never
    // claimed the waker, which we stored ourselves, so there is nothing to
    // synchronise with. If it is set, we touch nothing and leave through
    // `drop`, which orders itself. `fetch_sub`: TX_WAKER is set (we saw it
    // and only we clear it), and it is wait-free where `fetch_and` is not.
    let prev = shared.state.fetch_sub(TX_WAKER, Relaxed);
    if prev & RX_CLOSED != 0 {
        return None;
    }
    // SAFETY: we withdrew TX_WAKER before any close, so the waker in the
    // slot is ours and nobody else will read it. Moving it out frees the
    // slot for the message.
    Some(unsafe { shared.take_tx_waker() })
}

/// The slow end of a refused `send`: the final RMW found RX_CLOSED, so the
/// copy in the slot is dead bits and `message` goes back to the caller.
///
/// # Safety
///
/// `prev` is the result of the sender's final RMW and has RX_CLOSED set.
#[cold]
#[inline(never)]
unsafe fn refused<T>(ptr: NonNull<Channel<T>>, prev: usize, message: T) -> SendError<T> {
    if state::receiver_left(prev) {
        // SAFETY: the receiver is gone and holds no claim; the state has
        // RX_CLOSED, so `free` drops neither the dead copy nor a waker.
        unsafe { channel::free(ptr, prev | MESSAGE) };
    }
    SendError::new(message)
}

/// The sender's claim on the receiver's waker (see `state::RX_WAKER`): copy
/// the waker out, release the claim (freeing the allocation if the receiver
/// left meanwhile), then wake the copy without touching the channel.
///
/// # Safety
///
/// The sender's final RMW found RX_WAKER set. Nothing may touch the
/// allocation after this call.
#[cold]
#[inline(never)]
unsafe fn wake_receiver<T>(ptr: NonNull<Channel<T>>) {
    // SAFETY: our claim keeps the receiver from freeing until we release it.
    let shared = unsafe { ptr.as_ref() };
    // SAFETY: the claim makes the waker ours until we clear RX_WAKER.
    let waker = unsafe { shared.take_rx_waker() };
    // Release the claim. ORDERING: AcqRel. Release: our read of the waker
    // cell happens-before the receiver reuses it or frees the allocation
    // (its Acquire loads in `Receiver::drop`). Acquire: if RX_GONE is set we
    // free, after the receiver's Release `fetch_add(RX_GONE)` in
    // `Receiver::leave`, so its reads of the message happen-before our drop
    // of it. `fetch_sub`: RX_WAKER is set (our claim) and nobody else
    // clears it.
    let prev = shared.state.fetch_sub(RX_WAKER, AcqRel);
    if state::receiver_left(prev) {
        // SAFETY: the receiver left during our claim and left the freeing to
        // us; `prev` without RX_WAKER is the final state. Nothing below
        // touches the allocation.
        unsafe { channel::free(ptr, prev & !RX_WAKER) };
    }
    waker.wake();
}

impl<T> Drop for Sender<T> {
    /// Disconnects the channel: the receiver, if waiting, is woken and gets
    /// `RecvError`.
    #[inline]
    fn drop(&mut self) {
        let ptr = self.channel;
        let shared = self.shared();
        // ORDERING: Acquire pairs with the receiver's Release CAS/RMW that
        // set RX_GONE, so its last uses of the allocation happen-before we
        // free it without an RMW of our own (in `drop_after_receiver`).
        let state = shared.state.load(Acquire);
        if state & RX_GONE != 0 {
            // SAFETY: we are dropping, `state` is our Acquire load.
            unsafe { drop_after_receiver(ptr, state) };
            return;
        }
        // ORDERING: AcqRel. Release hands the allocation (and any waker of
        // ours in the slot) to the receiver, which frees it after its
        // Acquire load sees TX_DROPPED. Acquire: we may read the receiver's
        // waker (RX_WAKER, published by its Release CAS in `register`) or
        // free after its Release CAS set RX_GONE.
        // Results: RX_GONE or RX_WAKER -> `dropped_slow`; else the receiver
        // frees later. `fetch_add`: TX_DROPPED is clear, and it is
        // wait-free where `fetch_or` is not.
        let prev = shared.state.fetch_add(TX_DROPPED, AcqRel);
        if prev & (RX_GONE | RX_WAKER) != 0 {
            // SAFETY: `prev` is our final RMW's result.
            unsafe { dropped_slow(ptr, prev) };
        }
    }
}

/// The sender's drop when its load found the receiver dropped: free at once,
/// unless the receiver is still in its claim on our `closed()` waker.
///
/// # Safety
///
/// Called by the dropping sender with `state`, its Acquire load, having
/// RX_GONE set. Nothing may touch the allocation after this call.
#[cold]
#[inline(never)]
unsafe fn drop_after_receiver<T>(ptr: NonNull<Channel<T>>, state: usize) {
    if state::receiver_left(state) {
        // SAFETY: the receiver is gone for good; we are last.
        unsafe { channel::free(ptr, state | TX_DROPPED) };
        return;
    }
    // SAFETY: the receiver holds a claim, which keeps the allocation alive.
    let shared = unsafe { ptr.as_ref() };
    // ORDERING: AcqRel, as in `Sender::drop`. The result has RX_GONE set.
    let prev = shared.state.fetch_add(TX_DROPPED, AcqRel);
    // SAFETY: `prev` is our final RMW's result.
    unsafe { dropped_slow(ptr, prev) };
}

/// The end of the sender's drop when its final RMW found RX_GONE or
/// RX_WAKER: RX_GONE without RX_CLAIM -> we free; RX_GONE with RX_CLAIM ->
/// the receiver frees when it releases; RX_WAKER -> we claimed its waker.
///
/// # Safety
///
/// `prev` is the result of the dropping sender's final RMW. Nothing may
/// touch the allocation after this call.
#[cold]
#[inline(never)]
unsafe fn dropped_slow<T>(ptr: NonNull<Channel<T>>, prev: usize) {
    if prev & RX_GONE != 0 {
        if prev & RX_CLAIM == 0 {
            // SAFETY: the receiver is gone and holds no claim.
            unsafe { channel::free(ptr, prev | TX_DROPPED) };
        }
    } else if prev & RX_WAKER != 0 {
        // SAFETY: our final RMW found RX_WAKER set.
        unsafe { wake_receiver(ptr) };
    }
}

/// Shows whether the receiver is gone, without requiring `T: Debug`.
impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("is_closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
