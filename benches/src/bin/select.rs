//! Select benchmarks: `mpmc::Select` (the builder, the `mpmc::select!`
//! macro, `select_async`) against crossbeam-channel's `select!` and
//! `Select`, flume's `Selector`, and `tokio::select!` over channel futures
//! (ours, kanal, async-channel, flume): ns per message (wall and CPU) and
//! allocations per select.
//!
//! ```text
//! select [--runs R] [--scale F] [--quick] [--filter TEXT] [--peers a,b]
//!        [--timeout S] [--json FILE] [--markdown FILE]
//! select --list                      # the cells, one id a line
//! select --child ID PEER N           # one run (what the parent spawns)
//! ```
//!
//! Cells (`SHAPE CAP FORM`), every message a `u64`:
//! * `recv2-one`, `recv4-one`: one consumer selects over 2 or 4 receivers;
//!   one producer sends on the first channel, the others stay idle
//!   (connected, empty);
//! * `recv2-all`, `recv4-all`: as above, one producer per channel;
//! * `send2`: one selector sends over 2 send arms, one consumer per channel;
//! * `send+recv`: one select with a send arm (to a consumer) and a receive
//!   arm (from a producer), each select completing one of them.
//!
//! Capacities `bounded(0)` (rendezvous), `bounded(1)`, `bounded(64)`. Forms:
//! `sync` (every end a thread; blocking selects), `async-mt` (producers and
//! consumers are tasks on a tokio multi-thread runtime with 2 workers),
//! `async-ct` (the same on a tokio current-thread runtime). The selecting
//! future itself is driven by `Runtime::block_on`, for every peer alike:
//! ours (`mpmc::SelectFuture`) is not `Send`, so it cannot be
//! `tokio::spawn`ed on a multi-thread runtime. In `async-ct` that is the
//! runtime's one thread (as a task would be); in `async-mt` it is the main
//! thread, beside the 2 workers.
//!
//! Peers, blocking (`sync`): `ours` (`mpmc::Select` builder; reused across
//! the loop for receive-only selects, built per message when it has a send
//! arm, whose arm is spent once sent), `ours-macro` (`mpmc::select!`),
//! `crossbeam` (`crossbeam_channel::select!`), `crossbeam-Select` (a
//! `crossbeam_channel::Select` built once and reused), `flume`
//! (`flume::Selector`, built per wait). Async: `ours-async`
//! (`Select::select_async`), and `tokio::select!` over the futures of
//! `tokio/ours` (`recv_async`/`send_async`), `tokio/kanal`
//! (`bounded_async`), `tokio/async-channel` (no rendezvous) and
//! `tokio/flume` (`recv_async`/`send_async`).
//!
//! A fixed-count runner like `matrix`: each run is a child process (a hang
//! is killed after `--timeout` s, a panic is reported), which moves N
//! messages (20,000 at `--scale 1` on `bounded(0)`/`bounded(1)`, 100,000 on
//! `bounded(64)`) through fresh channels. The clock starts once every
//! thread waits at a barrier (tasks wait behind a gate) and stops when the
//! selector's loop ends; wall time and the process's CPU time (user +
//! system, `getrusage(RUSAGE_SELF)`, every thread) are divided by the
//! selects completed (one message each). A counting global allocator counts
//! the allocations and bytes of the whole process over the same interval
//! (the producers' and consumers' too), divided by the selects; in `sync`
//! cells the selecting thread's own allocations per select are kept too.
//! Every run checks its ledger (every key received once, the key sums
//! equal, no end marker lost): a run that fails is reported ("lost"),
//! never dropped.

use std::fmt::Write as _;
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use oneshot_benches::harness::child::{self, run_peers};
use oneshot_benches::harness::cli::{Options, Quick};
use oneshot_benches::harness::counting::{self, Allocated, Counting};
use oneshot_benches::harness::cpu::process_cpu_time;
use oneshot_benches::harness::report::{
    command_output, cpu_model, date, json_list, json_string, load_average, rustc_version,
};
use oneshot_benches::harness::stats::{median, Spread};

#[path = "../select/chans.rs"]
mod chans;
#[path = "../select/loops.rs"]
mod loops;

use chans::{AsyncChan, AsyncChannel, Flume, Kanal, Ours, SyncChan};
use loops::{
    AsyncSel, CrossbeamMacro, CrossbeamSelect, FlumeSelector, OursBuilder, OursMacro, SyncSel,
    Tally, TokioSelect, DONE,
};

// Per thread too: the selecting thread's own allocations are reported.
#[global_allocator]
static GLOBAL: Counting<true> = Counting;

// ---------------------------------------------------------------------------
// The cells.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Select over `arms` receivers; `all`: a producer per channel.
    Recv {
        arms: usize,
        all: bool,
    },
    Send2,
    SendRecv,
}

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::Recv {
                arms: 2,
                all: false,
            } => "recv2-one",
            Shape::Recv { arms: 2, all: true } => "recv2-all",
            Shape::Recv { all: false, .. } => "recv4-one",
            Shape::Recv { all: true, .. } => "recv4-all",
            Shape::Send2 => "send2",
            Shape::SendRecv => "send+recv",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Sync,
    AsyncMt,
    AsyncCt,
}

