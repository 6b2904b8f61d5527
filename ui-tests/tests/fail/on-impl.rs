pub struct GetBalance;

#[oneshot::oneshot_reply(u64)]
impl GetBalance {
    pub fn account(&self) -> &str {
        "alice"
    }
}

fn main() {
    let _ = GetBalance.account();
}
