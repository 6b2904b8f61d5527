//! `mpmc`: disconnection both ways and `close` from either end.
//!
//! * The last receiver gone: the queued messages are dropped right then,
//!   every send fails with its message back, waiting senders are woken.
//! * The last sender gone, or the channel closed: receivers drain what is
//!   queued, then see `Disconnected`; waiting receivers are woken.
//!
//! Each for bounded(0), bounded(n) and unbounded, and for thread and task
//! waiters.

#![cfg(not(loom))]

use std::pin::pin;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use mpmc::{
    Receiver, RecvError, RecvTimeoutError, SendError, SendTimeoutError, Sender, TryRecvError,
    TrySendError,
};
use oneshot_tests::{
    join_within, poll_pinned, CountingWaker, DropCounter, ThreadProbe, Watchdog, HANG_LIMIT,
};

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

const CAPS: [Option<usize>; 4] = [Some(0), Some(1), Some(3), None];

#[test]
fn last_receiver_drop_drops_the_queued_messages_right_then() {
    for cap in [Some(3), Some(5), None] {
        let counter = DropCounter::new();
        let (tx, rx) = channel(cap);
        for i in 0..3 {
            tx.send(counter.track(i)).unwrap();
        }
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(counter.dropped(), 0, "{cap:?}: a receiver remains");
        assert_eq!(tx.len(), 3);
        drop(rx2);
        assert_eq!(
            counter.dropped(),
            3,
            "{cap:?}: queued messages not dropped with the last receiver"
        );
        assert_eq!(tx.receiver_count(), 0);
        assert!(tx.is_empty());
    }
}

#[test]
fn sends_fail_with_the_message_back_once_every_receiver_is_gone() {
    for cap in CAPS {
        let counter = DropCounter::new();
        let (tx, rx) = channel(cap);
        drop(rx);
        let back = tx.send(counter.track(1)).unwrap_err();
        assert_eq!(*back.0.payload(), 1);
        match tx.try_send(counter.track(2)) {
            Err(TrySendError::Disconnected(m)) => assert_eq!(*m.payload(), 2),
            other => panic!("{cap:?}: try_send after the receivers: {other:?}"),
        }
        match tx.send_timeout(counter.track(3), HANG_LIMIT) {
            Err(SendTimeoutError::Disconnected(m)) => assert_eq!(*m.payload(), 3),
            other => panic!("{cap:?}: send_timeout after the receivers: {other:?}"),
        }
        assert_eq!(
            counter.dropped(),
            2,
            "{cap:?}: the channel dropped a message it handed back"
        );
        drop(back);
        assert_eq!(counter.alive(), 0);
    }
}

#[test]
fn receivers_drain_then_see_disconnected_after_the_last_sender() {
    for cap in [Some(3), None] {
        let (tx, rx) = channel(cap);
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        tx2.send(2).unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1), "{cap:?}: a sender remains");
        tx2.send(3).unwrap();
        drop(tx2);
        assert_eq!(rx.sender_count(), 0);
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(rx.recv_timeout(HANG_LIMIT), Ok(3));
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(
            rx.recv_timeout(HANG_LIMIT),
            Err(RecvTimeoutError::Disconnected)
        );
        assert_eq!(rx.clone().recv(), Err(RecvError));
    }
    let (tx, rx) = mpmc::bounded::<u8>(0);
    drop(tx);
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn close_from_a_sender() {
    for cap in [Some(2), None] {
        let (tx, rx) = channel(cap);
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        assert!(!tx.is_closed() && !rx.is_closed());
        assert!(tx.close(), "{cap:?}: the first close closes");
        assert!(!tx.close(), "{cap:?}: only the first close returns true");
        assert!(!tx2.close() && !rx.close());
        assert!(tx.is_closed() && tx2.is_closed() && rx.is_closed());
        assert_eq!(tx2.send(2), Err(SendError(2)));
        assert_eq!(tx2.try_send(3), Err(TrySendError::Disconnected(3)));
        assert_eq!(
            tx2.send_timeout(4, HANG_LIMIT),
            Err(SendTimeoutError::Disconnected(4))
        );
        assert_eq!(rx.len(), 1);
        assert_eq!(rx.recv(), Ok(1), "{cap:?}: receivers drain after close");
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        // The handles still count, they just cannot send.
        assert_eq!(rx.sender_count(), 2);
    }
}

#[test]
fn close_from_a_receiver() {
    for cap in [Some(0), Some(2), None] {
        let (tx, rx) = channel(cap);
        if cap != Some(0) {
            tx.send(1).unwrap();
        }
        assert!(rx.close());
        assert!(!rx.close() && !tx.close());
        assert!(tx.is_closed() && rx.is_closed());
        assert_eq!(tx.send(2), Err(SendError(2)));
        assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
        if cap != Some(0) {
            assert_eq!(rx.try_recv(), Ok(1), "{cap:?}: close keeps what is queued");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.recv(), Err(RecvError));
    }
}

