//! The scenario bodies, generic over the channel. The criterion benches, the
//! `memory-report` binary and the `counts` binary all call these, so wall
//! time, allocations and instruction counts describe the same code.
//!
//! Each function is one operation of its scenario: the summary's
//! "ns per op" is the time of one call.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::channels::{Awaitable, Blocking, Channel, Timeout};
use crate::worker::Worker;

/// A 128-byte message, for the "large message" scenarios.
pub type Big = [u8; 128];

/// Create a channel of `u64` and drop both ends (sender first), unused.
#[inline]
pub fn create_drop<C: Channel>() {
    drop(black_box(C::channel::<u64>()));
}

/// Create, send `value`, receive it on the same thread.
#[inline]
pub fn send_recv<C: Channel, T: Send + 'static>(value: T) -> T {
    let (sender, receiver) = C::channel();
    C::send(sender, value);
    C::recv_ready(receiver)
}

/// Create, send `value`, drop the receiver with the message unreceived.
#[inline]
pub fn send_drop_receiver<C: Channel, T: Send + 'static>(value: T) {
    let (sender, receiver) = C::channel();
    C::send(sender, value);
    drop(black_box(receiver));
}

/// Without a runtime: poll the receiver once with a no-op waker (`Pending`),
/// send, poll again (`Ready`).
#[inline]
pub fn poll_pending_send_ready<C: Awaitable>(value: u64) -> u64 {
    let (sender, mut future) = C::async_channel::<u64>();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut future).poll(&mut cx).is_pending());
    C::send(sender, value);
    match Pin::new(&mut future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("sent, yet pending"),
    }
}

/// Create, send, then `recv_timeout` (one second) that finds the message.
#[inline]
pub fn recv_timeout_ok<C: Timeout>(value: u64) -> u64 {
    let (sender, receiver) = C::channel();
    C::send(sender, value);
    C::recv_timeout(&receiver, Duration::from_secs(1)).expect("message sent")
}

/// Create, then `recv_timeout(Duration::ZERO)` that times out; drop both.
#[inline]
pub fn recv_timeout_zero<C: Timeout>() {
    let (sender, receiver) = C::channel::<u64>();
    assert!(C::recv_timeout(&receiver, Duration::ZERO).is_none());
    drop(black_box(sender));
}

/// A fresh channel's sender goes to a long-lived worker thread, which sends
/// `7` back while this thread blocks in the receive.
#[inline]
pub fn thread_round_trip<C: Blocking>(worker: &Worker<C::Sender<u64>>) -> u64 {
    let (sender, receiver) = C::channel();
    worker.post(sender);
    C::recv_blocking(receiver)
}

/// As [`thread_round_trip`], but an async task awaits the receiver.
pub async fn task_from_thread<C: Awaitable>(worker: &Worker<C::Sender<u64>>) -> u64 {
    let (sender, future) = C::async_channel();
    worker.post(sender);
    future.await
}

/// Task to task on a tokio runtime: a spawned task sends, this task awaits.
/// Must run inside a tokio runtime.
pub async fn task_to_task<C: Awaitable>(value: u64) -> u64 {
    let (sender, future) = C::async_channel();
    drop(tokio::spawn(async move { C::send(sender, value) }));
    future.await
}
