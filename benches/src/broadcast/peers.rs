//! One adapter per broadcast channel behind [`Peer`], for the `broadcast`
//! binary. A peer that lacks a form says so in its constants, and the cell
//! is "n/a" for it.

use std::future::Future;

pub(crate) use oneshot_benches::harness::message::Big;
use oneshot_benches::harness::message::Message;

/// A message: made from a key, which the receivers check (order, count and
/// sum). `Clone` is what a broadcast channel needs to give every receiver
/// its copy.
pub(crate) trait Msg: Message + Clone + Sync {}

impl<M: Message + Clone + Sync> Msg for M {}

/// What one receive gave.
#[derive(Debug)]
pub(crate) enum Got<M> {
    Msg(M),
    /// The receiver fell behind and `n` messages were skipped for it.
    Lagged(u64),
    /// Closed, and everything was read.
    Closed,
}

/// A broadcast channel under test.
pub(crate) trait Peer<M: Msg> {
    /// Blocking send and receive (threads).
    const BLOCKING: bool;
    /// Async send and receive (tasks).
    const ASYNC: bool;
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    /// A channel of capacity `cap` with one sender and one receiver; `None`
    /// if the peer does not offer it.
    fn make_one(cap: usize) -> Option<(Self::Tx, Self::Rx)>;
    /// One more receiver, which sees every message sent from now on.
    fn add_rx(tx: &mut Self::Tx, rx: &Self::Rx) -> Self::Rx;
    /// One more sender; `None` for a single-sender channel.
    fn clone_tx(tx: &Self::Tx) -> Option<Self::Tx>;
    fn send(tx: &mut Self::Tx, msg: M);
    fn send_async(tx: &mut Self::Tx, msg: M) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &mut Self::Rx) -> Got<M>;
    fn recv_async(rx: &mut Self::Rx) -> impl Future<Output = Got<M>> + Send + '_;
}

/// The senders and the receivers of one channel.
pub(crate) type Ends<M, P> = (Vec<<P as Peer<M>>::Tx>, Vec<<P as Peer<M>>::Rx>);

/// `senders` senders and `receivers` receivers of a fresh channel, every
/// receiver joined before the first send; `None` if the peer cannot make it.
pub(crate) fn make<M: Msg, P: Peer<M>>(
    cap: usize,
    senders: usize,
    receivers: usize,
) -> Option<Ends<M, P>> {
    let (mut tx, rx) = P::make_one(cap)?;
    let mut rxs = Vec::with_capacity(receivers);
    for _ in 1..receivers {
        rxs.push(P::add_rx(&mut tx, &rx));
    }
    rxs.push(rx);
    let mut txs = Vec::with_capacity(senders);
    for _ in 1..senders {
        txs.push(P::clone_tx(&tx)?);
    }
    txs.push(tx);
    Some((txs, rxs))
}

/// The peers of each semantics, in the order of the tables.
pub(crate) const BACKPRESSURE: [&str; 3] = ["ours", "async-broadcast", "bus"];
pub(crate) const LOSSY: [&str; 2] = ["ours", "tokio"];

// ---------------------------------------------------------------------------
// Ours, backpressure: `mpmc::broadcast::channel`.

/// `mpmc::broadcast::channel`: backpressure, blocking and async.
#[derive(Debug)]
pub(crate) struct Ours;

/// A receive of ours (either mode) as a [`Got`]. A backpressure channel
/// never returns `Lagged`; if it did, the run's check reports it.
fn ours_got<M>(got: Result<M, mpmc::broadcast::RecvError>) -> Got<M> {
    match got {
        Ok(m) => Got::Msg(m),
        Err(mpmc::broadcast::RecvError::Lagged(n)) => Got::Lagged(n),
        Err(mpmc::broadcast::RecvError::Disconnected) => Got::Closed,
    }
}

impl<M: Msg> Peer<M> for Ours {
    const BLOCKING: bool = true;
    const ASYNC: bool = true;
    type Tx = mpmc::broadcast::Sender<M>;
    type Rx = mpmc::broadcast::Receiver<M>;
    fn make_one(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(mpmc::broadcast::channel(cap))
    }
    fn add_rx(tx: &mut Self::Tx, _: &Self::Rx) -> Self::Rx {
        tx.subscribe()
    }
    fn clone_tx(tx: &Self::Tx) -> Option<Self::Tx> {
        Some(tx.clone())
    }
    fn send(tx: &mut Self::Tx, msg: M) {
        assert!(tx.send(msg).is_ok(), "ours: send failed");
    }
    async fn send_async(tx: &mut Self::Tx, msg: M) {
        assert!(tx.send_async(msg).await.is_ok(), "ours: send_async failed");
    }
    fn recv(rx: &mut Self::Rx) -> Got<M> {
        ours_got(rx.recv())
    }
    async fn recv_async(rx: &mut Self::Rx) -> Got<M> {
        ours_got(rx.recv_async().await)
    }
}

