//! The named futures returned by the async methods, each with its cancel-safety
//! note.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::future::FusedFuture;

use crate::chan::{Ack, AckState, Chan, RecvWait, ReserveWait, Reserved, SendOp, SendOutcome};
use crate::error::{DeliverError, RecvError, SendError};
use crate::permit::{OwnedPermit, Permit, PermitIterator};
use crate::Sender;

/// The future returned by [`Sender::send`](crate::Sender::send).
///
/// # Cancel safety
///
/// Dropping it before it completes withdraws the send, but it may already
/// have sent: a waiting send is completed by its counterpart, as in Go (a
/// receiver that frees room moves the longest-waiting sender's value into the
/// buffer; on a rendezvous channel a receiver takes it straight from the
/// waiting sender), and from that moment the value is sent, even if this
/// future is dropped before it is polled again. A value that was not sent is
/// dropped with the future. To know which, and to get an unsent value back,
/// poll the future through `&mut fut` (it is `Unpin`) and call
/// [`cancel`](SendFuture::cancel) once you give up on it; to send nothing
/// unless a `tokio::select!` branch wins, [`reserve`](crate::Sender::reserve)
/// first and send through the permit in the branch:
///
/// ```
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let (tx, _rx) = gochan::bounded(1);
/// tx.send("first").await.unwrap();
///
/// let mut send = tx.send("second"); // the channel is full: this waits
/// tokio::select! {
///     res = &mut send => res.unwrap(),
///     _ = tokio::time::sleep(Duration::from_millis(10)) => {
///         // The timer won: the value comes back instead of being dropped.
///         assert_eq!(send.cancel(), Some("second"));
///     }
/// }
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Where the send stands.
    op: SendOp<T>,
}

// The value is never pinned: it moves into the channel by value.
impl<T> Unpin for SendFuture<'_, T> {}

impl<'a, T> SendFuture<'a, T> {
    /// A send of `value` on `chan`, not offered yet.
    #[inline]
    pub(crate) fn new(chan: &'a Chan<T>, value: T) -> Self {
        SendFuture {
            chan,
            op: SendOp::new(value),
        }
    }
}

/// Polls a send through the engine, handing a refused value back.
#[inline(always)]
fn poll_send<T>(
    chan: &Chan<T>,
    op: &mut SendOp<T>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>> {
    Poll::Ready(match ready!(chan.poll_send(op, cx)) {
        SendOutcome::Sent => Ok(()),
        SendOutcome::Refused => Err(SendError(op.take_refused())),
    })
}

impl<T> SendFuture<'_, T> {
    /// Withdraws the send and returns the value if it has not entered the
    /// channel yet; `None` if it was sent (or already returned). `cancel` is
    /// exact: `Some(v)` means `v` was not sent and never will be.
    ///
    /// # Panics
    ///
    /// Polling the future after `cancel` panics, with a message saying it
    /// was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::rendezvous::<u32>();
    /// let mut send = tx.send(5);
    /// // Nobody is receiving: one poll leaves it waiting.
    /// assert!(futures_poll_once(&mut send).await.is_none());
    /// assert_eq!(send.cancel(), Some(5));
    /// assert!(rx.try_recv().is_err()); // nothing was sent
    /// # }
    /// # async fn futures_poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
    /// #     tokio::select! { biased; v = f => Some(v), _ = std::future::ready(()) => None }
    /// # }
    /// ```
    pub fn cancel(&mut self) -> Option<T> {
        self.chan.cancel_send(&mut self.op)
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_send(this.chan, &mut this.op, cx)
    }
}

/// Terminated once it returned its result or was cancelled.
impl<T> FusedFuture for SendFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.op.is_terminated()
    }
}

impl<T> Drop for SendFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.op.is_waiting() {
            drop(self.chan.cancel_send(&mut self.op));
        }
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("state", &self.op.state_name())
            .finish()
    }
}

/// The future returned by [`Sender::send_owned`](crate::Sender::send_owned):
/// a send that owns its [`Sender`], so it is `'static` when `T` is and can be
/// handed to `tokio::spawn`, stored in a struct or returned from a function.
/// The `Sender` is dropped when the future is (closing the channel if it was
/// the last one).
///
/// # Cancel safety
///
/// As [`SendFuture`]: dropped before it completes, it may already have sent
/// (a counterpart completed the wait); an unsent value is dropped with it.
/// Poll it as `&mut fut` and call [`cancel`](SendOwnedFuture::cancel) to
/// learn which and get an unsent value back.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendOwnedFuture<T> {
    /// The sender this future owns.
    sender: Sender<T>,
    /// Where the send stands.
    op: SendOp<T>,
}

