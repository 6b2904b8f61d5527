//! The sender watching the receiver: `Sender::is_closed`, `closed` and
//! `poll_closed`; and the receiver refusing further sends with `close`.
#![cfg(not(loom))]

use std::future::Future;
use std::task::Poll;
use std::thread;

use oneshot::{RecvError, RecvTimeoutError, TryRecvError};
use oneshot_tests::{block_on, noop_waker, race_iterations, CountingWaker};

/// Polls the sender's `closed()` future once.
fn poll_closed_future(sender: &mut oneshot::Sender<u32>, waker: &std::task::Waker) -> Poll<()> {
    let mut future = std::pin::pin!(sender.closed());
    future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(waker))
}

fn poll_closed<T>(sender: &mut oneshot::Sender<T>, waker: &std::task::Waker) -> Poll<()> {
    sender.poll_closed(&mut std::task::Context::from_waker(waker))
}

#[test]
fn is_closed_tracks_the_receiver() {
    let (sender, receiver) = oneshot::channel::<u32>();
    assert!(!sender.is_closed());
    drop(receiver);
    assert!(sender.is_closed());
    assert!(sender.is_closed(), "stays closed");

    let (sender, mut receiver) = oneshot::channel::<u32>();
    receiver.close();
    assert!(sender.is_closed());
}

#[test]
fn is_closed_is_false_while_the_receiver_only_waits() {
    let (sender, mut receiver) = oneshot::channel::<u32>();
    assert!(oneshot_tests::poll_once(&mut receiver, &noop_waker()).is_pending());
    assert_eq!(
        receiver.recv_timeout(std::time::Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    assert!(!sender.is_closed());
}

#[test]
fn poll_closed_is_ready_at_once_if_the_receiver_is_gone() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    drop(receiver);
    let counting = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Ready(()));
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Ready(()));
    assert_eq!(
        (counting.clones(), counting.live()),
        (0, 0),
        "no waker stored"
    );
    assert_eq!(sender.send(1).unwrap_err().into_inner(), 1);
}

#[test]
fn poll_closed_completes_on_receiver_drop_and_wakes_once() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    let counting = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
    assert_eq!(counting.live(), 1, "the sender keeps a clone");
    drop(receiver);
    assert_eq!(counting.wakes(), 1);
    assert_eq!(counting.live(), 0, "the receiver consumed the clone");
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Ready(()));
    assert!(sender.is_closed());
}

#[test]
fn poll_closed_completes_on_close_and_wakes_once() {
    let (mut sender, mut receiver) = oneshot::channel::<u32>();
    let counting = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
    receiver.close();
    assert_eq!(counting.wakes(), 1);
    assert_eq!(counting.live(), 0);
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Ready(()));
    receiver.close();
    drop(receiver);
    assert_eq!(
        counting.wakes(),
        1,
        "a second close or the drop wakes nothing more"
    );
}

#[test]
fn poll_closed_repoll_with_equivalent_waker_does_not_clone() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    let counting = CountingWaker::new();
    for _ in 0..4 {
        assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
    }
    assert_eq!(counting.clones(), 1);
    drop(receiver);
    assert_eq!(counting.wakes(), 1);
}

#[test]
fn poll_closed_wakes_only_the_latest_waker() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    let first = CountingWaker::new();
    let second = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &first.waker()), Poll::Pending);
    assert_eq!(poll_closed(&mut sender, &second.waker()), Poll::Pending);
    assert_eq!(first.live(), 0, "the replaced waker was dropped");
    drop(receiver);
    assert_eq!((first.wakes(), second.wakes()), (0, 1));
}

#[test]
fn poll_closed_then_send_withdraws_the_waker() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    let counting = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
    sender.send(5).unwrap();
    assert_eq!(counting.live(), 0, "send dropped the stored waker");
    assert_eq!(counting.wakes(), 0);
    assert_eq!(receiver.recv(), Ok(5));
}

