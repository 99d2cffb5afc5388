//! Reserved room: `Permit`, `OwnedPermit` and `PermitIterator`.
//!
//! A permit is one slot the channel promised to its holder (on a rendezvous
//! channel: a hand-off to a waiting receiver). Sending through it never
//! waits; dropping it unused gives the slot to the next waiting sender.

use std::fmt;
use std::iter::FusedIterator;

use crate::chan::{Chan, Item};
use crate::error::SendError;
use crate::Sender;

/// Room for one value, reserved by [`Sender::reserve`](crate::Sender::reserve)
/// or [`Sender::try_reserve`](crate::Sender::try_reserve), or taken from a
/// [`PermitIterator`]: [`send`](Permit::send) never waits. Dropping the permit
/// unused gives the room back to the next waiting sender.
///
/// On a rendezvous channel a permit is granted while a receiver waits, and
/// `send` hands the value to the longest-waiting receiver; if that receiver
/// went away (or another sender served it) in the meantime, the value stays in
/// the channel for the next receiver. A `reserve` still waiting on a
/// rendezvous channel does not hold back a receiver from taking the value of
/// a sender queued after it: only a receiver that starts waiting grants it.
pub struct Permit<'a, T> {
    /// The channel; one of its reserved slots is this permit's.
    chan: &'a Chan<T>,
    /// Whether `send` used the room.
    used: bool,
}

impl<'a, T> Permit<'a, T> {
    /// A permit for a slot the caller already reserved on `chan`.
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        Permit { chan, used: false }
    }

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
            .send_permit(Item::new(value))
            .map_err(|item| SendError(item.value))
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        if !self.used {
            self.chan.release_permits(1);
        }
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// Room for one value that owns its [`Sender`], made by
/// [`Sender::reserve_owned`] or [`Sender::try_reserve_owned`]: it is
/// `'static` when `T` is, so it can be moved into another task, stored in a
/// struct or returned from a function.
///
/// [`send`](OwnedPermit::send) never waits and gives the `Sender` back;
/// [`release`](OwnedPermit::release) gives the room back and returns the
/// `Sender`. Dropping it unused gives the room to the next waiting sender and
/// drops the `Sender` (which closes the channel if it was the last one).
///
/// On a rendezvous channel it behaves as a [`Permit`]: granted while a
/// receiver waits, its value goes to the longest-waiting receiver.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(1);
/// let permit = tx.clone().reserve_owned().await.unwrap();
/// // The permit goes to another task, which fills it when it is ready.
/// let task = tokio::spawn(async move { permit.send("from the task").unwrap() });
/// let tx_back = task.await.unwrap();
/// assert!(tx_back.same_channel(&tx));
/// assert_eq!(rx.recv().await, Ok("from the task"));
/// # }
/// ```
pub struct OwnedPermit<T> {
    /// The sender whose channel holds the reserved slot; `None` once the
    /// permit was used or released.
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// A permit for a slot `sender` already reserved.
    pub(crate) fn new(sender: Sender<T>) -> Self {
        OwnedPermit {
            sender: Some(sender),
        }
    }

    /// The sender, while the permit is live.
    fn take(&mut self) -> Sender<T> {
        self.sender
            .take()
            .expect("gochan: owned permit used twice (internal error)")
    }

    /// Sends `value` into the reserved room and returns the `Sender`. It
    /// never waits, and it succeeds whenever [`Permit::send`] does: on an open
    /// channel, or one closed gracefully after the room was reserved.
    ///
    /// This differs from tokio's `OwnedPermit::send`, which cannot fail: here
    /// an immediate close (`close_now`) revokes outstanding permits, and a
    /// value no receiver can ever take comes back.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value when no receiver can ever take it: every
    /// receiver is gone, or `close_now` revoked the permit. The channel is
    /// then closed for good, so the `Sender` (which could only fail again) is
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let tx = permit.send(1).unwrap(); // the sender comes back
    /// assert_eq!(rx.recv().await, Ok(1));
    ///
    /// let permit = tx.reserve_owned().await.unwrap();
    /// drop(rx); // nobody can ever receive
    /// assert_eq!(permit.send(2).unwrap_err().into_inner(), 2);
    /// # }
    /// ```
    pub fn send(mut self, value: T) -> Result<Sender<T>, SendError<T>> {
        let sender = self.take();
        match sender.chan.send_permit(Item::new(value)) {
            Ok(()) => Ok(sender),
            Err(item) => Err(SendError(item.value)),
        }
    }

    /// Gives the reserved room back, unused, to the next waiting sender and
    /// returns the `Sender`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let permit = tx.reserve_owned().await.unwrap();
    /// let tx = permit.release();
    /// assert_eq!(tx.try_send(3), Ok(())); // the room is free again
    /// assert_eq!(rx.recv().await, Ok(3));
    /// # }
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self.take();
        sender.chan.release_permits(1);
        sender
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            // The room first, so that it goes to a waiting sender before this
            // sender's drop can close the channel.
            sender.chan.release_permits(1);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

/// Room for several values, reserved by
/// [`Sender::reserve_many`](crate::Sender::reserve_many): an iterator that
/// yields one [`Permit`] per reserved slot. Dropping it gives back the slots
/// whose permits were not taken.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(4);
/// let mut permits = tx.reserve_many(3).await.unwrap();
/// assert_eq!(permits.len(), 3);
/// permits.next().unwrap().send('a').unwrap();
/// permits.next().unwrap().send('b').unwrap();
/// drop(permits); // the third slot comes back
/// assert_eq!(tx.try_reserve_many(2).unwrap().len(), 2);
/// assert_eq!(rx.recv().await, Ok('a'));
/// # }
/// ```
pub struct PermitIterator<'a, T> {
    /// The channel; `n` of its reserved slots are this iterator's.
    chan: &'a Chan<T>,
    /// Permits not yet taken.
    n: usize,
}

impl<'a, T> PermitIterator<'a, T> {
    /// An iterator over `n` slots the caller already reserved on `chan`.
    pub(crate) fn new(chan: &'a Chan<T>, n: usize) -> Self {
        PermitIterator { chan, n }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit::new(self.chan))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        self.chan.release_permits(self.n);
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.n)
            .finish()
    }
}
