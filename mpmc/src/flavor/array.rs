//! The bounded queue behind `bounded(n)` for `n >= 1`: a ring of `n` slots,
//! lock-free, and **no operation ever waits for another thread's half-finished
//! step**.
//!
//! # Positions and stamps
//!
//! `head` and `tail` are *positions*: `lap | index`, where `index < cap` is a
//! slot number and `lap` counts trips around the ring in units of `one_lap`
//! (the power of two above `2 * cap`, so the two never overlap). The bit
//! between them, `mark_bit`, is set in `tail` when the channel disconnects.
//!
//! Every slot has a `stamp`, the position it is ready for:
//!
//! | stamp of slot `i`          | meaning                                                   |
//! |----------------------------|-----------------------------------------------------------|
//! | `pos` (`= lap | i`)        | empty, ready for the sender of position `pos`             |
//! | `pos + 1`                  | holds the message of `pos`, ready for its receiver        |
//! | `pos + one_lap`            | the message of `pos` was read; ready for the next lap     |
//!
//! # A send
//!
//! 1. Read `tail`, then the stamp of its slot. If the stamp equals `tail`,
//!    **claim** the position with one CAS on `tail` (to the next position).
//! 2. Write the message, then **publish** it with a Release store of
//!    `stamp = tail + 1`.
//!
//! A receive is the mirror image: claim `head` when the stamp is `head + 1`,
//! read the message, release the slot with `stamp = head + one_lap`.
//!
//! # Never waiting on another thread
//!
//! Between a claim and its publish (or release) the slot is *busy*. Where
//! crossbeam-channel spins until the other thread finishes (crossbeam#821,
//! #997), this queue reports the state it sees and returns: a receiver that
//! finds the slot at `head` claimed but not yet written returns
//! [`TryRecvError::Empty`]; a sender that finds the slot at `tail` still being
//! read returns [`TrySendError::Full`]. A waiting caller then registers and
//! parks, and the busy thread's publish or release is followed by the caller
//! side's notification (`Chan::after_publish`/`after_release`), which wakes
//! it. So a descheduled thread in the middle of a step delays only the one
//! message it is moving; nobody burns CPU on it, and two threads on one CPU
//! do not slow each other down.
//!
//! # Cost
//!
//! Uncontended, a send is one locked RMW (the claim CAS) and a receive is one;
//! the publish and release are plain Release stores. The waiter check after
//! each adds one `fence(SeqCst)` (see `waiters.rs`, "The lost wake-up
//! window").

use alloc::boxed::Box;
use core::mem::MaybeUninit;

use super::CachePadded;
use crate::errors::{TryRecvError, TrySendError};
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};

