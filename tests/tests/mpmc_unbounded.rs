//! `mpmc::unbounded()` with real threads: issue 16's reproductions of the
//! old list flavor's failures, run against the new flavor (the bounded ring
//! plus a locked overflow, `mpmc/src/flavor/overflow.rs`), FIFO across the
//! switches between the ring and the overflow, and what bursts allocate.
//!
//! * R6: `close()` racing `try_send` loops while a receiver blocks in `recv`
//!   (the old flavor hung within a few hundred rounds);
//! * R3: 16 senders racing the last receiver's drop (the old flavor left
//!   published messages queued until the last sender went);
//! * per-sender FIFO with several senders and receivers across many
//!   overflow switches;
//! * memory: a drained burst gives its overflow buffer back, and a queue
//!   that stays within the ring allocates nothing per message (this
//!   binary's counting allocator).
//!
//! Counts are small under Miri.

#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;

use mpmc::{RecvError, TryRecvError, TrySendError};
use oneshot_tests::{
    alloc_test_lock, join_within, AllocSnapshot, CountScope, CountingAlloc, DropCounter, Tracked,
    HANG_LIMIT,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const fn count(native: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        native
    }
}

/// A message big enough that the ring has its minimum of 8 slots, so the
/// overflow is reached after a handful of messages.
type Big = (usize, usize, [u8; 240]);

fn big(sender: usize, seq: usize) -> Big {
    (sender, seq, [0; 240])
}

/// R6: three senders `try_send` in a loop, one receiver blocks in `recv`,
/// and `close()` comes while they run. The receiver must finish (it gets
/// every message whose send succeeded, each sender's in order) and the
/// senders must stop with `Disconnected`. A hang fails `join_within`.
#[test]
fn r6_close_racing_try_send_with_a_blocked_receiver_finishes() {
    let rounds = count(400, 3);
    for round in 0..rounds {
        let (tx, rx) = mpmc::unbounded::<Big>();
        let received = Arc::new(AtomicUsize::new(0));
        let senders: Vec<_> = (0..3)
            .map(|s| {
                let tx = tx.clone();
                thread::spawn(move || {
                    let mut sent = 0;
                    loop {
                        match tx.try_send(big(s, sent)) {
                            Ok(()) => sent += 1,
                            Err(TrySendError::Disconnected(_)) => return sent,
                            Err(TrySendError::Full(_)) => panic!("unbounded was full"),
                        }
                        // Let the receiver catch up and block now and then.
                        if sent % 7 == s {
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let receiver = {
            let received = Arc::clone(&received);
            thread::spawn(move || {
                let mut next = [0; 3];
                loop {
                    match rx.recv() {
                        Ok((s, seq, _)) => {
                            assert_eq!(seq, next[s], "sender {s} out of order");
                            next[s] += 1;
                            // ORDERING: Relaxed: progress for the closer only.
                            received.fetch_add(1, Relaxed);
                        }
                        Err(RecvError) => return next,
                    }
                }
            })
        };
        // Close once the receiver has seen a few messages (some rounds
        // earlier than others), while the senders are still sending.
        let wait_for = round % 40;
        // ORDERING: Relaxed: only a trigger.
        while received.load(Relaxed) < wait_for && !receiver.is_finished() {
            thread::yield_now();
        }
        assert!(tx.close());
        let sent: Vec<usize> = senders
            .into_iter()
            .map(|s| join_within(s, HANG_LIMIT, "a sender after close"))
            .collect();
        let got = join_within(receiver, HANG_LIMIT, "the receiver after close (R6)");
        assert_eq!(got.to_vec(), sent, "round {round}: received vs sent");
    }
}

/// R3: sixteen senders race the last receiver's drop. Once the drop and
/// every sender have returned (the senders' handles still alive), nothing
/// is queued: every message was received, dropped by the drain, handed back
/// to its sender, or dropped by a sender that published after the drain.
#[test]
fn r3_last_receiver_drop_leaves_nothing_queued() {
    const SENDERS: usize = 16;
    let rounds = count(1500, 2);
    let per_sender = 12; // with a ring of 8, most rounds overflow
    for round in 0..rounds {
        let counter = DropCounter::new();
        let (tx, rx) = mpmc::unbounded::<Tracked<Big>>();
        let start = Arc::new(Barrier::new(SENDERS + 1));
        let senders: Vec<_> = (0..SENDERS)
            .map(|s| {
                let (tx, counter, start) = (tx.clone(), counter.clone(), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    for i in 0..per_sender {
                        if let Err(TrySendError::Disconnected(msg)) =
                            tx.try_send(counter.track(big(s, i)))
                        {
                            drop(msg);
                            break;
                        }
                    }
                    tx
                })
            })
            .collect();
        start.wait();
        // Receive a few (or none), then drop the last receiver mid-flight.
        for _ in 0..round % 5 {
            let _ = rx.try_recv();
        }
        drop(rx);
        let handles: Vec<_> = senders
            .into_iter()
            .map(|s| join_within(s, HANG_LIMIT, "a sender"))
            .collect();
        assert_eq!(
            counter.alive(),
            0,
            "round {round}: {} messages still queued after the last receiver \
             and every sender returned (R3)",
            counter.alive()
        );
        drop(handles);
        drop(tx);
        assert_eq!(counter.created(), counter.dropped(), "dropped exactly once");
    }
}

/// Several senders and receivers, each sender in bursts that overflow the
/// ring and then pausing so that it drains: every message arrives once,
/// and each receiver sees each sender's messages in increasing order.
#[test]
fn fifo_per_sender_across_overflow_switches() {
    const SENDERS: usize = 4;
    const RECEIVERS: usize = 3;
    let per_sender = count(40_000, 60);
    let (tx, rx) = mpmc::unbounded::<Big>();
    let done = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut i = 0;
                while i < per_sender {
                    let burst = 1 + (i * 7 + s * 13) % 50;
                    for _ in 0..burst.min(per_sender - i) {
                        tx.send(big(s, i)).unwrap();
                        i += 1;
                    }
                    thread::yield_now();
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let rx = rx.clone();
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut last = [None::<usize>; SENDERS];
                let mut got = 0;
                loop {
                    match rx.try_recv() {
                        Ok((s, seq, _)) => {
                            if let Some(l) = last[s] {
                                assert!(l < seq, "sender {s}: {seq} after {l}");
                            }
                            last[s] = Some(seq);
                            got += 1;
                        }
                        // ORDERING: SeqCst: set after every send returned.
                        Err(TryRecvError::Empty) if done.load(SeqCst) => return got,
                        Err(TryRecvError::Empty) => thread::yield_now(),
                        Err(TryRecvError::Disconnected) => return got,
                    }
                }
            })
        })
        .collect();
    for s in senders {
        join_within(s, HANG_LIMIT, "a sender");
    }
    // ORDERING: SeqCst, see the load.
    done.store(true, SeqCst);
    let total: usize = receivers
        .into_iter()
        .map(|r| join_within(r, HANG_LIMIT, "a receiver"))
        .sum();
    assert_eq!(total, SENDERS * per_sender);
    assert!(rx.is_empty());
}

/// A single sender and a single receiver: the whole sequence comes out in
/// order, whatever mix of ring and overflow it took.
#[test]
fn fifo_single_sender_single_receiver() {
    let n = count(200_000, 200);
    let (tx, rx) = mpmc::unbounded::<usize>();
    let sender = thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
            if i % 1000 == 0 {
                thread::yield_now();
            }
        }
    });
    for i in 0..n {
        assert_eq!(rx.recv(), Ok(i));
    }
    join_within(sender, HANG_LIMIT, "the sender");
    assert_eq!(rx.recv(), Err(RecvError));
}

