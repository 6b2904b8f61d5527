// A private enum whose generated client, mailbox, handler traits and
// dispatch methods are never used: no `dead_code` warning, nothing else.
#![deny(warnings)]

#[oneshot::oneshot_reply(client)]
enum Internal {
    #[reply(u8)]
    Ask,
    Tell(u8),
}

fn main() {
    let (request, answer) = Internal::ask();
    drop(request);
    assert!(answer.recv().is_err());
    let _ = Internal::Tell(1);
}
