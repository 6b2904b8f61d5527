//! `mpmc` under real executors: tokio's current-thread and multi-thread
//! runtimes, the minimal hand-written executor of `tests/src/executor.rs`,
//! and std threads, all on one channel at once; blocking calls made from
//! inside a runtime (no panics, no `blocking_*` restrictions).

#![cfg(not(loom))]

use std::thread;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use mpmc::{Receiver, RecvError, Sender};
use oneshot_tests::{block_on, join_within, Ledger, LedgerMsg, Watchdog, HANG_LIMIT};

fn channel<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(cap) => mpmc::bounded(cap),
        None => mpmc::unbounded(),
    }
}

const CAPS: [Option<usize>; 4] = [Some(0), Some(1), Some(8), None];

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Checks that the ids each receiver got, together, are `0..n` once each.
fn assert_all_once(mut all: Vec<usize>, n: usize, what: &str) {
    all.sort_unstable();
    let dup = all.windows(2).find(|w| w[0] == w[1]);
    assert!(dup.is_none(), "{what}: delivered twice: {dup:?}");
    assert_eq!(all.len(), n, "{what}: {} of {n} delivered", all.len());
    assert_eq!(all, (0..n).collect::<Vec<_>>(), "{what}");
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn tokio_current_thread_many_tasks() {
    let _watchdog = Watchdog::new("tokio_current_thread_many_tasks", HANG_LIMIT);
    let rt = current_thread();
    for cap in CAPS {
        let per = 500;
        let ledger = Ledger::new(4 * per);
        let got = rt.block_on(async {
            let (tx, rx) = channel::<LedgerMsg>(cap);
            let mut senders = Vec::new();
            for s in 0..4 {
                let (tx, ledger) = (tx.clone(), ledger.clone());
                senders.push(tokio::spawn(async move {
                    for i in 0..per {
                        tx.send_async(ledger.msg(s * per + i)).await.unwrap();
                        if i % 7 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                }));
            }
            drop(tx);
            let mut receivers = Vec::new();
            for _ in 0..3 {
                let rx = rx.clone();
                receivers.push(tokio::spawn(async move {
                    let mut ids = Vec::new();
                    while let Ok(m) = rx.recv_async().await {
                        ids.push(m.id());
                    }
                    ids
                }));
            }
            drop(rx);
            for s in senders {
                s.await.unwrap();
            }
            let mut all = Vec::new();
            for r in receivers {
                all.extend(r.await.unwrap());
            }
            all
        });
        assert_all_once(got, 4 * per, &format!("current-thread {cap:?}"));
        ledger.assert_first_dropped_once(4 * per);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn tokio_multi_thread_tasks_threads_and_the_minimal_executor_together() {
    let _watchdog = Watchdog::new("tokio_multi_thread_mix", HANG_LIMIT);
    let rt = multi_thread();
    for cap in CAPS {
        let per = 1000;
        let producers = 6;
        let ledger = Ledger::new(producers * per);
        let (tx, rx) = channel::<LedgerMsg>(cap);
        let mut std_threads = Vec::new();
        let mut tasks = Vec::new();
        for p in 0..producers {
            let (tx, ledger) = (tx.clone(), ledger.clone());
            let ids = (p * per)..((p + 1) * per);
            match p % 3 {
                // A tokio task.
                0 => tasks.push(rt.spawn(async move {
                    for id in ids {
                        tx.send_async(ledger.msg(id)).await.unwrap();
                    }
                })),
                // A std thread, blocking.
                1 => std_threads.push(thread::spawn(move || {
                    for id in ids {
                        tx.send(ledger.msg(id)).unwrap();
                    }
                })),
                // A std thread running the minimal executor, through the Sink.
                _ => std_threads.push(thread::spawn(move || {
                    block_on(async move {
                        let mut sink = std::pin::pin!(tx.sink());
                        for id in ids {
                            sink.send(ledger.msg(id)).await.unwrap();
                        }
                    });
                })),
            }
        }
        drop(tx);
        let mut receivers: Vec<thread::JoinHandle<Vec<usize>>> = Vec::new();
        let mut receiver_tasks = Vec::new();
        for r in 0..4 {
            let rx = rx.clone();
            match r {
                0 => receiver_tasks.push(rt.spawn(async move {
                    let mut ids = Vec::new();
                    while let Ok(m) = rx.recv_async().await {
                        ids.push(m.id());
                    }
                    ids
                })),
                1 => receiver_tasks.push(rt.spawn(async move {
                    let mut stream = std::pin::pin!(rx.stream());
                    let mut ids = Vec::new();
                    while let Some(m) = stream.next().await {
                        ids.push(m.id());
                    }
                    ids
                })),
                2 => receivers.push(thread::spawn(move || rx.iter().map(|m| m.id()).collect())),
                _ => receivers.push(thread::spawn(move || {
                    block_on(async move {
                        let mut ids = Vec::new();
                        while let Ok(m) = rx.recv_async().await {
                            ids.push(m.id());
                        }
                        ids
                    })
                })),
            }
        }
        drop(rx);
        for t in std_threads {
            join_within(t, HANG_LIMIT, "producer thread");
        }
        let mut all = Vec::new();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
            for t in receiver_tasks {
                all.extend(t.await.unwrap());
            }
        });
        for r in receivers {
            all.extend(join_within(r, HANG_LIMIT, "receiver thread"));
        }
        assert_all_once(all, producers * per, &format!("multi-thread {cap:?}"));
        ledger.assert_first_dropped_once(producers * per);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn blocking_calls_inside_a_runtime_do_not_panic() {
    // tokio's own `blocking_recv`/`blocking_send` panic inside a runtime;
    // ours are plain thread-blocking calls, usable anywhere (it is the
    // caller's choice to block a worker).
    let _watchdog = Watchdog::new("blocking_calls_inside_a_runtime", HANG_LIMIT);
    for rt in [current_thread(), multi_thread()] {
        rt.block_on(async {
            let (tx, rx) = mpmc::bounded::<u8>(1);
            tx.send(1).unwrap();
            assert_eq!(rx.recv(), Ok(1));
            assert_eq!(
                rx.recv_timeout(Duration::from_millis(5)),
                Err(mpmc::RecvTimeoutError::Timeout)
            );
            tx.send(2).unwrap();
            assert!(tx
                .send_timeout(3, Duration::from_millis(5))
                .unwrap_err()
                .is_timeout());
            // A blocking receive in the runtime's thread, fed by a std thread.
            assert_eq!(rx.recv(), Ok(2));
            let feeder = thread::spawn(move || {
                thread::sleep(Duration::from_millis(5));
                tx.send(4).unwrap();
            });
            assert_eq!(rx.recv_timeout(HANG_LIMIT), Ok(4));
            join_within(feeder, HANG_LIMIT, "feeder");
            assert_eq!(rx.recv(), Err(RecvError));
        });
        // spawn_blocking receiver with an async sender.
        rt.block_on(async {
            let (tx, rx) = mpmc::bounded::<usize>(0);
            let blocking = tokio::task::spawn_blocking(move || rx.iter().sum::<usize>());
            for i in 0..100 {
                tx.send_async(i).await.unwrap();
            }
            drop(tx);
            assert_eq!(blocking.await.unwrap(), (0..100).sum::<usize>());
        });
    }
}

#[test]
#[cfg_attr(miri, ignore)] // tokio
fn closed_future_in_a_runtime() {
    let rt = multi_thread();
    rt.block_on(async {
        let (tx, rx) = mpmc::bounded::<u8>(4);
        let watcher = {
            let tx = tx.clone();
            tokio::spawn(async move {
                tx.closed().await;
                tx.is_closed() || tx.receiver_count() == 0
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!watcher.is_finished());
        let worker = thread::spawn(move || {
            let first = rx.recv();
            drop(rx);
            first
        });
        tx.send_async(1).await.unwrap();
        assert!(tokio::time::timeout(HANG_LIMIT, watcher)
            .await
            .unwrap()
            .unwrap());
        assert_eq!(worker.join().unwrap(), Ok(1));
    });
}

#[test]
fn minimal_executor_counts_no_spurious_polls() {
    // The hand-written executor polls again only when woken: a channel that
    // wakes with nothing to do would show as extra polls.
    let (tx, rx) = mpmc::bounded::<u8>(0);
    let sender = thread::spawn(move || {
        for i in 0..3 {
            tx.send(i).unwrap();
        }
    });
    for i in 0..3 {
        let (got, polls) = oneshot_tests::block_on_counted(rx.recv_async());
        assert_eq!(got, Ok(i));
        assert!(polls <= 3, "{polls} polls for one message");
    }
    join_within(sender, HANG_LIMIT, "sender");
}
