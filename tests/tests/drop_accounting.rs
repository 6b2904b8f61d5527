//! Each message is dropped exactly once, on every path: received (the user
//! drops it), never received (the receiver drops it), refused (it comes back
//! in the `SendError`), and raced by a receiver dropped while it is in
//! flight. Every path runs with a small, an 8 KiB and a zero-sized message.
#![cfg(not(loom))]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use oneshot::{RecvError, TryRecvError};
use oneshot_tests::{
    block_on, noop_waker, poll_once, race_iterations, zst_drops, CountingWaker, DropCounter,
    Tracked, ZstToken,
};

/// A kind of message: how to make one, check it arrived intact, and count
/// how many are alive and how many were dropped.
trait Kind: Sync {
    type Message: Send + Unpin + std::fmt::Debug + 'static;
    fn make(&self) -> Self::Message;
    fn check(&self, message: &Self::Message);
    fn alive(&self) -> usize;
    fn dropped(&self) -> usize;
}

#[derive(Default)]
struct Small(DropCounter);

impl Kind for Small {
    type Message = Tracked<u64>;
    fn make(&self) -> Self::Message {
        self.0.track(0xDEAD_BEEF_0BAD_CAFE)
    }
    fn check(&self, message: &Self::Message) {
        assert_eq!(*message.payload(), 0xDEAD_BEEF_0BAD_CAFE);
    }
    fn alive(&self) -> usize {
        self.0.alive()
    }
    fn dropped(&self) -> usize {
        self.0.dropped()
    }
}

const LARGE: usize = 8 * 1024;

#[derive(Default)]
struct Large(DropCounter);

/// The bytes every large message carries, made at compile time so that
/// making and checking a message is one copy and one `memcmp` (fast under
/// Miri too).
const PATTERN: [u8; LARGE] = {
    let mut bytes = [0; LARGE];
    let mut i = 0;
    while i < LARGE {
        bytes[i] = (i.wrapping_mul(31) ^ (i >> 8)) as u8;
        i += 1;
    }
    bytes
};

impl Kind for Large {
    type Message = Tracked<[u8; LARGE]>;
    fn make(&self) -> Self::Message {
        self.0.track(PATTERN)
    }
    fn check(&self, message: &Self::Message) {
        assert!(
            message.payload() == &PATTERN,
            "the 8 KiB message arrived corrupted"
        );
    }
    fn alive(&self) -> usize {
        self.0.alive()
    }
    fn dropped(&self) -> usize {
        self.0.dropped()
    }
}

/// Zero-sized messages counted in global slot `SLOT` (one per test). The
/// counter is `Relaxed` like the helpers' (see `oneshot_tests::DropCounter`).
#[derive(Default)]
struct Zst<const SLOT: usize> {
    created: AtomicUsize,
}

impl<const SLOT: usize> Kind for Zst<SLOT> {
    type Message = ZstToken<SLOT>;
    fn make(&self) -> Self::Message {
        // ORDERING: Relaxed, see `Zst`.
        self.created.fetch_add(1, Relaxed);
        ZstToken
    }
    fn check(&self, _: &Self::Message) {}
    fn alive(&self) -> usize {
        // ORDERING: Relaxed, see `Zst`.
        self.created.load(Relaxed) - zst_drops::<SLOT>()
    }
    fn dropped(&self) -> usize {
        zst_drops::<SLOT>()
    }
}

#[test]
fn the_kinds_have_the_intended_sizes() {
    assert_eq!(std::mem::size_of::<ZstToken<0>>(), 0);
    assert!(std::mem::size_of::<<Large as Kind>::Message>() >= LARGE);
}

/// Asserts that exactly `dropped` messages were dropped and none is alive.
fn all_dropped<K: Kind>(kind: &K, dropped: usize, path: &str) {
    assert_eq!(kind.alive(), 0, "{path}: a message is still alive");
    assert_eq!(kind.dropped(), dropped, "{path}: wrong number of drops");
}

