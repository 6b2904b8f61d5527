// `#[oneshot_reply(client)]` on the command enum: every generated
// item used once (client, mailbox, both handler traits, dispatch, the raw
// sends, each variant's four methods), from a thread and from a task.
#![deny(warnings)]

use std::collections::HashMap;
use std::thread;
use std::time::Duration;

use oneshot::{oneshot_reply, CallError, TryCallError};

#[oneshot_reply(client)]
#[derive(Debug)]
pub enum Command {
    /// Reads a key.
    #[reply(Option<u64>)]
    Get { key: String },
    /// Writes a key.
    #[reply(())]
    Set { key: String, value: u64 },
    /// Stops nothing: a command without a reply.
    Shutdown,
}

#[derive(Default)]
struct Store {
    map: HashMap<String, u64>,
    shutdowns: u32,
}

impl CommandHandler for Store {
    fn get(&mut self, key: String) -> Option<u64> {
        self.map.get(&key).copied()
    }
    fn set(&mut self, key: String, value: u64) {
        self.map.insert(key, value);
    }
    fn shutdown(&mut self) {
        self.shutdowns += 1;
    }
}

impl CommandAsyncHandler for Store {
    async fn get(&mut self, key: String) -> Option<u64> {
        CommandHandler::get(self, key)
    }
    async fn set(&mut self, key: String, value: u64) {
        CommandHandler::set(self, key, value);
    }
    async fn shutdown(&mut self) {
        CommandHandler::shutdown(self);
    }
}

fn assert_send_sync<T: Send + Sync>(_: &T) {}
fn assert_send<T: Send>(_: &T) {}

fn main() {
    // On a thread, called from this thread.
    let (client, mailbox): (CommandClient, CommandMailbox) = CommandClient::bounded(2);
    assert_send_sync(&client);
    assert_send_sync(&mailbox);
    assert!(format!("{client:?}").starts_with("CommandClient"));
    assert!(format!("{mailbox:?}").starts_with("CommandMailbox"));
    let actor = thread::spawn(move || mailbox.serve_blocking(Store::default()));
    assert_eq!(client.set_blocking("a".to_owned(), 1), Ok(()));
    assert_eq!(client.get_blocking("a".to_owned()), Ok(Some(1)));
    assert_eq!(
        client.get_timeout("b".to_owned(), Duration::from_secs(5)),
        Ok(None)
    );
    assert_eq!(
        client.set_timeout("b".to_owned(), 2, Duration::from_secs(5)),
        Ok(())
    );
    assert_eq!(client.shutdown_blocking(), Ok(()));
    assert_eq!(client.shutdown_timeout(Duration::from_secs(5)), Ok(()));
    let reply = loop {
        match client.try_get("b".to_owned()) {
            Ok(reply) => break reply,
            Err(TryCallError::Full((_request, _reply))) => thread::yield_now(),
            Err(TryCallError::Disconnected(_)) => unreachable!(),
        }
    };
    assert_eq!(reply.recv(), Ok(Some(2)));
    while client.try_set("c".to_owned(), 3).is_err() {
        thread::yield_now();
    }
    while client.try_shutdown().is_err() {
        thread::yield_now();
    }
    let (request, reply) = Command::get("c".to_owned());
    client.send_blocking(request).unwrap();
    assert_eq!(reply.recv(), Ok(Some(3)));
    let (request, reply) = Command::get("c".to_owned());
    client
        .send_timeout(request, Duration::from_secs(5))
        .unwrap();
    assert_eq!(reply.recv(), Ok(Some(3)));
    let (request, reply) = Command::get("c".to_owned());
    if let Err(error) = client.try_send(request) {
        // The request comes back, reply sender included.
        client.send_blocking(error.into_inner()).unwrap();
    }
    assert_eq!(reply.recv(), Ok(Some(3)));
    let sender = client.into_inner();
    drop(sender);
    let store = actor.join().unwrap();
    assert_eq!(store.shutdowns, 3);

    // In a task, on a tokio runtime; the mailbox from raw `mpmc` handles.
    let (sender, receiver) = oneshot::mpmc::unbounded::<Command>();
    let client = CommandClient::from(sender);
    let mailbox = CommandMailbox::from(receiver);
    assert!(client.as_ref().same_channel(&client.clone().into_inner()));
    assert_eq!(mailbox.as_ref().receiver_count(), 1);
    assert!(mailbox.is_empty()); // through `Deref` to the receiver
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = runtime.block_on(async move {
        let serve = mailbox.clone().serve(Store::default());
        assert_send(&serve);
        let actor = tokio::spawn(serve);
        let call = client.get("x".to_owned());
        assert_send(&call);
        assert_eq!(call.await, Ok(None));
        assert_eq!(client.set("x".to_owned(), 9).await, Ok(()));
        assert_eq!(client.get("x".to_owned()).await, Ok(Some(9)));
        assert_eq!(client.shutdown().await, Ok(()));
        let (request, reply) = Command::get("x".to_owned());
        client.send(request).await.unwrap();
        assert_eq!(reply.await, Ok(Some(9)));
        // One command dispatched by hand, from the mailbox kept here.
        let (request, reply) = Command::get("x".to_owned());
        client.send(request).await.unwrap();
        let mut other = Store::default();
        mailbox
            .into_inner()
            .recv_async()
            .await
            .unwrap()
            .dispatch_async(&mut other)
            .await;
        assert_eq!(reply.await, Ok(None));
        drop(client);
        actor.await.unwrap()
    });
    assert_eq!(store.shutdowns, 1);

    // `dispatch` alone, and a handler behind `dyn`.
    let mut store = Store::default();
    let handler: &mut dyn CommandHandler = &mut store;
    let (request, reply) = Command::set("k".to_owned(), 4);
    request.dispatch(handler);
    assert_eq!(reply.recv(), Ok(()));
    let (request, reply) = Command::get("k".to_owned());
    drop(reply); // nobody waits: the method still runs, no error
    assert!(request.is_abandoned());
    request.dispatch(&mut store);
    Command::Shutdown.dispatch(&mut store);
    assert_eq!(store.shutdowns, 1);

    // Every client gone before the call.
    let (client, mailbox) = CommandClient::unbounded();
    drop(mailbox);
    assert_eq!(
        client.get_blocking("a".to_owned()),
        Err(CallError::Disconnected)
    );
}
