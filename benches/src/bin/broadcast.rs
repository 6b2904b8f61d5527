//! The broadcast matrix: `mpmc::broadcast` against the peer broadcast
//! channels, per message per receiver, wall and CPU time, and the bytes it
//! allocates per message, per channel and per receiver.
//!
//! ```text
//! broadcast [--runs R] [--scale F] [--quick] [--filter TEXT] [--peers a,b]
//!           [--timeout S] [--json FILE] [--markdown FILE]
//! broadcast --list                      # the cells, one id a line
//! broadcast --child ID PEER N           # one run (what the parent spawns)
//! ```
//!
//! Peers by semantics, never across:
//! * **backpressure** (a send waits while the slowest receiver is `capacity`
//!   behind; every receiver gets every message): ours
//!   (`mpmc::broadcast::channel`), `async-broadcast` in its default mode
//!   (overflow off) and `bus` (blocking only, one sender: its `sync` cells
//!   with one sender only);
//! * **lossy** (a send never waits; a receiver that falls `capacity` behind
//!   loses the oldest messages and is told how many, `Lagged(n)`): ours
//!   (`mpmc::broadcast::overwriting`) and `tokio::sync::broadcast`.
//!
//! Cells: 1 sender → 1, 4 and 16 receivers and 2 senders → 4 receivers;
//! capacity 1, 16 and 1024; forms `sync` (every end a thread: blocking
//! send and receive), `async` (every end a task on a tokio multi-thread
//! runtime with 2 workers) and `mixed` (sender threads, receiver tasks);
//! message `u64` or `256B` (a `#[derive(Clone)] struct Big([u64; 32])`,
//! whose clone copies 256 bytes). 1 → 16 in `sync` runs 17 threads: on a
//! 2-CPU machine that is oversubscribed (8 receivers per CPU).
//!
//! A fixed-count runner like `matrix`: one run sends N messages (split
//! between the senders) through a fresh channel, every receiver joined
//! before the first send and receiving until the channel is closed, and
//! reports the wall time of the whole run and the CPU time of the process
//! over it (user + system, `getrusage(RUSAGE_SELF)`: every thread). Both are
//! divided by N × receivers: ns per message per receiver. In a lossy cell
//! the share of the N × receivers deliveries that happened is reported
//! beside it (the rest were overwritten and counted by `Lagged(n)`), and
//! the JSON keeps wall time per delivered message too. Every receiver
//! checks its messages: in send order per sender, each
//! at most once, and (backpressure) all of them with the right key sum, or
//! (lossy) its deliveries plus its `Lagged(n)` counts add up to N; a run
//! that fails the check is reported ("lost", "miscount"), never dropped.
//!
//! Memory: a counting global allocator counts the bytes allocated during
//! the run (from the clock's start to its stop, process-wide; threads and
//! tasks are started before it, tasks waiting behind a `watch` gate),
//! divided by N: bytes per message. In process (the parent),
//! the bytes of creating a channel with one sender and one receiver, and
//! the mean bytes of each of 16 more receivers joining.
//!
//! Each run is a child process (this binary with `--child`): a hang is
//! killed after `--timeout` seconds ("hang"), a panic is reported, and no
//! run inherits another's heap, runtime or threads. The parent runs each
//! cell `--runs` times (default 5) per peer, the peers in a rotated order
//! each run, and reports the medians.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use oneshot_benches::harness::child::{self, run_peers};
use oneshot_benches::harness::cli::{Options, Quick};
use oneshot_benches::harness::counting::{Allocated, Counting};
use oneshot_benches::harness::cpu::process_cpu_time;
use oneshot_benches::harness::report::{
    command_output, cpu_model, date, json_list, json_number, json_string, load_average,
    rustc_version,
};
use oneshot_benches::harness::stats::{geometric_mean, Spread};

#[path = "../broadcast/peers.rs"]
mod peers;

use peers::{with_peer, Big, Got, Msg, Peer, BACKPRESSURE, LOSSY};

// Process-wide counts only: no run reads a thread's own.
#[global_allocator]
static GLOBAL: Counting<false> = Counting;

// ---------------------------------------------------------------------------
// The cells.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Sync,
    Async,
    Mixed,
}

impl Form {
    fn label(self) -> &'static str {
        match self {
            Form::Sync => "sync",
            Form::Async => "async",
            Form::Mixed => "mixed",
        }
    }
    fn senders_async(self) -> bool {
        self == Form::Async
    }
    fn receivers_async(self) -> bool {
        self != Form::Sync
    }
}

/// One row of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    lossy: bool,
    senders: usize,
    receivers: usize,
    cap: usize,
    form: Form,
    big: bool,
}

const SHAPES: [(usize, usize); 4] = [(1, 1), (1, 4), (1, 16), (2, 4)];
const CAPS: [usize; 3] = [1, 16, 1024];
const FORMS: [Form; 3] = [Form::Sync, Form::Async, Form::Mixed];

