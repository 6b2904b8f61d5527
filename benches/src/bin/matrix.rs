//! The queue-channel matrix: whole-run throughput of `mpmc` and every peer
//! queue channel, in ns per message, for each shape × capacity × form, plus
//! the request/reply round trip of an actor.
//!
//! ```text
//! matrix [--runs R] [--scale F] [--filter TEXT] [--peers a,b] [--timeout S] [--json FILE]
//! matrix --list                      # the cases, one id a line
//! matrix --child ID PEER N           # one run (what the parent spawns)
//! ```
//!
//! A fixed-count runner, not criterion: one run moves N messages through a
//! fresh channel with every producer and consumer running at once and reports
//! the wall time of the whole run divided by N (criterion's per-iteration
//! model does not fit a run whose cost is the interplay of its threads), and
//! beside it the CPU time per message: the user + system time of the whole
//! process (`getrusage(RUSAGE_SELF)`: every producer, consumer and runtime
//! worker) over the same interval, divided by N. A channel that wins wall
//! time by spinning or yielding while it waits shows it there: its CPU time
//! per message approaches the wall time times the threads it keeps busy.
//! The child prints `ok WALL_NS N CPU_NS`; the console line shows
//! `peer=WALL/CPU` (medians, ns per message) and `--json` both lists
//! (`runs`, `cpu_runs`).
//!
//! Each run is a child process (this binary with `--child`), so that:
//! * a peer that hangs is killed after `--timeout` seconds and reported as
//!   "hang" (its remaining runs of that case are skipped), and one that loses
//!   or duplicates a message ("lost": the receivers' count and sum of keys
//!   differ from the senders') or panics is reported as such, never dropped;
//! * `one-cpu` cases pin the whole child process to one CPU
//!   (`sched_setaffinity` before any thread starts), which exposes channels
//!   that spin waiting for another thread;
//! * no run inherits another's heap, runtime or thread state.
//!
//! The parent runs each case `--runs` times (default 5) per channel, the
//! channels in a rotated order each run, and records every run; the summary
//! reports the median with the min and max.
//!
//! Shapes: `seq` (one thread sends a batch then receives it: the whole
//! capacity for `bounded(n)`, all N messages for `unbounded`), `spsc` (1 → 1),
//! `mpsc` (4 → 1), `mpmc` (4 → 4); consumers receive until every sender is
//! gone. Forms: `sync` (std threads, blocking `send`/`recv`), `async` (tasks
//! on a tokio multi-thread runtime with its default worker count), `sync→async`
//! (producer threads, consumer tasks) and `async→sync`. Threads start behind a
//! barrier; the clock starts once all of them wait there, before it opens
//! (tasks are spawned after that).
//!
//! Round trip (`roundtrip DIR`): one caller sends N `#[oneshot_reply]`
//! requests, one at a time, to an actor that serves them from a bounded(32)
//! mailbox; ns per request. `ours` is an `mpmc` mailbox with `oneshot`
//! replies, `tokio` is `tokio::sync::mpsc` with `tokio::sync::oneshot`
//! (blocking sides through `blocking_send`/`blocking_recv`), `flume` is a
//! `flume` mailbox with `oneshot` replies.

