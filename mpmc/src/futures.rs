//! The futures: [`SendFuture`], [`RecvFuture`] and [`Closed`].
//!
//! Each holds its own waiter node (see `waiters.rs`), so waiting allocates
//! nothing, and is therefore `!Unpin`: it must be pinned to be polled
//! (`.await`, `pin!`, `Box::pin` and `tokio::select!` all do). A future's
//! `Drop` unlinks its node under the waiter lock, passing on a wake-up it had
//! been given; it never waits for anybody.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use crate::chan::Chan;
use crate::errors::{RecvError, SendError};
use crate::held::Held;
use crate::waiters::Node;
use crate::{Receiver, Sender};

/// A handle a future either borrows or owns.
pub(crate) enum Handle<'a, H> {
    Borrowed(&'a H),
    Owned(H),
}

impl<H> Handle<'_, H> {
    pub(crate) fn get(&self) -> &H {
        match self {
            Self::Borrowed(handle) => handle,
            Self::Owned(handle) => handle,
        }
    }
}

/// The future of [`Sender::send_async`] and [`Sender::into_send_async`].
///
/// Completes with `Ok(())` once the message is in the channel (for
/// `bounded(0)`: once a receiver took it), or with the message back in a
/// [`SendError`] if the channel is disconnected.
///
/// # Cancel safety
///
/// Dropping a pending `SendFuture` never sends half a message: either the
/// send completed, or the message is dropped with the future.
/// [`cancel`](Self::cancel) withdraws it and hands the message back instead.
///
/// The exact rule, the same on every flavor: **once a `SendFuture` has been
/// polled and returned `Pending`, the send may complete without another
/// poll.** The message then waits in the future's own node: on `bounded(0)`
/// a receiver takes it from there; on `bounded(n >= 1)` the receive that
/// makes room moves it into the queue (so the send completes without a
/// wake-up round trip); the future only learns of it when it is polled
/// next. So in a `select!` where a timeout branch wins, the losing send *may
/// have happened*: do not resend on timeout blindly. Pin the future, and
/// when you give up, ask [`cancel`](Self::cancel): `Some(msg)` means it was
/// not sent (resend it or keep it), `None` means it is in the channel (or a
/// receiver has it). Never lost, never delivered twice. (`unbounded` sends
/// never wait.)
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let (tx, rx) = mpmc::bounded(0);
/// let mut send = std::pin::pin!(tx.send_async("job"));
/// let mut cx = Context::from_waker(Waker::noop());
/// // Polled once: the message is offered in the future's node...
/// assert!(send.as_mut().poll(&mut cx).is_pending());
/// // ...and a receiver takes it while the future is not being polled.
/// assert_eq!(rx.try_recv(), Ok("job"));
/// // A timeout fires now and we give up on the send: `cancel` tells us it
/// // already happened, so resending would duplicate it.
/// assert_eq!(send.as_mut().cancel(), None);
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub struct SendFuture<'a, T> {
    sender: Handle<'a, Sender<T>>,
    /// The message until it is sent (for `bounded(0)`: until it is offered in
    /// `node`).
    msg: Held<T>,
    node: Node<T>,
    done: bool,
}

// SAFETY: the future owns a `T` (hence `T: Send`) and a handle (`Send` when
// `T: Send`); its node is only reached by other threads under the waiter
// lock, which makes those accesses synchronised.
unsafe impl<T: Send> Send for SendFuture<'_, T> {}
// SAFETY: no method reaches the node or the message through `&SendFuture`.
unsafe impl<T: Send> Sync for SendFuture<'_, T> {}

impl<'a, T> SendFuture<'a, T> {
    pub(crate) fn new(sender: Handle<'a, Sender<T>>, msg: T) -> Self {
        Self {
            sender,
            msg: Held::new(msg),
            node: Node::new(),
            done: false,
        }
    }

    /// Splits the pinned future into its parts; only `node` is structurally
    /// pinned.
    fn project(self: Pin<&mut Self>) -> (&Chan<T>, Pin<&Node<T>>, &mut Held<T>, &mut bool) {
        // SAFETY: `node` is never moved out of the future (it is only used
        // through the pinned reference built here); the other fields are not
        // structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let node = unsafe { Pin::new_unchecked(&this.node) };
        (
            this.sender.get().chan(),
            node,
            &mut this.msg,
            &mut this.done,
        )
    }

