//! The unbounded flavor: a lock-free linked list of blocks, for any number of
//! senders and receivers, in which nobody ever waits for another thread.
//!
//! # Layout
//!
//! Messages live in heap blocks of [`BLOCK_CAP`] slots (32; 2 under loom so
//! the models stay small). A block is one allocation, aligned to 256 bytes:
//! a `next` pointer, a `left` counter (how many obligations remain before the
//! block may be freed) and the slots. A slot is the message cell and a state
//! word: `EMPTY` (claimed or not, nothing written), `WRITTEN` (the sender
//! published it), `ABANDONED` (a receiver claimed it before it was written
//! and gave it back, see below).
//!
//! The head and the tail are each **one word holding the block pointer and an
//! offset in its low 8 bits** (the alignment makes room), so a claim names its
//! block and its slot in one compare-and-swap and nobody ever needs a second,
//! separately updated "current block" pointer:
//!
//! * tail: `block | offset | DISCONNECTED`, the next slot a sender claims;
//! * head: `block | offset` with `offset < BLOCK_CAP`, the next slot a receiver
//!   claims, or `block | BLOCK_CAP + pins` once every slot of `block` has been
//!   claimed and the head still has to be moved to the next block ("the block
//!   is exhausted"; `pins` counts receivers that are looking at `block.next`).
//!
//! # Sending
//!
//! A sender CASes the tail from `B | k` to `B | k + 1`: the slot is now its
//! own. For the last slot (`k == BLOCK_CAP - 1`) it first takes a fresh block
//! `N` (a spare, or a new allocation) and CASes `B | k` to
//! `N | 0` instead: one CAS claims the last slot **and** installs the next
//! block, so no sender ever sees a full block whose successor is missing. A
//! sender that loses that race keeps its block for the rest of the call and
//! parks it as a spare (or frees it if all `SPARES` are taken). The
//! winner then links `B.next = N` (a swap, see the head below), writes its
//! message and publishes it by CASing the slot `EMPTY -> WRITTEN`.
//!
//! # Receiving
//!
//! A receiver compares the head with the tail (equal: `Empty`, or
//! `Disconnected` when the tail is marked) and CASes the head from `B | k` to
//! `B | k + 1`. Only then does it look at the slot (looking first would
//! dereference a block it has no claim on, see reclamation). If the slot is
//! `WRITTEN` it takes the message. If the sender is still writing, the
//! receiver does not wait: after a bounded re-read (the sender is usually a
//! memcpy away from publishing) it CASes the slot `EMPTY -> ABANDONED` and
//! reports
//! `Empty`. The sender's publish CAS then fails; it takes its message back
//! and sends it again at the new tail, so it is published (and, by the
//! caller, announced) after all. Whoever loses the slot's CAS race knows it.
//!
//! Claiming the last slot moves the head to `B | BLOCK_CAP + 1`: exhausted,
//! with the claimer holding one pin. Any receiver that finds the head
//! exhausted adds a pin (CAS), after which `B` cannot be freed under it, and
//! reads `B.next`. If the sender of the last slot has linked `N`, the pin
//! holder CASes the head to `N | 0` itself (moving the pins it finds there
//! onto `B.left`). If not, it CASes `B.next` from null to a `WAITING` marker
//! and reports `Empty`: the sender's link is a swap, sees the marker and
//! moves the head itself before it publishes. Both sides use an RMW on
//! `B.next`, so one of them always sees the other: the head never stays
//! exhausted once `N` is linked, and a receiver that reports `Empty` because
//! of a missing link is waiting for a sender's step that is followed by the
//! caller's notification.
//!
//! # Reclamation: who frees a block, and why nobody touches it afterwards
//!
//! A thread dereferences a block only while it holds an obligation on it:
//!
//! * a claim of one of its slots (sender or receiver) that is not finished:
//!   a slot is finished when its receiver has copied the message out, or,
//!   for an abandoned slot, when its sender has taken the message back;
//! * a pin taken on the exhausted head (`B | BLOCK_CAP + pins`);
//! * the move of the head past the block (one obligation, worth
//!   `CONVERSION`, held by whoever moves it).
//!
//! Every claim and pin is taken by a CAS on a word that *contains the block's
//! address*, so a thread that loaded a stale tail or head and was descheduled
//! cannot acquire anything on a block that has moved on: its CAS fails and it
//! never dereferences the stale pointer. (If the address was freed and reused
//! in between, the CAS succeeds on the new block, which is then the right
//! one; the pointer used afterwards is the one the CAS returned.)
//!
//! `left` starts at `BLOCK_CAP + CONVERSION`. Each finished slot subtracts
//! one, the thread that moves the head past the block adds the pins it found
//! and subtracts `CONVERSION`, and each pin released after that subtracts
//! one. Pins released before the move come off the head word instead.
//! `CONVERSION` exceeds the largest pin count, so `left` cannot reach zero
//! before the move is accounted for, and afterwards it reaches zero exactly
//! once, when the last obligation is gone; the thread that brings it to zero
//! frees the block. All these updates are `AcqRel` RMWs on one counter, so
//! every access to the block by any thread happens before the free. The
//! blocks are therefore released as they are drained, while the channel
//! runs: the releasing thread resets the block and parks it as a spare for a
//! later install (to every other thread that is the same as a free and a new
//! allocation at the same address), or frees it when `SPARES` are parked;
//! `Drop` frees what is left.
//!
//! # Why nobody spins
//!
//! Every loop in this file retries a CAS that failed because another thread
//! changed the word (made progress). No operation waits for a half-finished
//! step of another thread: a missing next block is installed by whoever
//! claims the last slot, in its own claim; an unwritten slot is abandoned
//! (`Empty`); a missing link is handed to its sender with the marker
//! (`Empty`). The one bound: at most 223 receivers can pin one exhausted head
//! at the same instant; a 224th reports `Empty` (it would otherwise have to
//! wait for one of them).
//!
//! # Cost (one thread sending then receiving, no contention)
//!
//! Per message: the sender's tail CAS and publish CAS, the receiver's head
//! CAS and the `left` decrement: 4 locked RMWs (the caller adds one fence
//! after each send). Per block of 32, in addition: the link swap, the head
//! move CAS, the `left` adjustment and the two block counters for `len`
//! (about 0.16 per message), and one allocation.

