// `recv(self)` consumes the receiver: there is one reply to receive.
fn main() {
    let (sender, receiver) = oneshot::channel::<u64>();
    sender.send(1).unwrap();
    let _first = receiver.recv();
    let _second = receiver.recv();
}
