//! `mpmc`: threads and tasks waiting on one channel at the same time.
//!
//! * Senders blocked in `send` and pending in `send_async` on one full
//!   channel; receivers blocked in `recv` and pending in `recv_async` on one
//!   empty channel: every one completes, nothing is lost or duplicated.
//! * Waiters on each side are woken in arrival order, whatever their kind.
//! * Many senders and receivers of both kinds on std threads.

#![cfg(not(loom))]

use std::pin::pin;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use mpmc::{Receiver, RecvError, Sender};
use oneshot_tests::{
    block_on, join_within, poll_pinned, CountingWaker, Ledger, ThreadProbe, Watchdog, HANG_LIMIT,
};

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

/// Spawns `op` on a thread and returns once the thread is parked in it.
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

/// Polls until `waker` has been woken at least `n` times, failing after the
/// hang limit (wake-ups may come from another thread).
fn wait_for_wakes(waker: &CountingWaker, n: usize, what: &str) {
    let deadline = std::time::Instant::now() + HANG_LIMIT;
    while waker.wakes() < n {
        assert!(std::time::Instant::now() < deadline, "{what}: never woken");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn blocked_and_pending_senders_on_one_full_channel() {
    let _watchdog = Watchdog::new("blocked_and_pending_senders", HANG_LIMIT);
    for cap in [0, 1, 3] {
        let (tx, rx) = mpmc::bounded::<usize>(cap);
        for i in 0..cap {
            tx.send(i).unwrap();
        }
        let waker = CountingWaker::new();
        let mut futs: Vec<_> = (0..3).map(|k| Box::pin(tx.send_async(100 + k))).collect();
        let mut threads = Vec::new();
        for (k, fut) in futs.iter_mut().enumerate() {
            assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
            let tx = tx.clone();
            threads.push(blocked(move || tx.send(200 + k)));
        }
        // Receive everything: the futures are polled whenever woken.
        let mut got = Vec::new();
        let mut done = [false; 3];
        while got.len() < cap + 6 {
            match rx.recv_timeout(Duration::from_millis(1)) {
                Ok(v) => got.push(v),
                Err(mpmc::RecvTimeoutError::Timeout) => {}
                Err(e) => panic!("cap {cap}: {e:?}"),
            }
            for (fut, done) in futs.iter_mut().zip(&mut done) {
                if !*done {
                    if let Poll::Ready(result) = poll_pinned(fut.as_mut(), &waker.waker()) {
                        assert_eq!(result, Ok(()));
                        *done = true;
                    }
                }
            }
            assert!(
                got.len() <= cap + 6,
                "cap {cap}: more messages than were sent: {got:?}"
            );
        }
        for t in threads {
            assert_eq!(join_within(t, HANG_LIMIT, "blocked sender"), Ok(()));
        }
        assert_eq!(done, [true; 3], "cap {cap}: a pending send never completed");
        got.sort_unstable();
        let mut expected: Vec<usize> = (0..cap).chain(100..103).chain(200..203).collect();
        expected.sort_unstable();
        assert_eq!(got, expected, "cap {cap}");
    }
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn blocked_and_pending_receivers_on_one_empty_channel() {
    let _watchdog = Watchdog::new("blocked_and_pending_receivers", HANG_LIMIT);
    for cap in [Some(0), Some(1), Some(4), None] {
        let (tx, rx) = channel::<usize>(cap);
        let waker = CountingWaker::new();
        let mut futs: Vec<_> = (0..3).map(|_| Box::pin(rx.recv_async())).collect();
        let mut threads = Vec::new();
        for fut in &mut futs {
            assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
            let rx = rx.clone();
            threads.push(blocked(move || rx.recv()));
        }
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..6 {
                    tx.send(i).unwrap();
                }
            })
        };
        let mut got = Vec::new();
        let mut done = [false; 3];
        let deadline = std::time::Instant::now() + HANG_LIMIT;
        while done != [true; 3] {
            assert!(
                std::time::Instant::now() < deadline,
                "{cap:?}: a future never completed"
            );
            for (fut, done) in futs.iter_mut().zip(&mut done) {
                if !*done {
                    if let Poll::Ready(result) = poll_pinned(fut.as_mut(), &waker.waker()) {
                        got.push(result.unwrap());
                        *done = true;
                    }
                }
            }
            thread::sleep(Duration::from_millis(1));
        }
        join_within(sender, HANG_LIMIT, "sender");
        for t in threads {
            got.push(join_within(t, HANG_LIMIT, "blocked receiver").unwrap());
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2, 3, 4, 5], "{cap:?}");
        drop(tx);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn receivers_are_woken_in_arrival_order_whatever_their_kind() {
    let _watchdog = Watchdog::new("receivers_fifo", HANG_LIMIT);
    for cap in [Some(0), Some(1), Some(4), None] {
        let (tx, rx) = channel::<usize>(cap);
        let (wa, wb) = (CountingWaker::new(), CountingWaker::new());
        // Arrival order: task A, thread T, task B.
        let mut a = pin!(rx.recv_async());
        assert!(poll_pinned(a.as_mut(), &wa.waker()).is_pending());
        let rx_t = rx.clone();
        let t = blocked(move || rx_t.recv());
        let mut b = pin!(rx.recv_async());
        assert!(poll_pinned(b.as_mut(), &wb.waker()).is_pending());
        // With capacity 0 each send waits for its taker, so it runs on a thread.
        let send = |value: usize| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(value))
        };

        let s1 = send(1);
        wait_for_wakes(&wa, 1, "first task");
        thread::sleep(Duration::from_millis(10));
        assert!(
            !t.is_finished(),
            "{cap:?}: the thread overtook the first task"
        );
        assert_eq!(wb.wakes(), 0, "{cap:?}: the last task woken first");
        assert_eq!(poll_pinned(a, &wa.waker()), Poll::Ready(Ok(1)));
        assert_eq!(join_within(s1, HANG_LIMIT, "send 1"), Ok(()));

        let s2 = send(2);
        assert_eq!(
            join_within(t, HANG_LIMIT, "the thread, second in line"),
            Ok(2)
        );
        assert_eq!(join_within(s2, HANG_LIMIT, "send 2"), Ok(()));
        assert_eq!(
            wb.wakes(),
            0,
            "{cap:?}: the last task woken before its turn"
        );

        let s3 = send(3);
        wait_for_wakes(&wb, 1, "last task");
        assert_eq!(poll_pinned(b, &wb.waker()), Poll::Ready(Ok(3)));
        assert_eq!(join_within(s3, HANG_LIMIT, "send 3"), Ok(()));
    }
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc
fn senders_are_woken_in_arrival_order_whatever_their_kind() {
    let _watchdog = Watchdog::new("senders_fifo", HANG_LIMIT);
    for cap in [0, 1, 2] {
        let (tx, rx) = mpmc::bounded::<usize>(cap);
        for i in 0..cap {
            tx.send(i).unwrap();
        }
        let (wa, wb) = (CountingWaker::new(), CountingWaker::new());
        // Arrival order: task A, thread T, task B.
        let mut a = pin!(tx.send_async(100));
        assert!(poll_pinned(a.as_mut(), &wa.waker()).is_pending());
        let tx_t = tx.clone();
        let t = blocked(move || tx_t.send(200));
        let mut b = pin!(tx.send_async(300));
        assert!(poll_pinned(b.as_mut(), &wb.waker()).is_pending());

        let mut got: Vec<usize> = Vec::new();
        let (mut a_done, mut b_done) = (false, false);
        let (mut seen_a, mut seen_b) = (0, 0);
        // Drain what was queued first: each receive makes room for one.
        for i in 0..cap {
            got.push(rx.recv().unwrap());
            if i == 0 {
                wait_for_wakes(&wa, 1, "first task");
            }
        }
        if cap > 0 {
            thread::sleep(Duration::from_millis(10));
            if cap == 1 {
                assert!(
                    !t.is_finished(),
                    "cap {cap}: the thread overtook the woken first task"
                );
            }
            assert_eq!(
                wb.wakes(),
                0,
                "cap {cap}: the last task woken before its turn"
            );
            assert_eq!(poll_pinned(a.as_mut(), &wa.waker()), Poll::Ready(Ok(())));
            a_done = true;
            seen_a = wa.wakes();
        }
        // The rest (with cap 0 taken from the waiting senders themselves).
        while got.len() < cap + 3 {
            match rx.recv_timeout(Duration::from_millis(1)) {
                Ok(v) => got.push(v),
                Err(mpmc::RecvTimeoutError::Timeout) => {}
                Err(e) => panic!("{e:?}"),
            }
            // Like an executor: poll a future only when it was woken.
            if !a_done && wa.wakes() > seen_a {
                seen_a = wa.wakes();
                a_done = poll_pinned(a.as_mut(), &wa.waker()).is_ready();
            }
            if !b_done && wb.wakes() > seen_b {
                seen_b = wb.wakes();
                b_done = poll_pinned(b.as_mut(), &wb.waker()).is_ready();
            }
        }
        assert_eq!(join_within(t, HANG_LIMIT, "thread sender"), Ok(()));
        assert!(a_done || poll_pinned(a, &wa.waker()).is_ready());
        assert!(b_done || poll_pinned(b, &wb.waker()).is_ready());
        assert_eq!(&got[..cap], (0..cap).collect::<Vec<_>>());
        if cap <= 1 {
            // One room at a time: served strictly in arrival order.
            assert_eq!(
                &got[cap..],
                [100, 200, 300],
                "cap {cap}: not served in arrival order"
            );
        } else {
            // A and T were woken together and may run in either order; B
            // was not woken until a third room, so it comes last.
            let mut middle = got[cap..cap + 2].to_vec();
            middle.sort_unstable();
            assert_eq!(
                (middle.as_slice(), got[cap + 2]),
                (&[100, 200][..], 300),
                "cap {cap}"
            );
        }
    }
}

