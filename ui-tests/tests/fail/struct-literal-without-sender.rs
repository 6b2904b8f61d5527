// A request cannot be built without its sender: use the constructor.
#[oneshot::oneshot_reply(u64)]
pub struct GetBalance {
    pub account: String,
}

fn main() {
    let _request = GetBalance {
        account: "alice".to_owned(),
    };
}
