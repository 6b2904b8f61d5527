//! Randomized stress test: many channels whose two ends run on several OS
//! threads and on a multi-thread tokio runtime, each end following a random
//! script of actions.
//!
//! Every message records its drops in a ledger, and a counting global
//! allocator records every byte allocated and freed. At the end every
//! message that was made has been dropped exactly once, the two ends of each
//! channel agree on what happened, and the bytes allocated equal the bytes
//! freed.
//!
//! * `ONESHOT_STRESS_SECS=N` runs rounds for about `N` seconds (CI runs it
//!   in release mode for a bounded time). Without it, a short smoke run
//!   keeps the default `cargo test` fast.
//! * `ONESHOT_STRESS_SEED=S` replays the action scripts of a run. The seed
//!   is printed at the start (run with `--nocapture` to see it even on
//!   success). The interleavings of real threads cannot be replayed, but
//!   the same scripts on the same places usually hit the same window again.
//!
//! The test prints the operations per second it reached (each public
//! method call on an end counts as one operation, including the drops).

#![cfg(not(loom))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use oneshot::{Receiver, RecvTimeoutError, Sender, TryRecvError};

// --- the counting allocator ------------------------------------------------

/// Wraps the system allocator and counts the bytes that pass through it.
struct CountingAlloc;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments, so
// `System`'s guarantees hold; the counters have no effect on the memory.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's (valid) layout.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's (valid) layout.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            ALLOCATED.fetch_add(layout.size(), Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        FREED.fetch_add(layout.size(), Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (every
        // allocation goes through this type).
        unsafe { System.dealloc(ptr, layout) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; `ptr`/`layout` came from this allocator.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            FREED.fetch_add(layout.size(), Relaxed);
            ALLOCATED.fetch_add(new_size, Relaxed);
        }
        new
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Bytes allocated and not yet freed, process-wide.
fn live_bytes() -> isize {
    // Read FREED first: a free is always counted after its allocation, so
    // this order never shows more frees than allocations for one block.
    let freed = FREED.load(Relaxed);
    let allocated = ALLOCATED.load(Relaxed);
    allocated as isize - freed as isize
}

// --- a small PRNG ----------------------------------------------------------

/// SplitMix64: tiny, fast, and good enough to pick actions.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce5_e9b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A derived generator, so each end has its own independent stream.
    fn fork(&mut self) -> Self {
        Self::new(self.next())
    }
}

// --- payloads and wakers ---------------------------------------------------

/// One round's drop ledger: how many times each channel's message was made
/// and dropped.
struct Ledger {
    made: Vec<AtomicU8>,
    dropped: Vec<AtomicU8>,
}

/// The message: knows its channel, records its drop, and owns a heap
/// buffer of random size so the allocator sees it.
struct Msg {
    index: usize,
    ledger: Arc<Ledger>,
    _pad: Vec<u8>,
}

