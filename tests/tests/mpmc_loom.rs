//! loom models of the `mpmc` channels, through the public API: the same code
//! that ships, with loom's atomics, mutex, cells and threads swapped in by
//! `mpmc/src/loom.rs`.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p oneshot-tests --release --test mpmc_loom -- --nocapture`.
//! The preemption bound is `MPMC_LOOM_MAX_PREEMPTIONS` if set, else
//! `LOOM_MAX_PREEMPTIONS`, else 3 (CI's stage 30 runs the oneshot models at 5
//! and these at 3 in one `cargo test`). Each model prints how many
//! interleavings it explored and how long that took.
//!
//! What the models cover (see RELIABILITY.md, "mpmc"):
//!
//! * send against receive at the full and the empty boundary: `bounded(1)`,
//!   `bounded(2)` across the ring's wrap, `unbounded` across a block (the
//!   unbounded ring has 2 slots under loom, so the overflow is reached);
//! * registration racing notification, the lost wake-up window: a thread
//!   blocked in `recv` (or a task in `recv_async`) against `try_send`, a
//!   thread blocked in `send` on a full channel against `try_recv`;
//! * a woken `RecvFuture` that is dropped: the wake-up passes on;
//! * `SendFuture::cancel` racing a receiver's take (`bounded(1)` full and
//!   `bounded(0)`), and a cancelled send future passing its wake-up on;
//! * the rendezvous hand-off, with cancellation on either and both sides;
//! * `close` and the last sender's or receiver's drop racing each
//!   operation.
//!
//! Every message is a [`Msg`]: it counts its drops in a per-model ledger (a
//! second drop panics at once, and each model checks at the end that every
//! message made was dropped exactly once) and holds a `loom::alloc::Track`,
//! so loom reports a leaked one. A lost wake-up shows up as a deadlock
//! (every thread parked), which loom reports.
//!
//! Every racing operation runs on a spawned thread; the model's main thread
//! only sets the channel up (including a first poll of a future, before any
//! other thread exists), joins, and checks. Two reasons. A thread that waits
//! in a blocking call may get a late unpark (a harmless spurious wake-up in
//! std), and loom lets such an unpark end a `join`, so a thread that may
//! block in the channel must never join (the rule of `loom.rs`). And loom 0.7
//! explores too few schedules when the main thread races with plain loads:
//! with main calling `try_recv` against a spawned `try_send` it explored one
//! interleaving (the mpmc shim keeps loads as loads, unlike `oneshot`'s);
//! `loom_explores_both_orders` checks that these models do explore both.
//! Under loom a timed park is a yield, so timeouts here are `Duration::ZERO`.

#![cfg(loom)]

use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use loom::future::block_on;
use loom::thread;
use mpmc::{RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use oneshot_tests::loom_support::{self, counting_waker, poll, Ledger, Msg};

/// Runs `f` under every interleaving loom explores (preemption bound from
/// `MPMC_LOOM_MAX_PREEMPTIONS`, else `LOOM_MAX_PREEMPTIONS`, else 3) and
/// prints how many that was.
fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let bound_vars = ["MPMC_LOOM_MAX_PREEMPTIONS", "LOOM_MAX_PREEMPTIONS"];
    loom_support::model("mpmc_loom", &bound_vars, name, f);
}

// ---- messages (the ledger, its messages and the wakers: `loom_support`) -----

fn id(msg: &Result<Msg, impl std::fmt::Debug>) -> Option<usize> {
    msg.as_ref().ok().map(|m| m.id)
}

/// Takes every message still queued, in order (`Empty` or `Disconnected`
/// ends it).
fn drain(rx: &mpmc::Receiver<Msg>) -> Vec<usize> {
    let mut ids = Vec::new();
    while let Ok(msg) = rx.try_recv() {
        ids.push(msg.id);
    }
    ids
}

// ---- loom explores the orders -----------------------------------------------

/// A sanity check of the harness: a `try_send` and a `try_recv` on two
/// spawned threads; loom must explore both the receive-first and the
/// send-first order.
#[test]
fn loom_explores_both_orders() {
    let outcomes = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = Arc::clone(&outcomes);
    model("loom_explores_both_orders", move || {
        let (tx, rx) = mpmc::bounded::<u32>(1);
        let sender = thread::spawn(move || tx.try_send(1).unwrap());
        let receiver = thread::spawn(move || (rx.try_recv().is_ok(), rx));
        sender.join().unwrap();
        let (received, _rx) = receiver.join().unwrap();
        seen.lock().unwrap().insert(received);
    });
    let outcomes = outcomes.lock().unwrap();
    assert!(outcomes.contains(&true), "send-first order never explored");
    assert!(outcomes.contains(&false), "recv-first order never explored");
}

