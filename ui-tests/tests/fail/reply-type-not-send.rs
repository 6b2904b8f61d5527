// A request whose reply type is not `Send` cannot go to another thread.
use std::rc::Rc;

#[oneshot::oneshot_reply(Rc<u64>)]
pub struct Shared;

fn main() {
    let (request, _shared) = Shared::new();
    std::thread::spawn(move || {
        let _ = request.reply(Rc::new(1));
    });
}
