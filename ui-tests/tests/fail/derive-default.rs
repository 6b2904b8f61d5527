#[oneshot::oneshot_reply(u64)]
#[derive(Default)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
