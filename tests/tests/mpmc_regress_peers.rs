//! `mpmc`: one regression test per peer bug named in issue 9, each written
//! so that a channel with that bug fails it.
//!
//! | peer bug | the failure | test |
//! |---|---|---|
//! | crossbeam#821 | spins while waiting (20x slower on one CPU) | `crossbeam_821_*` |
//! | crossbeam#997 | `try_recv` waits for a descheduled sender | `crossbeam_997_*` |
//! | flume#135 | a woken, dropped `recv_async` loses the wake-up | `flume_135_*` |
//! | flume#140 | async rendezvous: send returns before the take | `flume_140_*` |
//! | flume#145 | `bounded(0)` is capacity 1 for async receivers | `flume_145_*` |
//! | flume#182 | re-polled, robbed futures grow memory | `flume_182_*` |
//! | kanal#24 | a cancelled `recv` drops a delivered message | `kanal_24_*` |
//! | tokio#5084 | no blocking timeouts / blocking panics in a runtime | `tokio_5084_*` |
//!
//! This binary has its own counting global allocator (for flume#182, and to
//! stall a sender inside its allocation for crossbeam#997).

#![cfg(not(loom))]

use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use mpmc::{RecvFuture, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use oneshot_tests::{
    alloc_test_lock, join_within, poll_pinned, AllocGate, AllocSnapshot, CountScope, CountingAlloc,
    CountingWaker, ThreadProbe, Watchdog, HANG_LIMIT,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Spawns `op` on a thread and returns once the thread is parked in it.
fn blocked<R: Send + 'static>(
    op: impl FnOnce() -> R + Send + 'static,
) -> (thread::JoinHandle<R>, ThreadProbe) {
    let (probe_tx, probe_rx) = std::sync::mpsc::channel();
    let handle = thread::spawn(move || {
        probe_tx.send(ThreadProbe::current()).unwrap();
        op()
    });
    let probe = probe_rx.recv().unwrap();
    probe.wait_parked(HANG_LIMIT);
    assert!(!handle.is_finished(), "the operation did not block");
    (handle, probe)
}

/// crossbeam#821: a waiting thread must sleep, not spin or yield in a
/// loop, so that it leaves its CPU to the thread it waits for. A thread
/// blocked for 400 ms in `recv` (empty), `send` (full), `recv_timeout` and
/// `send_timeout` must use almost no CPU time.
#[test]
#[cfg_attr(miri, ignore)] // reads /proc, real time
fn crossbeam_821_waiting_threads_sleep_instead_of_spinning() {
    let _watchdog = Watchdog::new("crossbeam_821", HANG_LIMIT);
    let wait = Duration::from_millis(400);
    for cap in [0, 1] {
        let (tx, rx) = mpmc::bounded::<u8>(cap);
        if cap == 1 {
            tx.send(0).unwrap();
        }
        type Case = (&'static str, Box<dyn FnOnce() + Send>);
        let cases: Vec<Case> = vec![
            ("recv", {
                let (keep_tx, rx) = mpmc::bounded::<u8>(cap);
                Box::new(move || {
                    let _ = rx.recv_timeout(Duration::from_millis(400));
                    drop(keep_tx);
                })
            }),
            ("send", {
                let tx = tx.clone();
                Box::new(move || {
                    let _ = tx.send_timeout(1, Duration::from_millis(400));
                })
            }),
        ];
        for (what, op) in cases {
            let (probe_tx, probe_rx) = std::sync::mpsc::channel();
            let t = thread::spawn(move || {
                let probe = ThreadProbe::current();
                let before = probe.cpu_time();
                probe_tx.send(probe.clone()).unwrap();
                op();
                before.zip(probe.cpu_time()).map(|(a, b)| b - a)
            });
            let _probe = probe_rx.recv().unwrap();
            let used = join_within(t, HANG_LIMIT, what);
            let Some(used) = used else {
                eprintln!("no /proc here: cannot measure CPU time; skipped");
                return;
            };
            assert!(
                used < wait / 4,
                "cap {cap}: a thread waiting {wait:?} in {what} used {used:?} of CPU (spinning)"
            );
        }
        drop(rx);
    }
}

/// crossbeam#997: a receiver must not wait for a sender that is stopped in
/// the middle of its send. Here the sender is stopped inside the
/// allocation of a new unbounded block (the counting allocator holds it
/// there): the messages sent before it must be receivable, `try_recv` must
/// return (`Empty` at worst) and `recv_timeout` time out, and another
/// sender's `try_send` must complete — all while the first is stalled.
///
/// Two cases: the stall at the channel's first allocation after creation
/// (whatever the first send allocates), and at a later block boundary.
#[test]
#[cfg_attr(miri, ignore)] // real time; the stall holds a thread for seconds
fn crossbeam_997_try_recv_does_not_wait_for_a_sender_stalled_in_the_first_send() {
    static GATE: AllocGate = AllocGate::new();
    stalled_sender_case(&GATE, 0);
}

#[test]
#[cfg_attr(miri, ignore)] // real time; the stall holds a thread for seconds
fn crossbeam_997_try_recv_does_not_wait_for_a_sender_stalled_at_a_later_block() {
    static GATE: AllocGate = AllocGate::new();
    stalled_sender_case(&GATE, 1);
}

/// Sends `pre_sends` messages, then stalls the sender in its next
/// allocation and checks what the other operations do meanwhile.
fn stalled_sender_case(gate: &'static AllocGate, pre_sends: u64) {
    let _lock = alloc_test_lock();
    let _watchdog = Watchdog::new("crossbeam_997", HANG_LIMIT * 2);
    let (tx, rx) = mpmc::unbounded::<u64>();
    for i in 0..pre_sends {
        tx.send(i).unwrap();
    }
    let sent = Arc::new(AtomicUsize::new(pre_sends as usize));
    let stalled_sender = {
        let (tx, sent) = (tx.clone(), Arc::clone(&sent));
        thread::spawn(move || {
            gate.arm_this_thread();
            for i in pre_sends..1_000_000_u64 {
                tx.send(i).unwrap();
                // ORDERING: SeqCst, so that the count is visible once the
                // stall (a later event on this thread) is seen.
                sent.store(i as usize + 1, SeqCst);
                if gate.has_stalled() {
                    break;
                }
            }
            gate.disarm_this_thread();
        })
    };
    let deadline = std::time::Instant::now() + HANG_LIMIT;
    while !gate.has_stalled() {
        assert!(
            !stalled_sender.is_finished(),
            "a million unbounded sends never allocated: cannot stall one"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the sender never stalled"
        );
        thread::sleep(Duration::from_millis(1));
    }
    thread::sleep(Duration::from_millis(20));
    // ORDERING: SeqCst, see the store.
    let completed = sent.load(SeqCst);
    // What the checker was doing, for the failure message.
    static STEP: AtomicUsize = AtomicUsize::new(0);
    const STEPS: [&str; 5] = [
        "try_recv of the messages sent before the stall",
        "try_recv at the stalled slot",
        "recv_timeout(20 ms) at the stalled slot",
        "another sender's try_send",
        "try_recv after the other sender's try_send",
    ];
    // ORDERING: SeqCst for the progress marker (read on timeout).
    let step = |n: usize| STEP.store(n, SeqCst);
    let checker = {
        let rx = rx.clone();
        let tx2 = tx.clone();
        thread::spawn(move || {
            step(0);
            for i in 0..completed as u64 {
                assert_eq!(rx.try_recv(), Ok(i), "a completed send not receivable");
            }
            step(1);
            match rx.try_recv() {
                Err(TryRecvError::Empty) => {}
                // The stalled send may have published its message before
                // allocating the next block.
                Ok(v) if v == completed as u64 => {
                    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
                }
                other => panic!("try_recv behind a stalled sender: {other:?}"),
            }
            step(2);
            assert_eq!(
                rx.recv_timeout(Duration::from_millis(20)),
                Err(RecvTimeoutError::Timeout)
            );
            step(3);
            assert_eq!(tx2.try_send(u64::MAX), Ok(()), "another sender waited");
            step(4);
            // Its message may sit behind the stalled slot; no waiting either way.
            let _ = rx.try_recv();
        })
    };
    let limit = Duration::from_secs(if cfg!(miri) { 600 } else { 10 });
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let deadline = std::time::Instant::now() + limit;
        while !checker.is_finished() {
            // ORDERING: SeqCst, see `step`.
            let step = STEPS[STEP.load(SeqCst)];
            assert!(
                std::time::Instant::now() < deadline,
                "waited {limit:?} for a sender stalled mid-send \
                 ({completed} sends completed before it), in: {step}"
            );
            thread::sleep(Duration::from_millis(1));
        }
        if let Err(panic) = checker.join() {
            std::panic::resume_unwind(panic);
        }
    }));
    gate.release();
    join_within(stalled_sender, HANG_LIMIT, "the stalled sender, released");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    drop(tx);
    // Everything arrives once the sender goes on.
    let rest: Vec<u64> = rx.try_iter().collect();
    assert!(rest
        .iter()
        .filter(|&&v| v != u64::MAX)
        .all(|&v| v >= completed as u64));
}

