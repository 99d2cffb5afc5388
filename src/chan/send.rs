//! A send: its state, the entry points the send futures and `try_send`
//! call, the hand-off of a value to the longest-waiting receiver, and the
//! refill that moves the longest-waiting senders into room a receive freed.

use std::task::{ready, Context, Poll, Waker};

use std::sync::Arc;

use super::ack::{Ack, Item};
use super::waiters::{Entry, Key, Line, Status, Who};
use super::wake::Wake;
use super::{Chan, Guard, State};
use crate::capacity::Capacity;
use crate::coop::Budget;
use crate::error::TrySendError;

/// Where one send stands: owned by the send future, written only here.
pub(crate) struct SendOp<T> {
    /// The state.
    state: SendState<T>,
}

/// The states of a [`SendOp`].
enum SendState<T> {
    /// Not offered to the channel yet: the value is the future's.
    Idle(T),
    /// Waiting in the send line: the value is in the entry.
    Waiting(Key),
    /// Refused by a closed channel: the value waits here for the future to
    /// hand it back ([`SendOp::take_refused`]).
    Refused(T),
    /// Sent, or refused and handed back.
    Done,
    /// Withdrawn by `cancel`: polling again is a mistake the panic names.
    Cancelled,
}

/// What a poll of a send found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendOutcome {
    /// The value entered the channel.
    Sent,
    /// The channel is closed: the value is in the [`SendOp`], for
    /// [`SendOp::take_refused`].
    Refused,
}

impl<T> SendOp<T> {
    /// A send of `value`, not offered yet.
    #[inline]
    pub(crate) fn new(value: T) -> Self {
        SendOp {
            state: SendState::Idle(value),
        }
    }

    /// The value of a send the channel refused; the send is done.
    ///
    /// # Panics
    ///
    /// If the send was not refused (an internal error).
    #[inline]
    pub(crate) fn take_refused(&mut self) -> T {
        match std::mem::replace(&mut self.state, SendState::Done) {
            SendState::Refused(item) => item,
            _ => unreachable!("gochan: a refused value taken from a send that was not refused"),
        }
    }

    /// The value of a send not offered yet.
    #[inline(always)]
    fn take_idle(&mut self) -> T {
        match std::mem::replace(&mut self.state, SendState::Done) {
            SendState::Idle(item) => item,
            _ => unreachable!("gochan: a send's value taken twice (internal error)"),
        }
    }

    /// Whether it is done or cancelled (for `FusedFuture`).
    pub(crate) fn is_terminated(&self) -> bool {
        matches!(self.state, SendState::Done | SendState::Cancelled)
    }

    /// Whether it waits in the send line (its drop must withdraw it).
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        matches!(self.state, SendState::Waiting(_))
    }

    /// Whether `cancel` withdrew it.
    pub(crate) fn is_cancelled(&self) -> bool {
        matches!(self.state, SendState::Cancelled)
    }

    /// A name for where it stands, for `Debug`.
    pub(crate) fn state_name(&self) -> &'static str {
        match self.state {
            SendState::Idle(_) => "idle",
            SendState::Waiting(_) => "waiting",
            SendState::Refused(_) => "refused",
            SendState::Done => "done",
            SendState::Cancelled => "cancelled",
        }
    }

    /// The panic of a send polled after it completed or was cancelled.
    #[cold]
    #[track_caller]
    pub(crate) fn polled_after_end(&self) -> ! {
        if self.is_cancelled() {
            panic!("gochan: send future polled after `cancel` (it was cancelled, not completed)")
        }
        panic!("gochan: send future polled after completion")
    }
}

impl<T> Chan<T> {
    /// Drives a send: at once if the channel can take the value, else from
    /// the send line, where a receiver that frees room (or, on a rendezvous
    /// channel, takes the value) completes it.
    #[inline(always)]
    pub(crate) fn poll_send(&self, op: &mut SendOp<T>, cx: &mut Context<'_>) -> Poll<SendOutcome> {
        self.poll_send_with(op, None, cx)
    }

    /// [`Chan::poll_send`] for a `deliver`: the value carries `ack`, which a
    /// receiver that takes it settles.
    pub(crate) fn poll_deliver(
        &self,
        op: &mut SendOp<T>,
        ack: &Arc<Ack>,
        cx: &mut Context<'_>,
    ) -> Poll<SendOutcome> {
        self.poll_send_with(op, Some(ack), cx)
    }

