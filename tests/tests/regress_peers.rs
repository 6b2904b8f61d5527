//! Real-thread regression loops, one per memory-safety or consistency bug
//! that a peer oneshot channel has shipped. Each test names the bug it
//! reproduces; `loom_regress.rs` has the same scenarios as loom models.
//!
//! Every test races two threads through one scenario many times. A
//! [`Barrier`] lines the two up at the start of each iteration and a
//! pseudo-random spin on each side moves the collision point around. The
//! payloads count their drops and the wakers count their clones, so a leak,
//! a double drop or a lost wake-up fails the test; a use-after-free shows up
//! under Miri, valgrind or ThreadSanitizer (see `RELIABILITY.md`).
//!
//! `ONESHOT_REGRESS_ITERS` sets the iteration count (default 2000, 6 under
//! Miri).

#![cfg(not(loom))]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use oneshot::{RecvError, RecvTimeoutError, SendError, TryRecvError};

// --- helpers ---------------------------------------------------------------

/// Iterations per test: `ONESHOT_REGRESS_ITERS`, or a default that keeps
/// `cargo test` fast (and Miri bearable).
fn iterations() -> usize {
    if let Some(n) = std::env::var("ONESHOT_REGRESS_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if cfg!(miri) {
        6
    } else {
        2000
    }
}

/// SplitMix64: a tiny deterministic generator for the spin lengths.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce5_e9b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Busy-waits a few dozen cycles, to shift where the two threads collide.
fn jitter(iteration: usize, side: u64) {
    let spins = mix(iteration as u64 ^ (side << 40)) % 64;
    for _ in 0..spins {
        std::hint::spin_loop();
    }
}

/// Runs `iters` races. For each one, `setup` builds the two sides' inputs,
/// `left` and `right` run on two threads started together, and `check`
/// judges their results.
fn race<A, B, RA, RB>(
    iters: usize,
    mut setup: impl FnMut(usize) -> (A, B),
    left: impl Fn(A) -> RA + Sync,
    right: impl Fn(B) -> RB + Sync,
    mut check: impl FnMut(usize, RA, RB),
) where
    A: Send,
    B: Send,
    RA: Send,
    RB: Send,
{
    const BATCH: usize = 256;
    let mut done = 0;
    while done < iters {
        let n = BATCH.min(iters - done);
        let (lefts, rights): (Vec<A>, Vec<B>) = (done..done + n).map(&mut setup).unzip();
        let barrier = Barrier::new(2);
        let (left_results, right_results) = std::thread::scope(|s| {
            let l = s.spawn(|| {
                lefts
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| {
                        barrier.wait();
                        jitter(done + i, 1);
                        left(a)
                    })
                    .collect::<Vec<_>>()
            });
            let r = s.spawn(|| {
                rights
                    .into_iter()
                    .enumerate()
                    .map(|(i, b)| {
                        barrier.wait();
                        jitter(done + i, 2);
                        right(b)
                    })
                    .collect::<Vec<_>>()
            });
            (l.join().unwrap(), r.join().unwrap())
        });
        for (i, (ra, rb)) in left_results.into_iter().zip(right_results).enumerate() {
            check(done + i, ra, rb);
        }
        done += n;
    }
}

/// Counts how many payloads were made and dropped.
#[derive(Default)]
struct Ledger {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Ledger {
    fn payload(self: &Arc<Self>, id: usize) -> Payload {
        self.made.fetch_add(1, SeqCst);
        Payload {
            id,
            ledger: Arc::clone(self),
        }
    }

