#[oneshot::oneshot_reply(u64)]
pub trait Bank {
    fn balance(&self) -> u64;
}

fn main() {}
