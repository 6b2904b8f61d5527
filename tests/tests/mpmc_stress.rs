//! `mpmc`: randomized stress. Each round makes a channel of a random kind
//! (rendezvous, small or larger bounded, unbounded) and runs producers and
//! consumers on OS threads, each following a random script that mixes every
//! way to send and receive: blocking, `try_*`, timeouts, futures polled to
//! completion, send futures cancelled or dropped while pending, receive
//! futures dropped while pending, consumers that leave early, a producer
//! that closes the channel.
//!
//! Every message has an id in a drop ledger and a counting global allocator
//! (this binary's own) counts the worker threads. After each round:
//! nothing was received twice; every message was dropped exactly once;
//! when nothing could legitimately discard a message, every one arrived;
//! the bytes allocated equal the bytes freed; and a bounded channel's
//! workers allocated nothing at all (an unbounded one at most once per 16
//! messages).
//!
//! * `MPMC_STRESS_SECS=N` runs rounds for about `N` seconds (default: a
//!   short smoke run).
//! * `MPMC_STRESS_SEED=S` replays the scripts of a run; the seed is printed
//!   at the start (`--nocapture` shows it on success too).

#![cfg(not(loom))]

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use mpmc::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};
use oneshot_tests::{
    all_threads_bytes, count_this_thread, join_within, poll_pinned, AllocSnapshot, CountingAlloc,
    Ledger, LedgerMsg, Rng, Watchdog, HANG_LIMIT,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Unparks its thread; made once per worker so polling allocates nothing.
struct Unpark {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // ORDERING: Release, paired with the Acquire swap in `drive`.
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

struct Driver {
    signal: Arc<Unpark>,
    waker: Waker,
}

impl Driver {
    fn new() -> Self {
        let signal = Arc::new(Unpark {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        });
        let waker = Waker::from(Arc::clone(&signal));
        Self { signal, waker }
    }

    /// Polls `fut` to completion, parking between wake-ups.
    fn drive<F: Future>(&self, fut: std::pin::Pin<&mut F>) -> F::Output {
        let mut fut = fut;
        loop {
            if let Poll::Ready(out) = poll_pinned(fut.as_mut(), &self.waker) {
                return out;
            }
            // ORDERING: Acquire, paired with the Release store in `wake_by_ref`.
            while !self.signal.woken.swap(false, Ordering::Acquire) {
                thread::park();
            }
        }
    }
}

/// What each worker is doing, for the message when a round hangs.
type Status = Arc<Vec<AtomicU8>>;

const PRODUCER_OPS: [&str; 7] = [
    "send",
    "try_send, then send",
    "send_timeout, then send",
    "send_async to completion",
    "send_async polled once, cancel, then send",
    "send_async polled once, dropped",
    "try_send spinning, then send",
];
const CONSUMER_OPS: [&str; 6] = [
    "recv",
    "try_recv spinning",
    "recv_timeout in a loop",
    "recv_async to completion",
    "recv_async polled once, dropped, then recv_timeout",
    "iter().next()",
];
const DONE: u8 = 255;

fn set(status: &Status, slot: usize, value: u8) {
    // ORDERING: Relaxed: only read for a diagnostic message.
    status[slot].store(value, Ordering::Relaxed);
}

#[derive(Debug, Default)]
struct ProducerReport {
    handed_back: Vec<usize>,
    maybe_abandoned: Vec<usize>,
    closed: bool,
    allocs: AllocSnapshot,
}

#[derive(Debug, Default)]
struct ConsumerReport {
    received: Vec<usize>,
    left_early: bool,
    allocs: AllocSnapshot,
}

#[derive(Clone, Copy, Debug)]
struct Round {
    cap: Option<usize>,
    producers: usize,
    consumers: usize,
    per_producer: usize,
}

fn producer(
    tx: Sender<LedgerMsg>,
    ledger: Ledger,
    ids: std::ops::Range<usize>,
    mut rng: Rng,
    closes_at: Option<usize>,
    mut report: ProducerReport,
    (status, slot): (Status, usize),
) -> ProducerReport {
    let driver = Driver::new();
    count_this_thread(true);
    let before = AllocSnapshot::now();
    for (j, id) in ids.enumerate() {
        if closes_at == Some(j) {
            report.closed = tx.close();
        }
        let msg = ledger.msg(id);
        let op = rng.below(7);
        set(&status, slot, op as u8 + 1);
        let refused = match op {
            0 => tx.send(msg).err().map(|e| e.into_inner()),
            1 => match tx.try_send(msg) {
                Ok(()) => None,
                Err(TrySendError::Full(m)) => tx.send(m).err().map(|e| e.into_inner()),
                Err(TrySendError::Disconnected(m)) => Some(m),
            },
            2 => tx
                .send_timeout(msg, Duration::from_micros(rng.below(200) as u64))
                .err()
                .map(|e| e.into_inner())
                .and_then(|m| tx.send(m).err().map(|e| e.into_inner())),
            3 => driver
                .drive(pin!(tx.send_async(msg)))
                .err()
                .map(|e| e.into_inner()),
            4 => {
                // Poll once, then withdraw it and send it the blocking way.
                let mut fut = pin!(tx.send_async(msg));
                match poll_pinned(fut.as_mut(), &driver.waker) {
                    Poll::Ready(r) => r.err().map(|e| e.into_inner()),
                    Poll::Pending => match fut.as_mut().cancel() {
                        Some(m) => tx.send(m).err().map(|e| e.into_inner()),
                        None => None,
                    },
                }
            }
            5 => {
                // Poll once, and drop it if pending: the message goes with
                // the future unless it was delivered.
                let mut fut = pin!(tx.send_async(msg));
                match poll_pinned(fut.as_mut(), &driver.waker) {
                    Poll::Ready(r) => r.err().map(|e| e.into_inner()),
                    Poll::Pending => {
                        report.maybe_abandoned.push(id);
                        None
                    }
                }
            }
            _ => {
                let mut msg = msg;
                let mut spins = 0;
                loop {
                    match tx.try_send(msg) {
                        Ok(()) => break None,
                        Err(TrySendError::Disconnected(m)) => break Some(m),
                        Err(TrySendError::Full(m)) if spins > 50 => {
                            break tx.send(m).err().map(|e| e.into_inner());
                        }
                        Err(TrySendError::Full(m)) => {
                            msg = m;
                            spins += 1;
                            thread::yield_now();
                        }
                    }
                }
            }
        };
        if let Some(m) = refused {
            report.handed_back.push(m.id());
        }
    }
    drop(tx);
    report.allocs = before.elapsed();
    count_this_thread(false);
    set(&status, slot, DONE);
    report
}

fn consumer(
    rx: Receiver<LedgerMsg>,
    mut rng: Rng,
    leaves_after: Option<usize>,
    mut report: ConsumerReport,
    (status, slot): (Status, usize),
) -> ConsumerReport {
    let driver = Driver::new();
    count_this_thread(true);
    let before = AllocSnapshot::now();
    loop {
        if leaves_after == Some(report.received.len()) {
            report.left_early = true;
            break;
        }
        let op = rng.below(6);
        set(&status, slot, op as u8 + 1);
        let got = match op {
            0 => rx.recv().ok(),
            1 => loop {
                match rx.try_recv() {
                    Ok(m) => break Some(m),
                    Err(TryRecvError::Disconnected) => break None,
                    Err(TryRecvError::Empty) => thread::yield_now(),
                }
            },
            2 => loop {
                match rx.recv_timeout(Duration::from_micros(rng.below(300) as u64)) {
                    Ok(m) => break Some(m),
                    Err(RecvTimeoutError::Disconnected) => break None,
                    Err(RecvTimeoutError::Timeout) => {}
                }
            },
            3 => driver.drive(pin!(rx.recv_async())).ok(),
            4 => {
                // Poll once; if pending, drop it and receive blocking.
                // The future is dropped at the end of this block, before
                // the blocking receive (a pending future that is neither
                // polled nor dropped keeps a wake-up it was given).
                let first = {
                    let mut fut = pin!(rx.recv_async());
                    poll_pinned(fut.as_mut(), &driver.waker)
                };
                match first {
                    Poll::Ready(r) => r.ok(),
                    Poll::Pending => rx.recv_timeout(HANG_LIMIT).ok(),
                }
            }
            _ => rx.iter().next(),
        };
        match got {
            Some(m) => report.received.push(m.id()),
            None => break,
        }
    }
    drop(rx);
    report.allocs = before.elapsed();
    count_this_thread(false);
    set(&status, slot, DONE);
    report
}

fn run_round(round: Round, rng: &mut Rng) -> usize {
    let total = round.producers * round.per_producer;
    let ledger = Ledger::new(total);
    count_this_thread(true);
    let before_channel = AllocSnapshot::now();
    let (tx, rx) = match round.cap {
        Some(cap) => mpmc::bounded::<LedgerMsg>(cap),
        None => mpmc::unbounded(),
    };
    let creation = before_channel.elapsed();
    count_this_thread(false);
    // The counters are global (every counting thread adds to them), so the
    // workers' allocations are one window over the whole round, not a sum of
    // per-thread windows (which would count each allocation once per thread
    // running at the time).
    let workers_window = AllocSnapshot::now();

    let status: Status = Arc::new(
        (0..round.producers + round.consumers)
            .map(|_| AtomicU8::new(0))
            .collect(),
    );
    let all_leave = rng.one_in(5);
    let closer = rng.one_in(6).then(|| rng.below(round.producers));
    let mut producers = Vec::new();
    for p in 0..round.producers {
        let report = ProducerReport {
            handed_back: Vec::with_capacity(round.per_producer),
            maybe_abandoned: Vec::with_capacity(round.per_producer),
            ..ProducerReport::default()
        };
        let closes_at = (closer == Some(p)).then(|| rng.below(round.per_producer));
        let (tx, ledger, seed) = (tx.clone(), ledger.clone(), rng.next_u64());
        let st = Arc::clone(&status);
        let n = round.per_producer;
        producers.push(thread::spawn(move || {
            producer(
                tx,
                ledger,
                p * n..(p + 1) * n,
                Rng::new(seed),
                closes_at,
                report,
                (st, p),
            )
        }));
    }
    let mut consumers = Vec::new();
    for c in 0..round.consumers {
        let leaves_after = if all_leave || (c > 0 && rng.one_in(3)) {
            Some(rng.below(total / round.consumers + 1))
        } else {
            None
        };
        let report = ConsumerReport {
            received: Vec::with_capacity(total),
            ..ConsumerReport::default()
        };
        let (rx, seed) = (rx.clone(), rng.next_u64());
        let st = Arc::clone(&status);
        consumers.push(thread::spawn(move || {
            consumer(
                rx,
                Rng::new(seed),
                leaves_after,
                report,
                (st, round.producers + c),
            )
        }));
    }
    count_this_thread(true);
    let before_drop = AllocSnapshot::now();
    drop((tx, rx));
    let main_drop = before_drop.elapsed();
    count_this_thread(false);

    let what = format!("{round:?} all_leave={all_leave} closer={closer:?}");
    // Shorter than the watchdog, so a hang names the round and what each
    // worker is doing.
    let limit = HANG_LIMIT / 2;
    let deadline = Instant::now() + limit;
    while producers.iter().any(|p| !p.is_finished()) || consumers.iter().any(|c| !c.is_finished()) {
        if Instant::now() >= deadline {
            let doing: Vec<String> = (0..round.producers + round.consumers)
                .map(|slot| {
                    // ORDERING: Relaxed, see `set`.
                    let value = status[slot].load(Ordering::Relaxed);
                    let (who, ops): (_, &[&str]) = if slot < round.producers {
                        (format!("producer {slot}"), &PRODUCER_OPS)
                    } else {
                        (
                            format!("consumer {}", slot - round.producers),
                            &CONSUMER_OPS,
                        )
                    };
                    let op = match value {
                        DONE => "done",
                        0 => "starting",
                        v => ops[v as usize - 1],
                    };
                    format!("{who}: {op}")
                })
                .collect();
            panic!("{what}: hung for {limit:?}; {}", doing.join("; "));
        }
        thread::sleep(Duration::from_millis(2));
    }
    let producers: Vec<ProducerReport> = producers
        .into_iter()
        .enumerate()
        .map(|(i, p)| join_within(p, limit, &format!("producer {i}, {what}")))
        .collect();
    let consumers: Vec<ConsumerReport> = consumers
        .into_iter()
        .enumerate()
        .map(|(i, c)| join_within(c, limit, &format!("consumer {i}, {what}")))
        .collect();

    // Nothing received twice, nothing both received and handed back.
    let mut seen = vec![0_u8; total];
    for c in &consumers {
        for &id in &c.received {
            seen[id] += 1;
        }
    }
    for p in &producers {
        for &id in &p.handed_back {
            seen[id] += 1;
        }
    }
    let twice: Vec<usize> = (0..total).filter(|&id| seen[id] > 1).collect();
    assert!(
        twice.is_empty(),
        "{what}: ids received or returned twice: {twice:?}"
    );
    // Each consumer sees each producer's messages in order.
    for c in &consumers {
        for p in 0..round.producers {
            let mine: Vec<_> = c
                .received
                .iter()
                .filter(|&&id| id / round.per_producer == p)
                .collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "{what}: reordered");
        }
    }
    // Every message dropped exactly once.
    ledger.assert_first_dropped_once(total);
    // When nothing could discard a message, every one arrived.
    let someone_left = consumers.iter().any(|c| c.left_early);
    let closed = producers.iter().any(|p| p.closed);
    if !someone_left && !closed {
        let abandoned: Vec<usize> = producers
            .iter()
            .flat_map(|p| p.maybe_abandoned.iter().copied())
            .collect();
        let missing: Vec<usize> = (0..total)
            .filter(|&id| seen[id] == 0 && !abandoned.contains(&id))
            .collect();
        assert!(missing.is_empty(), "{what}: lost: {missing:?}");
    }
    // Memory: nothing per message or waiter for bounded.
    let _ = (creation, main_drop);
    let workers = workers_window.elapsed().allocs;
    match round.cap {
        Some(_) => assert_eq!(
            workers, 0,
            "{what}: a bounded channel allocated after creation"
        ),
        None => assert!(
            workers <= total / 16 + 2,
            "{what}: {workers} allocations for {total} messages"
        ),
    }
    total
}

#[test]
fn randomized_stress() {
    let secs: Option<f64> = std::env::var("MPMC_STRESS_SECS")
        .ok()
        .map(|s| s.parse().expect("MPMC_STRESS_SECS is a number of seconds"));
    let seed = Rng::seed_from_env("MPMC_STRESS_SEED");
    let mut rng = Rng::new(seed);
    let _watchdog = Watchdog::new(
        "randomized_stress",
        HANG_LIMIT + Duration::from_secs_f64(secs.unwrap_or(0.0)),
    );
    let start = Instant::now();
    let (mut rounds, mut messages) = (0, 0);
    loop {
        let done = match secs {
            Some(secs) => start.elapsed().as_secs_f64() >= secs,
            None => rounds >= if cfg!(miri) { 3 } else { 40 },
        };
        if done {
            break;
        }
        let cap = [Some(0), Some(1), Some(2), Some(7), Some(64), None][rng.below(6)];
        let round = Round {
            cap,
            producers: 1 + rng.below(4),
            consumers: 1 + rng.below(4),
            per_producer: if cfg!(miri) {
                2 + rng.below(6)
            } else {
                10 + rng.below(400)
            },
        };
        let (allocated, freed) = all_threads_bytes();
        messages += run_round(round, &mut rng);
        // Every thread of the round has been joined and everything it made
        // dropped: the bytes balance (wakers may be freed by another thread
        // than the one that made them, so only the total can be compared).
        let (allocated_after, freed_after) = all_threads_bytes();
        // Round 0 is a warm-up: the harness and std settle their own
        // one-time allocations while it runs.
        assert!(
            rounds == 0 || allocated_after - allocated == freed_after - freed,
            "round {rounds}, {round:?}: bytes allocated ({}) and freed ({}) differ over the \
             round (all threads)",
            allocated_after - allocated,
            freed_after - freed,
        );
        rounds += 1;
    }
    println!(
        "{rounds} rounds, {messages} messages in {:.1?} (seed {seed})",
        start.elapsed()
    );
    assert!(rounds > 0);
}
