//! The select loops of the `select` binary, one implementation per way of
//! selecting. Each loop runs on one thread (`SyncSel`) or in one task
//! (`AsyncSel`) and tallies what its selects moved:
//!
//! * `recv2`/`recv4`: select over 2 or 4 receivers until `ends` producers
//!   have each sent their end marker ([`DONE`]); every other message is
//!   counted and its key added up;
//! * `send2`: `n` selects over 2 send arms, keys `0..n` (a key whose select
//!   sent nothing is offered again);
//! * `send_recv`: `n` selects over 1 send arm (keys `0..`) and 1 receive
//!   arm.

use std::future::Future;

use crate::chans::{AsyncChan, Crossbeam, Flume, Ours, SyncChan};

/// The end marker a producer sends after its keys.
pub(crate) const DONE: u64 = u64::MAX;

/// Messages moved by a select loop (or by a producer or consumer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Messages (end markers included), each one select.
    pub(crate) selects: u64,
    /// Keys (end markers excluded).
    pub(crate) count: u64,
    pub(crate) sum: u64,
    /// End markers seen.
    pub(crate) ends: u64,
    /// Disconnected arms seen (none in a correct run).
    pub(crate) errors: u64,
}

impl Tally {
    /// Counts one outcome; `false` once the loop should stop on an error.
    pub(crate) fn take(&mut self, v: Option<u64>) -> bool {
        self.selects += 1;
        match v {
            Some(DONE) => self.ends += 1,
            Some(k) => {
                self.count += 1;
                self.sum = self.sum.wrapping_add(k);
            }
            None => {
                self.errors += 1;
                return false;
            }
        }
        true
    }

    /// Adds `other`'s keys (count and sum) to this tally's.
    pub(crate) fn add_keys(&mut self, other: &Tally) {
        self.count += other.count;
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// What a select with a send arm and a receive arm completed.
enum Ev {
    Sent(bool),
    Got(Option<u64>),
}

/// Blocking select loops.
pub(crate) trait SyncSel: 'static {
    type C: SyncChan;
    fn recv2(rx: [&<Self::C as SyncChan>::Rx; 2], ends: u64) -> Tally;
    fn recv4(rx: [&<Self::C as SyncChan>::Rx; 4], ends: u64) -> Tally;
    fn send2(tx: [&<Self::C as SyncChan>::Tx; 2], n: u64) -> Tally;
    /// (sent, received).
    fn send_recv(
        tx: &<Self::C as SyncChan>::Tx,
        rx: &<Self::C as SyncChan>::Rx,
        n: u64,
    ) -> (Tally, Tally);
}

/// Async select loops. Their futures need not be `Send`: ours
/// (`SelectFuture`) is not, so every peer's selecting future is driven by
/// `Runtime::block_on` (see the `select` binary's docs).
pub(crate) trait AsyncSel: 'static {
    type C: AsyncChan;
    fn recv2<'a>(
        rx: [&'a <Self::C as AsyncChan>::Rx; 2],
        ends: u64,
    ) -> impl Future<Output = Tally> + 'a;
    fn recv4<'a>(
        rx: [&'a <Self::C as AsyncChan>::Rx; 4],
        ends: u64,
    ) -> impl Future<Output = Tally> + 'a;
    fn send2<'a>(
        tx: [&'a <Self::C as AsyncChan>::Tx; 2],
        n: u64,
    ) -> impl Future<Output = Tally> + 'a;
    fn send_recv<'a>(
        tx: &'a <Self::C as AsyncChan>::Tx,
        rx: &'a <Self::C as AsyncChan>::Rx,
        n: u64,
    ) -> impl Future<Output = (Tally, Tally)> + 'a;
}

/// Counts an `Ev`; `false` on an error.
fn take_ev(ev: Ev, key: &mut u64, sent: &mut Tally, got: &mut Tally) -> bool {
    match ev {
        Ev::Sent(true) => {
            sent.take(Some(*key));
            *key += 1;
            true
        }
        Ev::Sent(false) => sent.take(None),
        Ev::Got(v) => got.take(v),
    }
}

// The blocking loops, each around one select of a peer (inlined, so each
// peer's loop compiles as if written out).

/// `recv2`/`recv4`: selects until `ends` end markers (or a disconnect).
#[inline(always)]
fn recv_loop(ends: u64, mut select: impl FnMut() -> Option<u64>) -> Tally {
    let mut t = Tally::default();
    while t.ends < ends && t.take(select()) {}
    t
}