#[test]
fn closing_drops_nothing_and_dropping_after_close_still_drops_the_queue() {
    let counter = DropCounter::new();
    let (tx, rx) = mpmc::bounded(4);
    for i in 0..3 {
        tx.send(counter.track(i)).unwrap();
    }
    tx.close();
    assert_eq!(counter.dropped(), 0, "close dropped queued messages");
    drop(rx.recv().unwrap());
    drop(rx);
    assert_eq!(counter.dropped(), 3);
    drop(tx);
}

/// Spawns a thread that runs `op` and returns its result, and waits until it
/// is parked (blocked inside `op`).
fn blocked<R: Send + 'static>(op: impl FnOnce() -> R + Send + 'static) -> thread::JoinHandle<R> {
    let (probe_tx, probe_rx) = std::sync::mpsc::channel();
    let handle = thread::spawn(move || {
        probe_tx.send(ThreadProbe::current()).unwrap();
        op()
    });
    probe_rx.recv().unwrap().wait_parked(HANG_LIMIT);
    assert!(!handle.is_finished(), "the operation did not block");
    handle
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc and sleeps
fn blocked_receivers_are_woken_by_the_last_sender_drop_or_close() {
    let _watchdog = Watchdog::new("blocked_receivers_woken", HANG_LIMIT);
    for cap in CAPS {
        for by_close in [false, true] {
            let (tx, rx) = channel::<u8>(cap);
            let tx2 = tx.clone();
            let rx_a = rx.clone();
            let a = blocked(move || rx_a.recv());
            let rx_b = rx.clone();
            let b = blocked(move || rx_b.recv_timeout(HANG_LIMIT));
            let rx_c = rx.clone();
            let c = blocked(move || rx_c.recv_deadline(std::time::Instant::now() + HANG_LIMIT));
            if by_close {
                assert!(tx2.close());
            } else {
                drop(tx);
                thread::sleep(Duration::from_millis(5));
                assert!(!a.is_finished(), "{cap:?}: woken while a sender remains");
                drop(tx2);
            }
            let what = format!("{cap:?} close={by_close}");
            assert_eq!(join_within(a, HANG_LIMIT, &what), Err(RecvError));
            assert_eq!(
                join_within(b, HANG_LIMIT, &what),
                Err(RecvTimeoutError::Disconnected)
            );
            assert_eq!(
                join_within(c, HANG_LIMIT, &what),
                Err(RecvTimeoutError::Disconnected)
            );
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc and sleeps
fn blocked_senders_are_woken_by_the_last_receiver_drop_or_close_with_their_message() {
    let _watchdog = Watchdog::new("blocked_senders_woken", HANG_LIMIT);
    for cap in [0, 1, 2] {
        for by_close in [false, true] {
            let counter = DropCounter::new();
            let (tx, rx) = mpmc::bounded(cap);
            for i in 0..cap {
                tx.send(counter.track(100 + i)).unwrap();
            }
            let tx_a = tx.clone();
            let c = counter.clone();
            let a = blocked(move || tx_a.send(c.track(1)).map_err(|e| *e.0.payload()));
            let tx_b = tx.clone();
            let c = counter.clone();
            let b = blocked(move || {
                tx_b.send_timeout(c.track(2), HANG_LIMIT)
                    .map_err(|e| (e.is_disconnected(), *e.into_inner().payload()))
            });
            let rx2 = rx.clone();
            let kept = if by_close {
                assert!(rx.close());
                drop(rx);
                Some(rx2)
            } else {
                drop(rx);
                thread::sleep(Duration::from_millis(5));
                assert!(
                    !a.is_finished(),
                    "cap {cap}: woken while a receiver remains"
                );
                drop(rx2);
                None
            };
            let what = format!("cap {cap} close={by_close}");
            assert_eq!(join_within(a, HANG_LIMIT, &what), Err(1));
            assert_eq!(join_within(b, HANG_LIMIT, &what), Err((true, 2)));
            if let Some(rx2) = kept {
                // The receiver is still there: what was queued still is.
                assert_eq!(counter.dropped(), 2, "{what}");
                for i in 0..cap {
                    assert_eq!(*rx2.try_recv().unwrap().payload(), 100 + i);
                }
                assert_eq!(rx2.try_recv().unwrap_err(), TryRecvError::Disconnected);
            } else {
                assert_eq!(counter.dropped(), 2 + cap, "{what}");
            }
            assert_eq!(counter.alive(), 0, "{what}");
        }
    }
}

#[test]
fn pending_recv_futures_are_woken_by_disconnection() {
    for cap in CAPS {
        for by_close in [false, true] {
            let (tx, rx) = channel::<u8>(cap);
            let waker = CountingWaker::new();
            let mut first = pin!(rx.recv_async());
            let mut second = pin!(rx.recv_async());
            assert!(poll_pinned(first.as_mut(), &waker.waker()).is_pending());
            assert!(poll_pinned(second.as_mut(), &waker.waker()).is_pending());
            if by_close {
                rx.close();
            } else {
                drop(tx.clone());
                assert_eq!(waker.wakes(), 0, "{cap:?}: woken while a sender remains");
                drop(tx);
            }
            assert_eq!(
                waker.wakes(),
                2,
                "{cap:?} close={by_close}: every waiter is woken"
            );
            assert_eq!(
                poll_pinned(first, &waker.waker()),
                Poll::Ready(Err(RecvError))
            );
            assert_eq!(
                poll_pinned(second, &waker.waker()),
                Poll::Ready(Err(RecvError))
            );
            assert_eq!(waker.live(), 0, "a waker kept after completion");
        }
    }
}

#[test]
fn pending_send_futures_are_woken_by_disconnection_with_their_message() {
    for cap in [0, 1] {
        for by_close in [false, true] {
            let (tx, rx) = mpmc::bounded::<u8>(cap);
            if cap == 1 {
                tx.send(0).unwrap();
            }
            let waker = CountingWaker::new();
            let mut first = pin!(tx.send_async(1));
            let mut second = pin!(tx.send_async(2));
            assert!(poll_pinned(first.as_mut(), &waker.waker()).is_pending());
            assert!(poll_pinned(second.as_mut(), &waker.waker()).is_pending());
            if by_close {
                tx.close();
            } else {
                drop(rx.clone());
                assert_eq!(waker.wakes(), 0, "woken while a receiver remains");
                drop(rx);
            }
            assert_eq!(waker.wakes(), 2, "cap {cap} close={by_close}");
            assert_eq!(
                poll_pinned(first, &waker.waker()),
                Poll::Ready(Err(SendError(1)))
            );
            assert_eq!(
                poll_pinned(second, &waker.waker()),
                Poll::Ready(Err(SendError(2)))
            );
            assert_eq!(waker.live(), 0);
        }
    }
}

#[test]
fn closed_future_completes_when_the_receivers_are_gone_or_on_close() {
    for cap in CAPS {
        // Every receiver dropped.
        let (tx, rx) = channel::<u8>(cap);
        let waker = CountingWaker::new();
        let mut closed = pin!(tx.closed());
        assert!(poll_pinned(closed.as_mut(), &waker.waker()).is_pending());
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(waker.wakes(), 0, "{cap:?}: woken while a receiver remains");
        assert!(poll_pinned(closed.as_mut(), &waker.waker()).is_pending());
        drop(rx2);
        assert_eq!(
            waker.wakes(),
            1,
            "{cap:?}: closed() not woken by the last receiver"
        );
        assert!(poll_pinned(closed.as_mut(), &waker.waker()).is_ready());

        // Closed from either end; and already closed when first polled.
        for from_receiver in [false, true] {
            let (tx, rx) = channel::<u8>(cap);
            let waker = CountingWaker::new();
            let mut closed = pin!(tx.closed());
            assert!(poll_pinned(closed.as_mut(), &waker.waker()).is_pending());
            if from_receiver {
                rx.close();
            } else {
                tx.clone().close();
            }
            assert_eq!(waker.wakes(), 1, "{cap:?}: closed() not woken by close");
            assert!(poll_pinned(closed, &waker.waker()).is_ready());
            assert!(poll_pinned(pin!(tx.closed()), &waker.waker()).is_ready());
        }

        // Not woken by messages or by senders coming and going.
        let (tx, rx) = channel::<u8>(cap);
        let waker = CountingWaker::new();
        let mut closed = pin!(tx.closed());
        assert!(poll_pinned(closed.as_mut(), &waker.waker()).is_pending());
        if cap != Some(0) {
            tx.send(1).unwrap();
            assert_eq!(rx.recv(), Ok(1));
        }
        drop(tx.clone());
        assert!(poll_pinned(closed.as_mut(), &waker.waker()).is_pending());
        drop(rx);
        assert!(poll_pinned(closed, &waker.waker()).is_ready());
    }
}

#[test]
fn owned_futures_release_their_handle() {
    // `into_send_async` owns the only sender: when it is dropped (sent or
    // not) the receivers see the disconnection.
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let waker = CountingWaker::new();
    let fut = tx.into_send_async(7);
    assert_eq!(rx.sender_count(), 1);
    let mut fut = Box::pin(fut);
    assert_eq!(
        poll_pinned(fut.as_mut(), &waker.waker()),
        Poll::Ready(Ok(()))
    );
    drop(fut);
    assert_eq!(rx.sender_count(), 0);
    assert_eq!(rx.recv(), Ok(7));
    assert_eq!(rx.recv(), Err(RecvError));

    // `into_recv_async` owns the only receiver.
    let counter = DropCounter::new();
    let (tx, rx) = mpmc::bounded(2);
    tx.send(counter.track(1)).unwrap();
    let fut = rx.into_recv_async();
    assert_eq!(tx.receiver_count(), 1);
    drop(fut);
    assert_eq!(tx.receiver_count(), 0);
    assert_eq!(
        counter.dropped(),
        1,
        "the queue goes with the last receiver"
    );
    assert!(tx.send(counter.track(2)).is_err());
}