// The value is never pinned: it moves into the channel by value.
impl<T> Unpin for SendOwnedFuture<T> {}

impl<T> SendOwnedFuture<T> {
    /// A send of `value` through `sender`, which the future owns.
    pub(crate) fn new(sender: Sender<T>, value: T) -> Self {
        SendOwnedFuture {
            sender,
            op: SendOp::new(value),
        }
    }

    /// Withdraws the send and returns the value if it has not entered the
    /// channel yet; `None` if it was sent (or already returned). Exact, as
    /// [`SendFuture::cancel`]: `Some(v)` means `v` was not sent and never
    /// will be.
    ///
    /// # Panics
    ///
    /// Polling the future after `cancel` panics, with a message saying it
    /// was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send(1).await.unwrap();
    /// let mut send = tx.clone().send_owned(2); // full: it waits
    /// let res = tokio::time::timeout(Duration::from_millis(10), &mut send).await;
    /// assert!(res.is_err());
    /// assert_eq!(send.cancel(), Some(2));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err()); // 2 was not sent
    /// # }
    /// ```
    pub fn cancel(&mut self) -> Option<T> {
        self.sender.chan.cancel_send(&mut self.op)
    }
}

impl<T> Future for SendOwnedFuture<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_send(&this.sender.chan, &mut this.op, cx)
    }
}

/// Terminated once it returned its result or was cancelled.
impl<T> FusedFuture for SendOwnedFuture<T> {
    fn is_terminated(&self) -> bool {
        self.op.is_terminated()
    }
}

impl<T> Drop for SendOwnedFuture<T> {
    fn drop(&mut self) {
        // The send is withdrawn before the sender's drop can close the channel.
        if self.op.is_waiting() {
            drop(self.sender.chan.cancel_send(&mut self.op));
        }
    }
}

impl<T> fmt::Debug for SendOwnedFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendOwnedFuture")
            .field("state", &self.op.state_name())
            .finish()
    }
}

/// The future returned by [`Receiver::recv`](crate::Receiver::recv).
///
/// # Cancel safety
///
/// Cancel safe. A value is only ever handed to this future while it waits; if
/// it is dropped before returning that value, the value goes to the next
/// waiting receiver or back to the front of the channel. Nothing is lost and
/// the order is kept.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Our entry in the receive line, while waiting.
    wait: RecvWait,
}

impl<'a, T> RecvFuture<'a, T> {
    /// A receive on `chan`, waiting with `wait` (a handle's place it took
    /// over, or none).
    #[inline]
    pub(crate) fn new(chan: &'a Chan<T>, wait: RecvWait) -> Self {
        RecvFuture { chan, wait }
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.chan.poll_recv(&mut this.wait, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.wait.is_waiting() {
            self.chan.cancel_recv_wait(&mut self.wait);
        }
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("waiting", &self.wait.is_waiting())
            .finish()
    }
}

/// The future returned by [`Receiver::recv_many`](crate::Receiver::recv_many).
///
/// # Cancel safety
///
/// Cancel safe, as [`RecvFuture`]: values are moved into the caller's `Vec`
/// only when the future completes.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvManyFuture<'a, 'b, T> {
    /// The wait for the first value.
    first: RecvFuture<'a, T>,
    /// Where the values go.
    buf: &'b mut Vec<T>,
    /// At most this many values.
    limit: usize,
}

impl<'a, 'b, T> RecvManyFuture<'a, 'b, T> {
    /// Up to `limit` values into `buf`, waiting as `first` does.
    pub(crate) fn new(first: RecvFuture<'a, T>, buf: &'b mut Vec<T>, limit: usize) -> Self {
        RecvManyFuture { first, buf, limit }
    }
}

impl<T> Future for RecvManyFuture<'_, '_, T> {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = &mut *self;
        this.first
            .chan
            .poll_recv_many(&mut this.first.wait, cx, this.buf, this.limit)
    }
}

impl<T> fmt::Debug for RecvManyFuture<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvManyFuture")
            .field("waiting", &self.first.wait.is_waiting())
            .field("limit", &self.limit)
            .finish()
    }
}

