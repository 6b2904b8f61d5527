//! Not public API. The code that `#[oneshot_reply]` generates names these
//! as `::oneshot::__private::…` (or `<crate = path>::__private::…`), so that
//! a `oneshot` module, a `use tokio::sync::oneshot;` or a type named `bool`
//! in the user's scope cannot change what the generated code means.

pub use crate::request::Request;
pub use crate::{channel, Receiver, SendError, Sender};
pub use core::primitive::bool;
pub use core::result::Result;

#[cfg(feature = "client")]
pub use crate::call::{
    answer, call, call_blocking, call_timeout, tell, tell_blocking, tell_timeout, try_call,
    try_tell,
};
pub use crate::{CallError, TryCallError};
#[cfg(feature = "client")]
pub use ::mpmc;
pub use core::clone::Clone;
pub use core::convert::{AsRef, From};
pub use core::fmt::{Debug, Formatter, Result as FmtResult};
pub use core::future::Future;
pub use core::ops::Deref;
pub use core::option::Option;
pub use core::primitive::usize;
pub use core::time::Duration;

/// The items `#[oneshot_reply(client)]` generates, as they are: the client
/// needs `mpmc` and the call functions above, which the `client` feature
/// brings.
#[cfg(feature = "client")]
#[doc(hidden)]
#[macro_export]
macro_rules! __oneshot_client_items {
    ($($items:tt)*) => {
        $($items)*
    };
}

/// Without the `client` feature: one error that names it, rather than an
/// error for each `__private` item the client would use.
#[cfg(not(feature = "client"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __oneshot_client_items {
    ($($items:tt)*) => {
        ::core::compile_error! {
            "`#[oneshot_reply(client)]` needs the `client` feature of `oneshot` (a default feature): add `features = [\"client\"]` to the `oneshot` dependency, or remove `client` from the attribute to generate only the request types"
        }
    };
}

pub use crate::__oneshot_client_items as client_items;
