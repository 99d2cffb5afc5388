//! What the futures, handles and select cases call: the send and receive
//! drivers, withdrawal, and the `closed()`/`join()` watch.

use std::task::{Context, Poll, Waker};

use super::ack::{AckState, Item};
use super::state::{Offer, StateGuard, TakeItem, TryRecv, TrySend};
use super::token::Sel;
use super::waiters::{Key, Line, Status};
use super::wake::Wake;
use super::{Chan, State};
use crate::capacity::Capacity;
use crate::error::{RecvError, TryRecvError, TrySendError};

/// A `closed()`/`join()` in the watch line; withdrawn when dropped.
pub(super) struct Watch<'a, T> {
    /// The channel.
    pub(super) chan: &'a Chan<T>,
    /// Our entry in the watch line, while waiting.
    pub(super) key: Option<Key>,
}

impl<T> Drop for Watch<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_watch(key);
        }
    }
}

/// Work a receive does under the same lock once it has its value
/// (`recv_many` takes the rest).
pub(super) type More<'a, T> = &'a mut dyn FnMut(&mut State<T>, &mut Wake);

/// What [`Chan::try_registration`] found.
pub(crate) enum Registration<T> {
    /// Still waiting in line: nothing for it yet.
    Waiting,
    /// It had been handed this item; the registration is spent.
    Got(Item<T>),
    /// The channel is closed and drained; the registration is spent.
    Closed,
}

/// Where a waiting send stands.
pub(crate) enum SendState<T> {
    /// Not yet offered to the channel; also, for the moment between the
    /// engine's refusal and the future's return, a refused item waiting to
    /// be handed back (see [`Chan::poll_send`]).
    Idle(Item<T>),
    /// Waiting in the send queue.
    Waiting(Key),
    /// Finished: sent or refused.
    Done,
    /// Withdrawn by `cancel`: polling again is a mistake the panic names.
    Cancelled,
}

/// The panic of a send future polled after it completed or was cancelled.
#[cold]
#[track_caller]
pub(crate) fn polled_after_end<T>(st: &SendState<T>) -> ! {
    match st {
        SendState::Cancelled => {
            panic!("gochan: send future polled after `cancel` (it was cancelled, not completed)")
        }
        _ => panic!("gochan: send future polled after completion"),
    }
}

// select entry points
//
// A select's case tries its operation and, if it cannot happen now, registers
// under the same lock, so that no counterpart slips between the look and the
// registration; the case that its token chose later takes its result here.
// Withdrawing a case is `cancel_recv` / `cancel_send`.

/// What a select's receive case found.
pub(crate) enum SelectRecv<T> {
    /// Took this item: the case happened now.
    Got(Item<T>),
    /// Closed and drained: the case happened now, with `RecvError`.
    Closed,
    /// Another case of the same select already happened.
    Lost,
    /// Registered under this key: a counterpart may complete it.
    Waiting(Key),
}

/// What a select's send case found.
pub(crate) enum SelectSend<T> {
    /// The item entered the channel: the case happened now.
    Sent,
    /// The channel is closed: the case happened now, the item comes back.
    Closed(Item<T>),
    /// Another case of the same select already happened: the item comes back.
    Lost(Item<T>),
    /// Registered under this key, holding the item.
    Waiting(Key),
}

impl<T> SendState<T> {
    /// Takes the item of an `Idle` send, leaving it `Done`.
    #[inline(always)]
    pub(crate) fn take_idle(&mut self) -> Item<T> {
        match std::mem::replace(self, SendState::Done) {
            SendState::Idle(item) => item,
            _ => unreachable!("gochan: a send's item taken twice (internal error)"),
        }
    }
}

/// An idle send offers its item to [`State::offer`] from where it is.
impl<T> TakeItem<T> for SendState<T> {
    #[inline(always)]
    fn take_item(&mut self) -> Item<T> {
        self.take_idle()
    }
}

