//! A receive: the entry points of `recv` futures, of a `Receiver` handle's
//! own place in line (its stream and `poll_recv`), of `try_recv` and
//! `recv_many`, and withdrawal; and the values held by idle handles.
//!
//! A handle's place outlives the `next()` future that made it, so nobody
//! may be polling it when a value is handed to it. Such a value is *held*:
//! it is the handle's until a receiver that would otherwise wait (a receive
//! future, another handle's poll, a select case) finds nothing else and
//! takes it over, or the channel closes and it goes back to the front of the
//! buffer. So an idle handle never holds the channel up, and consumers that
//! keep polling still take turns (each takes what it was handed first).

use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::ack::{Ack, AckState, Item};
use super::sync::{AtomicUsize, Ordering};
use super::waiters::{Entry, Key, Line, Status, Who};
use super::wake::Wake;
use super::{Chan, Guard, State};
use crate::coop::Budget;
use crate::error::{RecvError, TryRecvError};

/// The entry a receive future waits with, while it waits.
#[derive(Debug, Default)]
pub(crate) struct RecvWait {
    /// Our entry in the receive line.
    key: Option<Key>,
}

impl RecvWait {
    /// Whether the receive waits in line (its drop must withdraw it).
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        self.key.is_some()
    }
}

/// A `Receiver` handle's place in the receive line, made by its stream or
/// `poll_recv`. Written through `&mut` by the handle's polls; a `recv` or
/// `try_recv` through `&self` takes it over with one atomic swap, so of
/// several concurrent callers exactly one gets the place (and any value
/// handed to it).
#[derive(Debug, Default)]
pub(crate) struct Place {
    /// The entry's [`Key::to_raw`], 0 while the handle holds no place.
    raw: AtomicUsize,
}

impl Place {
    /// Takes the place out of the handle, if it holds one.
    #[inline]
    pub(super) fn take(&self) -> Option<Key> {
        if self.raw.load(Ordering::Relaxed) == 0 {
            return None;
        }
        Key::from_raw(self.raw.swap(0, Ordering::Relaxed))
    }

    /// Gives the handle its place back.
    #[inline]
    pub(super) fn put(&self, key: Key) {
        self.raw.store(key.to_raw(), Ordering::Relaxed);
    }
}

/// Who holds a receive's entry while it waits: written as soon as the entry
/// exists, so that nothing can lose it (a waker's `clone` that panics, a
/// panic re-raised after the lock).
pub(super) trait Holder {
    /// What the entry is an operation of.
    const WHO: Who;
    /// Whether a receive that would otherwise wait takes over a value a
    /// handle's place holds: a future does; a handle's own poll does not, so
    /// that stream consumers that keep polling take turns (each takes what
    /// it was handed, in order).
    const TAKES_HELD: bool;
    /// The entry, if one is held.
    fn key(&mut self) -> Option<Key>;
    /// Holds `key` (or none).
    fn set(&mut self, key: Option<Key>);
}

impl Holder for RecvWait {
    const WHO: Who = Who::Future;
    const TAKES_HELD: bool = true;
    #[inline(always)]
    fn key(&mut self) -> Option<Key> {
        self.key
    }
    #[inline(always)]
    fn set(&mut self, key: Option<Key>) {
        self.key = key;
    }
}

impl Holder for Place {
    const WHO: Who = Who::Handle;
    const TAKES_HELD: bool = false;
    #[inline(always)]
    fn key(&mut self) -> Option<Key> {
        Key::from_raw(self.raw.load(Ordering::Relaxed))
    }
    #[inline(always)]
    fn set(&mut self, key: Option<Key>) {
        self.raw
            .store(key.map_or(0, Key::to_raw), Ordering::Relaxed);
    }
}

/// Work a receive does under the same lock once it has its first value
/// (`recv_many` takes the rest).
type More<'a, T> = &'a mut dyn FnMut(&mut State<T>, &mut Wake);