    /// [`Chan::poll_send`] of a value that carries `ack` (a `deliver`'s), or
    /// none (`None` is a constant for a plain send: the common path below
    /// is all it compiles to).
    #[inline(always)]
    fn poll_send_with(
        &self,
        op: &mut SendOp<T>,
        ack: Option<&Arc<Ack>>,
        cx: &mut Context<'_>,
    ) -> Poll<SendOutcome> {
        let budget = ready!(Budget::take(cx));
        let mut s = self.lock();
        // The common send: a bare value into room. With a free slot in the
        // allocation nothing between taking the value out of the future and
        // storing it can panic, so the compiler moves it once instead of
        // keeping a copy for unwinding (a 256-byte `memcpy` per send); a
        // small value is cheaper to copy than to check for.
        if ack.is_none()
            && matches!(op.state, SendState::Idle(_))
            && s.can_push()
            && (std::mem::size_of::<T>() <= 16 || s.buf.has_spare_slot())
        {
            let SendState::Idle(value) = std::mem::replace(&mut op.state, SendState::Done) else {
                unreachable!("matched above")
            };
            s.sent += 1;
            s.buf.push_plain(value);
            drop(s);
            budget.spend();
            return Poll::Ready(SendOutcome::Sent);
        }
        budget.spend_if_ready(self.poll_send_slow(s, op, ack, cx))
    }

    /// Everything but the common case of [`Chan::poll_send`]. Inlined: out
    /// of line, every wait paid a call with the guard and the state passed
    /// through memory (see docs/performance.md).
    #[inline]
    fn poll_send_slow(
        &self,
        mut s: Guard<'_, T>,
        op: &mut SendOp<T>,
        ack: Option<&Arc<Ack>>,
        cx: &mut Context<'_>,
    ) -> Poll<SendOutcome> {
        let mut wake = Wake::default();
        let item = |op: &mut SendOp<T>| Item {
            value: op.take_idle(),
            ack: ack.cloned(),
        };
        let res = match op.state {
            SendState::Idle(_) => {
                if s.closed {
                    let value = op.take_idle();
                    op.state = SendState::Refused(value);
                    Poll::Ready(SendOutcome::Refused)
                } else if let Some((key, w)) = s.receiver_for_new_send(&mut wake) {
                    s.hand(key, w, item(op), false, &mut wake);
                    s.sent += 1;
                    Poll::Ready(SendOutcome::Sent)
                } else if s.has_room() {
                    s.push(item(op));
                    Poll::Ready(SendOutcome::Sent)
                } else {
                    // The waker is cloned while the value is still the
                    // future's: a `clone` that panics leaves it there, and
                    // no entry behind.
                    let waker = Some(cx.waker().clone());
                    let entry = Entry {
                        waker,
                        who: Who::Future,
                        status: Status::Sending(item(op)),
                    };
                    op.state = SendState::Waiting(s.waiters.insert(entry, Line::Send));
                    Poll::Pending
                }
            }
            SendState::Waiting(key) => match s.waiters.peek(key).status {
                Status::Sending(_) => {
                    s.refresh_waker(key, cx.waker(), &mut wake);
                    Poll::Pending
                }
                Status::Sent => {
                    wake.discard(s.waiters.free(key));
                    op.state = SendState::Done;
                    Poll::Ready(SendOutcome::Sent)
                }
                Status::Refused(_) => {
                    let entry = s.waiters.remove(key);
                    wake.discard(entry.waker);
                    let Status::Refused(item) = entry.status else {
                        unreachable!("matched above")
                    };
                    op.state = SendState::Refused(item.value);
                    Poll::Ready(SendOutcome::Refused)
                }
                _ => unreachable!("gochan: a send entry ends sent or refused (internal error)"),
            },
            SendState::Refused(_) | SendState::Done | SendState::Cancelled => {
                drop(s);
                op.polled_after_end();
            }
        };
        match res {
            // A refused value goes back to the caller: a waker's panic must
            // not lose it.
            Poll::Ready(SendOutcome::Refused) => self.unlock_returning(s, wake),
            _ => self.unlock(s, wake),
        }
        res
    }

    /// Withdraws a send: its value back if it has not entered the channel.
    /// The send is cancelled afterwards.
    #[inline(never)]
    pub(crate) fn cancel_send(&self, op: &mut SendOp<T>) -> Option<T> {
        match std::mem::replace(&mut op.state, SendState::Cancelled) {
            SendState::Idle(value) | SendState::Refused(value) => Some(value),
            SendState::Waiting(key) => {
                let mut wake = Wake::default();
                let mut s = self.lock();
                let entry = s.waiters.remove(key);
                wake.discard(entry.waker);
                let value = match entry.status {
                    Status::Sending(item) | Status::Refused(item) => Some(item.value),
                    _ => None,
                };
                self.unlock_returning(s, wake);
                value
            }
            SendState::Done | SendState::Cancelled => None,
        }
    }