impl Form {
    fn label(self) -> &'static str {
        match self {
            Form::Sync => "sync",
            Form::AsyncMt => "async-mt",
            Form::AsyncCt => "async-ct",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    shape: Shape,
    cap: usize,
    form: Form,
}

const SHAPES: [Shape; 6] = [
    Shape::Recv {
        arms: 2,
        all: false,
    },
    Shape::Recv { arms: 2, all: true },
    Shape::Recv {
        arms: 4,
        all: false,
    },
    Shape::Recv { arms: 4, all: true },
    Shape::Send2,
    Shape::SendRecv,
];
const CAPS: [usize; 3] = [0, 1, 64];
const FORMS: [Form; 3] = [Form::Sync, Form::AsyncMt, Form::AsyncCt];

const SYNC_PEERS: [&str; 5] = [
    "ours",
    "ours-macro",
    "crossbeam",
    "crossbeam-Select",
    "flume",
];
const ASYNC_PEERS: [&str; 5] = [
    "ours-async",
    "tokio/ours",
    "tokio/kanal",
    "tokio/async-channel",
    "tokio/flume",
];

impl Cell {
    fn id(&self) -> String {
        format!(
            "{} bounded({}) {}",
            self.shape.label(),
            self.cap,
            self.form.label()
        )
    }
    fn peers(&self) -> &'static [&'static str] {
        if self.form == Form::Sync {
            &SYNC_PEERS
        } else {
            &ASYNC_PEERS
        }
    }
    /// Messages per run at `--scale 1`.
    fn messages(&self) -> u64 {
        if self.cap <= 1 {
            20_000
        } else {
            100_000
        }
    }
}

fn cells() -> Vec<Cell> {
    let mut all = Vec::new();
    for form in FORMS {
        for shape in SHAPES {
            for cap in CAPS {
                all.push(Cell { shape, cap, form });
            }
        }
    }
    all
}

// ---------------------------------------------------------------------------
// One run (the child).

/// A point in a run: wall clock, process CPU time, process allocations.
#[derive(Debug, Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Duration,
    alloc: Allocated,
}

impl Mark {
    fn now() -> Self {
        // The allocation count first: reading the clocks allocates nothing.
        let alloc = Allocated::now();
        Mark {
            wall: Instant::now(),
            cpu: process_cpu_time(),
            alloc,
        }
    }
}

/// The selector's side of a run: its end mark, its tallies (sent or
/// received; for `send+recv`, received), and its own thread's allocations
/// over the loop (`None` in a task).
struct SelEnd {
    end: Mark,
    sent: Tally,
    got: Tally,
    own_allocs: Option<u64>,
}

/// What one run measured.
#[derive(Debug)]
struct Measured {
    wall: Duration,
    cpu: Duration,
    selects: u64,
    alloc: Allocated,
    own_allocs: Option<u64>,
}

type Outcome = Result<Measured, String>;

/// Checks a recv cell: `producers` producers sent keys `0..total` and one
/// end marker each.
fn check_recv(got: Tally, total: u64, producers: u64) -> Result<(), String> {
    let expected_sum = total * total.saturating_sub(1) / 2;
    if got.count == total && got.sum == expected_sum && got.ends == producers && got.errors == 0 {
        Ok(())
    } else {
        Err(format!(
            "lost: received {} of {total} (key sum {}, expected {expected_sum}), {} of {producers} end markers, {} disconnects",
            got.count, got.sum, got.ends, got.errors
        ))
    }
}

/// Checks that what `from` sent is what `to` received.
fn check_same(what: &str, from: Tally, to: Tally) -> Result<(), String> {
    if from.count == to.count && from.sum == to.sum && from.errors == 0 {
        Ok(())
    } else {
        // More received than the selects reported sent: a send arm that
        // lost the select sent its message anyway.
        let word = if to.count > from.count { "dup" } else { "lost" };
        Err(format!(
            "{word}: {what}: {} sent (key sum {}), {} received (key sum {}), {} failed sends",
            from.count, from.sum, to.count, to.sum, from.errors
        ))
    }
}

fn measured(start: Mark, sel: &SelEnd) -> Measured {
    Measured {
        wall: sel.end.wall - start.wall,
        cpu: sel.end.cpu.saturating_sub(start.cpu),
        selects: sel.sent.selects + sel.got.selects,
        alloc: start.alloc.until(sel.end.alloc),
        own_allocs: sel.own_allocs,
    }
}

/// The cell's channels, one per arm (`arms` receivers, or 2), senders and
/// receivers apart; `None` if the peer lacks the cell's capacity.
fn channels<T, R>(cell: &Cell, make: fn(usize) -> Option<(T, R)>) -> Option<(Vec<T>, Vec<R>)> {
    let arms = match cell.shape {
        Shape::Recv { arms, .. } => arms,
        Shape::Send2 | Shape::SendRecv => 2,
    };
    let chans = (0..arms)
        .map(|_| make(cell.cap))
        .collect::<Option<Vec<_>>>()?;
    Some(chans.into_iter().unzip())
}

/// The two channels' ends of a `send+recv` cell: channel 0 selector →
/// consumer, channel 1 producer → selector.
fn two<T>(ends: Vec<T>) -> [T; 2] {
    ends.try_into()
        .unwrap_or_else(|_| unreachable!("send+recv has 2 channels"))
}

