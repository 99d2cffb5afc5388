//! The sending half: `Sender`, `ScopedSender` and `WeakSender`.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::chan::{Chan, TryReserve, WatchFor};
use crate::error::{SendError, SendTimeoutError, TrySendError};
use crate::future::{
    DeliverFuture, ReserveFuture, ReserveManyFuture, ReserveOwnedFuture, SendFuture,
    SendOwnedFuture,
};
use crate::permit::{OwnedPermit, Permit, PermitIterator};
use crate::sink::SendSink;
use crate::{Receiver, Stats};

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
        SendFuture::new(&self.chan, value)
    }

    /// Sends a value like [`send`](Sender::send), through a future that owns
    /// this `Sender`: it borrows nothing, so it can be given to
    /// `tokio::spawn`, stored in a struct or returned (flume calls it
    /// `into_send_async`). Clone the sender first to keep one.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding the value if the channel is closed, or closes
    /// while this send waits.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send): if the future is dropped before it
    /// completes, the value may already have been sent (a counterpart
    /// completed the wait), or it is dropped with the future. Poll it as
    /// `&mut fut` and call [`SendOwnedFuture::cancel`] to learn which and get
    /// an unsent value back. The `Sender` is dropped with the future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let task = tokio::spawn(tx.clone().send_owned("spawned"));
    /// assert_eq!(rx.recv().await, Ok("spawned"));
    /// task.await.unwrap().unwrap();
    ///
    /// drop(rx);
    /// assert_eq!(tx.send_owned("late").await.unwrap_err().into_inner(), "late");
    /// # }
    /// ```
    #[doc(alias = "into_send_async")]
    pub fn send_owned(self, value: T) -> SendOwnedFuture<T> {
        SendOwnedFuture::new(self, value)
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
    #[doc(alias = "blocking_send")]
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
        DeliverFuture::new(&self.chan, value)
    }

    /// Waits for room for one value and reserves it: the returned
    /// [`Permit`]'s `send` then never waits or fails. Dropping
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
        ReserveFuture::new(&self.chan)
    }

    /// Reserves room for one value if that is possible right now, as
    /// tokio's `try_reserve`: there is room and no sender waits ahead (on a
    /// rendezvous channel: a receiver waits and no other permit was granted
    /// for it).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`]`(())` if there is no room now (or senders wait
    /// ahead), [`TrySendError::Closed`]`(())` if the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::TrySendError;
    ///
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    /// permit.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// rx.close();
    /// assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan.try_reserve(1) {
            TryReserve::Granted => Ok(Permit::new(&self.chan)),
            TryReserve::Full => Err(TrySendError::Full(())),
            TryReserve::Closed => Err(TrySendError::Closed(())),
        }
    }

    /// Waits for room for one value and reserves it, like
    /// [`reserve`](Sender::reserve), but takes the `Sender` by value: the
    /// [`OwnedPermit`] owns it, so it can move to another
    /// task or be stored. Clone the sender first to keep one.
    ///
    /// # Errors
    ///
    /// `SendError(())` if the channel is closed, or closes while waiting (the
    /// `Sender` is then dropped: it could only fail again).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`reserve`](Sender::reserve): a dropped
    /// `reserve_owned` holds no room, and room granted to it as it was dropped
    /// goes to the next waiting sender. It waits in the same first-come,
    /// first-served line as `send`; dropping it gives up its place.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.clone().reserve_owned().await.unwrap();
    /// tokio::spawn(async move {
    ///     let tx = permit.send(42).unwrap(); // never waits
    ///     drop(tx);
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(rx.recv().await, Ok(42));
    /// # drop(tx);
    /// # }
    /// ```
    pub fn reserve_owned(self) -> ReserveOwnedFuture<T> {
        ReserveOwnedFuture::new(self)
    }

    /// Reserves room for one value if that is possible right now, like
    /// [`try_reserve`](Sender::try_reserve), taking the `Sender` by value
    /// into the [`OwnedPermit`].
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], holding the
    /// `Sender` so that nothing is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let tx = tx.try_reserve_owned().unwrap_err().into_inner(); // full: the sender comes back
    /// permit.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # drop(tx);
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.chan.try_reserve(1) {
            TryReserve::Granted => Ok(OwnedPermit::new(self)),
            TryReserve::Full => Err(TrySendError::Full(self)),
            TryReserve::Closed => Err(TrySendError::Closed(self)),
        }
    }

    /// Waits until room for `n` values is reserved, as tokio's
    /// `reserve_many`: the [`PermitIterator`] yields
    /// `n` permits. Slots are granted first come, first served, together with
    /// plain sends and `reserve`s: the call takes one place in line for the
    /// whole batch, so senders that come later wait behind it; on a buffered
    /// channel it is granted slot by slot as room frees (the slots it got
    /// stay its own while it waits for the rest), and it completes once it
    /// holds all `n`.
    ///
    /// `n == 0` yields an empty iterator at once on an open channel. On a
    /// rendezvous channel a permit is a hand-off to a waiting receiver (as
    /// with [`reserve`](Sender::reserve)), so `reserve_many(n)` waits until
    /// `n` receivers wait at the same time; with fewer receivers than that,
    /// it waits until they do (or the channel closes).
    ///
    /// # Errors
    ///
    /// `SendError(())` if the channel is closed or closes while waiting, and,
    /// as tokio does, if `n` is more than a buffered channel's
    /// [`max_capacity`](Sender::max_capacity): such a call could never
    /// complete.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `reserve_many` holds no room. The slots it was
    /// granted while it waited go to the next waiting senders, and its places
    /// in line are given up.
    ///
    /// On an unbounded channel permits are counted in a `usize`:
    /// `reserve_many(usize::MAX)` is granted at once when no permit is
    /// outstanding, and a reservation that would take the count past
    /// `usize::MAX` waits until permits come back. Giving a batch back costs
    /// the same whatever its size.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(2);
    /// let mut permits = tx.reserve_many(2).await.unwrap();
    /// assert!(tx.try_send(0).unwrap_err().is_full()); // both slots are promised
    /// for (permit, v) in permits.by_ref().zip([1, 2]) {
    ///     permit.send(v).unwrap();
    /// }
    /// assert!(permits.next().is_none());
    /// assert_eq!(rx.recv().await, Ok(1));
    /// assert_eq!(rx.recv().await, Ok(2));
    ///
    /// assert!(tx.reserve_many(3).await.is_err()); // more than the capacity
    /// # }
    /// ```
    pub fn reserve_many(&self, n: usize) -> ReserveManyFuture<'_, T> {
        ReserveManyFuture::new(&self.chan, n)
    }

    /// Reserves room for `n` values if all of it is free right now and no
    /// sender waits ahead, as tokio's `try_reserve_many`: all or nothing.
    /// On a rendezvous channel that takes `n` receivers waiting now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`]`(())` if the room is not free now, or `n` is more
    /// than a buffered channel's [`max_capacity`](Sender::max_capacity);
    /// [`TrySendError::Closed`]`(())` if the channel is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::TrySendError;
    ///
    /// let (tx, rx) = gochan::bounded(3);
    /// tx.try_send(0).unwrap();
    /// assert_eq!(tx.try_reserve_many(3).unwrap_err(), TrySendError::Full(()));
    /// let permits = tx.try_reserve_many(2).unwrap();
    /// assert_eq!(permits.len(), 2);
    /// # drop((permits, rx));
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        match self.chan.try_reserve(n) {
            TryReserve::Granted => Ok(PermitIterator::new(&self.chan, n)),
            TryReserve::Full => Err(TrySendError::Full(())),
            TryReserve::Closed => Err(TrySendError::Closed(())),
        }
    }

    /// A [`Sink`](futures_sink::Sink) that sends into this channel, borrowing
    /// this sender (tokio-util's `PollSender`, flume's `sink`). See
    /// [`SendSink`] for how it reserves room and what
    /// `poll_close` does (for a borrowed sink: nothing to the channel).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::SinkExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(4);
    /// let mut sink = tx.sink();
    /// sink.send(1).await.unwrap();
    /// sink.feed(2).await.unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// # }
    /// ```
    pub fn sink(&self) -> SendSink<'_, T> {
        SendSink::borrowed(self)
    }

    /// A [`Sink`](futures_sink::Sink) that owns this sender, for
    /// `stream.forward(tx.into_sink())` (flume's `into_sink`). Its
    /// `poll_close` drops the sender, which closes the channel if it was the
    /// last one, as tokio-util's `PollSender::close` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(2);
    /// let producer = tokio::spawn(futures::stream::iter(1..=5).map(Ok).forward(tx.into_sink()));
    /// let mut got = Vec::new();
    /// while let Ok(v) = rx.recv().await {
    ///     got.push(v);
    /// }
    /// assert_eq!(got, [1, 2, 3, 4, 5]); // the forward's close dropped the last sender
    /// producer.await.unwrap().unwrap();
    /// # }
    /// ```
    pub fn into_sink(self) -> SendSink<'static, T> {
        SendSink::owned(self)
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
    /// assert!(tx.close());
    /// assert!(!tx.close()); // already closed
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
    /// Outstanding [`Permit`]s are revoked: their room is
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
    /// assert_eq!(tx.close_now(), vec!['a', 'b']);
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
    /// tx.closed().await;
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
    /// tx.join().await; // closed and drained
    /// assert!(tx.is_finished());
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
    /// assert!(!tx.is_closed());
    /// rx.close();
    /// assert!(tx.is_closed());
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
    /// assert!(!tx.is_finished()); // 1 still buffered
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.chan.is_finished()
    }

    /// The number of buffered values. Values handed to a waiting receiver
    /// and room promised to a [`Permit`] are not counted.
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
    /// assert_eq!(tx.len(), 1);
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
    /// assert!(tx.is_empty());
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
    /// assert!(!tx.is_full());
    /// tx.try_send(1).unwrap();
    /// assert!(tx.is_full());
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
    /// assert_eq!(tx.capacity(), Some(8));
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
    /// assert_eq!(tx.max_capacity(), 8);
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
    /// assert_eq!(tx.sender_count(), 2);
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
    /// assert_eq!(tx.receiver_count(), 2);
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
    /// let stats = tx.stats();
    /// assert_eq!((stats.buffered, stats.sent, stats.received), (1, 2, 1));
    /// assert_eq!(stats.capacity, Some(4));
    /// assert!(!stats.closed);
    /// ```
    pub fn stats(&self) -> Stats {
        self.chan.stats()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
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
            .field("stats", &self.chan.stats())
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
        self.chan.add_sender_if_open().then(|| Sender {
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
