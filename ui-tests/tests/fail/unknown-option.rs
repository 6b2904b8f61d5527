#[oneshot::oneshot_reply(u64, timeout = 5)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
