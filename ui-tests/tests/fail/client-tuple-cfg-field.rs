// With `client`, a tuple variant's field cannot be `#[cfg]`-ed.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Add(u64, #[cfg(any())] u64),
}

fn main() {}