/// flume#135 (lost wake-ups in async use): a receive that is woken for a
/// message and then cancelled must pass the wake-up on to the next waiting
/// receiver. In a real runtime with a `biased` select that cancels the
/// woken receive before it runs, and by hand for the rendezvous.
#[test]
#[cfg_attr(miri, ignore)] // tokio
fn flume_135_a_cancelled_woken_receive_passes_the_wake_up_on() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    for cap in [Some(1), Some(4), None] {
        rt.block_on(async {
            let (tx, rx) = match cap {
                Some(cap) => mpmc::bounded::<u32>(cap),
                None => mpmc::unbounded(),
            };
            let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel::<()>();
            let rx_a = rx.clone();
            let a = tokio::spawn(async move {
                let mut cancel = cancel_rx;
                tokio::select! {
                    biased;
                    _ = &mut cancel => None,
                    r = rx_a.recv_async() => r.ok(),
                }
            });
            let rx_b = rx.clone();
            let b = tokio::spawn(async move { rx_b.recv_async().await.ok() });
            // Let both register, A first.
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            // On this (the only) runtime thread: A is woken but cannot run
            // before it is cancelled.
            tx.send(7).unwrap();
            cancel_tx.send(()).unwrap();
            assert_eq!(a.await.unwrap(), None, "{cap:?}: A ran before the cancel");
            let got_b = tokio::time::timeout(HANG_LIMIT, b)
                .await
                .expect("the wake-up was lost with the cancelled receiver")
                .unwrap();
            assert_eq!(got_b, Some(7), "{cap:?}");
        });
    }
    // The rendezvous, by hand: A and B wait, a sender arrives and wakes A,
    // A is dropped, B must be woken and take the message.
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let (wa, wb, ws) = (
        CountingWaker::new(),
        CountingWaker::new(),
        CountingWaker::new(),
    );
    let mut a = Box::pin(rx.recv_async());
    let mut b = pin!(rx.recv_async());
    assert!(poll_pinned(a.as_mut(), &wa.waker()).is_pending());
    assert!(poll_pinned(b.as_mut(), &wb.waker()).is_pending());
    let mut send = pin!(tx.send_async(8));
    assert!(poll_pinned(send.as_mut(), &ws.waker()).is_pending());
    assert_eq!((wa.wakes(), wb.wakes()), (1, 0));
    drop(a);
    assert_eq!(
        wb.wakes(),
        1,
        "rendezvous: the wake-up was lost with the cancelled receiver"
    );
    assert_eq!(poll_pinned(b, &wb.waker()), Poll::Ready(Ok(8)));
    assert_eq!(poll_pinned(send, &ws.waker()), Poll::Ready(Ok(())));
}

