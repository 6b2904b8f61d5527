// Only `client` may be written alone; the other client options take a name.
#[oneshot::oneshot_reply(client, handler)]
pub enum Command {
    #[reply(u8)]
    Get,
}

fn main() {}
