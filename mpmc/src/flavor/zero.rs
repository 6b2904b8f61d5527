//! The rendezvous behind `bounded(0)`: a send completes only when a receiver
//! has taken the message. There is no buffer; the queue is the list of
//! waiting senders, each node holding its own message, and everything happens
//! under the waiter lock (see `waiters.rs`).
//!
//! # Receivers pull
//!
//! Async rendezvous is hard to cancel when a sender *pushes* its message into
//! a waiting receiver: the receiver's future may be dropped right after the
//! push, and the message is then neither delivered nor the sender's. Here a
//! receiver *pulls* instead:
//!
//! * A sender that finds no receiver to hand to links its node, with the
//!   message in it, at the back of the sender list, wakes the first waiting
//!   receiver, and waits until its node is `Done` (taken).
//! * A receiver takes the message out of the first sender node, marks it
//!   `Done` and wakes that sender, all under the lock, **inside the call or
//!   poll that returns the message**. A receiver that is cancelled before
//!   that has taken nothing.
//! * A sender that gives up (timeout, `SendFuture::cancel`, drop) unlinks its
//!   node under the lock; if it was still linked its message is still in it
//!   and goes back to the sender; if it was `Done` the send had completed.
//!
//! So a message is taken exactly once or stays its sender's, and both sides
//! know which, whatever is cancelled when.
//!
//! # Waiting without parking
//!
//! A blocked sender or receiver watches its own node's state word (one
//! atomic load, no lock) for a bounded number of re-reads before it parks
//! (`waiters::park_while_waiting`), so a partner that answers within
//! microseconds completes the hand-off without a park/unpark round trip.
//!
//! # Panics in user code
//!
//! A sender links its offer and *then* wakes a waiting receiver: its node is
//! linked while that waker runs. The blocking call's node lives in a
//! `waiters::Waiting` guard and a future's node in the future, and both
//! withdraw the offer when dropped, so a panicking waker unwinds past a node
//! that is unlinked on the way out, with its message dropped exactly once
//! (rule 3 in `waiters.rs`).
//!
//! # The one push
//!
//! A *blocked thread* in `recv`/`recv_timeout` cannot be cancelled without
//! looking at its node under the lock, so a sender that finds such a receiver
//! at the front of the list (and no sender ahead of it) hands the message
//! straight into that receiver's node (`Done`) and returns: this is how
//! `try_send` on a rendezvous channel can succeed at all. A pending
//! `RecvFuture` is never pushed to, since it may be dropped unpolled.

use core::pin::Pin;
#[cfg(feature = "async")]
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

#[cfg(feature = "std")]
use crate::chan::Ended;
#[cfg(feature = "std")]
use crate::errors::RecvTimeoutError;
#[cfg(feature = "async")]
use crate::errors::{RecvError, SendError};
use crate::errors::{TryRecvError, TrySendError};
use crate::held::Held;
#[cfg(feature = "std")]
use crate::loom::thread;
use crate::loom::{AtomicBool, Ordering};
#[cfg(feature = "std")]
use crate::waiters::WOKEN;
#[cfg(feature = "std")]
use crate::waiters::{park_while_waiting, Waiting, DONE};
use crate::waiters::{Locked, Side, Waiters, Wake};
use crate::waiters::{Node, Record};

/// The rendezvous's own state: only the disconnection flag, for lock-free
/// `is_closed` (the lists' flag under the lock is the one operations use).
pub(crate) struct Zero {
    disconnected: AtomicBool,
}

impl Zero {
    pub(crate) fn new() -> Self {
        Self {
            disconnected: AtomicBool::new(false),
        }
    }

    /// True if this call disconnected the channel.
    pub(crate) fn disconnect(&self) -> bool {
        // ORDERING: AcqRel: the swap decides which caller disconnects; the
        // waiters' lock orders everything else.
        !self.disconnected.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        // ORDERING: Acquire pairs with the swap in `disconnect`.
        self.disconnected.load(Ordering::Acquire)
    }
}

/// Fires `wake` (the partner's) and drops `own` (the caller's spent
/// registration), both after the lock and after the step: each runs even if
/// the other panics (rule 4).
fn fire_then_drop(wake: Option<Wake>, own: Option<Wake>) {
    crate::waiters::both(
        || {
            if let Some(wake) = wake {
                wake.wake();
            }
        },
        || drop(own),
    );
}

