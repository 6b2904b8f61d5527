//! The code `#[oneshot_reply]` generates, compiled as ordinary tests: the
//! workspace's lints and clippy (`-D warnings`, plus `clippy::pedantic`
//! here) check it in a user crate, and the assertions check what it does.
//! Some generated items are deliberately left unused, to show they cause no
//! `dead_code` warning. No threads or runtimes: Miri runs these.

#![warn(clippy::pedantic)]

use oneshot::{oneshot_reply, Request};

/// Nine fields: no `too_many_arguments` warning on the constructor.
#[oneshot_reply(u64)]
#[derive(Debug)]
struct Many {
    a: u8,
    b: u16,
    c: u32,
    d: u64,
    e: i8,
    f: i16,
    g: i32,
    h: i64,
    i: usize,
}

#[test]
fn many_fields_in_declaration_order() {
    let (many, sum) = Many::new(1, 2, 3, 4, 5, 6, 7, 8, 9);
    let Many {
        a,
        b,
        c,
        d,
        e,
        f,
        g,
        h,
        i,
        reply_to,
    } = many;
    let total = u64::from(a) + u64::from(b) + u64::from(c) + d;
    let signed = i64::from(e) + i64::from(f) + i64::from(g) + h;
    let total = total + u64::try_from(signed).unwrap() + u64::try_from(i).unwrap();
    reply_to.send(total).unwrap();
    assert_eq!(sum.recv(), Ok(45));
}

/// Lifetime, type and const parameters, defaults, bounds and a where clause,
/// with a reply type that uses them.
#[oneshot_reply(Result<Vec<T>, E>)]
struct Take<'a, T: Clone, E = String, const N: usize = 2>
where
    E: From<&'static str>,
{
    items: &'a [T],
    _error: core::marker::PhantomData<E>,
}

#[test]
fn generic_struct() {
    let items = [1, 2, 3];
    let (take, taken) = Take::<'_, i32>::new(&items, core::marker::PhantomData);
    let reply = if take.items.len() >= 2 {
        Ok(take.items[..2].to_vec())
    } else {
        Err(String::from("too few"))
    };
    take.reply(reply).unwrap();
    assert_eq!(taken.recv(), Ok(Ok(vec![1, 2])));
}

/// A reply borrowed for `'a`.
#[oneshot_reply(&'a str)]
struct FirstWord<'a> {
    text: &'a str,
}

#[test]
fn borrowed_reply() {
    let text = String::from("hello world");
    let (request, word) = FirstWord::new(&text);
    let first = request.text.split(' ').next().unwrap();
    request.reply(first).unwrap();
    assert_eq!(word.recv(), Ok("hello"));
}

#[oneshot_reply(u8)]
struct Pair(u8, u8);

#[oneshot_reply(())]
struct Ping;

#[test]
fn tuple_and_unit_structs() {
    let (pair, max) = Pair::new(3, 9);
    let Pair(x, y, sender) = pair;
    sender.send(x.max(y)).unwrap();
    assert_eq!(max.recv(), Ok(9));

    let (request, answer) = Ping::new();
    assert!(!request.is_abandoned());
    drop(answer);
    assert!(request.is_abandoned());
    assert!(request.reply(()).is_err());
}

#[oneshot_reply(u32)]
struct Configured {
    #[cfg(any())]
    never: String,
    #[cfg(not(any()))]
    always: u32,
}

#[test]
fn cfg_fields() {
    let (request, answer) = Configured::new(5);
    let value = request.always;
    request.reply(value * 2).unwrap();
    assert_eq!(answer.recv(), Ok(10));
}

#[oneshot_reply]
#[derive(Debug)]
enum Command<K> {
    #[reply(Option<u64>)]
    Get {
        key: K,
    },
    #[reply((), constructor = put)]
    Set(K, u64),
    #[reply(usize)]
    Len,
    #[cfg(any())]
    #[reply(u8)]
    Never,
    Shutdown,
}

#[test]
fn enum_commands() {
    let (get, value) = Command::get("a");
    let (set, done) = Command::put("a", 1);
    let (len, count) = Command::<&str>::len();
    let mut stored = None;
    for command in [set, get, len, Command::Shutdown] {
        assert!(!command.is_abandoned());
        match command {
            Command::Get { key, reply_to } => {
                assert_eq!(key, "a");
                reply_to.send(stored).unwrap();
            }
            Command::Set(_, value, reply_to) => {
                stored = Some(value);
                reply_to.send(()).unwrap();
            }
            Command::Len { reply_to } => reply_to.send(usize::from(stored.is_some())).unwrap(),
            Command::Shutdown => {}
        }
    }
    assert_eq!(done.recv(), Ok(()));
    assert_eq!(value.recv(), Ok(Some(1)));
    assert_eq!(count.recv(), Ok(1));
}

#[oneshot_reply(bool, method = ack)]
enum Job {
    Run(u32),
    #[reply(constructor = halt)]
    Stop,
}

fn serve<R: Request>(request: R, reply: R::Reply) -> bool {
    !request.is_abandoned() && request.reply(reply).is_ok()
}

fn steps(job: &Job) -> u32 {
    match job {
        Job::Run(steps, _) => *steps,
        Job::Stop { .. } => 0,
    }
}

#[test]
fn enum_with_one_reply_type_is_a_request() {
    let (run, ran) = Job::run(3);
    assert_eq!(steps(&run), 3);
    assert!(serve(run, true));
    assert_eq!(ran.recv(), Ok(true));
    let (stop, stopped) = Job::halt();
    drop(stopped);
    assert!(stop.is_abandoned());
    assert!(!serve(stop, true));
    let (run, ran) = Job::run(1);
    run.ack(false).unwrap();
    assert_eq!(ran.recv(), Ok(false));
}
