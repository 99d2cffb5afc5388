//! The sending half: `Sender`, `ScopedSender` and `WeakSender`.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::chan::{Ack, Chan, Item, SendState};
use crate::error::{SendError, SendTimeoutError, TrySendError};
use crate::future::{DeliverFuture, ReserveFuture, SendFuture};
use crate::Receiver;

/// The sending half of a channel. Clone it for more producers.
///
/// The channel closes when the last `Sender` is dropped (weak senders do not
/// count), when any handle calls [`close`](Sender::close), or when the last
/// [`Receiver`] is dropped.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(8);
/// for id in 0..3 {
///     let tx = tx.clone();
///     tokio::spawn(async move { tx.send(id).await.unwrap() });
/// }
/// drop(tx); // the clones close the channel when they finish
/// let mut got = Vec::new();
/// while let Ok(v) = rx.recv().await {
///     got.push(v);
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// # }
/// ```
pub struct Sender<T> {
    /// The channel; this handle is counted in its sender count.
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends a value, waiting for room (on a rendezvous channel: for a
    /// receiver to take it).
    ///
    /// Waiting senders are served first come, first served.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding the value if the channel is closed, or closes
    /// while this send waits.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, but recoverable. If the future is dropped before it
    /// completes, the value may already have been sent: a waiting send is
    /// completed by its counterpart (a receiver that frees room moves the
    /// longest-waiting sender's value into the buffer; on a rendezvous
    /// channel a receiver takes it straight from the waiting sender), and from
    /// that moment it is sent, even if the future is never polled again.
    /// Otherwise the unsent value is dropped with the future. Poll it as
    /// `&mut fut` and call [`SendFuture::cancel`] to learn which and get an
    /// unsent value back, use [`send_timeout`](Sender::send_timeout), which
    /// does that on timeout, or [`reserve`](Sender::reserve) first to send
    /// nothing unless you go on.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send(1).await.unwrap();
    /// assert_eq!(rx.recv().await, Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.send(2).await.unwrap_err().into_inner(), 2);
    /// # }
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            chan: &self.chan,
            state: SendState::Idle(Item::new(value)),
        }
    }

    /// Sends a value if that is possible right now: a receiver is waiting, or
    /// the buffer has room. On a rendezvous channel it succeeds only if a
    /// receiver is waiting.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], holding the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::TrySendError;
    ///
    /// let (tx, rx) = gochan::bounded(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Sends a value, waiting at most `timeout` (on tokio's clock) for room.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Closed`], holding
    /// the value.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send): if this future is dropped before it
    /// completes, the value may have been sent (a counterpart completed the
    /// wait) or is dropped with it. On timeout it comes back in the error
    /// exactly when it was not sent: a send completed at the deadline returns
    /// `Ok(())`.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime with the time driver enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::SendTimeoutError;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let (tx, _rx) = gochan::bounded(1);
    /// tx.send(1).await.unwrap();
    /// let err = tx.send_timeout(2, Duration::from_secs(1)).await;
    /// assert_eq!(err, Err(SendTimeoutError::Timeout(2)));
    /// # }
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        let mut send = self.send(value);
        match tokio::time::timeout(timeout, &mut send).await {
            Ok(res) => res.map_err(|SendError(v)| SendTimeoutError::Closed(v)),
            // The send may have completed at the deadline: then there is no
            // value to give back, and it was sent.
            Err(_) => match send.cancel() {
                Some(v) => Err(SendTimeoutError::Timeout(v)),
                None => Ok(()),
            },
        }
    }

    /// Sends a value from a thread that is not running async code, blocking
    /// it until there is room.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding the value if the channel is closed.
    ///
    /// # Panics
    ///
    /// When called where Tokio drives async code on this thread (a runtime's
    /// task, `Runtime::block_on`, `Handle::block_on`, `#[tokio::main]`), which
    /// blocking would stall: use [`send`](Sender::send)`.await` there. Allowed,
    /// as for Tokio's `blocking_send`: a plain thread,
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
    /// let (tx, rx) = gochan::bounded(1);
    /// let producer = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.send_blocking(i).unwrap();
    ///     }
    /// });
    /// let got: Vec<i32> = std::iter::from_fn(|| rx.recv_blocking().ok()).collect();
    /// assert_eq!(got, [0, 1, 2]);
    /// producer.join().unwrap();
    /// ```
    #[track_caller]
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        crate::blocking::block_on(
            "Sender::send_blocking",
            "Sender::send(value).await",
            self.send(value),
        )
    }

    /// Sends a value and waits until a receiver has taken it: an acknowledged
    /// send (sav.channels' `itemize`), on any kind of channel.
    ///
    /// # Errors
    ///
    /// [`DeliverError::Closed`](crate::DeliverError::Closed) with the value if
    /// the channel was closed before the value entered it;
    /// [`DeliverError::Undelivered`](crate::DeliverError::Undelivered) if it
    /// entered the channel but no receiver will ever take it (`close_now`
    /// handed it to its caller, or every receiver is gone).
    ///
    /// # Cancel safety
    ///
    /// While the value waits for room, dropping the future drops it, unless a
    /// counterpart already moved it into the channel (as with
    /// [`send`](Sender::send)). Once the value is in the channel it stays
    /// there for a receiver; only the wait for the acknowledgement is
    /// abandoned.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(16);
    /// let consumer = tokio::spawn(async move { rx.recv().await });
    /// // Resolves only once the consumer has the value, buffer or not.
    /// tx.deliver("hello").await.unwrap();
    /// assert_eq!(consumer.await.unwrap(), Ok("hello"));
    /// # }
    /// ```
    pub fn deliver(&self, value: T) -> DeliverFuture<'_, T> {
        let ack = Ack::new();
        DeliverFuture {
            send: SendFuture {
                chan: &self.chan,
                state: SendState::Idle(Item {
                    value,
                    ack: Some(ack.clone()),
                }),
            },
            entered: false,
            ack,
        }
    }

    /// Waits for room for one value and reserves it: the returned
    /// [`Permit`](crate::Permit)'s `send` then never waits or fails. Dropping
    /// the permit gives the room back. Reservations wait in the same
    /// first-come, first-served queue as sends.
    ///
    /// # Errors
    ///
    /// `SendError(())` if the channel is closed, or closes while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `reserve` holds no room, and room granted to it
    /// as it was dropped goes to the next waiting sender. Use it to send in a
    /// `tokio::select!` branch without risking the value: reserve first, build
    /// the value once the permit is yours.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.reserve().await.unwrap();
    /// permit.send("built after the room was ours").unwrap();
    /// assert_eq!(rx.recv().await, Ok("built after the room was ours"));
    ///
    /// let permit = tx.reserve().await.unwrap();
    /// drop(permit); // gives the room back
    /// assert_eq!(tx.try_send("x"), Ok(()));
    /// # }
    /// ```
    pub fn reserve(&self) -> ReserveFuture<'_, T> {
        ReserveFuture {
            chan: &self.chan,
            key: None,
        }
    }

    /// Turns this sender into a guard that closes the channel when dropped:
    /// at the end of its scope, on early return or `?`, on panic, or when the
    /// task holding it is cancelled. It derefs to `Sender`. This is the
    /// `async with` of the Python channel libraries.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::unbounded();
    /// let keep = tx.clone(); // another sender: the scope still closes the channel
    /// {
    ///     let tx = tx.scope();
    ///     tx.send(1).await.unwrap();
    /// } // closed here
    /// assert!(keep.is_closed());
    /// assert_eq!(rx.recv().await, Ok(1));
    /// assert!(rx.recv().await.is_err());
    /// # }
    /// ```
    pub fn scope(self) -> ScopedSender<T> {
        ScopedSender { sender: self }
    }

    /// A weak handle that does not keep the channel open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx); // the last sender: the channel closes
    /// assert!(weak.upgrade().is_none());
    /// # drop(rx);
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// Whether `other` sends on the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&gochan::unbounded::<u8>().0));
    /// # drop(rx);
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Whether `rx` receives from this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// assert!(tx.same_channel_as(&rx));
    /// ```
    pub fn same_channel_as(&self, rx: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &rx.chan)
    }

    shared_methods!(tx);
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender(false);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("stats", &self.chan.peek(|s| s.stats()))
            .finish()
    }
}

