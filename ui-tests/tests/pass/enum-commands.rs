// The command enum: `#[reply(T)]` variants gain a sender and a snake-case
// constructor (renameable); others are left as they are. Named, tuple and
// unit variants, generics, `#[cfg]` on a variant, and a keyword name.
#![deny(warnings)]

use oneshot::oneshot_reply;

#[oneshot_reply]
#[derive(Debug)]
pub enum Command<K> {
    #[reply(Option<u64>)]
    Get { key: K },
    #[reply(())]
    Set { key: K, value: u64 },
    #[reply(u64, constructor = add_to)]
    Add(K, u64),
    #[reply(usize)]
    Len,
    #[reply(bool)]
    Type,
    #[cfg(any())]
    #[reply(u8)]
    Never,
    Shutdown,
}

fn handle(store: &mut Vec<(&'static str, u64)>, command: Command<&'static str>) -> bool {
    match command {
        Command::Get { key, reply_to } => {
            let value = store.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            reply_to.send(value).unwrap();
        }
        Command::Set { key, value, reply_to } => {
            store.push((key, value));
            reply_to.send(()).unwrap();
        }
        Command::Add(key, amount, reply_to) => {
            let entry = store.iter_mut().find(|(k, _)| *k == key).unwrap();
            entry.1 += amount;
            reply_to.send(entry.1).unwrap();
        }
        Command::Len { reply_to } => reply_to.send(store.len()).unwrap(),
        Command::Type { reply_to } => reply_to.send(true).unwrap(),
        Command::Shutdown => return false,
    }
    true
}

fn main() {
    let mut store = Vec::new();

    let (set, done) = Command::set("apples", 3);
    assert!(!set.is_abandoned());
    assert!(handle(&mut store, set));
    assert_eq!(done.recv(), Ok(()));

    let (add, total) = Command::add_to("apples", 2);
    assert!(handle(&mut store, add));
    assert_eq!(total.recv(), Ok(5));

    let (get, value) = Command::get("apples");
    assert!(handle(&mut store, get));
    assert_eq!(value.recv(), Ok(Some(5)));

    let (len, count) = Command::len();
    assert!(handle(&mut store, len));
    assert_eq!(count.recv(), Ok(1));

    let (ty, answer) = Command::<&str>::r#type();
    assert!(handle(&mut store, ty));
    assert_eq!(answer.recv(), Ok(true));

    let (get, value) = Command::get("pears");
    drop(value);
    assert!(get.is_abandoned());

    let shutdown = Command::Shutdown;
    assert!(!shutdown.is_abandoned());
    assert!(format!("{shutdown:?}").contains("Shutdown"));
    assert!(!handle(&mut store, shutdown));
}
