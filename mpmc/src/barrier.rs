//! Asymmetric memory barriers: a free "light" barrier for the fast paths and
//! an expensive "heavy" one for the rare slow path that must pair with them.
//!
//! A publish followed by a check for waiters races a waiter that registers
//! and then re-checks the queue: the store-buffering litmus test, which needs
//! a full barrier between the store and the load on *both* sides. A full
//! barrier costs a locked instruction (`mfence`) on x86 on every send and
//! every receive. The fast path is the hot one, so the cost is moved to the
//! slow one: on Linux the waiter issues `membarrier(2)` with
//! `MEMBARRIER_CMD_PRIVATE_EXPEDITED`, which makes every running thread of
//! the process execute a full barrier (an IPI) before it returns, and the
//! fast path then needs only a compiler barrier. Either the fast path's load
//! comes after the barrier point and sees the waiter's store, or its store
//! came before it and is visible to the waiter's re-check. This is the
//! pairing the Linux manual page documents for `membarrier` (and that
//! userspace RCU uses).
//!
//! The heavy barrier is only needed when a waiter finds a slot in the middle
//! of being written or read (see `flavor/array.rs`, "Waiting"), and when the
//! last receiver drains the queue: both rare. Where `membarrier` is
//! unavailable when the first channel is created (another OS or
//! architecture, an old kernel, a seccomp filter already in place, valgrind,
//! Miri, loom), both barriers are a `SeqCst` fence: the protocol is the same,
//! it just costs one fence per publish. A channel decides its mode when it
//! is created and keeps it.
//!
//! loom and Miri always run the fence form: the memory model has no notion of
//! `membarrier`, so what they check is the protocol with symmetric fences; the
//! substitution of the light/heavy pair for it is the argument above.
//!
//! # When `membarrier` is refused after registration
//!
//! The registration is for the whole process, but a seccomp filter installed
//! afterwards ("initialise, then lock down", a common sandboxing pattern)
//! makes `membarrier` fail with `EPERM` in the threads it covers, while the
//! channels created before it keep their free light barrier. The heavy
//! barrier then never panics: it falls back, and the fallback is recorded in
//! one process-wide atomic (`HEAVY`, only ever raised) so that later calls,
//! from any thread, go straight to it.
//!
//! 1. **x86_64: the page-permission trick** (the one .NET's
//!    `FlushProcessWriteBuffers` uses on Linux). A private page, mapped once
//!    on first use, is made writable, written (so its page-table entry is
//!    present: an untouched or swapped-out page has no translation to
//!    invalidate, and the kernel would then interrupt nobody), and made
//!    inaccessible again. Taking a permission away from a present entry
//!    obliges the kernel to invalidate that translation on every CPU that may
//!    cache it before `mprotect` returns; on x86_64 Linux it does so with an
//!    inter-processor interrupt to every CPU whose current address space is
//!    ours (every CPU now running one of our threads; a CPU that switched
//!    away is flushed when it switches back, and a context switch is itself
//!    a full barrier; KVM's paravirtual flush likewise skips a preempted
//!    vCPU, which runs none of our instructions until it is entered again),
//!    and waits until each has run the handler. The
//!    interrupt is taken between two instructions of the interrupted thread,
//!    and its handler executes locked and serialising instructions (the
//!    atomic exchange that takes the IPI's work queue, the `INVLPG` or `CR3`
//!    write), which under x86-TSO drain that CPU's store buffer: every store
//!    the thread made before the interrupt is visible to us when `mprotect`
//!    returns, and every load it makes afterwards sees our stores (made
//!    before the system call). That is the full barrier on every running
//!    thread that `membarrier` gives, by the same means: an IPI whose
//!    handler orders memory. A process-wide lock serialises the three system
//!    calls, so no thread's "inaccessible" lands between another's
//!    "writable" and its write (a fault), and no call finds the page already
//!    inaccessible (`mprotect` to the same protection changes nothing and
//!    flushes nothing).
//!
//!    Its limits: it is a barrier only where the shootdown is an IPI that
//!    the target CPU's software handles. On aarch64 TLB invalidation is
//!    broadcast by the hardware (`TLBI ... IS`) with no interrupt, so a
//!    permission change orders nothing on other cores: there is no fallback
//!    there. AMD's broadcast invalidation (`INVLPGB`), which recent Linux
//!    kernels use for processes active on several CPUs, removes the IPI in
//!    the same way: the fallback is not used when CPUID advertises it.
//!    Intel's Remote Action Request (the same idea, model-specific) and a
//!    hypervisor whose paravirtual remote flush does not interrupt the
//!    running vCPUs are not detected: under a kernel or hypervisor that
//!    flushes that way, this fallback would not be a barrier.
//! 2. **No heavy barrier** (the fallback's system calls are refused too, or
//!    no fallback exists on this platform): `heavy` returns false, and the
//!    caller, instead of relying on the barrier, *observes the other
//!    thread's half-finished step finish*: it re-reads the slot it found
//!    busy (yielding between reads) until it is no longer busy, and only
//!    then trusts its re-check. That needs no barrier at all: the barrier
//!    existed to make the other thread's publish visible to the re-check (or
//!    the waiter's flag visible to the publisher), and a re-check that has
//!    seen the publish has what it needed. The cost is the property
//!    `flavor/array.rs` promises, "never wait on another thread's
//!    half-finished step", which holds only while some heavy barrier is
//!    available. Channels created from then on use fences (no heavy barrier
//!    needed).

