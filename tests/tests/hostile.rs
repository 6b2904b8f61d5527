//! Hostile payloads and wakers: messages whose `Drop` panics, wakers whose
//! `wake` or `clone` panics, wakers that re-enter the channel from inside
//! `wake`, and ends leaked with `mem::forget`.
//!
//! The channel must stay memory-safe in every case: no double drop, no
//! use-after-free, no leak beyond what `mem::forget` itself leaks. What
//! happens in each case is documented on each test and in `RELIABILITY.md`.
//! Memory errors in these paths are caught when this binary runs under Miri
//! and valgrind (see `.ci/stages/60-reliability.sh`).
//!
//! Tests named `leaks_*` leak on purpose (that is what `mem::forget` does):
//! the valgrind leak check skips them, and Miri ignores them.

#![cfg(not(loom))]

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};
use std::time::Duration;

use oneshot::{Receiver, RecvError, Sender, TryRecvError};

// --- helpers ---------------------------------------------------------------

/// A message whose `Drop` panics (once it has counted itself).
struct PanicOnDrop {
    drops: Arc<AtomicUsize>,
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        panic!("PanicOnDrop dropped");
    }
}

fn panic_on_drop() -> (PanicOnDrop, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    (
        PanicOnDrop {
            drops: Arc::clone(&drops),
        },
        drops,
    )
}

/// A waker that counts wake-ups.
#[derive(Default)]
struct Counter {
    wakes: AtomicUsize,
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

/// A waker whose `wake` panics.
struct PanicOnWake;

impl Wake for PanicOnWake {
    fn wake(self: Arc<Self>) {
        panic!("PanicOnWake woken");
    }
}

/// A waker that runs a closure from inside `wake` (the re-entrant cases).
struct Reenter<F: Fn() + Send + Sync>(F);

impl<F: Fn() + Send + Sync> Wake for Reenter<F> {
    fn wake(self: Arc<Self>) {
        (self.0)();
    }
}

/// A raw waker whose `clone` panics; `wake`/`drop` are no-ops. The data
/// pointer counts the clone attempts.
fn panicking_clone_waker(attempts: &'static AtomicUsize) -> Waker {
    unsafe fn clone(data: *const ()) -> RawWaker {
        // SAFETY: `data` is the `&'static AtomicUsize` given below.
        unsafe { &*data.cast::<AtomicUsize>() }.fetch_add(1, SeqCst);
        panic!("waker clone panics");
    }
    unsafe fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    let data: *const AtomicUsize = attempts;
    // SAFETY: the vtable functions uphold the `RawWaker` contract: `clone`
    // never returns (it panics), and the others do nothing with the
    // `'static` data pointer.
    unsafe { Waker::from_raw(RawWaker::new(data.cast(), &VTABLE)) }
}

fn poll_rx<T: Unpin>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

fn poll_closed<T>(tx: &mut Sender<T>, waker: &Waker) -> Poll<()> {
    tx.poll_closed(&mut Context::from_waker(waker))
}

/// Runs `f`, catching the panic the test expects (the default hook still
/// prints it: hooks are process-wide and the tests run in parallel).
fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    catch_unwind(AssertUnwindSafe(f))
}

// --- panicking payloads ----------------------------------------------------

/// A message whose `Drop` panics, left in the channel when the receiver is
/// dropped: the panic propagates out of `drop(receiver)`, the message was
/// dropped exactly once, and the allocation is still freed (the core frees
/// it from a guard that runs during unwinding).
#[test]
fn panicking_drop_in_receiver_drop() {
    let (tx, rx) = oneshot::channel();
    let (msg, drops) = panic_on_drop();
    assert!(tx.send(msg).is_ok());
    let result = quietly(move || drop(rx));
    assert!(result.is_err(), "the payload's panic must reach the caller");
    assert_eq!(drops.load(SeqCst), 1);
}

/// As above, with the receiver polled first (its waker is in the channel).
/// The receiver's waker is dropped before the message, so nothing leaks.
#[test]
fn panicking_drop_in_polled_receiver_drop() {
    let (tx, mut rx) = oneshot::channel();
    let waker = Arc::new(Counter::default());
    assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&waker))).is_pending());
    let (msg, drops) = panic_on_drop();
    assert!(tx.send(msg).is_ok());
    assert_eq!(waker.wakes.load(SeqCst), 1);
    assert!(quietly(move || drop(rx)).is_err());
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(Arc::strong_count(&waker), 1, "the receiver's waker leaked");
}

