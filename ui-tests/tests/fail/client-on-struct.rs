// The client is generated for an enum of commands, not for one request.
#[oneshot::oneshot_reply(u64, client)]
pub struct GetBalance {
    pub account: String,
}

fn main() {}
