//! What `#[oneshot_reply]` generates, shown on two sample types: every item
//! listed here was written by the attribute, not by hand (read this
//! module's source to see the input).
//!
//! * [`GetBalance`], a struct request: `#[oneshot_reply(u64)]` added the
//!   `reply_to` field, [`GetBalance::new`], [`GetBalance::reply`],
//!   [`GetBalance::is_abandoned`] and the [`Request`](crate::Request) impl.
//! * [`Bank`], an enum of commands with `#[oneshot_reply(client)]`: a
//!   `reply_to` field and a constructor for each variant with `#[reply(T)]`
//!   ([`Bank::balance`], [`Bank::transfer`]), [`Bank::is_abandoned`],
//!   [`Bank::dispatch`] and [`Bank::dispatch_async`]; the client
//!   [`BankClient`] (per variant `v().await`, `v_blocking`, `v_timeout`,
//!   `try_v`, plus raw sends); the mailbox [`BankMailbox`] (`serve_blocking`,
//!   `serve`); and the handler traits [`BankHandler`] and
//!   [`BankAsyncHandler`].
//!
//! This module exists only in the documentation (`cfg(doc)`, with the
//! `client` feature): it is not part of the API, and code cannot name it.

use crate::oneshot_reply;

/// Asks for an account's balance: a struct request, made by
/// `#[oneshot_reply(u64)]` on
///
/// ```
/// # use oneshot::oneshot_reply;
/// #[oneshot_reply(u64)]
/// #[derive(Debug)]
/// pub struct GetBalance {
///     pub account: String,
/// }
/// ```
#[oneshot_reply(u64, crate = crate)]
#[derive(Debug)]
pub struct GetBalance {
    /// The account to look up.
    pub account: String,
}

/// The commands of a bank actor, made by `#[oneshot_reply(client)]` on
///
/// ```
/// # use oneshot::oneshot_reply;
/// #[oneshot_reply(client)]
/// #[derive(Debug)]
/// pub enum Bank {
///     #[reply(u64)]
///     Balance { account: String },
///     #[reply(Result<(), String>)]
///     Transfer { source: String, target: String, amount: u64 },
///     Audit,
/// }
/// ```
#[oneshot_reply(client, crate = crate)]
#[derive(Debug)]
pub enum Bank {
    /// An account's balance.
    #[reply(u64)]
    Balance {
        /// The account to look up.
        account: String,
    },
    /// Moves `amount` from `source` to `target`; the reply says whether it
    /// was done.
    #[reply(Result<(), String>)]
    Transfer {
        /// The account to take from.
        source: String,
        /// The account to pay into.
        target: String,
        /// How much.
        amount: u64,
    },
    /// Checks the books; no reply (the client's calls are done once the
    /// mailbox took the command).
    Audit,
}
