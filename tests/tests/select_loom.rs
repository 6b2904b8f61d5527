//! loom models of `mpmc::Select`'s commit point, through the public API:
//! the same code that ships, with loom's atomics, mutex, cells and threads
//! swapped in by `mpmc/src/loom.rs`.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test -p oneshot-tests --release --test select_loom -- --nocapture`.
//! The preemption bound is `SELECT_LOOM_MAX_PREEMPTIONS` if set, else
//! `MPMC_LOOM_MAX_PREEMPTIONS` (CI's knob for every mpmc model), else
//! `LOOM_MAX_PREEMPTIONS`, else 3. Each model prints how many interleavings
//! it explored and how long that took.
//!
//! What the models cover (issue 18, "loom models of the commit point"):
//!
//! * two peers completing two arms of one select at once: exactly one arm
//!   completes, the other message stays queued;
//! * a peer committing while the select times out (a deadline already
//!   passed: under loom a timed park is a yield), and while its future is
//!   dropped; a committed, unused wake-up of a dropped future passes on to
//!   a blocked receiver;
//! * a rendezvous offer taken while the select future is dropped (the next
//!   call returns the completed send) or while the select times out (it
//!   reports the send): nothing lost or sent twice;
//! * pokes: a peer publishing (or calling a rendezvous puller) while the
//!   select is in its `BUSY` round; a lost poke is a lost wake-up, which
//!   loom reports as a deadlock; rendezvous selects on both ends;
//! * `close` against a blocked select, and two selects racing for one
//!   message (flume#135's shape).
//!
//! The selects are `biased()`: the fair start comes from a process-wide
//! seed, which would differ between loom's replays of one schedule.
//! Every message is a [`Msg`] that counts its drops in a per-model ledger
//! and holds a `loom::alloc::Track`. As in `mpmc_loom.rs`, the model's main
//! thread only sets up, joins and checks; every racing operation runs on a
//! spawned thread, and a thread that may block in a channel never joins.

#![cfg(loom)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use loom::thread;
use mpmc::Select;
use oneshot_tests::loom_support::{self, Ledger, Msg};

/// Runs `f` under every interleaving loom explores (preemption bound from
/// `SELECT_LOOM_MAX_PREEMPTIONS`, else `MPMC_LOOM_MAX_PREEMPTIONS`, else
/// `LOOM_MAX_PREEMPTIONS`, else 3) and
/// prints how many that was.
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    // The select's own knob, else the one CI sets for every mpmc model
    // (stage 30 runs the tests crate with LOOM_MAX_PREEMPTIONS=5 for the
    // oneshot models, too many for these).
    let bound_vars = [
        "SELECT_LOOM_MAX_PREEMPTIONS",
        "MPMC_LOOM_MAX_PREEMPTIONS",
        "LOOM_MAX_PREEMPTIONS",
    ];
    loom_support::model("select_loom", &bound_vars, name, f);
}

// ---- messages and wakers (the ledger and its messages: `loom_support`) -----------

/// A waker that does nothing.
struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn drain(rx: &mpmc::Receiver<Msg>) -> Vec<usize> {
    let mut ids = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        ids.push(msg.id);
    }
    ids
}

// ---- (1) two peers, two arms, one select --------------------------------------

/// Two senders publish on two channels (`bounded(1)` and `unbounded`) while
/// one thread blocks in a select over both receivers. Exactly one arm
/// completes; the other message stays queued and is drained afterwards.
#[test]
fn two_peers_complete_two_arms_of_one_select_at_once() {
    model("two_peers_complete_two_arms_of_one_select_at_once", || {
        let ledger = Ledger::new();
        let (tx1, rx1) = mpmc::bounded::<Msg>(1);
        let (tx2, rx2) = mpmc::unbounded::<Msg>();
        let (l1, l2) = (Arc::clone(&ledger), Arc::clone(&ledger));
        let s1 = thread::spawn(move || {
            tx1.try_send(l1.msg(0)).unwrap();
            tx1
        });
        let s2 = thread::spawn(move || {
            tx2.try_send(l2.msg(1)).unwrap();
            tx2
        });
        let selector = thread::spawn(move || {
            let got = Select::new()
                .recv(&rx1, |r| (0, r.unwrap().id))
                .recv(&rx2, |r| (1, r.unwrap().id))
                .biased()
                .select();
            (got, rx1, rx2)
        });
        let _tx1 = s1.join().unwrap();
        let _tx2 = s2.join().unwrap();
        let ((arm, id), rx1, rx2) = selector.join().unwrap();
        assert_eq!(arm, id, "the arm's own message");
        // The other arm took nothing.
        let (left1, left2) = (drain(&rx1), drain(&rx2));
        match arm {
            0 => assert_eq!((left1, left2), (vec![], vec![1])),
            _ => assert_eq!((left1, left2), (vec![0], vec![])),
        }
        drop((rx1, rx2));
        ledger.assert_all_dropped_once();
    });
}