/// A sender that closes the channel when dropped, whatever way its scope
/// ends. Made by [`Sender::scope`]; derefs to [`Sender`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// async fn produce(tx: gochan::ScopedSender<u32>) -> Result<(), gochan::SendError<u32>> {
///     for i in 0..3 {
///         tx.send(i).await?;
///     }
///     Ok(())
/// } // however `produce` ends, the channel is closed here
///
/// let (tx, rx) = gochan::bounded(1);
/// tokio::spawn(produce(tx.scope()));
/// let mut got = Vec::new();
/// while let Ok(v) = rx.recv().await {
///     got.push(v);
/// }
/// assert_eq!(got, [0, 1, 2]);
/// # }
/// ```
pub struct ScopedSender<T> {
    /// The sender this guard closes the channel of.
    sender: Sender<T>,
}

impl<T> Deref for ScopedSender<T> {
    type Target = Sender<T>;

    fn deref(&self) -> &Sender<T> {
        &self.sender
    }
}

impl<T> Drop for ScopedSender<T> {
    fn drop(&mut self) {
        self.sender.close();
    }
}

impl<T> fmt::Debug for ScopedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ScopedSender").field(&self.sender).finish()
    }
}

/// A sender that does not keep the channel open. Made by
/// [`Sender::downgrade`]; [`upgrade`](WeakSender::upgrade) gives a [`Sender`]
/// back while the channel is open.
pub struct WeakSender<T> {
    /// The channel; not counted in its sender count.
    chan: Arc<Chan<T>>,
}

impl<T> WeakSender<T> {
    /// A `Sender` for the channel, or `None` once it is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded::<u8>();
    /// let weak = tx.downgrade();
    /// let tx2 = weak.upgrade().unwrap();
    /// tx2.try_send(1).unwrap();
    /// rx.close();
    /// assert!(weak.upgrade().is_none());
    /// # drop(tx);
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.add_sender(true).then(|| Sender {
            chan: self.chan.clone(),
        })
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}
