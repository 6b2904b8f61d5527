//! Hostile wakers and payloads for the `mpmc` hostile tests: a waker whose
//! `wake`, `wake_by_ref`, `clone` or `drop` panics (each armed separately,
//! at any time) or runs a closure that re-enters the channel, and a message
//! whose `Drop` panics.
//!
//! Every counter is `Relaxed`: counts are read on the thread that made them
//! or after a join (which orders them), and relaxed operations add no
//! happens-before edges that could hide a race in the channel from Miri.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Once};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::ledger::{Ledger, LedgerMsg};

/// Which of a [`HostileWaker`]'s functions panic (bit flags, combined with
/// `|`).
pub mod panics {
    /// Nothing panics.
    pub const NONE: u8 = 0;
    /// `wake` (by value) panics, after it counted itself, ran its hook and
    /// released its handle.
    pub const WAKE: u8 = 1;
    /// `wake_by_ref` panics, after it counted itself and ran its hook.
    pub const WAKE_BY_REF: u8 = 2;
    /// `clone` panics, after it counted the attempt (no handle is made).
    pub const CLONE: u8 = 4;
    /// Releasing the *last* live handle panics (a `drop`, or a `wake` that
    /// consumes it), after the handle is released and the drop hook ran.
    pub const DROP: u8 = 8;
}

/// The payload of every panic the hostile helpers raise on purpose; the
/// quiet panic hook ([`quietly`]) does not print panics that start with it.
pub const HOSTILE: &str = "hostile:";

type Hook = Arc<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct Inner {
    panics: AtomicU8,
    wakes: AtomicUsize,
    wakes_by_ref: AtomicUsize,
    clones: AtomicUsize,
    drops: AtomicUsize,
    live: AtomicUsize,
    on_wake: Mutex<Option<Hook>>,
    on_drop: Mutex<Option<Hook>>,
}

/// A waker factory whose wakers misbehave as armed (see [`panics`]) and
/// count what the channel does with them: wake-ups (by value and by
/// reference), clones, handle drops, and the handles still alive.
///
/// A hook set with [`on_wake`](Self::on_wake) runs inside `wake` and
/// `wake_by_ref`; one set with [`on_drop`](Self::on_drop) runs when the last
/// live handle is released. Hooks are cloned out of their lock before they
/// run, so a hook may re-enter anything, this waker included.
///
/// # Examples
///
/// ```
/// use oneshot_tests::{panics, quietly, HostileWaker};
///
/// let hostile = HostileWaker::new(panics::WAKE);
/// let waker = hostile.waker();
/// assert!(quietly(|| waker.clone().wake()).is_err());
/// assert_eq!((hostile.wakes(), hostile.clones(), hostile.live()), (1, 1, 1));
/// hostile.arm(panics::NONE);
/// waker.wake_by_ref();
/// assert_eq!(hostile.wakes_by_ref(), 1);
/// ```
#[derive(Clone, Default)]
pub struct HostileWaker(Arc<Inner>);

static VTABLE: RawWakerVTable = RawWakerVTable::new(
    hostile_clone,
    hostile_wake,
    hostile_wake_by_ref,
    hostile_drop,
);

fn raw(inner: *const Inner) -> RawWaker {
    RawWaker::new(inner.cast(), &VTABLE)
}

/// # Safety
///
/// `data` came from `Arc::<Inner>::into_raw` and its strong count is held by
/// the waker being used.
unsafe fn inner<'a>(data: *const ()) -> &'a Inner {
    // SAFETY: per the contract the allocation is alive while the waker is.
    unsafe { &*data.cast::<Inner>() }
}

fn armed(inner: &Inner, flag: u8) -> bool {
    // ORDERING: Relaxed, see the module docs.
    inner.panics.load(Relaxed) & flag != 0
}

