//! The process's CPU time, the second clock of every run beside the wall
//! clock: a channel that wins wall time by spinning or yielding while it
//! waits shows it here.

use std::time::Duration;

/// User + system CPU time of the whole process so far
/// (`getrusage(RUSAGE_SELF)`: every thread).
pub fn process_cpu_time() -> Duration {
    // SAFETY: `rusage` is plain integers; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`; RUSAGE_SELF is a valid
    // `who`.
    let got = unsafe { libc::getrusage(libc::RUSAGE_SELF, &raw mut usage) };
    assert_eq!(got, 0, "getrusage failed");
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
