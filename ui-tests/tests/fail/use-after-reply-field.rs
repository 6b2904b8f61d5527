// After replying, the request is gone: its fields cannot be read.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    request.reply(1).unwrap();
    let account = request.account;
    drop(account);
}