// Design notes.
//
// - `new` allocates the first block, so the tail and head always name a real
//   block and no operation has an "empty list" case.
// - The abandon hand-off makes `try_send` loop internally when a receiver gave
//   its slot back; each round is one claim, and only a receiver's progress
//   (claiming the slot) causes another round. FIFO per sender holds because a
//   sender's next `try_send` starts only after this one has published.
// - `len` reads two block counters that the block movers bump after their CAS,
//   so while a block boundary is being crossed it can be off by one block's
//   worth (`BLOCK_CAP`); when no boundary crossing is in flight it is exact.
//   An exact count would need the counters inside the head/tail words, which
//   have no room for them.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

use alloc::alloc::{alloc, handle_alloc_error};
use alloc::boxed::Box;
use core::alloc::Layout;

use super::CachePadded;
use crate::errors::{TryRecvError, TrySendError};
use crate::loom::{AtomicPtr, AtomicUsize, Ordering, UnsafeCell};

/// Slots per block.
#[cfg(not(loom))]
const BLOCK_CAP: usize = 32;
/// Slots per block (tiny under loom so a model crosses blocks quickly).
#[cfg(loom)]
const BLOCK_CAP: usize = 2;

/// The low bits of a head or tail word (the block is aligned to 256 bytes).
const LOW_MASK: usize = 0xff;
/// Blocks kept for reuse (drained blocks, and blocks that lost an install
/// race) before further ones are freed: a queue that stays short allocates
/// nothing in its steady state, and a long one frees what it drains beyond
/// this many.
const SPARES: usize = 2;
/// Re-reads of a claimed slot whose sender is still writing, before the
/// receiver abandons it (see `take`).
#[cfg(not(loom))]
const TAKE_REREADS: u32 = 64;
/// Then this many `yield_now`s (with `std`), for a sender descheduled
/// mid-copy (2 cores, more threads); still bounded.
#[cfg(not(loom))]
const TAKE_YIELDS: u32 = if cfg!(feature = "std") { 8 } else { 0 };
/// Tail flag: `disconnect` was called, no send claims a slot any more.
const DISCONNECTED: usize = 0x80;
/// Weight of the "move the head past this block" obligation in `left`; larger
/// than any pin count the head word can hold.
const CONVERSION: usize = LOW_MASK + 1;

/// Slot state: nothing published (the slot may be claimed by a sender that
/// is still writing).
const EMPTY: usize = 0;
/// Slot state: the message is written and belongs to the slot's receiver.
const WRITTEN: usize = 1;
/// Slot state: the receiver claimed the slot before it was written and gave
/// it back; the message (once written) belongs to its sender again.
const ABANDONED: usize = 2;

const _: () = assert!(BLOCK_CAP < DISCONNECTED && BLOCK_CAP + 1 < LOW_MASK);

struct Slot<T> {
    msg: UnsafeCell<MaybeUninit<T>>,
    state: AtomicUsize,
}

#[repr(C, align(256))]
struct Block<T> {
    /// The next block: null, `waiting()`, or the block installed by the sender
    /// of this block's last slot.
    next: AtomicPtr<Block<T>>,
    /// Obligations left before the block may be freed (module docs).
    left: AtomicUsize,
    slots: [Slot<T>; BLOCK_CAP],
}

impl<T> Block<T> {
    /// Allocates and initialises a block in place (a block of large messages
    /// would not fit on the stack).
    fn alloc() -> *mut Self {
        let layout = Layout::new::<Self>();
        // SAFETY: the layout has a non-zero size (the block holds atomics).
        let raw = unsafe { alloc(layout) }.cast::<Self>();
        if raw.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: `raw` is a fresh allocation for a `Self`, so every field is
        // valid for one write; each is written exactly once before use.
        unsafe {
            ptr::addr_of_mut!((*raw).next).write(AtomicPtr::new(ptr::null_mut()));
            ptr::addr_of_mut!((*raw).left).write(AtomicUsize::new(BLOCK_CAP + CONVERSION));
            let slots = ptr::addr_of_mut!((*raw).slots).cast::<Slot<T>>();
            for i in 0..BLOCK_CAP {
                slots.add(i).write(Slot {
                    msg: UnsafeCell::new(MaybeUninit::uninit()),
                    state: AtomicUsize::new(EMPTY),
                });
            }
        }
        raw
    }

    /// Puts a drained block back in the state `alloc` leaves it in.
    ///
    /// # Safety
    /// As for [`Block::free`]: no other thread accesses the block now, and
    /// it is only reached again through a publication (a spare slot's
    /// Release CAS, then the install's tail CAS).
    unsafe fn reset(block: *mut Self) {
        // SAFETY: exclusive by the caller's contract; under loom the cell
        // writes make any access racing with the reuse a reported race.
        unsafe {
            #[cfg(loom)]
            for slot in &(*block).slots {
                slot.msg.with_mut(|_| ());
            }
            // ORDERING: Relaxed: published by the Release CAS in `put_spare`.
            (*block).next.store(ptr::null_mut(), Ordering::Relaxed);
            // ORDERING: as above.
            (*block)
                .left
                .store(BLOCK_CAP + CONVERSION, Ordering::Relaxed);
            for slot in &(*block).slots {
                // ORDERING: as above.
                slot.state.store(EMPTY, Ordering::Relaxed);
            }
        }
    }

