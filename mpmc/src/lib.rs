//! Multi-producer multi-consumer channels — bounded, rendezvous and unbounded —
//! where **every operation that can wait has a blocking form and an async
//! form on the same handles**, usable from threads and tasks at the same time,
//! on any executor.
//!
//! [`bounded`] makes a channel of a fixed capacity (`bounded(0)` is a
//! rendezvous: a send completes only when a receiver has taken the message),
//! [`unbounded`] one that grows. Both return a [`Sender`] and a
//! [`Receiver`], each `Clone` (any number of each), `Send` and `Sync` when the
//! message is `Send`, and one pointer in size.
//! [`broadcast::channel`] makes a broadcast channel with backpressure: every
//! active receiver sees every message, blocking and async alike.
//! [`Select`] (and [`select!`] in crossbeam's syntax) waits on several
//! operations at once, from a thread or a task, and completes exactly one:
//! the operation it returns has already happened.
//!
//! * Waiting never spins on another thread: a slot that another thread is in
//!   the middle of writing or reading makes the operation report
//!   `Empty`/`Full` or park, never loop (the only busy waits are bounded
//!   re-reads, before parking or before the slow path, which wait for
//!   nothing in particular).
//! * Waiting never allocates: a blocked thread's or a pending future's waiter
//!   node lives in its own stack frame or future. `bounded(n)` allocates at
//!   creation (one allocation) and never again; `unbounded` is the same ring
//!   (sized from the message size) plus an overflow queue that allocates
//!   only while more messages wait than the ring holds, and frees its buffer
//!   as soon as it is drained.
//! * `try_send`/`try_recv` on `bounded(n >= 1)` take no lock; on `unbounded`
//!   they take none while the queue fits in its ring (beyond it, the overflow
//!   has a short lock of its own, never held while user code runs).
//! * Cancellation is exact: a pending [`RecvFuture`] takes a message only in
//!   the poll that returns it; a dropped [`SendFuture`] never sends half a
//!   message, and [`SendFuture::cancel`] hands the message back (or says
//!   the send completed while pending: a receive that made room took it).
//!
//! **Why this one.** Every wait has both forms on the same handles, used at
//! once from threads and tasks (crossbeam-channel and std have no async;
//! tokio's mpsc has one consumer and its blocking forms panic inside a
//! runtime; async-channel has no rendezvous and no timeouts). Waiting costs
//! no allocation (flume allocates 56 B per blocked thread and 80 B per
//! pending future, async-channel 56 B), a cancelled receive passes its
//! wake-up on (flume#135 loses it), and an uncontended `try_send` +
//! `try_recv` on `bounded(n)` and `unbounded` makes 2 locked instructions
//! per message (crossbeam 2 bounded / 5 unbounded, flume 4, tokio 8). A
//! panicking waker or `Drop` never breaks a channel (see Guarantees). The
//! README's wall-clock tables (wall and CPU time per message) compare it with
//! crossbeam-channel, flume, kanal, crossfire, tachyonix, async-channel,
//! tokio and std on a 2-core VM: it leads the rendezvous between threads
//! (`bounded(0)` sync, 0.36–0.58x the fastest peer) and the task↔task round
//! trip; kanal and crossfire lead most of the other cells.
//!
//! **Where to start.** [`bounded`] or [`unbounded`], the examples below,
//! then [`Sender`] and [`Receiver`]. Two things that surprise newcomers:
//! `Sender::send` *blocks* the thread (the async form is `send_async`; a
//! `#[oneshot_reply(client)]` actor client's `send`, by contrast, is async),
//! and a [`Receiver`] is not itself a `Stream`: `Receiver::stream` and
//! `into_stream` make one (feature `futures`), while `recv_async` works
//! without it.
//!
//! The library needs Rust 1.81 or newer (`rust-version`, checked by CI); the
//! workspace's tests need 1.88 (trybuild, as locked).
//!
//! # Examples
//!
//! Threads and tasks on one channel (any executor works; here the `futures`
//! crate's `block_on`):
//!
//! ```
//! use futures::executor::block_on;
//!
//! let (tx, rx) = mpmc::bounded(4); // room for all four messages
//!
//! // A thread sends with the blocking form...
//! let producer = {
//!     let tx = tx.clone();
//!     std::thread::spawn(move || {
//!         for i in 0..3 {
//!             tx.send(i).unwrap();
//!         }
//!     })
//! };
//! // ...an async task sends on a clone of the same handle...
//! block_on(tx.send_async(100)).unwrap();
//! drop(tx);
//!
//! // ...and both kinds of receive drain it.
//! let mut got = vec![block_on(rx.recv_async()).unwrap()];
//! got.extend(rx.iter());
//! got.sort();
//! assert_eq!(got, [0, 1, 2, 100]);
//! # producer.join().unwrap();
//! ```
//!
//! A rendezvous hands over in both directions:
//!
//! ```
//! let (tx, rx) = mpmc::bounded(0);
//! let t = std::thread::spawn(move || rx.recv().unwrap());
//! tx.send("hand to hand").unwrap(); // returns once the thread took it
//! assert_eq!(t.join().unwrap(), "hand to hand");
//! ```
//!
//! # Disconnection
//!
//! When the last sender is dropped (or the channel is [closed](Sender::close))
//! receivers drain what is queued and then get `Disconnected`. When the last
//! receiver is dropped, every send fails with the message back and the
//! messages still queued are dropped right then (a queued message may hold
//! something its sender waits on, such as a reply sender). Waiting senders
//! and receivers are woken by either. Every message is dropped exactly once:
//! received, discarded with the last receiver, handed back in an error, or
//! dropped with a cancelled send future that was not `cancel`led.
//!
//! # Features
//!
//! * `std` (default): the blocking forms (`send`, `recv`, their timeouts,
//!   `iter`). Without it the crate is `#![no_std]` and needs only `alloc`;
//!   [`bounded`], [`unbounded`], `try_send`, `try_recv`, `close` and the
//!   counts remain.
//! * `async` (default): `send_async`, `recv_async`, `closed`.
//! * `futures`: `Stream`/`FusedStream` for receivers (`Receiver::stream`,
//!   `into_stream`), `Sink` for senders (`Sender::sink`, `into_sink`),
//!   `FusedFuture` for the futures.
//!
//! # Guarantees
//!
//! A message's write happens before its read (the slot's Release publish
//! pairs with the receiver's Acquire). Wake-ups are never lost: each side of
//! every registration/notification race either makes an RMW on one shared
//! word or has a barrier between its store and its load (see the notes in
//! `waiters.rs` and `barrier.rs`). No user code — a waker's
//! `clone`/`wake`/`drop` or a message's `Drop` — runs while the waiter lock
//! is held, while the caller's own waiter node is linked without a guard
//! that unlinks it, or while a batch of wake-ups is half-fired. So a
//! panicking waker or `Drop` propagates to the caller that ran it and leaves
//! the channel consistent: no message lost or duplicated (a message whose
//! receive a panicking waker interrupted goes back to the channel, for the
//! next receive), no other waiter stranded, nothing leaked. The handles are
//! therefore `UnwindSafe` and `RefUnwindSafe`.

