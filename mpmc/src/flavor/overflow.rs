//! The unbounded flavor: **the bounded ring plus a locked overflow**.
//!
//! `unbounded()` is the ring of `bounded(n)` (`array.rs`, in the channel's one
//! allocation, [`Array::unbounded_capacity`] slots) with an [`Overflow`]: a
//! `VecDeque<T>` behind its own short lock, owned by the ring. While the ring
//! has room an unbounded channel *is* a bounded one: the same instructions,
//! one CAS per send and one per receive, no lock, no allocation. Only a send
//! that finds the ring full and a receive that finds it empty while the
//! overflow holds messages leave the ring's code for the functions below.
//!
//! # The `OVERFLOW` bit
//!
//! `tail` carries a third flag, `OVERFLOW` (beside `RX_WAIT` and `MARK`). It
//! is set and cleared only under the overflow lock, and outside the lock
//! `OVERFLOW` is set exactly when the overflow holds a message (a critical
//! section sets it and then pushes, or empties the overflow and then clears
//! it). While it is set **no send claims a ring position**: `send_ring` sees
//! the bit and goes to the overflow, and a claim CAS prepared from an older
//! word fails, because the word changed. So every message claimed on the
//! ring before the bit was set is older than every message in the overflow,
//! and FIFO holds across the switch.
//!
//! # A send
//!
//! The ring's send, unchanged; only when it finds the ring full (`Idle`:
//! the slot still holds the previous lap's message) or `Busy` (a receiver is
//! still reading the slot it needs) or `OVERFLOW` set does it call
//! [`send_overflow`](Array::send_overflow), which takes the lock and:
//!
//! 1. fails with the message back if `tail` carries `MARK`;
//! 2. if `OVERFLOW` is clear, retries the ring once (a receiver may have made
//!    room); if that fails too, sets `OVERFLOW` with `fetch_or`, whose
//!    returned word says whether `RX_WAIT` was set (and whether `MARK` came
//!    in between: then it clears the bit again and fails);
//! 3. pushes the message to the back of the overflow and unlocks. If the
//!    overflow's buffer is full, it first unlocks, allocates one twice as
//!    large, and starts over at step 1 with it (the messages move over under
//!    the lock, a memcpy): **nothing allocates or frees under the lock**, so
//!    a sender stalled in the allocator holds up nobody (crossbeam#997), and
//!    `OVERFLOW` is only set in the critical section that pushes;
//! 4. loads `tail` (after its lock acquire) and reports `wake_rx` if
//!    `RX_WAIT` is set there or was in step 2's word, exactly as a ring
//!    publish reports it (`SendDone`); the channel then notifies.
//!
//! A send never waits for a receiver and never fails for lack of room: an
//! unbounded send only ever answers `Ok` or `Disconnected`.
//!
//! # A receive, and the refill
//!
//! The ring's receive, unchanged while the ring has messages. When it finds
//! the ring empty (the slot at `head` unpublished and `tail` at the same
//! position) and `OVERFLOW` set, it calls
//! [`recv_overflow`](Array::recv_overflow), which takes the lock and tries
//! the ring again. If the ring is still empty (it cannot fill under the
//! lock: senders are diverted by `OVERFLOW`, refills hold the lock), the
//! receiver takes the overflow's front message for itself (every ring
//! position has been claimed by a receiver, so no older message is waiting)
//! and **refills**: it moves as many of the following messages as the ring
//! has free slots into the ring, claiming their positions itself with one
//! `fetch_add` on `tail` (flags kept) and publishing each slot as a sender
//! would. If the overflow is then empty it clears `OVERFLOW` (`fetch_and`,
//! Release), so senders resume on the ring *behind* the refilled messages,
//! and gives the overflow's buffer back (the memory of a burst is returned;
//! the buffer is freed after unlocking). Receivers then take the refilled
//! messages from the ring, lock-free.
//!
//! A slot at `head` that is busy (claimed, not yet published) is answered
//! `Empty` as on the bounded ring when a ring sender is writing it: that
//! sender publishes and notifies. But a *refill* also publishes into the
//! ring, and a refiller is a receiver, which notifies nobody. So a receive
//! that finds the head slot busy while `OVERFLOW` is set takes the lock too
//! (any refill in progress finishes first; under the lock a busy slot can
//! only be a ring sender's), and since the refill clears `OVERFLOW` only
//! after its publishes, with Release, a receive whose Acquire load of `tail`
//! no longer sees the bit re-reads the stamp once and finds the message.
//!
//! # No lost wake-up
//!
//! A registrant (a blocked `recv`, a pending `recv_async`) links its node,
//! which sets `RX_WAIT` with an RMW on `tail` (`waiters.rs`,
//! `publish_len`), and then re-checks: the ring, and the overflow under its
//! lock if it sees `OVERFLOW`. Take a message `m` pushed to the overflow by
//! a send `S` (the ring's own publishes keep the bounded argument,
//! `array.rs`, "Waiting"), and let `F` be the `fetch_or` that set the
//! `OVERFLOW` under which `m` was pushed (by `S` or by an earlier sender,
//! under the lock). In `tail`'s modification order:
//!
//! * the registrant's RMW comes **before `F`**: `F` returns `RX_WAIT`. If `S`
//!   issued `F` it notifies; otherwise `F` happened before `S`'s lock
//!   acquire, so `S`'s load of `tail` after it reads `RX_WAIT` (or a later
//!   value where the flag was cleared, which only happens when the list
//!   emptied: the registrant was woken) and `S` notifies;
//! * it comes **after `F`**: its re-check loads `tail` after its RMW, so it
//!   sees `OVERFLOW`, unless a refill cleared it, which happens only once the
//!   overflow is empty, so `m` was taken by a receiver or moved into the
//!   ring, whose publish the re-check sees (the Acquire/Release pair on the
//!   clear, and the stamp re-read). Seeing `OVERFLOW`, it takes the lock.
//!   If it locks after `S` unlocked, it finds `m` (in the overflow, or
//!   refilled into the ring); if it locked before `S` locked, its RMW
//!   happened before its unlock, which happened before `S`'s lock acquire
//!   and so before `S`'s load of `tail`, which reads `RX_WAIT`: `S`
//!   notifies.
//!
//! Either the re-check finds the message, or its sender notifies. As on the
//! ring, a woken waiter that finds nothing re-registers, and one that leaves
//! without using its wake-up passes it on (`waiters.rs`).
//!
//! # Disconnection
//!
//! `MARK` is set as on the bounded ring (no lock). A send that reaches the
//! overflow sees it under the lock (or in its `fetch_or`'s word) and fails
//! with its message back. After `close` receivers drain the ring, then the
//! overflow (the refill ignores `MARK`), and then see `Disconnected`: the
//! ring empty with `MARK` and without `OVERFLOW`, which is final (no send
//! claims after `MARK`, and the overflow takes nothing after it).
//!
//! The last receiver's drain (`Chan::discard_all`) receives until the ring
//! reports `Empty`, refilling from the overflow as any receive does (each
//! message is dropped by the drain after the lock is released). A message
//! pushed before `MARK` is seen by it: `OVERFLOW` was set before `MARK` in
//! `tail`'s order and is cleared only when the overflow is empty, and the
//! drain's lock comes after its `MARK`, so a send locking after the drain
//! sees `MARK`. A drain that stops at a busy slot stops at a ring sender's
//! (under the lock no refill is half-done), which then sees `MARK` and no
//! receiver after its publish and drains the rest itself, as on `bounded`.
//!
//! # What the old list flavor could do, and why this cannot (issue 16)
//!
//! * **R6** (a receiver stranded by `close` racing `try_send`) and **R3**
//!   (messages left queued after the last receiver) both came from a
//!   receiver *abandoning* a claimed, unwritten slot, which made the
//!   sender's publish fail and its re-send be refused. Here nothing a
//!   receiver does makes a publish fail: a receiver never claims an
//!   unpublished slot (it claims with a CAS only when the stamp says
//!   published), a claimed ring position is always published by its claimer
//!   (sender or refiller), and an overflow push is decided under the lock. A
//!   busy slot is answered `Empty` and its publisher notifies, or it is a
//!   refill, which the receiver waits out on the lock. The drain argument
//!   above is the bounded ring's, plus the lock for the overflow.
//! * **R4** (ABA on a recycled block's head) needs memory that is reused at
//!   the same address while a stale pointer to it is CASed. Here nothing is
//!   recycled: the ring lives as long as the channel, and its words carry a
//!   position with a lap count (wrapping after `usize::MAX >> 3` positions,
//!   as on `bounded`), never a pointer; the overflow is only touched under
//!   its lock.
//!
//! # Memory
//!
//! The ring is part of the channel's one allocation. The overflow allocates
//! only while the ring is full (a `VecDeque` growing by doubling from 8,
//! allocated outside the lock) and gives its buffer back as soon as it is
//! emptied. A channel whose queue stays within the ring allocates nothing
//! after creation, in every pattern; a burst beyond it allocates about
//! `log2(burst)` times and returns it all once drained.
//!
//! # The lock
//!
//! [`Lock`] is `std::sync::Mutex` with `std` (a contended thread parks), and a
//! test-and-set lock without it, as the waiter lists'. No user code runs
//! under it: no message is dropped (a failed send returns its message; the
//! drain drops after unlocking; a given-back buffer is empty), no waker is
//! touched, nothing is allocated or freed. The critical sections are a
//! `VecDeque` push (or the move into a larger buffer allocated before), or a
//! refill of at most the ring's capacity in moves. Under loom the lock is
//! loom's mutex taken by try-and-yield (see `loom_lock`).
//!
//! # Cost
//!
//! Within the ring: the bounded ring's, two locked RMWs per message, and the
//! same instructions but for the `OVERFLOW` test, which shares the `MARK`
//! test's branch. Beyond it, a send costs the lock (two RMWs uncontended)
//! and a push; a receive costs the ring's CAS, plus one lock and one
//! `fetch_add` per refill of up to `cap` messages.

