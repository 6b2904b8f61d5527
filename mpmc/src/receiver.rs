//! The receiving handle and its iterators.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
#[cfg(feature = "std")]
use core::time::Duration;
#[cfg(feature = "std")]
use std::time::Instant;

use crate::chan::Chan;
use crate::errors::TryRecvError;
#[cfg(feature = "std")]
use crate::errors::{RecvError, RecvTimeoutError};
#[cfg(feature = "async")]
use crate::futures::{Handle, RecvFuture};

/// The receiving side of a channel. Clone it for more receivers: each
/// message goes to exactly one of them.
///
/// Every operation that can wait has a blocking form ([`recv`](Self::recv),
/// [`recv_timeout`](Self::recv_timeout), [`iter`](Self::iter)) and an async
/// form ([`recv_async`](Self::recv_async)), usable on the same handle (or
/// clones) at the same time. Waiting receivers are woken in arrival order,
/// whatever their kind. A woken receiver that has not run yet can be
/// overtaken by a newcomer that finds the message first (it then waits
/// again, at the front): messages never wait for a particular receiver.
///
/// When the last `Receiver` is dropped the channel disconnects and the
/// messages still queued are dropped right then; sends fail from then on,
/// handing the message back.
///
/// A `Receiver` is not itself a `Stream`: with the `futures` feature,
/// `stream()` and `into_stream()` make one; without it, loop on
/// [`recv_async`](Self::recv_async)`.await`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::unbounded();
/// let rx2 = rx.clone();
/// for i in 0..10 {
///     tx.send(i).unwrap();
/// }
/// drop(tx);
/// let t = std::thread::spawn(move || rx2.iter().count());
/// let here = rx.iter().count();
/// assert_eq!(here + t.join().unwrap(), 10);
/// ```
pub struct Receiver<T> {
    chan: NonNull<Chan<T>>,
    /// Invariant in `T`, and owns `T`s for the drop checker.
    _marker: crate::chan::HandleMarker<T>,
}

// SAFETY: a `Receiver` only moves `T`s out of the channel, whose shared state
// is synchronised internally; sound to send or share when `T: Send`.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: every method takes `&self` and is safe to call concurrently.
unsafe impl<T: Send> Sync for Receiver<T> {}

impl<T> Receiver<T> {
    /// Wraps the channel's first receiver count.
    pub(crate) fn new(chan: NonNull<Chan<T>>) -> Self {
        Self {
            chan,
            _marker: PhantomData,
        }
    }

    pub(crate) fn chan(&self) -> &Chan<T> {
        // SAFETY: this handle holds a receiver count, which keeps the channel
        // allocated.
        unsafe { self.chan.as_ref() }
    }

