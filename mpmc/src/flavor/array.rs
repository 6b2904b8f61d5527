//! The bounded queue behind `bounded(n)` for `n >= 1`: a ring of `n` slots,
//! lock-free, one locked instruction per send and one per receive, and **no
//! operation ever waits for another thread's half-finished step**.
//!
//! `unbounded()` is the same ring with an *overflow* (`overflow.rs`): a
//! queue behind its own short lock that takes the sends that find the ring
//! full. Only this file's slow branches (a send that finds the ring full or
//! busy, a receive that finds it empty while the overflow holds messages)
//! reach it, through the `OVERFLOW` flag in `tail`; everything below holds
//! for both, and an unbounded ring with room costs what a bounded one costs.
//!
//! # Words, positions and stamps
//!
//! `head` and `tail` are words: a *position* shifted left by [`SHIFT`], with
//! flag bits below it. A position is `lap | index`, where `index < cap` is a
//! slot number and `lap` counts trips around the ring in units of `one_lap`
//! (the power of two above `cap`). Positions wrap within [`POS_MASK`].
//!
//! | word   | flag         | meaning                                                  |
//! |--------|--------------|----------------------------------------------------------|
//! | `tail` | [`RX_WAIT`]  | the receiver waiter list is not empty                    |
//! | `tail` | [`MARK`]     | the channel is disconnected: no send claims a position   |
//! | `tail` | [`OVERFLOW`] | `unbounded`: the overflow holds messages; no send claims |
//! | `head` | [`TX_WAIT`]  | the sender waiter list is not empty                      |
//!
//! The `*_WAIT` flags are set and cleared under the waiter lock, when the list
//! becomes non-empty or empty (see `Chan`), with an RMW on the word;
//! `OVERFLOW` under the overflow's lock (`overflow.rs`), also with RMWs, so
//! no flag update ever loses another.
//!
//! Every slot has a `stamp`, the position it is ready for:
//!
//! | stamp of slot `i`   | meaning                                                   |
//! |---------------------|-----------------------------------------------------------|
//! | `pos` (`= lap | i`) | empty, ready for the sender of position `pos`             |
//! | `pos + 1`           | holds the message of `pos`, ready for its receiver        |
//! | `pos + one_lap`     | the message of `pos` was read; ready for the next lap     |
//!
//! # A send and a receive
//!
//! A send reads `tail` and the stamp of its slot; if the stamp equals the
//! position it **claims** it with one CAS on `tail` (to the next position,
//! flags kept), writes the message, and **publishes** it with a Release store
//! `stamp = pos + 1`. A receive is the mirror image: claim `head` when the
//! stamp is `pos + 1`, read, **release** with `stamp = pos + one_lap`.
//!
//! # Never waiting on another thread
//!
//! Between a claim and its publish (or release) the slot is *busy*. Where
//! crossbeam-channel spins until the other thread finishes (crossbeam#821,
//! #997), these steps report what they see and return:
//! [`Busy`](Outcome::Busy) for a slot in the middle of being written (at
//! `head`) or read (at `tail`), `Empty`/`Full` when the ring really is empty
//! or full. `try_recv`/`try_send` answer `Empty`/`Full` for both. (With an
//! overflow, a send that finds the ring full or busy goes to the overflow
//! instead, and a receive that finds a busy slot while `OVERFLOW` is set takes
//! the overflow's lock, since the slot may be a refill's: `overflow.rs`.)
//!
//! # Waiting, and who wakes whom
//!
//! A waiting receiver links its node (the lock), which sets `RX_WAIT` if the
//! list was empty, then re-checks. Two cases:
//!
//! * **Empty**: nothing is claimed. Every later claim is a CAS on `tail`,
//!   after the flag in `tail`'s modification order, so it *sees* `RX_WAIT` and
//!   that sender notifies after its publish. No fence is needed for this: the
//!   flag and the claims are RMWs on one word.
//! * **Busy**: a sender claimed the slot at `head` before the flag was set and
//!   has not published. That sender must learn of the waiter *after* its
//!   publish: every publish is followed by the light barrier and a load of
//!   `tail` (`SendDone::wake_rx`), and the waiter issues the heavy barrier
//!   before its re-check (`barrier.rs`). Either the re-check sees the
//!   publish, or the publisher's load sees the flag.
//!
//! Senders waiting on a full ring mirror this with `TX_WAIT` in `head`.
//! The uncontended fast path therefore costs one CAS per send and one per
//! receive: two locked instructions per message, no fence (where the heavy
//! barrier is `membarrier`; elsewhere the light barrier is a fence, four).

