//! The named futures returned by the async methods, each with its cancel-safety
//! note.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::chan::{Ack, AckState, Chan, Item, Key, SendState, State, Status, TryRecv, Wake};
use crate::error::{DeliverError, RecvError, SendError};

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

impl<T> SendFuture<'_, T> {
    /// Withdraws the send and returns the value if it has not entered the
    /// channel yet; `None` if it was sent (or already returned). After `cancel`
    /// the future must not be polled again.
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
        self.chan
            .cancel_send(&mut self.state)
            .map(|item| item.value)
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.chan
            .poll_send(&mut this.state, cx)
            .map_err(|item| SendError(item.value))
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

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            SendState::Idle(_) => "idle",
            SendState::Waiting(_) => "waiting",
            SendState::Done => "done",
        };
        f.debug_struct("SendFuture").field("state", &state).finish()
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
        let start = this.buf.len();
        let buf = &mut *this.buf;
        let mut acks = Vec::new();
        // Wait for one value like `recv`, then take the rest in the same
        // critical section, straight into the caller's buffer.
        let Some(first) = ready!(this.first.chan.poll_recv(
            &mut this.first.key,
            cx,
            Some(&mut |s, wake| take_into(s, buf, this.limit - 1, &mut acks, wake)),
        )) else {
            return Poll::Ready(0);
        };
        // The first value came before the rest: put it in front of them.
        this.buf.push(first.into_received());
        this.buf[start..].rotate_right(1);
        for ack in acks {
            ack.set(AckState::Delivered);
        }
        Poll::Ready(this.buf.len() - start)
    }
}

/// Moves a received item's value into `buf`, keeping its acknowledgement to
/// signal after the lock.
fn push_item<T>(buf: &mut Vec<T>, item: Item<T>, acks: &mut Vec<Arc<Ack>>) {
    if let Some(ack) = item.ack {
        acks.push(ack);
    }
    buf.push(item.value);
}

/// Takes up to `n` values without waiting.
fn take_into<T>(
    s: &mut State<T>,
    buf: &mut Vec<T>,
    n: usize,
    acks: &mut Vec<Arc<Ack>>,
    wake: &mut Wake,
) {
    for _ in 0..n {
        match s.try_recv(None, wake) {
            TryRecv::Got(item) => push_item(buf, item, acks),
            _ => break,
        }
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
/// acknowledgement; the value stays for a receiver.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct DeliverFuture<'a, T> {
    /// The send, until the value is in the channel (its value carries `ack`).
    pub(crate) send: SendFuture<'a, T>,
    /// Whether the value entered the channel.
    pub(crate) entered: bool,
    /// Settled once a receiver takes the value, or once none ever will.
    pub(crate) ack: Arc<Ack>,
}

impl<T> Future for DeliverFuture<'_, T> {
    type Output = Result<(), DeliverError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
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
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        let this = &mut *self;
        let chan = this.chan;
        let granted = chan.with(|s, wake| match this.key {
            None => match s.try_reserve() {
                Err(()) => Some(false),
                Ok(true) => Some(true),
                Ok(false) => {
                    this.key = Some(s.push_sender(None, Some(cx.waker().clone()), None));
                    None
                }
            },
            Some(key) => {
                let status = s.poll_entry(key, Some(cx.waker()), wake)?;
                this.key = None;
                Some(matches!(status, Status::Sent))
            }
        });
        let Some(granted) = granted else {
            return Poll::Pending;
        };
        coop.made_progress();
        Poll::Ready(if granted {
            Ok(Permit { chan, used: false })
        } else {
            Err(SendError(()))
        })
    }
}

impl<T> Drop for ReserveFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.with(|s, wake| {
                if let Status::Sent = s.take_entry(key, wake) {
                    s.release_reserved(wake);
                }
            });
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

/// Room for one value, reserved by [`Sender::reserve`](crate::Sender::reserve):
/// [`send`](Permit::send) never waits and never fails. Dropping the permit
/// unused gives the room back to the next waiting sender.
///
/// On a rendezvous channel a permit is granted while a receiver waits, and
/// `send` hands the value to the longest-waiting receiver; if that receiver
/// went away (or another sender served it) in the meantime, the value stays in
/// the channel for the next receiver. A `reserve` still waiting on a
/// rendezvous channel does not hold back a receiver from taking the value of
/// a sender queued after it: only a receiver that starts waiting grants it.
pub struct Permit<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Whether `send` used the room.
    used: bool,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved room. It never waits, and on an open
    /// channel, or one closed gracefully (`close`, the last sender dropped)
    /// after the room was reserved, it always succeeds: the channel drains
    /// the value to its receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value when no receiver can ever take it: every
    /// receiver is gone, or `close_now` revoked the permit (an immediate close
    /// takes the reserved room back, so that waiting receivers see `Closed` at
    /// once and nothing arrives after it).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(tx.try_send(0).unwrap_err().is_full()); // the room is promised
    /// permit.send(1).unwrap();
    /// assert_eq!(rx.recv().await, Ok(1));
    ///
    /// let permit = tx.reserve().await.unwrap();
    /// assert!(rx.close_now().is_empty()); // revokes the permit
    /// assert_eq!(permit.send(2).unwrap_err().into_inner(), 2);
    /// # }
    /// ```
    pub fn send(mut self, value: T) -> Result<(), SendError<T>> {
        self.used = true;
        self.chan
            .with(|s, wake| s.send_reserved(Item::new(value), wake))
            .map_err(|item| SendError(item.value))
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        if !self.used {
            self.chan.with(|s, wake| s.release_reserved(wake));
        }
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}
