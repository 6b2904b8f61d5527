//! `mpmc`: every message is dropped exactly once, on every path — received,
//! discarded with the last receiver, discarded with the channel, handed
//! back in an error, dropped with a send future that never delivered it, or
//! handed back by `cancel` — for ZST, small and 8 KiB messages, across
//! unbounded block boundaries and bounded wrap-arounds.

#![cfg(not(loom))]

use std::pin::pin;
use std::thread;

use mpmc::{Receiver, Sender, TrySendError};
use oneshot_tests::{
    block_on, join_within, poll_pinned, zst_drops, CountingWaker, DropCounter, Ledger, LedgerMsg,
    Watchdog, ZstToken, HANG_LIMIT,
};

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

const fn count(native: usize) -> usize {
    if cfg!(miri) {
        if native < 12 {
            native
        } else {
            12
        }
    } else {
        native
    }
}

#[test]
fn received_messages_are_dropped_by_their_receiver_only() {
    for cap in [Some(1), Some(3), None] {
        let ledger = Ledger::new(10);
        let (tx, rx) = channel(cap);
        for id in 0..10 {
            tx.send(ledger.msg(id)).ok();
            let got = rx.recv().unwrap();
            assert_eq!(got.id(), id);
            assert_eq!(
                ledger.drops_of(id),
                0,
                "{cap:?}: dropped while the receiver holds it"
            );
            drop(got);
        }
        drop((tx, rx));
        ledger.assert_first_dropped_once(10);
    }
}

#[test]
fn queued_messages_go_with_the_channel() {
    // Partly drained, across unbounded blocks and bounded wrap-arounds.
    for cap in [Some(1), Some(7), Some(64), None] {
        for queued in [0, 1, 15, 16, 17, 33, 64] {
            let Some(room) = cap.map_or(Some(queued), |c| (queued <= c).then_some(queued)) else {
                continue;
            };
            let n = room + count(50);
            let ledger = Ledger::new(n);
            let (tx, rx) = channel(cap);
            // Push and pop some first so the queue does not start at 0.
            for id in 0..n - room {
                tx.try_send(ledger.msg(id)).unwrap();
                assert_eq!(rx.try_recv().unwrap().id(), id);
            }
            for id in n - room..n {
                tx.try_send(ledger.msg(id)).unwrap();
            }
            assert_eq!(rx.len(), room);
            if queued % 2 == 0 {
                drop(tx);
                drop(rx);
            } else {
                drop(rx);
                drop(tx);
            }
            ledger.assert_first_dropped_once(n);
        }
    }
}

#[test]
fn messages_handed_back_belong_to_the_caller() {
    let ledger = Ledger::new(8);
    let (tx, rx) = mpmc::bounded(1);
    tx.send(ledger.msg(0)).unwrap();
    let full = tx.try_send(ledger.msg(1)).unwrap_err();
    assert!(full.is_full());
    let timed_out = if cfg!(miri) {
        None
    } else {
        Some(
            tx.send_timeout(ledger.msg(2), std::time::Duration::ZERO)
                .unwrap_err(),
        )
    };
    assert_eq!(
        ledger.total_drops(),
        0,
        "the channel dropped a message it handed back"
    );
    drop(rx);
    ledger.assert_dropped_once(&[0]);
    let gone = tx.send(ledger.msg(3)).unwrap_err();
    let gone_try = tx.try_send(ledger.msg(4)).unwrap_err();
    let gone_async = block_on(tx.send_async(ledger.msg(5))).unwrap_err();
    assert_eq!(
        (
            gone.0.id(),
            gone_try.into_inner().id(),
            gone_async.into_inner().id()
        ),
        (3, 4, 5)
    );
    assert_eq!(full.into_inner().id(), 1);
    drop(gone);
    drop(timed_out);
    let mut ids = vec![0, 1, 3, 4, 5];
    if !cfg!(miri) {
        ids.push(2);
    }
    ledger.assert_dropped_once(&ids);
}

#[test]
fn send_futures_drop_their_message_only_when_they_did_not_deliver_it() {
    let ledger = Ledger::new(6);
    let (tx, rx) = mpmc::bounded(1);
    let waker = CountingWaker::new();
    // Never polled, dropped: the future drops the message.
    drop(tx.send_async(ledger.msg(0)));
    ledger.assert_dropped_once(&[0]);
    // Completed, dropped: the message is in the channel.
    {
        let mut fut = pin!(tx.send_async(ledger.msg(1)));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_ready());
    }
    assert_eq!(
        ledger.drops_of(1),
        0,
        "a completed send dropped the delivered message"
    );
    // Pending on the full channel, dropped: the future drops it.
    {
        let mut fut = pin!(tx.send_async(ledger.msg(2)));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    }
    ledger.assert_dropped_once(&[2]);
    // Pending, cancelled, then dropped: handed back, dropped by us once.
    {
        let mut fut = Box::pin(tx.send_async(ledger.msg(3)));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        let back = fut.as_mut().cancel().unwrap();
        drop(fut);
        assert_eq!(ledger.drops_of(3), 0);
        drop(back);
    }
    ledger.assert_dropped_once(&[3]);
    // Pending, then the last receiver goes: the output hands it back.
    {
        let mut fut = pin!(tx.send_async(ledger.msg(4)));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
        let rx2 = rx.clone();
        drop(rx2);
        assert_eq!(rx.try_recv().unwrap().id(), 1);
        drop(rx);
        ledger.assert_dropped_once(&[1]);
        match poll_pinned(fut.as_mut(), &waker.waker()) {
            std::task::Poll::Ready(Err(e)) => {
                assert_eq!(ledger.drops_of(4), 0);
                assert_eq!(e.into_inner().id(), 4);
            }
            // Room was made before the receiver left: it may have been
            // delivered, and then it went with the last receiver.
            std::task::Poll::Ready(Ok(())) => {}
            std::task::Poll::Pending => panic!("a send pending after the receivers left"),
        }
    }
    ledger.assert_first_dropped_once(5);
    drop(tx);
}

