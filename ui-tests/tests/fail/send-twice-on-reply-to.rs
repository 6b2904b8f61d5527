// The destructured sender is single-use too: `send` consumes it.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    let GetBalance { account: _, reply_to } = request;
    reply_to.send(1).unwrap();
    reply_to.send(2).unwrap();
}
