//! Compile-time facts of `mpmc` that must *not* compile (the positive facts
//! are in `tests/tests/mpmc_traits.rs`).
//!
//! Neither handle is `Send` or `Sync` when `T` is not `Send`:
//!
//! ```compile_fail
//! fn is_send<T: Send>() {}
//! is_send::<mpmc::Sender<std::rc::Rc<u8>>>();
//! ```
//!
//! ```compile_fail
//! fn is_send<T: Send>() {}
//! is_send::<mpmc::Receiver<std::rc::Rc<u8>>>();
//! ```
//!
//! ```compile_fail
//! fn is_sync<T: Sync>() {}
//! is_sync::<mpmc::Receiver<std::rc::Rc<u8>>>();
//! ```
//!
//! A send future holds its waiter node, so it cannot be moved once polled:
//! it is not `Unpin`, and `Pin::new` refuses it.
//!
//! ```compile_fail
//! let (tx, _rx) = mpmc::bounded::<u8>(1);
//! let mut fut = tx.send_async(1);
//! let _ = std::pin::Pin::new(&mut fut);
//! ```
//!
//! A borrowed future cannot outlive its handle:
//!
//! ```compile_fail
//! let fut = {
//!     let (tx, _rx) = mpmc::bounded::<u8>(1);
//!     tx.send_async(1)
//! };
//! drop(fut);
//! ```
//!
//! The same code with an owned future compiles, so the cases above fail for
//! the reason given:
//!
//! ```
//! let fut = {
//!     let (tx, _rx) = mpmc::bounded::<u8>(1);
//!     tx.into_send_async(1)
//! };
//! drop(fut);
//! fn is_send_sync<T: Send + Sync>() {}
//! is_send_sync::<mpmc::Sender<std::cell::Cell<u8>>>();
//! ```
