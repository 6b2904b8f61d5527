//! The peer bugs of `regress_peers.rs`, as loom models: loom runs each
//! scenario under every interleaving (up to the preemption bound) and checks
//! every atomic access, every `UnsafeCell` access, and that every tracked
//! allocation (the channel and each `Track`ed message) is freed exactly
//! once.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p oneshot-tests --release --test loom_regress -- --nocapture`.
//! The preemption bound is 3 unless `LOOM_MAX_PREEMPTIONS` sets it; each
//! model prints how many interleavings it explored.
//!
//! Under loom a timed park is a yield, so the timeout models use
//! `Duration::ZERO`: the receive registers its waker, finds the deadline
//! passed and withdraws it, racing the sender throughout.
//!
//! A thread that receives with a thread waker may get a late unpark from the
//! sender (harmless in std), and loom lets such an unpark end a `join`, so
//! receiving threads never join: the main thread sends and joins them.

#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use loom::alloc::Track;
use loom::thread;
use oneshot::{Receiver, RecvError, RecvTimeoutError, Sender, TryRecvError};

/// Runs `f` under every interleaving loom explores and prints how many that
/// was, with the preemption bound.
#[track_caller]
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    builder.check(move || {
        counter.fetch_add(1, Relaxed);
        f();
    });
    println!(
        "loom_regress {name}: {} interleavings (preemption bound {:?})",
        runs.load(Relaxed),
        builder.preemption_bound
    );
}

/// A waker that counts its wake-ups. Plain std atomics: loom runs one
/// thread at a time, and the count is read after the joins.
#[derive(Default)]
struct Counting(AtomicUsize);

impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Relaxed);
    }
}

fn counting() -> (Arc<Counting>, Waker) {
    let counter = Arc::new(Counting::default());
    (Arc::clone(&counter), Waker::from(counter))
}

/// A waker that yields to loom inside `wake`, so the model explores the
/// other side running while the sender is inside the wake.
#[derive(Default)]
struct YieldingWake(AtomicUsize);

impl Wake for YieldingWake {
    fn wake(self: Arc<Self>) {
        thread::yield_now();
        self.0.fetch_add(1, Relaxed);
    }
}

/// A waker that unparks a loom thread.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

type Msg = Track<u32>;

fn poll_rx(rx: &mut Receiver<Msg>, waker: &Waker) -> Poll<Result<Msg, RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

fn poll_closed<T>(tx: &mut Sender<T>, waker: &Waker) -> Poll<()> {
    tx.poll_closed(&mut Context::from_waker(waker))
}

/// Sends `Track(7)` on a new thread; the handle says whether it was taken.
fn spawn_send(tx: Sender<Msg>) -> thread::JoinHandle<bool> {
    thread::spawn(move || match tx.send(Track::new(7)) {
        Ok(()) => true,
        Err(err) => {
            assert_eq!(
                *err.into_inner().get_ref(),
                7,
                "the wrong message came back"
            );
            false
        }
    })
}

/// The `oneshot` crate's 2022 use-after-free: receiver polled, then dropped
/// before completion, while the sender sends.
#[test]
fn oneshot_polled_receiver_dropped_while_sender_sends() {
    model("oneshot_polled_receiver_dropped_while_sender_sends", || {
        let (tx, mut rx) = oneshot::channel();
        let sending = spawn_send(tx);
        let (counter, waker) = counting();
        let first = poll_rx(&mut rx, &waker);
        drop(waker);
        drop(rx);
        let sent = sending.join().unwrap();
        if let Poll::Ready(result) = first {
            assert_eq!(*result.expect("the sender never drops unsent").get_ref(), 7);
            assert!(sent);
        }
        assert_eq!(
            Arc::strong_count(&counter),
            1,
            "the channel leaked the waker"
        );
    });
}

/// RUSTSEC-2026-0005 and the `oneshot` crate's open sibling: an async
/// receiver dropped while `send` wakes it. The receiver is polled before the
/// sender starts, so `send` always finds the waker and claims it, and the
/// waker yields inside `wake`.
#[test]
fn rustsec_2026_0005_async_receiver_dropped_during_send_wake() {
    model(
        "rustsec_2026_0005_async_receiver_dropped_during_send_wake",
        || {
            let (tx, mut rx) = oneshot::channel();
            let counter = Arc::new(YieldingWake::default());
            assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&counter))).is_pending());
            let sending = spawn_send(tx);
            drop(rx);
            let sent = sending.join().unwrap();
            // Woken exactly when the send got through.
            assert_eq!(counter.0.load(Relaxed), usize::from(sent));
            assert_eq!(
                Arc::strong_count(&counter),
                1,
                "the channel leaked the waker"
            );
        },
    );
}

/// The same with the sender's drop doing the waking.
#[test]
fn async_receiver_dropped_during_sender_drop_wake() {
    model("async_receiver_dropped_during_sender_drop_wake", || {
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let counter = Arc::new(YieldingWake::default());
        assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&counter))).is_pending());
        let dropping = thread::spawn(move || drop(tx));
        drop(rx);
        dropping.join().unwrap();
        assert!(counter.0.load(Relaxed) <= 1);
        assert_eq!(
            Arc::strong_count(&counter),
            1,
            "the channel leaked the waker"
        );
    });
}

