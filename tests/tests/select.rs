//! `mpmc::Select` and `select!`: every form (`select`, `select_timeout`,
//! `select_deadline`, `try_select`, `select_async`, `biased`, the macro with
//! every arm form), every arm kind on every flavor (`bounded(n)`, the
//! `bounded(0)` rendezvous, `unbounded`), and the promises of issue 18:
//! exactly one operation completes per select, a losing send arm keeps its
//! message, closed channels are ready with the error, cancel safety (a
//! dropped `SelectFuture` loses nothing and duplicates nothing, an unused
//! wake-up is passed on), races with sends, `close` and timeouts, drop
//! accounting, fairness, and hostile wakers.
//!
//! No allocation per select: `select_alloc.rs` (its own counting allocator).
//! The commit point under every interleaving: `select_loom.rs`. The ledger
//! stress (flume#135's shape): `select_stress.rs`.

#![cfg(not(loom))]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;
use std::time::{Duration, Instant};

use mpmc::{
    select, Receiver, RecvError, Select, SelectTimeoutError, SendError, Sender, TryRecvError,
    TrySelectError,
};
use oneshot_tests::{
    join_within, noop_waker, panics, poll_pinned, quietly, race_iterations, CountingWaker,
    HostileWaker, Ledger, LedgerMsg, Rng, ThreadProbe, Watchdog, HANG_LIMIT, HOSTILE,
};

// ---- helpers ------------------------------------------------------------------

/// Every flavor: `Some(cap)` is `bounded(cap)` (0: the rendezvous), `None`
/// is `unbounded`.
const FLAVORS: [Option<usize>; 4] = [Some(0), Some(1), Some(3), None];

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

/// Spawns a thread that runs `f` and reports its probe first, and waits
/// until it is parked (blocked in the channel).
fn spawn_blocked<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> thread::JoinHandle<R> {
    let (probe_tx, probe_rx) = std::sync::mpsc::channel();
    let handle = thread::spawn(move || {
        probe_tx.send(ThreadProbe::current()).unwrap();
        f()
    });
    probe_rx.recv().unwrap().wait_parked(HANG_LIMIT);
    handle
}

fn join<T>(handle: thread::JoinHandle<T>) -> T {
    join_within(handle, HANG_LIMIT, "a select test thread")
}

/// A message is ready on `rx`'s channel: queued, or (rendezvous) offered by
/// a sender thread blocked in `send`. Returns the sender thread, if any.
fn make_ready<T: Send + 'static>(
    cap: Option<usize>,
    tx: &Sender<T>,
    msg: T,
) -> Option<thread::JoinHandle<()>> {
    if cap == Some(0) {
        let tx = tx.clone();
        Some(spawn_blocked(move || {
            tx.send(msg).unwrap_or_else(|_| panic!("disconnected"));
        }))
    } else {
        tx.try_send(msg).unwrap_or_else(|_| panic!("no room"));
        None
    }
}

fn poll<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Polls `future` until it is ready, after a test saw its wake-up. The
/// counting wakers count with relaxed atomics, which order nothing: the
/// poll right after the count moved may still read the select's state from
/// before the wake-up (Miri's weak memory does that), as an executor's own
/// synchronisation would not let it.
fn ready<F: Future>(mut future: Pin<&mut F>, waker: &Waker) -> F::Output {
    let start = Instant::now();
    loop {
        if let Poll::Ready(out) = poll(future.as_mut(), waker) {
            return out;
        }
        assert!(start.elapsed() < HANG_LIMIT, "woken, but never ready");
        thread::yield_now();
    }
}

fn ids(rx: &Receiver<LedgerMsg>) -> Vec<usize> {
    rx.try_iter().map(|m| m.id()).collect()
}

/// Counts of a `Drop` type's drops.
#[derive(Clone, Default)]
struct Drops(Arc<AtomicUsize>);

impl Drops {
    fn get(&self) -> usize {
        self.0.load(Relaxed)
    }
}

struct Counted(u32, Drops);

impl Drop for Counted {
    fn drop(&mut self) {
        (self.1).0.fetch_add(1, Relaxed);
    }
}

// ---- every form -------------------------------------------------------------

#[test]
fn select_blocks_until_a_recv_arm_completes_on_every_flavor() {
    for cap in FLAVORS {
        let (tx1, rx1) = channel::<u32>(cap);
        let (tx2, rx2) = channel::<u32>(cap);
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 20 }));
            tx2.send(7).unwrap();
            (tx1, tx2)
        });
        let mut sel = Select::new().recv(&rx1, |r| (1, r)).recv(&rx2, |r| (2, r));
        assert_eq!(sel.select(), (2, Ok(7)), "{cap:?}");
        let (tx1, _tx2) = join(sender);
        assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty), "{cap:?}");
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty), "{cap:?}");
        drop(tx1);
    }
}

#[test]
fn select_timeout_times_out_then_completes_on_every_flavor() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (_tx2, rx2) = channel::<u32>(cap);
        let mut sel = Select::new()
            .recv(&rx, |r| r.unwrap())
            .recv(&rx2, |r| r.unwrap());
        let start = Instant::now();
        assert_eq!(
            sel.select_timeout(Duration::from_millis(20)),
            Err(SelectTimeoutError),
            "{cap:?}"
        );
        assert!(
            start.elapsed() >= Duration::from_millis(20),
            "{cap:?}: woke early"
        );
        let sender = make_ready(cap, &tx, 5);
        assert_eq!(
            sel.select_timeout(Duration::from_secs(60)),
            Ok(5),
            "{cap:?}"
        );
        if let Some(sender) = sender {
            join(sender);
        }
        // A zero timeout with nothing ready.
        assert_eq!(sel.select_timeout(Duration::ZERO), Err(SelectTimeoutError));
        // A timeout too large for `Instant`: waits like `select`.
        let sender = make_ready(cap, &tx, 6);
        assert_eq!(sel.select_timeout(Duration::MAX), Ok(6), "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
    }
}

#[test]
fn select_deadline_in_the_past_still_completes_a_ready_arm() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let mut sel = Select::new().recv(&rx, |r| r.unwrap());
        let past = Instant::now();
        assert_eq!(
            sel.select_deadline(past),
            Err(SelectTimeoutError),
            "{cap:?}"
        );
        let sender = make_ready(cap, &tx, 9);
        assert_eq!(sel.select_deadline(past), Ok(9), "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        let deadline = Instant::now() + Duration::from_millis(15);
        assert_eq!(sel.select_deadline(deadline), Err(SelectTimeoutError));
        assert!(
            Instant::now() >= deadline,
            "{cap:?}: returned before the deadline"
        );
    }
}

#[test]
fn try_select_never_waits_and_completes_what_is_ready() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let mut sel = Select::new().recv(&rx, |r| r.unwrap());
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}");
        let sender = make_ready(cap, &tx, 3);
        assert_eq!(sel.try_select(), Ok(3), "{cap:?}");
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
    }
}

#[test]
fn try_select_rendezvous_send_needs_a_blocked_receiver() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let mut sel = Select::new().send(&tx, 4, |r| r.is_ok());
    assert_eq!(sel.try_select(), Err(TrySelectError), "nobody receives");
    let receiver = spawn_blocked(move || rx.recv());
    assert_eq!(sel.try_select(), Ok(true));
    assert_eq!(join(receiver), Ok(4));
}

#[test]
fn select_async_completes_on_every_flavor() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (_tx2, rx2) = channel::<u32>(cap);
        let sender = thread::spawn(move || {
            tx.send(11).unwrap();
            tx
        });
        let mut sel = Select::new().recv(&rx2, |_| 0).recv(&rx, |r| r.unwrap());
        assert_eq!(
            futures::executor::block_on(sel.select_async()),
            11,
            "{cap:?}"
        );
        drop(join(sender));
        // Disconnected now: ready with the error.
        let mut sel = Select::new().recv(&rx, |r| r);
        assert_eq!(
            futures::executor::block_on(sel.select_async()),
            Err(RecvError)
        );
    }
}

