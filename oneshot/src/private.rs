//! Not public API. The code that `#[oneshot_reply]` generates names these
//! as `::oneshot::__private::…` (or `<crate = path>::__private::…`), so that
//! a `oneshot` module, a `use tokio::sync::oneshot;` or a type named `bool`
//! in the user's scope cannot change what the generated code means.

pub use crate::request::Request;
pub use crate::{channel, Receiver, SendError, Sender};
pub use core::primitive::bool;
pub use core::result::Result;
