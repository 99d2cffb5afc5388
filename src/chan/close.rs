//! Closing: `close`, `close_now`, the handle counts whose end closes the
//! channel, and the `closed()`/`join()` watch.
//!
//! A close refuses every waiting send (its value comes back in the error)
//! and every waiting reservation (the slots it got so far go back), passes
//! the values idle handles hold back to the front of the buffer (a closed
//! channel must finish once its values are received), and once nothing is
//! left wakes the waiting receivers with `Closed`.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::ack::Item;
use super::waiters::{Entry, Key, Line, Status, Who};
use super::wake::{guarded, reraise, Wake};
use super::{Chan, State};
use crate::coop::Budget;

/// The panic of a handle count past `u32::MAX`.
const TOO_MANY_HANDLES: &str = "gochan: more than 4 billion handles of one channel";

impl<T> Chan<T> {
    /// Closes the channel; `true` if this call closed it.
    pub(crate) fn close(&self) -> bool {
        let mut wake = Wake::default();
        let mut s = self.lock();
        let closed = s.close(&mut wake);
        self.unlock(s, wake);
        closed
    }

    /// Closes the channel and hands back every buffered value, in order.
    /// Outstanding permits are revoked (see `State::permits_revoked`), so
    /// the channel is finished at once unless a receive future holds a value
    /// it was handed. A waker that panics here is not re-raised: the values
    /// are the caller's, and a panic would lose them.
    pub(crate) fn close_now(&self) -> Vec<T> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        s.close(&mut wake);
        let items = s.buf.drain();
        if s.reserved > s.held_slots as usize {
            // The permits' slots; those of values already handed stay.
            s.reserved = s.held_slots as usize;
            s.permits_revoked = true;
            // Receive cases promised a revoked permit's value start over
            // (and find the channel finished).
            s.break_promises(&mut wake);
        }
        s.close_receivers(&mut wake);
        wake.events = true;
        self.unlock_returning(s, wake);
        items.into_iter().map(Item::into_undelivered).collect()
    }

    /// Counts a new sender handle (a clone).
    pub(crate) fn add_sender(&self) {
        let mut s = self.lock();
        s.senders = s.senders.checked_add(1).expect(TOO_MANY_HANDLES);
    }

    /// Counts a new sender handle if the channel is open (`WeakSender::upgrade`).
    pub(crate) fn add_sender_if_open(&self) -> bool {
        let mut s = self.lock();
        if s.closed {
            return false;
        }
        s.senders = s.senders.checked_add(1).expect(TOO_MANY_HANDLES);
        true
    }

    /// A sender handle is dropped; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        let mut wake = Wake::default();
        let mut s = self.lock();
        s.senders -= 1;
        if s.senders == 0 {
            s.close(&mut wake);
        }
        self.unlock(s, wake);
    }

    /// Counts a new receiver handle (a clone).
    pub(crate) fn add_receiver(&self) {
        let mut s = self.lock();
        s.receivers = s.receivers.checked_add(1).expect(TOO_MANY_HANDLES);
    }

    /// A receiver handle is dropped (its place already withdrawn); the last
    /// one closes the channel and drops what is buffered (nobody can ever
    /// receive it). Every value is dropped, and every `deliver` waiting on
    /// one told `Undelivered`, even if some value's `Drop` (or a waker)
    /// panics; the first panic is then re-raised.
    pub(crate) fn drop_receiver(&self) {
        let mut wake = Wake::default();
        let mut s = self.lock();
        s.receivers -= 1;
        if s.receivers > 0 {
            return;
        }
        s.close(&mut wake);
        wake.events = true;
        if s.buf.is_empty() {
            // The common end of a channel: nothing left to drop.
            return self.unlock(s, wake);
        }
        let items = s.buf.drain();
        s.close_receivers(&mut wake);
        let mut panic = self.release(s, wake);
        for item in items {
            let value = item.into_undelivered();
            guarded(&mut panic, || drop(value));
        }
        if let Some(p) = panic {
            reraise(p);
        }
    }

    /// Waits until the channel is closed (`Closed`) or finished (`Finished`).
    pub(crate) fn watch(&self, what: WatchFor) -> Watch<'_, T> {
        Watch {
            chan: self,
            what,
            key: None,
        }
    }
}

/// What a [`Watch`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchFor {
    /// The channel is closed (`closed()`).
    Closed,
    /// The channel is closed and drained (`join()`).
    Finished,
}

/// A `closed()` or `join()`: ready once its condition holds, otherwise
/// waiting in the watch line, which a close and a finish wake in full.
/// Checked and registered under one lock, so no close slips between the two.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub(crate) struct Watch<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// What it waits for.
    what: WatchFor,
    /// Our entry in the watch line, while waiting.
    key: Option<Key>,
}

