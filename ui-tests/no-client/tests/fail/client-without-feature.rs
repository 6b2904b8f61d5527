// `oneshot` without its `client` feature: the request types are made, and
// `client` is one error naming the feature.
#[oneshot::oneshot_reply(client)]
pub enum Counter {
    #[reply(u64)]
    Add { by: u64 },
    Reset,
}

fn main() {
    // The request part still works.
    let (_add, _sum) = Counter::add(1);
}
