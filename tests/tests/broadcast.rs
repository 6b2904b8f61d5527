//! `mpmc::broadcast`: every method, threads and tasks mixed, FIFO per
//! receiver, drop accounting (each message dropped exactly once, after its
//! last reader or at the end), the last reader moving instead of cloning,
//! backpressure from a forgotten receiver but not from a detached or dropped
//! one, what the channel allocates, and a stress test with a ledger; the
//! overwrite mode (`overwriting`: sends that never wait, `Lagged(n)` exact
//! and once, a send waiting only for a reader inside the slot's clone, drop
//! accounting with evictions), `Sender::closed()` and the stream, in both
//! modes. The long ledger stress of both modes is `broadcast_stress.rs`.

#![cfg(not(loom))]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use mpmc::broadcast::{
    self, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use oneshot_tests::{
    alloc_test_lock, noop_waker, AllocSnapshot, CountScope, CountingAlloc, DropCounter, Ledger,
    LedgerMsg, Tracked,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const fn count(native: usize) -> usize {
    if cfg!(miri) {
        if native < 20 {
            native
        } else {
            20
        }
    } else {
        native
    }
}

/// A message whose original is tracked by a [`DropCounter`] and whose
/// clones are counted: the ring holds the original, readers get clones,
/// and the last reader gets the original itself (moved).
#[derive(Debug)]
struct Msg {
    id: usize,
    original: Option<Tracked<()>>,
    clones: Arc<AtomicUsize>,
}

impl Msg {
    fn new(id: usize, drops: &DropCounter, clones: &Arc<AtomicUsize>) -> Self {
        Self {
            id,
            original: Some(drops.track(())),
            clones: clones.clone(),
        }
    }
}

impl Clone for Msg {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Relaxed);
        Self {
            id: self.id,
            original: None,
            clones: self.clones.clone(),
        }
    }
}

/// A ledger message whose clones are not tracked: the ring holds the
/// original, so the ledger sees each message dropped exactly once.
struct LMsg {
    id: usize,
    _original: Option<LedgerMsg>,
}

impl Clone for LMsg {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            _original: None,
        }
    }
}

/// A message type that is neither `Debug` nor `PartialEq`.
#[derive(Clone)]
struct Opaque;

fn poll<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    let waker = noop_waker();
    fut.poll(&mut Context::from_waker(&waker))
}

#[test]
fn every_receiver_sees_every_message_in_order() {
    let (tx, mut a) = broadcast::channel(4);
    let mut b = a.clone();
    let mut c = tx.subscribe();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    for rx in [&mut a, &mut b, &mut c] {
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
    drop(tx);
    assert_eq!(a.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(b.recv(), Err(RecvError::Disconnected));
    assert_eq!(c.iter().count(), 0);
}

#[test]
fn new_receivers_start_at_the_tail() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut cloned = rx.clone();
    let mut subscribed = tx.subscribe();
    tx.send(2).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(cloned.try_iter().collect::<Vec<_>>(), [2]);
    assert_eq!(subscribed.try_iter().collect::<Vec<_>>(), [2]);
}

#[test]
fn a_forgotten_receiver_holds_senders_back_a_detached_or_dropped_one_does_not() {
    let (tx, mut reader) = broadcast::channel(2);
    let forgotten = tx.subscribe();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(reader.try_recv(), Ok(1));
    assert_eq!(reader.try_recv(), Ok(2));
    // The forgotten receiver is 2 behind: full.
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(
        tx.send_timeout(3, Duration::from_millis(5)),
        Err(SendTimeoutError::Timeout(3))
    );
    assert_eq!(tx.len(), 2);
    // Detaching releases its slots at once.
    let detached = forgotten.detach();
    assert_eq!(tx.len(), 0);
    assert_eq!(tx.receiver_count(), 1);
    for i in 3..10 {
        tx.send(i).unwrap();
        assert_eq!(reader.try_recv(), Ok(i));
    }
    // Re-attached at the tail, it holds senders back again.
    let forgotten = detached.attach();
    assert_eq!(tx.receiver_count(), 2);
    tx.send(10).unwrap();
    tx.send(11).unwrap();
    assert_eq!(reader.try_iter().collect::<Vec<_>>(), [10, 11]);
    assert!(matches!(tx.try_send(12), Err(TrySendError::Full(12))));
    // Dropping releases too.
    drop(forgotten);
    tx.send(12).unwrap();
    assert_eq!(reader.recv(), Ok(12));
}

#[test]
fn a_blocked_sender_is_woken_by_the_last_reader() {
    let (tx, mut a) = broadcast::channel(1);
    let mut b = tx.subscribe();
    tx.send(0).unwrap();
    let sender = thread::spawn(move || {
        for i in 1..count(200) {
            tx.send(i).unwrap();
        }
    });
    let reader = thread::spawn(move || b.iter().collect::<Vec<_>>());
    let got: Vec<_> = a.iter().collect();
    sender.join().unwrap();
    let expected: Vec<_> = (0..count(200)).collect();
    assert_eq!(got, expected);
    assert_eq!(reader.join().unwrap(), expected);
}

#[test]
fn a_lagging_receiver_dropped_or_detached_unblocks_a_waiting_sender() {
    for detach in [false, true] {
        let (tx, rx) = broadcast::channel(2);
        // Keeps the channel open when `rx` is dropped.
        let open = rx.clone().detach();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let sender = {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                // Full until `rx` leaves.
                tx.send(3).unwrap();
                tx
            })
        };
        barrier.wait();
        let kept = if detach {
            Some(rx.detach())
        } else {
            drop(rx);
            None
        };
        let tx = sender.join().unwrap();
        assert!(!tx.is_closed());
        assert_eq!(tx.len(), 0);
        drop((kept, open));
        assert!(tx.is_closed());
    }
}

