#[oneshot::oneshot_reply(u64)]
pub enum Command {
    #[reply(Option<u64>)]
    Get { key: String },
    Shutdown,
}

fn main() {}
