//! `mpmc`: the futures (`send_async`, `recv_async`, their owned forms) and
//! the `futures` traits (`Stream`/`FusedStream`, `Sink`), polled by hand with
//! counting wakers (so the tests say exactly who is woken and which wakers
//! the channel keeps) and run by the minimal executor in `tests/src`.
//!
//! Mixing with threads is in `mpmc_mixed.rs`, cancellation in
//! `mpmc_cancel.rs`, runtimes in `mpmc_runtimes.rs`.

#![cfg(not(loom))]

use std::pin::pin;
use std::task::Poll;
use std::thread;

use futures::stream::FusedStream;
use futures::{SinkExt, StreamExt};
use mpmc::{Receiver, RecvError, SendError, Sender};
use oneshot_tests::{block_on, join_within, poll_pinned, CountingWaker, Watchdog, HANG_LIMIT};

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

const fn count(native: usize) -> usize {
    if cfg!(miri) {
        if native < 30 {
            native
        } else {
            30
        }
    } else {
        native
    }
}

#[test]
fn recv_async_is_ready_at_once_when_a_message_is_queued() {
    for cap in [Some(1), Some(4), None] {
        let (tx, rx) = channel(cap);
        tx.send(1_u32).unwrap();
        let waker = CountingWaker::new();
        assert_eq!(
            poll_pinned(pin!(rx.recv_async()), &waker.waker()),
            Poll::Ready(Ok(1))
        );
        assert_eq!(
            (waker.clones(), waker.live()),
            (0, 0),
            "{cap:?}: kept a waker for nothing"
        );
    }
}

#[test]
fn recv_async_waits_then_is_woken_by_a_send() {
    for cap in [Some(0), Some(1), Some(4), None] {
        let (tx, rx) = channel(cap);
        let waker = CountingWaker::new();
        let mut fut = pin!(rx.recv_async());
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        assert!(
            poll_pinned(fut.as_mut(), &waker.waker()).is_pending(),
            "spurious ready"
        );
        assert_eq!(waker.wakes(), 0);
        if cap == Some(0) {
            // A rendezvous send waits for the receiver to take it: use a
            // future for it too.
            let send_waker = CountingWaker::new();
            let mut send = pin!(tx.send_async(9));
            assert!(poll_pinned(send.as_mut(), &send_waker.waker()).is_pending());
            assert_eq!(
                waker.wakes(),
                1,
                "a waiting sender did not wake the receiver"
            );
            assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(9)));
            assert_eq!(
                send_waker.wakes(),
                1,
                "the sender not woken once its message was taken"
            );
            assert_eq!(poll_pinned(send, &send_waker.waker()), Poll::Ready(Ok(())));
        } else {
            tx.try_send(9).unwrap();
            assert_eq!(waker.wakes(), 1, "{cap:?}: not woken by the send");
            assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(9)));
        }
        assert_eq!(waker.live(), 0, "{cap:?}: a waker kept after completion");
    }
}

#[test]
fn send_async_is_ready_when_there_is_room_and_waits_when_full() {
    for cap in [1, 3] {
        let (tx, rx) = mpmc::bounded(cap);
        let waker = CountingWaker::new();
        for i in 0..cap {
            assert_eq!(
                poll_pinned(pin!(tx.send_async(i)), &waker.waker()),
                Poll::Ready(Ok(()))
            );
        }
        assert_eq!(waker.live(), 0);
        let mut fut = pin!(tx.send_async(cap));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        assert_eq!(rx.len(), cap, "a pending send is not in the queue");
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(
            waker.wakes(),
            1,
            "cap {cap}: a receive did not wake the waiting sender"
        );
        assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(())));
        for i in 1..=cap {
            assert_eq!(rx.try_recv(), Ok(i));
        }
        assert_eq!(waker.live(), 0);
    }
    let (tx, rx) = mpmc::unbounded();
    let waker = CountingWaker::new();
    for i in 0..count(500) {
        assert_eq!(
            poll_pinned(pin!(tx.send_async(i)), &waker.waker()),
            Poll::Ready(Ok(()))
        );
    }
    assert_eq!(rx.len(), count(500));
    assert_eq!(waker.live(), 0, "unbounded send_async kept a waker");
}