use std::fmt::Write as _;
use std::future::Future;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use oneshot::oneshot_reply;
use oneshot_benches::harness::child::{self, run_peers};
use oneshot_benches::harness::cli::Options;
use oneshot_benches::harness::cpu::process_cpu_time;
use oneshot_benches::harness::message::{Big, Message};
use oneshot_benches::harness::report::{json_list, json_string};
use oneshot_benches::harness::stats::median;
use oneshot_benches::queues::{Cap, Queue, QUEUES};
use oneshot_benches::with_queue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Seq,
    Spsc,
    Mpsc,
    Mpmc,
}

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::Seq => "seq",
            Shape::Spsc => "spsc",
            Shape::Mpsc => "mpsc",
            Shape::Mpmc => "mpmc",
        }
    }
    /// (producers, consumers).
    fn ends(self) -> (u64, u64) {
        match self {
            Shape::Seq | Shape::Spsc => (1, 1),
            Shape::Mpsc => (4, 1),
            Shape::Mpmc => (4, 4),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Sync,
    Async,
    SyncToAsync,
    AsyncToSync,
}

impl Form {
    fn label(self) -> &'static str {
        match self {
            Form::Sync => "sync",
            Form::Async => "async",
            Form::SyncToAsync => "sync→async",
            Form::AsyncToSync => "async→sync",
        }
    }
    fn producers_async(self) -> bool {
        matches!(self, Form::Async | Form::AsyncToSync)
    }
    fn consumers_async(self) -> bool {
        matches!(self, Form::Async | Form::SyncToAsync)
    }
}

/// Where the caller and the actor of a round trip run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    ThreadThread,
    TaskTask,
    ThreadTask,
    TaskThread,
}

impl Dir {
    fn label(self) -> &'static str {
        match self {
            Dir::ThreadThread => "thread→thread",
            Dir::TaskTask => "task→task",
            Dir::ThreadTask => "thread→task",
            Dir::TaskThread => "task→thread",
        }
    }
    fn caller_async(self) -> bool {
        matches!(self, Dir::TaskTask | Dir::TaskThread)
    }
    fn actor_async(self) -> bool {
        matches!(self, Dir::TaskTask | Dir::ThreadTask)
    }
}

/// One row of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Matrix {
        shape: Shape,
        cap: Cap,
        form: Form,
        big: bool,
        one_cpu: bool,
    },
    RoundTrip(Dir),
}

const ROUND_TRIP_PEERS: [&str; 3] = ["ours", "tokio", "flume"];
const MAILBOX: usize = 32;

impl Case {
    fn id(&self) -> String {
        match *self {
            Case::Matrix {
                shape,
                cap,
                form,
                big,
                one_cpu,
            } => {
                let mut id = format!("{} {} {}", shape.label(), cap.label(), form.label());
                if big {
                    id.push_str(" 256B");
                }
                if one_cpu {
                    id.push_str(" one-cpu");
                }
                id
            }
            Case::RoundTrip(dir) => format!("roundtrip {}", dir.label()),
        }
    }

    fn peers(&self) -> &'static [&'static str] {
        match self {
            Case::Matrix { .. } => &QUEUES,
            Case::RoundTrip(_) => &ROUND_TRIP_PEERS,
        }
    }

    /// Messages (or requests) per run at `--scale 1`: hand-offs through an
    /// empty or full channel cost a wake-up each (microseconds), the rest
    /// tens of nanoseconds.
    fn messages(&self) -> u64 {
        match *self {
            Case::Matrix { shape, cap, .. } => {
                if shape != Shape::Seq && matches!(cap, Cap::Bounded(0 | 1)) {
                    20_000
                } else {
                    200_000
                }
            }
            Case::RoundTrip(_) => 10_000,
        }
    }
}

