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
//! # The one push
//!
//! A *blocked thread* in `recv`/`recv_timeout` cannot be cancelled without
//! looking at its node under the lock, so a sender that finds such a receiver
//! at the front of the list (and no sender ahead of it) hands the message
//! straight into that receiver's node (`Done`) and returns: this is how
//! `try_send` on a rendezvous channel can succeed at all. A pending
//! `RecvFuture` is never pushed to, since it may be dropped unpolled.

#[cfg(feature = "async")]
use core::pin::Pin;
#[cfg(feature = "async")]
use core::task::{Context, Poll};
#[cfg(feature = "std")]
use std::time::Instant;

#[cfg(feature = "async")]
use crate::errors::{RecvError, SendError};
#[cfg(feature = "std")]
use crate::errors::{RecvTimeoutError, SendTimeoutError};
use crate::errors::{TryRecvError, TrySendError};
#[cfg(feature = "std")]
use crate::loom::thread;
use crate::loom::{AtomicBool, Ordering};
use crate::waiters::{Node, Side, State, Waiters, Wake};

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

/// Hands `msg` to a receiving thread blocked at the front, if there is one
/// and no sender waits ahead of us.
pub(crate) fn try_send<T>(waiters: &Waiters<T>, msg: T) -> Result<(), TrySendError<T>> {
    let mut locked = waiters.lock();
    if locked.is_disconnected() {
        return Err(TrySendError::Disconnected(msg));
    }
    if !locked.has_tx() && locked.front_rx_is_thread() {
        let wake = locked.deliver_to_front_rx(msg);
        drop(locked);
        if let Some(wake) = wake {
            wake.wake();
        }
        return Ok(());
    }
    Err(TrySendError::Full(msg))
}

/// Takes the message of the first waiting sender, if any.
pub(crate) fn try_recv<T>(waiters: &Waiters<T>) -> Result<T, TryRecvError> {
    let mut locked = waiters.lock();
    if let Some((msg, wake)) = locked.take_from_front_tx() {
        drop(locked);
        if let Some(wake) = wake {
            wake.wake();
        }
        return Ok(msg);
    }
    if locked.is_disconnected() {
        Err(TryRecvError::Disconnected)
    } else {
        Err(TryRecvError::Empty)
    }
}

/// Whether `deadline` has passed.
#[cfg(feature = "std")]
fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Parks until woken or `deadline`; false if the deadline has passed.
#[cfg(feature = "std")]
fn park_until(deadline: Option<Instant>) -> bool {
    match deadline {
        None => {
            thread::park();
            true
        }
        Some(deadline) => {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            thread::park_timeout(deadline - now);
            true
        }
    }
}

/// A blocking rendezvous send: hand to a blocked receiving thread, or offer
/// the message in our node and wait until a receiver takes it.
#[cfg(feature = "std")]
pub(crate) fn send_blocking<T>(
    waiters: &Waiters<T>,
    msg: T,
    deadline: Option<Instant>,
) -> Result<(), SendTimeoutError<T>> {
    let node = core::pin::pin!(Node::new());
    let node = node.as_ref();
    let wake_rx = {
        let mut locked = waiters.lock();
        if locked.is_disconnected() {
            return Err(SendTimeoutError::Disconnected(msg));
        }
        if !locked.has_tx() && locked.front_rx_is_thread() {
            let wake = locked.deliver_to_front_rx(msg);
            drop(locked);
            if let Some(wake) = wake {
                wake.wake();
            }
            return Ok(());
        }
        if expired(deadline) {
            return Err(SendTimeoutError::Timeout(msg));
        }
        locked.set_msg(node, Some(msg));
        let replaced = locked.register(Side::Tx, node, Wake::Thread(thread::current()));
        debug_assert!(replaced.is_none());
        locked.pop_front(Side::Rx)
    };
    if let Some(wake) = wake_rx {
        wake.wake();
    }
    loop {
        {
            let mut locked = waiters.lock();
            match locked.state(node) {
                State::Done => return Ok(()),
                State::Woken => {
                    // Only a disconnection wakes a waiting rendezvous sender.
                    let msg = locked
                        .set_msg(node, None)
                        .expect("an untaken offer holds its message");
                    return Err(SendTimeoutError::Disconnected(msg));
                }
                State::Waiting | State::Idle => {}
            }
        }
        if !park_until(deadline) {
            let mut locked = waiters.lock();
            let (state, wake) = locked.unregister(Side::Tx, node);
            let result = match state {
                State::Done => Ok(()),
                State::Woken => Err(SendTimeoutError::Disconnected(
                    locked
                        .set_msg(node, None)
                        .expect("an untaken offer holds its message"),
                )),
                State::Waiting | State::Idle => Err(SendTimeoutError::Timeout(
                    locked
                        .set_msg(node, None)
                        .expect("an untaken offer holds its message"),
                )),
            };
            drop(locked);
            drop(wake);
            return result;
        }
    }
}

