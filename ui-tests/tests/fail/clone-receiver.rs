// A `Receiver` cannot be cloned.
fn main() {
    let (_sender, receiver) = oneshot::channel::<u64>();
    let _copy = receiver.clone();
}
