// Replying in a loop would answer more than once.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    for attempt in 0..3 {
        let _ = request.reply(attempt);
    }
}
