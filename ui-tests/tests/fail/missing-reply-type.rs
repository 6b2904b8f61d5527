#[oneshot::oneshot_reply]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
