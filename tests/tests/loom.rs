//! loom models of the core state machine: every receive method, and the
//! receiver's drop and close, racing the sender's send and drop.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p oneshot-tests --release --test loom`.
//! The preemption bound defaults to 3 and can be raised with
//! `LOOM_MAX_PREEMPTIONS`. Messages are `loom::alloc::Track`s and the channel
//! allocation is tracked too, so a leak or double free fails the model.
#![cfg(loom)]

use std::cell::RefCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use loom::alloc::Track;
use loom::thread;
use oneshot::{RecvError, RecvTimeoutError, TryRecvError};

/// Runs `f` under every interleaving loom explores, with a preemption bound
/// (3 unless `LOOM_MAX_PREEMPTIONS` says otherwise), and prints how many
/// interleavings that was.
#[track_caller]
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
    eprintln!(
        "loom model at {}: {} interleavings (preemption bound {:?})",
        std::panic::Location::caller(),
        runs.load(Ordering::Relaxed),
        builder.preemption_bound
    );
}

/// A waker that counts its wake-ups (plain std atomics: loom runs one
/// thread at a time, and the count is only read after joins).
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    (counter, waker)
}

fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Runs a receiving closure on its own thread. Receivers that time out can
/// get a late unpark from the sender (a harmless spurious wake-up in std);
/// loom wrongly lets such an unpark end a `join`, so a thread that may
/// receive one must not be the one that joins.
fn spawn_receive(receive: impl FnOnce() + Send + 'static) -> thread::JoinHandle<()> {
    thread::spawn(receive)
}

fn spawn_send(sender: oneshot::Sender<Track<u32>>) -> thread::JoinHandle<bool> {
    thread::spawn(move || match sender.send(Track::new(7)) {
        Ok(()) => true,
        Err(error) => {
            // The message comes back; dropping it here is its one drop.
            assert_eq!(*error.into_inner().get_ref(), 7);
            false
        }
    })
}

