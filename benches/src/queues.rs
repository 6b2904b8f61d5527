//! One adapter per queue channel (the peers of `mpmc`), behind one trait,
//! [`Queue`], shared by the `matrix` runner, the memory report and the
//! callgrind counts.
//!
//! Every adapter is zero-sized and every method `#[inline]`. A channel that
//! lacks a capacity returns `None` from [`Queue::make`]; one without a second
//! receiver returns `None` from [`Queue::clone_rx`]; one without futures has
//! `ASYNC == false` (its async methods are never called), one without
//! blocking calls `BLOCKING == false` (its blocking methods are never
//! called). Each of those makes the cells that need it "n/a". A channel whose
//! blocking and async ends are different types makes the ones a form needs
//! in [`Queue::make_for`].
//!
//! | name            | channel                                              |
//! |-----------------|------------------------------------------------------|
//! | `ours`          | this workspace's `mpmc`                              |
//! | `crossbeam`     | `crossbeam-channel` (blocking only)                  |
//! | `flume`         | `flume` (`send`/`recv` and `send_async`/`recv_async`) |
//! | `kanal`         | `kanal` (sync handles; `as_async()` for the futures) |
//! | `crossfire`     | `crossfire` 3.1 `mpmc` (`bounded_blocking`, `bounded_async`, `bounded_blocking_async`, `bounded_async_blocking`, `unbounded_blocking`, `unbounded_async`: the constructor of the form; no `bounded(0)`) |
//! | `tachyonix`     | `tachyonix` 0.3 (async only, bounded only, one receiver; no `bounded(0)`) |
//! | `async-channel` | `async-channel` (`send_blocking`/`recv_blocking` and `.await`; no `bounded(0)`) |
//! | `tokio`         | `tokio::sync::mpsc` (one receiver; `blocking_send`/`blocking_recv` from plain threads; no `bounded(0)`) |
//! | `std`           | `std::sync::mpsc` (`sync_channel`/`channel`; one receiver; blocking only) |
//!
//! Messages are `Unpin` (crossfire's send future needs it; every message of
//! the benchmarks is).

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
    /// Whether the channel has blocking send and receive for plain threads.
    const BLOCKING: bool = true;
    /// A sending end.
    type Tx<T: Send + Unpin + 'static>: Send + Sync + 'static;
    /// A receiving end.
    type Rx<T: Send + Unpin + 'static>: Send + 'static;

    /// A new channel, or `None` if the channel has no such capacity.
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    /// A new channel whose ends suit a form: `async_tx` when the producers
    /// are tasks (they call [`Queue::send_async`]), `async_rx` when the
    /// consumers are. `None` as for [`Queue::make`]. The default is
    /// [`Queue::make`], for a channel whose ends do both; a channel with
    /// separate blocking and async types makes the ones asked for.
    #[inline]
    fn make_for<T: Send + Unpin + 'static>(
        cap: Cap,
        async_tx: bool,
        async_rx: bool,
    ) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        let _ = (async_tx, async_rx);
        Self::make(cap)
    }
    /// Another sending end of the same channel.
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T>;
    /// Another receiving end, or `None` if the channel has only one.
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;

    /// Sends, blocking the thread while the channel is full.
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T);
    /// Receives, blocking the thread while the channel is empty; `None`
    /// once every sender is gone and the queue is drained.
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T>;
    /// Sends without waiting: `Err(value)` if full.
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T>;
    /// Receives without waiting: `None` if empty.
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T>;

    /// Sends, awaiting room. Only called when `ASYNC`.
    fn send_async<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        value: T,
    ) -> impl Future<Output = ()> + Send + '_;
    /// Receives, awaiting a message; `None` as for [`Queue::recv`]. Only
    /// called when `ASYNC`.
    fn recv_async<T: Send + Unpin + 'static>(
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
    type Tx<T: Send + Unpin + 'static> = mpmc::Sender<T>;
    type Rx<T: Send + Unpin + 'static> = mpmc::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => mpmc::bounded(n),
            Cap::Unbounded => mpmc::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send_async(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv_async().await.ok()
    }
}

/// `crossbeam-channel`: blocking only.
#[derive(Debug)]
pub struct Crossbeam;

