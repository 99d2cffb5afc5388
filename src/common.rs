//! Methods that `Sender` and `Receiver` share, written once.

/// Generates the methods both handles have: closing, waiting for close and
/// finish, and introspection. `$h` names the handle the doc examples call.
macro_rules! shared_methods {
    ($h:ident) => {
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
        #[doc = concat!("assert!(", stringify!($h), ".close());")]
        #[doc = concat!("assert!(!", stringify!($h), ".close()); // already closed")]
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
        #[doc = concat!("assert_eq!(", stringify!($h), ".close_now(), vec!['a', 'b']);")]
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
        #[doc = concat!(stringify!($h), ".closed().await;")]
        /// assert!(rx.is_closed());
        /// # }
        /// ```
        pub async fn closed(&self) {
            self.chan.wait_for(|s| s.closed()).await
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
        #[doc = concat!(stringify!($h), ".join().await; // closed and drained")]
        #[doc = concat!("assert!(", stringify!($h), ".is_finished());")]
        /// consumer.await.unwrap();
        /// # }
        /// ```
        pub async fn join(&self) {
            self.chan.wait_for(|s| s.is_finished()).await
        }

        /// Whether the channel is closed.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::unbounded::<u8>();
        #[doc = concat!("assert!(!", stringify!($h), ".is_closed());")]
        /// rx.close();
        #[doc = concat!("assert!(", stringify!($h), ".is_closed());")]
        /// # drop(tx);
        /// ```
        pub fn is_closed(&self) -> bool {
            self.chan.peek(|s| s.closed())
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
        #[doc = concat!("assert!(!", stringify!($h), ".is_finished()); // 1 still buffered")]
        /// assert_eq!(rx.try_recv(), Ok(1));
        #[doc = concat!("assert!(", stringify!($h), ".is_finished());")]
        /// ```
        pub fn is_finished(&self) -> bool {
            self.chan.peek(|s| s.is_finished())
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
        #[doc = concat!("assert_eq!(", stringify!($h), ".len(), 1);")]
        /// # drop(rx);
        /// ```
        pub fn len(&self) -> usize {
            self.chan.peek(|s| s.len())
        }

        /// Whether no value is buffered: `len() == 0`.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::bounded::<u8>(4);
        #[doc = concat!("assert!(", stringify!($h), ".is_empty());")]
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
        #[doc = concat!("assert!(!", stringify!($h), ".is_full());")]
        /// tx.try_send(1).unwrap();
        #[doc = concat!("assert!(", stringify!($h), ".is_full());")]
        /// # drop(rx);
        /// ```
        pub fn is_full(&self) -> bool {
            self.chan.peek(|s| s.is_full())
        }

        /// The capacity: `Some(n)` for `bounded(n)`, `Some(0)` for a
        /// rendezvous channel, `None` for an unbounded one.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::bounded::<u8>(8);
        #[doc = concat!("assert_eq!(", stringify!($h), ".capacity(), Some(8));")]
        /// assert_eq!(gochan::unbounded::<u8>().0.capacity(), None);
        /// assert_eq!(gochan::rendezvous::<u8>().1.capacity(), Some(0));
        /// # drop((tx, rx));
        /// ```
        pub fn capacity(&self) -> Option<usize> {
            self.chan.peek(|s| s.capacity().get())
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
        #[doc = concat!("assert_eq!(", stringify!($h), ".max_capacity(), 8);")]
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
        #[doc = concat!("assert_eq!(", stringify!($h), ".sender_count(), 2);")]
        /// # drop((tx2, rx));
        /// ```
        pub fn sender_count(&self) -> usize {
            self.chan.peek(|s| s.senders())
        }

        /// The number of live `Receiver` handles.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::unbounded::<u8>();
        /// let rx2 = rx.clone();
        #[doc = concat!("assert_eq!(", stringify!($h), ".receiver_count(), 2);")]
        /// # drop((tx, rx2));
        /// ```
        pub fn receiver_count(&self) -> usize {
            self.chan.peek(|s| s.receivers())
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
        #[doc = concat!("let stats = ", stringify!($h), ".stats();")]
        /// assert_eq!((stats.buffered, stats.sent, stats.received), (1, 2, 1));
        /// assert_eq!(stats.capacity, Some(4));
        /// assert!(!stats.closed);
        /// ```
        pub fn stats(&self) -> $crate::Stats {
            self.chan.peek(|s| s.stats())
        }
    };
}