    /// `Sender::try_send`: a send that never waits.
    #[inline]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut s = self.lock();
        if s.can_push() {
            s.sent += 1;
            s.buf.push_plain(value);
            return Ok(());
        }
        if s.closed {
            return Err(TrySendError::Closed(value));
        }
        let mut wake = Wake::default();
        if let Some((key, w)) = s.receiver_for_new_send(&mut wake) {
            s.hand(key, w, Item::new(value), false, &mut wake);
            s.sent += 1;
            self.unlock(s, wake);
            return Ok(());
        }
        let res = if s.has_room() {
            s.push(Item::new(value));
            Ok(())
        } else {
            Err(TrySendError::Full(value))
        };
        // Handles spent on the way (a closed channel) may need waking.
        self.unlock_returning(s, wake);
        res
    }
}

impl<T> State<T> {
    /// The common send: open, no acknowledgement in the buffer, nobody
    /// waiting to receive, room. Then [`Buffer::push_plain`](super::buffer::Buffer::push_plain) is all a send
    /// does.
    #[inline(always)]
    pub(super) fn can_push(&self) -> bool {
        // `&`, not `&&`: one branch on the whole, which LLVM's static guess
        // takes as even odds; behind a chain of short-circuit tests it took
        // the common path for rare, and would not inline the buffer's push
        // there.
        !self.closed & self.buf.is_plain() & self.waiters.is_empty(Line::Recv) & self.has_room()
    }

    /// Whether a new send may enter the buffer: a buffered channel with a
    /// free slot (values buffered, permits outstanding and slots held by a
    /// permit's hand-off all occupy one), or an unbounded channel nobody
    /// waits to send on (only a reservation starved of permits waits there).
    /// On a buffered channel senders wait only while there is no room, so
    /// room means nobody waits ahead either.
    #[inline(always)]
    pub(super) fn has_room(&self) -> bool {
        match self.cap {
            Capacity::Bounded(cap) => self.occupied() < cap,
            Capacity::Unbounded => self.waiters.is_empty(Line::Send),
        }
    }

    /// Whether one more value fits the capacity (the send line aside).
    #[inline(always)]
    pub(super) fn value_fits(&self) -> bool {
        match self.cap {
            Capacity::Bounded(cap) => self.occupied() < cap,
            Capacity::Unbounded => true,
        }
    }

    /// Slots taken: buffered values and promised slots (permits, and
    /// permits' hand-offs not taken yet).
    #[inline(always)]
    pub(super) fn occupied(&self) -> usize {
        self.buf.len() + self.reserved
    }

    /// Buffers `item`.
    #[inline(always)]
    pub(super) fn push(&mut self, item: Item<T>) {
        self.buf.push_back(item);
        self.sent += 1;
    }

    /// The receiver a new send hands its value to: the longest-waiting live
    /// receiver, if no sender waits ahead (a send that arrives behind waiting
    /// senders waits behind them) and, on a rendezvous channel, if not every
    /// waiting receiver is promised to a permit. (On a rendezvous channel a
    /// select whose send case waits at the head of the line, beside its own
    /// receive case, is the one exception: see
    /// [`State::own_case_of_head`].)
    #[inline(always)]
    pub(super) fn receiver_for_new_send(
        &mut self,
        wake: &mut Wake,
    ) -> Option<(Key, Option<Waker>)> {
        if self.waiters.is_empty(Line::Recv) {
            return None;
        }
        if !self.waiters.is_empty(Line::Send) {
            return self.own_case_of_head();
        }
        if self.promises_cover_receivers() {
            return None;
        }
        self.pop_receiver(wake)
    }

    /// Takes the longest-waiting live receiver out of the receive line (and
    /// claims it, if it is a select case): its key and, for a select, the
    /// select's waker. Stale select cases met on the way leave the line. On
    /// a closed channel a handle's place is not handed values (nobody may be
    /// polling it, and a closed channel must finish once its values are
    /// received): it is spent and woken, and the value goes on.
    #[inline(always)]
    pub(super) fn pop_receiver(&mut self, wake: &mut Wake) -> Option<(Key, Option<Waker>)> {
        while let Some(key) = self.waiters.pop(Line::Recv) {
            let closed = self.closed;
            let entry = self.waiters.get(key);
            match &entry.who {
                Who::Future => return Some((key, None)),
                Who::Handle if !closed => return Some((key, None)),
                Who::Handle => {
                    entry.status = Status::Passed;
                    wake.push(entry.waker.take());
                }
                Who::Case(sel) => {
                    if let Some(w) = sel.claim() {
                        return Some((key, w));
                    }
                }
            }
        }
        None
    }