#[test]
fn select_async_is_pending_until_woken_then_ready() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (tx2, rx2) = channel::<u32>(cap);
        let counting = CountingWaker::new();
        let waker = counting.waker();
        let mut sel = Select::new()
            .recv(&rx, |r| (1, r.unwrap()))
            .recv(&rx2, |r| (2, r.unwrap()));
        let mut fut = pin!(sel.select_async());
        assert!(poll(fut.as_mut(), &waker).is_pending(), "{cap:?}");
        // A re-poll with the same waker stays registered and pending.
        assert!(poll(fut.as_mut(), &waker).is_pending(), "{cap:?}");
        assert_eq!(counting.wakes(), 0);
        let sender = if cap == Some(0) {
            let tx2 = tx2.clone();
            Some(thread::spawn(move || tx2.send(8).unwrap()))
        } else {
            tx2.try_send(8).unwrap();
            None
        };
        let start = Instant::now();
        while counting.wakes() == 0 {
            assert!(start.elapsed() < HANG_LIMIT, "{cap:?}: never woken");
            thread::yield_now();
        }
        assert_eq!(ready(fut.as_mut(), &waker), (2, 8), "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop((tx, tx2));
    }
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn select_future_polled_after_ready_panics() {
    let (tx, rx) = mpmc::bounded(1);
    tx.send(1).unwrap();
    let mut sel = Select::new().recv(&rx, |r| r.unwrap());
    let mut fut = pin!(sel.select_async());
    let waker = noop_waker();
    assert_eq!(poll(fut.as_mut(), &waker), Poll::Ready(1));
    let _ = poll(fut.as_mut(), &waker);
}

#[test]
#[should_panic(expected = "needs an arm that can complete")]
fn select_without_arms_panics() {
    Select::<()>::new().select();
}

#[test]
#[should_panic(expected = "needs an arm that can complete")]
fn select_async_with_only_a_spent_send_arm_panics() {
    let (tx, _rx) = mpmc::bounded(1);
    let mut sel = Select::new().send(&tx, 1, |r| r.is_ok());
    assert_eq!(sel.try_select(), Ok(true));
    let mut fut = pin!(sel.select_async());
    let _ = poll(fut.as_mut(), &noop_waker());
}

#[test]
fn len_is_empty_and_debug() {
    let (tx, rx) = mpmc::bounded::<u8>(1);
    let sel = Select::new().recv(&rx, |_| ()).send(&tx, 1, |_| ());
    assert_eq!(sel.len(), 2);
    assert!(!sel.is_empty());
    assert!(format!("{sel:?}").contains("arms: 2"));
    assert!(Select::<()>::default().is_empty());
}

// ---- biased and fair ---------------------------------------------------------

#[test]
fn biased_the_first_ready_arm_always_wins() {
    for cap in [Some(1), Some(4), None] {
        let (tx1, rx1) = channel::<u32>(cap);
        let (tx2, rx2) = channel::<u32>(cap);
        let mut sel = Select::new()
            .recv(&rx1, |r| (1, r.unwrap()))
            .recv(&rx2, |r| (2, r.unwrap()))
            .biased();
        tx2.try_send(0).unwrap();
        for i in 0..race_iterations(200) as u32 {
            tx1.try_send(i).unwrap();
            assert_eq!(sel.try_select(), Ok((1, i)), "{cap:?}");
            tx1.try_send(i).unwrap();
            assert_eq!(sel.select(), (1, i), "{cap:?}");
        }
        // The second arm wins once the first is empty.
        assert_eq!(sel.select(), (2, 0));
    }
}

#[test]
fn biased_send_arm_first_wins_over_a_ready_recv_arm() {
    let (tx, rx) = mpmc::bounded::<u32>(1);
    let (tx2, rx2) = mpmc::bounded::<u32>(1);
    tx2.send(1).unwrap();
    let mut sel = Select::new()
        .send(&tx, 5, |r| r.map_err(|_| ()).map(|()| 0))
        .recv(&rx2, |r| Ok(r.unwrap()))
        .biased();
    assert_eq!(sel.select(), Ok(0));
    assert_eq!(
        sel.select(),
        Ok(1),
        "the spent send arm never completes again"
    );
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn fair_two_always_ready_arms_both_win_a_fair_share() {
    let rounds = if cfg!(miri) { 64 } else { 4000 };
    for cap in [Some(1), Some(2), None] {
        let (tx1, rx1) = channel::<u32>(cap);
        let (tx2, rx2) = channel::<u32>(cap);
        tx1.try_send(0).unwrap();
        tx2.try_send(0).unwrap();
        let mut sel = Select::new().recv(&rx1, |_| 0).recv(&rx2, |_| 1);
        let mut wins = [0usize; 2];
        for _ in 0..rounds {
            let arm = if wins.iter().sum::<usize>() % 2 == 0 {
                sel.select()
            } else {
                sel.try_select().unwrap()
            };
            wins[arm] += 1;
            [&tx1, &tx2][arm].try_send(0).unwrap();
        }
        // Each arm wins about half; a third is far outside chance.
        for (arm, &won) in wins.iter().enumerate() {
            assert!(
                won >= rounds / 3,
                "{cap:?}: arm {arm} won {won} of {rounds}: {wins:?}"
            );
        }
    }
}

#[test]
fn fair_selects_made_one_after_another_start_differently() {
    // A fresh `Select` per call (as `select!` builds one) must be fair too.
    let (tx1, rx1) = mpmc::bounded::<u32>(1);
    let (tx2, rx2) = mpmc::bounded::<u32>(1);
    tx1.send(0).unwrap();
    tx2.send(0).unwrap();
    let rounds = if cfg!(miri) { 64 } else { 2000 };
    let mut wins = [0usize; 2];
    for _ in 0..rounds {
        let arm = select! {
            recv(rx1) -> _m => 0,
            recv(rx2) -> _m => 1,
        };
        wins[arm] += 1;
        [&tx1, &tx2][arm].try_send(0).unwrap();
    }
    assert!(wins.iter().all(|&w| w >= rounds / 3), "{wins:?}");
}

// ---- every arm kind on every flavor -------------------------------------------

#[test]
fn recv_arm_takes_one_message_on_every_flavor() {
    for cap in FLAVORS {
        let ledger = Ledger::new(2);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let (_tx_idle, rx_idle) = channel::<LedgerMsg>(cap);
        let sender = make_ready(cap, &tx, ledger.msg(0));
        let mut sel = Select::new()
            .recv(&rx_idle, |_| usize::MAX)
            .recv(&rx, |r| r.unwrap().id());
        assert_eq!(sel.select(), 0, "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        assert!(ids(&rx).is_empty(), "{cap:?}: a receive took more than one");
        ledger.assert_dropped_once(&[0]);
    }
}

#[test]
fn send_arm_sends_once_on_every_flavor() {
    for cap in FLAVORS {
        let ledger = Ledger::new(1);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let (_tx_idle, rx_idle) = channel::<LedgerMsg>(cap);
        let receiver = (cap == Some(0)).then(|| {
            let rx = rx.clone();
            spawn_blocked(move || rx.recv().unwrap())
        });
        let mut sel = Select::new()
            .recv(&rx_idle, |_| false)
            .send(&tx, ledger.msg(0), |r| r.is_ok());
        assert!(sel.select(), "{cap:?}");
        let got = match receiver {
            Some(receiver) => vec![join(receiver)],
            None => rx.try_iter().collect(),
        };
        assert_eq!(ledger.alive(), 1, "{cap:?}: sent, so not dropped");
        assert_eq!(
            got.iter().map(LedgerMsg::id).collect::<Vec<_>>(),
            [0],
            "{cap:?}"
        );
        drop(got);
        // Spent: a second call cannot complete it.
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}");
        drop(sel);
        ledger.assert_dropped_once(&[0]);
    }
}

#[test]
fn send_arm_on_a_full_channel_waits_for_room() {
    for cap in [Some(0), Some(1), Some(2)] {
        let (tx, rx) = channel::<u32>(cap);
        for i in 0..cap.unwrap() as u32 {
            tx.send(i).unwrap();
        }
        let mut sel = Select::new().send(&tx, 99, |r| r.is_ok());
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}: full");
        let receiver = thread::spawn(move || {
            let got: Vec<u32> = (0..=cap.unwrap()).map(|_| rx.recv().unwrap()).collect();
            (got, rx)
        });
        assert!(sel.select(), "{cap:?}");
        let (got, _rx) = join(receiver);
        let mut want: Vec<u32> = (0..cap.unwrap() as u32).collect();
        want.push(99);
        assert_eq!(got, want, "{cap:?}");
    }
}

