//! The channel's one shared allocation: the queue flavor, the waiter lists and
//! the handle counts; who frees it; and the operations every handle shares —
//! the lock-free `try_` steps, the waits built on them, and the
//! notifications that close the lost wake-up window.
//!
//! # Handle counts and who frees
//!
//! `senders` and `receivers` count live handles (and owning futures). The
//! handle that takes a count to zero disconnects the channel (and, for the
//! last receiver, drops the queued messages right then). `refs` counts who
//! keeps the allocation: one for the sender side while it has a sender, one
//! for the receiver side, one per `WeakSender`. Each side's last handle, and
//! each `WeakSender`, gives its one up; whoever takes `refs` to zero frees
//! the allocation, so it is freed exactly once, after everybody is done
//! with it. A `WeakSender` upgrades only while `senders` is not zero (a CAS
//! from a non-zero count), so it never brings a finished side back.
//!
//! # Waiting
//!
//! A waiting operation is always: try the step; if it cannot proceed,
//! register a node (see `waiters.rs`), issue the registrant's barrier, try the
//! step again, and only then park (a thread) or return `Pending` (a task).
//!
//! A waiting ring sender then **offers** its message: it moves it into its
//! node (`offer`, under the lock, only while the node still waits). The
//! receive that makes room completes that send itself (`room_made`): under
//! the lock it moves the offered message into the slot it just freed (a
//! plain ring send, no user code), marks the node `DONE` and wakes the
//! sender, which finds its send done with one atomic load — no retry, no
//! second claim, one wake-up round trip instead of two. If the room was
//! taken by another send meanwhile, the sender is woken (`WOKEN`) and takes
//! its message back to retry. So, as on the rendezvous, a pending send may
//! complete without another poll (`SendFuture::cancel` says whether it did),
//! and a cancelled one gets its message back from its node.
//! Every step that makes progress possible for the other side — a publish, a
//! release — is followed by the publisher's barrier and a check of the other
//! side's list, which wakes its first waiter. A woken waiter tries again; one
//! that leaves without using its wake-up passes it on.
//!
//! A re-poll reads its node's state word first (one atomic): a woken future
//! that finds its message or its room takes no lock at all; registering takes
//! the lock once.
//!
//! # User code, last
//!
//! Each step finishes its writes to the channel before any user code runs
//! (`waiters.rs`, rules 3 and 4): a send publishes, leaves its own node and
//! only then wakes a receiver or drains an abandoned queue (`finish_send`);
//! a receive that must wake a sender holds its message in a guard meanwhile,
//! which puts it back into the channel if that waker panics
//! (`Waiters::hold_during`); the last handle of a side holds a `FinishSide`
//! guard, so a panic in a waker or a message's `Drop` during its departure
//! neither leaks the allocation nor skips the free; the last receiver wakes
//! the waiters even if a queued message's `Drop` panics.
//!
//! # Large messages
//!
//! The blocking slow paths (`send_slow`, `send_wait`) keep the message in one
//! slot of their own frame and pass it by reference to each attempt
//! (`send_step`), and are out of line, so the fast path's frame stays small
//! and a debug build does not copy a large message into every frame of a
//! wait.

use core::alloc::Layout;
use core::pin::Pin;
use core::ptr::NonNull;
#[cfg(feature = "async")]
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

use crate::barrier::Barriers;
#[cfg(feature = "std")]
use crate::errors::RecvTimeoutError;
#[cfg(feature = "async")]
use crate::errors::{RecvError, SendError};
use crate::errors::{TryRecvError, TrySendError};
use crate::flavor::array::SendDone;
use crate::flavor::array::{Array, Outcome};
use crate::flavor::zero::{self, Zero};
use crate::flavor::Flavor;
use crate::held::Held;
#[cfg(feature = "std")]
use crate::loom::thread;
use crate::loom::{AtomicUsize, Ordering};
#[cfg(all(feature = "std", not(loom)))]
use crate::waiters::{backoff, SPINS, YIELDS};
#[cfg(feature = "std")]
use crate::waiters::{park_while_waiting, Waiting};
use crate::waiters::{Node, Record, Side, Waiters, Wake};
#[cfg(any(feature = "std", feature = "async"))]
use crate::waiters::{State, DONE, IDLE, WAITING, WOKEN};

/// The marker field of both handles: invariant in `T` (a
/// `Sender<&'static str>` must not become a `Sender<&'a str>`), and owning
/// `T`s for the drop checker.
pub(crate) type HandleMarker<T> = core::marker::PhantomData<(fn(T) -> T, T)>;

