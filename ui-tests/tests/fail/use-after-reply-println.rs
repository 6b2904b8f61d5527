// After replying, the request cannot even be printed.
#[oneshot::oneshot_reply(u64)]
#[derive(Debug)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let (request, _balance) = GetBalance::new("alice".to_owned());
    request.reply(1).unwrap();
    println!("{request:?}");
}