// ---- send vs receive at the full and empty boundaries -------------------

/// Two `try_send`s against two `try_recv`s on one channel. Whatever
/// `try_send` refused was never received; what it accepted is received
/// exactly once, in order. The receiver is returned (kept alive) so that no
/// send sees the receivers gone.
fn try_send_vs_try_recv(cap: usize, presend: usize) {
    let ledger = Ledger::new();
    let (tx, rx) = mpmc::bounded::<Msg>(cap);
    // Move the positions on, so the racing sends start at index `presend`.
    for i in 0..presend {
        tx.try_send(ledger.msg(i)).unwrap();
        assert_eq!(rx.try_recv().unwrap().id, i);
    }
    let first = presend;
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || {
        let mut sent = Vec::new();
        for i in first..first + 2 {
            match tx.try_send(l.msg(i)) {
                Ok(()) => sent.push(i),
                Err(TrySendError::Full(msg)) => assert_eq!(msg.id, i),
                Err(TrySendError::Disconnected(_)) => panic!("disconnected"),
            }
        }
        sent
    });
    let receiver = thread::spawn(move || {
        let got: Vec<usize> = (0..2).filter_map(|_| id(&rx.try_recv())).collect();
        (got, rx)
    });
    let sent = sender.join().unwrap();
    let (mut got, rx) = receiver.join().unwrap();
    assert!(!sent.is_empty(), "a free slot refused the first send");
    got.extend(drain(&rx));
    assert_eq!(got, sent);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Disconnected);
    drop(rx);
    ledger.assert_all_dropped_once();
}

/// `bounded(1)`: the sender fills the one slot and tries again while the
/// receiver empties it (the full and the empty boundary in one model).
#[test]
fn bounded1_try_send_vs_try_recv_at_both_boundaries() {
    model("bounded1_try_send_vs_try_recv_at_both_boundaries", || {
        try_send_vs_try_recv(1, 0);
    });
}

/// `bounded(2)`, started at index 1 so the sends cross the ring's wrap (the
/// second lands in slot 0 of the next lap) while the receiver takes.
#[test]
fn bounded2_try_send_vs_try_recv_across_the_wrap() {
    model("bounded2_try_send_vs_try_recv_across_the_wrap", || {
        try_send_vs_try_recv(2, 1);
    });
}

/// `unbounded` across a block boundary (blocks of 2 under loom): the sender
/// fills the last slot of block 0 (installing block 1) and the first of
/// block 1 while a receiver blocks in `recv`. The receiver may find a slot
/// claimed but unwritten (it abandons it and waits; the sender re-sends and
/// notifies) or the head exhausted before the link (it hands the move over
/// and waits): either way it must be woken, and get 0, 1, 2 in order.
#[test]
fn unbounded_blocking_recv_across_a_block() {
    model("unbounded_blocking_recv_across_a_block", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::unbounded::<Msg>();
        tx.send(ledger.msg(0)).unwrap();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.try_send(l.msg(1)).unwrap(); // last slot of block 0
            tx.try_send(l.msg(2)).unwrap(); // first slot of block 1
        });
        let receiver = thread::spawn(move || {
            let got: Vec<usize> = (0..3).map(|_| rx.recv().unwrap().id).collect();
            assert_eq!(rx.recv().unwrap_err(), RecvError);
            got
        });
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), [0, 1, 2]);
        ledger.assert_all_dropped_once();
    });
}

// ---- registration racing notification (the lost wake-up window) ---------

/// A thread blocked in `recv` on an empty channel against `try_send`: the
/// receiver registers and re-checks while the sender publishes and checks
/// for waiters. One of them must see the other, or the receiver sleeps for
/// ever (loom reports the deadlock). The receiver is kept alive after its
/// receive (returned), so the model is only about the wake-up.
fn blocked_recv_vs_try_send(tx: mpmc::Sender<Msg>, rx: mpmc::Receiver<Msg>) {
    let ledger = Ledger::new();
    let receiver = thread::spawn(move || (rx.recv().unwrap().id, rx));
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || tx.try_send(l.msg(3)).unwrap());
    sender.join().unwrap();
    let (got, rx) = receiver.join().unwrap();
    assert_eq!(got, 3);
    drop(rx);
    ledger.assert_all_dropped_once();
}

#[test]
fn blocked_recv_vs_try_send_bounded1() {
    model("blocked_recv_vs_try_send_bounded1", || {
        let (tx, rx) = mpmc::bounded(1);
        blocked_recv_vs_try_send(tx, rx);
    });
}