use alloc::collections::VecDeque;

use super::array::{
    Array, Outcome, Put, RingStop, SendDone, MARK, OVERFLOW, POS_MASK, RX_WAIT, SHIFT,
};
#[cfg(not(loom))]
use crate::loom::lock::Lock;
use crate::loom::Ordering;
#[cfg(loom)]
use loom_lock::Lock;

/// Under loom, the overflow's lock is loom's mutex taken with `try_lock`
/// and a yield between tries. loom 0.7 treats an `unpark` as the end of
/// *any* block, a mutex wait included (`rt/thread.rs`, `set_unparked`), and
/// then fails "expected to be able to acquire lock"; a blocked receiver can
/// get such a late unpark (a wake-up it already used) while it waits for
/// this lock, which in std is a harmless spurious wake-up of its next park.
/// The try-and-yield loop models the same lock without that artefact.
#[cfg(loom)]
mod loom_lock {
    pub(crate) struct Lock<T>(loom::sync::Mutex<T>);

    impl<T> Lock<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
            loop {
                match self.0.try_lock() {
                    Ok(guard) => return guard,
                    Err(std::sync::TryLockError::WouldBlock) => loom::thread::yield_now(),
                    Err(std::sync::TryLockError::Poisoned(e)) => return e.into_inner(),
                }
            }
        }
    }
}

