// A request is answered at most once: `reply` consumes it.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    request.reply(1).unwrap();
    request.reply(2).unwrap();
}
