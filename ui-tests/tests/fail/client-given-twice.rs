// `client` at most once, bare or with a name.
#[oneshot::oneshot_reply(client, client = Api)]
pub enum Command {
    #[reply(u8)]
    Get,
}

fn main() {}