impl<T> Chan<T> {
    /// Drives a send: tries at once, else waits in the send queue. `Err`:
    /// the channel is closed and the item is back in `st` as
    /// [`SendState::Idle`], for the caller to hand back. (The item does not
    /// travel in the result: a `Poll<Result<(), Item<T>>>` is as large as
    /// the item, and the compiler copied it whole at every step even when
    /// it held none: callgrind counted 1.5 extra copies of a 256-byte
    /// value per message on a rendezvous channel.)
    #[inline]
    pub(crate) fn poll_send(
        &self,
        st: &mut SendState<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if matches!(st, SendState::Idle(_)) && s.can_push() && s.has_spare_slot() {
            let SendState::Idle(item) = std::mem::replace(st, SendState::Done) else {
                unreachable!("matched above")
            };
            s.push(item);
            drop(s);
            crate::coop::made_progress(coop);
            return Poll::Ready(Ok(()));
        }
        let res = self.poll_send_slow(s, st, cx);
        if res.is_ready() {
            crate::coop::made_progress(coop);
        }
        res
    }

    /// Everything but the common case of [`Chan::poll_send`]. Inlined: out
    /// of line it kept the common case a little smaller (seq 4 instructions a
    /// message fewer) but every wait paid a call with the guard and the
    /// state passed through memory (spsc bounded(1) 40, rendezvous 84,
    /// pingpong 198 a round trip more; callgrind).
    #[inline]
    pub(super) fn poll_send_slow(
        &self,
        mut s: StateGuard<'_, T>,
        st: &mut SendState<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let mut wake = Wake::default();
        let res = match *st {
            SendState::Idle(_) => match s.offer(st, &mut wake) {
                Offer::Sent => Poll::Ready(Ok(())),
                // The item stays in `st`, for the future to hand back.
                Offer::Closed => Poll::Ready(Err(())),
                Offer::Full => {
                    let item = st.take_idle();
                    // The item is in its entry, and the entry is the
                    // future's, before the waker is cloned: a `clone` that
                    // panics (user code; cloned under the lock, as tokio's
                    // `Notify` does) leaves the value where the future's drop
                    // withdraws it, never dropped under the lock.
                    let key = s.push_sender(Some(item), None, None);
                    *st = SendState::Waiting(key);
                    s.set_waker(key, cx.waker().clone());
                    Poll::Pending
                }
            },
            SendState::Waiting(key) => match s.poll_entry(key, Some(cx.waker()), &mut wake) {
                None => Poll::Pending,
                Some(Status::Sent) => {
                    *st = SendState::Done;
                    Poll::Ready(Ok(()))
                }
                Some(Status::Closed(Some(item))) => {
                    *st = SendState::Idle(item);
                    Poll::Ready(Err(()))
                }
                Some(_) => unreachable!("a send entry ends sent or closed"),
            },
            SendState::Done | SendState::Cancelled => {
                drop(s);
                polled_after_end(st);
            }
        };
        self.unlock(s, wake);
        res
    }

    /// Withdraws a send: the item back if it has not entered the channel.
    #[inline(never)]
    pub(crate) fn cancel_send(&self, st: &mut SendState<T>) -> Option<Item<T>> {
        match std::mem::replace(st, SendState::Cancelled) {
            SendState::Idle(item) => Some(item),
            SendState::Waiting(key) => match self.with(|s, wake| s.take_entry(key, wake)) {
                Status::SendWaiting(item) | Status::Closed(item) => item,
                _ => None,
            },
            SendState::Done | SendState::Cancelled => None,
        }
    }

    /// Drives a receive: tries at once, else waits in the receive queue.
    /// `more` runs under the same lock once a value is taken (`recv_many`).
    #[inline]
    pub(crate) fn poll_recv(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if key.is_none() && s.can_pop() {
            let mut item = s.pop();
            match more {
                None => drop(s),
                Some(more) => {
                    let mut wake = Wake::default();
                    more(&mut s, &mut wake);
                    item = self.unlock_taking(s, wake, item);
                }
            }
            crate::coop::made_progress(coop);
            return Poll::Ready(Some(item));
        }
        let res = self.poll_recv_slow(s, key, cx, more);
        if res.is_ready() {
            crate::coop::made_progress(coop);
        }
        res
    }

