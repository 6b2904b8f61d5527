//! What the attribute emits when the input is wrong: the errors, and the
//! item as the user wrote it, so that code naming the type still finds it
//! and no second wave of errors ("cannot find type `GetBalance`") buries
//! the first.
//!
//! The one change is that the enum variants' `#[reply(...)]` helper
//! attributes are removed: left in, each would be an error of its own
//! ("cannot find attribute `reply`").

use proc_macro2::TokenStream;
use quote::ToTokens as _;
use syn::{Data, DeriveInput, Error};

use crate::ast;

pub(crate) fn expand(item: TokenStream, error: &Error) -> TokenStream {
    let mut tokens = error.to_compile_error();
    match syn::parse2::<DeriveInput>(item.clone()) {
        Ok(mut input) => {
            if let Data::Enum(data) = &mut input.data {
                for variant in &mut data.variants {
                    variant.attrs.retain(|attr| !ast::is_reply_helper(attr));
                }
            }
            input.to_tokens(&mut tokens);
        }
        Err(_) => tokens.extend(item),
    }
    tokens
}
