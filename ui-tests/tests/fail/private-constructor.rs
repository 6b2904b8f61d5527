// The constructor has the struct's visibility: a private request cannot be
// made outside its module.
mod bank {
    #[oneshot::oneshot_reply(u64)]
    struct Audit;

    pub fn audit() -> bool {
        let (audit, _done) = Audit::new();
        audit.is_abandoned()
    }
}

fn main() {
    let _ = bank::audit();
    let _ = bank::Audit::new();
}