#[test]
fn timeouts_and_deadlines() {
    let (tx, mut rx) = broadcast::channel::<u8>(1);
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        rx.recv_deadline(Instant::now()),
        Err(RecvTimeoutError::Timeout)
    );
    tx.send_deadline(1, Instant::now() + Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        tx.send_deadline(2, Instant::now()),
        Err(SendTimeoutError::Timeout(2))
    );
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(1));
    let later = thread::spawn(move || {
        thread::sleep(Duration::from_millis(5));
        tx.send(3).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(60)), Ok(3));
    later.join().unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(60)),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn close_counts_and_identity() {
    let (tx, rx) = broadcast::channel::<Opaque>(3);
    let tx2 = tx.clone();
    let (other, _other_rx) = broadcast::channel::<Opaque>(3);
    assert!(tx.same_channel(&tx2));
    assert!(!tx.same_channel(&other));
    assert_eq!(tx.capacity(), 3);
    assert_eq!(tx.sender_count(), 2);
    assert_eq!(tx.receiver_count(), 1);
    assert!(tx.is_empty());
    // `Debug` without `T: Debug`.
    assert!(format!("{tx:?} {rx:?}").contains("Sender"));
    assert!(format!("{:?}", rx.clone().detach()).contains("DetachedReceiver"));
    drop(tx2);
    assert_eq!(tx.sender_count(), 1);
    assert!(!rx.is_closed());
    assert!(tx.close());
    assert!(!tx.close());
    assert!(tx.is_closed() && rx.is_closed());
    assert!(matches!(tx.send(Opaque), Err(SendError(Opaque))));
    assert!(matches!(
        tx.try_send(Opaque),
        Err(TrySendError::Disconnected(Opaque))
    ));
    // A subscriber of a closed channel is disconnected at once.
    assert_eq!(
        tx.subscribe().try_recv().err(),
        Some(TryRecvError::Disconnected)
    );
}

#[test]
fn the_last_receiver_gone_closes_only_when_detached_ones_are_gone_too() {
    let (tx, rx) = broadcast::channel(1);
    let detached = rx.detach();
    // No active receiver: the message goes to nobody, and nothing is full.
    let (drops, clones) = (DropCounter::new(), Arc::new(AtomicUsize::new(0)));
    tx.send(Msg::new(1, &drops, &clones)).unwrap();
    tx.send(Msg::new(2, &drops, &clones)).unwrap();
    assert_eq!(drops.dropped(), 2);
    assert!(!tx.is_closed());
    drop(detached);
    assert!(tx.is_closed());
    assert!(tx.send(Msg::new(3, &drops, &clones)).is_err());
    assert_eq!((drops.dropped(), clones.load(Relaxed)), (3, 0));
}

#[test]
fn each_message_is_dropped_once_after_its_last_reader_and_the_last_reader_moves() {
    let drops = DropCounter::new();
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, mut a) = broadcast::channel(4);
    let mut b = a.clone();
    let mut c = a.clone();
    for id in 0..3 {
        tx.send(Msg::new(id, &drops, &clones)).unwrap();
    }
    // Two of three readers clone; the third gets the original.
    let from_a: Vec<Msg> = a.try_iter().collect();
    let from_b: Vec<Msg> = b.try_iter().collect();
    assert_eq!(clones.load(Relaxed), 6);
    assert!(from_a.iter().chain(&from_b).all(|m| m.original.is_none()));
    assert_eq!(drops.dropped(), 0);
    let from_c: Vec<Msg> = c.try_iter().collect();
    assert_eq!(clones.load(Relaxed), 6, "the last reader moved");
    assert!(from_c.iter().all(|m| m.original.is_some()));
    assert_eq!(from_c.iter().map(|m| m.id).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(drops.dropped(), 0);
    drop(from_c);
    assert_eq!(drops.dropped(), 3);
    drop((from_a, from_b));

    // Unread messages: dropped by the last receiver to leave, once.
    for id in 3..6 {
        tx.send(Msg::new(id, &drops, &clones)).unwrap();
    }
    assert_eq!(a.try_recv().map(|m| m.id).ok(), Some(3));
    drop(b);
    assert_eq!(drops.dropped(), 3);
    let detached = c.detach();
    assert_eq!(drops.dropped(), 4, "3 is done; `a` has not read 4 and 5");
    drop(a);
    assert_eq!(drops.dropped(), 6);
    assert_eq!(drops.created(), 6);
    // With a reader that only clones, messages still die at the end.
    let mut a = detached.attach();
    let _b = a.clone();
    tx.send(Msg::new(6, &drops, &clones)).unwrap();
    assert_eq!(a.try_recv().map(|m| m.id).ok(), Some(6));
    drop((tx, a));
    assert_eq!(drops.dropped(), 6, "`_b` still holds 6");
    drop(_b);
    assert_eq!((drops.created(), drops.dropped()), (7, 7));
}

