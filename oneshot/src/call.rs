//! Why a call to an actor failed: [`CallError`] for the calls that wait, and
//! [`TryCallError`] for the `try_` calls that only enqueue.
//!
//! `#[oneshot_reply(client)]` generates a client whose methods return these.
//! With the `client` feature, this module also holds the functions those
//! methods call (reached through `__private`, not public API): each sends a
//! request into an `mpmc` mailbox and waits for its `oneshot` reply.

use core::fmt;

/// Why a call to an actor did not return a reply.
///
/// A call has two stages: the request waits for room in the actor's mailbox,
/// then the caller waits for the reply. Each variant says which stage ended
/// the call and whether the actor is still there.
///
/// # Which error when the actor leaves
///
/// * The mailbox was closed, or every mailbox receiver was dropped, before
///   the request was accepted, or while it was still queued (the queued
///   request is dropped with the last receiver, and the caller wakes
///   promptly): [`Disconnected`](CallError::Disconnected).
/// * The actor took the request and dropped it without answering:
///   [`Dropped`](CallError::Dropped) if the mailbox is still served when the
///   caller learns of it, [`Disconnected`](CallError::Disconnected) if by
///   then the mailbox is closed or has no receiver left. When the actor drops
///   a request and exits at the same moment, the caller may see either; both
///   mean that no reply will come.
///
/// # Examples
///
/// ```
/// use oneshot::CallError;
///
/// let error = CallError::Dropped;
/// assert!(error.is_dropped() && !error.is_disconnected() && !error.is_timeout());
/// assert_eq!(
///     error.to_string(),
///     "the actor dropped the request without answering it"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallError {
    /// The actor is gone: its mailbox was closed, or its last receiver was
    /// dropped, before or after the request was accepted.
    Disconnected,
    /// The actor took the request and dropped it without answering, while
    /// its mailbox is still served.
    Dropped,
    /// The time limit passed, while waiting for room in the mailbox or for
    /// the reply. A request that was accepted stays with the actor, which
    /// sees that nobody waits for it any more (`is_abandoned()`).
    Timeout,
}

impl CallError {
    /// Whether the actor is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(oneshot::CallError::Disconnected.is_disconnected());
    /// assert!(!oneshot::CallError::Timeout.is_disconnected());
    /// ```
    #[must_use]
    pub const fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected)
    }

    /// Whether the actor dropped the request without answering.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(oneshot::CallError::Dropped.is_dropped());
    /// assert!(!oneshot::CallError::Disconnected.is_dropped());
    /// ```
    #[must_use]
    pub const fn is_dropped(&self) -> bool {
        matches!(self, Self::Dropped)
    }

    /// Whether the time limit passed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(oneshot::CallError::Timeout.is_timeout());
    /// assert!(!oneshot::CallError::Dropped.is_timeout());
    /// ```
    #[must_use]
    pub const fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Disconnected => "the actor is gone: its mailbox is closed or has no receiver",
            Self::Dropped => "the actor dropped the request without answering it",
            Self::Timeout => "the call timed out",
        })
    }
}

impl core::error::Error for CallError {}

/// Why a `try_` call could not enqueue its request. Either way the request
/// comes back inside the error (with its reply receiver, for a request that
/// expects a reply), so it can be sent again and still be answered.
///
/// # Examples
///
/// ```
/// use oneshot::TryCallError;
///
/// let error = TryCallError::Full("job");
/// assert!(error.is_full() && !error.is_disconnected());
/// assert_eq!(error.to_string(), "the actor's mailbox is full");
/// assert_eq!(format!("{error:?}"), "Full(..)");
/// assert_eq!(error.into_inner(), "job");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryCallError<R> {
    /// The mailbox is bounded and full (or a rendezvous mailbox with no
    /// receiver waiting); the request was not sent.
    Full(R),
    /// The actor is gone: the mailbox is closed or has no receiver left; the
    /// request was not sent.
    Disconnected(R),
}

impl<R> TryCallError<R> {
    /// Returns the request that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(oneshot::TryCallError::Disconnected(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> R {
        match self {
            Self::Full(request) | Self::Disconnected(request) => request,
        }
    }

    /// Borrows the request that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(*oneshot::TryCallError::Full(7).as_inner(), 7);
    /// ```
    pub const fn as_inner(&self) -> &R {
        match self {
            Self::Full(request) | Self::Disconnected(request) => request,
        }
    }

    /// Whether the mailbox was full.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(oneshot::TryCallError::Full(()).is_full());
    /// ```
    #[must_use]
    pub const fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the actor is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(oneshot::TryCallError::Disconnected(()).is_disconnected());
    /// ```
    #[must_use]
    pub const fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

/// Does not require `R: Debug`: the request is shown as `..`.
impl<R> fmt::Debug for TryCallError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "Full(..)",
            Self::Disconnected(_) => "Disconnected(..)",
        })
    }
}

impl<R> fmt::Display for TryCallError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "the actor's mailbox is full",
            Self::Disconnected(_) => "the actor is gone: its mailbox is closed or has no receiver",
        })
    }
}

impl<R> core::error::Error for TryCallError<R> {}

#[cfg(feature = "client")]
pub use self::client::*;

