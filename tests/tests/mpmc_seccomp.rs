//! `mpmc` in a process that locks itself down with seccomp *after* its first
//! `bounded(n >= 1)` channel registered it for `membarrier`
//! ("initialise, then lock down").
//!
//! The heavy barrier (`mpmc/src/barrier.rs`) must then neither panic nor
//! lose a wake-up or a message: it falls back to the page-permission trick
//! (x86_64), or, when that is refused too, reports that no barrier was
//! issued and its callers observe the other thread's step finish instead.
//! Every path that takes the heavy barrier is run: the last receiver's
//! drain (alone, and racing senders) and blocking senders and receivers on a
//! one-slot ring, whose re-checks find slots busy.
//!
//! Each case runs in a child process (this test binary run again with
//! `MPMC_SECCOMP_CHILD` set to the case), so that the filter, which cannot
//! be removed, stays out of the other tests. The parent checks the child's
//! exit status and its report.
//!
//! On x86_64 the filter answers `SECCOMP_RET_TRAP`, and a `SIGSYS` handler
//! counts the refused calls and makes them fail with `EPERM`; elsewhere it
//! answers `EPERM` itself and nothing is counted.

#![cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(miri),
    not(loom)
))]

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use mpmc::{Receiver, Sender, TrySendError};
use oneshot_tests::{join_within, Watchdog, HANG_LIMIT};

/// The environment variable that makes this binary the child of a case.
const CHILD: &str = "MPMC_SECCOMP_CHILD";

/// What the child's filter refuses, besides `membarrier` (always).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refuse {
    /// Only `membarrier`: the page fallback runs.
    Membarrier,
    /// Also every `mprotect` of one 4 KiB page (the fallback's first call
    /// already fails): no heavy barrier is left.
    PageFallback,
    /// Also `mprotect(_, 4096, PROT_NONE)` only: the fallback's page becomes
    /// writable, then its last call fails: no heavy barrier is left.
    PageFallbackLastStep,
}

#[test]
fn membarrier_refused_after_registration() {
    case("membarrier_refused_after_registration", Refuse::Membarrier);
}

#[test]
fn membarrier_and_the_page_fallback_refused_after_registration() {
    case(
        "membarrier_and_the_page_fallback_refused_after_registration",
        Refuse::PageFallback,
    );
}

#[test]
fn membarrier_and_the_page_fallback_s_last_step_refused_after_registration() {
    case(
        "membarrier_and_the_page_fallback_s_last_step_refused_after_registration",
        Refuse::PageFallbackLastStep,
    );
}

/// The parent runs the case `name` in a child and checks its report; the
/// child (this same test, run again) runs it.
fn case(name: &str, refuse: Refuse) {
    match std::env::var(CHILD) {
        Ok(case) if case == name => return child(name, refuse),
        // The child of another case: only that one runs (`--exact`).
        Ok(_) => return,
        Err(_) => {}
    }
    let child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the test binary again as the child");
    // The child has its own watchdog (HANG_LIMIT); this one only covers a
    // child that cannot even abort.
    let output = join_within(
        thread::spawn(move || child.wait_with_output()),
        HANG_LIMIT * 2,
        "the seccomp child",
    )
    .expect("wait for the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        output.status.success(),
        "{name}: the child failed ({}): see its output above",
        output.status
    );
    if stdout.contains(&format!("child {name}: skipped")) {
        eprintln!("SKIPPED {name}: this kernel offers no expedited private membarrier");
        return;
    }
    // libtest prints the test's name first, on the same line.
    let tag = format!("child {name}: ok;");
    let report = stdout
        .lines()
        .find_map(|line| line.find(&tag).map(|at| &line[at + tag.len()..]))
        .unwrap_or_else(|| panic!("{name}: the child exited 0 but never reported"));
    let count = |what: &str| -> Option<usize> {
        let field = report
            .split(';')
            .find_map(|f| f.trim().strip_prefix(what))?;
        field.trim().parse().ok()
    };
    if cfg!(target_arch = "x86_64") {
        let membarriers = count("membarrier refused:").expect("the membarrier count");
        let mprotects = count("mprotect refused:").expect("the mprotect count");
        assert!(
            membarriers >= 1,
            "{name}: the drain never reached membarrier: the test tests nothing"
        );
        match refuse {
            Refuse::Membarrier => assert_eq!(mprotects, 0, "{name}: mprotect was not filtered"),
            Refuse::PageFallback | Refuse::PageFallbackLastStep => assert!(
                mprotects >= 1,
                "{name}: the page fallback never reached mprotect: the test tests nothing"
            ),
        }
    }
}

