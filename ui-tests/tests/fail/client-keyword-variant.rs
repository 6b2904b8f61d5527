// A variant without a reply whose method name would be a keyword that has
// no raw form.
#[oneshot::oneshot_reply(client)]
pub enum Command {
    Crate,
}

fn main() {}
