//! Blocking and non-blocking receives between threads: `try_recv`, `recv`,
//! `recv_ref`, `recv_timeout`, `recv_deadline`, and the receiver's state
//! queries (`is_closed`, `has_message`, `is_terminated`).
#![cfg(not(loom))]

use std::thread;
use std::time::{Duration, Instant};

use oneshot::{RecvError, RecvTimeoutError, TryRecvError};
use oneshot_tests::race_iterations;

/// Long enough that a sender thread usually acts while the receiver is
/// already blocked; never used to assert a duration.
const SETTLE: Duration = Duration::from_millis(20);

#[test]
fn try_recv_on_empty_channel_is_empty_and_keeps_the_channel_usable() {
    let (sender, receiver) = oneshot::channel();
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    sender.send(1).unwrap();
    assert_eq!(receiver.try_recv(), Ok(1));
}

#[test]
fn try_recv_after_the_message_was_taken_is_disconnected() {
    let (sender, receiver) = oneshot::channel();
    sender.send("once").unwrap();
    assert_eq!(receiver.try_recv(), Ok("once"));
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn try_recv_after_sender_dropped_is_disconnected() {
    let (sender, receiver) = oneshot::channel::<u8>();
    drop(sender);
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn message_outlives_its_sender() {
    // `send` consumes the sender, so the sender is always gone by the time
    // the message is read: every receive must still return it.
    let (sender, receiver) = oneshot::channel();
    sender.send(String::from("kept")).unwrap();
    assert!(receiver.has_message());
    assert!(!receiver.is_closed());
    assert_eq!(receiver.recv().as_deref(), Ok("kept"));
}

#[test]
fn every_receive_method_returns_a_message_already_sent() {
    let deadline_passed = Instant::now();
    let (s, r) = oneshot::channel();
    s.send(1).unwrap();
    assert_eq!(r.recv(), Ok(1));
    let (s, r) = oneshot::channel();
    s.send(2).unwrap();
    assert_eq!(r.recv_ref(), Ok(2));
    let (s, r) = oneshot::channel();
    s.send(3).unwrap();
    assert_eq!(r.recv_timeout(Duration::ZERO), Ok(3));
    let (s, r) = oneshot::channel();
    s.send(4).unwrap();
    assert_eq!(
        r.recv_deadline(deadline_passed),
        Ok(4),
        "a passed deadline still takes a waiting message"
    );
    let (s, r) = oneshot::channel();
    s.send(5).unwrap();
    assert_eq!(r.try_recv(), Ok(5));
}

#[test]
fn every_receive_method_reports_a_dropped_sender() {
    let deadline_passed = Instant::now();
    let (s, r) = oneshot::channel::<u8>();
    drop(s);
    assert_eq!(r.recv(), Err(RecvError));
    let (s, r) = oneshot::channel::<u8>();
    drop(s);
    assert_eq!(r.recv_ref(), Err(RecvError));
    assert_eq!(r.recv_ref(), Err(RecvError));
    let (s, r) = oneshot::channel::<u8>();
    drop(s);
    assert_eq!(
        r.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(
        r.recv_timeout(Duration::from_secs(3600)),
        Err(RecvTimeoutError::Disconnected)
    );
    let (s, r) = oneshot::channel::<u8>();
    drop(s);
    assert_eq!(
        r.recv_deadline(deadline_passed),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn recv_ref_returns_the_message_once_then_disconnected() {
    let (sender, receiver) = oneshot::channel();
    let worker = thread::spawn(move || sender.send('x').unwrap());
    assert_eq!(receiver.recv_ref(), Ok('x'));
    assert_eq!(receiver.recv_ref(), Err(RecvError));
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        receiver.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(receiver.recv(), Err(RecvError));
    worker.join().unwrap();
}

#[test]
fn recv_waits_for_a_sender_thread() {
    for i in 0..race_iterations(200) {
        let (sender, receiver) = oneshot::channel();
        let worker = thread::spawn(move || sender.send(i).unwrap());
        assert_eq!(receiver.recv(), Ok(i));
        worker.join().unwrap();
    }
}

#[test]
#[cfg_attr(miri, ignore = "sleeps")]
fn recv_blocks_until_a_late_send() {
    let (sender, receiver) = oneshot::channel();
    let worker = thread::spawn(move || {
        thread::sleep(SETTLE);
        sender.send(vec![1, 2, 3]).unwrap();
    });
    assert_eq!(receiver.recv(), Ok(vec![1, 2, 3]));
    worker.join().unwrap();
}

#[test]
fn sender_dropped_on_another_thread_wakes_recv() {
    for _ in 0..race_iterations(200) {
        let (sender, receiver) = oneshot::channel::<u64>();
        let worker = thread::spawn(move || drop(sender));
        assert_eq!(receiver.recv(), Err(RecvError));
        worker.join().unwrap();
    }
}

#[test]
#[cfg_attr(miri, ignore = "sleeps")]
fn sender_dropped_while_receiver_blocks() {
    let (sender, receiver) = oneshot::channel::<u64>();
    let worker = thread::spawn(move || {
        thread::sleep(SETTLE);
        drop(sender);
    });
    assert_eq!(receiver.recv_ref(), Err(RecvError));
    assert!(receiver.is_closed());
    assert!(receiver.is_terminated());
    worker.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "sleeps")]
fn sender_dropped_while_receiver_blocks_with_a_timeout() {
    let (sender, receiver) = oneshot::channel::<u64>();
    let worker = thread::spawn(move || {
        thread::sleep(SETTLE);
        drop(sender);
    });
    assert_eq!(
        receiver.recv_timeout(Duration::from_secs(3600)),
        Err(RecvTimeoutError::Disconnected)
    );
    worker.join().unwrap();
}

#[test]
fn sender_thread_that_panics_disconnects_the_receiver() {
    let (sender, receiver) = oneshot::channel::<u32>();
    let worker = thread::spawn(move || {
        let _sender = sender;
        panic!("the worker fails before answering (expected by this test)");
    });
    assert_eq!(receiver.recv(), Err(RecvError));
    assert!(worker.join().is_err(), "the worker thread panicked");
}

#[test]
fn sender_thread_that_panics_after_sending_still_delivers() {
    let (sender, receiver) = oneshot::channel::<u32>();
    let worker = thread::spawn(move || {
        sender.send(7).unwrap();
        panic!("the worker fails after answering (expected by this test)");
    });
    assert!(worker.join().is_err());
    assert_eq!(receiver.recv(), Ok(7));
}

#[test]
fn recv_timeout_expires_then_succeeds() {
    let (sender, receiver) = oneshot::channel();
    assert_eq!(
        receiver.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    assert!(!receiver.is_terminated());
    sender.send(9).unwrap();
    assert_eq!(receiver.recv_timeout(Duration::from_millis(1)), Ok(9));
    assert!(receiver.is_terminated());
}

#[test]
fn recv_deadline_expires_then_succeeds() {
    let (sender, receiver) = oneshot::channel();
    let soon = Instant::now() + Duration::from_millis(1);
    assert_eq!(receiver.recv_deadline(soon), Err(RecvTimeoutError::Timeout));
    assert_eq!(
        receiver.recv_deadline(soon),
        Err(RecvTimeoutError::Timeout),
        "the deadline stays passed"
    );
    sender.send(9).unwrap();
    assert_eq!(receiver.recv_deadline(soon), Ok(9));
}

#[test]
fn many_timeouts_then_recv_from_a_thread() {
    let (sender, receiver) = oneshot::channel();
    for _ in 0..race_iterations(50) {
        assert_eq!(
            receiver.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(
            receiver.recv_timeout(Duration::from_micros(10)),
            Err(RecvTimeoutError::Timeout)
        );
    }
    let worker = thread::spawn(move || sender.send(1u8).unwrap());
    assert_eq!(receiver.recv(), Ok(1));
    worker.join().unwrap();
}

#[test]
fn recv_timeout_then_sender_dropped() {
    let (sender, receiver) = oneshot::channel::<u8>();
    assert_eq!(
        receiver.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Timeout)
    );
    drop(sender);
    assert_eq!(
        receiver.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Disconnected)
    );
    assert_eq!(receiver.recv(), Err(RecvError));
}

#[test]
fn recv_timeout_racing_a_send_loses_nothing() {
    // Whatever the interleaving, the message is either returned by one of
    // the timed receives or still there for `recv`.
    for i in 0..race_iterations(300) {
        let (sender, receiver) = oneshot::channel();
        let worker = thread::spawn(move || sender.send(i).unwrap());
        let got = loop {
            match receiver.recv_timeout(Duration::from_micros(1)) {
                Ok(value) => break value,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => panic!("message lost in round {i}"),
            }
        };
        assert_eq!(got, i);
        worker.join().unwrap();
    }
}

#[test]
fn recv_timeout_with_a_huge_timeout_does_not_overflow() {
    let (sender, receiver) = oneshot::channel();
    let worker = thread::spawn(move || sender.send(3).unwrap());
    assert_eq!(receiver.recv_timeout(Duration::MAX), Ok(3));
    worker.join().unwrap();
    let (sender, receiver) = oneshot::channel::<u8>();
    drop(sender);
    assert_eq!(
        receiver.recv_timeout(Duration::MAX),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn receiver_moves_to_another_thread() {
    let (sender, receiver) = oneshot::channel();
    let reader = thread::spawn(move || receiver.recv());
    sender.send(Box::new(5)).unwrap();
    assert_eq!(reader.join().unwrap(), Ok(Box::new(5)));
}

#[test]
fn both_ends_move_to_other_threads() {
    let (sender, receiver) = oneshot::channel();
    let reader = thread::spawn(move || receiver.recv_ref());
    let writer = thread::spawn(move || sender.send(String::from("hop")));
    writer.join().unwrap().unwrap();
    assert_eq!(reader.join().unwrap().as_deref(), Ok("hop"));
}

#[test]
fn request_reply_between_threads() {
    // A worker serves requests that each carry their own reply sender.
    let (requests, inbox) = std::sync::mpsc::channel::<(u64, oneshot::Sender<u64>)>();
    let server = thread::spawn(move || {
        for (n, reply) in inbox {
            reply.send(n * n).unwrap();
        }
    });
    for n in 0..race_iterations(100) as u64 {
        let (reply, answer) = oneshot::channel();
        requests.send((n, reply)).unwrap();
        assert_eq!(answer.recv(), Ok(n * n));
    }
    drop(requests);
    server.join().unwrap();
}

#[test]
fn state_queries_follow_the_channel() {
    // Fresh.
    let (sender, receiver) = oneshot::channel();
    assert!(!receiver.has_message());
    assert!(!receiver.is_closed());
    assert!(!receiver.is_terminated());
    // Sent.
    sender.send(1).unwrap();
    assert!(receiver.has_message());
    assert!(
        !receiver.is_closed(),
        "a waiting message keeps the receiver open"
    );
    assert!(!receiver.is_terminated());
    // Taken.
    assert_eq!(receiver.try_recv(), Ok(1));
    assert!(!receiver.has_message());
    assert!(receiver.is_closed());
    assert!(receiver.is_terminated());

    // Sender dropped: closed at once, terminated only after a receive saw it.
    let (sender, receiver) = oneshot::channel::<u8>();
    drop(sender);
    assert!(!receiver.has_message());
    assert!(receiver.is_closed());
    assert!(!receiver.is_terminated());
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert!(receiver.is_terminated());
}

#[test]
fn empty_try_recv_does_not_terminate() {
    let (_sender, receiver) = oneshot::channel::<u8>();
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        receiver.recv_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(!receiver.is_terminated());
    assert!(!receiver.is_closed());
}

#[test]
fn many_channels_across_threads() {
    let rounds = race_iterations(1000);
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..rounds).map(|_| oneshot::channel()).unzip();
    let writer = thread::spawn(move || {
        for (i, sender) in senders.into_iter().enumerate() {
            sender.send(i).unwrap();
        }
    });
    for (i, receiver) in receivers.into_iter().enumerate() {
        assert_eq!(receiver.recv(), Ok(i));
    }
    writer.join().unwrap();
}

#[test]
fn receive_from_a_thread_local_destructor() {
    // A blocking receive may run while the thread's own thread-locals are
    // being torn down (the crate may keep its thread waker in one); it must
    // neither panic nor miss the wake-up.
    struct ReceiveOnDrop {
        channel: Option<(oneshot::Sender<u8>, oneshot::Receiver<u8>)>,
        report: std::sync::mpsc::Sender<String>,
    }
    impl Drop for ReceiveOnDrop {
        fn drop(&mut self) {
            let (sender, receiver) = self.channel.take().unwrap();
            let timed_out = receiver.recv_timeout(Duration::ZERO);
            let helper = thread::spawn(move || sender.send(4).unwrap());
            // Bounded so that a lost wake-up fails the test instead of
            // hanging it.
            let value = receiver.recv_timeout(Duration::from_secs(60));
            helper.join().unwrap();
            self.report
                .send(format!("{timed_out:?} {value:?}"))
                .unwrap();
        }
    }
    thread_local! {
        static GUARD: std::cell::RefCell<Option<ReceiveOnDrop>> =
            const { std::cell::RefCell::new(None) };
    }
    let (report, reports) = std::sync::mpsc::channel();
    let worker = thread::spawn(move || {
        // Initialise the crate's own thread-local waker (if any) first, so
        // that it may be destroyed before ours.
        let (_s, r) = oneshot::channel::<u8>();
        assert_eq!(
            r.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        let guard = ReceiveOnDrop {
            channel: Some(oneshot::channel()),
            report,
        };
        GUARD.with(|slot| *slot.borrow_mut() = Some(guard));
    });
    worker.join().unwrap();
    assert_eq!(reports.recv().unwrap(), "Err(Timeout) Ok(4)");
}

#[test]
fn recv_timeout_racing_a_sender_drop() {
    for round in 0..race_iterations(300) {
        let (sender, receiver) = oneshot::channel::<u8>();
        let worker = thread::spawn(move || drop(sender));
        loop {
            match receiver.recv_timeout(Duration::from_micros(1)) {
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
                Ok(value) => panic!("round {round}: received {value} from nobody"),
            }
        }
        worker.join().unwrap();
    }
}