impl<T> Future for Watch<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let chan = this.chan;
        let budget = ready!(Budget::take(cx));
        let mut wake = Wake::default();
        let mut s = chan.lock();
        let done = match this.what {
            WatchFor::Closed => s.closed,
            WatchFor::Finished => s.is_finished(),
        };
        let res = if done {
            if let Some(key) = this.key.take() {
                wake.discard(s.waiters.free(key));
            }
            Poll::Ready(())
        } else {
            s.watch(&mut this.key, cx, &mut wake);
            Poll::Pending
        };
        chan.unlock(s, wake);
        budget.spend_if_ready(res)
    }
}

impl<T> Drop for Watch<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut wake = Wake::default();
            let mut s = self.chan.lock();
            wake.discard(s.waiters.free(key));
            self.chan.unlock(s, wake);
        }
    }
}

impl<T> State<T> {
    /// Closes the channel: waiting sends get their values back, waiting
    /// reservations give back what they got, values idle handles hold go
    /// back to the front of the buffer, and waiting receivers see `Closed`
    /// once nothing is left. Returns whether this call closed it.
    #[inline]
    pub(super) fn close(&mut self, wake: &mut Wake) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        wake.events = true;
        if !self.waiters.is_idle() {
            // (Idle is the common end of a channel: nobody to refuse,
            // nothing held, no receiver to wake.)
            self.close_waiters(wake);
        }
        true
    }

    /// The part of [`State::close`] for a channel something waits on.
    #[inline(never)]
    fn close_waiters(&mut self, wake: &mut Wake) {
        while let Some(key) = self.waiters.pop(Line::Send) {
            let Some(w) = self.claim_waiter(key) else {
                continue;
            };
            let entry = self.waiters.get(key);
            entry.status = match std::mem::replace(&mut entry.status, Status::Closed) {
                Status::Sending(item) => Status::Refused(item),
                Status::Reserving { got, .. } => {
                    self.reserved -= got;
                    Status::Closed
                }
                _ => unreachable!("gochan: only sends and reservations wait to send"),
            };
            wake.push(w.or_else(|| entry.waker.take()));
        }
        self.pass_held_on(wake);
        self.close_receivers(wake);
    }

    /// The channel is closed: the values handle places hold go to the
    /// receivers that wait, oldest first, and the rest back to the front of
    /// the buffer, in order.
    fn pass_held_on(&mut self, wake: &mut Wake) {
        while let Some(key) = self.waiters.first(Line::Held) {
            let Some((receiver, w)) = self.pop_receiver(wake) else {
                break;
            };
            let (item, slot) = self.unhold(key);
            self.hand(receiver, w, item, slot, wake);
        }
        while let Some(key) = self.waiters.last(Line::Held) {
            let (item, _) = self.unhold(key);
            self.buf.push_front(item);
        }
    }

    /// Takes the value out of a held place, which is spent; the value is no
    /// longer in flight (nor its slot held) until the caller hands it on.
    fn unhold(&mut self, key: Key) -> (Item<T>, bool) {
        self.waiters.unlink(key);
        let entry = self.waiters.get(key);
        let Status::Received { item, slot } = std::mem::replace(&mut entry.status, Status::Passed)
        else {
            unreachable!("gochan: a held place holds a value (internal error)")
        };
        self.in_flight -= 1;
        if slot {
            self.held_slots -= 1;
            self.reserved -= 1;
        }
        (item, slot)
    }

    /// Once the channel is closed and nothing is left, wakes every waiting
    /// receiver with `Closed`. While a value is buffered, in a receiver's
    /// hands or promised to a permit, they keep waiting.
    pub(super) fn close_receivers(&mut self, wake: &mut Wake) {
        if !self.is_finished() {
            return;
        }
        while let Some(key) = self.waiters.pop(Line::Recv) {
            let Some(w) = self.claim_waiter(key) else {
                continue;
            };
            let entry = self.waiters.get(key);
            entry.status = Status::Closed;
            wake.push(w.or_else(|| entry.waker.take()));
        }
    }

    /// Registers (or refreshes) a `closed()`/`join()` in the watch line. The
    /// waker is cloned under the lock before the entry exists, so a `clone`
    /// that panics leaves none behind.
    fn watch(&mut self, key: &mut Option<Key>, cx: &mut Context<'_>, wake: &mut Wake) {
        let Some(k) = *key else {
            let entry = Entry {
                waker: Some(cx.waker().clone()),
                who: Who::Future,
                status: Status::Watching,
            };
            *key = Some(self.waiters.insert(entry, Line::Watch));
            return;
        };
        let entry = self.waiters.get(k);
        if let Status::Notified = entry.status {
            // Woken, but not done yet (`join()` after a close): back in line.
            entry.status = Status::Watching;
            self.waiters.push(k, Line::Watch);
        }
        self.refresh_waker(k, cx.waker(), wake);
    }

    /// The channel closed or finished: every watcher looks again.
    #[cold]
    pub(super) fn notify_watchers(&mut self, wake: &mut Wake) {
        while let Some(k) = self.waiters.pop(Line::Watch) {
            let entry = self.waiters.get(k);
            entry.status = Status::Notified;
            wake.push(entry.waker.take());
        }
    }
}