fn run_sync<S: SyncSel>(cell: &Cell, n: u64) -> Option<Outcome> {
    type C<S> = <S as SyncSel>::C;
    let (txs, rxs) = channels(cell, <C<S> as SyncChan>::make)?;
    match cell.shape {
        Shape::Recv { arms, all } => {
            let producers = if all { arms } else { 1 };
            let per = n / producers as u64;
            let total = per * producers as u64;
            let ready = Arc::new(Barrier::new(producers + 2));
            let go = Arc::new(Barrier::new(producers + 2));
            let mut threads = Vec::new();
            for (p, tx) in txs.iter().take(producers).enumerate() {
                let tx = tx.clone();
                let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
                threads.push(thread::spawn(move || {
                    ready.wait();
                    go.wait();
                    let first = p as u64 * per;
                    for key in first..first + per {
                        assert!(C::<S>::send(&tx, key), "a receiver is gone");
                    }
                    assert!(C::<S>::send(&tx, DONE), "a receiver is gone");
                }));
            }
            let (r2, g2) = (Arc::clone(&ready), Arc::clone(&go));
            let selector = thread::spawn(move || {
                r2.wait();
                g2.wait();
                let mine = counting::mine();
                let ends = producers as u64;
                let got = if arms == 2 {
                    S::recv2([&rxs[0], &rxs[1]], ends)
                } else {
                    S::recv4([&rxs[0], &rxs[1], &rxs[2], &rxs[3]], ends)
                };
                let own = counting::mine() - mine;
                SelEnd {
                    end: Mark::now(),
                    sent: Tally::default(),
                    got,
                    own_allocs: Some(own),
                }
            });
            ready.wait();
            let start = Mark::now();
            go.wait();
            let sel = selector.join().expect("the selector thread");
            for t in threads {
                t.join().expect("a producer thread");
            }
            drop(txs);
            Some(check_recv(sel.got, total, producers as u64).map(|()| measured(start, &sel)))
        }
        Shape::Send2 => {
            let ready = Arc::new(Barrier::new(4));
            let go = Arc::new(Barrier::new(4));
            let mut consumers = Vec::new();
            for rx in rxs {
                let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
                consumers.push(thread::spawn(move || {
                    ready.wait();
                    go.wait();
                    let mut t = Tally::default();
                    while let Some(v) = C::<S>::recv(&rx) {
                        t.take(Some(v));
                    }
                    t
                }));
            }
            let (r2, g2) = (Arc::clone(&ready), Arc::clone(&go));
            let selector = thread::spawn(move || {
                r2.wait();
                g2.wait();
                let mine = counting::mine();
                let sent = S::send2([&txs[0], &txs[1]], n);
                let own = counting::mine() - mine;
                let end = Mark::now();
                drop(txs);
                SelEnd {
                    end,
                    sent,
                    got: Tally::default(),
                    own_allocs: Some(own),
                }
            });
            ready.wait();
            let start = Mark::now();
            go.wait();
            let sel = selector.join().expect("the selector thread");
            let mut got = Tally::default();
            for c in consumers {
                let t = c.join().expect("a consumer thread");
                got.add_keys(&t);
            }
            Some(check_same("send arms", sel.sent, got).map(|()| measured(start, &sel)))
        }
        Shape::SendRecv => {
            let ([tx_out, tx_in], [rx_out, rx_in]) = (two(txs), two(rxs));
            let stop = Arc::new(AtomicBool::new(false));
            let ready = Arc::new(Barrier::new(4));
            let go = Arc::new(Barrier::new(4));
            let consumer = {
                let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
                thread::spawn(move || {
                    ready.wait();
                    go.wait();
                    let mut t = Tally::default();
                    while let Some(v) = C::<S>::recv(&rx_out) {
                        t.take(Some(v));
                    }
                    t
                })
            };
            let producer = {
                let (ready, go, stop) = (Arc::clone(&ready), Arc::clone(&go), Arc::clone(&stop));
                thread::spawn(move || {
                    ready.wait();
                    go.wait();
                    let mut t = Tally::default();
                    let mut key = 0;
                    // ORDERING: Relaxed: only a stop request; the channel
                    // carries the messages.
                    while !stop.load(Ordering::Relaxed) {
                        assert!(C::<S>::send(&tx_in, key), "the selector is gone");
                        t.take(Some(key));
                        key += 1;
                    }
                    t
                })
            };
            let (r2, g2) = (Arc::clone(&ready), Arc::clone(&go));
            let selector = thread::spawn(move || {
                r2.wait();
                g2.wait();
                let mine = counting::mine();
                let (sent, mut got) = S::send_recv(&tx_out, &rx_in, n);
                let own = counting::mine() - mine;
                let end = Mark::now();
                drop(tx_out);
                // ORDERING: Relaxed, as in the producer.
                stop.store(true, Ordering::Relaxed);
                // Drain what the producer still sends (not timed).
                let mut rest = Tally::default();
                while let Some(v) = C::<S>::recv(&rx_in) {
                    rest.take(Some(v));
                }
                let got_selects = got.selects;
                got.add_keys(&rest);
                (
                    SelEnd {
                        end,
                        sent,
                        got: Tally {
                            selects: got_selects,
                            ..got
                        },
                        own_allocs: Some(own),
                    },
                    got,
                )
            });
            ready.wait();
            let start = Mark::now();
            go.wait();
            let (sel, got_all) = selector.join().expect("the selector thread");
            let consumed = consumer.join().expect("the consumer thread");
            let produced = producer.join().expect("the producer thread");
            Some(
                check_same("send arm", sel.sent, consumed)
                    .and_then(|()| check_same("receive arm", produced, got_all))
                    .map(|()| measured(start, &sel)),
            )
        }
    }
}