impl<T> Chan<T> {
    /// Drives a `recv` future, returning the bare value: the common case
    /// moves it out of the buffer into one local and from there into the
    /// result (for a large `T` the layers of `Item`, `Option` and `Poll`
    /// were half the cost of a message).
    #[inline]
    pub(crate) fn poll_recv(
        &self,
        wait: &mut RecvWait,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let budget = ready!(Budget::take(cx));
        let mut s = self.lock();
        match wait.key {
            None if s.can_pop() => {
                // Nobody moves into the room: no wake-up bookkeeping.
                s.received += 1;
                let value = s.buf.pop_plain();
                drop(s);
                budget.spend();
                return Poll::Ready(Ok(value));
            }
            Some(key) if s.is_received(key) => {
                // Woken with a value: taken straight out of the entry.
                wait.key = None;
                let value = self.collect_value(s, key);
                budget.spend();
                return Poll::Ready(Ok(value));
            }
            _ => {}
        }
        budget
            .spend_if_ready(self.poll_recv_slow(s, wait, cx, None))
            .map(|item| item.map(Item::into_received).ok_or(RecvError))
    }

    /// The value a woken receive was handed, moved out of its entry into
    /// the result, not through the general path's `Item`, `Option` and
    /// `Poll` layers (each a move of the value: 46 instructions a message
    /// of 256 bytes on bounded(1), see docs/performance.md). Unlocks; a
    /// waker's panic puts the value back first, as [`Chan::unlock_taking`]
    /// does.
    #[inline(always)]
    fn collect_value(&self, mut s: Guard<'_, T>, key: Key) -> T {
        let mut wake = Wake::default();
        let Entry { waker, status, .. } = s.waiters.remove(key);
        wake.discard(waker);
        let Status::Received { item, slot } = status else {
            unreachable!("gochan: collected a receive that holds no value (internal error)")
        };
        let Item { value, ack } = item;
        s.took_received(slot, &mut wake);
        match self.release(s, wake) {
            None => Item { value, ack }.into_received(),
            Some(p) => self.put_back(Item { value, ack }, p).into_received(),
        }
    }

    /// Drives a handle's own receive (its stream and `poll_recv`): as
    /// [`Chan::poll_recv`], with the place in line kept in the handle.
    pub(crate) fn poll_recv_place(
        &self,
        place: &mut Place,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        let budget = ready!(Budget::take(cx));
        let s = self.lock();
        if let Some(key) = place.key() {
            if s.is_received(key) {
                place.set(None);
                let value = self.collect_value(s, key);
                budget.spend();
                return Poll::Ready(Some(value));
            }
        }
        budget
            .spend_if_ready(self.poll_recv_slow(s, place, cx, None))
            .map(|item| item.map(Item::into_received))
    }