impl Queue for Crossbeam {
    const NAME: &'static str = "crossbeam";
    const ASYNC: bool = false;
    type Tx<T: Send + Unpin + 'static> = crossbeam_channel::Sender<T>;
    type Rx<T: Send + Unpin + 'static> = crossbeam_channel::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => crossbeam_channel::bounded(n),
            Cap::Unbounded => crossbeam_channel::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    fn send_async<T: Send + Unpin + 'static>(
        _: &Self::Tx<T>,
        _: T,
    ) -> impl Future<Output = ()> + Send + '_ {
        no_futures()
    }
    fn recv_async<T: Send + Unpin + 'static>(
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
    type Tx<T: Send + Unpin + 'static> = flume::Sender<T>;
    type Rx<T: Send + Unpin + 'static> = flume::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => flume::bounded(n),
            Cap::Unbounded => flume::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send_async(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
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
    type Tx<T: Send + Unpin + 'static> = kanal::Sender<T>;
    type Rx<T: Send + Unpin + 'static> = kanal::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => kanal::bounded(n),
            Cap::Unbounded => kanal::unbounded(),
        })
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        // `try_send` consumes the value even when full; the `Option` form
        // leaves it in place.
        let mut slot = Some(value);
        match tx.try_send_option(&mut slot) {
            Ok(true) => Ok(()),
            _ => Err(slot.expect("a failed try_send leaves the value")),
        }
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok().flatten()
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.as_async().send(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.as_async().recv().await.ok()
    }
}

/// The sending end of a `crossfire` 3.1 `mpmc` channel: the type its
/// constructor gives for the form.
#[derive(Debug)]
pub enum CrossfireTx<T: Send + Unpin + 'static> {
    /// `bounded_blocking` / `bounded_blocking_async`.
    Blocking(crossfire::MTx<crossfire::mpmc::Array<T>>),
    /// `bounded_async` / `bounded_async_blocking`.
    Async(crossfire::MAsyncTx<crossfire::mpmc::Array<T>>),
    /// `unbounded_blocking` / `unbounded_async`: one blocking type for both
    /// forms (a send to an unbounded channel never waits).
    Unbounded(crossfire::MTx<crossfire::mpmc::List<T>>),
}

/// The receiving end of a `crossfire` 3.1 `mpmc` channel, as for
/// [`CrossfireTx`].
#[derive(Debug)]
pub enum CrossfireRx<T: Send + Unpin + 'static> {
    /// `bounded_blocking` / `bounded_async_blocking`.
    Blocking(crossfire::MRx<crossfire::mpmc::Array<T>>),
    /// `bounded_async` / `bounded_blocking_async`.
    Async(crossfire::MAsyncRx<crossfire::mpmc::Array<T>>),
    /// `unbounded_blocking`.
    UnboundedBlocking(crossfire::MRx<crossfire::mpmc::List<T>>),
    /// `unbounded_async`.
    UnboundedAsync(crossfire::MAsyncRx<crossfire::mpmc::List<T>>),
}

/// `crossfire` 3.1, its `mpmc` module: blocking and async ends are separate
/// types, so [`Queue::make_for`] calls the constructor of the form
/// (`bounded_blocking`, `bounded_async`, `bounded_blocking_async`,
/// `bounded_async_blocking`; `unbounded_blocking`, `unbounded_async`) and
/// [`Queue::make`] the blocking one. A blocking call on an async end (or the
/// reverse) is a bug of the runner and panics. No `bounded(0)`: crossfire
/// silently makes it `bounded(1)`, so it is "n/a". Every channel is made
/// after `detect_backoff_cfg()`, as crossfire's docs advise (it stops
/// spinning when the process may run on one CPU only).
#[derive(Debug)]
pub struct Crossfire;

/// The panic of a crossfire end used in the wrong form.
#[cold]
fn wrong_form() -> ! {
    unreachable!("a crossfire end used in a form it was not made for (see Queue::make_for)")
}

