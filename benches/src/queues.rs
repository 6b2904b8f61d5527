//! One adapter per queue channel (the peers of `mpmc`), behind one trait,
//! [`Queue`], shared by the `matrix` runner, the memory report and the
//! callgrind counts.
//!
//! Every adapter is zero-sized and every method `#[inline]`. A channel that
//! lacks a capacity returns `None` from [`Queue::make`]; one without a second
//! receiver returns `None` from [`Queue::clone_rx`]; one without futures has
//! `ASYNC == false` (its async methods are never called). Each of those makes
//! the cells that need it "n/a".
//!
//! | name            | channel                                              |
//! |-----------------|------------------------------------------------------|
//! | `ours`          | this workspace's `mpmc`                              |
//! | `crossbeam`     | `crossbeam-channel` (blocking only)                  |
//! | `flume`         | `flume` (`send`/`recv` and `send_async`/`recv_async`) |
//! | `kanal`         | `kanal` (sync handles; `as_async()` for the futures) |
//! | `async-channel` | `async-channel` (`send_blocking`/`recv_blocking` and `.await`; no `bounded(0)`) |
//! | `tokio`         | `tokio::sync::mpsc` (one receiver; `blocking_send`/`blocking_recv` from plain threads; no `bounded(0)`) |
//! | `std`           | `std::sync::mpsc` (`sync_channel`/`channel`; one receiver; blocking only) |

use std::future::Future;

/// A channel's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// `bounded(n)`; `Bounded(0)` is a rendezvous channel.
    Bounded(usize),
    /// `unbounded()`.
    Unbounded,
}

impl Cap {
    /// `bounded(100)`, `unbounded`: the label in every table.
    pub fn label(self) -> String {
        match self {
            Cap::Bounded(n) => format!("bounded({n})"),
            Cap::Unbounded => "unbounded".to_owned(),
        }
    }
}

/// A queue channel: sending and receiving ends, blocking forms for plain
/// threads, and (where `ASYNC`) futures.
///
/// The blocking and async methods panic where the benchmark would have a
/// bug (a send to a channel without receivers); `recv`/`recv_async` return
/// `None` once every sender is gone and the queue is drained.
pub trait Queue: 'static {
    /// The channel's name in the tables.
    const NAME: &'static str;
    /// Which operations stand in for the benchmark's own (empty if none).
    const NOTES: &'static str = "";
    /// Whether the channel has futures for send and receive.
    const ASYNC: bool;
    /// A sending end.
    type Tx<T: Send + 'static>: Send + Sync + 'static;
    /// A receiving end.
    type Rx<T: Send + 'static>: Send + 'static;

    /// A new channel, or `None` if the channel has no such capacity.
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    /// Another sending end of the same channel.
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T>;
    /// Another receiving end, or `None` if the channel has only one.
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;

    /// Sends, blocking the thread while the channel is full.
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T);
    /// Receives, blocking the thread while the channel is empty; `None`
    /// once every sender is gone and the queue is drained.
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T>;
    /// Sends without waiting: `Err(value)` if full.
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T>;
    /// Receives without waiting: `None` if empty.
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T>;

    /// Sends, awaiting room. Only called when `ASYNC`.
    fn send_async<T: Send + 'static>(
        tx: &Self::Tx<T>,
        value: T,
    ) -> impl Future<Output = ()> + Send + '_;
    /// Receives, awaiting a message; `None` as for [`Queue::recv`]. Only
    /// called when `ASYNC`.
    fn recv_async<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_;
}

/// The body of the async methods of a channel without futures: never run.
async fn no_futures<R>() -> R {
    unreachable!("the channel has no futures (ASYNC is false)")
}

/// This workspace's `mpmc`.
#[derive(Debug)]
pub struct Ours;

impl Queue for Ours {
    const NAME: &'static str = "ours";
    const ASYNC: bool = true;
    type Tx<T: Send + 'static> = mpmc::Sender<T>;
    type Rx<T: Send + 'static> = mpmc::Receiver<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => mpmc::bounded(n),
            Cap::Unbounded => mpmc::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send_async(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv_async().await.ok()
    }
}

/// `crossbeam-channel`: blocking only.
#[derive(Debug)]
pub struct Crossbeam;

impl Queue for Crossbeam {
    const NAME: &'static str = "crossbeam";
    const ASYNC: bool = false;
    type Tx<T: Send + 'static> = crossbeam_channel::Sender<T>;
    type Rx<T: Send + 'static> = crossbeam_channel::Receiver<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => crossbeam_channel::bounded(n),
            Cap::Unbounded => crossbeam_channel::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    fn send_async<T: Send + 'static>(
        _: &Self::Tx<T>,
        _: T,
    ) -> impl Future<Output = ()> + Send + '_ {
        no_futures()
    }
    fn recv_async<T: Send + 'static>(
        _: &mut Self::Rx<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_ {
        no_futures()
    }
}

