// The client implements `Clone`, `Debug`, `From` and `AsRef` (and gets
// `Into`, `Borrow`, `ToOwned`, ... from blanket impls): a variant whose
// generated method would take one of their names would shadow it, so
// `client.clone()` would send a command instead of cloning the client.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    #[reply(u64)]
    Clone,
    Fmt { width: usize },
    #[reply((), constructor = as_ref)]
    Borrowed,
    // `try_from` is made from `from`: reported once, for `from`.
    From(u8),
    Fine,
}

fn main() {}
