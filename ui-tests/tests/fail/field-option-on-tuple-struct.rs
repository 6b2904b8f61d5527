#[oneshot::oneshot_reply(u64, field = respond_to)]
pub struct GetBalance(pub String);

fn main() {}