/// `flume`: blocking and async on the same handles.
#[derive(Debug)]
pub struct Flume;

impl Queue for Flume {
    const NAME: &'static str = "flume";
    const ASYNC: bool = true;
    type Tx<T: Send + 'static> = flume::Sender<T>;
    type Rx<T: Send + 'static> = flume::Receiver<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => flume::bounded(n),
            Cap::Unbounded => flume::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send_async(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv_async().await.ok()
    }
}

/// `kanal`: sync handles; the futures through `as_async()`.
#[derive(Debug)]
pub struct Kanal;

impl Queue for Kanal {
    const NAME: &'static str = "kanal";
    const NOTES: &'static str = "async: `as_async()` of the sync handles";
    const ASYNC: bool = true;
    type Tx<T: Send + 'static> = kanal::Sender<T>;
    type Rx<T: Send + 'static> = kanal::Receiver<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => kanal::bounded(n),
            Cap::Unbounded => kanal::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        // `try_send` consumes the value even when full; the `Option` form
        // leaves it in place.
        let mut slot = Some(value);
        match tx.try_send_option(&mut slot) {
            Ok(true) => Ok(()),
            _ => Err(slot.expect("a failed try_send leaves the value")),
        }
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok().flatten()
    }
    #[inline]
    async fn send_async<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.as_async().send(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.as_async().recv().await.ok()
    }
}

/// `async-channel`: `send_blocking`/`recv_blocking` and futures; no
/// rendezvous (`bounded(0)` panics there, so it is "n/a").
#[derive(Debug)]
pub struct AsyncChannel;

impl Queue for AsyncChannel {
    const NAME: &'static str = "async-channel";
    const NOTES: &'static str = "blocking: `send_blocking`/`recv_blocking`; no `bounded(0)`";
    const ASYNC: bool = true;
    type Tx<T: Send + 'static> = async_channel::Sender<T>;
    type Rx<T: Send + 'static> = async_channel::Receiver<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match cap {
            Cap::Bounded(0) => None,
            Cap::Bounded(n) => Some(async_channel::bounded(n)),
            Cap::Unbounded => Some(async_channel::unbounded()),
        }
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send_blocking(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv_blocking().ok()
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().await.ok()
    }
}

/// The sending end of a `tokio::sync::mpsc` channel of either kind.
#[derive(Debug)]
pub enum TokioTx<T> {
    /// `channel(n)`.
    Bounded(tokio::sync::mpsc::Sender<T>),
    /// `unbounded_channel()`.
    Unbounded(tokio::sync::mpsc::UnboundedSender<T>),
}

/// The receiving end of a `tokio::sync::mpsc` channel of either kind.
#[derive(Debug)]
pub enum TokioRx<T> {
    /// `channel(n)`.
    Bounded(tokio::sync::mpsc::Receiver<T>),
    /// `unbounded_channel()`.
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<T>),
}

/// `tokio::sync::mpsc`: one receiver, no rendezvous; from plain threads
/// `blocking_send`/`blocking_recv` (which panic inside a runtime).
#[derive(Debug)]
pub struct Tokio;

impl Queue for Tokio {
    const NAME: &'static str = "tokio";
    const NOTES: &'static str =
        "one receiver; no `bounded(0)`; blocking: `blocking_send`/`blocking_recv` from plain threads";
    const ASYNC: bool = true;
    type Tx<T: Send + 'static> = TokioTx<T>;
    type Rx<T: Send + 'static> = TokioRx<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match cap {
            Cap::Bounded(0) => None,
            Cap::Bounded(n) => {
                let (tx, rx) = tokio::sync::mpsc::channel(n);
                Some((TokioTx::Bounded(tx), TokioRx::Bounded(rx)))
            }
            Cap::Unbounded => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                Some((TokioTx::Unbounded(tx), TokioRx::Unbounded(rx)))
            }
        }
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        match tx {
            TokioTx::Bounded(tx) => TokioTx::Bounded(tx.clone()),
            TokioTx::Unbounded(tx) => TokioTx::Unbounded(tx.clone()),
        }
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            TokioTx::Bounded(tx) => tx.blocking_send(value).is_ok(),
            TokioTx::Unbounded(tx) => tx.send(value).is_ok(),
        };
        assert!(ok, "receiver gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            TokioRx::Bounded(rx) => rx.blocking_recv(),
            TokioRx::Unbounded(rx) => rx.blocking_recv(),
        }
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        match tx {
            TokioTx::Bounded(tx) => tx.try_send(value).map_err(|e| match e {
                tokio::sync::mpsc::error::TrySendError::Full(v)
                | tokio::sync::mpsc::error::TrySendError::Closed(v) => v,
            }),
            TokioTx::Unbounded(tx) => tx.send(value).map_err(|e| e.0),
        }
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            TokioRx::Bounded(rx) => rx.try_recv().ok(),
            TokioRx::Unbounded(rx) => rx.try_recv().ok(),
        }
    }
    #[inline]
    async fn send_async<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            TokioTx::Bounded(tx) => tx.send(value).await.is_ok(),
            TokioTx::Unbounded(tx) => tx.send(value).is_ok(),
        };
        assert!(ok, "receiver gone");
    }
    #[inline]
    async fn recv_async<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            TokioRx::Bounded(rx) => rx.recv().await,
            TokioRx::Unbounded(rx) => rx.recv().await,
        }
    }
}

