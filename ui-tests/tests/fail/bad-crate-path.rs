#[oneshot::oneshot_reply(u64, crate = "my crate")]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