use core::alloc::Layout;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use super::overflow::Overflow;
use super::CachePadded;
use crate::barrier::Barriers;
use crate::errors::TrySendError;
use crate::held::Held;
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};

/// Flag bits below the position in `head`/`tail`.
pub(super) const SHIFT: u32 = 3;
/// `tail`: the receiver waiter list is not empty (bit 0, which the waiter
/// lists set and clear: `waiters.rs`, `publish_len`).
pub(super) const RX_WAIT: usize = 0b001;
/// `tail`: disconnected.
pub(super) const MARK: usize = 0b010;
/// `tail`: the overflow holds messages (`unbounded` only, see
/// `overflow.rs`): no send claims a ring position while it is set.
pub(super) const OVERFLOW: usize = 0b100;
/// `head`: the sender waiter list is not empty (bit 0, as `RX_WAIT`).
const TX_WAIT: usize = 0b001;
const FLAGS: usize = (1 << SHIFT) - 1;
/// Positions live in the bits above the flags.
pub(super) const POS_MASK: usize = usize::MAX >> SHIFT;

pub(super) struct Slot<T> {
    /// The position this slot is ready for (see the module docs).
    pub(super) stamp: AtomicUsize,
    /// Initialised exactly while `stamp == pos + 1` for some position `pos`
    /// (and during the write that leads there and the read that leads away).
    pub(super) msg: UnsafeCell<MaybeUninit<T>>,
}

/// Where a send's message comes from: a value (`try_send`, the futures'
/// fast path), or the `Held` place of a blocking send, copied from by
/// pointer so that a large message is not copied through the frames of a
/// wait (`held.rs`). Monomorphised, so the by-value send is the plain move it
/// always was.
pub(crate) trait Put<T> {
    /// Writes the message into `dst`, which owns it afterwards.
    ///
    /// # Safety
    ///
    /// `dst` is valid for a write of a `T` and owned by the caller.
    unsafe fn put(self, dst: *mut T);

    /// The message as a value (the overflow pushes values).
    fn into_value(self) -> T;
}

/// A message passed by value.
pub(crate) struct ByValue<T>(pub(crate) T);

impl<T> Put<T> for ByValue<T> {
    #[inline(always)]
    unsafe fn put(self, dst: *mut T) {
        // SAFETY: forwarded contract.
        unsafe { dst.write(self.0) };
    }

    #[inline(always)]
    fn into_value(self) -> T {
        self.0
    }
}

/// A message in a blocking send's `Held` place.
pub(crate) struct ByRef<'a, T>(pub(crate) &'a mut Held<T>);

impl<T> Put<T> for ByRef<'_, T> {
    #[inline(always)]
    unsafe fn put(self, dst: *mut T) {
        // SAFETY: the held message is live (a send only puts a message it
        // has), `dst` is valid per the contract, and the place gives up
        // ownership right after the copy.
        unsafe {
            core::ptr::copy_nonoverlapping(self.0.as_ptr(), dst, 1);
            self.0.moved();
        }
    }

    #[inline(always)]
    fn into_value(self) -> T {
        self.0.take()
    }
}

/// What a step saw when it could not proceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Empty (receive) or full (send): nobody is in the middle of a step.
    Idle,
    /// The slot is claimed by the other side, which has not finished.
    Busy,
    /// Disconnected (and, for a receive, empty).
    Disconnected,
}

/// A successful send, and what its caller must do next.
pub(crate) struct SendDone {
    /// A receiver may be waiting: notify one.
    pub(crate) wake_rx: bool,
    /// The channel was disconnected by the time we published: if it was the
    /// last receiver leaving, our message must be discarded by us.
    pub(crate) disconnected: bool,
}

/// Why [`Array::recv_ring`] took nothing.
pub(super) enum RingStop {
    /// As for [`Array::recv`].
    Stop(Outcome),
    /// `OVERFLOW` is set and the ring looked empty (or, unless `LOCKED`, its
    /// head slot looked busy): the overflow decides (`overflow.rs`).
    Overflowing,
}