/// A failed send hands the message back inside `SendError`; dropping that
/// error panics in the payload's `Drop`. The channel was already freed by
/// the send (the receiver was gone), so the panic touches no channel memory.
#[test]
fn panicking_drop_in_failed_send_error() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let (msg, drops) = panic_on_drop();
    let err = tx.send(msg).expect_err("the receiver is gone");
    assert_eq!(
        drops.load(SeqCst),
        0,
        "the channel must not drop a refused message"
    );
    assert!(quietly(move || drop(err)).is_err());
    assert_eq!(drops.load(SeqCst), 1);
}

/// The same after `close`: the receiver is alive, the send fails, the
/// error's drop panics, and the receiver is still usable and freed later.
#[test]
fn panicking_drop_in_failed_send_error_after_close() {
    let (tx, mut rx) = oneshot::channel();
    rx.close();
    let (msg, drops) = panic_on_drop();
    let err = tx.send(msg).expect_err("the receiver closed");
    assert!(quietly(move || drop(err)).is_err());
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(rx.try_recv().map(|_| ()), Err(TryRecvError::Disconnected));
    drop(rx);
    assert_eq!(
        drops.load(SeqCst),
        1,
        "a refused message must not be dropped twice"
    );
}

/// A received message whose `Drop` panics is the caller's business: the
/// channel is untouched by it.
#[test]
fn panicking_drop_after_receive() {
    let (tx, rx) = oneshot::channel();
    let (msg, drops) = panic_on_drop();
    assert!(tx.send(msg).is_ok());
    let msg = rx.try_recv().expect("sent");
    drop(rx);
    assert!(quietly(move || drop(msg)).is_err());
    assert_eq!(drops.load(SeqCst), 1);
}

// --- panicking wakers ------------------------------------------------------

/// `send` wakes the receiver's waker last, after releasing the channel; a
/// panicking `wake` unwinds out of `send`, but the message was delivered.
#[test]
fn panicking_wake_in_send() {
    let (tx, mut rx) = oneshot::channel();
    assert!(poll_rx(&mut rx, &Waker::from(Arc::new(PanicOnWake))).is_pending());
    assert!(quietly(move || tx.send(7u32)).is_err());
    assert!(rx.has_message());
    assert_eq!(
        poll_rx(&mut rx, &Waker::from(Arc::new(Counter::default()))),
        Poll::Ready(Ok(7))
    );
}

/// Dropping the sender wakes the receiver; a panicking `wake` unwinds out of
/// the sender's `drop`, and the receiver sees the disconnect.
#[test]
fn panicking_wake_in_sender_drop() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    assert!(poll_rx(&mut rx, &Waker::from(Arc::new(PanicOnWake))).is_pending());
    assert!(quietly(move || drop(tx)).is_err());
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

/// The receiver wakes the sender's `closed()` waker from `close` (and from
/// its drop, below); a panicking `wake` unwinds out of `close` after the
/// channel is closed and the claim on that waker released.
#[test]
fn panicking_wake_in_close() {
    let (mut tx, mut rx) = oneshot::channel::<u32>();
    assert!(poll_closed(&mut tx, &Waker::from(Arc::new(PanicOnWake))).is_pending());
    assert!(quietly(|| rx.close()).is_err());
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).map_err(|e| e.into_inner()), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn panicking_wake_in_receiver_drop() {
    let (mut tx, rx) = oneshot::channel::<u32>();
    assert!(poll_closed(&mut tx, &Waker::from(Arc::new(PanicOnWake))).is_pending());
    assert!(quietly(move || drop(rx)).is_err());
    assert!(tx.is_closed());
    assert_eq!(
        poll_closed(&mut tx, &Waker::from(Arc::new(Counter::default()))),
        Poll::Ready(())
    );
}

/// The receiver's drop wakes the sender's waker after freeing the channel
/// (when the sender is already gone it never gets here; when it is alive the
/// channel stays): either way the panic touches nothing.
#[test]
fn panicking_wake_in_receiver_drop_then_sender_drop() {
    let (mut tx, rx) = oneshot::channel::<String>();
    assert!(poll_closed(&mut tx, &Waker::from(Arc::new(PanicOnWake))).is_pending());
    assert!(quietly(move || drop(rx)).is_err());
    let back = tx.send(String::from("x")).expect_err("closed").into_inner();
    assert_eq!(back, "x");
}

