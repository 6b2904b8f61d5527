//! `mpmc` API that users of tokio, flume and async-channel reach for
//! (issue 19, item 9): weak senders and batch receives.

#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use std::future::Future;

use futures::executor::block_on;
use mpmc::{RecvError, RecvTimeoutError};
use oneshot_tests::{alloc_test_lock, AllocSnapshot, CountScope, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn each_flavor() -> [Option<usize>; 4] {
    [Some(0), Some(1), Some(4), None]
}

fn channel<T>(cap: Option<usize>) -> (mpmc::Sender<T>, mpmc::Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

/// A message that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Relaxed);
    }
}

#[test]
fn a_weak_sender_does_not_keep_the_channel_open() {
    for cap in each_flavor() {
        let (tx, rx) = channel::<u32>(cap);
        let weak = tx.downgrade();
        assert_eq!(weak.sender_count(), 1, "{cap:?}");
        assert!(!weak.is_closed(), "{cap:?}");
        drop(tx);
        assert!(
            weak.upgrade().is_none(),
            "{cap:?}: upgraded after the last sender"
        );
        assert!(weak.is_closed(), "{cap:?}");
        assert_eq!(rx.recv(), Err(RecvError), "{cap:?}: disconnected");
        assert_eq!(weak.clone().sender_count(), 0, "{cap:?}");
    }
}

#[test]
fn an_upgraded_weak_sender_sends_and_keeps_the_channel_open() {
    for cap in [Some(1), Some(4), None] {
        let (tx, rx) = channel::<u32>(cap);
        let weak = tx.downgrade();
        let strong = weak.upgrade().expect("a sender is alive");
        assert_eq!(weak.sender_count(), 2);
        drop(tx);
        assert!(
            !rx.is_closed(),
            "{cap:?}: the upgraded sender keeps it open"
        );
        strong.send(7).unwrap();
        assert_eq!(rx.recv(), Ok(7));
        drop(strong);
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(weak.receiver_count(), 1);
    }
}

/// The allocation outlives the handles while a weak sender holds it, and is
/// freed exactly once whichever goes last.
#[test]
fn a_weak_sender_keeps_the_allocation_until_it_goes() {
    let _lock = alloc_test_lock();
    for weak_last in [true, false] {
        let drops = Arc::new(AtomicUsize::new(0));
        let scope = CountScope::new();
        let before = AllocSnapshot::now();
        let (tx, rx) = mpmc::bounded::<Counted>(2);
        tx.send(Counted(Arc::clone(&drops))).unwrap();
        let weak = tx.downgrade();
        let weak2 = weak.clone();
        if weak_last {
            drop((tx, rx));
            assert_eq!(drops.load(Relaxed), 1, "the last receiver drains");
            assert!(weak.upgrade().is_none());
            drop(weak);
            drop(weak2);
        } else {
            drop((weak, weak2));
            drop((tx, rx));
        }
        let counts = before.elapsed();
        drop(scope);
        assert_eq!(drops.load(Relaxed), 1);
        assert_eq!(
            counts.bytes_allocated, counts.bytes_freed,
            "weak last: {weak_last}: the channel leaked or was freed twice ({counts:?})"
        );
    }
}

/// Upgrades race the last sender's drop: every upgrade either fails or
/// gets a sender that works until it is dropped; the receiver sees exactly
/// the messages the successful upgrades sent, then the disconnection.
#[test]
fn upgrades_race_the_last_senders_drop() {
    let rounds = if cfg!(miri) { 4 } else { 500 };
    for _ in 0..rounds {
        let (tx, rx) = mpmc::unbounded::<u32>();
        let weak = tx.downgrade();
        let sent = thread::scope(|s| {
            let upgrader = s.spawn(|| {
                let mut sent = 0;
                for i in 0..4 {
                    if let Some(tx) = weak.upgrade() {
                        tx.send(i).unwrap();
                        sent += 1;
                    }
                }
                sent
            });
            drop(tx);
            upgrader.join().unwrap()
        });
        let got = rx.iter().count();
        assert_eq!(got, sent);
        assert!(weak.upgrade().is_none());
    }
}

#[test]
fn recv_many_takes_what_is_ready_up_to_the_limit() {
    for cap in [Some(4), None] {
        let (tx, rx) = channel::<u32>(cap);
        for i in 0..4 {
            tx.send(i).unwrap();
        }
        let mut buf = vec![99];
        assert_eq!(rx.recv_many(&mut buf, 0), Ok(0));
        assert_eq!(rx.recv_many(&mut buf, 3), Ok(3), "{cap:?}");
        assert_eq!(rx.recv_many(&mut buf, 3), Ok(1), "{cap:?}");
        assert_eq!(buf, [99, 0, 1, 2, 3], "{cap:?}: appended in order");
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 3), Err(RecvError));
        assert_eq!(buf.len(), 5, "nothing appended on an error");
    }
}

#[test]
fn recv_many_waits_for_the_first_message() {
    for cap in each_flavor() {
        let (tx, rx) = channel::<u32>(cap);
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            tx.send(5).unwrap();
        });
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 8), Ok(1), "{cap:?}");
        assert_eq!(buf, [5]);
        sender.join().unwrap();
    }
}

#[test]
fn recv_many_timeout_times_out_then_takes() {
    for cap in each_flavor() {
        let (tx, rx) = channel::<u32>(cap);
        let mut buf = Vec::new();
        assert_eq!(
            rx.recv_many_timeout(&mut buf, 4, Duration::from_millis(5)),
            Err(RecvTimeoutError::Timeout),
            "{cap:?}"
        );
        assert!(buf.is_empty());
        // A thread sends two (on the rendezvous, the second waits for a
        // receiver that never comes, and then the channel disconnects).
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            let _ = tx.send_timeout(2, Duration::from_millis(50));
        });
        let got = rx
            .recv_many_timeout(&mut buf, 4, Duration::from_secs(10))
            .unwrap();
        assert!((1..=2).contains(&got), "{cap:?}: {got}");
        assert_eq!(buf[0], 1);
        t.join().unwrap();
    }
}

#[test]
fn recv_many_async_is_cancel_safe() {
    for cap in [Some(0), Some(2), None] {
        let (tx, rx) = channel::<u32>(cap);
        let mut buf = Vec::new();
        {
            // Polled once while empty, then dropped: takes nothing.
            let fut = rx.recv_many_async(&mut buf, 4);
            let mut fut = std::pin::pin!(fut);
            let waker = oneshot_tests::noop_waker();
            let mut cx = std::task::Context::from_waker(&waker);
            assert!(fut.as_mut().poll(&mut cx).is_pending(), "{cap:?}");
        }
        assert!(buf.is_empty());
        let sender = thread::spawn(move || {
            tx.send(3).unwrap();
            tx
        });
        assert_eq!(block_on(rx.recv_many_async(&mut buf, 4)), Ok(1), "{cap:?}");
        assert_eq!(buf, [3]);
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv_many_async(&mut buf, 4)), Err(RecvError));
    }
}