    /// Everything but the common case of [`Chan::poll_recv`], for any
    /// holder; `more` runs under the same lock once a value is taken.
    /// Inlined, as `poll_send_slow` is.
    #[inline]
    fn poll_recv_slow<H: Holder>(
        &self,
        mut s: Guard<'_, T>,
        holder: &mut H,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let mut wake = Wake::default();
        let res = loop {
            let Some(key) = holder.key() else {
                if let Some(item) = s.take_now(&mut wake) {
                    break Poll::Ready(Some(item));
                }
                if s.is_finished() {
                    break Poll::Ready(None);
                }
                if H::TAKES_HELD && !s.waiters.is_empty(Line::Held) {
                    break Poll::Ready(s.take_held(&mut wake));
                }
                // The waker is cloned before the entry exists: a `clone`
                // that panics leaves no entry behind.
                let entry = Entry {
                    waker: Some(cx.waker().clone()),
                    who: H::WHO,
                    status: Status::Receiving,
                };
                holder.set(Some(s.waiters.insert(entry, Line::Recv)));
                if s.is_rendezvous() && !s.waiters.is_empty(Line::Send) {
                    s.match_rendezvous(&mut wake);
                }
                break Poll::Pending;
            };
            match s.waiters.peek(key).status {
                Status::Receiving => {
                    // Still waiting: a value a handle holds is taken over
                    // rather than wait beside it.
                    if H::TAKES_HELD && !s.waiters.is_empty(Line::Held) {
                        // Out of line first: the room the held value frees
                        // may move a sender's value in, which must not be
                        // handed to this entry.
                        holder.set(None);
                        wake.discard(s.waiters.free(key));
                        let item = s.take_held(&mut wake);
                        break Poll::Ready(item);
                    }
                    s.refresh_waker(key, cx.waker(), &mut wake);
                    break Poll::Pending;
                }
                Status::Received { .. } => {
                    holder.set(None);
                    break Poll::Ready(Some(s.collect(key, &mut wake)));
                }
                Status::Closed => {
                    holder.set(None);
                    wake.discard(s.waiters.free(key));
                    break Poll::Ready(None);
                }
                Status::Passed => {
                    // A handle's held value went on: start afresh.
                    holder.set(None);
                    wake.discard(s.waiters.free(key));
                }
                _ => {
                    unreachable!("gochan: a receive entry ends received or closed (internal error)")
                }
            }
        };
        match res {
            Poll::Ready(Some(item)) => {
                if let Some(more) = more {
                    more(&mut s, &mut wake);
                }
                Poll::Ready(Some(self.unlock_taking(s, wake, item)))
            }
            res => {
                self.unlock(s, wake);
                res
            }
        }
    }

    /// `recv()` on a handle that holds a place (its stream waited): the
    /// future takes the place over, with any value handed to it, and the
    /// place is a future's from now on (live while it is registered).
    #[inline]
    pub(crate) fn take_over(&self, place: &Place) -> RecvWait {
        match place.take() {
            None => RecvWait::default(),
            Some(key) => self.take_over_place(key),
        }
    }

    /// [`Chan::take_over`] of a place the handle held.
    #[cold]
    #[inline(never)]
    fn take_over_place(&self, key: Key) -> RecvWait {
        let mut s = self.lock();
        let entry = s.waiters.get(key);
        entry.who = Who::Future;
        if let Some(Line::Held) = s.waiters.line_of(key) {
            s.waiters.unlink(key);
        }
        RecvWait { key: Some(key) }
    }

    /// Withdraws a waiting receive (a future, a handle's place, a select
    /// case). A value it was handed but never returned goes to the next
    /// waiting receiver or back to the front of the buffer.
    #[inline(never)]
    pub(crate) fn cancel_recv(&self, key: Key) {
        let mut wake = Wake::default();
        let mut s = self.lock();
        let entry = s.waiters.remove(key);
        wake.discard(entry.waker);
        if let Status::Received { item, slot } = entry.status {
            s.pass_on(item, slot, &mut wake);
        }
        self.unlock(s, wake);
    }

    /// Withdraws a receive future's entry, if it has one.
    #[inline]
    pub(crate) fn cancel_recv_wait(&self, wait: &mut RecvWait) {
        if let Some(key) = wait.key.take() {
            self.cancel_recv(key);
        }
    }

    /// Withdraws a handle's place, if it holds one (the handle is dropped).
    pub(crate) fn cancel_place(&self, place: &Place) {
        if let Some(key) = place.take() {
            self.cancel_recv(key);
        }
    }

