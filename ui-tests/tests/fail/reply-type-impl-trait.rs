#[oneshot::oneshot_reply(impl Iterator<Item = u64>)]
pub struct Balances;

fn main() {}
