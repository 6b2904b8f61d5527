//! The waiting core: who is waiting on a channel, how they are woken, and the
//! rules that keep a panicking waker or message from breaking either.
//!
//! Every waiting operation of the crate goes through this file: a blocked
//! `send`/`recv` (any flavor), a pending `SendFuture`, `RecvFuture`,
//! `Closed`, `RecvStream` or `SendSink`. The queue flavors (`flavor/`) own
//! only their queues; this file owns the waiter nodes, their states,
//! registration, the commit that decides a node's fate, and the wake-ups.
//!
//! # Nodes
//!
//! A waiting operation owns a [`Node`]: in the stack frame of the blocking
//! call or inside the future, which is `!Unpin` and pinned while the node is
//! linked. Nothing is allocated per waiter. The channel keeps three FIFO lists
//! of nodes — receivers, senders, `closed()` futures — behind one short
//! [`Lock`](crate::loom::lock::Lock).
//!
//! A node has one atomic **state word** and, behind the lock, its links, its
//! wake-up ([`Wake`]: a thread to unpark or a task's waker) and, for the
//! rendezvous, a message slot.
//!
//! | state     | linked | who sets it, and when                                     |
//! |-----------|--------|-----------------------------------------------------------|
//! | `IDLE`    | no     | the owner: new, or it left (unlinked itself or used a wake)|
//! | `WAITING` | yes    | the owner, under the lock, as it links the node           |
//! | `WOKEN`   | no     | a notifier, under the lock: it unlinked the node and took its wake-up; the owner retries |
//! | `DONE`    | no     | a peer, under the lock: the node's message moved — taken by a rendezvous receiver (`flavor/zero.rs`), or moved into the ring by the receive that made room (`Locked::complete_front_tx`) |
//!
//! Only the owner moves a node out of `IDLE`, `WOKEN` or `DONE`; only a
//! notifier (or the owner, unlinking) moves it out of `WAITING`. The notifier's
//! store of `WOKEN`/`DONE` is its **last access to the node** (a `Release`
//! store, after it unlinked the node and took the wake-up or the message), so
//! the owner that loads that state (`Acquire`) may use, reuse or free the node
//! at once, **without the lock**: a woken re-poll that finds its message costs
//! one atomic load and no lock. Only a node that is still `WAITING` needs the
//! lock to leave.
//!
//! # The rules
//!
//! 1. **A linked node's links, wake-up and message are touched only under the
//!    lock.** The state word may be read without it; it is written under it,
//!    except by the owner of an unlinked node (`WOKEN`/`DONE` → `IDLE`).
//! 2. **No user code under the lock.** Cloning, waking or dropping a waker and
//!    dropping a message happen after the lock is released: the functions here
//!    hand such values back ([`Wake`]s to fire or drop, messages to return).
//! 3. **No user code while the caller's own node is linked, unless a guard
//!    unlinks it on unwind.** A blocking call's node lives in a [`Waiting`]
//!    guard whose `Drop` leaves the list (taking back a rendezvous message,
//!    passing on an unused wake-up); a future's `Drop` does the same for its
//!    node. So when a waker fired by this call panics — the rendezvous sender
//!    wakes a receiver after linking its offer, a re-check notifies the other
//!    side — the unwinding frame unlinks its node before it dies, and the list
//!    never points into a dead frame. This is the one design, applied
//!    everywhere: a node is only ever linked while a guard that unlinks it is
//!    alive.
//! 4. **Wakes come last, and a batch is always fired whole.** A step finishes
//!    every write to the channel (its queue, its lists, its own node) before it
//!    fires a wake-up. Several wake-ups (a disconnection) go through
//!    [`fire_all`]: with `std`, each is fired under `catch_unwind` and the first
//!    panic is resumed after the last wake-up fired and every list is empty, so
//!    one panicking waker never strands another waiter or leaves the channel
//!    half-disconnected; without `std` a drop guard fires the rest while the
//!    panic unwinds (a second panic then aborts, as any panic during unwinding
//!    does). The panic itself propagates to the caller whose step fired it.
//! 5. **Whoever unlinks a node decides its next state**, and a node left
//!    `WOKEN` but unused (a dropped future, a timed-out thread, a re-check that
//!    succeeded on its own) **passes the wake-up on** to the next waiter of its
//!    list, so a notification is never lost with a cancelled waiter. Extra
//!    wake-ups are harmless: every woken owner re-checks and registers again.
//!
//! Where user code runs, then: a waker's `clone` before a registration
//! (no lock, node not linked or already registered by this owner); a replaced
//! waker's `drop` after the registration that replaced it (lock released);
//! `wake` after the step's last write (node unlinked, or guarded by rule 3);
//! a message's `Drop` only outside the lock, in a state where the message is
//! nobody else's (`flavor/` and `chan.rs` say where).
//!
//! # The lost wake-up window
//!
//! The ring's queue is lock-free, so a registration and a publish race like
//! the store-buffering litmus test: the registrant links its node (and sets
//! the list's flag) and then re-checks the queue; the publisher writes a
//! message and then checks for waiters. The ring folds "someone waits" into
//! the claim words both sides RMW anyway (`flavor/array.rs`), with an
//! asymmetric barrier pair for the one case a claim precedes the flag
//! (`barrier.rs`), so at least one of them sees the other: the re-check finds
//! the message, or the publisher finds the waiter and wakes it. The
//! unbounded flavor's overflow is reached under its own lock, which orders
//! the two sides (`flavor/overflow.rs`). The rendezvous works entirely under
//! the waiter lock and has no window.
//!
//! # One layer for every client
//!
//! The same nodes, states and rules serve the three queue flavors, broadcast
//! receivers and senders (`broadcast/`), and select (`select/`).
//!
//! # Select entries
//!
//! A select waits on several channels with **one [`Record`]** (in its
//! blocking call's frame or in its future, beside its entries) and **one
//! entry per arm**: an ordinary [`Node`] of that channel's type whose
//! `record` field points at the record, linked in that channel's list like
//! any waiter. Nothing is allocated per arm or per wait.
//!
//! The record's state word decides the select's fate across every channel:
//!
//! | record     | meaning                                                  |
//! |------------|----------------------------------------------------------|
//! | `ARMED`    | the owner waits; the first notifier to commit wins       |
//! | `BUSY`     | the owner is registering or trying its arms itself       |
//! | `BUSY+POKE`| as `BUSY`, and a notifier skipped it meanwhile           |
//! | `WON(arm)` | a notifier committed the select to `arm`                 |
//!
//! **Commit.** A notifier that reaches an entry (under that channel's lock,
//! the entry linked, so the record is alive) commits with **one CAS**
//! `ARMED → WON(arm)` on the record. If the CAS succeeds the entry is its
//! to use like any node: it unlinks it, takes its wake-up (`WOKEN`) or, on a
//! rendezvous, moves the message out of a send arm's offer (`DONE`). If the
//! record is not `ARMED` it **skips** the entry — leaves it linked, sets
//! `POKE` — and goes on to the next node of its list, so a notification is
//! never spent on a select that cannot take it. Exactly one arm is ever
//! committed per arming, no notifier waits for the select, and no notifier
//! spins on it.
//!
//! **The owner's round.** The owner stores `BUSY`, registers every arm's
//! entry, re-checks every arm with the channel's own re-check (which
//! *completes* the operation if it can: the owner alone acts while `BUSY`),
//! and then arms with a CAS `BUSY → ARMED`, which fails if a notifier poked
//! it after the `BUSY` store: then it re-checks again. So a notifier that
//! skipped the select did so after the owner's store and before its arming,
//! and the owner's next re-check sees what that notifier published: no
//! lost wake-up. When the state leaves `ARMED` it is `WON(arm)`; the owner
//! unlinks every entry and completes the operation itself (a receive takes
//! its message, a send puts its message) — or finds it already completed
//! (a rendezvous send whose offer a receiver took, `DONE`). The operation
//! a select returns is always complete: there is no "selected but not yet
//! done" state to get wrong.
//!
//! **Giving up** (a timeout, a dropped future) is a CAS `ARMED → BUSY`; if it
//! fails, a notifier won first, and the owner handles `WON(arm)` as above: a
//! completed send is kept for the caller, an unused wake-up is passed on to
//! the next waiter of that arm's channel (rule 5).
//!
//! A notifier never commits its own select (a select with a send and a
//! receive arm on one rendezvous channel): [`Locked::acting_for`] names the
//! record of the caller's own select, whose entries it skips without a poke.

