// `Receiver<T>` is not `Sync`: its `&self` receive methods must not race,
// so it cannot be shared between threads by reference.
fn assert_sync<T: Sync>(_: &T) {}

fn main() {
    let (_sender, receiver) = oneshot::channel::<u64>();
    assert_sync(&receiver);
}