/// Every case, in the order of the tables.
fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    let caps = [
        Cap::Bounded(0),
        Cap::Bounded(1),
        Cap::Bounded(100),
        Cap::Unbounded,
    ];
    let m = |shape, cap, form| Case::Matrix {
        shape,
        cap,
        form,
        big: false,
        one_cpu: false,
    };
    // seq: a rendezvous channel cannot hold a message for its own thread.
    for cap in &caps[1..] {
        for form in [Form::Sync, Form::Async] {
            all.push(m(Shape::Seq, *cap, form));
        }
    }
    for shape in [Shape::Spsc, Shape::Mpsc] {
        for cap in caps {
            for form in [
                Form::Sync,
                Form::Async,
                Form::SyncToAsync,
                Form::AsyncToSync,
            ] {
                all.push(m(shape, cap, form));
            }
        }
    }
    for cap in caps {
        for form in [Form::Sync, Form::Async] {
            all.push(m(Shape::Mpmc, cap, form));
        }
    }
    for form in [Form::Sync, Form::Async] {
        all.push(Case::Matrix {
            shape: Shape::Spsc,
            cap: Cap::Bounded(100),
            form,
            big: true,
            one_cpu: false,
        });
    }
    for cap in [Cap::Bounded(1), Cap::Bounded(100)] {
        for form in [Form::Sync, Form::Async] {
            all.push(Case::Matrix {
                shape: Shape::Spsc,
                cap,
                form,
                big: false,
                one_cpu: true,
            });
        }
    }
    for dir in [
        Dir::ThreadThread,
        Dir::TaskTask,
        Dir::ThreadTask,
        Dir::TaskThread,
    ] {
        all.push(Case::RoundTrip(dir));
    }
    all
}

// ---------------------------------------------------------------------------
// One run (the child).

/// The wall time and the process's CPU time (user + system, every thread)
/// of one run.
#[derive(Debug, Clone, Copy)]
struct Elapsed {
    wall: Duration,
    cpu: Duration,
}

/// The clocks of one run: wall time, and CPU time from
/// `getrusage(RUSAGE_SELF)`, which counts every thread of the process (the
/// producers, the consumers, the runtime's workers, this thread), so a
/// channel that waits by spinning or yielding shows it as CPU time.
struct Clock {
    wall: Instant,
    cpu: Duration,
}

impl Clock {
    fn start() -> Self {
        let cpu = process_cpu_time();
        Clock {
            wall: Instant::now(),
            cpu,
        }
    }
    fn stop(&self) -> Elapsed {
        let wall = self.wall.elapsed();
        Elapsed {
            wall,
            cpu: process_cpu_time().saturating_sub(self.cpu),
        }
    }
}

/// What one run found.
#[derive(Debug)]
enum Outcome {
    /// Wall and CPU time of the whole run, and messages moved.
    Ok(Elapsed, u64),
    /// Received count and key sum differ from what was sent.
    Lost {
        received: u64,
        expected: u64,
        sum: u64,
        expected_sum: u64,
    },
}

/// Whether the matrix case can run on `Q` at all.
fn supported<Q: Queue>(case: &Case) -> bool {
    let Case::Matrix {
        shape, cap, form, ..
    } = *case
    else {
        return false;
    };
    let (async_tx, async_rx) = (form.producers_async(), form.consumers_async());
    if (async_tx || async_rx) && !Q::ASYNC {
        return false;
    }
    if (!async_tx || !async_rx) && !Q::BLOCKING {
        return false;
    }
    let Some((_tx, rx)) = Q::make_for::<u64>(cap, async_tx, async_rx) else {
        return false;
    };
    shape.ends().1 == 1 || Q::clone_rx(&rx).is_some()
}