/// async-oneshot 0.5.9: polled again after `Ready`, it yields the value a
/// second time. Here every poll after `Ready` must be `Err(RecvError)`.
#[test]
fn async_oneshot_poll_after_ready_yields_no_second_value() {
    model(
        "async_oneshot_poll_after_ready_yields_no_second_value",
        || {
            let (tx, mut rx) = oneshot::channel::<Msg>();
            let receiving = thread::spawn(move || {
                let waker = Waker::from(Arc::new(Unpark(thread::current())));
                let message = loop {
                    match poll_rx(&mut rx, &waker) {
                        Poll::Ready(result) => break result,
                        Poll::Pending => thread::park(),
                    }
                };
                assert_eq!(*message.unwrap().get_ref(), 7);
                assert!(rx.is_terminated());
                assert!(matches!(
                    poll_rx(&mut rx, &waker),
                    Poll::Ready(Err(RecvError))
                ));
                assert!(matches!(
                    poll_rx(&mut rx, &waker),
                    Poll::Ready(Err(RecvError))
                ));
                assert!(matches!(rx.try_recv(), Err(TryRecvError::Disconnected)));
            });
            assert!(tx.send(Track::new(7)).is_ok());
            receiving.join().unwrap();
        },
    );
}

/// A new waker on every poll while the sender sends: only the latest one is
/// kept (the earlier ones are dropped, never woken after being replaced),
/// and the receive then blocks the thread.
#[test]
fn new_waker_on_every_poll_while_sender_sends() {
    model("new_waker_on_every_poll_while_sender_sends", || {
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let (first, first_waker) = counting();
        let (second, second_waker) = counting();
        let receiving = thread::spawn(move || {
            let mut got = None;
            for waker in [first_waker, second_waker] {
                if let Poll::Ready(result) = poll_rx(&mut rx, &waker) {
                    got = Some(result);
                    break;
                }
            }
            let message = got.unwrap_or_else(|| rx.recv_ref());
            assert_eq!(*message.unwrap().get_ref(), 7);
        });
        assert!(tx.send(Track::new(7)).is_ok());
        receiving.join().unwrap();
        assert_eq!(Arc::strong_count(&first), 1, "the first waker leaked");
        assert_eq!(Arc::strong_count(&second), 1, "the second waker leaked");
        // The blocking receive replaced both; at most one of them was the
        // stored waker when the sender sent.
        assert!(first.0.load(Relaxed) + second.0.load(Relaxed) <= 1);
    });
}

/// tokio #4225: `close` racing `send`, then `try_recv`. The two must agree.
#[test]
fn tokio_4225_close_racing_send() {
    model("tokio_4225_close_racing_send", || {
        let (tx, mut rx) = oneshot::channel();
        let sending = spawn_send(tx);
        rx.close();
        let after = rx.try_recv();
        let sent = sending.join().unwrap();
        match after {
            Ok(message) => {
                assert!(sent, "received a refused message");
                assert_eq!(*message.get_ref(), 7);
            }
            Err(err) => {
                assert_eq!(err, TryRecvError::Disconnected);
                assert!(!sent, "a sent message was lost by the close");
            }
        }
    });
}

/// The same with the sender waiting in `poll_closed` first: the close claims
/// the sender's waker while the sender withdraws it to send.
#[test]
fn tokio_4225_close_racing_send_with_closed_waker() {
    model("tokio_4225_close_racing_send_with_closed_waker", || {
        let (mut tx, mut rx) = oneshot::channel();
        let (counter, waker) = counting();
        assert!(poll_closed(&mut tx, &waker).is_pending());
        drop(waker);
        let sending = spawn_send(tx);
        rx.close();
        let after = rx.try_recv();
        let sent = sending.join().unwrap();
        assert_eq!(after.is_ok(), sent, "close and send disagree");
        drop(after);
        drop(rx);
        assert!(counter.0.load(Relaxed) <= 1);
        assert_eq!(Arc::strong_count(&counter), 1, "the closed() waker leaked");
    });
}

/// A receive that times out racing `send`: never waits for the sender, and
/// after a timeout the message is still there for a blocking receive.
#[test]
fn timeout_racing_send() {
    model("timeout_racing_send", || {
        let (tx, rx) = oneshot::channel::<Msg>();
        let receiving = thread::spawn(move || match rx.recv_timeout(Duration::ZERO) {
            Ok(message) => assert_eq!(*message.get_ref(), 7),
            Err(RecvTimeoutError::Timeout) => assert_eq!(*rx.recv().unwrap().get_ref(), 7),
            Err(RecvTimeoutError::Disconnected) => panic!("the sender never drops unsent"),
        });
        assert!(tx.send(Track::new(7)).is_ok());
        receiving.join().unwrap();
    });
}