fn runtime(form: Form) -> tokio::runtime::Runtime {
    let rt = match form {
        Form::AsyncCt => tokio::runtime::Builder::new_current_thread().build(),
        _ => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build(),
    }
    .expect("a tokio runtime");
    // Start the workers before the clock does.
    rt.block_on(async {
        let handles: Vec<_> = (0..4).map(|_| tokio::spawn(async {})).collect();
        for h in handles {
            h.await.expect("warm-up task");
        }
    });
    rt
}

/// A gate every task waits behind until the clock starts.
#[derive(Clone)]
struct Gate(tokio::sync::watch::Receiver<bool>);

impl Gate {
    async fn wait(mut self) {
        self.0.wait_for(|open| *open).await.expect("the gate");
    }
}

fn run_async<S: AsyncSel>(cell: &Cell, n: u64) -> Option<Outcome> {
    type C<S> = <S as AsyncSel>::C;
    let (txs, rxs) = channels(cell, <C<S> as AsyncChan>::make)?;
    let rt = runtime(cell.form);
    let (open, gate) = tokio::sync::watch::channel(false);
    let gate = Gate(gate);
    let _enter = rt.enter();
    match cell.shape {
        Shape::Recv { arms, all } => {
            let producers = if all { arms } else { 1 };
            let per = n / producers as u64;
            let total = per * producers as u64;
            let mut tasks = Vec::new();
            for (p, tx) in txs.iter().take(producers).enumerate() {
                let tx = tx.clone();
                let gate = gate.clone();
                tasks.push(tokio::spawn(async move {
                    gate.wait().await;
                    let first = p as u64 * per;
                    for key in first..first + per {
                        assert!(C::<S>::send(&tx, key).await, "a receiver is gone");
                    }
                    assert!(C::<S>::send(&tx, DONE).await, "a receiver is gone");
                }));
            }
            let selector = async move {
                let ends = producers as u64;
                let got = if arms == 2 {
                    S::recv2([&rxs[0], &rxs[1]], ends).await
                } else {
                    S::recv4([&rxs[0], &rxs[1], &rxs[2], &rxs[3]], ends).await
                };
                SelEnd {
                    end: Mark::now(),
                    sent: Tally::default(),
                    got,
                    own_allocs: None,
                }
            };
            let start = Mark::now();
            open.send_replace(true);
            let sel = rt.block_on(selector);
            for t in tasks {
                rt.block_on(t).expect("a producer task");
            }
            drop(txs);
            Some(check_recv(sel.got, total, producers as u64).map(|()| measured(start, &sel)))
        }
        Shape::Send2 => {
            let mut consumers = Vec::new();
            for rx in rxs {
                let gate = gate.clone();
                consumers.push(tokio::spawn(async move {
                    gate.wait().await;
                    let mut t = Tally::default();
                    while let Some(v) = C::<S>::recv(&rx).await {
                        t.take(Some(v));
                    }
                    t
                }));
            }
            let selector = async move {
                let sent = S::send2([&txs[0], &txs[1]], n).await;
                let end = Mark::now();
                drop(txs);
                SelEnd {
                    end,
                    sent,
                    got: Tally::default(),
                    own_allocs: None,
                }
            };
            let start = Mark::now();
            open.send_replace(true);
            let sel = rt.block_on(selector);
            let mut got = Tally::default();
            for c in consumers {
                let t = rt.block_on(c).expect("a consumer task");
                got.add_keys(&t);
            }
            Some(check_same("send arms", sel.sent, got).map(|()| measured(start, &sel)))
        }
        Shape::SendRecv => {
            let ([tx_out, tx_in], [rx_out, rx_in]) = (two(txs), two(rxs));
            let stop = Arc::new(AtomicBool::new(false));
            let consumer = {
                let gate = gate.clone();
                tokio::spawn(async move {
                    gate.wait().await;
                    let mut t = Tally::default();
                    while let Some(v) = C::<S>::recv(&rx_out).await {
                        t.take(Some(v));
                    }
                    t
                })
            };
            let producer = {
                let (gate, stop) = (gate.clone(), Arc::clone(&stop));
                tokio::spawn(async move {
                    gate.wait().await;
                    let mut t = Tally::default();
                    let mut key = 0;
                    // ORDERING: Relaxed: only a stop request.
                    while !stop.load(Ordering::Relaxed) {
                        assert!(C::<S>::send(&tx_in, key).await, "the selector is gone");
                        t.take(Some(key));
                        key += 1;
                    }
                    t
                })
            };
            let selector = async move {
                let (sent, mut got) = S::send_recv(&tx_out, &rx_in, n).await;
                let end = Mark::now();
                drop(tx_out);
                // ORDERING: Relaxed, as in the producer.
                stop.store(true, Ordering::Relaxed);
                let mut rest = Tally::default();
                while let Some(v) = C::<S>::recv(&rx_in).await {
                    rest.take(Some(v));
                }
                let got_selects = got.selects;
                got.add_keys(&rest);
                (
                    SelEnd {
                        end,
                        sent,
                        got: Tally {
                            selects: got_selects,
                            ..got
                        },
                        own_allocs: None,
                    },
                    got,
                )
            };
            let start = Mark::now();
            open.send_replace(true);
            let (sel, got_all) = rt.block_on(selector);
            let consumed = rt.block_on(consumer).expect("the consumer task");
            let produced = rt.block_on(producer).expect("the producer task");
            Some(
                check_same("send arm", sel.sent, consumed)
                    .and_then(|()| check_same("receive arm", produced, got_all))
                    .map(|()| measured(start, &sel)),
            )
        }
    }
}

