//! The queue-channel part of the memory report: heap use per message and
//! per waiter of `mpmc` and every peer queue channel, and their handle sizes.
//!
//! * Per message: batches of 100 `send`s then 100 `recv`s on one thread,
//!   10 batches of warm-up, then 100 batches counted (10,000 messages), on
//!   `bounded(100)` and on `unbounded`.
//! * Per waiter: 100 threads blocked in `send` on a full `bounded(1)`, and
//!   100 blocked in `recv` on an empty one; and the same with 100 pending
//!   futures (`send_async` / `recv_async`, each polled once with a no-op
//!   waker, whose clone allocates nothing). Counted from the moment the
//!   waiters start their operation until every thread sleeps (read from
//!   `/proc/self/task/*/stat`) or every future has returned `Pending`;
//!   what this thread allocates meanwhile (reading `/proc`) is not counted.

use std::future::Future;
use std::hint::black_box;
use std::mem::size_of;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use oneshot_benches::queues::{Cap, Queue};

use super::{snapshot, Ignore, Usage};

/// Waiters per waiter scenario.
const WAITERS: usize = 100;

/// One queue channel's row.
#[derive(Debug)]
pub(crate) struct QueueRow {
    pub(crate) name: &'static str,
    pub(crate) bounded100: Usage,
    pub(crate) unbounded: Usage,
    /// Per blocked thread: senders on a full `bounded(1)`, receivers on an
    /// empty one (`None`: the channel has no such waiters). The flag says
    /// whether every thread was seen asleep.
    pub(crate) thread_senders: Option<(Usage, bool)>,
    pub(crate) thread_receivers: Option<(Usage, bool)>,
    /// Per pending future, as above.
    pub(crate) task_senders: Option<Usage>,
    pub(crate) task_receivers: Option<Usage>,
    pub(crate) sender: usize,
    pub(crate) receiver: usize,
    pub(crate) option_sender: usize,
    pub(crate) option_receiver: usize,
}

/// Heap use per message of batches of 100 sends then 100 receives.
fn per_message<Q: Queue>(cap: Cap) -> Usage {
    let (tx, mut rx) = Q::make::<u64>(cap).expect("bounded(100) and unbounded exist");
    let mut batch = || {
        for i in 0..100 {
            Q::send(&tx, black_box(i));
        }
        for _ in 0..100 {
            black_box(Q::recv(&mut rx).expect("sent"));
        }
    };
    for _ in 0..10 {
        batch();
    }
    let before = snapshot();
    for _ in 0..100 {
        batch();
    }
    snapshot().since(&before, 100 * 100)
}

/// Threads of this process other than the calling one that are asleep.
fn sleeping_threads() -> usize {
    let _ignore = Ignore::new();
    // SAFETY: `gettid` has no preconditions.
    let me = unsafe { libc::gettid() }.to_string();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|t| t.file_name().to_string_lossy() != me)
        .filter(|t| {
            std::fs::read_to_string(t.path().join("stat")).is_ok_and(|stat| {
                // The state follows the parenthesised command name.
                stat.rsplit_once(") ")
                    .is_some_and(|(_, rest)| rest.starts_with('S') || rest.starts_with('D'))
            })
        })
        .count()
}

