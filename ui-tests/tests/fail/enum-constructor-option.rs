#[oneshot::oneshot_reply(constructor = make)]
pub enum Command {
    #[reply(Option<u64>)]
    Get { key: String },
}

fn main() {}