#[test]
fn repolling_with_a_new_waker_replaces_the_old_one() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let old = CountingWaker::new();
    let new = CountingWaker::new();
    let mut fut = pin!(rx.recv_async());
    assert!(poll_pinned(fut.as_mut(), &old.waker()).is_pending());
    assert!(poll_pinned(fut.as_mut(), &new.waker()).is_pending());
    assert_eq!(old.live(), 0, "the replaced waker is still held");
    tx.send(1).unwrap();
    assert_eq!((old.wakes(), new.wakes()), (0, 1), "woke the wrong waker");
    assert_eq!(poll_pinned(fut, &new.waker()), Poll::Ready(Ok(1)));

    // The same on the send side.
    tx.send(2).unwrap();
    let old = CountingWaker::new();
    let new = CountingWaker::new();
    let mut fut = pin!(tx.send_async(3));
    assert!(poll_pinned(fut.as_mut(), &old.waker()).is_pending());
    assert!(poll_pinned(fut.as_mut(), &new.waker()).is_pending());
    assert_eq!(old.live(), 0, "the replaced waker is still held");
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!((old.wakes(), new.wakes()), (0, 1));
    assert_eq!(poll_pinned(fut, &new.waker()), Poll::Ready(Ok(())));
    assert_eq!(rx.recv(), Ok(3));
}

#[test]
fn repolling_many_times_keeps_one_waker() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let waker = CountingWaker::new();
    let handle = waker.waker();
    let mut recv = pin!(rx.recv_async());
    for _ in 0..count(1000) {
        assert!(poll_pinned(recv.as_mut(), &handle).is_pending());
        assert!(
            waker.live() <= 2,
            "re-polling grew the wakers held: {}",
            waker.live()
        );
    }
    tx.send(1).unwrap();
    assert_eq!(poll_pinned(recv, &handle), Poll::Ready(Ok(1)));
    tx.send(2).unwrap();
    let mut send = pin!(tx.send_async(3));
    for _ in 0..count(1000) {
        assert!(poll_pinned(send.as_mut(), &handle).is_pending());
        assert!(
            waker.live() <= 2,
            "re-polling grew the wakers held: {}",
            waker.live()
        );
    }
    drop(handle);
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(poll_pinned(send, &waker.waker()), Poll::Ready(Ok(())));
    assert_eq!(waker.live(), 0);
}

#[test]
fn futures_on_a_disconnected_channel_complete_at_once() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    drop(tx);
    let waker = CountingWaker::new();
    assert_eq!(
        poll_pinned(pin!(rx.recv_async()), &waker.waker()),
        Poll::Ready(Err(RecvError))
    );
    let (tx, rx) = mpmc::unbounded::<u8>();
    drop(rx);
    assert_eq!(
        poll_pinned(pin!(tx.send_async(5)), &waker.waker()),
        Poll::Ready(Err(SendError(5)))
    );
    assert_eq!(waker.live(), 0);
}

#[test]
fn owned_futures_move_to_other_threads() {
    let _watchdog = Watchdog::new("owned_futures_move", HANG_LIMIT);
    for cap in [Some(0), Some(1), None] {
        let (tx, rx) = channel::<String>(cap);
        let recv = rx.into_recv_async();
        let send = tx.into_send_async("over".to_owned());
        let receiver = thread::spawn(move || block_on(recv));
        let sender = thread::spawn(move || block_on(send));
        assert_eq!(join_within(sender, HANG_LIMIT, "owned send"), Ok(()));
        assert_eq!(
            join_within(receiver, HANG_LIMIT, "owned recv").as_deref(),
            Ok("over")
        );
    }
}

#[test]
fn async_ping_pong_on_the_minimal_executor() {
    let _watchdog = Watchdog::new("async_ping_pong", HANG_LIMIT);
    for cap in [Some(0), Some(1), Some(2), None] {
        let (ping_tx, ping_rx) = channel::<usize>(cap);
        let (pong_tx, pong_rx) = channel::<usize>(cap);
        let n = count(1000);
        let echo = thread::spawn(move || {
            block_on(async move {
                while let Ok(value) = ping_rx.recv_async().await {
                    pong_tx.send_async(value * 2).await.unwrap();
                }
            });
        });
        block_on(async {
            for i in 0..n {
                ping_tx.send_async(i).await.unwrap();
                assert_eq!(pong_rx.recv_async().await, Ok(i * 2), "{cap:?}");
            }
        });
        drop(ping_tx);
        join_within(echo, HANG_LIMIT, "echo task");
        assert_eq!(block_on(pong_rx.recv_async()), Err(RecvError));
    }
}