#[test]
fn disconnected_recv_arm_is_ready_with_the_error_after_the_queue() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (_tx2, rx2) = channel::<u32>(cap);
        if cap != Some(0) {
            tx.send(1).unwrap();
        }
        drop(tx);
        let mut sel = Select::new().recv(&rx2, |_| None).recv(&rx, Some);
        if cap != Some(0) {
            assert_eq!(sel.select(), Some(Ok(1)), "{cap:?}: the queue first");
        }
        assert_eq!(sel.select(), Some(Err(RecvError)), "{cap:?}");
        assert_eq!(sel.try_select(), Ok(Some(Err(RecvError))), "{cap:?}");
        assert_eq!(
            sel.select_timeout(Duration::from_secs(60)),
            Ok(Some(Err(RecvError)))
        );
        assert_eq!(
            futures::executor::block_on(sel.select_async()),
            Some(Err(RecvError))
        );
    }
}

#[test]
fn disconnected_send_arm_hands_the_message_back() {
    for cap in FLAVORS {
        let ledger = Ledger::new(1);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        drop(rx);
        let mut sel = Select::new().send(&tx, ledger.msg(0), |r| r.map_err(|SendError(m)| m));
        let back = sel.select().expect_err("disconnected");
        assert_eq!(back.id(), 0);
        assert_eq!(ledger.alive(), 1, "handed back, not dropped");
        // The arm is spent (its message was handed back).
        assert_eq!(sel.try_select().unwrap_err(), TrySelectError);
        drop(sel);
        assert_eq!(ledger.alive(), 1);
        drop(back);
        ledger.assert_dropped_once(&[0]);
    }
}

#[test]
fn closed_channels_are_ready_in_every_form() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        assert!(rx.close());
        let mut sel = Select::new().send(&tx, 3, |r| r.map_err(|e| e.into_inner()));
        assert_eq!(sel.try_select(), Ok(Err(3)), "{cap:?}");
        let mut sel = Select::new().send(&tx, 4, |r| r.map_err(|e| e.into_inner()));
        assert_eq!(
            futures::executor::block_on(sel.select_async()),
            Err(4),
            "{cap:?}"
        );
        let mut sel = Select::new().recv(&rx, |r| r);
        assert_eq!(sel.select_deadline(Instant::now()), Ok(Err(RecvError)));
    }
}

#[test]
fn a_losing_send_arm_keeps_its_message_for_the_next_call() {
    for cap in [Some(1), Some(2), None] {
        let ledger = Ledger::new(3);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let (tx2, rx2) = channel::<LedgerMsg>(cap);
        tx2.send(ledger.msg(0)).unwrap();
        // Fill `tx` (unbounded: never full, so the send arm is ready too).
        if let Some(cap) = cap {
            for _ in 0..cap {
                tx.send(ledger.msg(1)).ok();
            }
        }
        let full = cap.is_some();
        let mut sel = Select::new()
            .recv(&rx2, |r| format!("recv {}", r.unwrap().id()))
            .send(&tx, ledger.msg(2), |r| format!("send {}", r.is_ok()));
        let first = sel.select();
        if full {
            assert_eq!(first, "recv 0", "{cap:?}: the send arm had no room");
        }
        // Drain `tx`'s channel of the fillers (id 1, made once for cap 1).
        let drained = ids(&rx);
        let second = sel.select_timeout(Duration::from_secs(60)).unwrap();
        let results = [first, second];
        assert!(results.contains(&"recv 0".to_owned()), "{results:?}");
        assert!(results.contains(&"send true".to_owned()), "{results:?}");
        let mut got = drained;
        got.extend(ids(&rx));
        assert_eq!(
            got.iter().filter(|&&id| id == 2).count(),
            1,
            "{cap:?}: {got:?}"
        );
        drop(sel);
        assert_eq!(ledger.alive(), 0, "{cap:?}");
    }
}

#[test]
fn two_arms_on_one_receiver_complete_one_receive() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let sender = make_ready(cap, &tx, 1);
        let mut sel = Select::new().recv(&rx, |r| (0, r)).recv(&rx, |r| (1, r));
        let (_, got) = sel.select();
        assert_eq!(got, Ok(1), "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}");
        // Both arms wait; one message completes one of them.
        let t = {
            let tx = tx.clone();
            thread::spawn(move || tx.send(2).unwrap())
        };
        assert_eq!(sel.select().1, Ok(2), "{cap:?}");
        join(t);
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}");
    }
}

// ---- a send and a receive arm on one channel -----------------------------

#[test]
fn send_and_recv_arms_on_one_buffered_channel() {
    for cap in [Some(1), None] {
        let (tx, rx) = channel::<u32>(cap);
        let mut sel = Select::new()
            .send(&tx, 5, |r| format!("sent {r:?}"))
            .recv(&rx, |r| format!("got {r:?}"))
            .biased();
        // Empty: only the send arm is ready.
        assert_eq!(sel.select(), "sent Ok(())");
        // The send arm is spent: the receive arm takes what it sent.
        assert_eq!(sel.select(), "got Ok(5)");
        assert_eq!(sel.try_select(), Err(TrySelectError));
    }
    // Full `bounded(1)`: only the receive arm is ready, and after it the send.
    let (tx, rx) = mpmc::bounded::<u32>(1);
    tx.send(1).unwrap();
    let mut sel = Select::new()
        .send(&tx, 5, |r| format!("sent {r:?}"))
        .recv(&rx, |r| format!("got {r:?}"));
    assert_eq!(sel.select(), "got Ok(1)");
    assert_eq!(sel.select(), "sent Ok(())");
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn send_and_recv_arms_on_one_rendezvous_never_pair_with_themselves() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let mut sel = Select::new()
        .send(&tx, 5, |r| format!("sent {r:?}"))
        .recv(&rx, |r| format!("got {r:?}"));
    assert_eq!(sel.try_select(), Err(TrySelectError));
    assert_eq!(
        sel.select_timeout(Duration::from_millis(20)),
        Err(SelectTimeoutError),
        "a select must not hand its own message to itself"
    );
    let mut fut = Box::pin(sel.select_async());
    assert!(poll(fut.as_mut(), &noop_waker()).is_pending());
    drop(fut);
    // A receiving thread takes the offer; a sending thread pairs with the
    // receive arm.
    let rx2 = rx.clone();
    let receiver = thread::spawn(move || rx2.recv());
    assert_eq!(sel.select(), "sent Ok(())");
    assert_eq!(join(receiver), Ok(5));
    let tx2 = tx.clone();
    let sender = thread::spawn(move || tx2.send(6));
    assert_eq!(sel.select(), "got Ok(6)");
    assert_eq!(join(sender), Ok(()));
}

// ---- both ends of one rendezvous --------------------------------------------

#[test]
fn rendezvous_select_sends_to_a_select_that_receives() {
    let n = race_iterations(300) as u32;
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let (_idle_tx, idle_rx) = mpmc::bounded::<u32>(0);
    let (idle_tx2, _idle_rx2) = mpmc::bounded::<u32>(0);
    let receiver = thread::spawn(move || {
        let mut got = Vec::new();
        for _ in 0..n {
            let mut sel = Select::new().recv(&idle_rx, |_| None).recv(&rx, |r| r.ok());
            got.push(sel.select().expect("the select's arm"));
        }
        got
    });
    for i in 0..n {
        let mut sel = Select::new()
            .send(&idle_tx2, u32::MAX, |_| false)
            .send(&tx, i, |r| r.is_ok());
        assert!(sel.select(), "round {i}");
    }
    assert_eq!(join(receiver), (0..n).collect::<Vec<_>>());
}

#[test]
fn rendezvous_select_against_a_blocked_thread_on_the_other_side() {
    // A blocking select sends to a thread parked in `recv`, and receives
    // from a thread parked in `send`.
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let rx2 = rx.clone();
    let receiver = spawn_blocked(move || rx2.recv());
    let mut sel = Select::new().send(&tx, 1, |r| r.is_ok());
    assert!(sel.select());
    assert_eq!(join(receiver), Ok(1));
    let tx2 = tx.clone();
    let sender = spawn_blocked(move || tx2.send(2));
    let mut sel = Select::new().recv(&rx, |r| r);
    assert_eq!(sel.select(), Ok(2));
    assert_eq!(join(sender), Ok(()));
    // The select waits first, the thread comes after.
    let tx2 = tx.clone();
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 10 }));
        tx2.send(3)
    });
    assert_eq!(sel.select(), Ok(3));
    assert_eq!(join(sender), Ok(()));
    let rx2 = rx.clone();
    let receiver = thread::spawn(move || {
        thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 10 }));
        rx2.recv()
    });
    let mut sel = Select::new().send(&tx, 4, |r| r.is_ok());
    assert!(sel.select());
    assert_eq!(join(receiver), Ok(4));
}

