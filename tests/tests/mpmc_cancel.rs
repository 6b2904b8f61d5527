//! `mpmc`: cancel safety.
//!
//! * `recv_async` takes a message only in a poll that returns it: dropping a
//!   pending `RecvFuture` loses nothing, and a wake-up it had received passes
//!   to another waiting receiver, thread or task.
//! * Dropping a pending `SendFuture` never sends half a message: either the
//!   send completed or the message is dropped with the future; `cancel`
//!   hands it back (`None` if it was delivered), and a wake-up for room
//!   passes to the next waiting sender.
//! * `tokio::time::timeout` around either future and `tokio::select!` loops
//!   that cancel receives and sends account for every message.

#![cfg(not(loom))]

use std::collections::HashSet;
use std::pin::pin;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use mpmc::{Receiver, Sender, TryRecvError};
use oneshot_tests::{
    join_within, poll_pinned, CountingWaker, DropCounter, Ledger, LedgerMsg, ThreadProbe, Watchdog,
    HANG_LIMIT,
};

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

#[test]
fn dropping_a_pending_recv_future_loses_nothing() {
    for cap in [Some(1), Some(3), None] {
        let (tx, rx) = channel(cap);
        let waker = CountingWaker::new();
        {
            let mut fut = pin!(rx.recv_async());
            assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        }
        assert_eq!(waker.live(), 0, "{cap:?}: a dropped future left its waker");
        tx.send(1).unwrap();
        assert_eq!(waker.wakes(), 0, "{cap:?}: a dropped future was woken");
        assert_eq!(rx.try_recv(), Ok(1));

        // Woken, then dropped without being polled: the message stays.
        let mut fut = Box::pin(rx.recv_async());
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        tx.send(2).unwrap();
        assert_eq!(waker.wakes(), 1);
        drop(fut);
        assert_eq!(
            rx.try_recv(),
            Ok(2),
            "{cap:?}: a woken, dropped future took the message"
        );
    }
}

#[test]
fn a_woken_recv_future_that_is_dropped_passes_the_wake_up_to_the_next_task() {
    for cap in [Some(0), Some(1), Some(4), None] {
        let (tx, rx) = channel::<u8>(cap);
        let (first, second, third) = (
            CountingWaker::new(),
            CountingWaker::new(),
            CountingWaker::new(),
        );
        let mut a = Box::pin(rx.recv_async());
        let mut b = pin!(rx.recv_async());
        let mut c = pin!(rx.recv_async());
        assert!(poll_pinned(a.as_mut(), &first.waker()).is_pending());
        assert!(poll_pinned(b.as_mut(), &second.waker()).is_pending());
        assert!(poll_pinned(c.as_mut(), &third.waker()).is_pending());
        let send_waker = CountingWaker::new();
        let mut send = pin!(tx.send_async(7));
        let sent_at_once = poll_pinned(send.as_mut(), &send_waker.waker()).is_ready();
        assert_eq!(
            first.wakes(),
            1,
            "{cap:?}: the first waiter not woken (FIFO)"
        );
        assert_eq!(second.wakes(), 0, "{cap:?}: one message woke two waiters");
        drop(a);
        assert_eq!(
            second.wakes(),
            1,
            "{cap:?}: the dropped future's wake-up was lost"
        );
        assert_eq!(third.wakes(), 0);
        assert_eq!(poll_pinned(b, &second.waker()), Poll::Ready(Ok(7)));
        if !sent_at_once {
            assert_eq!(poll_pinned(send, &send_waker.waker()), Poll::Ready(Ok(())));
        }
        assert!(poll_pinned(c.as_mut(), &third.waker()).is_pending());
        tx.close();
        assert_eq!(
            poll_pinned(c, &third.waker()),
            Poll::Ready(Err(mpmc::RecvError))
        );
    }
}

