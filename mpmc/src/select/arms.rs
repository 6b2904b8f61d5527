//! The arms of a select: one type per kind of operation, and the list that
//! holds them (a cons list of tuples, so a select of any number of arms of
//! any message types lives inline, without allocation).
//!
//! Each arm knows how to try its operation, register its entry (a
//! [`Node`] of its channel's type) in its channel's waiter list, leave it,
//! and — once every entry of the select has left — finish: wake the peer
//! its operation made progress for, then call the user's closure. An arm
//! keeps a completed operation's outcome in itself until it is finished, so
//! an outcome is never lost: if the select is interrupted (a panicking
//! waker, a dropped future) after an operation completed, the next call on
//! the same select returns it first.

// The sealed traits' hidden methods take the crate's waiting-core types;
// nobody outside the crate can implement or call them.
#![allow(private_interfaces)]

use core::pin::Pin;
use core::ptr::NonNull;

use crate::chan::{AfterSend, ArmRecv, ArmSend};
use crate::errors::{RecvError, SendError};
use crate::held::Held;
use crate::waiters::{Node, Record, Side, Wake, DONE};
use crate::{Receiver, Sender};

/// One arm of a select. Sealed: implemented by the crate's arm types only
/// ([`RecvArm`], [`SendArm`]); its methods are the select's internals.
///
/// The `entry` passed to each method is the arm's own entry, a pinned
/// `Node` of the arm's message type (type-erased by the list).
///
/// ```
/// use mpmc::select::{ArmList, RecvArm, SendArm};
///
/// // Arms are kept in the select's type, in the order they were added.
/// fn arms<R, A: ArmList<R>>(_: &mpmc::Select<R, A>) -> usize {
///     A::LEN
/// }
/// let (tx, rx) = mpmc::bounded::<u8>(1);
/// let sel: mpmc::Select<(), (((), RecvArm<'_, u8, _>), SendArm<'_, u8, _>)> =
///     mpmc::Select::new().recv(&rx, |_| ()).send(&tx, 1, |_| ());
/// assert_eq!(arms(&sel), 2);
/// ```
pub trait Arm<R>: sealed::Sealed {
    /// Whether the arm can still complete (a send arm whose message was sent
    /// cannot, until the select is rebuilt).
    #[doc(hidden)]
    fn active(&self) -> bool;
    /// Whether the arm holds a completed outcome not yet finished.
    #[doc(hidden)]
    fn completed(&self) -> bool;
    /// One attempt; true if the operation completed (its outcome is kept in
    /// the arm). `own`: the select's record while its entries are linked;
    /// `recheck`: the registrant's re-check.
    #[doc(hidden)]
    /// `entry` is `None` for a try of an unregistered select (its entries
    /// do not exist then); only a rendezvous offer needs it.
    fn attempt(&mut self, entry: Option<NonNull<()>>, own: *const Record, recheck: bool) -> bool;
    /// Registers the entry with `wake` (or replaces its wake-up). Returns a
    /// replaced wake-up to drop later.
    ///
    /// # Safety
    ///
    /// `entry` is pinned and stays so until it left; `record` outlives its
    /// link.
    #[doc(hidden)]
    unsafe fn register(
        &mut self,
        entry: NonNull<()>,
        wake: Wake,
        record: *const Record,
        arm: usize,
    ) -> Option<Wake>;
    /// After the select armed (a rendezvous offer calls a puller).
    #[doc(hidden)]
    fn armed(&mut self, own: *const Record);
    /// Takes the entry out of its list. True if a peer completed the
    /// operation through it (a rendezvous offer taken): its outcome is then
    /// kept in the arm.
    #[doc(hidden)]
    fn leave(&mut self, entry: NonNull<()>) -> bool;
    /// Passes an unused wake-up on to the next waiter of the arm's list.
    #[doc(hidden)]
    fn pass_on(&self);
    /// Finishes a completed operation: wakes its peer, then returns the
    /// user's closure applied to the outcome. Call with every entry left.
    #[doc(hidden)]
    fn finish(&mut self) -> R;
}