#[test]
fn rendezvous_select_against_a_pending_future_on_the_other_side() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    // A pending receive future, then a blocking select that sends.
    let counting = CountingWaker::new();
    let waker = counting.waker();
    let mut recv = pin!(rx.recv_async());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    let handle = {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut sel = Select::new().send(&tx, 1, |r| r.is_ok());
            sel.select()
        })
    };
    let start = Instant::now();
    while counting.wakes() == 0 {
        assert!(start.elapsed() < HANG_LIMIT, "the future was never called");
        thread::yield_now();
    }
    assert_eq!(ready(recv.as_mut(), &waker), Ok(1));
    assert!(join(handle));
    // A pending send future, then a blocking select that receives.
    let mut send = pin!(tx.send_async(2));
    assert!(poll(send.as_mut(), &waker).is_pending());
    let mut sel = Select::new().recv(&rx, |r| r);
    assert_eq!(sel.select(), Ok(2));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
}

#[test]
fn rendezvous_pending_select_future_against_a_blocked_thread() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    // A pending select future with a send arm; a thread then receives.
    let counting = CountingWaker::new();
    let waker = counting.waker();
    let mut sel = Select::new().send(&tx, 1, |r| r.is_ok());
    let mut fut = pin!(sel.select_async());
    assert!(poll(fut.as_mut(), &waker).is_pending());
    let rx2 = rx.clone();
    let receiver = thread::spawn(move || rx2.recv());
    assert_eq!(
        join(receiver),
        Ok(1),
        "the thread pulled the select's offer"
    );
    assert!(counting.wakes() >= 1, "the select was told");
    assert_eq!(poll(fut.as_mut(), &waker), Poll::Ready(true));
    // A pending select future with a receive arm; a thread then sends.
    let mut sel = Select::new().recv(&rx, |r| r);
    let mut fut = pin!(sel.select_async());
    assert!(poll(fut.as_mut(), &waker).is_pending());
    let tx2 = tx.clone();
    let sender = thread::spawn(move || tx2.send(2));
    let start = Instant::now();
    while counting.wakes() < 2 {
        assert!(start.elapsed() < HANG_LIMIT, "never woken");
        thread::yield_now();
    }
    assert_eq!(ready(fut.as_mut(), &waker), Ok(2));
    assert_eq!(join(sender), Ok(()));
}

#[test]
fn rendezvous_two_pending_select_futures_pair_up() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let a = CountingWaker::new();
    let b = CountingWaker::new();
    let mut send_sel = Select::new().send(&tx, 7, |r| r.is_ok());
    let mut recv_sel = Select::new().recv(&rx, |r| r);
    {
        let mut send_fut = pin!(send_sel.select_async());
        let mut recv_fut = pin!(recv_sel.select_async());
        assert!(poll(send_fut.as_mut(), &a.waker()).is_pending());
        // The receiving select finds the offer when it registers... or is
        // called to pull it.
        let mut got = poll(recv_fut.as_mut(), &b.waker());
        if got.is_pending() {
            assert!(b.wakes() >= 1, "nobody called the receiving select");
            got = poll(recv_fut.as_mut(), &b.waker());
        }
        assert_eq!(got, Poll::Ready(Ok(7)));
        assert!(a.wakes() >= 1, "the sending select was not told");
        assert_eq!(poll(send_fut.as_mut(), &a.waker()), Poll::Ready(true));
    }
    // The other order: the receiving select waits first.
    let mut send_sel = Select::new().send(&tx, 8, |r| r.is_ok());
    let mut recv_fut = pin!(recv_sel.select_async());
    assert!(poll(recv_fut.as_mut(), &b.waker()).is_pending());
    let mut send_fut = pin!(send_sel.select_async());
    let before = b.wakes();
    let sent = poll(send_fut.as_mut(), &a.waker());
    assert!(
        sent.is_pending(),
        "a select never hands its offer to a select"
    );
    assert!(b.wakes() > before, "the receiving select was not called");
    assert_eq!(poll(recv_fut.as_mut(), &b.waker()), Poll::Ready(Ok(8)));
    assert_eq!(poll(send_fut.as_mut(), &a.waker()), Poll::Ready(true));
}

// ---- cancel safety -------------------------------------------------------------

#[test]
fn dropped_select_future_after_its_offer_was_taken_returns_the_send_next() {
    let ledger = Ledger::new(2);
    let (tx, rx) = mpmc::bounded::<LedgerMsg>(0);
    let (_idle_tx, idle_rx) = mpmc::bounded::<LedgerMsg>(1);
    let mut sel = Select::new()
        .recv(&idle_rx, |r| format!("recv {:?}", r.map(|m| m.id())))
        .send(&tx, ledger.msg(0), |r| {
            format!("send {:?}", r.map_err(|_| ()))
        });
    let mut fut = Box::pin(sel.select_async());
    assert!(poll(fut.as_mut(), &noop_waker()).is_pending());
    // A receiver takes the offered message while the future waits.
    assert_eq!(rx.recv().unwrap().id(), 0);
    drop(fut);
    // The send happened: the next call returns it, in every form, once.
    assert_eq!(sel.try_select(), Ok("send Ok(())".to_owned()));
    assert_eq!(sel.try_select(), Err(TrySelectError), "returned twice");
    assert_eq!(rx.try_recv().map(|m| m.id()), Err(TryRecvError::Empty));
    drop(sel);
    ledger.assert_dropped_once(&[0]);
    assert_eq!(ledger.made(), 1);

    // The same with a blocking `select` and `select_async` as the next call.
    for next in 0..2 {
        let (tx, rx) = mpmc::bounded::<LedgerMsg>(0);
        let mut sel = Select::new().send(&tx, ledger.msg(1), |r| r.is_ok());
        let mut fut = Box::pin(sel.select_async());
        assert!(poll(fut.as_mut(), &noop_waker()).is_pending());
        let rx2 = rx.clone();
        let taken = thread::spawn(move || rx2.recv().unwrap());
        let msg = join(taken);
        drop(fut);
        let done = if next == 0 {
            sel.select()
        } else {
            futures::executor::block_on(sel.select_async())
        };
        assert!(done);
        assert_eq!(msg.id(), 1);
        drop(msg);
        assert_eq!(rx.try_recv().map(|m| m.id()), Err(TryRecvError::Empty));
        drop(sel);
        assert_eq!(ledger.alive(), 0);
    }
}

#[test]
fn dropped_select_future_not_taken_keeps_its_message_for_the_next_call() {
    let ledger = Ledger::new(1);
    let (tx, rx) = mpmc::bounded::<LedgerMsg>(0);
    let mut sel = Select::new().send(&tx, ledger.msg(0), |r| r.is_ok());
    for _ in 0..3 {
        let mut fut = Box::pin(sel.select_async());
        assert!(poll(fut.as_mut(), &noop_waker()).is_pending());
        drop(fut);
    }
    assert_eq!(ledger.alive(), 1, "the unsent message stays in the select");
    assert_eq!(rx.try_recv().map(|m| m.id()), Err(TryRecvError::Empty));
    let receiver = thread::spawn(move || rx.recv().unwrap().id());
    assert!(sel.select());
    assert_eq!(join(receiver), 0);
    drop(sel);
    ledger.assert_dropped_once(&[0]);
}

