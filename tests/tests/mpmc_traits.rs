//! `mpmc`: trait facts, checked at compile time (a failing fact fails the
//! build of this test binary): `Send`/`Sync`/`Clone`/`Debug` of the handles
//! and futures, `!Unpin` of `SendFuture`, the error types' derives, the
//! futures traits, and the handles' size (one pointer).

#![cfg(not(loom))]

use std::cell::Cell;
use std::fmt::Debug;
use std::future::Future;

use futures::stream::FusedStream;
use futures::{Sink, Stream};
use mpmc::{
    Closed, Receiver, RecvError, RecvFuture, RecvTimeoutError, SendError, SendFuture,
    SendTimeoutError, Sender, TryRecvError, TrySendError,
};

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}
fn is_clone<T: Clone>() {}
fn is_copy<T: Copy>() {}
fn is_eq<T: Eq>() {}
fn is_debug<T: Debug>() {}
fn is_error<T: std::error::Error>() {}
fn is_static<T: 'static>() {}

/// A payload that is `Send` but neither `Sync` nor `Debug` nor `Clone`.
struct NotSyncNotDebug(Cell<u8>);

/// Compiles only for types that are *not* `Unpin`: for an `Unpin` type both
/// impls apply and the call is ambiguous.
trait AmbiguousIfUnpin<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

#[test]
fn handles_are_send_sync_clone_and_debug_without_the_payload_being_so() {
    is_send::<Sender<NotSyncNotDebug>>();
    is_sync::<Sender<NotSyncNotDebug>>();
    is_send::<Receiver<NotSyncNotDebug>>();
    is_sync::<Receiver<NotSyncNotDebug>>();
    is_clone::<Sender<NotSyncNotDebug>>();
    is_clone::<Receiver<NotSyncNotDebug>>();
    is_debug::<Sender<NotSyncNotDebug>>();
    is_debug::<Receiver<NotSyncNotDebug>>();
    let (tx, rx) = mpmc::bounded::<NotSyncNotDebug>(1);
    assert!(!format!("{tx:?}").is_empty());
    assert!(!format!("{rx:?}").is_empty());
    let tx_elsewhere = tx.clone();
    std::thread::spawn(move || tx_elsewhere.send(NotSyncNotDebug(Cell::new(3))).is_ok())
        .join()
        .unwrap();
    assert_eq!(rx.recv().map(|m| m.0.get()).ok(), Some(3));
}

#[test]
fn futures_are_send_with_the_right_outputs_and_send_future_is_not_unpin() {
    is_send::<SendFuture<'static, NotSyncNotDebug>>();
    is_send::<RecvFuture<'static, NotSyncNotDebug>>();
    is_send::<Closed<'static, NotSyncNotDebug>>();
    is_static::<SendFuture<'static, u8>>();
    is_debug::<SendFuture<'static, NotSyncNotDebug>>();
    is_debug::<RecvFuture<'static, NotSyncNotDebug>>();
    fn output<F: Future<Output = O>, O>(_: &F) {}
    let (tx, rx) = mpmc::bounded::<u8>(1);
    output::<_, Result<(), SendError<u8>>>(&tx.send_async(1));
    output::<_, Result<u8, RecvError>>(&rx.recv_async());
    output::<_, ()>(&tx.closed());
    let owned_send: SendFuture<'static, u8> = tx.clone().into_send_async(2);
    let owned_recv: RecvFuture<'static, u8> = rx.clone().into_recv_async();
    drop((owned_send, owned_recv));
    // The waiter's node lives in the future, so it must stay pinned.
    <SendFuture<'static, u8> as AmbiguousIfUnpin<_>>::check();
}

#[test]
fn stream_and_sink_traits() {
    fn is_stream<S: Stream<Item = T> + FusedStream, T>(_: &S) {}
    fn is_sink<S: Sink<T>, T>(_: &S) {}
    let (tx, rx) = mpmc::unbounded::<u8>();
    is_stream(&rx.stream());
    is_sink(&tx.sink());
    let stream = rx.clone().into_stream();
    let sink = tx.clone().into_sink();
    is_stream(&stream);
    is_sink(&sink);
    fn is_send_val<T: Send>(_: &T) {}
    is_send_val(&stream);
    is_send_val(&sink);
}

#[test]
fn error_types_derive_what_the_payload_allows() {
    is_error::<SendError<NotSyncNotDebug>>();
    is_error::<TrySendError<NotSyncNotDebug>>();
    is_error::<SendTimeoutError<NotSyncNotDebug>>();
    is_error::<RecvError>();
    is_error::<TryRecvError>();
    is_error::<RecvTimeoutError>();
    is_debug::<SendError<NotSyncNotDebug>>();
    is_debug::<TrySendError<NotSyncNotDebug>>();
    is_debug::<SendTimeoutError<NotSyncNotDebug>>();
    is_copy::<SendError<u8>>();
    is_copy::<TrySendError<u8>>();
    is_copy::<SendTimeoutError<u8>>();
    is_eq::<SendError<u8>>();
    is_eq::<TrySendError<u8>>();
    is_eq::<SendTimeoutError<u8>>();
    is_clone::<SendError<String>>();
    is_clone::<TrySendError<String>>();
    is_clone::<SendTimeoutError<String>>();
    is_copy::<RecvError>();
    is_copy::<TryRecvError>();
    is_copy::<RecvTimeoutError>();
    is_eq::<RecvError>();
    is_eq::<TryRecvError>();
    is_eq::<RecvTimeoutError>();
    is_send::<SendError<NotSyncNotDebug>>();
    is_sync::<RecvError>();
    let a = TryRecvError::Empty;
    let b = a;
    assert_eq!(a, b);
    assert_ne!(TryRecvError::Empty, TryRecvError::Disconnected);
    assert_ne!(SendError(1_u8), SendError(2));
}

#[test]
fn handles_are_one_pointer() {
    use std::mem::size_of;
    let pointer = size_of::<usize>();
    assert_eq!(size_of::<Sender<u64>>(), pointer);
    assert_eq!(size_of::<Receiver<u64>>(), pointer);
    assert_eq!(size_of::<Option<Sender<u64>>>(), pointer);
    assert_eq!(size_of::<Option<Receiver<u64>>>(), pointer);
    assert_eq!(size_of::<Sender<[u8; 8192]>>(), pointer);
}