/// A waker whose `clone` panics: the poll that would store it unwinds
/// before the channel changes, and the receiver works afterwards.
#[test]
fn panicking_clone_in_poll() {
    static ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
    let (tx, mut rx) = oneshot::channel::<u32>();
    let waker = panicking_clone_waker(&ATTEMPTS);
    assert!(quietly(|| poll_rx(&mut rx, &waker)).is_err());
    assert_eq!(ATTEMPTS.load(SeqCst), 1);
    assert!(!rx.has_message());
    assert!(tx.send(3).is_ok());
    assert_eq!(rx.try_recv(), Ok(3));
}

/// `clone` panicking when a waker is already stored: the old waker must be
/// dropped (not leaked, not double-dropped), and a later send still works.
#[test]
fn panicking_clone_replacing_a_stored_waker() {
    static ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
    let (tx, mut rx) = oneshot::channel::<u32>();
    let first = Arc::new(Counter::default());
    assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&first))).is_pending());
    let waker = panicking_clone_waker(&ATTEMPTS);
    assert!(quietly(|| poll_rx(&mut rx, &waker)).is_err());
    assert!(tx.send(4).is_ok());
    assert_eq!(rx.try_recv(), Ok(4));
    drop(rx);
    assert_eq!(Arc::strong_count(&first), 1, "the replaced waker leaked");
}

#[test]
fn panicking_clone_in_poll_closed() {
    static ATTEMPTS: AtomicUsize = AtomicUsize::new(0);
    let (mut tx, rx) = oneshot::channel::<u32>();
    let waker = panicking_clone_waker(&ATTEMPTS);
    assert!(quietly(|| poll_closed(&mut tx, &waker)).is_err());
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(5).map_err(|e| e.into_inner()), Err(5));
}

// --- re-entrant wakers -----------------------------------------------------

type SharedRx<T> = Arc<Mutex<Option<Receiver<T>>>>;

/// A receiver kept where its own waker can reach it.
fn shared_receiver<T>(rx: Receiver<T>) -> SharedRx<T> {
    Arc::new(Mutex::new(Some(rx)))
}

/// Polls the shared receiver once with `waker`, releasing the lock before
/// anyone can wake it.
fn poll_shared<T: Unpin>(rx: &SharedRx<T>, waker: &Waker) -> Poll<Result<T, RecvError>> {
    let mut guard = rx.lock().unwrap();
    poll_rx(guard.as_mut().expect("receiver present"), waker)
}

/// The waker calls `try_recv` from inside `wake`, on the thread that is in
/// the middle of `send`: the message is already published, so it gets it.
#[test]
fn reentrant_wake_calls_try_recv() {
    let (tx, rx) = oneshot::channel::<u32>();
    let rx = shared_receiver(rx);
    let seen = Arc::new(Mutex::new(None));
    let waker = {
        let (rx, seen) = (Arc::clone(&rx), Arc::clone(&seen));
        Waker::from(Arc::new(Reenter(move || {
            let guard = rx.lock().unwrap();
            *seen.lock().unwrap() = Some(guard.as_ref().unwrap().try_recv());
        })))
    };
    assert!(poll_shared(&rx, &waker).is_pending());
    drop(waker);
    assert!(tx.send(11).is_ok());
    assert_eq!(*seen.lock().unwrap(), Some(Ok(11)));
}

/// The waker asks `is_closed` (and `has_message`) from inside the wake
/// caused by the sender's drop: the channel already reads as disconnected.
#[test]
fn reentrant_wake_calls_is_closed() {
    let (tx, rx) = oneshot::channel::<u32>();
    let rx = shared_receiver(rx);
    let seen = Arc::new(Mutex::new(None));
    let waker = {
        let (rx, seen) = (Arc::clone(&rx), Arc::clone(&seen));
        Waker::from(Arc::new(Reenter(move || {
            let guard = rx.lock().unwrap();
            let rx = guard.as_ref().unwrap();
            *seen.lock().unwrap() = Some((rx.is_closed(), rx.has_message()));
        })))
    };
    assert!(poll_shared(&rx, &waker).is_pending());
    drop(waker);
    drop(tx);
    assert_eq!(*seen.lock().unwrap(), Some((true, false)));
}