// ---- (2) a peer commits while the select gives up ----------------------------

/// A select over `bounded(1)` and `unbounded` with a deadline that has
/// passed (it registers, arms once, and gives up: a CAS `ARMED -> BUSY`)
/// against a sender that may commit it meanwhile. If the sender won the
/// select, the select returns the message (never a timeout that leaves it
/// taken); otherwise it stays queued. Received or queued, exactly once.
#[test]
fn peer_commits_while_the_select_times_out() {
    model("peer_commits_while_the_select_times_out", || {
        let ledger = Ledger::new();
        let (tx1, rx1) = mpmc::bounded::<Msg>(1);
        let (_tx2, rx2) = mpmc::unbounded::<Msg>();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx1.try_send(l.msg(0)).unwrap();
            tx1
        });
        let selector = thread::spawn(move || {
            let got = Select::new()
                .recv(&rx2, |r| r.unwrap().id)
                .recv(&rx1, |r| r.unwrap().id)
                .biased()
                .select_deadline(Instant::now());
            (got.ok(), rx1, rx2)
        });
        let _tx1 = sender.join().unwrap();
        let (got, rx1, rx2) = selector.join().unwrap();
        let mut all: Vec<usize> = got.into_iter().collect();
        all.extend(drain(&rx1));
        assert!(drain(&rx2).is_empty());
        assert_eq!(all, [0], "received or queued, exactly once");
        drop((rx1, rx2));
        ledger.assert_all_dropped_once();
    });
}

/// A select future polled once (no-op waker) and dropped, on one thread,
/// while a sender sends: the sender's notification may commit the select
/// before, during or after the drop's disarm (`ARMED -> BUSY`). The future
/// took the message only if its poll returned it; otherwise it stays
/// queued. Exactly once either way.
#[test]
fn peer_commits_while_the_select_future_is_dropped() {
    model("peer_commits_while_the_select_future_is_dropped", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.try_send(l.msg(0)).unwrap();
            tx
        });
        let selector = thread::spawn(move || {
            let waker = Waker::from(Arc::new(Noop));
            let mut sel = Select::new().recv(&rx, |r| r.unwrap().id).biased();
            let mut fut = Box::pin(sel.select_async());
            let polled = fut.as_mut().poll(&mut Context::from_waker(&waker));
            drop(fut);
            drop(sel);
            (polled, rx)
        });
        let _tx = sender.join().unwrap();
        let (polled, rx) = selector.join().unwrap();
        let mut all: Vec<usize> = match polled {
            Poll::Ready(id) => vec![id],
            Poll::Pending => vec![],
        };
        all.extend(drain(&rx));
        assert_eq!(all, [0], "taken by the poll or queued, exactly once");
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// A select future is polled once (registered first in line: the channel
/// is empty), then its own thread sends, which commits it, and drops it
/// unpolled, while a receiving thread blocks in `recv` (registering before
/// or after the select). The committed, unused wake-up must pass on to the
/// receiving thread, or it sleeps for ever (loom reports the deadlock).
#[test]
fn a_dropped_woken_select_future_passes_the_wake_up_on() {
    model(
        "a_dropped_woken_select_future_passes_the_wake_up_on",
        || {
            let ledger = Ledger::new();
            let (tx, rx) = mpmc::bounded::<Msg>(1);
            let rx_sel = rx.clone();
            let l = Arc::clone(&ledger);
            let selector = thread::spawn(move || {
                let waker = Waker::from(Arc::new(Noop));
                let mut sel = Select::new().recv(&rx_sel, |r| r.unwrap().id).biased();
                let mut fut = Box::pin(sel.select_async());
                let polled = fut.as_mut().poll(&mut Context::from_waker(&waker));
                assert!(polled.is_pending(), "nothing was sent yet");
                tx.try_send(l.msg(0)).unwrap();
                drop(fut);
                drop(sel);
                (tx, rx_sel)
            });
            let receiver = thread::spawn(move || (rx.recv().unwrap().id, rx));
            let _kept = selector.join().unwrap();
            let (got, rx) = receiver.join().unwrap();
            assert_eq!(got, 0);
            assert!(drain(&rx).is_empty());
            drop(rx);
            ledger.assert_all_dropped_once();
        },
    );
}