impl Msg {
    fn new(index: usize, ledger: &Arc<Ledger>, rng: &mut Rng) -> Self {
        ledger.made[index].fetch_add(1, Relaxed);
        Self {
            index,
            ledger: Arc::clone(ledger),
            _pad: vec![0xA5; rng.below(48) as usize],
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.ledger.dropped[self.index].fetch_add(1, Relaxed);
    }
}

/// A waker that does nothing but exist (each poll gets a fresh one, so the
/// channel must replace and drop the previous one).
struct Nop;

impl Wake for Nop {
    fn wake(self: Arc<Self>) {}
}

fn fresh_waker() -> Waker {
    Waker::from(Arc::new(Nop))
}

/// A waker that unparks a thread, for the tiny `block_on` below.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

fn poll_rx(rx: &mut Receiver<Msg>, waker: &Waker) -> Poll<Result<Msg, oneshot::RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

fn tiny(rng: &mut Rng) -> Duration {
    Duration::from_micros(rng.below(30))
}

/// Spins, yields, or does nothing, to shift the two ends against each other.
fn delay(rng: &mut Rng) {
    match rng.below(4) {
        0 => {}
        1 => std::thread::yield_now(),
        _ => {
            for _ in 0..rng.below(200) {
                std::hint::spin_loop();
            }
        }
    }
}

// --- scripts ---------------------------------------------------------------

/// What the sending end does.
#[derive(Clone, Copy, Debug)]
enum SendPlan {
    /// Send at once.
    Send,
    /// Drop without sending.
    Drop,
    /// `poll_closed` with a new waker each time, then send or drop.
    PollClosed { polls: u64, send: bool },
    /// Wait (bounded) for `closed()`, then send or drop.
    BriefClosed { send: bool },
    /// Wait for `closed()` for good, then send (must be refused). Only
    /// chosen when the receiver's script never waits for the sender.
    WaitClosed,
}

/// What the receiving end does.
#[derive(Clone, Copy, Debug)]
enum RecvPlan {
    /// Drop at once.
    Drop,
    /// `try_recv` a few times, then drop.
    Try { tries: u64 },
    /// Block (`recv` on a thread, `.await` in a task).
    Recv,
    /// `recv_timeout`/`recv_deadline` with tiny timeouts, then block or drop.
    Timeouts { times: u64, block: bool },
    /// Poll with a new waker each time, then block or drop.
    Polls { polls: u64, block: bool },
    /// Close, then `try_recv` and a blocking receive (which cannot wait).
    Close,
    /// In a task: `.await` under a tiny tokio timeout (cancelling it), then
    /// block or drop. On a thread: like `Timeouts`.
    Cancelled { block: bool },
}

impl RecvPlan {
    /// Whether the script waits for the sender to send or leave.
    fn waits_for_sender(self) -> bool {
        match self {
            Self::Recv => true,
            Self::Timeouts { block, .. }
            | Self::Polls { block, .. }
            | Self::Cancelled { block } => block,
            Self::Drop | Self::Try { .. } | Self::Close => false,
        }
    }

    fn pick(rng: &mut Rng) -> Self {
        match rng.below(8) {
            0 => Self::Drop,
            1 => Self::Try {
                tries: 1 + rng.below(4),
            },
            2 => Self::Recv,
            3 => Self::Timeouts {
                times: 1 + rng.below(3),
                block: rng.chance(60),
            },
            4 | 5 => Self::Polls {
                polls: 1 + rng.below(4),
                block: rng.chance(70),
            },
            6 => Self::Close,
            _ => Self::Cancelled {
                block: rng.chance(60),
            },
        }
    }
}

impl SendPlan {
    fn pick(rng: &mut Rng, receiver: RecvPlan) -> Self {
        match rng.below(8) {
            0..=2 => Self::Send,
            3 => Self::Drop,
            4 | 5 => Self::PollClosed {
                polls: 1 + rng.below(3),
                send: rng.chance(70),
            },
            6 => Self::BriefClosed {
                send: rng.chance(70),
            },
            _ if !receiver.waits_for_sender() => Self::WaitClosed,
            _ => Self::Send,
        }
    }
}

/// How the sending end ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SendOutcome {
    Sent,
    Refused,
    Dropped,
}

/// What the receiving end saw.
#[derive(Clone, Copy, Debug, Default)]
struct RecvOutcome {
    /// The index carried by the message it received.
    got: Option<usize>,
    /// It saw a disconnect.
    disconnected: bool,
    /// It closed the channel itself.
    closed: bool,
    /// It waited until the sender sent or left.
    waited: bool,
}

/// Where an end runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Thread(usize),
    Task,
}

/// One channel's whole plan, for the failure messages.
#[derive(Debug)]
#[expect(
    dead_code,
    reason = "the fields are read through `Debug` in failure messages"
)]
struct Plan {
    send: SendPlan,
    recv: RecvPlan,
    tx_place: Place,
    rx_place: Place,
}

// --- the sending end -------------------------------------------------------

