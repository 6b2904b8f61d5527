#[oneshot::oneshot_reply(u64, constructor = reply)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