/// The list of a select's arms: `()` or `(earlier arms, last arm)`. Sealed;
/// it appears in [`Select`](crate::Select)'s type, which you rarely need to
/// write out.
///
/// ```
/// use mpmc::select::{ArmList, RecvArm, SendArm};
///
/// // Arms are kept in the select's type, in the order they were added.
/// fn arms<R, A: ArmList<R>>(_: &mpmc::Select<R, A>) -> usize {
///     A::LEN
/// }
/// let (tx, rx) = mpmc::bounded::<u8>(1);
/// let sel: mpmc::Select<(), (((), RecvArm<'_, u8, _>), SendArm<'_, u8, _>)> =
///     mpmc::Select::new().recv(&rx, |_| ()).send(&tx, 1, |_| ());
/// assert_eq!(arms(&sel), 2);
/// ```
pub trait ArmList<R>: sealed::Sealed {
    /// The number of arms.
    #[doc(hidden)]
    const LEN: usize;
    /// The arms' entries (one `Node` per arm).
    #[doc(hidden)]
    type Entries;
    #[doc(hidden)]
    fn entries() -> Self::Entries;
    /// Arm `i`, without its entry (for an unregistered select).
    #[doc(hidden)]
    fn arm_only(&mut self, i: usize) -> &mut dyn Arm<R>;
    /// Arm `i` and its entry.
    #[doc(hidden)]
    fn arm<'s>(
        &'s mut self,
        entries: Pin<&'s Self::Entries>,
        i: usize,
    ) -> (&'s mut dyn Arm<R>, NonNull<()>);
}

mod sealed {
    pub trait Sealed {}
}

impl sealed::Sealed for () {}

impl<R> ArmList<R> for () {
    const LEN: usize = 0;
    type Entries = ();
    fn entries() -> Self::Entries {}
    fn arm_only(&mut self, i: usize) -> &mut dyn Arm<R> {
        unreachable!("no arm {i}")
    }
    fn arm<'s>(&'s mut self, _: Pin<&'s ()>, i: usize) -> (&'s mut dyn Arm<R>, NonNull<()>) {
        unreachable!("no arm {i}")
    }
}

impl<P: sealed::Sealed, A: sealed::Sealed> sealed::Sealed for (P, A) {}

impl<R, P: ArmList<R>, A: Arm<R> + HasEntry> ArmList<R> for (P, A) {
    const LEN: usize = P::LEN + 1;
    type Entries = (P::Entries, Entry<A::Msg>);

    fn entries() -> Self::Entries {
        (P::entries(), Entry(Node::new()))
    }

    fn arm_only(&mut self, i: usize) -> &mut dyn Arm<R> {
        if i == P::LEN {
            &mut self.1
        } else {
            self.0.arm_only(i)
        }
    }

    fn arm<'s>(
        &'s mut self,
        entries: Pin<&'s Self::Entries>,
        i: usize,
    ) -> (&'s mut dyn Arm<R>, NonNull<()>) {
        // SAFETY: structural pinning: the entries are never moved out of the
        // pinned tuple.
        let (earlier, last) = unsafe {
            let e = entries.get_ref();
            (Pin::new_unchecked(&e.0), &e.1 .0)
        };
        if i == P::LEN {
            (&mut self.1, NonNull::from(last).cast())
        } else {
            self.0.arm(earlier, i)
        }
    }
}

/// A select arm's waiter entry: a node of its channel's waiter list, kept in
/// the select's blocking call's frame or in its future. Opaque; its size is
/// what a waiting select costs per arm (nothing is allocated).
///
/// ```
/// use mpmc::select::Entry;
/// assert!(std::mem::size_of::<Entry<u64>>() <= 96);
/// ```
pub struct Entry<T>(Node<T>);

// SAFETY: an entry is reached by other threads only under its channel's
// waiter lock while it is linked (its links, wake-up and rendezvous
// message), or through its atomic state word; its owner touches the fields
// only while it is unlinked. So moving the entry with its select (the
// select's future, to another thread) or sharing a reference to it is sound
// whenever the message type it may hold is `Send`.
unsafe impl<T: Send> Send for Entry<T> {}
// SAFETY: as above: every access through a shared reference is synchronised
// by the waiter lock or is an atomic access.
unsafe impl<T: Send> Sync for Entry<T> {}