/// Sends (or not) as the plan says, from a thread.
fn sender_on_thread(
    mut tx: Sender<Msg>,
    plan: SendPlan,
    mut rng: Rng,
    index: usize,
    ledger: &Arc<Ledger>,
    ops: &mut u64,
) -> SendOutcome {
    delay(&mut rng);
    let send = match plan {
        SendPlan::Send => true,
        SendPlan::Drop => false,
        SendPlan::PollClosed { polls, send } => {
            for _ in 0..polls {
                *ops += 1;
                let w = fresh_waker();
                if tx.poll_closed(&mut Context::from_waker(&w)).is_ready() {
                    *ops += 1;
                    assert!(
                        tx.is_closed(),
                        "poll_closed was Ready but is_closed is false"
                    );
                    break;
                }
                delay(&mut rng);
            }
            send
        }
        SendPlan::BriefClosed { send } => {
            // A bounded wait: a few polls with yields in between.
            for _ in 0..4 {
                *ops += 1;
                if tx
                    .poll_closed(&mut Context::from_waker(&fresh_waker()))
                    .is_ready()
                {
                    break;
                }
                std::thread::yield_now();
            }
            send
        }
        SendPlan::WaitClosed => {
            *ops += 1;
            block_on(tx.closed());
            assert!(tx.is_closed(), "closed() completed but is_closed is false");
            *ops += 1;
            let msg = Msg::new(index, ledger, &mut rng);
            let err = tx
                .send(msg)
                .expect_err("send after closed() must be refused");
            assert_eq!(err.as_inner().index, index, "the wrong message came back");
            return SendOutcome::Refused;
        }
    };
    finish_send(tx, send, &mut rng, index, ledger, ops)
}

fn finish_send(
    tx: Sender<Msg>,
    send: bool,
    rng: &mut Rng,
    index: usize,
    ledger: &Arc<Ledger>,
    ops: &mut u64,
) -> SendOutcome {
    *ops += 1;
    if !send {
        drop(tx);
        return SendOutcome::Dropped;
    }
    let msg = Msg::new(index, ledger, rng);
    match tx.send(msg) {
        Ok(()) => SendOutcome::Sent,
        Err(err) => {
            assert_eq!(err.into_inner().index, index, "the wrong message came back");
            SendOutcome::Refused
        }
    }
}

/// The same plans, in a tokio task.
async fn sender_in_task(
    mut tx: Sender<Msg>,
    plan: SendPlan,
    mut rng: Rng,
    index: usize,
    ledger: Arc<Ledger>,
) -> (SendOutcome, u64) {
    let mut ops = 0;
    if rng.chance(50) {
        tokio::task::yield_now().await;
    }
    let send = match plan {
        SendPlan::Send => true,
        SendPlan::Drop => false,
        SendPlan::PollClosed { polls, send } => {
            for _ in 0..polls {
                ops += 1;
                if tx
                    .poll_closed(&mut Context::from_waker(&fresh_waker()))
                    .is_ready()
                {
                    break;
                }
                tokio::task::yield_now().await;
            }
            send
        }
        SendPlan::BriefClosed { send } => {
            ops += 1;
            let _ = tokio::time::timeout(tiny(&mut rng), tx.closed()).await;
            send
        }
        SendPlan::WaitClosed => {
            ops += 2;
            tx.closed().await;
            assert!(tx.is_closed(), "closed() completed but is_closed is false");
            ops += 1;
            let msg = Msg::new(index, &ledger, &mut rng);
            let err = tx
                .send(msg)
                .expect_err("send after closed() must be refused");
            assert_eq!(err.as_inner().index, index, "the wrong message came back");
            return (SendOutcome::Refused, ops);
        }
    };
    let outcome = finish_send(tx, send, &mut rng, index, &ledger, &mut ops);
    (outcome, ops)
}

// --- the receiving end -----------------------------------------------------

fn take(out: &mut RecvOutcome, result: Result<Msg, ()>) {
    match result {
        Ok(msg) => out.got = Some(msg.index),
        Err(()) => out.disconnected = true,
    }
}