pub(crate) struct Array<T> {
    /// The next position to receive from, shifted, with `TX_WAIT`.
    pub(super) head: CachePadded<AtomicUsize>,
    /// The next position to send to, shifted, with `RX_WAIT`, `MARK` and
    /// `OVERFLOW`.
    pub(super) tail: CachePadded<AtomicUsize>,
    /// `cap` slots, placed right after the channel in its one allocation
    /// (`Chan::new_bounded`, `Chan::new_unbounded`).
    slots: NonNull<Slot<T>>,
    pub(super) cap: usize,
    one_lap: usize,
    /// `one_lap - 1`: a position's index bits.
    mask: usize,
    /// `cap - 1`: the last index.
    last: usize,
    /// What `next` adds to the last index's position: to index 0 of the
    /// next lap (`one_lap - last`).
    wrap_step: usize,
    barriers: Barriers,
    /// `unbounded` only: where sends go while the ring is full.
    pub(super) overflow: Option<Overflow<T>>,
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
    /// The memory `cap` slots need; the channel places it after itself in
    /// its one allocation.
    ///
    /// # Panics
    ///
    /// If `cap` is too large for a ring (over `usize::MAX / 16` positions or
    /// bytes).
    pub(crate) fn slots_layout(cap: usize) -> Layout {
        assert!(cap <= POS_MASK / 4, "channel capacity too large");
        Layout::array::<Slot<T>>(cap).expect("channel capacity too large")
    }

    /// A queue of `cap >= 1` slots in the memory at `slots`.
    ///
    /// # Safety
    ///
    /// `slots` is valid for writes of [`slots_layout(cap)`](Self::slots_layout),
    /// aligned for it, used by nothing else, and stays allocated until this
    /// array is dropped (which drops the slots but does not free them).
    pub(crate) unsafe fn new(cap: usize, barriers: Barriers, slots: NonNull<u8>) -> Self {
        // SAFETY: forwarded contract.
        unsafe { Self::with_overflow(cap, barriers, slots, None) }
    }