    /// Takes a message, blocking the thread until one arrives. The async form
    /// is [`recv_async`](Self::recv_async).
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and disconnected.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(0);
    /// let t = std::thread::spawn(move || tx.send(42).unwrap());
    /// assert_eq!(rx.recv(), Ok(42));
    /// # t.join().unwrap();
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan().recv_blocking(None).map_err(|_| RecvError)
    }

    /// Takes a message if one is ready now, without waiting.
    ///
    /// It answers `Empty` (and never waits) while the next message is still
    /// being written by a sender that has claimed its slot — **even if
    /// messages behind that slot are already there, including one this very
    /// thread sent a moment ago.** The queue is FIFO by the order in which
    /// senders claim slots: when another thread claimed the slot before
    /// yours and is still copying its message in (or was descheduled in the
    /// middle), every later message waits behind it, and `try_recv` reports
    /// `Empty` rather than spin on that thread (crossbeam-channel spins
    /// there: crossbeam#821). So `tx.send(x); rx.try_recv()` on one thread
    /// can answer `Empty` while other threads send on the same channel.
    /// Use [`recv`](Self::recv), [`recv_timeout`](Self::recv_timeout) or
    /// [`recv_async`](Self::recv_async) to wait for it: the writing sender
    /// wakes a waiting receiver as soon as it publishes.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(2);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan().try_recv()
    }

    /// Takes a message, blocking at most `timeout`.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Disconnected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = mpmc::unbounded();
    /// assert!(rx.recv_timeout(Duration::from_millis(1)).is_err());
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Ok(3));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan()
            .recv_blocking(Instant::now().checked_add(timeout))
    }

    /// Takes a message, blocking until `deadline` at most.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// As for [`recv_timeout`](Self::recv_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (_tx, rx) = mpmc::bounded::<u8>(1);
    /// let soon = Instant::now() + Duration::from_millis(2);
    /// assert!(rx.recv_deadline(soon).unwrap_err().is_timeout());
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan().recv_blocking(Some(deadline))
    }

    /// Takes at least one message into `buf`, blocking until the first
    /// arrives, then as many more as are ready now, up to `limit` in all
    /// (tokio's `recv_many`, flume's `drain` after a `recv`). Returns how many
    /// it appended; `limit == 0` returns `Ok(0)` at once.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and disconnected (nothing was
    /// appended).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(8);
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3), Ok(3));
    /// assert_eq!(rx.recv_many(&mut batch, 10), Ok(2));
    /// assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_many(
        &self,
        buf: &mut alloc::vec::Vec<T>,
        limit: usize,
    ) -> Result<usize, RecvError> {
        if limit == 0 {
            return Ok(0);
        }
        buf.push(self.recv()?);
        Ok(1 + self.take_ready(buf, limit - 1))
    }

    /// [`recv_many`](Self::recv_many) waiting at most `timeout` for the
    /// first message.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if no message came in time,
    /// [`RecvTimeoutError::Disconnected`] once the channel is empty and
    /// disconnected (nothing was appended either way).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use mpmc::RecvTimeoutError;
    ///
    /// let (tx, rx) = mpmc::bounded::<u8>(4);
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many_timeout(&mut batch, 4, Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv_many_timeout(&mut batch, 4, Duration::from_millis(5)), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn recv_many_timeout(
        &self,
        buf: &mut alloc::vec::Vec<T>,
        limit: usize,
        timeout: Duration,
    ) -> Result<usize, RecvTimeoutError> {
        if limit == 0 {
            return Ok(0);
        }
        buf.push(self.recv_timeout(timeout)?);
        Ok(1 + self.take_ready(buf, limit - 1))
    }

    /// [`recv_many`](Self::recv_many) for async code: waits for the first
    /// message as [`recv_async`](Self::recv_async) does, then appends as
    /// many more as are ready, up to `limit` in all, within the same poll.
    ///
    /// # Cancel safety
    ///
    /// Messages are taken only in the poll that completes the future (the
    /// first by its `RecvFuture`, the rest right after, in the same poll):
    /// dropping it while pending takes nothing and passes on a wake-up it
    /// got, as `recv_async`.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = mpmc::unbounded();
    /// tx.send('a').unwrap();
    /// tx.send('b').unwrap();
    /// let mut batch = Vec::new();
    /// assert_eq!(block_on(rx.recv_many_async(&mut batch, 8)), Ok(2));
    /// assert_eq!(batch, ['a', 'b']);
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub async fn recv_many_async(
        &self,
        buf: &mut alloc::vec::Vec<T>,
        limit: usize,
    ) -> Result<usize, crate::errors::RecvError> {
        if limit == 0 {
            return Ok(0);
        }
        buf.push(self.recv_async().await?);
        Ok(1 + self.take_ready(buf, limit - 1))
    }

    /// Appends up to `limit` messages that are ready now; returns how many.
    #[cfg(any(feature = "std", feature = "async"))]
    fn take_ready(&self, buf: &mut alloc::vec::Vec<T>, limit: usize) -> usize {
        let before = buf.len();
        buf.extend(self.try_iter().take(limit));
        buf.len() - before
    }

    /// Takes a message asynchronously.
    ///
    /// # Cancel safety
    ///
    /// The future takes a message only in the poll that returns it. Dropping
    /// it while pending loses nothing, and if it had been woken for a
    /// message, the wake-up passes to the next waiting receiver. So it is
    /// safe in `select!` loops, and `tokio::time::timeout(d, rx.recv_async())`
    /// (or any runtime's timeout) is correct.
    ///
    /// # In `select!`, and as a stream
    ///
    /// `futures::select!` takes only fused futures: with the `futures`
    /// feature [`RecvFuture`] is a `FusedFuture`; without it, call `.fuse()`
    /// on it (`futures::FutureExt`), as below. `tokio::select!` needs
    /// neither. The receiver is not itself a `Stream`: `stream()` /
    /// `into_stream()` (feature `futures`) make one.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = mpmc::bounded(1);
    /// let t = std::thread::spawn(move || tx.send("from a thread").unwrap());
    /// assert_eq!(block_on(rx.recv_async()), Ok("from a thread"));
    /// # t.join().unwrap();
    /// ```
    ///
    /// Waiting on two channels at once with `futures::select!`:
    ///
    /// ```
    /// use futures::{executor::block_on, select, FutureExt};
    ///
    /// let (jobs_tx, jobs) = mpmc::bounded::<u32>(1);
    /// let (_stop_tx, stop) = mpmc::bounded::<()>(1);
    /// jobs_tx.send(7).unwrap();
    /// block_on(async {
    ///     select! {
    ///         job = jobs.recv_async().fuse() => assert_eq!(job, Ok(7)),
    ///         _ = stop.recv_async().fuse() => unreachable!("nobody sent a stop"),
    ///     }
    /// });
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn recv_async(&self) -> RecvFuture<'_, T> {
        RecvFuture::new(Handle::Borrowed(self))
    }

    /// Like [`recv_async`](Self::recv_async), but the future owns the
    /// receiver (so it is `'static` when `T` is).
    ///
    /// # Cancel safety
    ///
    /// As for [`recv_async`](Self::recv_async); dropping the future drops
    /// the receiver it owns.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = mpmc::unbounded();
    /// let fut = rx.into_recv_async();
    /// tx.send(9).unwrap();
    /// assert_eq!(block_on(fut), Ok(9));
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn into_recv_async(self) -> RecvFuture<'static, T> {
        RecvFuture::new(Handle::Owned(self))
    }

    /// A blocking iterator: yields messages until the channel is empty and
    /// disconnected.
    ///
    /// # Blocking
    ///
    /// This call blocks the thread. On an async runtime's worker thread it does
    /// not panic, but it stalls that worker and the tasks queued on it, and if
    /// what it waits for can only come from a task of the same runtime (always
    /// so on a current-thread runtime) it hangs, or waits out its timeout: in
    /// async code use the async form, or move the call to a blocking pool (such
    /// as `tokio::task::spawn_blocking`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(4);
    /// let t = std::thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// # t.join().unwrap();
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// A non-blocking iterator: yields the messages ready now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }

    /// Closes the channel for every handle; see
    /// [`Sender::close`](crate::Sender::close). Queued messages stay
    /// receivable. True if this call closed it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(2);
    /// tx.send(1).unwrap();
    /// assert!(rx.close());
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    pub fn close(&self) -> bool {
        self.chan().disconnect()
    }

    /// Whether the channel is disconnected (closed, or every sender gone).
    /// Messages may still be queued.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<u8>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan().is_disconnected()
    }

    /// The number of messages in the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::unbounded();
    /// tx.send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan().len()
    }

    /// Whether the channel holds no message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = mpmc::bounded::<()>(1);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the channel is full (always true for `bounded(0)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(1);
    /// tx.send(()).unwrap();
    /// assert!(rx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.capacity().is_some_and(|cap| self.len() >= cap)
    }

    /// The capacity: `Some(n)` for `bounded(n)`, `None` for `unbounded`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(mpmc::bounded::<()>(0).1.capacity(), Some(0));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.chan().capacity()
    }

    /// The number of live senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<()>(1);
    /// drop(tx);
    /// assert_eq!(rx.sender_count(), 0);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan().sender_count()
    }

    /// The number of live receivers (including owning futures and streams).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = mpmc::bounded::<()>(1);
    /// let _rx2 = rx.clone();
    /// assert_eq!(rx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan().receiver_count()
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = mpmc::bounded::<()>(1);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        self.chan == other.chan
    }
}