/// Receives (or not) as the plan says, on a thread.
fn receiver_on_thread(
    mut rx: Receiver<Msg>,
    plan: RecvPlan,
    mut rng: Rng,
    ops: &mut u64,
) -> RecvOutcome {
    let mut out = RecvOutcome::default();
    delay(&mut rng);
    let block = match plan {
        RecvPlan::Drop => false,
        RecvPlan::Recv => true,
        RecvPlan::Try { tries } => {
            for _ in 0..tries {
                *ops += 1;
                match rx.try_recv() {
                    Ok(msg) => {
                        out.got = Some(msg.index);
                        break;
                    }
                    Err(TryRecvError::Disconnected) => {
                        out.disconnected = true;
                        break;
                    }
                    Err(TryRecvError::Empty) => delay(&mut rng),
                }
            }
            false
        }
        RecvPlan::Timeouts { times, block } => {
            timeouts_on_thread(&rx, times, &mut rng, &mut out, ops);
            block
        }
        // A thread has no cancellation: one tiny timeout stands in for it.
        RecvPlan::Cancelled { block } => {
            timeouts_on_thread(&rx, 1, &mut rng, &mut out, ops);
            block
        }
        RecvPlan::Polls { polls, block } => {
            for _ in 0..polls {
                *ops += 1;
                match poll_rx(&mut rx, &fresh_waker()) {
                    Poll::Ready(result) => {
                        take(&mut out, result.map_err(drop));
                        break;
                    }
                    Poll::Pending => delay(&mut rng),
                }
            }
            block
        }
        RecvPlan::Close => {
            *ops += 2;
            rx.close();
            out.closed = true;
            match rx.try_recv() {
                Ok(msg) => out.got = Some(msg.index),
                Err(TryRecvError::Disconnected) => out.disconnected = true,
                Err(TryRecvError::Empty) => panic!("try_recv after close returned Empty"),
            }
            // After a close a blocking receive cannot wait.
            *ops += 1;
            assert!(rx.recv_ref().is_err(), "a second value after close");
            false
        }
    };
    if block && out.got.is_none() && !out.disconnected {
        *ops += 1;
        out.waited = true;
        let result = if rng.chance(50) {
            rx.recv_ref()
        } else {
            // Consumes the receiver; the outcome is complete.
            *ops += 1;
            let result = rx.recv();
            take(&mut out, result.map_err(drop));
            return out;
        };
        take(&mut out, result.map_err(drop));
    }
    if rng.chance(20) {
        *ops += 3;
        let _ = (rx.is_closed(), rx.has_message(), rx.is_terminated());
    }
    *ops += 1;
    drop(rx);
    out
}