pub(crate) struct Chan<T> {
    senders: AtomicUsize,
    receivers: AtomicUsize,
    /// Who keeps the allocation (module docs); whoever takes it to zero
    /// frees.
    refs: AtomicUsize,
    flavor: Flavor<T>,
    waiters: Waiters<T>,
}

/// Re-reads of a slot found busy in a registrant's re-check before it pays
/// the heavy barrier (`barrier.rs`). Bounded, like the wait before parking.
#[cfg(not(loom))]
const BUSY_REREADS: u32 = 64;

/// Finishes one side of the channel when dropped: the last handle of a side
/// holds it across the user code its departure runs (wake-ups, the drain's
/// `Drop`s), so a panic there neither leaks the allocation nor skips the free.
struct FinishSide<T>(NonNull<Chan<T>>);

impl<T> Drop for FinishSide<T> {
    fn drop(&mut self) {
        // SAFETY: made only by the last handle of a side (`release_*`), which
        // stops using the channel once this guard is dropped.
        unsafe { Chan::finish_side(self.0) };
    }
}

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
                refs: AtomicUsize::new(2),
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
            // The side finishes even if a waker fired by the disconnection
            // panics (the panic then propagates, with the channel consistent).
            let finish = FinishSide(this);
            chan.disconnect();
            drop(finish);
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
            // The side finishes even if a waker fired by the disconnection or
            // a queued message's `Drop` panics.
            let finish = FinishSide(this);
            let first = chan.mark_disconnected();
            // The drain's side of the "late publish" race: a send that
            // claimed before the disconnection may publish while we drain;
            // either we see its message, or it sees MARK and `receivers ==
            // 0` after its own barrier and drains it itself (`try_send`).
            // The waiters are woken even if a message's `Drop` panics.
            crate::waiters::both(
                || {
                    if chan.drain_barrier() {
                        chan.discard_all();
                    } else {
                        chan.discard_all_observed();
                    }
                },
                || {
                    if first {
                        chan.waiters.disconnect();
                    }
                },
            );
            drop(finish);
        }
    }

    /// One side is done; the last holder of `refs` frees the channel.
    ///
    /// # Safety
    ///
    /// Called once per side, by that side's last handle, which then stops
    /// using `this`.
    unsafe fn finish_side(this: NonNull<Self>) {
        // SAFETY: forwarded contract: our side's reference is given up here.
        unsafe { Self::release_ref(this) };
    }

    /// Gives up one of `refs`; the last frees the channel.
    ///
    /// # Safety
    ///
    /// The caller holds one of `refs` and does not use `this` afterwards.
    unsafe fn release_ref(this: NonNull<Self>) {
        // SAFETY: the caller's reference keeps the channel alive until the
        // decrement.
        let chan = unsafe { this.as_ref() };
        // ORDERING: AcqRel: whoever frees sees everything every other holder
        // did (Acquire), and our accesses happen before its free (Release).
        if chan.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: every holder has given its reference up, so nobody else
            // can reach the allocation.
            unsafe { Self::free(this) };
        }
    }

    /// A new `WeakSender` keeps the allocation.
    pub(crate) fn acquire_weak(&self) {
        // ORDERING: Relaxed: made from a live handle, which keeps `refs`
        // above zero (as `Arc::downgrade`).
        let old = self.refs.fetch_add(1, Ordering::Relaxed);
        assert!(old < isize::MAX as usize, "too many weak senders");
    }

    /// A `WeakSender` is dropped.
    ///
    /// # Safety
    ///
    /// The caller is a `WeakSender` giving up its reference; it does not use
    /// `this` afterwards.
    pub(crate) unsafe fn release_weak(this: NonNull<Self>) {
        // SAFETY: forwarded contract.
        unsafe { Self::release_ref(this) };
    }

    /// A `WeakSender` becomes a sender if the sender side is still alive:
    /// true if it took a sender count.
    pub(crate) fn try_acquire_sender(&self) -> bool {
        // ORDERING: Relaxed first read; the CAS below decides.
        let mut count = self.senders.load(Ordering::Relaxed);
        while count != 0 {
            assert!(count < isize::MAX as usize, "too many senders");
            // ORDERING: Acquire on success pairs with the Release half of
            // the senders' decrements, as `Weak::upgrade` does; a count of
            // zero is final (the last sender disconnected), so a CAS from a
            // non-zero count never revives the side.
            match self.senders.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => count = current,
            }
        }
        false
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
        let first = self.mark_disconnected();
        if first {
            self.waiters.disconnect();
        }
        first
    }

    /// Marks the queue disconnected (no user code); true if this call did.
    fn mark_disconnected(&self) -> bool {
        match &self.flavor {
            Flavor::Array(array) => array.disconnect(),
            Flavor::Zero(zero) => zero.disconnect(),
        }
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
        if let Flavor::Array(array) = &self.flavor {
            loop {
                match array.recv() {
                    Ok((msg, _)) => drop(msg),
                    Err(Outcome::Busy) => observe_pause(),
                    Err(Outcome::Idle | Outcome::Disconnected) => break,
                }
            }
        }
        self.discard_all();
    }

    /// Drops every queued message (the last receiver is gone). A message
    /// whose `Drop` panics does not stop the drain: a guard drains the rest
    /// while the panic unwinds (a second panic there aborts, as any panic
    /// during unwinding does).
    fn discard_all(&self) {
        /// Drains what is left if a message's `Drop` panics.
        struct Rest<'a, T>(&'a Chan<T>);
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                self.0.discard_all();
            }
        }
        while let Some(msg) = self.take_queued() {
            let rest = Rest(self);
            drop(msg);
            core::mem::forget(rest);
        }
    }

    /// One queued message, for the drain.
    fn take_queued(&self) -> Option<T> {
        if let Some(msg) = self.waiters.take_rescued() {
            return Some(msg);
        }
        match &self.flavor {
            Flavor::Array(array) => array.recv().ok().map(|(msg, _)| msg),
            // Waiting senders keep their messages in their own nodes and get
            // them back when the disconnection wakes them.
            Flavor::Zero(_) => None,
        }
    }

    // ---- the steps ----------------------------------------------------------

    /// The follow-up of a successful send step: the wake-up of a receiver, or
    /// the drain of a queue nobody will read, done last (after the caller's
    /// own node has left the lists: `waiters.rs`, rule 4).
    #[inline]
    fn finish_send(&self, after: AfterSend) {
        // ORDERING: Relaxed: `abandoned` comes from an Acquire load of the
        // ring's MARK (which follows the last receiver's decrement) or from
        // the list's fence, see `after_list_send`.
        if after.abandoned && self.receivers.load(Ordering::Relaxed) == 0 {
            // The last receiver is gone and may have drained before our
            // publish: nobody will read our message. No receiver can wait
            // either (a waiting receive holds a receiver count).
            self.discard_all();
        } else if after.wake_rx {
            self.waiters.notify_one(Side::Rx);
        }
    }

    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        match &self.flavor {
            Flavor::Array(array) => {
                let done = array.try_send(msg)?;
                self.finish_send(AfterSend::from(done));
                Ok(())
            }
            Flavor::Zero(_) => zero::try_send(&self.waiters, msg),
        }
    }

    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let array = match &self.flavor {
            Flavor::Array(array) => array,
            Flavor::Zero(_) => return zero::try_recv(&self.waiters),
        };
        match array.recv() {
            Ok((msg, false)) => Ok(msg),
            // Room made for a waiting sender: wake it, holding the message so
            // that a panicking waker cannot lose it.
            Ok((msg, true)) => Ok(self.recv_made_room(msg)),
            Err(outcome) => self.recv_missed(outcome),
        }
    }

    /// A receive made room for a waiting sender: wake it, holding the
    /// message meanwhile so that a panicking waker cannot lose it. Out of
    /// line: the fast path keeps the message in a register.
    #[cold]
    #[inline(never)]
    fn recv_made_room(&self, msg: T) -> T {
        self.waiters.hold_during(msg, || self.room_made())
    }

    /// A receive made room and a sender may wait for it: the first waiting
    /// sender that offers its message in its node gets it moved into that
    /// room (its send completes: `DONE`, no retry), else it is woken to
    /// retry. Wakes come after the lock; both run even if one panics.
    fn room_made(&self) {
        let (wake, done) = match &self.flavor {
            Flavor::Array(array) => self
                .waiters
                .lock()
                .complete_front_tx(|msg| array.send_held(msg).ok()),
            Flavor::Zero(_) => (self.waiters.lock().pop_front(Side::Tx), None),
        };
        crate::waiters::both(
            || {
                if let Some(wake) = wake {
                    wake.wake();
                }
            },
            || {
                if let Some(done) = done {
                    self.finish_send(AfterSend::from(done));
                }
            },
        );
    }

    /// Offers the held message in the registered `node`, for a receive that
    /// makes room to move it into the queue (`room_made`). Not if the node
    /// was woken meanwhile: the owner retries instead.
    #[cfg(any(feature = "std", feature = "async"))]
    fn offer(&self, node: Pin<&Node<T>>, held: &mut Held<T>) {
        let mut locked = self.waiters.lock();
        if locked.state(node) == WAITING {
            locked.offer(node, held);
        }
    }

    /// A receive found the queue empty (or busy, or disconnected): a message
    /// rescued from a receive that a panicking waker interrupted comes next.
    #[cold]
    fn recv_missed(&self, outcome: Outcome) -> Result<T, TryRecvError> {
        match self.waiters.take_rescued() {
            Some(msg) => Ok(msg),
            None if outcome == Outcome::Disconnected => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// One send attempt of the held message, which it moves into the queue
    /// only if it sent it. The slow paths hold the message in one place of
    /// their frame and pass it here by reference (`held.rs`), so a large
    /// message is not copied into every frame of a wait. Not for the
    /// rendezvous.
    #[inline]
    fn send_step(&self, held: &mut Held<T>) -> Result<AfterSend, Outcome> {
        match &self.flavor {
            Flavor::Array(array) => array.send_held(held).map(AfterSend::from),
            Flavor::Zero(_) => unreachable!("the rendezvous sends in zero.rs"),
        }
    }

    /// One receive attempt (not for the rendezvous): the message and whether
    /// a sender may wait for the room it made.
    #[inline]
    fn recv_step(&self) -> Result<(T, bool), Outcome> {
        match self.queue_recv() {
            Ok(got) => Ok(got),
            // The queue is empty (or busy): a message rescued from a receive
            // that a panicking waker interrupted comes next.
            Err(outcome) => self
                .waiters
                .take_rescued()
                .map(|msg| (msg, false))
                .ok_or(outcome),
        }
    }

    /// The queue's own receive step.
    #[inline]
    fn queue_recv(&self) -> Result<(T, bool), Outcome> {
        match &self.flavor {
            Flavor::Array(array) => array.recv(),
            Flavor::Zero(_) => unreachable!("the rendezvous receives in zero.rs"),
        }
    }

    /// The registrant's re-check of a send, after its node is linked (never
    /// answers `Busy`). On the ring, a slot found busy needs the heavy
    /// barrier (see `array.rs`, "Waiting") before the decisive re-check.
    fn recheck_send(&self, held: &mut Held<T>) -> Result<AfterSend, Outcome> {
        match &self.flavor {
            Flavor::Array(array) => match self.send_step(held) {
                Err(Outcome::Busy) => {
                    // The receiver holding the slot is a memcpy away from
                    // releasing it: a bounded re-read usually sees that and
                    // saves the heavy barrier (a system call).
                    #[cfg(not(loom))]
                    for _ in 0..BUSY_REREADS {
                        core::hint::spin_loop();
                        match self.send_step(held) {
                            Err(Outcome::Busy) => {}
                            other => return other,
                        }
                    }
                    if !array.heavy_barrier() {
                        // No barrier could be issued (`barrier.rs`, "No
                        // heavy barrier"): see the busy step finish instead,
                        // which is what the barrier was for.
                        loop {
                            observe_pause();
                            match self.send_step(held) {
                                Err(Outcome::Busy) => {}
                                other => return other,
                            }
                        }
                    }
                    match self.send_step(held) {
                        Err(Outcome::Busy) => Err(Outcome::Idle),
                        other => other,
                    }
                }
                other => other,
            },
            Flavor::Zero(_) => unreachable!("the rendezvous sends in zero.rs"),
        }
    }

    /// The registrant's re-check of a receive; see `recheck_send`.
    fn recheck_recv(&self) -> Result<(T, bool), Outcome> {
        let got = match &self.flavor {
            Flavor::Array(array) => match array.recv() {
                Err(Outcome::Busy) => {
                    // As in `recheck_send`: the sender is a memcpy away from
                    // publishing.
                    #[cfg(not(loom))]
                    for _ in 0..BUSY_REREADS {
                        core::hint::spin_loop();
                        match array.recv() {
                            Err(Outcome::Busy) => {}
                            other => return other,
                        }
                    }
                    if !array.heavy_barrier() {
                        // No barrier could be issued: see the busy step
                        // finish instead (as in `recheck_send`).
                        loop {
                            observe_pause();
                            match array.recv() {
                                Err(Outcome::Busy) => {}
                                other => break other,
                            }
                        }
                    } else {
                        match array.recv() {
                            Err(Outcome::Busy) => Err(Outcome::Idle),
                            other => other,
                        }
                    }
                }
                other => other,
            },
            Flavor::Zero(_) => unreachable!("the rendezvous receives in zero.rs"),
        };
        got.or_else(|outcome| {
            self.waiters
                .take_rescued()
                .map(|msg| (msg, false))
                .ok_or(outcome)
        })
    }

    /// Leaves after a try that succeeded (or saw the disconnection), given
    /// the node's state before that try: `IDLE`, nothing to do; `WOKEN`, the
    /// wake-up was used (no lock); `WAITING`, unlink it (the lock), passing
    /// on a wake-up that arrived meanwhile, since it may have been meant for
    /// another message.
    #[cfg(any(feature = "std", feature = "async"))]
    fn leave_after(&self, side: Side, node: Pin<&Node<T>>, before: State) {
        match before {
            IDLE => {}
            WOKEN => {
                self.waiters.depart_used(side, node);
            }
            _ => self.waiters.depart(side, node),
        }
    }

    // ---- blocking --------------------------------------------------------

    /// A blocking send of the held message until `deadline` (`None`:
    /// forever). The message leaves `held` only if it is sent; on an error it
    /// is still there, for the caller to hand back (`held.rs`).
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn send_blocking(
        &self,
        held: &mut Held<T>,
        deadline: Option<Instant>,
    ) -> Result<(), Ended> {
        match self.flavor {
            Flavor::Zero(_) => zero::send_blocking(&self.waiters, held, deadline),
            Flavor::Array(_) => match self.send_step(held) {
                Ok(after) => {
                    self.finish_send(after);
                    Ok(())
                }
                Err(Outcome::Disconnected) => Err(Ended::Disconnected),
                Err(Outcome::Idle | Outcome::Busy) => self.send_wait(held, deadline),
            },
        }
    }

    /// Waits until the held message is sent, the deadline passes or the
    /// channel disconnects (the message then stays in `held`). Out of line:
    /// the fast path's frame stays small.
    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    fn send_wait(&self, held: &mut Held<T>, deadline: Option<Instant>) -> Result<(), Ended> {
        #[cfg(not(loom))]
        for round in 0..SPINS + YIELDS {
            if expired(deadline) {
                return Err(Ended::Timeout);
            }
            backoff(round);
            match self.send_step(held) {
                Ok(after) => {
                    self.finish_send(after);
                    return Ok(());
                }
                Err(Outcome::Disconnected) => return Err(Ended::Disconnected),
                Err(Outcome::Idle | Outcome::Busy) => {}
            }
        }
        // Rule 3: the node lives in a guard that unlinks it however we leave.
        let waiting = core::pin::pin!(Waiting::new(&self.waiters, Side::Tx));
        let node = waiting.as_ref().node();
        loop {
            self.register_thread(Side::Tx, node);
            match self.recheck_send(held) {
                Ok(after) => {
                    self.waiters.depart(Side::Tx, node);
                    self.finish_send(after);
                    return Ok(());
                }
                Err(Outcome::Disconnected) => return Err(Ended::Disconnected),
                Err(Outcome::Idle | Outcome::Busy) => {}
            }
            // Offer the message: the receive that makes room completes
            // this send itself (`room_made`), no retry needed.
            self.offer(node, held);
            park_while_waiting(node, deadline, false);
            // Completed (`DONE`), woken to retry (`WOKEN`), or still waiting
            // at the deadline (unlinked now): an offer not taken comes back.
            let (state, _) = self.waiters.withdraw_into(Side::Tx, node, held);
            if state == DONE {
                return Ok(());
            }
            match self.send_step(held) {
                Ok(after) => {
                    self.finish_send(after);
                    return Ok(());
                }
                Err(Outcome::Disconnected) => return Err(Ended::Disconnected),
                Err(Outcome::Idle | Outcome::Busy) => {}
            }
            if expired(deadline) {
                if state == WOKEN {
                    // Robbed at the deadline: the wake-up goes on (rule 5).
                    self.waiters.notify_one(Side::Tx);
                }
                return Err(Ended::Timeout);
            }
        }
    }

    /// A blocking receive until `deadline` (`None`: forever).
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn recv_blocking(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self.try_recv() {
            Ok(msg) => Ok(msg),
            Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => self.recv_slow(deadline),
        }
    }

    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    fn recv_slow(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
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
        // Rule 3: the node lives in a guard that unlinks it however we leave.
        let waiting = core::pin::pin!(Waiting::new(&self.waiters, Side::Rx));
        let node = waiting.as_ref().node();
        loop {
            self.register_thread(Side::Rx, node);
            match self.recheck_recv() {
                Ok((msg, wake_tx)) => {
                    return Ok(self.waiters.hold_during(msg, || {
                        self.waiters.depart(Side::Rx, node);
                        if wake_tx {
                            self.room_made();
                        }
                    }));
                }
                Err(Outcome::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(Outcome::Idle | Outcome::Busy) => {}
            }
            let before = if park_while_waiting(node, deadline, false) {
                WOKEN
            } else {
                WAITING
            };
            match self.recv_step() {
                Ok((msg, wake_tx)) => {
                    return Ok(self.waiters.hold_during(msg, || {
                        self.leave_after(Side::Rx, node, before);
                        if wake_tx {
                            self.room_made();
                        }
                    }));
                }
                Err(Outcome::Disconnected) => {
                    self.leave_after(Side::Rx, node, before);
                    return Err(RecvTimeoutError::Disconnected);
                }
                Err(Outcome::Idle | Outcome::Busy) => {}
            }
            if expired(deadline) {
                return Err(RecvTimeoutError::Timeout);
            }
        }
    }

    /// Registers the calling thread's node (the caller then re-checks with
    /// `recheck_send`/`recheck_recv`, which issue the registrant's barrier).
    #[cfg(feature = "std")]
    fn register_thread(&self, side: Side, node: Pin<&Node<T>>) {
        let replaced = self
            .waiters
            .lock()
            .register(side, node, Wake::Thread(thread::current()));
        // A thread handle: dropping it runs no user code.
        drop(replaced);
    }

    // ---- async -------------------------------------------------------------

    /// Polls a send of the held message (moved out when it is sent; handed
    /// back by the caller otherwise).
    #[cfg(feature = "async")]
    pub(crate) fn poll_send(
        &self,
        node: Pin<&Node<T>>,
        held: &mut Held<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        if let Flavor::Zero(_) = self.flavor {
            return zero::poll_send(&self.waiters, node, held, cx);
        }
        // One atomic: a re-poll whose send a receiver completed takes no
        // lock.
        let mut before = node.state();
        while !held.is_live() {
            // Offered in our node by an earlier poll.
            match before {
                DONE => {
                    // A receive moved it into the queue (`room_made`).
                    self.waiters.depart_used(Side::Tx, node);
                    return Poll::Ready(Ok(()));
                }
                WAITING => match self.keep_offer(node, cx) {
                    true => return Poll::Pending,
                    // The node moved on meanwhile: look again.
                    false => before = node.state(),
                },
                _ => {
                    // Woken to retry (no room was left for us, or the
                    // channel disconnected): the message comes back.
                    self.waiters.withdraw_into(Side::Tx, node, held);
                }
            }
        }
        match self.send_step(held) {
            Ok(after) => {
                self.leave_after(Side::Tx, node, before);
                self.finish_send(after);
                return Poll::Ready(Ok(()));
            }
            Err(Outcome::Disconnected) => {
                self.leave_after(Side::Tx, node, before);
                return Poll::Ready(Err(SendError(held.take())));
            }
            Err(Outcome::Idle | Outcome::Busy) => {}
        }
        if !self.register_task(Side::Tx, node, before, cx) {
            return Poll::Pending;
        }
        match self.recheck_send(held) {
            Ok(after) => {
                self.waiters.depart(Side::Tx, node);
                self.finish_send(after);
                Poll::Ready(Ok(()))
            }
            Err(Outcome::Disconnected) => {
                self.waiters.depart(Side::Tx, node);
                Poll::Ready(Err(SendError(held.take())))
            }
            Err(Outcome::Idle | Outcome::Busy) => {
                // Registered and still no room: offer the message, so the
                // receive that makes room completes this send at once.
                self.offer(node, held);
                Poll::Pending
            }
        }
    }

    /// A pending send whose message is offered in its `node`: keeps the
    /// registration, with this poll's waker. False if the node is no longer
    /// waiting (completed or woken meanwhile: the caller looks again).
    #[cfg(feature = "async")]
    fn keep_offer(&self, node: Pin<&Node<T>>, cx: &mut Context<'_>) -> bool {
        let mut waker = None;
        loop {
            let mut locked = self.waiters.lock();
            if locked.state(node) != WAITING {
                return false;
            }
            if locked.will_wake(node, cx.waker()) {
                return true;
            }
            match waker.take() {
                Some(waker) => {
                    let replaced = locked.register(Side::Tx, node, Wake::Task(waker));
                    drop(locked);
                    // The replaced waker (user code) after the lock.
                    drop(replaced);
                    return true;
                }
                None => {
                    drop(locked);
                    // Clone (user code) with the lock released, then look
                    // again.
                    waker = Some(cx.waker().clone());
                }
            }
        }
    }

    /// Withdraws a pending send: the message back, or `None` if it was sent.
    #[cfg(feature = "async")]
    pub(crate) fn cancel_send(&self, node: Pin<&Node<T>>, held: &mut Held<T>) -> Option<T> {
        if let Flavor::Zero(_) = self.flavor {
            return zero::cancel_send(&self.waiters, node, held);
        }
        // Unlinks the node if it still waits and takes an offered message
        // back; `DONE`: a receive completed the send.
        let (state, _) = self.waiters.withdraw_into(Side::Tx, node, held);
        if state == WOKEN {
            // Woken, unused: pass it on (rule 5).
            self.waiters.notify_one(Side::Tx);
        }
        held.take_if_live()
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
        // One atomic: a woken re-poll that finds its message takes no lock.
        let before = node.state();
        match self.recv_step() {
            // The common case, an unregistered future that finds its
            // message with no sender waiting: nothing to leave, nobody to
            // wake, so no user code to hold the message across.
            Ok((msg, false)) if before == IDLE => return Poll::Ready(Ok(msg)),
            Ok((msg, wake_tx)) => {
                return Poll::Ready(Ok(self.waiters.hold_during(msg, || {
                    self.leave_after(Side::Rx, node, before);
                    if wake_tx {
                        self.room_made();
                    }
                })));
            }
            Err(Outcome::Disconnected) => {
                self.leave_after(Side::Rx, node, before);
                return Poll::Ready(Err(RecvError));
            }
            Err(Outcome::Idle | Outcome::Busy) => {}
        }
        if !self.register_task(Side::Rx, node, before, cx) {
            return Poll::Pending;
        }
        match self.recheck_recv() {
            Ok((msg, wake_tx)) => Poll::Ready(Ok(self.waiters.hold_during(msg, || {
                self.waiters.depart(Side::Rx, node);
                if wake_tx {
                    self.room_made();
                }
            }))),
            Err(Outcome::Disconnected) => {
                self.waiters.depart(Side::Rx, node);
                Poll::Ready(Err(RecvError))
            }
            Err(Outcome::Idle | Outcome::Busy) => Poll::Pending,
        }
    }

    /// A pending receive is dropped: unlink, passing on a wake-up it got.
    #[cfg(feature = "async")]
    pub(crate) fn cancel_recv(&self, node: Pin<&Node<T>>) {
        self.waiters.depart(Side::Rx, node);
    }

    /// Registers the task's waker, given the node's state before this poll's
    /// try, or keeps the registration if the node still waits with a waker
    /// that wakes the same task (no clone). Returns whether the caller must
    /// re-check the queue (after a new registration). One lock on the common
    /// paths; the waker is cloned (user code) with no lock held.
    #[cfg(feature = "async")]
    fn register_task(
        &self,
        side: Side,
        node: Pin<&Node<T>>,
        before: State,
        cx: &mut Context<'_>,
    ) -> bool {
        if before == WAITING && self.waiters.lock().will_wake(node, cx.waker()) {
            return false;
        }
        let waker = cx.waker().clone();
        let replaced = self.waiters.lock().register(side, node, Wake::Task(waker));
        // The replaced waker (user code) is dropped after the lock.
        drop(replaced);
        true
    }

    /// Polls the `closed()` future: ready once the channel is disconnected.
    #[cfg(feature = "async")]
    pub(crate) fn poll_closed(&self, node: Pin<&Node<T>>, cx: &mut Context<'_>) -> Poll<()> {
        self.waiters.poll_closed(node, cx)
    }

    /// A pending `closed()` future is dropped.
    #[cfg(feature = "async")]
    pub(crate) fn cancel_closed(&self, node: Pin<&Node<T>>) {
        self.waiters.depart_used(Side::Closed, node);
    }
}

// ---- select arms (`select/`) ---------------------------------------------

/// One attempt of a select's receive arm.
pub(crate) enum ArmRecv<T> {
    /// Taken; `true` if a sender may wait for the room it made (wake it with
    /// [`Chan::arm_recv_done`] once the select's entries have left).
    Got(T, bool),
    Empty,
    Disconnected,
}

/// One attempt of a select's send arm (the message stays in `held` unless
/// it is `Sent`).
pub(crate) enum ArmSend {
    /// Sent into the ring: finish with [`Chan::arm_send_done`].
    Queued(AfterSend),
    /// Handed to a rendezvous receiver: fire its wake-up.
    HandedOff(Option<Wake>),
    NotNow,
    Disconnected,
}

impl<T> Chan<T> {
    /// The channel's waiter lists.
    pub(crate) fn waiters(&self) -> &Waiters<T> {
        &self.waiters
    }

    /// Whether this is a rendezvous channel (`bounded(0)`).
    pub(crate) fn is_zero(&self) -> bool {
        matches!(self.flavor, Flavor::Zero(_))
    }

    /// A select's receive attempt. `own`: the select's record while its
    /// entries are linked (null before it registers); `recheck`: the
    /// registrant's re-check, which closes the lost wake-up window.
    pub(crate) fn arm_recv(&self, own: *const Record, recheck: bool) -> ArmRecv<T> {
        if self.is_zero() {
            return match zero::select_try_recv(&self.waiters, own) {
                Ok(msg) => ArmRecv::Got(msg, false),
                Err(TryRecvError::Empty) => ArmRecv::Empty,
                Err(TryRecvError::Disconnected) => ArmRecv::Disconnected,
            };
        }
        let got = if recheck {
            self.recheck_recv()
        } else {
            self.recv_step()
        };
        match got {
            Ok((msg, wake_tx)) => ArmRecv::Got(msg, wake_tx),
            Err(Outcome::Disconnected) => ArmRecv::Disconnected,
            Err(Outcome::Idle | Outcome::Busy) => ArmRecv::Empty,
        }
    }

    /// Completes a select's receive once its entries have left: wakes a
    /// sender waiting for the room it made, holding the message meanwhile.
    pub(crate) fn arm_recv_done(&self, msg: T, wake_tx: bool) -> T {
        if wake_tx {
            self.recv_made_room(msg)
        } else {
            msg
        }
    }

    /// A select's send attempt of the message in `held` (or, on a
    /// rendezvous, offered in `entry`, which is `None` when the select has
    /// not registered).
    pub(crate) fn arm_send(
        &self,
        entry: Option<Pin<&Node<T>>>,
        held: &mut Held<T>,
        own: *const Record,
        recheck: bool,
    ) -> ArmSend {
        if self.is_zero() {
            return match zero::select_try_send(&self.waiters, entry, held, own) {
                zero::ArmSend::Sent(wake) => ArmSend::HandedOff(wake),
                zero::ArmSend::NotNow => ArmSend::NotNow,
                zero::ArmSend::Disconnected => ArmSend::Disconnected,
            };
        }
        let sent = if recheck {
            self.recheck_send(held)
        } else {
            self.send_step(held)
        };
        match sent {
            Ok(after) => ArmSend::Queued(after),
            Err(Outcome::Disconnected) => ArmSend::Disconnected,
            Err(Outcome::Idle | Outcome::Busy) => ArmSend::NotNow,
        }
    }

    /// Completes a select's send into the ring once its entries have left.
    pub(crate) fn arm_send_done(&self, after: AfterSend) {
        self.finish_send(after);
    }

    /// Registers a select's entry for arm `arm` in `side`. A rendezvous send
    /// arm's message moves from `held` into the entry as its offer. Returns a
    /// replaced wake-up, to drop after the call.
    ///
    /// # Safety
    ///
    /// `record` outlives the entry's link (`Locked::register_entry`).
    pub(crate) unsafe fn arm_register(
        &self,
        side: Side,
        entry: Pin<&Node<T>>,
        held: Option<&mut Held<T>>,
        wake: Wake,
        record: *const Record,
        arm: usize,
    ) -> Option<Wake> {
        match held {
            // SAFETY: per the contract.
            Some(held) if self.is_zero() => unsafe {
                zero::select_offer(&self.waiters, entry, held, wake, record, arm)
            },
            // SAFETY: per the contract.
            _ => unsafe {
                self.waiters
                    .lock()
                    .register_entry(side, entry, wake, record, arm)
            },
        }
    }

    /// After the select armed: a rendezvous offer calls a receiver to pull.
    pub(crate) fn arm_armed(&self, own: *const Record) {
        if self.is_zero() {
            zero::select_call_puller(&self.waiters, own);
        }
    }
}

/// The follow-up of a successful send step; see [`Chan::finish_send`].
#[must_use]
pub(crate) struct AfterSend {
    /// A receiver may be waiting: notify one.
    wake_rx: bool,
    /// The channel was disconnected by the time we published: if the last
    /// receiver has gone, our message is ours to discard.
    abandoned: bool,
}

impl From<SendDone> for AfterSend {
    #[inline]
    fn from(done: SendDone) -> Self {
        Self {
            wake_rx: done.wake_rx,
            abandoned: done.disconnected,
        }
    }
}

/// Why a blocking send ended without sending (its message is still held).
#[cfg(feature = "std")]
pub(crate) enum Ended {
    Timeout,
    Disconnected,
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