impl Queue for Crossfire {
    const NAME: &'static str = "crossfire";
    const NOTES: &'static str =
        "the `mpmc` constructor of each form; no `bounded(0)` (it would be `bounded(1)`)";
    const ASYNC: bool = true;
    type Tx<T: Send + Unpin + 'static> = CrossfireTx<T>;
    type Rx<T: Send + Unpin + 'static> = CrossfireRx<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Self::make_for(cap, false, false)
    }
    #[inline]
    fn make_for<T: Send + Unpin + 'static>(
        cap: Cap,
        async_tx: bool,
        async_rx: bool,
    ) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        use crossfire::mpmc;
        crossfire::detect_backoff_cfg();
        Some(match (cap, async_tx, async_rx) {
            (Cap::Bounded(0), _, _) => return None,
            (Cap::Bounded(n), false, false) => {
                let (tx, rx) = mpmc::bounded_blocking(n);
                (CrossfireTx::Blocking(tx), CrossfireRx::Blocking(rx))
            }
            (Cap::Bounded(n), true, true) => {
                let (tx, rx) = mpmc::bounded_async(n);
                (CrossfireTx::Async(tx), CrossfireRx::Async(rx))
            }
            (Cap::Bounded(n), false, true) => {
                let (tx, rx) = mpmc::bounded_blocking_async(n);
                (CrossfireTx::Blocking(tx), CrossfireRx::Async(rx))
            }
            (Cap::Bounded(n), true, false) => {
                let (tx, rx) = mpmc::bounded_async_blocking(n);
                (CrossfireTx::Async(tx), CrossfireRx::Blocking(rx))
            }
            (Cap::Unbounded, _, false) => {
                let (tx, rx) = mpmc::unbounded_blocking();
                (
                    CrossfireTx::Unbounded(tx),
                    CrossfireRx::UnboundedBlocking(rx),
                )
            }
            (Cap::Unbounded, _, true) => {
                let (tx, rx) = mpmc::unbounded_async();
                (CrossfireTx::Unbounded(tx), CrossfireRx::UnboundedAsync(rx))
            }
        })
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        match tx {
            CrossfireTx::Blocking(tx) => CrossfireTx::Blocking(tx.clone()),
            CrossfireTx::Async(tx) => CrossfireTx::Async(tx.clone()),
            CrossfireTx::Unbounded(tx) => CrossfireTx::Unbounded(tx.clone()),
        }
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(match rx {
            CrossfireRx::Blocking(rx) => CrossfireRx::Blocking(rx.clone()),
            CrossfireRx::Async(rx) => CrossfireRx::Async(rx.clone()),
            CrossfireRx::UnboundedBlocking(rx) => CrossfireRx::UnboundedBlocking(rx.clone()),
            CrossfireRx::UnboundedAsync(rx) => CrossfireRx::UnboundedAsync(rx.clone()),
        })
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            CrossfireTx::Blocking(tx) => tx.send(value).is_ok(),
            CrossfireTx::Unbounded(tx) => tx.send(value).is_ok(),
            CrossfireTx::Async(_) => wrong_form(),
        };
        assert!(ok, "receivers gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            CrossfireRx::Blocking(rx) => rx.recv().ok(),
            CrossfireRx::UnboundedBlocking(rx) => rx.recv().ok(),
            CrossfireRx::Async(_) | CrossfireRx::UnboundedAsync(_) => wrong_form(),
        }
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        use crossfire::TrySendError;
        let result = match tx {
            CrossfireTx::Blocking(tx) => tx.try_send(value),
            CrossfireTx::Async(tx) => tx.try_send(value),
            CrossfireTx::Unbounded(tx) => tx.try_send(value),
        };
        result.map_err(|e| match e {
            TrySendError::Full(v) | TrySendError::Disconnected(v) => v,
        })
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            CrossfireRx::Blocking(rx) => rx.try_recv().ok(),
            CrossfireRx::Async(rx) => rx.try_recv().ok(),
            CrossfireRx::UnboundedBlocking(rx) => rx.try_recv().ok(),
            CrossfireRx::UnboundedAsync(rx) => rx.try_recv().ok(),
        }
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            CrossfireTx::Async(tx) => tx.send(value).await.is_ok(),
            // Unbounded: the one sender type of both forms; it never waits.
            CrossfireTx::Unbounded(tx) => tx.send(value).is_ok(),
            CrossfireTx::Blocking(_) => wrong_form(),
        };
        assert!(ok, "receivers gone");
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            CrossfireRx::Async(rx) => rx.recv().await.ok(),
            CrossfireRx::UnboundedAsync(rx) => rx.recv().await.ok(),
            CrossfireRx::Blocking(_) | CrossfireRx::UnboundedBlocking(_) => wrong_form(),
        }
    }
}

/// `tachyonix` 0.3: async only, bounded only (`channel(n)` panics for 0, so
/// `bounded(0)` is "n/a"), one receiver. The blocking methods are never
/// called (`BLOCKING` is false); `try_send`/`try_recv` need no runtime.
#[derive(Debug)]
pub struct Tachyonix;

/// The body of the blocking methods of a channel without them: never run.
#[cold]
fn no_blocking() -> ! {
    unreachable!("the channel has no blocking calls (BLOCKING is false)")
}