fn hook(slot: &Mutex<Option<Hook>>) -> Option<Hook> {
    slot.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// # Safety
///
/// As for [`inner`].
unsafe fn hostile_clone(data: *const ()) -> RawWaker {
    // SAFETY: per the contract.
    let this = unsafe { inner(data) };
    // ORDERING: Relaxed, see the module docs.
    this.clones.fetch_add(1, Relaxed);
    if armed(this, panics::CLONE) {
        panic!("{HOSTILE} waker clone panics");
    }
    // ORDERING: Relaxed, see the module docs.
    this.live.fetch_add(1, Relaxed);
    // SAFETY: the waker being cloned holds one strong count, so the
    // allocation is alive; we add one for the clone.
    unsafe { Arc::increment_strong_count(data.cast::<Inner>()) };
    raw(data.cast())
}

/// Gives up one handle: counts it, runs the drop hook and panics (if armed
/// and no panic is in flight) when it was the last live one.
///
/// # Safety
///
/// As for [`inner`]; consumes the handle's strong count.
unsafe fn release(data: *const ()) {
    let (last, drop_hook, panic) = {
        // SAFETY: per the contract, alive until the decrement below.
        let this = unsafe { inner(data) };
        // ORDERING: Relaxed, see the module docs.
        this.drops.fetch_add(1, Relaxed);
        // ORDERING: Relaxed, see the module docs.
        let last = this.live.fetch_sub(1, Relaxed) == 1;
        (
            last,
            if last { hook(&this.on_drop) } else { None },
            last && armed(this, panics::DROP),
        )
    };
    // SAFETY: the handle's strong count is given up here; `this` is not
    // used afterwards.
    unsafe { Arc::decrement_strong_count(data.cast::<Inner>()) };
    if last {
        if let Some(hook) = drop_hook {
            hook();
        }
        if panic && !std::thread::panicking() {
            panic!("{HOSTILE} waker drop panics");
        }
    }
}

/// # Safety
///
/// As for [`release`].
unsafe fn hostile_wake(data: *const ()) {
    /// Releases the handle even if the hook panics.
    struct Release(*const ());
    impl Drop for Release {
        fn drop(&mut self) {
            // SAFETY: `hostile_wake`'s contract: the handle is ours to give up.
            unsafe { release(self.0) };
        }
    }
    let (wake_hook, panic) = {
        // SAFETY: per the contract.
        let this = unsafe { inner(data) };
        // ORDERING: Relaxed, see the module docs.
        this.wakes.fetch_add(1, Relaxed);
        (hook(&this.on_wake), armed(this, panics::WAKE))
    };
    let release = Release(data);
    if let Some(hook) = wake_hook {
        hook();
    }
    drop(release);
    if panic {
        panic!("{HOSTILE} waker wake panics");
    }
}

/// # Safety
///
/// As for [`inner`].
unsafe fn hostile_wake_by_ref(data: *const ()) {
    // SAFETY: per the contract.
    let this = unsafe { inner(data) };
    // ORDERING: Relaxed, see the module docs.
    this.wakes_by_ref.fetch_add(1, Relaxed);
    if let Some(hook) = hook(&this.on_wake) {
        hook();
    }
    if armed(this, panics::WAKE_BY_REF) {
        panic!("{HOSTILE} waker wake_by_ref panics");
    }
}

/// # Safety
///
/// As for [`release`].
unsafe fn hostile_drop(data: *const ()) {
    // SAFETY: per the contract.
    unsafe { release(data) };
}

impl HostileWaker {
    /// A factory whose wakers panic as `panics` says (see [`panics`]).
    pub fn new(panics: u8) -> Self {
        let this = Self::default();
        this.arm(panics);
        this
    }

    /// Changes which functions panic from now on.
    pub fn arm(&self, panics: u8) {
        // ORDERING: Relaxed, see the module docs.
        self.0.panics.store(panics, Relaxed);
    }

    /// Runs `hook` inside every later `wake` and `wake_by_ref`.
    pub fn on_wake(&self, hook: impl Fn() + Send + Sync + 'static) {
        *self.0.on_wake.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(hook));
    }

    /// Runs `hook` whenever the last live handle is released.
    pub fn on_drop(&self, hook: impl Fn() + Send + Sync + 'static) {
        *self.0.on_drop.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(hook));
    }

    /// Removes both hooks (they may hold channel handles).
    pub fn clear_hooks(&self) {
        *self.0.on_wake.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.0.on_drop.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// A new handle (not counted as a clone).
    pub fn waker(&self) -> Waker {
        // ORDERING: Relaxed, see the module docs.
        self.0.live.fetch_add(1, Relaxed);
        let raw = raw(Arc::into_raw(Arc::clone(&self.0)));
        // SAFETY: the data pointer holds one strong count of an `Arc<Inner>`,
        // which is what every vtable function expects.
        unsafe { Waker::from_raw(raw) }
    }

    /// How many times `wake` (by value) ran.
    pub fn wakes(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.wakes.load(Relaxed)
    }

    /// How many times `wake_by_ref` ran.
    pub fn wakes_by_ref(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.wakes_by_ref.load(Relaxed)
    }

    /// Wake-ups of either kind.
    pub fn woken(&self) -> usize {
        self.wakes() + self.wakes_by_ref()
    }

    /// How many clones were attempted (a panicking clone counts).
    pub fn clones(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.clones.load(Relaxed)
    }

    /// How many handles were released (dropped, or consumed by `wake`).
    pub fn drops(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.drops.load(Relaxed)
    }

    /// How many handles are alive (held by the test or the channel).
    pub fn live(&self) -> usize {
        // ORDERING: Relaxed, see the module docs.
        self.0.live.load(Relaxed)
    }
}

