//! The one heap allocation shared by a [`Sender`](crate::Sender) and its
//! [`Receiver`](crate::Receiver): its layout, the accessors for its cells,
//! and freeing it.
//!
//! Layout on a 64-bit target (`#[repr(C)]`, in field order):
//!
//! ```text
//!  offset  size                      field
//!  0       8                         state      AtomicUsize, see `state.rs`
//!  8       max(size_of T, 16)        slot       union { message: T, tx_waker: Waker }
//!  8+slot  16                        rx_waker   the receiver's waker
//! ```
//!
//! For `T = u64` that is 8 + 16 + 16 = 40 bytes; for `T = [u8; 64]`, 88.
//!
//! The slot is shared between the message and the sender's `closed()` waker:
//! the waker is only needed before the message is written (the sender
//! withdraws it first), and the message only after. The state bits say which
//! of the two, if any, the slot holds.

use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::NonNull;
use core::task::Waker;

use crate::loom::{AtomicUsize, UnsafeCell};
use crate::state;

/// The slot's two possible contents. `#[repr(C)]` puts both at offset 0.
#[repr(C)]
union Slot<T> {
    message: ManuallyDrop<T>,
    tx_waker: ManuallyDrop<Waker>,
}

/// The shared allocation. No `Drop` impl: [`free`] drops whatever the state
/// says is initialised.
#[repr(C)]
pub(crate) struct Channel<T> {
    pub(crate) state: AtomicUsize,
    slot: UnsafeCell<MaybeUninit<Slot<T>>>,
    rx_waker: UnsafeCell<MaybeUninit<Waker>>,
}

impl<T> Channel<T> {
    /// Allocates an empty channel: the only allocation the crate makes.
    pub(crate) fn allocate() -> NonNull<Self> {
        crate::loom::allocate(Channel {
            state: AtomicUsize::new(0),
            slot: UnsafeCell::new(MaybeUninit::uninit()),
            rx_waker: UnsafeCell::new(MaybeUninit::uninit()),
        })
    }

    /// Moves a bitwise copy of `*message` into the slot.
    ///
    /// # Safety
    ///
    /// * The caller (the sender) owns the slot: no [`state::TX_DONE`] bit
    ///   yet, and no `closed()` waker in it (see [`state::TX_WAKER`]).
    /// * The copy becomes the receiver's only if the sender's following RMW
    ///   publishes it; otherwise the sender keeps `*message` and must treat
    ///   the copy as dead bits.
    #[inline(always)]
    pub(crate) unsafe fn write_message(&self, message: &ManuallyDrop<T>) {
        self.slot.with_mut(|slot| {
            // SAFETY: the caller owns the slot (see above); reading `message`
            // through a shared reference and writing the bits is a copy, and
            // `ManuallyDrop` keeps the caller's copy from being dropped.
            unsafe { slot.cast::<T>().write(core::ptr::read(&**message)) }
        });
    }

    /// Moves the message out of the slot.
    ///
    /// # Safety
    ///
    /// The state, acquired, satisfies [`state::has_message`], and the caller
    /// owns the message: the receiver, which marks it taken
    /// ([`state::RX_DONE`]) before anyone else can look at the slot again, or
    /// the last side in [`free`], which deallocates right after.
    #[inline(always)]
    pub(crate) unsafe fn take_message(&self) -> T {
        // SAFETY: per the contract, the slot holds a valid, published `T`
        // that the caller owns.
        self.slot.with(|slot| unsafe { slot.cast::<T>().read() })
    }

    /// Stores the sender's `closed()` waker in the slot.
    ///
    /// # Safety
    ///
    /// The sender owns the slot: no message, no waker in it, and
    /// [`state::TX_WAKER`] not set.
    #[cfg(feature = "async")]
    pub(crate) unsafe fn write_tx_waker(&self, waker: Waker) {
        // SAFETY: the caller owns the empty slot.
        self.slot
            .with_mut(|slot| unsafe { slot.cast::<Waker>().write(waker) });
    }

    /// Whether the stored `closed()` waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// The slot holds the sender's waker ([`state::TX_WAKER`] set by the
    /// caller). The receiver may be copying it out at the same time; both
    /// only read.
    #[cfg(feature = "async")]
    pub(crate) unsafe fn tx_waker_will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: the slot holds an initialised waker; reading it through a
        // shared reference races only with other reads.
        self.slot
            .with(|slot| unsafe { (*slot.cast::<Waker>()).will_wake(waker) })
    }

    /// Moves the sender's `closed()` waker out of the slot.
    ///
    /// # Safety
    ///
    /// The slot holds the waker and the caller owns it: either the sender
    /// after withdrawing [`state::TX_WAKER`], or the receiver after claiming
    /// it with [`state::RX_CLAIM`].
    pub(crate) unsafe fn take_tx_waker(&self) -> Waker {
        // SAFETY: per the contract, the slot holds a waker the caller owns.
        self.slot
            .with(|slot| unsafe { slot.cast::<Waker>().read() })
    }

    /// Stores the receiver's waker.
    ///
    /// # Safety
    ///
    /// The receiver owns the empty cell: [`state::RX_WAKER`] is clear.
    #[cfg(any(feature = "std", feature = "async"))]
    pub(crate) unsafe fn write_rx_waker(&self, waker: Waker) {
        // SAFETY: the caller owns the empty cell.
        self.rx_waker
            .with_mut(|cell| unsafe { (*cell).write(waker) });
    }

    /// Whether the stored receiver waker would wake the same task as `waker`.
    ///
    /// # Safety
    ///
    /// [`state::RX_WAKER`] is set. The sender may be copying the waker out at
    /// the same time (its claim); both only read, and `will_wake` compares
    /// pointers without following them.
    #[cfg(any(feature = "std", feature = "async"))]
    pub(crate) unsafe fn rx_waker_will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: the cell holds an initialised waker; reads only.
        self.rx_waker
            .with(|cell| unsafe { (*cell).assume_init_ref().will_wake(waker) })
    }

    /// Moves the receiver's waker out of its cell.
    ///
    /// # Safety
    ///
    /// The cell holds a waker and the caller owns it: the receiver after
    /// withdrawing [`state::RX_WAKER`], or the sender whose final RMW found
    /// `RX_WAKER` set (its claim).
    pub(crate) unsafe fn take_rx_waker(&self) -> Waker {
        // SAFETY: per the contract, the cell holds a waker the caller owns.
        self.rx_waker
            .with(|cell| unsafe { (*cell).assume_init_read() })
    }
}

