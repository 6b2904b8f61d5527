//! `mpmc::bounded(0)`, the rendezvous channel, in blocking and async forms:
//! a send completes only after a receiver took the message; a cancelled
//! sender's message was either taken (the send succeeded) or is still its
//! own; a cancelled receiver never takes one; `try_send` succeeds only when
//! a thread blocked in `recv`/`recv_timeout` takes the message within the
//! call (never a pending `RecvFuture`), and `try_recv` takes from a waiting
//! sender of either kind.

#![cfg(not(loom))]

use std::pin::pin;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use mpmc::{RecvError, TryRecvError, TrySendError};
use oneshot_tests::{
    block_on, join_within, poll_pinned, CountingWaker, DropCounter, ThreadProbe, Watchdog,
    HANG_LIMIT,
};

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

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn blocking_send_completes_only_after_a_receiver_took_the_message() {
    let _watchdog = Watchdog::new("blocking_send_completes_only_after", HANG_LIMIT);
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let (sender, probe) = blocked(move || tx.send(1));
    thread::sleep(Duration::from_millis(10));
    assert!(
        !sender.is_finished(),
        "a rendezvous send completed with nobody receiving"
    );
    probe.wait_parked(HANG_LIMIT);
    assert_eq!(rx.len(), 0);
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(join_within(sender, HANG_LIMIT, "rendezvous send"), Ok(()));
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn blocking_receiver_then_sender() {
    let _watchdog = Watchdog::new("blocking_receiver_then_sender", HANG_LIMIT);
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let (receiver, _) = blocked(move || rx.recv());
    tx.send(2).unwrap();
    assert_eq!(join_within(receiver, HANG_LIMIT, "rendezvous recv"), Ok(2));
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn async_receiver_with_a_blocked_sender_takes_only_when_polled() {
    let _watchdog = Watchdog::new("async_receiver_with_a_blocked_sender", HANG_LIMIT);
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let waker = CountingWaker::new();
    let mut fut = pin!(rx.recv_async());
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    let (sender, probe) = blocked(move || tx.send(3));
    assert_eq!(
        waker.wakes(),
        1,
        "the waiting sender did not wake the receiver"
    );
    // Woken but not polled: nothing has been taken, so the sender still waits.
    thread::sleep(Duration::from_millis(10));
    probe.wait_parked(HANG_LIMIT);
    assert!(
        !sender.is_finished(),
        "the send completed before the receiver took the message (capacity 1, not 0)"
    );
    assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(3)));
    assert_eq!(
        join_within(sender, HANG_LIMIT, "send after the take"),
        Ok(())
    );
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn async_sender_with_a_blocked_receiver() {
    let _watchdog = Watchdog::new("async_sender_with_a_blocked_receiver", HANG_LIMIT);
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let (receiver, _) = blocked(move || rx.recv());
    let waker = CountingWaker::new();
    let mut fut = pin!(tx.send_async(4));
    match poll_pinned(fut.as_mut(), &waker.waker()) {
        // The blocked receiver may take it within the poll ...
        Poll::Ready(result) => assert_eq!(result, Ok(())),
        // ... or be woken to take it, and then wake the sender.
        Poll::Pending => {
            let got = join_within(receiver, HANG_LIMIT, "blocked recv");
            assert_eq!(got, Ok(4));
            assert_eq!(waker.wakes(), 1, "the sender not woken after the take");
            assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(())));
            return;
        }
    }
    assert_eq!(join_within(receiver, HANG_LIMIT, "blocked recv"), Ok(4));
}

#[test]
fn async_on_both_sides() {
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let (send_waker, recv_waker) = (CountingWaker::new(), CountingWaker::new());
    // Sender first.
    let mut send = pin!(tx.send_async(5));
    assert!(poll_pinned(send.as_mut(), &send_waker.waker()).is_pending());
    let mut recv = pin!(rx.recv_async());
    assert_eq!(
        poll_pinned(recv.as_mut(), &recv_waker.waker()),
        Poll::Ready(Ok(5))
    );
    assert_eq!(send_waker.wakes(), 1);
    assert_eq!(poll_pinned(send, &send_waker.waker()), Poll::Ready(Ok(())));
    // Receiver first.
    let mut recv = pin!(rx.recv_async());
    assert!(poll_pinned(recv.as_mut(), &recv_waker.waker()).is_pending());
    let mut send = pin!(tx.send_async(6));
    assert!(
        poll_pinned(send.as_mut(), &send_waker.waker()).is_pending(),
        "a send completed before the (async) receiver took it"
    );
    assert_eq!(
        recv_waker.wakes(),
        1,
        "the waiting receiver not woken by the sender"
    );
    assert_eq!(poll_pinned(recv, &recv_waker.waker()), Poll::Ready(Ok(6)));
    assert_eq!(send_waker.wakes(), 2);
    assert_eq!(poll_pinned(send, &send_waker.waker()), Poll::Ready(Ok(())));
    assert_eq!((send_waker.live(), recv_waker.live()), (0, 0));
}

