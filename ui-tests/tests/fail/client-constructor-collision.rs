// A variant whose client methods would take the client's own names: the
// constructor `bounded`, the raw send `send` and `into_inner`.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Bounded,
    Send(u8),
    #[reply(u8, constructor = into_inner)]
    Unwrap,
}

fn main() {}