#[test]
fn messages_left_in_the_ring_are_dropped_when_the_channel_goes() {
    let (drops, clones) = (DropCounter::new(), Arc::new(AtomicUsize::new(0)));
    let (tx, rx) = broadcast::channel(4);
    let rx2 = rx.clone();
    for i in 0..4 {
        tx.send(Msg::new(i, &drops, &clones)).unwrap();
    }
    drop(tx);
    drop(rx);
    assert_eq!(drops.dropped(), 0);
    drop(rx2);
    assert_eq!(drops.dropped(), 4);
}

#[test]
fn async_send_and_receive_with_cancellation() {
    let (tx, mut rx) = broadcast::channel(1);
    futures::executor::block_on(tx.send_async(1)).unwrap();
    {
        let mut send = pin!(tx.send_async(2));
        assert!(poll(send.as_mut()).is_pending());
        assert_eq!(send.as_mut().cancel(), Some(2));
        assert_eq!(send.as_mut().cancel(), None);
    }
    {
        // A dropped pending send drops its message and sends nothing.
        let (drops, clones) = (DropCounter::new(), Arc::new(AtomicUsize::new(0)));
        let (tx, _rx) = broadcast::channel(1);
        tx.send(Msg::new(0, &drops, &clones)).unwrap();
        {
            let mut send = pin!(tx.send_async(Msg::new(1, &drops, &clones)));
            assert!(poll(send.as_mut()).is_pending());
        }
        assert_eq!(drops.dropped(), 1);
    }
    assert_eq!(futures::executor::block_on(rx.recv_async()), Ok(1));
    {
        // A pending receive that is dropped advances nothing.
        let mut recv = pin!(rx.recv_async());
        assert!(poll(recv.as_mut()).is_pending());
    }
    tx.send(3).unwrap();
    assert_eq!(futures::executor::block_on(rx.recv_async()), Ok(3));
    drop(tx);
    assert_eq!(
        futures::executor::block_on(rx.recv_async()),
        Err(RecvError::Disconnected)
    );
}

#[test]
fn a_pending_send_future_completes_when_a_slot_frees() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let waker = oneshot_tests::CountingWaker::new();
    let w = waker.waker();
    let mut cx = Context::from_waker(&w);
    let mut send = pin!(tx.send_async(2));
    assert!(send.as_mut().poll(&mut cx).is_pending());
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(waker.wakes(), 1);
    assert_eq!(send.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
    assert_eq!(rx.recv(), Ok(2));
}

#[test]
fn a_send_wakes_only_waiting_receivers_each_once() {
    let (tx, mut a) = broadcast::channel(2);
    let mut b = a.clone();
    let _idle = a.clone();
    let wa = oneshot_tests::CountingWaker::new();
    let wb = oneshot_tests::CountingWaker::new();
    let (ka, kb) = (wa.waker(), wb.waker());
    let mut ra = pin!(a.recv_async());
    let mut rb = pin!(b.recv_async());
    assert!(ra.as_mut().poll(&mut Context::from_waker(&ka)).is_pending());
    assert!(rb.as_mut().poll(&mut Context::from_waker(&kb)).is_pending());
    tx.send(1).unwrap();
    assert_eq!((wa.wakes(), wb.wakes()), (1, 1));
    assert_eq!(
        ra.as_mut().poll(&mut Context::from_waker(&ka)),
        Poll::Ready(Ok(1))
    );
    tx.send(2).unwrap();
    // Nobody waits now: no wake-ups.
    assert_eq!((wa.wakes(), wb.wakes()), (1, 1));
    assert_eq!(
        rb.as_mut().poll(&mut Context::from_waker(&kb)),
        Poll::Ready(Ok(1))
    );
}