#[test]
#[cfg_attr(miri, ignore)] // reads /proc and sleeps
fn a_woken_recv_future_that_is_dropped_passes_the_wake_up_to_a_blocked_thread() {
    let _watchdog = Watchdog::new("wake_up_to_a_blocked_thread", HANG_LIMIT);
    for cap in [Some(0), Some(1), None] {
        for timeout in [false, true] {
            let (tx, rx) = channel::<u8>(cap);
            let waker = CountingWaker::new();
            let mut fut = Box::pin(rx.recv_async());
            assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
            let (probe_tx, probe_rx) = std::sync::mpsc::channel();
            let rx2 = rx.clone();
            let thread = thread::spawn(move || {
                probe_tx.send(ThreadProbe::current()).unwrap();
                if timeout {
                    rx2.recv_timeout(HANG_LIMIT).ok()
                } else {
                    rx2.recv().ok()
                }
            });
            let probe = probe_rx.recv().unwrap();
            probe.wait_parked(HANG_LIMIT);
            // A clone: the last sender's drop would wake every receiver.
            let tx2 = tx.clone();
            let sender = thread::spawn(move || tx2.send(5));
            // The future arrived first, so it is the one woken.
            let deadline = std::time::Instant::now() + HANG_LIMIT;
            while waker.wakes() == 0 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{cap:?}: the future never woken"
                );
                thread::sleep(Duration::from_millis(1));
            }
            thread::sleep(Duration::from_millis(10));
            assert!(
                !thread.is_finished(),
                "{cap:?}: one message woke both waiters, or the thread overtook the woken future"
            );
            drop(fut);
            let what = format!("{cap:?} timeout={timeout}");
            assert_eq!(join_within(thread, HANG_LIMIT, &what), Some(5), "{what}");
            assert_eq!(join_within(sender, HANG_LIMIT, &what), Ok(()));
            drop(tx);
        }
    }
}

#[test]
fn several_woken_recv_futures_dropped_pass_every_wake_up_on() {
    let (tx, rx) = mpmc::unbounded::<u8>();
    let wakers: Vec<CountingWaker> = (0..6).map(|_| CountingWaker::new()).collect();
    let mut futs: Vec<_> = (0..6).map(|_| Box::pin(rx.recv_async())).collect();
    for (fut, waker) in futs.iter_mut().zip(&wakers) {
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    }
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    let woken: Vec<usize> = wakers.iter().map(CountingWaker::wakes).collect();
    assert_eq!(
        woken,
        [1, 1, 1, 0, 0, 0],
        "three messages wake the first three, in order"
    );
    // The first three are dropped without taking anything.
    let rest = futs.split_off(3);
    drop(futs);
    let woken: Vec<usize> = wakers.iter().map(CountingWaker::wakes).collect();
    assert_eq!(
        &woken[3..],
        [1, 1, 1],
        "the dropped futures' wake-ups were not passed on"
    );
    let mut got = Vec::new();
    for (mut fut, waker) in rest.into_iter().zip(&wakers[3..]) {
        match poll_pinned(fut.as_mut(), &waker.waker()) {
            Poll::Ready(Ok(v)) => got.push(v),
            other => panic!("a woken future not ready: {other:?}"),
        }
    }
    assert_eq!(got, [0, 1, 2]);
}

#[test]
fn cancel_hands_the_message_back_or_says_it_was_delivered() {
    let counter = DropCounter::new();
    // Never polled.
    let (tx, rx) = mpmc::bounded(1);
    let mut fut = Box::pin(tx.send_async(counter.track(1)));
    let back = fut
        .as_mut()
        .cancel()
        .expect("an unpolled send has its message");
    assert_eq!(*back.payload(), 1);
    drop(fut);
    assert_eq!(
        counter.dropped(),
        0,
        "the cancelled future dropped the returned message"
    );
    drop(back);

    // Pending on a full channel.
    tx.send(counter.track(2)).unwrap();
    let waker = CountingWaker::new();
    let mut fut = Box::pin(tx.send_async(counter.track(3)));
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    let back = fut
        .as_mut()
        .cancel()
        .expect("a pending send has its message");
    assert_eq!(*back.payload(), 3);
    assert_eq!(waker.live(), 0, "a cancelled send kept its waker");
    assert_eq!(*rx.try_recv().unwrap().payload(), 2);
    assert_eq!(
        rx.try_recv().unwrap_err(),
        TryRecvError::Empty,
        "cancelled yet delivered"
    );
    drop(fut);
    drop(back);

    // Completed.
    let mut fut = Box::pin(tx.send_async(counter.track(4)));
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_ready());
    assert!(
        fut.as_mut().cancel().is_none(),
        "a completed send handed its message back"
    );
    assert_eq!(*rx.try_recv().unwrap().payload(), 4);
    drop(fut);
    assert_eq!(counter.alive(), 0);
    assert_eq!(counter.created(), 4);
}

