#[oneshot::oneshot_reply(&str)]
pub struct Name;

fn main() {}
