//! The intrusive waiter lists: who is waiting on the channel, and how they are
//! woken.
//!
//! A waiting operation (a blocked `send`/`recv`, a pending `SendFuture`,
//! `RecvFuture` or `Closed`) owns a [`Node`]: it lives in the stack frame of
//! the blocking call or inside the future, which is `!Unpin` and pinned while
//! the node is linked. Nothing is allocated per waiter. The channel keeps three
//! FIFO lists of nodes — receivers, senders, `closed()` futures — behind one
//! short [`Lock`](crate::loom::lock::Lock).
//!
//! # The rules
//!
//! 1. **Every field of a linked node is read and written only under the lock.**
//!    The owner of an unlinked node may touch it freely, but the owner also
//!    reads the state under the lock, so "unlinked" is always decided there.
//! 2. **No user code under the lock.** Cloning a waker, waking it, dropping it
//!    and dropping a message all happen after the lock is released: the
//!    functions here hand such values back to the caller ([`Wake`] values to
//!    fire or drop, messages to return).
//! 3. **Whoever unlinks a node decides its next state**, under the lock, and
//!    never touches the node after releasing the lock. The owner may then
//!    free the node (return from the blocking call, drop the future) as soon
//!    as it has read that state under the lock: nobody waits for anybody.
//!
//! # Node states
//!
//! | state     | linked | meaning                                                    |
//! |-----------|--------|------------------------------------------------------------|
//! | `Idle`    | no     | not registered (new, or the owner unlinked it)             |
//! | `Waiting` | yes    | registered; `wake` is how to wake the owner                |
//! | `Woken`   | no     | a notifier unlinked it and took `wake`; the owner retries  |
//! | `Done`    | no     | rendezvous only: the message moved (see `flavor::zero`)    |
//!
//! A `Woken` owner that leaves without using its wake-up (a dropped future, a
//! timed-out thread, a recheck that succeeded on its own) **passes it on** to
//! the next waiter of its list, so a notification is never lost with a
//! cancelled waiter. Extra wake-ups are harmless: every woken owner re-checks
//! the queue and registers again if there is nothing for it.
//!
//! # The lost wake-up window
//!
//! The queue itself is lock-free, so a registration and a publish race like
//! the store-buffering litmus test: the registrant stores its node (and the
//! list length) and then re-checks the queue; the publisher stores a message
//! and then checks the length. Each side has a `SeqCst` fence between its
//! store and its load (the registrant's in `Chan::recheck_*`, the
//! publisher's in [`Waiters::has_waiters`]), so at least one of them sees the
//! other: either the re-check finds the message, or the publisher finds the
//! waiter and wakes it. That is how the unbounded and rendezvous flavors wait;
//! the bounded ring folds the "someone waits" bit into the words its claims
//! CAS anyway, and needs a barrier only in a rare case (`flavor/array.rs`).

use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr;
use core::task::Waker;

