//! The named futures returned by the async methods, each with its cancel-safety
//! note.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::future::FusedFuture;

use crate::chan::{polled_after_end, Ack, AckState, Chan, Key, SendState};
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
    pub(crate) chan: &'a Chan<T>,
    /// Where the send stands.
    pub(crate) state: SendState<T>,
}

// The value is never pinned: it moves into the channel by value.
impl<T> Unpin for SendFuture<'_, T> {}

/// Polls a send through the engine (which refuses a poll after `cancel`).
#[inline]
fn poll_send<T>(
    chan: &Chan<T>,
    state: &mut SendState<T>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>> {
    chan.poll_send(state, cx).map_err(|()| {
        // The engine left the refused item in the state.
        match std::mem::replace(state, SendState::Done) {
            SendState::Idle(item) => SendError(item.value),
            _ => unreachable!("a refused send leaves its item in the state"),
        }
    })
}

/// Withdraws a send for `cancel`: the value if it has not entered the channel.
fn cancel_send<T>(chan: &Chan<T>, state: &mut SendState<T>) -> Option<T> {
    chan.cancel_send(state).map(|item| item.value)
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
        cancel_send(self.chan, &mut self.state)
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_send(this.chan, &mut this.state, cx)
    }
}

/// Terminated once it returned its result or was cancelled.
impl<T> FusedFuture for SendFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, SendState::Done | SendState::Cancelled)
    }
}

impl<T> Drop for SendFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let SendState::Waiting(_) = self.state {
            drop(self.chan.cancel_send(&mut self.state));
        }
    }
}

/// A name for where a send stands, for `Debug`.
fn state_name<T>(state: &SendState<T>) -> &'static str {
    match state {
        SendState::Idle(_) => "idle",
        SendState::Waiting(_) => "waiting",
        SendState::Done => "done",
        SendState::Cancelled => "cancelled",
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("state", &state_name(&self.state))
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
    pub(crate) sender: Sender<T>,
    /// Where the send stands.
    pub(crate) state: SendState<T>,
}

// The value is never pinned: it moves into the channel by value.
impl<T> Unpin for SendOwnedFuture<T> {}

impl<T> SendOwnedFuture<T> {
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
        cancel_send(&self.sender.chan, &mut self.state)
    }
}

impl<T> Future for SendOwnedFuture<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        poll_send(&this.sender.chan, &mut this.state, cx)
    }
}

/// Terminated once it returned its result or was cancelled.
impl<T> FusedFuture for SendOwnedFuture<T> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, SendState::Done | SendState::Cancelled)
    }
}

impl<T> Drop for SendOwnedFuture<T> {
    fn drop(&mut self) {
        // The send is withdrawn before the sender's drop can close the channel.
        if let SendState::Waiting(_) = self.state {
            drop(self.sender.chan.cancel_send(&mut self.state));
        }
    }
}

impl<T> fmt::Debug for SendOwnedFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendOwnedFuture")
            .field("state", &state_name(&self.state))
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
    pub(crate) chan: &'a Chan<T>,
    /// Our entry in the receive queue, while waiting.
    pub(crate) key: Option<Key>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.chan.poll_recv_value(&mut this.key, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_recv(key);
        }
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("waiting", &self.key.is_some())
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
    pub(crate) first: RecvFuture<'a, T>,
    /// Where the values go.
    pub(crate) buf: &'b mut Vec<T>,
    /// At most this many values.
    pub(crate) limit: usize,
}

impl<T> Future for RecvManyFuture<'_, '_, T> {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = &mut *self;
        if this.limit == 0 {
            return Poll::Ready(0);
        }
        this.first
            .chan
            .poll_recv_many(&mut this.first.key, cx, this.buf, this.limit)
    }
}

impl<T> fmt::Debug for RecvManyFuture<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvManyFuture")
            .field("waiting", &self.first.key.is_some())
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
    pub(crate) send: SendFuture<'a, T>,
    /// Whether the value entered the channel.
    pub(crate) entered: bool,
    /// Settled once a receiver takes the value, or once none ever will.
    pub(crate) ack: Arc<Ack>,
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
        let value = if self.entered {
            None
        } else {
            self.send.cancel()
        };
        self.send.state = SendState::Cancelled;
        value
    }
}

