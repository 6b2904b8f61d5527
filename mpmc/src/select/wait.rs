//! How a select waits: one round of registrations and re-checks, the
//! blocking loop around it, and the future. The commit protocol itself (the
//! record's states, who may move it where) is in `waiters.rs`, "Select
//! entries"; this file is its owner's side.
//!
//! A round, with the record `BUSY` (notifiers skip the select and poke it):
//!
//! 1. register every active arm's entry (a rendezvous send arm offers its
//!    message in it);
//! 2. re-check every arm with its channel's registrant re-check, which
//!    completes the operation if it can (a receive takes, a send puts);
//! 3. arm (`BUSY → ARMED`); if a notifier poked meanwhile, run another round;
//! 4. tell the arms (a rendezvous offer now calls a receiver to pull it).
//!
//! Then the owner waits until a notifier commits one arm (`WON(arm)`): it
//! leaves every entry (finding a rendezvous offer already taken, if that is
//! how it was won) and tries the won arm; if another thread took what the
//! notification announced, it runs another round.
//!
//! User code runs in three places, none with an inconsistent structure
//! behind it: wakers fired by an attempt (the channel's own rules; the
//! select's other entries may be linked, and the [`Waiting`] guard leaves
//! them if a waker panics), wakers cloned and dropped around registrations
//! (no lock held), and the user's closure, called by `finish` once every
//! entry has left.

#[cfg(feature = "async")]
use core::future::Future;
use core::marker::PhantomPinned;
use core::pin::Pin;
#[cfg(feature = "async")]
use core::task::{Context, Poll, Waker};

use super::arms::ArmList;
use super::Select;
use crate::waiters::{Record, Wake};

/// A select's waiting state: the record and one entry per arm, pinned for as
/// long as any entry may be linked, with the select it waits for. Its `Drop`
/// leaves every entry, so a panic that unwinds out of a waker fired during a
/// round, or a dropped future, never leaves an entry linked (rule 3 of
/// `waiters.rs`).
pub(crate) struct Waiting<'s, R, A: ArmList<R>> {
    sel: &'s mut Select<R, A>,
    record: Record,
    entries: A::Entries,
    /// Whether a round has registered entries since the last reset: a
    /// select that completed on its first try has nothing to undo.
    registered: bool,
    _pinned: PhantomPinned,
}

/// The record's pointer, as entries and `acting_for` take it.
fn own(record: &Record) -> *const Record {
    record
}

impl<'s, R, A: ArmList<R>> Waiting<'s, R, A> {
    pub(crate) fn new(sel: &'s mut Select<R, A>) -> Self {
        Self {
            sel,
            record: Record::new(),
            entries: A::entries(),
            registered: false,
            _pinned: PhantomPinned,
        }
    }

    /// The parts, projected: the select, the record and the entries stay
    /// pinned (never moved out).
    fn parts(self: Pin<&mut Self>) -> (&mut Select<R, A>, &Record, Pin<&A::Entries>) {
        // SAFETY: structural pinning of `record` and `entries`: they are
        // never moved out of `self` (only borrowed), and `Drop` does not move
        // them either.
        unsafe {
            let this = self.get_unchecked_mut();
            (
                &mut *this.sel,
                &this.record,
                Pin::new_unchecked(&this.entries),
            )
        }
    }

    /// One round (module docs). `Ok(arm)`: arm completed in the re-check;
    /// `Err(())`: armed.
    fn round(mut self: Pin<&mut Self>, mut wake: impl FnMut() -> Wake) -> Result<usize, ()> {
        // SAFETY: a plain field, not structurally pinned.
        unsafe { self.as_mut().get_unchecked_mut().registered = true };
        loop {
            let (sel, record, entries) = self.as_mut().parts();
            record.begin_round();
            let rec = own(record);
            for i in 0..A::LEN {
                let (arm, entry) = sel.arms.arm(entries, i);
                if arm.active() {
                    let w = wake();
                    // SAFETY: `entry` is pinned in `self` until `Drop` left
                    // it; the record lives beside it.
                    let replaced = unsafe { arm.register(entry, w, rec, i) };
                    // A replaced waker is dropped after the registration's
                    // lock; our entries are guarded by `self`.
                    drop(replaced);
                }
            }
            let start = sel.start();
            for j in 0..A::LEN {
                let i = (start + j) % A::LEN;
                let (arm, entry) = sel.arms.arm(entries, i);
                if arm.active() && arm.attempt(Some(entry), rec, true) {
                    self.as_mut().leave_all();
                    return Ok(i);
                }
            }
            if !record.arm() {
                // Poked: a notifier skipped us during this round.
                continue;
            }
            for i in 0..A::LEN {
                let (arm, _) = sel.arms.arm(entries, i);
                arm.armed(rec);
            }
            return Err(());
        }
    }