impl Cell {
    fn semantics(&self) -> &'static str {
        if self.lossy {
            "lossy"
        } else {
            "backpressure"
        }
    }

    fn id(&self) -> String {
        format!(
            "{} {}→{} cap {} {} {}",
            self.semantics(),
            self.senders,
            self.receivers,
            self.cap,
            self.form.label(),
            self.message()
        )
    }

    fn message(&self) -> &'static str {
        if self.big {
            "256B"
        } else {
            "u64"
        }
    }

    fn peers(&self) -> &'static [&'static str] {
        if self.lossy {
            &LOSSY
        } else {
            &BACKPRESSURE
        }
    }

    /// Messages per run at `--scale 1`: a budget of deliveries (messages ×
    /// receivers) per run, by capacity with backpressure, since a capacity
    /// of 1 makes every message a hand-off with wake-ups (microseconds) and
    /// 1024 lets the ends run in batches (tens of nanoseconds); the same for
    /// every capacity in lossy cells, where a send never waits. Each run
    /// takes from a few milliseconds to about a second (async-broadcast's
    /// blocking cells with capacity 1).
    fn messages(&self) -> u64 {
        let deliveries: u64 = match (self.lossy, self.cap) {
            (true, _) => 1_000_000,
            (false, 1) => 40_000,
            (false, 16) => 400_000,
            (false, _) => 1_000_000,
        };
        deliveries / self.receivers as u64
    }
}

/// Every cell, in the order of the tables.
fn cells() -> Vec<Cell> {
    let mut all = Vec::new();
    for lossy in [false, true] {
        for big in [false, true] {
            for (senders, receivers) in SHAPES {
                for cap in CAPS {
                    for form in FORMS {
                        all.push(Cell {
                            lossy,
                            senders,
                            receivers,
                            cap,
                            form,
                            big,
                        });
                    }
                }
            }
        }
    }
    all
}

// ---------------------------------------------------------------------------
// One run (the child).

/// The clocks and the allocation counter of one run.
struct Clock {
    wall: Instant,
    cpu: Duration,
    allocated: Allocated,
}

/// What a run measured.
#[derive(Debug, Clone, Copy)]
struct Elapsed {
    wall: Duration,
    cpu: Duration,
    allocated: Allocated,
}

impl Clock {
    fn start() -> Self {
        let allocated = Allocated::now();
        let cpu = process_cpu_time();
        Clock {
            wall: Instant::now(),
            cpu,
            allocated,
        }
    }
    fn stop(&self) -> Elapsed {
        let wall = self.wall.elapsed();
        let cpu = process_cpu_time().saturating_sub(self.cpu);
        Elapsed {
            wall,
            cpu,
            allocated: self.allocated.since(),
        }
    }
}

/// One receiver's account of a run.
#[derive(Debug, Clone, Default)]
struct Tally {
    delivered: u64,
    lagged: u64,
    sum: u64,
    /// Messages out of order or seen twice (per sender).
    disorder: u64,
    /// The next key each sender may still deliver.
    next: Vec<u64>,
    per: u64,
}

impl Tally {
    fn new(senders: usize, per: u64) -> Self {
        Tally {
            next: (0..senders as u64).map(|s| s * per).collect(),
            per,
            ..Tally::default()
        }
    }

    /// Takes one receive; false once the channel is closed.
    #[inline]
    fn take<M: Msg>(&mut self, got: Got<M>) -> bool {
        match got {
            Got::Msg(m) => {
                let key = m.key();
                self.delivered += 1;
                self.sum = self.sum.wrapping_add(key);
                let s = (key / self.per) as usize;
                match self.next.get_mut(s) {
                    Some(next) if key >= *next => *next = key + 1,
                    _ => self.disorder += 1,
                }
                true
            }
            Got::Lagged(n) => {
                self.lagged += n;
                true
            }
            Got::Closed => false,
        }
    }
}

/// Checks every receiver's account; the totals, or what is wrong.
fn check(cell: &Cell, total: u64, tallies: &[Tally]) -> Result<(u64, u64), String> {
    let expected_sum = total * total.saturating_sub(1) / 2;
    let (mut delivered, mut lagged) = (0, 0);
    for (i, t) in tallies.iter().enumerate() {
        if t.disorder != 0 {
            return Err(format!(
                "lost: receiver {i}: {} messages out of send order or twice",
                t.disorder
            ));
        }
        if cell.lossy {
            if t.delivered + t.lagged != total {
                return Err(format!(
                    "miscount: receiver {i}: {} delivered + {} lagged != {total} sent",
                    t.delivered, t.lagged
                ));
            }
        } else if t.delivered != total || t.lagged != 0 || t.sum != expected_sum {
            return Err(format!(
                "lost: receiver {i}: {} of {total} received, {} lagged, key sum {} (expected {expected_sum})",
                t.delivered, t.lagged, t.sum
            ));
        }
        delivered += t.delivered;
        lagged += t.lagged;
    }
    Ok((delivered, lagged))
}

/// What one run found.
#[derive(Debug)]
struct Outcome {
    elapsed: Elapsed,
    sent: u64,
    delivered: u64,
    lagged: u64,
}

