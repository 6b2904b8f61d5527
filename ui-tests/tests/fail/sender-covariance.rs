// `Sender<T>` is invariant in `T`: a sender of `&'static str` cannot be used
// as a sender of a shorter-lived borrow, which would let the receiver (who
// expects `'static` data) get a reference that dies first.
fn shorten<'a>(sender: oneshot::Sender<&'static str>) -> oneshot::Sender<&'a str> {
    sender
}

fn main() {
    let (sender, _receiver) = oneshot::channel::<&'static str>();
    let _shorter = shorten(sender);
}
