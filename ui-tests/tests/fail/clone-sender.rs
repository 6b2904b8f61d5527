// A `Sender` cannot be cloned.
fn main() {
    let (sender, _receiver) = oneshot::channel::<u64>();
    let _copy = sender.clone();
}
