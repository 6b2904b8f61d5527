//! `Stream` and `Sink` adapters (feature `futures`).
//!
//! The traits are linked by URL, not by path: a path into a dependency
//! renders as plain `[Stream]` text wherever its docs are not built alongside.
//!
//! Unlike the futures, these are `Unpin`, as `StreamExt::next` and
//! `SinkExt::send` expect: each boxes its waiter node once, when it is
//! created, and never allocates again (not per message, not per poll).

use alloc::boxed::Box;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use crate::errors::SendError;
use crate::futures::Handle;
use crate::held::Held;
use crate::waiters::Node;
use crate::{Receiver, Sender};

/// A [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) of the messages of a receiver; see [`Receiver::stream`].
///
/// It ends (and is then terminated, per [`FusedStream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.FusedStream.html)) once the channel is
/// empty and disconnected.
///
/// # Cancel safety
///
/// As for [`RecvFuture`](crate::RecvFuture): a message is taken only in the
/// poll that returns it; dropping the stream while it waits loses nothing.
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
pub struct RecvStream<'a, T> {
    receiver: Handle<'a, Receiver<T>>,
    node: Pin<Box<Node<T>>>,
    terminated: bool,
}

// SAFETY: as for `RecvFuture`: the node is only reached by other threads
// under the waiter lock.
unsafe impl<T: Send> Send for RecvStream<'_, T> {}
// SAFETY: no method reaches the node through `&RecvStream`.
unsafe impl<T: Send> Sync for RecvStream<'_, T> {}

// The node is boxed and nothing else is structurally pinned.
impl<T> Unpin for RecvStream<'_, T> {}

#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T> Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.terminated {
            return Poll::Ready(None);
        }
        match this.receiver.get().chan().poll_recv(this.node.as_ref(), cx) {
            Poll::Ready(Ok(msg)) => Poll::Ready(Some(msg)),
            Poll::Ready(Err(_)) => {
                this.terminated = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T> FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        self.receiver.get().chan().cancel_recv(self.node.as_ref());
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("terminated", &self.terminated)
            .finish_non_exhaustive()
    }
}

/// A [`Sink`](https://docs.rs/futures-sink/0.3/futures_sink/trait.Sink.html) into a sender; see [`Sender::sink`].
///
/// `start_send` stores one message; `poll_ready` and `poll_flush` drive it
/// into the channel (waiting for room like [`send_async`](Sender::send_async)).
/// `poll_close` flushes; it does not close the channel (other senders may
/// still use it): drop the sink, or call [`Sender::close`], for that.
///
/// # Cancel safety
///
/// Dropping the sink with a message not yet flushed drops that message
/// (it was never half-sent).
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
pub struct SendSink<'a, T> {
    sender: Handle<'a, Sender<T>>,
    node: Pin<Box<Node<T>>>,
    pending: Held<T>,
}

// SAFETY: as for `SendFuture`.
unsafe impl<T: Send> Send for SendSink<'_, T> {}
// SAFETY: no method reaches the node or the message through `&SendSink`.
unsafe impl<T: Send> Sync for SendSink<'_, T> {}

// The node is boxed and nothing else is structurally pinned.
impl<T> Unpin for SendSink<'_, T> {}

impl<T> SendSink<'_, T> {
    fn poll_flush_pending(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        if !self.pending.is_live() && !self.node.is_registered() {
            return Poll::Ready(Ok(()));
        }
        // A message to send, or (rendezvous) an offer waiting in the node.
        self.sender
            .get()
            .chan()
            .poll_send(self.node.as_ref(), &mut self.pending, cx)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
impl<T> Sink<T> for SendSink<'_, T> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_pending(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Self::Error> {
        let this = self.get_mut();
        assert!(
            !this.pending.is_live() && !this.node.is_registered(),
            "`SendSink::start_send` called without `poll_ready` returning `Ready(Ok(()))`"
        );
        this.pending.put(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_pending(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_pending(cx)
    }
}

impl<T> Drop for SendSink<'_, T> {
    fn drop(&mut self) {
        let msg = self
            .sender
            .get()
            .chan()
            .cancel_send(self.node.as_ref(), &mut self.pending);
        drop(msg);
    }
}

impl<T> fmt::Debug for SendSink<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSink")
            .field("pending", &self.pending.is_live())
            .finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// A [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) borrowing this receiver. It allocates its waiter node
    /// once, here, so that it is `Unpin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::{executor::block_on, StreamExt};
    ///
    /// let (tx, rx) = mpmc::unbounded();
    /// let producer = std::thread::spawn(move || (1..=3).for_each(|i| tx.send(i).unwrap()));
    /// // Ends once every sender is gone and the channel is drained.
    /// let all: Vec<i32> = block_on(rx.stream().collect());
    /// assert_eq!(all, [1, 2, 3]);
    /// # producer.join().unwrap();
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn stream(&self) -> RecvStream<'_, T> {
        RecvStream {
            receiver: Handle::Borrowed(self),
            node: Box::pin(Node::new()),
            terminated: false,
        }
    }

    /// A [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html) that owns this receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_core::stream::FusedStream;
    ///
    /// let (_tx, rx) = mpmc::bounded::<u8>(1);
    /// let stream = rx.into_stream();
    /// assert!(!stream.is_terminated());
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn into_stream(self) -> RecvStream<'static, T> {
        RecvStream {
            receiver: Handle::Owned(self),
            node: Box::pin(Node::new()),
            terminated: false,
        }
    }
}

impl<T> Sender<T> {
    /// A [`Sink`](https://docs.rs/futures-sink/0.3/futures_sink/trait.Sink.html) borrowing this sender. It allocates its waiter node once,
    /// here, so that it is `Unpin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::{executor::block_on, SinkExt};
    ///
    /// let (tx, rx) = mpmc::bounded(1);
    /// let mut sink = tx.sink();
    /// block_on(sink.send(7)).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn sink(&self) -> SendSink<'_, T> {
        SendSink {
            sender: Handle::Borrowed(self),
            node: Box::pin(Node::new()),
            pending: Held::empty(),
        }
    }

    /// A [`Sink`](https://docs.rs/futures-sink/0.3/futures_sink/trait.Sink.html) that owns this sender.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<u8>(1);
    /// let sink = tx.into_sink();
    /// drop(sink);
    /// assert!(rx.is_closed());
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn into_sink(self) -> SendSink<'static, T> {
        SendSink {
            sender: Handle::Owned(self),
            node: Box::pin(Node::new()),
            pending: Held::empty(),
        }
    }
}