/// The same window on `unbounded` (the ring's publish, with the overflow
/// behind it).
#[test]
fn blocked_recv_vs_try_send_unbounded() {
    model("blocked_recv_vs_try_send_unbounded", || {
        let (tx, rx) = mpmc::unbounded();
        blocked_recv_vs_try_send(tx, rx);
    });
}

/// The same, except that the receiver drops its (last) handle right after
/// its receive, while the sender may still be in `try_send`'s check for
/// waiters and for a gone receiver. FINDING (see RELIABILITY.md): on
/// `bounded(1)` the sender's drain of the queue (`discard_all`) can re-read
/// a stale `head` for ever in `Array::try_recv`'s "another receiver moved
/// past" branch, and loom stops with "exceeded maximum number of branches".
#[test]
fn blocked_recv_then_last_receiver_drop_vs_try_send_bounded1() {
    model(
        "blocked_recv_then_last_receiver_drop_vs_try_send_bounded1",
        || {
            let ledger = Ledger::new();
            let (tx, rx) = mpmc::bounded::<Msg>(1);
            let receiver = thread::spawn(move || rx.recv().unwrap().id);
            let l = Arc::clone(&ledger);
            let sender = thread::spawn(move || tx.try_send(l.msg(3)).unwrap());
            sender.join().unwrap();
            assert_eq!(receiver.join().unwrap(), 3);
            ledger.assert_all_dropped_once();
        },
    );
}

/// The same on `unbounded`.
#[test]
fn blocked_recv_then_last_receiver_drop_vs_try_send_unbounded() {
    model(
        "blocked_recv_then_last_receiver_drop_vs_try_send_unbounded",
        || {
            let ledger = Ledger::new();
            let (tx, rx) = mpmc::unbounded::<Msg>();
            let receiver = thread::spawn(move || rx.recv().unwrap().id);
            let l = Arc::clone(&ledger);
            let sender = thread::spawn(move || tx.try_send(l.msg(3)).unwrap());
            sender.join().unwrap();
            assert_eq!(receiver.join().unwrap(), 3);
            ledger.assert_all_dropped_once();
        },
    );
}

/// The lost wake-up window with a task: `recv_async` driven by loom's
/// `block_on` (whose waker blocks the thread in loom until woken).
#[test]
fn pending_recv_async_vs_try_send_bounded1() {
    model("pending_recv_async_vs_try_send_bounded1", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        let receiver = thread::spawn(move || (block_on(rx.recv_async()).unwrap().id, rx));
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || tx.try_send(l.msg(3)).unwrap());
        sender.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, 3);
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// A thread blocked in `send` on a full `bounded(1)` against `try_recv`:
/// the sender registers and re-checks while the receiver releases the slot
/// and checks for waiting senders.
#[test]
fn blocked_send_on_full_vs_try_recv_bounded1() {
    model("blocked_send_on_full_vs_try_recv_bounded1", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        tx.try_send(ledger.msg(0)).unwrap();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            tx.send(l.msg(1)).unwrap();
            tx
        });
        let receiver = thread::spawn(move || (rx.try_recv().unwrap().id, rx));
        let tx = sender.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, 0);
        drop(tx);
        assert_eq!(drain(&rx), [1]);
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// The same window with a task: `send_async` on a full `bounded(2)`.
#[test]
fn pending_send_async_on_full_vs_try_recv_bounded2() {
    model("pending_send_async_on_full_vs_try_recv_bounded2", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(2);
        tx.try_send(ledger.msg(0)).unwrap();
        tx.try_send(ledger.msg(1)).unwrap();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            block_on(tx.send_async(l.msg(2))).unwrap();
            tx
        });
        let receiver = thread::spawn(move || (rx.try_recv().unwrap().id, rx));
        let tx = sender.join().unwrap();
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, 0);
        drop(tx);
        assert_eq!(drain(&rx), [1, 2]);
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// Rendezvous: `try_send` succeeds only if a thread blocked in `recv` takes
/// the message within the call. Otherwise it is `Full`, and the receiver
/// then sees the disconnection (the sender's drop).
#[test]
fn blocked_recv_vs_try_send_rendezvous() {
    model("blocked_recv_vs_try_send_rendezvous", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let receiver = thread::spawn(move || id(&rx.recv()));
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || match tx.try_send(l.msg(0)) {
            Ok(()) => true,
            Err(TrySendError::Full(msg)) => {
                assert_eq!(msg.id, 0);
                false
            }
            Err(TrySendError::Disconnected(_)) => panic!("disconnected"),
        });
        let sent = sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), sent.then_some(0));
        ledger.assert_all_dropped_once();
    });
}