/// What the generated client methods call. A request that expects a reply
/// travels with its reply sender; `reply` is the receiver kept here.
#[cfg(feature = "client")]
mod client {
    use core::time::Duration;
    use std::time::Instant;

    use mpmc::{SendTimeoutError, Sender as Mailbox, TrySendError};

    use super::{CallError, TryCallError};
    use crate::{Receiver, RecvTimeoutError, Sender};

    /// The error for a reply sender dropped unanswered: whether the mailbox is
    /// still served decides between `Dropped` and `Disconnected`.
    ///
    /// The last receiver of an `mpmc` channel is counted out before the
    /// queued messages are dropped, and that drop happens-before the caller's
    /// receive fails, so a request dropped from the queue always reads as
    /// `Disconnected` here.
    fn unanswered<C>(mailbox: &Mailbox<C>) -> CallError {
        if mailbox.is_closed() || mailbox.receiver_count() == 0 {
            CallError::Disconnected
        } else {
            CallError::Dropped
        }
    }

    /// `now + timeout`, or `None` if that cannot be represented (the wait is
    /// then unlimited).
    fn deadline(timeout: Duration) -> Option<Instant> {
        Instant::now().checked_add(timeout)
    }

    /// Sends `request` (which carries the sender of `reply`), waiting for
    /// room in the mailbox, then awaits the reply.
    pub async fn call<C, R>(
        mailbox: &Mailbox<C>,
        request: C,
        reply: Receiver<R>,
    ) -> Result<R, CallError> {
        if mailbox.send_async(request).await.is_err() {
            return Err(CallError::Disconnected);
        }
        match reply.await {
            Ok(value) => Ok(value),
            Err(_) => Err(unanswered(mailbox)),
        }
    }

    /// As `call`, blocking the thread.
    pub fn call_blocking<C, R>(
        mailbox: &Mailbox<C>,
        request: C,
        reply: Receiver<R>,
    ) -> Result<R, CallError> {
        if mailbox.send(request).is_err() {
            return Err(CallError::Disconnected);
        }
        match reply.recv() {
            Ok(value) => Ok(value),
            Err(_) => Err(unanswered(mailbox)),
        }
    }

    /// As `call_blocking`, with one deadline for both waits.
    pub fn call_timeout<C, R>(
        mailbox: &Mailbox<C>,
        request: C,
        reply: Receiver<R>,
        timeout: Duration,
    ) -> Result<R, CallError> {
        let Some(deadline) = deadline(timeout) else {
            return call_blocking(mailbox, request, reply);
        };
        match mailbox.send_deadline(request, deadline) {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(_)) => return Err(CallError::Timeout),
            Err(SendTimeoutError::Disconnected(_)) => return Err(CallError::Disconnected),
        }
        match reply.recv_deadline(deadline) {
            Ok(value) => Ok(value),
            Err(RecvTimeoutError::Timeout) => Err(CallError::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(unanswered(mailbox)),
        }
    }

    /// Sends `request` only if the mailbox has room now; hands it back with
    /// `reply` otherwise.
    pub fn try_call<C, R>(
        mailbox: &Mailbox<C>,
        request: C,
        reply: Receiver<R>,
    ) -> Result<Receiver<R>, TryCallError<(C, Receiver<R>)>> {
        match mailbox.try_send(request) {
            Ok(()) => Ok(reply),
            Err(TrySendError::Full(request)) => Err(TryCallError::Full((request, reply))),
            Err(TrySendError::Disconnected(request)) => {
                Err(TryCallError::Disconnected((request, reply)))
            }
        }
    }

    /// Sends a command that expects no reply, waiting for room.
    pub async fn tell<C>(mailbox: &Mailbox<C>, command: C) -> Result<(), CallError> {
        match mailbox.send_async(command).await {
            Ok(()) => Ok(()),
            Err(_) => Err(CallError::Disconnected),
        }
    }

    /// As `tell`, blocking the thread.
    pub fn tell_blocking<C>(mailbox: &Mailbox<C>, command: C) -> Result<(), CallError> {
        match mailbox.send(command) {
            Ok(()) => Ok(()),
            Err(_) => Err(CallError::Disconnected),
        }
    }

    /// As `tell_blocking`, for at most `timeout`.
    pub fn tell_timeout<C>(
        mailbox: &Mailbox<C>,
        command: C,
        timeout: Duration,
    ) -> Result<(), CallError> {
        let Some(deadline) = deadline(timeout) else {
            return tell_blocking(mailbox, command);
        };
        match mailbox.send_deadline(command, deadline) {
            Ok(()) => Ok(()),
            Err(SendTimeoutError::Timeout(_)) => Err(CallError::Timeout),
            Err(SendTimeoutError::Disconnected(_)) => Err(CallError::Disconnected),
        }
    }

    /// Sends a command only if the mailbox has room now.
    pub fn try_tell<C>(mailbox: &Mailbox<C>, command: C) -> Result<(), TryCallError<C>> {
        match mailbox.try_send(command) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(command)) => Err(TryCallError::Full(command)),
            Err(TrySendError::Disconnected(command)) => Err(TryCallError::Disconnected(command)),
        }
    }

    /// Answers a request; a requester that left is not an error.
    #[inline]
    pub fn answer<R>(reply_to: Sender<R>, value: R) {
        // `Err` hands the value back because nobody waits for it: drop it.
        drop(reply_to.send(value));
    }
}
