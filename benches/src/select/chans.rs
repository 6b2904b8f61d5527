//! The channels under the selects of the `select` binary: how a producer
//! or consumer thread (`SyncChan`) or task (`AsyncChan`) outside the select
//! sends and receives. A capacity a channel lacks gives `None` ("n/a").

use std::future::Future;

/// Blocking ends: ours, crossbeam-channel, flume.
pub(crate) trait SyncChan: 'static {
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + Sync + 'static;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)>;
    /// `false` once the channel is disconnected.
    fn send(tx: &Self::Tx, v: u64) -> bool;
    /// `None` once the channel is disconnected and drained.
    fn recv(rx: &Self::Rx) -> Option<u64>;
}

/// Async ends: ours, kanal, async-channel, flume.
pub(crate) trait AsyncChan: 'static {
    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + Sync + 'static;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)>;
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = bool> + Send + '_;
    fn recv(rx: &Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// `mpmc::bounded`.
pub(crate) struct Ours;
/// `crossbeam_channel::bounded` (0 is a rendezvous).
pub(crate) struct Crossbeam;
/// `flume::bounded` (0 is a rendezvous).
pub(crate) struct Flume;
/// `kanal::bounded_async` (0 is a rendezvous).
pub(crate) struct Kanal;
/// `async_channel::bounded` (no rendezvous: 0 panics, so "n/a").
pub(crate) struct AsyncChannel;

impl SyncChan for Ours {
    type Tx = mpmc::Sender<u64>;
    type Rx = mpmc::Receiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(mpmc::bounded(cap))
    }
    fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).is_ok()
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

impl AsyncChan for Ours {
    type Tx = mpmc::Sender<u64>;
    type Rx = mpmc::Receiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(mpmc::bounded(cap))
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send_async(v).await.is_ok()
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

impl SyncChan for Crossbeam {
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(crossbeam_channel::bounded(cap))
    }
    fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).is_ok()
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

impl SyncChan for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(flume::bounded(cap))
    }
    fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).is_ok()
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
}

impl AsyncChan for Flume {
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(flume::bounded(cap))
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send_async(v).await.is_ok()
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

impl AsyncChan for Kanal {
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        Some(kanal::bounded_async(cap))
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

impl AsyncChan for AsyncChannel {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn make(cap: usize) -> Option<(Self::Tx, Self::Rx)> {
        (cap > 0).then(|| async_channel::bounded(cap))
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    async fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}
