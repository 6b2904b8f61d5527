// `serve` is `Send` when the handler's futures are: the actor is spawned on
// a multi-threaded runtime, and so are its callers; a non-`Send` handler can
// still be served where `Send` is not needed (`block_on`, `spawn_local`).
#![deny(warnings)]

use std::rc::Rc;

#[oneshot::oneshot_reply(client)]
pub enum Echo {
    #[reply(String)]
    Say(String),
}

struct Sendable;

impl EchoAsyncHandler for Sendable {
    async fn say(&mut self, _0: String) -> String {
        tokio::task::yield_now().await;
        _0
    }
}

struct NotSend(Rc<()>);

impl EchoAsyncHandler for NotSend {
    async fn say(&mut self, _0: String) -> String {
        let _keep = Rc::clone(&self.0);
        tokio::task::yield_now().await;
        _0
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, mailbox) = EchoClient::bounded(1);
        let actor = tokio::spawn(mailbox.serve(Sendable));
        let caller = {
            let client = client.clone();
            tokio::spawn(async move { client.say("spawned".to_owned()).await })
        };
        assert_eq!(caller.await.unwrap(), Ok("spawned".to_owned()));
        drop(client);
        actor.await.unwrap();

        let (client, mailbox) = EchoClient::bounded(1);
        let serve = mailbox.serve(NotSend(Rc::new(())));
        let call = async move {
            let reply = client.say("local".to_owned()).await;
            drop(client);
            reply
        };
        let (_, reply) = tokio::join!(serve, call);
        assert_eq!(reply, Ok("local".to_owned()));
    });
}
