//! The channel on real tokio runtimes, current-thread and multi-thread:
//! threads answering tasks, tasks answering threads, `select!`, panics,
//! and switching between awaiting and blocking.
#![cfg(not(loom))]

use std::future::Future;
use std::thread;
use std::time::Duration;

use oneshot::{RecvError, RecvTimeoutError};
use oneshot_tests::{poll_once, CountingWaker, DropCounter};
use tokio::runtime::{Builder, Runtime};

/// Long enough that the other side usually acts while this one waits;
/// never used to assert a duration.
const SETTLE: Duration = Duration::from_millis(20);

/// Both runtime flavours, each with timers enabled.
fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// Runs `scenario` to completion on each runtime flavour.
fn on_each_runtime<F: Future<Output = ()>>(scenario: impl Fn(&'static str) -> F) {
    for (flavour, runtime) in runtimes() {
        runtime.block_on(scenario(flavour));
    }
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn thread_sends_task_awaits() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel();
        let worker = thread::spawn(move || sender.send(format!("hello {flavour}")).unwrap());
        assert_eq!(receiver.await, Ok(format!("hello {flavour}")), "{flavour}");
        worker.join().unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime and sleeps")]
fn thread_sends_late_to_a_spawned_task() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel();
        let task = tokio::spawn(receiver);
        let worker = thread::spawn(move || {
            thread::sleep(SETTLE);
            sender.send(7).unwrap();
        });
        assert_eq!(task.await.unwrap(), Ok(7), "{flavour}");
        worker.join().unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn task_sends_blocking_thread_receives() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel();
        let blocked = tokio::task::spawn_blocking(move || receiver.recv());
        tokio::time::sleep(SETTLE).await;
        tokio::spawn(async move { sender.send(11).unwrap() })
            .await
            .unwrap();
        assert_eq!(blocked.await.unwrap(), Ok(11), "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn task_sends_to_a_plain_thread() {
    for (flavour, runtime) in runtimes() {
        let (sender, receiver) = oneshot::channel();
        let reader = thread::spawn(move || receiver.recv_timeout(Duration::from_secs(60)));
        runtime.block_on(async move {
            tokio::time::sleep(SETTLE).await;
            sender.send(flavour).unwrap();
        });
        assert_eq!(reader.join().unwrap(), Ok(flavour));
    }
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn task_drops_sender_while_a_thread_blocks() {
    for (flavour, runtime) in runtimes() {
        let (sender, receiver) = oneshot::channel::<u8>();
        let reader = thread::spawn(move || receiver.recv());
        runtime.block_on(async move {
            tokio::time::sleep(SETTLE).await;
            drop(sender);
        });
        assert_eq!(reader.join().unwrap(), Err(RecvError), "{flavour}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn sender_dropped_while_a_task_awaits() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel::<u8>();
        let task = tokio::spawn(receiver);
        tokio::time::sleep(SETTLE).await;
        drop(sender);
        assert_eq!(task.await.unwrap(), Err(RecvError), "{flavour}");

        // And from a plain thread.
        let (sender, receiver) = oneshot::channel::<u8>();
        let worker = thread::spawn(move || {
            thread::sleep(SETTLE);
            drop(sender);
        });
        assert_eq!(receiver.await, Err(RecvError), "{flavour}");
        worker.join().unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn sender_thread_panics_while_a_task_awaits() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel::<u8>();
        let worker = thread::spawn(move || {
            let _sender = sender;
            thread::sleep(SETTLE);
            panic!("the worker fails before answering (expected by this test)");
        });
        assert_eq!(receiver.await, Err(RecvError), "{flavour}");
        assert!(worker.join().is_err());
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn sender_task_panics_while_a_task_awaits() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel::<u8>();
        let failing = tokio::spawn(async move {
            let _sender = sender;
            tokio::time::sleep(SETTLE).await;
            panic!("the task fails before answering (expected by this test)");
        });
        assert_eq!(receiver.await, Err(RecvError), "{flavour}");
        assert!(failing.await.unwrap_err().is_panic());
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn select_drops_a_polled_receiver_and_the_send_fails() {
    on_each_runtime(|flavour| async move {
        let drops = DropCounter::new();
        let (sender, receiver) = oneshot::channel();
        let other_branch_won = tokio::select! {
            biased;
            // Polled first (Pending, waker stored), then dropped by select.
            _ = receiver => false,
            () = std::future::ready(()) => true,
        };
        assert!(other_branch_won, "{flavour}");
        assert!(sender.is_closed(), "{flavour}: select dropped the receiver");
        let error = sender.send(drops.track(1)).unwrap_err();
        assert_eq!(*error.into_inner().payload(), 1);
        assert_eq!((drops.alive(), drops.dropped()), (0, 1), "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn timeout_drops_the_receiver_and_the_send_fails() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel::<u8>();
        assert!(tokio::time::timeout(Duration::from_millis(1), receiver)
            .await
            .is_err());
        assert_eq!(sender.send(2).unwrap_err().into_inner(), 2, "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn select_dropping_receivers_races_senders_without_losing_drops() {
    on_each_runtime(|flavour| async move {
        let drops = DropCounter::new();
        for round in 0..200 {
            let (sender, receiver) = oneshot::channel();
            let message = drops.track(round);
            let worker = thread::spawn(move || drop(sender.send(message)));
            tokio::select! {
                result = receiver => assert_eq!(*result.unwrap().payload(), round),
                () = tokio::task::yield_now() => {}
            }
            tokio::task::spawn_blocking(move || worker.join().unwrap())
                .await
                .unwrap();
            assert_eq!(drops.alive(), 0, "{flavour}, round {round}");
        }
        assert_eq!(drops.dropped(), 200);
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn select_on_a_mut_receiver_keeps_the_message() {
    // Cancel safety: the losing branch polls `&mut receiver` many times; the
    // message is never taken by a poll that returned Pending.
    on_each_runtime(|flavour| async move {
        let (sender, mut receiver) = oneshot::channel();
        let mut sender = Some(sender);
        let mut ticks = 0;
        let got = loop {
            tokio::select! {
                result = &mut receiver => break result,
                () = tokio::time::sleep(Duration::from_millis(1)) => {
                    ticks += 1;
                    if ticks == 3 {
                        sender.take().unwrap().send(ticks).unwrap();
                    }
                }
            }
        };
        assert_eq!(got, Ok(3), "{flavour}");
        assert!(receiver.is_terminated());
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn poll_after_ready_is_err_and_terminated() {
    on_each_runtime(|flavour| async move {
        let (sender, mut receiver) = oneshot::channel();
        tokio::spawn(async move { sender.send(4).unwrap() });
        assert_eq!((&mut receiver).await, Ok(4), "{flavour}");
        assert!(receiver.is_terminated());
        assert_eq!((&mut receiver).await, Err(RecvError), "{flavour}");
        assert_eq!(receiver.await, Err(RecvError), "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn only_the_latest_waker_is_woken() {
    on_each_runtime(|flavour| async move {
        let (sender, mut receiver) = oneshot::channel();
        let stale = CountingWaker::new();
        assert!(poll_once(&mut receiver, &stale.waker()).is_pending());
        // Awaiting on the runtime replaces the stale waker with the task's.
        let task = tokio::spawn(receiver);
        tokio::time::sleep(SETTLE).await;
        let worker = thread::spawn(move || sender.send(5).unwrap());
        assert_eq!(task.await.unwrap(), Ok(5), "{flavour}");
        worker.join().unwrap();
        assert_eq!(stale.wakes(), 0, "{flavour}: the replaced waker was woken");
        assert_eq!(stale.live(), 0, "{flavour}: the replaced waker leaked");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn receiver_moves_between_tasks() {
    on_each_runtime(|flavour| async move {
        let (sender, mut receiver) = oneshot::channel();
        // The first task gives up after one timeout and hands it on.
        let first = tokio::spawn(async move {
            let waited = tokio::time::timeout(Duration::from_millis(1), &mut receiver).await;
            (waited.is_err(), receiver)
        });
        let (timed_out, receiver) = first.await.unwrap();
        assert!(timed_out, "{flavour}");
        let second = tokio::spawn(receiver);
        tokio::task::yield_now().await;
        sender.send("second").unwrap();
        assert_eq!(second.await.unwrap(), Ok("second"), "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn awaited_then_blocking_receive_on_the_blocking_pool() {
    on_each_runtime(|flavour| async move {
        let (sender, mut receiver) = oneshot::channel();
        assert!(
            tokio::time::timeout(Duration::from_millis(1), &mut receiver)
                .await
                .is_err()
        );
        let blocked = tokio::task::spawn_blocking(move || {
            assert_eq!(
                receiver.recv_timeout(Duration::ZERO),
                Err(RecvTimeoutError::Timeout)
            );
            receiver.recv()
        });
        tokio::time::sleep(SETTLE).await;
        sender.send(6).unwrap();
        assert_eq!(blocked.await.unwrap(), Ok(6), "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn timed_out_on_a_thread_then_awaited_on_the_runtime() {
    on_each_runtime(|flavour| async move {
        let (sender, receiver) = oneshot::channel();
        let receiver = tokio::task::spawn_blocking(move || {
            assert_eq!(
                receiver.recv_timeout(Duration::from_millis(1)),
                Err(RecvTimeoutError::Timeout)
            );
            receiver
        })
        .await
        .unwrap();
        let worker = thread::spawn(move || {
            thread::sleep(SETTLE);
            sender.send(8).unwrap();
        });
        assert_eq!(receiver.await, Ok(8), "{flavour}");
        worker.join().unwrap();
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn closed_stops_a_worker_task_when_the_receiver_goes() {
    on_each_runtime(|flavour| async move {
        let (mut sender, receiver) = oneshot::channel::<u64>();
        let worker = tokio::spawn(async move {
            tokio::select! {
                () = sender.closed() => "stopped",
                () = tokio::time::sleep(Duration::from_secs(60)) => "worked on",
            }
        });
        tokio::time::sleep(SETTLE).await;
        drop(receiver);
        assert_eq!(worker.await.unwrap(), "stopped", "{flavour}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn closed_completes_when_a_thread_closes_the_receiver() {
    on_each_runtime(|flavour| async move {
        let (mut sender, mut receiver) = oneshot::channel::<u64>();
        let worker = thread::spawn(move || {
            thread::sleep(SETTLE);
            receiver.close();
            receiver
        });
        sender.closed().await;
        assert_eq!(sender.send(1).unwrap_err().into_inner(), 1, "{flavour}");
        drop(worker.join().unwrap());
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn many_request_reply_round_trips() {
    on_each_runtime(|flavour| async move {
        let mut tasks = Vec::new();
        for i in 0..500_u64 {
            let (sender, receiver) = oneshot::channel();
            if i % 2 == 0 {
                tokio::spawn(async move { sender.send(i).unwrap() });
            } else {
                tokio::task::spawn_blocking(move || sender.send(i).unwrap());
            }
            tasks.push(tokio::spawn(async move { (i, receiver.await) }));
        }
        for task in tasks {
            let (i, result) = task.await.unwrap();
            assert_eq!(result, Ok(i), "{flavour}");
        }
    });
}

#[test]
#[cfg_attr(miri, ignore = "tokio runtime")]
fn pending_poll_future_drop_then_send_on_runtime() {
    // A receiver future polled on the runtime and dropped with the task
    // (abort) while a thread sends.
    on_each_runtime(|flavour| async move {
        let drops = DropCounter::new();
        for round in 0..100 {
            let (sender, receiver) = oneshot::channel();
            let task = tokio::spawn(receiver);
            tokio::task::yield_now().await;
            let message = drops.track(round);
            let worker = thread::spawn(move || drop(sender.send(message)));
            task.abort();
            match task.await {
                Ok(result) => drop(result.unwrap()),
                Err(error) => assert!(error.is_cancelled()),
            }
            tokio::task::spawn_blocking(move || worker.join().unwrap())
                .await
                .unwrap();
            assert_eq!(drops.alive(), 0, "{flavour}, round {round}");
        }
    });
}
