//! The overwrite mode's slot protocol: the writer's claim of a slot whose
//! old message may still be unread, and the readers' pins that keep a
//! message in place while they clone it. The design is in the module docs
//! (`mod.rs`, "Overwrite mode"); this file is its code.

use super::{NoMsg, Sent, Shared, Slot};
use crate::errors::TrySendError;
use crate::loom::Ordering;
use crate::waiters::Side;

/// `Slot::pins`: a writer owns the slot (set and cleared under the lock).
pub(super) const WRITER: usize = 1;
/// `Slot::pins`: a writer found readers pinned and waits for the last one.
pub(super) const WANT: usize = 2;
/// `Slot::pins`: one reader inside the slot (cloning, moving or dropping).
pub(super) const PIN: usize = 4;

/// A reader's pin on a slot; unpins when dropped (a panicking clone or
/// drop too), waking a writer that wants the slot.
pub(super) struct Pinned<'a, T> {
    shared: &'a Shared<T>,
    slot: &'a Slot<T>,
}

impl<'a, T> Pinned<'a, T> {
    /// Pins `slot`. `None` if a writer owns it (the caller waits for the
    /// writer by taking the lock, which the writer holds, and retries).
    fn new(shared: &'a Shared<T>, slot: &'a Slot<T>) -> Option<Self> {
        // ORDERING: AcqRel. Acquire pairs with the writer's Release clear
        // of `WRITER` (`send_overwrite`): a pin made after it sees the new
        // sequence and value. The RMW is ordered against the writer's claim
        // (its CAS from a pin-free word) in the word's modification order:
        // either the claim sees this pin and fails, or this pin sees WRITER.
        let before = slot.pins.fetch_add(PIN, Ordering::AcqRel);
        let pinned = Self { shared, slot };
        if before & WRITER != 0 {
            // Not ours to touch; the writer finishes under the lock.
            let _: bool = pinned.finish();
            return None;
        }
        Some(pinned)
    }

    /// Unpins; returns whether a writer waits for this slot (the caller
    /// wakes one after its step, `notify_one(Side::Tx)`).
    fn finish(self) -> bool {
        let this = core::mem::ManuallyDrop::new(self);
        this.unpin()
    }

    fn unpin(&self) -> bool {
        // ORDERING: AcqRel. Release pairs with the writer's Acquire claim
        // (CAS) or its `WANT` RMW: our clone, move or drop of the value
        // happens before the writer overwrites it. Acquire pairs with the
        // writer's Release `WANT` RMW: its registration in the senders' list
        // happened before, so the `notify_one` our caller does finds it.
        let before = self.slot.pins.fetch_sub(PIN, Ordering::AcqRel);
        before & !(WRITER | WANT) == PIN && before & WANT != 0
    }
}

impl<T> Drop for Pinned<'_, T> {
    fn drop(&mut self) {
        // Only on unwind (a panicking clone or drop): `finish` forgets.
        if self.unpin() {
            self.shared.waiters.notify_one(Side::Tx);
        }
    }
}

/// Whether sequence `seq` belongs to a later position than `ready`'s
/// (the slot was overwritten, or freed after that), in wrapping arithmetic.
fn is_newer(seq: usize, ready: usize) -> bool {
    (seq.wrapping_sub(ready) as isize) > 0
}

impl<T> Shared<T> {
    /// The overwrite mode's send step, under the lock: claims the slot of
    /// `tail` (waiting for no one: if a reader is inside it, it marks the
    /// slot `WANT` and hands the message back in `Full`, and the caller
    /// waits for that reader), takes the old message out if it is still
    /// there, writes the new one and publishes it.
    pub(super) fn send_overwrite(&self, msg: T) -> Result<Sent<T>, TrySendError<T>> {
        let mut counts = self.counts.lock();
        if counts.closed {
            return Err(TrySendError::Disconnected(msg));
        }
        if counts.active == 0 {
            drop(counts);
            // Nobody is there to see it: dropped after the lock.
            drop(msg);
            return Ok(Sent::none());
        }
        let pos = counts.tail;
        let slot = self.slot(pos);
        // ORDERING: Relaxed: a first guess for the CAS below, which orders.
        let mut word = slot.pins.load(Ordering::Relaxed);
        let inherited_want = loop {
            debug_assert!(word & WRITER == 0, "WRITER is only held under the lock");
            if word >= PIN {
                // ORDERING: AcqRel. Release: the caller's registration in
                // the senders' list (made before this retry) happens before
                // the unpin that reads `WANT` and notifies. Acquire: reading
                // a count of 0 means the pins left (as the CAS's Acquire).
                let before = slot.pins.fetch_or(WANT, Ordering::AcqRel);
                if before >= PIN {
                    return Err(TrySendError::Full(msg));
                }
                word = before | WANT;
                continue;
            }
            // ORDERING: Acquire pairs with the readers' Release unpins:
            // every clone, move and drop they made of the old value happens
            // before our overwrite. Relaxed on failure: we retry.
            match slot
                .pins
                .compare_exchange(word, WRITER, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => break word & WANT != 0,
                Err(now) => word = now,
            }
        };
        // ORDERING: Acquire pairs with the Release store of the slot's last
        // reader (`free_slot`), ordered before its unpin anyway.
        let seq = slot.seq.load(Ordering::Acquire);
        let old = pos.wrapping_sub(self.cap).wrapping_mul(2).wrapping_add(1);
        let evicted = if seq == old {
            // SAFETY: the slot holds message `pos - cap` (odd sequence for
            // it), we own the slot (`WRITER`, no pins), and we take the
            // value out once: the slot is rewritten right below.
            Some(slot.value.with(|v| unsafe { (*v).assume_init_read() }))
        } else {
            debug_assert_eq!(seq, pos.wrapping_mul(2), "a free slot");
            None
        };
        // SAFETY: we own the slot and its old value was moved out (or its
        // last reader dropped it).
        slot.value.with_mut(|v| unsafe { (*v).write(msg) });
        // ORDERING: Relaxed: published by the Release stores below.
        slot.remaining.store(counts.active, Ordering::Relaxed);
        // ORDERING: Release pairs with the readers' Acquire loads of the
        // sequence (before and after they pin).
        slot.seq
            .store(pos.wrapping_mul(2).wrapping_add(1), Ordering::Release);
        // ORDERING: Release pairs with the Acquire of later pins: they see
        // the new sequence, value and count. A RMW, not a store: readers
        // that bounced off `WRITER` may still hold their (transient) pin.
        slot.pins.fetch_and(!(WRITER | WANT), Ordering::Release);
        counts.tail = pos.wrapping_add(1);
        let active = counts.active;
        drop(counts);
        Ok(Sent {
            // The publisher's half of the lost wake-up window (module docs).
            wake: if self.waiters.has_waiters(Side::Rx) {
                active
            } else {
                0
            },
            evicted,
            pass_want: inherited_want,
        })
    }

