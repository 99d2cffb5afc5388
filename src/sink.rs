//! `SendSink`: a `Sender` as a `futures_sink::Sink`.

use std::fmt;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_sink::Sink;

use crate::chan::{Chan, Item, ReserveWait, Reserved};
use crate::error::{SendError, TrySendError};
use crate::Sender;

/// A [`Sink`] that sends into a channel, made by [`Sender::sink`] (borrowing
/// the sender) or [`Sender::into_sink`] (owning it: `SendSink<'static, T>`),
/// so that `stream.forward(tx.into_sink())` and `SinkExt::send_all` work. It
/// is tokio-util's `PollSender` and flume's `SendSink` for gochan.
///
/// * `poll_ready` reserves room for one value (a [`Permit`](crate::Permit)
///   held inside the sink), waiting in the same first-come, first-served
///   line as `send`. It is also ready, without room, once the channel is
///   closed: then `start_send` hands the value back in its error, so the
///   item a `forward` or `send_all` was holding comes back to the caller
///   instead of being dropped. `poll_ready` never fails.
/// * `start_send` sends into the reserved room: it never waits, and a value
///   it accepts is in the channel (nothing is buffered in the sink). It fails
///   only as [`Permit::send`](crate::Permit::send) does (the channel is
///   closed for good: no receiver is left, or `close_now` revoked the
///   room), or when the channel was already closed, and always with the
///   value inside the [`SendError`].
/// * `poll_flush` is ready at once: a value in the channel is sent.
/// * `poll_close` gives an unused reservation back and closes only what the
///   sink owns: an owned sink drops its `Sender`, which closes the channel if
///   it was the last one (as dropping any `Sender` does, and as
///   tokio-util's `PollSender::close` does); a borrowed sink leaves the
///   channel alone. After `poll_close` the sink refuses values: `poll_ready`
///   is ready and `start_send` hands the value back in `SendError`.
///
/// Dropping the sink gives an unused reservation back.
///
/// # Cancel safety
///
/// The sink's place in the send line belongs to the sink, not to the future
/// that polls it (as with tokio-util's `PollSender`): a `send_all` or
/// `forward` that loses a `tokio::select!` leaves the sink waiting in line,
/// and once room frees it is the sink's, held for its next `poll_ready`,
/// while later senders wait behind it (first come, first served). Nothing
/// was sent and no value is in the sink. A sink kept after such a loss and
/// not polled again should call [`abort_send`](SendSink::abort_send), which
/// gives its place and any room it holds back, as tokio-util's
/// `PollSender::abort_send` does; dropping or closing the sink does the same.
/// The item a dropped `SinkExt::send` future holds before `start_send` is
/// dropped with it.
///
/// # Panics
///
/// `start_send` panics if it is called without a reservation (no
/// `poll_ready` returned `Ready(Ok(()))` since the last `start_send`) while
/// the channel has no room, as the [`Sink`] contract allows.
///
/// # Examples
///
/// ```
/// use futures::{SinkExt, StreamExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(4);
/// let mut sink = tx.sink();
/// sink.send_all(&mut futures::stream::iter([1, 2, 3]).map(Ok)).await.unwrap();
/// drop(sink);
/// let mut got = Vec::new();
/// assert_eq!(rx.recv_many(&mut got, 10).await, 3);
/// assert_eq!(got, [1, 2, 3]);
///
/// // A closed channel hands the value back.
/// tx.close();
/// assert_eq!(tx.sink().send(4).await.unwrap_err().into_inner(), 4);
/// # }
/// ```
pub struct SendSink<'a, T> {
    /// The sender, borrowed or owned; `None` once `poll_close` ran.
    sender: Option<Handle<'a, T>>,
    /// Our entry in the send line while `poll_ready` waits for room.
    wait: ReserveWait,
    /// Whether the sink holds a reserved slot for the next `start_send`.
    reserved: bool,
}

/// The sender a [`SendSink`] sends through.
enum Handle<'a, T> {
    /// [`Sender::sink`].
    Borrowed(&'a Sender<T>),
    /// [`Sender::into_sink`].
    Owned(Sender<T>),
}

impl<T> Handle<'_, T> {
    fn get(&self) -> &Sender<T> {
        match self {
            Handle::Borrowed(s) => s,
            Handle::Owned(s) => s,
        }
    }

    fn chan(&self) -> &Chan<T> {
        &self.get().chan
    }
}

// Nothing in the sink is pinned: the value goes into the channel by value.
impl<T> Unpin for SendSink<'_, T> {}

impl<'a, T> SendSink<'a, T> {
    /// A sink borrowing `sender`.
    pub(crate) fn borrowed(sender: &'a Sender<T>) -> Self {
        Self::new(Handle::Borrowed(sender))
    }

    fn new(handle: Handle<'a, T>) -> Self {
        SendSink {
            sender: Some(handle),
            wait: ReserveWait::default(),
            reserved: false,
        }
    }

