//! One adapter per channel, behind three traits: [`Channel`] (every
//! channel), [`Blocking`] and [`Timeout`] (those that can block a thread),
//! and [`Awaitable`] (those whose receiver is a future).
//!
//! The adapters are zero-sized and every method is `#[inline]`, so a
//! scenario written against the traits compiles to the same code as one
//! written against each crate directly.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{
    self, Receiver as StdReceiver, RecvTimeoutError as StdTimeoutError, SyncSender,
};

use crossbeam_channel::{
    Receiver as CrossbeamReceiver, RecvTimeoutError as CrossbeamTimeoutError,
    Sender as CrossbeamSender,
};
use std::task::{Context, Poll};
use std::time::Duration;

/// What every channel offers: make a pair, send once, take a message that is
/// already there.
pub trait Channel: 'static {
    /// The channel's name in the tables (`ours`, `oneshot`, `tokio`, ...).
    const NAME: &'static str;
    /// Which operations stand in for the scenario's own (empty if none).
    const NOTES: &'static str = "";
    /// The sending end for messages of type `T`.
    type Sender<T: Send + 'static>: Send + 'static;
    /// The receiving end for messages of type `T`.
    type Receiver<T: Send + 'static>: Send + 'static;

    /// Makes a channel for one message.
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);

    /// Sends `value`; panics if the receiver is gone (never, in a benchmark).
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T);

    /// Takes a message that was already sent, on the same thread, with the
    /// channel's cheapest receive that returns it (`recv` where the channel
    /// has one, else `try_recv`).
    fn recv_ready<T: Send + 'static>(receiver: Self::Receiver<T>) -> T;
}

/// Channels whose receiver can block the thread until the message comes.
pub trait Blocking: Channel {
    /// Blocks until the message arrives.
    fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T;
}

/// Channels with a receive that gives up after a timeout.
pub trait Timeout: Channel {
    /// `Some(message)`, or `None` if `timeout` passed first.
    fn recv_timeout<T: Send + 'static>(
        receiver: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Option<T>;
}

/// Channels whose receiving end is (or turns into) a future.
pub trait Awaitable: Channel {
    /// The receiving end as a future that yields the message.
    type Future<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;

    /// Makes a channel whose receiver is already a future.
    fn async_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Future<T>);
}

/// A receiver future whose `Ok` output is unwrapped: every peer's future
/// yields `Result<T, SomeError>`, and a benchmark never sees the error.
#[derive(Debug)]
pub struct Expect<F>(F);

impl<F, T, E> Future for Expect<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: Debug,
{
    type Output = T;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(result) => Poll::Ready(result.expect("the sender never leaves unsent")),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// This workspace's `oneshot`.
#[derive(Debug)]
pub struct Ours;

impl Channel for Ours {
    const NAME: &'static str = "ours";
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = oneshot::Receiver<T>;

    #[inline]
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        oneshot::channel()
    }

    #[inline]
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        assert!(sender.send(value).is_ok(), "receiver gone");
    }

    #[inline]
    fn recv_ready<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.recv().expect("message sent")
    }
}

impl Blocking for Ours {
    #[inline]
    fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.recv().expect("message sent")
    }
}

impl Timeout for Ours {
    #[inline]
    fn recv_timeout<T: Send + 'static>(
        receiver: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Option<T> {
        match receiver.recv_timeout(timeout) {
            Ok(value) => Some(value),
            Err(oneshot::RecvTimeoutError::Timeout) => None,
            Err(oneshot::RecvTimeoutError::Disconnected) => panic!("sender gone"),
        }
    }
}

impl Awaitable for Ours {
    type Future<T: Send + 'static> = Expect<oneshot::Receiver<T>>;

    #[inline]
    fn async_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Future<T>) {
        let (sender, receiver) = oneshot::channel();
        (sender, Expect(receiver))
    }
}

/// crates.io `oneshot` 0.2, renamed `oneshot_crate` in `Cargo.toml`.
#[derive(Debug)]
pub struct OneshotCrate;

impl Channel for OneshotCrate {
    const NAME: &'static str = "oneshot";
    type Sender<T: Send + 'static> = oneshot_crate::Sender<T>;
    type Receiver<T: Send + 'static> = oneshot_crate::Receiver<T>;

    #[inline]
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        oneshot_crate::channel()
    }

    #[inline]
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        assert!(sender.send(value).is_ok(), "receiver gone");
    }

    #[inline]
    fn recv_ready<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.recv().expect("message sent")
    }
}

impl Blocking for OneshotCrate {
    #[inline]
    fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.recv().expect("message sent")
    }
}

impl Timeout for OneshotCrate {
    #[inline]
    fn recv_timeout<T: Send + 'static>(
        receiver: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Option<T> {
        match receiver.recv_timeout(timeout) {
            Ok(value) => Some(value),
            Err(oneshot_crate::RecvTimeoutError::Timeout) => None,
            Err(oneshot_crate::RecvTimeoutError::Disconnected) => panic!("sender gone"),
        }
    }
}

impl Awaitable for OneshotCrate {
    // 0.2 splits the receiver: only `AsyncReceiver` is a `Future`.
    type Future<T: Send + 'static> = Expect<oneshot_crate::AsyncReceiver<T>>;

    #[inline]
    fn async_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Future<T>) {
        let (sender, receiver) = oneshot_crate::async_channel();
        (sender, Expect(receiver))
    }
}

/// `tokio::sync::oneshot`.
#[derive(Debug)]
pub struct Tokio;

