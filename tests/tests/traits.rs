//! Auto traits, `Debug`, sizes, and the error types' trait impls.
//!
//! Trait checks use a probe that answers `true`/`false` at run time (through
//! method-resolution order on concrete types), so a wrong answer fails one
//! test with a message instead of breaking the build. The compile-time
//! counterparts are `compile_fail` doctests in `tests/src/lib.rs`.
#![cfg(not(loom))]

use std::cell::Cell;
use std::collections::HashSet;
use std::error::Error;
use std::marker::PhantomPinned;
use std::mem::size_of;
use std::rc::Rc;
use std::sync::MutexGuard;

use oneshot::{Receiver, RecvError, RecvTimeoutError, SendError, Sender, TryRecvError};

/// `true` if `$ty` implements `$trait`. Works only on concrete types.
macro_rules! implements {
    ($ty:ty: $trait:path) => {{
        struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
        trait Implemented {
            fn answer(&self) -> bool {
                true
            }
        }
        impl<T: ?Sized + $trait> Implemented for Probe<T> {}
        trait NotImplemented {
            fn answer(&self) -> bool {
                false
            }
        }
        impl<T: ?Sized> NotImplemented for &Probe<T> {}
        // Name both methods, so the one resolution did not pick is not
        // reported as dead code.
        impl Implemented for () {}
        let _ = (
            <() as Implemented>::answer,
            <&Probe<()> as NotImplemented>::answer,
        );
        (&Probe::<$ty>(std::marker::PhantomData)).answer()
    }};
}

/// A payload with no trait impls at all.
struct Opaque;

#[test]
fn the_probe_itself_works() {
    assert!(implements!(u8: Send));
    assert!(!implements!(Rc<u8>: Send));
    assert!(!implements!(Cell<u8>: Sync));
    assert!(!implements!(PhantomPinned: Unpin));
    assert!(!implements!(Opaque: std::fmt::Debug));
}