/// The waker drops the receiver from inside the wake that `send` makes: the
/// sender has released the channel before waking, so the receiver's drop
/// frees it (dropping the unread message) while `send` is still on the
/// stack. This is the shape of the `oneshot` crate's open use-after-free.
#[test]
fn reentrant_wake_drops_receiver_during_send() {
    let (tx, rx) = oneshot::channel::<Box<u64>>();
    let rx = shared_receiver(rx);
    let dropped = Arc::new(AtomicBool::new(false));
    let waker = {
        let (rx, dropped) = (Arc::clone(&rx), Arc::clone(&dropped));
        Waker::from(Arc::new(Reenter(move || {
            drop(rx.lock().unwrap().take());
            dropped.store(true, SeqCst);
        })))
    };
    assert!(poll_shared(&rx, &waker).is_pending());
    drop(waker);
    assert!(tx.send(Box::new(5)).is_ok());
    assert!(dropped.load(SeqCst));
    assert!(rx.lock().unwrap().is_none());
}

/// The same with the sender's drop doing the waking.
#[test]
fn reentrant_wake_drops_receiver_during_sender_drop() {
    let (tx, rx) = oneshot::channel::<Box<u64>>();
    let rx = shared_receiver(rx);
    let waker = {
        let rx = Arc::clone(&rx);
        Waker::from(Arc::new(Reenter(move || drop(rx.lock().unwrap().take()))))
    };
    assert!(poll_shared(&rx, &waker).is_pending());
    drop(waker);
    drop(tx);
    assert!(rx.lock().unwrap().is_none());
}

/// The sender's `closed()` waker drops the sender from inside the wake that
/// `close` makes, and another version sends from inside it (refused).
#[test]
fn reentrant_closed_wake_drops_or_sends() {
    for send in [false, true] {
        let (tx, mut rx) = oneshot::channel::<Box<u64>>();
        let tx = Arc::new(Mutex::new(Some(tx)));
        let refused = Arc::new(Mutex::new(None));
        let waker = {
            let (tx, refused) = (Arc::clone(&tx), Arc::clone(&refused));
            Waker::from(Arc::new(Reenter(move || {
                let sender = tx.lock().unwrap().take().expect("woken once");
                if send {
                    *refused.lock().unwrap() =
                        Some(*sender.send(Box::new(9)).unwrap_err().into_inner());
                } else {
                    drop(sender);
                }
            })))
        };
        {
            let mut guard = tx.lock().unwrap();
            assert!(poll_closed(guard.as_mut().unwrap(), &waker).is_pending());
        }
        drop(waker);
        rx.close();
        assert!(
            tx.lock().unwrap().is_none(),
            "the closed() waker was not woken"
        );
        assert_eq!(*refused.lock().unwrap(), send.then_some(9));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }
}

/// The sender's `closed()` waker drops the sender from inside the wake that
/// the receiver's *drop* makes: the receiver finished with the channel
/// before waking, and the sender, now last, frees it.
#[test]
fn reentrant_closed_wake_drops_sender_during_receiver_drop() {
    let (tx, rx) = oneshot::channel::<Box<u64>>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let waker = {
        let tx = Arc::clone(&tx);
        Waker::from(Arc::new(Reenter(move || drop(tx.lock().unwrap().take()))))
    };
    {
        let mut guard = tx.lock().unwrap();
        assert!(poll_closed(guard.as_mut().unwrap(), &waker).is_pending());
    }
    drop(waker);
    drop(rx);
    assert!(tx.lock().unwrap().is_none());
}

/// Re-entrant wakers under real concurrency: the sender sends from another
/// thread while the receiver's waker drops the receiver.
#[test]
fn reentrant_wake_drops_receiver_across_threads() {
    let iters = if cfg!(miri) { 5 } else { 500 };
    for _ in 0..iters {
        let (tx, rx) = oneshot::channel::<Box<u64>>();
        let rx = shared_receiver(rx);
        let waker = {
            let rx = Arc::clone(&rx);
            Waker::from(Arc::new(Reenter(move || drop(rx.lock().unwrap().take()))))
        };
        assert!(poll_shared(&rx, &waker).is_pending());
        drop(waker);
        let sender = std::thread::spawn(move || tx.send(Box::new(1)).is_ok());
        assert!(sender.join().unwrap());
        assert!(rx.lock().unwrap().is_none());
    }
}

// --- mem::forget -----------------------------------------------------------

