//! A ledger stress test of `mpmc::broadcast`, both modes: several senders
//! (blocking, `try_send` and async), several receivers (blocking, async,
//! `try_recv` polling, some slow), rounds of fresh channels of capacity 1, 2
//! and 8 until the time is up.
//!
//! * Backpressure (`channel`): every receiver sees every message exactly
//!   once, in each sender's order.
//! * Overwrite (`overwriting`): every receiver sees each sender's messages
//!   in order, each at most once, and what it did not see is exactly what
//!   its `Lagged(n)` errors reported: the sum of the `n`s plus what it
//!   received is the number sent. With a single sender the check is per
//!   lag: each `Lagged(n)` is followed by the message exactly `n` after the
//!   last one received.
//! * Either way, the ledger sees every message dropped exactly once once
//!   the round's handles are gone.
//!
//! The duration is `BROADCAST_STRESS_SECS` (default 2; one small round
//! under Miri).

#![cfg(not(loom))]

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use mpmc::broadcast::{self, RecvError, TryRecvError};
use oneshot_tests::{Ledger, LedgerMsg};

/// A message: its sender, its index in that sender's sequence, and (the
/// ring's copy only) the original, whose drop the ledger counts.
struct Msg {
    sender: usize,
    index: usize,
    _original: Option<LedgerMsg>,
}

impl Clone for Msg {
    fn clone(&self) -> Self {
        // Now and then a slow clone, so that overwrite sends meet pinned
        // slots.
        if self.index % 61 == 0 {
            thread::yield_now();
        }
        Self {
            sender: self.sender,
            index: self.index,
            _original: None,
        }
    }
}

/// How many `Lagged` errors and lost messages the overwrite rounds saw (for
/// the summary line: a run whose receivers never lagged proved less).
static LAGS: AtomicU64 = AtomicU64::new(0);
static LOST: AtomicU64 = AtomicU64::new(0);