use alloc::collections::VecDeque;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::task::Waker;

use crate::held::Held;
use crate::loom::lock::{Guard, Lock};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};

/// A node's state (the values of its state word); see the module docs.
pub(crate) type State = usize;
/// Not linked; the owner may register it.
pub(crate) const IDLE: State = 0;
/// Linked in a list, with a wake-up.
pub(crate) const WAITING: State = 1;
/// Unlinked by a notifier, which took its wake-up; the owner retries.
pub(crate) const WOKEN: State = 2;
/// Unlinked by a peer that moved the node's message: the send completed.
pub(crate) const DONE: State = 3;

/// How to wake the owner of a node.
pub(crate) enum Wake {
    /// A blocked thread, unparked.
    #[cfg(feature = "std")]
    Thread(crate::loom::thread::Thread),
    /// A pending future's task.
    #[cfg_attr(
        not(feature = "async"),
        expect(dead_code, reason = "only futures register tasks")
    )]
    Task(Waker),
}

impl Wake {
    /// Fires the wake-up. May run user code (`Waker::wake`): call it with no
    /// lock held and the caller's step complete (rule 4).
    pub(crate) fn wake(self) {
        match self {
            #[cfg(feature = "std")]
            Self::Thread(thread) => thread.unpark(),
            Self::Task(waker) => waker.wake(),
        }
    }

    /// Whether a blocked thread waits behind this wake (a rendezvous sender
    /// may hand its message straight to such a receiver: it cannot be
    /// cancelled without looking at its node).
    fn is_thread(&self) -> bool {
        match self {
            #[cfg(feature = "std")]
            Self::Thread(_) => true,
            Self::Task(_) => false,
        }
    }

    #[cfg(feature = "async")]
    /// Whether this is `waker`'s task already (no user code: `will_wake`
    /// compares the data and vtable pointers).
    fn will_wake(&self, waker: &Waker) -> bool {
        match self {
            #[cfg(feature = "std")]
            Self::Thread(_) => false,
            Self::Task(own) => own.will_wake(waker),
        }
    }
}

/// Fires every wake-up of `wakes`, even if some panic (rule 4): with `std`
/// each is fired under `catch_unwind` and the first panic is resumed after
/// the last; without `std` a guard fires the rest while a panic unwinds.
pub(crate) fn fire_all(wakes: impl Iterator<Item = Wake>) {
    #[cfg(feature = "std")]
    {
        let mut first_panic = None;
        for wake in wakes {
            let fired = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| wake.wake()));
            if let Err(payload) = fired {
                first_panic.get_or_insert(payload);
            }
        }
        resume_unless_unwinding(first_panic);
    }
    #[cfg(not(feature = "std"))]
    {
        /// Fires what is left if a wake-up panics.
        struct Rest<I: Iterator<Item = Wake>>(I);
        impl<I: Iterator<Item = Wake>> Drop for Rest<I> {
            fn drop(&mut self) {
                for wake in self.0.by_ref() {
                    wake.wake();
                }
            }
        }
        let mut rest = Rest(wakes);
        for wake in rest.0.by_ref() {
            wake.wake();
        }
    }
}

/// Resumes a caught panic, unless this thread is already unwinding from
/// another one (a wake-up fired by a drop guard while a panic unwinds): a
/// second panic would abort, so that payload is dropped instead and the first
/// panic goes on.
#[cfg(feature = "std")]
fn resume_unless_unwinding(payload: Option<alloc::boxed::Box<dyn core::any::Any + Send>>) {
    if let Some(payload) = payload {
        if !std::thread::panicking() {
            std::panic::resume_unwind(payload);
        }
    }
}

/// Which list a node waits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// Receivers waiting for a message.
    Rx,
    /// Senders waiting for room (or, for `bounded(0)`, for a receiver to take
    /// the message their node holds).
    Tx,
    /// `Sender::closed()` futures waiting for the channel to disconnect.
    Closed,
}

/// A select's waiting record: the one state word its entries share (see
/// "Select entries" in the module docs).
pub(crate) struct Record {
    state: AtomicUsize,
}

/// The owner registers or tries its arms; notifiers skip (and poke).
pub(crate) const BUSY: usize = 0;
/// The owner waits; the first notifier to commit wins.
pub(crate) const ARMED: usize = 1;
/// Set on a `BUSY` record by a notifier that skipped it.
const POKE: usize = 2;
/// The first `WON(arm)` value: `WON(arm) = (arm + 1) << 2`.
const WON_SHIFT: u32 = 2;

