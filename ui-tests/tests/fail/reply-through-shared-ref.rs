// Replying needs the request by value, not through `&`.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn answer(request: &GetBalance) {
    let _ = request.reply(1);
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    answer(&request);
}
