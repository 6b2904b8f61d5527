//! The sending handle.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
#[cfg(feature = "std")]
use core::time::Duration;
#[cfg(feature = "std")]
use std::time::Instant;

use crate::chan::Chan;
#[cfg(feature = "std")]
use crate::chan::Ended;
use crate::errors::TrySendError;
#[cfg(feature = "std")]
use crate::errors::{SendError, SendTimeoutError};
#[cfg(feature = "async")]
use crate::futures::{Closed, Handle, SendFuture};
#[cfg(feature = "std")]
use crate::held::Held;

/// The sending side of a channel. Clone it for more senders.
///
/// Every operation that can wait has a blocking form ([`send`](Self::send),
/// [`send_timeout`](Self::send_timeout)) and an async form
/// ([`send_async`](Self::send_async)), usable on the same handle (or clones
/// of it) at the same time, from threads and tasks alike. Waiting senders are
/// served in arrival order, whatever their kind.
///
/// When the last `Sender` is dropped the channel disconnects: receivers get
/// the messages still queued and then [`RecvError`](crate::RecvError).
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::bounded(8);
/// let workers: Vec<_> = (0..4)
///     .map(|id| {
///         let tx = tx.clone();
///         std::thread::spawn(move || tx.send(id).unwrap())
///     })
///     .collect();
/// drop(tx);
/// # for w in workers { w.join().unwrap(); }
/// let mut got: Vec<i32> = rx.iter().collect();
/// got.sort();
/// assert_eq!(got, [0, 1, 2, 3]);
/// ```
pub struct Sender<T> {
    chan: NonNull<Chan<T>>,
    /// Invariant in `T` (a `Sender<&'static str>` must not become a
    /// `Sender<&'a str>`), and owns `T`s for the drop checker.
    _marker: crate::chan::HandleMarker<T>,
}

