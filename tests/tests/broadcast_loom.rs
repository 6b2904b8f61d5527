//! loom models of `mpmc::broadcast`, through the public API (the shipped
//! code with loom's atomics, mutex, cells and threads swapped in).
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p oneshot-tests --release --test broadcast_loom -- --nocapture`.
//! The preemption bound is `MPMC_LOOM_MAX_PREEMPTIONS` if set, else
//! `LOOM_MAX_PREEMPTIONS`, else 3. Each model prints how many interleavings
//! it explored.
//!
//! What they cover:
//!
//! * the slot hand-off between the last reader and a waiting sender (a
//!   blocked `send` and a pending `send_async` on a full ring, against the
//!   receive that frees the slot: the sender's registration and re-check
//!   against the reader's free and `has_waiters`);
//! * a lagging receiver dropped or detached while a sender waits for the
//!   slot it holds;
//! * a receiver's registration racing a send (the lost wake-up window), for
//!   a blocked `recv` and a pending `recv_async`, with two waiting receivers
//!   woken by one send;
//! * the last sender's drop racing a blocked `recv`;
//! * the overwrite mode: a send overwriting the slot a reader is cloning
//!   (the reader's pin against the writer's claim: loom's cell tracking
//!   reports a clone that overlaps the overwrite), with the waiting send as
//!   a `try_send` (parked) and a `send_async` (pending); a lagging receiver
//!   dropped or detached while a send overwrites its slot; a blocked `recv`
//!   against two overwriting sends (`Lagged(n)` exact);
//! * `Sender::closed()` against the last receiver's drop (a pending future
//!   polled first, and one under `block_on`).
//!
//! A lost wake-up shows up as a deadlock, which loom reports. Every message
//! original is loom-tracked (a leak fails the model) and counted in a
//! per-model ledger (a second drop panics); clones are not tracked. As in
//! `mpmc_loom.rs`, the racing operations run on spawned threads and the
//! main thread only sets up, joins and checks.

#![cfg(loom)]

use std::pin::pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{Poll, Waker};

use loom::future::block_on;
use loom::thread;
use mpmc::broadcast::{self, RecvError, TryRecvError};
use oneshot_tests::loom_support::{self, poll, Counting, Ledger, Msg};

/// Runs `f` under every interleaving loom explores (preemption bound from
/// `MPMC_LOOM_MAX_PREEMPTIONS`, else `LOOM_MAX_PREEMPTIONS`, else 3) and
/// prints how many that was. Every message is a [`Msg`] counted in a
/// per-model [`Ledger`] (originals only: a receiver's clone is untracked).
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let bound_vars = ["MPMC_LOOM_MAX_PREEMPTIONS", "LOOM_MAX_PREEMPTIONS"];
    loom_support::model("broadcast_loom", &bound_vars, name, f);
}

fn id<E>(msg: Result<Msg, E>) -> Option<usize> {
    msg.ok().map(|m| m.id)
}

// ---- the slot hand-off -----------------------------------------------------

/// A full `channel(1)` with two receivers, one of which already read the
/// message: a blocked `send` against the other's receive, which is the last
/// read and frees the slot. The sender must be woken (or see the slot free
/// in its re-check); both receivers then get the new message, and the last
/// reader of each message got the original.
#[test]
fn last_reader_hands_the_slot_to_a_blocked_sender() {
    model("last_reader_hands_the_slot_to_a_blocked_sender", || {
        let ledger = Ledger::new();
        let (tx, mut first) = broadcast::channel::<Msg>(1);
        let mut last = first.clone();
        tx.try_send(ledger.msg(0)).unwrap();
        let early = first.try_recv().unwrap();
        assert!(early.original.is_none(), "not the last reader: a clone");
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.send(l.msg(1)).unwrap();
        });
        let reader = thread::spawn(move || {
            let msg = last.try_recv().unwrap();
            assert!(msg.original.is_some(), "the last reader moves");
            assert_eq!(msg.id, 0);
            last
        });
        sender.join().unwrap();
        let mut last = reader.join().unwrap();
        assert_eq!(id(first.try_recv()), Some(1));
        assert_eq!(id(last.try_recv()), Some(1));
        assert_eq!(last.try_recv().unwrap_err(), TryRecvError::Disconnected);
        drop((early, first, last));
        ledger.assert_all_dropped_once();
    });
}

/// The same hand-off to a pending `send_async` polled on its own thread by
/// loom's `block_on`.
#[test]
fn last_reader_hands_the_slot_to_a_pending_send_future() {
    model(
        "last_reader_hands_the_slot_to_a_pending_send_future",
        || {
            let ledger = Ledger::new();
            let (tx, mut rx) = broadcast::channel::<Msg>(1);
            tx.try_send(ledger.msg(0)).unwrap();
            let l = Arc::clone(&ledger);
            let sender = thread::spawn(move || {
                block_on(tx.send_async(l.msg(1))).unwrap();
            });
            let reader = thread::spawn(move || {
                assert_eq!(id(rx.try_recv()), Some(0));
                rx
            });
            sender.join().unwrap();
            let mut rx = reader.join().unwrap();
            assert_eq!(id(rx.try_recv()), Some(1));
            drop(rx);
            ledger.assert_all_dropped_once();
        },
    );
}

/// A full `channel(1)` with two waiting senders: a pending `send_async`
/// polled first (front of the list), and a second sender waiting on its own
/// thread (under loom's `block_on`). The reader frees the slot, which wakes
/// the front future; that future is then dropped without being polled
/// again, and its wake-up must pass on to the second sender, which then
/// sends. (A stalled second sender is a deadlock loom reports.)
///
/// The second sender waits as a future under `block_on`, not as a parked
/// thread: loom 0.7 turns an `unpark` that reaches a thread blocked on a
/// loom `Mutex` into the end of that mutex wait ("expected to be able to
/// acquire lock"), which real mutexes do not do, and a woken thread that
/// takes the channel's lock while the late `unpark` of its wake-up is still
/// on its way trips it. `block_on` waits on its own notifier instead.
#[test]
fn a_cancelled_woken_send_future_passes_the_slot_on() {
    model("a_cancelled_woken_send_future_passes_the_slot_on", || {
        let ledger = Ledger::new();
        let (tx, mut rx) = broadcast::channel::<Msg>(1);
        tx.try_send(ledger.msg(0)).unwrap();
        let counter = Arc::new(Counting::default());
        let waker = Waker::from(Arc::clone(&counter));
        let mut front = Box::pin(tx.send_async(ledger.msg(1)));
        assert!(poll(front.as_mut(), &waker).is_pending());
        let second = {
            let tx = tx.clone();
            let l = Arc::clone(&ledger);
            thread::spawn(move || block_on(tx.send_async(l.msg(2))).unwrap())
        };
        let reader = thread::spawn(move || {
            assert_eq!(id(rx.try_recv()), Some(0));
            rx
        });
        let mut rx = reader.join().unwrap();
        assert_eq!(counter.0.load(Relaxed), 1, "the front sender was woken");
        drop(front);
        second.join().unwrap();
        assert_eq!(id(rx.try_recv()), Some(2));
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

// ---- a lagging receiver leaves -----------------------------------------------

/// A full `channel(1)`: one receiver has read the message, the other lags.
/// A sender blocks for the slot while the lagging receiver is dropped or
/// detached: its departure releases the slot (dropping the original, which
/// it was the last holder of) and the sender gets in.
fn lagging_receiver_leaves_while_a_sender_waits(detach: bool) {
    let ledger = Ledger::new();
    let (tx, mut reader) = broadcast::channel::<Msg>(1);
    let lagging = reader.clone();
    tx.try_send(ledger.msg(0)).unwrap();
    drop(reader.try_recv().unwrap());
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || {
        tx.send(l.msg(1)).unwrap();
        tx
    });
    let leaver = thread::spawn(move || {
        if detach {
            Some(lagging.detach())
        } else {
            drop(lagging);
            None
        }
    });
    let tx = sender.join().unwrap();
    let detached = leaver.join().unwrap();
    assert_eq!(ledger.drops[0].load(Relaxed), 1, "released by the leaver");
    assert_eq!(id(reader.try_recv()), Some(1));
    assert_eq!(tx.receiver_count(), 1);
    drop((tx, reader, detached));
    ledger.assert_all_dropped_once();
}

#[test]
fn lagging_receiver_dropped_while_a_sender_waits() {
    model("lagging_receiver_dropped_while_a_sender_waits", || {
        lagging_receiver_leaves_while_a_sender_waits(false);
    });
}

#[test]
fn lagging_receiver_detached_while_a_sender_waits() {
    model("lagging_receiver_detached_while_a_sender_waits", || {
        lagging_receiver_leaves_while_a_sender_waits(true);
    });
}

/// A lagging receiver detaches while a `try_send` races it: the send is
/// either refused (full) or accepted after the release; the message is
/// received by the remaining receiver if accepted, and every original is
/// dropped once.
#[test]
fn detach_races_try_send() {
    model("detach_races_try_send", || {
        let ledger = Ledger::new();
        let (tx, mut reader) = broadcast::channel::<Msg>(1);
        let lagging = reader.clone();
        tx.try_send(ledger.msg(0)).unwrap();
        drop(reader.try_recv().unwrap());
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || (tx.try_send(l.msg(1)).is_ok(), tx));
        let leaver = thread::spawn(move || lagging.detach());
        let (sent, tx) = sender.join().unwrap();
        let detached = leaver.join().unwrap();
        let got = id(reader.try_recv());
        assert_eq!(got, sent.then_some(1));
        drop((tx, reader, detached));
        ledger.assert_all_dropped_once();
    });
}

// ---- registration racing a send (lost wake-up) -------------------------

/// A receiver blocking in `recv` against a `try_send`: the registration
/// and re-check against the publish and `has_waiters`.
#[test]
fn blocked_recv_races_send() {
    model("blocked_recv_races_send", || {
        let ledger = Ledger::new();
        let (tx, mut rx) = broadcast::channel::<Msg>(1);
        let receiver = thread::spawn(move || {
            let got = id(rx.recv());
            (got, rx)
        });
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.try_send(l.msg(0)).unwrap();
            tx
        });
        let tx = sender.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, Some(0));
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// Two receivers waiting (one blocked thread, one pending future polled
/// by `block_on`) and one send: both must be woken.
#[test]
fn one_send_wakes_both_waiting_receivers() {
    model("one_send_wakes_both_waiting_receivers", || {
        let ledger = Ledger::new();
        let (tx, mut a) = broadcast::channel::<Msg>(1);
        let mut b = a.clone();
        let ra = thread::spawn(move || id(a.recv()));
        let rb = thread::spawn(move || id(block_on(b.recv_async())));
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || tx.try_send(l.msg(0)).unwrap());
        sender.join().unwrap();
        assert_eq!(ra.join().unwrap(), Some(0));
        assert_eq!(rb.join().unwrap(), Some(0));
        ledger.assert_all_dropped_once();
    });
}

/// A pending `recv_async` registered with a counting waker (first poll on
/// the main thread before any other thread exists) against a send: the
/// waker fires or the re-poll finds the message.
#[test]
fn pending_recv_future_races_send() {
    model("pending_recv_future_races_send", || {
        let ledger = Ledger::new();
        let (tx, mut rx) = broadcast::channel::<Msg>(1);
        let counter = Arc::new(Counting::default());
        let waker = Waker::from(Arc::clone(&counter));
        {
            let mut recv = pin!(rx.recv_async());
            assert!(poll(recv.as_mut(), &waker).is_pending());
            let l = Arc::clone(&ledger);
            let sender = thread::spawn(move || {
                tx.try_send(l.msg(0)).unwrap();
                tx
            });
            let tx = sender.join().unwrap();
            assert_eq!(counter.0.load(Relaxed), 1, "woken once");
            match poll(recv.as_mut(), &waker) {
                Poll::Ready(msg) => assert_eq!(id(msg), Some(0)),
                Poll::Pending => panic!("woken but the message is not there"),
            }
            drop(tx);
        }
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// The last sender's drop against a blocked `recv` that drains first.
#[test]
fn last_sender_drop_races_blocked_recv() {
    model("last_sender_drop_races_blocked_recv", || {
        let ledger = Ledger::new();
        let (tx, mut rx) = broadcast::channel::<Msg>(1);
        let receiver = thread::spawn(move || {
            let first = id(rx.recv());
            let second = rx.recv().map(|m| m.id);
            (first, second)
        });
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.try_send(l.msg(0)).unwrap();
            drop(tx);
        });
        sender.join().unwrap();
        let (first, second) = receiver.join().unwrap();
        assert_eq!(first, Some(0));
        assert_eq!(second, Err(RecvError::Disconnected));
        ledger.assert_all_dropped_once();
    });
}

// ---- overwrite mode --------------------------------------------------------

/// `overwriting(1)` with two receivers and message 0 in the ring, unread by
/// both: `a` clones it (not the last reader) while a send overwrites it.
/// The reader's pin and the writer's claim exclude each other: either the
/// clone happens first (the send waits for the unpin, or finds the slot
/// unpinned) and `a` gets 0, or the overwrite does and `a` gets
/// `Lagged(1)`. A clone overlapping the overwrite is a race on the slot's
/// cell, which loom reports. `b` lagged in every case.
fn overwrite_races_a_reader_mid_clone(async_send: bool) {
    let ledger = Ledger::new();
    let (tx, mut a) = broadcast::overwriting::<Msg>(1);
    let mut b = a.clone();
    tx.try_send(ledger.msg(0)).unwrap();
    let reader = thread::spawn(move || {
        let got = a.try_recv().map(|m| {
            assert!(m.original.is_none(), "b has not read it: a clone");
            m.id
        });
        (got, a)
    });
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || {
        if async_send {
            block_on(tx.send_async(l.msg(1))).unwrap();
        } else {
            tx.try_send(l.msg(1)).unwrap();
        }
        tx
    });
    let tx = sender.join().unwrap();
    let (got, mut a) = reader.join().unwrap();
    assert!(
        got == Ok(0) || got == Err(TryRecvError::Lagged(1)),
        "{got:?}"
    );
    assert_eq!(ledger.drops[0].load(Relaxed), 1, "0 evicted by the send");
    assert_eq!(b.try_recv().unwrap_err(), TryRecvError::Lagged(1));
    assert_eq!(id(a.try_recv()), Some(1));
    assert_eq!(id(b.try_recv()), Some(1));
    drop((tx, a, b));
    ledger.assert_all_dropped_once();
}

#[test]
fn overwrite_try_send_races_a_reader_mid_clone() {
    model("overwrite_try_send_races_a_reader_mid_clone", || {
        overwrite_races_a_reader_mid_clone(false);
    });
}

#[test]
fn overwrite_send_future_races_a_reader_mid_clone() {
    model("overwrite_send_future_races_a_reader_mid_clone", || {
        overwrite_races_a_reader_mid_clone(true);
    });
}

/// `overwriting(1)`: `reader` read message 0, `lagging` did not. A send of
/// 1 races `lagging`'s drop or detach: either the leaver releases 0 first
/// (dropping it: the last holder) and the send finds the slot free, or the
/// send evicts 0 and the leaver finds its slot rewritten and releases
/// nothing. 0 is dropped exactly once either way, and `reader` gets 1.
fn overwrite_lagging_receiver_leaves_while_a_send_overwrites(detach: bool) {
    let ledger = Ledger::new();
    let (tx, mut reader) = broadcast::overwriting::<Msg>(1);
    let lagging = reader.clone();
    tx.try_send(ledger.msg(0)).unwrap();
    drop(reader.try_recv().unwrap());
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || {
        tx.try_send(l.msg(1)).unwrap();
        tx
    });
    let leaver = thread::spawn(move || {
        if detach {
            Some(lagging.detach())
        } else {
            drop(lagging);
            None
        }
    });
    let tx = sender.join().unwrap();
    let detached = leaver.join().unwrap();
    assert_eq!(ledger.drops[0].load(Relaxed), 1, "0 dropped once");
    let got = reader.try_recv().unwrap();
    assert_eq!(got.id, 1);
    drop(got);
    assert_eq!(tx.receiver_count(), 1);
    drop((tx, reader, detached));
    ledger.assert_all_dropped_once();
}

#[test]
fn overwrite_lagging_receiver_dropped_while_a_send_overwrites() {
    model(
        "overwrite_lagging_receiver_dropped_while_a_send_overwrites",
        || overwrite_lagging_receiver_leaves_while_a_send_overwrites(false),
    );
}

#[test]
fn overwrite_lagging_receiver_detached_while_a_send_overwrites() {
    model(
        "overwrite_lagging_receiver_detached_while_a_send_overwrites",
        || overwrite_lagging_receiver_leaves_while_a_send_overwrites(true),
    );
}

/// `overwriting(1)`: a receiver blocked in `recv` (twice) while a sender
/// sends 0 and 1 and drops. Whatever the interleaving, the receiver gets
/// 0 then 1, or `Lagged(1)` then 1; then `Disconnected`.
#[test]
fn overwrite_blocked_recv_races_two_overwriting_sends() {
    model("overwrite_blocked_recv_races_two_overwriting_sends", || {
        let ledger = Ledger::new();
        let (tx, mut rx) = broadcast::overwriting::<Msg>(1);
        let receiver = thread::spawn(move || {
            let first = rx.recv().map(|m| m.id);
            let second = rx.recv().map(|m| m.id);
            let third = rx.recv().map(|m| m.id);
            (first, second, third)
        });
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.try_send(l.msg(0)).unwrap();
            tx.try_send(l.msg(1)).unwrap();
        });
        sender.join().unwrap();
        let (first, second, third) = receiver.join().unwrap();
        assert!(
            first == Ok(0) || first == Err(RecvError::Lagged(1)),
            "{first:?}"
        );
        assert_eq!(second, Ok(1));
        assert_eq!(third, Err(RecvError::Disconnected));
        ledger.assert_all_dropped_once();
    });
}

// ---- closed() --------------------------------------------------------------

/// A `closed()` future's first poll (its registration, on its own thread,
/// with a counting waker) against the last receiver's drop: either the
/// poll sees the close, or it registered and the close wakes it exactly
/// once, and the re-poll is ready.
#[test]
fn closed_future_races_the_last_receiver_drop() {
    model("closed_future_races_the_last_receiver_drop", || {
        let (tx, rx) = broadcast::overwriting::<Msg>(1);
        let dropper = thread::spawn(move || drop(rx));
        let watcher = thread::spawn(move || {
            let counter = Arc::new(Counting::default());
            let waker = Waker::from(Arc::clone(&counter));
            let mut closed = pin!(tx.closed());
            let first = poll(closed.as_mut(), &waker).is_ready();
            // The drop is done once joined; then a pending poll was woken.
            dropper.join().unwrap();
            if !first {
                assert_eq!(counter.0.load(Relaxed), 1, "woken once");
                assert!(poll(closed.as_mut(), &waker).is_ready());
            }
        });
        watcher.join().unwrap();
    });
}

/// `closed()` awaited on one thread (its registration racing the close)
/// while another drops the last receiver: it must complete (a lost
/// wake-up is a deadlock loom reports).
#[test]
fn closed_awaited_races_the_last_receiver_drop() {
    model("closed_awaited_races_the_last_receiver_drop", || {
        let (tx, rx) = broadcast::channel::<Msg>(1);
        let waiter = thread::spawn(move || {
            block_on(tx.closed());
            assert!(tx.is_closed());
        });
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        waiter.join().unwrap();
    });
}
