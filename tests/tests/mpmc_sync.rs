//! `mpmc`: the non-blocking and thread-blocking operations on one thread or a
//! few: capacities 0/1/N/unbounded, `len`/`is_empty`/`is_full`/`capacity`,
//! the handle counts, `same_channel`, the timeouts and deadlines, the
//! iterators, ZST and 8 KiB messages, and the error values.
//!
//! Disconnection and close are in `mpmc_disconnect.rs`, drop accounting in
//! `mpmc_drop_accounting.rs`, the futures in `mpmc_async.rs`.

#![cfg(not(loom))]

use std::thread;
use std::time::{Duration, Instant};

use mpmc::{RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use oneshot_tests::{
    join_within, zst_drops, DropCounter, ThreadProbe, Watchdog, ZstToken, HANG_LIMIT,
};

const fn count(native: usize) -> usize {
    if cfg!(miri) {
        if native < 40 {
            native
        } else {
            40
        }
    } else {
        native
    }
}

#[test]
fn bounded_capacity_len_and_fullness() {
    for cap in [1, 2, 7] {
        let (tx, rx) = mpmc::bounded::<usize>(cap);
        assert_eq!(tx.capacity(), Some(cap));
        assert_eq!(rx.capacity(), Some(cap));
        assert!(tx.is_empty() && rx.is_empty());
        assert!(!tx.is_full() && !rx.is_full());
        for i in 0..cap {
            assert_eq!(tx.len(), i);
            assert_eq!(rx.len(), i);
            tx.try_send(i).unwrap();
        }
        assert!(tx.is_full() && rx.is_full(), "cap {cap}");
        assert!(!tx.is_empty());
        assert_eq!(tx.len(), cap);
        assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
        assert_eq!(rx.len(), cap, "a failed try_send changed len");
        for i in 0..cap {
            assert_eq!(rx.try_recv(), Ok(i), "cap {cap}: FIFO");
            assert!(!rx.is_full());
        }
        assert!(rx.is_empty());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn bounded_wraps_around_many_times() {
    let (tx, rx) = mpmc::bounded::<usize>(3);
    let mut next = 0;
    for round in 0..count(1000) {
        let batch = round % 3 + 1;
        for k in 0..batch {
            tx.try_send(round * 10 + k).unwrap();
        }
        for k in 0..batch {
            assert_eq!(rx.try_recv(), Ok(round * 10 + k));
        }
        next += batch;
        assert!(rx.is_empty());
    }
    assert!(next > 0);
}

#[test]
fn unbounded_is_never_full_and_keeps_order() {
    let (tx, rx) = mpmc::unbounded::<usize>();
    assert_eq!(tx.capacity(), None);
    assert_eq!(rx.capacity(), None);
    let n = count(5000);
    for i in 0..n {
        assert!(!tx.is_full());
        tx.try_send(i).unwrap();
        tx.send(n + i).unwrap();
    }
    assert_eq!(rx.len(), 2 * n);
    assert!(!rx.is_full() && !rx.is_empty());
    for i in 0..n {
        assert_eq!(rx.recv(), Ok(i));
        assert_eq!(rx.try_recv(), Ok(n + i));
    }
    assert!(rx.is_empty());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn rendezvous_has_capacity_zero_and_nothing_to_try() {
    let (tx, rx) = mpmc::bounded::<u8>(0);
    assert_eq!(tx.capacity(), Some(0));
    assert_eq!(rx.capacity(), Some(0));
    assert_eq!(tx.len(), 0);
    assert!(tx.is_empty());
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.len(), 0, "a failed rendezvous try_send left something");
}

#[test]
fn counts_follow_clones_and_drops() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
    let tx2 = tx.clone();
    let tx3 = tx2.clone();
    let rx2 = rx.clone();
    assert_eq!((rx.sender_count(), rx.receiver_count()), (3, 2));
    assert_eq!((tx3.sender_count(), tx3.receiver_count()), (3, 2));
    drop(tx2);
    assert_eq!(rx2.sender_count(), 2);
    drop(rx);
    assert_eq!(tx.receiver_count(), 1);
    drop(tx3);
    assert_eq!((tx.sender_count(), rx2.receiver_count()), (1, 1));
    drop(rx2);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 0));
}

