//! The receiver as a `Future`, driven by hand with counting wakers and by
//! the minimal executor in `oneshot_tests` (no runtime, so Miri runs it).
#![cfg(not(loom))]

use std::task::Poll;
use std::thread;

use oneshot::{RecvError, TryRecvError};
use oneshot_tests::{
    block_on, block_on_counted, noop_waker, poll_once, race_iterations, CountingWaker,
};

#[test]
fn ready_at_once_when_the_message_is_there() {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(5).unwrap();
    let counting = CountingWaker::new();
    assert_eq!(
        poll_once(&mut receiver, &counting.waker()),
        Poll::Ready(Ok(5))
    );
    assert_eq!(
        (counting.clones(), counting.wakes()),
        (0, 0),
        "no waker needed"
    );
}

#[test]
fn ready_err_at_once_when_the_sender_is_gone() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    drop(sender);
    assert_eq!(
        poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Err(RecvError))
    );
}

#[test]
fn pending_then_send_wakes_once_then_ready() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    let waker = counting.waker();
    assert_eq!(poll_once(&mut receiver, &waker), Poll::Pending);
    assert_eq!(counting.live(), 2, "the receiver keeps a clone");
    assert!(!receiver.has_message());
    assert!(!receiver.is_terminated());
    sender.send("hi").unwrap();
    assert_eq!(counting.wakes(), 1);
    assert_eq!(counting.live(), 1, "the sender consumed the stored clone");
    assert_eq!(poll_once(&mut receiver, &waker), Poll::Ready(Ok("hi")));
    assert_eq!(counting.wakes(), 1);
}

#[test]
fn pending_then_sender_dropped_wakes_once_then_ready_err() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    let counting = CountingWaker::new();
    assert_eq!(poll_once(&mut receiver, &counting.waker()), Poll::Pending);
    drop(sender);
    assert_eq!(counting.wakes(), 1);
    assert_eq!(counting.live(), 0);
    assert_eq!(
        poll_once(&mut receiver, &counting.waker()),
        Poll::Ready(Err(RecvError))
    );
    assert!(receiver.is_terminated());
}

#[test]
fn repoll_with_an_equivalent_waker_does_not_clone() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert_eq!(poll_once(&mut receiver, &counting.waker()), Poll::Pending);
    assert_eq!(counting.clones(), 1);
    for _ in 0..5 {
        // A different `Waker` value that `will_wake` the stored one.
        assert_eq!(poll_once(&mut receiver, &counting.waker()), Poll::Pending);
    }
    assert_eq!(counting.clones(), 1, "will_wake must skip the clone");
    assert_eq!(counting.live(), 1);
    sender.send(1).unwrap();
    assert_eq!(counting.wakes(), 1);
    assert_eq!(
        poll_once(&mut receiver, &counting.waker()),
        Poll::Ready(Ok(1))
    );
}

#[test]
fn only_the_latest_waker_is_woken() {
    let (sender, mut receiver) = oneshot::channel();
    let first = CountingWaker::new();
    let second = CountingWaker::new();
    let third = CountingWaker::new();
    assert_eq!(poll_once(&mut receiver, &first.waker()), Poll::Pending);
    assert_eq!(poll_once(&mut receiver, &second.waker()), Poll::Pending);
    assert_eq!(first.live(), 0, "the replaced waker was dropped");
    assert_eq!(poll_once(&mut receiver, &third.waker()), Poll::Pending);
    assert_eq!(second.live(), 0, "the replaced waker was dropped");
    assert_eq!(third.live(), 1);
    sender.send(()).unwrap();
    assert_eq!((first.wakes(), second.wakes(), third.wakes()), (0, 0, 1));
    assert_eq!(poll_once(&mut receiver, &noop_waker()), Poll::Ready(Ok(())));
}

#[test]
fn switching_back_to_an_earlier_waker_works() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    let a = CountingWaker::new();
    let b = CountingWaker::new();
    assert!(poll_once(&mut receiver, &a.waker()).is_pending());
    assert!(poll_once(&mut receiver, &b.waker()).is_pending());
    assert!(poll_once(&mut receiver, &a.waker()).is_pending());
    drop(sender);
    assert_eq!((a.wakes(), b.wakes()), (1, 0));
    assert_eq!((a.live(), b.live()), (0, 0));
}