/// Rendezvous, both sides blocking: whoever arrives first waits for the
/// other (the sender offers its message in its node; the receiver pulls it,
/// or a blocked receiver is handed it).
#[test]
fn blocked_send_vs_blocked_recv_rendezvous() {
    model("blocked_send_vs_blocked_recv_rendezvous", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || tx.send(l.msg(0)).unwrap());
        let receiver = thread::spawn(move || rx.recv().unwrap().id);
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), 0);
        ledger.assert_all_dropped_once();
    });
}

// ---- a woken RecvFuture that is cancelled ----------------------------------

/// Two receivers on an empty channel: a future polled first (before any
/// other thread exists, so it is first in line) and a thread blocked in
/// `recv`. A send wakes the future, which is dropped on a third thread
/// without being polled again (before or after the wake): the wake-up must
/// pass to the blocked thread, which gets the message. On `bounded(0)` the
/// send is a blocking `send`, whose offer wakes the future (a future is
/// never handed a message) and which completes only when the thread pulls.
fn woken_recv_future_dropped(cap: usize) {
    let ledger = Ledger::new();
    let (tx, rx) = mpmc::bounded::<Msg>(cap);
    let (_count, waker) = counting_waker();
    let mut future = Box::pin(rx.clone().into_recv_async());
    assert!(poll(future.as_mut(), &waker).is_pending());
    // The receiver is returned (kept alive), so the model is only about the
    // wake-up.
    let receiver = thread::spawn(move || (rx.recv().unwrap().id, rx));
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || {
        if cap == 0 {
            tx.send(l.msg(0)).unwrap();
        } else {
            tx.try_send(l.msg(0)).unwrap();
        }
        tx
    });
    let canceller = thread::spawn(move || drop(future));
    canceller.join().unwrap();
    let tx = sender.join().unwrap();
    let (got, rx) = receiver.join().unwrap();
    assert_eq!(got, 0);
    drop((tx, rx));
    ledger.assert_all_dropped_once();
}

#[test]
fn woken_recv_future_dropped_passes_the_wake_up_on_bounded1() {
    model(
        "woken_recv_future_dropped_passes_the_wake_up_on_bounded1",
        || {
            woken_recv_future_dropped(1);
        },
    );
}

#[test]
fn woken_recv_future_dropped_passes_the_wake_up_on_rendezvous() {
    model(
        "woken_recv_future_dropped_passes_the_wake_up_on_rendezvous",
        || woken_recv_future_dropped(0),
    );
}

// ---- SendFuture::cancel racing a receiver ---------------------------------

/// `bounded(1)` full: a pending send future (its message offered in its
/// node) is re-polled and then cancelled while a receiver empties the
/// channel. The message is either in the channel (the re-poll sent it, or
/// the receive that made room completed the offered send: `cancel` gives
/// `None`) or handed back by `cancel` — never both, never neither.
#[test]
fn send_future_cancel_vs_recv_bounded1_full() {
    model("send_future_cancel_vs_recv_bounded1_full", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        tx.try_send(ledger.msg(0)).unwrap();
        let (_count, waker) = counting_waker();
        let mut future = Box::pin(tx.clone().into_send_async(ledger.msg(1)));
        assert!(poll(future.as_mut(), &waker).is_pending());
        let canceller = thread::spawn(move || {
            let polled = match poll(future.as_mut(), &waker) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(_)) => panic!("disconnected"),
                Poll::Pending => false,
            };
            let back = future.as_mut().cancel().map(|m| m.id);
            assert!(
                !(polled && back.is_some()),
                "a completed send has nothing to cancel"
            );
            back.is_none()
        });
        let receiver = thread::spawn(move || {
            let first = rx.try_recv().unwrap().id;
            let second = id(&rx.try_recv());
            (first, second, rx)
        });
        let sent = canceller.join().unwrap();
        let (first, second, rx) = receiver.join().unwrap();
        assert_eq!(first, 0);
        let mut rest: Vec<usize> = second.into_iter().collect();
        rest.extend(drain(&rx));
        assert_eq!(rest, if sent { vec![1] } else { vec![] });
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// `bounded(1)` full, two waiting senders, both offering their messages: a
/// send future (first in line) and a thread blocked in `send`. A receive
/// completes the first offer it finds — the future's unless it was
/// cancelled first (`cancel` then returns `None`) — or, if another send
/// took the room first, wakes the future, whose cancel must pass that
/// wake-up on to the thread. Either way the thread's send completes and
/// every message arrives once.
///
/// Four threads with a blocking loop: 2,648,801 interleavings (435 s) at
/// bound 3, so it runs at bound 2 (143,983, about 23 s); the race it is
/// about (a receive's completion or wake-up against a cancel) needs one
/// preemption.
#[test]
fn cancelled_send_future_passes_the_wake_up_on() {
    let bound_vars = ["MPMC_LOOM_MAX_PREEMPTIONS", "LOOM_MAX_PREEMPTIONS"];
    loom_support::model_capped(
        "mpmc_loom",
        &bound_vars,
        2,
        "cancelled_send_future_passes_the_wake_up_on",
        || {
            let ledger = Ledger::new();
            let (tx, rx) = mpmc::bounded::<Msg>(1);
            tx.try_send(ledger.msg(0)).unwrap();
            let (_count, waker) = counting_waker();
            let mut future = Box::pin(tx.clone().into_send_async(ledger.msg(1)));
            assert!(poll(future.as_mut(), &waker).is_pending());
            let canceller = thread::spawn(move || future.as_mut().cancel().map(|m| m.id));
            let l = Arc::clone(&ledger);
            let sender = thread::spawn(move || {
                tx.send(l.msg(2)).unwrap();
                tx
            });
            let receiver = thread::spawn(move || {
                let mut got = vec![rx.try_recv().unwrap().id];
                // The thread's message always arrives; the future's before it
                // if its send completed.
                loop {
                    let next = rx.recv().unwrap().id;
                    got.push(next);
                    if next == 2 {
                        break;
                    }
                }
                (got, rx)
            });
            let back = canceller.join().unwrap();
            let (got, rx) = receiver.join().unwrap();
            let tx = sender.join().unwrap();
            match back {
                Some(1) => assert_eq!(got, [0, 2]),
                None => assert_eq!(got, [0, 1, 2]),
                other => panic!("cancel gave {other:?}"),
            }
            assert!(drain(&rx).is_empty());
            drop((tx, rx));
            ledger.assert_all_dropped_once();
        },
    );
}

