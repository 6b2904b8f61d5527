#[oneshot::oneshot_reply(u64, constructor = ask, constructor = make)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