use crate::loom::{fence, Ordering};

/// The barrier mode of one channel.
#[derive(Clone, Copy)]
pub(crate) struct Barriers {
    asymmetric: bool,
}

impl Barriers {
    /// The mode for a channel created now.
    pub(crate) fn new() -> Self {
        Self {
            asymmetric: sys::available(),
        }
    }

    /// The fast path's side: free when asymmetric, else a full fence.
    #[inline(always)]
    pub(crate) fn light(self) {
        if self.asymmetric {
            // ORDERING: pairs with `heavy` (membarrier or its fallback); the
            // compiler must keep the store before and the load after in
            // program order, and the processor's reordering is undone by the
            // heavy barrier's IPI (or, with none left, by the waiter
            // observing our store: "No heavy barrier" in the module docs).
            core::sync::atomic::compiler_fence(Ordering::SeqCst);
        } else {
            // ORDERING: pairs with the SeqCst fence in `heavy`.
            fence(Ordering::SeqCst);
        }
    }

    /// The slow path's side: `membarrier` (or its fallback) when asymmetric,
    /// else a full fence. True when a barrier was issued; false when none
    /// can be (see "When `membarrier` is refused after registration"): the
    /// caller must then observe the other thread's step finish before it
    /// relies on its re-check.
    #[must_use = "false means no barrier was issued: observe the other step finish instead"]
    pub(crate) fn heavy(self) -> bool {
        if self.asymmetric {
            sys::heavy()
        } else {
            // ORDERING: pairs with the SeqCst fence in `light`.
            fence(Ordering::SeqCst);
            true
        }
    }
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(loom),
    not(miri)
))]
mod sys {
    use core::sync::atomic::{AtomicU8, Ordering};

    const UNKNOWN: u8 = 0;
    const PROBING: u8 = 1;
    const ENABLED: u8 = 2;
    const DISABLED: u8 = 3;

    /// Whether this process registered for expedited private membarriers.
    static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

    /// `HEAVY`: `membarrier` works (as far as we know).
    const MEMBARRIER: u8 = 0;
    /// `HEAVY`: `membarrier` was refused; the page fallback works.
    const PAGE: u8 = 1;
    /// `HEAVY`: no heavy barrier can be issued.
    const NONE: u8 = 2;

    /// Which heavy barrier a registered process issues. Only ever raised
    /// (`fetch_max`), so every thread that reads it skips the mechanisms
    /// already found refused.
    static HEAVY: AtomicU8 = AtomicU8::new(MEMBARRIER);

    const CMD_QUERY: usize = 0;
    const CMD_PRIVATE_EXPEDITED: usize = 1 << 3;
    const CMD_REGISTER_PRIVATE_EXPEDITED: usize = 1 << 4;

    #[cfg(target_arch = "x86_64")]
    const SYS_MEMBARRIER: usize = 324;
    #[cfg(target_arch = "aarch64")]
    const SYS_MEMBARRIER: usize = 283;

