// A client method takes the variant's fields with their declared types.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(Option<u64>)]
    Get { key: String },
}

fn main() {
    let (client, _mailbox) = CommandClient::unbounded();
    let _ = client.get_blocking(42);
}