// ---- (3) a rendezvous offer taken while the future is dropped ----------------

/// A select future with a rendezvous send arm is polled once (its message
/// offered in its entry, the select armed) and dropped, while a receiving
/// thread blocked in `recv` pulls the offer. The select's next call (a
/// blocking `select`) returns the completed send if the offer was taken, or
/// offers again; the receiver gets the message exactly once, and the select
/// reports exactly one completed send.
#[test]
fn rendezvous_offer_taken_while_the_select_future_is_dropped() {
    model(
        "rendezvous_offer_taken_while_the_select_future_is_dropped",
        || {
            let ledger = Ledger::new();
            let (tx, rx) = mpmc::bounded::<Msg>(0);
            let l = Arc::clone(&ledger);
            let selector = thread::spawn(move || {
                let waker = Waker::from(Arc::new(Noop));
                let mut sel = Select::new().send(&tx, l.msg(0), |r| r.is_ok()).biased();
                let mut fut = Box::pin(sel.select_async());
                let first = fut.as_mut().poll(&mut Context::from_waker(&waker));
                drop(fut);
                let sent = match first {
                    Poll::Ready(sent) => sent,
                    Poll::Pending => sel.select(),
                };
                assert!(sent, "the receiver is connected");
                assert_eq!(
                    sel.try_select(),
                    Err(mpmc::TrySelectError),
                    "the send completed twice"
                );
                drop(sel);
                tx
            });
            let receiver = thread::spawn(move || (rx.recv().unwrap().id, rx));
            let _tx = selector.join().unwrap();
            let (got, _rx) = receiver.join().unwrap();
            assert_eq!(got, 0);
            ledger.assert_all_dropped_once();
        },
    );
}

/// A rendezvous send arm with a deadline that has passed (it offers once,
/// arms and gives up) against a receiver's `try_recv`, which takes the
/// offer only if it commits the armed select. The receiver got the message
/// exactly when the select reports the send; otherwise the message is still
/// the select's (dropped with it).
#[test]
fn rendezvous_offer_taken_while_the_select_times_out() {
    model("rendezvous_offer_taken_while_the_select_times_out", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let l = Arc::clone(&ledger);
        let selector = thread::spawn(move || {
            let mut sel = Select::new().send(&tx, l.msg(0), |r| r.is_ok()).biased();
            let sent = sel.select_deadline(Instant::now()).is_ok();
            assert_eq!(sel.try_select(), Err(mpmc::TrySelectError));
            drop(sel);
            (sent, tx)
        });
        let receiver = thread::spawn(move || (rx.try_recv().ok().map(|m| m.id), rx));
        let (sent, _tx) = selector.join().unwrap();
        let (got, _rx) = receiver.join().unwrap();
        assert_eq!(
            got.is_some(),
            sent,
            "received {got:?}, select says sent: {sent}"
        );
        ledger.assert_all_dropped_once();
    });
}

// ---- (4) pokes -------------------------------------------------------------------

