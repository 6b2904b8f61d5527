// Client options go on the enum, not on a variant.
#[oneshot::oneshot_reply]
pub enum Command {
    #[reply(u8, client)]
    Get,
}

fn main() {}
