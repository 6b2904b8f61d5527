//! Looking at another thread from outside through Linux's `/proc`: whether
//! it is parked in the kernel (so a test knows a blocking `send`/`recv` has
//! registered and gone to sleep before it goes on), and how much CPU time it
//! used (so a test can tell parking from spinning).
//!
//! Where `/proc` is missing (other systems, Miri), [`ThreadProbe::wait_parked`]
//! falls back to sleeping a while, and [`ThreadProbe::cpu_time`] returns `None`.

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

/// The `futex` system call's number, which every parked thread sits in.
#[cfg(target_arch = "x86_64")]
const FUTEX: Option<&str> = Some("202");
#[cfg(target_arch = "aarch64")]
const FUTEX: Option<&str> = Some("98");
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const FUTEX: Option<&str> = None;

/// A handle on one thread's `/proc` entry, made on that thread.
///
/// # Examples
///
/// ```
/// let (tx, rx) = std::sync::mpsc::channel();
/// let worker = std::thread::spawn(move || {
///     tx.send(oneshot_tests::ThreadProbe::current()).unwrap();
///     std::thread::park();
/// });
/// let probe = rx.recv().unwrap();
/// probe.wait_parked(std::time::Duration::from_secs(60));
/// worker.thread().unpark();
/// worker.join().unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ThreadProbe {
    tid: Option<String>,
}

impl ThreadProbe {
    /// The probe of the calling thread.
    pub fn current() -> Self {
        let tid = if cfg!(miri) {
            None
        } else {
            fs::read_link("/proc/thread-self")
                .ok()
                .and_then(|path| Some(path.file_name()?.to_str()?.to_owned()))
        };
        Self { tid }
    }

    fn read(&self, file: &str) -> Option<String> {
        let tid = self.tid.as_ref()?;
        fs::read_to_string(format!("/proc/self/task/{tid}/{file}")).ok()
    }

    /// Whether the thread is asleep in `futex` right now. `None` if that
    /// cannot be told here.
    pub fn is_parked(&self) -> Option<bool> {
        let futex = FUTEX?;
        let stat = self.read("stat")?;
        // The state follows the parenthesised command name.
        let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
        let syscall = self.read("syscall")?;
        let number = syscall.split_whitespace().next()?;
        Some(state == "S" && number == futex)
    }

    /// Returns once the thread has been seen asleep in `futex` twice, a few
    /// milliseconds apart; panics if that does not happen within `limit`.
    /// Where it cannot be told, sleeps 100 ms instead (and under Miri only
    /// yields, since Miri runs a thread until it blocks).
    pub fn wait_parked(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            match self.is_parked() {
                None => {
                    if cfg!(miri) {
                        for _ in 0..64 {
                            thread::yield_now();
                        }
                    } else {
                        thread::sleep(Duration::from_millis(100));
                    }
                    return;
                }
                Some(true) => {
                    thread::sleep(Duration::from_millis(3));
                    if self.is_parked() == Some(true) {
                        return;
                    }
                }
                Some(false) => {}
            }
            assert!(
                Instant::now() < deadline,
                "the thread did not park within {limit:?}"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// The CPU time (user + system) the thread has used, at the kernel's
    /// clock-tick resolution (assumed 100 Hz, as on every Linux build
    /// in use). `None` where it cannot be told.
    pub fn cpu_time(&self) -> Option<Duration> {
        let stat = self.read("stat")?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        // After the name: state is field 3, utime field 14, stime field 15.
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some(Duration::from_millis((utime + stime) * 10))
    }
}
