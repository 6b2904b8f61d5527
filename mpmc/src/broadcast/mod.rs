//! A broadcast channel: every active receiver sees every message sent after
//! it joined, in order. Two modes share the handles:
//!
//! * [`channel`] (**backpressure**): a send waits while the slowest active
//!   receiver is `capacity` messages behind; no message is ever lost, and
//!   the receive errors' `Lagged` variant is never returned.
//! * [`overwriting`] (**overwrite**): a send never waits for room; it drops
//!   the oldest message, and a receiver that had not read it gets
//!   `Lagged(n)` once (n: exactly the messages it missed), then reads on at
//!   the oldest message still kept.
//!
//! ```
//! let (tx, mut rx1) = mpmc::broadcast::channel(2);
//! let mut rx2 = rx1.clone();
//! tx.send("a").unwrap();
//! tx.send("b").unwrap();
//! assert!(tx.try_send("c").is_err()); // full: both receivers are 2 behind
//! assert_eq!(rx1.recv(), Ok("a"));
//! assert!(tx.try_send("c").is_err()); // still full: rx2 has not read "a"
//! assert_eq!(rx2.recv(), Ok("a")); // the last reader of "a" frees its slot
//! tx.send("c").unwrap();
//! assert_eq!((rx1.recv(), rx2.recv()), (Ok("b"), Ok("b")));
//! ```
//!
//! # Design
//!
//! **One allocation.** [`channel`] allocates the shared state and the ring of
//! `capacity` slots together (as `bounded` does) and never allocates again:
//! not per message, not per receiver, not per waiter (a waiter's node lives
//! in its blocking call's frame or in its future, `waiters.rs`).
//!
//! **A slot** has a sequence word, a count of readers still to read it, and
//! the value. Positions count messages from 0; message `pos` lives in slot
//! `pos % capacity`. The sequence word is `2 * pos` when the slot is free for
//! the send of position `pos`, and `2 * pos + 1` when it holds message `pos`
//! (wrapping; the parity tells the two apart even for `capacity == 1`, and a
//! receiver's cursor is never more than `capacity` behind, so no two states
//! it can meet share a value).
//!
//! **A send** takes the channel's short lock (`crate::loom::lock::Lock`),
//! which holds the next position (`tail`), the number of *active* receivers
//! and the handle counts. If the slot of `tail` is free (its sequence is
//! `2 * tail`, loaded `Acquire`), it moves the value in (a move: no user code
//! under the lock), sets the slot's reader count to the active count,
//! publishes the sequence `2 * tail + 1` (`Release`) and advances `tail`.
//! After the lock it wakes every waiting receiver: a receiver only waits when
//! it has read everything, so all of them wait for this same message. With no
//! active receiver the message goes to nobody: it is dropped after the lock
//! and the send succeeds (see "Detached receivers").
//!
//! **A receive** is lock-free. A receiver owns its cursor (not shared; the
//! receiving methods take `&mut self`). If the sequence of its cursor's slot
//! is `2 * cursor + 1` (`Acquire`), the message is there. It loads the
//! reader count: if it is 1, this receiver is the last reader and nobody
//! else reads the slot, so it **moves** the value out; otherwise it clones
//! it (outside any lock, concurrently with other readers' clones: hence the
//! `T: Sync` bound below) and then decrements the count, and the one whose
//! decrement takes it to zero drops the value in place. The last reader marks
//! the slot free (sequence `2 * (cursor + capacity)`, `Release`, pairing with
//! the next send's `Acquire`) and wakes one waiting sender.
//!
//! **Backpressure.** A send whose slot still has readers (the slowest active
//! receiver is `capacity` behind) waits: [`Sender::try_send`] returns
//! [`TrySendError::Full`], the blocking and async forms register in the
//! senders' waiter list until a last reader frees a slot. Each freed slot
//! wakes one sender; a woken sender that leaves (whether it sent or not)
//! passes its wake-up on to the next waiting sender (`waiters.rs`, rule 5),
//! so a wake-up meant for another slot than the one at `tail` is never lost.
//!
//! **The lost wake-up window.** Both hand-offs are the store-buffering
//! pattern. A waiting receiver registers its node (the waiter lock stores the
//! list's published length), issues a `SeqCst` fence, then re-checks its
//! slot; a send publishes the sequence, issues a `SeqCst` fence
//! (`Waiters::has_waiters`), then reads the published length and wakes only if
//! it is not zero. The two fences are totally ordered: if the receiver's is
//! first, the sender reads its registration and wakes it; if the sender's is
//! first, the receiver's re-check reads the published sequence. A waiting
//! sender and a freeing reader use the same pattern on the slot's sequence
//! and the senders' list. So a send costs one fence and one load when nobody
//! waits, and wakes only receivers that are really waiting.
//!
//! **Closing.** [`Sender::close`], the last sender's drop, or the last
//! receiver's (active or detached) drop closes the channel for good, under
//! the lock (after every send that got in), then wakes every waiter.
//! Receivers still get every message sent before the close, then
//! [`RecvError`]; sends fail with the message back.
//!
//! **Joining and leaving.** [`Sender::subscribe`] and [`Receiver::clone`]
//! make a receiver whose cursor is the `tail` read under the lock, where the
//! active count is incremented: it sees exactly the messages sent after it
//! joined (a clone does *not* see the messages its original has not read
//! yet). Dropping or detaching a receiver decrements, under the lock, the
//! active count, reads `tail`, and then (after the lock) releases every slot
//! from its cursor to that `tail`: decrements each reader count, and frees
//! (dropping the value) the slots it was the last reader of. The lock orders
//! this against the sends: a message sent before counted this receiver and
//! is in the released range, one sent after did not count it.
//!
//! **Detached receivers.** [`Receiver::detach`] gives a
//! [`DetachedReceiver`], which keeps the channel open but holds nothing back
//! (it is not counted in any slot); [`DetachedReceiver::attach`] makes it an
//! active receiver again at the current `tail`. While every receiver is
//! detached, a send succeeds at once and its message is dropped: nobody is
//! there to see it. A receiver that is never read from and never detached
//! (a "forgotten" one) does hold every sender back once it is `capacity`
//! behind: that is what backpressure means; detach receivers you are not
//! reading from.
//!
//! **Overwrite mode** ([`overwriting`]; a flag in the shared state). A slot
//! is freed for the next send in two ways. In **both modes** its last reader
//! frees it (moving the value out, or the reader whose decrement of the
//! count reaches 0 dropping it) by storing the even sequence
//! `2 * (pos + capacity)` (`Release`, pairing with the next send's
//! `Acquire`); in backpressure mode that is the only way, and it wakes a
//! waiting sender (above). In **overwrite mode** the send frees it itself:
//! it *evicts* the old message. The hazard is a reader in the middle of
//! cloning that very message, so each slot has a second word, `pins`: a
//! `WRITER` bit, a `WANT` bit and a count of reader `PIN`s.
//!
//! * *A reader* (lock-free) loads the sequence (`Acquire`): a later
//!   position's means its message was overwritten (below); an earlier one,
//!   nothing yet. If it is its own, it pins (`fetch_add(PIN)`, `AcqRel`)
//!   and re-loads the sequence (`Acquire`). If the pin saw `WRITER`, a send
//!   is rewriting the slot under the channel's lock: the reader unpins,
//!   takes and drops that lock (waiting parked, not spinning, for the send
//!   to finish) and starts over. If the re-load changed, it was overwritten
//!   between the two loads. Otherwise, while it holds the pin, no send can
//!   take the slot: it clones (or, as the last reader, moves), decrements
//!   the count (dropping and freeing at 0, still pinned), and unpins
//!   (`fetch_sub(PIN)`, `AcqRel`).
//! * *A send*, under the lock, claims the slot of `tail` with one CAS of
//!   `pins` from "no pins" (`0` or `WANT`) to `WRITER` (`Acquire`, pairing
//!   with the readers' `Release` unpins: their clones are done). Then, if
//!   the sequence still says it holds message `tail - capacity`, it moves
//!   that message out (a bitwise read: no user code), writes its own, sets
//!   the count and publishes the sequence (`Release`), clears `WRITER`
//!   (`fetch_and`, `Release`, pairing with later pins' `Acquire`), advances
//!   `tail`, and after the lock drops the old message (user code, no lock)
//!   and wakes the waiting receivers.
//! * *Exclusion* is one location's modification order: a reader's pin RMW
//!   and the send's claim CAS are both RMWs of `pins`, so either the claim
//!   comes first (the pin sees `WRITER`, or, after the clear, the new
//!   sequence, and backs off) or the pin does (the CAS fails). There is no
//!   store-buffering window here.
//! * *A send that finds pins* sets `WANT` (`fetch_or`, `AcqRel`) and
//!   returns without sending; the blocking and async forms register in the
//!   senders' list and retry (the retry's `fetch_or` comes after the
//!   registration, and is `Release`), then park or return `Pending`. The
//!   unpin that takes the count to 0 and sees `WANT` (`Acquire`: the
//!   registration is visible) wakes one sender; a send whose claim cleared
//!   a `WANT` passes a wake-up on after its lock, so a waiter is never
//!   stranded by another send taking the slot first. [`Sender::try_send`]
//!   waits the same way (parked; without `std`, with nothing to park on,
//!   it re-reads). **Why this wait is bounded and not a spin on a blocked
//!   thread:** a reader pins a slot only after seeing the sequence of its
//!   own cursor, so only the receivers that still read that one oldest
//!   message can pin it, each once; the send waits for at most that many
//!   clones (or the last reader's drop), already running, holding no lock
//!   (a clone may take the channel's lock: it never waits on the send), and
//!   it sleeps meanwhile. (A `T::clone` or `T::drop` that itself sends on
//!   the same overwrite channel can wait for its own pin; don't.)
//! * *Lagged.* A receiver whose slot shows a later sequence locks, reads
//!   `tail`, and moves its cursor to `tail - capacity`, returning
//!   `Lagged(tail - capacity - cursor)`. That is exact: each skipped
//!   position `p` had its slot rewritten by the send of `p + capacity`,
//!   which completed under the lock before we read `tail` (the sequence we
//!   saw was stored under it), and that send dropped the message whatever
//!   its count said. Sends racing on may overwrite again: the next receive
//!   then says `Lagged` again, and the sum stays exact.
//! * *Leaving.* A dropped or detached receiver releases its unread
//!   positions as in backpressure mode, but each under a pin, skipping
//!   slots already rewritten, and only from `tail - capacity` on: at most
//!   `capacity` slots, however far it fell behind.
//!
//! So in both modes each message is dropped exactly once: moved out to its
//! last reader, dropped by the reader whose decrement reached 0 or by a
//! leaving receiver's, dropped by the send that evicted it (overwrite), or
//! dropped when the channel is freed. `RecvStream` (feature `futures`)
//! and the iterators skip a lag (the stream counts it in
//! `RecvStream::missed`); `recv`, `try_recv`, `recv_timeout`,
//! `recv_deadline` and `recv_async` report it.
//!
//! **Every atomic's pairing.** `seq`: a send's `Release` store with the
//! readers' and leaving receivers' `Acquire` loads; a last reader's
//! `Release` free with the next send's `Acquire` load. `remaining`: `AcqRel`
//! decrements with each other and with the last reader's `Acquire` load.
//! `pins`: above. `closed`: a `Release` store under the lock (after every
//! send) with `Acquire` loads. `refs`: `AcqRel` decrements. The waiter
//! lists' published lengths: the `SeqCst` fences of the lost wake-up window.
//!
//! **Waiting.** The blocking forms re-read their node a bounded number of
//! times (16 spins, 16 yields: `waiters::park_while_waiting` with `reread`)
//! before parking, as the queue channels do; the re-reads wait for nothing
//! in particular, they only save a park/unpark when the other side answers
//! within microseconds. `Sender::closed` waits in the `Closed` list,
//! which every close empties.
//!
//! **User code.** `T::clone` runs outside any lock, on a slot this receiver
//! holds a count on; a panicking clone leaves the receiver's cursor and count
//! untouched (it can retry or be dropped). `T`'s `Drop` runs outside any lock.
//! Wakers are cloned, woken and dropped outside the lock, as everywhere in
//! the crate (`waiters.rs`). If waking a sender after a receive panics, the
//! received message is kept in the receiver and returned by its next
//! receive, so a panicking waker loses no message.
//!
//! # Thread safety
//!
//! Several receivers clone the same value through `&T` on several threads
//! at once, so sharing a value across receivers needs `T: Sync` as well as
//! `T: Send`: the handles and futures are `Send` and `Sync` only when
//! `T: Send + Sync`.
//!
//! ```compile_fail
//! // `Cell` is `Send` but not `Sync`: two receivers on two threads could
//! // clone the same `Cell` at once, so the handles are not `Send`.
//! fn assert_send<S: Send>(_: &S) {}
//! let (tx, rx) = mpmc::broadcast::channel::<std::cell::Cell<u32>>(1);
//! assert_send(&rx);
//! ```
//!
//! # Not here yet
//!
//! Everything issue 17 asks of the API is here (both modes, every blocking,
//! timed, `try_` and async form, `closed()`, the stream). Not offered: a
//! capacity-0 (rendezvous) broadcast, a `Sink` for [`Sender`], and selecting
//! over broadcast receivers.