#[test]
fn poll_closed_then_sender_dropped_frees_the_waker() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    let counting = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
    drop(sender);
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    drop(receiver);
    assert_eq!(counting.live(), 0);
    assert_eq!(counting.wakes(), 0);

    // The same with the receiver dropped first after the sender left.
    let (mut sender, receiver) = oneshot::channel::<u32>();
    assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
    drop(sender);
    drop(receiver);
    assert_eq!(counting.live(), 0);
}

#[test]
fn poll_closed_with_a_receiver_that_waits_too() {
    // Both ends have a waker registered at once.
    let (mut sender, mut receiver) = oneshot::channel::<u32>();
    let tx_waker = CountingWaker::new();
    let rx_waker = CountingWaker::new();
    assert_eq!(poll_closed(&mut sender, &tx_waker.waker()), Poll::Pending);
    assert!(oneshot_tests::poll_once(&mut receiver, &rx_waker.waker()).is_pending());
    sender.send(8).unwrap();
    assert_eq!((tx_waker.wakes(), rx_waker.wakes()), (0, 1));
    assert_eq!(
        oneshot_tests::poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Ok(8))
    );
    assert_eq!((tx_waker.live(), rx_waker.live()), (0, 0));
}

#[test]
fn closed_future_is_cancel_safe() {
    let (mut sender, receiver) = oneshot::channel::<u32>();
    let counting = CountingWaker::new();
    assert_eq!(
        poll_closed_future(&mut sender, &counting.waker()),
        Poll::Pending
    );
    // The future is gone; the sender still works, then waits again.
    assert!(!sender.is_closed());
    assert_eq!(
        poll_closed_future(&mut sender, &counting.waker()),
        Poll::Pending
    );
    drop(receiver);
    assert!(counting.wakes() <= 1);
    assert_eq!(
        poll_closed_future(&mut sender, &counting.waker()),
        Poll::Ready(())
    );
    assert!(sender.send(1).is_err());
    assert_eq!(counting.live(), 0);
}

#[test]
fn closed_completes_when_a_thread_drops_the_receiver() {
    for _ in 0..race_iterations(200) {
        let (mut sender, receiver) = oneshot::channel::<u32>();
        let worker = thread::spawn(move || drop(receiver));
        block_on(sender.closed());
        assert!(sender.is_closed());
        worker.join().unwrap();
    }
}

#[test]
fn closed_completes_when_a_thread_closes_the_receiver() {
    for _ in 0..race_iterations(200) {
        let (mut sender, mut receiver) = oneshot::channel::<u32>();
        let worker = thread::spawn(move || {
            receiver.close();
            receiver
        });
        block_on(sender.closed());
        assert_eq!(sender.send(3).unwrap_err().into_inner(), 3);
        let receiver = worker.join().unwrap();
        assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    }
}

#[test]
fn worker_stops_when_nobody_listens() {
    // A worker thread polls `closed()` between units of work and stops
    // once the receiver is gone.
    let (mut sender, receiver) = oneshot::channel::<u64>();
    let (progress_tx, progress_rx) = std::sync::mpsc::channel();
    let worker = thread::spawn(move || {
        let waker = noop_waker();
        let mut units = 0_u64;
        loop {
            if poll_closed(&mut sender, &waker).is_ready() {
                return units;
            }
            units += 1;
            if units == 3 {
                progress_tx.send(()).unwrap();
            }
            thread::yield_now();
        }
    });
    progress_rx.recv().unwrap();
    drop(receiver);
    assert!(worker.join().unwrap() >= 3);
}

#[test]
fn close_refuses_later_sends() {
    let (sender, mut receiver) = oneshot::channel();
    receiver.close();
    assert!(sender.is_closed());
    let error = sender.send(String::from("back")).unwrap_err();
    assert_eq!(error.as_inner(), "back");
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert!(receiver.is_closed());
    assert!(!receiver.has_message());
}