impl Record {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicUsize::new(BUSY),
        }
    }

    /// A notifier's commit to `arm`: true if it won the select (the entry is
    /// then the notifier's to use), false if it must skip the entry (the
    /// record is `BUSY` or already won). Called under the lock of a channel
    /// where the entry is linked, so the record is alive. `own` is the
    /// notifier's own select record, if any: never committed nor poked.
    fn commit(&self, arm: usize, own: *const Record) -> bool {
        if ptr::eq(self, own) {
            return false;
        }
        // ORDERING: Acquire: a fresh read for the CAS below.
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let new = if cur == ARMED {
                (arm + 1) << WON_SHIFT
            } else if cur == BUSY {
                BUSY | POKE
            } else {
                // Already poked, or won by another notifier.
                return false;
            };
            // ORDERING: AcqRel. Release: what this notifier published (a
            // message, room) before reaching the entry happens before the
            // owner's Acquire read of `WON`/`POKE`, so its re-check or try
            // sees it. Acquire: pairs with the owner's arming CAS, so the
            // entry's fields it set before arming are ours to read.
            match self
                .state
                .compare_exchange(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return cur == ARMED,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The owner starts a round of registrations and re-checks: `BUSY`
    /// (clearing a poke: this round's re-checks see what it announced).
    pub(crate) fn begin_round(&self) {
        // ORDERING: SeqCst swap (an RMW, so it is in the record's
        // modification order before any later poke): a notifier that pokes
        // after it made its publish before our re-checks read (see the
        // module docs); the swap's Acquire sees a poker's publish.
        self.state.swap(BUSY, Ordering::SeqCst);
    }

    /// The owner arms after a round that completed nothing: true if armed,
    /// false if a notifier poked since `begin_round` (run another round).
    pub(crate) fn arm(&self) -> bool {
        // ORDERING: AcqRel: Release publishes the round's registrations to
        // the committing notifier (its Acquire); Acquire on failure sees
        // what the poker published.
        self.state
            .compare_exchange(BUSY, ARMED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The owner gives up waiting: `None` if it disarmed (or was not armed:
    /// `BUSY`), `Some(arm)` if a notifier committed `arm` and the owner has
    /// not taken that win yet.
    pub(crate) fn disarm(&self) -> Option<usize> {
        // ORDERING: Acquire on failure pairs with the winner's AcqRel CAS.
        match self
            .state
            .compare_exchange(ARMED, BUSY, Ordering::Acquire, Ordering::Acquire)
        {
            Err(won) if won >= 1 << WON_SHIFT => Some(Self::won_arm(won)),
            _ => None,
        }
    }

    /// While armed, the owner's check: `None` while `ARMED`, `Some(arm)` once
    /// a notifier committed `arm`. One atomic load.
    pub(crate) fn won(&self) -> Option<usize> {
        // ORDERING: Acquire pairs with the winner's AcqRel CAS: everything
        // it did before committing is visible.
        match self.state.load(Ordering::Acquire) {
            ARMED => None,
            won => Some(Self::won_arm(won)),
        }
    }

    fn won_arm(state: usize) -> usize {
        debug_assert!(state >= 1 << WON_SHIFT, "armed records are only won");
        (state >> WON_SHIFT) - 1
    }
}

/// A waiter's node. It must stay pinned while linked; its owner leaves (see
/// [`Waiters::leave`]) before it is dropped.
pub(crate) struct Node<T> {
    /// `IDLE`, `WAITING`, `WOKEN` or `DONE` (module docs).
    state: AtomicUsize,
    inner: UnsafeCell<NodeInner<T>>,
    _pinned: PhantomPinned,
}

struct NodeInner<T> {
    prev: *const Node<T>,
    next: *const Node<T>,
    wake: Option<Wake>,
    /// Rendezvous only: the message a waiting sender offers, or the message a
    /// sender handed to a blocked receiving thread. Moved in and out by a
    /// bitwise copy (`held.rs`), so a large message is not copied through
    /// the frames of the rendezvous.
    msg: Held<T>,
    /// Null for an ordinary waiter. For a select's entry, the select's
    /// [`Record`], which a notifier must commit before it may use the entry
    /// (see "Select entries" in the module docs); set by
    /// [`Locked::register_entry`], and live while the entry is linked.
    record: *const Record,
    /// A select entry's arm (its index in the select).
    arm: usize,
}

impl<T> Node<T> {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicUsize::new(IDLE),
            inner: UnsafeCell::new(NodeInner {
                prev: ptr::null(),
                next: ptr::null(),
                wake: None,
                msg: Held::empty(),
                record: ptr::null(),
                arm: 0,
            }),
            _pinned: PhantomPinned,
        }
    }

    /// The node's state, read by its owner without the lock.
    #[inline]
    pub(crate) fn state(&self) -> State {
        // ORDERING: Acquire pairs with the Release store of `WOKEN`/`DONE`
        // that is a notifier's last access to the node: everything it did to
        // the node (unlinking, taking the wake-up, moving the message) is
        // visible, and it no longer touches the node.
        self.state.load(Ordering::Acquire)
    }

    /// Whether the owner registered the node and has not left it yet. Only
    /// the owner moves a node to or from `IDLE`, so this owner-only read
    /// needs no ordering.
    #[cfg(feature = "futures")]
    pub(crate) fn is_registered(&self) -> bool {
        // ORDERING: Relaxed: `IDLE` is entered and left only by the owner
        // (program order), see above.
        self.state.load(Ordering::Relaxed) != IDLE
    }

    /// The owner of an unlinked (`WOKEN` or `DONE`) node is done with it.
    fn set_idle(&self) {
        // ORDERING: Relaxed: the node is unlinked, so no other thread reads
        // this word until the owner links it again under the lock, whose
        // release orders this store before it.
        self.state.store(IDLE, Ordering::Relaxed);
    }

    /// Runs `f` on the node's fields.
    ///
    /// # Safety
    ///
    /// The caller holds the waiter lock, or owns the node and it is not
    /// linked (so no other thread can reach it).
    unsafe fn with<R>(&self, f: impl FnOnce(&mut NodeInner<T>) -> R) -> R {
        // SAFETY: per the contract, no other access to the fields is
        // concurrent with this one, so a unique reference is sound.
        self.inner.with_mut(|inner| f(unsafe { &mut *inner }))
    }
}

/// A FIFO list of nodes (raw links; only touched under the lock).
struct List<T> {
    head: *const Node<T>,
    tail: *const Node<T>,
    len: usize,
}

impl<T> List<T> {
    const fn new() -> Self {
        Self {
            head: ptr::null(),
            tail: ptr::null(),
            len: 0,
        }
    }

    /// # Safety
    /// Lock held; `node` is pinned, not linked, and stays alive until unlinked.
    unsafe fn push_back(&mut self, node: *const Node<T>) {
        let old_tail = self.tail;
        // SAFETY: lock held (contract); `node` is valid.
        unsafe {
            (*node).with(|n| {
                n.prev = old_tail;
                n.next = ptr::null();
            });
        }
        if old_tail.is_null() {
            self.head = node;
        } else {
            // SAFETY: linked nodes are alive (owners unlink before freeing).
            unsafe { (*old_tail).with(|n| n.next = node) };
        }
        self.tail = node;
        self.len += 1;
    }

    /// # Safety
    /// As for `push_back`.
    unsafe fn push_front(&mut self, node: *const Node<T>) {
        let old_head = self.head;
        // SAFETY: lock held (contract); `node` is valid.
        unsafe {
            (*node).with(|n| {
                n.prev = ptr::null();
                n.next = old_head;
            });
        }
        if old_head.is_null() {
            self.tail = node;
        } else {
            // SAFETY: linked nodes are alive.
            unsafe { (*old_head).with(|n| n.prev = node) };
        }
        self.head = node;
        self.len += 1;
    }

    /// # Safety
    /// Lock held; `node` is linked in this list.
    unsafe fn unlink(&mut self, node: *const Node<T>) {
        // SAFETY: lock held; `node` and its neighbours are linked, so alive.
        unsafe {
            let (prev, next) = (*node).with(|n| {
                let links = (n.prev, n.next);
                n.prev = ptr::null();
                n.next = ptr::null();
                links
            });
            if prev.is_null() {
                self.head = next;
            } else {
                (*prev).with(|n| n.next = next);
            }
            if next.is_null() {
                self.tail = prev;
            } else {
                (*next).with(|n| n.prev = prev);
            }
        }
        self.len -= 1;
    }
}

/// The three lists, behind the lock.
pub(crate) struct Lists<T> {
    rx: List<T>,
    tx: List<T>,
    closed: List<T>,
    /// Set (under the lock) when the channel disconnects, before the lists
    /// are drained: a registrant that sees it does not link.
    disconnected: bool,
    /// Messages whose receive was interrupted by a panicking waker, put back
    /// for the next receive (see [`Waiters::hold_during`]). Empty, and
    /// unallocated, unless a waker has panicked.
    rescued: VecDeque<T>,
}

impl<T> Lists<T> {
    fn list(&mut self, side: Side) -> &mut List<T> {
        match side {
            Side::Rx => &mut self.rx,
            Side::Tx => &mut self.tx,
            Side::Closed => &mut self.closed,
        }
    }
}

/// The waiter lists of one channel, and the published list lengths that the
/// lock-free fast paths read.
pub(crate) struct Waiters<T> {
    lists: Lock<Lists<T>>,
    /// For the ring flavors: the claim words whose `*_WAIT` bit (bit 0)
    /// mirrors "the rx (tx) list is not empty", set and cleared under the
    /// lock (see `flavor/array.rs`). Null for the rendezvous.
    flag_words: core::cell::Cell<[*const AtomicUsize; 2]>,
    /// `lists.rx.len` as last published to the flag word (under the lock).
    rx_len: AtomicUsize,
    /// `lists.tx.len` as last published to the flag word (under the lock).
    tx_len: AtomicUsize,
    /// `lists.rescued.len()`, stored under the lock: a receive that finds the
    /// queue empty looks at the rescued messages only when it is not zero.
    rescued_len: AtomicUsize,
}

/// The lock guard over the lists, with the operations a flavor needs while
/// holding it (the rendezvous flavor works entirely under it).
pub(crate) struct Locked<'a, T> {
    guard: Guard<'a, Lists<T>>,
    waiters: &'a Waiters<T>,
    /// The record of the select this lock holder acts for, whose entries it
    /// neither commits nor pokes (null: none).
    own: *const Record,
}

/// Up to this many wake-ups are collected under the lock and fired after it.
const WAKE_BATCH: usize = 16;

impl<T> Waiters<T> {
    pub(crate) fn new() -> Self {
        Self {
            lists: Lock::new(Lists {
                rx: List::new(),
                tx: List::new(),
                closed: List::new(),
                disconnected: false,
                rescued: VecDeque::new(),
            }),
            rescued_len: AtomicUsize::new(0),
            rx_len: AtomicUsize::new(0),
            tx_len: AtomicUsize::new(0),
            flag_words: core::cell::Cell::new([ptr::null(); 2]),
        }
    }

    /// Binds the ring's claim words: `rx` carries `RX_WAIT` (its `tail`),
    /// `tx` carries `TX_WAIT` (its `head`), both in bit 0.
    ///
    /// # Safety
    ///
    /// Both words outlive `self` (they live in the same allocation), and
    /// this is called once, before the channel is shared with another thread.
    pub(crate) unsafe fn bind_flag_words(&self, rx: &AtomicUsize, tx: &AtomicUsize) {
        self.flag_words.set([rx, tx]);
    }

    pub(crate) fn lock(&self) -> Locked<'_, T> {
        Locked {
            guard: self.lists.lock(),
            waiters: self,
            own: ptr::null(),
        }
    }

    /// The owner is done with `node` (it got what it waited for, gave up, or
    /// is being dropped): unlink it if it is still linked, and if it had been
    /// woken, pass the wake-up on to the next waiter of `side`. Takes the lock
    /// only if the node is still linked or a wake-up is passed on. For a node
    /// that never holds a message (every waiter but the rendezvous's), so no
    /// message passes through this frame.
    pub(crate) fn depart(&self, side: Side, node: Pin<&Node<T>>) {
        if self.depart_used(side, node) == WOKEN {
            self.notify_one(side);
        }
    }

    /// Like [`depart`](Self::depart), for an owner that *used* its wake-up
    /// (it was woken, tried again, and succeeded or saw the disconnection):
    /// no pass-on. Returns the state the node was left in.
    pub(crate) fn depart_used(&self, side: Side, node: Pin<&Node<T>>) -> State {
        let (state, wake) = match node.state() {
            IDLE => return IDLE,
            WAITING => self.lock().unregister(side, node),
            state => (state, None),
        };
        node.set_idle();
        // Rule 3: the node is unlinked and idle before any user code runs.
        drop(wake);
        state
    }

    /// [`depart`](Self::depart) for a guard (`Waiting`): a rendezvous message
    /// still in the node is dropped where it is, once the node is unlinked
    /// and idle (so its `Drop`, user code, runs with nothing inconsistent:
    /// rule 3), and no message is moved through this frame.
    #[cfg(feature = "std")]
    fn leave_in_place(&self, side: Side, node: Pin<&Node<T>>) {
        let state = self.depart_used(side, node);
        // SAFETY: unlinked and idle (`depart_used`): only the owner reaches
        // the node.
        unsafe { node.with(|n| n.msg.drop_in_place()) };
        if state == WOKEN {
            self.notify_one(side);
        }
    }

    /// [`depart`](Self::depart) for a node that may hold a rendezvous
    /// message: returns it (to return or drop after this call, never under
    /// the lock).
    pub(crate) fn leave(&self, side: Side, node: Pin<&Node<T>>) -> Option<T> {
        let (state, msg) = self.withdraw(side, node);
        if state == WOKEN {
            self.notify_one(side);
        }
        msg
    }

    /// [`depart_used`](Self::depart_used) for a node that may hold a
    /// rendezvous message: returns it.
    pub(crate) fn leave_used(&self, side: Side, node: Pin<&Node<T>>) -> Option<T> {
        self.withdraw(side, node).1
    }

    /// Leaves with no pass-on, and says in which state the node was left:
    /// `IDLE` (not registered), `WAITING` (it was still linked: nobody chose
    /// it), `WOKEN` or `DONE`. Returns a message still in the node.
    pub(crate) fn withdraw(&self, side: Side, node: Pin<&Node<T>>) -> (State, Option<T>) {
        let (state, wake) = match node.state() {
            IDLE => return (IDLE, None),
            WAITING => self.lock().unregister(side, node),
            // `WOKEN` or `DONE`: unlinked, and its notifier is done with it
            // (see `Node::state`).
            state => (state, None),
        };
        node.set_idle();
        // Rule 3: the node is unlinked and idle before any user code runs.
        drop(wake);
        // SAFETY: unlinked (by us above, or by a notifier whose last access
        // happened before our Acquire load of its state) and idle: only the
        // owner reaches it.
        (state, unsafe { node.with(|n| n.msg.take_if_live()) })
    }

    /// Runs `f` — the user code a receive fires after taking `msg` (the
    /// wake-up of a sender waiting for room, a passed-on wake-up) — while
    /// `msg` is held by a guard: if `f` panics, the guard puts the message
    /// back into the channel ([`rescue`](Self::rescue)) as the panic unwinds,
    /// so a panicking waker never loses a message its sender saw delivered.
    /// Returns `msg` when `f` returns.
    pub(crate) fn hold_during(&self, msg: T, f: impl FnOnce()) -> T {
        /// Puts the message back if dropped while still holding it.
        struct Hold<'a, T> {
            waiters: &'a Waiters<T>,
            msg: Option<T>,
        }
        impl<T> Drop for Hold<'_, T> {
            fn drop(&mut self) {
                if let Some(msg) = self.msg.take() {
                    self.waiters.rescue(msg);
                }
            }
        }
        let mut hold = Hold {
            waiters: self,
            msg: Some(msg),
        };
        f();
        hold.msg.take().expect("held until `f` returned")
    }

    /// Puts back a message whose receive was interrupted by a panic, for the
    /// next receive (after the messages queued now: a rescued message is
    /// looked at when the queue is empty), and wakes a waiting receiver.
    #[cold]
    fn rescue(&self, msg: T) {
        let wake = {
            let mut locked = self.lock();
            locked.guard.rescued.push_back(msg);
            locked.publish_rescued();
            locked.pop_front(Side::Rx)
        };
        fire_all(wake.into_iter());
    }

    /// Takes a rescued message, if any: one atomic load when there is none.
    /// Called when the queue is empty, and by a registrant's re-check (after
    /// its registration took the lock, so it sees a rescue made before it; a
    /// rescue made after it wakes it).
    #[inline]
    pub(crate) fn take_rescued(&self) -> Option<T> {
        // ORDERING: Relaxed: a hint to take the lock. A receive that misses a
        // concurrent rescue is one that ran before it; a registrant's lock
        // acquisition orders this load after any rescue that came first.
        if self.rescued_len.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.lock().take_rescued()
    }

    /// [`withdraw`](Self::withdraw) for a blocking rendezvous send: a message
    /// still in the node goes back into `held` by a copy (no large value on
    /// this frame). Returns the state and whether the message came back.
    pub(crate) fn withdraw_into(
        &self,
        side: Side,
        node: Pin<&Node<T>>,
        held: &mut Held<T>,
    ) -> (State, bool) {
        let (state, wake) = match node.state() {
            IDLE => return (IDLE, false),
            WAITING => {
                let mut locked = self.lock();
                let (state, wake) = locked.unregister(side, node);
                (state, wake)
            }
            state => (state, None),
        };
        // SAFETY: the node is unlinked now (by us above, or by a notifier
        // whose last access happened before our Acquire load of its state):
        // the owner alone reaches it.
        let back = unsafe {
            node.with(|n| {
                let live = n.msg.is_live();
                if live {
                    held.move_from(&mut n.msg);
                }
                live
            })
        };
        node.set_idle();
        drop(wake);
        (state, back)
    }

    /// The notifier's half of a store-buffering window (`broadcast`): after
    /// its publishing store, a `SeqCst` fence, then whether `side`'s list is
    /// not empty as last published under the lock (`publish_len`). The
    /// registrant's half is: register (the lock stores the new length), a
    /// `SeqCst` fence, then re-check. Of the two fences one comes first in
    /// the single total order of `SeqCst` operations, so either this load
    /// sees the registration (or a later length, which is non-zero unless
    /// that node left) or the re-check sees the publish: no lost wake-up.
    /// `Closed` has no published length and always answers `true`.
    pub(crate) fn has_waiters(&self, side: Side) -> bool {
        // ORDERING: SeqCst fence: pairs with the registrant's fence after
        // its registration, see above.
        crate::loom::fence(Ordering::SeqCst);
        let len = match side {
            Side::Rx => &self.rx_len,
            Side::Tx => &self.tx_len,
            Side::Closed => return true,
        };
        // ORDERING: Relaxed: ordered by the fences (see above).
        len.load(Ordering::Relaxed) != 0
    }

    /// Polls a `closed()` future (the queue channels' and broadcast's):
    /// ready once the lists are disconnected; otherwise registers `node` in
    /// `Closed`, or keeps a registration whose waker wakes the same task.
    /// The waker is cloned (user code) with the lock released, and a
    /// replaced one dropped after it.
    #[cfg(feature = "async")]
    pub(crate) fn poll_closed(
        &self,
        node: Pin<&Node<T>>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<()> {
        let mut waker = None;
        loop {
            let mut locked = self.lock();
            if locked.is_disconnected() {
                drop(locked);
                // Woken by the disconnection, or registered and then
                // disconnected: nothing to pass on (every `closed()` is woken).
                self.depart_used(Side::Closed, node);
                return core::task::Poll::Ready(());
            }
            if locked.will_wake(node, cx.waker()) {
                return core::task::Poll::Pending;
            }
            match waker.take() {
                Some(waker) => {
                    let replaced = locked.register(Side::Closed, node, Wake::Task(waker));
                    drop(locked);
                    drop(replaced);
                    return core::task::Poll::Pending;
                }
                None => {
                    drop(locked);
                    // Look again after the clone: the channel may have
                    // disconnected meanwhile.
                    waker = Some(cx.waker().clone());
                }
            }
        }
    }

    /// Wakes the first waiter of `side`, if any.
    pub(crate) fn notify_one(&self, side: Side) {
        let wake = self.lock().pop_front(side);
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    /// Marks the lists disconnected and wakes every waiter of every list, in
    /// batches, never waking under the lock, and every one of them even if a
    /// waker panics (rule 4; the first panic is resumed at the end). The woken
    /// owners re-check the channel and see the disconnection.
    pub(crate) fn disconnect(&self) {
        #[cfg(feature = "std")]
        let mut first_panic = None;
        loop {
            let mut batch: [Option<Wake>; WAKE_BATCH] = Default::default();
            let mut count = 0;
            {
                let mut locked = self.lock();
                locked.guard.disconnected = true;
                for side in [Side::Rx, Side::Tx, Side::Closed] {
                    while count < WAKE_BATCH {
                        match locked.pop_front(side) {
                            Some(wake) => {
                                batch[count] = Some(wake);
                                count += 1;
                            }
                            None => break,
                        }
                    }
                }
            }
            let wakes = batch.iter_mut().filter_map(Option::take);
            #[cfg(feature = "std")]
            {
                let fired =
                    std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| fire_all(wakes)));
                if let Err(payload) = fired {
                    first_panic.get_or_insert(payload);
                }
            }
            #[cfg(not(feature = "std"))]
            {
                /// Finishes the disconnection (every later batch) if a
                /// wake-up of this one panics.
                struct Rest<'a, T>(&'a Waiters<T>, bool);
                impl<T> Drop for Rest<'_, T> {
                    fn drop(&mut self) {
                        if self.1 {
                            self.0.disconnect();
                        }
                    }
                }
                let rest = Rest(self, count == WAKE_BATCH);
                fire_all(wakes);
                core::mem::forget(rest);
            }
            if count < WAKE_BATCH {
                break;
            }
        }
        #[cfg(feature = "std")]
        resume_unless_unwinding(first_panic);
    }
}