// SAFETY: a `Sender` only moves `T`s into the channel, whose shared state is
// synchronised internally (atomics and the waiter lock); sending or sharing
// the handle across threads is therefore sound when `T: Send`.
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: every method takes `&self` and is safe to call concurrently (see
// `Send`).
unsafe impl<T: Send> Sync for Sender<T> {}

impl<T> Sender<T> {
    /// Wraps the channel's first sender count.
    pub(crate) fn new(chan: NonNull<Chan<T>>) -> Self {
        Self {
            chan,
            _marker: PhantomData,
        }
    }

    pub(crate) fn chan(&self) -> &Chan<T> {
        // SAFETY: this handle holds a sender count, which keeps the channel
        // allocated.
        unsafe { self.chan.as_ref() }
    }

    /// Sends `msg`, blocking the thread while the channel is full (for
    /// `bounded(0)`: until a receiver has taken it).
    ///
    /// `Ok` means the message is in the channel (for `bounded(0)`: that a
    /// receiver took it), not that it was received. The async form is
    /// [`send_async`](Self::send_async). (A `#[oneshot_reply(client)]` actor
    /// client's `send` is the other way round: async, with `send_blocking`
    /// as its blocking form.)
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
    /// [`SendError`] with the message when the channel is disconnected (every
    /// receiver gone, or closed), before or while waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded(1);
    /// tx.send(1).unwrap();
    /// let t = std::thread::spawn(move || tx.send(2)); // blocks until rx makes room
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Ok(2));
    /// # t.join().unwrap().unwrap();
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        // The message stays in one place of this frame until it is sent
        // (`held.rs`): a large one is not copied down the wait.
        let mut held = Held::new(msg);
        match self.chan().send_blocking(&mut held, None) {
            Ok(()) => Ok(()),
            Err(_) => Err(SendError(held.take_cold())),
        }
    }

    /// Sends `msg` if that is possible right now, without waiting.
    ///
    /// On `bounded(0)` this succeeds only if a receiver takes the message
    /// within the call: a thread blocked in [`recv`](crate::Receiver::recv)
    /// or [`recv_timeout`](crate::Receiver::recv_timeout) can (it is handed
    /// the message), a pending `RecvFuture` cannot (it may be cancelled), so
    /// `Full` is returned then.
    ///
    /// On `bounded(n)` it may also answer `Full` for an instant while a
    /// receiver is in the middle of taking the message from the slot it
    /// needs: it never waits for another thread.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Disconnected`], with the
    /// message.
    ///
    /// # Examples
    ///
    /// ```
    /// use mpmc::TrySendError;
    ///
    /// let (tx, rx) = mpmc::bounded(1);
    /// assert_eq!(tx.try_send('a'), Ok(()));
    /// assert_eq!(tx.try_send('b'), Err(TrySendError::Full('b')));
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// ```
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.chan().try_send(msg)
    }

    /// Sends `msg`, blocking at most `timeout` while the channel is full.
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
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Disconnected`],
    /// with the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use mpmc::SendTimeoutError;
    ///
    /// let (tx, _rx) = mpmc::bounded(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.send_timeout(2, Duration::from_millis(5)), Err(SendTimeoutError::Timeout(2)));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.send_until(msg, Instant::now().checked_add(timeout))
    }

    /// Sends `msg`, blocking until `deadline` at most while the channel is
    /// full.
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
    /// As for [`send_timeout`](Self::send_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (tx, rx) = mpmc::bounded(1);
    /// tx.send_deadline(1, Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.send_until(msg, Some(deadline))
    }

    /// `send_timeout` and `send_deadline`: a blocking send until `deadline`.
    #[cfg(feature = "std")]
    fn send_until(&self, msg: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        let mut held = Held::new(msg);
        match self.chan().send_blocking(&mut held, deadline) {
            Ok(()) => Ok(()),
            Err(Ended::Timeout) => Err(SendTimeoutError::Timeout(held.take_cold())),
            Err(Ended::Disconnected) => Err(SendTimeoutError::Disconnected(held.take_cold())),
        }
    }

    /// Sends `msg` asynchronously: the future completes once the message is
    /// in the channel (for `bounded(0)`: once a receiver took it), or with the
    /// message back if the channel is disconnected.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future never sends half a message: either the send had
    /// completed, or the message is dropped with the future. Once it returned
    /// `Pending`, the send may complete without another poll (a receive that
    /// makes room moves the waiting message in; see [`SendFuture`]).
    /// [`SendFuture::cancel`] withdraws a pending send and hands the message
    /// back instead, or says it was sent. Timeouts are the caller's runtime's:
    /// `tokio::time::timeout(d, tx.send_async(msg))` is correct (on timeout the
    /// message is dropped with the future; use `cancel` to keep it).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = mpmc::bounded(1);
    /// block_on(tx.send_async("hello")).unwrap();
    /// assert_eq!(rx.recv(), Ok("hello"));
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn send_async(&self, msg: T) -> SendFuture<'_, T> {
        SendFuture::new(Handle::Borrowed(self), msg)
    }

    /// Like [`send_async`](Self::send_async), but the future owns the sender
    /// (so it is `'static` when `T` is).
    ///
    /// # Cancel safety
    ///
    /// As for [`send_async`](Self::send_async).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = mpmc::unbounded();
    /// let fut = tx.into_send_async(5u8);
    /// let t = std::thread::spawn(move || block_on(fut));
    /// assert_eq!(rx.recv(), Ok(5));
    /// # t.join().unwrap().unwrap();
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn into_send_async(self, msg: T) -> SendFuture<'static, T> {
        SendFuture::new(Handle::Owned(self), msg)
    }

    /// Closes the channel for every handle: later sends fail with the message
    /// back, receivers still get what is queued and then see the channel
    /// disconnected, and every waiter is woken. True if this call closed it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::unbounded();
    /// tx.send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err());
    /// ```
    pub fn close(&self) -> bool {
        self.chan().disconnect()
    }

    /// Whether the channel is disconnected (closed, or every receiver gone):
    /// sends can no longer succeed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<u8>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan().is_disconnected()
    }

    /// A future that completes when every receiver is gone or the channel is
    /// closed (for example, to stop producing work nobody will take).
    ///
    /// The future is `Send` when `T` is, `Sync`, and `!Unpin` (it holds its
    /// waiter node). It allocates nothing.
    ///
    /// # Cancel safety
    ///
    /// Dropping it only stops the wait; it changes nothing in the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// let (tx, rx) = mpmc::bounded::<u8>(1);
    /// let t = std::thread::spawn(move || drop(rx));
    /// block_on(tx.closed());
    /// assert!(tx.is_closed());
    /// # t.join().unwrap();
    /// ```
    #[cfg(feature = "async")]
    #[cfg_attr(docsrs, doc(cfg(feature = "async")))]
    pub fn closed(&self) -> Closed<'_, T> {
        Closed::new(self.chan())
    }

    /// The number of messages in the channel (including any a sender is
    /// writing right now). Always 0 for `bounded(0)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded(3);
    /// tx.send(()).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan().len()
    }

    /// Whether the channel holds no message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::unbounded::<()>();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a send would have to wait now (always true for `bounded(0)`,
    /// never for `unbounded`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded(1);
    /// tx.send(()).unwrap();
    /// assert!(tx.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.capacity().is_some_and(|cap| self.len() >= cap)
    }

    /// The capacity: `Some(n)` for `bounded(n)`, `None` for `unbounded`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(mpmc::bounded::<()>(4).0.capacity(), Some(4));
    /// assert_eq!(mpmc::unbounded::<()>().0.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.chan().capacity()
    }

    /// The number of live senders (including owning futures and sinks).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded::<()>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx2.sender_count(), 2);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan().sender_count()
    }

    /// The number of live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<()>(1);
    /// drop(rx);
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan().receiver_count()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, _) = mpmc::bounded::<()>(1);
    /// let (b, _) = mpmc::bounded::<()>(1);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.chan == other.chan
    }

    /// A [`WeakSender`] of this channel: it does not keep the channel open
    /// (when the last `Sender` goes, the channel disconnects even if weak
    /// senders remain) and can be [upgraded](WeakSender::upgrade) back to a
    /// `Sender` while another sender is still alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::unbounded::<u32>();
    /// let weak = tx.downgrade();
    /// weak.upgrade().expect("a sender is alive").send(1).unwrap();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none()); // the last sender is gone
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert!(rx.recv().is_err()); // disconnected, weak sender or not
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan().acquire_weak();
        WeakSender {
            chan: self.chan,
            _marker: PhantomData,
        }
    }
}