#[test]
fn poll_after_ready_is_err_and_terminated() {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(3).unwrap();
    assert!(!receiver.is_terminated());
    assert_eq!(poll_once(&mut receiver, &noop_waker()), Poll::Ready(Ok(3)));
    assert!(receiver.is_terminated());
    for _ in 0..3 {
        assert_eq!(
            poll_once(&mut receiver, &noop_waker()),
            Poll::Ready(Err(RecvError))
        );
        assert!(receiver.is_terminated());
    }
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn poll_after_ready_err_is_err_and_terminated() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    drop(sender);
    assert!(!receiver.is_terminated());
    assert_eq!(
        poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Err(RecvError))
    );
    assert!(receiver.is_terminated());
    assert_eq!(
        poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Err(RecvError))
    );
}

#[test]
fn poll_after_try_recv_took_the_message_is_err() {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(8).unwrap();
    assert_eq!(receiver.try_recv(), Ok(8));
    assert_eq!(
        poll_once(&mut receiver, &noop_waker()),
        Poll::Ready(Err(RecvError))
    );
}

#[test]
fn receiver_dropped_while_pending_drops_its_waker_and_fails_send() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    assert_eq!(counting.live(), 1);
    drop(receiver);
    assert_eq!(
        counting.live(),
        0,
        "the stored waker was dropped with the receiver"
    );
    assert!(sender.is_closed());
    assert_eq!(sender.send(4).unwrap_err().into_inner(), 4);
    assert_eq!(counting.wakes(), 0);
}

#[test]
fn block_on_receiver_with_sender_thread() {
    for i in 0..race_iterations(200) {
        let (sender, receiver) = oneshot::channel();
        let worker = thread::spawn(move || sender.send(i).unwrap());
        assert_eq!(block_on(receiver), Ok(i));
        worker.join().unwrap();
    }
}

#[test]
fn block_on_receiver_with_sender_dropped_on_a_thread() {
    for _ in 0..race_iterations(200) {
        let (sender, receiver) = oneshot::channel::<String>();
        let worker = thread::spawn(move || drop(sender));
        assert_eq!(block_on(receiver), Err(RecvError));
        worker.join().unwrap();
    }
}

#[test]
fn block_on_polls_at_most_twice() {
    // The executor polls again only after a wake-up, so a lost wake-up
    // hangs and a spurious one shows as a third poll.
    for _ in 0..race_iterations(100) {
        let (sender, receiver) = oneshot::channel();
        let worker = thread::spawn(move || sender.send(1).unwrap());
        let (result, polls) = block_on_counted(receiver);
        assert_eq!(result, Ok(1));
        assert!((1..=2).contains(&polls), "polled {polls} times");
        worker.join().unwrap();
    }
}

#[test]
fn awaiting_a_mut_reference_keeps_the_receiver() {
    let (sender, mut receiver) = oneshot::channel();
    let worker = thread::spawn(move || sender.send(2).unwrap());
    let got = block_on(async { (&mut receiver).await });
    assert_eq!(got, Ok(2));
    assert!(receiver.is_terminated());
    assert_eq!(block_on(&mut receiver), Err(RecvError));
    worker.join().unwrap();
}

#[test]
fn task_answers_task_through_the_executor() {
    // Two chained channels, both awaited: a request and its reply.
    let (request_tx, request_rx) = oneshot::channel::<(u32, oneshot::Sender<u32>)>();
    let server = thread::spawn(move || {
        block_on(async move {
            let (n, reply) = request_rx.await.unwrap();
            reply.send(n + 1).unwrap();
        })
    });
    let answer = block_on(async move {
        let (reply_tx, reply_rx) = oneshot::channel();
        request_tx.send((41, reply_tx)).unwrap();
        reply_rx.await
    });
    assert_eq!(answer, Ok(42));
    server.join().unwrap();
}

#[test]
fn task_on_the_executor_answers_a_blocking_thread() {
    // A thread sends a request with a plain `send`; a task on the executor
    // awaits it and answers; the thread blocks in `recv` for the answer.
    for round in 0..race_iterations(50) {
        let (request_tx, request_rx) = oneshot::channel::<u64>();
        let (answer_tx, answer_rx) = oneshot::channel::<u64>();
        let executor = thread::spawn(move || {
            block_on(async move {
                let n = request_rx.await.unwrap();
                answer_tx.send(n * 2).unwrap();
            })
        });
        request_tx.send(round as u64).unwrap();
        assert_eq!(answer_rx.recv(), Ok(round as u64 * 2));
        executor.join().unwrap();
    }
}