/// Runs `cell` once for `peer`; `None` if the peer does not support it.
fn run_one(cell: &Cell, peer: &str, n: u64) -> Option<Outcome> {
    if cell.form == Form::Sync {
        match peer {
            "ours" => run_sync::<OursBuilder>(cell, n),
            "ours-macro" => run_sync::<OursMacro>(cell, n),
            "crossbeam" => run_sync::<CrossbeamMacro>(cell, n),
            "crossbeam-Select" => run_sync::<CrossbeamSelect>(cell, n),
            "flume" => run_sync::<FlumeSelector>(cell, n),
            _ => None,
        }
    } else {
        match peer {
            "ours-async" => run_async::<OursBuilder>(cell, n),
            "tokio/ours" => run_async::<TokioSelect<Ours>>(cell, n),
            "tokio/kanal" => run_async::<TokioSelect<Kanal>>(cell, n),
            "tokio/async-channel" => run_async::<TokioSelect<AsyncChannel>>(cell, n),
            "tokio/flume" => run_async::<TokioSelect<Flume>>(cell, n),
            _ => None,
        }
    }
}

/// Whether `peer` can run `cell` (asked by the parent, in process).
fn supports(cell: &Cell, peer: &str) -> bool {
    if !cell.peers().contains(&peer) {
        return false;
    }
    match peer {
        "tokio/async-channel" => AsyncChannel::make(cell.cap).is_some(),
        _ => true,
    }
}

// ---------------------------------------------------------------------------
// The parent.

/// What a successful child printed, per select.
#[derive(Debug, Clone, Copy)]
struct PerSelect {
    wall: f64,
    cpu: f64,
    allocs: f64,
    bytes: f64,
    /// The selecting thread's own allocations per select (`sync` only).
    own_allocs: Option<f64>,
}

/// One peer's results for one cell (per select: each moves one message);
/// its status: "n/a", "hang ...", "lost ...", "panic ..." (the first
/// failure).
type Results = oneshot_benches::harness::stats::Results<PerSelect>;

/// The median of one figure; NaN without runs.
fn median_of(r: &Results, f: impl Fn(&PerSelect) -> f64) -> f64 {
    median(&r.values(f))
}

/// The selecting thread's own allocations per select of every run (none
/// outside `sync`).
fn own_allocs(r: &Results) -> Vec<f64> {
    r.runs.iter().filter_map(|m| m.own_allocs).collect()
}