    /// As [`new`](Self::new), with an optional overflow (`unbounded`).
    ///
    /// # Safety
    ///
    /// As for [`new`](Self::new).
    pub(super) unsafe fn with_overflow(
        cap: usize,
        barriers: Barriers,
        slots: NonNull<u8>,
        overflow: Option<Overflow<T>>,
    ) -> Self {
        assert!(cap > 0, "the array flavor needs a capacity of at least 1");
        let one_lap = (cap + 1).next_power_of_two();
        let slots = slots.cast::<Slot<T>>();
        for i in 0..cap {
            // SAFETY: per the contract, `slots` has room for `cap` slots.
            unsafe {
                slots.as_ptr().add(i).write(Slot {
                    stamp: AtomicUsize::new(i),
                    msg: UnsafeCell::new(MaybeUninit::uninit()),
                });
            }
        }
        Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots,
            cap,
            one_lap,
            mask: one_lap - 1,
            last: cap - 1,
            wrap_step: one_lap - (cap - 1),
            barriers,
            overflow,
        }
    }

    /// The number of ring slots (the channel's allocation holds them).
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// The channel's capacity: `Some(cap)` for `bounded`, `None` for
    /// `unbounded` (a ring with an overflow).
    pub(crate) fn bound(&self) -> Option<usize> {
        match self.overflow {
            None => Some(self.cap),
            Some(_) => None,
        }
    }

    /// The position after `pos`.
    #[inline]
    pub(super) fn next(&self, pos: usize) -> usize {
        // The last index steps to index 0 of the next lap; positions wrap
        // within `POS_MASK`.
        let step = if pos & self.mask == self.last {
            self.wrap_step
        } else {
            1
        };
        pos.wrapping_add(step) & POS_MASK
    }

    #[inline]
    pub(super) fn slot(&self, pos: usize) -> &Slot<T> {
        let index = pos & self.mask;
        debug_assert!(index < self.cap);
        // SAFETY: positions are only ever built by `next` (or are 0), whose
        // index part is always below `cap`, the number of initialised slots,
        // which live as long as `self` (`new`'s contract).
        unsafe { &*self.slots.as_ptr().add(index) }
    }

    /// Claims the tail position and publishes `msg`, or reports why not.
    /// Never waits. With an overflow (`unbounded`) a full ring sends to the
    /// overflow instead, so only `Disconnected` comes back.
    #[inline]
    pub(crate) fn send(&self, msg: T) -> Result<SendDone, (T, Outcome)> {
        self.send_put(ByValue(msg))
            .map_err(|(msg, outcome)| (msg.0, outcome))
    }

    /// [`send`](Self::send) of a message a blocking send holds in its frame
    /// (`held.rs`): copied into the slot, and marked moved, only if sent.
    #[inline]
    pub(crate) fn send_held(&self, held: &mut Held<T>) -> Result<SendDone, Outcome> {
        self.send_put(ByRef(held)).map_err(|(_, outcome)| outcome)
    }

    /// `send` for either kind of message source (see [`Put`]).
    #[inline(always)]
    fn send_put<P: Put<T>>(&self, msg: P) -> Result<SendDone, (P, Outcome)> {
        match self.send_ring(msg) {
            Ok(done) => Ok(done),
            Err((msg, outcome)) => match (&self.overflow, outcome) {
                (Some(overflow), Outcome::Idle | Outcome::Busy) => {
                    self.send_overflow(overflow, msg)
                }
                _ => Err((msg, outcome)),
            },
        }
    }

    /// The ring's send: claims the tail position and publishes `msg`, or
    /// reports why not (`Busy` also when `OVERFLOW` is set).
    #[inline(always)]
    pub(super) fn send_ring<P: Put<T>>(&self, msg: P) -> Result<SendDone, (P, Outcome)> {
        // ORDERING: Relaxed: a stale word only makes the stamp comparison
        // below fail, and the word is re-read.
        let mut word = self.tail.load(Ordering::Relaxed);
        loop {
            if word & (MARK | OVERFLOW) != 0 {
                // While `OVERFLOW` is set no send claims a position: every
                // message it would claim is younger than the overflow's.
                let outcome = if word & MARK != 0 {
                    Outcome::Disconnected
                } else {
                    Outcome::Busy
                };
                return Err((msg, outcome));
            }
            let pos = word >> SHIFT;
            let slot = self.slot(pos);
            // ORDERING: Acquire pairs with the Release store in `recv` that
            // released this slot: the previous message's read happens before
            // our write.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos {
                let new = (self.next(pos) << SHIFT) | (word & FLAGS);
                // ORDERING: Relaxed: the CAS decides which sender owns the
                // position (data is ordered by the stamps); being an RMW on
                // `tail`, it reads `RX_WAIT` if a registration set it before.
                match self.tail.compare_exchange_weak(
                    word,
                    new,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the only owner of
                        // position `pos`, whose slot the stamp says is empty;
                        // no receiver reads it before the publish below.
                        slot.msg
                            .with_mut(|cell| unsafe { msg.put((*cell).as_mut_ptr()) });
                        // ORDERING: Release pairs with the Acquire stamp load
                        // in `recv`: the write is visible to the receiver.
                        slot.stamp.store(pos + 1, Ordering::Release);
                        // Now look for a receiver that registered while we
                        // were writing (the "Busy" case in the module docs).
                        self.barriers.light();
                        // ORDERING: Acquire pairs with the Release half of the
                        // disconnecting `fetch_or(MARK)`, so a MARK seen here
                        // comes with the receiver count it followed; the
                        // light/heavy barrier pair orders it for `RX_WAIT`.
                        let now = self.tail.load(Ordering::Acquire);
                        return Ok(SendDone {
                            wake_rx: (word | now) & RX_WAIT != 0,
                            disconnected: now & MARK != 0,
                        });
                    }
                    Err(current) => word = current,
                }
            } else if (stamp.wrapping_add(self.one_lap) & POS_MASK) == pos + 1 {
                // The slot still holds the previous lap's message, or its
                // receiver is reading it right now.
                // ORDERING: Relaxed: a stale head can only make us answer
                // `Full`, which a concurrent receive makes true an instant
                // earlier; waiting callers re-check after registering.
                let head = self.head.load(Ordering::Relaxed) >> SHIFT;
                if (head.wrapping_add(self.one_lap) & POS_MASK) == pos {
                    return Err((msg, Outcome::Idle));
                }
                // ORDERING: Relaxed, as the first load.
                let current = self.tail.load(Ordering::Relaxed);
                if current == word {
                    // A receiver claimed the slot and has not released it.
                    return Err((msg, Outcome::Busy));
                }
                word = current;
            } else {
                // Another sender has moved past this position: our view
                // of `tail` is stale. Re-reading makes progress (the other
                // step is done); the hint lets loom run the others instead
                // of re-reading the same stale value for ever.
                crate::loom::stale_read_hint();
                // ORDERING: Relaxed, as the first load.
                word = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Claims the head position and takes its message, or reports why not.
    /// Never waits (with an overflow it may take the overflow's short lock).
    /// On success, also says whether a sender may be waiting.
    #[inline]
    pub(crate) fn recv(&self) -> Result<(T, bool), Outcome> {
        match self.recv_ring::<false>() {
            Ok(got) => Ok(got),
            Err(RingStop::Stop(outcome)) => Err(outcome),
            Err(RingStop::Overflowing) => self.recv_overflow(),
        }
    }

    /// The ring's receive. `OVERFLOW` in `tail` stops it with
    /// `Overflowing` when the ring is empty, and (unless `LOCKED`: the
    /// caller holds the overflow lock, so no refill is half-done) when the
    /// slot at `head` is busy, which may be a refill in progress.
    #[inline(always)]
    pub(super) fn recv_ring<const LOCKED: bool>(&self) -> Result<(T, bool), RingStop> {
        // ORDERING: Relaxed: a stale word only makes the stamp comparison
        // fail, and the word is re-read.
        let mut word = self.head.load(Ordering::Relaxed);
        loop {
            let pos = word >> SHIFT;
            let slot = self.slot(pos);
            // ORDERING: Acquire pairs with the Release publish in `send`, so
            // the message write is visible before we read it.
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == pos + 1 {
                let new = (self.next(pos) << SHIFT) | (word & FLAGS);
                // ORDERING: Relaxed: the CAS decides which receiver owns the
                // position (data is ordered by the stamps); being an RMW on
                // `head`, it reads `TX_WAIT` if a registration set it before.
                match self.head.compare_exchange_weak(
                    word,
                    new,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS made this thread the only owner of
                        // position `pos`, whose message was published (the
                        // stamp, loaded with Acquire); no sender writes the
                        // slot before the release below.
                        let msg = slot.msg.with(|cell| unsafe { (*cell).assume_init_read() });
                        // ORDERING: Release pairs with the Acquire stamp load
                        // in `send`: our read happens before the next write.
                        slot.stamp
                            .store(pos.wrapping_add(self.one_lap) & POS_MASK, Ordering::Release);
                        self.barriers.light();
                        // ORDERING: Relaxed: ordered by the light/heavy
                        // barrier pair (the "Busy" case, mirrored).
                        let now = self.head.load(Ordering::Relaxed);
                        return Ok((msg, (word | now) & TX_WAIT != 0));
                    }
                    Err(current) => word = current,
                }
            } else if stamp == pos {
                // Nothing published at `pos` yet.
                // ORDERING: Acquire pairs with the Release clear of
                // `OVERFLOW` after a refill (`overflow.rs`): a value from that
                // clear on makes the refill's publishes visible to the stamp
                // re-read below. Once `tail` carries MARK, no send claims a
                // position and the overflow takes no message (`OVERFLOW` is
                // then only set for an instant under the overflow lock), so a
                // marked value without `OVERFLOW` is final; an unmarked stale
                // value only answers `Idle` (empty).
                let tail = self.tail.load(Ordering::Acquire);
                let empty = tail >> SHIFT == pos;
                if tail & OVERFLOW != 0 && (empty || !LOCKED) {
                    return Err(RingStop::Overflowing);
                }
                if empty {
                    return Err(RingStop::Stop(if tail & MARK != 0 {
                        Outcome::Disconnected
                    } else {
                        Outcome::Idle
                    }));
                }
                // ORDERING: Relaxed, as the first load.
                let current = self.head.load(Ordering::Relaxed);
                if current == word {
                    // ORDERING: Acquire, as the first stamp load. A refill
                    // that cleared `OVERFLOW` by the time of our `tail` load
                    // has published (see above): look once more.
                    if slot.stamp.load(Ordering::Acquire) == pos {
                        // A sender claimed the slot and is still writing.
                        return Err(RingStop::Stop(Outcome::Busy));
                    }
                    continue;
                }
                word = current;
            } else {
                // Another receiver has moved past this position: our view
                // of `head` is stale. Re-reading makes progress (the other
                // step is done); the hint lets loom run the others instead
                // of re-reading the same stale value for ever.
                crate::loom::stale_read_hint();
                // ORDERING: Relaxed, as the first load.
                word = self.head.load(Ordering::Relaxed);
            }
        }
    }

    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> Result<SendDone, TrySendError<T>> {
        self.send(msg).map_err(|(msg, outcome)| match outcome {
            Outcome::Disconnected => TrySendError::Disconnected(msg),
            Outcome::Idle | Outcome::Busy => TrySendError::Full(msg),
        })
    }

    /// The claim words carrying the wait flags: (`tail` with `RX_WAIT`,
    /// `head` with `TX_WAIT`), both in bit 0. The waiter lists set and clear
    /// them under their lock when a list becomes non-empty or empty.
    pub(crate) fn wait_words(&self) -> (&AtomicUsize, &AtomicUsize) {
        (&self.tail, &self.head)
    }

    /// The waiter's heavy barrier, for a re-check that found `Busy`. False
    /// when no barrier could be issued (`barrier.rs`): the caller must then
    /// re-read until the step it found busy has finished before it trusts
    /// its re-check.
    #[must_use = "false means no barrier was issued: observe the busy step finish instead"]
    pub(crate) fn heavy_barrier(&self) -> bool {
        self.barriers.heavy()
    }

    /// Sets MARK; true if this call set it.
    pub(crate) fn disconnect(&self) -> bool {
        // ORDERING: AcqRel: Release so a publisher that reads MARK with
        // Acquire (in `send`) also sees the receiver count that dropped to
        // zero before it; Acquire so the disconnecting side sees the claims
        // before it.
        let tail = self.tail.fetch_or(MARK, Ordering::AcqRel);
        tail & MARK == 0
    }

    pub(crate) fn is_disconnected(&self) -> bool {
        // ORDERING: Acquire pairs with `disconnect`.
        self.tail.load(Ordering::Acquire) & MARK != 0
    }

    /// Messages claimed by senders and not yet by receivers, and those in
    /// the overflow.
    pub(crate) fn len(&self) -> usize {
        match &self.overflow {
            None => self.ring_len(),
            Some(overflow) => self.len_with(overflow),
        }
    }

    /// Positions claimed and not yet claimed by receivers.
    pub(super) fn ring_len(&self) -> usize {
        loop {
            // ORDERING: SeqCst snapshot of both ends; the loop retries until
            // `tail` did not move while `head` was read.
            let tail = self.tail.load(Ordering::SeqCst) >> SHIFT;
            // ORDERING: as above.
            let head = self.head.load(Ordering::SeqCst) >> SHIFT;
            // ORDERING: as above.
            if self.tail.load(Ordering::SeqCst) >> SHIFT != tail {
                continue;
            }
            let hix = head & (self.one_lap - 1);
            let tix = tail & (self.one_lap - 1);
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
        // head and tail holds a published message. (The overflow, a field,
        // drops its own messages after this.)
        // ORDERING: Relaxed: `&mut self` means every other access happened
        // before (the handle counts' AcqRel decrements order them).
        let mut pos = self.head.load(Ordering::Relaxed) >> SHIFT;
        // ORDERING: as above.
        let tail = self.tail.load(Ordering::Relaxed) >> SHIFT;
        while pos != tail {
            let slot = self.slot(pos);
            // SAFETY: positions in [head, tail) hold initialised messages
            // (see above), each dropped once here.
            slot.msg
                .with_mut(|cell| unsafe { (*cell).assume_init_drop() });
            pos = self.next(pos);
        }
        // SAFETY: the `cap` slots were initialised in `new` and are not used
        // again; the memory itself belongs to the channel, which frees it.
        unsafe {
            core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(
                self.slots.as_ptr(),
                self.cap,
            ))
        };
    }
}
