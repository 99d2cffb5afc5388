//! The receiving half: `Receiver` and its `Stream` impl.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::stream::FusedStream;
use tokio_stream::Stream;

use crate::chan::{Chan, Place, WatchFor};
use crate::error::{RecvError, RecvTimeoutError, TryRecvError};
use crate::future::{RecvFuture, RecvManyFuture};
use crate::Stats;

/// The receiving half of a channel. Clone it for more consumers: each value
/// goes to exactly one receiver.
///
/// `Receiver` is a [`Stream`] that ends when the channel is closed and
/// drained. The channel closes when the last `Receiver` is dropped; what was
/// still buffered is then dropped, since nobody can receive it.
///
/// A receiver polled as a stream (or through [`poll_recv`](Receiver::poll_recv))
/// waits in line exactly like [`recv`](Receiver::recv): first come, first
/// served among all the channel's receivers, and on a rendezvous channel a
/// waiting stream is a receiver a `try_send` can hand its value to. The place
/// in line belongs to the `Receiver` handle, not to the `next()` future: a
/// value handed to it while it waits stays with the handle, even if that
/// `next()` future is dropped, and is the first thing the handle's next
/// `poll_next`, `poll_recv`, `recv`, `try_recv` or `select!` case on it
/// returns. Dropping the handle passes such a value on to the next waiting
/// receiver (or back to the front of the channel), so nothing is lost.
///
/// An idle handle never holds the channel up: a value held by a handle's
/// place is taken over by a receive future (`recv`, `recv_many`,
/// `recv_timeout`) or select case on another handle that would otherwise
/// wait, and when the channel closes held values go to the receivers that
/// wait, the rest back to the front of the buffer in order. So a closed
/// channel finishes once every value is received, even if a handle that was
/// handed one is never polled again. Another handle's stream poll or
/// `try_recv` does not take a held value over, so stream consumers that keep
/// polling take turns.
///
/// # Examples
///
/// ```
/// use tokio_stream::StreamExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = gochan::bounded(4);
/// tokio::spawn(async move {
///     for i in 0..3 {
///         tx.send(i).await.unwrap();
///     }
/// }); // `tx` dropped: the channel closes
/// let mut got = Vec::new();
/// while let Some(v) = rx.next().await {
///     got.push(v);
/// }
/// assert_eq!(got, [0, 1, 2]);
/// # }
/// ```
pub struct Receiver<T> {
    /// The channel; this handle is counted in its receiver count.
    pub(crate) chan: Arc<Chan<T>>,
    /// This handle's place in the receive line, taken by `poll_next` and
    /// `poll_recv`; a `recv` or `try_recv` through `&self` takes it over.
    place: Place,
    /// Set once `poll_next` returned `None`, for [`FusedStream`]: the channel
    /// is then finished, and stays so.
    terminated: bool,
}

