//! Every method of a generated client (`#[oneshot_reply(client)]`) in every
//! direction: thread → thread, task → task on tokio's current-thread and
//! multi-thread runtimes, thread → task and task → thread, with the actor
//! served by `serve_blocking` or `serve`.

#![cfg(not(loom))]

mod actor_support;

use std::thread;

use actor_support::{Kv, KvClient, KvMailbox, Store, LONG};
use oneshot::TryCallError;

/// Every blocking, timed and `try_` method of the client once, from a
/// thread, with the checks that the store's state implies. Returns the
/// number of bumps it sent.
fn exercise_blocking(client: &KvClient, tag: &str) -> u64 {
    let key = |k: &str| format!("{tag}/{k}");
    assert_eq!(client.get_blocking(key("a")), Ok(None));
    assert_eq!(client.set_blocking(key("a"), 1), Ok(()));
    assert_eq!(client.get_blocking(key("a")), Ok(Some(1)));
    assert_eq!(client.set_timeout(key("b"), 2, LONG), Ok(()));
    assert_eq!(client.get_timeout(key("b"), LONG), Ok(Some(2)));
    let (open, gate) = oneshot::channel();
    open.send(()).unwrap();
    assert!(client.hold_blocking(gate).is_ok());
    let (open, gate) = oneshot::channel();
    open.send(()).unwrap();
    assert!(client.hold_timeout(gate, LONG).is_ok());
    assert_eq!(client.bump_blocking(), Ok(()));
    assert_eq!(client.bump_timeout(LONG), Ok(()));
    // A `try_` call that finds no room (a rendezvous mailbox whose actor
    // is a task never has room for one) hands the request back with its
    // receiver: it is sent again with a raw send and still answered.
    let reply = match client.try_get(key("b")) {
        Ok(reply) => reply,
        Err(TryCallError::Full((request, reply))) => {
            client.send_blocking(request).unwrap();
            reply
        }
        Err(TryCallError::Disconnected(_)) => unreachable!("the actor is there"),
    };
    assert_eq!(reply.recv(), Ok(Some(2)));
    let reply = match client.try_set(key("c"), 3) {
        Ok(reply) => reply,
        Err(error) => {
            let (request, reply) = error.into_inner();
            client.send_timeout(request, LONG).unwrap();
            reply
        }
    };
    assert_eq!(reply.recv(), Ok(()));
    let (open, gate) = oneshot::channel();
    open.send(()).unwrap();
    let reply = match client.try_hold(gate) {
        Ok(reply) => reply,
        Err(error) => {
            assert!(error.is_full());
            let (request, reply) = error.into_inner();
            client.send_blocking(request).unwrap();
            reply
        }
    };
    assert!(reply.recv().is_ok());
    if let Err(error) = client.try_bump() {
        client.send_blocking(error.into_inner()).unwrap();
    }
    // The raw sends, with requests made by the enum's constructors.
    let (request, reply) = Kv::get(key("c"));
    client.send_blocking(request).unwrap();
    assert_eq!(reply.recv(), Ok(Some(3)));
    let (request, reply) = Kv::get(key("a"));
    client.send_timeout(request, LONG).unwrap();
    assert_eq!(reply.recv(), Ok(Some(1)));
    if let Err(error) = client.try_send(Kv::Bump) {
        client.send_blocking(error.into_inner()).unwrap();
    }
    4
}