struct Slot<T> {
    /// The position this slot is ready for (see the module docs).
    stamp: AtomicUsize,
    /// Initialised exactly while `stamp == pos + 1` for some position `pos`
    /// (and during the write that leads there and the read that leads away).
    msg: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct Array<T> {
    /// The next position to receive from.
    head: CachePadded<AtomicUsize>,
    /// The next position to send to, with `mark_bit` once disconnected.
    tail: CachePadded<AtomicUsize>,
    buffer: Box<[Slot<T>]>,
    cap: usize,
    one_lap: usize,
    mark_bit: usize,
}

// SAFETY: messages move between threads through the slots (hence `T: Send`);
// a slot's message is only touched by the one thread that claimed its
// position (the CAS on `head`/`tail`), with the stamp's Release/Acquire
// ordering the write before the read.
unsafe impl<T: Send> Send for Array<T> {}
// SAFETY: as for `Send`: every shared access goes through atomics, and a
// slot's contents are exclusively owned by the claiming thread.
unsafe impl<T: Send> Sync for Array<T> {}

impl<T> Array<T> {
    /// A queue of `cap >= 1` slots: one allocation, the only one it makes.
    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap > 0, "the array flavor needs a capacity of at least 1");
        assert!(cap <= usize::MAX / 8, "channel capacity too large");
        let mark_bit = (cap + 1).next_power_of_two();
        let one_lap = mark_bit * 2;
        let buffer = (0..cap)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                msg: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            buffer,
            cap,
            one_lap,
            mark_bit,
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// The position after `pos` (which has no mark bit).
    #[inline]
    fn next(&self, pos: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        if index + 1 < self.cap {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    #[inline]
    fn slot(&self, pos: usize) -> &Slot<T> {
        let index = pos & (self.mark_bit - 1);
        debug_assert!(index < self.cap);
        // SAFETY: positions are only ever built by `next` (or are 0), whose
        // index part is always below `cap`, the buffer's length.
        unsafe { self.buffer.get_unchecked(index) }
    }

    /// Claims the tail position and publishes `msg`, or reports why not.
    /// Never waits: a slot still being read reports `Full`.
    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        // ORDERING: Relaxed: a stale tail only makes the stamp comparison
        // below fail, and the position is re-read.
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                return Err(TrySendError::Disconnected(msg));
            }
            let slot = self.slot(tail);
            // ORDERING: Acquire pairs with the Release store in `try_recv`
            // that released this slot, so the previous message's read
            // happens before our write.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                let next = self.next(tail);
                // ORDERING: Relaxed: the CAS only decides which sender owns
                // the position; the data is ordered by the stamps.
                match self.tail.compare_exchange_weak(
                    tail,
                    next,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the only one that
                        // owns position `tail`, and the stamp said the slot is
                        // empty for it; no receiver reads it before the
                        // publish below.
                        slot.msg.with_mut(|cell| unsafe { (*cell).write(msg) });
                        // ORDERING: Release pairs with the Acquire stamp load
                        // in `try_recv`: the write above is visible to the
                        // receiver that claims this position.
                        slot.stamp.store(tail + 1, Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => tail = current,
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds the previous lap's message, or its
                // receiver is reading it right now.
                // ORDERING: Relaxed: a stale head can only make us answer
                // `Full`, which a concurrent receive makes true an instant
                // earlier; waiting callers re-check after a SeqCst fence.
                let head = self.head.load(Ordering::Relaxed);
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(TrySendError::Full(msg));
                }
                // ORDERING: Relaxed, as the first load.
                let current = self.tail.load(Ordering::Relaxed);
                if current == tail {
                    // A receiver claimed the slot and has not released it:
                    // busy. Do not wait for it: its release notifies.
                    return Err(TrySendError::Full(msg));
                }
                tail = current;
            } else {
                // Another sender has moved past this position.
                // ORDERING: Relaxed, as the first load.
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Claims the head position and takes its message, or reports why not.
    /// Never waits: a slot still being written reports `Empty`.
    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        // ORDERING: Relaxed: a stale head only makes the stamp comparison
        // fail, and the position is re-read.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = self.slot(head);
            // ORDERING: Acquire pairs with the Release publish in `try_send`,
            // so the message write is visible before we read it.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head + 1 {
                let next = self.next(head);
                // ORDERING: Relaxed: the CAS only decides which receiver owns
                // the position; the data is ordered by the stamps.
                match self.head.compare_exchange_weak(
                    head,
                    next,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the only owner of
                        // position `head`, whose message was published (the
                        // stamp, loaded with Acquire); no sender writes the
                        // slot before the release below.
                        let msg = slot.msg.with(|cell| unsafe { (*cell).assume_init_read() });
                        // ORDERING: Release pairs with the Acquire stamp load
                        // in `try_send`: our read happens before the next
                        // lap's write.
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        return Ok(msg);
                    }
                    Err(current) => head = current,
                }
            } else if stamp == head {
                // Nothing published at `head` yet.
                // ORDERING: Relaxed: once `tail` carries the mark, no claim
                // follows it in its modification order, so a marked value is
                // final; an unmarked stale value only answers `Empty`.
                let tail = self.tail.load(Ordering::Relaxed);
                if tail & !self.mark_bit == head {
                    return Err(if tail & self.mark_bit != 0 {
                        TryRecvError::Disconnected
                    } else {
                        TryRecvError::Empty
                    });
                }
                // ORDERING: Relaxed, as the first load.
                let current = self.head.load(Ordering::Relaxed);
                if current == head {
                    // A sender claimed the slot and is still writing: busy.
                    // Do not wait for it: its publish notifies.
                    return Err(TryRecvError::Empty);
                }
                head = current;
            } else {
                // Another receiver has moved past this position.
                // ORDERING: Relaxed, as the first load.
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Sets the mark bit; true if this call set it.
    pub(crate) fn disconnect(&self) -> bool {
        // ORDERING: SeqCst so the mark is ordered with the handle-count RMWs
        // and fences of the disconnecting side; the mark's own visibility
        // is through `tail`'s modification order (see `try_recv`).
        let tail = self.tail.fetch_or(self.mark_bit, Ordering::SeqCst);
        tail & self.mark_bit == 0
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        // ORDERING: SeqCst, a snapshot; pairs with `disconnect`.
        self.tail.load(Ordering::SeqCst) & self.mark_bit != 0
    }

    /// Messages claimed by senders and not yet by receivers.
    pub(crate) fn len(&self) -> usize {
        loop {
            // ORDERING: SeqCst snapshot of both ends; the loop retries until
            // `tail` did not move while `head` was read.
            let tail = self.tail.load(Ordering::SeqCst) & !self.mark_bit;
            // ORDERING: as above.
            let head = self.head.load(Ordering::SeqCst);
            // ORDERING: as above.
            if self.tail.load(Ordering::SeqCst) & !self.mark_bit != tail {
                continue;
            }
            let hix = head & (self.mark_bit - 1);
            let tix = tail & (self.mark_bit - 1);
            return if hix < tix {
                tix - hix
            } else if hix > tix {
                self.cap - hix + tix
            } else if tail == head {
                0
            } else {
                self.cap
            };
        }
    }
}

impl<T> Drop for Array<T> {
    fn drop(&mut self) {
        // No handle is left, so no step is half-done: every position between
        // head and tail holds a published message.
        // ORDERING: Relaxed: `&mut self` means every other access happened
        // before (the handle counts' AcqRel decrements order them).
        let mut pos = self.head.load(Ordering::Relaxed);
        // ORDERING: as above.
        let tail = self.tail.load(Ordering::Relaxed) & !self.mark_bit;
        while pos != tail {
            let slot = self.slot(pos);
            // SAFETY: positions in [head, tail) hold initialised messages
            // (see above), each dropped once here.
            slot.msg
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
            pos = self.next(pos);
        }
    }
}