/// The future returned by [`Sender::deliver`](crate::Sender::deliver).
///
/// # Cancel safety
///
/// As [`SendFuture`] until the value has entered the channel: dropped while
/// it waits for room, the value is dropped with it unless a counterpart
/// already completed the wait (then it entered the channel). Once the value
/// is in the channel, dropping the future only stops waiting for the
/// acknowledgement; the value stays for a receiver. To get an unsent value
/// back, poll it as `&mut fut` and call [`cancel`](DeliverFuture::cancel).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct DeliverFuture<'a, T> {
    /// The send, until the value is in the channel (its value carries `ack`).
    send: SendFuture<'a, T>,
    /// Whether the value entered the channel.
    entered: bool,
    /// Settled once a receiver takes the value, or once none ever will.
    ack: Arc<Ack>,
}

impl<'a, T> DeliverFuture<'a, T> {
    /// An acknowledged send of `value` on `chan`.
    pub(crate) fn new(chan: &'a Chan<T>, value: T) -> Self {
        DeliverFuture {
            send: SendFuture::new(chan, value),
            entered: false,
            ack: Ack::new(),
        }
    }
}

impl<T> DeliverFuture<'_, T> {
    /// Withdraws the delivery and returns the value if it has not entered the
    /// channel yet, as [`SendFuture::cancel`]: `Some(v)` means `v` was not
    /// sent and never will be. `None` means it entered the channel: it stays
    /// there for a receiver, and only the wait for the acknowledgement is
    /// given up.
    ///
    /// # Panics
    ///
    /// Polling the future after `cancel` panics, with a message saying it
    /// was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send("first").await.unwrap();
    /// let mut deliver = tx.deliver("second"); // full: it waits for room
    /// let res = tokio::time::timeout(Duration::from_millis(10), &mut deliver).await;
    /// assert!(res.is_err());
    /// assert_eq!(deliver.cancel(), Some("second")); // never entered
    ///
    /// let mut deliver = tx.deliver("third");
    /// let res = tokio::time::timeout(Duration::from_millis(10), &mut deliver).await;
    /// assert!(res.is_err()); // it waits in line for room
    /// assert_eq!(rx.recv().await, Ok("first")); // room: "third" moves in
    /// assert_eq!(deliver.cancel(), None); // it entered the channel
    /// assert_eq!(rx.recv().await, Ok("third"));
    /// # }
    /// ```
    pub fn cancel(&mut self) -> Option<T> {
        // A value that entered the channel leaves the send done: `cancel`
        // then only marks it cancelled.
        self.send.cancel()
    }
}

impl<T> Future for DeliverFuture<'_, T> {
    type Output = Result<(), DeliverError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.send.op.is_cancelled() {
            this.send.op.polled_after_end();
        }
        if !this.entered {
            let send = &mut this.send;
            if let SendOutcome::Refused =
                ready!(send.chan.poll_deliver(&mut send.op, &this.ack, cx))
            {
                return Poll::Ready(Err(DeliverError::Closed(send.op.take_refused())));
            }
            this.entered = true;
        }
        match ready!(this.ack.poll(cx)) {
            AckState::Delivered => Poll::Ready(Ok(())),
            _ => Poll::Ready(Err(DeliverError::Undelivered)),
        }
    }
}

impl<T> fmt::Debug for DeliverFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliverFuture")
            .field("entered", &self.entered)
            .finish()
    }
}

/// The future returned by [`Sender::reserve`](crate::Sender::reserve).
///
/// # Cancel safety
///
/// Cancel safe: a dropped `reserve` holds no room. If room was granted to it
/// as it was dropped, the room goes to the next waiting sender. It waits in
/// the same first-come, first-served queue as `send`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveFuture<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Our entry in the send line, while waiting.
    wait: ReserveWait,
}

impl<'a, T> ReserveFuture<'a, T> {
    /// A reservation of one slot on `chan`.
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        ReserveFuture {
            chan,
            wait: ReserveWait::default(),
        }
    }
}

impl<'a, T> Future for ReserveFuture<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let chan = this.chan;
        Poll::Ready(match ready!(chan.poll_reserve(&mut this.wait, 1, cx)) {
            Reserved::Granted => Ok(Permit::new(chan)),
            Reserved::Closed | Reserved::TooMany => Err(SendError(())),
        })
    }
}