/// `send2`: offers keys `0..n`, each until a select sent it (or a
/// disconnect).
#[inline(always)]
fn send_loop(n: u64, mut select: impl FnMut(u64) -> bool) -> Tally {
    let mut t = Tally::default();
    let mut key = 0;
    while key < n {
        if !t.take(select(key).then_some(key)) {
            break;
        }
        key += 1;
    }
    t
}

/// `send_recv`: `n` selects over a send arm (keys `0..`) and a receive arm.
#[inline(always)]
fn send_recv_loop(n: u64, mut select: impl FnMut(u64) -> Ev) -> (Tally, Tally) {
    let (mut sent, mut got, mut key) = (Tally::default(), Tally::default(), 0);
    for _ in 0..n {
        if !take_ev(select(key), &mut key, &mut sent, &mut got) {
            break;
        }
    }
    (sent, got)
}

// ---------------------------------------------------------------------------
// Ours: the `Select` builder, reused across the loop where it can be (a
// receive-only select); a select with a send arm is built per message (a
// sent arm is spent).

pub(crate) struct OursBuilder;

impl SyncSel for OursBuilder {
    type C = Ours;
    fn recv2(rx: [&mpmc::Receiver<u64>; 2], ends: u64) -> Tally {
        let mut sel = mpmc::Select::new()
            .recv(rx[0], |r| r.ok())
            .recv(rx[1], |r| r.ok());
        recv_loop(ends, || sel.select())
    }
    fn recv4(rx: [&mpmc::Receiver<u64>; 4], ends: u64) -> Tally {
        let mut sel = mpmc::Select::new()
            .recv(rx[0], |r| r.ok())
            .recv(rx[1], |r| r.ok())
            .recv(rx[2], |r| r.ok())
            .recv(rx[3], |r| r.ok());
        recv_loop(ends, || sel.select())
    }
    fn send2(tx: [&mpmc::Sender<u64>; 2], n: u64) -> Tally {
        send_loop(n, |key| {
            mpmc::Select::new()
                .send(tx[0], key, |r| r.is_ok())
                .send(tx[1], key, |r| r.is_ok())
                .select()
        })
    }
    fn send_recv(tx: &mpmc::Sender<u64>, rx: &mpmc::Receiver<u64>, n: u64) -> (Tally, Tally) {
        send_recv_loop(n, |key| {
            mpmc::Select::new()
                .send(tx, key, |r| Ev::Sent(r.is_ok()))
                .recv(rx, |r| Ev::Got(r.ok()))
                .select()
        })
    }
}

impl AsyncSel for OursBuilder {
    type C = Ours;
    async fn recv2(rx: [&mpmc::Receiver<u64>; 2], ends: u64) -> Tally {
        let mut t = Tally::default();
        let mut sel = mpmc::Select::new()
            .recv(rx[0], |r| r.ok())
            .recv(rx[1], |r| r.ok());
        while t.ends < ends && t.take(sel.select_async().await) {}
        t
    }
    async fn recv4(rx: [&mpmc::Receiver<u64>; 4], ends: u64) -> Tally {
        let mut t = Tally::default();
        let mut sel = mpmc::Select::new()
            .recv(rx[0], |r| r.ok())
            .recv(rx[1], |r| r.ok())
            .recv(rx[2], |r| r.ok())
            .recv(rx[3], |r| r.ok());
        while t.ends < ends && t.take(sel.select_async().await) {}
        t
    }
    async fn send2(tx: [&mpmc::Sender<u64>; 2], n: u64) -> Tally {
        let mut t = Tally::default();
        let mut key = 0;
        while key < n {
            let ok = mpmc::Select::new()
                .send(tx[0], key, |r| r.is_ok())
                .send(tx[1], key, |r| r.is_ok())
                .select_async()
                .await;
            if !t.take(ok.then_some(key)) {
                break;
            }
            key += 1;
        }
        t
    }
    async fn send_recv(tx: &mpmc::Sender<u64>, rx: &mpmc::Receiver<u64>, n: u64) -> (Tally, Tally) {
        let (mut sent, mut got, mut key) = (Tally::default(), Tally::default(), 0);
        for _ in 0..n {
            let ev = mpmc::Select::new()
                .send(tx, key, |r| Ev::Sent(r.is_ok()))
                .recv(rx, |r| Ev::Got(r.ok()))
                .select_async()
                .await;
            if !take_ev(ev, &mut key, &mut sent, &mut got) {
                break;
            }
        }
        (sent, got)
    }
}