use alloc::alloc::{alloc, dealloc, handle_alloc_error};
use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
#[cfg(any(feature = "std", feature = "async"))]
use core::pin::Pin;
use core::ptr::NonNull;
#[cfg(feature = "std")]
use core::time::Duration;
#[cfg(feature = "std")]
use std::time::Instant;

#[cfg(feature = "std")]
pub use crate::errors::SendTimeoutError;
pub use crate::errors::{SendError, TrySendError};
use crate::loom::lock::Lock;
use crate::loom::{fence, AtomicBool, AtomicUsize, Ordering, UnsafeCell};
#[cfg(any(feature = "std", feature = "async"))]
use crate::waiters::{Node, State, IDLE};
use crate::waiters::{Side, Waiters, Wake};
#[cfg(feature = "std")]
use crate::waiters::{WAITING, WOKEN};
#[cfg(feature = "std")]
pub use errors::RecvTimeoutError;
pub use errors::{RecvError, TryRecvError};

mod errors;
#[cfg(feature = "async")]
mod futures;
mod overwrite;
#[cfg(feature = "futures")]
mod stream;
#[cfg(feature = "async")]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub use futures::{Closed, RecvFuture, SendFuture};
#[cfg(feature = "futures")]
#[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
pub use stream::RecvStream;