fn runtime() -> tokio::runtime::Runtime {
    let rt = tokio::runtime::Builder::new_multi_thread()
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

/// Checks the receivers' count and key sum against `total` keys `0..total`.
fn outcome(elapsed: Elapsed, total: u64, received: u64, sum: u64) -> Outcome {
    let expected_sum = total * total.saturating_sub(1) / 2;
    if received == total && sum == expected_sum {
        Outcome::Ok(elapsed, total)
    } else {
        Outcome::Lost {
            received,
            expected: total,
            sum,
            expected_sum,
        }
    }
}

fn run_matrix<Q: Queue, M: Message>(case: &Case, n: u64) -> Outcome {
    let Case::Matrix {
        shape, cap, form, ..
    } = *case
    else {
        unreachable!("a matrix case")
    };
    let needs_runtime = form != Form::Sync;
    let rt = needs_runtime.then(runtime);
    if shape == Shape::Seq {
        return run_seq::<Q, M>(cap, n, rt.as_ref());
    }
    let (producers, consumers) = shape.ends();
    let per = n / producers;
    let total = per * producers;
    let (tx, rx) = Q::make_for::<M>(cap, form.producers_async(), form.consumers_async())
        .expect("supported capacity");
    let mut rxs: Vec<Q::Rx<M>> = (1..consumers)
        .map(|_| Q::clone_rx(&rx).expect("a second receiver"))
        .collect();
    rxs.push(rx);
    let txs: Vec<Q::Tx<M>> = (0..producers).map(|_| Q::clone_tx(&tx)).collect();
    drop(tx);

    let threads = if form.producers_async() { 0 } else { producers }
        + if form.consumers_async() { 0 } else { consumers };
    // Two barriers: `ready` once every thread runs, then the clock starts,
    // then `go` lets them work (one barrier would let them start before the
    // clock does, if this thread is the last to be woken).
    let ready = Arc::new(Barrier::new(threads as usize + 1));
    let go = Arc::new(Barrier::new(threads as usize + 1));

    let mut producer_threads = Vec::new();
    let mut producer_tasks = Vec::new();
    let mut consumer_threads = Vec::new();
    let mut consumer_tasks = Vec::new();
    let mut deferred_producers = Vec::new();
    let mut deferred_consumers = Vec::new();

    for (p, tx) in txs.into_iter().enumerate() {
        let first = p as u64 * per;
        if form.producers_async() {
            deferred_producers.push((first, tx));
        } else {
            let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
            producer_threads.push(thread::spawn(move || {
                ready.wait();
                go.wait();
                for key in first..first + per {
                    Q::send(&tx, M::new(key));
                }
            }));
        }
    }
    for mut rx in rxs {
        if form.consumers_async() {
            deferred_consumers.push(rx);
        } else {
            let (ready, go) = (Arc::clone(&ready), Arc::clone(&go));
            consumer_threads.push(thread::spawn(move || {
                ready.wait();
                go.wait();
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(m) = Q::recv(&mut rx) {
                    count += 1;
                    sum = sum.wrapping_add(m.key());
                }
                (count, sum)
            }));
        }
    }

    ready.wait();
    let clock = Clock::start();
    go.wait();
    if let Some(rt) = &rt {
        for mut rx in deferred_consumers {
            consumer_tasks.push(rt.spawn(async move {
                let (mut count, mut sum) = (0u64, 0u64);
                while let Some(m) = Q::recv_async(&mut rx).await {
                    count += 1;
                    sum = sum.wrapping_add(m.key());
                }
                (count, sum)
            }));
        }
        for (first, tx) in deferred_producers {
            producer_tasks.push(rt.spawn(async move {
                for key in first..first + per {
                    Q::send_async(&tx, M::new(key)).await;
                }
            }));
        }
    }
    let (mut received, mut sum) = (0u64, 0u64);
    let mut add = |(c, s): (u64, u64)| {
        received += c;
        sum = sum.wrapping_add(s);
    };
    for t in producer_threads {
        t.join().expect("producer thread");
    }
    for t in consumer_threads {
        add(t.join().expect("consumer thread"));
    }
    if let Some(rt) = &rt {
        rt.block_on(async {
            for t in producer_tasks {
                t.await.expect("producer task");
            }
            for t in consumer_tasks {
                add(t.await.expect("consumer task"));
            }
        });
    }
    let elapsed = clock.stop();
    outcome(elapsed, total, received, sum)
}

fn run_seq<Q: Queue, M: Message>(
    cap: Cap,
    n: u64,
    rt: Option<&tokio::runtime::Runtime>,
) -> Outcome {
    let batch = match cap {
        Cap::Bounded(c) => c as u64,
        Cap::Unbounded => n,
    };
    let (tx, mut rx) =
        Q::make_for::<M>(cap, rt.is_some(), rt.is_some()).expect("supported capacity");
    let (mut received, mut sum) = (0u64, 0u64);
    let clock = Clock::start();
    match rt {
        None => {
            let mut sent = 0;
            while sent < n {
                let b = batch.min(n - sent);
                for key in sent..sent + b {
                    Q::send(&tx, M::new(key));
                }
                for _ in 0..b {
                    let m = Q::recv(&mut rx).expect("a message was sent");
                    received += 1;
                    sum = sum.wrapping_add(m.key());
                }
                sent += b;
            }
        }
        Some(rt) => {
            // On a runtime worker, as a task (not on `block_on`'s thread).
            let (r, s) = rt
                .block_on(rt.spawn(async move {
                    let (mut received, mut sum) = (0u64, 0u64);
                    let mut sent = 0;
                    while sent < n {
                        let b = batch.min(n - sent);
                        for key in sent..sent + b {
                            Q::send_async(&tx, M::new(key)).await;
                        }
                        for _ in 0..b {
                            let m = Q::recv_async(&mut rx).await.expect("a message was sent");
                            received += 1;
                            sum = sum.wrapping_add(m.key());
                        }
                        sent += b;
                    }
                    (received, sum)
                }))
                .expect("the seq task");
            received = r;
            sum = s;
        }
    }
    outcome(clock.stop(), n, received, sum)
}

// ---------------------------------------------------------------------------
// The round trip.

/// The request the actor serves: `#[oneshot_reply]` adds the reply sender
/// and the constructor `Call::add(x) -> (Call, oneshot::Receiver<u64>)`.
#[oneshot_reply]
#[derive(Debug)]
enum Call {
    /// Replies `x + 1`.
    #[reply(u64)]
    Add { x: u64 },
}

/// The same request as most users hand-write it for tokio.
#[derive(Debug)]
enum TokioCall {
    Add {
        x: u64,
        reply_to: tokio::sync::oneshot::Sender<u64>,
    },
}

/// A mailbox + reply pattern.
trait Mailbox: 'static {
    type Tx: Send + Sync + 'static;
    type Rx: Send + 'static;
    fn make() -> (Self::Tx, Self::Rx);
    fn call_blocking(tx: &Self::Tx, x: u64) -> u64;
    fn call_async(tx: &Self::Tx, x: u64) -> impl Future<Output = u64> + Send + '_;
    fn serve_blocking(rx: Self::Rx);
    fn serve_async(rx: Self::Rx) -> impl Future<Output = ()> + Send;
}

