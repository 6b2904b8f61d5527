//! The bits of the channel's single state word and what each one grants.
//!
//! The state is one `AtomicUsize` in the shared allocation. Each bit is owned
//! by one side: only that side sets it (the two exceptions, where the other
//! side clears a bit it has *claimed*, are called out below). Every transition
//! is one atomic read-modify-write (RMW), and the side that makes it learns
//! what the other side had done from the value the RMW returns.
//!
//! ```text
//!  sender bits          receiver bits
//!  MESSAGE   0b0_0000_0001   RX_WAKER  0b0_0000_1000
//!  TX_DROPPED 0b0_0000_0010   RX_CLOSED 0b0_0001_0000
//!  TX_WAKER  0b0_0000_0100   RX_CLAIM  0b0_0010_0000
//!                             RX_GONE   0b0_0100_0000
//!                             RX_DONE   0b0_1000_0000
//! ```
//!
//! # The two hand-offs ("claims")
//!
//! A side that must read a waker the *other* side stored claims it with the
//! RMW that it makes anyway, copies the waker out, and releases the claim with
//! a second RMW before it wakes the copy, touching no channel memory after the
//! release. The other side never waits for a claim to end: it records what it
//! did (took the message, dropped its handle) with its own RMW, and whichever
//! side makes the last RMW frees the allocation.
//!
//! * **Sender claims the receiver's waker**: the sender's final RMW (setting
//!   [`MESSAGE`] or [`TX_DROPPED`]) returns [`RX_WAKER`] set. The state then
//!   holds `RX_WAKER` together with `MESSAGE | TX_DROPPED`, which means "the
//!   sender is reading the receiver's waker". The sender releases by
//!   clearing `RX_WAKER` (the first exception to bit ownership).
//! * **Receiver claims the sender's `closed()` waker**: the receiver's RMW
//!   that first sets [`RX_CLOSED`] sees [`TX_WAKER`] set. It sets [`RX_CLAIM`]
//!   in the same RMW and releases by clearing it.
//!
//! # Who frees
//!
//! The allocation is freed by the side whose RMW (or, when the other side is
//! already gone, whose load) shows that the other side has left and that no
//! claim is in progress. "Sender left" is `MESSAGE | TX_DROPPED` without the
//! sender's claim; "receiver left" is `RX_GONE` without `RX_CLAIM`.
//!
//! # Transitions (each one RMW unless marked "load")
//!
//! Setting a bit that is known to be clear is a `fetch_add`, and clearing
//! one known to be set a `fetch_sub`: the result is the same as `fetch_or` /
//! `fetch_and`, but on x86 those compile to a CAS loop when their result is
//! used, while `fetch_add`/`fetch_sub` are one `lock xadd` (wait-free).
//!
//! ```text
//!  send, fast path:        fetch_add(MESSAGE)              1 RMW
//!  send, receiver waiting: fetch_add(MESSAGE) -> claim -> fetch_sub(RX_WAKER)
//!  sender dropped unsent:  fetch_add(TX_DROPPED) (load only if receiver gone)
//!  receiver registers:     CAS(s, s | RX_WAKER)            only while !TX_DONE
//!  receiver withdraws:     CAS(s, s & !RX_WAKER)           only while !TX_DONE
//!  receiver takes message: load; then a plain store of RX_DONE (sender gone)
//!                          or fetch_add(RX_DONE) (sender still in its claim)
//!  receiver closes:        CAS(s, s | RX_CLOSED [| RX_CLAIM] & !RX_WAKER)
//!  receiver dropped:       load (sender gone) | CAS like close plus RX_GONE |
//!                          fetch_add(RX_GONE) (sender in its claim)
//! ```