/// One slot of the ring.
struct Slot<T> {
    /// `2 * pos`: free for the send of `pos`; `2 * pos + 1`: holds `pos`.
    seq: AtomicUsize,
    /// Readers still to read the message (set by the send, under the lock).
    remaining: AtomicUsize,
    /// Overwrite mode only: `WRITER`, `WANT` and a count of `PIN`s
    /// (`overwrite.rs`; module docs, "Overwrite mode").
    pins: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// What the lock guards.
struct Counts {
    /// The next position to send.
    tail: usize,
    /// Receivers counted in each new message.
    active: usize,
    /// Active and detached receivers.
    receivers: usize,
    senders: usize,
    closed: bool,
}

/// The shared state; the ring's slots follow it in the same allocation.
struct Shared<T> {
    /// Every handle (sender, receiver, detached receiver); the last frees.
    refs: AtomicUsize,
    counts: Lock<Counts>,
    /// `counts.closed`, readable without the lock.
    closed: AtomicBool,
    cap: usize,
    /// Overwrite mode (`overwriting`): a send replaces the oldest message.
    overwrite: bool,
    slots: NonNull<Slot<T>>,
    /// Waiting receivers (`Rx`) and senders (`Tx`); no messages in nodes.
    waiters: Waiters<()>,
}

/// A receive's outcome short of a message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NoMsg {
    /// Nothing at the cursor yet.
    Empty,
    /// Closed, and everything sent before the close was read.
    Disconnected,
    /// Overwrite mode, inside the shared step: the message at the cursor
    /// was overwritten (the receiver catches up, `Shared::catch_up`).
    Behind,
    /// Overwrite mode, inside the shared step: a writer is rewriting the
    /// slot under the lock (the receiver waits for the lock and retries).
    Busy,
    /// Overwrite mode: the receiver missed this many messages.
    Lagged(u64),
}

/// A send that went in: what is left to do after the lock.
#[must_use]
struct Sent<T> {
    /// How many waiting receivers to wake, at most.
    wake: usize,
    /// Overwrite mode: the oldest message, taken out of its slot, to drop.
    evicted: Option<T>,
    /// Overwrite mode: our claim cleared a `WANT` of another writer, whose
    /// wake-up we pass on.
    pass_want: bool,
}

impl<T> Sent<T> {
    fn none() -> Self {
        Self {
            wake: 0,
            evicted: None,
            pass_want: false,
        }
    }
}

/// Up to this many receivers are woken per lock acquisition.
const WAKE_BATCH: usize = 16;

impl<T> Shared<T> {
    fn layout(cap: usize) -> (Layout, usize) {
        Layout::new::<Self>()
            .extend(Layout::array::<Slot<T>>(cap).expect("broadcast capacity too large"))
            .expect("broadcast capacity too large")
    }

    fn allocate(cap: usize, overwrite: bool) -> NonNull<Self> {
        assert!(cap != 0, "broadcast capacity must be at least 1");
        assert!(
            cap <= usize::MAX / 8,
            "broadcast capacity too large (at most usize::MAX / 8)"
        );
        let (layout, offset) = Self::layout(cap);
        // SAFETY: the layout is not zero-sized (the header has counters).
        let base = unsafe { alloc(layout) };
        let Some(base) = NonNull::new(base) else {
            handle_alloc_error(layout)
        };
        // SAFETY: `offset` is within the allocation (`Layout::extend`).
        let slots = unsafe { base.add(offset) }.cast::<Slot<T>>();
        for i in 0..cap {
            // SAFETY: slot `i` is within the allocation and not yet shared.
            unsafe {
                slots.add(i).write(Slot {
                    seq: AtomicUsize::new(i.wrapping_mul(2)),
                    remaining: AtomicUsize::new(0),
                    pins: AtomicUsize::new(0),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                });
            }
        }
        let this = base.cast::<Self>();
        // SAFETY: `base` is valid for a `Self` (the layout starts with one).
        unsafe {
            this.as_ptr().write(Self {
                refs: AtomicUsize::new(2),
                counts: Lock::new(Counts {
                    tail: 0,
                    active: 1,
                    receivers: 1,
                    senders: 1,
                    closed: false,
                }),
                closed: AtomicBool::new(false),
                cap,
                overwrite,
                slots,
                waiters: Waiters::new(),
            });
        }
        this
    }

    /// Drops what is left and frees the allocation.
    ///
    /// # Safety
    ///
    /// `this` came from `allocate`, and no handle or future uses it any more.
    unsafe fn free(this: NonNull<Self>) {
        // SAFETY: live until the dealloc below; nobody else uses it.
        let shared = unsafe { this.as_ref() };
        let cap = shared.cap;
        for i in 0..cap {
            let slot = shared.slot_at(i);
            // ORDERING: Relaxed: the last handle's AcqRel decrement of
            // `refs` ordered every other handle's accesses before this.
            if slot.seq.load(Ordering::Relaxed) % 2 == 1 {
                // Every receiver releases its unread slots, so this does not
                // happen; if it did, the value would be dropped here once.
                // SAFETY: an odd sequence means the slot holds a value, which
                // nobody else can reach now.
                slot.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
            }
        }
        let (layout, _) = Self::layout(cap);
        // SAFETY: per the contract; the slots' drop is trivial apart from
        // the values handled above, and `Slot` holds no other resources
        // (under loom its cells are dropped here too).
        unsafe {
            for i in 0..cap {
                shared.slots.add(i).drop_in_place();
            }
            this.as_ptr().drop_in_place();
            dealloc(this.as_ptr().cast(), layout);
        }
    }