/// `mpmc` mailbox, `oneshot` replies.
struct OursMailbox;

impl Mailbox for OursMailbox {
    type Tx = mpmc::Sender<Call>;
    type Rx = mpmc::Receiver<Call>;
    fn make() -> (Self::Tx, Self::Rx) {
        mpmc::bounded(MAILBOX)
    }
    fn call_blocking(tx: &Self::Tx, x: u64) -> u64 {
        let (call, reply) = Call::add(x);
        assert!(tx.send(call).is_ok(), "actor gone");
        reply.recv().expect("the actor replies")
    }
    async fn call_async(tx: &Self::Tx, x: u64) -> u64 {
        let (call, reply) = Call::add(x);
        assert!(tx.send_async(call).await.is_ok(), "actor gone");
        reply.await.expect("the actor replies")
    }
    fn serve_blocking(rx: Self::Rx) {
        while let Ok(Call::Add { x, reply_to }) = rx.recv() {
            let _ = reply_to.send(x + 1);
        }
    }
    async fn serve_async(rx: Self::Rx) {
        while let Ok(Call::Add { x, reply_to }) = rx.recv_async().await {
            let _ = reply_to.send(x + 1);
        }
    }
}

/// `flume` mailbox, `oneshot` replies.
struct FlumeMailbox;