    /// Leaves every entry. Returns the arm a peer completed through its
    /// entry (a rendezvous offer taken), if any.
    ///
    /// A leave may run user code (it drops the entry's wake-up: a waker's
    /// `drop`); if that panics, a guard leaves the remaining entries while
    /// the panic unwinds, so no entry stays linked (rule 3 of `waiters.rs`),
    /// also when this runs in `Drop` and the entries are about to be freed.
    fn leave_all(self: Pin<&mut Self>) -> Option<usize> {
        /// Leaves the arms from `next` on; its `Drop` goes on after a panic.
        struct Leave<'a, R, A: ArmList<R>> {
            sel: &'a mut Select<R, A>,
            entries: Pin<&'a A::Entries>,
            next: usize,
            done: Option<usize>,
        }
        impl<R, A: ArmList<R>> Leave<'_, R, A> {
            fn run(&mut self) {
                while self.next < A::LEN {
                    let i = self.next;
                    // Counted before the leave: an arm whose leave panics
                    // has left (the panic comes after its unlink).
                    self.next += 1;
                    let (arm, entry) = self.sel.arms.arm(self.entries, i);
                    if arm.leave(entry) {
                        self.done = Some(i);
                    }
                }
            }
        }
        impl<R, A: ArmList<R>> Drop for Leave<'_, R, A> {
            fn drop(&mut self) {
                self.run();
            }
        }
        let (sel, _, entries) = self.parts();
        let mut leave = Leave {
            sel,
            entries,
            next: 0,
            done: None,
        };
        leave.run();
        leave.done
    }

    /// The record was won by a notifier for `arm` (and is `BUSY` again):
    /// leave every entry, then complete the operation. `Some(arm)`: an arm
    /// completed; `None`: another thread took what the notification
    /// announced (its wake-up is used: nothing to pass on).
    fn settle(mut self: Pin<&mut Self>, won: usize) -> Option<usize> {
        if let Some(done) = self.as_mut().leave_all() {
            return Some(done);
        }
        let (sel, _, entries) = self.parts();
        let (arm, entry) = sel.arms.arm(entries, won);
        arm.attempt(Some(entry), core::ptr::null(), false)
            .then_some(won)
    }

    /// Reads the record after waiting: `Some(arm)` if won (the record is
    /// `BUSY` again, the win taken), `None` if still armed.
    fn take_win(self: Pin<&mut Self>) -> Option<usize> {
        let (_, record, _) = self.parts();
        let won = record.won()?;
        record.begin_round();
        Some(won)
    }

    /// Gives up waiting: disarms, or takes the win that came first.
    fn give_up(self: Pin<&mut Self>) -> Option<usize> {
        let (_, record, _) = self.parts();
        let won = record.disarm()?;
        record.begin_round();
        Some(won)
    }

    /// Finishes arm `i` (every entry has left).
    fn finish(self: Pin<&mut Self>, i: usize) -> R {
        self.parts().0.finish(i)
    }
}

impl<R, A: ArmList<R>> Waiting<'_, R, A> {
    /// Stops waiting, whatever the state a round or a settle was left in:
    /// disarms (or takes a win not taken yet: `take_win`/`give_up` reset
    /// the record to `BUSY` when they take one) and leaves every entry. A
    /// rendezvous offer taken stays completed in its arm (the select's next
    /// try returns it); an unused win's wake-up goes to the arm's next
    /// waiter (rule 5). The record is `BUSY` after it.
    fn reset(mut self: Pin<&mut Self>) {
        if !self.registered {
            return;
        }
        let won = self.as_mut().parts().1.disarm();
        let taken = self.as_mut().leave_all();
        if let (Some(won), None) = (won, taken) {
            let (sel, _, entries) = self.as_mut().parts();
            let (arm, _) = sel.arms.arm(entries, won);
            arm.pass_on();
        }
        // SAFETY: a plain field, not structurally pinned.
        unsafe { self.get_unchecked_mut().registered = false };
    }
}

impl<R, A: ArmList<R>> Drop for Waiting<'_, R, A> {
    fn drop(&mut self) {
        // SAFETY: `self` was pinned (it is only used through `Pin`), and is
        // not moved by this drop.
        unsafe { Pin::new_unchecked(self) }.reset();
    }
}