#[test]
fn same_channel_tells_clones_from_others() {
    let (tx, rx) = mpmc::unbounded::<u8>();
    let (other_tx, other_rx) = mpmc::unbounded::<u8>();
    assert!(tx.same_channel(&tx.clone()));
    assert!(rx.same_channel(&rx.clone()));
    assert!(!tx.same_channel(&other_tx));
    assert!(!rx.same_channel(&other_rx));
    let (z_tx, _z_rx) = mpmc::bounded::<u8>(0);
    assert!(z_tx.same_channel(&z_tx.clone()));
    assert!(!z_tx.same_channel(&tx));
}

#[test]
fn send_blocks_while_full_until_a_receive_makes_room() {
    let _watchdog = Watchdog::new("send_blocks_while_full", HANG_LIMIT);
    for cap in [1, 3] {
        let (tx, rx) = mpmc::bounded::<usize>(cap);
        for i in 0..cap {
            tx.send(i).unwrap();
        }
        let (probe_tx, probe_rx) = std::sync::mpsc::channel();
        let sender = thread::spawn(move || {
            probe_tx.send(ThreadProbe::current()).unwrap();
            tx.send(cap).unwrap();
            tx
        });
        probe_rx.recv().unwrap().wait_parked(HANG_LIMIT);
        assert!(!sender.is_finished(), "send returned on a full channel");
        assert_eq!(rx.len(), cap);
        assert_eq!(rx.recv(), Ok(0));
        let tx = join_within(sender, HANG_LIMIT, "blocked send after a receive");
        for i in 1..=cap {
            assert_eq!(rx.recv(), Ok(i));
        }
        assert!(tx.is_empty());
    }
}

#[test]
fn recv_blocks_until_a_send() {
    let _watchdog = Watchdog::new("recv_blocks_until_a_send", HANG_LIMIT);
    for cap in [Some(0), Some(1), Some(4), None] {
        let (tx, rx) = match cap {
            Some(cap) => mpmc::bounded::<String>(cap),
            None => mpmc::unbounded(),
        };
        let (probe_tx, probe_rx) = std::sync::mpsc::channel();
        let receiver = thread::spawn(move || {
            probe_tx.send(ThreadProbe::current()).unwrap();
            rx.recv()
        });
        probe_rx.recv().unwrap().wait_parked(HANG_LIMIT);
        assert!(!receiver.is_finished(), "recv returned on an empty channel");
        tx.send(format!("{cap:?}")).unwrap();
        let got = join_within(receiver, HANG_LIMIT, "blocked recv after a send");
        assert_eq!(got, Ok(format!("{cap:?}")));
    }
}

#[test]
fn blocking_ping_pong_between_two_threads() {
    let _watchdog = Watchdog::new("blocking_ping_pong", HANG_LIMIT);
    for cap in [0, 1, 2] {
        let (ping_tx, ping_rx) = mpmc::bounded::<usize>(cap);
        let (pong_tx, pong_rx) = mpmc::bounded::<usize>(cap);
        let n = count(2000);
        let echo = thread::spawn(move || {
            for value in ping_rx.iter() {
                pong_tx.send(value + 1).unwrap();
            }
        });
        for i in 0..n {
            ping_tx.send(i).unwrap();
            assert_eq!(pong_rx.recv(), Ok(i + 1), "cap {cap}");
        }
        drop(ping_tx);
        join_within(echo, HANG_LIMIT, "echo thread");
        assert_eq!(pong_rx.recv(), Err(RecvError));
    }
}