/// Rendezvous: a send future has offered its message (polled before the
/// threads start); a receiver's `try_recv` takes it while another thread
/// cancels the send. Exactly one of them has it, and `cancel` says which.
#[test]
fn send_future_cancel_vs_try_recv_rendezvous() {
    model("send_future_cancel_vs_try_recv_rendezvous", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let (_count, waker) = counting_waker();
        let mut future = Box::pin(tx.clone().into_send_async(ledger.msg(0)));
        assert!(poll(future.as_mut(), &waker).is_pending());
        let canceller = thread::spawn(move || future.as_mut().cancel().map(|m| m.id));
        let receiver = thread::spawn(move || (id(&rx.try_recv()), rx));
        let back = canceller.join().unwrap();
        let (taken, rx) = receiver.join().unwrap();
        assert!(
            taken.is_some() != back.is_some(),
            "taken {taken:?}, handed back {back:?}"
        );
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// Rendezvous: a thread blocked in `recv` against a send future that is
/// polled (it may be handed straight to the blocked thread, or offered) and
/// cancelled. The receiver gets the message exactly when the send
/// completed; otherwise the sender's drop disconnects it.
#[test]
fn send_future_cancel_vs_blocked_recv_rendezvous() {
    model("send_future_cancel_vs_blocked_recv_rendezvous", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let receiver = thread::spawn(move || id(&rx.recv()));
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            let (_count, waker) = counting_waker();
            let mut future = pin!(tx.send_async(l.msg(0)));
            let polled = poll(future.as_mut(), &waker);
            let back = future.as_mut().cancel();
            match polled {
                Poll::Ready(Ok(())) => {
                    assert!(back.is_none());
                    true
                }
                Poll::Ready(Err(_)) => panic!("disconnected"),
                Poll::Pending => back.is_none(),
            }
        });
        let sent = sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), sent.then_some(0));
        ledger.assert_all_dropped_once();
    });
}

// ---- the rendezvous hand-off with cancellation on both sides --------------

