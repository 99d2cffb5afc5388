//! The state under the channel's lock and its transitions: admission,
//! hand-off to the longest-waiting counterpart, refill, close and drain,
//! reservations. Only the engine touches its fields.
//!
//! The transitions a plain send or receive runs when it waits or hands off
//! (`give`, `offer`, `take`, `take_buffered`, `refill`, registering,
//! `poll_entry`, `take_entry`), and the slab operations in `waiters.rs`, are
//! `#[inline(always)]`: left to the compiler they stayed out of line, each
//! call paying its prologue and moving an entry or a status by value
//! (callgrind: spsc bounded(1) 939 → 816 instructions a message, pingpong
//! bounded(1) 2477 → 2107 a round trip).

use std::collections::VecDeque;
use std::task::Waker;

use super::ack::Item;
use super::stats::Stats;
use super::token::{claim, claim_waiter, own_select_lost, Claim, Sel};
use super::waiters::{Entry, Key, Line, Status, Waiters};
use super::wake::Wake;
use crate::capacity::Capacity;
use crate::error::TryRecvError;

/// Below this many slots the buffer's allocation is never shrunk; above it, a
/// buffer drained to a quarter of its allocation gives half of it back.
pub(super) const SHRINK_FLOOR: usize = 1024;

/// The outcome of trying to send without waiting.
pub(crate) enum TrySend<T> {
    /// The item entered the channel.
    Sent,
    /// No room and no waiting receiver.
    Full(Item<T>),
    /// The channel is closed.
    Closed(Item<T>),
    /// Our select already happened through another case.
    Lost(Item<T>),
}

/// Where [`State::give_from`] and [`State::offer`] take an item from, once
/// they know where it lands (a send's state implements it in `ops.rs`).
pub(crate) trait TakeItem<T> {
    /// The item; called at most once.
    fn take_item(&mut self) -> Item<T>;
}

impl<T> TakeItem<T> for Option<Item<T>> {
    #[inline(always)]
    fn take_item(&mut self) -> Item<T> {
        self.take()
            .expect("gochan: an item taken twice (internal error)")
    }
}

/// What [`State::offer`] did with a send's item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// The item entered the channel.
    Sent,
    /// No room and no waiting receiver: the item is still the caller's.
    Full,
    /// The channel is closed: the item is still the caller's.
    Closed,
}

/// The outcome of trying to receive without waiting.
pub(crate) enum TryRecv<T> {
    /// Took this item.
    Got(Item<T>),
    /// Nothing to take now.
    Empty,
    /// Closed and drained: nothing will ever come.
    Closed,
    /// Our select already happened through another case.
    Lost,
}

/// Everything the lock guards.
pub(crate) struct State<T> {
    /// Buffered values, oldest first. Holds more than the capacity only after a
    /// receiver cancelled mid-handoff put its value back at the front (on a
    /// rendezvous channel too, which otherwise buffers only what a permit
    /// sends with nobody waiting).
    ///
    /// Invariant: while a value is buffered, no live receiver waits (every
    /// path that adds a value hands it to the longest-waiting receiver
    /// first). The receive fast paths rely on it: they pop the buffer without
    /// looking at the receive line. Checked in debug builds by [`State::pop`].
    pub(super) buf: VecDeque<Item<T>>,
    /// The admission rule.
    pub(super) cap: Capacity,
    /// Set once, never cleared.
    pub(super) closed: bool,
    /// Set by a `close_now` that found permits outstanding: their room was
    /// taken back (`reserved` set to 0) so that the channel could finish at
    /// once. Such a permit's `send` hands its value back instead of sending
    /// it, and its drop gives nothing back. Only permits granted before the
    /// close exist (a closed channel grants none), so every permit alive once
    /// this is set is revoked.
    pub(super) permits_revoked: bool,
    /// Live `Sender` handles (weak senders not counted); 0 closes the channel.
    pub(super) senders: usize,
    /// Live `Receiver` handles; 0 closes and empties the channel.
    pub(super) receivers: usize,
    /// Room promised to outstanding permits; counts as occupied.
    pub(super) reserved: usize,
    /// Values handed to a waiting receiver's entry and not yet taken by it.
    pub(super) in_flight: usize,
    /// Waiting operations.
    pub(super) waiters: Waiters<T>,
    /// Values that entered the channel, since creation.
    pub(super) sent: u64,
    /// Values taken by receivers, since creation.
    pub(super) received: u64,
}

