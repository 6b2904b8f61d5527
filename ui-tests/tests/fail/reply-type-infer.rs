#[oneshot::oneshot_reply(Vec<_>)]
pub struct Balances;

fn main() {}