#[test]
fn sender_is_send_exactly_when_the_message_is() {
    assert!(implements!(Sender<u8>: Send));
    assert!(
        implements!(Sender<Cell<u8>>: Send),
        "T: Send suffices, T: Sync is not needed"
    );
    assert!(!implements!(Sender<Rc<u8>>: Send));
    assert!(!implements!(Sender<*const u8>: Send));
    assert!(
        !implements!(Sender<MutexGuard<'static, u8>>: Send),
        "Sync but not Send"
    );
}

#[test]
fn receiver_is_send_exactly_when_the_message_is() {
    assert!(implements!(Receiver<u8>: Send));
    assert!(implements!(Receiver<Cell<u8>>: Send));
    assert!(!implements!(Receiver<Rc<u8>>: Send));
    assert!(!implements!(Receiver<MutexGuard<'static, u8>>: Send));
}

#[test]
fn sender_is_sync() {
    assert!(implements!(Sender<u8>: Sync));
    assert!(
        implements!(Sender<Cell<u8>>: Sync),
        "&Sender only reads the state"
    );
}

#[test]
fn receiver_is_not_sync() {
    assert!(!implements!(Receiver<u8>: Sync));
    assert!(!implements!(Receiver<Cell<u8>>: Sync));
}

#[test]
fn neither_end_is_clone_or_copy() {
    assert!(!implements!(Sender<u8>: Clone));
    assert!(!implements!(Receiver<u8>: Clone));
    assert!(!implements!(Sender<u8>: Copy));
    assert!(!implements!(Receiver<u8>: Copy));
}

#[test]
fn sender_is_unpin_for_every_message() {
    assert!(implements!(Sender<u8>: Unpin));
    assert!(implements!(Sender<PhantomPinned>: Unpin));
}

#[test]
fn receiver_is_unpin_for_every_message() {
    // The message is never pinned inside the channel, so nothing stops the
    // receiver future from being `Unpin` whatever `T` is; without it,
    // `(&mut receiver).await` and `select!` on `&mut receiver` do not compile
    // for `!Unpin` messages.
    assert!(implements!(Receiver<u8>: Unpin));
    assert!(
        implements!(Receiver<PhantomPinned>: Unpin),
        "Receiver<T> is Unpin only when T: Unpin"
    );
}

#[test]
fn receiver_is_a_future_for_every_message() {
    assert!(implements!(Receiver<Opaque>: std::future::Future));
    assert!(implements!(Receiver<Rc<u8>>: std::future::Future));
}

#[test]
fn futures_are_send_when_the_message_is() {
    fn is_send<T: Send>(_: &T) {}
    let (mut sender, receiver) = oneshot::channel::<u8>();
    is_send(&receiver);
    is_send(&sender.closed());
    assert!(implements!(Receiver<u8>: std::future::Future));
    drop(receiver);
}

/// `true` if the type of `$value` implements `$trait`: [`implements!`] for
/// a value whose type cannot be named (an `impl Trait` return type).
macro_rules! value_implements {
    ($value:expr, $trait:path) => {{
        struct Probe<T: ?Sized>(std::marker::PhantomData<T>);
        trait Implemented {
            fn answer(&self) -> bool {
                true
            }
        }
        impl<T: ?Sized + $trait> Implemented for Probe<T> {}
        trait NotImplemented {
            fn answer(&self) -> bool {
                false
            }
        }
        impl<T: ?Sized> NotImplemented for &Probe<T> {}
        impl Implemented for () {}
        let _ = (
            <() as Implemented>::answer,
            <&Probe<()> as NotImplemented>::answer,
        );
        fn probe<T: ?Sized>(_: &T) -> Probe<T> {
            Probe(std::marker::PhantomData)
        }
        (&probe(&$value)).answer()
    }};
}

/// The promise on `Sender::closed`: its future is `Unpin` and `Sync` for
/// every message and `Send` exactly when the message is. The positive half
/// is checked at compile time (this test does not build otherwise); the
/// negative half by the probe here and a `compile_fail` doctest on `closed`.
#[test]
fn closed_future_is_unpin_and_sync_and_send_when_the_message_is() {
    fn unpin_and_sync<F: std::future::Future<Output = ()> + Unpin + Sync>(_: &F) {}
    fn send<F: Send>(_: &F) {}

    let (mut sender, _receiver) = oneshot::channel::<u8>();
    let closed = sender.closed();
    unpin_and_sync(&closed);
    send(&closed);
    drop(closed);

    // `Send` but not `Sync`: the future is still both.
    let (mut sender, _receiver) = oneshot::channel::<Cell<u8>>();
    let closed = sender.closed();
    unpin_and_sync(&closed);
    send(&closed);
    drop(closed);

    // Pinned-only and not `Send`: still `Unpin` and `Sync`, not `Send`.
    let (mut sender, _receiver) = oneshot::channel::<(Rc<u8>, PhantomPinned)>();
    let closed = sender.closed();
    unpin_and_sync(&closed);
    assert!(!value_implements!(closed, Send), "Send without T: Send");
    assert!(value_implements!(closed, Sync));
    assert!(value_implements!(closed, Unpin));
}

/// With the `futures` feature (which this crate enables), the receiver is a
/// `FusedFuture` whose `is_terminated` follows the final result.
#[test]
fn receiver_is_a_fused_future() {
    use futures::future::FusedFuture;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    assert!(implements!(Receiver<Opaque>: FusedFuture));
    let waker = oneshot_tests::noop_waker();
    let mut cx = Context::from_waker(&waker);

    let (sender, mut receiver) = oneshot::channel::<u8>();
    assert!(Pin::new(&mut receiver).poll(&mut cx).is_pending());
    assert!(!FusedFuture::is_terminated(&receiver));
    sender.send(4).unwrap();
    assert!(!FusedFuture::is_terminated(&receiver), "not received yet");
    assert_eq!(Pin::new(&mut receiver).poll(&mut cx), Poll::Ready(Ok(4)));
    assert!(FusedFuture::is_terminated(&receiver));

    let (sender, mut receiver) = oneshot::channel::<u8>();
    drop(sender);
    assert_eq!(
        Pin::new(&mut receiver).poll(&mut cx),
        Poll::Ready(Err(RecvError))
    );
    assert!(FusedFuture::is_terminated(&receiver));
}

#[test]
fn debug_does_not_need_the_message_to_be_debug() {
    let (sender, receiver) = oneshot::channel::<Opaque>();
    let sender_text = format!("{sender:?}");
    let receiver_text = format!("{receiver:?}");
    assert!(sender_text.starts_with("Sender"), "{sender_text}");
    assert!(receiver_text.starts_with("Receiver"), "{receiver_text}");
    drop(receiver);
    let error = sender.send(Opaque).unwrap_err();
    let error_text = format!("{error:?}");
    assert!(error_text.starts_with("SendError"), "{error_text}");
}

#[test]
fn a_request_holding_a_sender_can_derive_debug() {
    #[derive(Debug)]
    struct Request {
        #[expect(dead_code, reason = "only the derive is under test")]
        reply: Sender<Opaque>,
    }
    let (reply, _receiver) = oneshot::channel();
    let text = format!("{:?}", Request { reply });
    assert!(text.contains("Sender"), "{text}");
}

#[test]
fn handles_and_their_options_are_one_pointer() {
    macro_rules! pointer_sized {
        ($($t:ty),*) => {$(
            assert_eq!(size_of::<Sender<$t>>(), size_of::<usize>(), "Sender<{}>", stringify!($t));
            assert_eq!(size_of::<Receiver<$t>>(), size_of::<usize>(), "Receiver<{}>", stringify!($t));
            assert_eq!(size_of::<Option<Sender<$t>>>(), size_of::<usize>(), "Option<Sender<{}>>", stringify!($t));
            assert_eq!(size_of::<Option<Receiver<$t>>>(), size_of::<usize>(), "Option<Receiver<{}>>", stringify!($t));
        )*};
    }
    pointer_sized!((), u8, u64, String, [u8; 8192], Opaque, Rc<u8>);
}

#[test]
fn error_types_implement_the_std_traits() {
    fn is_error<E: Error + Send + Sync + 'static>() {}
    is_error::<RecvError>();
    is_error::<TryRecvError>();
    is_error::<RecvTimeoutError>();
    is_error::<SendError<u8>>();
    // `SendError` is an error whatever it carries.
    assert!(implements!(SendError<Opaque>: Error));

    assert!(implements!(RecvError: Copy));
    assert!(implements!(TryRecvError: Copy));
    assert!(implements!(RecvTimeoutError: Copy));
    assert!(implements!(RecvError: std::hash::Hash));
    assert!(implements!(SendError<u8>: Copy));
    assert!(implements!(SendError<u8>: Eq));
    assert!(implements!(SendError<String>: Clone));
    assert!(
        !implements!(SendError<String>: Copy),
        "Copy only where the payload is"
    );
    assert!(!implements!(SendError<Opaque>: Clone));
    assert!(
        !implements!(SendError<Rc<u8>>: Send),
        "Send only where the payload is"
    );
}

#[test]
fn error_values_compare_and_hash() {
    let set: HashSet<_> = [
        RecvTimeoutError::Timeout,
        RecvTimeoutError::Disconnected,
        RecvTimeoutError::Timeout,
    ]
    .into_iter()
    .collect();
    assert_eq!(set.len(), 2);
    assert_ne!(TryRecvError::Empty, TryRecvError::Disconnected);
    assert_eq!(RecvError, RecvError.clone());

    let (sender, receiver) = oneshot::channel();
    drop(receiver);
    let error = sender.send(5_u8).unwrap_err();
    let copy = error;
    assert_eq!(error, copy);
    assert_eq!(*error.as_inner(), 5);
}

#[test]
fn display_messages_are_meaningful() {
    let (sender, receiver) = oneshot::channel::<u8>();
    drop(receiver);
    let texts = [
        RecvError.to_string(),
        TryRecvError::Empty.to_string(),
        TryRecvError::Disconnected.to_string(),
        RecvTimeoutError::Timeout.to_string(),
        RecvTimeoutError::Disconnected.to_string(),
        sender.send(1).unwrap_err().to_string(),
    ];
    for text in &texts {
        // The std API guidelines: lowercase, no trailing punctuation.
        assert!(!text.is_empty());
        assert!(!text.ends_with('.'), "{text:?}");
        assert!(text.chars().next().unwrap().is_lowercase(), "{text:?}");
    }
    assert_ne!(
        texts[1], texts[2],
        "Empty and Disconnected must read differently"
    );
    assert_ne!(
        texts[3], texts[4],
        "Timeout and Disconnected must read differently"
    );
    assert!(texts[3].contains("time"), "{:?}", texts[3]);
}

#[test]
fn errors_have_no_source() {
    assert!(RecvError.source().is_none());
    assert!(TryRecvError::Empty.source().is_none());
    assert!(RecvTimeoutError::Timeout.source().is_none());
}

#[test]
fn recv_error_converts_to_the_other_errors() {
    assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
    assert_eq!(
        RecvTimeoutError::from(RecvError),
        RecvTimeoutError::Disconnected
    );

    fn with_question_mark(receiver: Receiver<u8>) -> Result<u8, RecvTimeoutError> {
        Ok(receiver.recv()?)
    }
    let (sender, receiver) = oneshot::channel();
    drop(sender);
    assert_eq!(
        with_question_mark(receiver),
        Err(RecvTimeoutError::Disconnected)
    );
}

#[test]
fn errors_box_into_dyn_error() {
    fn boxed(receiver: Receiver<u8>) -> Result<u8, Box<dyn Error + Send + Sync>> {
        let value = receiver.try_recv()?;
        Ok(value)
    }
    let (sender, receiver) = oneshot::channel();
    drop(sender);
    let error = boxed(receiver).unwrap_err();
    assert_eq!(
        error.downcast_ref::<TryRecvError>(),
        Some(&TryRecvError::Disconnected)
    );

    fn send_boxed(sender: Sender<String>) -> Result<(), Box<dyn Error>> {
        sender.send(String::from("x"))?;
        Ok(())
    }
    let (sender, receiver) = oneshot::channel();
    drop(receiver);
    let error = send_boxed(sender).unwrap_err();
    let send_error = error.downcast::<SendError<String>>().unwrap();
    assert_eq!(send_error.into_inner(), "x");
}