    /// [`Chan::poll_recv`] for a plain `recv`, which wants the bare value: the
    /// common case moves it out of the buffer into one local and from there
    /// into the result, not through `Item`, `Option` and `Poll` layers (that
    /// mattered for large `T`: callgrind showed the copies as half the cost
    /// of a 256-byte message).
    #[inline]
    pub(crate) fn poll_recv_value(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if key.is_none() && s.can_take() {
            let mut item = if s.waiters.len(Line::Send) == 0 {
                // Nobody moves into the room: no wake-up bookkeeping.
                let item = s.pop();
                drop(s);
                item
            } else {
                let mut wake = Wake::default();
                let item = s.take_buffered(&mut wake);
                self.unlock_taking(s, wake, item)
            };
            crate::coop::made_progress(coop);
            // The acknowledgement is taken out, the value left in place.
            if let Some(ack) = item.ack.take() {
                ack.set(AckState::Delivered);
            }
            return Poll::Ready(Ok(item.value));
        }
        let res = self.poll_recv_slow(s, key, cx, None);
        if res.is_ready() {
            crate::coop::made_progress(coop);
        }
        res.map(|item| item.map(Item::into_received).ok_or(RecvError))
    }

    /// Everything but the common case of [`Chan::poll_recv`]; inlined, as
    /// [`Chan::poll_send_slow`] is.
    #[inline]
    pub(super) fn poll_recv_slow(
        &self,
        mut s: StateGuard<'_, T>,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let mut wake = Wake::default();
        let res = match *key {
            None => match s.take(&mut wake) {
                Ok(item) => Poll::Ready(Some(item)),
                Err(TryRecvError::Closed) => Poll::Ready(None),
                Err(TryRecvError::Empty) => {
                    let waker = Some(cx.waker().clone());
                    *key = Some(s.push_receiver(waker, None, &mut wake));
                    Poll::Pending
                }
            },
            Some(k) => match s.poll_entry(k, Some(cx.waker()), &mut wake) {
                None => Poll::Pending,
                Some(Status::Received(item)) => {
                    *key = None;
                    s.took_received(&mut wake);
                    Poll::Ready(Some(item))
                }
                Some(Status::Closed(_)) => {
                    *key = None;
                    Poll::Ready(None)
                }
                Some(_) => unreachable!("a receive entry ends received or closed"),
            },
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

    /// Looks at a receive registration without waiting (a `try_recv` on a
    /// `Receiver` that keeps one for its stream): a value it was handed is
    /// taken, a closed channel ends it, otherwise it keeps waiting in line.
    pub(crate) fn try_registration(&self, key: Key) -> Registration<T> {
        self.with(|s, wake| match s.poll_entry(key, None, wake) {
            None => Registration::Waiting,
            Some(Status::Received(item)) => {
                s.took_received(wake);
                Registration::Got(item)
            }
            Some(_) => Registration::Closed,
        })
    }

    /// Withdraws a waiting receive. A value it was handed but never returned
    /// goes to the next waiting receiver or back to the front of the buffer.
    #[inline(never)]
    pub(crate) fn cancel_recv(&self, key: Key) {
        self.with(|s, wake| {
            if let Status::Received(item) = s.take_entry(key, wake) {
                s.pass_on(item, wake);
            }
        });
    }
}

// Plain entry points: what `try_send` and `try_recv` on the handles call.
impl<T> Chan<T> {
    /// `Sender::try_send`: a plain send that never waits.
    #[inline]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut s = self.lock();
        if s.can_push() {
            s.push(Item::new(value));
            return Ok(());
        }
        let mut wake = Wake::default();
        let mut st = SendState::Idle(Item::new(value));
        let res = s.offer(&mut st, &mut wake);
        self.unlock(s, wake);
        match res {
            Offer::Sent => Ok(()),
            Offer::Full => Err(TrySendError::Full(st.take_idle().value)),
            Offer::Closed => Err(TrySendError::Closed(st.take_idle().value)),
        }
    }

    /// `Receiver::try_recv` (without a stream registration): a plain receive
    /// that never waits.
    #[inline]
    pub(crate) fn try_recv(&self) -> Result<Item<T>, TryRecvError> {
        let mut s = self.lock();
        if s.can_pop() {
            let item = s.pop();
            drop(s);
            return Ok(item);
        }
        let mut wake = Wake::default();
        match s.take(&mut wake) {
            Ok(item) => Ok(self.unlock_taking(s, wake, item)),
            Err(e) => {
                self.unlock(s, wake);
                Err(e)
            }
        }
    }
}

impl<T> Chan<T> {
    /// A select's receive case: takes a value now if one is there (claiming
    /// the select's token), else registers as a waiting receiver.
    pub(crate) fn select_recv(&self, sel: Sel) -> SelectRecv<T> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        let res = match s.try_recv(&sel, &mut wake) {
            TryRecv::Got(item) => {
                // A waker that panics puts the value back first.
                return SelectRecv::Got(self.unlock_taking(s, wake, item));
            }
            TryRecv::Closed => SelectRecv::Closed,
            TryRecv::Lost => SelectRecv::Lost,
            TryRecv::Empty => SelectRecv::Waiting(s.push_receiver(None, Some(sel), &mut wake)),
        };
        self.unlock(s, wake);
        res
    }