#[test]
#[cfg_attr(miri, ignore)] // real time
fn recv_timeout_and_deadline_time_out_on_an_empty_channel() {
    for cap in [Some(0), Some(2), None] {
        let (tx, rx) = match cap {
            Some(cap) => mpmc::bounded::<u8>(cap),
            None => mpmc::unbounded(),
        };
        let start = Instant::now();
        assert_eq!(
            rx.recv_timeout(Duration::from_millis(30)),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(
            start.elapsed() >= Duration::from_millis(30),
            "returned early"
        );
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Timeout));
        assert!(Instant::now() >= deadline, "returned before the deadline");
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(
            rx.recv_deadline(Instant::now() - Duration::from_millis(1)),
            Err(RecvTimeoutError::Timeout)
        );
        // The channel still works after the timeouts.
        if cap != Some(0) {
            tx.send(5).unwrap();
            assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(5));
            tx.send(6).unwrap();
            assert_eq!(rx.recv_deadline(Instant::now()), Ok(6));
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)] // real time
fn send_timeout_and_deadline_time_out_on_a_full_channel_with_the_message_back() {
    for cap in [0, 1, 3] {
        let (tx, rx) = mpmc::bounded::<String>(cap);
        for i in 0..cap {
            tx.send(i.to_string()).unwrap();
        }
        let start = Instant::now();
        let err = tx
            .send_timeout("late".to_owned(), Duration::from_millis(30))
            .unwrap_err();
        assert!(
            start.elapsed() >= Duration::from_millis(30),
            "returned early"
        );
        assert!(err.is_timeout() && !err.is_disconnected());
        assert_eq!(err, SendTimeoutError::Timeout("late".to_owned()));
        assert_eq!(err.into_inner(), "late");
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(
            tx.send_deadline("later".to_owned(), deadline),
            Err(SendTimeoutError::Timeout("later".to_owned()))
        );
        assert!(Instant::now() >= deadline);
        assert_eq!(
            tx.send_timeout("now".to_owned(), Duration::ZERO),
            Err(SendTimeoutError::Timeout("now".to_owned()))
        );
        assert_eq!(rx.len(), cap, "a timed-out send left its message");
        for i in 0..cap {
            assert_eq!(rx.try_recv(), Ok(i.to_string()));
        }
        if cap > 0 {
            // Room now: a zero timeout or a past deadline still succeeds.
            tx.send_timeout("a".to_owned(), Duration::ZERO).unwrap();
            assert_eq!(rx.try_recv().as_deref(), Ok("a"));
            tx.send_deadline("b".to_owned(), Instant::now() - Duration::from_millis(1))
                .unwrap_or_else(|e| panic!("cap {cap}: past deadline with room: {e:?}"));
            assert_eq!(rx.try_recv().as_deref(), Ok("b"));
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)] // real time
fn timeouts_succeed_when_the_other_side_comes_in_time() {
    let _watchdog = Watchdog::new("timeouts_succeed", HANG_LIMIT);
    for cap in [0, 1] {
        let (tx, rx) = mpmc::bounded::<usize>(cap);
        let receiver = thread::spawn(move || rx.recv_timeout(HANG_LIMIT));
        thread::sleep(Duration::from_millis(20));
        tx.send_timeout(7, HANG_LIMIT).unwrap();
        assert_eq!(join_within(receiver, HANG_LIMIT, "recv_timeout"), Ok(7));

        let (tx, rx) = mpmc::bounded::<usize>(cap);
        if cap == 1 {
            tx.send(0).unwrap();
        }
        let sender = thread::spawn(move || tx.send_deadline(8, Instant::now() + HANG_LIMIT));
        thread::sleep(Duration::from_millis(20));
        if cap == 1 {
            assert_eq!(rx.recv(), Ok(0));
        }
        assert_eq!(rx.recv_deadline(Instant::now() + HANG_LIMIT), Ok(8));
        assert_eq!(join_within(sender, HANG_LIMIT, "send_deadline"), Ok(()));
    }
}

#[test]
fn iterators_drain_and_end() {
    let _watchdog = Watchdog::new("iterators_drain_and_end", HANG_LIMIT);
    let (tx, rx) = mpmc::unbounded::<usize>();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    // try_iter stops at empty without waiting for a disconnect.
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(rx.try_iter().next(), None);
    tx.send(5).unwrap();
    tx.send(6).unwrap();
    let tx2 = tx.clone();
    drop(tx);
    let feeder = thread::spawn(move || {
        tx2.send(7).unwrap();
    });
    // iter blocks until every sender is gone, then ends.
    assert_eq!(rx.iter().collect::<Vec<_>>(), [5, 6, 7]);
    join_within(feeder, HANG_LIMIT, "feeder");
    assert_eq!(rx.iter().next(), None);

    let (tx, rx) = mpmc::bounded::<u8>(4);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    drop(tx);
    let mut by_ref = Vec::new();
    for value in &rx {
        by_ref.push(value);
    }
    assert_eq!(by_ref, [1, 2]);

    let (tx, rx) = mpmc::bounded::<u8>(4);
    tx.send(3).unwrap();
    drop(tx);
    assert_eq!(rx.into_iter().collect::<Vec<_>>(), [3]);
}

#[test]
fn zero_sized_messages_are_counted_and_dropped() {
    const SLOT: usize = 20;
    {
        let (tx, rx) = mpmc::bounded::<ZstToken<SLOT>>(3);
        for _ in 0..3 {
            tx.try_send(ZstToken).unwrap();
        }
        assert!(tx.is_full());
        assert_eq!(tx.len(), 3);
        let back = tx.try_send(ZstToken).unwrap_err().into_inner();
        drop(back);
        assert_eq!(zst_drops::<SLOT>(), 1);
        drop(rx.try_recv().unwrap());
        assert_eq!(zst_drops::<SLOT>(), 2);
        assert_eq!(rx.len(), 2);
        // Two are still queued and go with the channel.
    }
    assert_eq!(zst_drops::<SLOT>(), 4);
    let (tx, rx) = mpmc::unbounded::<()>();
    let n = count(10_000);
    for _ in 0..n {
        tx.send(()).unwrap();
    }
    assert_eq!(rx.len(), n);
    assert_eq!(rx.try_iter().count(), n);
    assert!(rx.is_empty());
}

type Big = [u8; 8192];

fn big(fill: u8) -> Big {
    [fill; 8192]
}

#[test]
fn eight_kib_messages_arrive_whole() {
    let _watchdog = Watchdog::new("eight_kib_messages", HANG_LIMIT);
    let counter = DropCounter::new();
    for cap in [Some(0), Some(1), Some(3), None] {
        let (tx, rx) = match cap {
            Some(cap) => mpmc::bounded(cap),
            None => mpmc::unbounded(),
        };
        let n = if cfg!(miri) { 6 } else { 200 };
        let maker = counter.clone();
        let sender = thread::spawn(move || {
            for i in 0..n {
                tx.send(maker.track(big(i as u8))).unwrap();
            }
        });
        for i in 0..n {
            let message = rx.recv().unwrap();
            assert!(
                message.payload().iter().all(|&b| b == i as u8),
                "cap {cap:?}: message {i} torn or out of order"
            );
        }
        join_within(sender, HANG_LIMIT, "8 KiB sender");
        assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Disconnected);
    }
    assert_eq!(counter.alive(), 0);
}