/// Frees the allocation, and then drops what `state` says it still held: a
/// message nobody received, or a `closed()` waker nobody took.
///
/// Both are moved out of the slot and dropped only after the deallocation,
/// so their `Drop` (user code) runs after the caller's last access to the
/// channel (see the rule in `state.rs`): a panicking `T::drop` or waker
/// unwinds out of a channel that is already freed, and leaks nothing.
///
/// # Safety
///
/// * The caller is the last side: `state` is the final state, acquired, and
///   the other side will never touch the allocation again.
/// * No handle to `channel` is used after this call.
#[inline(always)]
pub(crate) unsafe fn free<T>(channel: NonNull<Channel<T>>, state: usize) {
    debug_assert!(
        state & state::RX_WAKER == 0,
        "freed with a waker claim open"
    );
    let message_to_drop = core::mem::needs_drop::<T>() && state::has_message(state);
    if !message_to_drop && !state::slot_has_tx_waker(state) {
        // Nothing in the slot needs dropping (a message without drop glue
        // is left where it is).
        // SAFETY: per the contract, we are the last user.
        unsafe { deallocate(channel) };
        return;
    }
    // SAFETY: as above.
    unsafe { free_with_leftovers(channel, state) }
}

/// [`free`] when the slot holds something to drop. Out of line, so that
/// the common paths that free an empty channel stay small.
///
/// # Safety
///
/// As for [`free`].
#[cold]
#[inline(never)]
unsafe fn free_with_leftovers<T>(channel: NonNull<Channel<T>>, state: usize) {
    let mut message = None;
    let mut waker = None;
    {
        // SAFETY: the caller is the last user, so the allocation is valid
        // until the `deallocate` below, and nobody else accesses it.
        let shared = unsafe { channel.as_ref() };
        if state::has_message(state) {
            // A message without drop glue is left where it is.
            if core::mem::needs_drop::<T>() {
                // SAFETY: the state says the slot holds an untaken,
                // published message, and nobody else will read it.
                message = Some(unsafe { shared.take_message() });
            }
        } else if state::slot_has_tx_waker(state) {
            // SAFETY: the state says the slot holds the sender's waker,
            // which the receiver never claimed; the sender is gone, so it
            // is ours.
            waker = Some(unsafe { shared.take_tx_waker() });
        }
    }
    // SAFETY: per the contract, we are the last user; what we still need
    // was moved out above.
    unsafe { deallocate(channel) };
    // User code, after the last access to the channel.
    drop(waker);
    drop(message);
}

/// [`free`] for a caller that knows the slot holds nothing to drop.
///
/// # Safety
///
/// As for [`free`], and the final state has no `closed()` waker in the slot
/// and no message with drop glue.
#[inline(always)]
pub(crate) unsafe fn free_empty<T>(channel: NonNull<Channel<T>>) {
    // SAFETY: per the contract.
    unsafe { deallocate(channel) };
}

/// Returns the allocation.
///
/// # Safety
///
/// The caller is the last user of `channel`, and whatever the slot still
/// holds has been moved out or needs no drop.
#[inline(always)]
unsafe fn deallocate<T>(channel: NonNull<Channel<T>>) {
    // Freeing is a write to every cell. loom does not see a deallocation as
    // an access, so say it explicitly: a read of a cell by the other side
    // that is not ordered before this free is then reported as a data race.
    #[cfg(loom)]
    {
        // SAFETY: the caller is the last user; the allocation is valid.
        let shared = unsafe { channel.as_ref() };
        shared.slot.with_mut(|_| ());
        shared.rx_waker.with_mut(|_| ());
    }
    // SAFETY: the pointer came from `allocate`, and the caller is its last
    // user. `Channel` has no `Drop` of its own: this returns the memory (and
    // drops loom's bookkeeping under loom).
    unsafe { crate::loom::deallocate(channel) };
}

#[cfg(all(test, not(loom), target_pointer_width = "64"))]
mod tests {
    use super::Channel;
    use core::mem::size_of;

    /// The allocation budgets of the core issue: 40 bytes for `u64` (state,
    /// the 16-byte slot shared with the `closed()` waker, the receiver's
    /// waker) and at most 96 for `[u8; 64]`.
    #[test]
    fn allocation_sizes_stay_within_budget() {
        assert_eq!(size_of::<Channel<u64>>(), 40);
        assert_eq!(size_of::<Channel<()>>(), 40);
        assert_eq!(size_of::<Channel<[u8; 64]>>(), 88);
        assert!(size_of::<Channel<[u8; 64]>>() <= 96);
    }
}