    /// The select chose this waiting receive case: its item, or `None` if
    /// the channel closed and drained.
    pub(crate) fn select_recv_done(&self, key: Key) -> Option<Item<T>> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        match s.take_entry(key, &mut wake) {
            Status::Received(item) => {
                s.took_received(&mut wake);
                Some(self.unlock_taking(s, wake, item))
            }
            _ => {
                self.unlock(s, wake);
                None
            }
        }
    }

    /// A select's send case: sends now if it can (claiming the select's
    /// token), else registers as a waiting sender holding the item.
    pub(crate) fn select_send(&self, item: Item<T>, sel: Sel) -> SelectSend<T> {
        self.with(|s, wake| match s.try_send(item, &sel, wake) {
            TrySend::Sent => SelectSend::Sent,
            TrySend::Closed(item) => SelectSend::Closed(item),
            TrySend::Lost(item) => SelectSend::Lost(item),
            TrySend::Full(item) => SelectSend::Waiting(s.push_sender(Some(item), None, Some(sel))),
        })
    }

    /// The select chose this waiting send case: `Ok` if its item was sent,
    /// the item back if the channel closed first.
    pub(crate) fn select_send_done(&self, key: Key) -> Result<(), Item<T>> {
        match self.with(|s, wake| s.take_entry(key, wake)) {
            Status::Closed(Some(item)) => Err(item),
            _ => Ok(()),
        }
    }
}

// reservation entry points
//
// The critical sections of the permits (`reserve`, `reserve_owned`,
// `reserve_many`, the sink), written once here so that the futures and
// permits only call them. Plus the buffered-value bound a `Receiver`'s
// `Stream::size_hint` reports.
impl<T> Chan<T> {
    /// Drives a reservation of one slot: takes it at once if nobody waits
    /// ahead and there is room, else waits in the send line (as a send with
    /// no item). `Ok(())` is a slot now held by the caller, `Err(())` a closed
    /// channel. `key` is the caller's entry while it waits.
    pub(crate) fn poll_reserve(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let res = self.with(|s, wake| match *key {
            None => match s.try_reserve() {
                Err(()) => Poll::Ready(Err(())),
                Ok(true) => Poll::Ready(Ok(())),
                Ok(false) => {
                    // The entry is the caller's before the waker is cloned
                    // (see `poll_send_slow`).
                    let k = s.push_sender(None, None, None);
                    *key = Some(k);
                    s.set_waker(k, cx.waker().clone());
                    Poll::Pending
                }
            },
            Some(k) => match s.poll_entry(k, Some(cx.waker()), wake) {
                None => Poll::Pending,
                Some(status) => {
                    *key = None;
                    match status {
                        Status::Sent => Poll::Ready(Ok(())),
                        Status::Closed(_) => Poll::Ready(Err(())),
                        _ => unreachable!("a reservation ends granted or closed"),
                    }
                }
            },
        });
        if res.is_ready() {
            crate::coop::made_progress(coop);
        }
        res
    }