/// flume#140: on a rendezvous channel, a send to a waiting async receiver
/// must not complete until the receiver has taken the message.
#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn flume_140_rendezvous_send_waits_for_the_async_receiver_to_take() {
    let _watchdog = Watchdog::new("flume_140", HANG_LIMIT);
    for _ in 0..20 {
        let (tx, rx) = mpmc::bounded::<u32>(0);
        let waker = CountingWaker::new();
        let mut fut = pin!(rx.recv_async());
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        let (sender, probe) = blocked(move || tx.send(1));
        probe.wait_parked(HANG_LIMIT);
        assert!(
            !sender.is_finished(),
            "the send returned before the receiver took it"
        );
        assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(1)));
        assert_eq!(
            join_within(sender, HANG_LIMIT, "send after the take"),
            Ok(())
        );
    }
}

/// flume#145: `bounded(0)` must not buffer one message for a pending async
/// receiver: with only a receive future waiting (and not polled), a send
/// times out and `try_send` is `Full`; the future then has nothing.
#[test]
#[cfg_attr(miri, ignore)] // real time
fn flume_145_bounded_zero_is_not_capacity_one_for_async_receivers() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let waker = CountingWaker::new();
    let mut fut = pin!(rx.recv_async());
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(
        tx.send_timeout(2, Duration::from_millis(20)),
        Err(SendTimeoutError::Timeout(2)),
        "a rendezvous send completed with only an unpolled receive future"
    );
    assert!(
        poll_pinned(fut.as_mut(), &waker.waker()).is_pending(),
        "the rendezvous channel buffered a message"
    );
    assert_eq!(tx.len(), 0);
}