impl Mailbox for FlumeMailbox {
    type Tx = flume::Sender<Call>;
    type Rx = flume::Receiver<Call>;
    fn make() -> (Self::Tx, Self::Rx) {
        flume::bounded(MAILBOX)
    }
    fn call_blocking(tx: &Self::Tx, x: u64) -> u64 {
        let (call, reply) = Call::add(x);
        assert!(tx.send(call).is_ok(), "actor gone");
        reply.recv().expect("the actor replies")
    }
    async fn call_async(tx: &Self::Tx, x: u64) -> u64 {
        let (call, reply) = Call::add(x);
        assert!(tx.send_async(call).await.is_ok(), "actor gone");
        reply.await.expect("the actor replies")
    }
    fn serve_blocking(rx: Self::Rx) {
        while let Ok(Call::Add { x, reply_to }) = rx.recv() {
            let _ = reply_to.send(x + 1);
        }
    }
    async fn serve_async(rx: Self::Rx) {
        while let Ok(Call::Add { x, reply_to }) = rx.recv_async().await {
            let _ = reply_to.send(x + 1);
        }
    }
}

/// `tokio::sync::mpsc` mailbox, `tokio::sync::oneshot` replies; blocking
/// sides through `blocking_send`/`blocking_recv` (they panic if called on a
/// runtime thread: never here, where blocking sides are plain threads).
struct TokioMailbox;

impl Mailbox for TokioMailbox {
    type Tx = tokio::sync::mpsc::Sender<TokioCall>;
    type Rx = tokio::sync::mpsc::Receiver<TokioCall>;
    fn make() -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(MAILBOX)
    }
    fn call_blocking(tx: &Self::Tx, x: u64) -> u64 {
        let (reply_to, reply) = tokio::sync::oneshot::channel();
        assert!(
            tx.blocking_send(TokioCall::Add { x, reply_to }).is_ok(),
            "actor gone"
        );
        reply.blocking_recv().expect("the actor replies")
    }
    async fn call_async(tx: &Self::Tx, x: u64) -> u64 {
        let (reply_to, reply) = tokio::sync::oneshot::channel();
        assert!(
            tx.send(TokioCall::Add { x, reply_to }).await.is_ok(),
            "actor gone"
        );
        reply.await.expect("the actor replies")
    }
    fn serve_blocking(mut rx: Self::Rx) {
        while let Some(TokioCall::Add { x, reply_to }) = rx.blocking_recv() {
            let _ = reply_to.send(x + 1);
        }
    }
    async fn serve_async(mut rx: Self::Rx) {
        while let Some(TokioCall::Add { x, reply_to }) = rx.recv().await {
            let _ = reply_to.send(x + 1);
        }
    }
}

fn run_round_trip<B: Mailbox>(dir: Dir, n: u64) -> Outcome {
    let rt = runtime();
    let (tx, rx) = B::make();
    let (actor_thread, actor_task) = if dir.actor_async() {
        (None, Some(rt.spawn(B::serve_async(rx))))
    } else {
        (Some(thread::spawn(move || B::serve_blocking(rx))), None)
    };
    let clock = Clock::start();
    // The caller's `tx` is dropped when it is done, which stops the actor.
    let sum = if dir.caller_async() {
        rt.block_on(rt.spawn(async move {
            let mut sum = 0u64;
            for x in 0..n {
                sum = sum.wrapping_add(B::call_async(&tx, x).await);
            }
            sum
        }))
        .expect("the caller task")
    } else {
        let mut sum = 0u64;
        for x in 0..n {
            sum = sum.wrapping_add(B::call_blocking(&tx, x));
        }
        drop(tx);
        sum
    };
    let elapsed = clock.stop();
    if let Some(t) = actor_thread {
        t.join().expect("the actor thread");
    }
    if let Some(t) = actor_task {
        rt.block_on(t).expect("the actor task");
    }
    // The replies are x + 1 for x in 0..n.
    let expected_sum = n * (n + 1) / 2;
    if sum == expected_sum {
        Outcome::Ok(elapsed, n)
    } else {
        Outcome::Lost {
            received: n,
            expected: n,
            sum,
            expected_sum,
        }
    }
}

