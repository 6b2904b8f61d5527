// `#![deny(missing_docs)]` with a documented `pub` command enum: the client,
// the mailbox, the handler traits and every generated method are documented
// (each client and handler method carries its variant's docs).
#![deny(missing_docs)]
#![deny(warnings)]
//! A crate whose public items must all be documented.

/// Public actors.
pub mod actors {
    /// What a counter can be asked.
    #[oneshot::oneshot_reply(client)]
    #[derive(Debug)]
    pub enum Counter {
        /// Add to the count; the reply is the new count.
        #[reply(u64)]
        Add {
            /// How much to add.
            by: u64,
        },
        /// Reset to zero.
        Reset,
    }
}

fn main() {
    let (client, mailbox) = actors::CounterClient::unbounded();
    drop(mailbox);
    assert!(client.add_blocking(1).is_err());
}