/// Bytes of ring an unbounded channel aims for: [`Array::unbounded_capacity`]
/// is this divided by the slot size, within [`MIN_RING`] and [`MAX_RING`].
#[cfg(not(loom))]
const RING_BYTES: usize = 4096;
/// The fewest ring slots of an unbounded channel (large messages).
#[cfg(not(loom))]
const MIN_RING: usize = 8;
/// The most ring slots of an unbounded channel (small messages).
#[cfg(not(loom))]
const MAX_RING: usize = 256;
/// The overflow's first buffer, in messages (it then doubles).
const MIN_OVERFLOW: usize = 8;

/// Messages sent while the ring was full, oldest first, behind a short lock.
pub(crate) struct Overflow<T> {
    queue: Lock<VecDeque<T>>,
}

impl<T> Overflow<T> {
    pub(crate) fn new() -> Self {
        Self {
            queue: Lock::new(VecDeque::new()),
        }
    }
}

impl<T> Array<T> {
    /// The ring capacity of an unbounded channel of `T`: about
    /// [`RING_BYTES`] of slots, at least [`MIN_RING`] and at most
    /// [`MAX_RING`] (256 slots for a `u64`, 15 for a 256-byte message). 2
    /// under loom, so that the models overflow quickly.
    pub(crate) fn unbounded_capacity() -> usize {
        #[cfg(loom)]
        {
            2
        }
        #[cfg(not(loom))]
        {
            let slot = core::mem::size_of::<super::array::Slot<T>>();
            (RING_BYTES / slot).clamp(MIN_RING, MAX_RING)
        }
    }

    /// An unbounded channel's queue: a ring of `cap` slots and an overflow.
    ///
    /// # Safety
    ///
    /// As for [`Array::new`].
    pub(crate) unsafe fn new_unbounded(
        cap: usize,
        barriers: crate::barrier::Barriers,
        slots: core::ptr::NonNull<u8>,
    ) -> Self {
        // SAFETY: forwarded contract.
        unsafe { Self::with_overflow(cap, barriers, slots, Some(Overflow::new())) }
    }