#[cfg_attr(miri, ignore = "tokio's runtime is slow under Miri")]
#[test]
fn threads_and_tokio_tasks_mixed() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = broadcast::channel::<usize>(4);
    let n = 500;
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let mut rx = rx.clone();
        tasks.push(rt.spawn(async move {
            let mut got = Vec::new();
            while let Ok(v) = rx.recv_async().await {
                got.push(v);
            }
            got
        }));
    }
    let mut blocking = rx.clone();
    let thread_rx = thread::spawn(move || blocking.iter().collect::<Vec<_>>());
    drop(rx);
    let async_tx = tx.clone();
    let task_tx = rt.spawn(async move {
        for i in 0..n {
            async_tx.send_async(2 * i).await.unwrap();
        }
    });
    let thread_tx = thread::spawn(move || {
        for i in 0..n {
            tx.send(2 * i + 1).unwrap();
        }
    });
    thread_tx.join().unwrap();
    rt.block_on(task_tx).unwrap();
    let mut all = vec![thread_rx.join().unwrap()];
    for t in tasks {
        all.push(rt.block_on(t).unwrap());
    }
    for got in all {
        assert_eq!(got.len(), 2 * n);
        let evens: Vec<_> = got.iter().filter(|v| *v % 2 == 0).collect();
        let odds: Vec<_> = got.iter().filter(|v| *v % 2 == 1).collect();
        assert!(evens.windows(2).all(|w| w[0] < w[1]));
        assert!(odds.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn one_allocation_at_creation_none_per_message_or_waiter() {
    let _lock = alloc_test_lock();
    let scope = CountScope::new();
    let before = AllocSnapshot::now();
    let (tx, mut rx) = broadcast::channel::<u64>(8);
    let mut rx2 = rx.clone();
    let creation = before.elapsed();
    let before = AllocSnapshot::now();
    for i in 0..count(1000) as u64 {
        tx.send(i).unwrap();
        assert_eq!(rx.recv(), Ok(i));
        assert_eq!(rx2.try_recv(), Ok(i));
    }
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let mut recv = pin!(rx.recv_async());
        assert!(recv.as_mut().poll(&mut cx).is_pending());
        assert!(recv.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    for i in 0..8 {
        tx.send(i).unwrap();
    }
    {
        let mut send = pin!(tx.send_async(9));
        assert!(send.as_mut().poll(&mut cx).is_pending());
    }
    let steady = before.elapsed();
    drop((tx, rx, rx2));
    drop(scope);
    assert_eq!(creation.allocs, 1, "one allocation at creation");
    assert_eq!(steady.allocs, 0, "nothing per message or waiter");
}

#[test]
fn stress_every_active_receiver_sees_every_message_once_in_order() {
    const SENDERS: usize = 3;
    const RECEIVERS: usize = 4;
    let per_sender = count(2000);
    let ledger = Ledger::new(SENDERS * per_sender);
    let (tx, rx) = broadcast::channel::<LMsg>(if cfg!(miri) { 2 } else { 8 });
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|r| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let mut next = [0usize; SENDERS];
                let mut seen = 0;
                loop {
                    let msg = if r % 2 == 0 {
                        rx.recv()
                    } else {
                        futures::executor::block_on(rx.recv_async())
                    };
                    let Ok(msg) = msg else { break };
                    let (s, i) = (msg.id / per_sender, msg.id % per_sender);
                    assert_eq!(i, next[s], "receiver {r}: sender {s} out of order");
                    next[s] += 1;
                    seen += 1;
                }
                assert!(next.iter().all(|n| *n == per_sender));
                seen
            })
        })
        .collect();
    drop(rx);
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            let ledger = ledger.clone();
            thread::spawn(move || {
                for i in 0..per_sender {
                    let id = s * per_sender + i;
                    let msg = LMsg {
                        id,
                        _original: Some(ledger.msg(id)),
                    };
                    if s == 0 {
                        futures::executor::block_on(tx.send_async(msg)).unwrap();
                    } else {
                        tx.send(msg).unwrap();
                    }
                }
            })
        })
        .collect();
    drop(tx);
    for s in senders {
        s.join().unwrap();
    }
    for r in receivers {
        assert_eq!(r.join().unwrap(), SENDERS * per_sender);
    }
    let ids: Vec<_> = (0..SENDERS * per_sender).collect();
    ledger.assert_dropped_once(&ids);
}

#[test]
fn receivers_joining_and_leaving_under_load_never_stall_the_senders() {
    let (tx, rx) = broadcast::channel(2);
    let n = count(1000);
    let sender = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    let mut rx = rx;
    let mut last = None;
    for round in 0.. {
        match rx.recv() {
            Ok(v) => {
                if let Some(l) = last {
                    assert!(v > l);
                }
                last = Some(v);
            }
            Err(_) => break,
        }
        // Swap in a fresh receiver now and then, dropping or detaching the
        // old one while it lags.
        if round % 7 == 0 {
            let fresh = rx.clone();
            if round % 2 == 0 {
                drop(rx);
            } else {
                drop(rx.detach());
            }
            rx = fresh;
        }
    }
    // The sender finished: no departure left a slot held.
    sender.join().unwrap();
    // A fresh receiver skips what was sent before it joined, so the last
    // value seen is not necessarily `n - 1`; it is one of them.
    assert!(last.is_some_and(|l| l < n));
}