/// The sending end of a `std::sync::mpsc` channel of either kind.
#[derive(Debug)]
pub enum StdTx<T> {
    /// `sync_channel(n)`.
    Bounded(std::sync::mpsc::SyncSender<T>),
    /// `channel()`.
    Unbounded(std::sync::mpsc::Sender<T>),
}

/// `std::sync::mpsc`: one receiver, blocking only.
#[derive(Debug)]
pub struct Std;

impl Queue for Std {
    const NAME: &'static str = "std";
    const NOTES: &'static str = "one receiver; blocking only";
    const ASYNC: bool = false;
    type Tx<T: Send + 'static> = StdTx<T>;
    type Rx<T: Send + 'static> = std::sync::mpsc::Receiver<T>;

    #[inline]
    fn make<T: Send + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => {
                let (tx, rx) = std::sync::mpsc::sync_channel(n);
                (StdTx::Bounded(tx), rx)
            }
            Cap::Unbounded => {
                let (tx, rx) = std::sync::mpsc::channel();
                (StdTx::Unbounded(tx), rx)
            }
        })
    }
    #[inline]
    fn clone_tx<T: Send + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        match tx {
            StdTx::Bounded(tx) => StdTx::Bounded(tx.clone()),
            StdTx::Unbounded(tx) => StdTx::Unbounded(tx.clone()),
        }
    }
    #[inline]
    fn clone_rx<T: Send + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    #[inline]
    fn send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            StdTx::Bounded(tx) => tx.send(value).is_ok(),
            StdTx::Unbounded(tx) => tx.send(value).is_ok(),
        };
        assert!(ok, "receiver gone");
    }
    #[inline]
    fn recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        match tx {
            StdTx::Bounded(tx) => tx.try_send(value).map_err(|e| match e {
                std::sync::mpsc::TrySendError::Full(v)
                | std::sync::mpsc::TrySendError::Disconnected(v) => v,
            }),
            StdTx::Unbounded(tx) => tx.send(value).map_err(|e| e.0),
        }
    }
    #[inline]
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    fn send_async<T: Send + 'static>(
        _: &Self::Tx<T>,
        _: T,
    ) -> impl Future<Output = ()> + Send + '_ {
        no_futures()
    }
    fn recv_async<T: Send + 'static>(
        _: &mut Self::Rx<T>,
    ) -> impl Future<Output = Option<T>> + Send + '_ {
        no_futures()
    }
}

/// Calls `$body` with `$q` bound to the adapter type named `$name`
/// (`ours`, `crossbeam`, ...); evaluates to `None` for an unknown name.
#[macro_export]
macro_rules! with_queue {
    ($name:expr, $q:ident => $body:expr) => {{
        use $crate::queues::*;
        match $name {
            "ours" => {
                type $q = Ours;
                Some($body)
            }
            "crossbeam" => {
                type $q = Crossbeam;
                Some($body)
            }
            "flume" => {
                type $q = Flume;
                Some($body)
            }
            "kanal" => {
                type $q = Kanal;
                Some($body)
            }
            "async-channel" => {
                type $q = AsyncChannel;
                Some($body)
            }
            "tokio" => {
                type $q = Tokio;
                Some($body)
            }
            "std" => {
                type $q = Std;
                Some($body)
            }
            _ => None,
        }
    }};
}

/// Every queue channel, ours first, in the tables' column order.
pub const QUEUES: [&str; 7] = [
    "ours",
    "crossbeam",
    "flume",
    "kanal",
    "async-channel",
    "tokio",
    "std",
];
