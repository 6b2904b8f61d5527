//! `Stream` and `FusedStream` for broadcast receivers (feature `futures`).

use alloc::boxed::Box;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::futures::poll_recv;
use super::{Receiver, RecvError};
use crate::waiters::{Node, Side};

/// The receiver a stream reads from: borrowed or owned.
pub(super) enum Handle<'a, T> {
    Borrowed(&'a mut Receiver<T>),
    Owned(Receiver<T>),
}

impl<T> Handle<'_, T> {
    fn get(&mut self) -> &mut Receiver<T> {
        match self {
            Self::Borrowed(receiver) => receiver,
            Self::Owned(receiver) => receiver,
        }
    }
}

/// A [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html)
/// of a broadcast receiver's messages; see [`Receiver::stream`].
///
/// It ends (and is then terminated, per
/// [`FusedStream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.FusedStream.html))
/// once the channel is closed and this receiver read everything. In
/// overwrite mode it skips a lag and counts the lost messages in
/// [`missed`](Self::missed).
///
/// # Cancel safety
///
/// A message is taken only in the poll that returns it: dropping the stream
/// while it waits loses nothing (the receiver, if borrowed, reads on).
pub struct RecvStream<'a, T> {
    receiver: Handle<'a, T>,
    node: Pin<Box<Node<()>>>,
    terminated: bool,
    missed: u64,
}

// SAFETY: as for `RecvFuture`: the node is only reached by other threads
// under the waiter lock, and the receiver is `Send` when `T: Send + Sync`.
unsafe impl<T: Send + Sync> Send for RecvStream<'_, T> {}
// SAFETY: no method reaches the node or the receiver through `&RecvStream`.
unsafe impl<T: Send + Sync> Sync for RecvStream<'_, T> {}

// The node is boxed and nothing else is structurally pinned.
impl<T> Unpin for RecvStream<'_, T> {}

impl<'a, T> RecvStream<'a, T> {
    pub(super) fn new(receiver: Handle<'a, T>) -> Self {
        Self {
            receiver,
            node: Box::pin(Node::new()),
            terminated: false,
            missed: 0,
        }
    }

    /// How many messages this stream skipped because they were overwritten
    /// before it read them (overwrite mode; always 0 in backpressure mode).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// let (tx, mut rx) = mpmc::broadcast::overwriting(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// let mut stream = rx.stream();
    /// assert_eq!(futures::executor::block_on(stream.next()), Some(2));
    /// assert_eq!(stream.missed(), 1);
    /// ```
    pub fn missed(&self) -> u64 {
        self.missed
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T: Clone> Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.terminated {
            return Poll::Ready(None);
        }
        loop {
            match poll_recv(this.receiver.get(), this.node.as_ref(), cx) {
                Poll::Ready(Ok(msg)) => return Poll::Ready(Some(msg)),
                Poll::Ready(Err(RecvError::Lagged(n))) => {
                    // The node is idle again; read on from the oldest kept.
                    this.missed = this.missed.saturating_add(n);
                }
                Poll::Ready(Err(RecvError::Disconnected)) => {
                    this.terminated = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T: Clone> FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        // Every waiting receiver is woken by each send: nothing to pass on.
        let shared = self.receiver.get().shared;
        // SAFETY: the receiver (borrowed or owned, dropped after this) keeps
        // the allocation alive.
        let shared = unsafe { shared.as_ref() };
        let _: Option<()> = shared.waiters.leave_used(Side::Rx, self.node.as_ref());
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("terminated", &self.terminated)
            .field("missed", &self.missed)
            .finish_non_exhaustive()
    }
}