/// `recv_timeout` and `recv_deadline` in turn, with tiny timeouts.
fn timeouts_on_thread(
    rx: &Receiver<Msg>,
    times: u64,
    rng: &mut Rng,
    out: &mut RecvOutcome,
    ops: &mut u64,
) {
    for i in 0..times {
        *ops += 1;
        let result = if i % 2 == 0 {
            rx.recv_timeout(tiny(rng))
        } else {
            rx.recv_deadline(Instant::now() + tiny(rng))
        };
        match result {
            Ok(msg) => {
                out.got = Some(msg.index);
                return;
            }
            Err(RecvTimeoutError::Disconnected) => {
                out.disconnected = true;
                return;
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// The same plans, in a tokio task (which never blocks its worker for long:
/// only tiny timeouts).
async fn receiver_in_task(
    mut rx: Receiver<Msg>,
    plan: RecvPlan,
    mut rng: Rng,
) -> (RecvOutcome, u64) {
    let mut ops = 0;
    let mut out = RecvOutcome::default();
    if rng.chance(50) {
        tokio::task::yield_now().await;
    }
    let block = match plan {
        RecvPlan::Drop => false,
        RecvPlan::Recv => true,
        RecvPlan::Try { tries } => {
            for _ in 0..tries {
                ops += 1;
                match rx.try_recv() {
                    Ok(msg) => {
                        out.got = Some(msg.index);
                        break;
                    }
                    Err(TryRecvError::Disconnected) => {
                        out.disconnected = true;
                        break;
                    }
                    Err(TryRecvError::Empty) => tokio::task::yield_now().await,
                }
            }
            false
        }
        RecvPlan::Timeouts { times, block } => {
            for _ in 0..times {
                ops += 1;
                match rx.recv_timeout(tiny(&mut rng)) {
                    Ok(msg) => {
                        out.got = Some(msg.index);
                        break;
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        out.disconnected = true;
                        break;
                    }
                    Err(RecvTimeoutError::Timeout) => tokio::task::yield_now().await,
                }
            }
            block
        }
        RecvPlan::Polls { polls, block } => {
            for _ in 0..polls {
                ops += 1;
                match poll_rx(&mut rx, &fresh_waker()) {
                    Poll::Ready(result) => {
                        take(&mut out, result.map_err(drop));
                        break;
                    }
                    Poll::Pending => tokio::task::yield_now().await,
                }
            }
            block
        }
        RecvPlan::Close => {
            ops += 2;
            rx.close();
            out.closed = true;
            match rx.try_recv() {
                Ok(msg) => out.got = Some(msg.index),
                Err(TryRecvError::Disconnected) => out.disconnected = true,
                Err(TryRecvError::Empty) => panic!("try_recv after close returned Empty"),
            }
            ops += 1;
            assert!((&mut rx).await.is_err(), "a second value after close");
            false
        }
        RecvPlan::Cancelled { block } => {
            ops += 1;
            // The timeout drops its `&mut rx` future mid-wait when it fires.
            match tokio::time::timeout(tiny(&mut rng), &mut rx).await {
                Ok(result) => take(&mut out, result.map_err(drop)),
                Err(_elapsed) => {}
            }
            block
        }
    };
    if block && out.got.is_none() && !out.disconnected {
        ops += 1;
        out.waited = true;
        let result = (&mut rx).await;
        take(&mut out, result.map_err(drop));
    }
    if rng.chance(20) {
        ops += 3;
        let _ = (rx.is_closed(), rx.has_message(), rx.is_terminated());
    }
    ops += 1;
    drop(rx);
    (out, ops)
}

// --- rounds ----------------------------------------------------------------

const THREADS: usize = 3;

/// One end of one channel, queued for a thread.
enum Job {
    Tx(usize, Sender<Msg>, SendPlan, Rng),
    Rx(usize, Receiver<Msg>, RecvPlan, Rng),
}

#[derive(Default)]
struct Totals {
    channels: u64,
    ops: u64,
}

/// Runs one round of `channels` channels and checks it.
fn round(
    rt: &tokio::runtime::Runtime,
    seed: u64,
    number: u64,
    channels: usize,
    totals: &mut Totals,
) {
    let mut rng = Rng::new(seed ^ number.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let ledger = Arc::new(Ledger {
        made: (0..channels).map(|_| AtomicU8::new(0)).collect(),
        dropped: (0..channels).map(|_| AtomicU8::new(0)).collect(),
    });
    let mut plans = Vec::with_capacity(channels);
    let mut queues: Vec<Vec<Job>> = (0..THREADS).map(|_| Vec::new()).collect();
    let mut tx_tasks = Vec::new();
    let mut rx_tasks = Vec::new();
    for index in 0..channels {
        let recv = RecvPlan::pick(&mut rng);
        let send = SendPlan::pick(&mut rng, recv);
        let place = |rng: &mut Rng| match rng.below(THREADS as u64 + 1) as usize {
            THREADS => Place::Task,
            t => Place::Thread(t),
        };
        let tx_place = place(&mut rng);
        let mut rx_place = place(&mut rng);
        if let (Place::Thread(a), Place::Thread(b)) = (tx_place, rx_place) {
            if a == b {
                // Never both ends on one thread: a blocking receive would
                // wait for a sender queued behind it.
                rx_place = Place::Thread((b + 1) % THREADS);
            }
        }
        let (tx, rx) = oneshot::channel::<Msg>();
        let (tx_rng, rx_rng) = (rng.fork(), rng.fork());
        match tx_place {
            Place::Thread(t) => queues[t].push(Job::Tx(index, tx, send, tx_rng)),
            Place::Task => tx_tasks.push((
                index,
                rt.spawn(sender_in_task(tx, send, tx_rng, index, Arc::clone(&ledger))),
            )),
        }
        match rx_place {
            Place::Thread(t) => queues[t].push(Job::Rx(index, rx, recv, rx_rng)),
            Place::Task => rx_tasks.push((index, rt.spawn(receiver_in_task(rx, recv, rx_rng)))),
        }
        plans.push(Plan {
            send,
            recv,
            tx_place,
            rx_place,
        });
    }

    // Each thread works through its queue in channel order; see the
    // progress argument in RELIABILITY.md.
    let mut sent: Vec<Option<SendOutcome>> = vec![None; channels];
    let mut received: Vec<Option<RecvOutcome>> = vec![None; channels];
    let thread_results = std::thread::scope(|s| {
        let handles: Vec<_> = queues
            .into_iter()
            .map(|queue| {
                let ledger = &ledger;
                s.spawn(move || {
                    let mut ops = 0;
                    let mut results = Vec::with_capacity(queue.len());
                    for job in queue {
                        match job {
                            Job::Tx(i, tx, plan, rng) => {
                                let o = sender_on_thread(tx, plan, rng, i, ledger, &mut ops);
                                results.push((i, Ok(o)));
                            }
                            Job::Rx(i, rx, plan, rng) => {
                                results.push((i, Err(receiver_on_thread(rx, plan, rng, &mut ops))));
                            }
                        }
                    }
                    (results, ops)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker thread panicked"))
            .collect::<Vec<_>>()
    });
    for (results, ops) in thread_results {
        totals.ops += ops;
        for (i, result) in results {
            match result {
                Ok(o) => sent[i] = Some(o),
                Err(o) => received[i] = Some(o),
            }
        }
    }
    rt.block_on(async {
        for (i, handle) in tx_tasks {
            let (o, ops) = handle.await.expect("a sender task panicked");
            totals.ops += ops;
            sent[i] = Some(o);
        }
        for (i, handle) in rx_tasks {
            let (o, ops) = handle.await.expect("a receiver task panicked");
            totals.ops += ops;
            received[i] = Some(o);
        }
    });

    for index in 0..channels {
        let plan = &plans[index];
        let context = || format!("seed {seed}, round {number}, channel {index}: {plan:?}");
        let s = sent[index].expect("every sender reports");
        let r = received[index].expect("every receiver reports");
        check(s, r, index)
            .unwrap_or_else(|why| panic!("{why} ({}; sender {s:?}, receiver {r:?})", context()));
        let made = ledger.made[index].load(Relaxed);
        let dropped = ledger.dropped[index].load(Relaxed);
        assert!(made <= 1, "message made {made} times ({})", context());
        assert_eq!(
            dropped,
            made,
            "message dropped {dropped} times, made {made} ({})",
            context()
        );
    }
    totals.channels += channels as u64;
}

/// The consistency rules between what the two ends saw.
fn check(s: SendOutcome, r: RecvOutcome, index: usize) -> Result<(), &'static str> {
    if let Some(got) = r.got {
        if got != index {
            return Err("received another channel's message");
        }
        if s != SendOutcome::Sent {
            return Err("received a message that was not sent");
        }
    }
    if r.got.is_some() && r.disconnected {
        return Err("both a message and a disconnect");
    }
    if s == SendOutcome::Refused && r.got.is_some() {
        return Err("a refused message was received");
    }
    if r.disconnected && !r.closed && s == SendOutcome::Sent {
        return Err("disconnected although the message was sent and never refused");
    }
    if r.waited && !r.closed && s == SendOutcome::Sent && r.got.is_none() {
        return Err("a blocking receive missed a sent message");
    }
    if r.waited && s == SendOutcome::Dropped && !r.disconnected {
        return Err("a blocking receive missed the disconnect");
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("tokio runtime")
}

/// Waits until the live byte count stops moving for a while (threads that
/// finished their work may still be running their exit code).
fn quiesce() {
    let mut last = live_bytes();
    let mut stable = 0;
    while stable < 5 {
        std::thread::sleep(Duration::from_millis(10));
        let now = live_bytes();
        stable = if now == last { stable + 1 } else { 0 };
        last = now;
    }
}

/// Waits until every byte allocated since `baseline` was freed (threads
/// that already finished their work may still be running their exit code),
/// and returns the difference left after a grace period.
fn settle(baseline: isize) -> isize {
    let start = Instant::now();
    loop {
        let diff = live_bytes() - baseline;
        if diff == 0 || start.elapsed() > Duration::from_secs(10) {
            return diff;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "tokio runtime and many threads: far too slow under Miri"
)]
fn stress() {
    let seed = std::env::var("ONESHOT_STRESS_SEED")
        .ok()
        .map(|s| s.parse::<u64>().expect("ONESHOT_STRESS_SEED must be a u64"))
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            Rng::new(nanos ^ u64::from(std::process::id())).next()
        });
    let secs: Option<f64> = std::env::var("ONESHOT_STRESS_SECS")
        .ok()
        .map(|s| s.parse().expect("ONESHOT_STRESS_SECS must be a number"));
    let per_round = if cfg!(debug_assertions) { 128 } else { 512 };
    // The rules below must be able to fail. (Not a test of its own: this
    // binary must run one test at a time for the allocation count.)
    check_rejects_inconsistent_outcomes();
    println!("stress: seed {seed} (replay the scripts with ONESHOT_STRESS_SEED={seed})");

    // Warm-up: the same work once, so every lazily allocated global (the
    // stdout capture buffer, thread handles, tokio's statics) exists before
    // the baseline is taken.
    {
        let rt = runtime();
        round(&rt, seed, u64::MAX, 64, &mut Totals::default());
        drop(rt);
    }
    quiesce();
    let baseline = live_bytes();

    let start = Instant::now();
    let mut totals = Totals::default();
    let mut rounds = 0;
    {
        let rt = runtime();
        loop {
            round(&rt, seed, rounds, per_round, &mut totals);
            rounds += 1;
            let done = match secs {
                Some(secs) => start.elapsed().as_secs_f64() >= secs,
                None => rounds >= 8,
            };
            if done {
                break;
            }
        }
        drop(rt);
    }
    let elapsed = start.elapsed();
    let leaked = settle(baseline);
    assert_eq!(
        leaked, 0,
        "allocated bytes != freed bytes: {leaked} bytes still live (seed {seed})"
    );
    println!(
        "stress: seed {seed}: {rounds} rounds, {} channels, {} operations in {:.2} s: {:.0} operations/s, {:.0} channels/s; allocated == freed",
        totals.channels,
        totals.ops,
        elapsed.as_secs_f64(),
        totals.ops as f64 / elapsed.as_secs_f64(),
        totals.channels as f64 / elapsed.as_secs_f64(),
    );
}

/// The stress test's own consistency rules must be able to fail.
fn check_rejects_inconsistent_outcomes() {
    let got = |i| RecvOutcome {
        got: Some(i),
        ..RecvOutcome::default()
    };
    assert!(check(SendOutcome::Sent, got(3), 3).is_ok());
    assert!(check(SendOutcome::Sent, got(4), 3).is_err());
    assert!(check(SendOutcome::Refused, got(3), 3).is_err());
    assert!(check(SendOutcome::Dropped, got(3), 3).is_err());
    let waited = RecvOutcome {
        waited: true,
        ..RecvOutcome::default()
    };
    assert!(check(SendOutcome::Sent, waited, 0).is_err());
    assert!(check(SendOutcome::Dropped, waited, 0).is_err());
}
