// Replying needs the request by value, not through `&mut`.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn answer(request: &mut GetBalance) {
    let _ = request.reply(1);
}

fn main() {
    let (mut request, _balance) = GetBalance::new("alice".to_owned());
    answer(&mut request);
}