    /// A send that found the ring full or busy, or `OVERFLOW` set (see the
    /// module docs, "A send"). Answers `Ok` or `Disconnected`.
    #[cold]
    #[inline(never)]
    pub(super) fn send_overflow<P: Put<T>>(
        &self,
        overflow: &Overflow<T>,
        msg: P,
    ) -> Result<SendDone, (P, Outcome)> {
        // A larger buffer, allocated with the lock released when the
        // overflow is full: nothing allocates under the lock, so a sender
        // stalled in the allocator holds up nobody (crossbeam#997).
        let mut bigger: Option<VecDeque<T>> = None;
        let mut msg = msg;
        loop {
            let mut queue = overflow.queue.lock();
            // ORDERING: Acquire pairs with the Release half of the
            // disconnecting `fetch_or(MARK)`, as in `send_ring`. `OVERFLOW`
            // only changes under the lock we hold, so this value's
            // `OVERFLOW` is current.
            let word = self.tail.load(Ordering::Acquire);
            if word & MARK != 0 {
                drop(queue);
                return Err((msg, Outcome::Disconnected));
            }
            msg = if word & OVERFLOW == 0 {
                // A receiver may have made room since we looked (or emptied
                // the overflow): the ring once more. Nobody else can set
                // `OVERFLOW` while we hold the lock.
                match self.send_ring(msg) {
                    Ok(done) => {
                        drop(queue);
                        return Ok(done);
                    }
                    Err((msg, Outcome::Disconnected)) => {
                        drop(queue);
                        return Err((msg, Outcome::Disconnected));
                    }
                    Err((msg, Outcome::Idle | Outcome::Busy)) => msg,
                }
            } else {
                msg
            };
            let mut old = None;
            if queue.len() == queue.capacity() {
                match bigger.take() {
                    Some(mut buffer) if buffer.capacity() > queue.len() => {
                        // Move the messages over (no allocation: `buffer`
                        // has room) and free the old buffer after unlocking.
                        core::mem::swap(&mut *queue, &mut buffer);
                        queue.append(&mut buffer);
                        old = Some(buffer);
                    }
                    _ => {
                        let want = (queue.capacity() * 2).max(MIN_OVERFLOW);
                        drop(queue);
                        bigger = Some(VecDeque::with_capacity(want));
                        continue;
                    }
                }
            }
            let mut rx_wait = false;
            if word & OVERFLOW == 0 {
                // ORDERING: AcqRel: an RMW on `tail`, so it is ordered with
                // every registrant's `RX_WAIT` set and with `MARK` (whose
                // Release half the Acquire pairs with); Release so the
                // lock-free readers that see the bit see what preceded it
                // (they take the lock anyway).
                let prev = self.tail.fetch_or(OVERFLOW, Ordering::AcqRel);
                if prev & MARK != 0 {
                    // Disconnected in between: nothing may be queued after
                    // `MARK`; the overflow is empty, so clear the bit again.
                    // ORDERING: Relaxed: under the lock; lock-free readers
                    // that saw the bit take the lock and re-read.
                    self.tail.fetch_and(!OVERFLOW, Ordering::Relaxed);
                    drop(queue);
                    drop(old);
                    return Err((msg, Outcome::Disconnected));
                }
                rx_wait = prev & RX_WAIT != 0;
            }
            // No allocation: `len < capacity` (checked above).
            queue.push_back(msg.into_value());
            drop(queue);
            // Buffers without messages: freeing them runs no user code.
            drop(old);
            drop(bigger);
            // ORDERING: Relaxed: this load comes after our lock acquire,
            // which came after the release of every earlier holder of the
            // lock, so it reads `RX_WAIT` if a registrant set it before
            // locking the overflow before us, or if `F` (the `fetch_or` that
            // set `OVERFLOW`, see the module docs) returned it; the rest is
            // `rx_wait`.
            let now = self.tail.load(Ordering::Relaxed);
            return Ok(SendDone {
                wake_rx: rx_wait || now & RX_WAIT != 0,
                disconnected: false,
            });
        }
    }

