//! The `#[oneshot_reply]` attribute of the [`oneshot`] crate: use it through
//! `oneshot::oneshot_reply` (the `macros` feature, on by default), where it
//! is documented with examples. This crate is an implementation detail,
//! pinned by an exact version from `oneshot`, whose generated code names
//! `oneshot::__private`.
//!
//! **What it is for.** Most oneshot channels carry a reply. On a struct or
//! an enum of requests, the attribute adds the reply sender to the request
//! itself, so a request is answered at most once, with the declared type,
//! and the compiler rejects a second answer. On an enum of commands,
//! `#[oneshot_reply(client)]` also writes the actor around it: a typed
//! client with one method per command, callable from threads (`_blocking`,
//! `_timeout`) and tasks (`.await`) on any executor, over an `mpmc` mailbox,
//! and the handler traits the actor implements (tokio's actor pattern
//! without tokio, and without writing the plumbing).
//!
//! **Where to start.** The attribute's documentation below (also on
//! `oneshot::oneshot_reply`), then
//! [`oneshot::example_generated`](../oneshot/example_generated/index.html)
//! for every item it generates, and the repository's
//! `examples/bank_actor.rs`. Links to `oneshot` here are relative: they
//! work in the workspace's `cargo doc` and in `oneshot`'s own docs.
//!
//! Needs Rust 1.81 or newer, like `oneshot`.
//!
//! [`oneshot`]: ../oneshot/index.html

// The pipeline, one job per module:
//
// * `attr.rs`: parses the arguments of `#[oneshot_reply(...)]` and `#[reply(...)]`.
// * `ast.rs`: models the annotated struct or enum, keeping `syn`'s nodes for spans.
// * `valid.rs`: every rule; each failure is a spanned error that shows the fix.
// * `expand.rs`: `try_expand` chains the three and generates the output.
// * `client.rs`: with `client`, the actor's client, mailbox and handler traits.
// * `fallback.rs`: on error, `compile_error!` plus the item as it was.

#![warn(missing_docs)]

mod ast;
mod attr;
mod client;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;

