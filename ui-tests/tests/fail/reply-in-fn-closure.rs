// A closure that may be called many times (`Fn`) cannot reply.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn call_twice(f: impl Fn()) {
    f();
    f();
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    call_twice(move || {
        let _ = request.reply(1);
    });
}
