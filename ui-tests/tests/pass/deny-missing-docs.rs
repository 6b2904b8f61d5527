// `#![deny(missing_docs)]` with a documented `pub` request: everything the
// attribute adds is documented. (The library `oneshot_ui_tests` checks the
// same for a library crate.)
#![deny(missing_docs)]
#![deny(warnings)]
//! A crate whose public items must all be documented.

/// Public requests.
pub mod requests {
    /// Ask for a greeting.
    #[oneshot::oneshot_reply(String)]
    #[derive(Debug)]
    pub struct Greet {
        /// Who to greet.
        pub name: String,
    }

    /// Public commands.
    #[oneshot::oneshot_reply]
    #[derive(Debug)]
    pub enum Command {
        /// Ask for a number.
        #[reply(u8)]
        Number,
        /// Stop.
        Stop,
    }
}

fn main() {
    let (greet, greeting) = requests::Greet::new("Ada".to_owned());
    let text = format!("hello, {}", greet.name);
    greet.reply(text).unwrap();
    assert_eq!(greeting.recv().as_deref(), Ok("hello, Ada"));

    let (number, value) = requests::Command::number();
    if let requests::Command::Number { reply_to } = number {
        reply_to.send(3).unwrap();
    }
    assert_eq!(value.recv(), Ok(3));
    assert!(!requests::Command::Stop.is_abandoned());
}