impl<T> Future for DeliverFuture<'_, T> {
    type Output = Result<(), DeliverError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let SendState::Cancelled = this.send.state {
            polled_after_end(&this.send.state);
        }
        if !this.entered {
            if let Err(SendError(value)) = ready!(Pin::new(&mut this.send).poll(cx)) {
                return Poll::Ready(Err(DeliverError::Closed(value)));
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
    pub(crate) chan: &'a Chan<T>,
    /// Our entry in the send queue, while waiting.
    pub(crate) key: Option<Key>,
}

impl<'a, T> Future for ReserveFuture<'a, T> {
    type Output = Result<Permit<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let chan = this.chan;
        Poll::Ready(match ready!(chan.poll_reserve(&mut this.key, cx)) {
            Ok(()) => Ok(Permit::new(chan)),
            Err(()) => Err(SendError(())),
        })
    }
}

impl<T> Drop for ReserveFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_reserve(key);
        }
    }
}

impl<T> fmt::Debug for ReserveFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveFuture")
            .field("waiting", &self.key.is_some())
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
    pub(crate) sender: Option<Sender<T>>,
    /// Our entry in the send queue, while waiting.
    pub(crate) key: Option<Key>,
}

impl<T> Future for ReserveOwnedFuture<T> {
    type Output = Result<OwnedPermit<T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let sender = this
            .sender
            .as_ref()
            .expect("gochan: reserve_owned future polled after completion");
        let res = ready!(sender.chan.poll_reserve(&mut this.key, cx));
        let sender = this.sender.take().expect("checked above");
        Poll::Ready(match res {
            Ok(()) => Ok(OwnedPermit::new(sender)),
            // Closed for good: the sender could only fail again.
            Err(()) => Err(SendError(())),
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
        if let (Some(key), Some(sender)) = (self.key.take(), &self.sender) {
            sender.chan.cancel_reserve(key);
        }
    }
}

impl<T> fmt::Debug for ReserveOwnedFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReserveOwnedFuture")
            .field("waiting", &self.key.is_some())
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
    pub(crate) chan: &'a Chan<T>,
    /// How many slots to reserve.
    pub(crate) n: usize,
    /// Where the reservation stands.
    pub(crate) state: ManyState,
}

/// Where a [`ReserveManyFuture`] stands.
#[derive(Debug)]
pub(crate) enum ManyState {
    /// Not yet polled.
    Idle,
    /// Holding `granted` slots; `keys[done..]` still wait in the send line
    /// (one entry per missing slot, in line order).
    Waiting {
        /// The entries, one per slot not granted at once.
        keys: Vec<Key>,
        /// Entries already looked at and freed.
        done: usize,
        /// Slots this future holds.
        granted: usize,
    },
    /// Returned its result.
    Done,
}

impl<'a, T> Future for ReserveManyFuture<'a, T> {
    type Output = Result<PermitIterator<'a, T>, SendError<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let chan = this.chan;
        if let ManyState::Idle = this.state {
            let coop = ready!(tokio::task::coop::poll_proceed(cx));
            let mut keys = Vec::new();
            let Ok(granted) = chan.start_reserve_many(this.n, &mut keys, cx.waker()) else {
                this.state = ManyState::Done;
                crate::coop::made_progress(coop);
                return Poll::Ready(Err(SendError(())));
            };
            if keys.is_empty() {
                this.state = ManyState::Done;
                crate::coop::made_progress(coop);
                return Poll::Ready(Ok(PermitIterator::new(chan, granted)));
            }
            this.state = ManyState::Waiting {
                keys,
                done: 0,
                granted,
            };
            return Poll::Pending;
        }
        let ManyState::Waiting {
            keys,
            done,
            granted,
        } = &mut this.state
        else {
            panic!("gochan: reserve_many future polled after completion");
        };
        let res = ready!(chan.poll_reserve_many(keys, done, granted, cx));
        let granted = *granted;
        this.state = ManyState::Done;
        Poll::Ready(match res {
            Ok(()) => Ok(PermitIterator::new(chan, granted)),
            // The engine gave the slots held back.
            Err(()) => Err(SendError(())),
        })
    }
}

/// Terminated once it returned its result.
impl<T> FusedFuture for ReserveManyFuture<'_, T> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, ManyState::Done)
    }
}

impl<T> Drop for ReserveManyFuture<'_, T> {
    fn drop(&mut self) {
        if let ManyState::Waiting {
            keys,
            done,
            granted,
        } = &self.state
        {
            self.chan.cancel_reserve_many(&keys[*done..], *granted);
        }
    }
}

impl<T> fmt::Debug for ReserveManyFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (waiting, granted) = match &self.state {
            ManyState::Waiting {
                keys,
                done,
                granted,
            } => (keys.len() - done, *granted),
            _ => (0, 0),
        };
        f.debug_struct("ReserveManyFuture")
            .field("n", &self.n)
            .field("granted", &granted)
            .field("waiting", &waiting)
            .finish()
    }
}