    /// Gives up one handle's reference; the last frees.
    ///
    /// # Safety
    ///
    /// The caller owns one reference and does not use `this` afterwards.
    unsafe fn release_ref(this: NonNull<Self>) {
        // SAFETY: our reference keeps it alive.
        let shared = unsafe { this.as_ref() };
        // ORDERING: AcqRel: our accesses happen before the free (Release),
        // and the last one sees every other holder's (Acquire). An RMW rather
        // than `Arc`'s Release + Acquire fence: ThreadSanitizer does not
        // model fences and reported the free as a race with the previous
        // holder's decrement.
        if shared.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: the last reference.
            unsafe { Self::free(this) };
        }
    }

    fn acquire_ref(&self) {
        // ORDERING: Relaxed: made from a live handle (as `Arc::clone`).
        let old = self.refs.fetch_add(1, Ordering::Relaxed);
        assert!(old < isize::MAX as usize, "too many broadcast handles");
    }

    fn slot_at(&self, index: usize) -> &Slot<T> {
        debug_assert!(index < self.cap);
        // SAFETY: `index < cap`, and the slots live as long as `self`.
        unsafe { &*self.slots.as_ptr().add(index) }
    }

    fn slot(&self, pos: usize) -> &Slot<T> {
        self.slot_at(pos % self.cap)
    }

    /// Closes the channel (once) and wakes every waiter. Returns whether
    /// this call closed it.
    fn close(&self) -> bool {
        {
            let mut counts = self.counts.lock();
            if counts.closed {
                return false;
            }
            counts.closed = true;
            // ORDERING: Release, under the lock after every send that got
            // in: a receiver that loads `true` (Acquire) sees every message
            // published before the close.
            self.closed.store(true, Ordering::Release);
        }
        self.waiters.disconnect();
        true
    }

    // ---- sending ---------------------------------------------------------

    /// One try at sending. `Ok`: sent (or dropped for want of active
    /// receivers), with what is left to do after the lock
    /// ([`finish_send`](Self::finish_send)). `Full`: backpressure mode, no
    /// room; overwrite mode, a reader is inside the slot to overwrite.
    fn send_step(&self, msg: T) -> Result<Sent<T>, TrySendError<T>> {
        if self.overwrite {
            return self.send_overwrite(msg);
        }
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
        // ORDERING: Acquire pairs with the Release store of the slot's last
        // reader (`free_slot`): its move or drop of the old value happens
        // before our write.
        if slot.seq.load(Ordering::Acquire) != pos.wrapping_mul(2) {
            return Err(TrySendError::Full(msg));
        }
        // SAFETY: the slot is free (even sequence for our position: its last
        // reader is done with it), and only the lock holder writes a free
        // slot.
        slot.value.with_mut(|v| unsafe { (*v).write(msg) });
        // ORDERING: Relaxed: published by the Release store below (and read
        // by releasing receivers under or after the lock).
        slot.remaining.store(counts.active, Ordering::Relaxed);
        // ORDERING: Release pairs with the receivers' Acquire load of the
        // sequence: the value and the count are visible to whoever sees it.
        slot.seq
            .store(pos.wrapping_mul(2).wrapping_add(1), Ordering::Release);
        counts.tail = pos.wrapping_add(1);
        let active = counts.active;
        drop(counts);
        // The publisher's half of the lost wake-up window (module docs).
        Ok(Sent {
            wake: if self.waiters.has_waiters(Side::Rx) {
                active
            } else {
                0
            },
            evicted: None,
            pass_want: false,
        })
    }

    /// After a send's lock: drops the message it overwrote (user code),
    /// wakes the waiting receivers and passes on a writer's wake-up it
    /// inherited, all of them even if the drop or a waker panics.
    fn finish_send(&self, sent: Sent<T>) {
        let Sent {
            wake,
            evicted,
            pass_want,
        } = sent;
        crate::waiters::both(
            || drop(evicted),
            || {
                crate::waiters::both(
                    || self.wake_receivers(wake),
                    || {
                        if pass_want {
                            self.waiters.notify_one(Side::Tx);
                        }
                    },
                );
            },
        );
    }

    /// Wakes up to `bound` waiting receivers, in batches, never under the
    /// lock, all of them even if a waker panics (`waiters.rs`, rule 4).
    ///
    /// `bound` is the active count under the send's lock, so a stream of
    /// receivers that re-register for the next message cannot keep a send
    /// popping. It is enough: each receiver has one node at a time (its
    /// receiving methods take `&mut self`), and a receiver that joined after
    /// the send and registered ahead of a waiter makes that waiter's
    /// re-check see the message (the lock chain orders the publish before
    /// it), so every waiter that needs this wake-up is among the first
    /// `bound` nodes. (A `RecvFuture` leaked while pending, `Box::pin` then
    /// `mem::forget`, keeps its node until one send pops it, and may take
    /// one of that send's wake-ups.)
    fn wake_receivers(&self, bound: usize) {
        if bound == 0 {
            return;
        }
        let mut batch: [Option<Wake>; WAKE_BATCH] = Default::default();
        let mut count = 0;
        {
            let mut locked = self.waiters.lock();
            while count < WAKE_BATCH.min(bound) {
                match locked.pop_front(Side::Rx) {
                    Some(wake) => {
                        batch[count] = Some(wake);
                        count += 1;
                    }
                    None => break,
                }
            }
        }
        let more = count == WAKE_BATCH && bound > WAKE_BATCH;
        crate::waiters::both(
            || crate::waiters::fire_all(batch.iter_mut().filter_map(Option::take)),
            || {
                if more {
                    self.wake_receivers(bound - WAKE_BATCH);
                }
            },
        );
    }

    // ---- receiving -------------------------------------------------------

    /// Marks the slot of `pos` free for the send of `pos + cap`; returns
    /// whether a sender may be waiting (the freeing half of the window;
    /// never in overwrite mode, whose senders do not wait for room).
    fn free_slot(&self, pos: usize) -> bool {
        let slot = self.slot(pos);
        // ORDERING: Release pairs with the send's Acquire load: our move or
        // drop of the value happens before the next write.
        slot.seq.store(
            pos.wrapping_add(self.cap).wrapping_mul(2),
            Ordering::Release,
        );
        !self.overwrite && self.waiters.has_waiters(Side::Tx)
    }

    /// One try at reading position `cursor`: the message and whether a
    /// sender may wait for the slot freed.
    fn recv_step(&self, cursor: usize) -> Result<(T, bool), NoMsg>
    where
        T: Clone,
    {
        if self.overwrite {
            return self.recv_overwrite(cursor);
        }
        let slot = self.slot(cursor);
        let ready = cursor.wrapping_mul(2).wrapping_add(1);
        // ORDERING: Acquire pairs with the send's Release store: the value
        // and reader count are visible.
        if slot.seq.load(Ordering::Acquire) != ready {
            // ORDERING: Acquire pairs with the Release store in `close`,
            // made under the lock after every send: then the re-load below
            // sees any message sent before the close.
            if !self.closed.load(Ordering::Acquire) {
                return Err(NoMsg::Empty);
            }
            // ORDERING: Acquire, as above.
            if slot.seq.load(Ordering::Acquire) != ready {
                return Err(NoMsg::Disconnected);
            }
        }
        // ORDERING: Acquire pairs with the other readers' AcqRel decrements:
        // when we read 1, their clones are done.
        if slot.remaining.load(Ordering::Acquire) == 1 {
            // SAFETY: we are the last reader (every other counted reader
            // decremented), so nobody else reads the value; the slot holds
            // it (odd sequence for our cursor) and we take it out once.
            let msg = slot.value.with(|v| unsafe { (*v).assume_init_read() });
            return Ok((msg, self.free_slot(cursor)));
        }
        // SAFETY: the slot holds the value and keeps it while our count is
        // in `remaining`; other readers only read it too (shared access).
        let msg = slot
            .value
            .with(|v| unsafe { (*v).assume_init_ref() }.clone());
        Ok((msg, self.release_slot(cursor)))
    }

    /// Gives up this reader's count on `pos`; the last one drops the value
    /// (user code, no lock held) and frees the slot. Returns whether a
    /// sender may be waiting.
    fn release_slot(&self, pos: usize) -> bool {
        let slot = self.slot(pos);
        // ORDERING: AcqRel: Release so our clone happens before the last
        // reader's drop; Acquire so the last reader sees every other clone
        // done.
        if slot.remaining.fetch_sub(1, Ordering::AcqRel) != 1 {
            return false;
        }
        /// Frees the slot (and wakes a sender) if the value's `Drop`
        /// panics; on the normal path it is forgotten.
        struct Free<'a, T>(&'a Shared<T>, usize);
        impl<T> Drop for Free<'_, T> {
            fn drop(&mut self) {
                if self.0.free_slot(self.1) {
                    self.0.waiters.notify_one(Side::Tx);
                }
            }
        }
        let free = Free(self, pos);
        // SAFETY: we were the last reader: nobody reads the value any more,
        // and it is dropped once (the slot is freed right after).
        slot.value.with_mut(|v| unsafe { (*v).assume_init_drop() });
        core::mem::forget(free);
        self.free_slot(pos)
    }

    /// Releases positions `from..to` (a leaving receiver's unread ones),
    /// continuing if a value's `Drop` panics, then wakes the senders that
    /// may wait for the freed slots.
    fn release_range(&self, from: usize, to: usize) {
        /// Releases the rest of the range when dropped.
        struct Rest<'a, T> {
            shared: &'a Shared<T>,
            next: usize,
            to: usize,
            wake: usize,
        }
        impl<T> Drop for Rest<'_, T> {
            fn drop(&mut self) {
                while self.next != self.to {
                    let pos = self.next;
                    self.next = pos.wrapping_add(1);
                    let wake = if self.shared.overwrite {
                        self.shared.release_overwrite(pos)
                    } else {
                        self.shared.release_slot(pos)
                    };
                    if wake {
                        self.wake += 1;
                    }
                }
                for _ in 0..self.wake {
                    self.shared.waiters.notify_one(Side::Tx);
                }
            }
        }
        drop(Rest {
            shared: self,
            next: from,
            to,
            wake: 0,
        });
    }

    /// Registers an active receiver at the current tail; its cursor.
    fn join(&self) -> usize {
        let mut counts = self.counts.lock();
        counts.active += 1;
        counts.receivers += 1;
        counts.tail
    }

    /// An active receiver at `cursor` leaves (`detach`: it stays a receiver).
    fn leave_active(&self, cursor: usize, detach: bool) {
        let (tail, last) = {
            let mut counts = self.counts.lock();
            counts.active -= 1;
            if !detach {
                counts.receivers -= 1;
            }
            (counts.tail, counts.receivers == 0)
        };
        // Overwrite mode: a receiver more than `cap` behind holds nothing
        // below `tail - cap` (those sends overwrote it), so the range is at
        // most `cap` long however far it fell behind.
        let from = if self.overwrite && tail.wrapping_sub(cursor) > self.cap {
            tail.wrapping_sub(self.cap)
        } else {
            cursor
        };
        crate::waiters::both(
            || self.release_range(from, tail),
            || {
                if last {
                    self.close();
                }
            },
        );
    }

    /// Whether `node`'s registration is done: `false` if the channel has
    /// closed (the caller re-checks, which sees it).
    #[cfg(any(feature = "std", feature = "async"))]
    fn register(&self, side: Side, node: Pin<&Node<()>>, wake: Wake) -> Option<Wake> {
        let mut locked = self.waiters.lock();
        if locked.is_disconnected() {
            return Some(wake);
        }
        let replaced = locked.register(side, node, wake);
        drop(locked);
        // The registrant's half of the lost wake-up window (module docs).
        // ORDERING: SeqCst fence pairs with the notifier's fence in
        // `Waiters::has_waiters`.
        fence(Ordering::SeqCst);
        replaced
    }

    /// Leaves after a try that succeeded or ended the wait, given the
    /// node's state before it. Senders pass an unused or used wake-up on
    /// (the freed slot may not have been this one's); receivers never need
    /// to (every waiting receiver is woken by each send).
    #[cfg(any(feature = "std", feature = "async"))]
    fn leave(&self, side: Side, node: Pin<&Node<()>>, before: State) {
        if before == IDLE {
            return;
        }
        match side {
            Side::Tx => {
                let _: Option<()> = self.waiters.leave(side, node);
            }
            _ => {
                let _: Option<()> = self.waiters.leave_used(side, node);
            }
        }
    }
}