impl<T> Receiver<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        Receiver {
            chan,
            place: Place::default(),
            terminated: false,
        }
    }

    /// This handle's place in line, for a select case on it.
    pub(crate) fn place(&self) -> &Place {
        &self.place
    }

    /// Receives a value, waiting for one.
    ///
    /// Waiting receivers are served first come, first served.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is closed and drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped (say it lost a
    /// `tokio::select!`), no value is lost. A value already handed to it goes
    /// to the next waiting receiver or back to the front of the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// tokio::spawn(async move { tx.send("hi").await });
    /// assert_eq!(rx.recv().await, Ok("hi"));
    /// assert_eq!(rx.recv().await, Err(gochan::RecvError)); // tx dropped
    /// # }
    /// ```
    pub fn recv(&self) -> RecvFuture<'_, T> {
        // A place in line the stream left holds, with any value it was
        // handed, moves to this receive.
        RecvFuture::new(&self.chan, self.chan.take_over(&self.place))
    }

    /// Receives a value if one is there right now. On a rendezvous channel it
    /// takes the value of a sender that is waiting right now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is there,
    /// [`TryRecvError::Closed`] once the channel is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::TryRecvError;
    ///
    /// let (tx, rx) = gochan::bounded(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv_place(&self.place)
    }

    /// Receives a value, waiting at most `timeout` (on tokio's clock).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if nothing came in time,
    /// [`RecvTimeoutError::Closed`] once the channel is closed and drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime with the time driver enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::RecvTimeoutError;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// assert_eq!(rx.recv_timeout(Duration::from_secs(1)).await, Err(RecvTimeoutError::Timeout));
    /// # drop(tx);
    /// # }
    /// ```
    pub async fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match tokio::time::timeout(timeout, self.recv()).await {
            Ok(res) => res.map_err(RecvTimeoutError::from),
            Err(_) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Waits for at least one value, then moves up to `limit` values into
    /// `buf`, taking the rest in the same critical section. Returns how many
    /// were added; `0` only once the channel is closed and drained (or if
    /// `limit` is `0`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv`](Receiver::recv): values are moved into `buf`
    /// only when the future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::unbounded();
    /// for i in 0..5 {
    ///     tx.send(i).await.unwrap();
    /// }
    /// let mut buf = Vec::new();
    /// assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
    /// assert_eq!(rx.recv_many(&mut buf, 3).await, 2);
    /// assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// drop(tx);
    /// assert_eq!(rx.recv_many(&mut buf, 3).await, 0);
    /// # }
    /// ```
    pub fn recv_many<'a, 'b>(
        &'a self,
        buf: &'b mut Vec<T>,
        limit: usize,
    ) -> RecvManyFuture<'a, 'b, T> {
        RecvManyFuture::new(self.recv(), buf, limit)
    }

    /// Receives a value from a thread that is not running async code,
    /// blocking it until one comes.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is closed and drained.
    ///
    /// # Panics
    ///
    /// When called where Tokio drives async code on this thread (a runtime's
    /// task, `Runtime::block_on`, `Handle::block_on`, `#[tokio::main]`), which
    /// blocking would stall: use [`recv`](Receiver::recv)`.await` there.
    /// Allowed, as for Tokio's `blocking_recv`: a plain thread,
    /// `tokio::task::spawn_blocking`, the closure of
    /// `tokio::task::block_in_place`, a thread that has only entered a
    /// runtime's handle. Not detected: a `block_on` entered inside a
    /// `spawn_blocking` or `block_in_place` closure after the same task has
    /// already blocked there. Where no scheduler runs on the thread and the
    /// `block_on` is hidden (a `LocalSet`'s task on a multi-thread runtime, a
    /// `block_on` inside `spawn_blocking`, or after `block_in_place` or under
    /// `unconstrained` in a multi-thread `block_on`), Tokio's own "Cannot start
    /// a runtime from within a runtime" panic is printed first (and is the last
    /// word under `panic = "abort"`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::rendezvous();
    /// std::thread::spawn(move || tx.send_blocking(42).unwrap());
    /// assert_eq!(rx.recv_blocking(), Ok(42));
    /// ```
    #[doc(alias = "blocking_recv")]
    #[track_caller]
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        crate::blocking::block_on(
            "Receiver::recv_blocking",
            "Receiver::recv().await",
            self.recv(),
        )
    }

    /// Whether `other` receives from the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&gochan::unbounded::<u8>().1));
    /// # drop(tx);
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Polls for a value: the manual form of [`recv`](Receiver::recv) and of
    /// the [`Stream`] impl, for code that implements `Future` or `Stream` by
    /// hand. `Ready(Some(v))` is a value, `Ready(None)` means the channel is
    /// closed and drained, `Pending` means this handle waits in line and
    /// `cx`'s waker will be woken.
    ///
    /// The place in line belongs to the handle (see [`Receiver`]): a value
    /// handed to it while it waits is kept for the handle's next
    /// `poll_recv`, `poll_next`, `recv` or `try_recv`, and passed on if the
    /// handle is dropped. Like tokio's, each ready poll spends one unit of the
    /// task's cooperative budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, mut rx) = gochan::bounded(1);
    /// tx.send(7).await.unwrap();
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(7));
    /// drop(tx);
    /// assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, None);
    /// # }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv_place(&mut self.place, cx)
    }

    /// Closes the channel for everyone; returns `true` if this call closed
    /// it, `false` if it was already closed. Closing is permanent.
    ///
    /// Waiting senders wake and get their values back in `Err`. Buffered
    /// values stay receivable: receivers see `Closed` only once the
    /// channel is drained.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(4);
    /// tx.send(1).await.unwrap();
    /// assert!(rx.close());
    /// assert!(!rx.close()); // already closed
    /// assert!(tx.send(2).await.is_err());
    /// assert_eq!(rx.recv().await, Ok(1)); // graceful drain
    /// assert!(rx.recv().await.is_err());
    /// # }
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Closes the channel at once and hands back every buffered value, in
    /// order (Python's `Queue.shutdown(immediate=True)`). Waiting senders
    /// get their values back in `Err`; waiting receivers see `Closed`.
    ///
    /// Outstanding [`Permit`](crate::Permit)s are revoked: their room is
    /// taken back so that the channel is finished at once, and their
    /// `send` hands the value back in `Err` instead of sending it after
    /// receivers were told `Closed`. A value already handed to a waiting
    /// receiver (a `recv` woken but not yet polled) is that receiver's.
    /// A waker that panics while `close_now` wakes the waiting tasks does
    /// not make it panic: every task is still woken and the values are
    /// returned, which a re-raised panic would lose.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::unbounded();
    /// tx.send('a').await.unwrap();
    /// tx.send('b').await.unwrap();
    /// assert_eq!(rx.close_now(), vec!['a', 'b']);
    /// assert!(rx.is_finished());
    /// # }
    /// ```
    #[must_use = "the values of an immediate close are handed back: dropping them drops them"]
    pub fn close_now(&self) -> Vec<T> {
        self.chan.close_now()
    }

    /// Waits until the channel is closed. Like every operation it spends
    /// one unit of the task's cooperative budget when it completes, so a
    /// loop over it yields to other tasks.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// let closer = tx.clone();
    /// tokio::spawn(async move { closer.close() });
    /// rx.closed().await;
    /// assert!(rx.is_closed());
    /// # }
    /// ```
    pub async fn closed(&self) {
        self.chan.watch(WatchFor::Closed).await
    }

    /// Waits until the channel is closed **and** drained: nothing will
    /// ever be received from it again. An open channel, even empty, is not
    /// finished. Once finished, a channel stays finished. It spends the
    /// cooperative budget as `closed` does.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(4);
    /// tx.send(1).await.unwrap();
    /// tx.close();
    /// let consumer = tokio::spawn({
    ///     let rx = rx.clone();
    ///     async move { while let Ok(v) = rx.recv().await { assert_eq!(v, 1); } }
    /// });
    /// rx.join().await; // closed and drained
    /// assert!(rx.is_finished());
    /// consumer.await.unwrap();
    /// # }
    /// ```
    pub async fn join(&self) {
        self.chan.watch(WatchFor::Finished).await
    }

    /// Whether the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// assert!(!rx.is_closed());
    /// rx.close();
    /// assert!(rx.is_closed());
    /// # drop(tx);
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether the channel is closed and drained: nothing will ever be
    /// received from it again.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded();
    /// tx.try_send(1).unwrap();
    /// tx.close();
    /// assert!(!rx.is_finished()); // 1 still buffered
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.chan.is_finished()
    }

    /// The number of buffered values. Values handed to a waiting receiver
    /// and room promised to a [`Permit`](crate::Permit) are not counted.
    /// It can exceed the capacity for a moment (a receiver cancelled
    /// mid-handoff puts its value back at the front), and a rendezvous
    /// channel can hold a value too: one passed back that way, or one a
    /// permit sent while no receiver waited.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(4);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// # drop(rx);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered: `len() == 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u8>(4);
    /// assert!(rx.is_empty());
    /// # drop((tx, rx));
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the buffer holds as many values as the capacity:
    /// `len() >= capacity` (always true on a rendezvous channel, never on
    /// an unbounded one). Like `len`, it does not count room promised to
    /// permits, so a `try_send` can get `Full` while `is_full` is false:
    /// outstanding permits (and, on a rendezvous channel, the lack of a
    /// waiting receiver) decide that.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// assert!(!rx.is_full());
    /// tx.try_send(1).unwrap();
    /// assert!(rx.is_full());
    /// # drop(rx);
    /// ```
    pub fn is_full(&self) -> bool {
        self.chan.is_full()
    }

    /// The capacity: `Some(n)` for `bounded(n)`, `Some(0)` for a
    /// rendezvous channel, `None` for an unbounded one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u8>(8);
    /// assert_eq!(rx.capacity(), Some(8));
    /// assert_eq!(gochan::unbounded::<u8>().0.capacity(), None);
    /// assert_eq!(gochan::rendezvous::<u8>().1.capacity(), Some(0));
    /// # drop((tx, rx));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }

    /// The most values the buffer holds, as tokio's `max_capacity`:
    /// `n` for `bounded(n)`, `0` for a rendezvous channel, `usize::MAX`
    /// for an unbounded one. It never changes; it is
    /// [`capacity`](Self::capacity) without the `Option`. Note that
    /// tokio's `capacity()` counts the free slots left now, while ours is
    /// the fixed limit: for tokio's meaning, use `max_capacity() - len()`
    /// (outstanding permits aside).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u8>(8);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.max_capacity(), 8);
    /// assert_eq!(gochan::unbounded::<u8>().0.max_capacity(), usize::MAX);
    /// assert_eq!(gochan::rendezvous::<u8>().1.max_capacity(), 0);
    /// # drop((tx, rx));
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.capacity().unwrap_or(usize::MAX)
    }

    /// The number of live `Sender` handles (scoped included, weak not).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// let tx2 = tx.clone();
    /// assert_eq!(rx.sender_count(), 2);
    /// # drop((tx2, rx));
    /// ```
    pub fn sender_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// The number of live `Receiver` handles.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// let rx2 = rx.clone();
    /// assert_eq!(rx.receiver_count(), 2);
    /// # drop((tx, rx2));
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.chan.receiver_count()
    }

    /// One consistent snapshot of the channel (taken under its lock).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(4);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// rx.try_recv().unwrap();
    /// let stats = rx.stats();
    /// assert_eq!((stats.buffered, stats.sent, stats.received), (1, 2, 1));
    /// assert_eq!(stats.capacity, Some(4));
    /// assert!(!stats.closed);
    /// ```
    pub fn stats(&self) -> Stats {
        self.chan.stats()
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let res = self.poll_recv(cx);
        if let Poll::Ready(None) = res {
            self.terminated = true;
        }
        res
    }

    /// `(0, None)` while the channel is open. Once it is closed, the upper
    /// bound is what receivers can still get (buffered, in a receiver's hands
    /// or promised to a permit); the lower bound stays 0, since other
    /// receivers (and a `close_now`) can take the buffered values first.
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.chan.remaining_bound())
    }
}

/// `is_terminated` is true once `poll_next` returned `None` (the channel is
/// closed and drained), so `futures::select!` takes a `rx.next()` branch
/// without `.fuse()` and leaves it out after the end.
impl<T> FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.terminated
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.add_receiver();
        Receiver::new(self.chan.clone())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // A value handed to this handle's place goes on first.
        self.chan.cancel_place(&self.place);
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("stats", &self.chan.stats())
            .finish()
    }
}
