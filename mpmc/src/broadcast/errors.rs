//! The receive errors of the broadcast channel. They differ from the queue
//! channels' by one variant, `Lagged(n)`, which only the overwrite mode
//! ([`overwriting`](super::overwriting)) returns: a backpressure channel
//! ([`channel`](super::channel)) never drops a message an active receiver
//! has not read, so it never returns `Lagged`.
//!
//! The send errors are the crate's ([`SendError`](crate::SendError),
//! [`TrySendError`](crate::TrySendError),
//! [`SendTimeoutError`](crate::SendTimeoutError)), re-exported.

use core::fmt;

/// Why a blocking or async receive (`Receiver::recv`,
/// `Receiver::recv_async`) failed.
///
/// # Examples
///
/// ```
/// use mpmc::broadcast::RecvError;
/// let (tx, mut rx) = mpmc::broadcast::overwriting(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap(); // overwrites 1, which `rx` had not read
/// assert_eq!(rx.recv(), Err(RecvError::Lagged(1)));
/// assert_eq!(rx.recv(), Ok(2));
/// drop(tx);
/// assert_eq!(rx.recv(), Err(RecvError::Disconnected));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvError {
    /// The channel is closed and this receiver read everything sent before
    /// the close (that it did not miss): nothing can arrive any more.
    Disconnected,
    /// Overwrite mode only: this receiver fell behind and missed exactly
    /// this many messages, which were overwritten before it read them. Its
    /// cursor has moved to the oldest message still kept; the next receive
    /// returns it. Returned once per fall; never by a backpressure channel.
    Lagged(u64),
}

/// Why [`try_recv`](super::Receiver::try_recv) failed.
///
/// # Examples
///
/// ```
/// use mpmc::broadcast::TryRecvError;
/// let (tx, mut rx) = mpmc::broadcast::overwriting(2);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// for i in 0..5 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
/// assert_eq!(rx.try_recv(), Ok(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// No message is there now; one may still arrive.
    Empty,
    /// The channel is closed and everything sent before was read.
    Disconnected,
    /// Overwrite mode only: as [`RecvError::Lagged`].
    Lagged(u64),
}

/// Why [`recv_timeout`](super::Receiver::recv_timeout) or
/// [`recv_deadline`](super::Receiver::recv_deadline) failed.
///
/// # Examples
///
/// ```
/// use mpmc::broadcast::RecvTimeoutError;
/// use std::time::Duration;
/// let (_tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
/// let got = rx.recv_timeout(Duration::from_millis(1));
/// assert_eq!(got, Err(RecvTimeoutError::Timeout));
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecvTimeoutError {
    /// The deadline passed with no message.
    Timeout,
    /// The channel is closed and everything sent before was read.
    Disconnected,
    /// Overwrite mode only: as [`RecvError::Lagged`].
    Lagged(u64),
}

impl RecvError {
    /// The number of missed messages, if this is `Lagged`.
    ///
    /// ```
    /// use mpmc::broadcast::RecvError;
    /// assert_eq!(RecvError::Lagged(4).lagged(), Some(4));
    /// assert_eq!(RecvError::Disconnected.lagged(), None);
    /// ```
    pub fn lagged(&self) -> Option<u64> {
        match self {
            Self::Lagged(n) => Some(*n),
            Self::Disconnected => None,
        }
    }

    /// Whether the channel is closed and drained.
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.recv().unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected)
    }
}

impl TryRecvError {
    /// Whether nothing was there yet.
    ///
    /// ```
    /// let (_tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
    /// assert!(rx.try_recv().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// Whether the channel is closed and drained.
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.try_recv().unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected)
    }

    /// The number of missed messages, if this is `Lagged`.
    ///
    /// ```
    /// let (tx, mut rx) = mpmc::broadcast::overwriting(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_recv().unwrap_err().lagged(), Some(1));
    /// ```
    pub fn lagged(&self) -> Option<u64> {
        match self {
            Self::Lagged(n) => Some(*n),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl RecvTimeoutError {
    /// Whether the deadline passed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (_tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
    /// assert!(rx.recv_timeout(Duration::ZERO).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout)
    }

    /// Whether the channel is closed and drained.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, mut rx) = mpmc::broadcast::channel::<u8>(1);
    /// drop(tx);
    /// assert!(rx.recv_timeout(Duration::ZERO).unwrap_err().is_disconnected());
    /// ```
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Self::Disconnected)
    }

    /// The number of missed messages, if this is `Lagged`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, mut rx) = mpmc::broadcast::overwriting(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// let err = rx.recv_timeout(Duration::ZERO).unwrap_err();
    /// assert_eq!(err.lagged(), Some(1));
    /// ```
    pub fn lagged(&self) -> Option<u64> {
        match self {
            Self::Lagged(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<RecvError> for TryRecvError {
    fn from(err: RecvError) -> Self {
        match err {
            RecvError::Disconnected => Self::Disconnected,
            RecvError::Lagged(n) => Self::Lagged(n),
        }
    }
}

#[cfg(feature = "std")]
impl From<RecvError> for RecvTimeoutError {
    fn from(err: RecvError) -> Self {
        match err {
            RecvError::Disconnected => Self::Disconnected,
            RecvError::Lagged(n) => Self::Lagged(n),
        }
    }
}

fn lagged(f: &mut fmt::Formatter<'_>, n: u64) -> fmt::Result {
    write!(f, "receiver lagged: {n} messages were overwritten unread")
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disconnected => f.write_str("receiving on a closed and drained channel"),
            Self::Lagged(n) => lagged(f, *n),
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("receiving on an empty channel"),
            Self::Disconnected => f.write_str("receiving on a closed and drained channel"),
            Self::Lagged(n) => lagged(f, *n),
        }
    }
}

#[cfg(feature = "std")]
impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out waiting on an empty channel"),
            Self::Disconnected => f.write_str("receiving on a closed and drained channel"),
            Self::Lagged(n) => lagged(f, *n),
        }
    }
}

impl core::error::Error for RecvError {}
impl core::error::Error for TryRecvError {}
#[cfg(feature = "std")]
impl core::error::Error for RecvTimeoutError {}