/// A blocking rendezvous receive: pull from the first waiting sender, or wait
/// for one (or for a blocked sender's direct hand-off into our node).
#[cfg(feature = "std")]
pub(crate) fn recv_blocking<T>(
    waiters: &Waiters<T>,
    deadline: Option<Instant>,
) -> Result<T, RecvTimeoutError> {
    let node = core::pin::pin!(Node::new());
    let node = node.as_ref();
    loop {
        {
            let mut locked = waiters.lock();
            // A sender may have handed us a message since we last looked
            // (even after our deadline passed): it is ours, take it.
            if locked.state(node) == State::Done {
                let msg = locked
                    .set_msg(node, None)
                    .expect("a hand-off fills the node");
                locked.reset(node);
                return Ok(msg);
            }
            if let Some((msg, wake)) = locked.take_from_front_tx() {
                let (_, own) = locked.unregister(Side::Rx, node);
                drop(locked);
                drop(own);
                if let Some(wake) = wake {
                    wake.wake();
                }
                return Ok(msg);
            }
            if locked.is_disconnected() {
                let (_, own) = locked.unregister(Side::Rx, node);
                drop(locked);
                drop(own);
                return Err(RecvTimeoutError::Disconnected);
            }
            if expired(deadline) {
                let (state, own) = locked.unregister(Side::Rx, node);
                let pass_on = if state == State::Woken {
                    locked.pop_front(Side::Rx)
                } else {
                    None
                };
                drop(locked);
                drop(own);
                if let Some(wake) = pass_on {
                    wake.wake();
                }
                return Err(RecvTimeoutError::Timeout);
            }
            let replaced = locked.register(Side::Rx, node, Wake::Thread(thread::current()));
            drop(locked);
            drop(replaced);
        }
        // Wait to be handed a message (`Done`) or woken to pull (`Woken`).
        loop {
            {
                let mut locked = waiters.lock();
                match locked.state(node) {
                    State::Done => {
                        let msg = locked
                            .set_msg(node, None)
                            .expect("a hand-off fills the node");
                        locked.reset(node);
                        return Ok(msg);
                    }
                    State::Woken => break,
                    State::Waiting | State::Idle => {}
                }
            }
            if !park_until(deadline) {
                // Back to the top: it takes a message handed to us or
                // offered now, and otherwise unregisters (passing on a
                // wake-up) and times out.
                break;
            }
        }
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
        if let Some((msg, wake)) = locked.take_from_front_tx() {
            let (_, own) = locked.unregister(Side::Rx, node);
            drop(locked);
            node.set_registered(false);
            drop(own);
            if let Some(wake) = wake {
                wake.wake();
            }
            return Poll::Ready(Ok(msg));
        }
        if locked.is_disconnected() {
            let (_, own) = locked.unregister(Side::Rx, node);
            drop(locked);
            node.set_registered(false);
            drop(own);
            return Poll::Ready(Err(RecvError));
        }
        if locked.will_wake(node, cx.waker()) {
            return Poll::Pending;
        }
        match waker.take() {
            Some(waker) => {
                let replaced = locked.register(Side::Rx, node, Wake::Task(waker));
                drop(locked);
                node.set_registered(true);
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

/// Polls a rendezvous send. `slot` holds the message until the first poll
/// that cannot hand it over moves it into `node`.
#[cfg(feature = "async")]
pub(crate) fn poll_send<T>(
    waiters: &Waiters<T>,
    node: Pin<&Node<T>>,
    slot: &mut Option<T>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>> {
    let mut waker = None;
    loop {
        let mut locked = waiters.lock();
        if let Some(msg) = slot.take() {
            // Not offered yet.
            if locked.is_disconnected() {
                return Poll::Ready(Err(SendError(msg)));
            }
            if !locked.has_tx() && locked.front_rx_is_thread() {
                let wake = locked.deliver_to_front_rx(msg);
                drop(locked);
                if let Some(wake) = wake {
                    wake.wake();
                }
                return Poll::Ready(Ok(()));
            }
            match waker.take() {
                Some(waker) => {
                    locked.set_msg(node, Some(msg));
                    let replaced = locked.register(Side::Tx, node, Wake::Task(waker));
                    debug_assert!(replaced.is_none());
                    let wake_rx = locked.pop_front(Side::Rx);
                    drop(locked);
                    node.set_registered(true);
                    if let Some(wake) = wake_rx {
                        wake.wake();
                    }
                    return Poll::Pending;
                }
                None => {
                    *slot = Some(msg);
                    drop(locked);
                    waker = Some(cx.waker().clone());
                    continue;
                }
            }
        }
        // Offered: look at the node.
        match locked.state(node) {
            State::Done => {
                // Ready for another offer (a `SendSink` reuses its node).
                locked.reset(node);
                drop(locked);
                node.set_registered(false);
                return Poll::Ready(Ok(()));
            }
            State::Woken | State::Idle => {
                let msg = locked
                    .set_msg(node, None)
                    .expect("an untaken offer holds its message");
                locked.reset(node);
                drop(locked);
                node.set_registered(false);
                return Poll::Ready(Err(SendError(msg)));
            }
            State::Waiting => {
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
    }
}

/// Withdraws a rendezvous send: the message back if it was not taken, `None`
/// if a receiver took it (the send completed).
#[cfg(feature = "async")]
pub(crate) fn cancel_send<T>(
    waiters: &Waiters<T>,
    node: Pin<&Node<T>>,
    slot: &mut Option<T>,
) -> Option<T> {
    if let Some(msg) = slot.take() {
        return Some(msg);
    }
    if !node.is_registered() {
        return None;
    }
    node.set_registered(false);
    let mut locked = waiters.lock();
    let (state, wake) = locked.unregister(Side::Tx, node);
    let msg = match state {
        State::Done => None,
        State::Waiting | State::Woken | State::Idle => locked.set_msg(node, None),
    };
    drop(locked);
    drop(wake);
    msg
}