    /// Reserves one slot if that is possible right now: `Ok(true)` granted,
    /// `Ok(false)` no room (or senders wait ahead), `Err(())` closed.
    pub(crate) fn try_reserve_now(&self) -> Result<bool, ()> {
        self.lock().try_reserve()
    }

    /// Withdraws a waiting reservation; room granted to it as it was
    /// withdrawn goes to the next waiting sender.
    pub(crate) fn cancel_reserve(&self, key: Key) {
        self.with(|s, wake| {
            if let Status::Sent = s.take_entry(key, wake) {
                s.release_reserved(wake);
            }
        });
    }

    /// Gives back `n` reserved slots unused (dropped permits): their room goes
    /// to the next waiting senders, in order.
    pub(crate) fn release_permits(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.with(|s, wake| {
            for _ in 0..n {
                s.release_reserved(wake);
            }
        });
    }

    /// Sends `item` into a slot the caller holds (see
    /// [`State::send_reserved`]); `Err` hands it back.
    pub(crate) fn send_permit(&self, item: Item<T>) -> Result<(), Item<T>> {
        self.with(|s, wake| s.send_reserved(item, wake))
    }

    /// Starts a reservation of `n` slots: takes at once what is free while
    /// nobody waits ahead, then queues one reservation entry per missing slot,
    /// all in this one critical section, so that they hold consecutive places
    /// in the send line and later senders wait behind all of them. Returns
    /// the number of slots taken at once; `keys` receives the entries.
    /// `Err(())`: the channel is closed, or `n` is more than a buffered
    /// channel's capacity (nothing is taken).
    pub(crate) fn start_reserve_many(
        &self,
        n: usize,
        keys: &mut Vec<Key>,
        waker: &Waker,
    ) -> Result<usize, ()> {
        self.with(|s, _| {
            // More than a buffered channel can ever hold would wait for ever
            // (tokio refuses it the same way). A rendezvous channel has no
            // such limit: its permits are waiting receivers.
            let too_many = matches!(s.cap, Capacity::Bounded(cap) if cap > 0 && n > cap);
            if s.closed || too_many {
                return Err(());
            }
            let mut got = 0;
            if s.waiters.len(Line::Send) == 0 {
                got = match s.cap {
                    Capacity::Bounded(0) => {
                        let free = s.live_receivers_waiting().saturating_sub(s.reserved);
                        free.min(n)
                    }
                    Capacity::Bounded(cap) => cap.saturating_sub(s.occupied()).min(n),
                    Capacity::Unbounded => n,
                };
                s.reserved = s
                    .reserved
                    .checked_add(got)
                    .expect("gochan: more permits than a usize can count");
            }
            keys.reserve_exact(n - got);
            for _ in got..n {
                let k = s.push_sender(None, None, None);
                keys.push(k);
                s.set_waker(k, waker.clone());
            }
            Ok(got)
        })
    }