#[test]
fn dropped_select_future_woken_but_unused_passes_the_wake_up_on() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (_tx2, rx2) = channel::<u32>(cap);
        let counting = CountingWaker::new();
        let mut sel = Select::new().recv(&rx2, |r| r).recv(&rx, |r| r);
        let mut fut = Box::pin(sel.select_async());
        // The future registers first, so it is first in line.
        assert!(poll(fut.as_mut(), &counting.waker()).is_pending());
        let rx3 = rx.clone();
        let receiver = spawn_blocked(move || rx3.recv());
        let sender = if cap == Some(0) {
            let tx = tx.clone();
            Some(thread::spawn(move || tx.send(1)))
        } else {
            tx.try_send(1).unwrap();
            None
        };
        let start = Instant::now();
        while counting.wakes() == 0 {
            assert!(
                start.elapsed() < HANG_LIMIT,
                "{cap:?}: the select was not woken"
            );
            thread::yield_now();
        }
        // Woken, never polled again: the wake-up goes to the thread.
        drop(fut);
        assert_eq!(join(receiver), Ok(1), "{cap:?}");
        if let Some(sender) = sender {
            assert_eq!(join(sender), Ok(()));
        }
        assert_eq!(sel.try_select(), Err(TrySelectError), "{cap:?}");
    }
}

#[test]
fn select_future_woken_but_robbed_waits_again() {
    // A select committed to an arm whose message another receiver takes
    // first runs another round: pending again, and woken by the next send.
    for cap in [Some(1), Some(4), None] {
        let (tx, rx) = channel::<u32>(cap);
        let robber = rx.clone();
        let counting = CountingWaker::new();
        let waker = counting.waker();
        let mut sel = Select::new().recv(&rx, |r| r.unwrap());
        let mut fut = pin!(sel.select_async());
        assert!(poll(fut.as_mut(), &waker).is_pending());
        tx.try_send(1).unwrap();
        assert_eq!(counting.wakes(), 1, "{cap:?}");
        assert_eq!(robber.try_recv(), Ok(1));
        assert!(poll(fut.as_mut(), &waker).is_pending(), "{cap:?}");
        tx.try_send(2).unwrap();
        assert_eq!(counting.wakes(), 2, "{cap:?}: not registered again");
        assert_eq!(poll(fut.as_mut(), &waker), Poll::Ready(2));
        // The blocking form: robbed, then times out.
        let mut sel = Select::new().recv(&rx, |r| r.unwrap());
        tx.try_send(3).unwrap();
        assert_eq!(robber.try_recv(), Ok(3));
        assert_eq!(
            sel.select_timeout(Duration::from_millis(2)),
            Err(SelectTimeoutError)
        );
    }
}

// ---- races ---------------------------------------------------------------------

#[test]
fn timeouts_racing_sends_lose_nothing() {
    let rounds = race_iterations(300);
    let mut rng = Rng::new(Rng::seed_from_env("SELECT_SEED"));
    for cap in FLAVORS {
        let ledger = Ledger::new(rounds);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let (_tx2, rx2) = channel::<LedgerMsg>(cap);
        let mut got = Vec::new();
        for i in 0..rounds {
            let delay = rng.below(200) as u64;
            let timeout = rng.below(200) as u64;
            let (l, t) = (ledger.clone(), tx.clone());
            let sender = thread::spawn(move || {
                thread::sleep(Duration::from_micros(delay));
                match t.send_timeout(l.msg(i), Duration::from_millis(5)) {
                    Ok(()) => true,
                    Err(e) => {
                        drop(e);
                        false
                    }
                }
            });
            let mut sel = Select::new()
                .recv(&rx2, |_| None)
                .recv(&rx, |r| r.ok().map(|m| m.id()));
            if let Ok(id) = sel.select_timeout(Duration::from_micros(timeout)) {
                got.push(id.expect("an arm with a message"));
            }
            drop(sel);
            let sent = join(sender);
            got.extend(ids(&rx));
            if sent {
                assert_eq!(got.last(), Some(&i), "{cap:?}: round {i}: {got:?}");
            }
        }
        let mut sorted = got.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), got.len(), "{cap:?}: a message arrived twice");
        assert_eq!(ledger.alive(), 0, "{cap:?}");
    }
}

#[test]
fn close_racing_a_waiting_select_wakes_it_with_the_error() {
    for cap in FLAVORS {
        for closer in 0..2 {
            let (tx, rx) = channel::<u32>(cap);
            let (_tx2, rx2) = channel::<u32>(cap);
            let (tx3, rx3) = channel::<u32>(Some(1));
            tx3.send(0).unwrap(); // full: the send arm waits
            let handle = thread::spawn(move || {
                let mut sel = Select::new()
                    .recv(&rx2, |_| "idle".to_owned())
                    .recv(&rx, |r| format!("recv {r:?}"))
                    .send(&tx3, 9, |r| format!("send {r:?}"));
                let first = sel.select();
                // The closed channel stays ready (a closed receive), or the
                // send arm is spent (its message handed back).
                let second = sel.try_select().ok();
                (first, second)
            });
            thread::sleep(Duration::from_millis(if cfg!(miri) { 0 } else { 5 }));
            if closer == 0 {
                assert!(tx.close());
            } else {
                assert!(rx3.close());
            }
            let (first, second) = join(handle);
            if closer == 0 {
                assert_eq!(first, "recv Err(RecvError)", "{cap:?}");
                assert_eq!(second.as_deref(), Some("recv Err(RecvError)"), "{cap:?}");
            } else {
                assert_eq!(first, "send Err(SendError(..))", "{cap:?}");
                assert_eq!(second, None, "{cap:?}: the spent send arm completed again");
            }
        }
    }
}

#[test]
fn close_racing_a_waiting_select_future_and_a_sender() {
    let rounds = race_iterations(200);
    for cap in FLAVORS {
        let ledger = Ledger::new(rounds);
        for i in 0..rounds {
            let (tx, rx) = channel::<LedgerMsg>(cap);
            let (_tx2, rx2) = channel::<LedgerMsg>(cap);
            let start = Arc::new(Barrier::new(3));
            let (s1, s2) = (Arc::clone(&start), Arc::clone(&start));
            let l = ledger.clone();
            let tx_c = tx.clone();
            let sender = thread::spawn(move || {
                s1.wait();
                tx.send(l.msg(i)).is_ok()
            });
            let closer = thread::spawn(move || {
                s2.wait();
                tx_c.close();
            });
            let mut sel = Select::new()
                .recv(&rx2, |_| None)
                .recv(&rx, |r| Some(r.map(|m| m.id())));
            start.wait();
            let got = futures::executor::block_on(sel.select_async()).unwrap();
            drop(sel);
            let sent = join(sender);
            join(closer);
            let mut got: Vec<usize> = got.into_iter().collect();
            got.extend(ids(&rx));
            // Sent means received exactly once; refused means never.
            assert_eq!(
                got,
                if sent { vec![i] } else { vec![] },
                "{cap:?} round {i}"
            );
        }
        assert_eq!(ledger.alive(), 0, "{cap:?}");
    }
}

#[test]
fn two_senders_on_two_arms_complete_exactly_one() {
    let rounds = race_iterations(300);
    for cap in FLAVORS {
        let ledger = Ledger::new(2 * rounds);
        let (tx1, rx1) = channel::<LedgerMsg>(cap);
        let (tx2, rx2) = channel::<LedgerMsg>(cap);
        for i in 0..rounds {
            let senders: Vec<_> = [(tx1.clone(), 2 * i), (tx2.clone(), 2 * i + 1)]
                .into_iter()
                .map(|(tx, id)| {
                    let l = ledger.clone();
                    thread::spawn(move || tx.send(l.msg(id)).unwrap())
                })
                .collect();
            let mut sel = Select::new()
                .recv(&rx1, |r| r.unwrap().id())
                .recv(&rx2, |r| r.unwrap().id());
            let first = sel.select();
            let second = sel.select();
            drop(sel);
            for s in senders {
                join(s);
            }
            let mut both = vec![first, second];
            both.sort_unstable();
            assert_eq!(both, [2 * i, 2 * i + 1], "{cap:?}");
            assert!(rx1.is_empty() && rx2.is_empty(), "{cap:?}");
        }
        assert_eq!(ledger.alive(), 0);
    }
}

// ---- drop accounting ---------------------------------------------------------

