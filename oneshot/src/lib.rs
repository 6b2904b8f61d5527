//! A oneshot channel: one message from one [`Sender`] to one [`Receiver`],
//! between threads, between async tasks, or between a thread and a task in
//! either direction, on any executor, with no runtime dependency.
//!
//! **Why this one.** One [`Receiver`] does everything, mixed in any order:
//! [`try_recv`](Receiver::try_recv), block with [`recv`](Receiver::recv),
//! time out with [`recv_timeout`](Receiver::recv_timeout), or `.await` it
//! (the `oneshot` crate 0.2 splits this into two receiver types; tokio's and
//! futures' receivers cannot block; std's and crossbeam's cannot be
//! awaited). [`send`](Sender::send) never blocks and is lock-free and
//! wait-free, and the sender can watch the receiver leave
//! ([`is_closed`](Sender::is_closed), `closed().await`). A `u64` channel is
//! one 40-byte allocation (the smallest peer, the `oneshot` crate: 32 B;
//! tokio 72 B; futures 96 B), and create + send + recv makes one atomic
//! read-modify-write and took 22 ns in the README's benchmark on a 2-core VM
//! (tokio 52 ns; the `oneshot` crate 23 ns).
//!
//! **Where to start.** [`channel`] and the examples below. For
//! request/reply, [`#[oneshot_reply]`](macro@oneshot_reply) puts the reply
//! sender inside the request type; on an enum of commands,
//! `#[oneshot_reply(client)]` makes a typed **actor client**: one method per
//! command, callable from threads (`_blocking`, `_timeout`) and tasks
//! (`.await`), over an [`mpmc`] mailbox, with a handler trait for the actor
//! ([`example_generated`] shows every generated item; the repository's
//! `examples/bank_actor.rs` runs one).
//!
//! [`channel`] makes the pair with a single heap allocation. A message still
//! in the channel when the receiver is dropped is dropped with it. A send to
//! a receiver that is gone hands the message back in a [`SendError`].
//!
//! The library needs Rust 1.81 or newer (`rust-version`, checked by CI); the
//! workspace's tests need 1.88 (trybuild, as locked).
//!
//! # Examples
//!
//! Thread to thread:
//!
//! ```
//! let (sender, receiver) = oneshot::channel();
//! let worker = std::thread::spawn(move || sender.send(6 * 7).unwrap());
//! assert_eq!(receiver.recv(), Ok(42));
//! # worker.join().unwrap();
//! ```
//!
//! The sender is dropped without sending:
//!
//! ```
//! let (sender, receiver) = oneshot::channel::<u32>();
//! drop(sender);
//! assert_eq!(receiver.recv(), Err(oneshot::RecvError));
//! ```
//!
//! A task waits for a thread, giving up on a timeout first and awaiting after
//! (any executor works; here the `futures` crate's `block_on`):
//!
//! ```
//! use futures::executor::block_on;
//!
//! use std::time::Duration;
//!
//! let (sender, receiver) = oneshot::channel();
//! let _ = receiver.recv_timeout(Duration::from_millis(1)); // probably times out
//! let worker = std::thread::spawn(move || sender.send("late").unwrap());
//! assert_eq!(block_on(receiver), Ok("late"));
//! # worker.join().unwrap();
//! ```
//!
//! # Features
//!
//! * `std` (default): the blocking receives. Without it the crate is
//!   `#![no_std]` and needs only `alloc`; [`channel`], `send`, `try_recv`,
//!   `is_closed` and `has_message` remain.
//! * `async` (default): `impl Future for Receiver`, [`Sender::closed`] and
//!   [`Sender::poll_closed`].
//! * `futures`: `futures_core::future::FusedFuture` for [`Receiver`], so
//!   `futures::select!` takes `&mut receiver` without `.fuse()` (adds the
//!   `futures-core` crate, without its default features).
//! * `macros` (default): the `#[oneshot_reply]` attribute, which makes a
//!   struct or enum a request carrying its own typed reply sender (from the
//!   `oneshot-macros` crate; without it the core has no dependencies).
//! * `client` (default): `#[oneshot_reply(client)]` on a command enum also
//!   generates a typed actor client, its mailbox, and handler traits; the
//!   mailbox is an `mpmc` channel, re-exported as `oneshot::mpmc`. Calls fail with
//!   [`CallError`] or [`TryCallError`].
//!
//! # Guarantees
//!
//! * **One allocation** per channel, freed by whichever end leaves last.
//!   For `T = u64` it is 40 bytes; `Sender`, `Receiver` and their `Option`s
//!   are one pointer each.
//! * **Atomic cost**: send-then-receive on one thread makes one atomic
//!   read-modify-write (RMW) in total, the send's. `try_recv` makes none.
//!   Poll `Pending`, send, poll `Ready` makes three. Re-polling with a waker
//!   that `will_wake` the stored one makes none.
//! * **No side waits for the other**: when the sender must wake a waiting
//!   receiver it claims the waker, copies it, and releases it with a second
//!   RMW; a receiver that is polled, dropped, timed out or closed in that
//!   window records what it did and moves on, and whichever side is last
//!   frees the allocation.
//! * **Happens-before**: everything the sending thread did before `send`
//!   happens-before the receive that returns the message.
//! * Each message is dropped exactly once: received, left in a dropped
//!   receiver, or handed back in a `SendError`.
//!
//! # How correctness is checked
//!
//! The state machine (see the `state` module's source) is model-checked with
//! [loom](https://docs.rs/loom) (`RUSTFLAGS="--cfg loom"`), the test suite
//! runs under Miri, and the workspace's integration tests cover every
//! method, every poll/block mix, and drop accounting.