/// The message type of an arm's entry (sealed by its users: only the
/// crate's arms are [`Arm`]s).
///
/// ```
/// use mpmc::select::{HasEntry, RecvArm};
/// fn msg_size<A: HasEntry>() -> usize {
///     std::mem::size_of::<A::Msg>()
/// }
/// assert_eq!(msg_size::<RecvArm<'static, u32, fn(Result<u32, mpmc::RecvError>)>>(), 4);
/// ```
pub trait HasEntry {
    #[doc(hidden)]
    type Msg;
}

/// Recovers an arm's typed, pinned entry.
///
/// # Safety
///
/// `entry` is the arm's own entry (a pinned `Node<T>`), alive for `'a`.
unsafe fn entry<'a, T>(entry: NonNull<()>) -> Pin<&'a Node<T>> {
    // SAFETY: per the contract.
    unsafe { Pin::new_unchecked(entry.cast::<Node<T>>().as_ref()) }
}

/// A receive arm: [`Select::recv`](super::Select::recv). It keeps a
/// completed receive's outcome until the select returns it.
///
/// ```
/// let (tx, rx) = mpmc::bounded(1);
/// tx.send('x').unwrap();
/// let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap());
/// assert_eq!(sel.select(), 'x');
/// ```
pub struct RecvArm<'a, T, F> {
    rx: &'a Receiver<T>,
    f: F,
    /// A completed receive: the message (and whether a sender may wait for
    /// the room it made), or the disconnection.
    out: Option<Result<(T, bool), RecvError>>,
}

impl<'a, T, F> RecvArm<'a, T, F> {
    pub(crate) fn new(rx: &'a Receiver<T>, f: F) -> Self {
        Self { rx, f, out: None }
    }
}

impl<T, F> sealed::Sealed for RecvArm<'_, T, F> {}

impl<T, F> HasEntry for RecvArm<'_, T, F> {
    type Msg = T;
}

impl<R, T, F: FnMut(Result<T, RecvError>) -> R> Arm<R> for RecvArm<'_, T, F> {
    fn active(&self) -> bool {
        true
    }

    fn completed(&self) -> bool {
        self.out.is_some()
    }

    fn attempt(&mut self, _: Option<NonNull<()>>, own: *const Record, recheck: bool) -> bool {
        self.out = match self.rx.chan().arm_recv(own, recheck) {
            ArmRecv::Got(msg, wake_tx) => Some(Ok((msg, wake_tx))),
            ArmRecv::Disconnected => Some(Err(RecvError)),
            ArmRecv::Empty => return false,
        };
        true
    }

    unsafe fn register(
        &mut self,
        e: NonNull<()>,
        wake: Wake,
        record: *const Record,
        arm: usize,
    ) -> Option<Wake> {
        // SAFETY: per the contract, `e` is our pinned entry.
        let e = unsafe { entry::<T>(e) };
        // SAFETY: per the contract.
        unsafe {
            self.rx
                .chan()
                .arm_register(Side::Rx, e, None, wake, record, arm)
        }
    }

    fn armed(&mut self, _: *const Record) {}

    fn leave(&mut self, e: NonNull<()>) -> bool {
        // SAFETY: the arm's own entry, pinned by the select.
        let e = unsafe { entry::<T>(e) };
        self.rx.chan().waiters().depart_used(Side::Rx, e);
        false
    }

    fn pass_on(&self) {
        self.rx.chan().waiters().notify_one(Side::Rx);
    }

    fn finish(&mut self) -> R {
        let out = self.out.take().expect("finish follows a completed receive");
        let out = out.map(|(msg, wake_tx)| self.rx.chan().arm_recv_done(msg, wake_tx));
        (self.f)(out)
    }
}

/// What a completed send left to do.
enum SendOutcome<T> {
    /// Queued in the ring: notify a receiver (or drain an abandoned queue).
    Queued(AfterSend),
    /// Handed to a rendezvous receiving thread: wake it.
    HandedOff(Option<Wake>),
    /// A rendezvous receiver took the offer (and woke us).
    Taken,
    /// The channel is disconnected: the message back.
    Failed(T),
}