#[test]
fn stream_yields_until_disconnected_then_is_terminated() {
    for cap in [Some(2), None] {
        let (tx, rx) = channel::<u8>(cap);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let mut stream = Box::pin(rx.stream());
        assert!(!stream.is_terminated());
        assert_eq!(block_on(stream.next()), Some(1));
        assert_eq!(block_on(stream.next()), Some(2));
        let waker = CountingWaker::new();
        let mut next = stream.next();
        assert!(poll_pinned(pin!(&mut next), &waker.waker()).is_pending());
        drop(tx);
        assert_eq!(
            waker.wakes(),
            1,
            "{cap:?}: the stream not woken by the disconnect"
        );
        assert_eq!(block_on(next), None);
        assert!(stream.is_terminated(), "{cap:?}: FusedStream after None");
        assert_eq!(block_on(stream.next()), None);
        drop(stream);
        assert_eq!(rx.try_recv(), Err(mpmc::TryRecvError::Disconnected));
    }
    // The owned stream, collected.
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let producer = thread::spawn(move || {
        for i in 0..5 {
            tx.send(i).unwrap();
        }
    });
    let all: Vec<u8> = block_on(rx.into_stream().collect());
    assert_eq!(all, [0, 1, 2, 3, 4]);
    join_within(producer, HANG_LIMIT, "producer");
}

#[test]
fn sink_sends_and_waits_for_room() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let mut sink = Box::pin(tx.sink());
    block_on(sink.send(1)).unwrap();
    assert_eq!(rx.len(), 1);
    // Full: the sink's readiness waits for room.
    let waker = CountingWaker::new();
    let mut send = sink.send(2);
    assert!(poll_pinned(pin!(&mut send), &waker.waker()).is_pending());
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(waker.wakes(), 1, "the sink not woken by a receive");
    block_on(send).unwrap();
    assert_eq!(rx.recv(), Ok(2));
    drop(sink);

    // The owned sink fed from a stream, and an error once disconnected.
    let (tx, rx) = mpmc::unbounded::<u8>();
    let mut sink = pin!(tx.clone().into_sink());
    block_on(sink.send_all(&mut futures::stream::iter([3, 4, 5]).map(Ok))).unwrap();
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3, 4, 5]);
    drop(rx);
    assert!(
        block_on(sink.send(6)).is_err(),
        "a sink sent into a channel without receivers"
    );
    drop(tx);
}

#[test]
fn many_async_tasks_on_threads_share_one_channel() {
    let _watchdog = Watchdog::new("many_async_tasks", HANG_LIMIT);
    for cap in [Some(0), Some(1), Some(8), None] {
        let (tx, rx) = channel::<usize>(cap);
        let per = count(300);
        let senders: Vec<_> = (0..3)
            .map(|s| {
                let tx = tx.clone();
                thread::spawn(move || {
                    block_on(async move {
                        for i in 0..per {
                            tx.send_async(s * per + i).await.unwrap();
                        }
                    })
                })
            })
            .collect();
        drop(tx);
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || {
                    block_on(async move {
                        let mut got = Vec::new();
                        while let Ok(v) = rx.recv_async().await {
                            got.push(v);
                        }
                        got
                    })
                })
            })
            .collect();
        drop(rx);
        for s in senders {
            join_within(s, HANG_LIMIT, "async sender");
        }
        let mut all: Vec<usize> = Vec::new();
        for r in receivers {
            let got = join_within(r, HANG_LIMIT, "async receiver");
            // Each sender's messages arrive in its order at any one receiver.
            for s in 0..3 {
                let mine: Vec<_> = got.iter().filter(|&&v| v / per == s).collect();
                assert!(mine.windows(2).all(|w| w[0] < w[1]), "{cap:?}: reordered");
            }
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(
            all,
            (0..3 * per).collect::<Vec<_>>(),
            "{cap:?}: lost or duplicated"
        );
    }
}

#[test]
fn sink_on_a_rendezvous_channel() {
    let _watchdog = Watchdog::new("sink_on_a_rendezvous_channel", HANG_LIMIT);
    // By hand: the send waits in its flush until a receiver took the message.
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let mut sink = Box::pin(tx.sink());
    let waker = CountingWaker::new();
    {
        let mut send = sink.send(1);
        assert!(poll_pinned(pin!(&mut send), &waker.waker()).is_pending());
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(
            waker.wakes(),
            1,
            "the sink not woken once its message was taken"
        );
        assert!(matches!(
            poll_pinned(pin!(&mut send), &waker.waker()),
            Poll::Ready(Ok(()))
        ));
    }
    // And driven against a receiving thread, many times.
    let receiver = thread::spawn(move || rx.iter().count());
    block_on(async {
        for i in 0..count(200) as u8 {
            sink.send(i).await.unwrap();
        }
    });
    drop(sink);
    drop(tx);
    assert_eq!(join_within(receiver, HANG_LIMIT, "receiver"), count(200));
}