#[test]
fn cancel_after_room_was_made_is_exactly_one_of_delivered_or_returned() {
    for cap in [1, 2] {
        let (tx, rx) = mpmc::bounded::<u32>(cap);
        for i in 0..cap as u32 {
            tx.send(i).unwrap();
        }
        let waker = CountingWaker::new();
        let mut fut = pin!(tx.send_async(100));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(waker.wakes(), 1);
        let back = fut.as_mut().cancel();
        let queued: Vec<u32> = rx.try_iter().collect();
        let delivered = queued.contains(&100);
        assert_eq!(
            back.is_some(),
            !delivered,
            "cap {cap}: cancel returned {back:?} and the queue holds {queued:?}"
        );
        assert_eq!(
            queued.iter().filter(|&&v| v == 100).count(),
            usize::from(delivered)
        );
    }
}

#[test]
fn dropping_a_pending_send_future_drops_its_message_and_sends_nothing() {
    let counter = DropCounter::new();
    for cap in [0, 1] {
        let (tx, rx) = mpmc::bounded(cap);
        if cap == 1 {
            tx.send(counter.track(0)).unwrap();
        }
        let waker = CountingWaker::new();
        {
            let mut fut = pin!(tx.send_async(counter.track(1)));
            assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        }
        assert_eq!(
            counter.alive(),
            cap,
            "cap {cap}: the dropped send's message is still alive"
        );
        assert_eq!(waker.live(), 0);
        if cap == 1 {
            assert_eq!(*rx.try_recv().unwrap().payload(), 0);
        }
        assert_eq!(
            rx.try_recv().unwrap_err(),
            TryRecvError::Empty,
            "cap {cap}: sent anyway"
        );
    }
    assert_eq!(counter.alive(), 0);
}