/// Receives with `receive`, checks the message, and that it is the user's
/// to drop: alive until then, dropped once after.
fn received_with<K: Kind>(
    kind: &K,
    receive: impl FnOnce(oneshot::Receiver<K::Message>) -> K::Message,
) {
    let (sender, receiver) = oneshot::channel();
    sender.send(kind.make()).unwrap();
    assert_eq!(kind.alive(), 1);
    let message = receive(receiver);
    kind.check(&message);
    assert_eq!(
        (kind.alive(), kind.dropped()),
        (1, 0),
        "dropped before the user dropped it"
    );
    drop(message);
    all_dropped(kind, 1, "received");
}

fn received_by_try_recv<K: Kind>(kind: &K) {
    received_with(kind, |receiver| receiver.try_recv().unwrap());
}

fn received_by_recv<K: Kind>(kind: &K) {
    received_with(kind, |receiver| receiver.recv().unwrap());
}

fn received_by_recv_ref<K: Kind>(kind: &K) {
    received_with(kind, |receiver| {
        let message = receiver.recv_ref().unwrap();
        assert_eq!(receiver.recv_ref().unwrap_err(), RecvError);
        message
    });
}

fn received_by_recv_timeout<K: Kind>(kind: &K) {
    received_with(kind, |receiver| {
        receiver.recv_timeout(Duration::ZERO).unwrap()
    });
}

fn received_by_recv_deadline<K: Kind>(kind: &K) {
    received_with(kind, |receiver| {
        receiver.recv_deadline(Instant::now()).unwrap()
    });
}

fn received_by_poll<K: Kind>(kind: &K) {
    received_with(kind, |mut receiver| {
        match poll_once(&mut receiver, &noop_waker()) {
            Poll::Ready(result) => result.unwrap(),
            Poll::Pending => panic!("the message was sent"),
        }
    });
}

fn received_by_poll_after_pending<K: Kind>(kind: &K) {
    let (sender, mut receiver) = oneshot::channel();
    assert!(poll_once(&mut receiver, &noop_waker()).is_pending());
    sender.send(kind.make()).unwrap();
    let message = block_on(&mut receiver).unwrap();
    kind.check(&message);
    assert_eq!(kind.alive(), 1);
    drop(message);
    drop(receiver);
    all_dropped(kind, 1, "polled, then received");
}

fn received_on_another_thread<K: Kind>(kind: &K) {
    thread::scope(|scope| {
        let (sender, receiver) = oneshot::channel();
        let reader = scope.spawn(move || receiver.recv().unwrap());
        sender.send(kind.make()).unwrap();
        let message = reader.join().unwrap();
        kind.check(&message);
        assert_eq!(kind.alive(), 1);
    });
    all_dropped(kind, 1, "received on another thread");
}

fn never_received<K: Kind>(kind: &K) {
    let (sender, receiver) = oneshot::channel();
    sender.send(kind.make()).unwrap();
    assert!(receiver.has_message());
    assert_eq!(kind.alive(), 1, "the channel holds the message");
    drop(receiver);
    all_dropped(kind, 1, "never received");
}

fn never_received_after_pending_poll<K: Kind>(kind: &K) {
    // The sender finds the receiver's waker registered and wakes it; the
    // receiver is then dropped without polling again.
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    sender.send(kind.make()).unwrap();
    assert_eq!(counting.wakes(), 1);
    assert_eq!(kind.alive(), 1);
    drop(receiver);
    all_dropped(kind, 1, "woken but never received");
}

fn never_received_after_timeout<K: Kind>(kind: &K) {
    let (sender, receiver) = oneshot::channel();
    assert!(receiver.recv_timeout(Duration::ZERO).is_err());
    sender.send(kind.make()).unwrap();
    drop(receiver);
    all_dropped(kind, 1, "timed out, then never received");
}

fn never_received_dropped_on_another_thread<K: Kind>(kind: &K) {
    let (sender, receiver) = oneshot::channel();
    sender.send(kind.make()).unwrap();
    thread::scope(|scope| {
        scope.spawn(move || drop(receiver));
    });
    all_dropped(kind, 1, "dropped on another thread");
}