    /// A receive that found the ring empty (or its head slot busy) with
    /// `OVERFLOW` set (see the module docs, "A receive, and the refill").
    #[cold]
    #[inline(never)]
    pub(super) fn recv_overflow(&self) -> Result<(T, bool), Outcome> {
        let Some(overflow) = &self.overflow else {
            // Only `send_overflow` sets `OVERFLOW`, and only an unbounded
            // ring has an overflow.
            unreachable!("OVERFLOW set on a ring without an overflow")
        };
        let mut queue = overflow.queue.lock();
        match self.recv_ring::<true>() {
            Ok(got) => {
                drop(queue);
                Ok(got)
            }
            Err(RingStop::Stop(outcome)) => {
                drop(queue);
                Err(outcome)
            }
            Err(RingStop::Overflowing) => {
                // The ring is empty and stays so while we hold the lock:
                // every position was claimed by a receiver, so the front of
                // the overflow is the oldest message.
                let first = queue.pop_front();
                self.refill(&mut queue);
                let spent = if queue.is_empty() {
                    // ORDERING: Release pairs with the Acquire `tail` load in
                    // `recv_ring`: a receive that no longer sees `OVERFLOW`
                    // sees the refill's publishes (module docs). Senders
                    // resume after the refilled positions.
                    self.tail.fetch_and(!OVERFLOW, Ordering::Release);
                    // Give the burst's memory back (freed after unlocking;
                    // it holds no message).
                    Some(core::mem::take(&mut *queue))
                } else {
                    None
                };
                drop(queue);
                drop(spent);
                match first {
                    Some(msg) => Ok((msg, false)),
                    // Never: the overflow holds a message while `OVERFLOW`
                    // is set. Cleared above; the ring decides.
                    None => self.recv(),
                }
            }
        }
    }

    /// Moves messages from the front of `queue` into the free slots after
    /// `tail`, claiming their positions with one RMW. Called under the
    /// overflow lock (`queue` is its contents) with `OVERFLOW` set, so no
    /// sender claims a position meanwhile and the positions are ours.
    fn refill(&self, queue: &mut VecDeque<T>) {
        // ORDERING: Relaxed: the position only moves under the lock we hold
        // (`OVERFLOW` is set), and our lock acquire follows every move.
        let start = self.tail.load(Ordering::Relaxed) >> SHIFT;
        let mut end = start;
        let mut count = 0;
        while count < queue.len() && count < self.cap {
            // ORDERING: Acquire pairs with the Release store of the receiver
            // that freed the slot: its read happens before our write.
            if self.slot(end).stamp.load(Ordering::Acquire) != end {
                // Still holds the previous lap's message, or is being read.
                break;
            }
            count += 1;
            end = self.next(end);
        }
        if count == 0 {
            return;
        }
        let delta = end.wrapping_sub(start) & POS_MASK;
        // ORDERING: Relaxed, as a sender's claim: the messages are ordered
        // by the stamps. Adding to the shifted position keeps the flags
        // (positions wrap within `POS_MASK`, the word within `usize`).
        self.tail.fetch_add(delta << SHIFT, Ordering::Relaxed);
        let mut pos = start;
        for _ in 0..count {
            let msg = queue.pop_front().expect("counted above");
            let slot = self.slot(pos);
            // SAFETY: the `fetch_add` made this thread the only owner of
            // position `pos`, whose slot the stamp said is empty; no receiver
            // reads it before the publish below.
            slot.msg.with_mut(|cell| unsafe { (*cell).write(msg) });
            // ORDERING: Release pairs with the receiver's Acquire stamp load.
            slot.stamp.store(pos + 1, Ordering::Release);
            pos = self.next(pos);
        }
    }

