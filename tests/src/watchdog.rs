//! Bounds on waiting, so that a test whose channel loses a wake-up fails
//! loudly instead of hanging the suite.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Aborts the whole test process if it is still alive after its limit: for
/// tests whose hang could not be turned into a panic (a thread blocked for
/// good on the main thread). Dropping it disarms it.
///
/// # Examples
///
/// ```
/// let _watchdog = oneshot_tests::Watchdog::new("doc example", std::time::Duration::from_secs(60));
/// // ... work that must not hang ...
/// ```
pub struct Watchdog {
    disarmed: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Arms a watchdog named `name` (printed when it fires) for `limit`.
    pub fn new(name: &str, limit: Duration) -> Self {
        let disarmed = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&disarmed);
        let name = name.to_owned();
        let thread = thread::spawn(move || {
            let (lock, condvar) = &*flag;
            let deadline = Instant::now() + limit;
            let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
            while !*done {
                let now = Instant::now();
                if now >= deadline {
                    eprintln!("watchdog: `{name}` still running after {limit:?}: hung; aborting");
                    std::process::abort();
                }
                done = condvar
                    .wait_timeout(done, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        });
        Self {
            disarmed,
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (lock, condvar) = &*self.disarmed;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        condvar.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog").finish_non_exhaustive()
    }
}

/// Joins `handle`, panicking (with `what` in the message) if the thread has
/// not finished within `limit`; the thread is then left running, so the
/// test fails instead of hanging. A panic in the thread is propagated.
pub fn join_within<T>(handle: JoinHandle<T>, limit: Duration, what: &str) -> T {
    let deadline = Instant::now() + limit;
    while !handle.is_finished() {
        assert!(
            Instant::now() < deadline,
            "{what}: the thread did not finish within {limit:?} (a lost wake-up or a hang)"
        );
        thread::sleep(Duration::from_millis(1));
    }
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Polls a pinned future once with `waker`.
pub fn poll_pinned<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Generous limit for any single wait in a test: long enough never to fire
/// on a slow, loaded machine (or under Miri), short enough to end a hang.
pub const HANG_LIMIT: Duration = Duration::from_secs(if cfg!(miri) { 600 } else { 60 });
