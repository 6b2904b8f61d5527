#[oneshot::oneshot_reply]
pub enum Command {
    #[reply(Option<u64>)]
    Get { key: String },
    #[reply(Vec<u64>, constructor = get)]
    GetAll,
}

fn main() {}
