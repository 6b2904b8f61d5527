#[oneshot::oneshot_reply(u64)]
pub union Bits {
    pub int: u64,
    pub float: f64,
}

fn main() {}