#[test]
fn a_woken_send_future_that_is_dropped_passes_its_wake_up_on() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(0).unwrap();
    let (w1, w2) = (
        oneshot_tests::CountingWaker::new(),
        oneshot_tests::CountingWaker::new(),
    );
    let (k1, k2) = (w1.waker(), w2.waker());
    let mut second = pin!(tx.send_async(2));
    {
        let mut first = pin!(tx.send_async(1));
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(&k1))
            .is_pending());
        assert!(second
            .as_mut()
            .poll(&mut Context::from_waker(&k2))
            .is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        // One slot freed: one wake-up, to the first in line.
        assert_eq!((w1.wakes(), w2.wakes()), (1, 0));
    }
    // The first gave up without using it: the second is woken.
    assert_eq!(w2.wakes(), 1);
    assert_eq!(
        second.as_mut().poll(&mut Context::from_waker(&k2)),
        Poll::Ready(Ok(()))
    );
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_receive_whose_sender_wake_up_panics_keeps_the_message() {
    let (tx, mut rx) = broadcast::channel(1);
    tx.send(1).unwrap();
    let hostile = oneshot_tests::HostileWaker::new(oneshot_tests::panics::WAKE);
    let waker = hostile.waker();
    {
        let mut send = pin!(tx.send_async(2));
        assert!(send
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        // Freeing the slot wakes the pending send, whose waker panics.
        let caught = oneshot_tests::quietly(std::panic::AssertUnwindSafe(|| rx.try_recv()));
        assert!(caught.is_err());
        assert_eq!(send.as_mut().cancel(), Some(2));
    }
    // The message was kept for the next receive.
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// A message whose `clone` panics while `ARMED` is set.
#[derive(Debug, PartialEq)]
struct Fragile(u32);

static ARMED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Clone for Fragile {
    fn clone(&self) -> Self {
        if ARMED.load(Relaxed) {
            panic!("{} clone panics", oneshot_tests::HOSTILE);
        }
        Self(self.0)
    }
}

#[test]
fn a_panicking_clone_leaves_the_receiver_where_it_was() {
    let (tx, mut a) = broadcast::channel(1);
    let mut b = a.clone();
    tx.send(Fragile(7)).unwrap();
    ARMED.store(true, Relaxed);
    let caught = oneshot_tests::quietly(std::panic::AssertUnwindSafe(|| a.try_recv()));
    ARMED.store(false, Relaxed);
    assert!(caught.is_err());
    // Still counted on the slot: the ring stays full, and `a` gets 7 again.
    assert!(matches!(
        tx.try_send(Fragile(8)),
        Err(TrySendError::Full(_))
    ));
    assert_eq!(a.try_recv(), Ok(Fragile(7)));
    assert_eq!(b.try_recv(), Ok(Fragile(7)));
    tx.send(Fragile(8)).unwrap();
    assert_eq!(a.try_recv(), Ok(Fragile(8)));
}

// ---- overwrite mode ----------------------------------------------------------

#[test]
fn overwrite_sends_never_wait_and_a_lagging_receiver_gets_lagged_once_then_the_oldest_kept() {
    let (tx, mut slow) = broadcast::overwriting(2);
    assert!(tx.is_overwriting());
    let mut fast = slow.clone();
    for i in 0..5 {
        // `try_send` never reports `Full` in overwrite mode.
        tx.try_send(i).unwrap();
        assert_eq!(fast.try_recv(), Ok(i));
    }
    assert_eq!(tx.len(), 2, "the ring keeps the last `capacity` messages");
    // 0, 1 and 2 were overwritten before `slow` read them: exactly 3.
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(slow.try_recv(), Ok(3));
    assert_eq!(slow.try_recv(), Ok(4));
    assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(fast.try_recv(), Err(TryRecvError::Empty));
    // A backpressure channel of the same shape would have been full.
    let (btx, _brx) = broadcast::channel(2);
    assert!(!btx.is_overwriting());
    btx.try_send(0).unwrap();
    btx.try_send(1).unwrap();
    assert!(matches!(btx.try_send(2), Err(TrySendError::Full(2))));
}

#[test]
fn overwrite_every_receive_form_reports_lagged_with_the_exact_count() {
    let (tx, mut rx) = broadcast::overwriting(3);
    let fill = |tx: &broadcast::Sender<u32>, from: u32, n: u32| {
        for i in from..from + n {
            tx.send(i).unwrap();
        }
    };
    fill(&tx, 0, 10);
    assert_eq!(rx.recv(), Err(RecvError::Lagged(7)));
    assert_eq!(rx.recv(), Ok(7));
    fill(&tx, 10, 10); // rx at 8: 8..=16 are gone, 17..=19 kept
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Lagged(9))
    );
    assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Ok(17));
    fill(&tx, 20, 4); // rx at 18: 18..=20 gone
    let deadline = Instant::now() + Duration::from_secs(1);
    assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Lagged(3)));
    assert_eq!(rx.recv_deadline(deadline), Ok(21));
    fill(&tx, 24, 5); // rx at 22: 22..=25 gone
    assert_eq!(
        futures::executor::block_on(rx.recv_async()),
        Err(RecvError::Lagged(4))
    );
    assert_eq!(futures::executor::block_on(rx.recv_async()), Ok(26));
    // Exactly once per fall: no second `Lagged` without new losses.
    assert_eq!(rx.try_recv(), Ok(27));
    assert_eq!(rx.try_recv(), Ok(28));
    // The iterators skip a lag.
    fill(&tx, 29, 6);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [32, 33, 34]);
    fill(&tx, 35, 4);
    drop(tx);
    assert_eq!(rx.iter().collect::<Vec<_>>(), [36, 37, 38]);
    assert_eq!(rx.recv(), Err(RecvError::Disconnected));
}

