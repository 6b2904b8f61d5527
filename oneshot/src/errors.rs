//! The error types: what a failed send hands back, and why a receive failed.

use core::fmt;

/// The error [`Sender::send`](crate::Sender::send) returns when the receiver
/// was dropped or closed before the message could be delivered.
///
/// The message was never delivered and comes back inside the error: take it
/// with [`into_inner`](SendError::into_inner).
///
/// # Examples
///
/// ```
/// let (sender, receiver) = oneshot::channel::<String>();
/// drop(receiver);
/// let error = sender.send("hello".to_owned()).unwrap_err();
/// assert_eq!(error.as_inner(), "hello");
/// assert_eq!(error.into_inner(), "hello");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendError<T>(T);

impl<T> SendError<T> {
    pub(crate) const fn new(message: T) -> Self {
        Self(message)
    }

    /// Returns the message that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// drop(receiver);
    /// assert_eq!(sender.send(7).unwrap_err().into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }

    /// Borrows the message that could not be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (sender, receiver) = oneshot::channel();
    /// drop(receiver);
    /// assert_eq!(*sender.send(7).unwrap_err().as_inner(), 7);
    /// ```
    pub fn as_inner(&self) -> &T {
        &self.0
    }
}

/// Does not require `T: Debug`: the message is shown as `..`.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed oneshot channel")
    }
}

impl<T> core::error::Error for SendError<T> {}

/// The error a blocking or async receive returns when no message will ever
/// arrive: the sender was dropped without sending, the receiver was closed
/// with nothing in it, or the message was already received.
///
/// # Examples
///
/// ```
/// let (sender, receiver) = oneshot::channel::<u8>();
/// drop(sender);
/// assert_eq!(receiver.recv(), Err(oneshot::RecvError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed oneshot channel")
    }
}

impl core::error::Error for RecvError {}

/// The error [`Receiver::try_recv`](crate::Receiver::try_recv) returns.
///
/// # Examples
///
/// ```
/// use oneshot::TryRecvError;
///
/// let (sender, receiver) = oneshot::channel::<u8>();
/// assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
/// drop(sender);
/// assert_eq!(receiver.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// No message yet, but the sender is still there and may send one.
    Empty,
    /// No message will ever arrive: the sender is gone, the receiver was
    /// closed, or the message was already taken.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "receiving on an empty oneshot channel",
            Self::Disconnected => "receiving on a closed oneshot channel",
        })
    }
}

impl core::error::Error for TryRecvError {}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        Self::Disconnected
    }
}

/// The error of [`Receiver::recv_timeout`](crate::Receiver::recv_timeout) and
/// [`Receiver::recv_deadline`](crate::Receiver::recv_deadline).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use oneshot::RecvTimeoutError;
///
/// let (_sender, receiver) = oneshot::channel::<u8>();
/// let error = receiver.recv_timeout(Duration::from_millis(1)).unwrap_err();
/// assert_eq!(error, RecvTimeoutError::Timeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecvTimeoutError {
    /// The time ran out first. The receiver can be used again.
    Timeout,
    /// No message will ever arrive (see [`RecvError`]).
    Disconnected,
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out waiting on a oneshot channel",
            Self::Disconnected => "receiving on a closed oneshot channel",
        })
    }
}

impl core::error::Error for RecvTimeoutError {}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        Self::Disconnected
    }
}
