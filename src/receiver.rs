//! The receiving half: `Receiver` and its `Stream` impl.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::stream::FusedStream;
use tokio_stream::Stream;

use crate::chan::{Chan, Item, Key, Registration};
use crate::error::{RecvError, RecvTimeoutError, TryRecvError};
use crate::future::{RecvFuture, RecvManyFuture};

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
/// `poll_next`, `poll_recv`, `recv` or `try_recv` returns. Dropping the handle
/// passes such a value on to the next waiting receiver (or back to the front
/// of the channel), so nothing is lost.
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
    /// The key of this handle's place in the receive queue, taken by
    /// `poll_next`/`poll_recv` ([`NO_KEY`] when it has none). Written only
    /// through `&mut self`; a `recv` or `try_recv` through `&self` takes it
    /// over with one atomic swap, so of several concurrent callers exactly one
    /// gets the place (and any value handed to it).
    registration: AtomicUsize,
    /// Set once `poll_next` returned `None`, for [`FusedStream`]: the channel
    /// is then finished, and stays so.
    terminated: bool,
}

/// [`Receiver::registration`] when the handle holds no place in line.
const NO_KEY: usize = usize::MAX;

impl<T> Receiver<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Self {
        Receiver {
            chan,
            registration: AtomicUsize::new(NO_KEY),
            terminated: false,
        }
    }

    /// Takes this handle's place in line, if it holds one.
    #[inline]
    fn take_registration(&self) -> Option<Key> {
        if self.registration.load(Ordering::Relaxed) == NO_KEY {
            return None;
        }
        match self.registration.swap(NO_KEY, Ordering::Relaxed) {
            NO_KEY => None,
            key => Some(key),
        }
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
            // A place in line the stream left holds, with any value it was
            // handed, moves to this receive.
            key: self.take_registration(),
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
        if let Some(key) = self.take_registration() {
            match self.chan.try_registration(key) {
                Registration::Got(item) => return Ok(item.into_received()),
                Registration::Closed => return Err(TryRecvError::Closed),
                Registration::Waiting => {
                    // Still in line: a receiver waits only while nothing is
                    // buffered and no sender could hand it a value, so there
                    // is nothing to take now. Keep the place.
                    self.registration.store(key, Ordering::Relaxed);
                    return Err(TryRecvError::Empty);
                }
            }
        }
        self.chan.try_recv().map(Item::into_received)
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
        let mut key = match *self.registration.get_mut() {
            NO_KEY => None,
            key => Some(key),
        };
        let res = self
            .chan
            .poll_recv(&mut key, cx, None)
            .map(|item| item.map(Item::into_received));
        *self.registration.get_mut() = key.unwrap_or(NO_KEY);
        res
    }

    shared_methods!(rx);
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
        if let Some(key) = self.take_registration() {
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