// Layout (one job per file):
// - chan.rs: the shared allocation, handle counts, who frees; the waits and
//   notifications around the lock-free steps.
// - flavor/{array,overflow,zero}.rs: the queue algorithms (overflow.rs is
//   unbounded's addition to the bounded ring).
// - waiters.rs: the waiting core: waiter nodes, their states, registration,
//   commit and wake-ups, and the rules for user code.
// - held.rs: a blocking send's message, held in one place.
// - sender.rs, receiver.rs: the public handles.
// - select/: `Select` and `select!` (mod.rs: the API; arms.rs: one type per
//   kind of arm; wait.rs: the owner's side of the commit protocol, whose
//   record states live in waiters.rs).
// - futures.rs, stream.rs: the futures, and Stream/Sink.
// - errors.rs; loom.rs: the std/loom switch.

#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![cfg_attr(
    not(any(feature = "std", feature = "async")),
    expect(
        dead_code,
        reason = "without `std` or `async` nothing ever waits: the waiter machinery is unused"
    )
)]
#![warn(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod barrier;
pub mod broadcast;
mod chan;
mod errors;
mod flavor;
#[cfg(feature = "async")]
mod futures;
mod held;
mod loom;
mod receiver;
pub mod select;
mod sender;
#[cfg(feature = "futures")]
mod stream;
mod waiters;

pub use errors::{
    RecvError, RecvTimeoutError, SelectTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySelectError, TrySendError,
};
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use futures::{Closed, RecvFuture, SendFuture};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use receiver::{IntoIter, Iter};
pub use receiver::{Receiver, TryIter};
pub use select::Select;
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use select::SelectFuture;
pub use sender::{Sender, WeakSender};
#[cfg(feature = "futures")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
pub use stream::{RecvStream, SendSink};

/// Makes a channel holding at most `cap` messages; `bounded(0)` is a
/// rendezvous channel.
///
/// With `cap >= 1` the channel allocates its ring of `cap` slots here and
/// never allocates again. With `cap == 0` a send completes only when a
/// receiver has taken the message, in the blocking and the async forms alike.
///
/// # Panics
///
/// If `cap` is absurdly large (more than `usize::MAX / 32` slots, or more
/// bytes than one allocation can hold).
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::bounded(1);
/// tx.send(1).unwrap();
/// assert!(tx.try_send(2).is_err()); // full
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = chan::Chan::new_bounded(cap);
    (Sender::new(chan), Receiver::new(chan))
}

/// Makes a channel with no capacity limit: sends never wait.
///
/// It is the ring of [`bounded`] (about 4 KiB of slots: 256 for small
/// messages, at least 8 for large ones, allocated here with the channel)
/// plus an overflow queue for the messages sent while the ring is full. As
/// long as the ring has room it costs what `bounded` costs and allocates
/// nothing; the overflow allocates as it grows (doubling) and frees its
/// buffer once receivers have drained it. Each sender's messages are received
/// in the order it sent them, across the ring and the overflow.
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::unbounded();
/// for i in 0..1000 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.try_iter().sum::<i32>(), 499_500);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    let chan = chan::Chan::new_unbounded();
    (Sender::new(chan), Receiver::new(chan))
}