impl fmt::Debug for HostileWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostileWaker")
            .field("wakes", &self.wakes())
            .field("wakes_by_ref", &self.wakes_by_ref())
            .field("clones", &self.clones())
            .field("drops", &self.drops())
            .field("live", &self.live())
            .finish_non_exhaustive()
    }
}

/// A message whose `Drop` panics when armed (unless a panic is already in
/// flight, which would abort), and whose drop is always counted in the
/// [`Ledger`] that made it, panic or not.
///
/// # Examples
///
/// ```
/// use oneshot_tests::{quietly, Bomb, Ledger};
///
/// let ledger = Ledger::new(2);
/// assert!(quietly(|| drop(Bomb::new(&ledger, 0, true))).is_err());
/// drop(Bomb::new(&ledger, 1, false));
/// ledger.assert_dropped_once(&[0, 1]);
/// ```
pub struct Bomb {
    msg: LedgerMsg,
    armed: bool,
}

impl Bomb {
    /// Message `id` of `ledger`; its `Drop` panics if `armed`.
    pub fn new(ledger: &Ledger, id: usize, armed: bool) -> Self {
        Self {
            msg: ledger.msg(id),
            armed,
        }
    }

    /// Its ledger id.
    pub fn id(&self) -> usize {
        self.msg.id()
    }
}

impl Drop for Bomb {
    fn drop(&mut self) {
        // The `LedgerMsg` field is dropped (and counted) after this body,
        // also when it panics.
        if self.armed && !std::thread::panicking() {
            panic!("{HOSTILE} message {} panics in Drop", self.msg.id());
        }
    }
}

impl fmt::Debug for Bomb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bomb")
            .field("id", &self.id())
            .field("armed", &self.armed)
            .finish()
    }
}

/// Runs `f`, catching a panic. The first call installs a panic hook that
/// does not print the panics the hostile helpers raise on purpose (their
/// message starts with [`HOSTILE`]) and hands every other one to the hook
/// that was there before.
pub fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if !message.is_some_and(|m| m.starts_with(HOSTILE)) {
                previous(info);
            }
        }));
    });
    catch_unwind(AssertUnwindSafe(f))
}
