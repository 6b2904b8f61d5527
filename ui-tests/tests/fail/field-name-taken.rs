#[oneshot::oneshot_reply(u64)]
pub struct Forward {
    pub reply_to: String,
}

fn main() {}