/// Every async and `try_` method of the client once, from a task.
async fn exercise_async(client: &KvClient, tag: &str) -> u64 {
    let key = |k: &str| format!("{tag}/{k}");
    assert_eq!(client.get(key("a")).await, Ok(None));
    assert_eq!(client.set(key("a"), 1).await, Ok(()));
    assert_eq!(client.get(key("a")).await, Ok(Some(1)));
    let (open, gate) = oneshot::channel();
    open.send(()).unwrap();
    assert!(client.hold(gate).await.is_ok());
    assert_eq!(client.bump().await, Ok(()));
    let reply = match client.try_get(key("a")) {
        Ok(reply) => reply,
        Err(TryCallError::Full((request, reply))) => {
            client.send(request).await.unwrap();
            reply
        }
        Err(TryCallError::Disconnected(_)) => unreachable!("the actor is there"),
    };
    assert_eq!(reply.await, Ok(Some(1)));
    if let Err(error) = client.try_bump() {
        client.send(error.into_inner()).await.unwrap();
    }
    let (request, reply) = Kv::get(key("a"));
    client.send(request).await.unwrap();
    assert_eq!(reply.await, Ok(Some(1)));
    client.send(Kv::Bump).await.unwrap();
    3
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// The mailboxes every direction is run on: unbounded, roomy, tight, and a
/// rendezvous.
fn mailboxes() -> Vec<(&'static str, KvClient, KvMailbox)> {
    let mut all = Vec::new();
    let (client, mailbox) = KvClient::unbounded();
    all.push(("unbounded", client, mailbox));
    for (name, capacity) in [("bounded(16)", 16), ("bounded(1)", 1), ("bounded(0)", 0)] {
        let (client, mailbox) = KvClient::bounded(capacity);
        all.push((name, client, mailbox));
    }
    all
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn thread_to_thread() {
    for (name, client, mailbox) in mailboxes() {
        let actor = thread::spawn(move || mailbox.serve_blocking(Store::default()));
        let callers: Vec<_> = (0..3)
            .map(|i| {
                let client = client.clone();
                thread::spawn(move || {
                    let mut bumps = exercise_blocking(&client, &format!("{name}/{i}"));
                    // The async methods work from a thread too, on any executor.
                    bumps += futures::executor::block_on(exercise_async(
                        &client,
                        &format!("{name}/async{i}"),
                    ));
                    bumps
                })
            })
            .collect();
        let bumps: u64 = callers.into_iter().map(|c| c.join().unwrap()).sum();
        drop(client);
        let store = actor.join().unwrap();
        assert_eq!(store.bumps, bumps, "{name}");
    }
}

fn task_to_task(runtime: &tokio::runtime::Runtime) {
    for (name, client, mailbox) in mailboxes() {
        runtime.block_on(async move {
            let actor = tokio::spawn(mailbox.serve(Store::default()));
            let callers: Vec<_> = (0..3)
                .map(|i| {
                    let client = client.clone();
                    tokio::spawn(
                        async move { exercise_async(&client, &format!("{name}/{i}")).await },
                    )
                })
                .collect();
            let mut bumps = 0;
            for caller in callers {
                bumps += caller.await.unwrap();
            }
            drop(client);
            let store = actor.await.unwrap();
            assert_eq!(store.bumps, bumps, "{name}");
        });
    }
}

#[test]
#[cfg_attr(miri, ignore = "tokio")]
fn task_to_task_current_thread() {
    task_to_task(&current_thread());
}

#[test]
#[cfg_attr(miri, ignore = "tokio")]
fn task_to_task_multi_thread() {
    task_to_task(&multi_thread());
}

#[test]
#[cfg_attr(miri, ignore = "threads and tokio")]
fn thread_to_task() {
    for make_runtime in [current_thread, multi_thread] {
        for (name, client, mailbox) in mailboxes() {
            // The actor is a task, on a runtime driven by a thread of its own.
            let actor = thread::spawn(move || {
                make_runtime().block_on(async move {
                    tokio::spawn(mailbox.serve(Store::default())).await.unwrap()
                })
            });
            let bumps = thread::scope(|scope| {
                let callers: Vec<_> = (0..3)
                    .map(|i| {
                        let client = &client;
                        scope.spawn(move || exercise_blocking(client, &format!("{name}/{i}")))
                    })
                    .collect();
                callers.into_iter().map(|c| c.join().unwrap()).sum::<u64>()
            });
            drop(client);
            assert_eq!(actor.join().unwrap().bumps, bumps, "{name}");
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "threads and tokio")]
fn task_to_thread() {
    for make_runtime in [current_thread, multi_thread] {
        for (name, client, mailbox) in mailboxes() {
            let actor = thread::spawn(move || mailbox.serve_blocking(Store::default()));
            let bumps = make_runtime().block_on(async {
                let callers: Vec<_> = (0..3)
                    .map(|i| {
                        let client = client.clone();
                        tokio::spawn(async move {
                            exercise_async(&client, &format!("{name}/{i}")).await
                        })
                    })
                    .collect();
                let mut bumps = 0;
                for caller in callers {
                    bumps += caller.await.unwrap();
                }
                bumps
            });
            drop(client);
            let store = actor.join().unwrap();
            assert_eq!(store.bumps, bumps, "{name}");
        }
    }
}

/// The blocking methods inside an async runtime block the worker thread,
/// as documented, and do not panic (tokio's own blocking calls would).
#[test]
#[cfg_attr(miri, ignore = "threads and tokio")]
fn blocking_methods_inside_a_runtime() {
    let (client, mailbox) = KvClient::bounded(1);
    let actor = thread::spawn(move || mailbox.serve_blocking(Store::default()));
    let bumps = multi_thread().block_on(async {
        let client = client.clone();
        tokio::spawn(async move { exercise_blocking(&client, "in-runtime") })
            .await
            .unwrap()
    });
    drop(client);
    assert_eq!(actor.join().unwrap().bumps, bumps);
}
