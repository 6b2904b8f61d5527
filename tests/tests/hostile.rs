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