fn seconds() -> f64 {
    std::env::var("BROADCAST_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0)
}

/// What a receiver saw: per sender, the indices received; and the lags.
#[derive(Default)]
struct Seen {
    indices: Vec<Vec<usize>>,
    lagged: Vec<u64>,
    received: u64,
    /// Single sender only: each `Lagged(n)` checked against the next index.
    single_sender_gaps_ok: bool,
}

fn round(overwrite: bool, cap: usize, senders: usize, receivers: usize, per_sender: usize) {
    let ledger = Ledger::new(senders * per_sender);
    let (tx, rx) = if overwrite {
        broadcast::overwriting::<Msg>(cap)
    } else {
        broadcast::channel::<Msg>(cap)
    };
    let readers: Vec<_> = (0..receivers)
        .map(|r| {
            let mut rx = rx.clone();
            thread::spawn(move || {
                let mut seen = Seen {
                    indices: vec![Vec::new(); senders],
                    single_sender_gaps_ok: true,
                    ..Seen::default()
                };
                let mut pending_lag: Option<u64> = None;
                let mut spins = 0u32;
                loop {
                    let got = match r % 3 {
                        0 => rx.recv(),
                        1 => futures::executor::block_on(rx.recv_async()),
                        _ => match rx.try_recv() {
                            Ok(m) => Ok(m),
                            Err(TryRecvError::Empty) => {
                                spins += 1;
                                if spins % 16 == 0 {
                                    thread::sleep(Duration::from_micros(50));
                                } else {
                                    thread::yield_now();
                                }
                                continue;
                            }
                            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
                            Err(TryRecvError::Disconnected) => Err(RecvError::Disconnected),
                        },
                    };
                    match got {
                        Ok(msg) => {
                            let list = &mut seen.indices[msg.sender];
                            if senders == 1 {
                                let expected = list.last().map_or(0, |l| l + 1)
                                    + pending_lag.take().unwrap_or(0) as usize;
                                if msg.index != expected {
                                    seen.single_sender_gaps_ok = false;
                                }
                            }
                            list.push(msg.index);
                            seen.received += 1;
                            // A slow receiver, to fall behind in overwrite mode.
                            if r == receivers - 1 && msg.index % 7 == 0 {
                                thread::yield_now();
                            }
                        }
                        Err(RecvError::Lagged(n)) => {
                            assert!(overwrite, "backpressure mode returned Lagged({n})");
                            assert!(n > 0, "Lagged(0)");
                            // Sends racing on may overwrite again before
                            // the next message: lags add up.
                            pending_lag = Some(pending_lag.unwrap_or(0) + n);
                            seen.lagged.push(n);
                        }
                        Err(RecvError::Disconnected) => break,
                    }
                }
                seen
            })
        })
        .collect();
    drop(rx);
    let writers: Vec<_> = (0..senders)
        .map(|s| {
            let tx = tx.clone();
            let ledger = ledger.clone();
            thread::spawn(move || {
                for index in 0..per_sender {
                    let msg = Msg {
                        sender: s,
                        index,
                        _original: Some(ledger.msg(s * per_sender + index)),
                    };
                    match (s + index) % 3 {
                        0 => tx.send(msg).map_err(|_| ()),
                        1 => futures::executor::block_on(tx.send_async(msg)).map_err(|_| ()),
                        _ => {
                            let mut msg = msg;
                            loop {
                                match tx.try_send(msg) {
                                    Ok(()) => break Ok(()),
                                    Err(mpmc::TrySendError::Full(m)) => {
                                        assert!(!overwrite, "overwrite mode reported Full");
                                        msg = m;
                                        thread::yield_now();
                                    }
                                    Err(mpmc::TrySendError::Disconnected(_)) => break Err(()),
                                }
                            }
                        }
                    }
                    .expect("no receiver leaves before the end");
                }
            })
        })
        .collect();
    drop(tx);
    for w in writers {
        w.join().unwrap();
    }
    let total = (senders * per_sender) as u64;
    for (r, reader) in readers.into_iter().enumerate() {
        let seen = reader.join().unwrap();
        for (s, list) in seen.indices.iter().enumerate() {
            assert!(
                list.windows(2).all(|w| w[0] < w[1]),
                "receiver {r}: sender {s} out of order or repeated"
            );
            if !overwrite {
                assert_eq!(
                    list.len(),
                    per_sender,
                    "receiver {r}: sender {s}: every message once"
                );
            }
        }
        let lost: u64 = seen.lagged.iter().sum();
        LAGS.fetch_add(seen.lagged.len() as u64, Relaxed);
        LOST.fetch_add(lost, Relaxed);
        assert_eq!(
            seen.received + lost,
            total,
            "receiver {r} (overwrite {overwrite}, cap {cap}): received + lagged = sent"
        );
        assert!(
            seen.single_sender_gaps_ok,
            "receiver {r}: a Lagged(n) did not match the gap that followed it"
        );
    }
    assert_eq!(ledger.made(), senders * per_sender);
    ledger.assert_first_dropped_once(senders * per_sender);
}

#[test]
fn stress_both_modes_with_a_ledger() {
    if cfg!(miri) {
        round(false, 2, 2, 2, 20);
        round(true, 1, 2, 2, 20);
        round(true, 2, 1, 2, 20);
        return;
    }
    let until = Instant::now() + Duration::from_secs_f64(seconds());
    let mut rounds = 0u32;
    let mut shapes = [
        (false, 1, 3, 4),
        (true, 1, 3, 4),
        (false, 2, 2, 3),
        (true, 2, 1, 3),
        (false, 8, 3, 4),
        (true, 8, 3, 4),
        (true, 2, 1, 4),
    ]
    .into_iter()
    .cycle();
    while rounds < 7 || Instant::now() < until {
        let (overwrite, cap, senders, receivers) = shapes.next().unwrap();
        round(overwrite, cap, senders, receivers, 2000);
        rounds += 1;
    }
    println!(
        "broadcast stress: {rounds} rounds; overwrite receivers lagged {} times, {} messages",
        LAGS.load(Relaxed),
        LOST.load(Relaxed)
    );
}

/// The counts add up even when receivers join and leave while senders run
/// (overwrite mode: a far-behind receiver that leaves must release only
/// what is still kept, once).
#[test]
fn stress_receivers_joining_and_leaving_in_overwrite_mode() {
    let per_sender = if cfg!(miri) { 30 } else { 5000 };
    let ledger = Ledger::new(2 * per_sender);
    let (tx, rx) = broadcast::overwriting::<Msg>(4);
    let tx = Arc::new(tx);
    let writers: Vec<_> = (0..2)
        .map(|s| {
            let tx = tx.clone();
            let ledger = ledger.clone();
            thread::spawn(move || {
                for index in 0..per_sender {
                    let msg = Msg {
                        sender: s,
                        index,
                        _original: Some(ledger.msg(s * per_sender + index)),
                    };
                    tx.send(msg).map_err(|_| ()).unwrap();
                }
            })
        })
        .collect();
    let churner = thread::spawn(move || {
        let mut rx = rx;
        let mut last = [None::<usize>; 2];
        for step in 0.. {
            match rx.try_recv() {
                Ok(m) => {
                    assert!(last[m.sender].map_or(true, |l| m.index > l));
                    last[m.sender] = Some(m.index);
                }
                Err(TryRecvError::Empty) => thread::yield_now(),
                Err(TryRecvError::Lagged(_)) => {}
                Err(TryRecvError::Disconnected) => break,
            }
            if step % 13 == 0 {
                let fresh = rx.clone();
                if step % 2 == 0 {
                    drop(rx);
                } else {
                    drop(rx.detach());
                }
                rx = fresh;
                last = [None; 2];
            }
        }
    });
    for w in writers {
        w.join().unwrap();
    }
    drop(tx);
    churner.join().unwrap();
    ledger.assert_first_dropped_once(2 * per_sender);
}