#[test]
fn many_threads_mixing_blocking_and_async_on_both_sides() {
    let _watchdog = Watchdog::new("many_threads_mixing", HANG_LIMIT);
    let per = if cfg!(miri) { 12 } else { 1000 };
    for cap in [Some(0), Some(1), Some(5), None] {
        let ledger = Ledger::new(4 * per);
        let (tx, rx) = channel(cap);
        let senders: Vec<_> = (0..4)
            .map(|s| {
                let (tx, ledger) = (tx.clone(), ledger.clone());
                thread::spawn(move || {
                    for i in 0..per {
                        let msg = ledger.msg(s * per + i);
                        match (s + i) % 4 {
                            0 => tx.send(msg).unwrap(),
                            1 => block_on(tx.send_async(msg)).unwrap(),
                            2 => tx.send_timeout(msg, HANG_LIMIT).unwrap(),
                            _ => match tx.try_send(msg) {
                                Ok(()) => {}
                                Err(mpmc::TrySendError::Full(back)) => {
                                    block_on(tx.send_async(back)).unwrap();
                                }
                                Err(e) => panic!("{e:?}"),
                            },
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let receivers: Vec<_> = (0..4)
            .map(|r| {
                let rx = rx.clone();
                thread::spawn(move || {
                    let mut ids = Vec::new();
                    let mut turn = r;
                    loop {
                        turn += 1;
                        let next = match turn % 3 {
                            0 => rx.recv(),
                            1 => block_on(rx.recv_async()),
                            _ => rx.recv_timeout(HANG_LIMIT).map_err(|e| match e {
                                mpmc::RecvTimeoutError::Disconnected => RecvError,
                                mpmc::RecvTimeoutError::Timeout => panic!("hung"),
                            }),
                        };
                        match next {
                            Ok(m) => ids.push(m.id()),
                            Err(RecvError) => return ids,
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        for s in senders {
            join_within(s, HANG_LIMIT, "sender");
        }
        let mut all = Vec::new();
        for r in receivers {
            let ids = join_within(r, HANG_LIMIT, "receiver");
            for s in 0..4 {
                let mine: Vec<_> = ids.iter().filter(|&&id| id / per == s).collect();
                assert!(
                    mine.windows(2).all(|w| w[0] < w[1]),
                    "{cap:?}: a sender's order broke"
                );
            }
            all.extend(ids);
        }
        all.sort_unstable();
        assert_eq!(all, (0..4 * per).collect::<Vec<_>>(), "{cap:?}");
        ledger.assert_first_dropped_once(4 * per);
    }
}