// ---- the child ------------------------------------------------------------

/// Per message id: how many times that message was dropped.
static DROPS: [AtomicU8; MAX_IDS] = [const { AtomicU8::new(0) }; MAX_IDS];
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);
const MAX_IDS: usize = 1 << 18;

/// Refused system calls, counted by the `SIGSYS` handler (x86_64).
static REFUSED_MEMBARRIER: AtomicUsize = AtomicUsize::new(0);
static REFUSED_MPROTECT: AtomicUsize = AtomicUsize::new(0);

/// A message with a payload big enough that copying it in or out of a slot
/// takes a while: the window in which another thread finds the slot busy.
struct Msg {
    id: usize,
    payload: [u64; PAYLOAD],
}

const PAYLOAD: usize = 4096;

impl Msg {
    fn new() -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        assert!(id < MAX_IDS, "too many messages for the drop ledger");
        Self {
            id,
            payload: [id as u64; PAYLOAD],
        }
    }

    /// Checks the payload came through whole (a sample of its words, every
    /// one of which carries the id).
    fn check(&self) {
        for word in self.payload.iter().step_by(61).chain(self.payload.last()) {
            assert_eq!(*word, self.id as u64, "a torn message");
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        DROPS[self.id].fetch_add(1, Ordering::Relaxed);
    }
}

fn drops(id: usize) -> u8 {
    DROPS[id].load(Ordering::Relaxed)
}

/// Producers and consumers of the racing phase, and senders of the
/// drain-while-sending rounds.
const THREADS: usize = 2;
/// Messages each producer sends in the racing phase.
const PER_PRODUCER: usize = 5_000;
/// Drain-while-sending rounds.
const ROUNDS: usize = 100;
/// Threads that send big messages need room for the copies a debug build
/// makes on the way to the slot.
const STACK: usize = 16 << 20;