/// Rendezvous: a receive future and a send future, each polled (twice at
/// most) and then cancelled. A cancelled receiver never took the message;
/// the message was taken exactly once (the receive returned it, and the
/// send completed or its `cancel` says `None`) or is handed back.
#[test]
fn rendezvous_both_sides_cancelled() {
    model("rendezvous_both_sides_cancelled", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let receiver = thread::spawn(move || {
            let (_count, waker) = counting_waker();
            let mut future = pin!(rx.clone().into_recv_async());
            for _ in 0..2 {
                match poll(future.as_mut(), &waker) {
                    Poll::Ready(Ok(msg)) => return (Some(msg.id), rx),
                    Poll::Ready(Err(_)) => panic!("disconnected"),
                    Poll::Pending => {}
                }
            }
            drop(future);
            (None, rx)
        });
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            let (_count, waker) = counting_waker();
            let mut future = pin!(tx.clone().into_send_async(l.msg(0)));
            for _ in 0..2 {
                match poll(future.as_mut(), &waker) {
                    Poll::Ready(Ok(())) => return (true, None, tx),
                    Poll::Ready(Err(_)) => panic!("disconnected"),
                    Poll::Pending => {}
                }
            }
            let back = future.as_mut().cancel().map(|m| m.id);
            drop(future);
            (false, back, tx)
        });
        let (completed, back, tx) = sender.join().unwrap();
        let (taken, rx) = receiver.join().unwrap();
        assert!(
            taken.is_some() != back.is_some(),
            "taken {taken:?}, handed back {back:?}"
        );
        if completed {
            assert_eq!(taken, Some(0), "a send completed that nobody took");
        }
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// Rendezvous: a receiver polls a receive future once, drops it (a
/// cancelled receive, possibly woken by the offer), then blocks in `recv`;
/// the sender blocks in `send`. They must meet.
#[test]
fn rendezvous_recv_future_dropped_then_recv_vs_send() {
    model("rendezvous_recv_future_dropped_then_recv_vs_send", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || tx.send(l.msg(0)).unwrap());
        let receiver = thread::spawn(move || {
            let (_count, waker) = counting_waker();
            {
                let mut future = pin!(rx.recv_async());
                if let Poll::Ready(msg) = poll(future.as_mut(), &waker) {
                    return msg.unwrap().id;
                }
            }
            rx.recv().unwrap().id
        });
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), 0);
        ledger.assert_all_dropped_once();
    });
}

/// The shape of the rendezvous hang the stress test finds (`mpmc_stress`,
/// "try_send spinning, then send" against "recv_async polled once, dropped,
/// then recv_timeout"): the receiver polls a receive future once and drops
/// it, then waits in `recv_timeout` with a deadline that does not pass
/// during the model (under loom its timed park is a yield); the sender
/// tries `try_send` once and then blocks in `send`. They must meet.
#[test]
fn rendezvous_recv_future_dropped_then_recv_timeout_vs_try_send_then_send() {
    model(
        "rendezvous_recv_future_dropped_then_recv_timeout_vs_try_send_then_send",
        || {
            let ledger = Ledger::new();
            let (tx, rx) = mpmc::bounded::<Msg>(0);
            let l = Arc::clone(&ledger);
            let sender = thread::spawn(move || match tx.try_send(l.msg(0)) {
                Ok(()) => {}
                Err(TrySendError::Full(msg)) => tx.send(msg).unwrap(),
                Err(TrySendError::Disconnected(_)) => panic!("disconnected"),
            });
            let receiver = thread::spawn(move || {
                let (_count, waker) = counting_waker();
                {
                    let mut future = pin!(rx.recv_async());
                    if let Poll::Ready(msg) = poll(future.as_mut(), &waker) {
                        return msg.unwrap().id;
                    }
                }
                rx.recv_timeout(Duration::from_secs(3600)).unwrap().id
            });
            sender.join().unwrap();
            assert_eq!(receiver.join().unwrap(), 0);
            ledger.assert_all_dropped_once();
        },
    );
}

/// Rendezvous with both sides giving up once: `send_timeout` and
/// `recv_timeout` with a zero timeout (each may register, find the deadline
/// passed and withdraw, racing the other), then a blocking `send` and
/// `recv`. Exactly one hand-off, and both finish.
#[test]
fn rendezvous_timeouts_then_blocking_on_both_sides() {
    model("rendezvous_timeouts_then_blocking_on_both_sides", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || match tx.send_timeout(l.msg(0), Duration::ZERO) {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(msg)) => tx.send(msg).unwrap(),
            Err(SendTimeoutError::Disconnected(_)) => panic!("disconnected"),
        });
        let receiver = thread::spawn(move || match rx.recv_timeout(Duration::ZERO) {
            Ok(msg) => msg.id,
            Err(RecvTimeoutError::Timeout) => rx.recv().unwrap().id,
            Err(RecvTimeoutError::Disconnected) => panic!("disconnected"),
        });
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), 0);
        ledger.assert_all_dropped_once();
    });
}

// ---- close and last-handle drops racing each operation ---------------------

