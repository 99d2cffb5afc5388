//! The receiving half: `Receiver` and its `Stream` impl.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio_stream::Stream;

use crate::chan::{Chan, Item, Key, TryRecv, Wake};
use crate::error::{RecvError, RecvTimeoutError, TryRecvError};
use crate::future::{RecvFuture, RecvManyFuture};

/// The receiving half of a channel. Clone it for more consumers: each value
/// goes to exactly one receiver.
///
/// `Receiver` is a [`Stream`] that ends when the channel is closed and
/// drained. The channel closes when the last `Receiver` is dropped; what was
/// still buffered is then dropped, since nobody can receive it.
///
/// A stream that waits is woken when a value arrives but is never handed one
/// directly, unlike a waiting `recv`: a stream cannot tell when the `next()`
/// future that polled it is dropped, so a value handed to it could be
/// stranded. A waiting stream therefore does not hold a place in the line of
/// waiting receivers: a `recv` that waits alongside it is served first (a
/// consumer that mixes both on one channel may see its stream wait while
/// `recv` callers keep arriving), and on a rendezvous channel a waiting
/// stream does not make `try_send` succeed; a `send` waits until the stream
/// comes for the value. Consumers that only use the stream are unaffected.
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
    /// The entry of the receive that `poll_next` is waiting on.
    stream: Option<Key>,
}

impl<T> Receiver<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        Receiver { chan, stream: None }
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
        RecvFuture {
            chan: &self.chan,
            key: None,
        }
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
        let mut s = self.chan.lock();
        if s.can_pop() {
            let item = s.pop();
            drop(s);
            return Ok(item.into_received());
        }
        let mut wake = Wake::default();
        let res = s.try_recv(None, &mut wake);
        self.chan.unlock(s, wake);
        match res {
            TryRecv::Got(item) => Ok(item.into_received()),
            TryRecv::Empty => Err(TryRecvError::Empty),
            TryRecv::Closed => Err(TryRecvError::Closed),
            TryRecv::Lost => unreachable!("a plain receive has no select token"),
        }
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
        RecvManyFuture {
            first: self.recv(),
            buf,
            limit,
        }
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
    #[track_caller]
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        crate::blocking::block_on("Receiver::recv_blocking", "Receiver::recv", self.recv())
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

    shared_methods!(rx);
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        this.chan
            .poll_recv(&mut this.stream, true, cx, None)
            .map(|item| item.map(Item::into_received))
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
        if let Some(key) = self.stream.take() {
            self.chan.cancel_recv(key);
        }
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("stats", &self.chan.peek(|s| s.stats()))
            .finish()
    }
}