// ---------------------------------------------------------------------------
// Ours, overwrite: `mpmc::broadcast::overwriting`.

/// The overwrite-mode constructor, behind one function (the bench was
/// written before the mode landed; a `None` here makes every lossy cell of
/// `ours` "n/a").
fn ours_overwriting<M: Msg>(
    cap: usize,
) -> Option<(mpmc::broadcast::Sender<M>, mpmc::broadcast::Receiver<M>)> {
    Some(mpmc::broadcast::overwriting(cap))
}

/// `mpmc::broadcast::overwriting`: a send never waits, a lagging receiver
/// gets `Lagged(n)`.
#[derive(Debug)]
pub(crate) struct OursOverwrite;

impl<M: Msg> Peer<M> for OursOverwrite {
    const BLOCKING: bool = true;
    const ASYNC: bool = true;
    type Tx = mpmc::broadcast::Sender<M>;
    type Rx = mpmc::broadcast::Receiver<M>;
    fn make_one(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        ours_overwriting(cap)
    }
    fn add_rx(tx: &mut Self::Tx, _: &Self::Rx) -> Self::Rx {
        tx.subscribe()
    }
    fn clone_tx(tx: &Self::Tx) -> Option<Self::Tx> {
        Some(tx.clone())
    }
    fn send(tx: &mut Self::Tx, msg: M) {
        assert!(tx.send(msg).is_ok(), "ours (overwrite): send failed");
    }
    async fn send_async(tx: &mut Self::Tx, msg: M) {
        assert!(
            tx.send_async(msg).await.is_ok(),
            "ours (overwrite): send_async failed"
        );
    }
    fn recv(rx: &mut Self::Rx) -> Got<M> {
        ours_got(rx.recv())
    }
    async fn recv_async(rx: &mut Self::Rx) -> Got<M> {
        ours_got(rx.recv_async().await)
    }
}

// ---------------------------------------------------------------------------
// async-broadcast: backpressure (its default: no overflow, await active).

/// `async_broadcast::broadcast` in its default mode (overflow off: a full
/// channel makes a send wait). The async forms use `broadcast_direct` and
/// `recv_direct`, which do not box their future (`broadcast` and `recv`
/// allocate one per call); the blocking forms `broadcast_blocking` and
/// `recv_blocking`.
#[derive(Debug)]
pub(crate) struct AsyncBroadcast;

fn async_broadcast_got<M>(got: Result<M, async_broadcast::RecvError>) -> Got<M> {
    match got {
        Ok(m) => Got::Msg(m),
        Err(async_broadcast::RecvError::Overflowed(n)) => Got::Lagged(n),
        Err(async_broadcast::RecvError::Closed) => Got::Closed,
    }
}

impl<M: Msg> Peer<M> for AsyncBroadcast {
    const BLOCKING: bool = true;
    const ASYNC: bool = true;
    type Tx = async_broadcast::Sender<M>;
    type Rx = async_broadcast::Receiver<M>;
    fn make_one(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        let (tx, rx) = async_broadcast::broadcast(cap);
        debug_assert!(!tx.overflow() && tx.await_active());
        Some((tx, rx))
    }
    fn add_rx(_: &mut Self::Tx, rx: &Self::Rx) -> Self::Rx {
        rx.new_receiver()
    }
    fn clone_tx(tx: &Self::Tx) -> Option<Self::Tx> {
        Some(tx.clone())
    }
    fn send(tx: &mut Self::Tx, msg: M) {
        assert!(
            matches!(tx.broadcast_blocking(msg), Ok(None)),
            "async-broadcast: send failed or overflowed"
        );
    }
    async fn send_async(tx: &mut Self::Tx, msg: M) {
        assert!(
            matches!(tx.broadcast_direct(msg).await, Ok(None)),
            "async-broadcast: send failed or overflowed"
        );
    }
    fn recv(rx: &mut Self::Rx) -> Got<M> {
        async_broadcast_got(rx.recv_blocking())
    }
    async fn recv_async(rx: &mut Self::Rx) -> Got<M> {
        async_broadcast_got(rx.recv_direct().await)
    }
}