impl<T> Locked<'_, T> {
    /// Takes the oldest rescued message, if any (see
    /// [`Waiters::hold_during`]).
    pub(crate) fn take_rescued(&mut self) -> Option<T> {
        let msg = self.guard.rescued.pop_front();
        if msg.is_some() {
            self.publish_rescued();
        }
        msg
    }

    fn publish_rescued(&mut self) {
        // ORDERING: Relaxed, under the lock; see `Waiters::take_rescued`.
        self.waiters
            .rescued_len
            .store(self.guard.rescued.len(), Ordering::Relaxed);
    }

    /// Whether the channel has disconnected (set before the lists drain).
    pub(crate) fn is_disconnected(&self) -> bool {
        self.guard.disconnected
    }

    /// Stores the published length of `side` after a change, and keeps the
    /// ring's wait flag equal to "this list is not empty".
    fn publish_len(&mut self, side: Side) {
        let len = self.guard.list(side).len;
        let (cell, word) = match side {
            Side::Rx => (&self.waiters.rx_len, self.waiters.flag_words.get()[0]),
            Side::Tx => (&self.waiters.tx_len, self.waiters.flag_words.get()[1]),
            Side::Closed => return,
        };
        if !word.is_null() {
            // ORDERING: Relaxed: only written under the lock we hold.
            let was = cell.load(Ordering::Relaxed);
            // SAFETY: `bind_flag_words`' contract: the word outlives us.
            let word = unsafe { &*word };
            // ORDERING: SeqCst RMWs on the claim word: every claim after a
            // set in its modification order reads the flag (see array.rs).
            if was == 0 && len != 0 {
                word.fetch_or(1, Ordering::SeqCst);
            } else if was != 0 && len == 0 {
                // ORDERING: as the set above; a clear only happens with the
                // list empty, under the lock.
                word.fetch_and(!1, Ordering::SeqCst);
            }
        }
        // ORDERING: Relaxed: only read and written under the lock (it is the
        // memory of what the flag word was last told).
        cell.store(len, Ordering::Relaxed);
    }

    /// The state of `node` (under the lock, so it cannot change unless we
    /// change it).
    pub(crate) fn state(&self, node: Pin<&Node<T>>) -> State {
        // ORDERING: Relaxed: under the lock, which orders every write of a
        // linked node's state (all made under it).
        node.state.load(Ordering::Relaxed)
    }

    /// Sets a state under the lock. A store of `WOKEN` or `DONE` must be the
    /// caller's last access to the node.
    fn set_state(node: *const Node<T>, state: State) {
        // SAFETY: the caller holds the lock and `node` is linked or being
        // unlinked by it, so alive.
        let word = unsafe { &(*node).state };
        // ORDERING: Release pairs with the owner's Acquire load in
        // `Node::state`: the unlink and whatever the caller took out of the
        // node happen before the owner reuses or frees it.
        word.store(state, Ordering::Release);
    }

    /// Registers `node` in `side` with `wake`, or, if it is still waiting
    /// there, replaces its wake-up. A node that was woken (it lost a race for
    /// what it was woken for) goes back to the *front*, keeping its turn.
    ///
    /// Returns the wake-up it replaced, to be dropped after the lock.
    pub(crate) fn register(&mut self, side: Side, node: Pin<&Node<T>>, wake: Wake) -> Option<Wake> {
        let raw: *const Node<T> = &*node;
        let state = self.state(node);
        if state == WAITING {
            // SAFETY: the lock is held.
            return unsafe { node.with(|n| n.wake.replace(wake)) };
        }
        debug_assert!(state != DONE, "a node holding a hand-off is re-registered");
        // SAFETY: the lock is held; the node is pinned (the owner's `Pin`)
        // and not linked (its state says so), and its owner leaves (unlinks
        // it) before it goes away: rule 3.
        unsafe {
            node.with(|n| n.wake = Some(wake));
            if state == WOKEN {
                self.guard.list(side).push_front(raw);
            } else {
                self.guard.list(side).push_back(raw);
            }
        }
        Self::set_state(raw, WAITING);
        self.publish_len(side);
        None
    }

    /// [`register`](Self::register) for a select's entry: the entry of arm
    /// `arm` of the select whose record is `record`.
    ///
    /// # Safety
    ///
    /// `record` stays alive until the entry is unlinked (its owner leaves
    /// every entry before the record goes).
    pub(crate) unsafe fn register_entry(
        &mut self,
        side: Side,
        node: Pin<&Node<T>>,
        wake: Wake,
        record: *const Record,
        arm: usize,
    ) -> Option<Wake> {
        if self.state(node) != WAITING {
            // SAFETY: the lock is held and the node is not linked.
            unsafe {
                node.with(|n| {
                    n.record = record;
                    n.arm = arm;
                });
            }
        }
        self.register(side, node, wake)
    }

    /// Whether `node`'s stored wake-up already wakes `waker` (so a re-poll
    /// need not clone it).
    #[cfg(feature = "async")]
    pub(crate) fn will_wake(&self, node: Pin<&Node<T>>, waker: &Waker) -> bool {
        // SAFETY: the lock is held.
        self.state(node) == WAITING
            && unsafe { node.with(|n| n.wake.as_ref().is_some_and(|w| w.will_wake(waker))) }
    }

    /// Takes `node` out of `side` if it is still linked. Returns the state it
    /// had and its wake-up (to drop after the lock). A `WAITING` node becomes
    /// `IDLE`; a `WOKEN` or `DONE` one keeps its state (its owner resets it).
    pub(crate) fn unregister(&mut self, side: Side, node: Pin<&Node<T>>) -> (State, Option<Wake>) {
        let raw: *const Node<T> = &*node;
        let state = self.state(node);
        if state == WAITING {
            // SAFETY: the lock is held and the node is linked in `side`.
            unsafe { self.guard.list(side).unlink(raw) };
            self.publish_len(side);
            Self::set_state(raw, IDLE);
        }
        // SAFETY: the lock is held.
        let wake = unsafe { node.with(|n| n.wake.take()) };
        (state, wake)
    }

    /// The lock holder acts for the select whose record is `own` (its own
    /// entries are skipped without a poke; see "Select entries").
    pub(crate) fn acting_for(&mut self, own: *const Record) {
        self.own = own;
    }

    /// The first node of `side` this notifier may use: an ordinary node, or
    /// a select entry whose record it commits (to the entry's arm). Entries
    /// whose record is not armed are skipped and stay linked. Null if none.
    fn first_usable(&mut self, side: Side) -> *const Node<T> {
        let mut node = self.guard.list(side).head;
        while !node.is_null() {
            // SAFETY: the lock is held and `node` is linked, so alive.
            let (record, arm, next) = unsafe { (*node).with(|n| (n.record, n.arm, n.next)) };
            // SAFETY: a linked entry's record outlives its link (the owner
            // unlinks every entry, under this lock, before the record goes).
            if record.is_null() || unsafe { (*record).commit(arm, self.own) } {
                return node;
            }
            node = next;
        }
        node
    }

    /// Unlinks the first usable node of `side` (see `first_usable`), marks it
    /// `WOKEN` and returns its wake-up, to be fired after the lock.
    pub(crate) fn pop_front(&mut self, side: Side) -> Option<Wake> {
        let node = self.first_usable(side);
        if node.is_null() {
            return None;
        }
        // SAFETY: the lock is held and `node` is linked.
        let wake = unsafe {
            self.guard.list(side).unlink(node);
            (*node).with(|n| n.wake.take())
        };
        self.publish_len(side);
        // Our last access to the node.
        Self::set_state(node, WOKEN);
        wake
    }

    /// The ring's receive that made room: the first usable waiting sender
    /// (see `first_usable`) is unlinked; if it offers its message in its
    /// node (`Chan::offer`), `put` may move that message into the queue
    /// (the room just made), and the node is then `DONE`: its send is
    /// complete. Otherwise it is `WOKEN` and retries. Returns its wake-up
    /// (fire it after the lock) and what `put` returned. `put` must run no
    /// user code (it runs under the lock).
    pub(crate) fn complete_front_tx<R>(
        &mut self,
        put: impl FnOnce(&mut Held<T>) -> Option<R>,
    ) -> (Option<Wake>, Option<R>) {
        let node = self.first_usable(Side::Tx);
        if node.is_null() {
            return (None, None);
        }
        // SAFETY: the lock is held and `node` is linked (usable), so alive;
        // an offered message is the node's, reached only under the lock.
        let (done, wake) = unsafe {
            let done = (*node).with(|n| {
                if n.msg.is_live() {
                    put(&mut n.msg)
                } else {
                    None
                }
            });
            self.guard.tx.unlink(node);
            (done, (*node).with(|n| n.wake.take()))
        };
        self.publish_len(Side::Tx);
        // Our last access to the node.
        Self::set_state(node, if done.is_some() { DONE } else { WOKEN });
        (wake, done)
    }

    /// Whether the first waiting receiver is a blocked thread (which may be
    /// handed a message directly).
    pub(crate) fn front_rx_is_thread(&self) -> bool {
        let node = self.guard.rx.head;
        // SAFETY: the lock is held; a linked node is alive. A select's entry
        // is never pushed to (the select completes its own receive).
        !node.is_null()
            && unsafe {
                (*node).with(|n| n.record.is_null() && n.wake.as_ref().is_some_and(Wake::is_thread))
            }
    }

    /// Whether any sender node waits (rendezvous: offers a message).
    pub(crate) fn has_tx(&self) -> bool {
        !self.guard.tx.head.is_null()
    }

    /// Rendezvous: hands the held message to the first waiting receiver (the
    /// caller checked it is a thread), marking its node `DONE`. Returns its
    /// wake-up.
    pub(crate) fn deliver_to_front_rx(&mut self, held: &mut Held<T>) -> Option<Wake> {
        let node = self.guard.rx.head;
        debug_assert!(!node.is_null());
        // SAFETY: the lock is held and `node` is the linked head.
        let wake = unsafe {
            self.guard.rx.unlink(node);
            (*node).with(|n| {
                n.msg.move_from(held);
                n.wake.take()
            })
        };
        self.publish_len(Side::Rx);
        // Our last access to the node.
        Self::set_state(node, DONE);
        wake
    }

    /// Rendezvous: takes the message of the first usable waiting sender (a
    /// select's offer only if it commits the select), marking its node
    /// `DONE`. Returns the message and the sender's wake-up.
    pub(crate) fn take_from_front_tx(&mut self) -> Option<(T, Option<Wake>)> {
        let node = self.first_usable(Side::Tx);
        if node.is_null() {
            return None;
        }
        // SAFETY: the lock is held and `node` is the linked head.
        let (msg, wake) = unsafe {
            self.guard.tx.unlink(node);
            (*node).with(|n| {
                let msg = n.msg.take();
                (msg, n.wake.take())
            })
        };
        self.publish_len(Side::Tx);
        // Our last access to the node.
        Self::set_state(node, DONE);
        Some((msg, wake))
    }

    /// A select's own offer in `node` (linked in `side`, or left by a
    /// notifier that woke it): unlinks it if linked and moves its message
    /// back into `held`. Returns the node's wake-up (drop it after the lock).
    pub(crate) fn take_back(
        &mut self,
        side: Side,
        node: Pin<&Node<T>>,
        held: &mut Held<T>,
    ) -> Option<Wake> {
        let (state, wake) = self.unregister(side, node);
        debug_assert!(state != DONE, "a taken offer is taken back");
        // SAFETY: the lock is held and the node is unlinked.
        unsafe {
            node.with(|n| {
                if n.msg.is_live() {
                    held.move_from(&mut n.msg);
                }
            });
        }
        if state != WAITING {
            // Unlinked by a notifier (`WOKEN`): the owner resets it; we are
            // the owner.
            node.set_idle();
        }
        wake
    }

    /// Rendezvous: moves the held message into `node` (the caller's own,
    /// not linked yet: about to be registered as a sender's offer).
    pub(crate) fn offer(&mut self, node: Pin<&Node<T>>, held: &mut Held<T>) {
        // SAFETY: the lock is held.
        unsafe { node.with(|n| n.msg.move_from(held)) }
    }
}