#[test]
fn every_receive_after_close_on_an_empty_channel_is_disconnected() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    receiver.close();
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(receiver.recv_ref(), Err(RecvError));
    assert_eq!(
        receiver.recv_timeout(std::time::Duration::ZERO),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        oneshot_tests::poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Err(RecvError))
    );
    assert!(receiver.is_terminated());
    assert_eq!(receiver.recv(), Err(RecvError));
    drop(sender);
}

#[test]
fn close_then_recv_with_the_sender_still_alive_does_not_block() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    receiver.close();
    assert_eq!(
        receiver.recv_ref(),
        Err(RecvError),
        "nothing can arrive any more"
    );
    assert!(receiver.is_terminated());
    assert!(receiver.is_closed());
    drop(sender);
}

#[test]
fn message_sent_before_close_is_still_taken_by_try_recv() {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(11).unwrap();
    receiver.close();
    assert!(receiver.has_message());
    assert!(
        !receiver.is_closed(),
        "a waiting message keeps the receiver open"
    );
    assert_eq!(receiver.try_recv(), Ok(11));
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn message_sent_before_close_is_still_received_by_every_method() {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(1).unwrap();
    receiver.close();
    assert_eq!(receiver.recv(), Ok(1));

    let (sender, mut receiver) = oneshot::channel();
    sender.send(2).unwrap();
    receiver.close();
    assert_eq!(receiver.recv_timeout(std::time::Duration::ZERO), Ok(2));

    let (sender, mut receiver) = oneshot::channel();
    sender.send(3).unwrap();
    receiver.close();
    assert_eq!(
        oneshot_tests::poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Ok(3))
    );
}

#[test]
fn close_after_a_pending_poll_drops_the_receivers_waker() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    let counting = CountingWaker::new();
    assert!(oneshot_tests::poll_once(&mut receiver, &counting.waker()).is_pending());
    receiver.close();
    assert_eq!(counting.live(), 0, "close withdrew the registered waker");
    assert!(sender.send(1).is_err());
    assert_eq!(counting.wakes(), 0, "a refused send wakes nobody");
    assert_eq!(
        oneshot_tests::poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Err(RecvError))
    );
}

#[test]
fn close_is_idempotent_and_harmless_after_the_end() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    receiver.close();
    receiver.close();
    assert!(sender.send(1).is_err());
    receiver.close();

    let (sender, mut receiver) = oneshot::channel::<u8>();
    drop(sender);
    receiver.close();
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));

    let (sender, mut receiver) = oneshot::channel();
    sender.send(4).unwrap();
    assert_eq!(receiver.try_recv(), Ok(4));
    receiver.close();
    receiver.close();
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn close_racing_send() {
    // Either the send won (the message is still in the channel) or the
    // close did (the sender got it back); never both, never neither.
    for i in 0..race_iterations(300) {
        let (sender, mut receiver) = oneshot::channel();
        let writer = thread::spawn(move || sender.send(i).err().map(|error| error.into_inner()));
        receiver.close();
        let returned = writer.join().unwrap();
        match (receiver.try_recv(), returned) {
            (Ok(got), None) => assert_eq!(got, i),
            (Err(TryRecvError::Disconnected), Some(back)) => assert_eq!(back, i),
            other => panic!("round {i}: inconsistent outcome {other:?}"),
        }
    }
}

#[test]
fn close_racing_poll_closed() {
    for _ in 0..race_iterations(300) {
        let (mut sender, mut receiver) = oneshot::channel::<u32>();
        let counting = CountingWaker::new();
        let closer = thread::spawn(move || {
            receiver.close();
            receiver
        });
        let first = poll_closed(&mut sender, &counting.waker());
        let receiver = closer.join().unwrap();
        if first.is_pending() {
            assert_eq!(
                counting.wakes(),
                1,
                "a pending poll_closed must be woken by close"
            );
        }
        assert_eq!(poll_closed(&mut sender, &noop_waker()), Poll::Ready(()));
        drop((sender, receiver));
        assert_eq!(counting.live(), 0);
    }
}

