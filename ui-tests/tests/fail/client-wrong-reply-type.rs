// A handler method returns the variant's reply type, nothing else.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(Option<u64>)]
    Get { key: String },
}

struct Store;

impl CommandHandler for Store {
    fn get(&mut self, key: String) -> u64 {
        key.len() as u64
    }
}

fn main() {}