    /// `Receiver::try_recv` on a handle without a place: a receive that
    /// never waits.
    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut s = self.lock();
        if s.can_pop() {
            s.received += 1;
            let value = s.buf.pop_plain();
            drop(s);
            return Ok(value);
        }
        self.try_recv_locked(s, Wake::default())
            .map(Item::into_received)
    }

    /// The rest of a `try_recv`, under the lock: a value now, or why not.
    /// Unlocks.
    #[inline]
    fn try_recv_locked(
        &self,
        mut s: Guard<'_, T>,
        mut wake: Wake,
    ) -> Result<Item<T>, TryRecvError> {
        match s.take_now(&mut wake) {
            Some(item) => Ok(self.unlock_taking(s, wake, item)),
            None => {
                let e = if s.is_finished() {
                    TryRecvError::Closed
                } else {
                    TryRecvError::Empty
                };
                self.unlock(s, wake);
                Err(e)
            }
        }
    }

    /// `Receiver::try_recv`: a value the handle's place holds comes first
    /// (the place is kept while it only waits); otherwise as
    /// [`Chan::try_recv`].
    #[inline]
    pub(crate) fn try_recv_place(&self, place: &Place) -> Result<T, TryRecvError> {
        let Some(key) = place.take() else {
            return self.try_recv();
        };
        self.try_recv_held(place, key).map(Item::into_received)
    }

    /// [`Chan::try_recv_place`] of a handle that holds a place.
    #[inline(never)]
    fn try_recv_held(&self, place: &Place, key: Key) -> Result<Item<T>, TryRecvError> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        match s.waiters.peek(key).status {
            Status::Received { .. } => {
                let item = s.collect(key, &mut wake);
                Ok(self.unlock_taking(s, wake, item))
            }
            Status::Receiving => {
                // Still in line: a receiver waits only while nothing is
                // buffered for it, so there is nothing to take now.
                place.put(key);
                drop(s);
                Err(TryRecvError::Empty)
            }
            Status::Closed => {
                wake.discard(s.waiters.free(key));
                self.unlock(s, wake);
                Err(TryRecvError::Closed)
            }
            Status::Passed => {
                wake.discard(s.waiters.free(key));
                self.try_recv_locked(s, wake)
            }
            _ => unreachable!("gochan: a receive entry ends received or closed (internal error)"),
        }
    }

    /// Drives a `recv_many`: waits for one value like `recv`, then moves up
    /// to `limit - 1` more into `buf` in the same critical section. Returns
    /// how many were added (0 only when closed and drained, or `limit == 0`).
    pub(crate) fn poll_recv_many(
        &self,
        wait: &mut RecvWait,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let budget = ready!(Budget::take(cx));
        let start = buf.len();
        // Signalled once the lock is released, even if a waker's panic
        // unwinds from the unlock: those values are the caller's.
        let mut acks = Acks(Vec::new());
        let s = self.lock();
        let first = ready!(budget.spend_if_ready(self.poll_recv_slow(
            s,
            wait,
            cx,
            Some(&mut |s, wake| s.take_into(buf, limit - 1, &mut acks.0, wake)),
        )));
        let Some(first) = first else {
            return Poll::Ready(0);
        };
        // The first value came before the rest: put it in front of them.
        buf.push(first.into_received());
        buf[start..].rotate_right(1);
        Poll::Ready(buf.len() - start)
    }
}

/// Acknowledgements of values a `recv_many` took, signalled when dropped.
struct Acks(Vec<Arc<Ack>>);

impl Drop for Acks {
    fn drop(&mut self) {
        for ack in self.0.drain(..) {
            ack.set(AckState::Delivered);
        }
    }
}

impl<T> State<T> {
    /// The common receive: open, a bare value buffered (no acknowledgement
    /// to settle), nobody waiting to send (so nobody moves in behind it).
    /// Then [`Buffer::pop_plain`](super::buffer::Buffer::pop_plain) is all a receive does; anything else takes
    /// the slow path.
    #[inline(always)]
    pub(super) fn can_pop(&self) -> bool {
        // `&`, not `&&`, as in `can_push`.
        !self.closed
            & !self.buf.is_empty()
            & self.buf.is_plain()
            & self.waiters.is_empty(Line::Send)
    }

    /// Takes the oldest buffered value (the buffer is not empty).
    #[inline(always)]
    pub(super) fn pop(&mut self) -> Item<T> {
        self.received += 1;
        self.buf.pop_front()
    }

