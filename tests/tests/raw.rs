//! `into_raw` / `from_raw` on both ends: the pointer carries the channel
//! through foreign code (here: a foreign pointer and another thread) and back, in
//! every state, without losing, leaking or duplicating anything.
#![cfg(not(loom))]

use std::task::{Context, Poll};
use std::thread;

use oneshot::{Receiver, RecvError, Sender, TryRecvError};
use oneshot_tests::{noop_waker, poll_once, CountingWaker, DropCounter, Tracked};

/// Round-trips a sender through a raw pointer.
fn sender_round_trip<T>(sender: Sender<T>) -> Sender<T> {
    let raw = sender.into_raw();
    assert!(!raw.is_null());
    // SAFETY: `raw` came from `Sender::<T>::into_raw` and is rebuilt once.
    unsafe { Sender::from_raw(raw) }
}

/// Round-trips a receiver through a raw pointer.
fn receiver_round_trip<T>(receiver: Receiver<T>) -> Receiver<T> {
    let raw = receiver.into_raw();
    assert!(!raw.is_null());
    // SAFETY: `raw` came from `Receiver::<T>::into_raw` and is rebuilt once.
    unsafe { Receiver::from_raw(raw) }
}

#[test]
fn sender_round_trip_then_send() {
    let (sender, receiver) = oneshot::channel();
    let sender = sender_round_trip(sender);
    assert!(!sender.is_closed());
    sender.send("through C").unwrap();
    assert_eq!(receiver.recv(), Ok("through C"));
}

#[test]
fn receiver_round_trip_then_recv() {
    let (sender, receiver) = oneshot::channel();
    let receiver = receiver_round_trip(receiver);
    sender.send(1).unwrap();
    assert_eq!(receiver.recv(), Ok(1));
}

#[test]
fn receiver_round_trip_with_a_message_waiting() {
    let (sender, receiver) = oneshot::channel();
    sender.send(2).unwrap();
    let receiver = receiver_round_trip(receiver);
    assert!(receiver.has_message());
    assert_eq!(receiver.try_recv(), Ok(2));
}

/// A raw pointer that may cross threads, as a foreign library would carry it.
struct Foreign(*mut ());

// SAFETY: it only carries the pointer; the channel end it came from is
// `Send` for the message types used here.
unsafe impl Send for Foreign {}

#[test]
fn both_ends_as_raw_pointers_across_threads() {
    let (sender, receiver) = oneshot::channel::<String>();
    let sender_raw = Foreign(sender.into_raw());
    let receiver_raw = Foreign(receiver.into_raw());
    let writer = thread::spawn(move || {
        let raw = sender_raw;
        // SAFETY: the pointer came from `Sender::<String>::into_raw` and is
        // rebuilt once.
        let sender = unsafe { Sender::<String>::from_raw(raw.0) };
        sender.send(String::from("across")).unwrap();
    });
    let reader = thread::spawn(move || {
        let raw = receiver_raw;
        // SAFETY: the pointer came from `Receiver::<String>::into_raw` and is
        // rebuilt once.
        let receiver = unsafe { Receiver::<String>::from_raw(raw.0) };
        receiver.recv()
    });
    writer.join().unwrap();
    assert_eq!(reader.join().unwrap().as_deref(), Ok("across"));
}

#[test]
fn polled_receiver_round_trip_is_still_woken() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    let mut receiver = receiver_round_trip(receiver);
    sender.send(3).unwrap();
    assert_eq!(counting.wakes(), 1);
    assert_eq!(poll_once(&mut receiver, &noop_waker()), Poll::Ready(Ok(3)));
}

#[test]
fn sender_with_closed_waker_round_trip_is_still_woken() {
    let (mut sender, receiver) = oneshot::channel::<u8>();
    let counting = CountingWaker::new();
    let waker = counting.waker();
    assert_eq!(
        sender.poll_closed(&mut Context::from_waker(&waker)),
        Poll::Pending
    );
    let mut sender = sender_round_trip(sender);
    drop(receiver);
    assert_eq!(counting.wakes(), 1);
    assert_eq!(
        sender.poll_closed(&mut Context::from_waker(&waker)),
        Poll::Ready(())
    );
}

#[test]
fn sender_round_trip_after_receiver_dropped_gets_its_message_back() {
    let (sender, receiver) = oneshot::channel::<Vec<u8>>();
    let raw = sender.into_raw();
    drop(receiver);
    // SAFETY: `raw` came from `Sender::<Vec<u8>>::into_raw`, rebuilt once.
    let sender = unsafe { Sender::<Vec<u8>>::from_raw(raw) };
    assert!(sender.is_closed());
    assert_eq!(sender.send(vec![9]).unwrap_err().into_inner(), vec![9]);
}

#[test]
fn receiver_round_trip_after_sender_dropped_is_disconnected() {
    let (sender, receiver) = oneshot::channel::<u8>();
    let raw = receiver.into_raw();
    drop(sender);
    // SAFETY: `raw` came from `Receiver::<u8>::into_raw`, rebuilt once.
    let receiver = unsafe { Receiver::<u8>::from_raw(raw) };
    assert!(receiver.is_closed());
    assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(receiver.recv(), Err(RecvError));
}

#[test]
fn rebuilt_ends_dropped_unused_free_everything() {
    // Miri's leak checker verifies the allocation is freed.
    let counter = DropCounter::new();
    let (sender, receiver) = oneshot::channel::<Tracked<u8>>();
    drop(sender_round_trip(sender));
    drop(receiver_round_trip(receiver));

    let (sender, receiver) = oneshot::channel();
    sender_round_trip(sender).send(counter.track(1)).unwrap();
    assert_eq!(counter.alive(), 1);
    drop(receiver_round_trip(receiver));
    assert_eq!((counter.alive(), counter.dropped()), (0, 1));
}

#[test]
fn repeated_round_trips() {
    let (mut sender, mut receiver) = oneshot::channel();
    for _ in 0..10 {
        sender = sender_round_trip(sender);
        receiver = receiver_round_trip(receiver);
    }
    sender.send(10).unwrap();
    assert_eq!(receiver.recv(), Ok(10));
}
