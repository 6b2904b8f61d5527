#[oneshot::oneshot_reply]
pub enum Command {
    #[reply(Option<u64>)]
    #[reply(u64)]
    Get { key: String },
    Shutdown,
}

fn main() {}
