#[oneshot::oneshot_reply(42)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