impl<R, A: ArmList<R>> Select<R, A> {
    /// Blocks until an arm completes or `deadline` passes (`None`).
    #[cfg(feature = "std")]
    pub(crate) fn wait_blocking(&mut self, deadline: Option<std::time::Instant>) -> Option<R> {
        let mut waiting = core::pin::pin!(Waiting::new(self));
        loop {
            let thread = crate::loom::thread::current();
            if let Ok(i) = waiting.as_mut().round(|| Wake::Thread(thread.clone())) {
                return Some(waiting.as_mut().finish(i));
            }
            // Armed: park until a notifier commits an arm, or the deadline.
            let won = loop {
                if let Some(won) = waiting.as_mut().take_win() {
                    break Some(won);
                }
                match deadline {
                    None => crate::loom::thread::park(),
                    Some(deadline) => {
                        let now = std::time::Instant::now();
                        if now >= deadline {
                            break waiting.as_mut().give_up();
                        }
                        crate::loom::thread::park_timeout(deadline - now);
                    }
                }
            };
            let Some(won) = won else {
                // Timed out, nobody committed: leave and report it.
                waiting.as_mut().leave_all();
                return None;
            };
            if let Some(i) = waiting.as_mut().settle(won) {
                return Some(waiting.as_mut().finish(i));
            }
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return None;
            }
        }
    }
}

#[cfg(feature = "async")]
/// The future of [`Select::select_async`]: completes with the result of the
/// arm whose operation completed.
///
/// # Cancel safety
///
/// Dropping a pending `SelectFuture` completes no operation, with one
/// exception that loses nothing: a rendezvous send arm whose offered message
/// a receiver took before the drop has been sent; the select keeps that
/// outcome and its next call (`select`, `try_select`, `select_async`, ...)
/// returns it first. A receive arm takes a message only in the poll that
/// returns it. A wake-up the select was given but did not use is passed on
/// to the next waiter of that channel.
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[cfg_attr(docsrs, doc(cfg(feature = "async")))]
pub struct SelectFuture<'s, R, A: ArmList<R>> {
    waiting: Waiting<'s, R, A>,
    /// `Start` before the first poll's try, `Armed` while registered,
    /// `Interrupted` after a poll that unwound.
    phase: Phase,
    /// The waker the entries hold while armed.
    waker: Option<Waker>,
}

#[cfg(feature = "async")]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Armed,
    /// A poll unwound (a waker or closure it ran panicked) somewhere in a
    /// try, a round or a settle: entries may be linked and the record
    /// `BUSY`, `ARMED` or won. The next poll resets and starts over.
    Interrupted,
    Done,
}

#[cfg(feature = "async")]
impl<'s, R, A: ArmList<R>> SelectFuture<'s, R, A> {
    pub(crate) fn new(sel: &'s mut Select<R, A>) -> Self {
        Self {
            waiting: Waiting::new(sel),
            phase: Phase::Start,
            waker: None,
        }
    }
}

#[cfg(feature = "async")]
impl<R, A: ArmList<R>> Future for SelectFuture<'_, R, A> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        // SAFETY: `waiting` is structurally pinned (never moved out); the
        // other fields are plain data.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let mut waiting = unsafe { Pin::new_unchecked(&mut this.waiting) };
        if this.phase == Phase::Interrupted {
            // As if the interrupted future had been dropped and a new one
            // polled: a win or a taken offer is kept, as `Drop` keeps it.
            waiting.as_mut().reset();
            this.phase = Phase::Start;
        }
        match this.phase {
            Phase::Done => panic!("`SelectFuture` polled after it completed"),
            Phase::Interrupted => unreachable!("reset above"),
            Phase::Start => {
                let (sel, _, _) = waiting.as_mut().parts();
                sel.assert_can_complete();
                // Until this poll returns, a panic leaves it interrupted.
                this.phase = Phase::Interrupted;
                if let Some(out) = sel.try_once() {
                    this.phase = Phase::Done;
                    return Poll::Ready(out);
                }
            }
            Phase::Armed => {
                let won = match waiting.as_mut().take_win() {
                    Some(won) => Some(won),
                    None if this.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) => {
                        return Poll::Pending;
                    }
                    // Polled with another waker: disarm and register it.
                    None => waiting.as_mut().give_up(),
                };
                // Until this poll returns, a panic leaves it interrupted.
                this.phase = Phase::Interrupted;
                if let Some(won) = won {
                    if let Some(i) = waiting.as_mut().settle(won) {
                        this.phase = Phase::Done;
                        return Poll::Ready(waiting.as_mut().finish(i));
                    }
                }
            }
        }
        let waker = cx.waker();
        match waiting.as_mut().round(|| Wake::Task(waker.clone())) {
            Ok(i) => {
                this.phase = Phase::Done;
                Poll::Ready(waiting.as_mut().finish(i))
            }
            Err(()) => {
                this.phase = Phase::Armed;
                if !this.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    this.waker = Some(waker.clone());
                }
                Poll::Pending
            }
        }
    }
}

#[cfg(feature = "async")]
impl<R, A: ArmList<R>> core::fmt::Debug for SelectFuture<'_, R, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SelectFuture")
            .field("select", &*self.waiting.sel)
            .finish_non_exhaustive()
    }
}