impl<T> Drop for ReserveFuture<'_, T> {
    fn drop(&mut self) {
        if self.wait.is_waiting() {
            self.chan.cancel_reserve_wait(&mut self.wait);
        }
    }
}

impl<T> fmt::Debug for ReserveFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveFuture")
            .field("waiting", &self.wait.is_waiting())
            .finish()
    }
}

/// The future returned by [`Sender::reserve_owned`](crate::Sender::reserve_owned):
/// a reservation that owns its [`Sender`] and resolves to an [`OwnedPermit`].
///
/// # Cancel safety
///
/// Cancel safe, as [`ReserveFuture`]: a dropped `reserve_owned` holds no
/// room (room granted to it as it was dropped goes to the next waiting
/// sender), and its `Sender` is dropped with it.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveOwnedFuture<T> {
    /// The sender, until it moves into the permit (or is dropped on close).
    sender: Option<Sender<T>>,
    /// Our entry in the send line, while waiting.
    wait: ReserveWait,
}

impl<T> ReserveOwnedFuture<T> {
    /// A reservation of one slot through `sender`, which the future owns.
    pub(crate) fn new(sender: Sender<T>) -> Self {
        ReserveOwnedFuture {
            sender: Some(sender),
            wait: ReserveWait::default(),
        }
    }
}

impl<T> Future for ReserveOwnedFuture<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let sender = this
            .sender
            .as_ref()
            .expect("gochan: reserve_owned future polled after completion");
        let res = ready!(sender.chan.poll_reserve(&mut this.wait, 1, cx));
        let sender = this.sender.take().expect("checked above");
        Poll::Ready(match res {
            Reserved::Granted => Ok(OwnedPermit::new(sender)),
            // Closed for good: the sender could only fail again.
            Reserved::Closed | Reserved::TooMany => Err(SendError(())),
        })
    }
}

/// Terminated once it returned its result.
impl<T> FusedFuture for ReserveOwnedFuture<T> {
    fn is_terminated(&self) -> bool {
        self.sender.is_none()
    }
}

impl<T> Drop for ReserveOwnedFuture<T> {
    fn drop(&mut self) {
        if let Some(sender) = &self.sender {
            if self.wait.is_waiting() {
                sender.chan.cancel_reserve_wait(&mut self.wait);
            }
        }
    }
}

impl<T> fmt::Debug for ReserveOwnedFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveOwnedFuture")
            .field("waiting", &self.wait.is_waiting())
            .finish()
    }
}

/// The future returned by [`Sender::reserve_many`](crate::Sender::reserve_many).
///
/// # Cancel safety
///
/// Cancel safe: a dropped `reserve_many` holds no room. The slots it was
/// already granted, and any granted as it was dropped, go to the next
/// waiting senders; its places in line are given up.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReserveManyFuture<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// How many slots to reserve.
    n: usize,
    /// Our entry in the send line, while waiting (one entry for the batch:
    /// granted slot by slot on a buffered channel, all at once on a
    /// rendezvous one).
    wait: ReserveWait,
    /// Whether it returned its result.
    done: bool,
}

impl<'a, T> ReserveManyFuture<'a, T> {
    /// A reservation of `n` slots on `chan`.
    pub(crate) fn new(chan: &'a Chan<T>, n: usize) -> Self {
        ReserveManyFuture {
            chan,
            n,
            wait: ReserveWait::default(),
            done: false,
        }
    }
}

impl<'a, T> Future for ReserveManyFuture<'a, T> {
    type Output = Result<PermitIterator<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(
            !this.done,
            "gochan: reserve_many future polled after completion"
        );
        let res = ready!(this.chan.poll_reserve(&mut this.wait, this.n, cx));
        this.done = true;
        Poll::Ready(match res {
            Reserved::Granted => Ok(PermitIterator::new(this.chan, this.n)),
            // Nothing is held: the engine gave back what it got.
            Reserved::Closed | Reserved::TooMany => Err(SendError(())),
        })
    }
}

/// Terminated once it returned its result.
impl<T> FusedFuture for ReserveManyFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> Drop for ReserveManyFuture<'_, T> {
    fn drop(&mut self) {
        if self.wait.is_waiting() {
            self.chan.cancel_reserve_wait(&mut self.wait);
        }
    }
}

impl<T> fmt::Debug for ReserveManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveManyFuture")
            .field("n", &self.n)
            .field("waiting", &self.wait.is_waiting())
            .finish()
    }
}