//! # User code runs between steps, never inside one
//!
//! A *step* is what one side does from its reading of the state (a load,
//! or the RMW that starts it) to its last access to the channel: the RMW or
//! store that records what it did, a read of a cell, or the deallocation.
//! Every decision inside a step rests on the state it read, so **no user
//! code runs inside a step**: not a waker's `clone`, `wake` or `drop`, and
//! not `T::drop`. User code may re-enter the channel (a waker's `Drop` can
//! reach the same receiver through a thread-local and receive on it: the
//! `&self` receive methods are re-entrant even though `Receiver` is not
//! `Sync`), and it may panic. Either would leave a step half done, built on
//! a state that is no longer true. So user code runs only
//!
//! * before a step starts: a waker that must be stored is cloned first, and
//!   the step that stores it reads the state afresh; or
//! * after the step's last access, touching nothing: a withdrawn or taken
//!   waker is moved out of its cell (a bitwise copy) inside the step and
//!   dropped or woken after it; `free` moves a message or waker left in the
//!   slot out, deallocates, and only then drops it.
//!
//! A step whose result the caller acts on (`register`'s "the waker is
//! stored, you may park") must hold when it returns, so after running user
//! code it reads the state again in a new step before it reports.
//!
//! `Waker::will_wake` is called inside steps, and that is not user code:
//! `core` compares the two wakers' data and vtable pointers and calls no
//! function of either vtable, foreign or not. Moving a `T` or a `Waker`
//! (in or out of a cell, or into a `SendError`) runs no code either.
//!
//! Where each piece of user code runs (all outside steps):
//!
//! | user code | where |
//! | --- | --- |
//! | clone of the receiver's waker | `Receiver::register`, before the step that stores it |
//! | clone of the `closed()` waker | `Sender::poll_closed`, before the step that stores it |
//! | drop of a replaced receiver waker | `Receiver::register`, after the step that stored the new one; then the state is read again |
//! | drop of a replaced `closed()` waker | `Sender::poll_closed`, likewise |
//! | drop of a spare clone a failed store took back | `register` / `poll_closed`, between steps |
//! | drop of the `closed()` waker `send` withdraws | `send`, after its final RMW (and after waking the receiver) |
//! | drop of the receiver's waker after a timeout | `Receiver::withdraw`, after its CAS |
//! | wake of the receiver's waker | `Sender::send`/`Sender::drop` (`wake_receiver`), after the release of the claim and any free |
//! | wake of the `closed()` waker, drop of the receiver's own waker | `Receiver::close` and the receiver's drop, after the release of the claim and any free |
//! | `T::drop` of an unreceived message, drop of a `closed()` waker left in the slot | `channel::free`, after the deallocation |
//!
//! A panic in any of them therefore unwinds out of a channel whose state is
//! final: the other end sees the send, the disconnect or the close.