type Row = (Cell, u64, Vec<(&'static str, Results)>);

/// `--quick`, the CI smoke: one run of each cell at 2 % of the messages, no
/// current-thread cells; well under 20 s on 2 CPUs. It wins over `--runs`,
/// `--scale` and `--timeout` wherever it stands.
const QUICK: Quick = Quick {
    runs: 1,
    scale: 0.02,
    timeout: Duration::from_secs(3),
};

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options::parse(args, Duration::from_secs(10), Some(QUICK), true)?;
    if o.quick {
        o.apply(QUICK);
    }
    Ok(o)
}

fn spawn_run(id: &str, peer: &str, n: u64, timeout: Duration) -> Result<PerSelect, String> {
    let [wall, selects, cpu, allocs, bytes, own] = child::spawn_run(id, peer, n, timeout)?;
    Ok(PerSelect {
        wall: wall / selects,
        cpu: cpu / selects,
        allocs: allocs / selects,
        bytes: bytes / selects,
        own_allocs: (own >= 0.0).then_some(own / selects),
    })
}

fn json_values(v: &[f64]) -> String {
    json_list(v.iter().map(|x| format!("{x:.4}")))
}

/// Allocations per select as the tables show them: `-` for none, enough
/// decimals to tell one allocation per run from one per select.
fn allocs(x: f64) -> String {
    if x == 0.0 {
        "-".to_owned()
    } else if x < 0.01 {
        format!("{x:.1e}")
    } else {
        ns(x)
    }
}

/// A number as the tables show it: 3 significant figures.
fn ns(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

fn parent(o: &Options) -> ExitCode {
    let selected: Vec<Cell> = cells()
        .into_iter()
        .filter(|c| !(o.quick && c.form == Form::AsyncCt))
        .filter(|c| o.wants(&c.id()))
        .collect();
    let started = Instant::now();
    let commit_at_start = commit();
    let mut rows: Vec<Row> = Vec::new();
    for cell in &selected {
        let id = cell.id();
        let n = o.messages(cell.messages(), 200);
        let cell_start = Instant::now();
        let results = run_peers(
            o,
            cell.peers(),
            |p| supports(cell, p),
            |peer| spawn_run(&id, peer, n, o.timeout),
        );
        let mut line = format!("{id:<30} n={n:<6}");
        for (peer, r) in &results {
            let shown = match &r.status {
                Some(s) => s.split_whitespace().next().unwrap_or("").to_owned(),
                None => format!(
                    "{}/{} a{}",
                    ns(median_of(r, |m| m.wall)),
                    ns(median_of(r, |m| m.cpu)),
                    allocs(median_of(r, |m| m.allocs))
                ),
            };
            let _ = write!(line, " {peer}={shown}");
        }
        println!("{line}  ({:.1} s)", cell_start.elapsed().as_secs_f64());
        rows.push((*cell, n, results));
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("select: {} cells in {seconds:.0} s", rows.len());
    let mut failed = false;
    if let Some(path) = &o.json {
        if let Err(e) = std::fs::write(path, to_json(&rows, o, seconds)) {
            eprintln!("select: cannot write {path}: {e}");
            failed = true;
        }
    }
    if let Some(path) = &o.markdown {
        if let Err(e) = std::fs::write(path, to_markdown(&rows, o, seconds, &commit_at_start)) {
            eprintln!("select: cannot write {path}: {e}");
            failed = true;
        }
    }
    // A failure of our `Select` (not a peer's, and not `tokio::select!` over
    // our futures) fails the run, so CI sees it.
    let ours_failed = rows.iter().any(|(_, _, rs)| {
        rs.iter()
            .any(|(p, r)| is_ours_select(p) && r.status.as_deref().is_some_and(|s| s != "n/a"))
    });
    if ours_failed {
        eprintln!("select: a run of ours failed (hang, lost or panic): see the table");
    }
    if failed || ours_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn is_ours_select(peer: &str) -> bool {
    matches!(peer, "ours" | "ours-macro" | "ours-async")
}

/// `HEAD`'s short hash, with "(mpmc/ modified)" if the working tree's
/// `mpmc/` differs from it.
fn commit() -> String {
    let mut commit = command_output("git", &["rev-parse", "--short", "HEAD"]);
    if !Command::new("git")
        .args(["diff", "--quiet", "HEAD", "--", "mpmc"])
        .status()
        .is_ok_and(|s| s.success())
    {
        commit.push_str(" (mpmc/ modified)");
    }
    commit
}

/// Date, commit (at the start of the run: build right before it), CPU
/// model, CPUs and load: the header of the summary.
fn machine(commit_at_start: &str) -> String {
    let cpu = cpu_model();
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    let load = load_average().unwrap_or_default();
    let now = commit();
    let commit = if now == commit_at_start {
        now
    } else {
        format!("{commit_at_start} at the start of the run (HEAD moved to {now} during it)")
    };
    format!(
        "date: {}\ncommit: {commit}\nrustc: {}\nCPU: {cpu}, {cpus} CPUs (shared with other work: load average {load} at the end)\n",
        date(),
        rustc_version(),
    )
}

fn to_json(rows: &[Row], o: &Options, seconds: f64) -> String {
    let mut out = String::from("{\n \"cells\": [\n");
    for (k, (cell, n, results)) in rows.iter().enumerate() {
        let _ = write!(
            out,
            "  {{\"id\": {}, \"shape\": {}, \"cap\": {}, \"form\": {}, \"message\": \"u64\", \"messages\": {n}, \"results\": {{",
            json_string(&cell.id()),
            json_string(cell.shape.label()),
            cell.cap,
            json_string(cell.form.label()),
        );
        for (j, (peer, r)) in results.iter().enumerate() {
            let status = r.status.as_deref().map_or("null".to_owned(), json_string);
            let _ = write!(
                out,
                "{}{}: {{\"wall_ns_per_select\": {}, \"cpu_ns_per_select\": {}, \"allocs_per_select\": {}, \"bytes_per_select\": {}, \"own_thread_allocs_per_select\": {}, \"status\": {status}}}",
                if j == 0 { "" } else { ", " },
                json_string(peer),
                json_values(&r.values(|m| m.wall)),
                json_values(&r.values(|m| m.cpu)),
                json_values(&r.values(|m| m.allocs)),
                json_values(&r.values(|m| m.bytes)),
                json_values(&own_allocs(r)),
            );
        }
        out.push_str(if k + 1 == rows.len() { "}}\n" } else { "}},\n" });
    }
    let _ = write!(
        out,
        " ],\n \"runs\": {},\n \"scale\": {},\n \"quick\": {},\n \"seconds\": {seconds:.1}\n}}\n",
        o.runs, o.scale, o.quick
    );
    out
}

/// The fastest successful peer among `names` (median wall): (name, ns).
fn best<'a>(results: &'a [(&'static str, Results)], names: &[&str]) -> Option<(&'a str, f64)> {
    results
        .iter()
        .filter(|(p, r)| names.contains(p) && r.ok())
        .map(|(p, r)| (*p, median_of(r, |m| m.wall)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// How the runs of `ours` and `peer` compare: every run faster, every run
/// slower, or overlapping ranges (the median alone does not decide).
fn spread(results: &[(&'static str, Results)], ours: &str, peer: &str) -> &'static str {
    let range = |name: &str| {
        results
            .iter()
            .find(|(p, _)| *p == name)
            .map(|(_, r)| r.min_max(|m| m.wall))
    };
    match (range(ours), range(peer)) {
        (Some(ours), Some(peer)) => Spread::of(ours, peer).label(),
        _ => Spread::Overlap.label(),
    }
}

fn wall_of(results: &[(&'static str, Results)], name: &str) -> Option<f64> {
    results
        .iter()
        .find(|(p, r)| *p == name && r.ok())
        .map(|(_, r)| median_of(r, |m| m.wall))
}

fn to_markdown(rows: &[Row], o: &Options, seconds: f64, commit_at_start: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "```\n{}```\n", machine(commit_at_start));
    let _ = writeln!(
        md,
        "### Select: ns per message (one select each), wall / CPU, median of {} run(s); allocations per select in brackets\n",
        o.runs
    );
    let _ = writeln!(
        md,
        "Allocations: the whole process's over the timed loop (producers and consumers included), per select; `-` where none. Ratios: median wall time of ours over the named peer; below 1.00x ours is faster.\n"
    );
    for (form_label, peers) in [("sync", &SYNC_PEERS[..]), ("async", &ASYNC_PEERS[..])] {
        let form_rows: Vec<&Row> = rows
            .iter()
            .filter(|(c, _, _)| (c.form == Form::Sync) == (form_label == "sync"))
            .collect();
        if form_rows.is_empty() {
            continue;
        }
        let _ = write!(md, "| cell |");
        for p in peers {
            let _ = write!(md, " {p} |");
        }
        if form_label == "sync" {
            let _ = writeln!(
                md,
                " ours / best crossbeam | ours-macro / best crossbeam | ours / best peer |"
            );
        } else {
            let _ = writeln!(
                md,
                " ours-async / best tokio::select! over a peer's futures | ours-async / tokio::select! over ours |"
            );
        }
        let _ = write!(md, "|---|");
        for _ in peers {
            let _ = write!(md, "---:|");
        }
        let _ = writeln!(
            md,
            "---:|---:|{}",
            if form_label == "sync" { "---:|" } else { "" }
        );
        for (cell, _, results) in &form_rows {
            let _ = write!(md, "| {} |", cell.id());
            for p in peers {
                let shown = match results.iter().find(|(q, _)| q == p) {
                    None => "–".to_owned(),
                    Some((_, r)) => match &r.status {
                        Some(s) if s == "n/a" => "n/a".to_owned(),
                        Some(s) => format!("**{}**", s.split(':').next().unwrap_or(s)),
                        None => {
                            let a = allocs(median_of(r, |m| m.allocs));
                            format!(
                                "{} / {} ({a})",
                                ns(median_of(r, |m| m.wall)),
                                ns(median_of(r, |m| m.cpu))
                            )
                        }
                    },
                };
                let _ = write!(md, " {shown} |");
            }
            let ratio = |ours: Option<f64>, peer: Option<(&str, f64)>| match (ours, peer) {
                (Some(a), Some((name, b))) => format!("{:.2}x ({name})", a / b),
                _ => "–".to_owned(),
            };
            if cell.form == Form::Sync {
                let cb = best(results, &["crossbeam", "crossbeam-Select"]);
                let any = best(results, &["crossbeam", "crossbeam-Select", "flume"]);
                let _ = writeln!(
                    md,
                    " {} | {} | {} |",
                    ratio(wall_of(results, "ours"), cb),
                    ratio(wall_of(results, "ours-macro"), cb),
                    ratio(wall_of(results, "ours"), any)
                );
            } else {
                let peer = best(
                    results,
                    &["tokio/kanal", "tokio/async-channel", "tokio/flume"],
                );
                let tours = best(results, &["tokio/ours"]);
                let _ = writeln!(
                    md,
                    " {} | {} |",
                    ratio(wall_of(results, "ours-async"), peer),
                    ratio(wall_of(results, "ours-async"), tours)
                );
            }
        }
        md.push('\n');
    }
    md.push_str(&targets(rows));
    md.push_str(NOTES);
    // The failures in full.
    let mut failures = String::new();
    for (cell, _, results) in rows {
        for (p, r) in results {
            if let Some(s) = r.status.as_deref().filter(|s| *s != "n/a") {
                let _ = writeln!(failures, "* `{}` {p}: {s}", cell.id());
            }
        }
    }
    if !failures.is_empty() {
        let _ = writeln!(
            md,
            "Failed runs (the cell shows the first word):\n\n{failures}"
        );
    }
    // The selecting thread's own allocations (sync).
    let mut own = String::new();
    for (cell, _, results) in rows {
        for (p, r) in results {
            let own_allocs = own_allocs(r);
            if !own_allocs.is_empty() && median(&own_allocs) > 0.0 {
                let _ = write!(
                    own,
                    "{}`{}` {p} {}",
                    if own.is_empty() { "" } else { "; " },
                    cell.id(),
                    allocs(median(&own_allocs))
                );
            }
        }
    }
    let _ = writeln!(
        md,
        "The selecting thread's own allocations per select (sync cells; none listed = 0): {}\n",
        if own.is_empty() { "none" } else { &own }
    );
    let _ = writeln!(md, "{} cells, {seconds:.0} s.", rows.len());
    md
}

/// How to read the tables' failures and the async setup.
const NOTES: &str = "### Notes\n\n\
* The selecting future of every async peer is driven by `Runtime::block_on` (in `async-mt` on the \
main thread, beside the 2 workers; in `async-ct` on the runtime's thread): `mpmc::SelectFuture` is \
not `Send`, so ours cannot be `tokio::spawn`ed on a multi-thread runtime.\n\
* `dup` in a `tokio::select!` send cell: a send future that lost the race had already sent (a \
pending rendezvous `SendFuture` of ours may complete without another poll, as its docs say; \
flume's and kanal's pending sends complete the same way on every capacity), and the loop, \
believing it unsent, sent the key again. `select_async` keeps an unsent message in the select \
and has no such case.\n\
* `lost` or `hang` for `tokio/kanal` in the `-all` cells: a dropped kanal receive future that a \
sender had already filled drops the message (a lost end marker leaves the loop waiting: `hang`). \
In the `-one` cells only one arm ever gets a message, so it does not show.\n\
* `dup` for `flume` (`Selector` with send arms): more messages arrived than the selects reported \
sent.\n\
* Ratios take the best peer *whose ledger balanced in that cell*.\n\n";

/// The issue's targets, met or missed, cell by cell.
fn targets(rows: &[Row]) -> String {
    let mut md = String::from(
        "### Targets\n\nEach cell: ours / the best peer (median wall time), and how the runs compare.\n\n",
    );
    let mut list = |title: &str, ours: &str, peers: &[&str], sync: bool| {
        let (mut lead, mut miss, mut none) = (Vec::new(), Vec::new(), 0);
        for (cell, _, results) in rows
            .iter()
            .filter(|(c, _, _)| (c.form == Form::Sync) == sync)
        {
            match (wall_of(results, ours), best(results, peers)) {
                (Some(a), Some((name, b))) => {
                    let item = format!(
                        "{} {:.2}x ({name}; {})",
                        cell.id(),
                        a / b,
                        spread(results, ours, name)
                    );
                    if a <= b {
                        lead.push(item);
                    } else {
                        miss.push(item);
                    }
                }
                _ => none += 1,
            }
        }
        if lead.is_empty() && miss.is_empty() && none == 0 {
            return;
        }
        let _ = writeln!(
            md,
            "* **{title}**: met in {} of {} cells{}.",
            lead.len(),
            lead.len() + miss.len(),
            if none > 0 {
                format!(" ({none} without a result of ours or of a peer)")
            } else {
                String::new()
            }
        );
        if !lead.is_empty() {
            let _ = writeln!(md, "  * ours leads: {}", lead.join("; "));
        }
        if !miss.is_empty() {
            let _ = writeln!(md, "  * ours misses: {}", miss.join("; "));
        }
    };
    list(
        "ours (`Select` builder) ≤ 1.0x crossbeam (best of `select!` and `Select`), blocking",
        "ours",
        &["crossbeam", "crossbeam-Select"],
        true,
    );
    list(
        "ours (`mpmc::select!`) ≤ 1.0x crossbeam, blocking",
        "ours-macro",
        &["crossbeam", "crossbeam-Select"],
        true,
    );
    list(
        "ours (`select_async`) ≤ 1.0x `tokio::select!` over the fastest peer's futures (of those whose ledger balanced)",
        "ours-async",
        &["tokio/kanal", "tokio/async-channel", "tokio/flume"],
        false,
    );
    // Allocations of ours per select.
    let (mut worst, mut worst_own, mut worst_at) = (0.0f64, 0.0f64, String::new());
    for (cell, _, results) in rows {
        for (p, r) in results.iter().filter(|(p, r)| is_ours_select(p) && r.ok()) {
            let a = median_of(r, |m| m.allocs);
            if a > worst {
                worst = a;
                worst_at = format!("{} {p}", cell.id());
            }
            let own_allocs = own_allocs(r);
            if !own_allocs.is_empty() {
                worst_own = worst_own.max(median(&own_allocs));
            }
        }
    }
    let _ = writeln!(
        md,
        "* **0 allocations per select**: the selecting thread's own (sync cells): max {} per select; the whole process over the timed loop: max {} per select{}.\n",
        allocs(worst_own),
        allocs(worst),
        if worst > 0.0 {
            format!(" ({worst_at}; below 0.01 is a few allocations per run, not per select)")
        } else {
            String::new()
        }
    );
    md
}

/// The child's run, as it prints it: see [`child::Bin::run_one`].
fn child_run(cell: &Cell, peer: &str, n: u64) -> Option<Result<String, String>> {
    let outcome = run_one(cell, peer, n)?;
    Some(outcome.map(|m| {
        format!(
            "{} {} {} {} {} {}",
            m.wall.as_nanos(),
            m.selects,
            m.cpu.as_nanos(),
            m.alloc.allocs,
            m.alloc.bytes,
            m.own_allocs.map_or(-1, |a| a as i64)
        )
    }))
}

fn main() -> ExitCode {
    child::Bin {
        name: "select",
        row: "cell",
        cells,
        id: Cell::id,
        run_one: child_run,
        parent: |args| Ok(parent(&parse_options(args)?)),
    }
    .main()
}
