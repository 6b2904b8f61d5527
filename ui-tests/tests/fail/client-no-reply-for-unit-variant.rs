// A variant without a reply type gets no reply: its `try_` method hands
// back nothing to wait on, and the enum has no constructor for it.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Get,
    Shutdown,
}

fn main() {
    let (client, _mailbox) = CommandClient::unbounded();
    let reply = client.try_shutdown().unwrap();
    let _ = reply.recv();
    let _ = Command::shutdown();
}