// ---------------------------------------------------------------------------
// CPU pinning.

/// Pins the whole process (this thread, and every thread it starts later)
/// to the lowest-numbered CPU it may run on.
fn pin_to_one_cpu() {
    // SAFETY: `cpu_set_t` is a plain bit array; all-zero is a valid value.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `set` is a valid, writable `cpu_set_t` of `size` bytes; pid 0
    // is this thread.
    let got = unsafe { libc::sched_getaffinity(0, size, &raw mut set) };
    assert_eq!(got, 0, "sched_getaffinity failed");
    let cpu = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` < CPU_SETSIZE, the bit range of `set`.
        .find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .expect("some CPU is allowed");
    // SAFETY: as above, all-zero is a valid `cpu_set_t`.
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` < CPU_SETSIZE.
    unsafe { libc::CPU_SET(cpu, &mut one) };
    // SAFETY: `one` is a valid `cpu_set_t` of `size` bytes; pid 0 is this
    // thread, whose mask every thread started later inherits.
    let set_ok = unsafe { libc::sched_setaffinity(0, size, &raw const one) };
    assert_eq!(set_ok, 0, "sched_setaffinity failed");
}

// ---------------------------------------------------------------------------
// The child: one run.

/// Runs `case` once for `peer` with `n` messages; `None` if the peer does not
/// support the case.
fn run_one(case: &Case, peer: &str, n: u64) -> Option<Outcome> {
    match *case {
        Case::Matrix { big, one_cpu, .. } => {
            if one_cpu {
                pin_to_one_cpu();
            }
            with_queue!(peer, Q => {
                if !supported::<Q>(case) {
                    return None;
                }
                if big {
                    run_matrix::<Q, Big>(case, n)
                } else {
                    run_matrix::<Q, u64>(case, n)
                }
            })
        }
        Case::RoundTrip(dir) => match peer {
            "ours" => Some(run_round_trip::<OursMailbox>(dir, n)),
            "tokio" => Some(run_round_trip::<TokioMailbox>(dir, n)),
            "flume" => Some(run_round_trip::<FlumeMailbox>(dir, n)),
            _ => None,
        },
    }
}

/// Whether `peer` supports `case` (asked by the parent, in process).
fn supports(case: &Case, peer: &str) -> bool {
    match case {
        Case::Matrix { .. } => with_queue!(peer, Q => supported::<Q>(case)).unwrap_or(false),
        Case::RoundTrip(_) => ROUND_TRIP_PEERS.contains(&peer),
    }
}

// ---------------------------------------------------------------------------
// The parent: every case, every peer, every run.

/// One run's figures: wall ns per message, and CPU ns per message (user +
/// system, every thread of the process) of the same run.
#[derive(Debug, Clone, Copy)]
struct PerMessage {
    wall: f64,
    cpu: f64,
}

/// One peer's results for one case; its status: "n/a", "hang", "lost ...",
/// "panic ..." (the first failure), if any.
type Cell = oneshot_benches::harness::stats::Results<PerMessage>;