#[test]
fn a_woken_send_future_that_is_dropped_or_cancelled_passes_the_room_on() {
    for cancel in [false, true] {
        let (tx, rx) = mpmc::bounded::<u8>(1);
        tx.send(0).unwrap();
        let (first, second) = (CountingWaker::new(), CountingWaker::new());
        let mut a = Box::pin(tx.send_async(1));
        let mut b = pin!(tx.send_async(2));
        assert!(poll_pinned(a.as_mut(), &first.waker()).is_pending());
        assert!(poll_pinned(b.as_mut(), &second.waker()).is_pending());
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(
            (first.wakes(), second.wakes()),
            (1, 0),
            "FIFO: the first sender is woken"
        );
        // The receive that made room moved `a`'s offered message into it
        // (its send completed without another poll), or woke `a` to retry.
        let delivered_a = if cancel {
            a.as_mut().cancel().is_none()
        } else {
            drop(a);
            rx.len() == 1
        };
        if !delivered_a {
            assert_eq!(
                second.wakes(),
                1,
                "cancel={cancel}: the room's wake-up was lost"
            );
            assert_eq!(poll_pinned(b, &second.waker()), Poll::Ready(Ok(())));
            assert_eq!(rx.try_recv(), Ok(2));
        } else {
            assert_eq!(rx.try_recv(), Ok(1));
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn tokio_timeout_around_recv_async_and_send_async() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let counter = DropCounter::new();
        let (tx, rx) = mpmc::bounded(1);
        let short = Duration::from_millis(10);
        assert!(tokio::time::timeout(short, rx.recv_async()).await.is_err());
        tx.send(counter.track(1)).unwrap();
        // The timed-out receive took nothing.
        let got = tokio::time::timeout(HANG_LIMIT, rx.recv_async()).await;
        assert_eq!(got.map(|r| r.map(|m| *m.payload())), Ok(Ok(1)));
        // A send that times out on a full channel drops its message, and
        // does not send it.
        tx.send(counter.track(2)).unwrap();
        assert!(tokio::time::timeout(short, tx.send_async(counter.track(3)))
            .await
            .is_err());
        assert_eq!(
            counter.dropped(),
            2,
            "the timed-out send's message was not dropped"
        );
        assert_eq!(*rx.recv_async().await.unwrap().payload(), 2);
        assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
    });
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn tokio_timeouts_racing_a_producer_lose_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    for cap in [Some(0), Some(1), Some(16), None] {
        let ledger = Ledger::new(3000);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let producer = {
            let ledger = ledger.clone();
            thread::spawn(move || {
                for i in 0..ledger.ids() {
                    tx.send(ledger.msg(i)).unwrap();
                    if i % 64 == 0 {
                        thread::sleep(Duration::from_micros(200));
                    }
                }
            })
        };
        let got = rt.block_on(async move {
            let mut got = Vec::new();
            let mut timeouts = 0;
            loop {
                match tokio::time::timeout(Duration::from_micros(50), rx.recv_async()).await {
                    Ok(Ok(m)) => got.push(m.id()),
                    Ok(Err(_)) => break,
                    Err(_) => timeouts += 1,
                }
            }
            println!("{cap:?}: {timeouts} timeouts");
            got
        });
        join_within(producer, HANG_LIMIT, "producer");
        assert_eq!(
            got,
            (0..ledger.ids()).collect::<Vec<_>>(),
            "{cap:?}: lost, duplicated or reordered"
        );
        ledger.assert_first_dropped_once(ledger.ids());
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn tokio_select_cancelling_receives_and_sends_accounts_for_every_message() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    for (cap, drop_sends) in [Some(0), Some(1), Some(4), None]
        .into_iter()
        .flat_map(|cap| [(cap, false), (cap, true)])
    {
        let n = 2000;
        let ledger = Ledger::new(n);
        let (tx_a, rx_a) = channel::<LedgerMsg>(cap);
        let (tx_b, rx_b) = channel::<LedgerMsg>(cap);
        let (out_tx, out_rx) = channel::<LedgerMsg>(cap);
        let (received, abandoned) = rt.block_on(async {
            // Producers feed two channels; a forwarder selects between
            // receiving from either and forwarding (a send that another
            // select branch may cancel); a consumer drains the output.
            let pa = {
                let ledger = ledger.clone();
                tokio::spawn(async move {
                    for i in (0..n).step_by(2) {
                        tx_a.send_async(ledger.msg(i)).await.unwrap();
                    }
                })
            };
            let pb = {
                let ledger = ledger.clone();
                tokio::spawn(async move {
                    for i in (1..n).step_by(2) {
                        tx_b.send_async(ledger.msg(i)).await.unwrap();
                    }
                })
            };
            let forwarder = tokio::spawn(async move {
                let mut held: Option<LedgerMsg> = None;
                let mut abandoned = Vec::new();
                let mut ticks = 0_u64;
                let (mut a_open, mut b_open) = (true, true);
                let mut interval = tokio::time::interval(Duration::from_micros(100));
                loop {
                    if let Some(m) = held.take() {
                        let id = m.id();
                        let mut send = std::pin::pin!(out_tx.send_async(m));
                        let sent = tokio::select! {
                            r = &mut send => {
                                r.unwrap();
                                true
                            }
                            _ = interval.tick() => false,
                        };
                        if !sent {
                            ticks += 1;
                            if drop_sends {
                                // The message goes with the future, unless
                                // it was delivered already.
                                abandoned.push(id);
                            } else {
                                // Withdraw the send; if it was delivered in
                                // the meantime there is nothing to resend.
                                held = send.as_mut().cancel();
                            }
                        }
                        continue;
                    }
                    if !a_open && !b_open {
                        break;
                    }
                    tokio::select! {
                        r = rx_a.recv_async(), if a_open => match r {
                            Ok(m) => held = Some(m),
                            Err(_) => a_open = false,
                        },
                        r = rx_b.recv_async(), if b_open => match r {
                            Ok(m) => held = Some(m),
                            Err(_) => b_open = false,
                        },
                        _ = interval.tick() => ticks += 1,
                    }
                }
                (ticks, abandoned)
            });
            let consumer = tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut interval = tokio::time::interval(Duration::from_micros(150));
                loop {
                    tokio::select! {
                        r = out_rx.recv_async() => match r {
                            Ok(m) => ids.push(m.id()),
                            Err(_) => break,
                        },
                        _ = interval.tick() => {}
                    }
                }
                ids
            });
            pa.await.unwrap();
            pb.await.unwrap();
            let (ticks, abandoned) = forwarder.await.unwrap();
            println!("{cap:?} drop_sends={drop_sends}: {ticks} cancelled selects");
            (consumer.await.unwrap(), abandoned)
        });
        let unique: HashSet<usize> = received.iter().copied().collect();
        assert_eq!(
            unique.len(),
            received.len(),
            "{cap:?}: a message delivered twice"
        );
        if drop_sends {
            // What did not arrive went with a dropped send future.
            let abandoned: HashSet<usize> = abandoned.into_iter().collect();
            let missing: Vec<usize> = (0..n).filter(|id| !unique.contains(id)).collect();
            assert!(
                missing.iter().all(|id| abandoned.contains(id)),
                "{cap:?}: messages lost that no dropped send held: {:?}",
                &missing[..missing.len().min(10)]
            );
        } else {
            assert_eq!(received.len(), n, "{cap:?}: messages lost");
        }
        // Each producer's messages stay in order through the forwarder.
        for parity in 0..2 {
            let mine: Vec<_> = received.iter().filter(|&&id| id % 2 == parity).collect();
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "{cap:?}: reordered");
        }
        ledger.assert_first_dropped_once(n);
    }
}
