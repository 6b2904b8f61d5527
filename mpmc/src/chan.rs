//! The channel's one shared allocation: the queue flavor, the waiter lists and
//! the handle counts; who frees it; and the operations every handle shares —
//! the lock-free `try_` steps, the waits built on them, and the
//! notifications that close the lost wake-up window.
//!
//! # Handle counts and who frees
//!
//! `senders` and `receivers` count live handles (and owning futures). The
//! handle that takes a count to zero disconnects the channel (and, for the
//! last receiver, drops the queued messages right then). Each side's last
//! handle then swaps `destroy`; the second to do so frees the allocation, so
//! it is freed exactly once, after both sides are done with it.
//!
//! # Waiting
//!
//! A waiting operation is always: try the step; if it cannot proceed,
//! register a node (see `waiters.rs`), issue the registrant's fence, try the
//! step again, and only then park (a thread) or return `Pending` (a task).
//! Every step that makes progress possible for the other side — a publish, a
//! release — is followed by the publisher's fence and a check of the other
//! side's list, which wakes its first waiter. A woken waiter tries again; one
//! that leaves without using its wake-up passes it on.

use core::alloc::Layout;
use core::pin::Pin;
use core::ptr::NonNull;
#[cfg(feature = "async")]
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

use crate::barrier::Barriers;
#[cfg(feature = "async")]
use crate::errors::{RecvError, SendError};
#[cfg(feature = "std")]
use crate::errors::{RecvTimeoutError, SendTimeoutError};
use crate::errors::{TryRecvError, TrySendError};
use crate::flavor::array::{Array, Outcome};
use crate::flavor::zero::{self, Zero};
use crate::flavor::Flavor;
#[cfg(feature = "std")]
use crate::loom::thread;
use crate::loom::{fence, AtomicBool, AtomicUsize, Ordering};
#[cfg(any(feature = "std", feature = "async"))]
use crate::waiters::State;
#[cfg(feature = "async")]
use crate::waiters::Wake;
use crate::waiters::{Node, Side, Waiters};

/// The marker field of both handles: invariant in `T` (a
/// `Sender<&'static str>` must not become a `Sender<&'a str>`), and owning
/// `T`s for the drop checker.
pub(crate) type HandleMarker<T> = core::marker::PhantomData<(fn(T) -> T, T)>;

pub(crate) struct Chan<T> {
    senders: AtomicUsize,
    receivers: AtomicUsize,
    /// Swapped by each side's last handle; the second one frees.
    destroy: AtomicBool,
    flavor: Flavor<T>,
    waiters: Waiters<T>,
}

/// Bounded optimistic re-reads before a blocking call registers and parks:
/// this many `spin_loop` hints, then this many `yield_now`s. They wait for
/// nothing in particular (a re-read either finds progress or not), so they
/// are not a wait on another thread's step; they save the park/unpark round
/// trip when the other side answers within microseconds. The same bound as
/// `oneshot`'s blocking receive (tuned there on a 2-core VM, where an unpark
/// costs about 5 µs each way; 8 yields were not enough).
#[cfg(all(feature = "std", not(loom)))]
const SPINS: u32 = 16;
/// Re-reads of a slot found busy in a registrant's re-check before it pays
/// the heavy barrier (`barrier.rs`). Bounded, like the wait before parking.
#[cfg(not(loom))]
const BUSY_REREADS: u32 = 64;
#[cfg(all(feature = "std", not(loom)))]
const YIELDS: u32 = 16;

impl<T> Chan<T> {
    /// A `bounded(cap)` channel. For `cap >= 1` the ring's slots share the
    /// channel's allocation: one allocation in all, the only one it makes.
    pub(crate) fn new_bounded(cap: usize) -> NonNull<Self> {
        if cap == 0 {
            return Self::allocate(0, |_| Flavor::Zero(Zero::new()));
        }
        Self::allocate(cap, |slots| {
            let slots = slots.expect("a ring has slots");
            // SAFETY: `allocate` passes memory laid out by `layout(cap)` for
            // the slots, owned by this channel until `free`.
            Flavor::Array(unsafe { Array::new(cap, Barriers::new(), slots) })
        })
    }

