//! How a generated client's calls end when they cannot simply succeed:
//! backpressure on a full mailbox (blocking and async), timeouts that
//! expire while waiting for room and while waiting for the reply, the actor
//! gone at each stage, a dropped async call seen by the actor as
//! `is_abandoned()`, and requests handed back by `TryCallError`.

#![cfg(not(loom))]

mod actor_support;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use actor_support::{Kv, KvClient, Store, LONG};
use oneshot::{CallError, TryCallError};

/// Short enough to keep the suite fast, long enough to be observed.
const SHORT: Duration = Duration::from_millis(50);

/// Waits until `condition` holds, or fails the test after `LONG`.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + LONG;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// A bounded(1) mailbox whose actor (on a thread) is held inside a `Hold`
/// command and whose one slot is taken by a `Bump`: the next send must wait.
/// Sending to the returned gate lets the actor go on.
fn held_and_full() -> (KvClient, oneshot::Sender<()>, thread::JoinHandle<Store>) {
    let (client, mailbox) = KvClient::bounded(1);
    let actor = thread::spawn(move || mailbox.serve_blocking(Store::default()));
    let (open, gate) = oneshot::channel();
    let held = client.try_hold(gate).unwrap();
    wait_until("the actor took the Hold", || client.as_ref().is_empty());
    client.try_bump().unwrap();
    assert!(client.as_ref().is_full());
    drop(held);
    (client, open, actor)
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn backpressure_blocking() {
    let (client, open, actor) = held_and_full();
    let (done_tx, done) = mpsc::channel();
    let caller = {
        let client = client.clone();
        thread::spawn(move || {
            let result = client.set_blocking("k".to_owned(), 7);
            done_tx.send(()).unwrap();
            result
        })
    };
    // The caller waits for room, not failing and not getting through.
    assert_eq!(
        done.recv_timeout(SHORT),
        Err(mpsc::RecvTimeoutError::Timeout)
    );
    assert_eq!(client.as_ref().len(), 1);
    open.send(()).unwrap();
    assert_eq!(caller.join().unwrap(), Ok(()));
    assert_eq!(client.get_blocking("k".to_owned()), Ok(Some(7)));
    drop(client);
    assert_eq!(actor.join().unwrap().bumps, 1);
}

#[test]
#[cfg_attr(miri, ignore = "threads and tokio")]
fn backpressure_async() {
    let (client, open, actor) = held_and_full();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let call = tokio::spawn({
            let client = client.clone();
            async move { client.set("k".to_owned(), 8).await }
        });
        tokio::time::sleep(SHORT).await;
        assert!(!call.is_finished(), "a call got past a full mailbox");
        assert_eq!(client.as_ref().len(), 1);
        open.send(()).unwrap();
        assert_eq!(call.await.unwrap(), Ok(()));
        assert_eq!(client.get("k".to_owned()).await, Ok(Some(8)));
    });
    drop(client);
    assert_eq!(actor.join().unwrap().bumps, 1);
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn timeout_waiting_for_room() {
    let (client, open, actor) = held_and_full();
    let start = Instant::now();
    assert_eq!(
        client.get_timeout("k".to_owned(), SHORT),
        Err(CallError::Timeout)
    );
    assert_eq!(client.bump_timeout(SHORT), Err(CallError::Timeout));
    assert!(start.elapsed() >= 2 * SHORT);
    // Neither was enqueued: the one queued command is the first `Bump`.
    assert_eq!(client.as_ref().len(), 1);
    // The raw timed send hands the command back.
    let error = client.send_timeout(Kv::Bump, SHORT).unwrap_err();
    assert!(matches!(error.into_inner(), Kv::Bump));
    open.send(()).unwrap();
    drop(client);
    assert_eq!(actor.join().unwrap().bumps, 1);
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn timeout_waiting_for_the_reply() {
    // The actor takes the request and waits, by hand, until its caller has
    // given up: the caller's timeout left the request abandoned.
    let (client, mailbox) = KvClient::unbounded();
    let actor = thread::spawn(move || {
        let command = mailbox.recv().unwrap();
        assert!(matches!(command, Kv::Get { .. }));
        wait_until("the caller gave up", || command.is_abandoned());
        command.dispatch(&mut Store::default()); // the reply is dropped: no error
        mailbox
    });
    let start = Instant::now();
    assert_eq!(
        client.get_timeout("k".to_owned(), SHORT),
        Err(CallError::Timeout)
    );
    assert!(start.elapsed() >= SHORT);
    let _mailbox = actor.join().unwrap();

    // One deadline for both stages: a wait for room uses up part of it.
    let (client, open, actor) = held_and_full();
    let caller = {
        let client = client.clone();
        thread::spawn(move || {
            let start = Instant::now();
            let (_open, gate) = oneshot::channel();
            (client.hold_timeout(gate, 4 * SHORT), start.elapsed())
        })
    };
    thread::sleep(2 * SHORT);
    open.send(()).unwrap(); // room now, but the second Hold never opens
    let (result, elapsed) = caller.join().unwrap();
    assert_eq!(result, Err(CallError::Timeout));
    assert!(elapsed >= 4 * SHORT && elapsed < LONG, "{elapsed:?}");
    drop(client);
    actor.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "tokio")]
