#[oneshot::oneshot_reply(u64)]
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