/// The last receiver is dropped while a sender sends twice into a
/// `bounded(2)` holding one message (the second send may wait on the full
/// channel until the drop wakes it). Every message is dropped exactly once,
/// and all of them are gone as soon as both threads are done, before the
/// sender is dropped: nobody can receive a queued message any more.
/// FINDING (see RELIABILITY.md): a message published concurrently with the
/// drop can stay queued until the channel is freed.
#[test]
fn last_receiver_drop_vs_send_bounded2() {
    model("last_receiver_drop_vs_send_bounded2", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(2);
        tx.try_send(ledger.msg(0)).unwrap();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            for i in 1..3 {
                if let Err(SendError(msg)) = tx.send(l.msg(i)) {
                    assert_eq!(msg.id, i);
                }
            }
            assert!(tx.is_closed());
            tx
        });
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        let tx = sender.join().unwrap();
        let queued: Vec<usize> = (0..3).filter(|&i| ledger.drops(i) == 0).collect();
        assert!(
            queued.is_empty(),
            "still queued after the last receiver: {queued:?}"
        );
        drop(tx);
        ledger.assert_all_dropped_once();
    });
}

/// The same on `unbounded`, the sends crossing a block boundary.
#[test]
fn last_receiver_drop_vs_send_unbounded() {
    model("last_receiver_drop_vs_send_unbounded", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::unbounded::<Msg>();
        tx.try_send(ledger.msg(0)).unwrap();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            for i in 1..3 {
                if let Err(TrySendError::Disconnected(msg)) = tx.try_send(l.msg(i)) {
                    assert_eq!(msg.id, i);
                }
            }
            tx
        });
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        let tx = sender.join().unwrap();
        let queued: Vec<usize> = (0..3).filter(|&i| ledger.drops(i) == 0).collect();
        assert!(
            queued.is_empty(),
            "still queued after the last receiver: {queued:?}"
        );
        drop(tx);
        ledger.assert_all_dropped_once();
    });
}

/// Rendezvous: the last receiver is dropped while a sender blocks in
/// `send`: the sender is woken and gets its message back.
#[test]
fn last_receiver_drop_vs_blocked_send_rendezvous() {
    model("last_receiver_drop_vs_blocked_send_rendezvous", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(0);
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            let SendError(msg) = tx.send(l.msg(0)).unwrap_err();
            msg.id
        });
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        assert_eq!(sender.join().unwrap(), 0);
        ledger.assert_all_dropped_once();
    });
}

/// `bounded(1)` full: the last receiver is dropped while a send future is
/// pending (driven by `block_on`): it completes with the message back, and
/// the queued message is dropped with the receiver.
#[test]
fn last_receiver_drop_vs_send_async_bounded1() {
    model("last_receiver_drop_vs_send_async_bounded1", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        tx.try_send(ledger.msg(0)).unwrap();
        let l = Arc::clone(&ledger);
        let sender = thread::spawn(move || {
            let SendError(msg) = block_on(tx.send_async(l.msg(1))).unwrap_err();
            (msg.id, tx)
        });
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        let (back, tx) = sender.join().unwrap();
        assert_eq!(back, 1);
        assert_eq!(
            ledger.drops(0),
            1,
            "the queued message outlived the receivers"
        );
        drop(tx);
        ledger.assert_all_dropped_once();
    });
}

/// The last sender sends one message and is dropped while a receiver blocks
/// in `recv`: the receiver gets the message, then `Disconnected`.
fn last_sender_drop_vs_blocked_recv(tx: mpmc::Sender<Msg>, rx: mpmc::Receiver<Msg>) {
    let ledger = Ledger::new();
    let receiver = thread::spawn(move || {
        let first = rx.recv().unwrap().id;
        assert_eq!(rx.recv().unwrap_err(), RecvError);
        first
    });
    let l = Arc::clone(&ledger);
    let sender = thread::spawn(move || {
        tx.try_send(l.msg(0)).unwrap();
        drop(tx);
    });
    sender.join().unwrap();
    assert_eq!(receiver.join().unwrap(), 0);
    ledger.assert_all_dropped_once();
}

#[test]
fn last_sender_drop_vs_blocked_recv_bounded1() {
    model("last_sender_drop_vs_blocked_recv_bounded1", || {
        let (tx, rx) = mpmc::bounded(1);
        last_sender_drop_vs_blocked_recv(tx, rx);
    });
}

#[test]
fn last_sender_drop_vs_blocked_recv_unbounded() {
    model("last_sender_drop_vs_blocked_recv_unbounded", || {
        let (tx, rx) = mpmc::unbounded();
        last_sender_drop_vs_blocked_recv(tx, rx);
    });
}