#[test]
fn send_vs_receiver_drop() {
    model(|| {
        let (sender, receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        drop(receiver);
        sending.join().unwrap();
    });
}

#[test]
fn send_vs_try_recv() {
    model(|| {
        let (sender, receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        match receiver.try_recv() {
            Ok(message) => assert_eq!(*message.get_ref(), 7),
            Err(error) => assert_eq!(error, TryRecvError::Empty),
        }
        assert!(
            sending.join().unwrap(),
            "send failed though the receiver lived"
        );
    });
}

#[test]
fn send_vs_blocking_recv() {
    model(|| {
        let (sender, receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        assert_eq!(*receiver.recv().unwrap().get_ref(), 7);
        assert!(sending.join().unwrap());
    });
}

#[test]
fn send_vs_recv_timeout_then_recv() {
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let receiving = spawn_receive(move || match receiver.recv_timeout(Duration::ZERO) {
            Ok(message) => assert_eq!(*message.get_ref(), 7),
            Err(error) => {
                assert_eq!(error, RecvTimeoutError::Timeout);
                assert_eq!(*receiver.recv_ref().unwrap().get_ref(), 7);
            }
        });
        assert!(sender.send(Track::new(7)).is_ok());
        receiving.join().unwrap();
    });
}

#[test]
fn send_vs_await() {
    model(|| {
        let (sender, receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        let message = loom::future::block_on(receiver).unwrap();
        assert_eq!(*message.get_ref(), 7);
        assert!(sending.join().unwrap());
    });
}

#[test]
fn send_vs_poll_then_drop() {
    model(|| {
        let (sender, mut receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        let (_counter, waker) = counting_waker();
        if let Poll::Ready(message) = poll_once(&mut receiver, &waker) {
            assert_eq!(*message.unwrap().get_ref(), 7);
        }
        drop(receiver);
        sending.join().unwrap();
    });
}

/// The receive runs on its own thread and the main thread sends, then
/// joins it: the blocking `recv` may get a late unpark, which must not land
/// on a thread that joins (see [`spawn_receive`]).
#[test]
fn send_vs_poll_then_blocking_recv() {
    model(|| {
        let (sender, mut receiver) = oneshot::channel::<Track<u32>>();
        let receiving = spawn_receive(move || {
            let (_counter, waker) = counting_waker();
            match poll_once(&mut receiver, &waker) {
                Poll::Ready(message) => assert_eq!(*message.unwrap().get_ref(), 7),
                Poll::Pending => assert_eq!(*receiver.recv().unwrap().get_ref(), 7),
            }
        });
        assert!(sender.send(Track::new(7)).is_ok());
        receiving.join().unwrap();
    });
}

/// A waker that runs a closure from its `Drop` (when its last handle goes).
struct ReenterOnDrop<F: Fn() + Send + Sync>(F);

impl<F: Fn() + Send + Sync> Wake for ReenterOnDrop<F> {
    fn wake(self: Arc<Self>) {}
}

impl<F: Fn() + Send + Sync> Drop for ReenterOnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

loom::thread_local! {
    /// A receiver its own waker's `Drop` can reach from safe code. In a
    /// `ManuallyDrop`: if the model fails while it is here, loom drops the
    /// thread's locals after the model ended, where a receiver's drop would
    /// abort the process before the failure is reported.
    static HELD: RefCell<Option<ManuallyDrop<oneshot::Receiver<Track<u32>>>>> =
        RefCell::new(None);
}

/// A waker whose `Drop` re-enters the receiver. The receive thread polls
/// with it, then blocks in `recv_ref`, which replaces that waker with the
/// thread's and so drops it; the `Drop` blocks on the *same* receiver
/// (through a thread-local: `Receiver` is `!Sync`, which rules out other
/// threads, not re-entrancy). Under loom the nested `recv_timeout` re-reads
/// the state after every yield, so it also looks while the sender is in its
/// claim on the nested waker.
///
/// The core used to drop the replaced waker in the middle of `register`,
/// then write the new waker into the cell from the state it read before the
/// drop: loom reports a causality violation on the receiver-waker cell. With
/// the drop only deferred to the end of `register`, the nested receive takes
/// the message and the outer one parks for ever (loom reports a deadlock).
/// Exactly one of the three receives gets the message.
#[test]
fn send_vs_blocking_recv_whose_replaced_waker_reenters_on_drop() {
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let receiving = spawn_receive(move || {
            HELD.with(|held| *held.borrow_mut() = Some(ManuallyDrop::new(receiver)));
            let nested = Arc::new(std::sync::Mutex::new(None));
            let waker = {
                let nested = nested.clone();
                Waker::from(Arc::new(ReenterOnDrop(move || {
                    // The channel may drop its clone on the sender's thread,
                    // which holds no receiver.
                    let got = HELD.with(|held| {
                        let held = held.borrow();
                        let receiver = held.as_ref()?;
                        // Under loom a timed park is a yield, and this
                        // deadline is never reached: the receive re-reads the
                        // state until the send lands.
                        let got = receiver.recv_timeout(Duration::from_secs(3600));
                        Some(got.ok().map(|message| *message.get_ref()))
                    });
                    if got.is_some() {
                        *nested.lock().unwrap() = got;
                    }
                })))
            };
            let polled = HELD.with(|held| {
                let mut held = held.borrow_mut();
                let receiver: &mut oneshot::Receiver<_> = held.as_mut().unwrap();
                match poll_once(receiver, &waker) {
                    Poll::Ready(message) => Some(*message.unwrap().get_ref()),
                    Poll::Pending => None,
                }
            });
            drop(waker); // a clone stored by the poll is now the last handle
            let outer = HELD.with(|held| held.borrow().as_ref().unwrap().recv_ref());
            let outer = outer.ok().map(|message| *message.get_ref());
            let receiver = HELD.with(|held| held.borrow_mut().take()).unwrap();
            drop(ManuallyDrop::into_inner(receiver));
            let nested = nested.lock().unwrap().take().flatten();
            let received: Vec<u32> = [polled, nested, outer].into_iter().flatten().collect();
            assert_eq!(received, [7], "received {polled:?}, {nested:?}, {outer:?}");
        });
        assert!(sender.send(Track::new(7)).is_ok());
        receiving.join().unwrap();
    });
}

#[test]
fn send_vs_poll_then_timeout_then_poll() {
    model(|| {
        let (sender, mut receiver) = oneshot::channel::<Track<u32>>();
        let receiving = spawn_receive(move || {
            let (_first, waker) = counting_waker();
            if poll_once(&mut receiver, &waker).is_pending() {
                match receiver.recv_timeout(Duration::ZERO) {
                    Ok(message) => assert_eq!(*message.get_ref(), 7),
                    Err(RecvTimeoutError::Timeout) => {
                        let message = loom::future::block_on(&mut receiver).unwrap();
                        assert_eq!(*message.get_ref(), 7);
                    }
                    Err(RecvTimeoutError::Disconnected) => panic!("sender never dropped"),
                }
            }
        });
        assert!(sender.send(Track::new(7)).is_ok());
        receiving.join().unwrap();
    });
}

/// A re-poll with a different waker while the sender sends: the latest
/// waker must be the one woken, unless the message was already there.
#[test]
fn send_vs_repoll_with_new_waker() {
    model(|| {
        let (sender, mut receiver) = oneshot::channel();
        let (first, first_waker) = counting_waker();
        let (second, second_waker) = counting_waker();
        assert!(poll_once(&mut receiver, &first_waker).is_pending());
        let sending = spawn_send(sender);
        let second_poll = poll_once(&mut receiver, &second_waker);
        assert!(sending.join().unwrap());
        match second_poll {
            Poll::Pending => {
                assert_eq!(
                    second.0.load(Ordering::Relaxed),
                    1,
                    "latest waker not woken"
                );
                assert_eq!(first.0.load(Ordering::Relaxed), 0, "stale waker woken");
                let ready = poll_once(&mut receiver, &second_waker);
                assert!(matches!(ready, Poll::Ready(Ok(ref m)) if *m.get_ref() == 7));
            }
            Poll::Ready(message) => assert_eq!(*message.unwrap().get_ref(), 7),
        }
    });
}

#[test]
fn sender_drop_vs_each_receive() {
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let dropping = thread::spawn(move || drop(sender));
        assert!(matches!(receiver.recv_ref(), Err(RecvError)));
        dropping.join().unwrap();
    });
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let dropping = thread::spawn(move || drop(sender));
        assert!(receiver.try_recv().is_err());
        dropping.join().unwrap();
        assert!(matches!(
            receiver.try_recv(),
            Err(TryRecvError::Disconnected)
        ));
    });
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let receiving = spawn_receive(move || match receiver.recv_timeout(Duration::ZERO) {
            Err(RecvTimeoutError::Timeout) => {
                assert!(matches!(receiver.recv_ref(), Err(RecvError)))
            }
            other => assert!(matches!(other, Err(RecvTimeoutError::Disconnected))),
        });
        drop(sender);
        receiving.join().unwrap();
    });
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let dropping = thread::spawn(move || drop(sender));
        assert!(matches!(loom::future::block_on(receiver), Err(RecvError)));
        dropping.join().unwrap();
    });
}