#[test]
fn every_message_is_dropped_exactly_once() {
    for cap in FLAVORS {
        let drops = Drops::default();
        let (tx, rx) = channel::<Counted>(cap);
        let (tx2, rx2) = channel::<Counted>(Some(4));
        // Received: dropped by the arm's closure.
        let sender = make_ready(cap, &tx, Counted(1, drops.clone()));
        {
            let mut sel = Select::new().recv(&rx, |r| r.unwrap().0);
            assert_eq!(sel.select(), 1);
        }
        if let Some(sender) = sender {
            join(sender);
        }
        assert_eq!(drops.get(), 1, "{cap:?}: received");
        // A losing send arm's message is dropped with the select, unsent.
        tx2.send(Counted(2, drops.clone())).unwrap();
        {
            let mut sel = Select::new()
                .recv(&rx2, |r| r.unwrap().0)
                .send(&tx, Counted(3, drops.clone()), |_| 0)
                .biased();
            assert_eq!(sel.select(), 2);
            assert_eq!(
                drops.get(),
                2,
                "{cap:?}: the unsent message was dropped early"
            );
        }
        assert_eq!(
            drops.get(),
            3,
            "{cap:?}: the unsent message was not dropped"
        );
        assert!(rx.is_empty(), "{cap:?}");
        // Handed back on a disconnected channel: the caller's.
        drop(rx);
        let back = {
            let mut sel = Select::new().send(&tx, Counted(4, drops.clone()), |r| r);
            sel.select().unwrap_err().into_inner()
        };
        assert_eq!((back.0, drops.get()), (4, 3), "{cap:?}");
        drop(back);
        assert_eq!(drops.get(), 4, "{cap:?}");
        // Sent and left queued: dropped with the channel.
        if cap != Some(0) {
            let (tx, rx) = channel::<Counted>(cap);
            let mut sel = Select::new().send(&tx, Counted(5, drops.clone()), |r| r.is_ok());
            assert!(sel.select());
            drop(sel);
            assert_eq!(drops.get(), 4, "{cap:?}: queued, not dropped");
            drop((tx, rx));
        } else {
            drops.0.fetch_add(1, Relaxed);
        }
        assert_eq!(drops.get(), 5, "{cap:?}");
        drop(tx2);
    }
}

#[test]
fn a_dropped_pending_select_future_drops_its_offer_once() {
    let drops = Drops::default();
    let (tx, rx) = mpmc::bounded::<Counted>(0);
    {
        let mut sel = Select::new().send(&tx, Counted(1, drops.clone()), |r| r.is_ok());
        let mut fut = Box::pin(sel.select_async());
        assert!(poll(fut.as_mut(), &noop_waker()).is_pending());
        drop(fut);
        assert_eq!(drops.get(), 0, "the offer went back into the select");
    }
    assert_eq!(drops.get(), 1);
    assert!(rx.try_recv().is_err());
}

// ---- select! -------------------------------------------------------------------

#[test]
fn macro_recv_and_send_arms() {
    let (tx, rx) = mpmc::bounded::<u32>(1);
    let (tx2, rx2) = mpmc::bounded::<u32>(1);
    tx.send(1).unwrap();
    let got = select! {
        recv(rx) -> msg => msg.unwrap(),
        recv(rx2) -> _msg => unreachable!("empty"),
    };
    assert_eq!(got, 1);
    // Send arms, with block and expression bodies, trailing comma or not.
    select! {
        send(tx2, 2) -> res => { assert_eq!(res, Ok(())); }
        recv(rx) -> _msg => unreachable!("empty")
    }
    assert_eq!(rx2.try_recv(), Ok(2));
    // A pattern in the binding.
    tx.send(3).unwrap();
    select! {
        recv(rx) -> msg => assert_eq!(msg, Ok(3)),
    }
    // Disconnected channels are ready: the error in the binding.
    drop(tx2);
    select! {
        recv(rx2) -> msg => assert_eq!(msg, Err(RecvError)),
    }
    drop(rx);
    select! {
        send(tx, 4) -> res => assert_eq!(res, Err(SendError(4))),
    }
}

#[test]
fn macro_default_never_waits() {
    let (tx, rx) = mpmc::bounded::<u32>(1);
    let mut ran;
    select! {
        recv(rx) -> _msg => ran = "recv",
        default => ran = "default",
    }
    assert_eq!(ran, "default");
    tx.send(1).unwrap();
    select! {
        recv(rx) -> msg => { assert_eq!(msg, Ok(1)); ran = "recv"; }
        default => { ran = "default"; }
    }
    assert_eq!(ran, "recv");
    // Only a default.
    let v = select! { default => 5 };
    assert_eq!(v, 5);
    // A full channel: the send arm's value is dropped, not sent.
    let drops = Drops::default();
    let (ctx, crx) = mpmc::bounded::<Counted>(1);
    ctx.send(Counted(0, drops.clone())).unwrap();
    select! {
        send(ctx, Counted(1, drops.clone())) -> _res => panic!("full"),
        default => {}
    }
    assert_eq!(
        drops.get(),
        1,
        "the losing send's value is dropped with the macro"
    );
    assert_eq!(crx.try_recv().map(|c| c.0), Ok(0));
}

#[test]
fn macro_default_with_a_timeout() {
    let (tx, rx) = mpmc::bounded::<u32>(0);
    let start = Instant::now();
    let out = select! {
        recv(rx) -> _msg => "recv",
        default(Duration::from_millis(15)) => "timeout",
    };
    assert_eq!(out, "timeout");
    assert!(start.elapsed() >= Duration::from_millis(15));
    let sender = thread::spawn(move || tx.send(2));
    let out = select! {
        recv(rx) -> msg => { assert_eq!(msg, Ok(2)); "recv" }
        default(Duration::from_secs(60)) => { "timeout" }
    };
    assert_eq!(out, "recv");
    assert_eq!(join(sender), Ok(()));
}

#[test]
fn macro_bodies_break_continue_and_return() {
    fn first_even(rx: &Receiver<u32>, stop: &Receiver<()>) -> Option<u32> {
        loop {
            select! {
                recv(rx) -> msg => {
                    let n = msg.ok()?;
                    if n % 2 == 1 {
                        continue;
                    }
                    return Some(n);
                }
                recv(stop) -> _msg => break,
            }
        }
        None
    }
    let (tx, rx) = mpmc::unbounded();
    let (stop_tx, stop) = mpmc::bounded(1);
    for n in [1, 3, 4, 5] {
        tx.send(n).unwrap();
    }
    assert_eq!(first_even(&rx, &stop), Some(4));
    assert_eq!(rx.try_recv(), Ok(5));
    stop_tx.send(()).unwrap();
    assert_eq!(first_even(&rx, &stop), None);
    drop(tx);
    // `?` inside a body: the disconnected channel returns early.
    assert_eq!(first_even(&rx, &stop), None);
    // `break` with a value out of a labelled loop.
    let (tx, rx) = mpmc::bounded::<u32>(4);
    let mut rounds = 0;
    let v = 'outer: loop {
        rounds += 1;
        select! {
            recv(rx) -> msg => break 'outer msg.unwrap() + 1,
            default => tx.send(10).unwrap(),
        }
    };
    assert_eq!((v, rounds), (11, 2));
}

#[test]
fn macro_mixes_every_arm_form_on_every_flavor() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (tx2, rx2) = channel::<u32>(cap);
        let sender = make_ready(cap, &tx, 1);
        let mut seen = Vec::new();
        for _ in 0..10 {
            if seen.contains(&1) {
                break;
            }
            select! {
                recv(rx) -> msg => seen.push(msg.unwrap()),
                send(tx2, 2) -> res => { res.unwrap(); seen.push(100); }
                default(Duration::from_millis(50)) => seen.push(0),
            }
        }
        if let Some(sender) = sender {
            join(sender);
        }
        assert!(seen.contains(&1), "{cap:?}: {seen:?}");
        // The send arm needs room (or a receiver, on the rendezvous).
        match cap {
            Some(0) => assert!(!seen.contains(&100)),
            _ => assert_eq!(
                rx2.try_iter().count(),
                seen.iter().filter(|&&s| s == 100).count()
            ),
        }
    }
}

// ---- hostile wakers ------------------------------------------------------------

/// A waker whose every handle's drop panics while `armed` (unlike
/// `HostileWaker`, whose drop panics only for the last handle).
#[derive(Clone, Default)]
struct DropBomb(Arc<DropBombInner>);

#[derive(Default)]
struct DropBombInner {
    armed: AtomicBool,
    drops: AtomicUsize,
}

static BOMB_VTABLE: RawWakerVTable =
    RawWakerVTable::new(bomb_clone, bomb_wake, bomb_wake_by_ref, bomb_drop);

