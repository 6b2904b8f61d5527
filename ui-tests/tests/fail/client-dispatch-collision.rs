// With `client`, the enum has `dispatch` and `dispatch_async`, which a
// variant's constructor cannot take.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Dispatch,
}

fn main() {}
