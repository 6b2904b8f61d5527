//! A minimal single-future executor, so the async tests do not depend on a
//! runtime (and run under Miri).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{
    AtomicBool,
    Ordering::{Acquire, Release},
};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Unparks the executor's thread and records that it was woken.
struct Signal {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // ORDERING: Release, paired with the Acquire swap in
        // `block_on_counted`: what the waking thread did before waking
        // happens-before the next poll.
        self.woken.store(true, Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on this thread; see [`block_on_counted`].
///
/// # Examples
///
/// ```
/// let (sender, receiver) = oneshot::channel();
/// let worker = std::thread::spawn(move || sender.send(1).unwrap());
/// assert_eq!(oneshot_tests::block_on(receiver), Ok(1));
/// worker.join().unwrap();
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_counted(future).0
}

/// Runs `future` to completion on this thread and also returns how many
/// times it was polled.
///
/// After a `Pending` it polls again only once its waker was woken, parking
/// the thread until then: a future that never wakes its waker hangs the
/// test (Miri reports it as a deadlock), and no poll is ever spurious.
pub fn block_on_counted<F: Future>(future: F) -> (F::Output, usize) {
    let mut future = pin!(future);
    let signal = Arc::new(Signal {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&signal));
    let mut cx = Context::from_waker(&waker);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
        // `park` may return spuriously: wait for the flag.
        // ORDERING: Acquire, paired with the Release store in `wake_by_ref`.
        while !signal.woken.swap(false, Acquire) {
            thread::park();
        }
    }
}
