// Renaming a client item without opting in to the client.
#[oneshot::oneshot_reply(mailbox = Inbox, handler = Logic)]
pub enum Command {
    #[reply(u8)]
    Get,
}

fn main() {}