    fn assert_balanced(&self) {
        let made = self.made.load(SeqCst);
        assert_eq!(
            self.dropped.load(SeqCst),
            made,
            "every payload must be dropped exactly once"
        );
    }
}

/// A message that records its drop.
struct Payload {
    id: usize,
    ledger: Arc<Ledger>,
}

impl Drop for Payload {
    fn drop(&mut self) {
        self.ledger.dropped.fetch_add(1, SeqCst);
    }
}

/// A waker that counts its wake-ups. `Arc::strong_count` of it tells how
/// many clones the channel still holds.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A waker whose `wake` yields the thread first, widening the window in
/// which the sender is inside `wake` while the receiver moves on.
#[derive(Default)]
struct SlowWaker {
    wakes: AtomicUsize,
}

impl Wake for SlowWaker {
    fn wake(self: Arc<Self>) {
        std::thread::yield_now();
        self.wakes.fetch_add(1, SeqCst);
    }
}

fn poll_once<T: Unpin>(
    receiver: &mut oneshot::Receiver<T>,
    waker: &Waker,
) -> Poll<Result<T, RecvError>> {
    Pin::new(receiver).poll(&mut Context::from_waker(waker))
}

type Pair = (oneshot::Sender<Payload>, oneshot::Receiver<Payload>);

fn pair() -> Pair {
    oneshot::channel()
}

// --- the peer bugs ---------------------------------------------------------

/// The `oneshot` crate's 2022 use-after-free: a receiver polled once (so it
/// stored a waker) and then dropped before completion, while the sender
/// sends. Whichever side is last must free, exactly once.
#[test]
#[cfg_attr(miri, ignore = "covered with fewer iterations by the Miri seeds run")]
fn oneshot_polled_receiver_dropped_while_sender_sends() {
    polled_receiver_dropped_while_sender_sends(iterations());
}

/// The same scenario with Miri's iteration count, run under many seeds.
#[test]
fn miri_polled_receiver_dropped_while_sender_sends() {
    polled_receiver_dropped_while_sender_sends(if cfg!(miri) { 4 } else { 50 });
}

fn polled_receiver_dropped_while_sender_sends(iters: usize) {
    let ledger = Arc::new(Ledger::default());
    let waker = Arc::new(CountingWaker::default());
    race(
        iters,
        |i| {
            let (tx, rx) = pair();
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| {
            tx.send(msg).map_err(SendError::into_inner)
        },
        |mut rx| {
            let w = Waker::from(Arc::clone(&waker));
            let first = poll_once(&mut rx, &w).map(|r| r.map(|p| p.id));
            drop(rx);
            first
        },
        |i, sent, polled| match polled {
            Poll::Ready(Ok(id)) => {
                assert_eq!(id, i);
                assert!(sent.is_ok(), "a received message was also handed back");
            }
            Poll::Ready(Err(RecvError)) => panic!("disconnected without a sender drop"),
            Poll::Pending => {}
        },
    );
    ledger.assert_balanced();
    assert_eq!(Arc::strong_count(&waker), 1, "the channel leaked a waker");
}

/// The `oneshot` crate's RUSTSEC-2026-0005 and its still-open sibling: an
/// async receiver is dropped while `send` is waking it. The waker yields
/// inside `wake`, so the receiver's drop often lands in that window; the
/// sender must not touch the channel after it starts waking.
#[test]
#[cfg_attr(miri, ignore = "covered with fewer iterations by the Miri seeds run")]
fn rustsec_2026_0005_async_receiver_dropped_during_send_wake() {
    receiver_dropped_during_send_wake(iterations());
}

#[test]
fn miri_async_receiver_dropped_during_send_wake() {
    receiver_dropped_during_send_wake(if cfg!(miri) { 4 } else { 50 });
}

fn receiver_dropped_during_send_wake(iters: usize) {
    let ledger = Arc::new(Ledger::default());
    let waker = Arc::new(SlowWaker::default());
    let mut delivered = 0;
    race(
        iters,
        |i| {
            let (tx, mut rx) = pair();
            // Polled before the race, so the sender always finds a waker.
            let w = Waker::from(Arc::clone(&waker));
            assert!(poll_once(&mut rx, &w).is_pending());
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| tx.send(msg).is_ok(),
        |rx| {
            let had = rx.has_message();
            drop(rx);
            had
        },
        |_, sent, had| {
            // A receiver that saw the message can only have seen a send that
            // succeeded.
            assert!(
                sent || !had,
                "a refused message was visible to the receiver"
            );
            delivered += usize::from(sent);
        },
    );
    assert!(delivered <= iters);
    ledger.assert_balanced();
    assert_eq!(Arc::strong_count(&waker), 1, "the channel leaked a waker");
    assert!(waker.wakes.load(SeqCst) <= iters);
}

/// async-oneshot 0.5.9 yields the value twice (and double-frees) when it is
/// polled again after `Ready`. Here a receiver polls until `Ready` while the
/// sender sends, then polls again: it must get `Err(RecvError)`, and the
/// payload is dropped once.
#[test]
fn async_oneshot_poll_after_ready_yields_no_second_value() {
    let ledger = Arc::new(Ledger::default());
    let waker = Arc::new(CountingWaker::default());
    race(
        iterations(),
        |i| {
            let (tx, rx) = pair();
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| tx.send(msg).is_ok(),
        |mut rx| {
            let w = Waker::from(Arc::clone(&waker));
            let got = loop {
                match poll_once(&mut rx, &w) {
                    Poll::Ready(r) => break r.map(|p| p.id),
                    Poll::Pending => std::thread::yield_now(),
                }
            };
            assert!(rx.is_terminated());
            let again = (0..3)
                .map(|_| poll_once(&mut rx, &w).map(|r| r.map(|p| p.id)))
                .collect::<Vec<_>>();
            (got, again, rx.try_recv().map(|p| p.id))
        },
        |i, sent, (got, again, try_again)| {
            assert!(sent);
            assert_eq!(got, Ok(i));
            for poll in again {
                assert_eq!(
                    poll,
                    Poll::Ready(Err(RecvError)),
                    "a second value after Ready"
                );
            }
            assert_eq!(try_again, Err(TryRecvError::Disconnected));
        },
    );
    ledger.assert_balanced();
    assert_eq!(Arc::strong_count(&waker), 1, "the channel leaked a waker");
}

/// A receiver that polls with a different waker every time while the sender
/// sends (the pattern that exposed stale-waker bugs in several peers): the
/// channel must keep only the latest waker, drop the others, and the value
/// must arrive once. After a few polls the receiver blocks.
#[test]
fn new_waker_on_every_poll_while_sender_sends() {
    let ledger = Arc::new(Ledger::default());
    let wakers: Vec<Arc<CountingWaker>> = (0..4).map(|_| Arc::default()).collect();
    race(
        iterations(),
        |i| {
            let (tx, rx) = pair();
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| tx.send(msg).is_ok(),
        |mut rx| {
            for w in &wakers {
                let w = Waker::from(Arc::clone(w));
                if let Poll::Ready(r) = poll_once(&mut rx, &w) {
                    return r.map(|p| p.id);
                }
            }
            rx.recv().map(|p| p.id)
        },
        |i, sent, got| {
            assert!(sent);
            assert_eq!(got, Ok(i));
        },
    );
    ledger.assert_balanced();
    for w in &wakers {
        assert_eq!(
            Arc::strong_count(w),
            1,
            "the channel leaked a replaced waker"
        );
    }
}

/// tokio's #4225: `close` racing `send`, then `try_recv`. The outcomes must
/// agree: a send that succeeded happened before the close, so `try_recv`
/// gets its message; a send that failed got its message back and `try_recv`
/// reports `Disconnected`. Half the iterations also have the sender waiting
/// in `poll_closed`, so the close claims its waker while it sends.
#[test]
fn tokio_4225_close_racing_send() {
    let ledger = Arc::new(Ledger::default());
    let tx_waker = Arc::new(CountingWaker::default());
    race(
        iterations(),
        |i| {
            let (mut tx, rx) = pair();
            if i % 2 == 0 {
                let w = Waker::from(Arc::clone(&tx_waker));
                assert!(tx.poll_closed(&mut Context::from_waker(&w)).is_pending());
            }
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| {
            tx.send(msg).map_err(|e| e.into_inner().id)
        },
        |mut rx| {
            rx.close();
            let after = rx.try_recv().map(|p| p.id);
            (after, rx.is_closed())
        },
        |i, sent, (after, closed)| {
            match sent {
                Ok(()) => assert_eq!(after, Ok(i), "sent before the close, but lost"),
                Err(id) => {
                    assert_eq!(id, i, "the wrong message came back");
                    assert_eq!(after, Err(TryRecvError::Disconnected));
                }
            }
            assert!(closed);
        },
    );
    ledger.assert_balanced();
    assert_eq!(
        Arc::strong_count(&tx_waker),
        1,
        "the channel leaked the sender's waker"
    );
}

/// A `recv_timeout` with a tiny timeout racing `send`: if it times out, the
/// message must still be there for the next receive; if it returns the
/// message, it is the one that was sent. It never waits for the sender.
#[test]
#[cfg_attr(miri, ignore = "real time: Miri's clock makes this a plain try")]
fn timeout_racing_send() {
    let ledger = Arc::new(Ledger::default());
    race(
        iterations(),
        |i| {
            let (tx, rx) = pair();
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| tx.send(msg).is_ok(),
        |rx| {
            let first = rx.recv_timeout(Duration::from_micros(5)).map(|p| p.id);
            let timed_out = first == Err(RecvTimeoutError::Timeout);
            let second = match first {
                Err(RecvTimeoutError::Timeout) => rx.recv().map(|p| p.id).map_err(|_| ()),
                other => other.map_err(|_| ()),
            };
            (timed_out, second)
        },
        |i, sent, (_, second)| {
            assert!(sent);
            assert_eq!(second, Ok(i));
        },
    );
    ledger.assert_balanced();
}

/// The receiver's drop racing the sender's drop (unsent), in three
/// variants: neither waits, the receiver polled first (its waker is stored),
/// the sender polled `closed` first (its waker is stored). Exactly one side
/// frees; every waker is dropped.
#[test]
fn receiver_drop_racing_sender_drop() {
    let rx_waker = Arc::new(CountingWaker::default());
    let tx_waker = Arc::new(CountingWaker::default());
    race(
        iterations(),
        |i| {
            let (mut tx, mut rx) = oneshot::channel::<Box<u64>>();
            match i % 3 {
                1 => {
                    let w = Waker::from(Arc::clone(&rx_waker));
                    assert!(poll_once(&mut rx, &w).is_pending());
                }
                2 => {
                    let w = Waker::from(Arc::clone(&tx_waker));
                    assert!(tx.poll_closed(&mut Context::from_waker(&w)).is_pending());
                }
                _ => {}
            }
            (tx, rx)
        },
        drop,
        drop,
        |_, (), ()| {},
    );
    assert_eq!(
        Arc::strong_count(&rx_waker),
        1,
        "the channel leaked the receiver's waker"
    );
    assert_eq!(
        Arc::strong_count(&tx_waker),
        1,
        "the channel leaked the sender's waker"
    );
}

/// The receiver's drop racing a `send` of a message, with the receiver
/// polled first in odd iterations: the message is dropped exactly once,
/// either by the receiver, or (when the receiver went first) by the
/// `SendError` handed back.
#[test]
fn receiver_drop_racing_send() {
    let ledger = Arc::new(Ledger::default());
    let waker = Arc::new(CountingWaker::default());
    race(
        iterations(),
        |i| {
            let (tx, mut rx) = pair();
            if i % 2 == 1 {
                let w = Waker::from(Arc::clone(&waker));
                assert!(poll_once(&mut rx, &w).is_pending());
            }
            ((tx, ledger.payload(i)), rx)
        },
        |(tx, msg): (oneshot::Sender<Payload>, Payload)| {
            tx.send(msg).map_err(|e| e.into_inner().id)
        },
        drop,
        |i, sent, ()| {
            if let Err(id) = sent {
                assert_eq!(id, i);
            }
        },
    );
    ledger.assert_balanced();
    assert_eq!(Arc::strong_count(&waker), 1, "the channel leaked a waker");
}

/// A blocked `recv` racing the sender's drop: the receiver must wake and
/// report the disconnect (catty-style stalls would hang here).
#[test]
fn blocking_recv_racing_sender_drop() {
    race(
        iterations(),
        |_| oneshot::channel::<Box<u64>>(),
        drop,
        |rx| rx.recv().map(|b| *b),
        |_, (), got| assert_eq!(got, Err(RecvError)),
    );
}