/// Hands a received message back, and puts it into `rescued` if the user
/// code `f` (waking a sender) panics.
fn deliver<T>(rescued: &mut Option<T>, msg: T, f: impl FnOnce()) -> T {
    /// Keeps the message in the receiver on unwind.
    struct Hold<'a, T>(&'a mut Option<T>, Option<T>);
    impl<T> Drop for Hold<'_, T> {
        fn drop(&mut self) {
            if let Some(msg) = self.1.take() {
                *self.0 = Some(msg);
            }
        }
    }
    let mut hold = Hold(rescued, Some(msg));
    f();
    hold.1.take().expect("held until `f` returned")
}

/// Makes a broadcast channel whose ring holds `capacity` messages: every
/// active receiver sees every message sent after it joined, and a send waits
/// while the slowest active receiver is `capacity` messages behind.
///
/// The ring and the shared state are the channel's one allocation; nothing
/// is allocated per message or per waiter.
///
/// # Panics
///
/// If `capacity` is 0 (a broadcast rendezvous is not offered), or more than
/// `usize::MAX / 8`.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = mpmc::broadcast::channel(4);
/// let mut rx2 = tx.subscribe();
/// tx.send(7).unwrap();
/// assert_eq!(rx.recv(), Ok(7));
/// assert_eq!(rx2.recv(), Ok(7));
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    make(capacity, false)
}

/// Makes a broadcast channel in **overwrite mode**: a send never waits for
/// room. When the ring is full, the send drops the oldest message and takes
/// its slot; a receiver that had not read it gets [`RecvError::Lagged`]
/// (or [`TryRecvError::Lagged`], `RecvTimeoutError::Lagged`) once, with
/// the exact number of messages it missed, and then reads on from the oldest
/// message still in the ring. Everything else (the handles, detaching,
/// closing, the last reader moving the value) is as for [`channel`].
///
/// A send does wait in one case, briefly: while a receiver is inside the
/// slot it overwrites (cloning that oldest message); it then waits for
/// that clone to end, parked, not spinning (module docs, "Overwrite mode").
///
/// # Panics
///
/// If `capacity` is 0, or more than `usize::MAX / 8`.
///
/// # Examples
///
/// ```
/// use mpmc::broadcast::RecvError;
/// let (tx, mut rx) = mpmc::broadcast::overwriting(2);
/// for i in 0..5 {
///     tx.send(i).unwrap(); // never waits
/// }
/// assert_eq!(rx.recv(), Err(RecvError::Lagged(3))); // 0, 1 and 2 are gone
/// assert_eq!(rx.recv(), Ok(3));
/// assert_eq!(rx.recv(), Ok(4));
/// ```
pub fn overwriting<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    make(capacity, true)
}

fn make<T>(capacity: usize, overwrite: bool) -> (Sender<T>, Receiver<T>) {
    let shared = Shared::<T>::allocate(capacity, overwrite);
    (
        Sender {
            shared,
            _marker: PhantomData,
        },
        Receiver {
            shared,
            cursor: 0,
            rescued: None,
            _marker: PhantomData,
        },
    )
}

/// The sending side of a broadcast channel. Clone it for more senders.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = mpmc::broadcast::channel(1);
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(1).unwrap());
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub struct Sender<T> {
    shared: NonNull<Shared<T>>,
    _marker: crate::chan::HandleMarker<T>,
}

// SAFETY: a `Sender` moves `T`s into the ring, where receivers on other
// threads clone them through `&T` at the same time: `T: Send + Sync`. The
// shared state is synchronised by its atomics and lock.
unsafe impl<T: Send + Sync> Send for Sender<T> {}
// SAFETY: every method takes `&self` and is safe to call concurrently.
unsafe impl<T: Send + Sync> Sync for Sender<T> {}

impl<T> Sender<T> {
    fn shared(&self) -> &Shared<T> {
        // SAFETY: our reference keeps the allocation alive.
        unsafe { self.shared.as_ref() }
    }