    /// The overwrite mode's receive step at `cursor`: `Behind` if the
    /// message there was overwritten, `Busy` if a writer is rewriting the
    /// slot right now.
    pub(super) fn recv_overwrite(&self, cursor: usize) -> Result<(T, bool), NoMsg>
    where
        T: Clone,
    {
        let slot = self.slot(cursor);
        let ready = cursor.wrapping_mul(2).wrapping_add(1);
        // ORDERING: Acquire pairs with the send's Release store.
        let seq = slot.seq.load(Ordering::Acquire);
        if seq != ready {
            if is_newer(seq, ready) {
                return Err(NoMsg::Behind);
            }
            // ORDERING: Acquire pairs with the Release store in `close`
            // (as in `recv_step`).
            if !self.closed.load(Ordering::Acquire) {
                return Err(NoMsg::Empty);
            }
            // ORDERING: Acquire, as above.
            let seq = slot.seq.load(Ordering::Acquire);
            if seq != ready {
                return Err(if is_newer(seq, ready) {
                    NoMsg::Behind
                } else {
                    NoMsg::Disconnected
                });
            }
        }
        let Some(pinned) = Pinned::new(self, slot) else {
            return Err(NoMsg::Busy);
        };
        // Re-check under the pin: the writer cannot take the slot now.
        // ORDERING: Acquire pairs with the send's Release store.
        if slot.seq.load(Ordering::Acquire) != ready {
            let want = pinned.finish();
            if want {
                self.waiters.notify_one(Side::Tx);
            }
            // The sequence only moves forward: overwritten meanwhile.
            return Err(NoMsg::Behind);
        }
        // ORDERING: Acquire pairs with the other readers' AcqRel decrements.
        if slot.remaining.load(Ordering::Acquire) == 1 {
            // SAFETY: the last reader (as in `recv_step`); pinned, so no
            // writer takes the slot while we move the value out.
            let msg = slot.value.with(|v| unsafe { (*v).assume_init_read() });
            let _: bool = self.free_slot(cursor);
            return Ok((msg, pinned.finish()));
        }
        // SAFETY: pinned, and our count is in `remaining`: the value stays
        // while we clone it (a panicking clone unpins in `Pinned::drop`).
        let msg = slot
            .value
            .with(|v| unsafe { (*v).assume_init_ref() }.clone());
        let _: bool = self.release_slot(cursor);
        Ok((msg, pinned.finish()))
    }

    /// A leaving receiver gives up its count on `pos` (overwrite mode):
    /// nothing if the message was overwritten. Returns whether a writer
    /// waits for this slot.
    pub(super) fn release_overwrite(&self, pos: usize) -> bool {
        let slot = self.slot(pos);
        let ready = pos.wrapping_mul(2).wrapping_add(1);
        loop {
            let Some(pinned) = Pinned::new(self, slot) else {
                // A writer owns it, under the lock: wait for it there.
                drop(self.counts.lock());
                continue;
            };
            // ORDERING: Acquire pairs with the send's Release store.
            if slot.seq.load(Ordering::Acquire) == ready {
                // The drop of the value, if we were its last reader, runs
                // pinned: a panic unpins in `Pinned::drop`.
                let _: bool = self.release_slot(pos);
            }
            return pinned.finish();
        }
    }

    /// A receiver found its message overwritten: moves `cursor` to the
    /// oldest message still kept and returns how many it missed. 0 if it
    /// was not behind after all (a writer was busy with its slot).
    pub(super) fn catch_up(&self, cursor: &mut usize) -> u64 {
        let tail = self.counts.lock().tail;
        let behind = tail.wrapping_sub(*cursor);
        if behind <= self.cap {
            return 0;
        }
        let oldest = tail.wrapping_sub(self.cap);
        *cursor = oldest;
        (behind - self.cap) as u64
    }
}
