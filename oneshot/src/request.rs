//! The `Request` trait: a value that carries the sender its reply goes
//! through, so generic code can answer any request type.

use crate::{SendError, Sender};

/// A request that carries its own reply sender, so it is answered at most
/// once, with a value of type [`Reply`](Request::Reply).
///
/// `#[oneshot_reply]` implements it for every struct it is put on, and for
/// an enum whose variants all reply with one type (given as
/// `#[oneshot_reply(T)]` on the enum). It can also be implemented by hand:
/// only the three accessors of the sender are required.
///
/// Generic code takes a `R: Request` to answer requests of any type, to
/// skip those whose requester has given up ([`is_abandoned`](Request::is_abandoned)),
/// or to wait for that with [`Sender::closed`] through
/// [`reply_sender_mut`](Request::reply_sender_mut).
///
/// # Examples
///
/// A helper written once for every request type:
///
/// ```
/// use oneshot::{oneshot_reply, Request};
///
/// /// Runs `work` for the request and sends its result, unless nobody
/// /// waits for it any more. Returns whether the work ran.
/// fn serve<R: Request>(request: R, work: impl FnOnce(&R) -> R::Reply) -> bool {
///     if request.is_abandoned() {
///         return false;
///     }
///     let reply = work(&request);
///     // An `Err` here means the requester left while we worked.
///     let _ = request.reply(reply);
///     true
/// }
///
/// #[oneshot_reply(u64)]
/// struct Square {
///     n: u64,
/// }
///
/// #[oneshot_reply(String)]
/// struct Greet {
///     name: &'static str,
/// }
///
/// let (square, answer) = Square::new(12);
/// assert!(serve(square, |r| r.n * r.n));
/// assert_eq!(answer.recv(), Ok(144));
///
/// let (greet, answer) = Greet::new("Ada");
/// drop(answer); // the requester gives up
/// assert!(!serve(greet, |r| format!("hello, {}", r.name)));
/// ```
///
/// Implemented by hand:
///
/// ```
/// use oneshot::{Request, Sender};
///
/// struct Ping {
///     reply_to: Sender<&'static str>,
/// }
///
/// impl Request for Ping {
///     type Reply = &'static str;
///     fn into_reply_sender(self) -> Sender<Self::Reply> {
///         self.reply_to
///     }
///     fn reply_sender(&self) -> &Sender<Self::Reply> {
///         &self.reply_to
///     }
///     fn reply_sender_mut(&mut self) -> &mut Sender<Self::Reply> {
///         &mut self.reply_to
///     }
/// }
///
/// let (reply_to, answer) = oneshot::channel();
/// Ping { reply_to }.reply("pong").unwrap();
/// assert_eq!(answer.try_recv(), Ok("pong"));
/// ```
pub trait Request: Sized {
    /// The type the request is answered with.
    type Reply;

    /// Takes the reply sender out of the request, dropping the rest of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneshot::{oneshot_reply, Request};
    ///
    /// #[oneshot_reply(u8)]
    /// struct Get;
    ///
    /// let (request, answer) = Get::new();
    /// let sender = request.into_reply_sender();
    /// sender.send(7).unwrap();
    /// assert_eq!(answer.recv(), Ok(7));
    /// ```
    fn into_reply_sender(self) -> Sender<Self::Reply>;

    /// The reply sender, to ask it whether the requester is still there.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneshot::{oneshot_reply, Request};
    ///
    /// #[oneshot_reply(u8)]
    /// struct Get;
    ///
    /// let (request, answer) = Get::new();
    /// assert!(!request.reply_sender().is_closed());
    /// drop(answer);
    /// assert!(request.reply_sender().is_closed());
    /// ```
    fn reply_sender(&self) -> &Sender<Self::Reply>;

    /// The reply sender, mutably: with the `async` feature, a task can await
    /// [`Sender::closed`] on it to stop work nobody waits for any more.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::executor::block_on;
    ///
    /// use oneshot::{oneshot_reply, Request};
    ///
    /// #[oneshot_reply(u8)]
    /// struct Get;
    ///
    /// let (mut request, answer) = Get::new();
    /// drop(answer);
    /// block_on(request.reply_sender_mut().closed()); // returns: nobody waits
    /// ```
    fn reply_sender_mut(&mut self) -> &mut Sender<Self::Reply>;

    /// Answers the request with `value`, consuming it, so a request is
    /// answered at most once.
    ///
    /// `Ok` means the value was handed over, not that it will be read.
    ///
    /// # Errors
    ///
    /// If the requester has dropped its receiver, `value` is handed back in
    /// the [`SendError`].
    ///
    /// # Examples
    ///
    /// ```
    /// use oneshot::{oneshot_reply, Request};
    ///
    /// #[oneshot_reply(&'static str)]
    /// struct Name;
    ///
    /// let (request, answer) = Name::new();
    /// Request::reply(request, "oneshot").unwrap();
    /// assert_eq!(answer.recv(), Ok("oneshot"));
    ///
    /// let (request, answer) = Name::new();
    /// drop(answer);
    /// assert_eq!(Request::reply(request, "lost").unwrap_err().into_inner(), "lost");
    /// ```
    fn reply(self, value: Self::Reply) -> Result<(), SendError<Self::Reply>> {
        self.into_reply_sender().send(value)
    }

    /// Whether the requester has given up: its receiver is gone, so the reply
    /// would be thrown away and the work behind it can be skipped.
    ///
    /// `false` does not promise that the reply will be read: the requester
    /// may leave at any time.
    ///
    /// # Examples
    ///
    /// ```
    /// use oneshot::{oneshot_reply, Request};
    ///
    /// #[oneshot_reply(u8)]
    /// struct Get;
    ///
    /// let (request, answer) = Get::new();
    /// assert!(!Request::is_abandoned(&request));
    /// drop(answer);
    /// assert!(Request::is_abandoned(&request));
    /// ```
    fn is_abandoned(&self) -> bool {
        self.reply_sender().is_closed()
    }
}
