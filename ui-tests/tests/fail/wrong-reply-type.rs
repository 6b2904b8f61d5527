// The reply has the declared type.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    request.reply("a lot").unwrap();
}