/// A reused select receives twice over two `bounded(1)` channels while a
/// sender publishes on one and then the other: a publish that lands while
/// the select is `BUSY` (registering, re-checking, or between its first
/// completion and its second round) skips it and pokes it; the select must
/// see the poke and re-check. Both messages arrive, once each.
#[test]
fn a_publish_pokes_the_select_in_its_busy_round() {
    model("a_publish_pokes_the_select_in_its_busy_round", || {
        let ledger = Ledger::new();
        let (tx1, rx1) = mpmc::bounded::<Msg>(1);
        let (tx2, rx2) = mpmc::bounded::<Msg>(1);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx1.try_send(l.msg(0)).unwrap();
            tx2.try_send(l.msg(1)).unwrap();
            (tx1, tx2)
        });
        let selector = thread::spawn(move || {
            let mut sel = Select::new()
                .recv(&rx2, |r| r.unwrap().id)
                .recv(&rx1, |r| r.unwrap().id)
                .biased();
            let mut got = vec![sel.select(), sel.select()];
            drop(sel);
            got.sort_unstable();
            (got, rx1, rx2)
        });
        let _txs = sender.join().unwrap();
        let (got, _rx1, _rx2) = selector.join().unwrap();
        assert_eq!(got, [0, 1]);
        ledger.assert_all_dropped_once();
    });
}

/// Both ends of one rendezvous channel are selects on two threads: one
/// sends, one receives, both blocking. Whichever registers first is either
/// pulled (the receiver commits the armed sender), called (the armed
/// sender's offer wakes the receiving select), or poked while `BUSY` and
/// re-checks. The message passes exactly once and neither select sleeps for
/// ever.
#[test]
fn rendezvous_selects_on_both_ends_poke_each_other() {
    model("rendezvous_selects_on_both_ends_poke_each_other", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            let sent = Select::new()
                .send(&tx, l.msg(0), |r| r.is_ok())
                .biased()
                .select();
            (sent, tx)
        });
        let receiver = thread::spawn(move || {
            let got = Select::new().recv(&rx, |r| r.unwrap().id).biased().select();
            (got, rx)
        });
        let (sent, _tx) = sender.join().unwrap();
        let (got, _rx) = receiver.join().unwrap();
        assert!(sent);
        assert_eq!(got, 0);
        ledger.assert_all_dropped_once();
    });
}

// ---- more races ------------------------------------------------------------

/// `close` of one channel against a select blocked over it and a
/// rendezvous: the disconnection must commit (or poke) the select, which
/// completes that arm with the error; the other arm takes nothing.
#[test]
fn close_races_a_blocking_select() {
    model("close_races_a_blocking_select", || {
        let (tx1, rx1) = mpmc::bounded::<Msg>(1);
        let (_tx2, rx2) = mpmc::bounded::<Msg>(0);
        let closer = thread::spawn(move || {
            assert!(tx1.close());
            tx1
        });
        let selector = thread::spawn(move || {
            let got = Select::new()
                .recv(&rx2, |r| (2, r.is_err()))
                .recv(&rx1, |r| (1, r.is_err()))
                .biased()
                .select();
            (got, rx1, rx2)
        });
        let _tx1 = closer.join().unwrap();
        let (got, _rx1, _rx2) = selector.join().unwrap();
        assert_eq!(got, (1, true));
    });
}

/// Two selects on two threads race for one message (each over the same
/// `bounded(1)` receiver, with a deadline that has passed); the first
/// thread sends it before its select, so the other select may be registered
/// and committed by that send, or find it queued, or lose it to the sender's
/// own select. Exactly one select gets it, or it stays queued.
/// flume#135's shape, at the commit point. (With a third thread as the
/// sender the model takes over 100 s at preemption bound 3.)
#[test]
fn two_selects_race_for_one_message() {
    model("two_selects_race_for_one_message", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        let l = Arc::clone(&ledger);
        let select_once = |rx: &mpmc::Receiver<Msg>| {
            Select::new()
                .recv(rx, |r| r.unwrap().id)
                .select_deadline(Instant::now())
                .ok()
        };
        let rx_a = rx.clone();
        let a = thread::spawn(move || {
            tx.try_send(l.msg(0)).unwrap();
            (select_once(&rx_a), rx_a, tx)
        });
        let rx_b = rx.clone();
        let b = thread::spawn(move || (select_once(&rx_b), rx_b));
        let (got_a, _rx_a, _tx) = a.join().unwrap();
        let (got_b, _rx_b) = b.join().unwrap();
        let mut all: Vec<usize> = got_a.into_iter().chain(got_b).collect();
        all.extend(drain(&rx));
        assert_eq!(all, [0], "one select, or the queue, has it: once");
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}