/// flume#182: 100 pending receive futures are woken and then robbed by
/// another receiver, 200 rounds; re-polling them must not allocate (bounded)
/// nor keep growing the live bytes (unbounded).
#[test]
fn flume_182_robbed_repolled_futures_do_not_grow_memory() {
    let _lock = alloc_test_lock();
    let waker = CountingWaker::new();
    let handle = waker.waker();
    let (futures, rounds) = if cfg!(miri) { (8, 10) } else { (100, 200) };
    for cap in [Some(1), Some(100), None] {
        let (tx, rx) = match cap {
            Some(cap) => mpmc::bounded::<u64>(cap),
            None => mpmc::unbounded::<u64>(),
        };
        let robber = rx.clone();
        let mut futs: Vec<Pin<Box<RecvFuture<'_, u64>>>> =
            (0..futures).map(|_| Box::pin(rx.recv_async())).collect();
        let scope = CountScope::new();
        let start = AllocSnapshot::now();
        let mut live_at_half = 0;
        for round in 0..rounds {
            for fut in &mut futs {
                assert!(poll_pinned(fut.as_mut(), &handle).is_pending());
            }
            tx.send(round).unwrap();
            assert_eq!(robber.try_recv(), Ok(round));
            if round == rounds / 2 {
                let s = start.elapsed();
                live_at_half = s.bytes_allocated - s.bytes_freed;
            }
        }
        let used = start.elapsed();
        drop(scope);
        let live_at_end = used.bytes_allocated - used.bytes_freed;
        match cap {
            Some(_) => assert_eq!(used.allocs, 0, "{cap:?}: {used:?}"),
            None => assert!(
                live_at_end <= live_at_half + 4096,
                "{cap:?}: live bytes grew from {live_at_half} to {live_at_end}"
            ),
        }
        assert!(waker.live() <= futures + 1, "{} wakers held", waker.live());
        drop(futs);
    }
}

/// kanal#24: a receive future polled once, then handed a message by the
/// other side, then dropped without being polled again (what a timeout or a
/// select does) must not destroy the message: 200 of 200 must arrive.
#[test]
#[cfg_attr(miri, ignore)] // threads and sleeps per iteration
fn kanal_24_a_cancelled_receive_never_destroys_a_delivered_message() {
    let _watchdog = Watchdog::new("kanal_24", HANG_LIMIT);
    for cap in [Some(0), Some(1), None] {
        let (tx, rx) = match cap {
            Some(cap) => mpmc::bounded::<u32>(cap),
            None => mpmc::unbounded(),
        };
        let mut arrived = 0;
        for i in 0..200 {
            let waker = CountingWaker::new();
            let mut fut = Box::pin(rx.recv_async());
            assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
            let tx = tx.clone();
            let sender = thread::spawn(move || tx.send(i));
            let deadline = std::time::Instant::now() + HANG_LIMIT;
            while waker.wakes() == 0 {
                assert!(std::time::Instant::now() < deadline, "never woken");
                thread::yield_now();
            }
            drop(fut);
            if rx.recv_timeout(HANG_LIMIT) == Ok(i) {
                arrived += 1;
            }
            assert_eq!(join_within(sender, HANG_LIMIT, "sender"), Ok(()));
        }
        assert_eq!(
            arrived, 200,
            "{cap:?}: messages destroyed by cancelled receives"
        );
    }
}

/// tokio#5084: blocking receives and sends with timeouts exist and work
/// from inside a runtime's thread (tokio's `blocking_*` panic there).
#[test]
#[cfg_attr(miri, ignore)] // tokio, real time
fn tokio_5084_blocking_timeouts_work_inside_a_runtime() {
    let _watchdog = Watchdog::new("tokio_5084", HANG_LIMIT);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = mpmc::bounded::<u32>(1);
    let (tx_back, rx_back) = (tx.clone(), rx.clone());
    rt.block_on(async move {
        // In the runtime's thread: a timed-out blocking receive.
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(10)),
            Err(RecvTimeoutError::Timeout)
        );
        // Fed by a task on another worker while this thread blocks.
        let task = tokio::spawn(async move { tx.send_async(5).await });
        assert_eq!(rx.recv_timeout(HANG_LIMIT), Ok(5));
        assert_eq!(task.await.unwrap(), Ok(()));
        // And a blocking send with a timeout, drained by a task.
        tx_back.send(1).unwrap();
        assert_eq!(
            tx_back.send_timeout(2, Duration::from_millis(10)),
            Err(SendTimeoutError::Timeout(2))
        );
        let drain = tokio::spawn(async move { rx_back.recv_async().await });
        assert_eq!(tx_back.send_timeout(3, HANG_LIMIT), Ok(()));
        assert_eq!(drain.await.unwrap(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(3));
    });
}

/// tokio's mpsc loses the message of a cancelled `send`; ours hands it back.
#[test]
fn tokio_cancelled_send_hands_the_message_back() {
    let (tx, rx) = mpmc::bounded::<String>(1);
    tx.send("first".to_owned()).unwrap();
    let waker = CountingWaker::new();
    let mut fut = pin!(tx.send_async("second".to_owned()));
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    assert_eq!(fut.as_mut().cancel().as_deref(), Some("second"));
    assert_eq!(rx.try_recv().as_deref(), Ok("first"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}