//! # User code runs between steps, never inside one
//!
//! A *step* is what one side does from its reading of the state (a load,
//! or the RMW that starts it) to its last access to the channel: the RMW or
//! store that records what it did, a read of a cell, or the deallocation.
//! Every decision inside a step rests on the state it read, so **no user
//! code runs inside a step**: not a waker's `clone`, `wake` or `drop`, and
//! not `T::drop`. User code may re-enter the channel (a waker's `Drop` can
//! reach the same receiver through a thread-local and receive on it: the
//! `&self` receive methods are re-entrant even though `Receiver` is not
//! `Sync`), and it may panic. Either would leave a step half done, built on
//! a state that is no longer true. So user code runs only
//!
//! * before a step starts: a waker that must be stored is cloned first, and
//!   the step that stores it reads the state afresh; or
//! * after the step's last access, touching nothing: a withdrawn or claimed
//!   waker is moved out of its cell (a bitwise copy) inside the step and
//!   dropped or woken after it; `free` moves a message or waker left in the
//!   slot out, deallocates, and only then drops it.
//!
//! A step whose result the caller acts on (`register`'s "the waker is
//! stored, you may park") must still hold when it returns, so a call that
//! ran user code after such a step reads the state again, in a new step,
//! before it reports.
//!
//! `Waker::will_wake` is called inside steps, and it is not user code:
//! `core` compares the two wakers' data and vtable pointers and calls no
//! function of either vtable, foreign or not. Moving a `T` or a `Waker` (in
//! or out of a cell, or into a `SendError`) runs no code either.
//!
//! Where each piece of user code runs (every one outside a step):
//!
//! | user code | where |
//! | --- | --- |
//! | clone of a waker to store | `Receiver::register`, `Sender::poll_closed`: before the step that stores it |
//! | drop of a replaced waker | the same two: after the step that stored the new one; the state is then read again |
//! | drop of a clone a failed store took back | the same two: kept for the next try, dropped between steps if unused |
//! | drop of the `closed()` waker `send` withdraws | `send`: after its final RMW and after waking the receiver |
//! | drop of the thread's waker after a timeout | `Receiver::withdraw`: after its CAS |
//! | wake of the receiver's waker | `Sender::send` / `Sender::drop` (`wake_receiver`): after releasing the claim and any free |
//! | wake of the `closed()` waker, drop of the receiver's own waker | `Receiver::close` and the receiver's drop: after releasing the claim and any free |
//! | `T::drop` of an unreceived message, drop of a `closed()` waker left in the slot | `channel::free`: after the deallocation |
//!
//! A panic in any of them therefore unwinds out of a channel whose state is
//! final: the other end sees the send, the disconnect or the close.

/// Set by the sender's final RMW in `send`: the message was written to the
/// slot before that RMW (Release), so it is readable by whoever acquires a
/// state with this bit.
///
/// # Safety
///
/// The slot holds a valid `T` owned by the receiver iff `MESSAGE` is set and
/// neither [`RX_CLOSED`] nor [`RX_DONE`] is. If `RX_CLOSED` was set first the
/// send failed: the bits in the slot are a copy the sender hands back, and
/// nobody may read or drop them.
pub(crate) const MESSAGE: usize = 0b0_0000_0001;

/// Set by the sender's RMW when it is dropped without sending.
pub(crate) const TX_DROPPED: usize = 0b0_0000_0010;

/// Either of the two bits that end the sender's life.
pub(crate) const TX_DONE: usize = MESSAGE | TX_DROPPED;

/// Set by the sender after it stored its `closed()` waker in the slot.
///
/// # Safety
///
/// The slot holds the sender's waker iff `TX_WAKER` is set and [`RX_CLOSED`]
/// is not. The sender may set it only while `RX_CLOSED` is clear (a CAS), so
/// the receiver's RMW that sets `RX_CLOSED` while `TX_WAKER` is set takes
/// ownership of the waker ([`RX_CLAIM`]). Nobody ever clears `TX_WAKER` after
/// that, so the bit alone does not say the waker is still there.
pub(crate) const TX_WAKER: usize = 0b0_0000_0100;

/// Set by the receiver after it stored a waker (a task's, or the blocked
/// thread's) in the receiver-waker cell.
///
/// # Safety
///
/// While no `TX_DONE` bit is set, the cell holds a waker owned by the
/// receiver. If a `TX_DONE` bit is set too, the sender's final RMW found this
/// bit set and the sender owns the cell until it clears `RX_WAKER` again: the
/// receiver must neither touch the cell nor free the allocation meanwhile.
pub(crate) const RX_WAKER: usize = 0b0_0000_1000;

/// Set by the receiver (by `close` or by drop) while the sender has not yet
/// finished: every later `send` fails and hands its message back.
pub(crate) const RX_CLOSED: usize = 0b0_0001_0000;

/// Set together with [`RX_CLOSED`] when [`TX_WAKER`] was set: the receiver is
/// copying the sender's `closed()` waker out of the slot. Cleared by the
/// receiver when it has done so.
///
/// # Safety
///
/// While set, the sender must not touch the slot and must not free the
/// allocation.
pub(crate) const RX_CLAIM: usize = 0b0_0010_0000;

