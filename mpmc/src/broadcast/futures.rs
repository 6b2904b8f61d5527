//! The broadcast futures: [`SendFuture`], [`RecvFuture`] and [`Closed`].
//! Each holds its own waiter node (so waiting allocates nothing) and is
//! `!Unpin`; its `Drop` unlinks the node (`waiters.rs`).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{NoMsg, Receiver, RecvError, SendError, Sender, Shared, TrySendError};
use crate::waiters::{Node, Side, State, Wake, WAITING};

/// Registers the task's waker in `side` unless the node already waits with
/// one that wakes the same task. Returns whether the caller must re-check.
fn register_task<T>(
    shared: &Shared<T>,
    side: Side,
    node: Pin<&Node<()>>,
    before: State,
    cx: &mut Context<'_>,
) -> bool {
    if before == WAITING && shared.waiters.lock().will_wake(node, cx.waker()) {
        return false;
    }
    // The waker's clone (user code) runs with no lock held.
    let waker = cx.waker().clone();
    let replaced = shared.register(side, node, Wake::Task(waker));
    // The replaced waker (user code) is dropped after the lock.
    drop(replaced);
    true
}

/// The future of [`Sender::send_async`].
///
/// Completes with `Ok(())` once the message is in the ring, or with the
/// message back in a [`SendError`] if the channel is closed.
///
/// # Cancel safety
///
/// A pending send has not happened: the message stays in the future until
/// the poll that writes it into the ring. Dropping the future drops the
/// message; [`cancel`](Self::cancel) hands it back.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, T> {
    sender: &'a Sender<T>,
    msg: Option<T>,
    node: Node<()>,
    done: bool,
}

// SAFETY: it owns a `T` and borrows a `Sender` (shareable when
// `T: Send + Sync`); its node is reached by other threads only under the
// waiter lock.
unsafe impl<T: Send + Sync> Send for SendFuture<'_, T> {}
// SAFETY: no method reaches the node or the message through `&SendFuture`.
unsafe impl<T: Send + Sync> Sync for SendFuture<'_, T> {}

impl<'a, T> SendFuture<'a, T> {
    pub(super) fn new(sender: &'a Sender<T>, msg: T) -> Self {
        Self {
            sender,
            msg: Some(msg),
            node: Node::new(),
            done: false,
        }
    }

    fn project(self: Pin<&mut Self>) -> (&'a Sender<T>, Pin<&Node<()>>, &mut Option<T>, &mut bool) {
        // SAFETY: `node` is structurally pinned (never moved out); the other
        // fields are not.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let node = unsafe { Pin::new_unchecked(&this.node) };
        (this.sender, node, &mut this.msg, &mut this.done)
    }

    /// Withdraws the send if it has not completed and hands the message
    /// back; `None` if it had completed. Polling afterwards panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    ///
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// let mut send = std::pin::pin!(tx.send_async(2));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(send.as_mut().poll(&mut cx).is_pending()); // full
    /// assert_eq!(send.as_mut().cancel(), Some(2));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn cancel(self: Pin<&mut Self>) -> Option<T> {
        let (sender, node, msg, done) = self.project();
        if *done {
            return None;
        }
        *done = true;
        // A wake-up we got is passed on (another slot may be free).
        let _: Option<()> = sender.shared().waiters.leave(Side::Tx, node);
        msg.take()
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (sender, node, msg, done) = self.project();
        assert!(!*done, "`SendFuture` polled after completion");
        let shared = sender.shared();
        let before = node.state();
        let mut try_send = |before: State| {
            let m = msg.take().expect("an unsent message stays in the future");
            match shared.send_step(m) {
                Ok(sent) => {
                    shared.leave(Side::Tx, node, before);
                    shared.finish_send(sent);
                    Some(Ok(()))
                }
                Err(TrySendError::Disconnected(m)) => {
                    shared.leave(Side::Tx, node, before);
                    Some(Err(SendError(m)))
                }
                Err(TrySendError::Full(m)) => {
                    *msg = Some(m);
                    None
                }
            }
        };
        if let Some(out) = try_send(before) {
            *done = true;
            return Poll::Ready(out);
        }
        if !register_task(shared, Side::Tx, node, before, cx) {
            return Poll::Pending;
        }
        match try_send(WAITING) {
            Some(out) => {
                *done = true;
                Poll::Ready(out)
            }
            None => Poll::Pending,
        }
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // SAFETY: the node is pinned for the future's whole life.
        let node = unsafe { Pin::new_unchecked(&self.node) };
        let _: Option<()> = self.sender.shared().waiters.leave(Side::Tx, node);
        // The unsent message is dropped with the future, no lock held.
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The future of [`Receiver::recv_async`].
///
/// # Cancel safety
///
/// The receiver's cursor advances only in the poll that returns the
/// message: dropping a pending future loses nothing.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a, T> {
    receiver: &'a mut Receiver<T>,
    node: Node<()>,
    done: bool,
}

