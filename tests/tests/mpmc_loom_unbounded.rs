//! loom models of `mpmc::unbounded()` (the bounded ring plus a locked
//! overflow, `mpmc/src/flavor/overflow.rs`), through the public API. Under
//! loom the ring has 2 slots, so a third queued message overflows.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p oneshot-tests --release --test mpmc_loom_unbounded -- --nocapture`.
//! The preemption bound is `MPMC_LOOM_MAX_PREEMPTIONS` if set, else
//! `LOOM_MAX_PREEMPTIONS`, else 3. Each model prints how many interleavings
//! it explored.
//!
//! What they cover (issue 16's reproductions, on the new flavor):
//!
//! * a receiver blocked in `recv` against a send that goes to the overflow
//!   (the lost wake-up window of the overflow push);
//! * two blocked receivers while one of them refills the ring from the
//!   overflow (a refill publishes into the ring without notifying: the other
//!   must take the lock or re-read, never park on a busy refill slot);
//! * `close()` racing an in-flight `try_send` while a receiver blocks in
//!   `recv` (the R6 shape: the receiver must finish, with every message sent
//!   before the close);
//! * the last receiver's drop racing two senders, one on the ring and one
//!   on the overflow (the R3 shape: once everybody returned, nothing is left
//!   queued; every message is dropped exactly once).
//!
//! Every racing operation runs on a spawned thread (see `mpmc_loom.rs` for
//! why); a lost wake-up shows up as a deadlock, which loom reports.

#![cfg(loom)]

use std::sync::Arc;

use loom::thread;
use mpmc::{RecvError, TrySendError};
use oneshot_tests::loom_support::{self, Ledger, Msg};

/// Runs `f` under every interleaving loom explores (preemption bound from
/// `MPMC_LOOM_MAX_PREEMPTIONS`, else `LOOM_MAX_PREEMPTIONS`, else 3) and
/// prints how many that was. Every message is a [`Msg`] counted in a
/// per-model [`Ledger`].
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let bound_vars = ["MPMC_LOOM_MAX_PREEMPTIONS", "LOOM_MAX_PREEMPTIONS"];
    loom_support::model("mpmc_loom_unbounded", &bound_vars, name, f);
}

/// The ring (2) is full; a receiver blocks in `recv` for the third message
/// while the sender's `try_send` goes to the overflow (or to the ring, if
/// the receiver made room first). The receiver registers (setting
/// `RX_WAIT` in `tail`) and re-checks; the sender pushes under the lock and
/// then loads `tail`: one of them must see the other.
#[test]
fn blocked_recv_vs_overflowing_try_send() {
    model("blocked_recv_vs_overflowing_try_send", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::unbounded::<Msg>();
        tx.try_send(ledger.msg(0)).unwrap();
        tx.try_send(ledger.msg(1)).unwrap();
        let receiver = thread::spawn(move || {
            let got: Vec<usize> = (0..3).map(|_| rx.recv().unwrap().id).collect();
            (got, rx)
        });
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.try_send(l.msg(2)).unwrap();
            tx
        });
        let tx = sender.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, [0, 1, 2]);
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// The ring holds 0 and 1, the overflow 2 and 3. Two threads receive two
/// messages each with blocking `recv`: whoever finds the ring empty takes 2
/// from the overflow and refills 3 into the ring, publishing without a
/// notification, while the other may be registered and re-checking (it may
/// find the refill's slot busy). Nobody may sleep with a message queued.
#[test]
fn blocked_recv_vs_refill() {
    model("blocked_recv_vs_refill", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::unbounded::<Msg>();
        for id in 0..4 {
            tx.try_send(ledger.msg(id)).unwrap();
        }
        let receivers: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || {
                    let got: Vec<usize> = (0..2).map(|_| rx.recv().unwrap().id).collect();
                    (got, rx)
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut keep = Vec::new();
        for r in receivers {
            let (got, rx) = r.join().unwrap();
            assert!(got[0] < got[1], "one receiver's order: {got:?}");
            all.extend(got);
            keep.push(rx);
        }
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3]);
        drop((tx, rx, keep));
        ledger.assert_all_dropped_once();
    });
}

/// R6's shape: the overflow holds a message (the ring, 2, was filled and
/// then received from, so `OVERFLOW` is still set), a receiver blocks in
/// `recv` until the channel is disconnected, a sender's `try_send` (to the
/// overflow) races a `close()`. The receiver must finish (loom reports a
/// deadlock otherwise) with exactly the messages whose sends succeeded, in
/// order.
#[test]
fn close_vs_try_send_with_a_blocked_receiver() {
    model("close_vs_try_send_with_a_blocked_receiver", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::unbounded::<Msg>();
        for id in 0..3 {
            tx.try_send(ledger.msg(id)).unwrap();
        }
        assert_eq!(rx.try_recv().unwrap().id, 0);
        assert_eq!(rx.try_recv().unwrap().id, 1);
        let receiver = thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                match rx.recv() {
                    Ok(msg) => got.push(msg.id),
                    Err(RecvError) => return (got, rx),
                }
            }
        });
        let closer = tx.clone();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || match tx.try_send(l.msg(3)) {
            Ok(()) => (true, tx),
            Err(TrySendError::Disconnected(msg)) => {
                assert_eq!(msg.id, 3);
                (false, tx)
            }
            Err(TrySendError::Full(_)) => panic!("an unbounded channel was full"),
        });
        let closer = thread::spawn(move || {
            closer.close();
            closer
        });
        let (sent, tx) = sender.join().unwrap();
        let closer = closer.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        if sent {
            assert_eq!(got, [2, 3]);
        } else {
            assert_eq!(got, [2]);
        }
        drop((tx, closer, rx));
        ledger.assert_all_dropped_once();
    });
}

/// R3's shape: the ring holds one message; two senders send one each (one
/// claims the ring's last slot, the other goes to the overflow, in either
/// order) while the last receiver is dropped. Once the dropper and both
/// senders have returned, nothing may be left queued: every message was
/// dropped by the drain, by a sender that got it back, or by the sender
/// that published after the drain (it saw MARK and no receiver).
#[test]
fn last_receiver_drop_vs_two_senders() {
    model("last_receiver_drop_vs_two_senders", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::unbounded::<Msg>();
        tx.try_send(ledger.msg(0)).unwrap();
        let senders: Vec<_> = (1..3)
            .map(|id| {
                let tx = tx.clone();
                let l = Arc::clone(&ledger);
                thread::spawn(move || {
                    if let Err(TrySendError::Disconnected(msg)) = tx.try_send(l.msg(id)) {
                        assert_eq!(msg.id, id);
                    }
                    tx
                })
            })
            .collect();
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        let keep: Vec<_> = senders.into_iter().map(|s| s.join().unwrap()).collect();
        let queued: Vec<usize> = (0..3).filter(|&id| ledger.drops(id) == 0).collect();
        assert!(
            queued.is_empty(),
            "still queued after the last receiver: {queued:?}"
        );
        drop((tx, keep));
        ledger.assert_all_dropped_once();
    });
}