/// Set by the receiver's RMW when it is dropped while the sender is still
/// active (or still in its claim).
pub(crate) const RX_GONE: usize = 0b0_0100_0000;

/// Set by the receiver once a receive method has returned its final result
/// (the message, or a disconnect). After it, every receive returns
/// `Disconnected` and the receiver future reports itself terminated.
pub(crate) const RX_DONE: usize = 0b0_1000_0000;

/// True if the state holds a message the receiver may take.
#[inline(always)]
pub(crate) const fn has_message(state: usize) -> bool {
    state & (MESSAGE | RX_CLOSED | RX_DONE) == MESSAGE
}

/// True if the sender has made its final RMW and is still reading the
/// receiver's waker (see [`RX_WAKER`]).
#[inline(always)]
pub(crate) const fn sender_claiming(state: usize) -> bool {
    state & TX_DONE != 0 && state & RX_WAKER != 0
}

/// True if the sender is gone for good: it made its final RMW and holds no
/// claim, so the receiver may free the allocation.
#[inline(always)]
pub(crate) const fn sender_left(state: usize) -> bool {
    state & TX_DONE != 0 && state & RX_WAKER == 0
}

/// True if the receiver is gone for good: dropped and holding no claim.
#[inline(always)]
pub(crate) const fn receiver_left(state: usize) -> bool {
    state & (RX_GONE | RX_CLAIM) == RX_GONE
}

/// True if the slot holds the sender's `closed()` waker (see [`TX_WAKER`]).
#[inline(always)]
pub(crate) const fn slot_has_tx_waker(state: usize) -> bool {
    state & (TX_WAKER | RX_CLOSED) == TX_WAKER
}

/// The state the receiver's close (or drop) CAS moves `state` to: refuse
/// later sends, withdraw the receiver's own waker, and claim the sender's
/// `closed()` waker if one is stored.
#[inline(always)]
pub(crate) const fn closing(state: usize) -> usize {
    let claim = if slot_has_tx_waker(state) {
        RX_CLAIM
    } else {
        0
    };
    (state | RX_CLOSED | claim) & !RX_WAKER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_distinct() {
        let all = [
            MESSAGE, TX_DROPPED, TX_WAKER, RX_WAKER, RX_CLOSED, RX_CLAIM, RX_GONE, RX_DONE,
        ];
        let mut seen = 0;
        for bit in all {
            assert_eq!(bit.count_ones(), 1, "{bit:#b} is not a single bit");
            assert_eq!(seen & bit, 0, "{bit:#b} is used twice");
            seen |= bit;
        }
    }

    #[test]
    fn message_is_valid_only_before_close_and_before_taking() {
        assert!(has_message(MESSAGE));
        assert!(has_message(MESSAGE | RX_WAKER));
        assert!(!has_message(MESSAGE | RX_CLOSED));
        assert!(!has_message(MESSAGE | RX_DONE));
        assert!(!has_message(TX_DROPPED));
    }

    #[test]
    fn claim_and_leave_predicates() {
        assert!(sender_claiming(MESSAGE | RX_WAKER));
        assert!(sender_claiming(TX_DROPPED | RX_WAKER));
        assert!(!sender_claiming(RX_WAKER));
        assert!(sender_left(MESSAGE));
        assert!(!sender_left(MESSAGE | RX_WAKER));
        assert!(receiver_left(RX_GONE | RX_CLOSED));
        assert!(!receiver_left(RX_GONE | RX_CLOSED | RX_CLAIM));
    }

    #[test]
    fn closing_withdraws_the_receiver_waker_and_claims_the_sender_waker() {
        assert_eq!(closing(RX_WAKER), RX_CLOSED);
        assert_eq!(closing(TX_WAKER), TX_WAKER | RX_CLOSED | RX_CLAIM);
        // A second close claims nothing: the waker was taken by the first.
        assert_eq!(closing(TX_WAKER | RX_CLOSED), TX_WAKER | RX_CLOSED);
    }
}