    /// Withdraws the send if it has not completed and hands the message
    /// back; `None` if it was already delivered (the send completed). The
    /// future is finished afterwards: polling it again panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, rx) = mpmc::bounded(1);
    /// tx.send(1).unwrap();
    /// let mut send = std::pin::pin!(tx.send_async(2));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(send.as_mut().poll(&mut cx).is_pending()); // full
    /// assert_eq!(send.as_mut().cancel(), Some(2)); // the message is ours again
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn cancel(self: Pin<&mut Self>) -> Option<T> {
        let (chan, node, msg, done) = self.project();
        if *done {
            return None;
        }
        *done = true;
        chan.cancel_send(node, msg)
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (chan, node, msg, done) = self.project();
        assert!(!*done, "`SendFuture` polled after completion");
        let poll = chan.poll_send(node, msg, cx);
        if poll.is_ready() {
            *done = true;
        }
        poll
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // SAFETY: the node is pinned for the future's whole life (drop is the
        // end of it), so a pinned reference to it is valid here.
        let node = unsafe { Pin::new_unchecked(&self.node) };
        let msg = self.sender.get().chan().cancel_send(node, &mut self.msg);
        // The unsent message is dropped here, with no lock held.
        drop(msg);
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The future of [`Receiver::recv_async`] and [`Receiver::into_recv_async`].
///
/// # Cancel safety
///
/// It takes a message only in the poll that returns it. Dropping it while
/// pending loses nothing; if it had been woken for a message, the wake-up is
/// passed to the next waiting receiver.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub struct RecvFuture<'a, T> {
    receiver: Handle<'a, Receiver<T>>,
    node: Node<T>,
    done: bool,
}

// SAFETY: as for `SendFuture`: the node is only reached by other threads
// under the waiter lock; the future yields `T`s, hence `T: Send`.
unsafe impl<T: Send> Send for RecvFuture<'_, T> {}
// SAFETY: no method reaches the node through `&RecvFuture`.
unsafe impl<T: Send> Sync for RecvFuture<'_, T> {}

impl<'a, T> RecvFuture<'a, T> {
    pub(crate) fn new(receiver: Handle<'a, Receiver<T>>) -> Self {
        Self {
            receiver,
            node: Node::new(),
            done: false,
        }
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `node` is structurally pinned and never moved; `done` and
        // `receiver` are not.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(!this.done, "`RecvFuture` polled after completion");
        // SAFETY: see above.
        let node = unsafe { Pin::new_unchecked(&this.node) };
        let poll = this.receiver.get().chan().poll_recv(node, cx);
        if poll.is_ready() {
            this.done = true;
        }
        poll
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        if !self.done {
            // SAFETY: the node is pinned for the future's whole life.
            let node = unsafe { Pin::new_unchecked(&self.node) };
            self.receiver.get().chan().cancel_recv(node);
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

/// The future of [`Sender::closed`]: completes when every receiver is gone or
/// the channel is closed.
///
/// It is `Send` when `T` is, `Sync`, and `!Unpin`.
///
/// # Cancel safety
///
/// Dropping it only stops the wait.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub struct Closed<'a, T> {
    chan: &'a Chan<T>,
    node: Node<T>,
}

// SAFETY: the node is only reached by other threads under the waiter lock;
// `&Chan<T>` is shareable when `T: Send` (like the handles).
unsafe impl<T: Send> Send for Closed<'_, T> {}
// SAFETY: no method reaches the node through `&Closed`.
unsafe impl<T: Send> Sync for Closed<'_, T> {}

impl<'a, T> Closed<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        Self {
            chan,
            node: Node::new(),
        }
    }
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: `node` is structurally pinned and never moved.
        let node = unsafe { self.as_ref().map_unchecked(|this| &this.node) };
        self.chan.poll_closed(node, cx)
    }
}

impl<T> Drop for Closed<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the node is pinned for the future's whole life.
        let node = unsafe { Pin::new_unchecked(&self.node) };
        self.chan.cancel_closed(node);
    }
}

impl<T> fmt::Debug for Closed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Closed").finish_non_exhaustive()
    }
}

#[cfg(feature = "futures")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T> futures_core::future::FusedFuture for SendFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

#[cfg(feature = "futures")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T> futures_core::future::FusedFuture for RecvFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

// The futures hold a handle and a waiter node; a panic unwinding out of a
// poll (a waker's `clone`/`drop`, a woken waiter's `wake`) leaves the node
// either unlinked or linked with the future still responsible for it (its
// `Drop` leaves), and the channel consistent (the waiting core's rule, in
// `waiters.rs`). Polling, cancelling or dropping a future after a caught
// panic is therefore sound and observes a valid channel.
impl<T> core::panic::UnwindSafe for SendFuture<'_, T> {}
// As above.
impl<T> core::panic::RefUnwindSafe for SendFuture<'_, T> {}
// As above.
impl<T> core::panic::UnwindSafe for RecvFuture<'_, T> {}
// As above.
impl<T> core::panic::RefUnwindSafe for RecvFuture<'_, T> {}
// As above.
impl<T> core::panic::UnwindSafe for Closed<'_, T> {}
// As above.
impl<T> core::panic::RefUnwindSafe for Closed<'_, T> {}