// ---------------------------------------------------------------------------
// bus: backpressure, blocking only, one sender.

/// `bus::Bus`: one sender (`broadcast` takes `&mut self`), blocking only;
/// every reader is added before the first send. A waiting reader parks with
/// a timeout and polls.
#[derive(Debug)]
pub(crate) struct Bus;

impl<M: Msg> Peer<M> for Bus {
    const BLOCKING: bool = true;
    const ASYNC: bool = false;
    type Tx = bus::Bus<M>;
    type Rx = bus::BusReader<M>;
    fn make_one(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        let mut tx = bus::Bus::new(cap);
        let rx = tx.add_rx();
        Some((tx, rx))
    }
    fn add_rx(tx: &mut Self::Tx, _: &Self::Rx) -> Self::Rx {
        tx.add_rx()
    }
    fn clone_tx(_: &Self::Tx) -> Option<Self::Tx> {
        None
    }
    fn send(tx: &mut Self::Tx, msg: M) {
        tx.broadcast(msg);
    }
    async fn send_async(_: &mut Self::Tx, _: M) {
        unreachable!("bus has no async send")
    }
    fn recv(rx: &mut Self::Rx) -> Got<M> {
        rx.recv().map_or(Got::Closed, Got::Msg)
    }
    async fn recv_async(_: &mut Self::Rx) -> Got<M> {
        unreachable!("bus has no async receive")
    }
}

// ---------------------------------------------------------------------------
// tokio: overwrite.

/// `tokio::sync::broadcast`: a send never waits, a lagging receiver gets
/// `Lagged(n)`; blocking receive through `blocking_recv` (on plain threads
/// only: it panics on a runtime thread), send is the same call in every
/// form. Its capacity is rounded up to a power of two (1, 16 and 1024 are
/// already).
#[derive(Debug)]
pub(crate) struct Tokio;

fn tokio_got<M>(got: Result<M, tokio::sync::broadcast::error::RecvError>) -> Got<M> {
    use tokio::sync::broadcast::error::RecvError;
    match got {
        Ok(m) => Got::Msg(m),
        Err(RecvError::Lagged(n)) => Got::Lagged(n),
        Err(RecvError::Closed) => Got::Closed,
    }
}

impl<M: Msg> Peer<M> for Tokio {
    const BLOCKING: bool = true;
    const ASYNC: bool = true;
    type Tx = tokio::sync::broadcast::Sender<M>;
    type Rx = tokio::sync::broadcast::Receiver<M>;
    fn make_one(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(tokio::sync::broadcast::channel(cap))
    }
    fn add_rx(tx: &mut Self::Tx, _: &Self::Rx) -> Self::Rx {
        tx.subscribe()
    }
    fn clone_tx(tx: &Self::Tx) -> Option<Self::Tx> {
        Some(tx.clone())
    }
    fn send(tx: &mut Self::Tx, msg: M) {
        assert!(tx.send(msg).is_ok(), "tokio: no receiver");
    }
    async fn send_async(tx: &mut Self::Tx, msg: M) {
        assert!(tx.send(msg).is_ok(), "tokio: no receiver");
    }
    fn recv(rx: &mut Self::Rx) -> Got<M> {
        tokio_got(rx.blocking_recv())
    }
    async fn recv_async(rx: &mut Self::Rx) -> Got<M> {
        tokio_got(rx.recv().await)
    }
}

/// Runs `$body` with `$P` bound to the adapter of `$peer` in `$semantics`
/// (`lossy` true: the overwrite peers); `None` for an unknown name.
macro_rules! with_peer {
    ($lossy:expr, $peer:expr, $P:ident => $body:expr) => {{
        match ($lossy, $peer) {
            (false, "ours") => {
                type $P = $crate::peers::Ours;
                Some($body)
            }
            (false, "async-broadcast") => {
                type $P = $crate::peers::AsyncBroadcast;
                Some($body)
            }
            (false, "bus") => {
                type $P = $crate::peers::Bus;
                Some($body)
            }
            (true, "ours") => {
                type $P = $crate::peers::OursOverwrite;
                Some($body)
            }
            (true, "tokio") => {
                type $P = $crate::peers::Tokio;
                Some($body)
            }
            _ => None,
        }
    }};
}
pub(crate) use with_peer;