/// Rendezvous: the last sender is dropped while a receiver blocks in
/// `recv`, and while a receive future is pending (on another thread, by
/// `block_on`): both see the disconnection.
#[test]
fn last_sender_drop_vs_blocked_recv_and_recv_async_rendezvous() {
    model(
        "last_sender_drop_vs_blocked_recv_and_recv_async_rendezvous",
        || {
            let (tx, rx) = mpmc::bounded::<Msg>(0);
            let rx2 = rx.clone();
            let blocking = thread::spawn(move || rx.recv().unwrap_err());
            let task = thread::spawn(move || block_on(rx2.recv_async()).unwrap_err());
            let dropper = thread::spawn(move || drop(tx));
            dropper.join().unwrap();
            assert_eq!(blocking.join().unwrap(), RecvError);
            assert_eq!(task.join().unwrap(), RecvError);
        },
    );
}

/// `close` (by a receiver, after it took the queued message) racing a thread
/// blocked in `send` on a full `bounded(1)`: the send either got in before
/// the close (and its message is still received) or is refused with its
/// message back; afterwards receivers drain, then see `Disconnected`.
#[test]
fn close_vs_blocked_send_bounded1() {
    model("close_vs_blocked_send_bounded1", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        tx.try_send(ledger.msg(0)).unwrap();
        let l = Arc::clone(&ledger);
        let tx2 = tx.clone();
        let sender = thread::spawn(move || match tx2.send(l.msg(1)) {
            Ok(()) => true,
            Err(SendError(msg)) => {
                assert_eq!(msg.id, 1);
                false
            }
        });
        let closer = thread::spawn(move || {
            assert_eq!(rx.try_recv().unwrap().id, 0);
            assert!(rx.close());
            rx
        });
        let sent = sender.join().unwrap();
        let rx = closer.join().unwrap();
        assert_eq!(drain(&rx), if sent { vec![1] } else { vec![] });
        assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Disconnected);
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// `close` racing a `try_send` and a thread blocked in `recv`: an accepted
/// message is received (by the blocked thread or by the drain), a refused
/// one comes back, and the receiver ends with `Disconnected`.
#[test]
fn close_vs_try_send_and_blocked_recv_bounded1() {
    model("close_vs_try_send_and_blocked_recv_bounded1", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        let rx2 = rx.clone();
        let receiver = thread::spawn(move || id(&rx2.recv()));
        let l = Arc::clone(&ledger);
        let tx2 = tx.clone();
        let sender = thread::spawn(move || match tx2.try_send(l.msg(0)) {
            Ok(()) => true,
            Err(TrySendError::Disconnected(msg)) => {
                assert_eq!(msg.id, 0);
                false
            }
            Err(TrySendError::Full(_)) => panic!("full"),
        });
        let tx3 = tx.clone();
        let closer = thread::spawn(move || assert!(tx3.close()));
        closer.join().unwrap();
        let sent = sender.join().unwrap();
        let mut got: Vec<usize> = receiver.join().unwrap().into_iter().collect();
        got.extend(drain(&rx));
        assert_eq!(got, if sent { vec![0] } else { vec![] });
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// `Sender::closed()` (a future driven by `block_on`) racing the last
/// receiver's drop: it completes.
#[test]
fn closed_future_vs_last_receiver_drop() {
    model("closed_future_vs_last_receiver_drop", || {
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        let waiter = thread::spawn(move || {
            block_on(tx.closed());
            assert!(tx.is_closed());
        });
        let dropper = thread::spawn(move || drop(rx));
        dropper.join().unwrap();
        waiter.join().unwrap();
    });
}

/// A `WeakSender` upgrades while the last sender is dropped: the upgrade
/// either fails (the side is gone for good) or yields a sender whose message
/// the receiver gets before the disconnection; the allocation is freed once,
/// by whoever goes last (loom reports a leak or a use after free of a tracked
/// message; the ledger a lost or doubled one).
#[test]
fn weak_upgrade_vs_last_sender_drop() {
    model("weak_upgrade_vs_last_sender_drop", || {
        let ledger = Ledger::new();
        let (tx, rx) = mpmc::bounded::<Msg>(1);
        let weak = tx.downgrade();
        let l = Arc::clone(&ledger);
        let upgrader = thread::spawn(move || match weak.upgrade() {
            Some(tx) => {
                tx.try_send(l.msg(0)).expect("room for one");
                true
            }
            None => false,
        });
        let dropper = thread::spawn(move || drop(tx));
        dropper.join().unwrap();
        let upgraded = upgrader.join().unwrap();
        match rx.try_recv() {
            Ok(msg) => {
                assert!(upgraded, "a message without an upgrade");
                drop(msg);
            }
            Err(TryRecvError::Disconnected) => assert!(!upgraded, "the upgrade's message is lost"),
            Err(TryRecvError::Empty) => panic!("every sender is gone: not empty but disconnected"),
        }
        assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Disconnected);
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}