    /// `len` with an overflow: the ring and the overflow, under the lock (no
    /// refill moves messages between them meanwhile).
    pub(super) fn len_with(&self, overflow: &Overflow<T>) -> usize {
        let queue = overflow.queue.lock();
        self.ring_len() + queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use core::alloc::Layout;
    use core::ptr::NonNull;
    use core::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

    use crate::barrier::Barriers;
    use crate::flavor::array::Outcome;

    /// An unbounded ring of `cap` slots in its own allocation.
    struct Ring<T> {
        array: core::mem::ManuallyDrop<Array<T>>,
        mem: NonNull<u8>,
        layout: Layout,
    }

    // SAFETY: as `Array`, which it owns; `mem` is only freed by `Drop`.
    unsafe impl<T: Send> Send for Ring<T> {}
    // SAFETY: as above.
    unsafe impl<T: Send> Sync for Ring<T> {}

    impl<T> Ring<T> {
        fn new(cap: usize) -> Self {
            let layout = Array::<T>::slots_layout(cap);
            // SAFETY: the layout is not zero-sized (a slot holds a stamp).
            let mem = NonNull::new(unsafe { alloc::alloc::alloc(layout) }).expect("memory");
            // SAFETY: `mem` is fresh, laid out for `cap` slots, and freed
            // only after the array is dropped.
            let array = unsafe { Array::new_unbounded(cap, Barriers::new(), mem) };
            Self {
                array: core::mem::ManuallyDrop::new(array),
                mem,
                layout,
            }
        }

        fn send(&self, msg: T) -> Result<(), T> {
            match self.array.send(msg) {
                Ok(_) => Ok(()),
                Err((msg, outcome)) => {
                    assert_eq!(outcome, Outcome::Disconnected, "an unbounded send");
                    Err(msg)
                }
            }
        }

        fn recv(&self) -> Option<T> {
            self.array.recv().ok().map(|(msg, _)| msg)
        }

        fn overflowing(&self) -> bool {
            // ORDERING: Relaxed: a test's look, after the threads joined.
            self.array.tail.load(Ordering::Relaxed) & OVERFLOW != 0
        }

        fn overflow_buffer(&self) -> usize {
            self.array
                .overflow
                .as_ref()
                .unwrap()
                .queue
                .lock()
                .capacity()
        }
    }

    impl<T> Drop for Ring<T> {
        fn drop(&mut self) {
            // SAFETY: dropped once, here; then its memory is freed with the
            // layout it was allocated with.
            unsafe {
                core::mem::ManuallyDrop::drop(&mut self.array);
                alloc::alloc::dealloc(self.mem.as_ptr(), self.layout);
            }
        }
    }

    /// Counts its drops in a shared counter.
    struct Counted(Arc<StdAtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            // ORDERING: Relaxed: a test counter, read after the threads joined.
            self.0.fetch_add(1, StdOrdering::Relaxed);
        }
    }

    #[cfg(not(loom))]
    mod unit {
        use super::*;

        #[test]
        fn overflow_capacity_follows_the_slot_size() {
            assert_eq!(Array::<u64>::unbounded_capacity(), 256);
            assert_eq!(Array::<()>::unbounded_capacity(), 256);
            assert_eq!(Array::<[u8; 256]>::unbounded_capacity(), 15);
            assert_eq!(Array::<[u8; 100]>::unbounded_capacity(), 36);
        }

        #[test]
        fn overflow_fills_overflows_and_refills_in_order() {
            for cap in [1, 2, 3, 8] {
                let ring = Ring::new(cap);
                // Interleave bursts and partial drains across many switches.
                let mut next_in = 0u32;
                let mut next_out = 0u32;
                for burst in [1, 5, 17, 3, 40, 2, 0, 9] {
                    for _ in 0..burst {
                        ring.send(next_in).unwrap();
                        next_in += 1;
                    }
                    assert_eq!(ring.array.len(), (next_in - next_out) as usize);
                    for _ in 0..(burst / 2 + 1) {
                        if let Some(v) = ring.recv() {
                            assert_eq!(v, next_out, "cap {cap}");
                            next_out += 1;
                        }
                    }
                }
                while let Some(v) = ring.recv() {
                    assert_eq!(v, next_out, "cap {cap}");
                    next_out += 1;
                }
                assert_eq!(next_out, next_in);
                assert!(!ring.overflowing(), "cap {cap}: OVERFLOW left set");
                assert_eq!(ring.overflow_buffer(), 0, "cap {cap}: buffer kept");
                assert_eq!(ring.array.len(), 0);
            }
        }

        #[test]
        fn overflow_sends_resume_on_the_ring_after_a_drain() {
            let ring = Ring::new(2);
            for i in 0..5 {
                ring.send(i).unwrap();
            }
            assert!(ring.overflowing());
            // The first receive takes 0 from the ring, the second 1, the
            // third finds the ring empty: it takes 2 from the overflow and
            // refills 3 and 4, clearing OVERFLOW.
            assert_eq!(ring.recv(), Some(0));
            assert_eq!(ring.recv(), Some(1));
            assert!(ring.overflowing());
            assert_eq!(ring.recv(), Some(2));
            assert!(!ring.overflowing());
            ring.send(5).unwrap();
            assert!(
                ring.overflowing(),
                "the ring (2) holds 3 and 4: 5 overflows"
            );
            assert_eq!(ring.recv(), Some(3));
            assert_eq!(ring.recv(), Some(4));
            assert_eq!(ring.recv(), Some(5));
            assert_eq!(ring.recv(), None);
            assert!(!ring.overflowing());
        }

