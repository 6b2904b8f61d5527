//! The `#[oneshot_reply]` attribute of the [`oneshot`] crate. Use it through
//! `oneshot::oneshot_reply` (the `macros` feature, on by default), where it is
//! documented with examples; this crate is an implementation detail and is
//! pinned by an exact version from `oneshot`.
//!
//! [`oneshot`]: https://docs.rs/oneshot

// The pipeline, one job per module:
//
// * `attr.rs`: parses the arguments of `#[oneshot_reply(...)]` and `#[reply(...)]`.
// * `ast.rs`: models the annotated struct or enum, keeping `syn`'s nodes for spans.
// * `valid.rs`: every rule; each failure is a spanned error that shows the fix.
// * `expand.rs`: `try_expand` chains the three and generates the output.
// * `fallback.rs`: on error, `compile_error!` plus the item as it was.

#![warn(missing_docs)]

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;

/// Makes a struct or an enum a request that carries its own typed reply
/// sender. See `oneshot::oneshot_reply` for the documentation.
#[proc_macro_attribute]
pub fn oneshot_reply(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::oneshot_reply(args.into(), item.into()).into()
}