#[test]
fn sender_drop_vs_receiver_drop() {
    model(|| {
        let (sender, receiver) = oneshot::channel::<Track<u32>>();
        let dropping = thread::spawn(move || drop(sender));
        drop(receiver);
        dropping.join().unwrap();
    });
}

#[test]
fn sender_drop_vs_poll_then_drop() {
    model(|| {
        let (sender, mut receiver) = oneshot::channel::<Track<u32>>();
        let (_counter, waker) = counting_waker();
        let dropping = thread::spawn(move || drop(sender));
        let _ = poll_once(&mut receiver, &waker);
        drop(receiver);
        dropping.join().unwrap();
    });
}

/// `close` racing `send`: the message is either delivered before the close
/// (and still taken by `try_recv`) or handed back to the sender.
#[test]
fn close_vs_send() {
    model(|| {
        let (sender, mut receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        receiver.close();
        let received = match receiver.try_recv() {
            Ok(message) => {
                assert_eq!(*message.get_ref(), 7);
                true
            }
            Err(_) => false,
        };
        let delivered = sending.join().unwrap();
        if received {
            assert!(delivered);
        } else {
            // Not received after close: either refused, or (if it arrived
            // after our try_recv but before close) still waiting.
            assert!(!delivered || receiver.try_recv().is_ok());
        }
    });
}

/// The sender waits in `closed()` while the receiver is dropped or closed.
#[test]
fn closed_vs_receiver_drop_and_close() {
    model(|| {
        let (mut sender, receiver) = oneshot::channel::<Track<u32>>();
        let waiting = thread::spawn(move || {
            loom::future::block_on(sender.closed());
            assert!(sender.is_closed());
            assert!(sender.send(Track::new(1)).is_err());
        });
        drop(receiver);
        waiting.join().unwrap();
    });
    model(|| {
        let (mut sender, mut receiver) = oneshot::channel::<Track<u32>>();
        let waiting = thread::spawn(move || {
            loom::future::block_on(sender.closed());
            sender.send(Track::new(1)).unwrap_err().into_inner()
        });
        receiver.close();
        assert_eq!(*waiting.join().unwrap().get_ref(), 1);
        assert!(matches!(
            receiver.try_recv(),
            Err(TryRecvError::Disconnected)
        ));
    });
}

/// The sender registered a `closed()` waker, then sends (withdrawing it)
/// while the receiver is dropped (claiming it): the slot is shared by the
/// waker and the message, so this is the tightest race in the design.
#[test]
fn send_with_closed_waker_vs_receiver_drop() {
    model(|| {
        let (mut sender, receiver) = oneshot::channel();
        let (_counter, waker) = counting_waker();
        assert!(sender
            .poll_closed(&mut Context::from_waker(&waker))
            .is_pending());
        let sending = spawn_send(sender);
        drop(receiver);
        sending.join().unwrap();
    });
    model(|| {
        let (mut sender, mut receiver) = oneshot::channel();
        let (counter, waker) = counting_waker();
        assert!(sender
            .poll_closed(&mut Context::from_waker(&waker))
            .is_pending());
        let sending = spawn_send(sender);
        receiver.close();
        let delivered = sending.join().unwrap();
        let received = receiver.try_recv().is_ok();
        assert_eq!(delivered, received);
        // Woken at most once: by the close if it claimed the waker, not at
        // all if `send` withdrew it first.
        assert!(counter.0.load(Ordering::Relaxed) <= 1);
    });
}

/// The sender drops with a `closed()` waker registered while the receiver
/// closes or drops.
#[test]
fn sender_drop_with_closed_waker_vs_receiver() {
    model(|| {
        let (mut sender, receiver) = oneshot::channel::<Track<u32>>();
        let (_counter, waker) = counting_waker();
        assert!(sender
            .poll_closed(&mut Context::from_waker(&waker))
            .is_pending());
        let dropping = thread::spawn(move || drop(sender));
        drop(receiver);
        dropping.join().unwrap();
    });
    model(|| {
        let (mut sender, mut receiver) = oneshot::channel::<Track<u32>>();
        let (_counter, waker) = counting_waker();
        let polling = thread::spawn(move || {
            let _ = sender.poll_closed(&mut Context::from_waker(&waker));
            drop(sender);
        });
        receiver.close();
        polling.join().unwrap();
        assert!(matches!(
            receiver.try_recv(),
            Err(TryRecvError::Disconnected)
        ));
    });
}

/// Guards the models themselves: loom must explore both the order where the
/// send lands before `try_recv` and the one where it lands after. (loom 0.7
/// skipped the first until the core's loom shim modelled loads as RMWs.)
#[test]
fn loom_explores_send_before_and_after_try_recv() {
    let outcomes = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = outcomes.clone();
    model(move || {
        let (sender, receiver) = oneshot::channel();
        let sending = spawn_send(sender);
        let received = receiver.try_recv().is_ok();
        seen.lock().unwrap().insert(received);
        sending.join().unwrap();
    });
    let outcomes = outcomes.lock().unwrap();
    assert!(outcomes.contains(&true), "send-first order never explored");
    assert!(
        outcomes.contains(&false),
        "try_recv-first order never explored"
    );
}