#[test]
fn receiver_drop_racing_poll_closed() {
    for _ in 0..race_iterations(300) {
        let (mut sender, receiver) = oneshot::channel::<u32>();
        let counting = CountingWaker::new();
        let dropper = thread::spawn(move || drop(receiver));
        let first = poll_closed(&mut sender, &counting.waker());
        dropper.join().unwrap();
        if first.is_pending() {
            assert_eq!(
                counting.wakes(),
                1,
                "a pending poll_closed must be woken by the drop"
            );
        }
        assert_eq!(poll_closed(&mut sender, &noop_waker()), Poll::Ready(()));
        drop(sender);
        assert_eq!(counting.live(), 0);
    }
}

#[test]
fn poll_closed_waker_racing_receiver_drop_and_sender_drop() {
    // The receiver claims the sender's waker while the sender is dropped:
    // whoever is last frees, and the waker is dropped exactly once.
    for _ in 0..race_iterations(300) {
        let (mut sender, receiver) = oneshot::channel::<u32>();
        let counting = CountingWaker::new();
        assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
        let dropper = thread::spawn(move || drop(receiver));
        drop(sender);
        dropper.join().unwrap();
        assert_eq!(counting.live(), 0);
        assert!(counting.wakes() <= 1);
    }
}

#[test]
fn poll_closed_waker_racing_close_and_send() {
    for i in 0..race_iterations(300) {
        let (mut sender, mut receiver) = oneshot::channel::<usize>();
        let counting = CountingWaker::new();
        assert_eq!(poll_closed(&mut sender, &counting.waker()), Poll::Pending);
        let closer = thread::spawn(move || {
            receiver.close();
            receiver
        });
        let sent = sender.send(i);
        let receiver = closer.join().unwrap();
        match (sent, receiver.try_recv()) {
            (Ok(()), Ok(got)) => assert_eq!(got, i),
            (Err(error), Err(TryRecvError::Disconnected)) => assert_eq!(error.into_inner(), i),
            other => panic!("inconsistent outcome {other:?}"),
        }
        drop(receiver);
        assert_eq!(counting.live(), 0);
    }
}

#[test]
fn both_ends_waiting_then_both_dropped_concurrently() {
    // The sender has a `closed()` waker stored and the receiver a task
    // waker: the sender's drop claims the receiver's waker while the
    // receiver is dropped. Both wakers are dropped exactly once.
    for _ in 0..race_iterations(300) {
        let (mut sender, mut receiver) = oneshot::channel::<u32>();
        let tx_waker = CountingWaker::new();
        let rx_waker = CountingWaker::new();
        assert_eq!(poll_closed(&mut sender, &tx_waker.waker()), Poll::Pending);
        assert!(oneshot_tests::poll_once(&mut receiver, &rx_waker.waker()).is_pending());
        let dropper = thread::spawn(move || drop(receiver));
        drop(sender);
        dropper.join().unwrap();
        assert_eq!((tx_waker.live(), rx_waker.live()), (0, 0));
        assert!(tx_waker.wakes() <= 1 && rx_waker.wakes() <= 1);
    }
}

#[test]
fn both_ends_waiting_then_send_races_receiver_drop() {
    for i in 0..race_iterations(300) {
        let (mut sender, mut receiver) = oneshot::channel::<String>();
        let tx_waker = CountingWaker::new();
        let rx_waker = CountingWaker::new();
        assert_eq!(poll_closed(&mut sender, &tx_waker.waker()), Poll::Pending);
        assert!(oneshot_tests::poll_once(&mut receiver, &rx_waker.waker()).is_pending());
        let dropper = thread::spawn(move || drop(receiver));
        if let Err(error) = sender.send(i.to_string()) {
            assert_eq!(error.into_inner(), i.to_string());
        }
        dropper.join().unwrap();
        assert_eq!((tx_waker.live(), rx_waker.live()), (0, 0));
    }
}