// ---------------------------------------------------------------------------
// Ours: the `mpmc::select!` macro (a fresh select per message, as with
// crossbeam's macro).

pub(crate) struct OursMacro;

impl SyncSel for OursMacro {
    type C = Ours;
    fn recv2(rx: [&mpmc::Receiver<u64>; 2], ends: u64) -> Tally {
        let [r0, r1] = rx;
        recv_loop(ends, || {
            mpmc::select! {
                recv(*r0) -> m => m.ok(),
                recv(*r1) -> m => m.ok(),
            }
        })
    }
    fn recv4(rx: [&mpmc::Receiver<u64>; 4], ends: u64) -> Tally {
        let [r0, r1, r2, r3] = rx;
        recv_loop(ends, || {
            mpmc::select! {
                recv(*r0) -> m => m.ok(),
                recv(*r1) -> m => m.ok(),
                recv(*r2) -> m => m.ok(),
                recv(*r3) -> m => m.ok(),
            }
        })
    }
    fn send2(tx: [&mpmc::Sender<u64>; 2], n: u64) -> Tally {
        let [t0, t1] = tx;
        send_loop(n, |key| {
            mpmc::select! {
                send(*t0, key) -> r => r.is_ok(),
                send(*t1, key) -> r => r.is_ok(),
            }
        })
    }
    fn send_recv(tx: &mpmc::Sender<u64>, rx: &mpmc::Receiver<u64>, n: u64) -> (Tally, Tally) {
        send_recv_loop(n, |key| {
            mpmc::select! {
                send(*tx, key) -> r => Ev::Sent(r.is_ok()),
                recv(*rx) -> m => Ev::Got(m.ok()),
            }
        })
    }
}

// ---------------------------------------------------------------------------
// crossbeam-channel: its `select!` macro.

pub(crate) struct CrossbeamMacro;

impl SyncSel for CrossbeamMacro {
    type C = Crossbeam;
    fn recv2(rx: [&crossbeam_channel::Receiver<u64>; 2], ends: u64) -> Tally {
        let [r0, r1] = rx;
        recv_loop(ends, || {
            crossbeam_channel::select! {
                recv(r0) -> m => m.ok(),
                recv(r1) -> m => m.ok(),
            }
        })
    }
    fn recv4(rx: [&crossbeam_channel::Receiver<u64>; 4], ends: u64) -> Tally {
        let [r0, r1, r2, r3] = rx;
        recv_loop(ends, || {
            crossbeam_channel::select! {
                recv(r0) -> m => m.ok(),
                recv(r1) -> m => m.ok(),
                recv(r2) -> m => m.ok(),
                recv(r3) -> m => m.ok(),
            }
        })
    }
    fn send2(tx: [&crossbeam_channel::Sender<u64>; 2], n: u64) -> Tally {
        let [t0, t1] = tx;
        send_loop(n, |key| {
            crossbeam_channel::select! {
                send(t0, key) -> r => r.is_ok(),
                send(t1, key) -> r => r.is_ok(),
            }
        })
    }
    fn send_recv(
        tx: &crossbeam_channel::Sender<u64>,
        rx: &crossbeam_channel::Receiver<u64>,
        n: u64,
    ) -> (Tally, Tally) {
        send_recv_loop(n, |key| {
            crossbeam_channel::select! {
                send(tx, key) -> r => Ev::Sent(r.is_ok()),
                recv(rx) -> m => Ev::Got(m.ok()),
            }
        })
    }
}

// ---------------------------------------------------------------------------
// crossbeam-channel: its `Select` struct, built once per loop and reused.

pub(crate) struct CrossbeamSelect;

fn cb_recv_loop(rx: &[&crossbeam_channel::Receiver<u64>], ends: u64) -> Tally {
    let mut sel = crossbeam_channel::Select::new();
    for r in rx {
        sel.recv(r);
    }
    recv_loop(ends, || {
        let op = sel.select();
        let i = op.index();
        op.recv(rx[i]).ok()
    })
}