// SAFETY: as for `SendFuture`.
unsafe impl<T: Send + Sync> Send for RecvFuture<'_, T> {}
// SAFETY: no method reaches the node or the receiver through `&RecvFuture`.
unsafe impl<T: Send + Sync> Sync for RecvFuture<'_, T> {}

impl<'a, T> RecvFuture<'a, T> {
    pub(super) fn new(receiver: &'a mut Receiver<T>) -> Self {
        Self {
            receiver,
            node: Node::new(),
            done: false,
        }
    }
}

/// One poll of a receive with the waiter node `node` (a `RecvFuture`'s or
/// a `RecvStream`'s). When it returns `Ready` the node is unlinked and idle
/// (reusable); when `Pending`, it is registered with `cx`'s waker.
pub(super) fn poll_recv<T: Clone>(
    receiver: &mut Receiver<T>,
    node: Pin<&Node<()>>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, RecvError>> {
    // SAFETY: the receiver's reference keeps the allocation alive; this
    // reference is not tied to the `&mut` borrow of the receiver.
    let shared: &Shared<T> = unsafe { receiver.shared.as_ref() };
    let before = node.state();
    let mut attempt = |before: State| match receiver.step(|| shared.leave(Side::Rx, node, before)) {
        Ok(msg) => Some(Ok(msg)),
        Err(NoMsg::Disconnected) => {
            shared.leave(Side::Rx, node, before);
            Some(Err(RecvError::Disconnected))
        }
        Err(NoMsg::Lagged(n)) => {
            shared.leave(Side::Rx, node, before);
            Some(Err(RecvError::Lagged(n)))
        }
        Err(_) => None,
    };
    if let Some(out) = attempt(before) {
        return Poll::Ready(out);
    }
    if !register_task(shared, Side::Rx, node, before, cx) {
        return Poll::Pending;
    }
    match attempt(WAITING) {
        Some(out) => Poll::Ready(out),
        None => Poll::Pending,
    }
}

impl<T: Clone> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `node` is structurally pinned and never moved; the other
        // fields are not.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(!this.done, "`RecvFuture` polled after completion");
        // SAFETY: see above.
        let node = unsafe { Pin::new_unchecked(&this.node) };
        let out = poll_recv(this.receiver, node, cx);
        if out.is_ready() {
            this.done = true;
        }
        out
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: the node is pinned for the future's whole life.
            let node = unsafe { Pin::new_unchecked(&self.node) };
            // SAFETY: the receiver keeps the allocation alive.
            let shared: &Shared<T> = unsafe { self.receiver.shared.as_ref() };
            // Every waiting receiver is woken by each send: nothing to pass on.
            let _: Option<()> = shared.waiters.leave_used(Side::Rx, node);
        }
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The future of [`Sender::closed`]: completes when the channel is closed
/// ([`Sender::close`], or every receiver, active and detached, gone).
///
/// # Cancel safety
///
/// It only watches: dropping it while pending changes nothing, and a new
/// `closed()` future sees the same state.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Closed<'a, T> {
    sender: &'a Sender<T>,
    node: Node<()>,
}

// SAFETY: it borrows a `Sender` (shareable when `T: Send + Sync`); its node
// is reached by other threads only under the waiter lock.
unsafe impl<T: Send + Sync> Send for Closed<'_, T> {}
// SAFETY: no method reaches the node through `&Closed`.
unsafe impl<T: Send + Sync> Sync for Closed<'_, T> {}

impl<'a, T> Closed<'a, T> {
    pub(super) fn new(sender: &'a Sender<T>) -> Self {
        Self {
            sender,
            node: Node::new(),
        }
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `node` is structurally pinned (never moved out).
        let node = unsafe { self.as_ref().map_unchecked(|this| &this.node) };
        self.sender.shared().waiters.poll_closed(node, cx)
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the node is pinned for the future's whole life.
        let node = unsafe { Pin::new_unchecked(&self.node) };
        let _: State = self.sender.shared().waiters.depart_used(Side::Closed, node);
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}
