// The generated types and traits need four names of their own.
#[oneshot::oneshot_reply(client = Command, handler = Api, async_handler = Api)]
pub enum Command {
    #[reply(u64)]
    Get,
}

fn main() {}