fn child(name: &str, refuse: Refuse) {
    let _watchdog = Watchdog::new(name, HANG_LIMIT);
    // Where the kernel has no expedited private membarrier, mpmc uses fences
    // from the start and never calls it: nothing to test.
    const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;
    // SAFETY: MEMBARRIER_CMD_QUERY (0) touches no memory.
    let supported = unsafe { libc::syscall(libc::SYS_membarrier, 0, 0, 0) };
    let wanted = PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED;
    if supported < 0 || supported & wanted != wanted {
        println!("child {name}: skipped");
        return;
    }
    install_sigsys_handler();

    // Initialise. The first channel registers the process for membarrier;
    // every channel is created now, so all of them keep their free light
    // barrier and pair it with the heavy one. Every thread is spawned now:
    // a thread spawned after the lock-down would inherit the filter, and
    // std's thread start-up calls mprotect on a 4 KiB page.
    let (drain_tx, drain_rx) = mpmc::bounded::<Msg>(4);
    let (race_tx, race_rx) = mpmc::bounded::<Msg>(1);
    let rounds: Vec<(Sender<Msg>, Receiver<Msg>)> =
        (0..ROUNDS).map(|_| mpmc::bounded::<Msg>(2)).collect();
    let start = Arc::new(Barrier::new(2 * THREADS + 1));
    let mut producers = Vec::new();
    let mut consumers = Vec::new();
    for _ in 0..THREADS {
        let tx = race_tx.clone();
        let senders: Vec<Sender<Msg>> = rounds.iter().map(|(tx, _)| tx.clone()).collect();
        let go = Arc::clone(&start);
        producers.push(spawn(move || {
            lock_down(refuse);
            go.wait();
            for _ in 0..PER_PRODUCER {
                tx.send(Msg::new()).expect("the racing receivers are alive");
            }
            drop(tx);
            // Then the rounds: send until the main thread drops the round's
            // receiver; a message sent back is dropped here.
            for tx in senders {
                while tx.send(Msg::new()).is_ok() {}
            }
            0
        }));
        let rx = race_rx.clone();
        let go = Arc::clone(&start);
        consumers.push(spawn(move || {
            lock_down(refuse);
            go.wait();
            let mut received = 0;
            while let Ok(msg) = rx.recv() {
                msg.check();
                received += 1;
            }
            received
        }));
    }
    drop((race_tx, race_rx));

    // Lock down, then go.
    lock_down(refuse);
    start.wait();

    // 1. Blocking senders and receivers racing on a one-slot ring.
    let received: usize = consumers
        .into_iter()
        .map(|c| join_within(c, HANG_LIMIT, "a racing consumer"))
        .sum();
    assert_eq!(
        received,
        THREADS * PER_PRODUCER,
        "messages lost or duplicated"
    );
    let race_membarriers = REFUSED_MEMBARRIER.load(Ordering::Relaxed);

    // 2. The last receiver's drain, alone: the queued messages are dropped
    // exactly once, right then.
    let queued: Vec<usize> = (0..4)
        .map(|_| {
            let msg = Msg::new();
            let id = msg.id;
            assert!(drain_tx.try_send(msg).is_ok(), "room for four");
            id
        })
        .collect();
    drop(drain_rx);
    for &id in &queued {
        assert_eq!(
            drops(id),
            1,
            "a queued message not dropped exactly once by the drain"
        );
    }
    match drain_tx.try_send(Msg::new()) {
        Err(TrySendError::Disconnected(msg)) => drop(msg),
        other => panic!("a send after the last receiver left: {:?}", other.is_ok()),
    }
    drop(drain_tx);

    // 3. The last receiver's drain racing senders that claim slots.
    for (tx, rx) in rounds {
        drop(tx);
        for _ in 0..2 {
            if let Ok(msg) = rx.recv() {
                msg.check();
            }
        }
        drop(rx);
    }
    for p in producers {
        join_within(p, HANG_LIMIT, "a producer");
    }

    // Every message was dropped exactly once.
    let made = NEXT_ID.load(Ordering::Relaxed);
    for id in 0..made {
        assert_eq!(drops(id), 1, "message {id} dropped {} times", drops(id));
    }
    println!(
        "child {name}: ok; messages: {made}; membarrier refused: {}; mprotect refused: {}; \
         membarrier refused during the race: {race_membarriers}",
        REFUSED_MEMBARRIER.load(Ordering::Relaxed),
        REFUSED_MPROTECT.load(Ordering::Relaxed),
    );
}

fn spawn(f: impl FnOnce() -> usize + Send + 'static) -> thread::JoinHandle<usize> {
    thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn a thread")
}

// ---- seccomp --------------------------------------------------------------

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;

/// What the filter answers for a refused call.
#[cfg(target_arch = "x86_64")]
const REFUSED: u32 = libc::SECCOMP_RET_TRAP;
#[cfg(not(target_arch = "x86_64"))]
const REFUSED: u32 = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;

/// Offsets into `struct seccomp_data`: nr, arch, args[i] (low halves on
/// little-endian).
const NR: u32 = 0;
const ARCH: u32 = 4;
const fn arg_low(i: u32) -> u32 {
    16 + 8 * i
}
const fn arg_high(i: u32) -> u32 {
    16 + 8 * i + 4
}

