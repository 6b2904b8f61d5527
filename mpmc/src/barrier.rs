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
//! unavailable (another OS or architecture, an old kernel, a seccomp filter,
//! valgrind, Miri, loom), both barriers are a `SeqCst` fence: the protocol is
//! the same, it just costs one fence per publish. A channel decides its mode
//! when it is created and keeps it.
//!
//! loom and Miri always run the fence form: the memory model has no notion of
//! `membarrier`, so what they check is the protocol with symmetric fences; the
//! substitution of the light/heavy pair for it is the argument above.

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
            // ORDERING: pairs with `heavy` (membarrier); the compiler must
            // keep the store before and the load after in program order, and
            // the processor's reordering is undone by the heavy barrier's IPI.
            core::sync::atomic::compiler_fence(Ordering::SeqCst);
        } else {
            // ORDERING: pairs with the SeqCst fence in `heavy`.
            fence(Ordering::SeqCst);
        }
    }

    /// The slow path's side: `membarrier` when asymmetric, else a full fence.
    pub(crate) fn heavy(self) {
        if self.asymmetric {
            sys::membarrier();
        } else {
            // ORDERING: pairs with the SeqCst fence in `light`.
            fence(Ordering::SeqCst);
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

    const CMD_QUERY: usize = 0;
    const CMD_PRIVATE_EXPEDITED: usize = 1 << 3;
    const CMD_REGISTER_PRIVATE_EXPEDITED: usize = 1 << 4;

    #[cfg(target_arch = "x86_64")]
    const SYS_MEMBARRIER: usize = 324;
    #[cfg(target_arch = "aarch64")]
    const SYS_MEMBARRIER: usize = 283;

    /// `membarrier(cmd, 0, 0)`; the raw return value (negative errno).
    fn call(cmd: usize) -> isize {
        let ret: isize;
        // SAFETY: `membarrier` takes three integers and touches no user
        // memory; the asm follows the kernel's syscall ABI for this
        // architecture (the clobbered registers are declared).
        #[cfg(target_arch = "x86_64")]
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") SYS_MEMBARRIER as isize => ret,
                in("rdi") cmd,
                in("rsi") 0usize,
                in("rdx") 0usize,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack, preserves_flags)
            );
        }
        // SAFETY: as above, for the aarch64 ABI (`svc 0`, number in x8).
        #[cfg(target_arch = "aarch64")]
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("x8") SYS_MEMBARRIER,
                inlateout("x0") cmd as isize => ret,
                in("x1") 0usize,
                in("x2") 0usize,
                options(nostack, preserves_flags)
            );
        }
        ret
    }

    /// Registers the process once; true if expedited membarriers work. A
    /// channel created while another thread is probing uses fences.
    pub(super) fn available() -> bool {
        // ORDERING: Acquire pairs with the Release store below, so a thread
        // that sees ENABLED also sees the registration's effect (a syscall,
        // ordered by the kernel anyway).
        match STATE.load(Ordering::Acquire) {
            ENABLED => return true,
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
        let supported = call(CMD_QUERY);
        let ok = supported >= 0
            && supported as usize & CMD_PRIVATE_EXPEDITED != 0
            && supported as usize & CMD_REGISTER_PRIVATE_EXPEDITED != 0
            && call(CMD_REGISTER_PRIVATE_EXPEDITED) == 0
            && call(CMD_PRIVATE_EXPEDITED) == 0;
        // ORDERING: Release pairs with the Acquire load above.
        STATE.store(if ok { ENABLED } else { DISABLED }, Ordering::Release);
        ok
    }

    /// The heavy barrier.
    pub(super) fn membarrier() {
        let ret = call(CMD_PRIVATE_EXPEDITED);
        // The process is registered, so the kernel cannot refuse (the command
        // has no failure mode once registered); if it ever did, continuing
        // would risk a lost wake-up, so stop loudly instead.
        assert!(
            ret == 0,
            "membarrier(PRIVATE_EXPEDITED) failed after registration: {ret}"
        );
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

    pub(super) fn membarrier() {
        unreachable!("membarrier is never used where it is unavailable")
    }
}
