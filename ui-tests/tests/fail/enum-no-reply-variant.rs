#[oneshot::oneshot_reply]
pub enum Command {
    Get { key: String },
    Shutdown,
}

fn main() {}