impl SyncSel for CrossbeamSelect {
    type C = Crossbeam;
    fn recv2(rx: [&crossbeam_channel::Receiver<u64>; 2], ends: u64) -> Tally {
        cb_recv_loop(&rx, ends)
    }
    fn recv4(rx: [&crossbeam_channel::Receiver<u64>; 4], ends: u64) -> Tally {
        cb_recv_loop(&rx, ends)
    }
    fn send2(tx: [&crossbeam_channel::Sender<u64>; 2], n: u64) -> Tally {
        let mut sel = crossbeam_channel::Select::new();
        sel.send(tx[0]);
        sel.send(tx[1]);
        send_loop(n, |key| {
            let op = sel.select();
            let i = op.index();
            op.send(tx[i], key).is_ok()
        })
    }
    fn send_recv(
        tx: &crossbeam_channel::Sender<u64>,
        rx: &crossbeam_channel::Receiver<u64>,
        n: u64,
    ) -> (Tally, Tally) {
        let mut sel = crossbeam_channel::Select::new();
        let send_i = sel.send(tx);
        sel.recv(rx);
        send_recv_loop(n, |key| {
            let op = sel.select();
            if op.index() == send_i {
                Ev::Sent(op.send(tx, key).is_ok())
            } else {
                Ev::Got(op.recv(rx).ok())
            }
        })
    }
}

// ---------------------------------------------------------------------------
// flume: its `Selector` (built per wait: `wait` consumes it).

pub(crate) struct FlumeSelector;

impl SyncSel for FlumeSelector {
    type C = Flume;
    fn recv2(rx: [&flume::Receiver<u64>; 2], ends: u64) -> Tally {
        recv_loop(ends, || {
            flume::Selector::new()
                .recv(rx[0], |r| r.ok())
                .recv(rx[1], |r| r.ok())
                .wait()
        })
    }
    fn recv4(rx: [&flume::Receiver<u64>; 4], ends: u64) -> Tally {
        recv_loop(ends, || {
            flume::Selector::new()
                .recv(rx[0], |r| r.ok())
                .recv(rx[1], |r| r.ok())
                .recv(rx[2], |r| r.ok())
                .recv(rx[3], |r| r.ok())
                .wait()
        })
    }
    fn send2(tx: [&flume::Sender<u64>; 2], n: u64) -> Tally {
        send_loop(n, |key| {
            flume::Selector::new()
                .send(tx[0], key, |r| r.is_ok())
                .send(tx[1], key, |r| r.is_ok())
                .wait()
        })
    }
    fn send_recv(tx: &flume::Sender<u64>, rx: &flume::Receiver<u64>, n: u64) -> (Tally, Tally) {
        send_recv_loop(n, |key| {
            flume::Selector::new()
                .send(tx, key, |r| Ev::Sent(r.is_ok()))
                .recv(rx, |r| Ev::Got(r.ok()))
                .wait()
        })
    }
}

// ---------------------------------------------------------------------------
// `tokio::select!` over a channel's own futures (fresh futures per select;
// the losers are dropped, as in any `tokio::select!` loop).

pub(crate) struct TokioSelect<C>(std::marker::PhantomData<C>);

impl<C: AsyncChan> AsyncSel for TokioSelect<C> {
    type C = C;
    async fn recv2(rx: [&C::Rx; 2], ends: u64) -> Tally {
        let [r0, r1] = rx;
        let mut t = Tally::default();
        while t.ends < ends {
            let v = tokio::select! {
                v = C::recv(r0) => v,
                v = C::recv(r1) => v,
            };
            if !t.take(v) {
                break;
            }
        }
        t
    }
    async fn recv4(rx: [&C::Rx; 4], ends: u64) -> Tally {
        let [r0, r1, r2, r3] = rx;
        let mut t = Tally::default();
        while t.ends < ends {
            let v = tokio::select! {
                v = C::recv(r0) => v,
                v = C::recv(r1) => v,
                v = C::recv(r2) => v,
                v = C::recv(r3) => v,
            };
            if !t.take(v) {
                break;
            }
        }
        t
    }
    async fn send2(tx: [&C::Tx; 2], n: u64) -> Tally {
        let [t0, t1] = tx;
        let mut t = Tally::default();
        let mut key = 0;
        while key < n {
            let ok = tokio::select! {
                ok = C::send(t0, key) => ok,
                ok = C::send(t1, key) => ok,
            };
            if !t.take(ok.then_some(key)) {
                break;
            }
            key += 1;
        }
        t
    }
    async fn send_recv(tx: &C::Tx, rx: &C::Rx, n: u64) -> (Tally, Tally) {
        let (mut sent, mut got, mut key) = (Tally::default(), Tally::default(), 0);
        for _ in 0..n {
            let ev = tokio::select! {
                ok = C::send(tx, key) => Ev::Sent(ok),
                v = C::recv(rx) => Ev::Got(v),
            };
            if !take_ev(ev, &mut key, &mut sent, &mut got) {
                break;
            }
        }
        (sent, got)
    }
}