#[test]
fn a_cancelled_receiver_never_takes() {
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let waker = CountingWaker::new();
    let send_waker = CountingWaker::new();
    let mut recv = Box::pin(rx.recv_async());
    assert!(poll_pinned(recv.as_mut(), &waker.waker()).is_pending());
    let mut send = pin!(tx.send_async(7));
    assert!(poll_pinned(send.as_mut(), &send_waker.waker()).is_pending());
    assert_eq!(waker.wakes(), 1);
    drop(recv);
    // The send has not completed: its message is still its own.
    assert!(poll_pinned(send.as_mut(), &send_waker.waker()).is_pending());
    assert_eq!(send.as_mut().cancel(), Some(7));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_cancelled_sender_keeps_its_message_or_it_was_taken() {
    let counter = DropCounter::new();
    let (tx, rx) = mpmc::bounded(0);
    let waker = CountingWaker::new();
    // Not taken: cancel hands it back, and no receiver can get it later.
    let mut send = pin!(tx.send_async(counter.track(1)));
    assert!(poll_pinned(send.as_mut(), &waker.waker()).is_pending());
    let back = send
        .as_mut()
        .cancel()
        .expect("an untaken rendezvous message");
    assert_eq!(*back.payload(), 1);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    drop(back);
    // Taken by try_recv while pending: cancel says it was delivered.
    let mut send = pin!(tx.send_async(counter.track(2)));
    assert!(poll_pinned(send.as_mut(), &waker.waker()).is_pending());
    let got = rx
        .try_recv()
        .expect("try_recv takes from a waiting async sender");
    assert_eq!(*got.payload(), 2);
    assert!(
        send.as_mut().cancel().is_none(),
        "the message was taken, yet handed back"
    );
    drop(got);
    // Dropped while pending: the message goes with the future.
    {
        let mut send = pin!(tx.send_async(counter.track(3)));
        assert!(poll_pinned(send.as_mut(), &waker.waker()).is_pending());
    }
    assert_eq!(counter.alive(), 0);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn try_send_succeeds_only_into_a_blocked_thread() {
    let _watchdog = Watchdog::new("try_send_succeeds_only_into_a_blocked_thread", HANG_LIMIT);
    for timeout in [false, true] {
        let (tx, rx) = mpmc::bounded::<u8>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)), "nobody waits");
        let (receiver, _) = blocked(move || {
            if timeout {
                rx.recv_timeout(HANG_LIMIT).ok()
            } else {
                rx.recv().ok()
            }
        });
        assert_eq!(
            tx.try_send(2),
            Ok(()),
            "timeout={timeout}: try_send failed with a thread blocked in recv"
        );
        assert_eq!(join_within(receiver, HANG_LIMIT, "receiver"), Some(2));
    }
}

#[test]
fn try_send_does_not_hand_to_a_pending_recv_future() {
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let waker = CountingWaker::new();
    let mut recv = pin!(rx.recv_async());
    assert!(poll_pinned(recv.as_mut(), &waker.waker()).is_pending());
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    // Whether or not it was woken, the future has nothing to take.
    assert!(poll_pinned(recv.as_mut(), &waker.waker()).is_pending());
    // A real send still meets it.
    let mut send = pin!(tx.send_async(2));
    assert!(poll_pinned(send.as_mut(), &waker.waker()).is_pending());
    assert_eq!(poll_pinned(recv, &waker.waker()), Poll::Ready(Ok(2)));
    assert_eq!(poll_pinned(send, &waker.waker()), Poll::Ready(Ok(())));
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn try_recv_takes_from_a_blocked_sender_thread() {
    let _watchdog = Watchdog::new("try_recv_takes_from_a_blocked_sender_thread", HANG_LIMIT);
    for timeout in [false, true] {
        let (tx, rx) = mpmc::bounded::<u8>(0);
        let (sender, _) = blocked(move || {
            if timeout {
                tx.send_timeout(3, HANG_LIMIT).is_ok()
            } else {
                tx.send(3).is_ok()
            }
        });
        assert_eq!(rx.try_recv(), Ok(3), "timeout={timeout}");
        assert!(join_within(sender, HANG_LIMIT, "sender"));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }
}

#[test]
fn senders_are_served_in_arrival_order() {
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let waker = CountingWaker::new();
    let mut a = pin!(tx.send_async(1));
    let mut b = pin!(tx.send_async(2));
    let mut c = pin!(tx.send_async(3));
    for fut in [a.as_mut(), b.as_mut(), c.as_mut()] {
        assert!(poll_pinned(fut, &waker.waker()).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(block_on(rx.recv_async()), Ok(2));
    assert_eq!(rx.recv(), Ok(3));
    for fut in [a, b, c] {
        assert_eq!(poll_pinned(fut, &waker.waker()), Poll::Ready(Ok(())));
    }
}

#[test]
fn many_senders_and_receivers_of_both_kinds() {
    let _watchdog = Watchdog::new("rendezvous_many", HANG_LIMIT);
    let per = if cfg!(miri) { 10 } else { 500 };
    let (tx, rx) = mpmc::bounded::<usize>(0);
    let mut senders = Vec::new();
    for s in 0..4 {
        let tx = tx.clone();
        senders.push(thread::spawn(move || {
            for i in 0..per {
                let value = s * per + i;
                if s % 2 == 0 {
                    tx.send(value).unwrap();
                } else {
                    block_on(tx.send_async(value)).unwrap();
                }
            }
        }));
    }
    drop(tx);
    let mut receivers = Vec::new();
    for r in 0..4 {
        let rx = rx.clone();
        receivers.push(thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                let next = if r % 2 == 0 {
                    rx.recv()
                } else {
                    block_on(rx.recv_async())
                };
                match next {
                    Ok(v) => got.push(v),
                    Err(RecvError) => return got,
                }
            }
        }));
    }
    drop(rx);
    for s in senders {
        join_within(s, HANG_LIMIT, "sender");
    }
    let mut all = Vec::new();
    for r in receivers {
        all.extend(join_within(r, HANG_LIMIT, "receiver"));
    }
    all.sort_unstable();
    assert_eq!(all, (0..4 * per).collect::<Vec<_>>());
}