/// A send arm: [`Select::send`](super::Select::send). It holds its message
/// until the message is sent or handed back.
///
/// ```
/// let (tx, rx) = mpmc::bounded(1);
/// let mut sel = mpmc::Select::new().send(&tx, 'y', |r| r.is_ok());
/// assert!(sel.select());
/// assert_eq!(rx.try_recv(), Ok('y'));
/// ```
pub struct SendArm<'a, T, F> {
    tx: &'a Sender<T>,
    f: F,
    /// The message until it is sent (on a rendezvous, while offered, it is
    /// in the arm's entry instead).
    held: Held<T>,
    /// Whether the message is offered in the entry (rendezvous).
    offered: bool,
    out: Option<SendOutcome<T>>,
}

impl<'a, T, F> SendArm<'a, T, F> {
    pub(crate) fn new(tx: &'a Sender<T>, msg: T, f: F) -> Self {
        Self {
            tx,
            f,
            held: Held::new(msg),
            offered: false,
            out: None,
        }
    }
}

impl<T, F> sealed::Sealed for SendArm<'_, T, F> {}

impl<T, F> HasEntry for SendArm<'_, T, F> {
    type Msg = T;
}

impl<R, T, F: FnMut(Result<(), SendError<T>>) -> R> Arm<R> for SendArm<'_, T, F> {
    fn active(&self) -> bool {
        self.held.is_live() || self.offered
    }

    fn completed(&self) -> bool {
        self.out.is_some()
    }

    fn attempt(&mut self, e: Option<NonNull<()>>, own: *const Record, recheck: bool) -> bool {
        // SAFETY: the arm's own entry, pinned by the select.
        let e = e.map(|e| unsafe { entry::<T>(e) });
        debug_assert!(e.is_some() || !self.offered, "an offer lives in the entry");
        let chan = self.tx.chan();
        self.out = match chan.arm_send(e, &mut self.held, own, recheck) {
            ArmSend::Queued(after) => Some(SendOutcome::Queued(after)),
            ArmSend::HandedOff(wake) => Some(SendOutcome::HandedOff(wake)),
            ArmSend::Disconnected => Some(SendOutcome::Failed(self.held.take())),
            ArmSend::NotNow => return false,
        };
        // Sent or handed back: no longer offered (a rendezvous attempt takes
        // an offer back before it hands it over).
        self.offered = false;
        true
    }

    unsafe fn register(
        &mut self,
        e: NonNull<()>,
        wake: Wake,
        record: *const Record,
        arm: usize,
    ) -> Option<Wake> {
        // SAFETY: per the contract, `e` is our pinned entry.
        let e = unsafe { entry::<T>(e) };
        let chan = self.tx.chan();
        // SAFETY: per the contract.
        let replaced =
            unsafe { chan.arm_register(Side::Tx, e, Some(&mut self.held), wake, record, arm) };
        if chan.is_zero() && !self.held.is_live() {
            self.offered = true;
        }
        replaced
    }

    fn armed(&mut self, own: *const Record) {
        if self.offered {
            self.tx.chan().arm_armed(own);
        }
    }

    fn leave(&mut self, e: NonNull<()>) -> bool {
        // SAFETY: the arm's own entry, pinned by the select.
        let e = unsafe { entry::<T>(e) };
        let waiters = self.tx.chan().waiters();
        if !self.offered {
            waiters.depart_used(Side::Tx, e);
            return false;
        }
        self.offered = false;
        let (state, back) = waiters.withdraw_into(Side::Tx, e, &mut self.held);
        if state == DONE {
            debug_assert!(!back);
            self.out = Some(SendOutcome::Taken);
            return true;
        }
        debug_assert!(back, "an offer not taken holds its message");
        false
    }

    fn pass_on(&self) {
        self.tx.chan().waiters().notify_one(Side::Tx);
    }

    fn finish(&mut self) -> R {
        let out = match self.out.take().expect("finish follows a completed send") {
            SendOutcome::Queued(after) => {
                self.tx.chan().arm_send_done(after);
                Ok(())
            }
            SendOutcome::HandedOff(wake) => {
                if let Some(wake) = wake {
                    wake.wake();
                }
                Ok(())
            }
            SendOutcome::Taken => Ok(()),
            SendOutcome::Failed(msg) => Err(SendError(msg)),
        };
        (self.f)(out)
    }
}