        #[test]
        fn overflow_disconnect_fails_sends_and_drains_in_order() {
            let ring = Ring::new(2);
            for i in 0..6 {
                ring.send(i).unwrap();
            }
            assert!(ring.array.disconnect());
            assert_eq!(ring.send(99), Err(99));
            let got: Vec<_> = core::iter::from_fn(|| ring.recv()).collect();
            assert_eq!(got, [0, 1, 2, 3, 4, 5]);
            assert_eq!(ring.array.recv().err(), Some(Outcome::Disconnected));
        }

        #[test]
        fn overflow_drop_drops_ring_and_overflow_once() {
            let drops = Arc::new(StdAtomicUsize::new(0));
            let ring = Ring::new(2);
            for _ in 0..7 {
                assert!(ring.send(Counted(drops.clone())).is_ok());
            }
            drop(ring.recv());
            drop(ring);
            // ORDERING: Relaxed: a test counter, single thread.
            assert_eq!(drops.load(StdOrdering::Relaxed), 7);
        }

        #[test]
        fn overflow_many_senders_many_receivers() {
            const SENDERS: usize = 4;
            let per_sender = if cfg!(miri) { 30 } else { 20_000 };
            let ring = Arc::new(Ring::new(4));
            let done = Arc::new(StdAtomicUsize::new(0));
            let senders: Vec<_> = (0..SENDERS)
                .map(|s| {
                    let ring = ring.clone();
                    let done = done.clone();
                    std::thread::spawn(move || {
                        for i in 0..per_sender {
                            ring.send((s, i)).unwrap();
                        }
                        // ORDERING: Release pairs with the receivers'
                        // Acquire load: all our sends are done.
                        done.fetch_add(1, StdOrdering::Release);
                    })
                })
                .collect();
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let ring = ring.clone();
                    let done = done.clone();
                    std::thread::spawn(move || {
                        let mut got = Vec::new();
                        loop {
                            // ORDERING: Acquire pairs with the senders'
                            // Release: read before the receive that decides.
                            let finished = done.load(StdOrdering::Acquire) == SENDERS;
                            match ring.recv() {
                                Some(v) => got.push(v),
                                None if finished => return got,
                                None => std::thread::yield_now(),
                            }
                        }
                    })
                })
                .collect();
            for s in senders {
                s.join().unwrap();
            }
            let mut all = Vec::new();
            for r in receivers {
                let got = r.join().unwrap();
                // Per sender, each receiver sees increasing numbers (FIFO).
                for s in 0..SENDERS {
                    let mine: Vec<_> = got.iter().filter(|m| m.0 == s).map(|m| m.1).collect();
                    assert!(mine.windows(2).all(|w| w[0] < w[1]), "order broken");
                }
                all.extend(got);
            }
            all.sort_unstable();
            let expected: Vec<_> = (0..SENDERS)
                .flat_map(|s| (0..per_sender).map(move |i| (s, i)))
                .collect();
            assert_eq!(all, expected);
            assert!(!ring.overflowing());
        }
    }

    #[cfg(loom)]
    mod models {
        use super::*;
        use loom::thread;

        /// `loom::model` at `LOOM_MAX_PREEMPTIONS` (3 if unset), printing how
        /// many interleavings it explored.
        pub(crate) fn model(name: &str, f: impl Fn() + Send + Sync + 'static) {
            let mut builder = loom::model::Builder::new();
            if builder.preemption_bound.is_none() {
                builder.preemption_bound = Some(3);
            }
            // The lock's try-and-yield loop (`loom_lock`) adds branches.
            builder.max_branches = 100_000;
            let runs = Arc::new(StdAtomicUsize::new(0));
            let counter = runs.clone();
            builder.check(move || {
                // ORDERING: Relaxed: a test counter, read after the model.
                counter.fetch_add(1, StdOrdering::Relaxed);
                f();
            });
            // ORDERING: as above.
            std::println!(
                "{name}: {} interleavings (preemption bound {:?})",
                runs.load(StdOrdering::Relaxed),
                builder.preemption_bound
            );
        }

        fn drain(ring: &Ring<usize>, got: &mut Vec<usize>) {
            while let Some(v) = ring.recv() {
                got.push(v);
            }
        }

        // Every actor runs on a spawned thread: loom 0.7 explores too few
        // schedules when the model's main thread is one of the racers.

        #[test]
        fn overflow_loom_fill_overflow_refill_fifo() {
            // One sender overflows a ring of 2 (message 0 is already in it)
            // while a receiver takes: the receiver may refill, the sender
            // may find the ring busy or full, or OVERFLOW just cleared.
            // One sender and one receiver: the order is total.
            model("overflow_loom_fill_overflow_refill_fifo", || {
                let ring = Arc::new(Ring::new(2));
                ring.send(0).unwrap();
                let tx = ring.clone();
                let sender = thread::spawn(move || {
                    for i in 1..4 {
                        tx.send(i).unwrap();
                    }
                });
                let rx = ring.clone();
                let receiver =
                    thread::spawn(move || (0..3).filter_map(|_| rx.recv()).collect::<Vec<_>>());
                sender.join().unwrap();
                let mut got = receiver.join().unwrap();
                drain(&ring, &mut got);
                assert_eq!(got, [0, 1, 2, 3]);
                assert!(!ring.overflowing());
                assert_eq!(ring.overflow_buffer(), 0);
            });
        }

        #[test]
        fn overflow_loom_two_senders_race_the_switch() {
            // The ring (2) holds one message; two senders send two each, so
            // one of them sets OVERFLOW while the other may be claiming the
            // last slot with a word read before the bit. A receiver takes
            // one meanwhile. Per sender the order holds, nothing is lost.
            model("overflow_loom_two_senders_race_the_switch", || {
                let ring = Arc::new(Ring::new(2));
                ring.send(0).unwrap();
                let senders: Vec<_> = [10, 20]
                    .into_iter()
                    .map(|base| {
                        let tx = ring.clone();
                        thread::spawn(move || {
                            tx.send(base).unwrap();
                            tx.send(base + 1).unwrap();
                        })
                    })
                    .collect();
                let rx = ring.clone();
                let receiver = thread::spawn(move || rx.recv().into_iter().collect::<Vec<_>>());
                for s in senders {
                    s.join().unwrap();
                }
                let mut got = receiver.join().unwrap();
                drain(&ring, &mut got);
                assert_eq!(got[0], 0);
                for base in [10, 20] {
                    let mine: Vec<_> = got.iter().filter(|&&v| v / 10 == base / 10).collect();
                    assert_eq!(mine, [&base, &(base + 1)], "{got:?}");
                }
                assert_eq!(got.len(), 5);
                assert!(!ring.overflowing());
            });
        }

        #[test]
        fn overflow_loom_refill_vs_busy_head() {
            // The ring holds 0 and 1, the overflow 2 and 3. Two receivers
            // take two each: one may find the head slot busy while the other
            // refills it (it must then take the lock or re-read the stamp,
            // never lose or reorder a message).
            model("overflow_loom_refill_vs_busy_head", || {
                let ring = Arc::new(Ring::new(2));
                for i in 0..4 {
                    ring.send(i).unwrap();
                }
                let receivers: Vec<_> = (0..2)
                    .map(|_| {
                        let rx = ring.clone();
                        thread::spawn(move || (0..2).filter_map(|_| rx.recv()).collect::<Vec<_>>())
                    })
                    .collect();
                let mut got = Vec::new();
                for r in receivers {
                    let mine = r.join().unwrap();
                    assert!(mine.windows(2).all(|w| w[0] < w[1]), "{mine:?}");
                    got.extend(mine);
                }
                drain(&ring, &mut got);
                got.sort_unstable();
                assert_eq!(got, [0, 1, 2, 3]);
                assert!(!ring.overflowing());
            });
        }

        #[test]
        fn overflow_loom_disconnect_vs_overflowing_send() {
            // A disconnection races a send that overflows: the send either
            // queues (and the drain finds it) or gets its message back.
            model("overflow_loom_disconnect_vs_overflowing_send", || {
                let drops = Arc::new(StdAtomicUsize::new(0));
                let ring = Arc::new(Ring::new(2));
                ring.send(Counted(drops.clone())).ok().unwrap();
                ring.send(Counted(drops.clone())).ok().unwrap();
                let tx = ring.clone();
                let d = drops.clone();
                let sender = thread::spawn(move || tx.send(Counted(d)).is_ok());
                let closer = ring.clone();
                let closer = thread::spawn(move || {
                    closer.array.disconnect();
                    let mut n = 0;
                    while closer.recv().is_some() {
                        n += 1;
                    }
                    n
                });
                let sent = sender.join().unwrap();
                let drained = closer.join().unwrap();
                let mut rest = 0;
                while ring.recv().is_some() {
                    rest += 1;
                }
                assert_eq!(drained + rest, 2 + usize::from(sent));
                // ORDERING: Relaxed: a test counter, read after the joins.
                assert_eq!(drops.load(StdOrdering::Relaxed), 3);
                assert_eq!(ring.array.recv().err(), Some(Outcome::Disconnected));
            });
        }
    }
}