#[test]
fn overwrite_a_lagging_receiver_still_gets_what_was_kept_before_the_close() {
    let (tx, mut rx) = broadcast::overwriting(2);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    assert!(tx.close());
    assert!(tx.send(9).is_err());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(2)));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn overwrite_each_message_is_dropped_once_evicted_at_the_send_or_after_its_last_reader() {
    let drops = DropCounter::new();
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, mut a) = broadcast::overwriting(2);
    let mut b = a.clone();
    tx.send(Msg::new(0, &drops, &clones)).unwrap();
    tx.send(Msg::new(1, &drops, &clones)).unwrap();
    // `a` reads 0 (a clone: `b` has not); `b` reads it last and moves it.
    assert!(a.try_recv().unwrap().original.is_none());
    let last = b.try_recv().unwrap();
    assert!(last.original.is_some(), "the last reader moves");
    drop(last);
    assert_eq!(drops.dropped(), 1);
    // Slot of 0 is free: 2 takes it without evicting anything.
    tx.send(Msg::new(2, &drops, &clones)).unwrap();
    assert_eq!(drops.dropped(), 1);
    // 3 evicts 1 (neither has read it): dropped by the send, at once.
    tx.send(Msg::new(3, &drops, &clones)).unwrap();
    assert_eq!(drops.dropped(), 2);
    assert_eq!(a.try_recv().map(|m| m.id), Err(TryRecvError::Lagged(1)));
    assert_eq!(a.try_recv().map(|m| m.id), Ok(2));
    // `b` leaves with 2 and 3 unread: 2 is done (a read it), 3 is not.
    drop(b);
    assert_eq!(drops.dropped(), 3);
    assert_eq!(
        a.try_recv().map(|m| (m.id, m.original.is_some())),
        Ok((3, true))
    );
    assert_eq!(drops.dropped(), 4);
    // Messages still in the ring at the end are dropped with the channel.
    tx.send(Msg::new(4, &drops, &clones)).unwrap();
    tx.send(Msg::new(5, &drops, &clones)).unwrap();
    tx.send(Msg::new(6, &drops, &clones)).unwrap();
    assert_eq!(drops.dropped(), 5, "4 evicted");
    drop(tx);
    drop(a);
    assert_eq!((drops.created(), drops.dropped()), (7, 7));
}

#[test]
fn overwrite_a_far_behind_receiver_dropped_or_detached_releases_only_the_kept_slots() {
    let drops = DropCounter::new();
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, mut reader) = broadcast::overwriting(4);
    let forgotten = reader.clone();
    let forgotten2 = reader.clone();
    let n = count(1000);
    for id in 0..n {
        // A forgotten receiver never holds a send back in overwrite mode.
        tx.try_send(Msg::new(id, &drops, &clones)).unwrap();
        assert_eq!(reader.try_recv().map(|m| m.id), Ok(id));
    }
    // Everything but the last 4 was evicted; the last 4 await the two
    // forgotten receivers.
    assert_eq!(drops.dropped(), n - 4);
    let started = Instant::now();
    drop(forgotten);
    assert_eq!(drops.dropped(), n - 4);
    let mut again = forgotten2.detach().attach();
    assert_eq!(
        drops.dropped(),
        n,
        "the last receiver of each kept slot left"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    tx.send(Msg::new(n, &drops, &clones)).unwrap();
    assert_eq!(again.try_recv().map(|m| m.id), Ok(n));
    assert_eq!(reader.try_recv().map(|m| m.id), Ok(n));
    drop((tx, reader, again));
    assert_eq!((drops.created(), drops.dropped()), (n + 1, n + 1));
}

/// A message whose clone waits for [`GATE`] while it is armed, after saying
/// it started: a reader pinned inside the slot for as long as the test wants.
#[derive(Debug, PartialEq)]
struct Slow(u32);

static GATE: std::sync::Mutex<Option<(std::sync::mpsc::Sender<()>, Arc<Barrier>)>> =
    std::sync::Mutex::new(None);

impl Clone for Slow {
    fn clone(&self) -> Self {
        let gate = GATE.lock().unwrap().take();
        if let Some((started, release)) = gate {
            started.send(()).unwrap();
            release.wait();
        }
        Self(self.0)
    }
}

#[cfg_attr(miri, ignore = "timing-based")]
#[test]
fn overwrite_a_send_waits_only_for_a_reader_inside_the_slot_it_overwrites() {
    for form in 0..3 {
        let (tx, mut a) = broadcast::overwriting(2);
        let mut b = a.clone();
        tx.send(Slow(0)).unwrap();
        tx.send(Slow(1)).unwrap();
        let (started_tx, started) = std::sync::mpsc::channel();
        let release = Arc::new(Barrier::new(2));
        *GATE.lock().unwrap() = Some((started_tx, release.clone()));
        // `a` clones 0 (b has not read it) and stays inside the clone.
        let reader = thread::spawn(move || {
            let got = a.try_recv();
            (a, got)
        });
        started.recv().unwrap();
        let (done_tx, done) = std::sync::mpsc::channel();
        let tx = Arc::new(tx);
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || {
                let sent = match form {
                    0 => tx.send(Slow(2)).is_ok(),
                    1 => tx.try_send(Slow(2)).is_ok(),
                    _ => futures::executor::block_on(tx.send_async(Slow(2))).is_ok(),
                };
                done_tx.send(sent).unwrap();
            })
        };
        // The send would overwrite 0 under the clone: it waits.
        assert!(
            done.recv_timeout(Duration::from_millis(50)).is_err(),
            "form {form}: the send did not wait for the clone"
        );
        release.wait();
        assert_eq!(done.recv_timeout(Duration::from_secs(10)), Ok(true));
        sender.join().unwrap();
        let (mut a, got) = reader.join().unwrap();
        assert_eq!(got, Ok(Slow(0)), "the clone saw the intact value");
        assert_eq!(b.try_recv(), Err(TryRecvError::Lagged(1)));
        assert_eq!(b.try_recv(), Ok(Slow(1)));
        assert_eq!(a.try_recv(), Ok(Slow(1)));
        assert_eq!((a.try_recv(), b.try_recv()), (Ok(Slow(2)), Ok(Slow(2))));
    }
}