/// A forgotten sender never sends nor disconnects: the receiver sees
/// `Empty`, times out, and its drop cannot free the channel (the sender's
/// half is missing), so the allocation leaks. No UB.
#[test]
#[cfg_attr(miri, ignore = "leaks on purpose; Miri's leak check would fail")]
fn leaks_forgotten_sender() {
    let (tx, mut rx) = oneshot::channel::<Box<u64>>();
    std::mem::forget(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(1)),
        Err(oneshot::RecvTimeoutError::Timeout)
    );
    let waker = Arc::new(Counter::default());
    assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&waker))).is_pending());
    assert!(!rx.is_closed());
    drop(rx);
    assert_eq!(
        Arc::strong_count(&waker),
        1,
        "the receiver's own waker is still dropped"
    );
}

/// A forgotten receiver never closes: `send` succeeds, and the message
/// leaks with the allocation (it is never dropped). No UB.
#[test]
#[cfg_attr(miri, ignore = "leaks on purpose; Miri's leak check would fail")]
fn leaks_forgotten_receiver() {
    let (tx, rx) = oneshot::channel();
    std::mem::forget(rx);
    assert!(!tx.is_closed());
    let (msg, drops) = panic_on_drop();
    assert!(tx.send(msg).is_ok());
    assert_eq!(drops.load(SeqCst), 0, "a leaked message is never dropped");
}

/// A receiver forgotten after it polled: the sender still wakes (and drops)
/// the stored waker, so only the channel and the message leak.
#[test]
#[cfg_attr(miri, ignore = "leaks on purpose; Miri's leak check would fail")]
fn leaks_forgotten_polled_receiver() {
    let (tx, mut rx) = oneshot::channel::<Box<u64>>();
    let waker = Arc::new(Counter::default());
    assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&waker))).is_pending());
    std::mem::forget(rx);
    assert!(tx.send(Box::new(1)).is_ok());
    assert_eq!(waker.wakes.load(SeqCst), 1);
    assert_eq!(Arc::strong_count(&waker), 1);
}

/// A sender forgotten while its `closed()` waker is stored: the receiver's
/// drop wakes and drops that waker, and only the channel leaks.
#[test]
#[cfg_attr(miri, ignore = "leaks on purpose; Miri's leak check would fail")]
fn leaks_forgotten_sender_with_closed_waker() {
    let (mut tx, rx) = oneshot::channel::<Box<u64>>();
    let waker = Arc::new(Counter::default());
    assert!(poll_closed(&mut tx, &Waker::from(Arc::clone(&waker))).is_pending());
    std::mem::forget(tx);
    drop(rx);
    assert_eq!(waker.wakes.load(SeqCst), 1);
    assert_eq!(Arc::strong_count(&waker), 1);
}

// --- wakers whose `Drop` panics --------------------------------------------
//
// The core drops wakers in many places: the `closed()` waker a `send`
// withdraws, the waker a re-poll or a blocking receive replaces, the
// receiver's own waker in `close` and in its drop, a waker left in the slot
// when the channel is freed. Each drop runs user code, so each must come
// after the step's final RMW: a panic there must leave the channel as if
// the operation had finished, and the other end must learn the outcome.

/// What a [`PanicOnDropWaker`] saw: how often it was woken, and whether its
/// `Drop` ran.
#[derive(Default)]
struct DropProbe {
    wakes: AtomicUsize,
    drops: AtomicUsize,
}

/// A waker whose `Drop` (when its last handle goes) counts itself and
/// panics. `wake` counts and consumes the handle, so a wake that drops the
/// last handle panics too.
struct PanicOnDropWaker(Arc<DropProbe>);

impl Wake for PanicOnDropWaker {
    fn wake(self: Arc<Self>) {
        self.0.wakes.fetch_add(1, SeqCst);
    }
}

impl Drop for PanicOnDropWaker {
    fn drop(&mut self) {
        self.0.drops.fetch_add(1, SeqCst);
        if !std::thread::panicking() {
            panic!("PanicOnDropWaker dropped");
        }
    }
}

/// A waker whose `Drop` panics, and the probe that watches it. The caller
/// hands the waker to the channel (which clones it) and then drops its own
/// handle, so that the channel's clone is the last one.
fn panicking_drop_waker() -> (Waker, Arc<DropProbe>) {
    let probe = Arc::new(DropProbe::default());
    (
        Waker::from(Arc::new(PanicOnDropWaker(Arc::clone(&probe)))),
        probe,
    )
}