impl Queue for Tachyonix {
    const NAME: &'static str = "tachyonix";
    const NOTES: &'static str = "async only; bounded only; one receiver; no `bounded(0)`";
    const ASYNC: bool = true;
    const BLOCKING: bool = false;
    type Tx<T: Send + Unpin + 'static> = tachyonix::Sender<T>;
    type Rx<T: Send + Unpin + 'static> = tachyonix::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match cap {
            Cap::Bounded(0) | Cap::Unbounded => None,
            Cap::Bounded(n) => Some(tachyonix::channel(n)),
        }
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    fn send<T: Send + Unpin + 'static>(_: &Self::Tx<T>, _: T) {
        no_blocking()
    }
    fn recv<T: Send + Unpin + 'static>(_: &mut Self::Rx<T>) -> Option<T> {
        no_blocking()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| match e {
            tachyonix::TrySendError::Full(v) | tachyonix::TrySendError::Closed(v) => v,
        })
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).await.is_ok(), "receiver gone")
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().await.ok()
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
    type Tx<T: Send + Unpin + 'static> = async_channel::Sender<T>;
    type Rx<T: Send + Unpin + 'static> = async_channel::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match cap {
            Cap::Bounded(0) => None,
            Cap::Bounded(n) => Some(async_channel::bounded(n)),
            Cap::Unbounded => Some(async_channel::unbounded()),
        }
    }
    #[inline]
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        tx.clone()
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send_blocking(value).is_ok(), "receivers gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv_blocking().ok()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        tx.try_send(value).map_err(|e| e.into_inner())
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        assert!(tx.send(value).await.is_ok(), "receivers gone")
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
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
    type Tx<T: Send + Unpin + 'static> = TokioTx<T>;
    type Rx<T: Send + Unpin + 'static> = TokioRx<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
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
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        match tx {
            TokioTx::Bounded(tx) => TokioTx::Bounded(tx.clone()),
            TokioTx::Unbounded(tx) => TokioTx::Unbounded(tx.clone()),
        }
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            TokioTx::Bounded(tx) => tx.blocking_send(value).is_ok(),
            TokioTx::Unbounded(tx) => tx.send(value).is_ok(),
        };
        assert!(ok, "receiver gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            TokioRx::Bounded(rx) => rx.blocking_recv(),
            TokioRx::Unbounded(rx) => rx.blocking_recv(),
        }
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        match tx {
            TokioTx::Bounded(tx) => tx.try_send(value).map_err(|e| match e {
                tokio::sync::mpsc::error::TrySendError::Full(v)
                | tokio::sync::mpsc::error::TrySendError::Closed(v) => v,
            }),
            TokioTx::Unbounded(tx) => tx.send(value).map_err(|e| e.0),
        }
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        match rx {
            TokioRx::Bounded(rx) => rx.try_recv().ok(),
            TokioRx::Unbounded(rx) => rx.try_recv().ok(),
        }
    }
    #[inline]
    async fn send_async<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            TokioTx::Bounded(tx) => tx.send(value).await.is_ok(),
            TokioTx::Unbounded(tx) => tx.send(value).is_ok(),
        };
        assert!(ok, "receiver gone");
    }
    #[inline]
    async fn recv_async<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
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
    type Tx<T: Send + Unpin + 'static> = StdTx<T>;
    type Rx<T: Send + Unpin + 'static> = std::sync::mpsc::Receiver<T>;

    #[inline]
    fn make<T: Send + Unpin + 'static>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
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
    fn clone_tx<T: Send + Unpin + 'static>(tx: &Self::Tx<T>) -> Self::Tx<T> {
        match tx {
            StdTx::Bounded(tx) => StdTx::Bounded(tx.clone()),
            StdTx::Unbounded(tx) => StdTx::Unbounded(tx.clone()),
        }
    }
    #[inline]
    fn clone_rx<T: Send + Unpin + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    #[inline]
    fn send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) {
        let ok = match tx {
            StdTx::Bounded(tx) => tx.send(value).is_ok(),
            StdTx::Unbounded(tx) => tx.send(value).is_ok(),
        };
        assert!(ok, "receiver gone");
    }
    #[inline]
    fn recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
    #[inline]
    fn try_send<T: Send + Unpin + 'static>(tx: &Self::Tx<T>, value: T) -> Result<(), T> {
        match tx {
            StdTx::Bounded(tx) => tx.try_send(value).map_err(|e| match e {
                std::sync::mpsc::TrySendError::Full(v)
                | std::sync::mpsc::TrySendError::Disconnected(v) => v,
            }),
            StdTx::Unbounded(tx) => tx.send(value).map_err(|e| e.0),
        }
    }
    #[inline]
    fn try_recv<T: Send + Unpin + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
    fn send_async<T: Send + Unpin + 'static>(
        _: &Self::Tx<T>,
        _: T,
    ) -> impl Future<Output = ()> + Send + '_ {
        no_futures()
    }
    fn recv_async<T: Send + Unpin + 'static>(
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
            "crossfire" => {
                type $q = Crossfire;
                Some($body)
            }
            "tachyonix" => {
                type $q = Tachyonix;
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
pub const QUEUES: [&str; 9] = [
    "ours",
    "crossbeam",
    "flume",
    "kanal",
    "crossfire",
    "tachyonix",
    "async-channel",
    "tokio",
    "std",
];
