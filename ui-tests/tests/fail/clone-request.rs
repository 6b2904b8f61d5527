// A request cannot be cloned.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    let _copy = request.clone();
}
