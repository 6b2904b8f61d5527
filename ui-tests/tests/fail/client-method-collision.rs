// `Get`'s client has `try_get`, which is also `TryGet`'s method: the error
// names both variants.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Get,
    #[reply(u64)]
    TryGet,
    GetBlocking,
}

fn main() {}
