//! The error types. Every error of a send carries the message back, so a
//! failed send never loses it.

use core::fmt;

/// A blocking or async send failed because the channel is disconnected: every
/// receiver is gone, or the channel was [closed](crate::Sender::close).
///
/// The message is handed back in field `0`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::bounded(1);
/// drop(rx);
/// let err = tx.send("lost?").unwrap_err();
/// assert_eq!(err.into_inner(), "lost?");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// Why [`try_send`](crate::Sender::try_send) failed. The message is handed back.
///
/// # Examples
///
/// ```
/// use mpmc::TrySendError;
///
/// let (tx, rx) = mpmc::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// drop(rx);
/// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel is full (for `bounded(0)`: no receiver took the message
    /// within the call). The channel is still connected.
    Full(T),
    /// Every receiver is gone, or the channel was closed.
    Disconnected(T),
}

/// Why [`send_timeout`](crate::Sender::send_timeout) or
/// [`send_deadline`](crate::Sender::send_deadline) failed. The message is
/// handed back.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mpmc::SendTimeoutError;
///
/// let (tx, _rx) = mpmc::bounded(0);
/// let err = tx.send_timeout(7, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, SendTimeoutError::Timeout(7));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The deadline passed while the channel stayed full.
    Timeout(T),
    /// Every receiver is gone, or the channel was closed.
    Disconnected(T),
}

/// A blocking or async receive failed: the channel is empty and disconnected
/// (every sender is gone, or the channel was closed), so nothing can arrive.
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::unbounded::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv(), Err(mpmc::RecvError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

/// Why [`try_recv`](crate::Receiver::try_recv) failed.
///
/// # Examples
///
/// ```
/// use mpmc::TryRecvError;
///
/// let (tx, rx) = mpmc::bounded::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No message is ready now; one may still arrive.
    Empty,
    /// The channel is empty and disconnected.
    Disconnected,
}

/// Why [`recv_timeout`](crate::Receiver::recv_timeout) or
/// [`recv_deadline`](crate::Receiver::recv_deadline) failed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mpmc::RecvTimeoutError;
///
/// let (_tx, rx) = mpmc::bounded::<u8>(1);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// The deadline passed with no message.
    Timeout,
    /// The channel is empty and disconnected.
    Disconnected,
}

impl<T> SendError<T> {
    /// The message that could not be sent.
    ///
    /// ```
    /// let (tx, rx) = mpmc::unbounded();
    /// rx.close();
    /// assert_eq!(tx.send(5).unwrap_err().into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The message that could not be sent.
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded(0);
    /// assert_eq!(tx.try_send('x').unwrap_err().into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(msg) | Self::Disconnected(msg) => msg,
        }
    }

    /// Whether the send failed because the channel was full.
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded(0);
    /// assert!(tx.try_send(()).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the send failed because the channel is disconnected.
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(1);
    /// drop(rx);
    /// assert!(tx.try_send(()).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

impl<T> SendTimeoutError<T> {
    /// The message that could not be sent.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, _rx) = mpmc::bounded(0);
    /// assert_eq!(tx.send_timeout(1, Duration::ZERO).unwrap_err().into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Timeout(msg) | Self::Disconnected(msg) => msg,
        }
    }

    /// Whether the deadline passed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, _rx) = mpmc::bounded(0);
    /// assert!(tx.send_timeout(1, Duration::ZERO).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    /// Whether the channel is disconnected.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, rx) = mpmc::bounded(0);
    /// drop(rx);
    /// assert!(tx.send_timeout(1, Duration::ZERO).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected(_))
    }
}

impl TryRecvError {
    /// Whether the channel was merely empty.
    ///
    /// ```
    /// let (_tx, rx) = mpmc::unbounded::<()>();
    /// assert!(rx.try_recv().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// Whether the channel is empty and disconnected.
    ///
    /// ```
    /// let (tx, rx) = mpmc::unbounded::<()>();
    /// drop(tx);
    /// assert!(rx.try_recv().unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected)
    }
}

impl RecvTimeoutError {
    /// Whether the deadline passed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (_tx, rx) = mpmc::unbounded::<()>();
    /// assert!(rx.recv_timeout(Duration::ZERO).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// Whether the channel is empty and disconnected.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, rx) = mpmc::unbounded::<()>();
    /// drop(tx);
    /// assert!(rx.recv_timeout(Duration::ZERO).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected)
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        Self::Disconnected(err.0)
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(err: SendError<T>) -> Self {
        Self::Disconnected(err.0)
    }
}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        Self::Disconnected
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        Self::Disconnected
    }
}

// Debug never needs `T: Debug`: the message is shown as `..`.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(_) => f.write_str("Timeout(..)"),
            Self::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

/// [`Select::try_select`](crate::Select::try_select) found no arm ready.
///
/// # Examples
///
/// ```
/// let (_tx, rx) = mpmc::bounded::<i32>(1);
/// let mut sel = mpmc::Select::new().recv(&rx, |r| r.ok());
/// assert_eq!(sel.try_select(), Err(mpmc::TrySelectError));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TrySelectError;

/// [`Select::select_timeout`](crate::Select::select_timeout) or
/// [`select_deadline`](crate::Select::select_deadline) waited until the
/// deadline and no arm completed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let (_tx, rx) = mpmc::bounded::<i32>(1);
/// let mut sel = mpmc::Select::new().recv(&rx, |r| r.ok());
/// assert_eq!(
///     sel.select_timeout(Duration::from_millis(1)),
///     Err(mpmc::SelectTimeoutError)
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SelectTimeoutError;

impl fmt::Display for TrySelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no select arm was ready")
    }
}

impl fmt::Display for SelectTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no select arm completed before the deadline")
    }
}

impl core::error::Error for TrySelectError {}
impl core::error::Error for SelectTimeoutError {}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a disconnected channel")
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("sending on a full channel"),
            Self::Disconnected(_) => f.write_str("sending on a disconnected channel"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(_) => f.write_str("timed out waiting on a full channel"),
            Self::Disconnected(_) => f.write_str("sending on a disconnected channel"),
        }
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on an empty and disconnected channel")
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("receiving on an empty channel"),
            Self::Disconnected => f.write_str("receiving on an empty and disconnected channel"),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out waiting on an empty channel"),
            Self::Disconnected => f.write_str("receiving on an empty and disconnected channel"),
        }
    }
}

impl<T> core::error::Error for SendError<T> {}
impl<T> core::error::Error for TrySendError<T> {}
impl<T> core::error::Error for SendTimeoutError<T> {}
impl core::error::Error for RecvError {}
impl core::error::Error for TryRecvError {}
impl core::error::Error for RecvTimeoutError {}