// Implementation notes
//
// * `state.rs`: the bits of the state word, who owns each, and the claims.
// * `channel.rs`: the allocation's layout and the unsafe accessors.
// * `sender.rs` / `receiver.rs`: each end's transitions.
// * `waker.rs`: the waker a blocked thread registers.
// * `loom.rs`: the only place that switches to loom's primitives.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![warn(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]

extern crate alloc;

mod call;
mod channel;
mod errors;
mod loom;
mod receiver;
mod request;
mod sender;
mod state;
#[cfg(feature = "std")]
mod waker;

pub use call::{CallError, TryCallError};
pub use errors::{RecvError, RecvTimeoutError, SendError, TryRecvError};
pub use receiver::Receiver;
pub use request::Request;
pub use sender::Sender;

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use oneshot_macros::oneshot_reply;

/// The `mpmc` crate, the mailbox of `#[oneshot_reply(client)]` actors, so
/// that users of the generated clients need no dependency of their own.
///
/// # Examples
///
/// ```
/// let (sender, receiver) = oneshot::mpmc::bounded::<u8>(1);
/// sender.try_send(7).unwrap();
/// assert_eq!(receiver.try_recv(), Ok(7));
/// ```
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use mpmc;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

// Documentation only: what the attribute generates, item by item.
#[cfg(all(doc, feature = "client"))]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod example_generated;

// The same module compiled (and linted) in the unit tests, since `cfg(doc)`
// builds only check its items' signatures.
#[cfg(all(test, not(doc), feature = "client"))]
#[path = "example_generated.rs"]
#[expect(dead_code, reason = "the sample items are there to be read, not used")]
mod example_generated_compiles;

/// Makes a oneshot channel: a [`Sender`] and a [`Receiver`] sharing one heap
/// allocation, which is freed by whichever end is dropped last.
///
/// # Examples
///
/// ```
/// let (sender, receiver) = oneshot::channel();
/// sender.send(String::from("hello")).unwrap();
/// assert_eq!(receiver.recv().as_deref(), Ok("hello"));
/// ```
#[must_use = "a channel does nothing unless both ends are used"]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let channel = channel::Channel::<T>::allocate();
    (
        Sender::from_channel(channel),
        Receiver::from_channel(channel),
    )
}