    /// Sends `msg` if there is room now: the message back in
    /// [`TrySendError::Full`] if the slowest active receiver is `capacity`
    /// behind, or in [`TrySendError::Disconnected`] if the channel is
    /// closed. With no active receiver (all detached) the message is dropped
    /// and this returns `Ok(())`.
    ///
    /// In overwrite mode ([`overwriting`]) it never returns `Full`: it
    /// overwrites the oldest message. If a receiver is inside that message's
    /// slot (cloning it), it waits for that clone to end, parked (without
    /// `std`: re-reading); see the module docs, "Overwrite mode".
    ///
    /// # Examples
    ///
    /// ```
    /// use mpmc::broadcast::TrySendError;
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    /// ```
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        let shared = self.shared();
        match shared.send_step(msg) {
            Ok(sent) => {
                shared.finish_send(sent);
                Ok(())
            }
            Err(TrySendError::Full(msg)) if shared.overwrite => self
                .send_past_pins(msg)
                .map_err(|SendError(msg)| TrySendError::Disconnected(msg)),
            Err(err) => Err(err),
        }
    }

    /// Overwrite mode: a reader is inside the slot to overwrite (cloning
    /// the oldest message). Waits for it: parked (`std`), or re-reading
    /// (no `std`: nothing to park on). See the module docs, "Overwrite
    /// mode", for why this wait is bounded.
    fn send_past_pins(&self, msg: T) -> Result<(), SendError<T>> {
        #[cfg(feature = "std")]
        {
            self.send_blocking(msg, None).map_err(|e| match e {
                SendTimeoutError::Timeout(_) => unreachable!("no deadline"),
                SendTimeoutError::Disconnected(msg) => SendError(msg),
            })
        }
        #[cfg(not(feature = "std"))]
        {
            let shared = self.shared();
            let mut msg = msg;
            loop {
                core::hint::spin_loop();
                match shared.send_step(msg) {
                    Ok(sent) => {
                        shared.finish_send(sent);
                        return Ok(());
                    }
                    Err(TrySendError::Full(m)) => msg = m,
                    Err(TrySendError::Disconnected(m)) => return Err(SendError(m)),
                }
            }
        }
    }

    /// Sends `msg`, blocking while the channel is full; the message back if
    /// the channel is closed. In overwrite mode it does not wait for room
    /// (it overwrites the oldest message), only, briefly, for a receiver
    /// inside the slot it overwrites, as [`try_send`](Self::try_send).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// let t = std::thread::spawn(move || {
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap(); // waits until `rx` read 1
    /// });
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Ok(2));
    /// t.join().unwrap();
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        self.send_blocking(msg, None).map_err(|e| match e {
            SendTimeoutError::Timeout(_) => unreachable!("no deadline"),
            SendTimeoutError::Disconnected(msg) => SendError(msg),
        })
    }

    /// Sends `msg`, blocking at most `timeout` while the channel is full.
    /// In overwrite mode it only times out if a receiver's clone of the
    /// message it overwrites outlasts `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpmc::broadcast::SendTimeoutError;
    /// use std::time::Duration;
    /// let (tx, _rx) = mpmc::broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// let got = tx.send_timeout(2, Duration::from_millis(10));
    /// assert_eq!(got, Err(SendTimeoutError::Timeout(2)));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.send_blocking(msg, Instant::now().checked_add(timeout))
    }

    /// Sends `msg`, blocking until `deadline` at most while the channel is
    /// full.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// tx.send_deadline(1, Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.send_blocking(msg, Some(deadline))
    }

    #[cfg(feature = "std")]
    fn send_blocking(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        let shared = self.shared();
        let msg = match shared.send_step(msg) {
            Ok(sent) => {
                shared.finish_send(sent);
                return Ok(());
            }
            Err(TrySendError::Disconnected(msg)) => {
                return Err(SendTimeoutError::Disconnected(msg))
            }
            Err(TrySendError::Full(msg)) => msg,
        };
        let mut msg = Some(msg);
        // Rule 3: the node lives in a guard that unlinks it however we leave.
        let waiting = core::pin::pin!(crate::waiters::Waiting::new(&shared.waiters, Side::Tx));
        let node = waiting.as_ref().node();
        let mut before = IDLE;
        loop {
            let m = msg.take().expect("unsent");
            match shared.send_step(m) {
                Ok(sent) => {
                    shared.leave(Side::Tx, node, before);
                    shared.finish_send(sent);
                    return Ok(());
                }
                Err(TrySendError::Disconnected(m)) => {
                    shared.leave(Side::Tx, node, before);
                    return Err(SendTimeoutError::Disconnected(m));
                }
                Err(TrySendError::Full(m)) => msg = Some(m),
            }
            if expired(deadline) {
                // The guard leaves, passing on a wake-up we got.
                return Err(SendTimeoutError::Timeout(msg.take().expect("unsent")));
            }
            if before != WAITING {
                let thread = Wake::Thread(crate::loom::thread::current());
                drop(shared.register(Side::Tx, node, thread));
                before = WAITING;
                // Re-check after the registration (the loop's try).
                continue;
            }
            before = if crate::waiters::park_while_waiting(node, deadline, true) {
                WOKEN
            } else {
                WAITING
            };
        }
    }

    /// Sends `msg` asynchronously: the future completes once the message is
    /// in the ring, or with the message back if the channel is closed. In
    /// overwrite mode it is pending only while a receiver is inside the slot
    /// it overwrites.
    ///
    /// # Cancel safety
    ///
    /// A pending send has not happened: the message stays in the future
    /// until the poll that puts it into the ring. Dropping the future drops
    /// the message; [`SendFuture::cancel`] hands it back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// futures::executor::block_on(tx.send_async(5)).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn send_async(&self, msg: T) -> SendFuture<'_, T> {
        SendFuture::new(self, msg)
    }

    /// A new active receiver, which sees the messages sent from now on. On
    /// a closed channel it reports [`RecvError`] at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.recv(), Ok(2)); // 1 was sent before it joined
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let shared = self.shared();
        shared.acquire_ref();
        Receiver {
            shared: self.shared,
            cursor: shared.join(),
            rescued: None,
            _marker: PhantomData,
        }
    }

    /// Closes the channel: sends fail from now on, receivers get what was
    /// sent before and then [`RecvError`]. Returns whether this call closed
    /// it (`false` if it was closed already).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn close(&self) -> bool {
        self.shared().close()
    }

    /// A future that completes when the channel is closed: by
    /// [`close`](Self::close) (from any sender), or because every receiver,
    /// active and detached, is gone. At once if it is closed already.
    ///
    /// # Cancel safety
    ///
    /// It only watches the channel: dropping it while pending changes
    /// nothing (its waiter node is unlinked in its `Drop`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::broadcast::channel::<u8>(1);
    /// let detached = rx.detach();
    /// let t = std::thread::spawn(move || drop(detached));
    /// futures::executor::block_on(tx.closed()); // the last receiver left
    /// assert!(tx.is_closed());
    /// t.join().unwrap();
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn closed(&self) -> Closed<'_, T> {
        Closed::new(self)
    }

    /// Whether this channel was made by [`overwriting`] (a send replaces
    /// the oldest message) rather than [`channel`] (a send waits).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::broadcast::overwriting::<u8>(1);
    /// assert!(tx.is_overwriting());
    /// let (tx, _rx) = mpmc::broadcast::channel::<u8>(1);
    /// assert!(!tx.is_overwriting());
    /// ```
    pub fn is_overwriting(&self) -> bool {
        self.shared().overwrite
    }

    /// Whether the channel is closed (by [`close`](Self::close), or because
    /// every receiver, active or detached, is gone).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::broadcast::channel::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // ORDERING: Acquire pairs with the Release store in `close`.
        self.shared().closed.load(Ordering::Acquire)
    }

    /// How many messages are in the ring: sent and not yet read by every
    /// active receiver. A snapshot; it scans the ring (`O(capacity)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let shared = self.shared();
        let tail = shared.counts.lock().tail;
        (1..=shared.cap)
            .filter(|back| {
                let pos = tail.wrapping_sub(*back);
                // ORDERING: Relaxed: a snapshot for the caller.
                shared.slot(pos).seq.load(Ordering::Relaxed) == pos.wrapping_mul(2).wrapping_add(1)
            })
            .count()
    }

    /// Whether [`len`](Self::len) is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ring's size, fixed at creation.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::broadcast::channel::<u8>(4);
    /// assert_eq!(tx.capacity(), 4);
    /// ```
    pub fn capacity(&self) -> usize {
        self.shared().cap
    }

    /// How many active receivers there are (detached ones not counted).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::broadcast::channel::<u8>(4);
    /// let _rx2 = tx.subscribe();
    /// let _detached = rx.detach();
    /// assert_eq!(tx.receiver_count(), 1);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared().counts.lock().active
    }

    /// How many senders there are.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::broadcast::channel::<u8>(4);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared().counts.lock().senders
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::broadcast::channel::<u8>(4);
    /// let (other, _orx) = mpmc::broadcast::channel::<u8>(4);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Self) -> bool {
        self.shared == other.shared
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        let shared = self.shared();
        shared.acquire_ref();
        shared.counts.lock().senders += 1;
        Self {
            shared: self.shared,
            _marker: PhantomData,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        /// Gives up the reference even if a waker fired by the close panics.
        struct Release<T>(NonNull<Shared<T>>);
        impl<T> Drop for Release<T> {
            fn drop(&mut self) {
                // SAFETY: the sender's reference, given up once.
                unsafe { Shared::release_ref(self.0) };
            }
        }
        let release = Release(self.shared);
        let shared = self.shared();
        let last = {
            let mut counts = shared.counts.lock();
            counts.senders -= 1;
            counts.senders == 0
        };
        if last {
            shared.close();
        }
        drop(release);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// The receiving side of a broadcast channel: its own cursor into the ring.
///
/// Cloning it (or [`Sender::subscribe`]) makes a new active receiver that
/// starts at the current tail: it sees the messages sent after it joined,
/// not the ones its original has yet to read.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = mpmc::broadcast::channel(2);
/// tx.send(1).unwrap();
/// let mut rx2 = rx.clone(); // joins now: does not see 1
/// tx.send(2).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// assert_eq!(rx.recv(), Ok(2));
/// assert_eq!(rx2.recv(), Ok(2));
/// ```
pub struct Receiver<T> {
    shared: NonNull<Shared<T>>,
    /// The next position to read.
    cursor: usize,
    /// A message received while a waker we fired panicked: returned first.
    rescued: Option<T>,
    _marker: crate::chan::HandleMarker<T>,
}

// SAFETY: a receiver clones `T`s through `&T` while other receivers on
// other threads do the same, and moves `T`s out: `T: Send + Sync`.
unsafe impl<T: Send + Sync> Send for Receiver<T> {}
// SAFETY: the `&self` methods only read the shared, synchronised state.
unsafe impl<T: Send + Sync> Sync for Receiver<T> {}

impl<T: Clone> Receiver<T> {
    fn shared(&self) -> &Shared<T> {
        // SAFETY: our reference keeps the allocation alive.
        unsafe { self.shared.as_ref() }
    }

    /// One try, with the follow-up `leave` run before the sender wake-up.
    fn step(&mut self, leave: impl FnOnce()) -> Result<T, NoMsg> {
        if let Some(msg) = self.rescued.take() {
            leave();
            return Ok(msg);
        }
        // SAFETY: our reference keeps the allocation alive; the reference
        // is not tied to `self`, whose fields we update below.
        let shared: &Shared<T> = unsafe { self.shared.as_ref() };
        let (msg, wake_tx) = loop {
            match shared.recv_step(self.cursor) {
                Ok(got) => break got,
                // A writer rewrites the slot under the lock: wait for it
                // there (parked, not spinning) and look again.
                Err(NoMsg::Busy) => drop(shared.counts.lock()),
                Err(NoMsg::Behind) => {
                    let missed = shared.catch_up(&mut self.cursor);
                    if missed > 0 {
                        return Err(NoMsg::Lagged(missed));
                    }
                }
                Err(err) => return Err(err),
            }
        };
        self.cursor = self.cursor.wrapping_add(1);
        Ok(deliver(&mut self.rescued, msg, || {
            leave();
            if wake_tx {
                shared.waiters.notify_one(Side::Tx);
            }
        }))
    }

    /// Receives the next message if it is there: [`TryRecvError::Empty`]
    /// if not, [`TryRecvError::Disconnected`] if the channel is closed and
    /// everything sent before was read. In overwrite mode,
    /// [`TryRecvError::Lagged`]`(n)` once if this receiver missed `n`
    /// overwritten messages; the next call returns the oldest one kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpmc::broadcast::TryRecvError;
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.step(|| {}).map_err(|e| match e {
            NoMsg::Lagged(n) => TryRecvError::Lagged(n),
            NoMsg::Disconnected => TryRecvError::Disconnected,
            _ => TryRecvError::Empty,
        })
    }

    /// Receives the next message, blocking until one is sent;
    /// [`RecvError::Disconnected`] once the channel is closed and everything
    /// sent before was read. In overwrite mode, [`RecvError::Lagged`]`(n)`
    /// once if this receiver missed `n` overwritten messages (at once,
    /// without blocking); the next call returns the oldest one kept.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// std::thread::spawn(move || tx.send("hi").unwrap());
    /// assert_eq!(rx.recv(), Ok("hi"));
    /// assert!(rx.recv().is_err()); // the sender is gone
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv(&mut self) -> Result<T, RecvError> {
        self.recv_blocking(None).map_err(|e| match e {
            RecvTimeoutError::Lagged(n) => RecvError::Lagged(n),
            _ => RecvError::Disconnected,
        })
    }

    /// Receives the next message, blocking at most `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpmc::broadcast::RecvTimeoutError;
    /// use std::time::Duration;
    /// let (_tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
    /// let got = rx.recv_timeout(Duration::from_millis(10));
    /// assert_eq!(got, Err(RecvTimeoutError::Timeout));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_blocking(Instant::now().checked_add(timeout))
    }

    /// Receives the next message, blocking until `deadline` at most.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// tx.send(3).unwrap();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(rx.recv_deadline(deadline), Ok(3));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_deadline(&mut self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_blocking(Some(deadline))
    }

    #[cfg(feature = "std")]
    fn recv_blocking(&mut self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self.step(|| {}) {
            Ok(msg) => return Ok(msg),
            Err(NoMsg::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(NoMsg::Lagged(n)) => return Err(RecvTimeoutError::Lagged(n)),
            Err(_) => {}
        }
        // SAFETY: as in `step`.
        let shared: &Shared<T> = unsafe { self.shared.as_ref() };
        // Rule 3: the node lives in a guard that unlinks it however we leave.
        let waiting = core::pin::pin!(crate::waiters::Waiting::new(&shared.waiters, Side::Rx));
        let node = waiting.as_ref().node();
        let mut before = IDLE;
        loop {
            if before != WAITING {
                let thread = Wake::Thread(crate::loom::thread::current());
                drop(shared.register(Side::Rx, node, thread));
                before = WAITING;
            } else {
                before = if crate::waiters::park_while_waiting(node, deadline, true) {
                    WOKEN
                } else {
                    WAITING
                };
            }
            match self.step(|| shared.leave(Side::Rx, node, before)) {
                Ok(msg) => return Ok(msg),
                Err(NoMsg::Disconnected) => {
                    shared.leave(Side::Rx, node, before);
                    return Err(RecvTimeoutError::Disconnected);
                }
                Err(NoMsg::Lagged(n)) => {
                    shared.leave(Side::Rx, node, before);
                    return Err(RecvTimeoutError::Lagged(n));
                }
                Err(_) => {}
            }
            if expired(deadline) {
                return Err(RecvTimeoutError::Timeout);
            }
        }
    }

    /// Receives the next message asynchronously; the errors are
    /// `recv`'s: [`RecvError`] (`Lagged` only in overwrite mode).
    ///
    /// # Cancel safety
    ///
    /// The cursor advances only in the poll that returns the message (or
    /// the `Lagged(n)` that moves it past the lost ones): dropping a pending
    /// future loses nothing, and the next receive gets the same message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(1);
    /// tx.send(9).unwrap();
    /// assert_eq!(futures::executor::block_on(rx.recv_async()), Ok(9));
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn recv_async(&mut self) -> RecvFuture<'_, T> {
        RecvFuture::new(self)
    }

    /// A blocking iterator over the messages, until the channel is closed
    /// and drained. In overwrite mode it skips a lag (use
    /// [`recv`](Self::recv) to see each `Lagged(n)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn iter(&mut self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// An iterator over the messages there now, without waiting. In
    /// overwrite mode it skips a lag, as `iter` does.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn try_iter(&mut self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }

    /// A [`Stream`](https://docs.rs/futures-core/0.3/futures_core/stream/trait.Stream.html)
    /// of this receiver's messages, ending once the channel is closed and
    /// drained. In overwrite mode a lag is skipped: the stream goes on at
    /// the oldest message still kept, and [`RecvStream::missed`] counts the
    /// messages it lost (use [`recv_async`](Self::recv_async) to see each
    /// `Lagged(n)`). Its waiter node is boxed once, here (the stream is
    /// `Unpin`, as `StreamExt::next` wants); nothing is allocated per
    /// message.
    ///
    /// # Cancel safety
    ///
    /// As for [`recv_async`](Self::recv_async): a message is taken only in
    /// the poll that returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// let (tx, mut rx) = mpmc::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// let all: Vec<i32> = futures::executor::block_on(rx.stream().collect());
    /// assert_eq!(all, [1, 2]);
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn stream(&mut self) -> RecvStream<'_, T> {
        RecvStream::new(stream::Handle::Borrowed(self))
    }

    /// Like [`stream`](Self::stream), but the stream owns the receiver.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// let (tx, rx) = mpmc::broadcast::overwriting(2);
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// drop(tx);
    /// let mut stream = rx.into_stream();
    /// let all: Vec<i32> = futures::executor::block_on((&mut stream).collect());
    /// assert_eq!(all, [3, 4]);
    /// assert_eq!(stream.missed(), 3);
    /// ```
    #[cfg(feature = "futures")]
    #[cfg_attr(docsrs, doc(cfg(feature = "futures")))]
    pub fn into_stream(self) -> RecvStream<'static, T> {
        RecvStream::new(stream::Handle::Owned(self))
    }

    /// Makes this receiver a detached one: it releases every message it
    /// had not read and holds nothing back from now on, but keeps the
    /// channel open. A message it had rescued (see the module docs) is
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// let detached = rx.detach();
    /// tx.send(2).unwrap(); // not full: nobody active holds 1
    /// let mut rx = detached.attach();
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.recv(), Ok(3));
    /// ```
    pub fn detach(self) -> DetachedReceiver<T> {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: read out once; `this` is not dropped.
        let rescued = unsafe { core::ptr::read(&this.rescued) };
        this.shared().leave_active(this.cursor, true);
        drop(rescued);
        DetachedReceiver {
            shared: this.shared,
            _marker: PhantomData,
        }
    }

    /// Whether the channel is closed (messages sent before may remain).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::broadcast::channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        // ORDERING: Acquire pairs with the Release store in `close`.
        self.shared().closed.load(Ordering::Acquire)
    }
}

