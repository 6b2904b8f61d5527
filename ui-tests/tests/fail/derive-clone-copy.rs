#[oneshot::oneshot_reply(u64)]
#[derive(Debug, Clone, Copy)]
pub struct GetBalance {
    pub account: u32,
}

fn main() {}