    /// Frees a block (never drops a message: the cells are `MaybeUninit`).
    ///
    /// # Safety
    /// - `block` came from [`Block::alloc`] and is freed once;
    /// - no other thread accesses it now or later (every access happened
    ///   before this call).
    unsafe fn free(block: *mut Self) {
        // loom does not treat a free as an access: touch every cell so that an
        // access racing with the free is reported.
        #[cfg(loom)]
        // SAFETY: the caller guarantees the block is alive and ours.
        unsafe {
            for slot in &(*block).slots {
                slot.msg.with_mut(|_| ());
            }
        }
        // SAFETY: allocated with the global allocator and `Layout::new::<Self>()`,
        // which is what `Box<Self>` uses; exclusive by the caller's contract.
        drop(unsafe { Box::from_raw(block) });
    }
}

/// The marker a receiver leaves in `next` for the sender that will link it.
/// Its address (the alignment, 256) is never the address of a heap block.
fn waiting<T>() -> *mut Block<T> {
    NonNull::dangling().as_ptr()
}

/// The low bits of a head or tail word.
fn low<T>(word: *mut Block<T>) -> usize {
    word as usize & LOW_MASK
}

/// The block a head or tail word names.
fn block_of<T>(word: *mut Block<T>) -> *mut Block<T> {
    word.wrapping_byte_sub(low(word))
}

/// A head or tail word for `block` with the given low bits.
fn tagged<T>(block: *mut Block<T>, low: usize) -> *mut Block<T> {
    block.wrapping_byte_add(low)
}

/// The unbounded queue behind `mpmc::unbounded()`.
pub(crate) struct List<T> {
    /// `block | offset` or `block | BLOCK_CAP + pins` (module docs).
    head: CachePadded<AtomicPtr<Block<T>>>,
    /// `block | offset | DISCONNECTED?`.
    tail: CachePadded<AtomicPtr<Block<T>>>,
    /// Blocks the head has left (for `len` only).
    head_blocks: AtomicUsize,
    /// Blocks the tail has left (for `len` only).
    tail_blocks: AtomicUsize,
    /// Blocks kept for the next installs: a drained block is recycled here
    /// instead of freed, and a sender that lost the install race parks the
    /// block it brought. A full set frees the extra block.
    spares: [AtomicPtr<Block<T>>; SPARES],
    _owns: PhantomData<T>,
}

// SAFETY: the list owns `T` values and hands each to exactly one receiving
// thread (or back to its sender); moving the list moves them, which needs
// `T: Send`.
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: all shared state is atomics and cells whose accesses are made
// exclusive by the claim protocol (module docs); messages cross threads,
// hence `T: Send`; no `&T` is ever shared, so `T: Sync` is not needed.
unsafe impl<T: Send> Sync for List<T> {}

/// A slot claimed by a sender.
struct Claim<T> {
    block: *mut Block<T>,
    offset: usize,
}

impl<T> List<T> {
    /// An empty list; allocates its first block.
    pub(crate) fn new() -> Self {
        let first = Block::<T>::alloc();
        Self {
            head: CachePadded::new(AtomicPtr::new(first)),
            tail: CachePadded::new(AtomicPtr::new(first)),
            head_blocks: AtomicUsize::new(0),
            tail_blocks: AtomicUsize::new(0),
            spares: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            _owns: PhantomData,
        }
    }

    /// Publishes the message. `Err(Disconnected(msg))` once `disconnect` was
    /// called; never `Full`.
    pub(crate) fn try_send(&self, mut msg: T) -> Result<(), TrySendError<T>> {
        let mut fresh = ptr::null_mut();
        let result = loop {
            let Some(claim) = self.claim(&mut fresh) else {
                break Err(TrySendError::Disconnected(msg));
            };
            // SAFETY: `claim` is a slot this call claimed and has not finished.
            match unsafe { self.publish(&claim, msg) } {
                Ok(()) => break Ok(()),
                // A receiver gave the slot back before we wrote it: send again.
                Err(back) => msg = back,
            }
        };
        if !fresh.is_null() {
            self.put_spare(fresh);
        }
        result
    }

    /// Claims the next tail slot, installing the next block when it is the
    /// last one of its block. `None` when disconnected. `fresh` is a block
    /// this call holds (null if none); it is used for the install and cleared.
    fn claim(&self, fresh: &mut *mut Block<T>) -> Option<Claim<T>> {
        // ORDERING: Acquire pairs with the Release half of the tail CAS that
        // installed the block (below), so its initialisation is visible; later
        // claims are RMWs and continue that release sequence.
        let mut tail = self.tail.load(Ordering::Acquire);
        loop {
            if low(tail) & DISCONNECTED != 0 {
                return None;
            }
            let offset = low(tail);
            let last = offset + 1 == BLOCK_CAP;
            let new = if last {
                if fresh.is_null() {
                    *fresh = self.take_spare();
                }
                *fresh
            } else {
                tagged(block_of(tail), offset + 1)
            };
            // ORDERING: success AcqRel: Release publishes the initialised
            // `fresh` block to every later claimer's Acquire load/CAS of the
            // tail; Acquire as for the load above. Failure Acquire: as the load.
            match self
                .tail
                .compare_exchange_weak(tail, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(prev) => {
                    let block = block_of(prev);
                    if last {
                        *fresh = ptr::null_mut();
                        // SAFETY: our claim of `block`'s last slot is not
                        // finished, so `block` is alive; `new` is the block we
                        // just installed.
                        unsafe { self.link(block, new) };
                    }
                    return Some(Claim { block, offset });
                }
                Err(current) => tail = current,
            }
        }
    }