use crate::loom::lock::{Guard, Lock};
use crate::loom::{fence, AtomicUsize, Ordering, UnsafeCell};

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
    /// lock held.
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
    pub(crate) fn is_thread(&self) -> bool {
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

/// The state of a node; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Idle,
    Waiting,
    Woken,
    Done,
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

/// A waiter's node. It must stay pinned while linked; its owner unlinks it
/// (under the lock) before it is dropped.
pub(crate) struct Node<T> {
    inner: UnsafeCell<NodeInner<T>>,
    /// Owner-only bookkeeping (never touched by another thread): whether the
    /// owner registered the node and has not left yet, so that leaving (and
    /// passing on a wake-up) takes the lock only when needed.
    registered: core::cell::Cell<bool>,
    _pinned: PhantomPinned,
}

struct NodeInner<T> {
    prev: *const Node<T>,
    next: *const Node<T>,
    state: State,
    wake: Option<Wake>,
    /// Rendezvous only: the message a waiting sender offers, or the message a
    /// sender handed to a blocked receiving thread.
    msg: Option<T>,
}

impl<T> Node<T> {
    pub(crate) fn new() -> Self {
        Self {
            inner: UnsafeCell::new(NodeInner {
                prev: ptr::null(),
                next: ptr::null(),
                state: State::Idle,
                wake: None,
                msg: None,
            }),
            registered: core::cell::Cell::new(false),
            _pinned: PhantomPinned,
        }
    }

    /// Whether the owner registered the node since it last left.
    pub(crate) fn is_registered(&self) -> bool {
        self.registered.get()
    }

    /// Owner-only: records that the node was registered (or left).
    pub(crate) fn set_registered(&self, registered: bool) {
        self.registered.set(registered);
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
    pub(crate) disconnected: bool,
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
    /// For `bounded(n >= 1)`: the claim words whose `*_WAIT` bit (bit 0)
    /// mirrors "the rx (tx) list is not empty", set and cleared under the
    /// lock (see `flavor/array.rs`). Null for the other flavors.
    flag_words: core::cell::Cell<[*const AtomicUsize; 2]>,
    /// `lists.rx.len`, stored under the lock, read by senders after a publish.
    rx_len: AtomicUsize,
    /// `lists.tx.len`, stored under the lock, read by receivers after a release.
    tx_len: AtomicUsize,
}

/// The lock guard over the lists, with the operations a flavor needs while
/// holding it (the rendezvous flavor works entirely under it).
pub(crate) struct Locked<'a, T> {
    guard: Guard<'a, Lists<T>>,
    waiters: &'a Waiters<T>,
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
            }),
            rx_len: AtomicUsize::new(0),
            tx_len: AtomicUsize::new(0),
            flag_words: core::cell::Cell::new([ptr::null(); 2]),
        }
    }

    /// Binds the array flavor's claim words: `rx` carries `RX_WAIT` (its
    /// `tail`), `tx` carries `TX_WAIT` (its `head`), both in bit 0.
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
        }
    }

    /// Whether `side` may have waiters, for a fast path that has just
    /// published (a message, or a free slot). Issues the fast path's side of
    /// the store-buffering fence.
    #[inline]
    pub(crate) fn has_waiters(&self, side: Side) -> bool {
        // ORDERING: pairs with the registrant's fence in `Chan::recheck_*`: the caller's
        // publish (a Release store or RMW before this call) and a
        // registrant's length store are each followed by a SeqCst fence and
        // then a load of the other location, so at least one load sees the
        // other side's store (no lost wake-up).
        fence(Ordering::SeqCst);
        let len = match side {
            Side::Rx => &self.rx_len,
            Side::Tx => &self.tx_len,
            Side::Closed => return true,
        };
        // ORDERING: Relaxed: the fence above orders it; the value is only a
        // hint to take the lock, which then reads the list itself.
        len.load(Ordering::Relaxed) != 0
    }

    /// The owner is done with `node` (it got what it waited for, gave up, or
    /// is being dropped): unlink it if it is still linked, and if it had been
    /// woken, pass the wake-up on to the next waiter of `side`.
    pub(crate) fn leave(&self, side: Side, node: Pin<&Node<T>>) {
        if !node.is_registered() {
            return;
        }
        node.set_registered(false);
        let (state, wake) = self.lock().unregister(side, node);
        drop(wake);
        if state == State::Woken {
            self.notify_one(side);
        }
    }

    /// Like [`leave`](Self::leave), for an owner that *used* its wake-up (it
    /// was woken, tried again, and succeeded or saw the disconnection): no
    /// pass-on.
    pub(crate) fn leave_used(&self, side: Side, node: Pin<&Node<T>>) {
        if !node.is_registered() {
            return;
        }
        node.set_registered(false);
        let (_, wake) = self.lock().unregister(side, node);
        drop(wake);
    }

    /// Wakes the first waiter of `side`, if any.
    pub(crate) fn notify_one(&self, side: Side) {
        let wake = self.lock().pop_front(side);
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    /// Marks the lists disconnected and wakes every waiter of every list, in
    /// batches, never waking under the lock. Returns nothing: the woken owners
    /// re-check the channel and see the disconnection.
    pub(crate) fn disconnect(&self) {
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
            for wake in batch.iter_mut().filter_map(Option::take) {
                wake.wake();
            }
            if count < WAKE_BATCH {
                return;
            }
        }
    }
}