// A handle is a pointer; nothing in it is pinned.
impl<T> Unpin for Receiver<T> {}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan().acquire_receiver();
        Self::new(self.chan)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // SAFETY: this handle's receiver count is given up here and the
        // pointer is not used again.
        unsafe { Chan::release_receiver(self.chan) };
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("is_closed", &self.is_closed())
            .finish()
    }
}

/// A blocking iterator over a borrowed receiver; see [`Receiver::iter`].
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// A non-blocking iterator over a borrowed receiver; see
/// [`Receiver::try_iter`].
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

/// A blocking iterator that owns the receiver; see
/// [`IntoIterator for Receiver`](Receiver#impl-IntoIterator-for-Receiver<T>).
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

/// Iterates (blocking) until the channel is empty and disconnected.
///
/// ```
/// let (tx, rx) = mpmc::unbounded();
/// tx.send(1).unwrap();
/// drop(tx);
/// for msg in rx {
///     assert_eq!(msg, 1);
/// }
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { receiver: self }
    }
}

/// Iterates (blocking) until the channel is empty and disconnected.
///
/// ```
/// let (tx, rx) = mpmc::unbounded();
/// tx.send(1).unwrap();
/// drop(tx);
/// for msg in &rx {
///     assert_eq!(msg, 1);
/// }
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

// A `Receiver` is only a pointer to the channel, whose state lives behind
// atomics and the waiter lock; no operation leaves that state inconsistent
// when a panic unwinds out of it (a waker's `wake`/`clone`/`drop` or a
// message's `Drop`, also in the last receiver's drain of the queue): user
// code runs only after the step it follows is complete and the caller's node
// is unlinked, or under a guard that finishes the step during unwinding (the
// rule of the waiting core). So using a receiver after catching a panic
// observes a valid channel, as with `std`'s and crossbeam's channels, whose
// receivers are unwind-safe for the same reason.
impl<T> core::panic::UnwindSafe for Receiver<T> {}
// As above: a shared `&Receiver` seen after a caught panic is just as valid.
impl<T> core::panic::RefUnwindSafe for Receiver<T> {}