#[test]
fn rendezvous_paths() {
    let ledger = Ledger::new(4);
    let (tx, rx) = mpmc::bounded(0);
    let waker = CountingWaker::new();
    let mut fut = pin!(tx.send_async(ledger.msg(0)));
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    let got = rx.try_recv().unwrap();
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_ready());
    assert_eq!(ledger.drops_of(0), 0);
    drop(got);
    // A waiting sender whose receivers all leave gets its message back.
    let mut fut = pin!(tx.send_async(ledger.msg(1)));
    assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    drop(rx);
    assert_eq!(
        ledger.drops_of(1),
        0,
        "a waiting sender's message dropped by the channel"
    );
    match poll_pinned(fut.as_mut(), &waker.waker()) {
        std::task::Poll::Ready(Err(e)) => assert_eq!(e.into_inner().id(), 1),
        other => panic!("{other:?}"),
    }
    match tx.try_send(ledger.msg(2)) {
        Err(TrySendError::Disconnected(m)) => assert_eq!(m.id(), 2),
        other => panic!("{other:?}"),
    }
    ledger.assert_first_dropped_once(3);
}

#[test]
fn big_messages_on_every_path() {
    let _watchdog = Watchdog::new("big_messages_on_every_path", HANG_LIMIT);
    let counter = DropCounter::new();
    for cap in [Some(0), Some(2), None] {
        let (tx, rx) = channel::<oneshot_tests::Tracked<[u8; 8192]>>(cap);
        let c = counter.clone();
        let sender = thread::spawn(move || {
            for i in 0..count(64) {
                tx.send(c.track([i as u8; 8192])).unwrap();
            }
            // Left queued (bounded and unbounded) or refused (rendezvous).
            let _ = tx.try_send(c.track([0xAA; 8192]));
        });
        let mut n = 0;
        while n < count(64) {
            let m = rx.recv().unwrap();
            assert!(m.payload().iter().all(|&b| b == n as u8));
            n += 1;
        }
        join_within(sender, HANG_LIMIT, "big sender");
        drop(rx);
    }
    assert_eq!(counter.alive(), 0, "{counter:?}");
    assert_eq!(counter.created(), 3 * (count(64) + 1));
}

#[test]
fn zst_messages_on_every_path() {
    const SLOT: usize = 21;
    let (tx, rx) = mpmc::unbounded::<ZstToken<SLOT>>();
    for _ in 0..40 {
        tx.send(ZstToken).unwrap();
    }
    for _ in 0..10 {
        drop(rx.recv().unwrap());
    }
    assert_eq!(zst_drops::<SLOT>(), 10);
    drop(rx);
    assert_eq!(
        zst_drops::<SLOT>(),
        40,
        "queued ZSTs not dropped with the last receiver"
    );
    drop(tx.send(ZstToken).unwrap_err());
    assert_eq!(zst_drops::<SLOT>(), 41);
    let (tx, rx) = mpmc::bounded::<ZstToken<SLOT>>(0);
    let waker = CountingWaker::new();
    {
        let mut fut = pin!(tx.send_async(ZstToken));
        assert!(poll_pinned(fut.as_mut(), &waker.waker()).is_pending());
    }
    assert_eq!(zst_drops::<SLOT>(), 42);
    drop(rx);
    assert_eq!(zst_drops::<SLOT>(), 42);
}

#[test]
fn concurrent_everything_drops_each_message_once() {
    let _watchdog = Watchdog::new("concurrent_everything", HANG_LIMIT);
    let per = count(2000);
    for cap in [Some(0), Some(1), Some(4), None] {
        let ledger = Ledger::new(4 * per);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let senders: Vec<_> = (0..4)
            .map(|s| {
                let (tx, ledger) = (tx.clone(), ledger.clone());
                thread::spawn(move || {
                    let mut handed_back = 0;
                    for i in 0..per {
                        let msg = ledger.msg(s * per + i);
                        let result = if i % 2 == 0 {
                            tx.send(msg).map_err(|e| e.into_inner())
                        } else {
                            block_on(tx.send_async(msg)).map_err(|e| e.into_inner())
                        };
                        if result.is_err() {
                            handed_back += 1;
                        }
                    }
                    handed_back
                })
            })
            .collect();
        drop(tx);
        // Receivers take some and then leave: the rest is refused or
        // discarded with the last receiver.
        let receivers: Vec<_> = (0..2)
            .map(|r| {
                let rx = rx.clone();
                thread::spawn(move || {
                    let mut ids = Vec::new();
                    for _ in 0..per {
                        let next = if r == 0 {
                            rx.recv()
                        } else {
                            block_on(rx.recv_async())
                        };
                        match next {
                            Ok(m) => ids.push(m.id()),
                            Err(_) => break,
                        }
                    }
                    ids
                })
            })
            .collect();
        drop(rx);
        let mut received = Vec::new();
        for r in receivers {
            received.extend(join_within(r, HANG_LIMIT, "receiver"));
        }
        let mut handed_back = 0;
        for s in senders {
            handed_back += join_within(s, HANG_LIMIT, "sender");
        }
        received.sort_unstable();
        assert!(
            received.windows(2).all(|w| w[0] < w[1]),
            "{cap:?}: delivered twice"
        );
        assert!(received.len() + handed_back <= 4 * per);
        ledger.assert_first_dropped_once(4 * per);
    }
}