    /// Hands `item` to the receiver `key` taken by [`State::pop_receiver`]
    /// (`w`: its select's waker). `slot`: the value keeps the slot its
    /// permit reserved until it is taken. A value handed to a handle's place
    /// is held: a receiver that would otherwise wait takes it over, so one
    /// waiting future is woken to look.
    #[inline(always)]
    pub(super) fn hand(
        &mut self,
        key: Key,
        w: Option<Waker>,
        item: Item<T>,
        slot: bool,
        wake: &mut Wake,
    ) {
        let entry = self.waiters.get(key);
        entry.status = Status::Received { item, slot };
        wake.push(w.or_else(|| entry.waker.take()));
        let held = matches!(entry.who, Who::Handle);
        self.in_flight += 1;
        if slot {
            self.held_slots += 1;
            self.reserved += 1;
        }
        if held {
            self.waiters.push(key, Line::Held);
            self.wake_a_future(wake);
        }
    }

    /// A value enters the channel, outside the common path: to the
    /// longest-waiting live receiver, else into the buffer. `slot` as for
    /// [`State::hand`].
    #[inline]
    pub(super) fn enter(&mut self, item: Item<T>, slot: bool, wake: &mut Wake) {
        match self.pop_receiver(wake) {
            Some((key, w)) => {
                self.hand(key, w, item, slot, wake);
                self.sent += 1;
            }
            None => self.push(item),
        }
    }

    /// Room was freed on a buffered channel: move the longest-waiting
    /// senders' values in and grant the longest-waiting reservations, in
    /// line order, while there is room. (A rendezvous channel pairs instead:
    /// [`State::match_rendezvous`].)
    pub(super) fn refill(&mut self, wake: &mut Wake) {
        if self.is_rendezvous() {
            return self.match_rendezvous(wake);
        }
        while let Some(key) = self.waiters.first(Line::Send) {
            match self.waiters.peek(key).status {
                Status::Sending(_) => {
                    if !self.value_fits() {
                        return;
                    }
                    self.waiters.unlink(key);
                    let entry = self.waiters.get(key);
                    let Status::Sending(item) = std::mem::replace(&mut entry.status, Status::Sent)
                    else {
                        unreachable!("matched above")
                    };
                    wake.push(entry.waker.take());
                    if self.waiters.is_empty(Line::Recv) {
                        // Room freed by a receive: nobody waits to receive.
                        self.push(item);
                    } else {
                        self.enter(item, false, wake);
                    }
                }
                Status::Reserving { want, got } => {
                    let free = self.free_permits();
                    if free == 0 {
                        return;
                    }
                    let Some(w) = self.claim_waiter(key) else {
                        continue;
                    };
                    let n = free.min(want - got);
                    self.reserved += n;
                    let entry = self.waiters.get(key);
                    if got + n == want {
                        entry.status = Status::Granted(want);
                        wake.push(w.or_else(|| entry.waker.take()));
                        self.waiters.unlink(key);
                    } else {
                        entry.status = Status::Reserving { want, got: got + n };
                    }
                }
                _ => unreachable!("gochan: only sends and reservations wait to send"),
            }
        }
    }

    /// Claims the waiting entry `key` for a counterpart about to complete
    /// it: `Some(w)` if it is ours to complete (`w`: its select's waker, for
    /// a select case), `None` if it is a select case whose select happened
    /// elsewhere (it leaves its line: stale).
    #[inline(always)]
    pub(super) fn claim_waiter(&mut self, key: Key) -> Option<Option<Waker>> {
        let claimed = match &self.waiters.peek(key).who {
            Who::Case(sel) => sel.claim(),
            Who::Future | Who::Handle => Some(None),
        };
        if claimed.is_none() {
            self.waiters.unlink(key);
        }
        claimed
    }

    /// Refreshes the waker of a waiting entry: cloned under the lock only if
    /// it would not wake the same task, the old one dropped after the lock.
    #[inline(always)]
    pub(super) fn refresh_waker(&mut self, key: Key, waker: &Waker, wake: &mut Wake) {
        let entry = self.waiters.get(key);
        match &entry.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => wake.discard(entry.waker.replace(waker.clone())),
        }
    }

    /// Wakes the first waiting receive future, so that it looks at a value
    /// a handle's place holds (it takes it over if the handle has not taken
    /// it by then). Its waker is taken: its next poll registers it again.
    fn wake_a_future(&mut self, wake: &mut Wake) {
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            if let Who::Future = entry.who {
                wake.push(entry.waker.take());
                return;
            }
        }
    }
}