fn refused_after_receiver_dropped<K: Kind>(kind: &K) {
    let (sender, receiver) = oneshot::channel();
    drop(receiver);
    let error = sender.send(kind.make()).unwrap_err();
    assert_eq!(kind.alive(), 1, "the message came back in the error");
    kind.check(error.as_inner());
    let message = error.into_inner();
    kind.check(&message);
    assert_eq!(kind.alive(), 1);
    drop(message);
    all_dropped(kind, 1, "refused");
}

fn refused_error_dropped<K: Kind>(kind: &K) {
    let (sender, receiver) = oneshot::channel();
    drop(receiver);
    let error = sender.send(kind.make()).unwrap_err();
    drop(error);
    all_dropped(kind, 1, "the error dropped the message");
}

fn refused_after_close<K: Kind>(kind: &K) {
    let (sender, mut receiver) = oneshot::channel();
    receiver.close();
    let error = sender.send(kind.make()).unwrap_err();
    assert_eq!(kind.alive(), 1);
    assert_eq!(receiver.try_recv().unwrap_err(), TryRecvError::Disconnected);
    drop(receiver);
    assert_eq!(
        kind.alive(),
        1,
        "the receiver must not drop a refused message"
    );
    kind.check(error.as_inner());
    drop(error);
    all_dropped(kind, 1, "refused after close");
}

fn refused_after_pending_poll_and_drop<K: Kind>(kind: &K) {
    let (sender, mut receiver) = oneshot::channel();
    assert!(poll_once(&mut receiver, &noop_waker()).is_pending());
    drop(receiver);
    drop(sender.send(kind.make()).unwrap_err());
    all_dropped(kind, 1, "refused after a poll");
}

fn sent_before_close_then_taken<K: Kind>(kind: &K) {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(kind.make()).unwrap();
    receiver.close();
    let message = receiver.try_recv().unwrap();
    kind.check(&message);
    drop(receiver);
    assert_eq!(kind.alive(), 1);
    drop(message);
    all_dropped(kind, 1, "sent before close, taken");
}

fn sent_before_close_never_taken<K: Kind>(kind: &K) {
    let (sender, mut receiver) = oneshot::channel();
    sender.send(kind.make()).unwrap();
    receiver.close();
    assert_eq!(kind.alive(), 1);
    drop(receiver);
    all_dropped(kind, 1, "sent before close, never taken");
}

/// The receiver is dropped while another thread sends: the message is
/// dropped once, either by the channel (delivered, then abandoned) or by the
/// sender thread (refused).
fn receiver_dropped_in_flight<K: Kind>(kind: &K) {
    let rounds = race_iterations(200);
    for round in 0..rounds {
        let (sender, receiver) = oneshot::channel();
        let message = kind.make();
        thread::scope(|scope| {
            scope.spawn(move || drop(sender.send(message)));
            drop(receiver);
        });
        all_dropped(kind, round + 1, "receiver dropped in flight");
    }
}

fn receiver_dropped_in_flight_after_pending_poll<K: Kind>(kind: &K) {
    // The peer use-after-free window: the sender claims the receiver's waker
    // while the receiver is being dropped.
    let rounds = race_iterations(200);
    for round in 0..rounds {
        let (sender, mut receiver) = oneshot::channel();
        let counting = CountingWaker::new();
        assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
        let message = kind.make();
        thread::scope(|scope| {
            scope.spawn(move || drop(sender.send(message)));
            drop(receiver);
        });
        all_dropped(kind, round + 1, "polled receiver dropped in flight");
        assert!(counting.wakes() <= 1);
        assert_eq!(counting.live(), 0, "the stored waker leaked");
    }
}

fn receiver_dropped_in_flight_after_timeout<K: Kind>(kind: &K) {
    let rounds = race_iterations(200);
    for round in 0..rounds {
        let (sender, receiver) = oneshot::channel();
        let message = kind.make();
        thread::scope(|scope| {
            scope.spawn(move || drop(sender.send(message)));
            match receiver.recv_timeout(Duration::from_micros(1)) {
                Ok(message) => kind.check(&message),
                Err(error) => assert_eq!(error, oneshot::RecvTimeoutError::Timeout),
            }
            drop(receiver);
        });
        all_dropped(kind, round + 1, "timed-out receiver dropped in flight");
    }
}