impl<T: Clone> Clone for Receiver<T> {
    /// A new active receiver at the current tail (see the type's docs).
    fn clone(&self) -> Self {
        let shared = self.shared();
        shared.acquire_ref();
        Self {
            shared: self.shared,
            cursor: shared.join(),
            rescued: None,
            _marker: PhantomData,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        /// Gives up the reference even if a message's drop panics.
        struct Release<T>(NonNull<Shared<T>>);
        impl<T> Drop for Release<T> {
            fn drop(&mut self) {
                // SAFETY: the receiver's reference, given up once.
                unsafe { Shared::release_ref(self.0) };
            }
        }
        let release = Release(self.shared);
        // SAFETY: our reference keeps the allocation alive.
        let shared = unsafe { self.shared.as_ref() };
        shared.leave_active(self.cursor, false);
        drop(self.rescued.take());
        drop(release);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

/// A receiver that holds nothing back: it reads nothing and keeps the
/// channel open until it is dropped. [`attach`](Self::attach) it to read
/// again, from the messages sent after that.
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::broadcast::channel(1);
/// let detached = rx.detach();
/// tx.send(1).unwrap(); // nobody active: dropped, and nothing is full
/// tx.send(2).unwrap();
/// assert!(!tx.is_closed());
/// drop(detached);
/// assert!(tx.is_closed());
/// ```
pub struct DetachedReceiver<T> {
    shared: NonNull<Shared<T>>,
    _marker: crate::chan::HandleMarker<T>,
}

// SAFETY: as for `Receiver` (it can become one).
unsafe impl<T: Send + Sync> Send for DetachedReceiver<T> {}
// SAFETY: it has no `&self` method that touches shared data unsynchronised.
unsafe impl<T: Send + Sync> Sync for DetachedReceiver<T> {}

impl<T> DetachedReceiver<T> {
    /// An active receiver again, at the current tail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::broadcast::channel(2);
    /// let detached = rx.detach();
    /// tx.send(1).unwrap();
    /// let mut rx = detached.attach();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    pub fn attach(self) -> Receiver<T> {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: our reference keeps the allocation alive.
        let shared = unsafe { this.shared.as_ref() };
        let cursor = {
            let mut counts = shared.counts.lock();
            counts.active += 1;
            counts.tail
        };
        Receiver {
            shared: this.shared,
            cursor,
            rescued: None,
            _marker: PhantomData,
        }
    }
}

impl<T> Clone for DetachedReceiver<T> {
    fn clone(&self) -> Self {
        // SAFETY: our reference keeps the allocation alive.
        let shared = unsafe { self.shared.as_ref() };
        shared.acquire_ref();
        shared.counts.lock().receivers += 1;
        Self {
            shared: self.shared,
            _marker: PhantomData,
        }
    }
}

impl<T> Drop for DetachedReceiver<T> {
    fn drop(&mut self) {
        // SAFETY: our reference keeps the allocation alive.
        let shared = unsafe { self.shared.as_ref() };
        let last = {
            let mut counts = shared.counts.lock();
            counts.receivers -= 1;
            counts.receivers == 0
        };
        crate::waiters::both(
            || {
                if last {
                    shared.close();
                }
            },
            // SAFETY: our reference, given up once.
            || unsafe { Shared::release_ref(self.shared) },
        );
    }
}

impl<T> fmt::Debug for DetachedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DetachedReceiver").finish_non_exhaustive()
    }
}