/// Makes a struct or an enum a request that carries its own typed reply
/// sender: the requester keeps the receiver, whoever handles the request
/// answers it at most once, and the reply has the declared type.
///
/// # On a struct
///
/// `#[oneshot_reply(T)]`, where `T` is the reply type:
///
/// * adds a field `reply_to: oneshot::Sender<T>` with the struct's
///   visibility (a tuple struct gets it as its last field; a unit struct
///   becomes a struct with only that field);
/// * generates `new(fields...) -> (Self, oneshot::Receiver<T>)`, taking the
///   fields in declaration order, `reply(self, T) -> Result<(), SendError<T>>`,
///   and `is_abandoned(&self) -> bool` (the requester dropped its receiver);
/// * implements [`oneshot::Request`](../oneshot/trait.Request.html), so generic
///   code can serve every request type.
///
/// ```
/// use oneshot::oneshot_reply;
///
/// /// Ask the bank for an account's balance.
/// #[oneshot_reply(u64)]
/// #[derive(Debug)]
/// pub struct GetBalance {
///     pub account: String,
/// }
///
/// let (request, balance) = GetBalance::new("alice".to_owned());
/// let bank = std::thread::spawn(move || {
///     assert_eq!(request.account, "alice");
///     request.reply(120).unwrap();
/// });
/// assert_eq!(balance.recv(), Ok(120));
/// # bank.join().unwrap();
/// ```
///
/// Generic structs work, and the reply type may use their parameters, as in
/// `#[oneshot_reply(Result<Vec<T>, E>)]`. `#[cfg]` on fields is honoured,
/// and doc comments and other attributes are kept. Derives that a
/// single-use sender cannot support (`Clone`, `Copy`, `Default`,
/// `PartialEq`, `Eq`, `Hash`, `PartialOrd`, `Ord`) are rejected; write
/// derives below the attribute, so that they see the added field. A request
/// cannot implement `Drop`, since replying moves the sender out of it.
///
/// # Options
///
/// After the type, or with the type written as `reply = T`, each at most once:
///
/// * `field = name`: the added field's name (not on a tuple struct);
/// * `constructor = name`: instead of `new`;
/// * `method = name`: instead of `reply`;
/// * `crate = path` (or `crate = "path"`): where the `oneshot` crate is, for
///   re-exports and renamed dependencies (default `::oneshot`).
///
/// ```
/// #[oneshot::oneshot_reply(reply = Vec<u8>, field = respond_to, constructor = ask, method = answer)]
/// struct Read {
///     len: usize,
/// }
///
/// let (read, bytes) = Read::ask(4);
/// let Read { len, respond_to } = read;
/// respond_to.send(vec![0; len]).unwrap();
/// assert_eq!(bytes.recv().unwrap().len(), 4);
/// ```
///
/// # On an enum
///
/// Each variant marked `#[reply(T)]` gains a `reply_to: oneshot::Sender<T>`
/// field (a trailing sender in a tuple variant; a unit variant becomes
/// `{ reply_to }`) and a constructor named after it in snake case (rename it
/// with `#[reply(T, constructor = name)]`). Variants without `#[reply]` are
/// left as they are. The enum also gets `is_abandoned(&self)`.
///
/// ```
/// use oneshot::oneshot_reply;
///
/// #[oneshot_reply]
/// pub enum Command {
///     #[reply(Option<u64>)]
///     Get { key: String },
///     #[reply(())]
///     Set { key: String, value: u64 },
///     Shutdown,
/// }
///
/// let (command, value) = Command::get("k".to_owned());
/// match command {
///     Command::Get { key, reply_to } => reply_to.send(Some(key.len() as u64)).unwrap(),
///     Command::Set { reply_to, .. } => reply_to.send(()).unwrap(),
///     Command::Shutdown => {}
/// }
/// assert_eq!(value.recv(), Ok(Some(1)));
/// ```
///
/// With one type for every variant, `#[oneshot_reply(T)]` on the enum, the
/// enum gets `reply` and implements `oneshot::Request` like a struct.
///
/// # Actors: `client`
///
/// `#[oneshot_reply(client)]` on an enum (or `#[oneshot_reply(T, client)]`)
/// also generates, with the `client` feature of `oneshot` (on by default):
///
/// * `{Enum}Client`, over an `oneshot::mpmc::Sender<Enum>`: `bounded(cap)`
///   and `unbounded()` (each returning the client and its mailbox), raw
///   sends (`send().await`, `send_blocking`, `send_timeout`, `try_send`), and
///   per variant `v().await`, `v_blocking`, `v_timeout(.., Duration)` and
///   `try_v`, with the variant's fields as parameters and `v` its
///   constructor's name. They return `Result<Reply, oneshot::CallError>`
///   (`Result<(), _>` for a variant without a reply, done once the mailbox
///   took it); `try_v` never waits and hands the request back in a
///   `oneshot::TryCallError`. `Clone`, `Debug`, `From`/`AsRef` the sender.
/// * `{Enum}Mailbox`, over the `mpmc::Receiver<Enum>` (which it derefs to):
///   `serve_blocking(handler)` on a thread, `serve(handler).await` in a
///   task, each returning the handler once every client is gone.
/// * `{Enum}Handler` and `{Enum}AsyncHandler`: one method per variant,
///   returning its reply (a future of it for the async one), and
///   `Enum::dispatch` / `dispatch_async` to run one command.
///
/// Rename them with `client = Name`, `mailbox = Name`, `handler = Name` and
/// `async_handler = Name`. A generated name that collides with another is
/// a compile error naming both.
///
/// ```
/// use oneshot::{oneshot_reply, CallError};
///
/// #[oneshot_reply(client)]
/// pub enum Counter {
///     #[reply(u64)]
///     Add { by: u64 },
///     Reset,
/// }
///
/// #[derive(Default)]
/// struct Count(u64);
///
/// impl CounterHandler for Count {
///     fn add(&mut self, by: u64) -> u64 {
///         self.0 += by;
///         self.0
///     }
///     fn reset(&mut self) {
///         self.0 = 0;
///     }
/// }
///
/// let (counter, mailbox) = CounterClient::bounded(16);
/// let actor = std::thread::spawn(move || mailbox.serve_blocking(Count::default()));
/// assert_eq!(counter.add_blocking(2), Ok(2));
/// counter.reset_blocking().unwrap();
/// assert_eq!(counter.add_blocking(3), Ok(3));
/// drop(counter); // every client gone: the actor returns its state
/// assert_eq!(actor.join().unwrap().0, 3);
///
/// let (counter, mailbox) = CounterClient::unbounded();
/// drop(mailbox);
/// assert_eq!(counter.add_blocking(1), Err(CallError::Disconnected));
/// ```
///
/// Every generated item of a sample struct and a sample `client` enum is
/// listed, documented as users see it, in
/// [`oneshot::example_generated`](../oneshot/example_generated/index.html)
/// (built with the docs only).
///
/// # Errors
///
/// Every misuse is a compile error on the offending tokens that shows the
/// right form, with the item emitted unchanged so that no other errors follow.
/// That includes a generated name that collides with another one, and a
/// client method that would shadow a method of a trait the client implements
/// (a variant named `Clone`, `Fmt`, `From`, `AsRef`, `Into`, `Borrow`,
/// `ToOwned`, `TypeId`, ... would make `client.clone()` send a command).
///
/// # Troubleshooting
///
/// * **A derive written above the attribute** (`#[derive(Debug)]` then
///   `#[oneshot_reply(u64)]`) sees the item before the attribute adds the
///   `reply_to` field: `Debug` then silently leaves the field out, and a
///   derive the attribute rejects (`Clone`, `Default`, `PartialEq`, ...)
///   fails with rustc's ``missing field `reply_to` `` instead of the
///   attribute's explanation. Write every derive *below* `#[oneshot_reply]`.
/// * **The attribute on the wrong item.** It goes on the request type, a
///   struct or an enum; on a function, an impl block, a trait, a union or a
///   type alias it is an error saying so. On an enum *variant*, use
///   `#[reply(T)]` (with `#[oneshot_reply]` on the enum); `client` and the
///   item names (`client = ..`, `mailbox = ..`) belong on the enum's
///   attribute, not on a variant's `#[reply]`.
/// * ``cannot find attribute `reply` ``: a variant has `#[reply(T)]` but the
///   enum has no `#[oneshot_reply]`, or it is spelt through a path rustc
///   cannot see; put `#[oneshot_reply]` on the enum.
/// * ``pattern does not mention field `reply_to` `` (or a tuple pattern with
///   one field too few): a replying variant gained the sender; bind it
///   (`Get { key, reply_to }`) or write `..`.
/// * ``#[oneshot_reply(client)] needs the `client` feature``: `oneshot` is
///   used without its default features; add `features = ["client"]` to the
///   dependency.
/// * **A `_blocking` call that hangs in async code**: it blocks the thread
///   (see `# Blocking` on each generated method); in a task, `.await` the
///   method without the suffix.
/// * **`try_` calls that always answer `Full` on `bounded(0)`**: a
///   rendezvous mailbox has room only while an actor *thread* waits in
///   `serve_blocking`; an actor task never makes room for a `try_` call.
#[proc_macro_attribute]
pub fn oneshot_reply(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::oneshot_reply(args.into(), item.into()).into()
}