#[test]
fn overwrite_a_panicking_clone_unpins_the_slot() {
    let (tx, mut a) = broadcast::overwriting(1);
    let mut b = a.clone();
    tx.send(Fragile(7)).unwrap();
    ARMED.store(true, Relaxed);
    let caught = oneshot_tests::quietly(std::panic::AssertUnwindSafe(|| a.try_recv()));
    ARMED.store(false, Relaxed);
    assert!(caught.is_err());
    // A pin left behind would make this send wait forever.
    let sender = thread::spawn(move || {
        tx.send(Fragile(8)).unwrap();
        tx
    });
    let tx = oneshot_tests::join_within(sender, Duration::from_secs(10), "overwriting send");
    assert_eq!(a.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(a.try_recv(), Ok(Fragile(8)));
    assert_eq!(b.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(b.try_recv(), Ok(Fragile(8)));
    drop(tx);
}

#[test]
fn overwrite_a_send_wakes_only_waiting_receivers_each_once() {
    let (tx, mut a) = broadcast::overwriting(1);
    let mut b = a.clone();
    let _idle = a.clone();
    let wa = oneshot_tests::CountingWaker::new();
    let wb = oneshot_tests::CountingWaker::new();
    let (ka, kb) = (wa.waker(), wb.waker());
    let mut ra = pin!(a.recv_async());
    let mut rb = pin!(b.recv_async());
    assert!(ra.as_mut().poll(&mut Context::from_waker(&ka)).is_pending());
    assert!(rb.as_mut().poll(&mut Context::from_waker(&kb)).is_pending());
    tx.send(1).unwrap();
    assert_eq!((wa.wakes(), wb.wakes()), (1, 1));
    for i in 2..10 {
        tx.send(i).unwrap();
    }
    // Nobody waits any more: eight sends, no wake-up.
    assert_eq!((wa.wakes(), wb.wakes()), (1, 1));
    assert_eq!(
        ra.as_mut().poll(&mut Context::from_waker(&ka)),
        Poll::Ready(Err(RecvError::Lagged(8)))
    );
}

#[cfg_attr(miri, ignore = "tokio's runtime is slow under Miri")]
#[test]
fn overwrite_threads_and_tokio_tasks_mixed() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = broadcast::overwriting::<usize>(4);
    let n = 2000;
    let check = |got: Vec<usize>, missed: u64| {
        // Per sender in order; what is missing was reported.
        let evens: Vec<_> = got.iter().filter(|v| *v % 2 == 0).collect();
        let odds: Vec<_> = got.iter().filter(|v| *v % 2 == 1).collect();
        assert!(evens.windows(2).all(|w| w[0] < w[1]));
        assert!(odds.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(got.len() as u64 + missed, 2 * n as u64);
    };
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let mut rx = rx.clone();
        tasks.push(rt.spawn(async move {
            let (mut got, mut missed) = (Vec::new(), 0);
            loop {
                match rx.recv_async().await {
                    Ok(v) => got.push(v),
                    Err(RecvError::Lagged(k)) => missed += k,
                    Err(RecvError::Disconnected) => return (got, missed),
                }
            }
        }));
    }
    let mut blocking = rx.clone();
    let thread_rx = thread::spawn(move || {
        let (mut got, mut missed) = (Vec::new(), 0);
        loop {
            match blocking.recv() {
                Ok(v) => got.push(v),
                Err(RecvError::Lagged(k)) => missed += k,
                Err(RecvError::Disconnected) => return (got, missed),
            }
        }
    });
    drop(rx);
    let async_tx = tx.clone();
    let task_tx = rt.spawn(async move {
        for i in 0..n {
            async_tx.send_async(2 * i).await.unwrap();
        }
    });
    let thread_tx = thread::spawn(move || {
        for i in 0..n {
            tx.send(2 * i + 1).unwrap();
        }
    });
    thread_tx.join().unwrap();
    rt.block_on(task_tx).unwrap();
    let (got, missed) = thread_rx.join().unwrap();
    check(got, missed);
    for t in tasks {
        let (got, missed) = rt.block_on(t).unwrap();
        check(got, missed);
    }
}

#[test]
fn overwrite_one_allocation_at_creation_none_per_message_eviction_or_lag() {
    let _lock = alloc_test_lock();
    let scope = CountScope::new();
    let before = AllocSnapshot::now();
    let (tx, mut rx) = broadcast::overwriting::<u64>(4);
    let mut slow = rx.clone();
    let creation = before.elapsed();
    let before = AllocSnapshot::now();
    for i in 0..count(1000) as u64 {
        tx.send(i).unwrap();
        assert_eq!(rx.recv(), Ok(i));
    }
    assert!(matches!(slow.try_recv(), Err(TryRecvError::Lagged(_))));
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let mut closed = pin!(tx.closed());
        assert!(closed.as_mut().poll(&mut cx).is_pending());
    }
    let steady = before.elapsed();
    drop((tx, rx, slow));
    drop(scope);
    assert_eq!(creation.allocs, 1, "one allocation at creation");
    assert_eq!(
        steady.allocs, 0,
        "nothing per message, eviction, lag or waiter"
    );
}

// ---- closed() ----------------------------------------------------------------