fn dropped_async_call_is_abandoned() {
    let (client, mailbox) = KvClient::unbounded();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Accepted, then dropped while waiting for the reply.
        let result = tokio::time::timeout(SHORT, client.get("k".to_owned())).await;
        assert!(result.is_err(), "the call should still be waiting");
        let command = mailbox.try_recv().unwrap();
        assert!(matches!(command, Kv::Get { .. }));
        assert!(command.is_abandoned());
    });

    // Dropped while waiting for room: nothing was sent.
    let (client, mailbox) = KvClient::bounded(1);
    client.try_bump().unwrap();
    runtime.block_on(async {
        let result = tokio::time::timeout(SHORT, client.get("k".to_owned())).await;
        assert!(result.is_err());
    });
    assert!(matches!(mailbox.try_recv(), Ok(Kv::Bump)));
    assert!(
        mailbox.try_recv().is_err(),
        "a cancelled call left a request"
    );
}

#[test]
#[cfg_attr(miri, ignore = "threads")]
fn actor_gone_before_the_call() {
    let (client, mailbox) = KvClient::bounded(4);
    drop(mailbox);
    assert_eq!(
        client.get_blocking("k".to_owned()),
        Err(CallError::Disconnected)
    );
    assert_eq!(
        client.set_timeout("k".to_owned(), 1, LONG),
        Err(CallError::Disconnected)
    );
    assert_eq!(client.bump_blocking(), Err(CallError::Disconnected));
    assert_eq!(client.bump_timeout(LONG), Err(CallError::Disconnected));
    use futures::executor::block_on;
    assert_eq!(
        block_on(client.get("k".to_owned())),
        Err(CallError::Disconnected)
    );
    assert_eq!(block_on(client.bump()), Err(CallError::Disconnected));
    match client.try_get("k".to_owned()) {
        Err(TryCallError::Disconnected((Kv::Get { key, .. }, _reply))) => assert_eq!(key, "k"),
        other => panic!("expected the request back, got {other:?}"),
    }
    assert!(matches!(
        client.try_bump(),
        Err(TryCallError::Disconnected(Kv::Bump))
    ));
    assert!(client.send_blocking(Kv::Bump).is_err());
    assert!(block_on(client.send(Kv::Bump)).is_err());
    assert!(client.try_send(Kv::Bump).is_err());

    // Closed by a client: the same for everyone.
    let (client, _mailbox) = KvClient::unbounded();
    assert!(client.as_ref().close());
    assert_eq!(
        client.get_blocking("k".to_owned()),
        Err(CallError::Disconnected)
    );
    assert!(client.try_bump().unwrap_err().is_disconnected());
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn actor_gone_while_waiting_for_room() {
    // Blocking: the last receiver goes while the caller waits for room.
    let (client, mailbox) = KvClient::bounded(1);
    client.try_bump().unwrap();
    let caller = {
        let client = client.clone();
        thread::spawn(move || client.get_blocking("k".to_owned()))
    };
    thread::sleep(SHORT);
    drop(mailbox);
    assert_eq!(caller.join().unwrap(), Err(CallError::Disconnected));

    // Async.
    let (client, mailbox) = KvClient::bounded(1);
    client.try_bump().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let call = tokio::spawn({
            let client = client.clone();
            async move { client.set("k".to_owned(), 1).await }
        });
        tokio::time::sleep(SHORT).await;
        drop(mailbox);
        assert_eq!(call.await.unwrap(), Err(CallError::Disconnected));
    });
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn actor_gone_while_the_request_is_queued() {
    // The request was accepted; the last receiver is dropped before anyone
    // takes it, which drops the queued request and its reply sender.
    for blocking in [true, false] {
        let (client, mailbox) = KvClient::unbounded();
        let caller = {
            let client = client.clone();
            thread::spawn(move || {
                if blocking {
                    client.get_blocking("k".to_owned())
                } else {
                    futures::executor::block_on(client.get("k".to_owned()))
                }
            })
        };
        wait_until("the request is queued", || mailbox.len() == 1);
        let start = Instant::now();
        drop(mailbox);
        assert_eq!(caller.join().unwrap(), Err(CallError::Disconnected));
        assert!(start.elapsed() < LONG);
    }
}