// A handle is a pointer; nothing in it is pinned.
impl<T> Unpin for Sender<T> {}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan().acquire_sender();
        Self::new(self.chan)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // SAFETY: this handle's sender count is given up here and the
        // pointer is not used again.
        unsafe { Chan::release_sender(self.chan) };
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("is_closed", &self.is_closed())
            .finish()
    }
}

// A `Sender` is only a pointer to the channel, whose state lives behind
// atomics and the waiter lock; no operation leaves that state inconsistent
// when a panic unwinds out of it (a waker's `wake`/`clone`/`drop` or a
// message's `Drop`): user code runs only after the step it follows is
// complete and the caller's node is unlinked, or under a guard that finishes
// the step during unwinding (the rule of the waiting core). So using a
// sender after catching a panic observes a valid channel, as with `std`'s
// and crossbeam's channels, whose senders are unwind-safe for the same
// reason.
impl<T> core::panic::UnwindSafe for Sender<T> {}
// As above: a shared `&Sender` seen after a caught panic is just as valid.
impl<T> core::panic::RefUnwindSafe for Sender<T> {}

/// A sender that does not keep the channel open; see [`Sender::downgrade`].
///
/// Like tokio's `WeakSender`: the channel disconnects when the last
/// [`Sender`] is dropped, whatever weak senders remain; [`upgrade`](Self::upgrade)
/// gives a `Sender` back only while some sender is alive. It keeps the
/// channel's allocation (so its queries stay valid), not its messages.
///
/// # Examples
///
/// ```
/// let (tx, rx) = mpmc::bounded::<&str>(4);
/// let weak = tx.downgrade();
/// assert_eq!(weak.sender_count(), 1);
/// if let Some(tx2) = weak.upgrade() {
///     tx2.send("through an upgraded weak sender").unwrap();
/// }
/// assert_eq!(rx.try_recv(), Ok("through an upgraded weak sender"));
/// ```
pub struct WeakSender<T> {
    chan: NonNull<Chan<T>>,
    _marker: crate::chan::HandleMarker<T>,
}

// SAFETY: as `Sender`: it only reaches the channel's synchronised state, and
// through `upgrade` becomes a `Sender`, which is `Send` when `T: Send`.
unsafe impl<T: Send> Send for WeakSender<T> {}
// SAFETY: every method takes `&self` and is safe to call concurrently.
unsafe impl<T: Send> Sync for WeakSender<T> {}

impl<T> WeakSender<T> {
    fn chan(&self) -> &Chan<T> {
        // SAFETY: a weak sender holds one of the channel's `refs`, which
        // keeps the allocation alive (`chan.rs`, "Handle counts").
        unsafe { self.chan.as_ref() }
    }

    /// A [`Sender`] again, if any sender is still alive (`None` once the
    /// last one was dropped: the channel has disconnected for good).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan()
            .try_acquire_sender()
            .then(|| Sender::new(self.chan))
    }

    /// Whether the channel is disconnected (closed, or every sender or every
    /// receiver gone).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(!weak.is_closed());
    /// drop(rx);
    /// assert!(weak.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan().is_disconnected()
    }

    /// The number of live (strong) senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = mpmc::bounded::<()>(1);
    /// let weak = tx.downgrade();
    /// let tx2 = tx.clone();
    /// assert_eq!(weak.sender_count(), 2);
    /// drop((tx, tx2));
    /// assert_eq!(weak.sender_count(), 0);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan().sender_count()
    }

    /// The number of live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = mpmc::bounded::<()>(1);
    /// let weak = tx.downgrade();
    /// drop(rx);
    /// assert_eq!(weak.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan().receiver_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan().acquire_weak();
        Self {
            chan: self.chan,
            _marker: PhantomData,
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        // SAFETY: this weak sender's reference is given up here and the
        // pointer is not used again.
        unsafe { Chan::release_weak(self.chan) };
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender")
            .field("sender_count", &self.sender_count())
            .field("is_closed", &self.is_closed())
            .finish()
    }
}

// A weak sender is a pointer; nothing in it is pinned.
impl<T> Unpin for WeakSender<T> {}
// As for `Sender`: no panic leaves the channel inconsistent.
impl<T> core::panic::UnwindSafe for WeakSender<T> {}
// As above.
impl<T> core::panic::RefUnwindSafe for WeakSender<T> {}