    /// An `unbounded()` channel: a ring in the channel's allocation, as for
    /// `bounded`, plus an overflow that allocates only while the ring is full.
    pub(crate) fn new_unbounded() -> NonNull<Self> {
        let cap = Array::<T>::unbounded_capacity();
        Self::allocate(cap, |slots| {
            let slots = slots.expect("a ring has slots");
            // SAFETY: as in `new_bounded`.
            Flavor::Array(unsafe { Array::new_unbounded(cap, Barriers::new(), slots) })
        })
    }

    /// The channel's allocation: the channel, then `ring_cap` ring slots
    /// (none when 0). Returns the layout and the slots' offset.
    fn layout(ring_cap: usize) -> (Layout, usize) {
        if ring_cap == 0 {
            (Layout::new::<Self>(), 0)
        } else {
            Layout::new::<Self>()
                .extend(Array::<T>::slots_layout(ring_cap))
                .expect("channel capacity too large")
        }
    }

    fn allocate(
        ring_cap: usize,
        flavor: impl FnOnce(Option<NonNull<u8>>) -> Flavor<T>,
    ) -> NonNull<Self> {
        let (layout, offset) = Self::layout(ring_cap);
        // SAFETY: the layout is never zero-sized (the channel has counters).
        let base = unsafe { alloc::alloc::alloc(layout) };
        let Some(base) = NonNull::new(base) else {
            alloc::alloc::handle_alloc_error(layout)
        };
        // SAFETY: `offset` is within the allocation (from `Layout::extend`).
        let slots = (ring_cap != 0).then(|| unsafe { base.add(offset) });
        let this = base.cast::<Self>();
        // SAFETY: `base` is valid for a `Self` (the layout starts with one).
        unsafe {
            this.as_ptr().write(Self {
                senders: AtomicUsize::new(1),
                receivers: AtomicUsize::new(1),
                destroy: AtomicBool::new(false),
                flavor: flavor(slots),
                waiters: Waiters::new(),
            });
        }
        // SAFETY: just initialised, and not shared yet. A shared reference,
        // so the word pointers derived from it stay valid beside the other
        // shared references the handles make later (no `&mut` ever follows
        // until `free`).
        let chan = unsafe { this.as_ref() };
        if let Flavor::Array(array) = &chan.flavor {
            let (rx, tx) = array.wait_words();
            // SAFETY: the words live in the same allocation as the waiter
            // lists, which never moves and is freed as a whole; the channel
            // is not shared yet.
            unsafe { chan.waiters.bind_flag_words(rx, tx) };
        }
        this
    }

    /// Drops the channel and frees its allocation.
    ///
    /// # Safety
    ///
    /// `this` came from `allocate` and nobody uses it afterwards.
    unsafe fn free(this: NonNull<Self>) {
        // SAFETY: live until the drop below.
        let ring_cap = match unsafe { &this.as_ref().flavor } {
            Flavor::Array(array) => array.capacity(),
            Flavor::Zero(_) => 0,
        };
        let (layout, _) = Self::layout(ring_cap);
        // SAFETY: per the contract; the layout is the one `allocate` used.
        unsafe {
            this.as_ptr().drop_in_place();
            alloc::alloc::dealloc(this.as_ptr().cast(), layout);
        }
    }

    // ---- handle counts ---------------------------------------------------

    pub(crate) fn acquire_sender(&self) {
        // ORDERING: Relaxed: a new handle is made from an existing one, which
        // keeps the count above zero (as `Arc::clone`).
        let old = self.senders.fetch_add(1, Ordering::Relaxed);
        assert!(old < isize::MAX as usize, "too many senders");
    }

    pub(crate) fn acquire_receiver(&self) {
        // ORDERING: Relaxed, as in `acquire_sender`.
        let old = self.receivers.fetch_add(1, Ordering::Relaxed);
        assert!(old < isize::MAX as usize, "too many receivers");
    }