    /// Takes the oldest buffered value; the room it leaves goes to the
    /// longest-waiting senders, and a closed channel may now be finished.
    #[inline(always)]
    pub(super) fn take_buffered(&mut self, wake: &mut Wake) -> Item<T> {
        let item = self.pop();
        if !self.waiters.is_empty(Line::Send) {
            self.refill(wake);
        }
        if self.is_finished() {
            wake.events = true;
        }
        item
    }

    /// A receive that does not wait: the oldest buffered value, else on a
    /// rendezvous channel the value of the longest-waiting sender. A
    /// buffered channel's receive never takes from a sender: senders there
    /// wait for room, and move into the buffer in line order.
    #[inline(always)]
    pub(super) fn take_now(&mut self, wake: &mut Wake) -> Option<Item<T>> {
        if !self.buf.is_empty() {
            return Some(self.take_buffered(wake));
        }
        if self.is_rendezvous() {
            return self.take_from_sender(wake);
        }
        None
    }

    /// A receiver that would otherwise wait takes over the oldest value a
    /// handle's place holds; the place is spent.
    #[inline]
    pub(super) fn take_held(&mut self, wake: &mut Wake) -> Option<Item<T>> {
        let key = self.waiters.pop(Line::Held)?;
        let entry = self.waiters.get(key);
        let Status::Received { item, slot } = std::mem::replace(&mut entry.status, Status::Passed)
        else {
            unreachable!("gochan: a held place holds a value (internal error)")
        };
        self.took_received(slot, wake);
        Some(item)
    }

    /// Whether the receive entry under `key` was handed a value.
    #[inline(always)]
    pub(super) fn is_received(&self, key: Key) -> bool {
        matches!(self.waiters.peek(key).status, Status::Received { .. })
    }

    /// Frees a `Received` entry and takes its value.
    #[inline(always)]
    pub(super) fn collect(&mut self, key: Key, wake: &mut Wake) -> Item<T> {
        let entry = self.waiters.remove(key);
        wake.discard(entry.waker);
        let Status::Received { item, slot } = entry.status else {
            unreachable!("gochan: collected a receive that holds no value (internal error)")
        };
        self.took_received(slot, wake);
        item
    }

    /// A receiver takes the value it was handed: it is no longer in flight.
    #[inline(always)]
    pub(super) fn took_received(&mut self, slot: bool, wake: &mut Wake) {
        self.in_flight -= 1;
        self.received += 1;
        if slot {
            self.held_slots -= 1;
            self.reserved -= 1;
            self.refill(wake);
        }
        self.settle_closed(wake);
    }

    /// A receiver went away holding `item`: to the next waiting receiver, or
    /// back to the front of the buffer.
    pub(super) fn pass_on(&mut self, item: Item<T>, slot: bool, wake: &mut Wake) {
        self.in_flight -= 1;
        match self.pop_receiver(wake) {
            Some((key, w)) => {
                if slot {
                    // `hand` counts the slot again.
                    self.held_slots -= 1;
                    self.reserved -= 1;
                }
                self.hand(key, w, item, slot, wake);
            }
            None => {
                if slot {
                    // Buffered now: the value itself occupies the slot.
                    self.held_slots -= 1;
                    self.reserved -= 1;
                }
                self.buf.push_front(item);
            }
        }
        self.settle_closed(wake);
    }

    /// Takes up to `n` values without waiting, straight into `buf`, keeping
    /// their acknowledgements to signal after the lock.
    fn take_into(&mut self, buf: &mut Vec<T>, n: usize, acks: &mut Vec<Arc<Ack>>, wake: &mut Wake) {
        for _ in 0..n {
            let Some(item) = self.take_now(wake) else {
                break;
            };
            if let Some(ack) = item.ack {
                acks.push(ack);
            }
            buf.push(item.value);
        }
    }
}
