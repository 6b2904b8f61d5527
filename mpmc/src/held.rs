//! [`Held`]: the message of a blocking send, kept in one place of the
//! caller's frame and moved into the channel by a bitwise copy.
//!
//! In a debug build every by-value `T` parameter, every `Result<_, E<T>>`
//! and every re-wrapped error is its own copy of the message on the stack, so
//! a large message passed down a chain of calls multiplies (a 32 KiB message
//! once needed over 1 MiB of stack for a blocking `send`). The blocking send
//! paths therefore hold the message in a `Held` made at the top, pass
//! `&mut Held` down, and the step that claims a slot copies the bytes from
//! it straight into the slot (or the rendezvous node) and marks it moved.
//! Only the caller turns an unsent message back into a value, once. The
//! futures hold their message in a `Held` too (`SendFuture`, `SendSink`).

use core::mem::MaybeUninit;

/// A message that is either still here (`live`) or was moved out by a copy.
pub(crate) struct Held<T> {
    msg: MaybeUninit<T>,
    live: bool,
}

impl<T> Held<T> {
    /// Holds `msg` (written in place: no temporary copies in a debug
    /// build beyond the one move).
    #[inline]
    pub(crate) fn new(msg: T) -> Self {
        let mut held = Self {
            msg: MaybeUninit::uninit(),
            live: true,
        };
        // SAFETY: writing into our own uninitialised storage.
        unsafe { held.msg.as_mut_ptr().write(msg) };
        held
    }

    /// A place with no message (yet): a rendezvous node, a `SendSink`
    /// between messages.
    pub(crate) const fn empty() -> Self {
        Self {
            msg: MaybeUninit::uninit(),
            live: false,
        }
    }

    /// Moves the message of `src` (live) into this empty place by a bitwise
    /// copy; `src` is left moved.
    pub(crate) fn move_from(&mut self, src: &mut Self) {
        assert!(!self.live, "a held message is overwritten");
        // SAFETY: `src` is live (its `as_ptr` checks it in debug builds, and
        // `moved` below asserts it), so initialised; the copy goes to our own
        // uninitialised storage, and `src` gives up ownership right after.
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr(), self.msg.as_mut_ptr(), 1);
            src.moved();
        }
        self.live = true;
    }

    /// Puts a message into an empty place.
    #[cfg(feature = "futures")]
    pub(crate) fn put(&mut self, msg: T) {
        assert!(!self.live, "a held message is overwritten");
        self.msg.write(msg);
        self.live = true;
    }

    /// Takes the message back out if it is still here.
    pub(crate) fn take_if_live(&mut self) -> Option<T> {
        self.live.then(|| self.take())
    }

    /// Drops the message where it is, if it is still here.
    #[cfg(feature = "std")]
    pub(crate) fn drop_in_place(&mut self) {
        if self.live {
            self.live = false;
            // SAFETY: it was live, so initialised; marked moved first, so a
            // panicking `Drop` cannot make it dropped twice.
            unsafe { self.msg.assume_init_drop() };
        }
    }

    /// Whether the message is still here.
    #[inline(always)]
    pub(crate) fn is_live(&self) -> bool {
        self.live
    }

    /// The message's address, to copy it from (it must be live).
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> *const T {
        debug_assert!(self.live, "a moved message is copied");
        self.msg.as_ptr()
    }

    /// Records that the message's bytes were copied into its destination,
    /// which owns it now.
    ///
    /// # Safety
    ///
    /// The caller copied the live message (from [`as_ptr`](Self::as_ptr))
    /// into a place that will drop it; it is not dropped here.
    #[inline(always)]
    pub(crate) unsafe fn moved(&mut self) {
        debug_assert!(self.live);
        self.live = false;
    }

    /// [`take`](Self::take) for an error path, out of line (its temporaries
    /// stay out of the caller's frame in a debug build).
    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    pub(crate) fn take_cold(&mut self) -> T {
        self.take()
    }

    /// Takes the message back out (it must be live).
    #[inline(always)]
    pub(crate) fn take(&mut self) -> T {
        assert!(self.live, "the message was already moved");
        self.live = false;
        // SAFETY: live, so initialised, and now marked moved: read once.
        unsafe { self.msg.assume_init_read() }
    }
}

impl<T> Drop for Held<T> {
    fn drop(&mut self) {
        if self.live {
            // SAFETY: live, so initialised; dropped once (the flag says so
            // after this only because `self` is going away).
            unsafe { self.msg.assume_init_drop() };
        }
    }
}