/// # Safety
///
/// `data` is an `Arc<DropBombInner>` raw pointer whose count this handle owns.
unsafe fn bomb_clone(data: *const ()) -> RawWaker {
    // SAFETY: per the contract.
    unsafe { Arc::increment_strong_count(data.cast::<DropBombInner>()) };
    RawWaker::new(data, &BOMB_VTABLE)
}

/// # Safety
///
/// As for [`bomb_clone`].
unsafe fn bomb_wake(data: *const ()) {
    // SAFETY: per the contract.
    unsafe { bomb_drop(data) }
}

unsafe fn bomb_wake_by_ref(_: *const ()) {}

/// # Safety
///
/// As for [`bomb_clone`]; consumes the handle's count.
unsafe fn bomb_drop(data: *const ()) {
    // SAFETY: per the contract.
    let inner = unsafe { Arc::from_raw(data.cast::<DropBombInner>()) };
    inner.drops.fetch_add(1, Relaxed);
    let armed = inner.armed.load(Relaxed);
    drop(inner);
    if armed && !thread::panicking() {
        panic!("{HOSTILE} waker drop panics");
    }
}

impl DropBomb {
    fn waker(&self) -> Waker {
        let data = Arc::into_raw(Arc::clone(&self.0)).cast::<()>();
        // SAFETY: the vtable's functions keep the `Arc` count balanced.
        unsafe { Waker::from_raw(RawWaker::new(data, &BOMB_VTABLE)) }
    }

    fn arm(&self, on: bool) {
        self.0.armed.store(on, Relaxed);
    }
}

#[test]
fn hostile_wake_panics_in_the_sender_and_the_select_still_gets_the_message() {
    for cap in [Some(1), Some(2), None] {
        let ledger = Ledger::new(1);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let (_tx2, rx2) = channel::<LedgerMsg>(cap);
        let hostile = HostileWaker::new(panics::WAKE);
        let mut sel = Select::new()
            .recv(&rx2, |_| usize::MAX)
            .recv(&rx, |r| r.unwrap().id());
        let mut fut = pin!(sel.select_async());
        assert!(poll_pinned(fut.as_mut(), &hostile.waker()).is_pending());
        // The send's wake-up of the select panics; the message is queued.
        assert!(quietly(|| tx.send(ledger.msg(0))).is_err(), "{cap:?}");
        assert_eq!(hostile.wakes(), 1, "{cap:?}");
        hostile.arm(panics::NONE);
        assert_eq!(poll_pinned(fut.as_mut(), &hostile.waker()), Poll::Ready(0));
        assert!(rx.is_empty());
        ledger.assert_dropped_once(&[0]);
    }
}

#[test]
fn hostile_wake_panics_for_a_rendezvous_select_offer() {
    let ledger = Ledger::new(1);
    let (tx, rx) = mpmc::bounded::<LedgerMsg>(0);
    let hostile = HostileWaker::new(panics::WAKE);
    let mut sel = Select::new().send(&tx, ledger.msg(0), |r| r.is_ok());
    let mut fut = pin!(sel.select_async());
    assert!(poll_pinned(fut.as_mut(), &hostile.waker()).is_pending());
    // The receiver takes the offer and wakes the select, which panics: the
    // receive happened (the receiver's wake-up panicked after the take).
    let got = quietly(|| rx.recv());
    let received = match got {
        Ok(msg) => Some(msg.unwrap().id()),
        Err(_) => rx.try_recv().ok().map(|m| m.id()),
    };
    assert_eq!(received, Some(0), "the message was lost");
    hostile.arm(panics::NONE);
    assert_eq!(
        poll_pinned(fut.as_mut(), &hostile.waker()),
        Poll::Ready(true)
    );
    ledger.assert_dropped_once(&[0]);
}

#[test]
fn hostile_clone_panics_on_the_first_poll_then_a_good_poll_works() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (_tx2, rx2) = channel::<u32>(cap);
        let hostile = HostileWaker::new(panics::CLONE);
        let good = CountingWaker::new();
        let mut sel = Select::new().recv(&rx2, |_| 0).recv(&rx, |r| r.unwrap());
        let mut fut = pin!(sel.select_async());
        let waker = hostile.waker();
        assert!(
            quietly(|| poll_pinned(fut.as_mut(), &waker)).is_err(),
            "{cap:?}"
        );
        assert!(
            poll_pinned(fut.as_mut(), &good.waker()).is_pending(),
            "{cap:?}"
        );
        let sender = make_ready(cap, &tx, 5);
        let start = Instant::now();
        let got = loop {
            if let Poll::Ready(v) = poll_pinned(fut.as_mut(), &good.waker()) {
                break v;
            }
            assert!(start.elapsed() < HANG_LIMIT, "{cap:?}: never completed");
            thread::yield_now();
        };
        assert_eq!(got, 5, "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        drop(waker);
        assert_eq!(hostile.live(), 0, "{cap:?}: a waker handle leaked");
    }
}