#[test]
fn poll_racing_send_never_loses_the_wake_up() {
    // A counting waker plus the executor's own check: whenever the poll
    // returns Pending, the waker must be woken afterwards.
    for _ in 0..race_iterations(300) {
        let (sender, mut receiver) = oneshot::channel();
        let counting = CountingWaker::new();
        let worker = thread::spawn(move || sender.send(7).unwrap());
        match poll_once(&mut receiver, &counting.waker()) {
            Poll::Ready(result) => assert_eq!(result, Ok(7)),
            Poll::Pending => {
                worker.join().unwrap();
                assert_eq!(counting.wakes(), 1, "pending poll must be woken");
                assert_eq!(poll_once(&mut receiver, &noop_waker()), Poll::Ready(Ok(7)));
                continue;
            }
        }
        worker.join().unwrap();
        assert_eq!(counting.wakes(), 0);
    }
}

#[test]
fn poll_racing_sender_drop_never_loses_the_wake_up() {
    for _ in 0..race_iterations(300) {
        let (sender, mut receiver) = oneshot::channel::<u8>();
        let counting = CountingWaker::new();
        let worker = thread::spawn(move || drop(sender));
        if poll_once(&mut receiver, &counting.waker()).is_pending() {
            worker.join().unwrap();
            assert_eq!(counting.wakes(), 1, "pending poll must be woken");
        } else {
            worker.join().unwrap();
        }
        assert_eq!(
            poll_once(&mut receiver, &noop_waker()),
            Poll::Ready(Err(RecvError))
        );
        assert_eq!(counting.live(), 0);
    }
}

#[test]
fn repoll_with_new_waker_racing_send_wakes_a_current_waker() {
    // The receiver switches wakers while the sender sends: whichever waker
    // the last Pending poll left registered must be the one woken (or the
    // last poll already saw the message).
    for _ in 0..race_iterations(300) {
        let (sender, mut receiver) = oneshot::channel();
        let first = CountingWaker::new();
        let second = CountingWaker::new();
        assert!(poll_once(&mut receiver, &first.waker()).is_pending());
        let worker = thread::spawn(move || sender.send(1).unwrap());
        let second_poll = poll_once(&mut receiver, &second.waker());
        worker.join().unwrap();
        match second_poll {
            Poll::Ready(result) => assert_eq!(result, Ok(1)),
            Poll::Pending => {
                assert_eq!(second.wakes(), 1, "the latest waker must be woken");
                assert_eq!(poll_once(&mut receiver, &noop_waker()), Poll::Ready(Ok(1)));
            }
        }
        assert!(first.wakes() <= 1);
        assert_eq!((first.live(), second.live()), (0, 0));
    }
}

#[test]
fn receiver_future_is_unpin_and_boxable() {
    fn is_unpin<T: Unpin>(_: &T) {}
    let (sender, receiver) = oneshot::channel();
    is_unpin(&receiver);
    let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<u8, RecvError>> + Send>> =
        Box::pin(receiver);
    sender.send(6).unwrap();
    assert_eq!(block_on(boxed), Ok(6));
}

/// Regression: `Receiver::drop` on a receiver with a registered waker must
/// not touch the channel after the RMW that lets the sender free it.
///
/// The sender waits for `is_closed` (a relaxed load, so it does not
/// synchronise with anything the dropping thread does after its RMW) and
/// then sends, which frees the allocation. If the dropping receiver reads its
/// stored waker out of the allocation after that RMW, Miri reports the data
/// race (a use-after-free) deterministically; natively it is a narrow window.
#[test]
fn receiver_with_registered_waker_dropped_then_send_frees() {
    for _ in 0..race_iterations(100) {
        let (sender, mut receiver) = oneshot::channel::<u8>();
        let counting = CountingWaker::new();
        assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
        let dropper = thread::spawn(move || drop(receiver));
        while !sender.is_closed() {
            thread::yield_now();
        }
        assert_eq!(sender.send(1).unwrap_err().into_inner(), 1);
        dropper.join().unwrap();
        assert_eq!((counting.live(), counting.wakes()), (0, 0));
    }
}

/// The same as above, with the sender dropped instead of sending.
#[test]
fn receiver_with_registered_waker_dropped_then_sender_dropped_frees() {
    for _ in 0..race_iterations(100) {
        let (sender, mut receiver) = oneshot::channel::<u8>();
        let counting = CountingWaker::new();
        assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
        let dropper = thread::spawn(move || drop(receiver));
        while !sender.is_closed() {
            thread::yield_now();
        }
        drop(sender);
        dropper.join().unwrap();
        assert_eq!((counting.live(), counting.wakes()), (0, 0));
    }
}
