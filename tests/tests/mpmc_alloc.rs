//! `mpmc`: what the channels allocate, counted by a global allocator (this
//! binary's own). `bounded(n)` allocates at creation and never again — not
//! per message, not per waiting thread or future, not when a future is
//! re-polled (flume#182); `unbounded` allocates at most once per 16
//! messages and frees blocks as they are drained; a stream or sink may
//! allocate once when made; and the bytes allocated equal the bytes freed
//! once everything is dropped.
//!
//! Only threads that opted in are counted, and the tests take a lock so
//! they count one at a time.

#![cfg(not(loom))]

use std::pin::{pin, Pin};
use std::sync::{Arc, Barrier};
use std::task::Poll;
use std::thread;

use futures::{SinkExt, StreamExt};
use mpmc::RecvFuture;
use oneshot_tests::{
    alloc_test_lock, counted, join_within, noop_waker, poll_pinned, AllocSnapshot, CountingAlloc,
    CountingWaker, Watchdog, HANG_LIMIT,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const fn count(native: usize) -> usize {
    if cfg!(miri) {
        if native < 48 {
            native
        } else {
            48
        }
    } else {
        native
    }
}

#[test]
fn bounded_allocates_once_at_creation_and_never_per_message() {
    let _lock = alloc_test_lock();
    for cap in [1, 2, 16, 100] {
        let ((creation, per_message), whole) = counted(|| {
            let before = AllocSnapshot::now();
            let (tx, rx) = mpmc::bounded::<u64>(cap);
            let creation = before.elapsed();
            let before = AllocSnapshot::now();
            for round in 0..count(2000) {
                let tx2 = tx.clone();
                for i in 0..(round % cap + 1) as u64 {
                    tx2.try_send(i).unwrap();
                }
                while rx.try_recv().is_ok() {}
                tx.send(1).unwrap();
                assert_eq!(rx.recv(), Ok(1));
                let _ = rx.clone().len();
            }
            let per_message = before.elapsed();
            drop((tx, rx));
            (creation, per_message)
        });
        assert_eq!(
            per_message.allocs, 0,
            "cap {cap}: allocated after creation: {per_message:?}"
        );
        assert_eq!(
            whole.bytes_allocated, whole.bytes_freed,
            "cap {cap}: leaked or freed what it did not allocate: {whole:?}"
        );
        assert_eq!(
            creation.allocs, 1,
            "cap {cap}: {creation:?} to create (the issue: one allocation at creation)"
        );
    }
}

#[test]
fn pending_futures_and_repolls_allocate_nothing() {
    let _lock = alloc_test_lock();
    let waker = CountingWaker::new();
    let handle = waker.waker();
    for cap in [0, 1, 8] {
        let (tx, rx) = mpmc::bounded::<u32>(cap);
        let ((), used) = counted(|| {
            let mut recv = pin!(rx.recv_async());
            for _ in 0..count(500) {
                assert!(poll_pinned(recv.as_mut(), &handle).is_pending());
            }
            if cap > 0 {
                for i in 0..cap as u32 {
                    tx.try_send(i).unwrap();
                }
                assert!(poll_pinned(recv.as_mut(), &handle).is_ready());
                // Full again.
                tx.try_send(50).unwrap();
                let mut send = pin!(tx.send_async(99));
                for _ in 0..count(500) {
                    assert!(poll_pinned(send.as_mut(), &handle).is_pending());
                }
                assert!(rx.try_recv().is_ok());
                assert!(poll_pinned(send.as_mut(), &handle).is_ready());
            } else {
                let mut send = pin!(tx.send_async(99));
                assert!(poll_pinned(send.as_mut(), &handle).is_pending());
                assert_eq!(poll_pinned(recv.as_mut(), &handle), Poll::Ready(Ok(99)));
                assert!(poll_pinned(send.as_mut(), &handle).is_ready());
            }
        });
        assert_eq!(
            used.allocs, 0,
            "cap {cap}: waiting futures allocated: {used:?}"
        );
        drop((tx, rx));
    }
}

#[test]
fn woken_then_robbed_futures_do_not_grow_memory() {
    // The flume#182 pattern: many pending receive futures are woken, another
    // receiver takes the message first, and the futures are polled again.
    let _lock = alloc_test_lock();
    let waker = CountingWaker::new();
    let handle = waker.waker();
    for cap in [Some(1), Some(4), None] {
        let (tx, rx) = match cap {
            Some(cap) => mpmc::bounded::<u32>(cap),
            None => mpmc::unbounded::<u32>(),
        };
        let robber = rx.clone();
        let n = if cfg!(miri) { 10 } else { 100 };
        let rounds = count(200);
        let mut futs: Vec<Pin<Box<RecvFuture<'_, u32>>>> =
            (0..n).map(|_| Box::pin(rx.recv_async())).collect();
        let ((), used) = counted(|| {
            for round in 0..rounds as u32 {
                for fut in &mut futs {
                    assert!(poll_pinned(fut.as_mut(), &handle).is_pending());
                }
                tx.send(round).unwrap();
                assert_eq!(robber.try_recv(), Ok(round), "the robber came first");
            }
        });
        let allowed = match cap {
            Some(_) => 0,
            None => rounds / 16 + 1,
        };
        assert!(
            used.allocs <= allowed,
            "{cap:?}: {used:?} over {rounds} rounds with {n} waiting futures (allowed {allowed})"
        );
        assert!(
            waker.live() <= n + 1,
            "{cap:?}: {} wakers held for {n} futures",
            waker.live()
        );
        drop(futs);
    }
    drop(handle);
    assert_eq!(waker.live(), 0);
}

#[test]
fn blocked_threads_allocate_nothing() {
    let _lock = alloc_test_lock();
    let _watchdog = Watchdog::new("blocked_threads_allocate_nothing", HANG_LIMIT);
    for cap in [0, 1] {
        let (ping_tx, ping_rx) = mpmc::bounded::<u32>(cap);
        let (pong_tx, pong_rx) = mpmc::bounded::<u32>(cap);
        let start = Arc::new(Barrier::new(2));
        let n = count(1000) as u32;
        let echo = {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                let ((), used) = counted(|| {
                    start.wait();
                    for _ in 0..n {
                        let v = ping_rx.recv().unwrap();
                        pong_tx.send(v + 1).unwrap();
                    }
                });
                used
            })
        };
        let ((), mine) = counted(|| {
            start.wait();
            for i in 0..n {
                ping_tx.send(i).unwrap();
                assert_eq!(pong_rx.recv(), Ok(i + 1));
            }
        });
        let theirs = join_within(echo, HANG_LIMIT, "echo");
        assert_eq!(
            mine.allocs, 0,
            "cap {cap}: the blocking side allocated: {mine:?}"
        );
        assert_eq!(
            theirs.allocs, 0,
            "cap {cap}: the echo side allocated: {theirs:?}"
        );
    }
}