/// Installs, on the calling thread only, a filter that refuses `membarrier`
/// and, per `refuse`, the page fallback's `mprotect` calls (picked by their
/// length, one 4 KiB page, and for the last step by `PROT_NONE`).
fn lock_down(refuse: Refuse) {
    use libc::{sock_filter, BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let load = |offset: u32| sock_filter {
        code: (BPF_LD | BPF_W | BPF_ABS) as u16,
        jt: 0,
        jf: 0,
        k: offset,
    };
    // Jumps are relative to the next instruction; `ALLOW` and `DENY` are the
    // last two instructions, resolved below.
    let ret = |k: u32| sock_filter {
        code: (BPF_RET | BPF_K) as u16,
        jt: 0,
        jf: 0,
        k,
    };
    // (instruction, jump-if-true target, jump-if-false target), targets as
    // labels: Next, Allow or Deny.
    #[derive(Clone, Copy)]
    enum To {
        Next,
        Allow,
        Deny,
    }
    let mut prog: Vec<(sock_filter, To, To)> = Vec::new();
    let jeq = |k: u32| sock_filter {
        code: (BPF_JMP | BPF_JEQ | BPF_K) as u16,
        jt: 0,
        jf: 0,
        k,
    };
    prog.push((load(ARCH), To::Next, To::Next));
    prog.push((jeq(AUDIT_ARCH), To::Next, To::Allow));
    prog.push((load(NR), To::Next, To::Next));
    match refuse {
        Refuse::Membarrier => {
            prog.push((jeq(libc::SYS_membarrier as u32), To::Deny, To::Allow));
        }
        Refuse::PageFallback | Refuse::PageFallbackLastStep => {
            prog.push((jeq(libc::SYS_membarrier as u32), To::Deny, To::Next));
            prog.push((jeq(libc::SYS_mprotect as u32), To::Next, To::Allow));
            prog.push((load(arg_high(1)), To::Next, To::Next));
            prog.push((jeq(0), To::Next, To::Allow));
            prog.push((load(arg_low(1)), To::Next, To::Next));
            if refuse == Refuse::PageFallback {
                prog.push((jeq(4096), To::Deny, To::Allow));
            } else {
                prog.push((jeq(4096), To::Next, To::Allow));
                prog.push((load(arg_low(2)), To::Next, To::Next));
                prog.push((jeq(libc::PROT_NONE as u32), To::Deny, To::Allow));
            }
        }
    }
    let allow = prog.len();
    let deny = allow + 1;
    let mut filter: Vec<sock_filter> = prog
        .iter()
        .enumerate()
        .map(|(at, &(mut insn, jt, jf))| {
            let target = |to: To| -> u8 {
                let dest = match to {
                    To::Next => at + 1,
                    To::Allow => allow,
                    To::Deny => deny,
                };
                (dest - at - 1).try_into().expect("a short filter")
            };
            if insn.code == (BPF_JMP | BPF_JEQ | BPF_K) as u16 {
                insn.jt = target(jt);
                insn.jf = target(jf);
            }
            insn
        })
        .collect();
    filter.push(ret(libc::SECCOMP_RET_ALLOW));
    filter.push(ret(REFUSED));
    let fprog = libc::sock_fprog {
        len: filter.len().try_into().expect("a short filter"),
        filter: filter.as_mut_ptr(),
    };
    // SAFETY: plain prctl calls; `fprog` points at `filter`, alive for the
    // call (the kernel copies the program).
    unsafe {
        assert_eq!(
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0),
            0,
            "PR_SET_NO_NEW_PRIVS"
        );
        assert_eq!(
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER as libc::c_ulong,
                std::ptr::addr_of!(fprog) as libc::c_ulong,
                0,
                0,
            ),
            0,
            "PR_SET_SECCOMP: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// `SECCOMP_RET_TRAP` delivers `SIGSYS` with the system call not made and its
/// number in `rax`; the handler counts it and makes it return `-EPERM`.
#[cfg(target_arch = "x86_64")]
fn install_sigsys_handler() {
    extern "C" fn on_sigsys(_: libc::c_int, _: *mut libc::siginfo_t, context: *mut libc::c_void) {
        let context = context.cast::<libc::ucontext_t>();
        // SAFETY: the kernel passes the interrupted thread's context to an
        // SA_SIGINFO handler; only its saved rax is read and written.
        unsafe {
            let rax = &mut (*context).uc_mcontext.gregs[libc::REG_RAX as usize];
            if *rax == libc::SYS_membarrier {
                REFUSED_MEMBARRIER.fetch_add(1, Ordering::Relaxed);
            } else if *rax == libc::SYS_mprotect {
                REFUSED_MPROTECT.fetch_add(1, Ordering::Relaxed);
            }
            *rax = -i64::from(libc::EPERM);
        }
    }
    // SAFETY: a zeroed `sigaction` is a valid start; the handler only uses
    // atomics and its own context (async-signal-safe).
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigsys as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGSYS, &action, std::ptr::null_mut()),
            0
        );
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn install_sigsys_handler() {}