    /// Drops one sender count; the last disconnects. Frees the channel if the
    /// receivers are all gone too.
    ///
    /// # Safety
    ///
    /// `this` is live and the caller gives up one sender count; it does not
    /// use `this` afterwards.
    pub(crate) unsafe fn release_sender(this: NonNull<Self>) {
        // SAFETY: the caller's count keeps the channel alive until the swap.
        let chan = unsafe { this.as_ref() };
        // ORDERING: AcqRel: the last sender's disconnect sees every other
        // sender's operations (Acquire) and they are published with ours
        // (Release) to whoever frees.
        if chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            chan.disconnect();
            // SAFETY: forwarded contract.
            unsafe { Self::finish_side(this) };
        }
    }

    /// Drops one receiver count; the last disconnects and drops every queued
    /// message. Frees the channel if the senders are all gone too.
    ///
    /// # Safety
    ///
    /// As for [`release_sender`](Self::release_sender).
    pub(crate) unsafe fn release_receiver(this: NonNull<Self>) {
        // SAFETY: the caller's count keeps the channel alive until the swap.
        let chan = unsafe { this.as_ref() };
        // ORDERING: AcqRel, as in `release_sender`. This RMW is also the
        // receivers' half of the "late publish" race: a send that publishes
        // after it and then (after its fence) reads `receivers == 0` drops
        // the queue itself (`after_publish`).
        if chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            /// Finishes this side even if a message's `Drop` panics.
            struct Finish<T>(NonNull<Chan<T>>);
            impl<T> Drop for Finish<T> {
                fn drop(&mut self) {
                    // SAFETY: `release_receiver`'s contract.
                    unsafe { Chan::finish_side(self.0) };
                }
            }
            let finish = Finish(this);
            chan.disconnect();
            // The drain's side of the "late publish" race: a send that
            // claimed before the disconnection may publish while we drain;
            // either we see its message, or it sees MARK and `receivers ==
            // 0` after its own barrier and drains it itself (`try_send`).
            if chan.drain_barrier() {
                chan.discard_all();
            } else {
                chan.discard_all_observed();
            }
            drop(finish);
        }
    }

    /// The second side to finish frees the channel.
    ///
    /// # Safety
    ///
    /// Called once per side, by that side's last handle, which then stops
    /// using `this`.
    unsafe fn finish_side(this: NonNull<Self>) {
        // SAFETY: our side's last count is still held.
        let chan = unsafe { this.as_ref() };
        // ORDERING: AcqRel: the freeing side sees everything the other side
        // did (Acquire), and our side's accesses happen before its free
        // (Release).
        if chan.destroy.swap(true, Ordering::AcqRel) {
            // SAFETY: both sides are done (each swapped once), so nobody else
            // can reach the allocation.
            unsafe { Self::free(this) };
        }
    }

    pub(crate) fn sender_count(&self) -> usize {
        // ORDERING: Relaxed: a snapshot.
        self.senders.load(Ordering::Relaxed)
    }

    pub(crate) fn receiver_count(&self) -> usize {
        // ORDERING: Relaxed: a snapshot.
        self.receivers.load(Ordering::Relaxed)
    }

    // ---- state -------------------------------------------------------------

    /// Disconnects the channel: no send succeeds afterwards, receivers drain
    /// what is queued, every waiter is woken. True if this call did it.
    pub(crate) fn disconnect(&self) -> bool {
        let first = match &self.flavor {
            Flavor::Array(array) => array.disconnect(),
            Flavor::Zero(zero) => zero.disconnect(),
        };
        if first {
            self.waiters.disconnect();
        }
        first
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        match &self.flavor {
            Flavor::Array(array) => array.is_disconnected(),
            Flavor::Zero(zero) => zero.is_disconnected(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.flavor {
            Flavor::Array(array) => array.len(),
            Flavor::Zero(_) => 0,
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        match &self.flavor {
            Flavor::Array(array) => array.bound(),
            Flavor::Zero(_) => Some(0),
        }
    }

    /// The barrier between the last receiver's disconnection and its drain.
    /// False when none could be issued (`barrier.rs`): the drain must then
    /// be `discard_all_observed`.
    #[must_use]
    fn drain_barrier(&self) -> bool {
        match &self.flavor {
            Flavor::Array(array) => array.heavy_barrier(),
            Flavor::Zero(_) => true,
        }
    }

    /// The last receiver's drain when no heavy barrier could be issued
    /// (`barrier.rs`, "No heavy barrier"): a sender that claimed before the
    /// disconnection may have missed MARK, so every claimed position is
    /// waited for until published, and drained. No claim follows MARK, so
    /// this ends once those senders finish their (short) steps.
    #[cold]
    fn discard_all_observed(&self) {
        match &self.flavor {
            Flavor::Array(array) => loop {
                match array.recv() {
                    Ok((msg, _)) => drop(msg),
                    Err(Outcome::Busy) => observe_pause(),
                    Err(Outcome::Idle | Outcome::Disconnected) => break,
                }
            },
            Flavor::Zero(_) => self.discard_all(),
        }
    }

    /// Drops every queued message (the last receiver is gone).
    fn discard_all(&self) {
        match &self.flavor {
            Flavor::Array(array) => {
                while let Ok((msg, _)) = array.recv() {
                    drop(msg);
                }
            }
            // Waiting senders keep their messages in their own nodes and get
            // them back when the disconnection wakes them.
            Flavor::Zero(_) => {}
        }
    }

    // ---- the lock-free steps -------------------------------------------

    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        match &self.flavor {
            Flavor::Array(array) => {
                let done = array.try_send(msg)?;
                if done.wake_rx {
                    self.waiters.notify_one(Side::Rx);
                }
                if done.disconnected {
                    self.discard_if_abandoned();
                }
                Ok(())
            }
            Flavor::Zero(_) => zero::try_send(&self.waiters, msg),
        }
    }

    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        match &self.flavor {
            Flavor::Array(array) => match array.recv() {
                Ok((msg, wake_tx)) => {
                    if wake_tx {
                        self.waiters.notify_one(Side::Tx);
                    }
                    Ok(msg)
                }
                Err(Outcome::Disconnected) => Err(TryRecvError::Disconnected),
                Err(Outcome::Idle | Outcome::Busy) => Err(TryRecvError::Empty),
            },
            Flavor::Zero(_) => zero::try_recv(&self.waiters),
        }
    }

    /// A send published into a disconnected ring: if that was the last
    /// receiver leaving (not a `close`), nobody will drain our message.
    #[cold]
    fn discard_if_abandoned(&self) {
        // ORDERING: Relaxed: the Acquire load of MARK in `Array::send`
        // synchronises with the disconnecting RMW, which follows the last
        // receiver's decrement.
        if self.receivers.load(Ordering::Relaxed) == 0 {
            self.discard_all();
        }
    }

    /// The registrant's re-check of a send, after its node is linked. On the
    /// ring, a slot found busy needs the heavy barrier (see `array.rs`,
    /// "Waiting") before the decisive re-check.
    fn recheck_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        match &self.flavor {
            Flavor::Array(array) => match array.send(msg) {
                Ok(done) => self.finish_array_send(done),
                Err((msg, Outcome::Disconnected)) => Err(TrySendError::Disconnected(msg)),
                Err((msg, Outcome::Idle)) => Err(TrySendError::Full(msg)),
                Err((mut msg, Outcome::Busy)) => {
                    // The receiver holding the slot is a memcpy away from
                    // releasing it: a bounded re-read usually sees that and
                    // saves the heavy barrier (a system call).
                    #[cfg(not(loom))]
                    for _ in 0..BUSY_REREADS {
                        core::hint::spin_loop();
                        msg = match array.send(msg) {
                            Ok(done) => return self.finish_array_send(done),
                            Err((msg, Outcome::Busy)) => msg,
                            Err((msg, Outcome::Idle)) => return Err(TrySendError::Full(msg)),
                            Err((msg, Outcome::Disconnected)) => {
                                return Err(TrySendError::Disconnected(msg))
                            }
                        };
                    }
                    if !array.heavy_barrier() {
                        return self.recheck_send_observed(array, msg);
                    }
                    match array.try_send(msg) {
                        Ok(done) => self.finish_array_send(done),
                        Err(err) => Err(err),
                    }
                }
            },
            Flavor::Zero(_) => {
                // ORDERING: the registrant's side of `has_waiters`' fence.
                fence(Ordering::SeqCst);
                self.try_send(msg)
            }
        }
    }

    /// `recheck_send`'s decisive re-check when no heavy barrier could be
    /// issued (`barrier.rs`, "No heavy barrier"): re-reads until the slot is
    /// no longer busy, so the re-check has seen the receiver's step finish,
    /// which is what the barrier was for.
    #[cold]
    fn recheck_send_observed(&self, array: &Array<T>, mut msg: T) -> Result<(), TrySendError<T>> {
        loop {
            msg = match array.send(msg) {
                Ok(done) => return self.finish_array_send(done),
                Err((msg, Outcome::Busy)) => msg,
                Err((msg, Outcome::Idle)) => return Err(TrySendError::Full(msg)),
                Err((msg, Outcome::Disconnected)) => return Err(TrySendError::Disconnected(msg)),
            };
            observe_pause();
        }
    }

    /// `recheck_recv`'s decisive re-check when no heavy barrier could be
    /// issued; see `recheck_send_observed`.
    #[cold]
    fn recheck_recv_observed(&self, array: &Array<T>) -> Result<T, TryRecvError> {
        loop {
            match array.recv() {
                Ok((msg, wake_tx)) => {
                    if wake_tx {
                        self.waiters.notify_one(Side::Tx);
                    }
                    return Ok(msg);
                }
                Err(Outcome::Busy) => observe_pause(),
                Err(Outcome::Idle) => return Err(TryRecvError::Empty),
                Err(Outcome::Disconnected) => return Err(TryRecvError::Disconnected),
            }
        }
    }

    fn finish_array_send(
        &self,
        done: crate::flavor::array::SendDone,
    ) -> Result<(), TrySendError<T>> {
        if done.wake_rx {
            self.waiters.notify_one(Side::Rx);
        }
        if done.disconnected {
            self.discard_if_abandoned();
        }
        Ok(())
    }

    /// The registrant's re-check of a receive; see `recheck_send`.
    fn recheck_recv(&self) -> Result<T, TryRecvError> {
        match &self.flavor {
            Flavor::Array(array) => match array.recv() {
                Err(Outcome::Busy) => {
                    // As in `recheck_send`: the sender is a memcpy away from
                    // publishing.
                    #[cfg(not(loom))]
                    for _ in 0..BUSY_REREADS {
                        core::hint::spin_loop();
                        match array.recv() {
                            Ok((msg, wake_tx)) => {
                                if wake_tx {
                                    self.waiters.notify_one(Side::Tx);
                                }
                                return Ok(msg);
                            }
                            Err(Outcome::Busy) => {}
                            Err(Outcome::Idle) => return Err(TryRecvError::Empty),
                            Err(Outcome::Disconnected) => return Err(TryRecvError::Disconnected),
                        }
                    }
                    if !array.heavy_barrier() {
                        return self.recheck_recv_observed(array);
                    }
                    self.try_recv()
                }
                Ok((msg, wake_tx)) => {
                    if wake_tx {
                        self.waiters.notify_one(Side::Tx);
                    }
                    Ok(msg)
                }
                Err(Outcome::Disconnected) => Err(TryRecvError::Disconnected),
                Err(Outcome::Idle) => Err(TryRecvError::Empty),
            },
            Flavor::Zero(_) => {
                // ORDERING: the registrant's side of `has_waiters`' fence.
                fence(Ordering::SeqCst);
                self.try_recv()
            }
        }
    }

    // ---- blocking --------------------------------------------------------

    /// A blocking send until `deadline` (`None`: forever).
    #[cfg(feature = "std")]
    pub(crate) fn send_blocking(
        &self,
        msg: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        let mut msg = match self.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Disconnected(msg)) => {
                return Err(SendTimeoutError::Disconnected(msg))
            }
            Err(TrySendError::Full(msg)) => msg,
        };
        if let Flavor::Zero(_) = self.flavor {
            return zero::send_blocking(&self.waiters, msg, deadline);
        }
        #[cfg(not(loom))]
        for round in 0..SPINS + YIELDS {
            if expired(deadline) {
                return Err(SendTimeoutError::Timeout(msg));
            }
            backoff(round);
            msg = match self.try_send(msg) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(msg)) => {
                    return Err(SendTimeoutError::Disconnected(msg))
                }
                Err(TrySendError::Full(msg)) => msg,
            };
        }
        let node = core::pin::pin!(Node::new());
        let node = node.as_ref();
        loop {
            self.register_thread(Side::Tx, node);
            msg = match self.recheck_send(msg) {
                Ok(()) => {
                    self.waiters.leave(Side::Tx, node);
                    return Ok(());
                }
                Err(TrySendError::Disconnected(msg)) => {
                    self.waiters.leave(Side::Tx, node);
                    return Err(SendTimeoutError::Disconnected(msg));
                }
                Err(TrySendError::Full(msg)) => msg,
            };
            if !self.park(Side::Tx, node, deadline) {
                return Err(SendTimeoutError::Timeout(msg));
            }
            // Woken: use the wake-up (it is ours: no pass-on if it works).
            msg = match self.try_send(msg) {
                Ok(()) => {
                    self.waiters.leave_used(Side::Tx, node);
                    return Ok(());
                }
                Err(TrySendError::Disconnected(msg)) => {
                    self.waiters.leave_used(Side::Tx, node);
                    return Err(SendTimeoutError::Disconnected(msg));
                }
                Err(TrySendError::Full(msg)) => msg,
            };
            if expired(deadline) {
                // Woken at the deadline and robbed: give up, passing the
                // wake-up on (harmless if it was spent).
                self.waiters.leave(Side::Tx, node);
                return Err(SendTimeoutError::Timeout(msg));
            }
        }
    }

    /// A blocking receive until `deadline` (`None`: forever).
    #[cfg(feature = "std")]
    pub(crate) fn recv_blocking(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self.try_recv() {
            Ok(msg) => return Ok(msg),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        if let Flavor::Zero(_) = self.flavor {
            return zero::recv_blocking(&self.waiters, deadline);
        }
        #[cfg(not(loom))]
        for round in 0..SPINS + YIELDS {
            if expired(deadline) {
                return Err(RecvTimeoutError::Timeout);
            }
            backoff(round);
            match self.try_recv() {
                Ok(msg) => return Ok(msg),
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) => {}
            }
        }
        let node = core::pin::pin!(Node::new());
        let node = node.as_ref();
        loop {
            self.register_thread(Side::Rx, node);
            match self.recheck_recv() {
                Ok(msg) => {
                    self.waiters.leave(Side::Rx, node);
                    return Ok(msg);
                }
                Err(TryRecvError::Disconnected) => {
                    self.waiters.leave(Side::Rx, node);
                    return Err(RecvTimeoutError::Disconnected);
                }
                Err(TryRecvError::Empty) => {}
            }
            if !self.park(Side::Rx, node, deadline) {
                return Err(RecvTimeoutError::Timeout);
            }
            // Woken: use the wake-up (it is ours: no pass-on if it works).
            match self.try_recv() {
                Ok(msg) => {
                    self.waiters.leave_used(Side::Rx, node);
                    return Ok(msg);
                }
                Err(TryRecvError::Disconnected) => {
                    self.waiters.leave_used(Side::Rx, node);
                    return Err(RecvTimeoutError::Disconnected);
                }
                Err(TryRecvError::Empty) => {}
            }
            if expired(deadline) {
                self.waiters.leave(Side::Rx, node);
                return Err(RecvTimeoutError::Timeout);
            }
        }
    }

    /// Registers the calling thread's node (the caller then re-checks with
    /// `recheck_send`/`recheck_recv`, which issue the registrant's barrier).
    #[cfg(feature = "std")]
    fn register_thread(&self, side: Side, node: Pin<&Node<T>>) {
        let replaced = self.waiters.lock().register(
            side,
            node,
            crate::waiters::Wake::Thread(thread::current()),
        );
        node.set_registered(true);
        // A thread handle: dropping it runs no user code.
        drop(replaced);
    }

    /// Parks until the node is woken (true) or `deadline` passes while it is
    /// still waiting (false; the node is then unlinked).
    #[cfg(feature = "std")]
    fn park(&self, side: Side, node: Pin<&Node<T>>, deadline: Option<Instant>) -> bool {
        loop {
            if self.waiters.lock().state(node) != State::Waiting {
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        let (state, wake) = self.waiters.lock().unregister(side, node);
                        drop(wake);
                        if state == State::Waiting {
                            node.set_registered(false);
                            return false;
                        }
                        return true;
                    }
                    thread::park_timeout(deadline - now);
                }
            }
        }
    }

    // ---- async -------------------------------------------------------------

    /// Polls a send of the message in `slot` (taken out when it is sent or
    /// handed back).
    #[cfg(feature = "async")]
    pub(crate) fn poll_send(
        &self,
        node: Pin<&Node<T>>,
        slot: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        if let Flavor::Zero(_) = self.flavor {
            return zero::poll_send(&self.waiters, node, slot, cx);
        }
        let msg = slot.take().expect("a pending send holds its message");
        let woken = self.was_woken(node);
        let msg = match self.try_send(msg) {
            Ok(()) => {
                self.leave_after_poll(Side::Tx, node, woken);
                return Poll::Ready(Ok(()));
            }
            Err(TrySendError::Disconnected(msg)) => {
                self.leave_after_poll(Side::Tx, node, woken);
                return Poll::Ready(Err(SendError(msg)));
            }
            Err(TrySendError::Full(msg)) => msg,
        };
        if !self.register_task(Side::Tx, node, cx) {
            *slot = Some(msg);
            return Poll::Pending;
        }
        match self.recheck_send(msg) {
            Ok(()) => {
                self.waiters.leave(Side::Tx, node);
                Poll::Ready(Ok(()))
            }
            Err(TrySendError::Disconnected(msg)) => {
                self.waiters.leave(Side::Tx, node);
                Poll::Ready(Err(SendError(msg)))
            }
            Err(TrySendError::Full(msg)) => {
                *slot = Some(msg);
                Poll::Pending
            }
        }
    }

    /// Withdraws a pending send: the message back, or `None` if it was sent.
    #[cfg(feature = "async")]
    pub(crate) fn cancel_send(&self, node: Pin<&Node<T>>, slot: &mut Option<T>) -> Option<T> {
        if let Flavor::Zero(_) = self.flavor {
            return zero::cancel_send(&self.waiters, node, slot);
        }
        self.waiters.leave(Side::Tx, node);
        slot.take()
    }

    /// Polls a receive. Takes a message only when it returns it.
    #[cfg(feature = "async")]
    pub(crate) fn poll_recv(
        &self,
        node: Pin<&Node<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        if let Flavor::Zero(_) = self.flavor {
            return zero::poll_recv(&self.waiters, node, cx);
        }
        let woken = self.was_woken(node);
        match self.try_recv() {
            Ok(msg) => {
                self.leave_after_poll(Side::Rx, node, woken);
                return Poll::Ready(Ok(msg));
            }
            Err(TryRecvError::Disconnected) => {
                self.leave_after_poll(Side::Rx, node, woken);
                return Poll::Ready(Err(RecvError));
            }
            Err(TryRecvError::Empty) => {}
        }
        if !self.register_task(Side::Rx, node, cx) {
            return Poll::Pending;
        }
        match self.recheck_recv() {
            Ok(msg) => {
                self.waiters.leave(Side::Rx, node);
                Poll::Ready(Ok(msg))
            }
            Err(TryRecvError::Disconnected) => {
                self.waiters.leave(Side::Rx, node);
                Poll::Ready(Err(RecvError))
            }
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }

    /// A pending receive is dropped: unlink, passing on a wake-up it got.
    #[cfg(feature = "async")]
    pub(crate) fn cancel_recv(&self, node: Pin<&Node<T>>) {
        self.waiters.leave(Side::Rx, node);
    }

    /// Whether a registered node was woken before this poll's first try (so a
    /// success uses that wake-up, and nothing is passed on).
    #[cfg(feature = "async")]
    fn was_woken(&self, node: Pin<&Node<T>>) -> bool {
        node.is_registered() && self.waiters.lock().state(node) == State::Woken
    }

    /// Leaves after a poll's first try succeeded: if the node had been woken
    /// before it, the wake-up was used; otherwise (it may be woken right now,
    /// for another message) pass any wake-up on.
    #[cfg(feature = "async")]
    fn leave_after_poll(&self, side: Side, node: Pin<&Node<T>>, woken: bool) {
        if woken {
            self.waiters.leave_used(side, node);
        } else {
            self.waiters.leave(side, node);
        }
    }

    /// Registers the task's waker (or keeps the one already registered if it
    /// wakes the same task). Returns whether the caller must re-check the
    /// queue (true after a new registration; false when the node was
    /// already waiting with this waker, whose registration still stands).
    #[cfg(feature = "async")]
    fn register_task(&self, side: Side, node: Pin<&Node<T>>, cx: &mut Context<'_>) -> bool {
        if node.is_registered() && self.waiters.lock().will_wake(node, cx.waker()) {
            return false;
        }
        // Clone (user code) with no lock held.
        let waker = cx.waker().clone();
        let replaced = self.waiters.lock().register(side, node, Wake::Task(waker));
        node.set_registered(true);
        drop(replaced);
        true
    }

    /// Polls the `closed()` future: ready once the channel is disconnected.
    #[cfg(feature = "async")]
    pub(crate) fn poll_closed(&self, node: Pin<&Node<T>>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waker = None;
        loop {
            let mut locked = self.waiters.lock();
            if locked.is_disconnected() {
                let (_, wake) = locked.unregister(Side::Closed, node);
                drop(locked);
                node.set_registered(false);
                drop(wake);
                return Poll::Ready(());
            }
            if locked.will_wake(node, cx.waker()) {
                return Poll::Pending;
            }
            match waker.take() {
                Some(waker) => {
                    let replaced = locked.register(Side::Closed, node, Wake::Task(waker));
                    drop(locked);
                    node.set_registered(true);
                    drop(replaced);
                    return Poll::Pending;
                }
                None => {
                    drop(locked);
                    waker = Some(cx.waker().clone());
                }
            }
        }
    }

    /// A pending `closed()` future is dropped.
    #[cfg(feature = "async")]
    pub(crate) fn cancel_closed(&self, node: Pin<&Node<T>>) {
        if node.is_registered() {
            node.set_registered(false);
            let (_, wake) = self.waiters.lock().unregister(Side::Closed, node);
            drop(wake);
        }
    }
}

#[cfg(feature = "std")]
fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// One pause between re-reads of a step that must be seen to finish because
/// no heavy barrier could be issued (`barrier.rs`, "No heavy barrier").
fn observe_pause() {
    #[cfg(all(feature = "std", not(loom)))]
    thread::yield_now();
    #[cfg(not(all(feature = "std", not(loom))))]
    {
        crate::loom::stale_read_hint();
        core::hint::spin_loop();
    }
}

/// One round of the bounded wait before parking.
#[cfg(all(feature = "std", not(loom)))]
fn backoff(round: u32) {
    if round < SPINS {
        core::hint::spin_loop();
    } else {
        thread::yield_now();
    }
}