impl<T> State<T> {
    /// Closed, nothing buffered, nothing in a receiver's hands, no permit that
    /// could still add a value: nothing will ever be received again.
    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.closed && self.buf.is_empty() && self.in_flight == 0 && self.reserved == 0
    }

    #[inline]
    pub(super) fn occupied(&self) -> usize {
        self.buf.len() + self.reserved
    }

    /// The common send: open, nobody waiting to receive, room in the buffer.
    /// Then [`State::push`] is all a send does.
    #[inline]
    pub(crate) fn can_push(&self) -> bool {
        !self.closed && self.waiters.len(Line::Recv) == 0 && self.cap.has_room(self.occupied())
    }

    /// The buffer has a free slot now: a push will not grow it. Then nothing
    /// between taking a send's value out of its future and storing it can
    /// panic, so the compiler moves it once instead of keeping a copy for
    /// unwinding (a 256-byte `memcpy` per send). A full buffer grows on the
    /// slow path.
    #[inline]
    pub(crate) fn has_spare_slot(&self) -> bool {
        self.buf.len() < self.buf.capacity()
    }

    /// Buffers `item`; only after [`State::can_push`].
    #[inline]
    pub(crate) fn push(&mut self, item: Item<T>) {
        self.buf.push_back(item);
        self.sent += 1;
    }

    /// The common receive: open, a value buffered, nobody waiting to send
    /// (so no sender moves in behind it). Then [`State::pop`] is all a
    /// receive does.
    #[inline]
    pub(crate) fn can_pop(&self) -> bool {
        !self.closed && !self.buf.is_empty() && self.waiters.len(Line::Send) == 0
    }

    /// A receive that takes a buffered value on an open channel; unlike
    /// [`State::can_pop`], senders may be waiting (then
    /// [`State::take_buffered`] lets one move in).
    #[inline]
    pub(crate) fn can_take(&self) -> bool {
        !self.closed && !self.buf.is_empty()
    }

    /// Takes the oldest buffered item; only after [`State::can_pop`] or
    /// [`State::can_take`].
    /// Always inlined: called out of line, it cost a tenth of an
    /// uncontended send and receive (callgrind).
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Item<T> {
        debug_assert_eq!(
            self.live_receivers_waiting(),
            0,
            "a receiver waits while a value is buffered"
        );
        // Checked once per 256 values, and only on a buffer grown past the
        // floor: the drain of a burst passes here often enough, and the
        // common receive (a small buffer emptied again and again) stays a
        // few instructions. Checked before the pop (with the length the pop
        // leaves), so that nothing runs between taking the item out and
        // returning it: the compiler then moves a large value once, not
        // through a local kept for unwinding.
        if self.buf.capacity() > SHRINK_FLOOR && self.buf.len() % 256 == 1 {
            self.shrink(self.buf.len() - 1);
        }
        self.received += 1;
        self.buf
            .pop_front()
            .expect("can_pop or can_take checked the buffer")
    }

    /// Hands `item` to the longest-waiting receiver, if there is one.
    pub(super) fn hand_to_receiver(
        &mut self,
        item: Item<T>,
        mine: &Sel,
        wake: &mut Wake,
    ) -> Result<(), TrySend<T>> {
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            match claim(Some(mine), entry.sel.as_ref()) {
                Claim::Won(w) => {
                    let w = w.or_else(|| entry.waker.take());
                    entry.status = Status::Received(item);
                    self.waiters.unlink(key);
                    self.in_flight += 1;
                    wake.push(w);
                    return Ok(());
                }
                Claim::Own => {}
                Claim::Theirs => self.waiters.unlink(key),
                Claim::Mine => return Err(TrySend::Lost(item)),
            }
        }
        // Nobody to hand it to: give it back to the caller.
        Err(TrySend::Full(item))
    }

    /// A plain hand-off (no select of our own, so nothing to claim but the
    /// receiver): to the longest-waiting live receiver; the item back if none
    /// waits. Stale select cases met on the way leave the line.
    #[inline(always)]
    pub(super) fn give(&mut self, item: Item<T>, wake: &mut Wake) -> Result<(), Item<T>> {
        let mut src = Some(item);
        if self.give_from(&mut src, wake) {
            Ok(())
        } else {
            Err(src.expect("not given, so still here"))
        }
    }

    /// [`State::give`] of the item `src` holds, taken out of it only if a
    /// receiver is found (so a send that then waits moves its value once,
    /// into its entry). `true` if it was handed over.
    #[inline(always)]
    fn give_from(&mut self, src: &mut impl TakeItem<T>, wake: &mut Wake) -> bool {
        while let Some(key) = self.waiters.pop(Line::Recv) {
            let entry = self.waiters.get(key);
            if let Some(w) = claim_waiter(entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                entry.status = Status::Received(src.take_item());
                self.in_flight += 1;
                wake.push(w);
                return true;
            }
        }
        false
    }

    /// A plain send that does not wait, of the item `src` holds: to the
    /// longest-waiting receiver, else into the buffer if there is room. The
    /// item leaves `src` only where it lands; `Closed` and `Full` leave it in
    /// `src`, so that a large value is not copied out and back.
    #[inline(always)]
    pub(crate) fn offer(&mut self, src: &mut impl TakeItem<T>, wake: &mut Wake) -> Offer {
        if self.closed {
            return Offer::Closed;
        }
        if self.give_from(src, wake) {
            self.sent += 1;
            return Offer::Sent;
        }
        if !self.cap.has_room(self.occupied()) {
            return Offer::Full;
        }
        let item = src.take_item();
        self.push(item);
        Offer::Sent
    }

    /// A receiver takes the item of the waiting sender `key`, whose claim it
    /// won (`w`: the waker of that sender's select, if it is a select case):
    /// the send is complete from this moment.
    fn take_from_sender(&mut self, key: Key, w: Option<Waker>, wake: &mut Wake) -> Item<T> {
        let entry = self.waiters.get(key);
        let w = w.or_else(|| entry.waker.take());
        let Status::SendWaiting(Some(item)) = std::mem::replace(&mut entry.status, Status::Sent)
        else {
            unreachable!("a queued sender holds its item")
        };
        self.waiters.unlink(key);
        self.sent += 1;
        self.received += 1;
        wake.push(w);
        item
    }

    /// A plain receive that does not wait: from the buffer, else from the
    /// longest-waiting sender with a value (rendezvous).
    #[inline(always)]
    pub(crate) fn take(&mut self, wake: &mut Wake) -> Result<Item<T>, TryRecvError> {
        if !self.buf.is_empty() {
            return Ok(self.take_buffered(wake));
        }
        let mut cur = self.waiters.first(Line::Send);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            if let Status::SendWaiting(None) = entry.status {
                // A reservation carries no value (see `try_recv`).
                continue;
            }
            let Some(w) = claim_waiter(entry.sel.as_ref()) else {
                self.waiters.unlink(key);
                continue;
            };
            return Ok(self.take_from_sender(key, w, wake));
        }
        // The buffer is empty here, so finished means closed and drained.
        if self.is_finished() {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Sends without waiting, for a select case (`mine`): to the
    /// longest-waiting receiver, else into the buffer if there is room.
    pub(crate) fn try_send(&mut self, item: Item<T>, mine: &Sel, wake: &mut Wake) -> TrySend<T> {
        if self.closed {
            // A closed channel makes a select's send case ready.
            if own_select_lost(mine) {
                return TrySend::Lost(item);
            }
            return TrySend::Closed(item);
        }
        let item = match self.hand_to_receiver(item, mine, wake) {
            Ok(()) => {
                self.sent += 1;
                return TrySend::Sent;
            }
            Err(TrySend::Full(item)) => item,
            Err(other) => return other,
        };
        if !self.cap.has_room(self.occupied()) {
            return TrySend::Full(item);
        }
        if own_select_lost(mine) {
            return TrySend::Lost(item);
        }
        self.push(item);
        TrySend::Sent
    }

    /// Receives without waiting, for a select case (`mine`): from the buffer,
    /// else from the longest-waiting sender (rendezvous).
    pub(crate) fn try_recv(&mut self, mine: &Sel, wake: &mut Wake) -> TryRecv<T> {
        if !self.buf.is_empty() {
            if own_select_lost(mine) {
                return TryRecv::Lost;
            }
            return TryRecv::Got(self.take_buffered(wake));
        }
        let mut cur = self.waiters.first(Line::Send);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            if let Status::SendWaiting(None) = entry.status {
                // A reservation carries no value to take. (Making the receiver
                // wait for it instead, to keep strict order on a rendezvous
                // channel, strands the senders behind it when that
                // reservation is released: the receiver is then parked next
                // to a sender it never pairs with.)
                continue;
            }
            match claim(Some(mine), entry.sel.as_ref()) {
                Claim::Won(w) => return TryRecv::Got(self.take_from_sender(key, w, wake)),
                Claim::Own => {}
                Claim::Theirs => self.waiters.unlink(key),
                Claim::Mine => return TryRecv::Lost,
            }
        }
        // The buffer is empty here, so finished means closed and drained.
        if self.is_finished() {
            if own_select_lost(mine) {
                return TryRecv::Lost;
            }
            return TryRecv::Closed;
        }
        TryRecv::Empty
    }

    /// Takes the oldest buffered item (the buffer is not empty); the room it
    /// leaves goes to the longest-waiting senders, and a closed channel may
    /// now be finished.
    #[inline(always)]
    pub(crate) fn take_buffered(&mut self, wake: &mut Wake) -> Item<T> {
        let item = self.pop();
        self.refill(wake);
        if self.is_finished() {
            wake.events = true;
        }
        item
    }

    /// Room was freed: move the longest-waiting senders' values into the buffer
    /// (or grant their reservations) while there is room.
    #[inline(always)]
    pub(super) fn refill(&mut self, wake: &mut Wake) {
        while self.cap.has_room(self.occupied()) {
            let Some(key) = self.waiters.pop(Line::Send) else {
                return;
            };
            let entry = self.waiters.get(key);
            // A stale entry (its select happened elsewhere) is just dequeued.
            if let Some(w) = claim_waiter(entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                match std::mem::replace(&mut entry.status, Status::Sent) {
                    Status::SendWaiting(Some(item)) => self.push(item),
                    Status::SendWaiting(None) => self.reserved += 1,
                    _ => unreachable!("a queued sender is waiting"),
                }
                wake.push(w);
            }
        }
    }

    /// Gives memory back after a burst: half the allocation once `len`
    /// values (the length the caller is about to leave) fill a quarter of it.
    #[cold]
    #[inline(never)]
    pub(super) fn shrink(&mut self, len: usize) {
        let cap = self.buf.capacity();
        if cap > SHRINK_FLOOR && len <= cap / 4 {
            self.buf.shrink_to((cap / 2).max(SHRINK_FLOOR));
        }
    }

    /// Gives a freshly registered entry its task's waker.
    #[inline(always)]
    pub(crate) fn set_waker(&mut self, key: Key, waker: Waker) {
        self.waiters.get(key).waker = Some(waker);
    }

    /// Registers a waiting sender holding `item` (`None`: a reservation).
    #[inline(always)]
    pub(crate) fn push_sender(
        &mut self,
        item: Option<Item<T>>,
        waker: Option<Waker>,
        sel: Option<Sel>,
    ) -> Key {
        self.waiters.insert(
            Entry {
                waker,
                sel,
                status: Status::SendWaiting(item),
            },
            Line::Send,
        )
    }

    /// Registers a waiting receiver. On a rendezvous channel a receiver that
    /// starts waiting is what a waiting `reserve` waits for.
    #[inline(always)]
    pub(crate) fn push_receiver(
        &mut self,
        waker: Option<Waker>,
        sel: Option<Sel>,
        wake: &mut Wake,
    ) -> Key {
        let key = self.waiters.insert(
            Entry {
                waker,
                sel,
                status: Status::RecvWaiting,
            },
            Line::Recv,
        );
        if self.cap == Capacity::Bounded(0) && self.waiters.len(Line::Send) > 0 {
            self.grant_reservation(wake);
        }
        key
    }

    /// Tries to reserve room for one value without waiting: `Ok(true)` if
    /// granted, `Ok(false)` if the caller must wait, `Err(())` if closed.
    /// Waiting senders go first. On a rendezvous channel the "room" is a
    /// receiver waiting now.
    pub(crate) fn try_reserve(&mut self) -> Result<bool, ()> {
        if self.closed {
            return Err(());
        }
        if self.waiters.len(Line::Send) > 0 {
            return Ok(false);
        }
        let room = match self.cap {
            Capacity::Bounded(0) => self.reserved < self.live_receivers_waiting(),
            cap => cap.has_room(self.occupied()),
        };
        if room {
            self.reserved += 1;
        }
        Ok(room)
    }

    /// How many receivers wait that a counterpart could still complete.
    pub(super) fn live_receivers_waiting(&self) -> usize {
        let mut n = 0;
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            n += usize::from(match &self.waiters.peek(key).sel {
                Some((t, _)) => t.lock().chosen.is_none(),
                None => true,
            });
        }
        n
    }

    /// Grants the first waiting reservation on a rendezvous channel.
    pub(super) fn grant_reservation(&mut self, wake: &mut Wake) {
        let mut cur = self.waiters.first(Line::Send);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            if let Status::SendWaiting(None) = entry.status {
                entry.status = Status::Sent;
                wake.push(entry.waker.take());
                self.waiters.unlink(key);
                self.reserved += 1;
                return;
            }
        }
    }

    /// A permit sends its value: to the longest-waiting receiver, else into the
    /// buffer (the room it reserved). `Err` gives the item back when no
    /// receiver can ever take it: every receiver is gone, or `close_now`
    /// revoked the permit.
    pub(crate) fn send_reserved(&mut self, item: Item<T>, wake: &mut Wake) -> Result<(), Item<T>> {
        if self.permits_revoked {
            return Err(item);
        }
        self.reserved -= 1;
        let res = if self.receivers == 0 {
            Err(item)
        } else {
            match self.give(item, wake) {
                Err(item) => self.push(item),
                Ok(()) => self.sent += 1,
            }
            Ok(())
        };
        // A hand-off leaves the reserved room free.
        self.reservation_settled(wake);
        res
    }

    /// A permit is dropped unused: its room goes to the next waiting sender.
    pub(crate) fn release_reserved(&mut self, wake: &mut Wake) {
        if self.permits_revoked {
            return;
        }
        self.reserved -= 1;
        self.reservation_settled(wake);
    }

    /// A reservation ended: the room it held goes to the next waiting sender
    /// (on a rendezvous channel, the next waiting `reserve` while a receiver
    /// waits), and a closed channel may now be finished.
    pub(super) fn reservation_settled(&mut self, wake: &mut Wake) {
        self.refill(wake);
        if self.cap == Capacity::Bounded(0) && self.reserved < self.live_receivers_waiting() {
            self.grant_reservation(wake);
        }
        if self.closed {
            self.close_receivers(wake);
            if self.is_finished() {
                wake.events = true;
            }
        }
    }

    /// Looks at a waiting entry: if it is done, frees it and returns its
    /// status; otherwise refreshes its waker and returns `None`.
    #[inline(always)]
    pub(crate) fn poll_entry(
        &mut self,
        key: Key,
        waker: Option<&Waker>,
        wake: &mut Wake,
    ) -> Option<Status<T>> {
        let entry = self.waiters.get(key);
        match entry.status {
            Status::SendWaiting(_) | Status::RecvWaiting | Status::Watching => {
                if let Some(waker) = waker {
                    match &entry.waker {
                        Some(w) if w.will_wake(waker) => {}
                        _ => wake.discard(entry.waker.replace(waker.clone())),
                    }
                }
                None
            }
            _ => Some(self.take_entry(key, wake)),
        }
    }

    /// Frees an entry whatever its state, dequeuing it if it still waits, and
    /// returns its status. A `Received` item is still in flight: the caller
    /// either returns it ([`State::took_received`]) or passes it on
    /// ([`State::pass_on`]).
    #[inline(always)]
    pub(crate) fn take_entry(&mut self, key: Key, wake: &mut Wake) -> Status<T> {
        // Leaves its line, if it still waits in one, in O(1).
        let entry = self.waiters.remove(key);
        wake.discard(entry.waker);
        entry.status
    }

    /// A receiver takes the item it was handed: it is no longer in flight.
    #[inline(always)]
    pub(crate) fn took_received(&mut self, wake: &mut Wake) {
        self.in_flight -= 1;
        self.received += 1;
        if self.closed {
            self.close_receivers(wake);
            if self.is_finished() {
                wake.events = true;
            }
        }
    }

    /// A receiver went away holding `item`: pass it to the next waiting
    /// receiver, or put it back at the front of the buffer.
    pub(crate) fn pass_on(&mut self, item: Item<T>, wake: &mut Wake) {
        self.in_flight -= 1;
        if let Err(item) = self.give(item, wake) {
            self.buf.push_front(item);
        }
    }

    /// Closes the channel: waiting senders get their values back, waiting
    /// receivers see `Closed` once nothing is left. Returns whether this call
    /// closed it.
    pub(crate) fn close(&mut self, wake: &mut Wake) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        wake.events = true;
        // Most channels close with nobody waiting: skip the line walk.
        while self.waiters.len(Line::Send) > 0 {
            let key = self.waiters.pop(Line::Send).expect("a sender waits");
            let entry = self.waiters.get(key);
            if let Some(w) = claim_waiter(entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                let Status::SendWaiting(item) = std::mem::replace(&mut entry.status, Status::Sent)
                else {
                    unreachable!("a queued sender is waiting")
                };
                entry.status = Status::Closed(item);
                wake.push(w);
            }
        }
        self.close_receivers(wake);
        true
    }

    /// Once the channel is closed and nothing is left, wakes every waiting
    /// receiver with `Closed`. While a value is buffered, in a receiver's hands
    /// (it may be passed on) or promised to a permit, they keep waiting.
    pub(crate) fn close_receivers(&mut self, wake: &mut Wake) {
        if !self.is_finished() {
            return;
        }
        while self.waiters.len(Line::Recv) > 0 {
            let key = self.waiters.pop(Line::Recv).expect("a receiver waits");
            let entry = self.waiters.get(key);
            if let Some(w) = claim_waiter(entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                entry.status = Status::Closed(None);
                wake.push(w);
            }
        }
    }

    /// Registers (or refreshes) a `closed()`/`join()` in the watch line.
    /// The waker is cloned under the lock, as `tokio::sync::Notify` does:
    /// nothing of the channel is in a local that a panicking `clone` could
    /// drop, and a `clone` that calls back into this channel would deadlock
    /// (wakers must not do that, with tokio's primitives either).
    pub(super) fn watch(&mut self, key: &mut Option<Key>, waker: &Waker, wake: &mut Wake) {
        let Some(k) = *key else {
            let entry = Entry {
                waker: None,
                sel: None,
                status: Status::Watching,
            };
            let k = self.waiters.insert(entry, Line::Watch);
            *key = Some(k);
            self.waiters.get(k).waker = Some(waker.clone());
            return;
        };
        let entry = self.waiters.get(k);
        if let Status::Notified = entry.status {
            // Woken, but not done yet (`join()` after a close): back in line.
            entry.status = Status::Watching;
            self.waiters.requeue(k, Line::Watch);
        }
        let entry = self.waiters.get(k);
        match &entry.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => wake.discard(entry.waker.replace(waker.clone())),
        }
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

    /// Whether nothing is buffered.
    #[inline]
    pub(crate) fn is_empty_buffer(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes every buffered item out (close_now, last receiver gone).
    pub(crate) fn drain(&mut self) -> VecDeque<Item<T>> {
        std::mem::take(&mut self.buf)
    }

    /// A snapshot for `stats()`.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            buffered: self.buf.len(),
            capacity: self.cap.get(),
            senders: self.senders,
            receivers: self.receivers,
            waiting_senders: self.waiters.len(Line::Send),
            waiting_receivers: self.waiters.len(Line::Recv),
            sent: self.sent,
            received: self.received,
            closed: self.closed,
        }
    }
}

/// The channel's lock held. The lock is `parking_lot`'s rather than std's:
/// under contention std's futex mutex sends its waiters to sleep and every
/// unlock after that is a system call, which made the contended benchmark rows
/// up to twice as slow (see the commit that chose it); uncontended, the two
/// cost the same.
pub(crate) type StateGuard<'a, T> = parking_lot::MutexGuard<'a, State<T>>;

/// Read-only views used by the handles.
impl<T> State<T> {
    pub(crate) fn closed(&self) -> bool {
        self.closed
    }
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
    pub(crate) fn capacity(&self) -> Capacity {
        self.cap
    }
    /// The buffer alone: `len() >= capacity` (room promised to permits is
    /// not a buffered value, and `len` does not count it either).
    pub(crate) fn is_full(&self) -> bool {
        self.cap.is_full(self.buf.len())
    }
    pub(crate) fn senders(&self) -> usize {
        self.senders
    }
    pub(crate) fn receivers(&self) -> usize {
        self.receivers
    }
}
