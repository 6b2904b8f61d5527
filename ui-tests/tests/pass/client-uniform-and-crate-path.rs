// The client with one reply type for every variant (`#[oneshot_reply(T,
// client)]`), through another crate's re-export of `oneshot` (`crate =`),
// and an actor whose commands expect no reply at all.
#![deny(warnings)]

use oneshot_ui_tests::oneshot as reexported;

#[reexported::oneshot_reply(u64, client, crate = oneshot_ui_tests::oneshot)]
pub enum Op {
    Add(u64, u64),
    #[reply(constructor = negate_of)]
    Neg(u64),
}

struct Alu;

impl OpHandler for Alu {
    fn add(&mut self, _0: u64, _1: u64) -> u64 {
        _0 + _1
    }
    fn negate_of(&mut self, _0: u64) -> u64 {
        _0.wrapping_neg()
    }
}

impl OpAsyncHandler for Alu {
    async fn add(&mut self, _0: u64, _1: u64) -> u64 {
        _0 + _1
    }
    async fn negate_of(&mut self, _0: u64) -> u64 {
        _0.wrapping_neg()
    }
}

/// Fire-and-forget only: the log actor never answers.
#[reexported::oneshot_reply(client, crate = ::oneshot_ui_tests::oneshot)]
pub enum Log {
    Line(String),
    Flush,
}

#[derive(Default)]
struct Lines(Vec<String>, u32);

impl LogHandler for Lines {
    fn line(&mut self, _0: String) {
        self.0.push(_0);
    }
    fn flush(&mut self) {
        self.1 += 1;
    }
}

impl LogAsyncHandler for Lines {
    async fn line(&mut self, _0: String) {
        self.0.push(_0);
    }
    async fn flush(&mut self) {
        self.1 += 1;
    }
}

fn main() {
    let (client, mailbox) = OpClient::unbounded();
    let actor = std::thread::spawn(move || mailbox.serve_blocking(Alu));
    assert_eq!(client.add_blocking(2, 3), Ok(5));
    assert_eq!(client.negate_of_blocking(1), Ok(u64::MAX));
    // The enum-level reply method still exists.
    let (request, reply) = Op::add(1, 1);
    request.reply(7).unwrap();
    assert_eq!(reply.recv(), Ok(7));
    drop(client);
    actor.join().unwrap();

    let (log, mailbox) = LogClient::bounded(4);
    log.line_blocking("one".to_owned()).unwrap();
    log.try_line("two".to_owned()).unwrap();
    log.flush_blocking().unwrap();
    drop(log);
    let lines = mailbox.serve_blocking(Lines::default());
    assert_eq!(lines.0, ["one", "two"]);
    assert_eq!(lines.1, 1);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, mailbox) = OpClient::bounded(1);
        let actor = tokio::spawn(mailbox.serve(Alu));
        assert_eq!(client.add(4, 4).await, Ok(8));
        drop(client);
        actor.await.unwrap();
        let (log, mailbox) = LogClient::unbounded();
        log.line("three".to_owned()).await.unwrap();
        log.flush().await.unwrap();
        drop(log);
        let lines = mailbox.serve(Lines::default()).await;
        assert_eq!((lines.0.len(), lines.1), (1, 1));
    });
}