#[test]
fn closed_resolves_on_close_on_the_last_receiver_gone_and_at_once_when_closed() {
    for overwrite in [false, true] {
        let make = || {
            if overwrite {
                broadcast::overwriting::<u8>(1)
            } else {
                broadcast::channel::<u8>(1)
            }
        };
        // By `close()`, from another sender.
        let (tx, _rx) = make();
        let tx2 = tx.clone();
        let w = oneshot_tests::CountingWaker::new();
        let k = w.waker();
        let mut closed = pin!(tx.closed());
        assert!(closed
            .as_mut()
            .poll(&mut Context::from_waker(&k))
            .is_pending());
        assert!(closed
            .as_mut()
            .poll(&mut Context::from_waker(&k))
            .is_pending());
        assert_eq!(w.clones(), 1, "a re-poll with the same waker keeps it");
        assert!(tx2.close());
        assert_eq!(w.wakes(), 1);
        assert_eq!(
            closed.as_mut().poll(&mut Context::from_waker(&k)),
            Poll::Ready(())
        );
        // At once on a closed channel.
        assert_eq!(poll(pin!(tx2.closed())), Poll::Ready(()));

        // By the last receiver leaving, active and detached alike.
        let (tx, rx) = make();
        let rx2 = rx.clone();
        let detached = rx.detach();
        let w = oneshot_tests::CountingWaker::new();
        let k = w.waker();
        let mut closed = pin!(tx.closed());
        assert!(closed
            .as_mut()
            .poll(&mut Context::from_waker(&k))
            .is_pending());
        drop(rx2);
        assert_eq!(w.wakes(), 0, "a detached receiver keeps it open");
        drop(detached);
        assert_eq!(w.wakes(), 1);
        assert_eq!(
            closed.as_mut().poll(&mut Context::from_waker(&k)),
            Poll::Ready(())
        );

        // A dropped pending `closed()` leaves nothing linked behind.
        let (tx, rx) = make();
        {
            let mut closed = pin!(tx.closed());
            assert!(poll(closed.as_mut()).is_pending());
        }
        drop(rx);
        assert!(tx.is_closed());
    }
}

#[test]
fn closed_from_a_task_and_the_last_receiver_dropped_on_a_thread() {
    let (tx, rx) = broadcast::overwriting::<u8>(2);
    let dropper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(if cfg!(miri) { 1 } else { 10 }));
        drop(rx);
    });
    futures::executor::block_on(tx.closed());
    assert!(tx.is_closed());
    dropper.join().unwrap();
}

// ---- the stream --------------------------------------------------------------

#[test]
fn the_stream_yields_every_message_in_order_then_ends_and_is_fused() {
    use futures::stream::{FusedStream, StreamExt};
    let (tx, mut rx) = broadcast::channel(2);
    let sender = thread::spawn(move || {
        for i in 0..count(200) {
            tx.send(i).unwrap();
        }
    });
    let mut stream = rx.stream();
    let got: Vec<usize> = futures::executor::block_on((&mut stream).collect());
    assert_eq!(got, (0..count(200)).collect::<Vec<_>>());
    assert!(stream.is_terminated());
    assert_eq!(futures::executor::block_on(stream.next()), None);
    assert_eq!(stream.missed(), 0);
    sender.join().unwrap();
    drop(stream);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn the_overwrite_stream_skips_a_lag_and_counts_it() {
    use futures::stream::StreamExt;
    let (tx, rx) = broadcast::overwriting(2);
    let mut stream = rx.into_stream();
    for i in 0..6 {
        tx.send(i).unwrap();
    }
    assert_eq!(futures::executor::block_on(stream.next()), Some(4));
    assert_eq!(stream.missed(), 4);
    assert_eq!(futures::executor::block_on(stream.next()), Some(5));
    // A pending stream is woken by the next send.
    let w = oneshot_tests::CountingWaker::new();
    let k = w.waker();
    let mut next = stream.next();
    assert!(Pin::new(&mut next)
        .poll(&mut Context::from_waker(&k))
        .is_pending());
    tx.send(6).unwrap();
    assert_eq!(w.wakes(), 1);
    assert_eq!(
        Pin::new(&mut next).poll(&mut Context::from_waker(&k)),
        Poll::Ready(Some(6))
    );
    drop(tx);
    assert_eq!(futures::executor::block_on(stream.next()), None);
    assert_eq!(stream.missed(), 4);
}

#[test]
fn a_dropped_pending_stream_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(2);
    {
        let mut stream = rx.stream();
        let waker = noop_waker();
        let mut next = futures::StreamExt::next(&mut stream);
        assert!(Pin::new(&mut next)
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
    }
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}

// ---- the errors --------------------------------------------------------------

#[test]
fn the_receive_errors_display_convert_and_compare() {
    assert_eq!(RecvError::Lagged(3).lagged(), Some(3));
    assert!(RecvError::Disconnected.is_disconnected());
    assert_eq!(
        TryRecvError::from(RecvError::Lagged(2)),
        TryRecvError::Lagged(2)
    );
    assert_eq!(
        RecvTimeoutError::from(RecvError::Disconnected),
        RecvTimeoutError::Disconnected
    );
    assert!(RecvError::Lagged(5).to_string().contains('5'));
    assert!(TryRecvError::Empty.to_string().contains("empty"));
    assert!(RecvTimeoutError::Timeout.is_timeout());
    assert_eq!(format!("{:?}", TryRecvError::Lagged(1)), "Lagged(1)");
    let err: Box<dyn std::error::Error> = Box::new(RecvError::Lagged(1));
    assert!(!err.to_string().is_empty());
}
