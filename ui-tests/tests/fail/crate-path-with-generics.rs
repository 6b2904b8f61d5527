#[oneshot::oneshot_reply(u64, crate = oneshot::<u8>)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
