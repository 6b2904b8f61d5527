#[oneshot::oneshot_reply(u64, reply = u32)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