/// The next message for a receiver: one rescued from a receive that a
/// panicking waker interrupted (see `Waiters::hold_during`), else the offer
/// of the first waiting sender, with that sender's wake-up.
fn take<T>(locked: &mut Locked<'_, T>) -> Option<(T, Option<Wake>)> {
    match locked.take_rescued() {
        Some(msg) => Some((msg, None)),
        None => locked.take_from_front_tx(),
    }
}

/// Hands `msg` to a receiving thread blocked at the front, if there is one
/// and no sender waits ahead of us.
pub(crate) fn try_send<T>(waiters: &Waiters<T>, msg: T) -> Result<(), TrySendError<T>> {
    let mut locked = waiters.lock();
    if locked.is_disconnected() {
        return Err(TrySendError::Disconnected(msg));
    }
    if !locked.has_tx() && locked.front_rx_is_thread() {
        let wake = locked.deliver_to_front_rx(&mut Held::new(msg));
        drop(locked);
        fire_then_drop(wake, None);
        return Ok(());
    }
    Err(TrySendError::Full(msg))
}

/// Takes the message of the first waiting sender, if any.
pub(crate) fn try_recv<T>(waiters: &Waiters<T>) -> Result<T, TryRecvError> {
    select_try_recv(waiters, core::ptr::null())
}

/// Whether `deadline` has passed.
#[cfg(feature = "std")]
fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// A blocking rendezvous send of the held message: hand it to a blocked
/// receiving thread, or offer it in our node and wait until a receiver takes
/// it. On an error the message is back in `held`.
#[cfg(feature = "std")]
pub(crate) fn send_blocking<T>(
    waiters: &Waiters<T>,
    held: &mut Held<T>,
    deadline: Option<Instant>,
) -> Result<(), Ended> {
    // Rule 3: the offer lives in a guard that withdraws it however we leave.
    let waiting = core::pin::pin!(Waiting::new(waiters, Side::Tx));
    let node = waiting.as_ref().node();
    let wake_rx = {
        let mut locked = waiters.lock();
        if locked.is_disconnected() {
            return Err(Ended::Disconnected);
        }
        if !locked.has_tx() && locked.front_rx_is_thread() {
            let wake = locked.deliver_to_front_rx(held);
            drop(locked);
            fire_then_drop(wake, None);
            return Ok(());
        }
        if expired(deadline) {
            return Err(Ended::Timeout);
        }
        locked.offer(node, held);
        let replaced = locked.register(Side::Tx, node, Wake::Thread(thread::current()));
        debug_assert!(replaced.is_none());
        locked.pop_front(Side::Rx)
    };
    // Our offer is linked while this waker runs; if it panics, `waiting`
    // withdraws the offer as the panic unwinds.
    fire_then_drop(wake_rx, None);
    park_while_waiting(node, deadline, true);
    // Taken (`DONE`), woken by the disconnection (`WOKEN`: only that wakes a
    // waiting rendezvous sender), or still offered at the deadline.
    let (state, back) = waiters.withdraw_into(Side::Tx, node, held);
    match (state, back) {
        (DONE, _) => Ok(()),
        (_, false) => unreachable!("an untaken offer holds its message"),
        (state, true) if state == WOKEN => Err(Ended::Disconnected),
        (_, true) => Err(Ended::Timeout),
    }
}

/// A blocking rendezvous receive: pull from the first waiting sender, or wait
/// for one (or for a blocked sender's direct hand-off into our node).
#[cfg(feature = "std")]
pub(crate) fn recv_blocking<T>(
    waiters: &Waiters<T>,
    deadline: Option<Instant>,
) -> Result<T, RecvTimeoutError> {
    let waiting = core::pin::pin!(Waiting::new(waiters, Side::Rx));
    let node = waiting.as_ref().node();
    loop {
        let mut locked = waiters.lock();
        // A sender may have handed us a message since we last looked (even
        // after our deadline passed): it is ours, take it.
        if locked.state(node) == DONE {
            drop(locked);
            let msg = waiters.withdraw(Side::Rx, node).1;
            return Ok(msg.expect("a hand-off fills the node"));
        }
        if let Some((msg, wake)) = take(&mut locked) {
            let (_, own) = locked.unregister(Side::Rx, node);
            drop(locked);
            drop(waiters.withdraw(Side::Rx, node));
            return Ok(waiters.hold_during(msg, || fire_then_drop(wake, own)));
        }
        if locked.is_disconnected() {
            let (_, own) = locked.unregister(Side::Rx, node);
            drop(locked);
            drop(waiters.withdraw(Side::Rx, node));
            fire_then_drop(None, own);
            return Err(RecvTimeoutError::Disconnected);
        }
        if expired(deadline) {
            let (state, own) = locked.unregister(Side::Rx, node);
            // A wake-up we got and do not use goes to the next receiver.
            let pass_on = if state == WOKEN {
                locked.pop_front(Side::Rx)
            } else {
                None
            };
            drop(locked);
            drop(waiters.withdraw(Side::Rx, node));
            fire_then_drop(pass_on, own);
            return Err(RecvTimeoutError::Timeout);
        }
        let replaced = locked.register(Side::Rx, node, Wake::Thread(thread::current()));
        drop(locked);
        drop(replaced);
        // Wait to be handed a message (`DONE`) or woken to pull (`WOKEN`);
        // either way, and at the deadline, the top of the loop decides.
        park_while_waiting(node, deadline, true);
    }
}

