#[oneshot::oneshot_reply]
pub enum Command {
    #[reply]
    Get { key: String },
    Shutdown,
}

fn main() {}