fn receiver_closed_in_flight<K: Kind>(kind: &K) {
    let rounds = race_iterations(200);
    for round in 0..rounds {
        let (sender, mut receiver) = oneshot::channel();
        let message = kind.make();
        let refused = thread::scope(|scope| {
            let writer = scope.spawn(move || sender.send(message).is_err());
            receiver.close();
            let refused = writer.join().unwrap();
            // Closed first: refused and gone. Sent first: still takeable.
            match receiver.try_recv() {
                Ok(message) => {
                    assert!(!refused);
                    kind.check(&message);
                }
                Err(error) => {
                    assert!(refused, "a delivered message was lost: {error:?}");
                    assert_eq!(error, TryRecvError::Disconnected);
                }
            }
            refused
        });
        let _ = refused;
        drop(receiver);
        all_dropped(kind, round + 1, "closed in flight");
    }
}

/// One test per path and kind: `never_received::large`, ... Each test of a
/// zero-sized kind has its own global counter slot.
macro_rules! paths {
    ($($path:ident: $slot:literal),* $(,)?) => {
        $(
            mod $path {
                #[test]
                fn small() {
                    super::$path(&super::Small::default());
                }
                #[test]
                fn large() {
                    super::$path(&super::Large::default());
                }
                #[test]
                fn zst() {
                    super::$path(&super::Zst::<$slot>::default());
                }
            }
        )*
    };
}

paths!(
    received_by_try_recv: 0,
    received_by_recv: 1,
    received_by_recv_ref: 2,
    received_by_recv_timeout: 3,
    received_by_recv_deadline: 4,
    received_by_poll: 5,
    received_by_poll_after_pending: 6,
    received_on_another_thread: 7,
    never_received: 8,
    never_received_after_pending_poll: 9,
    never_received_after_timeout: 10,
    never_received_dropped_on_another_thread: 11,
    refused_after_receiver_dropped: 12,
    refused_error_dropped: 13,
    refused_after_close: 14,
    refused_after_pending_poll_and_drop: 15,
    sent_before_close_then_taken: 16,
    sent_before_close_never_taken: 17,
    receiver_dropped_in_flight: 18,
    receiver_dropped_in_flight_after_pending_poll: 19,
    receiver_dropped_in_flight_after_timeout: 20,
    receiver_closed_in_flight: 21,
);

/// A message whose `Drop` panics, dropped by the receiver: the panic
/// reaches the caller and the channel's memory is still freed (Miri's leak
/// check would fail otherwise).
#[test]
fn panicking_message_drop_in_receiver_drop_frees_the_channel() {
    struct PanicsOnDrop(DropCounter);
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            drop(self.0.track(()));
            panic!("the message's drop panics (expected by this test)");
        }
    }
    let counter = DropCounter::new();
    let (sender, receiver) = oneshot::channel();
    sender.send(PanicsOnDrop(counter.clone())).unwrap();
    let result = catch_unwind(AssertUnwindSafe(move || drop(receiver)));
    assert!(result.is_err(), "the panic propagates");
    assert_eq!(counter.dropped(), 1, "the message's drop ran once");
}

#[test]
fn heap_owning_messages_are_freed_on_every_path() {
    // Miri's leak checker does the counting here.
    let (sender, receiver) = oneshot::channel();
    sender.send(vec![String::from("a"); 4]).unwrap();
    drop(receiver);
    let (sender, receiver) = oneshot::channel::<Box<[u8]>>();
    drop(receiver);
    let _ = sender.send(vec![1; 100].into_boxed_slice());
    let (sender, receiver) = oneshot::channel();
    sender.send(Box::new(7)).unwrap();
    assert_eq!(*receiver.recv().unwrap(), 7);
}

#[test]
fn a_sender_that_never_sends_drops_nothing() {
    let counter = DropCounter::new();
    let (sender, receiver) = oneshot::channel::<Tracked<u8>>();
    drop(sender);
    assert_eq!(receiver.try_recv().unwrap_err(), TryRecvError::Disconnected);
    drop(receiver);
    assert_eq!(counter.created(), 0);
    assert_eq!(counter.dropped(), 0);
}