#[test]
#[cfg_attr(miri, ignore = "threads")]
fn actor_drops_the_request() {
    // Still serving: `Dropped`.
    let (client, mailbox) = KvClient::unbounded();
    let actor = thread::spawn(move || {
        let command = mailbox.recv().unwrap();
        drop(command);
        // Serves the rest normally.
        mailbox.serve_blocking(Store::default())
    });
    assert_eq!(client.get_blocking("k".to_owned()), Err(CallError::Dropped));
    assert_eq!(client.get_blocking("k".to_owned()), Ok(None));
    drop(client);
    actor.join().unwrap();

    // Exits first, then drops it: `Disconnected`.
    let (client, mailbox) = KvClient::unbounded();
    let actor = thread::spawn(move || {
        let command = mailbox.recv().unwrap();
        drop(mailbox);
        drop(command);
    });
    assert_eq!(
        client.get_timeout("k".to_owned(), LONG),
        Err(CallError::Disconnected)
    );
    actor.join().unwrap();

    // Takes it after a client closed the mailbox, and drops it: the actor is
    // going away, so `Disconnected`.
    let (client, mailbox) = KvClient::unbounded();
    let caller = {
        let client = client.clone();
        thread::spawn(move || futures::executor::block_on(client.get("k".to_owned())))
    };
    wait_until("the request is queued", || mailbox.len() == 1);
    client.as_ref().close();
    let command = mailbox.recv().unwrap(); // a closed mailbox still drains
    drop(command);
    assert_eq!(caller.join().unwrap(), Err(CallError::Disconnected));

    // A handler that panics: the request and the mailbox go with the
    // thread; the caller sees one of the two, never a hang.
    struct Panics;
    impl actor_support::KvHandler for Panics {
        fn get(&mut self, _: String) -> Option<u64> {
            panic!("the handler fails");
        }
        fn set(&mut self, _: String, _: u64) {}
        fn hold(&mut self, _: oneshot::Receiver<()>) -> u64 {
            0
        }
        fn bump(&mut self) {}
    }
    let (client, mailbox) = KvClient::unbounded();
    let actor = thread::spawn(move || mailbox.serve_blocking(Panics));
    let result = client.get_blocking("k".to_owned());
    assert!(
        matches!(result, Err(CallError::Dropped | CallError::Disconnected)),
        "{result:?}"
    );
    assert!(actor.join().is_err());
    assert_eq!(client.bump_blocking(), Err(CallError::Disconnected));
}

#[test]
#[cfg_attr(miri, ignore = "threads and real time")]
fn full_hands_the_request_back() {
    let (client, open, actor) = held_and_full();
    let (request, reply) = match client.try_get("k".to_owned()) {
        Err(TryCallError::Full(back)) => back,
        Ok(_) => panic!("a full mailbox took a request"),
        Err(TryCallError::Disconnected(_)) => panic!("the actor is there"),
    };
    assert!(matches!(&request, Kv::Get { key, .. } if key == "k"));
    assert!(!request.is_abandoned(), "its receiver came back with it");
    let command = match client.try_bump() {
        Err(error) if error.is_full() => error.into_inner(),
        other => panic!("expected Full, got {other:?}"),
    };
    let set = match client.try_set("k".to_owned(), 5) {
        Err(TryCallError::Full((request, reply))) => {
            // Dropping a handed-back pair is fine: nothing was sent.
            drop(reply);
            request
        }
        other => panic!("expected Full, got {other:?}"),
    };
    open.send(()).unwrap();
    // Re-sent with the raw sends, the requests are still answered.
    client.send_blocking(set).unwrap();
    client.send_blocking(request).unwrap();
    assert_eq!(
        reply.recv(),
        Ok(Some(5)),
        "the set ran first, though nobody waited for its reply"
    );
    client.send_blocking(command).unwrap();
    client.bump_blocking().unwrap();
    drop(client);
    let store = actor.join().unwrap();
    assert_eq!(store.bumps, 3);
    assert_eq!(store.map.get("k"), Some(&5));
}
