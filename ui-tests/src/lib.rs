//! The `#[oneshot_reply]` UI tests live in `tests/`: see `README.md`.
//!
//! This library is a user crate of `oneshot` in its own right. It re-exports
//! `oneshot` (the pass case `crate-reexport.rs` uses the attribute through
//! it, with `crate = oneshot_ui_tests::oneshot`), and it holds a documented
//! public request under `#![deny(missing_docs)]`, which shows that the
//! generated items are documented and, under the workspace's clippy run,
//! that they are lint-clean in a library.

#![deny(missing_docs)]

pub use oneshot;

/// Asks for the sum of two numbers.
#[oneshot::oneshot_reply(u64)]
#[derive(Debug)]
pub struct Add {
    /// The first number.
    pub a: u64,
    /// The second number.
    pub b: u64,
}

/// Everything a calculator can be asked.
#[oneshot::oneshot_reply]
#[derive(Debug)]
pub enum Calc {
    /// The sum of two numbers.
    #[reply(u64)]
    Add(u64, u64),
    /// The largest number seen so far, if any.
    #[reply(Option<u64>)]
    Max,
    /// Forget everything.
    Reset,
}

/// A request whose reply borrows from `'a`, with a default type parameter.
#[oneshot::oneshot_reply(Result<&'a str, E>)]
#[derive(Debug)]
pub struct Lookup<'a, E = ()> {
    /// The text to look into.
    pub text: &'a str,
    /// Where the wanted word starts.
    pub at: usize,
    /// The error type, carried only for the reply.
    pub error: core::marker::PhantomData<E>,
}