/// A re-poll with another waker whose `clone` panics interrupts the round
/// after the select disarmed; the next poll must re-register, not read the
/// unarmed record as won.
#[test]
fn hostile_clone_panics_on_a_repoll_with_another_waker() {
    for cap in FLAVORS {
        let ledger = Ledger::new(1);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let (_tx2, rx2) = channel::<LedgerMsg>(cap);
        let good = CountingWaker::new();
        let hostile = HostileWaker::new(panics::CLONE);
        let mut sel = Select::new()
            .recv(&rx2, |_| usize::MAX)
            .recv(&rx, |r| r.unwrap().id());
        let mut fut = pin!(sel.select_async());
        assert!(poll_pinned(fut.as_mut(), &good.waker()).is_pending());
        let bad = hostile.waker();
        assert!(
            quietly(|| poll_pinned(fut.as_mut(), &bad)).is_err(),
            "{cap:?}"
        );
        let repoll = quietly(|| poll_pinned(fut.as_mut(), &good.waker()));
        assert!(
            matches!(repoll, Ok(Poll::Pending)),
            "{cap:?}: the poll after an interrupted one panicked or completed"
        );
        let wakes = good.wakes();
        let sender = make_ready(cap, &tx, ledger.msg(0));
        let start = Instant::now();
        while good.wakes() == wakes {
            assert!(
                start.elapsed() < HANG_LIMIT,
                "{cap:?}: the select was not woken"
            );
            thread::yield_now();
        }
        assert_eq!(ready(fut.as_mut(), &good.waker()), 0, "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        ledger.assert_dropped_once(&[0]);
        drop(bad);
    }
}

/// A rendezvous select future's first poll arms and then calls a receiving
/// future to pull its offer; that future's waker panics, so the poll unwinds
/// with the select armed. The receiver then takes the offer: the next poll
/// must return the completed send (not re-offer an empty entry, nor complete
/// a second arm).
#[test]
fn hostile_wake_of_the_called_puller_then_the_offer_is_taken() {
    let ledger = Ledger::new(2);
    let (tx, rx) = mpmc::bounded::<LedgerMsg>(0);
    let (tx2, rx2) = mpmc::bounded::<LedgerMsg>(1);
    let hostile = HostileWaker::new(panics::WAKE);
    let good = CountingWaker::new();
    let mut recv = Box::pin(rx.recv_async());
    assert!(poll_pinned(recv.as_mut(), &hostile.waker()).is_pending());
    let mut sel = Select::new()
        .send(&tx, ledger.msg(0), |r| {
            format!("send {:?}", r.map_err(|_| ()))
        })
        .recv(&rx2, |r| format!("recv {:?}", r.map(|m| m.id())));
    let mut fut = Box::pin(sel.select_async());
    assert!(
        quietly(|| poll_pinned(fut.as_mut(), &good.waker())).is_err(),
        "the called future's panic must reach the select's poll"
    );
    hostile.arm(panics::NONE);
    // The receive future pulls the offer (the select is armed).
    let got = poll_pinned(recv.as_mut(), &hostile.waker());
    assert!(matches!(&got, Poll::Ready(Ok(m)) if m.id() == 0), "{got:?}");
    drop(got);
    // Another arm becomes ready too: still only the send completes.
    tx2.send(ledger.msg(1)).unwrap();
    let next = quietly(|| poll_pinned(fut.as_mut(), &good.waker()));
    assert!(
        matches!(&next, Ok(Poll::Ready(s)) if s == "send Ok(())"),
        "the poll after the interrupted one: {:?}",
        next.as_ref().map_err(|_| "panicked")
    );
    drop(fut);
    assert_eq!(sel.try_select(), Ok("recv Ok(1)".to_owned()));
    assert_eq!(sel.try_select(), Err(TrySelectError));
    drop(sel);
    assert!(rx.try_recv().is_err());
    ledger.assert_dropped_once(&[0, 1]);
}

/// A waker whose every handle's drop panics, held by a pending select's
/// entries: dropping the future must still take every entry out of its
/// channel (the first drop's panic must not leave the others linked in
/// freed memory).
#[test]
fn hostile_waker_drop_panics_while_a_pending_select_future_is_dropped() {
    for cap in FLAVORS {
        let (tx1, rx1) = channel::<u32>(cap);
        let (tx2, rx2) = channel::<u32>(cap);
        let (tx3, rx3) = channel::<u32>(cap);
        let bomb = DropBomb::default();
        let mut sel = Select::new()
            .recv(&rx1, |r| r)
            .recv(&rx2, |r| r)
            .recv(&rx3, |r| r);
        let mut fut = Box::pin(sel.select_async());
        let waker = bomb.waker();
        assert!(poll(fut.as_mut(), &waker).is_pending());
        bomb.arm(true);
        let dropped = quietly(move || drop(fut));
        bomb.arm(false);
        assert!(
            dropped.is_err(),
            "{cap:?}: the waker's drop panic must propagate"
        );
        // Scribble over the freed future's memory, then use every channel:
        // an entry left linked would be read now.
        let scribble = Box::new([0xA5u8; 1024]);
        std::hint::black_box(&scribble);
        for (tx, rx) in [(&tx1, &rx1), (&tx2, &rx2), (&tx3, &rx3)] {
            let rx = rx.clone();
            let receiver = spawn_blocked(move || rx.recv());
            tx.send(4).unwrap();
            assert_eq!(join(receiver), Ok(4), "{cap:?}");
        }
        drop(scribble);
        assert_eq!(sel.try_select(), Err(TrySelectError));
        drop(waker);
    }
}

#[test]
fn hostile_waker_drop_panics_on_a_repoll_with_another_waker() {
    for cap in FLAVORS {
        let (tx, rx) = channel::<u32>(cap);
        let (_tx2, rx2) = channel::<u32>(cap);
        let bomb = DropBomb::default();
        let good = CountingWaker::new();
        let mut sel = Select::new().recv(&rx2, |_| 0).recv(&rx, |r| r.unwrap());
        let mut fut = pin!(sel.select_async());
        let bad = bomb.waker();
        assert!(poll_pinned(fut.as_mut(), &bad).is_pending());
        bomb.arm(true);
        // The replaced wake-ups are dropped: the first panics.
        let repoll = quietly(|| poll_pinned(fut.as_mut(), &good.waker()));
        bomb.arm(false);
        assert!(!matches!(repoll, Ok(Poll::Ready(_))), "{cap:?}");
        let mut woken = false;
        for _ in 0..2 {
            if let Ok(Poll::Pending) = quietly(|| poll_pinned(fut.as_mut(), &good.waker())) {
                woken = true;
                break;
            }
        }
        assert!(woken, "{cap:?}: the select did not settle to pending");
        let wakes = good.wakes();
        let sender = make_ready(cap, &tx, 3);
        let start = Instant::now();
        while good.wakes() == wakes {
            assert!(
                start.elapsed() < HANG_LIMIT,
                "{cap:?}: not woken after the panic"
            );
            thread::yield_now();
        }
        assert_eq!(ready(fut.as_mut(), &good.waker()), 3, "{cap:?}");
        if let Some(sender) = sender {
            join(sender);
        }
        drop(bad);
    }
}

#[test]
fn hostile_wakers_with_a_blocked_thread_select_and_a_receive_future() {
    // A rendezvous select's offer calls a receiving future whose waker
    // panics: the panic reaches the select's caller; nothing is lost and
    // the channel stays usable.
    let ledger = Ledger::new(1);
    let (tx, rx) = mpmc::bounded::<LedgerMsg>(0);
    let hostile = HostileWaker::new(panics::WAKE);
    let mut recv = Box::pin(rx.recv_async());
    assert!(poll_pinned(recv.as_mut(), &hostile.waker()).is_pending());
    let mut sel = Select::new().send(&tx, ledger.msg(0), |r| r.is_ok());
    let first = quietly(|| sel.select_timeout(Duration::from_millis(20)));
    hostile.arm(panics::NONE);
    match first {
        // The panic came out of the select (after it called the future).
        Err(_) => {}
        Ok(r) => assert_eq!(r, Err(SelectTimeoutError)),
    }
    // The future pulls the offer if the select left one, else the select
    // still has its message.
    let got = poll_pinned(recv.as_mut(), &hostile.waker());
    match got {
        Poll::Ready(msg) => {
            assert_eq!(msg.unwrap().id(), 0);
            assert_eq!(sel.try_select(), Ok(true), "the select's send happened");
        }
        Poll::Pending => {
            drop(recv);
            let receiver = spawn_blocked(move || rx.recv().map(|m| m.id()));
            assert!(sel.select());
            assert_eq!(join(receiver), Ok(0));
        }
    }
    drop(sel);
    ledger.assert_dropped_once(&[0]);
}

// ---- a watchdog over the whole binary ------------------------------------------

#[test]
fn select_in_a_loop_from_several_threads_over_mixed_flavors() {
    let _watchdog = Watchdog::new("select_in_a_loop", HANG_LIMIT);
    let per = race_iterations(500);
    let ledger = Ledger::new(3 * per);
    let chans: Vec<(Sender<LedgerMsg>, Receiver<LedgerMsg>)> =
        vec![mpmc::bounded(0), mpmc::bounded(2), mpmc::unbounded()];
    let senders: Vec<_> = chans
        .iter()
        .enumerate()
        .map(|(c, (tx, _))| {
            let (tx, l) = (tx.clone(), ledger.clone());
            thread::spawn(move || {
                for i in 0..per {
                    tx.send(l.msg(c * per + i)).unwrap();
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..2)
        .map(|t| {
            let rxs: Vec<Receiver<LedgerMsg>> = chans.iter().map(|(_, rx)| rx.clone()).collect();
            thread::spawn(move || {
                let mut got = Vec::new();
                let mut sel = Select::new()
                    .recv(&rxs[0], |r| (0, r.ok().map(|m| m.id())))
                    .recv(&rxs[1], |r| (1, r.ok().map(|m| m.id())))
                    .recv(&rxs[2], |r| (2, r.ok().map(|m| m.id())));
                let mut open = [true; 3];
                while open.iter().any(|&o| o) {
                    let out = if t == 0 {
                        sel.select()
                    } else {
                        futures::executor::block_on(sel.select_async())
                    };
                    match out {
                        (_, Some(id)) => got.push(id),
                        (arm, None) => open[arm] = false,
                    }
                }
                got
            })
        })
        .collect();
    for s in senders {
        join(s);
    }
    drop(chans);
    let mut all: Vec<usize> = receivers.into_iter().flat_map(join).collect();
    all.sort_unstable();
    assert_eq!(all, (0..3 * per).collect::<Vec<_>>());
    assert_eq!(ledger.alive(), 0);
}

/// The select and its future are `Send` when their arms are (so a select
/// future can be spawned on a multi-thread runtime); found missing by the
/// select benchmarks, which could not `tokio::spawn` a `select_async`.
#[test]
#[cfg_attr(miri, ignore = "a tokio runtime")]
fn select_and_its_future_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let (tx, rx) = mpmc::bounded::<String>(1);
    let (_btx, mut brx) = mpmc::broadcast::channel::<u8>(1);
    let mut sel = mpmc::Select::new()
        .recv(&rx, |r| r.is_ok())
        .send(&tx, String::from("x"), |r| r.is_ok())
        .recv_broadcast(&mut brx, |r| r.is_ok());
    assert_send_sync(&sel);
    let fut = sel.select_async();
    assert_send_sync(&fut);
    drop(fut);
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = mpmc::bounded::<u32>(1);
            let task = tokio::spawn(async move {
                let mut sel = mpmc::Select::new().recv(&rx, |r| r.unwrap());
                sel.select_async().await
            });
            tx.send_async(7).await.unwrap();
            task.await.unwrap()
        })
    });
    assert_eq!(handle.join().unwrap(), 7);
}