/// Waits (at most two seconds) until `WAITERS` other threads sleep.
fn all_asleep() -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if sleeping_threads() >= WAITERS {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Counts the heap use of `WAITERS` threads each running `wait(i)`, which
/// blocks until `release` lets every one of them finish and leaves the
/// channel as it found it. Two rounds with the same threads: the first warms
/// up what a thread sets up once for all its waits (crossbeam's and std's
/// thread-local context, for example), the second is counted, from its
/// start until every thread sleeps.
fn thread_waiters<W, R>(wait: W, mut release: R) -> (Usage, bool)
where
    W: Fn(usize) + Sync,
    R: FnMut(),
{
    let started = Barrier::new(WAITERS + 1);
    let go = Barrier::new(WAITERS + 1);
    let entered = AtomicUsize::new(0);
    let mut result = None;
    thread::scope(|s| {
        for i in 0..WAITERS {
            let (started, go, entered, wait) = (&started, &go, &entered, &wait);
            s.spawn(move || {
                for _round in 0..2 {
                    started.wait();
                    go.wait();
                    // ORDERING: Relaxed: a progress count for the watcher;
                    // the figures do not depend on what it orders.
                    entered.fetch_add(1, Ordering::Relaxed);
                    wait(i);
                }
            });
        }
        for round in 1..=2 {
            // Every thread is running; none has started this round's wait.
            started.wait();
            let before = snapshot();
            go.wait();
            {
                let _ignore = Ignore::new();
                // ORDERING: Relaxed, as above.
                while entered.load(Ordering::Relaxed) < round * WAITERS {
                    thread::yield_now();
                }
            }
            let asleep = all_asleep();
            let usage = snapshot().since(&before, WAITERS);
            let _ignore = Ignore::new();
            release();
            result = Some((usage, asleep));
        }
    });
    result.expect("the scope ran")
}

/// Polls each future once (each must be `Pending`) and counts the heap use.
fn poll_waiters<F: Future + ?Sized>(futures: &mut [Pin<Box<F>>]) -> Usage {
    let mut cx = Context::from_waker(Waker::noop());
    let before = snapshot();
    for f in futures.iter_mut() {
        assert!(
            matches!(f.as_mut().poll(&mut cx), Poll::Pending),
            "a waiter's first poll must wait"
        );
    }
    snapshot().since(&before, futures.len())
}

/// Runs `round` twice (a warm-up, then counted) and returns the second.
fn twice(mut round: impl FnMut() -> Usage) -> Usage {
    round();
    round()
}

fn full_bounded1<Q: Queue>() -> (Q::Tx<u64>, Q::Rx<u64>) {
    let (tx, rx) = Q::make::<u64>(Cap::Bounded(1)).expect("bounded(1) exists");
    assert!(Q::try_send(&tx, 0).is_ok(), "room for one");
    (tx, rx)
}

pub(crate) fn row<Q: Queue>() -> QueueRow {
    let thread_senders = {
        let (tx, mut rx) = full_bounded1::<Q>();
        Some(thread_waiters(
            |i| Q::send(&tx, i as u64),
            || {
                // Each receive lets one waiter in; the channel stays full.
                for _ in 0..WAITERS {
                    Q::recv(&mut rx).expect("queued");
                }
            },
        ))
    };
    let thread_receivers = {
        let (tx, rx) = Q::make::<u64>(Cap::Bounded(1)).expect("bounded(1) exists");
        Q::clone_rx(&rx).map(|_| {
            let receivers: Vec<std::sync::Mutex<Q::Rx<u64>>> = (0..WAITERS)
                .map(|_| std::sync::Mutex::new(Q::clone_rx(&rx).expect("clonable")))
                .collect();
            thread_waiters(
                |i| {
                    let mut rx = receivers[i].lock().expect("not poisoned");
                    Q::recv(&mut rx).expect("sent");
                },
                || {
                    for i in 0..WAITERS {
                        Q::send(&tx, i as u64);
                    }
                },
            )
        })
    };
    let task_senders = Q::ASYNC.then(|| {
        let (tx, _rx) = full_bounded1::<Q>();
        twice(|| {
            let mut futures: Vec<_> = (0..WAITERS)
                .map(|i| Box::pin(Q::send_async(&tx, i as u64)))
                .collect();
            let usage = poll_waiters(&mut futures);
            // Cancelled: the channel still holds its one message.
            drop(futures);
            usage
        })
    });
    let task_receivers = (Q::ASYNC && {
        let (_tx, rx) = Q::make::<u64>(Cap::Bounded(1)).expect("bounded(1) exists");
        Q::clone_rx(&rx).is_some()
    })
    .then(|| {
        let (tx, rx) = Q::make::<u64>(Cap::Bounded(1)).expect("bounded(1) exists");
        let mut receivers: Vec<Q::Rx<u64>> = (0..WAITERS)
            .map(|_| Q::clone_rx(&rx).expect("clonable"))
            .collect();
        let usage = twice(|| {
            let mut futures: Vec<_> = receivers
                .iter_mut()
                .map(|rx| Box::pin(Q::recv_async(rx)))
                .collect();
            poll_waiters(&mut futures)
        });
        drop((tx, rx));
        usage
    });
    QueueRow {
        name: Q::NAME,
        bounded100: per_message::<Q>(Cap::Bounded(100)),
        unbounded: per_message::<Q>(Cap::Unbounded),
        thread_senders,
        thread_receivers,
        task_senders,
        task_receivers,
        sender: size_of::<Q::Tx<u64>>(),
        receiver: size_of::<Q::Rx<u64>>(),
        option_sender: size_of::<Option<Q::Tx<u64>>>(),
        option_receiver: size_of::<Option<Q::Rx<u64>>>(),
    }
}
