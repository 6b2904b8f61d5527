// Where `use tokio::sync::oneshot;` is in effect, or a local `mod oneshot`
// exists, the generated code still uses the `oneshot` crate: it names it by
// absolute path.
#![deny(warnings)]

mod with_tokio {
    use tokio::sync::oneshot;

    #[::oneshot::oneshot_reply(u8)]
    pub struct Get;

    pub fn tokio_channel_still_works() -> u8 {
        let (tx, mut rx) = oneshot::channel();
        tx.send(5).unwrap();
        rx.try_recv().unwrap()
    }
}

mod with_local_module {
    #[allow(dead_code)]
    mod oneshot {
        pub struct Sender;
        pub struct Receiver;
        pub fn channel() {}
    }

    #[::oneshot::oneshot_reply(String)]
    pub struct Name;
}

fn main() {
    let (get, answer) = with_tokio::Get::new();
    let sender: &::oneshot::Sender<u8> = &get.reply_to;
    assert!(!sender.is_closed());
    get.reply(with_tokio::tokio_channel_still_works()).unwrap();
    assert_eq!(answer.recv(), Ok(5));

    let (name, answer) = with_local_module::Name::new();
    name.reply("oneshot".to_owned()).unwrap();
    assert_eq!(answer.recv().as_deref(), Ok("oneshot"));
}