    /// The sender this sink sends through, until `poll_close` ran.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// let sink = tx.clone().into_sink();
    /// assert!(sink.sender().unwrap().same_channel(&tx));
    /// # drop(rx);
    /// ```
    pub fn sender(&self) -> Option<&Sender<T>> {
        self.sender.as_ref().map(Handle::get)
    }

    /// Whether the sink holds reserved room for its next value (a
    /// `poll_ready` returned `Ready(Ok(()))` on an open channel and no
    /// `start_send` used it yet).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::SinkExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// let mut sink = tx.sink();
    /// assert!(!sink.has_reservation());
    /// futures::future::poll_fn(|cx| sink.poll_ready_unpin(cx)).await.unwrap();
    /// assert!(sink.has_reservation());
    /// assert!(tx.try_send(1).unwrap_err().is_full()); // the room is the sink's
    /// # drop(rx);
    /// # }
    /// ```
    pub fn has_reservation(&self) -> bool {
        self.reserved
    }

    /// Gives back the place in line the sink waits in and the room it
    /// holds, if any: for a sink kept after the future that polled it was
    /// dropped (a `send_all` that lost a `tokio::select!`), so that the room
    /// goes to the next sender instead of waiting for this sink's next
    /// `poll_ready`. Returns whether there was anything to give back, as
    /// tokio-util's `PollSender::abort_send` does. The sink stays usable.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures::{SinkExt, StreamExt};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send(0).await.unwrap(); // full
    /// let mut sink = tx.sink();
    /// let mut items = futures::stream::iter([1, 2]).map(Ok);
    /// tokio::select! {
    ///     _ = sink.send_all(&mut items) => unreachable!("the channel is full"),
    ///     _ = tokio::time::sleep(Duration::from_millis(10)) => {}
    /// }
    /// assert!(sink.abort_send()); // the sink waited in line: no more
    /// assert_eq!(rx.recv().await, Ok(0)); // frees the room...
    /// assert_eq!(tx.try_send(5), Ok(())); // ...for anyone
    /// assert!(!sink.abort_send());
    /// # }
    /// ```
    pub fn abort_send(&mut self) -> bool {
        let waited = self.wait.is_waiting();
        let held = self.reserved;
        self.unreserve();
        waited || held
    }

    /// Gives back the reservation the sink holds or waits for.
    fn unreserve(&mut self) {
        let Some(handle) = &self.sender else { return };
        handle.chan().cancel_reserve_wait(&mut self.wait);
        if std::mem::take(&mut self.reserved) {
            handle.chan().release_permits(1);
        }
    }
}

impl<T> SendSink<'static, T> {
    /// A sink owning `sender`.
    pub(crate) fn owned(sender: Sender<T>) -> Self {
        Self::new(Handle::Owned(sender))
    }
}

impl<T> Sink<T> for SendSink<'_, T> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let this = self.get_mut();
        if this.reserved {
            return Poll::Ready(Ok(()));
        }
        // A closed sink is ready to refuse the value in `start_send`.
        let Some(handle) = &this.sender else {
            return Poll::Ready(Ok(()));
        };
        // A closed channel, likewise: `start_send` hands the value back.
        this.reserved =
            ready!(handle.chan().poll_reserve(&mut this.wait, 1, cx)) == Reserved::Granted;
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, value: T) -> Result<(), SendError<T>> {
        let this = self.get_mut();
        let Some(handle) = &this.sender else {
            return Err(SendError(value));
        };
        let chan = handle.chan();
        if std::mem::take(&mut this.reserved) {
            return chan
                .send_permit(Item::new(value))
                .map_err(|item| SendError(item.value));
        }
        match handle.get().try_send(value) {
            Ok(()) => Ok(()),
            Err(TrySendError::Closed(value)) => Err(SendError(value)),
            Err(TrySendError::Full(_)) => {
                panic!("gochan: `SendSink::start_send` called without a successful `poll_ready`")
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        // Every value `start_send` accepted is in the channel already.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let this = self.get_mut();
        this.unreserve();
        // An owned sender is dropped here: the channel closes if it was the
        // last one. A borrowed one is just let go.
        this.sender = None;
        Poll::Ready(Ok(()))
    }
}

impl<T> Drop for SendSink<'_, T> {
    fn drop(&mut self) {
        // The room first, so that it goes to a waiting sender before an owned
        // sender's drop can close the channel.
        self.unreserve();
    }
}

impl<T> fmt::Debug for SendSink<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let handle = match &self.sender {
            Some(Handle::Borrowed(_)) => "borrowed",
            Some(Handle::Owned(_)) => "owned",
            None => "closed",
        };
        f.debug_struct("SendSink")
            .field("sender", &handle)
            .field("waiting", &self.wait.is_waiting())
            .field("reserved", &self.reserved)
            .finish()
    }
}