    /// A system call with three integer arguments; the raw return value
    /// (a negative errno on failure).
    ///
    /// # Safety
    ///
    /// The call, with these arguments, must not touch memory the caller does
    /// not own, nor break anything Rust relies on (no unmapping of live
    /// memory, for one).
    unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> isize {
        let ret: isize;
        // SAFETY: the asm follows the kernel's syscall ABI for x86_64 (number
        // in rax, arguments in rdi/rsi/rdx, rcx and r11 clobbered, no stack
        // used); the call's own effects are the caller's contract.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") nr as isize => ret,
                in("rdi") a0,
                in("rsi") a1,
                in("rdx") a2,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack, preserves_flags)
            );
        }
        // SAFETY: as above, for the aarch64 ABI (`svc 0`, number in x8,
        // arguments and result in x0..x2).
        #[cfg(target_arch = "aarch64")]
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("x8") nr,
                inlateout("x0") a0 as isize => ret,
                in("x1") a1,
                in("x2") a2,
                options(nostack, preserves_flags)
            );
        }
        ret
    }

    /// `membarrier(cmd, 0, 0)`; the raw return value (negative errno).
    fn membarrier(cmd: usize) -> isize {
        // SAFETY: `membarrier` takes three integers and touches no user
        // memory.
        unsafe { syscall3(SYS_MEMBARRIER, cmd, 0, 0) }
    }

    /// Registers the process once; true if expedited membarriers work (and
    /// no heavy barrier was found refused since). A channel created while
    /// another thread is probing uses fences.
    pub(super) fn available() -> bool {
        // ORDERING: Acquire pairs with the Release store below, so a thread
        // that sees ENABLED also sees the registration's effect (a syscall,
        // ordered by the kernel anyway).
        match STATE.load(Ordering::Acquire) {
            // ORDERING: Relaxed: a stale MEMBARRIER or PAGE only makes this
            // channel asymmetric, which `heavy` handles at any `HEAVY`.
            ENABLED => return HEAVY.load(Ordering::Relaxed) != NONE,
            DISABLED | PROBING => return false,
            _ => {}
        }
        // ORDERING: Relaxed CAS: only decides who probes.
        if STATE
            .compare_exchange(UNKNOWN, PROBING, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        let supported = membarrier(CMD_QUERY);
        let ok = supported >= 0
            && supported as usize & CMD_PRIVATE_EXPEDITED != 0
            && supported as usize & CMD_REGISTER_PRIVATE_EXPEDITED != 0
            && membarrier(CMD_REGISTER_PRIVATE_EXPEDITED) == 0
            && membarrier(CMD_PRIVATE_EXPEDITED) == 0;
        // ORDERING: Release pairs with the Acquire load above.
        STATE.store(if ok { ENABLED } else { DISABLED }, Ordering::Release);
        ok
    }

    /// The heavy barrier of a registered process: true if one was issued.
    pub(super) fn heavy() -> bool {
        // ORDERING: Relaxed: the value only picks a mechanism, and each one
        // is a complete barrier by itself when its calls succeed (a stale
        // value only tries one that a later failure reports as refused).
        let mut mode = HEAVY.load(Ordering::Relaxed);
        if mode == MEMBARRIER {
            if membarrier(CMD_PRIVATE_EXPEDITED) == 0 {
                return true;
            }
            // Registered, yet refused: a seccomp filter installed since (the
            // command has no other failure mode once registered).
            let next = if page::usable() { PAGE } else { NONE };
            // ORDERING: Relaxed, as the load above.
            mode = HEAVY.fetch_max(next, Ordering::Relaxed).max(next);
        }
        if mode == PAGE {
            if page::barrier() {
                return true;
            }
            // ORDERING: Relaxed, as the load above.
            HEAVY.fetch_max(NONE, Ordering::Relaxed);
        }
        false
    }

    /// The page-permission fallback (module docs, "When `membarrier` is
    /// refused after registration").
    #[cfg(target_arch = "x86_64")]
    mod page {
        use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

        use super::syscall3;

        const SYS_MMAP: usize = 9;
        const SYS_MPROTECT: usize = 10;
        const PROT_NONE: usize = 0;
        const PROT_READ_WRITE: usize = 0b11;
        const MAP_PRIVATE_ANONYMOUS: usize = 0x02 | 0x20;
        /// The base page size, 4 KiB on every x86_64.
        const SIZE: usize = 4096;

        /// Held around the three system calls (see the module docs).
        static LOCK: AtomicBool = AtomicBool::new(false);
        /// The page's address once mapped; written and read under `LOCK`.
        static PAGE: AtomicUsize = AtomicUsize::new(0);

        /// False where the TLB shootdown may need no IPI: a CPU with AMD's
        /// broadcast invalidation (CPUID 0x8000_0008, EBX bit 3, `INVLPGB`).
        pub(in super::super) fn usable() -> bool {
            let (max, _) = cpuid(0x8000_0000);
            max < 0x8000_0008 || cpuid(0x8000_0008).1 & (1 << 3) == 0
        }

        /// `cpuid(leaf)` with subleaf 0: (eax, ebx).
        fn cpuid(leaf: u32) -> (u32, u32) {
            let eax: u32;
            let ebx: u64;
            // SAFETY: `cpuid` exists on every x86_64 processor and only
            // writes eax..edx; rbx, which LLVM may reserve, is saved in a
            // scratch register and swapped back.
            unsafe {
                core::arch::asm!(
                    "mov {tmp}, rbx",
                    "cpuid",
                    "xchg {tmp}, rbx",
                    tmp = out(reg) ebx,
                    inlateout("eax") leaf => eax,
                    inlateout("ecx") 0u32 => _,
                    lateout("edx") _,
                    options(nostack, preserves_flags)
                );
            }
            (eax, ebx as u32)
        }

        /// One barrier; false if a system call was refused (nothing issued).
        pub(in super::super) fn barrier() -> bool {
            // ORDERING: Acquire pairs with the Release store that unlocks, so
            // the previous holder's `PAGE` store and page state are ours.
            while LOCK
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                // The holder is inside two or three system calls.
                #[cfg(feature = "std")]
                std::thread::yield_now();
                #[cfg(not(feature = "std"))]
                core::hint::spin_loop();
            }
            let issued = locked_barrier();
            // ORDERING: Release pairs with the Acquire above.
            LOCK.store(false, Ordering::Release);
            issued
        }

        /// `barrier`, with `LOCK` held.
        fn locked_barrier() -> bool {
            // ORDERING: Relaxed: written and read only under `LOCK`.
            let mut page = PAGE.load(Ordering::Relaxed);
            if page == 0 {
                let ret = mmap_anonymous(SIZE, PROT_READ_WRITE);
                if ret < 0 {
                    return false;
                }
                page = ret as usize;
                // ORDERING: Relaxed, as the load.
                PAGE.store(page, Ordering::Relaxed);
            } else {
                // SAFETY: `page` is our own mapping, used by nothing else.
                if unsafe { syscall3(SYS_MPROTECT, page, SIZE, PROT_READ_WRITE) } != 0 {
                    return false;
                }
            }
            // Make the page-table entry present (module docs).
            // SAFETY: the page is mapped read-write (just above) and only
            // ever accessed here, under `LOCK`.
            unsafe { core::ptr::write_volatile(page as *mut u8, 1) };
            // SAFETY: as for the `mprotect` above; nothing accesses the page
            // while it is inaccessible.
            unsafe { syscall3(SYS_MPROTECT, page, SIZE, PROT_NONE) == 0 }
        }

        /// `mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)`; the
        /// raw return value (the address, or a negative errno).
        fn mmap_anonymous(len: usize, prot: usize) -> isize {
            let ret: isize;
            // SAFETY: a fresh private anonymous mapping at an address the
            // kernel chooses (the first argument is 0) overlaps nothing we
            // use; the asm follows the x86_64 syscall ABI (fourth to sixth
            // arguments in r10, r8, r9; rcx and r11 clobbered).
            unsafe {
                core::arch::asm!(
                    "syscall",
                    inlateout("rax") SYS_MMAP as isize => ret,
                    in("rdi") 0usize,
                    in("rsi") len,
                    in("rdx") prot,
                    in("r10") MAP_PRIVATE_ANONYMOUS,
                    in("r8") usize::MAX,
                    in("r9") 0usize,
                    lateout("rcx") _,
                    lateout("r11") _,
                    options(nostack, preserves_flags)
                );
            }
            ret
        }
    }

    /// No fallback: TLB invalidation is broadcast by the hardware here, which
    /// orders nothing on the other cores (module docs).
    #[cfg(not(target_arch = "x86_64"))]
    mod page {
        pub(in super::super) fn usable() -> bool {
            false
        }

        pub(in super::super) fn barrier() -> bool {
            false
        }
    }
}

#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(loom),
    not(miri)
)))]
mod sys {
    pub(super) fn available() -> bool {
        false
    }

    /// Never called (no channel is asymmetric here); "no barrier" is the
    /// answer that is sound anyway.
    pub(super) fn heavy() -> bool {
        false
    }
}