/// Polls a rendezvous receive: pull from the first waiting sender, or
/// register `node` to be woken when one arrives. Never takes a message
/// unless it returns it.
#[cfg(feature = "async")]
pub(crate) fn poll_recv<T>(
    waiters: &Waiters<T>,
    node: Pin<&Node<T>>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, RecvError>> {
    let mut waker = None;
    loop {
        let mut locked = waiters.lock();
        if let Some((msg, wake)) = take(&mut locked) {
            let (_, own) = locked.unregister(Side::Rx, node);
            drop(locked);
            drop(waiters.withdraw(Side::Rx, node));
            return Poll::Ready(Ok(waiters.hold_during(msg, || fire_then_drop(wake, own))));
        }
        if locked.is_disconnected() {
            let (_, own) = locked.unregister(Side::Rx, node);
            drop(locked);
            drop(waiters.withdraw(Side::Rx, node));
            fire_then_drop(None, own);
            return Poll::Ready(Err(RecvError));
        }
        if locked.will_wake(node, cx.waker()) {
            return Poll::Pending;
        }
        match waker.take() {
            Some(waker) => {
                let replaced = locked.register(Side::Rx, node, Wake::Task(waker));
                drop(locked);
                drop(replaced);
                return Poll::Pending;
            }
            None => {
                // Clone the waker (user code) with the lock released, then
                // look again: the state may have moved meanwhile.
                drop(locked);
                waker = Some(cx.waker().clone());
            }
        }
    }
}

/// Polls a rendezvous send. `held` holds the message until the first poll
/// that cannot hand it over moves it into `node`.
#[cfg(feature = "async")]
pub(crate) fn poll_send<T>(
    waiters: &Waiters<T>,
    node: Pin<&Node<T>>,
    held: &mut Held<T>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>> {
    let mut waker = None;
    loop {
        if !held.is_live() && node.state() != crate::waiters::WAITING {
            // Offered, and taken (`DONE`) or woken by the disconnection
            // (`WOKEN`): one atomic load, no lock. A `SendSink` reuses the
            // node for its next offer.
            return match waiters.withdraw(Side::Tx, node).1 {
                None => Poll::Ready(Ok(())),
                Some(msg) => Poll::Ready(Err(SendError(msg))),
            };
        }
        let mut locked = waiters.lock();
        if held.is_live() {
            // Not offered yet.
            if locked.is_disconnected() {
                return Poll::Ready(Err(SendError(held.take())));
            }
            if !locked.has_tx() && locked.front_rx_is_thread() {
                let wake = locked.deliver_to_front_rx(held);
                drop(locked);
                fire_then_drop(wake, None);
                return Poll::Ready(Ok(()));
            }
            match waker.take() {
                Some(waker) => {
                    locked.offer(node, held);
                    let replaced = locked.register(Side::Tx, node, Wake::Task(waker));
                    debug_assert!(replaced.is_none());
                    let wake_rx = locked.pop_front(Side::Rx);
                    drop(locked);
                    // Our offer is linked while this waker runs; the future's
                    // `Drop` withdraws it if the panic unwinds past us.
                    fire_then_drop(wake_rx, None);
                    return Poll::Pending;
                }
                None => {
                    drop(locked);
                    waker = Some(cx.waker().clone());
                    continue;
                }
            }
        }
        // Offered and (as far as we saw) still waiting: keep or replace the
        // registration.
        if locked.state(node) != crate::waiters::WAITING {
            continue;
        }
        if locked.will_wake(node, cx.waker()) {
            return Poll::Pending;
        }
        match waker.take() {
            Some(waker) => {
                let replaced = locked.register(Side::Tx, node, Wake::Task(waker));
                drop(locked);
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

/// Withdraws a rendezvous send: the message back if it was not taken, `None`
/// if a receiver took it (the send completed).
#[cfg(feature = "async")]
pub(crate) fn cancel_send<T>(
    waiters: &Waiters<T>,
    node: Pin<&Node<T>>,
    held: &mut Held<T>,
) -> Option<T> {
    if held.is_live() {
        return Some(held.take());
    }
    waiters.withdraw(Side::Tx, node).1
}

// ---- select arms (`select/`) ------------------------------------------------
//
// A select's arm on a rendezvous channel works as a pending future does: a
// receive arm pulls (never pushed to: `front_rx_is_thread` answers false for
// a select's entry), a send arm offers its message in its entry. The select
// acts for its own record (`Locked::acting_for`), so it never commits or
// pokes its own entries (a send and a receive arm on one channel).

/// What one attempt of a select's send arm did.
pub(crate) enum ArmSend {
    /// Sent: handed to a blocked receiving thread (wake it after the step).
    Sent(Option<Wake>),
    /// Nobody can take it now; the message is still the arm's.
    NotNow,
    /// The channel is disconnected; the message is back in `held`.
    Disconnected,
}

/// A select's receive arm: the message of the first usable sender (not one
/// of `own`'s offers), `Empty`, or `Disconnected`. With `own` null, this is
/// `try_recv`.
pub(crate) fn select_try_recv<T>(
    waiters: &Waiters<T>,
    own: *const Record,
) -> Result<T, TryRecvError> {
    let mut locked = waiters.lock();
    locked.acting_for(own);
    if let Some((msg, wake)) = take(&mut locked) {
        drop(locked);
        return Ok(waiters.hold_during(msg, || fire_then_drop(wake, None)));
    }
    if locked.is_disconnected() {
        Err(TryRecvError::Disconnected)
    } else {
        Err(TryRecvError::Empty)
    }
}

/// A select's send arm, tried: hands the message — in `held`, or offered in
/// the arm's `entry` (taken back first; `entry` is `None` only when nothing
/// is offered) — to a receiving thread blocked at the front. On `NotNow` an
/// offer stays where it was.
pub(crate) fn select_try_send<T>(
    waiters: &Waiters<T>,
    entry: Option<Pin<&Node<T>>>,
    held: &mut Held<T>,
    own: *const Record,
) -> ArmSend {
    let mut locked = waiters.lock();
    locked.acting_for(own);
    // Offered: the message is in the entry (which then exists).
    let offered = if held.is_live() { None } else { entry };
    debug_assert!(held.is_live() || offered.is_some());
    if locked.is_disconnected() {
        if let Some(entry) = offered {
            let own_wake = locked.take_back(Side::Tx, entry, held);
            drop(locked);
            drop(own_wake);
        }
        return ArmSend::Disconnected;
    }
    // Only our own offer (if any) may wait ahead of us: a receiver takes
    // other senders' offers first.
    if !locked.front_rx_is_thread() || (offered.is_none() && locked.has_tx()) {
        return ArmSend::NotNow;
    }
    let own_wake = match offered {
        Some(entry) => locked.take_back(Side::Tx, entry, held),
        None => None,
    };
    let wake = locked.deliver_to_front_rx(held);
    drop(locked);
    drop(own_wake);
    ArmSend::Sent(wake)
}

/// Registers a select's send arm: its message moves from `held` into its
/// `entry` as an offer (unless already offered). Returns a replaced wake-up
/// to drop after the call. A disconnected channel is not registered in.
///
/// # Safety
///
/// As for `Locked::register_entry`.
pub(crate) unsafe fn select_offer<T>(
    waiters: &Waiters<T>,
    entry: Pin<&Node<T>>,
    held: &mut Held<T>,
    wake: Wake,
    record: *const Record,
    arm: usize,
) -> Option<Wake> {
    let mut locked = waiters.lock();
    if locked.is_disconnected() {
        return Some(wake);
    }
    if held.is_live() {
        locked.offer(entry, held);
    }
    // SAFETY: per the contract.
    unsafe { locked.register_entry(Side::Tx, entry, wake, record, arm) }
}

/// After the select armed: wakes the first waiting receiver (not one of
/// `own`'s entries) so that it pulls the offer now that it can commit the
/// select. (Woken before arming, it could only have skipped it.)
pub(crate) fn select_call_puller<T>(waiters: &Waiters<T>, own: *const Record) {
    let wake = {
        let mut locked = waiters.lock();
        locked.acting_for(own);
        locked.pop_front(Side::Rx)
    };
    if let Some(wake) = wake {
        wake.wake();
    }
}
