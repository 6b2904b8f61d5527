// Serving the mailbox by hand, a request is still answered at most once.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Get { key: String },
}

fn main() {
    let (_client, mailbox) = CommandClient::unbounded();
    while let Ok(command) = mailbox.recv() {
        match command {
            Command::Get { key, reply_to } => {
                let _ = reply_to.send(key.len() as u64);
                let _ = reply_to.send(0);
            }
        }
    }
}