/// A blocking call's node, in a guard that leaves the lists when the call
/// ends, however it ends (rule 3): a panic unwinding out of a waker the call
/// fired unlinks the node here before the frame dies, and a rendezvous
/// message still offered in it is dropped with the unwinding, exactly once.
#[cfg(feature = "std")]
pub(crate) struct Waiting<'a, T> {
    waiters: &'a Waiters<T>,
    side: Side,
    node: Node<T>,
}

#[cfg(feature = "std")]
impl<'a, T> Waiting<'a, T> {
    pub(crate) fn new(waiters: &'a Waiters<T>, side: Side) -> Self {
        Self {
            waiters,
            side,
            node: Node::new(),
        }
    }

    /// The guarded node.
    pub(crate) fn node(self: Pin<&Self>) -> Pin<&Node<T>> {
        // SAFETY: `node` is structurally pinned: the guard is pinned and
        // never moves it out (its `Drop` only borrows it).
        unsafe { self.map_unchecked(|this| &this.node) }
    }
}

#[cfg(feature = "std")]
impl<T> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard was pinned (it is only ever used through
        // `Pin<&Self>` and lives in a `pin!`), so its node is pinned until
        // this drop ends.
        let node = unsafe { Pin::new_unchecked(&self.node) };
        self.waiters.leave_in_place(self.side, node);
    }
}

