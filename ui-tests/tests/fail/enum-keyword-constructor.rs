#[oneshot::oneshot_reply]
pub enum Path {
    #[reply(String)]
    Crate,
    #[reply(String)]
    Module,
}

fn main() {}
