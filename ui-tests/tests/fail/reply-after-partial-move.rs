// Moving a field out and then replying needs the whole request: destructure
// it instead (`let GetBalance { account, reply_to } = request;`).
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    let account = request.account;
    request.reply(account.len() as u64).unwrap();
}
