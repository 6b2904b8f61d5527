//! Stress of `mpmc::Select` with a ledger: several threads select in a loop
//! over several channels of every flavor — receiving (blocking, with
//! timeouts, and awaited) and sending (a message offered on two channels at
//! once) — and every message must be received exactly once, with one arm
//! completed per select. The shape of flume#135 (MPMC selection in a loop
//! from several threads lost messages there).
//!
//! Duration: `SELECT_STRESS_ROUNDS` rounds (default 3; 1 under Miri) of
//! `SELECT_STRESS_MESSAGES` messages per producer (default 3,000 in release,
//! 500 in debug, 20 under Miri).

#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use mpmc::{Receiver, Select, Sender};
use oneshot_tests::Watchdog;

/// Messages per producer per round: `SELECT_STRESS_MESSAGES` if set (the
/// valgrind run sets it small), else a default by build.
fn per_producer() -> u64 {
    if let Some(n) = std::env::var("SELECT_STRESS_MESSAGES")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    if cfg!(miri) {
        20
    } else if cfg!(debug_assertions) {
        500
    } else {
        3_000
    }
}

fn rounds() -> usize {
    std::env::var("SELECT_STRESS_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(miri) { 1 } else { 3 })
}

/// A round that has not finished after this long has lost a wake-up (a
/// round takes well under a second natively, a few under valgrind): the
/// watchdog aborts the process with the test's name instead of hanging CI.
const ROUND_LIMIT: Duration = Duration::from_secs(300);

/// Arms the watchdog of one round (not under Miri, whose clock is virtual).
fn watchdog(name: &str) -> Option<Watchdog> {
    (!cfg!(miri)).then(|| Watchdog::new(name, ROUND_LIMIT))
}

/// One message: which producer, which sequence number.
type Msg = (u64, u64);

fn channels() -> Vec<(Sender<Msg>, Receiver<Msg>)> {
    vec![
        mpmc::bounded(1),
        mpmc::bounded(0),
        mpmc::unbounded(),
        mpmc::bounded(4),
    ]
}

/// A consumer: selects over every receiver until all are disconnected,
/// recording what it got. `mode` picks blocking, timeout or async selects.
fn consume(rxs: Vec<Receiver<Msg>>, mode: usize, ledger: Arc<Mutex<Vec<Msg>>>) {
    let [a, b, c, d]: [Receiver<Msg>; 4] = rxs.try_into().expect("four receivers");
    let mut open = [true; 4];
    let mut got = Vec::new();
    let mut sel = Select::new()
        .recv(&a, |r| (0, r.ok()))
        .recv(&b, |r| (1, r.ok()))
        .recv(&c, |r| (2, r.ok()))
        .recv(&d, |r| (3, r.ok()));
    while open.iter().any(|&o| o) {
        let (arm, msg) = match mode {
            0 => sel.select(),
            1 => match sel.select_timeout(Duration::from_micros(50)) {
                Ok(out) => out,
                Err(_) => continue,
            },
            _ => futures::executor::block_on(sel.select_async()),
        };
        match msg {
            Some(msg) => got.push(msg),
            None => open[arm] = false,
        }
    }
    ledger.lock().unwrap().extend(got);
}

#[test]
fn select_receivers_in_a_loop_lose_and_duplicate_nothing() {
    for _ in 0..rounds() {
        let _watchdog = watchdog("select_receivers_in_a_loop_lose_and_duplicate_nothing");
        let chans = channels();
        let ledger = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for mode in 0..3 {
            let rxs: Vec<_> = chans.iter().map(|(_, rx)| rx.clone()).collect();
            let ledger = Arc::clone(&ledger);
            handles.push(thread::spawn(move || consume(rxs, mode, ledger)));
        }
        let n = per_producer();
        for (p, (tx, _)) in chans.iter().enumerate() {
            let tx = tx.clone();
            handles.push(thread::spawn(move || {
                for i in 0..n {
                    tx.send((p as u64, i)).unwrap();
                }
            }));
        }
        drop(chans);
        for h in handles {
            h.join().unwrap();
        }
        let mut got = ledger.lock().unwrap().clone();
        got.sort_unstable();
        let want: Vec<Msg> = (0..4u64)
            .flat_map(|p| (0..n).map(move |i| (p, i)))
            .collect();
        assert_eq!(got.len(), want.len(), "lost or duplicated messages");
        assert_eq!(got, want);
    }
}

#[test]
fn select_senders_offer_each_message_on_two_channels_exactly_once() {
    for _ in 0..rounds() {
        let _watchdog = watchdog("select_senders_offer_each_message_on_two_channels_exactly_once");
        // A rendezvous and a one-slot ring: each producer offers each message
        // on both at once; it must arrive on exactly one of them.
        let (tx0, rx0) = mpmc::bounded::<Msg>(0);
        let (tx1, rx1) = mpmc::bounded::<Msg>(1);
        let n = per_producer();
        let sent_on = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let mut producers = Vec::new();
        for p in 0..3u64 {
            let (tx0, tx1) = (tx0.clone(), tx1.clone());
            let sent_on = Arc::clone(&sent_on);
            producers.push(thread::spawn(move || {
                for i in 0..n {
                    let mut sel = Select::new().send(&tx0, (p, i), |r| (0, r.is_ok())).send(
                        &tx1,
                        (p, i),
                        |r| (1, r.is_ok()),
                    );
                    let (arm, ok) = if i % 2 == 0 {
                        sel.select()
                    } else {
                        futures::executor::block_on(sel.select_async())
                    };
                    assert!(ok, "no receiver is gone yet");
                    sent_on[arm].fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        drop((tx0, tx1));
        let ledger = Arc::new(Mutex::new(Vec::new()));
        let consumers: Vec<_> = (0..2)
            .map(|k| {
                let (rx0, rx1) = (rx0.clone(), rx1.clone());
                let ledger = Arc::clone(&ledger);
                thread::spawn(move || {
                    let mut got = Vec::new();
                    let mut open = [true; 2];
                    let mut sel = Select::new()
                        .recv(&rx0, |r| (0, r.ok()))
                        .recv(&rx1, |r| (1, r.ok()));
                    while open.iter().any(|&o| o) {
                        let (arm, msg) = if k == 0 {
                            sel.select()
                        } else {
                            futures::executor::block_on(sel.select_async())
                        };
                        match msg {
                            Some(msg) => got.push(msg),
                            None => open[arm] = false,
                        }
                    }
                    ledger.lock().unwrap().extend(got);
                })
            })
            .collect();
        drop((rx0, rx1));
        for h in producers.into_iter().chain(consumers) {
            h.join().unwrap();
        }
        let mut got = ledger.lock().unwrap().clone();
        got.sort_unstable();
        let want: Vec<Msg> = (0..3u64)
            .flat_map(|p| (0..n).map(move |i| (p, i)))
            .collect();
        assert_eq!(got, want, "each offered message arrives exactly once");
        let total = sent_on[0].load(Ordering::Relaxed) + sent_on[1].load(Ordering::Relaxed);
        assert_eq!(total as u64, 3 * n, "one arm completed per select");
    }
}

#[test]
fn select_over_broadcast_and_queue_receivers_sees_every_message_once() {
    for _ in 0..rounds() {
        let _watchdog =
            watchdog("select_over_broadcast_and_queue_receivers_sees_every_message_once");
        let n = per_producer();
        let (news_tx, news) = mpmc::broadcast::channel::<u64>(4);
        let (jobs_tx, jobs) = mpmc::bounded::<u64>(2);
        let jobs_seen = Arc::new(Mutex::new(Vec::new()));
        let consumers: Vec<_> = (0..2)
            .map(|k| {
                let mut news = news.clone();
                let jobs = jobs.clone();
                let jobs_seen = Arc::clone(&jobs_seen);
                thread::spawn(move || {
                    let mut got_news = Vec::new();
                    let mut got_jobs = Vec::new();
                    let mut open = [true; 2];
                    let mut sel = Select::new()
                        .recv_broadcast(&mut news, |r| (0, r.ok()))
                        .recv(&jobs, |r| (1, r.ok()));
                    while open.iter().any(|&o| o) {
                        let (arm, msg) = if k == 0 {
                            sel.select()
                        } else {
                            futures::executor::block_on(sel.select_async())
                        };
                        match (arm, msg) {
                            (0, Some(m)) => got_news.push(m),
                            (_, Some(m)) => got_jobs.push(m),
                            (arm, None) => open[arm] = false,
                        }
                    }
                    jobs_seen.lock().unwrap().extend(got_jobs);
                    got_news
                })
            })
            .collect();
        drop((news, jobs));
        let news_producer = thread::spawn(move || {
            for i in 0..n {
                news_tx.send(i).unwrap();
            }
        });
        let jobs_producer = thread::spawn(move || {
            for i in 0..n {
                jobs_tx.send(i).unwrap();
            }
        });
        news_producer.join().unwrap();
        jobs_producer.join().unwrap();
        for c in consumers {
            let got_news = c.join().unwrap();
            assert_eq!(got_news, (0..n).collect::<Vec<_>>(), "every news, in order");
        }
        let mut jobs_seen = jobs_seen.lock().unwrap().clone();
        jobs_seen.sort_unstable();
        assert_eq!(jobs_seen, (0..n).collect::<Vec<_>>(), "every job once");
    }
}