fn runtime() -> tokio::runtime::Runtime {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
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

/// Whether `P` has the ends `cell` needs.
fn supported<M: Msg, P: Peer<M>>(cell: &Cell) -> bool {
    let needs_async = cell.form != Form::Sync;
    let needs_blocking = cell.form != Form::Async;
    (!needs_async || P::ASYNC)
        && (!needs_blocking || P::BLOCKING)
        && peers::make::<M, P>(cell.cap, cell.senders, 1).is_some()
}

fn run<M: Msg, P: Peer<M>>(cell: &Cell, n: u64) -> Result<Outcome, String> {
    let rt = (cell.form != Form::Sync).then(runtime);
    let per = n / cell.senders as u64;
    let total = per * cell.senders as u64;
    let (txs, rxs) =
        peers::make::<M, P>(cell.cap, cell.senders, cell.receivers).ok_or("n/a".to_owned())?;

    let threads = if cell.form.senders_async() {
        0
    } else {
        cell.senders
    } + if cell.form.receivers_async() {
        0
    } else {
        cell.receivers
    };
    // Two barriers, as in `matrix`: `ready` once every thread runs, then the
    // clock starts, then `go` lets them work.
    let ready = Arc::new(Barrier::new(threads + 1));
    let go = Arc::new(Barrier::new(threads + 1));

    // Tasks are spawned before the clock starts and wait behind a gate
    // (a `watch` flag), as threads wait behind `go`: spawning allocates,
    // and the bytes counted are the run's only.
    let (open, gate) = tokio::sync::watch::channel(false);
    let mut sender_threads = Vec::new();
    let mut receiver_threads = Vec::new();
    let mut sender_tasks = Vec::new();
    let mut receiver_tasks = Vec::new();
    for mut rx in rxs {
        let mut tally = Tally::new(cell.senders, per);
        if let (true, Some(rt)) = (cell.form.receivers_async(), &rt) {
            let mut gate = gate.clone();
            receiver_tasks.push(rt.spawn(async move {
                let _ = gate.wait_for(|&open| open).await;
                while tally.take(P::recv_async(&mut rx).await) {}
                tally
            }));
        } else {
            let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
            receiver_threads.push(thread::spawn(move || {
                ready.wait();
                go.wait();
                while tally.take(P::recv(&mut rx)) {}
                tally
            }));
        }
    }
    for (s, mut tx) in txs.into_iter().enumerate() {
        let first = s as u64 * per;
        if let (true, Some(rt)) = (cell.form.senders_async(), &rt) {
            let mut gate = gate.clone();
            sender_tasks.push(rt.spawn(async move {
                let _ = gate.wait_for(|&open| open).await;
                for key in first..first + per {
                    P::send_async(&mut tx, M::new(key)).await;
                }
            }));
        } else {
            let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
            sender_threads.push(thread::spawn(move || {
                ready.wait();
                go.wait();
                for key in first..first + per {
                    P::send(&mut tx, M::new(key));
                }
            }));
        }
    }
    drop(gate);

    // Allocated before the clock: the receivers' accounts land here.
    let mut tallies = Vec::with_capacity(cell.receivers);
    ready.wait();
    let clock = Clock::start();
    open.send_replace(true);
    go.wait();
    for t in sender_threads {
        t.join().map_err(|_| "panic: a sender thread".to_owned())?;
    }
    for t in receiver_threads {
        tallies.push(
            t.join()
                .map_err(|_| "panic: a receiver thread".to_owned())?,
        );
    }
    if let Some(rt) = &rt {
        rt.block_on(async {
            for t in sender_tasks {
                t.await.map_err(|_| "panic: a sender task".to_owned())?;
            }
            for t in receiver_tasks {
                tallies.push(t.await.map_err(|_| "panic: a receiver task".to_owned())?);
            }
            Ok::<(), String>(())
        })?;
    }
    let elapsed = clock.stop();
    let (delivered, lagged) = check(cell, total, &tallies)?;
    Ok(Outcome {
        elapsed,
        sent: total,
        delivered,
        lagged,
    })
}

/// Runs `cell` once for `peer` with `n` messages; `None` if the peer does
/// not support the cell.
fn run_one(cell: &Cell, peer: &str, n: u64) -> Option<Result<Outcome, String>> {
    with_peer!(cell.lossy, peer, P => {
        if cell.big {
            supported::<Big, P>(cell).then(|| run::<Big, P>(cell, n))
        } else {
            supported::<u64, P>(cell).then(|| run::<u64, P>(cell, n))
        }
    })
    .flatten()
}

/// Whether `peer` supports `cell` (asked by the parent, in process).
fn supports(cell: &Cell, peer: &str) -> bool {
    with_peer!(cell.lossy, peer, P => {
        if cell.big {
            supported::<Big, P>(cell)
        } else {
            supported::<u64, P>(cell)
        }
    })
    .unwrap_or(false)
}

// ---------------------------------------------------------------------------
// Memory in process: creation and joining.

/// Bytes and allocations of creating a channel (one sender, one receiver)
/// and, per receiver, the mean of 16 more joining.
#[derive(Debug, Clone, Copy)]
struct Footprint {
    create: Allocated,
    per_receiver_bytes: f64,
    per_receiver_allocs: f64,
}

const JOINS: u64 = 16;

fn footprint<M: Msg, P: Peer<M>>(cap: usize) -> Option<Footprint> {
    let before = Allocated::now();
    let (mut tx, rx) = P::make_one(cap)?;
    let create = before.since();
    let mut more = Vec::with_capacity(JOINS as usize);
    let before = Allocated::now();
    for _ in 0..JOINS {
        more.push(P::add_rx(&mut tx, &rx));
    }
    let joined = before.since();
    drop((tx, rx, more));
    Some(Footprint {
        create,
        per_receiver_bytes: joined.bytes as f64 / JOINS as f64,
        per_receiver_allocs: joined.allocs as f64 / JOINS as f64,
    })
}

/// (semantics, peer, message, cap, footprint) for every peer.
type FootprintRow = (&'static str, &'static str, &'static str, usize, Footprint);

fn footprints() -> Vec<FootprintRow> {
    let mut rows = Vec::new();
    for lossy in [false, true] {
        let (semantics, peers): (&str, &[&'static str]) = if lossy {
            ("lossy", &LOSSY)
        } else {
            ("backpressure", &BACKPRESSURE)
        };
        for &peer in peers {
            for (message, big) in [("u64", false), ("256B", true)] {
                for cap in CAPS {
                    let f = with_peer!(lossy, peer, P => {
                        if big {
                            footprint::<Big, P>(cap)
                        } else {
                            footprint::<u64, P>(cap)
                        }
                    })
                    .flatten();
                    if let Some(f) = f {
                        rows.push((semantics, peer, message, cap, f));
                    }
                }
            }
        }
    }
    rows
}

// ---------------------------------------------------------------------------
// The parent: every cell, every peer, every run.

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Wall ns per message per receiver: wall time / (messages sent ×
    /// receivers).
    wall: f64,
    /// CPU ns per message per receiver, the same way.
    cpu: f64,
    /// Wall ns per message delivered (the same as `wall` where nothing is
    /// lost).
    wall_delivered: f64,
    /// Deliveries / (messages sent × receivers).
    delivered: f64,
    /// Bytes and allocations per message sent.
    bytes: f64,
    allocs: f64,
}

/// One peer's results for one cell; its status: "n/a", "hang", "lost
/// ...", "miscount ...", "panic ..." (the first failure), if any.
type Results = oneshot_benches::harness::stats::Results<Run>;

type Row = (Cell, u64, Vec<(&'static str, Results)>);

/// `--quick`, the CI smoke: every cell once, at a twentieth of the messages
/// (a few seconds in all); a later `--runs` or `--timeout` still counts.
const QUICK: Quick = Quick {
    runs: 1,
    scale: 0.05,
    timeout: Duration::from_secs(10),
};

fn parse_options(args: &[String]) -> Result<Options, String> {
    let o = Options::parse(args, Duration::from_secs(20), Some(QUICK), true)?;
    if o.runs == 0 {
        return Err("--runs must be at least 1".to_owned());
    }
    Ok(o)
}

/// Runs one child; its figures, or the failure to report.
fn spawn_run(
    id: &str,
    peer: &str,
    n: u64,
    receivers: usize,
    timeout: Duration,
) -> Result<Run, String> {
    let [wall, cpu, sent, delivered, _lagged, bytes, allocs] =
        child::spawn_run(id, peer, n, timeout)?;
    let per_receiver = sent * receivers as f64;
    Ok(Run {
        wall: wall / per_receiver,
        cpu: cpu / per_receiver,
        // A run where nothing was delivered counts one delivery.
        wall_delivered: wall / delivered.max(1.0),
        delivered: delivered / per_receiver,
        bytes: bytes / sent,
        allocs: allocs / sent,
    })
}

/// A time as the tables print it: three significant figures or so.
fn ns(x: f64) -> String {
    if x < 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// Date, commit, toolchain and machine, one `key: value` a line.
fn machine() -> Vec<(&'static str, String)> {
    let mut commit = command_output("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = command_output("git", &["status", "--porcelain", "--", "mpmc"]);
    if dirty != "unknown" {
        commit.push_str(" (mpmc/ modified)");
    }
    vec![
        ("date", date()),
        ("commit", commit),
        ("rustc", rustc_version()),
        (
            "cpus",
            thread::available_parallelism().map_or("unknown".to_owned(), |n| n.to_string()),
        ),
        ("model", cpu_model()),
        (
            "load average at start",
            load_average().unwrap_or_else(|| "unknown".to_owned()),
        ),
    ]
}

/// The fastest peer of a row other than ours (by median wall time), with
/// its median.
fn fastest_peer<'a>(
    results: &'a [(&'static str, Results)],
) -> Option<(&'static str, &'a Results, f64)> {
    results
        .iter()
        .filter(|(p, r)| *p != "ours" && r.ok())
        .filter_map(|(p, r)| Some((*p, r, r.median(|x| x.wall)?)))
        .min_by(|a, b| a.2.total_cmp(&b.2))
}

fn ours_of<'a>(results: &'a [(&'static str, Results)]) -> Option<&'a Results> {
    results.iter().find(|(p, _)| *p == "ours").map(|(_, r)| r)
}

/// Ours / fastest peer (wall), CPU ours / that peer, and the verdict.
struct Verdict {
    peer: &'static str,
    wall: f64,
    cpu: f64,
    /// Delivered share, ours / that peer.
    delivered: f64,
    /// Wall time per message delivered, ours / that peer.
    per_delivered: f64,
    /// "yes (fastest)", "yes (ranges overlap)", "no (slower in every run)".
    within: &'static str,
}

fn verdict(results: &[(&'static str, Results)]) -> Option<Verdict> {
    let ours = ours_of(results).filter(|r| r.ok())?;
    let (peer, best, best_wall) = fastest_peer(results)?;
    let ours_wall = ours.median(|r| r.wall)?;
    let cpu = ours.median(|r| r.cpu)? / best.median(|r| r.cpu)?;
    // Ours slower by the median cannot be faster in every run.
    let within = if ours_wall <= best_wall {
        "yes (fastest)"
    } else if Spread::of(ours.min_max(|r| r.wall), best.min_max(|r| r.wall)) == Spread::Slower {
        "no (slower in every run)"
    } else {
        "yes (ranges overlap)"
    };
    Some(Verdict {
        peer,
        wall: ours_wall / best_wall,
        cpu,
        delivered: ratio(ours.median(|r| r.delivered)?, best.median(|r| r.delivered)?),
        per_delivered: ours.median(|r| r.wall_delivered)? / best.median(|r| r.wall_delivered)?,
        within,
    })
}

/// `a / b`, with 0 / 0 (neither delivered anything) as 1.
fn ratio(a: f64, b: f64) -> f64 {
    if a == 0.0 && b == 0.0 {
        1.0
    } else {
        a / b
    }
}

/// The geometric mean of ours / fastest peer over the cells of one group,
/// the cells where ours is the fastest, the best and worst ratio, and (lossy)
/// the geometric mean per message delivered.
fn group_line(label: &str, ratios: &[f64], per_delivered: Option<&[f64]>) -> Option<String> {
    if ratios.is_empty() {
        return None;
    }
    let geo = geometric_mean(ratios);
    let best = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let worst = ratios.iter().copied().fold(0.0, f64::max);
    let led = ratios.iter().filter(|&&r| r <= 1.0).count();
    let delivered =
        per_delivered.map_or("—".to_owned(), |d| format!("{:.2}x", geometric_mean(d)));
    Some(format!(
        "| {label} | {} | {led} | {geo:.2}x | {best:.2}x | {worst:.2}x | {delivered} |",
        ratios.len()
    ))
}

fn cell_text(r: &Results, lossy: bool) -> String {
    if r.runs.is_empty() {
        let s = r.status.as_deref().unwrap_or("—");
        return s.split([' ', ':']).next().unwrap_or(s).to_owned();
    }
    let mut text = format!(
        "{} / {}",
        ns(r.median(|x| x.wall).unwrap_or(f64::NAN)),
        ns(r.median(|x| x.cpu).unwrap_or(f64::NAN))
    );
    if lossy {
        let _ = write!(
            text,
            ", {:.0}% delivered",
            100.0 * r.median(|x| x.delivered).unwrap_or(f64::NAN)
        );
    }
    let bytes = r.median(|x| x.bytes).unwrap_or(0.0);
    if bytes >= 0.05 {
        let _ = write!(text, " +{bytes:.1} B");
    }
    if let Some(s) = &r.status {
        let _ = write!(
            text,
            " ({} in a later run)",
            s.split([' ', ':']).next().unwrap_or(s)
        );
    }
    text
}

fn markdown(
    o: &Options,
    rows: &[Row],
    prints: &[FootprintRow],
    seconds: f64,
    header: &[(&str, String)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Broadcast channels: `mpmc::broadcast` and its peers\n"
    );
    out.push_str("```\n");
    for (k, v) in header {
        let _ = writeln!(out, "{k}: {v}");
    }
    let _ = writeln!(
        out,
        "run: {} cells, {} runs each, scale {}, {seconds:.0} s",
        rows.len(),
        o.runs,
        o.scale
    );
    out.push_str("```\n\n");

    let mut leads = Vec::new();
    let mut misses = Vec::new();
    let mut missing = Vec::new();
    for lossy in [false, true] {
        let section: Vec<&Row> = rows.iter().filter(|(c, ..)| c.lossy == lossy).collect();
        if section.is_empty() {
            continue;
        }
        let peers = section[0].0.peers();
        let (title, note) = if lossy {
            (
                "Lossy (overwrite): ours `overwriting` vs `tokio::sync::broadcast`",
                "ns per message sent per receiver, wall / CPU, and the share of the \
                 messages × receivers that were delivered (the rest were overwritten and \
                 counted by `Lagged(n)`); \"delivered ours / peer\" compares those shares, \
                 \"per delivered message\" the wall time per message a receiver actually got \
                 (a lossy channel whose sender is slower but whose receivers lose less can be \
                 behind per message sent and ahead per message delivered); the cells are \
                 ranked per message sent",
            )
        } else {
            (
                "Backpressure: ours `channel` vs `async-broadcast` and `bus`",
                "ns per message per receiver, wall / CPU",
            )
        };
        let _ = writeln!(
            out,
            "## {title}\n\n{note} (median of {} runs; `+x B`: bytes allocated per message sent, shown when ≥ 0.05)\n",
            o.runs
        );
        let extra = if lossy {
            " delivered ours / peer | per delivered message ours / peer |"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| cell | {} | ours / fastest peer | CPU ours / peer |{extra} within spread? |",
            peers.join(" | ")
        );
        let _ = writeln!(
            out,
            "|---|{}---:|---:|{}",
            "---:|".repeat(peers.len()),
            if lossy { "---:|---:|---:|" } else { "---:|" }
        );
        for (cell, _, results) in &section {
            let texts: Vec<String> = results.iter().map(|(_, r)| cell_text(r, lossy)).collect();
            let (ratio, cpu, within) = match verdict(results) {
                Some(v) => {
                    let mut line = format!(
                        "{}: {:.2}x {} (CPU {:.2}x",
                        cell.id(),
                        v.wall,
                        v.peer,
                        v.cpu
                    );
                    if lossy {
                        let _ = write!(
                            line,
                            ", delivered {:.2}x, per delivered message {:.2}x",
                            v.delivered, v.per_delivered
                        );
                    }
                    line.push(')');
                    if v.wall <= 1.0 {
                        leads.push((v.wall, line));
                    } else {
                        misses.push((v.wall, line));
                    }
                    (
                        format!("{:.2}x ({})", v.wall, v.peer),
                        format!("{:.2}x", v.cpu),
                        v.within,
                    )
                }
                None => {
                    let ours = ours_of(results);
                    if let Some(s) = ours.and_then(|r| r.status.as_deref()) {
                        missing.push(format!("{}: ours {s}", cell.id()));
                    }
                    ("—".to_owned(), "—".to_owned(), "n/a")
                }
            };
            let delivered = match (lossy, verdict(results)) {
                (false, _) => String::new(),
                (true, Some(v)) => format!(" {:.2}x | {:.2}x |", v.delivered, v.per_delivered),
                (true, None) => " — | — |".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {ratio} | {cpu} |{delivered} {within} |",
                cell.id(),
                texts.join(" | ")
            );
        }
        out.push('\n');
    }

    out.push_str("## Memory\n\nBytes (allocations) of creating a channel with one sender and one receiver, and per receiver joining (the mean of 16 joins), in process.\n\n");
    out.push_str("| semantics | peer | message | cap 1: create | cap 16: create | cap 1024: create | per receiver |\n|---|---|---|---:|---:|---:|---:|\n");
    let mut k = 0;
    while k < prints.len() {
        let (semantics, peer, message, ..) = prints[k];
        let group: Vec<&FootprintRow> = prints[k..]
            .iter()
            .take_while(|r| r.0 == semantics && r.1 == peer && r.2 == message)
            .collect();
        let creates: Vec<String> = CAPS
            .iter()
            .map(|cap| {
                group
                    .iter()
                    .find(|r| r.3 == *cap)
                    .map_or("—".to_owned(), |r| {
                        format!("{} ({})", r.4.create.bytes, r.4.create.allocs)
                    })
            })
            .collect();
        let joins: Vec<String> = group
            .iter()
            .map(|r| {
                format!(
                    "{:.0} ({:.2})",
                    r.4.per_receiver_bytes, r.4.per_receiver_allocs
                )
            })
            .collect();
        let mut joins_text = joins.first().cloned().unwrap_or_default();
        if joins.iter().any(|j| *j != joins_text) {
            joins_text = joins.join(" / ");
        }
        let _ = writeln!(
            out,
            "| {semantics} | {peer} | {message} | {} | {joins_text} |",
            creates.join(" | ")
        );
        k += group.len();
    }
    out.push('\n');

    // Bytes per message: the largest median of each peer over its cells.
    out.push_str("Bytes allocated per message sent during the runs (the largest cell median of each peer, and in how many cells it is ≥ 0.05 B):\n\n| semantics | peer | max B / message | cells ≥ 0.05 B |\n|---|---|---:|---:|\n");
    for lossy in [false, true] {
        let peers = if lossy { &LOSSY[..] } else { &BACKPRESSURE[..] };
        for &peer in peers {
            let medians: Vec<(String, f64)> = rows
                .iter()
                .filter(|(c, ..)| c.lossy == lossy)
                .filter_map(|(c, _, results)| {
                    let r = results.iter().find(|(p, _)| *p == peer)?;
                    Some((c.id(), r.1.median(|x| x.bytes)?))
                })
                .collect();
            if medians.is_empty() {
                continue;
            }
            let (id, max) = medians
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .expect("not empty");
            let many = medians.iter().filter(|m| m.1 >= 0.05).count();
            let _ = writeln!(
                out,
                "| {} | {peer} | {max:.2} ({id}) | {many} of {} |",
                if lossy { "lossy" } else { "backpressure" },
                medians.len()
            );
        }
    }
    out.push('\n');

    out.push_str(
        "## By group\n\nOurs / the fastest peer of the same semantics (wall, median of the runs), over the cells of each group: how many cells have a ratio, in how many ours is the fastest (≤ 1.0x), the geometric mean, the best and the worst; for lossy cells also the geometric mean of ours / that peer per message *delivered*.\n\n| group | cells | ours fastest | geometric mean | best | worst | per delivered message |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    type Key = fn(&Cell) -> String;
    let keys: [(&str, Key); 5] = [
        ("all", |_| String::new()),
        ("form", |c| c.form.label().to_owned()),
        ("shape", |c| format!("{}→{}", c.senders, c.receivers)),
        ("cap", |c| c.cap.to_string()),
        ("message", |c| c.message().to_owned()),
    ];
    for lossy in [false, true] {
        let semantics = if lossy { "lossy" } else { "backpressure" };
        let verdicts: Vec<(Cell, Verdict)> = rows
            .iter()
            .filter(|(c, ..)| c.lossy == lossy)
            .filter_map(|(c, _, results)| Some((*c, verdict(results)?)))
            .collect();
        for (name, key) in keys {
            let mut seen: Vec<String> = Vec::new();
            for (cell, _) in &verdicts {
                let value = key(cell);
                if seen.contains(&value) {
                    continue;
                }
                let group: Vec<&Verdict> = verdicts
                    .iter()
                    .filter(|(c, _)| key(c) == value)
                    .map(|(_, v)| v)
                    .collect();
                let walls: Vec<f64> = group.iter().map(|v| v.wall).collect();
                let delivered: Vec<f64> = group.iter().map(|v| v.per_delivered).collect();
                let label = if name == "all" {
                    format!("{semantics}: all")
                } else {
                    format!("{semantics}: {name} {value}")
                };
                let per_delivered = lossy.then_some(&delivered[..]);
                if let Some(line) = group_line(&label, &walls, per_delivered) {
                    let _ = writeln!(out, "{line}");
                }
                seen.push(value);
            }
        }
    }
    out.push('\n');

    leads.sort_by(|a, b| a.0.total_cmp(&b.0));
    misses.sort_by(|a, b| b.0.total_cmp(&a.0));
    let _ = writeln!(
        out,
        "## Where ours leads, where it misses\n\nTarget (issue 17): ours ≤ 1.0x the fastest peer of the same semantics in every cell. Met in {} of {} cells with a peer to compare against.\n",
        leads.len(),
        leads.len() + misses.len()
    );
    let _ = writeln!(out, "Misses, worst first (ours / fastest peer, wall):\n");
    for (_, line) in &misses {
        let _ = writeln!(out, "* {line}");
    }
    if misses.is_empty() {
        out.push_str("* none\n");
    }
    let _ = writeln!(out, "\nLeads, best first:\n");
    for (_, line) in &leads {
        let _ = writeln!(out, "* {line}");
    }
    if leads.is_empty() {
        out.push_str("* none\n");
    }
    if !missing.is_empty() {
        let _ = writeln!(out, "\nCells where ours has no figure:\n");
        for line in &missing {
            let _ = writeln!(out, "* {line}");
        }
    }
    out.push_str(NOTES);
    out
}

const NOTES: &str = "
## Notes

* One run: N messages through a fresh channel, each run a fresh process; every receiver joined before the first send and receives until the channel closes. Wall and CPU time of the whole run (CPU: user + system of every thread of the process, `getrusage`) divided by messages sent × receivers: ns per message per receiver. The median of the runs. In lossy cells the JSON also keeps wall time / messages actually delivered (`wall_ns_per_delivered`).
* backpressure: every receiver must get every message, in order, once, or the run is reported \"lost\". lossy: every receiver's deliveries plus its `Lagged(n)` counts must add up to the messages sent (\"miscount\" otherwise), in order and never twice; the lost share is the median over the runs of 1 − deliveries / (messages × receivers).
* sync: every sender and receiver a thread (blocking send and receive); async: every one a task on a tokio multi-thread runtime with 2 workers; mixed: sender threads, receiver tasks. async-broadcast's async forms are `broadcast_direct`/`recv_direct` (its `broadcast`/`recv` box a future per call), its blocking forms `broadcast_blocking`/`recv_blocking`; tokio's blocking receive is `blocking_recv` on plain threads, its send is the same non-waiting call in every form; bus is blocking only and has one sender (`n/a` in async, mixed and 2→4 cells).
* 1→16 runs 16 receivers (17 threads in `sync`) on a 2-CPU machine: oversubscribed, 8 receivers per CPU; 2→4 `sync` runs 6 threads.
* Bytes per message: everything the process allocated between the clock's start and stop / messages sent. Threads and tasks are started before the clock (tasks wait behind a `watch` gate, threads behind a barrier), so this is the channel's own allocation (and its waiting: async-broadcast's blocking forms and bus allocate while they wait).
* Ratios: ours / the fastest peer *of the same semantics* by median wall time; \"CPU ours / peer\" compares ours with that same peer. \"within spread?\": ours fastest, or its fastest run is faster than that peer's slowest.
";

fn parent(o: &Options) -> ExitCode {
    let header = machine();
    let selected: Vec<Cell> = cells().into_iter().filter(|c| o.wants(&c.id())).collect();
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    for cell in &selected {
        let id = cell.id();
        let n = o.messages(cell.messages(), 100);
        let cell_start = Instant::now();
        let results = run_peers(
            o,
            cell.peers(),
            |p| supports(cell, p),
            |peer| spawn_run(&id, peer, n, cell.receivers, o.timeout),
        );
        let mut line = format!("{id:<40} n={n:<7}");
        for (peer, r) in &results {
            let _ = write!(
                line,
                " {peer}={}",
                cell_text(r, cell.lossy).replace(' ', "")
            );
        }
        println!("{line}  ({:.1} s)", cell_start.elapsed().as_secs_f64());
        rows.push((*cell, n, results));
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("broadcast: {} cells in {seconds:.0} s", rows.len());
    let prints = footprints();

    if let Some(path) = &o.json {
        if let Err(e) = std::fs::write(path, json(o, &rows, &prints, seconds, &header)) {
            eprintln!("broadcast: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let text = markdown(o, &rows, &prints, seconds, &header);
    match &o.markdown {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                eprintln!("broadcast: cannot write {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
        None => println!("\n{text}"),
    }
    // A failed run of ours (lost, miscount, hang, panic) fails the command,
    // so the CI smoke catches it; a peer's failure is only reported.
    let ours_failed = rows.iter().any(|(_, _, results)| {
        ours_of(results)
            .and_then(|r| r.status.as_deref())
            .is_some_and(|s| s != "n/a")
    });
    if ours_failed {
        eprintln!("broadcast: a run of ours failed (see the table)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn json_runs(runs: &[Run], f: impl Fn(&Run) -> f64) -> String {
    json_list(runs.iter().map(|r| {
        // Shares (delivered) are often below 0.1 %: six decimals for
        // those, three for nanoseconds and bytes.
        let x = f(r);
        if x.abs() < 1.0 && x.is_finite() {
            format!("{x:.6}")
        } else {
            json_number(x)
        }
    }))
}

fn json(
    o: &Options,
    rows: &[Row],
    prints: &[FootprintRow],
    seconds: f64,
    header: &[(&str, String)],
) -> String {
    let mut out = String::from("{\n \"machine\": {");
    for (k, (key, value)) in header.iter().enumerate() {
        let _ = write!(
            out,
            "{}{}: {}",
            if k == 0 { "" } else { ", " },
            json_string(key),
            json_string(value)
        );
    }
    out.push_str("},\n \"cells\": [\n");
    for (k, (cell, n, results)) in rows.iter().enumerate() {
        let _ = write!(
            out,
            "  {{\"id\": {}, \"semantics\": \"{}\", \"senders\": {}, \"receivers\": {}, \"cap\": {}, \"form\": \"{}\", \"message\": \"{}\", \"messages\": {n}, \"results\": {{",
            json_string(&cell.id()),
            cell.semantics(),
            cell.senders,
            cell.receivers,
            cell.cap,
            cell.form.label(),
            cell.message()
        );
        for (j, (peer, r)) in results.iter().enumerate() {
            let status = r.status.as_deref().map_or("null".to_owned(), json_string);
            let _ = write!(
                out,
                "{}{}: {{\"wall_ns\": {}, \"cpu_ns\": {}, \"wall_ns_per_delivered\": {}, \"delivered\": {}, \"bytes_per_message\": {}, \"allocs_per_message\": {}, \"status\": {status}}}",
                if j == 0 { "" } else { ", " },
                json_string(peer),
                json_runs(&r.runs, |x| x.wall),
                json_runs(&r.runs, |x| x.cpu),
                json_runs(&r.runs, |x| x.wall_delivered),
                json_runs(&r.runs, |x| x.delivered),
                json_runs(&r.runs, |x| x.bytes),
                json_runs(&r.runs, |x| x.allocs),
            );
        }
        out.push('}');
        if let Some(v) = verdict(results) {
            let _ = write!(
                out,
                ", \"fastest_peer\": {}, \"ours_over_fastest\": {}, \"cpu_ours_over_fastest\": {}, \"delivered_ours_over_fastest\": {}, \"per_delivered_ours_over_fastest\": {}, \"within_spread\": {}",
                json_string(v.peer),
                json_number(v.wall),
                json_number(v.cpu),
                json_number(v.delivered),
                json_number(v.per_delivered),
                json_string(v.within)
            );
        }
        out.push_str(if k + 1 == rows.len() { "}\n" } else { "},\n" });
    }
    out.push_str(" ],\n \"footprints\": [\n");
    for (k, (semantics, peer, message, cap, f)) in prints.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {{\"semantics\": \"{semantics}\", \"peer\": {}, \"message\": \"{message}\", \"cap\": {cap}, \"create_bytes\": {}, \"create_allocs\": {}, \"bytes_per_receiver\": {:.1}, \"allocs_per_receiver\": {:.2}}}{}",
            json_string(peer),
            f.create.bytes,
            f.create.allocs,
            f.per_receiver_bytes,
            f.per_receiver_allocs,
            if k + 1 == prints.len() { "" } else { "," }
        );
    }
    let _ = write!(
        out,
        " ],\n \"runs\": {},\n \"scale\": {},\n \"seconds\": {seconds:.1}\n}}\n",
        o.runs, o.scale
    );
    out
}

/// The child's run, as it prints it: see [`child::Bin::run_one`].
fn child_run(cell: &Cell, peer: &str, n: u64) -> Option<Result<String, String>> {
    let o = run_one(cell, peer, n)?;
    Some(o.map(|o| {
        format!(
            "{} {} {} {} {} {} {}",
            o.elapsed.wall.as_nanos(),
            o.elapsed.cpu.as_nanos(),
            o.sent,
            o.delivered,
            o.lagged,
            o.elapsed.allocated.bytes,
            o.elapsed.allocated.allocs
        )
    }))
}

fn main() -> ExitCode {
    child::Bin {
        name: "broadcast",
        row: "cell",
        cells,
        id: Cell::id,
        run_one: child_run,
        parent: |args| Ok(parent(&parse_options(args)?)),
    }
    .main()
}