#[test]
fn unbounded_allocates_at_most_once_per_16_messages_and_frees_as_it_drains() {
    let _lock = alloc_test_lock();
    let n = if cfg!(miri) { 64 } else { 50_000 };
    let ((), whole) = counted(|| {
        let start = AllocSnapshot::now();
        let (tx, rx) = mpmc::unbounded::<u64>();
        tx.send(0).unwrap();
        let one = start.elapsed();
        // The channel with one message: its header and first block.
        let live_one = one.bytes_allocated - one.bytes_freed;
        assert_eq!(rx.try_recv(), Ok(0));
        let before = AllocSnapshot::now();
        for i in 0..n as u64 {
            tx.send(i).unwrap();
        }
        let filled = before.elapsed();
        assert!(
            filled.allocs <= n / 16 + 1,
            "{filled:?} for {n} messages: more than one allocation per 16"
        );
        for i in 0..n as u64 {
            assert_eq!(rx.try_recv(), Ok(i));
        }
        let drained = start.elapsed();
        let live_drained = drained.bytes_allocated - drained.bytes_freed;
        assert!(
            live_drained <= 2 * live_one,
            "blocks not freed as drained: {live_drained} bytes live after draining \
             {n} messages, {live_one} with one message queued"
        );
        // Steady state: a short queue, many messages.
        let before = AllocSnapshot::now();
        let steady = count(10_000) as u64;
        for i in 0..steady {
            tx.send(i).unwrap();
            if i % 4 == 3 {
                for _ in 0..4 {
                    rx.try_recv().unwrap();
                }
            }
        }
        let used = before.elapsed();
        assert!(
            used.allocs as u64 <= steady / 16 + 2,
            "{used:?} for {steady} messages through a short queue"
        );
        drop((tx, rx));
    });
    assert_eq!(
        whole.bytes_allocated, whole.bytes_freed,
        "leaked: {whole:?}"
    );
    assert_eq!(whole.allocs, whole.frees, "{whole:?}");
}

#[test]
fn dropping_full_channels_frees_everything() {
    let _lock = alloc_test_lock();
    for cap in [Some(0), Some(1), Some(33), None] {
        let ((), whole) = counted(|| {
            let (tx, rx) = match cap {
                Some(cap) => mpmc::bounded::<Box<u64>>(cap),
                None => mpmc::unbounded::<Box<u64>>(),
            };
            for i in 0..cap.unwrap_or(100) {
                tx.try_send(Box::new(i as u64)).unwrap();
            }
            let _ = tx.try_send(Box::new(0));
            let rx2 = rx.clone();
            drop(rx);
            drop(tx);
            drop(rx2);
        });
        assert_eq!(
            whole.bytes_allocated, whole.bytes_freed,
            "{cap:?}: {whole:?}"
        );
    }
}

#[test]
fn stream_and_sink_allocate_at_most_once_when_made() {
    let _lock = alloc_test_lock();
    let waker = noop_waker();
    let (tx, rx) = mpmc::bounded::<u32>(2);
    let ((stream, sink), made) = counted(|| (rx.stream(), tx.sink()));
    assert!(made.allocs <= 2, "{made:?} to make a stream and a sink");
    let ((), used) = counted(move || {
        let mut stream = pin!(stream);
        let mut sink = pin!(sink);
        for i in 0..count(500) as u32 {
            let mut send = sink.send(i);
            assert!(poll_pinned(pin!(&mut send), &waker).is_ready());
            let mut next = stream.next();
            assert_eq!(poll_pinned(pin!(&mut next), &waker), Poll::Ready(Some(i)));
        }
        let mut next = stream.next();
        assert!(poll_pinned(pin!(&mut next), &waker).is_pending());
    });
    assert_eq!(
        used.allocs, 0,
        "the stream or sink allocated per message: {used:?}"
    );
}
