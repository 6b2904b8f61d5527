// A misspelt client option: the error lists the options.
#[oneshot::oneshot_reply(client, mailbx = Inbox)]
pub enum Command {
    #[reply(u8)]
    Get,
}

fn main() {}