    /// Links `next` behind `block` (whose last slot we claimed) and, if a
    /// receiver found the head exhausted before that, moves the head.
    ///
    /// # Safety
    /// The caller holds an unfinished claim of `block`'s last slot.
    unsafe fn link(&self, block: *mut Block<T>, next: *mut Block<T>) {
        // ORDERING: Relaxed: the counter only feeds `len`, which is a snapshot
        // estimate and synchronises nothing.
        self.tail_blocks.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `block` is alive (caller's claim).
        let before = unsafe { &(*block).next };
        // ORDERING: AcqRel swap: Release publishes `next`'s initialisation to
        // the receiver that reads it in `help` (Acquire load or CAS); Acquire
        // pairs with the Release half of the `WAITING` CAS in `help`, so the
        // exhausted head that receiver pinned is visible to `move_head`.
        if before.swap(next, Ordering::AcqRel) == waiting() {
            // SAFETY: the caller's claim keeps `block` alive.
            unsafe { self.move_head(block, next, false) };
        }
    }

    /// Writes the message into the claimed slot and publishes it. Gives the
    /// message back if the slot's receiver abandoned it meanwhile (the slot is
    /// then finished).
    ///
    /// # Safety
    /// `claim` is an unfinished slot claimed by this thread.
    unsafe fn publish(&self, claim: &Claim<T>, msg: T) -> Result<(), T> {
        // SAFETY: the claim keeps the block alive.
        let slot = unsafe { &(*claim.block).slots[claim.offset] };
        // SAFETY: only the slot's sender touches the cell before the slot is
        // `WRITTEN`, and we are it.
        slot.msg
            .with_mut(|cell| unsafe { cell.write(MaybeUninit::new(msg)) });
        // ORDERING: success Release pairs with the receiver's Acquire load or
        // CAS of the state in `take`, which then reads the message. Failure
        // Acquire pairs with the Release half of the receiver's abandon CAS,
        // so its accesses to the block happen before our `release` below.
        match slot
            .state
            .compare_exchange(EMPTY, WRITTEN, Ordering::Release, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(_) => {
                // SAFETY: the slot is `ABANDONED`: no receiver will read the
                // cell, which still holds the message we wrote.
                let msg = slot
                    .msg
                    .with_mut(|cell| unsafe { cell.read().assume_init() });
                // SAFETY: this was our obligation on the block; not used after.
                unsafe { self.release(claim.block) };
                Err(msg)
            }
        }
    }

    /// Takes the oldest published message (module docs for the `Empty` cases).
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        // ORDERING: Acquire pairs with the Release half of the head CAS in
        // `move_head` (which read the block's initialisation from `next`).
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            let block = block_of(head);
            let offset = low(head);
            if offset >= BLOCK_CAP {
                // Exhausted: pin the block, then try to move the head on.
                if offset == LOW_MASK {
                    return Err(TryRecvError::Empty);
                }
                // ORDERING: AcqRel as the claim CAS below; failure Acquire as
                // the load above.
                match self.head.compare_exchange_weak(
                    head,
                    tagged(block, offset + 1),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(prev) => {
                        // SAFETY: we hold a pin on the block.
                        if !unsafe { self.help(block_of(prev)) } {
                            return Err(TryRecvError::Empty);
                        }
                        // ORDERING: as the first load.
                        head = self.head.load(Ordering::Acquire);
                    }
                    Err(current) => head = current,
                }
                continue;
            }
            // ORDERING: Acquire pairs with the tail CASes in `claim`; a stale
            // tail only makes us report `Empty` (the caller's fences decide
            // lost wake-ups, not this load).
            let tail = self.tail.load(Ordering::Acquire);
            if block_of(tail) == block && low(tail) & !DISCONNECTED == offset {
                return Err(if low(tail) & DISCONNECTED != 0 {
                    TryRecvError::Disconnected
                } else {
                    TryRecvError::Empty
                });
            }
            let last = offset + 1 == BLOCK_CAP;
            let new = tagged(block, if last { BLOCK_CAP + 1 } else { offset + 1 });
            // ORDERING: success AcqRel: Acquire as the load above; Release
            // continues the release sequence of the head for later receivers.
            // Failure Acquire: as the load.
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(prev) => {
                    let block = block_of(prev);
                    if last {
                        // SAFETY: claiming the last slot also took one pin.
                        unsafe { self.help(block) };
                    }
                    // SAFETY: we claimed slot `offset` of `block`.
                    return unsafe { self.take(block, offset) }.ok_or(TryRecvError::Empty);
                }
                Err(current) => head = current,
            }
        }
    }

    /// With a pin on the exhausted `block`: moves the head to the next block
    /// if it is linked, else leaves the move to its sender. Releases the pin.
    /// Returns whether the head has left `block`.
    ///
    /// # Safety
    /// The caller holds a pin on `block` (head word `block | BLOCK_CAP + n`).
    unsafe fn help(&self, block: *mut Block<T>) -> bool {
        // SAFETY: the pin keeps `block` alive.
        let next_ref = unsafe { &(*block).next };
        // ORDERING: Acquire pairs with the Release half of the swap in `link`,
        // so the next block's initialisation is visible.
        let mut next = next_ref.load(Ordering::Acquire);
        if next.is_null() {
            // ORDERING: AcqRel: Release makes our pin (head CAS, before this)
            // visible to the sender whose swap reads the marker; Acquire, on
            // failure too, as the load above.
            match next_ref.compare_exchange(
                ptr::null_mut(),
                waiting(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => next = waiting(),
                Err(linked) => next = linked,
            }
        }
        if next == waiting() {
            // The sender of the last slot will move the head when it links.
            // SAFETY: we hold the pin.
            unsafe { self.unpin(block) };
            return false;
        }
        // SAFETY: we hold the pin; `next` is the linked next block.
        unsafe { self.move_head(block, next, true) };
        true
    }

    /// Moves the exhausted head from `block` to `next`, or finds it moved.
    /// Accounts for the move (if this call made it) and for the caller's pin.
    ///
    /// # Safety
    /// The caller holds an obligation on `block` (a pin if `pinned`, else an
    /// unfinished claim), `block` is exhausted or already left, and `next` is
    /// its linked successor.
    unsafe fn move_head(&self, block: *mut Block<T>, next: *mut Block<T>, pinned: bool) {
        // ORDERING: Acquire pairs with the head CASes; the caller's pin (or the
        // marker's hand-off) guarantees this sees `block`'s exhausted word or a
        // later one.
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            if block_of(head) != block {
                // Someone else moved it and took over the pins, ours included.
                if pinned {
                    // SAFETY: our pin is now one unit of `block.left`.
                    unsafe { self.release(block) };
                }
                return;
            }
            // ORDERING: success AcqRel: Release publishes `next`'s
            // initialisation (which we acquired from `block.next`) to the
            // receivers that load the head; Acquire as the load. Failure
            // Acquire: as the load.
            match self
                .head
                .compare_exchange_weak(head, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(prev) => {
                    // ORDERING: Relaxed: only feeds the `len` estimate.
                    self.head_blocks.fetch_add(1, Ordering::Relaxed);
                    let pins = low(prev) - BLOCK_CAP;
                    let done = CONVERSION + usize::from(pinned);
                    // SAFETY: we hold the move obligation (and our pin).
                    unsafe { self.adjust(block, pins, done) };
                    return;
                }
                Err(current) => head = current,
            }
        }
    }

    /// Releases a pin on the exhausted `block` without moving the head.
    ///
    /// # Safety
    /// The caller holds a pin on `block`.
    unsafe fn unpin(&self, block: *mut Block<T>) {
        // ORDERING: as in `move_head`.
        let mut head = self.head.load(Ordering::Acquire);
        loop {
            if block_of(head) != block {
                // Moved meanwhile: the pin was transferred to `left`.
                // SAFETY: our pin is one unit of `block.left`.
                unsafe { self.release(block) };
                return;
            }
            // ORDERING: AcqRel, as the pin CAS in `try_recv`; Release orders
            // our read of `next` before the move's accounting. Failure Acquire.
            match self.head.compare_exchange_weak(
                head,
                tagged(block, low(head) - 1),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
    }

    /// Takes the message of a slot this receiver claimed, or abandons the slot
    /// if its sender has not published yet.
    ///
    /// # Safety
    /// The caller claimed slot `offset` of `block` from the head.
    unsafe fn take(&self, block: *mut Block<T>, offset: usize) -> Option<T> {
        // SAFETY: our claim keeps the block alive.
        let slot = unsafe { &(*block).slots[offset] };
        // ORDERING: Acquire pairs with the Release publish CAS in `publish`,
        // so the message written before it is visible.
        let mut state = slot.state.load(Ordering::Acquire);
        if state == EMPTY && Self::written_soon(slot) {
            // ORDERING: as the load above.
            state = slot.state.load(Ordering::Acquire);
        }
        if state == EMPTY {
            // ORDERING: success AcqRel: Release pairs with the sender's
            // failure Acquire in `publish` (our accesses come before its
            // release of the slot); failure Acquire as the load above.
            match slot
                .state
                .compare_exchange(EMPTY, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            {
                // The sender takes its message back and finishes the slot.
                Ok(_) => return None,
                Err(now) => state = now,
            }
        }
        debug_assert_eq!(state, WRITTEN);
        // SAFETY: `WRITTEN`, acquired above: the message is initialised and,
        // as the slot's only receiver, ours to move out (read once).
        let msg = slot.msg.with(|cell| unsafe { cell.read().assume_init() });
        // SAFETY: the slot is finished; we do not touch the block again.
        unsafe { self.release(block) };
        Some(msg)
    }

    /// Whether the claimed `slot` is (or within a bounded re-read becomes)
    /// written. A bounded optimistic re-read: the sender claimed the slot an
    /// instant ago and is copying the message in. It waits for nothing in
    /// particular (after the bound the caller abandons the slot, whatever
    /// the sender does).
    fn written_soon(slot: &Slot<T>) -> bool {
        // ORDERING: Acquire pairs with the Release publish CAS in `publish`
        // (the receiver's own load in `take` is what reads the message).
        let mut state = slot.state.load(Ordering::Acquire);
        #[cfg(not(loom))]
        for round in 0..TAKE_REREADS + TAKE_YIELDS {
            if state != EMPTY {
                break;
            }
            if round < TAKE_REREADS {
                core::hint::spin_loop();
            } else {
                // The sender may be descheduled mid-copy on this very CPU.
                #[cfg(feature = "std")]
                std::thread::yield_now();
            }
            // ORDERING: as the load above.
            state = slot.state.load(Ordering::Acquire);
        }
        state != EMPTY
    }

    /// Releases one obligation on `block`, freeing it if it was the last.
    ///
    /// # Safety
    /// The caller holds one obligation on `block` and does not touch the block
    /// afterwards.
    unsafe fn release(&self, block: *mut Block<T>) {
        // SAFETY: forwarded.
        unsafe { self.adjust(block, 0, 1) }
    }

    /// Adds `add` and subtracts `sub` obligations in one RMW; frees the block
    /// if none remain.
    ///
    /// # Safety
    /// As [`List::release`]; `sub` obligations are the caller's.
    unsafe fn adjust(&self, block: *mut Block<T>, add: usize, sub: usize) {
        let delta = add.wrapping_sub(sub);
        // SAFETY: the caller's obligation keeps the block alive.
        let left = unsafe { &(*block).left };
        // ORDERING: AcqRel: Release orders this thread's accesses to the block
        // before the free; Acquire makes everyone's accesses (each released by
        // its own update of this counter) happen before our free.
        if left.fetch_add(delta, Ordering::AcqRel).wrapping_add(delta) == 0 {
            // SAFETY: no obligation remains, so no thread can reach the block
            // (module docs, reclamation): it can be reset and reused, which is
            // to the other threads the same as freed and allocated again.
            unsafe { Block::reset(block) };
            self.put_spare(block);
        }
    }

    /// A block for installing: a spare if one is parked, else a new one.
    fn take_spare(&self) -> *mut Block<T> {
        for spare in &self.spares {
            // ORDERING: Relaxed peek; the swap below does the synchronisation.
            if !spare.load(Ordering::Relaxed).is_null() {
                // ORDERING: Acquire pairs with the Release CAS in `put_spare`,
                // so the spare's (re)initialisation is visible.
                let block = spare.swap(ptr::null_mut(), Ordering::Acquire);
                if !block.is_null() {
                    return block;
                }
            }
        }
        Block::alloc()
    }

    /// Parks a fresh block this call did not install, or a drained block
    /// (reset by the caller); frees it if every spare slot is taken.
    fn put_spare(&self, block: *mut Block<T>) {
        for spare in &self.spares {
            // ORDERING: Release pairs with the Acquire swap in `take_spare`.
            if spare
                .compare_exchange(ptr::null_mut(), block, Ordering::Release, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
        // SAFETY: the block was never published, or is drained and
        // unreachable (the caller's contract); we own it alone.
        unsafe { Block::free(block) };
    }

    /// Marks the list disconnected; true if this call did it.
    pub(crate) fn disconnect(&self) -> bool {
        // ORDERING: Relaxed: the CAS below re-reads the word.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if low(tail) & DISCONNECTED != 0 {
                return false;
            }
            // ORDERING: AcqRel: Release so a receiver that acquires the mark
            // also sees every claim before it (it is an RMW in the tail's
            // release sequence); Acquire for symmetry with the claims.
            match self.tail.compare_exchange_weak(
                tail,
                tail.wrapping_byte_add(DISCONNECTED),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(current) => tail = current,
            }
        }
    }

    /// Whether `disconnect` was called.
    pub(crate) fn is_disconnected(&self) -> bool {
        // ORDERING: Acquire pairs with the CAS in `disconnect`.
        low(self.tail.load(Ordering::Acquire)) & DISCONNECTED != 0
    }

    /// Messages claimed by senders and not yet by receivers (an estimate while
    /// a block boundary is being crossed, see the design notes).
    pub(crate) fn len(&self) -> usize {
        // ORDERING: Acquire on all four: a snapshot, each pairs with the RMWs
        // that wrote it; nothing is dereferenced.
        let head_blocks = self.head_blocks.load(Ordering::Acquire);
        // ORDERING: as above.
        let head = self.head.load(Ordering::Acquire);
        // ORDERING: as above.
        let tail_blocks = self.tail_blocks.load(Ordering::Acquire);
        // ORDERING: as above.
        let tail = self.tail.load(Ordering::Acquire);
        let head_pos = head_blocks * BLOCK_CAP + low(head).min(BLOCK_CAP);
        let tail_pos = tail_blocks * BLOCK_CAP + (low(tail) & !DISCONNECTED);
        tail_pos.saturating_sub(head_pos)
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        // `&mut self`: every other operation has finished, so every block the
        // head has left is freed, and the blocks from the head's to the
        // tail's hold exactly the unreceived messages.
        // ORDERING: Relaxed: exclusive access (whoever handed us the list
        // synchronised with every thread that used it).
        let head = self.head.load(Ordering::Relaxed);
        // ORDERING: as above.
        let tail = self.tail.load(Ordering::Relaxed);
        let tail_block = block_of(tail);
        let tail_offset = low(tail) & !DISCONNECTED;
        let mut block = block_of(head);
        let mut offset = low(head).min(BLOCK_CAP);
        loop {
            let end = if block == tail_block {
                tail_offset
            } else {
                BLOCK_CAP
            };
            for i in offset..end {
                // SAFETY: the block is alive (not yet freed, between head and
                // tail) and nobody else can access it.
                let slot = unsafe { &(*block).slots[i] };
                // ORDERING: Relaxed: exclusive access.
                if slot.state.load(Ordering::Relaxed) == WRITTEN {
                    // SAFETY: a written, unreceived message: dropped once here.
                    slot.msg
                        .with_mut(|cell| unsafe { ptr::drop_in_place((*cell).as_mut_ptr()) });
                }
            }
            // ORDERING: Relaxed: exclusive access.
            // SAFETY: as above.
            let next = unsafe { (*block).next.load(Ordering::Relaxed) };
            // SAFETY: nobody else holds the block; freed once (we move on).
            unsafe { Block::free(block) };
            if block == tail_block {
                break;
            }
            block = next;
            offset = 0;
        }
        for spare in &self.spares {
            // ORDERING: Relaxed: exclusive access.
            let spare = spare.load(Ordering::Relaxed);
            if !spare.is_null() {
                // SAFETY: a spare is owned by the list alone.
                unsafe { Block::free(spare) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

    /// Counts drops of its values.
    struct Counted(Arc<StdAtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            // ORDERING: Relaxed: a test counter, read after the threads joined.
            self.0.fetch_add(1, StdOrdering::Relaxed);
        }
    }

    #[cfg(not(loom))]
    mod plain {
        use super::*;
        use std::thread;

        #[test]
        fn list_fifo_across_blocks() {
            let list = List::new();
            let n = BLOCK_CAP * 5 + 3;
            for i in 0..n {
                list.try_send(i).unwrap();
                assert_eq!(list.len(), i + 1);
            }
            for i in 0..n {
                assert_eq!(list.try_recv(), Ok(i));
                assert_eq!(list.len(), n - i - 1);
            }
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
            // Interleaved, so head and tail share blocks and cross together.
            for i in 0..3 * BLOCK_CAP {
                list.try_send(i).unwrap();
                assert_eq!(list.try_recv(), Ok(i));
                assert_eq!(list.len(), 0);
            }
        }

        #[test]
        fn list_disconnect() {
            let list = List::new();
            for i in 0..BLOCK_CAP + 1 {
                list.try_send(i).unwrap();
            }
            assert!(!list.is_disconnected());
            assert!(list.disconnect());
            assert!(!list.disconnect());
            assert!(list.is_disconnected());
            assert_eq!(list.try_send(99), Err(TrySendError::Disconnected(99)));
            assert_eq!(list.len(), BLOCK_CAP + 1);
            for i in 0..BLOCK_CAP + 1 {
                assert_eq!(list.try_recv(), Ok(i));
            }
            assert_eq!(list.try_recv(), Err(TryRecvError::Disconnected));
            assert_eq!(list.try_recv(), Err(TryRecvError::Disconnected));
            assert_eq!(list.len(), 0);
        }

        #[test]
        fn list_drop_accounting() {
            let drops = Arc::new(StdAtomicUsize::new(0));
            let total = BLOCK_CAP * 3 + 5;
            {
                let list = List::new();
                for _ in 0..total {
                    assert!(list.try_send(Counted(drops.clone())).is_ok());
                }
                for _ in 0..BLOCK_CAP + 2 {
                    drop(list.try_recv().unwrap());
                }
                // ORDERING: Relaxed: a test counter, read after the threads joined.
                assert_eq!(drops.load(StdOrdering::Relaxed), BLOCK_CAP + 2);
                list.disconnect();
                match list.try_send(Counted(drops.clone())) {
                    Err(TrySendError::Disconnected(back)) => drop(back),
                    _ => panic!("send after disconnect succeeded"),
                }
            }
            // ORDERING: Relaxed: a test counter, read after the threads joined.
            assert_eq!(drops.load(StdOrdering::Relaxed), total + 1);
        }

        #[test]
        fn list_abandoned_slot_is_resent() {
            let list = List::new();
            let mut fresh = ptr::null_mut();
            let claim = list.claim(&mut fresh).unwrap();
            assert_eq!(list.len(), 1);
            // The receiver meets the claimed, unwritten slot: after its
            // bounded re-read it abandons the slot and reports Empty.
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
            // SAFETY: our claim, unfinished.
            assert_eq!(unsafe { list.publish(&claim, 7) }, Err(7));
            list.try_send(7).unwrap();
            list.try_send(8).unwrap();
            assert_eq!(list.try_recv(), Ok(7));
            assert_eq!(list.try_recv(), Ok(8));
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
        }

        #[test]
        fn list_last_slot_link_handed_to_sender() {
            // A receiver claims a block's last slot while its sender has
            // installed the next block but not yet linked it.
            let list = List::new();
            for i in 0..BLOCK_CAP - 1 {
                list.try_send(i).unwrap();
            }
            for i in 0..BLOCK_CAP - 1 {
                assert_eq!(list.try_recv(), Ok(i));
            }
            // Claim the last slot by hand, without linking.
            // ORDERING: Acquire, as in `claim` (a test driving the protocol by hand).
            let tail = list.tail.load(Ordering::Acquire);
            let block = block_of(tail);
            let next = Block::<usize>::alloc();
            // ORDERING: AcqRel/Acquire, as the claim CAS in `claim`.
            assert!(list
                .tail
                .compare_exchange(tail, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok());
            list.try_send(100).unwrap(); // slot 0 of the next block
                                         // The receiver claims the unwritten last slot and abandons it.
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
            // The link is missing: the head stays exhausted, Empty.
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
            // SAFETY: we hold the claim of the last slot.
            unsafe { list.link(block, next) };
            let claim = Claim {
                block,
                offset: BLOCK_CAP - 1,
            };
            // SAFETY: the claim is still ours and unfinished.
            assert_eq!(unsafe { list.publish(&claim, 99) }, Err(99));
            list.try_send(99).unwrap();
            assert_eq!(list.try_recv(), Ok(100));
            assert_eq!(list.try_recv(), Ok(99));
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
        }

        #[test]
        fn list_many_senders_many_receivers() {
            const SENDERS: usize = 3;
            const RECEIVERS: usize = 3;
            let per_sender: usize = if cfg!(miri) { 60 } else { 20_000 };
            let list = Arc::new(List::new());
            let done = Arc::new(StdAtomicUsize::new(0));
            let senders: Vec<_> = (0..SENDERS)
                .map(|s| {
                    let list = list.clone();
                    thread::spawn(move || {
                        for i in 0..per_sender {
                            list.try_send((s, i)).unwrap();
                        }
                    })
                })
                .collect();
            let receivers: Vec<_> = (0..RECEIVERS)
                .map(|_| {
                    let list = list.clone();
                    let done = done.clone();
                    thread::spawn(move || {
                        let mut got = Vec::new();
                        let mut last = [None::<usize>; SENDERS];
                        // ORDERING: Relaxed: a test counter, read after the threads joined.
                        while done.load(StdOrdering::Relaxed) < SENDERS * per_sender {
                            match list.try_recv() {
                                Ok((s, i)) => {
                                    // FIFO per sender, as seen by one receiver.
                                    assert!(last[s].map_or(true, |l| l < i));
                                    last[s] = Some(i);
                                    got.push((s, i));
                                    // ORDERING: Relaxed: a test counter, read after the threads joined.
                                    done.fetch_add(1, StdOrdering::Relaxed);
                                }
                                Err(TryRecvError::Empty) => thread::yield_now(),
                                Err(TryRecvError::Disconnected) => unreachable!(),
                            }
                        }
                        got
                    })
                })
                .collect();
            for s in senders {
                s.join().unwrap();
            }
            let mut all: Vec<_> = receivers
                .into_iter()
                .flat_map(|r| r.join().unwrap())
                .collect();
            all.sort_unstable();
            let expected: Vec<_> = (0..SENDERS)
                .flat_map(|s| (0..per_sender).map(move |i| (s, i)))
                .collect();
            assert_eq!(all, expected);
            assert_eq!(list.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(list.len(), 0);
        }
    }

    #[cfg(loom)]
    mod models {
        use super::*;
        use loom::thread;

        /// `loom::model`, printing how many interleavings it explored.
        fn model(name: &str, f: impl Fn() + Send + Sync + 'static) {
            let runs = Arc::new(StdAtomicUsize::new(0));
            let counter = runs.clone();
            loom::model(move || {
                // ORDERING: Relaxed: a test counter, read after the threads joined.
                counter.fetch_add(1, StdOrdering::Relaxed);
                f();
            });
            // ORDERING: as above.
            std::println!("{name}: {} interleavings", runs.load(StdOrdering::Relaxed));
        }

        /// Receives what is left after the threads joined; all must be there.
        fn drain(list: &List<usize>, got: &mut Vec<usize>) {
            while let Ok(v) = list.try_recv() {
                got.push(v);
            }
        }

        /// Runs `recvs` receive attempts on a thread; returns what it got.
        fn receiver(list: &Arc<List<usize>>, recvs: usize) -> thread::JoinHandle<Vec<usize>> {
            let rx = list.clone();
            thread::spawn(move || (0..recvs).filter_map(|_| rx.try_recv().ok()).collect())
        }

        // Every actor runs on a spawned thread: loom 0.7 explores too few
        // schedules when the model's main thread is one of the racers.

        #[test]
        fn list_loom_send_recv_across_block() {
            // A sender fills the last slot (installing the next block) and the
            // next block's first slot while a receiver takes: the receiver may
            // abandon a slot being written, and the sender then re-sends.
            model("list_loom_send_recv_across_block", || {
                let list = Arc::new(List::new());
                list.try_send(0).unwrap();
                let tx = list.clone();
                let sender = thread::spawn(move || {
                    tx.try_send(1).unwrap();
                    tx.try_send(2).unwrap();
                });
                let receiver = receiver(&list, 2);
                sender.join().unwrap();
                let mut got = receiver.join().unwrap();
                drain(&list, &mut got);
                assert_eq!(got, [0, 1, 2]);
            });
        }

        #[test]
        fn list_loom_two_senders_install() {
            // Both senders may prepare the next block; one installs it, the
            // other's block becomes the spare (freed by Drop: no leak).
            model("list_loom_two_senders_install", || {
                let list = Arc::new(List::new());
                list.try_send(0).unwrap();
                let handles: Vec<_> = (1..3)
                    .map(|v| {
                        let tx = list.clone();
                        thread::spawn(move || tx.try_send(v).unwrap())
                    })
                    .collect();
                for h in handles {
                    h.join().unwrap();
                }
                let mut got = Vec::new();
                drain(&list, &mut got);
                assert_eq!(got[0], 0);
                got.sort_unstable();
                assert_eq!(got, [0, 1, 2]);
            });
        }

        #[test]
        fn list_loom_reclaim_vs_slow_receiver() {
            // Two receivers drain block 0 (freeing it) while a sender is in
            // block 1: nobody touches a freed block (loom checks the cells).
            model("list_loom_reclaim_vs_slow_receiver", || {
                let list = Arc::new(List::new());
                list.try_send(0).unwrap();
                list.try_send(1).unwrap(); // fills block 0, installs block 1
                let tx = list.clone();
                let sender = thread::spawn(move || tx.try_send(2).unwrap());
                let first = receiver(&list, 2);
                let second = receiver(&list, 1);
                sender.join().unwrap();
                let mut got = first.join().unwrap();
                got.extend(second.join().unwrap());
                drain(&list, &mut got);
                got.sort_unstable();
                assert_eq!(got, [0, 1, 2]);
            });
        }

        #[test]
        fn list_loom_exhausted_head_vs_link() {
            // The receiver can claim the last slot before its sender links the
            // next block: the move of the head is handed over, never awaited.
            model("list_loom_exhausted_head_vs_link", || {
                let list = Arc::new(List::new());
                list.try_send(0).unwrap();
                assert_eq!(list.try_recv(), Ok(0));
                let tx = list.clone();
                let sender = thread::spawn(move || {
                    tx.try_send(1).unwrap(); // last slot of block 0
                    tx.try_send(2).unwrap();
                });
                let receiver = receiver(&list, 2);
                sender.join().unwrap();
                let mut got = receiver.join().unwrap();
                drain(&list, &mut got);
                assert_eq!(got, [1, 2]);
            });
        }

        #[test]
        fn list_loom_two_receivers_at_exhausted_head() {
            // Two receivers meet the exhausted head (pins) while the sender
            // links: one of the three moves it, the block is freed once.
            model("list_loom_two_receivers_at_exhausted_head", || {
                let list = Arc::new(List::new());
                list.try_send(0).unwrap();
                assert_eq!(list.try_recv(), Ok(0));
                let tx = list.clone();
                let sender = thread::spawn(move || tx.try_send(1).unwrap());
                let first = receiver(&list, 1);
                let second = receiver(&list, 1);
                sender.join().unwrap();
                let mut got = first.join().unwrap();
                got.extend(second.join().unwrap());
                drain(&list, &mut got);
                assert_eq!(got, [1]);
                list.try_send(2).unwrap();
                assert_eq!(list.try_recv(), Ok(2));
            });
        }

        #[test]
        fn list_loom_drop_with_messages() {
            // Messages left in the queue (across a block) are dropped once by
            // Drop; received ones by their receiver.
            model("list_loom_drop_with_messages", || {
                let drops = Arc::new(StdAtomicUsize::new(0));
                let list = Arc::new(List::new());
                let tx = list.clone();
                let d = drops.clone();
                let sender = thread::spawn(move || {
                    for _ in 0..3 {
                        assert!(tx.try_send(Counted(d.clone())).is_ok());
                    }
                });
                let rx = list.clone();
                let receiver = thread::spawn(move || drop(rx.try_recv()));
                sender.join().unwrap();
                receiver.join().unwrap();
                drop(list);
                // ORDERING: Relaxed: a test counter, read after the threads joined.
                assert_eq!(drops.load(StdOrdering::Relaxed), 3);
            });
        }
    }
}
