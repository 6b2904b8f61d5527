#[oneshot::oneshot_reply(u64)]
pub fn get_balance(account: String) -> u64 {
    account.len() as u64
}

fn main() {
    let _ = get_balance(String::new());
}