/// `send` withdraws the `closed()` waker that `poll_closed` left in the slot
/// before it writes the message there. That waker's `Drop` panics: `send`
/// must still deliver the message (and wake a waiting receiver) before the
/// panic unwinds out of it. It used to drop the waker before its final RMW,
/// so the panic left the receiver waiting forever and leaked the channel.
#[test]
fn panicking_waker_drop_in_send_with_closed_waker() {
    let (mut tx, mut rx) = oneshot::channel::<Box<u32>>();
    let (closed_waker, probe) = panicking_drop_waker();
    assert!(poll_closed(&mut tx, &closed_waker).is_pending());
    drop(closed_waker);
    let receiver_waker = Arc::new(Counter::default());
    assert!(poll_rx(&mut rx, &Waker::from(Arc::clone(&receiver_waker))).is_pending());

    assert!(quietly(move || tx.send(Box::new(5))).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert_eq!(probe.wakes.load(SeqCst), 0);
    assert_eq!(
        receiver_waker.wakes.load(SeqCst),
        1,
        "the waiting receiver was not woken"
    );
    assert!(rx.has_message(), "the message was not delivered");
    assert_eq!(rx.try_recv(), Ok(Box::new(5)));
    drop(rx);
    assert_eq!(
        Arc::strong_count(&receiver_waker),
        1,
        "the receiver's waker leaked"
    );
}

/// The same with nobody waiting, and the receiver dropped afterwards with
/// the message unread (Miri and valgrind check that the channel is freed).
#[test]
fn panicking_waker_drop_in_send_then_receiver_drop() {
    let (mut tx, rx) = oneshot::channel::<Box<u32>>();
    let (closed_waker, probe) = panicking_drop_waker();
    assert!(poll_closed(&mut tx, &closed_waker).is_pending());
    drop(closed_waker);
    assert!(quietly(move || tx.send(Box::new(6))).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert!(!rx.is_closed());
    assert!(rx.has_message());
    drop(rx);
}

/// A re-poll with a different waker withdraws the stored one and drops it.
/// Its `Drop` panics: the new waker must already be registered, so the
/// sender's wake-up still reaches the task.
#[test]
fn panicking_waker_drop_in_repoll() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    let (first, probe) = panicking_drop_waker();
    assert!(poll_rx(&mut rx, &first).is_pending());
    drop(first);
    let second = Arc::new(Counter::default());
    let second_waker = Waker::from(Arc::clone(&second));
    assert!(quietly(|| poll_rx(&mut rx, &second_waker)).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert!(tx.send(3).is_ok());
    assert_eq!(
        second.wakes.load(SeqCst),
        1,
        "the new waker was not registered"
    );
    assert_eq!(probe.wakes.load(SeqCst), 0, "the replaced waker was woken");
    assert_eq!(poll_rx(&mut rx, &second_waker), Poll::Ready(Ok(3)));
    drop(rx);
    drop(second_waker);
    assert_eq!(Arc::strong_count(&second), 1, "the new waker leaked");
}

/// The sender's side of the same: `poll_closed` with a new waker replaces
/// one whose `Drop` panics; the receiver's close still wakes the new one.
#[test]
fn panicking_waker_drop_in_repoll_closed() {
    let (mut tx, rx) = oneshot::channel::<u32>();
    let (first, probe) = panicking_drop_waker();
    assert!(poll_closed(&mut tx, &first).is_pending());
    drop(first);
    let second = Arc::new(Counter::default());
    let second_waker = Waker::from(Arc::clone(&second));
    assert!(quietly(|| poll_closed(&mut tx, &second_waker)).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    drop(rx);
    assert_eq!(
        second.wakes.load(SeqCst),
        1,
        "the new waker was not registered"
    );
    assert_eq!(poll_closed(&mut tx, &second_waker), Poll::Ready(()));
    assert_eq!(tx.send(1).map_err(|e| e.into_inner()), Err(1));
    drop(second_waker);
    assert_eq!(Arc::strong_count(&second), 1, "the new waker leaked");
}

/// A blocking receive after a poll replaces the task's waker with the
/// thread's and drops the task's. Its `Drop` panics out of the receive; the
/// receiver stays usable and the send still reaches it.
#[test]
fn panicking_waker_drop_in_blocking_recv_after_poll() {
    for method in ["recv_ref", "recv_timeout", "recv_timeout(0)"] {
        let (tx, mut rx) = oneshot::channel::<u32>();
        let (waker, probe) = panicking_drop_waker();
        assert!(poll_rx(&mut rx, &waker).is_pending());
        drop(waker);
        let result = quietly(|| match method {
            "recv_ref" => rx.recv_ref().map_err(|_| ()),
            "recv_timeout" => rx.recv_timeout(Duration::from_millis(1)).map_err(|_| ()),
            _ => rx.recv_timeout(Duration::ZERO).map_err(|_| ()),
        });
        assert!(
            result.is_err(),
            "{method}: the waker's panic must propagate"
        );
        assert_eq!(probe.drops.load(SeqCst), 1, "{method}");
        assert!(!tx.is_closed(), "{method}");
        assert!(tx.send(8).is_ok(), "{method}");
        assert_eq!(rx.try_recv(), Ok(8), "{method}");
    }
}

/// `recv` consumes the receiver: when the replaced waker's `Drop` panics,
/// the receiver is dropped during unwinding and the sender sees it gone.
#[test]
fn panicking_waker_drop_in_recv_after_poll() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    let (waker, probe) = panicking_drop_waker();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    drop(waker);
    assert!(quietly(move || rx.recv()).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert!(tx.is_closed());
    assert_eq!(tx.send(2).map_err(|e| e.into_inner()), Err(2));
}

/// `close` withdraws the receiver's own waker and drops it after the close
/// is final and the sender's `closed()` waker has been woken.
#[test]
fn panicking_waker_drop_in_close() {
    let (mut tx, mut rx) = oneshot::channel::<u32>();
    let closed = Arc::new(Counter::default());
    assert!(poll_closed(&mut tx, &Waker::from(Arc::clone(&closed))).is_pending());
    let (waker, probe) = panicking_drop_waker();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    drop(waker);
    assert!(quietly(|| rx.close()).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert_eq!(closed.wakes.load(SeqCst), 1, "closed() was not woken");
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).map_err(|e| e.into_inner()), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    drop(rx);
    assert_eq!(Arc::strong_count(&closed), 1, "the closed() waker leaked");
}

/// The receiver's drop withdraws its own waker and drops it last, after the
/// sender was told (its `closed()` waker woken) and the channel released.
#[test]
fn panicking_waker_drop_in_receiver_drop() {
    let (mut tx, mut rx) = oneshot::channel::<String>();
    let closed = Arc::new(Counter::default());
    assert!(poll_closed(&mut tx, &Waker::from(Arc::clone(&closed))).is_pending());
    let (waker, probe) = panicking_drop_waker();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    drop(waker);
    assert!(quietly(move || drop(rx)).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert_eq!(closed.wakes.load(SeqCst), 1, "closed() was not woken");
    let back = tx.send(String::from("x")).expect_err("closed").into_inner();
    assert_eq!(back, "x");
    assert_eq!(Arc::strong_count(&closed), 1, "the closed() waker leaked");
}

/// A sender dropped while its `closed()` waker (whose `Drop` panics) is in
/// the slot leaves the waker there; the receiver's drop frees the channel
/// and only then drops the waker, so the panic leaks nothing.
#[test]
fn panicking_waker_drop_when_the_channel_is_freed() {
    let (mut tx, rx) = oneshot::channel::<Box<u32>>();
    let (waker, probe) = panicking_drop_waker();
    assert!(poll_closed(&mut tx, &waker).is_pending());
    drop(waker);
    drop(tx);
    assert_eq!(probe.drops.load(SeqCst), 0);
    assert!(rx.is_closed());
    assert!(quietly(move || drop(rx)).is_err());
    assert_eq!(probe.drops.load(SeqCst), 1);
}

/// The sender's drop claims the receiver's waker and wakes it; `wake`
/// consumes the last handle, so its `Drop` panics inside `wake`, after the
/// disconnect is final.
#[test]
fn panicking_waker_drop_in_sender_drop() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    let (waker, probe) = panicking_drop_waker();
    assert!(poll_rx(&mut rx, &waker).is_pending());
    drop(waker);
    assert!(quietly(move || drop(tx)).is_err());
    assert_eq!(probe.wakes.load(SeqCst), 1);
    assert_eq!(probe.drops.load(SeqCst), 1);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

// --- a waker whose `Drop` re-enters the receiver ---------------------------

/// A waker that runs a closure from its `Drop` (when its last handle goes);
/// `wake` does nothing.
struct ReenterOnDrop<F: Fn() + Send + Sync>(F);

impl<F: Fn() + Send + Sync> Wake for ReenterOnDrop<F> {
    fn wake(self: Arc<Self>) {}
}

impl<F: Fn() + Send + Sync> Drop for ReenterOnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

std::thread_local! {
    /// A receiver its own waker's `Drop` can reach from safe code.
    static HELD: std::cell::RefCell<Option<Receiver<Box<u32>>>> =
        const { std::cell::RefCell::new(None) };
}

/// One round of the re-entrant drop: the receive thread polls with a waker
/// whose `Drop` blocks on the *same* receiver (through a thread-local), then
/// blocks in `recv_ref`, which replaces that waker and so drops it. The
/// sender sends only once the nested receive has started, while the outer
/// `recv_ref` is suspended inside the core; a third thread keeps unparking
/// the receive thread, so the nested receive, its waker registered, re-reads
/// the state often (also while the sender is in its claim on that waker).
///
/// The core used to drop the replaced waker in the middle of `register`
/// and then write its new waker into the cell from the state it had read
/// before: a data race with the sender reading the cell (Miri reports it
/// under `-Zmiri-many-seeds`). Only deferring the drop is not enough either:
/// the nested receive would then take the message and the outer one park for
/// ever. Exactly one of the receives must get the message.
fn reentrant_waker_drop_in_blocking_recv_round() {
    let (tx, rx) = oneshot::channel::<Box<u32>>();
    let nested_started = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let receiving = {
        let nested_started = Arc::clone(&nested_started);
        std::thread::spawn(move || {
            HELD.with(|held| *held.borrow_mut() = Some(rx));
            let nested = Arc::new(Mutex::new(None));
            let waker = {
                let nested = Arc::clone(&nested);
                Waker::from(Arc::new(ReenterOnDrop(move || {
                    // Only on the receive thread (the channel may drop its
                    // clone elsewhere when the hook already ran).
                    let got = HELD.with(|held| {
                        let held = held.borrow();
                        let rx = held.as_ref()?;
                        nested_started.store(true, SeqCst);
                        Some(rx.recv_ref().ok().map(|m| *m))
                    });
                    if got.is_some() {
                        *nested.lock().unwrap() = got;
                    }
                })))
            };
            let polled = HELD.with(|held| poll_rx(held.borrow_mut().as_mut().unwrap(), &waker));
            assert!(
                polled.is_pending(),
                "the sender waits for the nested receive"
            );
            drop(waker); // the channel's clone is now the last handle
            let outer = HELD.with(|held| held.borrow().as_ref().unwrap().recv_ref());
            drop(HELD.with(|held| held.borrow_mut().take()));
            let nested = nested.lock().unwrap().take();
            (outer.ok().map(|m| *m), nested)
        })
    };
    let unparking = {
        let (done, receive_thread) = (Arc::clone(&done), receiving.thread().clone());
        std::thread::spawn(move || {
            while !done.load(SeqCst) {
                receive_thread.unpark();
                std::thread::yield_now();
            }
        })
    };
    while !nested_started.load(SeqCst) {
        std::thread::yield_now();
    }
    // Give the nested receive time to get past its spin-then-yield wait and
    // register its waker, so that the send claims it.
    for _ in 0..64 {
        std::thread::yield_now();
    }
    assert!(tx.send(Box::new(7)).is_ok(), "the receiver is alive");
    let (outer, nested) = receiving.join().unwrap();
    done.store(true, SeqCst);
    unparking.join().unwrap();
    let nested = nested.expect("the replaced waker's Drop ran on the receive thread");
    match (outer, nested) {
        (Some(7), None) | (None, Some(7)) => {}
        other => panic!("the message must be received exactly once: {other:?}"),
    }
}

/// See [`reentrant_waker_drop_in_blocking_recv_round`]; run by the Miri
/// seeds stage (`-Zmiri-many-seeds=0..8`) with a few rounds per seed.
#[test]
fn miri_reentrant_waker_drop_in_blocking_recv() {
    let rounds = if cfg!(miri) { 12 } else { 20 };
    for _ in 0..rounds {
        reentrant_waker_drop_in_blocking_recv_round();
    }
}