/// Runs `first`, then `then` even if `first` panicked (a guard runs it while
/// the panic unwinds); the first panic propagates.
pub(crate) fn both(first: impl FnOnce(), then: impl FnOnce()) {
    /// Runs the second closure when dropped, on both paths.
    struct Then<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Then<F> {
        fn drop(&mut self) {
            if let Some(then) = self.0.take() {
                then();
            }
        }
    }
    let then = Then(Some(then));
    first();
    drop(then);
}

/// Bounded optimistic re-reads before a blocking call parks: this many
/// `spin_loop` hints, then this many `yield_now`s. They wait for nothing in
/// particular (a re-read either finds progress or not), so they are not a
/// wait on another thread's step; they save the park/unpark round trip when
/// the other side answers within microseconds. The same bound as `oneshot`'s
/// blocking receive (tuned there on a 2-core VM, where an unpark costs about
/// 5 µs each way; 8 yields were not enough).
#[cfg(all(feature = "std", not(loom)))]
pub(crate) const SPINS: u32 = 16;
/// See [`SPINS`].
#[cfg(all(feature = "std", not(loom)))]
pub(crate) const YIELDS: u32 = 16;

/// One round of the bounded wait before parking.
#[cfg(all(feature = "std", not(loom)))]
pub(crate) fn backoff(round: u32) {
    if round < SPINS {
        core::hint::spin_loop();
    } else {
        crate::loom::thread::yield_now();
    }
}

/// Parks the owner of a registered `node` until the node is no longer
/// `WAITING` (true: woken, or handed a message) or `deadline` passes (false).
/// With `reread`, first re-reads the state word the bounded number of times
/// ([`SPINS`] + [`YIELDS`]): a partner that answers within microseconds (the
/// rendezvous) then costs no park/unpark. Reads the state with one atomic
/// load each time and takes no lock.
#[cfg(feature = "std")]
pub(crate) fn park_while_waiting<T>(
    node: Pin<&Node<T>>,
    deadline: Option<std::time::Instant>,
    reread: bool,
) -> bool {
    #[cfg(not(loom))]
    if reread {
        for round in 0..SPINS + YIELDS {
            if node.state() != WAITING {
                return true;
            }
            backoff(round);
        }
    }
    #[cfg(loom)]
    let _ = reread;
    loop {
        if node.state() != WAITING {
            return true;
        }
        match deadline {
            None => crate::loom::thread::park(),
            Some(deadline) => {
                let now = std::time::Instant::now();
                if now >= deadline {
                    return false;
                }
                crate::loom::thread::park_timeout(deadline - now);
            }
        }
    }
}