    /// Drives the entries of a [`Chan::start_reserve_many`]: `keys[*done..]`
    /// still wait. Grants come in line order, so it looks from the front and
    /// stops at the first entry still waiting (refreshing its waker).
    /// `granted` counts the slots the caller holds. `Ok(())`: every entry
    /// was granted; `Err(())`: the channel closed, and the remaining entries
    /// and every slot held were given back here (`granted` is then 0).
    pub(crate) fn poll_reserve_many(
        &self,
        keys: &[Key],
        done: &mut usize,
        granted: &mut usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let res = self.with(|s, wake| {
            while let Some(&k) = keys.get(*done) {
                match s.poll_entry(k, Some(cx.waker()), wake) {
                    None => return Poll::Pending,
                    Some(Status::Sent) => *granted += 1,
                    Some(Status::Closed(_)) => {
                        *done += 1;
                        for &rest in &keys[*done..] {
                            if let Status::Sent = s.take_entry(rest, wake) {
                                *granted += 1;
                            }
                        }
                        *done = keys.len();
                        // Closed: the slots held go back at once.
                        for _ in 0..std::mem::take(granted) {
                            s.release_reserved(wake);
                        }
                        return Poll::Ready(Err(()));
                    }
                    Some(_) => unreachable!("a reservation ends granted or closed"),
                }
                *done += 1;
            }
            Poll::Ready(Ok(()))
        });
        if res.is_ready() {
            crate::coop::made_progress(coop);
        }
        res
    }

    /// Withdraws a [`Chan::start_reserve_many`]: frees the entries still
    /// held (`keys`) and gives back `granted` slots plus those granted to
    /// the withdrawn entries, in one critical section.
    pub(crate) fn cancel_reserve_many(&self, keys: &[Key], granted: usize) {
        self.with(|s, wake| {
            let mut release = granted;
            for &k in keys {
                if let Status::Sent = s.take_entry(k, wake) {
                    release += 1;
                }
            }
            for _ in 0..release {
                s.release_reserved(wake);
            }
        });
    }

    /// Reserves `n` slots if all are free right now and nobody waits ahead:
    /// `Ok(true)` granted, `Ok(false)` not now (or `n` is more than a buffered
    /// channel can hold), `Err(())` closed. All or nothing.
    pub(crate) fn try_reserve_many_now(&self, n: usize) -> Result<bool, ()> {
        let mut s = self.lock();
        if s.closed {
            return Err(());
        }
        if s.waiters.len(Line::Send) > 0 {
            return Ok(false);
        }
        let free = match s.cap {
            Capacity::Bounded(0) => s.live_receivers_waiting().saturating_sub(s.reserved),
            Capacity::Bounded(cap) => cap.saturating_sub(s.occupied()),
            Capacity::Unbounded => usize::MAX - s.occupied(),
        };
        if n > free {
            return Ok(false);
        }
        s.reserved += n;
        Ok(true)
    }

    /// The most values receivers can still get: `None` while the channel is
    /// open; once it is closed, what is buffered, in a receiver's hands or
    /// promised to a permit.
    pub(crate) fn remaining_bound(&self) -> Option<usize> {
        self.peek(|s| s.closed.then(|| s.buf.len() + s.in_flight + s.reserved))
    }
}

// recv_many
impl<T> Chan<T> {
    /// Drives a `recv_many`: waits for one value like `recv`, then moves up to
    /// `limit - 1` more into `buf` in the same critical section. Returns how
    /// many were added (0 only when closed and drained, or `limit == 0`).
    pub(crate) fn poll_recv_many(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let start = buf.len();
        let mut acks = Vec::new();
        let Some(first) = std::task::ready!(self.poll_recv(
            key,
            cx,
            Some(&mut |s, wake| take_into(s, buf, limit - 1, &mut acks, wake)),
        )) else {
            return Poll::Ready(0);
        };
        // The first value came before the rest: put it in front of them.
        buf.push(first.into_received());
        buf[start..].rotate_right(1);
        // Acknowledgements are signalled after the lock.
        for ack in acks {
            ack.set(AckState::Delivered);
        }
        Poll::Ready(buf.len() - start)
    }
}

/// Takes up to `n` values without waiting, straight into `buf`, keeping
/// their acknowledgements to signal after the lock.
fn take_into<T>(
    s: &mut State<T>,
    buf: &mut Vec<T>,
    n: usize,
    acks: &mut Vec<std::sync::Arc<super::Ack>>,
    wake: &mut Wake,
) {
    for _ in 0..n {
        match s.take(wake) {
            Ok(item) => {
                if let Some(ack) = item.ack {
                    acks.push(ack);
                }
                buf.push(item.value);
            }
            Err(_) => break,
        }
    }
}