/// A polled receiver whose timed receive times out, racing `send`, then
/// dropped: the poll's waker, the thread's waker and the message each go
/// exactly once.
#[test]
fn timeout_after_poll_racing_send_then_drop() {
    model("timeout_after_poll_racing_send_then_drop", || {
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let (counter, waker) = counting();
        let receiving = thread::spawn(move || {
            if poll_rx(&mut rx, &waker).is_pending() {
                let _ = rx.recv_timeout(Duration::ZERO);
            }
            drop(rx);
        });
        let _ = spawn_send(tx).join().unwrap();
        receiving.join().unwrap();
        assert_eq!(Arc::strong_count(&counter), 1, "the poll's waker leaked");
    });
}

/// The receiver's drop racing the sender's drop, with neither end waiting.
#[test]
fn receiver_drop_racing_sender_drop() {
    model("receiver_drop_racing_sender_drop", || {
        let (tx, rx) = oneshot::channel::<Msg>();
        let dropping = thread::spawn(move || drop(tx));
        drop(rx);
        dropping.join().unwrap();
    });
}

/// The same with the receiver polled first (the sender's drop claims its
/// waker while the receiver drops).
#[test]
fn polled_receiver_drop_racing_sender_drop() {
    model("polled_receiver_drop_racing_sender_drop", || {
        let (tx, mut rx) = oneshot::channel::<Msg>();
        let (counter, waker) = counting();
        assert!(poll_rx(&mut rx, &waker).is_pending());
        drop(waker);
        let dropping = thread::spawn(move || drop(tx));
        drop(rx);
        dropping.join().unwrap();
        assert_eq!(
            Arc::strong_count(&counter),
            1,
            "the receiver's waker leaked"
        );
    });
}

/// The same with the sender waiting in `poll_closed` first (the receiver's
/// drop claims its waker while the sender drops).
#[test]
fn receiver_drop_racing_sender_drop_with_closed_waker() {
    model("receiver_drop_racing_sender_drop_with_closed_waker", || {
        let (mut tx, rx) = oneshot::channel::<Msg>();
        let (counter, waker) = counting();
        assert!(poll_closed(&mut tx, &waker).is_pending());
        drop(waker);
        let dropping = thread::spawn(move || drop(tx));
        drop(rx);
        dropping.join().unwrap();
        assert!(counter.0.load(Relaxed) <= 1);
        assert_eq!(Arc::strong_count(&counter), 1, "the closed() waker leaked");
    });
}

/// Both ends waiting on each other's side at once: the receiver polled, the
/// sender in `poll_closed`, then both dropped concurrently.
#[test]
fn both_wakers_stored_then_both_dropped() {
    model("both_wakers_stored_then_both_dropped", || {
        let (mut tx, mut rx) = oneshot::channel::<Msg>();
        let (rx_counter, rx_waker) = counting();
        let (tx_counter, tx_waker) = counting();
        assert!(poll_rx(&mut rx, &rx_waker).is_pending());
        assert!(poll_closed(&mut tx, &tx_waker).is_pending());
        drop((rx_waker, tx_waker));
        let dropping = thread::spawn(move || drop(tx));
        drop(rx);
        dropping.join().unwrap();
        assert_eq!(
            Arc::strong_count(&rx_counter),
            1,
            "the receiver's waker leaked"
        );
        assert_eq!(
            Arc::strong_count(&tx_counter),
            1,
            "the closed() waker leaked"
        );
    });
}

/// Long scripts on both sides, so the hand-offs meet every other step: the
/// sender waits in `poll_closed`, then sends; the receiver polls with two
/// wakers, times out, closes, tries, and drops.
#[test]
fn long_scripts_on_both_sides() {
    model("long_scripts_on_both_sides", || {
        let (mut tx, mut rx) = oneshot::channel::<Msg>();
        let (tx_counter, tx_waker) = counting();
        let (rx_counter, rx_waker) = counting();
        let sending = thread::spawn(move || {
            let _ = poll_closed(&mut tx, &tx_waker);
            drop(tx_waker);
            match tx.send(Track::new(7)) {
                Ok(()) => true,
                Err(err) => {
                    assert_eq!(*err.into_inner().get_ref(), 7);
                    false
                }
            }
        });
        let receiving = thread::spawn(move || {
            let (_second_counter, second_waker) = counting();
            let mut got = None;
            for waker in [&rx_waker, &second_waker] {
                if let Poll::Ready(result) = poll_rx(&mut rx, waker) {
                    got = Some(result.map_err(|_| ()));
                    break;
                }
            }
            if got.is_none() {
                match rx.recv_timeout(Duration::ZERO) {
                    Ok(message) => got = Some(Ok(message)),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => panic!("the sender never drops unsent"),
                }
            }
            if got.is_none() {
                rx.close();
                got = rx.try_recv().ok().map(Ok);
            }
            drop(rx);
            got.map(|message| *message.unwrap().get_ref())
        });
        let sent = sending.join().unwrap();
        let got = receiving.join().unwrap();
        if got.is_some() {
            assert!(sent, "received a refused message");
            assert_eq!(got, Some(7));
        }
        assert_eq!(
            Arc::strong_count(&tx_counter),
            1,
            "the closed() waker leaked"
        );
        assert_eq!(
            Arc::strong_count(&rx_counter),
            1,
            "the receiver's waker leaked"
        );
    });
}