/// A receive completed but never finished (the select was dropped after a
/// call that a panicking waker interrupted): the message is dropped with the
/// arm, and a sender waiting for the room it made is still woken.
impl<T, F> Drop for RecvArm<'_, T, F> {
    fn drop(&mut self) {
        if let Some(Ok((msg, true))) = self.out.take() {
            drop(self.rx.chan().arm_recv_done(msg, true));
        }
    }
}

/// A send completed but never finished (as for `RecvArm`): the receiver it
/// made progress for is still woken.
impl<T, F> Drop for SendArm<'_, T, F> {
    fn drop(&mut self) {
        match self.out.take() {
            Some(SendOutcome::Queued(after)) => self.tx.chan().arm_send_done(after),
            Some(SendOutcome::HandedOff(Some(wake))) => wake.wake(),
            _ => {}
        }
    }
}

impl<T> core::fmt::Debug for Entry<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entry").finish_non_exhaustive()
    }
}

impl<T, F> core::fmt::Debug for RecvArm<'_, T, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecvArm")
            .field("rx", self.rx)
            .field("completed", &self.out.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, F> core::fmt::Debug for SendArm<'_, T, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendArm")
            .field("tx", self.tx)
            .field("holds_message", &(self.held.is_live() || self.offered))
            .field("completed", &self.out.is_some())
            .finish_non_exhaustive()
    }
}

/// A receive arm on a broadcast receiver:
/// [`Select::recv_broadcast`](super::Select::recv_broadcast).
///
/// ```
/// let (tx, mut rx) = mpmc::broadcast::channel(2);
/// tx.send(5).unwrap();
/// let mut sel = mpmc::Select::new().recv_broadcast(&mut rx, |r| r.unwrap());
/// assert_eq!(sel.select(), 5);
/// ```
pub struct BroadcastArm<'a, T, F> {
    rx: &'a mut crate::broadcast::Receiver<T>,
    f: F,
    out: Option<Result<T, crate::broadcast::RecvError>>,
}

impl<'a, T, F> BroadcastArm<'a, T, F> {
    pub(crate) fn new(rx: &'a mut crate::broadcast::Receiver<T>, f: F) -> Self {
        Self { rx, f, out: None }
    }
}

impl<T, F> sealed::Sealed for BroadcastArm<'_, T, F> {}

impl<T, F> HasEntry for BroadcastArm<'_, T, F> {
    type Msg = ();
}

impl<R, T: Clone, F: FnMut(Result<T, crate::broadcast::RecvError>) -> R> Arm<R>
    for BroadcastArm<'_, T, F>
{
    fn active(&self) -> bool {
        true
    }

    fn completed(&self) -> bool {
        self.out.is_some()
    }

    fn attempt(&mut self, _: Option<NonNull<()>>, _: *const Record, _: bool) -> bool {
        self.out = self.rx.select_try();
        self.out.is_some()
    }

    unsafe fn register(
        &mut self,
        e: NonNull<()>,
        wake: Wake,
        record: *const Record,
        arm: usize,
    ) -> Option<Wake> {
        // SAFETY: per the contract, `e` is our pinned entry.
        let e = unsafe { entry::<()>(e) };
        // SAFETY: per the contract.
        unsafe { self.rx.select_register(e, wake, record, arm) }
    }

    fn armed(&mut self, _: *const Record) {}

    fn leave(&mut self, e: NonNull<()>) -> bool {
        // SAFETY: the arm's own entry, pinned by the select.
        let e = unsafe { entry::<()>(e) };
        self.rx.select_leave(e);
        false
    }

    fn pass_on(&self) {}

    fn finish(&mut self) -> R {
        let out = self.out.take().expect("finish follows a completed receive");
        (self.f)(out)
    }
}

impl<T, F> core::fmt::Debug for BroadcastArm<'_, T, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BroadcastArm")
            .field("completed", &self.out.is_some())
            .finish_non_exhaustive()
    }
}