/// Runs `f` with this thread counted and returns what it allocated.
fn counted<R>(f: impl FnOnce() -> R) -> (R, AllocSnapshot) {
    let scope = CountScope::new();
    let result = within(f);
    drop(scope);
    result
}

/// What `f` allocated, inside a counted scope.
fn within<R>(f: impl FnOnce() -> R) -> (R, AllocSnapshot) {
    let before = AllocSnapshot::now();
    let result = f();
    (result, before.elapsed())
}

/// A burst far beyond the ring grows the overflow; once drained, its buffer
/// is freed (the live bytes return to the channel's alone), burst after
/// burst; and traffic that stays within the ring allocates nothing.
#[test]
fn bursts_give_their_memory_back_and_steady_state_allocates_nothing() {
    let _lock = alloc_test_lock();
    let burst = count(20_000, 300);
    let ((), whole) = counted(|| {
        let (tx, rx) = mpmc::unbounded::<u64>();
        assert_eq!(tx.capacity(), None);
        // Steady state within the ring (128 slots for a u64): no
        // allocation at all, per message or otherwise.
        let (_, steady) = within(|| {
            for i in 0..count(100_000, 200) as u64 {
                tx.send(i).unwrap();
                if i % 64 == 63 {
                    for _ in 0..64 {
                        rx.try_recv().unwrap();
                    }
                }
            }
        });
        assert_eq!(steady.allocs, 0, "steady state allocated: {steady:?}");
        while rx.try_recv().is_ok() {}
        for round in 0..3 {
            let (_, cycle) = within(|| {
                for i in 0..burst as u64 {
                    tx.send(i).unwrap();
                }
                assert_eq!(rx.len(), burst);
                for i in 0..burst as u64 {
                    assert_eq!(rx.try_recv(), Ok(i));
                }
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            });
            assert!(
                cycle.allocs > 0,
                "round {round}: the burst never overflowed"
            );
            // Doubling from 8: about log2(burst) allocations, not per message.
            assert!(
                cycle.allocs <= 2 * usize::BITS as usize,
                "round {round}: {cycle:?}"
            );
            assert_eq!(
                cycle.bytes_allocated, cycle.bytes_freed,
                "round {round}: the drained overflow kept memory: {cycle:?}"
            );
            assert_eq!(cycle.allocs, cycle.frees, "round {round}: {cycle:?}");
        }
        // Many small overflows, each drained at once: nothing kept.
        let (_, small) = within(|| {
            for _ in 0..count(200, 3) {
                for i in 0..200_u64 {
                    tx.send(i).unwrap();
                }
                for _ in 0..200 {
                    rx.try_recv().unwrap();
                }
            }
        });
        assert_eq!(small.bytes_allocated, small.bytes_freed, "{small:?}");
        drop((tx, rx));
    });
    assert_eq!(
        whole.bytes_allocated, whole.bytes_freed,
        "leaked: {whole:?}"
    );
}