impl<T> Locked<'_, T> {
    /// Whether the channel has disconnected (set before the lists drain).
    pub(crate) fn is_disconnected(&self) -> bool {
        self.guard.disconnected
    }

    /// Stores the published length of `side` after a change, and keeps the
    /// array flavor's wait flag equal to "this list is not empty".
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
        // ORDERING: Relaxed under the lock; the registrant's fence
        // (registrant) or `has_waiters` (fast path) orders it against the
        // queue accesses, see the module docs.
        cell.store(len, Ordering::Relaxed);
    }

    /// The state of `node`.
    pub(crate) fn state(&self, node: Pin<&Node<T>>) -> State {
        // SAFETY: the lock is held (this guard).
        unsafe { node.with(|n| n.state) }
    }

    /// Registers `node` in `side` with `wake`, or, if it is still waiting
    /// there, replaces its wake-up. A node that was woken (it lost a race for
    /// what it was woken for) goes back to the *front*, keeping its turn.
    ///
    /// Returns the wake-up it replaced, to be dropped after the lock.
    pub(crate) fn register(&mut self, side: Side, node: Pin<&Node<T>>, wake: Wake) -> Option<Wake> {
        let raw: *const Node<T> = &*node;
        // SAFETY: the lock is held.
        let state = unsafe { node.with(|n| n.state) };
        match state {
            State::Waiting => {
                // SAFETY: the lock is held.
                unsafe { node.with(|n| n.wake.replace(wake)) }
            }
            State::Idle | State::Woken | State::Done => {
                debug_assert!(
                    state != State::Done,
                    "a node holding a hand-off is re-registered"
                );
                // SAFETY: the lock is held; the node is pinned (the owner's
                // `Pin`) and not linked (its state says so), and its owner
                // unlinks it before it goes away.
                unsafe {
                    node.with(|n| {
                        n.state = State::Waiting;
                        n.wake = Some(wake);
                    });
                    if state == State::Woken {
                        self.guard.list(side).push_front(raw);
                    } else {
                        self.guard.list(side).push_back(raw);
                    }
                }
                self.publish_len(side);
                None
            }
        }
    }

    /// Whether `node`'s stored wake-up already wakes `waker` (so a re-poll
    /// need not clone it).
    #[cfg(feature = "async")]
    pub(crate) fn will_wake(&self, node: Pin<&Node<T>>, waker: &Waker) -> bool {
        // SAFETY: the lock is held.
        unsafe {
            node.with(|n| {
                n.state == State::Waiting && n.wake.as_ref().is_some_and(|w| w.will_wake(waker))
            })
        }
    }

    /// Takes `node` out of `side` if it is still linked. Returns the state it
    /// had and its wake-up (to drop after the lock). A `Waiting` node becomes
    /// `Idle`; a `Woken` or `Done` one keeps its state.
    pub(crate) fn unregister(&mut self, side: Side, node: Pin<&Node<T>>) -> (State, Option<Wake>) {
        let raw: *const Node<T> = &*node;
        // SAFETY: the lock is held.
        let state = unsafe { node.with(|n| n.state) };
        if state == State::Waiting {
            // SAFETY: the lock is held and the node is linked in `side`.
            unsafe { self.guard.list(side).unlink(raw) };
            self.publish_len(side);
        }
        // SAFETY: the lock is held.
        let wake = unsafe {
            node.with(|n| {
                if n.state == State::Waiting {
                    n.state = State::Idle;
                }
                n.wake.take()
            })
        };
        (state, wake)
    }

    /// Unlinks the first node of `side`, marks it `Woken` and returns its
    /// wake-up, to be fired after the lock.
    pub(crate) fn pop_front(&mut self, side: Side) -> Option<Wake> {
        let node = self.guard.list(side).head;
        if node.is_null() {
            return None;
        }
        // SAFETY: the lock is held and `node` is linked (the head).
        unsafe {
            self.guard.list(side).unlink(node);
            self.publish_len(side);
            (*node).with(|n| {
                n.state = State::Woken;
                n.wake.take()
            })
        }
    }

    /// Whether the first waiting receiver is a blocked thread (which may be
    /// handed a message directly).
    pub(crate) fn front_rx_is_thread(&self) -> bool {
        let node = self.guard.rx.head;
        // SAFETY: the lock is held; a linked node is alive.
        !node.is_null() && unsafe { (*node).with(|n| n.wake.as_ref().is_some_and(Wake::is_thread)) }
    }

    /// Whether any sender node waits (rendezvous: offers a message).
    pub(crate) fn has_tx(&self) -> bool {
        !self.guard.tx.head.is_null()
    }

    /// Rendezvous: hands `msg` to the first waiting receiver (the caller
    /// checked it is a thread), marking its node `Done`. Returns its wake-up.
    pub(crate) fn deliver_to_front_rx(&mut self, msg: T) -> Option<Wake> {
        let node = self.guard.rx.head;
        debug_assert!(!node.is_null());
        // SAFETY: the lock is held and `node` is the linked head.
        unsafe {
            self.guard.rx.unlink(node);
            self.publish_len(Side::Rx);
            (*node).with(|n| {
                n.state = State::Done;
                n.msg = Some(msg);
                n.wake.take()
            })
        }
    }

    /// Rendezvous: takes the message of the first waiting sender, marking
    /// its node `Done`. Returns the message and the sender's wake-up.
    pub(crate) fn take_from_front_tx(&mut self) -> Option<(T, Option<Wake>)> {
        let node = self.guard.tx.head;
        if node.is_null() {
            return None;
        }
        // SAFETY: the lock is held and `node` is the linked head.
        unsafe {
            self.guard.tx.unlink(node);
            self.publish_len(Side::Tx);
            (*node).with(|n| {
                n.state = State::Done;
                let msg = n
                    .msg
                    .take()
                    .expect("a waiting rendezvous sender holds its message");
                Some((msg, n.wake.take()))
            })
        }
    }

    /// Rendezvous: puts `msg` into `node` (the caller's own, about to be
    /// registered as a sender), or takes it back out.
    pub(crate) fn set_msg(&mut self, node: Pin<&Node<T>>, msg: Option<T>) -> Option<T> {
        // SAFETY: the lock is held.
        unsafe { node.with(|n| core::mem::replace(&mut n.msg, msg)) }
    }

    /// Resets a `Done` (or `Woken`) node to `Idle`: its message was
    /// collected, and it may be registered again.
    pub(crate) fn reset(&mut self, node: Pin<&Node<T>>) {
        // SAFETY: the lock is held.
        unsafe { node.with(|n| n.state = State::Idle) }
    }
}