/// A finished case: its messages per run and each peer's results.
type Row = (Case, u64, Vec<(&'static str, Cell)>);

/// Runs one child; wall and CPU ns per message, or the failure to report.
fn spawn_run(id: &str, peer: &str, n: u64, timeout: Duration) -> Result<PerMessage, String> {
    let [ns, messages, cpu_ns] = child::spawn_run(id, peer, n, timeout)?;
    Ok(PerMessage {
        wall: ns / messages,
        cpu: cpu_ns / messages,
    })
}

fn parent(o: &Options) -> ExitCode {
    let selected: Vec<Case> = cases().into_iter().filter(|c| o.wants(&c.id())).collect();
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    for case in &selected {
        let id = case.id();
        let n = o.messages(case.messages(), 100);
        let case_start = Instant::now();
        let cells = run_peers(
            o,
            case.peers(),
            |p| supports(case, p),
            |peer| spawn_run(&id, peer, n, o.timeout),
        );
        let mut line = format!("{id:<34} n={n:<7}");
        for (peer, cell) in &cells {
            let shown = match &cell.status {
                Some(s) if cell.runs.is_empty() => {
                    s.split_whitespace().next().unwrap_or("").to_owned()
                }
                _ => format!(
                    "{:.0}/{:.0}",
                    median(&cell.values(|r| r.wall)),
                    median(&cell.values(|r| r.cpu))
                ),
            };
            let _ = write!(line, " {peer}={shown}");
        }
        println!("{line}  ({:.1} s)", case_start.elapsed().as_secs_f64());
        rows.push((*case, n, cells));
    }
    eprintln!(
        "matrix: {} cases in {:.0} s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &o.json {
        let mut out = String::from("{\n \"cases\": [\n");
        for (k, (case, n, cells)) in rows.iter().enumerate() {
            let (kind, extra) = match case {
                Case::Matrix {
                    shape,
                    cap,
                    form,
                    big,
                    one_cpu,
                } => (
                    "matrix",
                    format!(
                        "\"shape\": {}, \"cap\": {}, \"form\": {}, \"message\": {}, \"one_cpu\": {}",
                        json_string(shape.label()),
                        json_string(&cap.label()),
                        json_string(form.label()),
                        json_string(if *big { "256B" } else { "u64" }),
                        one_cpu
                    ),
                ),
                Case::RoundTrip(dir) => (
                    "roundtrip",
                    format!("\"direction\": {}", json_string(dir.label())),
                ),
            };
            let _ = write!(
                out,
                "  {{\"id\": {}, \"kind\": \"{kind}\", {extra}, \"messages\": {n}, \"results\": {{",
                json_string(&case.id())
            );
            for (j, (peer, cell)) in cells.iter().enumerate() {
                let runs = json_list(cell.runs.iter().map(|r| format!("{:.3}", r.wall)));
                let cpu_runs = json_list(cell.runs.iter().map(|r| format!("{:.3}", r.cpu)));
                let status = cell
                    .status
                    .as_deref()
                    .map_or("null".to_owned(), json_string);
                let _ = write!(
                    out,
                    "{}{}: {{\"runs\": {runs}, \"cpu_runs\": {cpu_runs}, \"status\": {status}}}",
                    if j == 0 { "" } else { ", " },
                    json_string(peer),
                );
            }
            out.push_str(if k + 1 == rows.len() { "}}\n" } else { "}},\n" });
        }
        let _ = write!(
            out,
            " ],\n \"runs\": {},\n \"scale\": {},\n \"seconds\": {:.1}\n}}\n",
            o.runs,
            o.scale,
            started.elapsed().as_secs_f64()
        );
        if let Err(e) = std::fs::write(path, out) {
            eprintln!("matrix: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// The child's run, as it prints it: see [`child::Bin::run_one`].
fn child_run(case: &Case, peer: &str, n: u64) -> Option<Result<String, String>> {
    Some(match run_one(case, peer, n)? {
        Outcome::Ok(elapsed, messages) => Ok(format!(
            "{} {messages} {}",
            elapsed.wall.as_nanos(),
            elapsed.cpu.as_nanos()
        )),
        Outcome::Lost {
            received,
            expected,
            sum,
            expected_sum,
        } => Err(format!(
            "lost received {received} of {expected}, key sum {sum} (expected {expected_sum})"
        )),
    })
}

fn main() -> ExitCode {
    child::Bin {
        name: "matrix",
        row: "case",
        cells: cases,
        id: Case::id,
        run_one: child_run,
        parent: |args| {
            let o = Options::parse(args, Duration::from_secs(30), None, false)?;
            Ok(parent(&o))
        },
    }
    .main()
}
