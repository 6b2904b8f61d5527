#[oneshot::oneshot_reply(u64)]
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