impl Channel for Tokio {
    const NAME: &'static str = "tokio";
    const NOTES: &'static str =
        "no blocking receive on one thread: `try_recv`; across threads: `blocking_recv`";
    type Sender<T: Send + 'static> = tokio::sync::oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = tokio::sync::oneshot::Receiver<T>;

    #[inline]
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        tokio::sync::oneshot::channel()
    }

    #[inline]
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        assert!(sender.send(value).is_ok(), "receiver gone");
    }

    #[inline]
    fn recv_ready<T: Send + 'static>(mut receiver: Self::Receiver<T>) -> T {
        receiver.try_recv().expect("message sent")
    }
}

impl Blocking for Tokio {
    #[inline]
    fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.blocking_recv().expect("message sent")
    }
}

impl Awaitable for Tokio {
    type Future<T: Send + 'static> = Expect<tokio::sync::oneshot::Receiver<T>>;

    #[inline]
    fn async_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Future<T>) {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        (sender, Expect(receiver))
    }
}

/// `futures::channel::oneshot`.
#[derive(Debug)]
pub struct Futures;

impl Channel for Futures {
    const NAME: &'static str = "futures";
    const NOTES: &'static str =
        "no blocking receive: `try_recv` on one thread; across threads: `futures::executor::block_on`";
    type Sender<T: Send + 'static> = futures::channel::oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = futures::channel::oneshot::Receiver<T>;

    #[inline]
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        futures::channel::oneshot::channel()
    }

    #[inline]
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        assert!(sender.send(value).is_ok(), "receiver gone");
    }

    #[inline]
    fn recv_ready<T: Send + 'static>(mut receiver: Self::Receiver<T>) -> T {
        receiver
            .try_recv()
            .expect("sender gone")
            .expect("message sent")
    }
}

impl Blocking for Futures {
    #[inline]
    fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        futures::executor::block_on(receiver).expect("message sent")
    }
}

impl Awaitable for Futures {
    type Future<T: Send + 'static> = Expect<futures::channel::oneshot::Receiver<T>>;

    #[inline]
    fn async_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Future<T>) {
        let (sender, receiver) = futures::channel::oneshot::channel();
        (sender, Expect(receiver))
    }
}

/// The adapter of a blocking channel with std's receiver API (`recv`,
/// `recv_timeout` with a `Timeout`/`Disconnected` error): crossbeam's and
/// std's differ only in their types and constructor.
macro_rules! sync_channel_adapter {
    ($(#[$doc:meta])* $name:ident, $label:literal, $sender:ident, $receiver:ident,
     $make:expr, $timeout_error:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl Channel for $name {
            const NAME: &'static str = $label;
            type Sender<T: Send + 'static> = $sender<T>;
            type Receiver<T: Send + 'static> = $receiver<T>;

            #[inline]
            fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
                $make
            }

            #[inline]
            fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
                assert!(sender.send(value).is_ok(), "receiver gone");
            }

            #[inline]
            fn recv_ready<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
                receiver.recv().expect("message sent")
            }
        }

        impl Blocking for $name {
            #[inline]
            fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
                receiver.recv().expect("message sent")
            }
        }

        impl Timeout for $name {
            #[inline]
            fn recv_timeout<T: Send + 'static>(
                receiver: &Self::Receiver<T>,
                timeout: Duration,
            ) -> Option<T> {
                match receiver.recv_timeout(timeout) {
                    Ok(value) => Some(value),
                    Err($timeout_error::Timeout) => None,
                    Err($timeout_error::Disconnected) => panic!("sender gone"),
                }
            }
        }
    };
}

sync_channel_adapter!(
    /// `crossbeam_channel::bounded(1)`.
    Crossbeam,
    "crossbeam",
    CrossbeamSender,
    CrossbeamReceiver,
    crossbeam_channel::bounded(1),
    CrossbeamTimeoutError
);

/// `flume::bounded(1)`.
#[derive(Debug)]
pub struct Flume;

impl Channel for Flume {
    const NAME: &'static str = "flume";
    const NOTES: &'static str = "async: `into_recv_async`";
    type Sender<T: Send + 'static> = flume::Sender<T>;
    type Receiver<T: Send + 'static> = flume::Receiver<T>;

    #[inline]
    fn channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        flume::bounded(1)
    }

    #[inline]
    fn send<T: Send + 'static>(sender: Self::Sender<T>, value: T) {
        assert!(sender.send(value).is_ok(), "receiver gone");
    }

    #[inline]
    fn recv_ready<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.recv().expect("message sent")
    }
}

impl Blocking for Flume {
    #[inline]
    fn recv_blocking<T: Send + 'static>(receiver: Self::Receiver<T>) -> T {
        receiver.recv().expect("message sent")
    }
}

impl Timeout for Flume {
    #[inline]
    fn recv_timeout<T: Send + 'static>(
        receiver: &Self::Receiver<T>,
        timeout: Duration,
    ) -> Option<T> {
        match receiver.recv_timeout(timeout) {
            Ok(value) => Some(value),
            Err(flume::RecvTimeoutError::Timeout) => None,
            Err(flume::RecvTimeoutError::Disconnected) => panic!("sender gone"),
        }
    }
}

impl Awaitable for Flume {
    type Future<T: Send + 'static> = Expect<flume::r#async::RecvFut<'static, T>>;

    #[inline]
    fn async_channel<T: Send + 'static>() -> (Self::Sender<T>, Self::Future<T>) {
        let (sender, receiver) = flume::bounded(1);
        (sender, Expect(receiver.into_recv_async()))
    }
}

sync_channel_adapter!(
    /// `std::sync::mpsc::sync_channel(1)`.
    Std,
    "std",
    SyncSender,
    StdReceiver,
    mpsc::sync_channel(1),
    StdTimeoutError
);