/// The iterator of [`Receiver::iter`].
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug)]
pub struct Iter<'a, T> {
    receiver: &'a mut Receiver<T>,
}

#[cfg(feature = "std")]
impl<T: Clone> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        loop {
            match self.receiver.recv() {
                Ok(msg) => return Some(msg),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Disconnected) => return None,
            }
        }
    }
}

/// The iterator of [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T> {
    receiver: &'a mut Receiver<T>,
}

impl<T: Clone> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        loop {
            match self.receiver.try_recv() {
                Ok(msg) => return Some(msg),
                Err(TryRecvError::Lagged(_)) => {}
                Err(_) => return None,
            }
        }
    }
}

#[cfg(feature = "std")]
fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

// ---- a select's receive arm (`select/arms.rs`) ------------------------------

impl<T: Clone> Receiver<T> {
    /// A select's receive attempt: the message, or the end (`Disconnected`,
    /// or `Lagged(n)` in overwrite mode); `None` when nothing is there yet.
    /// A registrant's re-check is the same call: `select_register` issued the
    /// registrant's fence.
    pub(crate) fn select_try(&mut self) -> Option<Result<T, RecvError>> {
        match self.try_recv() {
            Ok(msg) => Some(Ok(msg)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(RecvError::Disconnected)),
            Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
        }
    }

    /// Registers a select's entry for arm `arm` among the waiting receivers,
    /// then issues the registrant's fence (the lost wake-up window, module
    /// docs). Returns a replaced wake-up, to drop after the call.
    ///
    /// # Safety
    ///
    /// `record` outlives the entry's link (`Locked::register_entry`).
    pub(crate) unsafe fn select_register(
        &self,
        entry: core::pin::Pin<&crate::waiters::Node<()>>,
        wake: Wake,
        record: *const crate::waiters::Record,
        arm: usize,
    ) -> Option<Wake> {
        let shared = self.shared();
        let mut locked = shared.waiters.lock();
        if locked.is_disconnected() {
            return Some(wake);
        }
        // SAFETY: per the contract.
        let replaced = unsafe { locked.register_entry(Side::Rx, entry, wake, record, arm) };
        drop(locked);
        // ORDERING: SeqCst fence pairs with the notifier's fence in
        // `Waiters::has_waiters` (as in `Shared::register`).
        fence(Ordering::SeqCst);
        replaced
    }

    /// A select's entry leaves the waiting receivers. (No wake-up is ever
    /// passed on among receivers: each send wakes every waiting one.)
    pub(crate) fn select_leave(&self, entry: core::pin::Pin<&crate::waiters::Node<()>>) {
        self.shared().waiters.depart_used(Side::Rx, entry);
    }
}