#[test]
fn error_values() {
    let err = SendError("m".to_owned());
    assert_eq!(err.0, "m");
    assert_eq!(err.clone().into_inner(), "m");
    assert!(!err.to_string().is_empty());
    assert!(!format!("{err:?}").is_empty());

    let full = TrySendError::Full(1_u8);
    assert!(full.is_full() && !full.is_disconnected());
    assert_eq!(full.into_inner(), 1);
    let gone = TrySendError::Disconnected(2_u8);
    assert!(gone.is_disconnected() && !gone.is_full());
    assert_eq!(gone.into_inner(), 2);
    assert_ne!(full.to_string(), gone.to_string());
    assert_eq!(
        TrySendError::from(SendError(3_u8)),
        TrySendError::Disconnected(3)
    );

    let timeout = SendTimeoutError::Timeout(4_u8);
    assert!(timeout.is_timeout() && !timeout.is_disconnected());
    assert_eq!(timeout.into_inner(), 4);
    let gone = SendTimeoutError::Disconnected(5_u8);
    assert!(gone.is_disconnected() && !gone.is_timeout());
    assert_eq!(gone.into_inner(), 5);
    assert_ne!(timeout.to_string(), gone.to_string());
    assert_eq!(
        SendTimeoutError::from(SendError(6_u8)),
        SendTimeoutError::Disconnected(6)
    );

    assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
    assert_eq!(
        RecvTimeoutError::from(RecvError),
        RecvTimeoutError::Disconnected
    );
    assert_ne!(
        TryRecvError::Empty.to_string(),
        TryRecvError::Disconnected.to_string()
    );
    assert_ne!(
        RecvTimeoutError::Timeout.to_string(),
        RecvTimeoutError::Disconnected.to_string()
    );
    assert!(!RecvError.to_string().is_empty());

    // As `dyn Error`, with and without a payload that is `Debug`.
    struct Opaque;
    let errors: Vec<Box<dyn std::error::Error>> = vec![
        Box::new(RecvError),
        Box::new(TryRecvError::Empty),
        Box::new(RecvTimeoutError::Timeout),
        Box::new(SendError(1_u8)),
        Box::new(TrySendError::Full(1_u8)),
        Box::new(SendTimeoutError::Timeout(1_u8)),
    ];
    for error in &errors {
        assert!(!error.to_string().is_empty());
    }
    assert!(!format!("{:?}", SendError(Opaque)).is_empty());
    assert!(!format!("{:?}", TrySendError::Full(Opaque)).is_empty());
    assert!(!format!("{:?}", SendTimeoutError::Timeout(Opaque)).is_empty());
}
