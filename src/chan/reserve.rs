//! Permits: reservations of one or many slots (`reserve`, `reserve_owned`,
//! `reserve_many`, the sink's `poll_ready`, their `try_` forms), a permit's
//! send and its release, and the free room of every kind of channel.
//!
//! A reservation waits in the same line as sends, so a send that comes later
//! waits behind it. On a buffered channel it is granted slot by slot as room
//! frees (as tokio's semaphore does) and completes once it holds all of them;
//! on a rendezvous channel it is granted all at once, against receivers that
//! wait at that moment (see `rendezvous.rs`). A batch of permits is given
//! back as a count, in O(1).

use std::task::{ready, Context, Poll};

use super::ack::Item;
use super::waiters::{Entry, Key, Line, Status, Who};
use super::wake::Wake;
use super::{Chan, State};
use crate::capacity::Capacity;
use crate::coop::Budget;

/// The entry a reservation future (or a sink's `poll_ready`) waits with.
#[derive(Debug, Default)]
pub(crate) struct ReserveWait {
    /// Our entry in the send line.
    key: Option<Key>,
}

impl ReserveWait {
    /// Whether the reservation waits in line (its drop must withdraw it).
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        self.key.is_some()
    }
}

/// What a reservation that does not wait found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TryReserve {
    /// The slots are the caller's: a permit each.
    Granted,
    /// Not now: no room, or senders wait ahead, or more slots than a
    /// buffered channel has.
    Full,
    /// The channel is closed.
    Closed,
}

/// What a reservation that waits ends with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reserved {
    /// The slots are the caller's.
    Granted,
    /// The channel is closed (or closed while it waited): nothing is held.
    Closed,
    /// More slots than the buffered channel has: it would wait for ever.
    TooMany,
}

impl<T> Chan<T> {
    /// Drives a reservation of `n` slots: at once if nobody waits ahead and
    /// they are free (on a buffered channel the free ones are taken at once
    /// and the rest waited for), else from the send line.
    pub(crate) fn poll_reserve(
        &self,
        wait: &mut ReserveWait,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Reserved> {
        let budget = ready!(Budget::take(cx));
        let mut wake = Wake::default();
        let mut s = self.lock();
        let res = match wait.key {
            None => {
                if s.closed {
                    Poll::Ready(Reserved::Closed)
                } else if s.too_many(n) {
                    Poll::Ready(Reserved::TooMany)
                } else {
                    let got = s.reserve_now(n);
                    if got == n {
                        Poll::Ready(Reserved::Granted)
                    } else {
                        // The entry is the future's before the waker is
                        // cloned: a `clone` that panics leaves it for the
                        // future's drop to withdraw (with the slots got).
                        let entry = Entry {
                            waker: None,
                            who: Who::Future,
                            status: Status::Reserving { want: n, got },
                        };
                        let key = s.waiters.insert(entry, Line::Send);
                        wait.key = Some(key);
                        s.waiters.get(key).waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            }
            Some(key) => match s.waiters.peek(key).status {
                Status::Reserving { .. } => {
                    s.refresh_waker(key, cx.waker(), &mut wake);
                    Poll::Pending
                }
                Status::Granted(_) => {
                    wait.key = None;
                    wake.discard(s.waiters.free(key));
                    Poll::Ready(Reserved::Granted)
                }
                Status::Closed => {
                    wait.key = None;
                    wake.discard(s.waiters.free(key));
                    Poll::Ready(Reserved::Closed)
                }
                _ => unreachable!("gochan: a reservation ends granted or closed (internal error)"),
            },
        };
        self.unlock(s, wake);
        budget.spend_if_ready(res)
    }

    /// Reserves `n` slots if all are free now and nobody waits ahead; all or
    /// nothing.
    pub(crate) fn try_reserve(&self, n: usize) -> TryReserve {
        let mut s = self.lock();
        if s.closed {
            return TryReserve::Closed;
        }
        if s.too_many(n) || !s.waiters.is_empty(Line::Send) || s.free_for(n) < n {
            return TryReserve::Full;
        }
        s.reserved += n;
        TryReserve::Granted
    }

    /// Withdraws a reservation future's entry, if it has one: slots granted
    /// to it go to the next in line.
    pub(crate) fn cancel_reserve_wait(&self, wait: &mut ReserveWait) {
        if let Some(key) = wait.key.take() {
            self.cancel_reserve(key);
        }
    }

    /// Withdraws a waiting reservation (a future, a sink, a select case):
    /// the slots it was granted, all or some, go to the next in line, and on
    /// a rendezvous channel the line's new head may pair at once.
    #[inline(never)]
    pub(crate) fn cancel_reserve(&self, key: Key) {
        let mut wake = Wake::default();
        let mut s = self.lock();
        let entry = s.waiters.remove(key);
        wake.discard(entry.waker);
        let held = match entry.status {
            // A `close_now` took the slots of granted reservations back.
            Status::Granted(n) if !s.permits_revoked => n,
            Status::Reserving { got, .. } => got,
            _ => 0,
        };
        s.release(held, &mut wake);
        self.unlock(s, wake);
    }

    /// A permit sends its value: to the longest-waiting receiver, else into
    /// the buffer (the room it reserved). `Err` gives it back when no
    /// receiver can ever take it: every receiver is gone, or `close_now`
    /// revoked the permit.
    pub(crate) fn send_permit(&self, item: Item<T>) -> Result<(), Item<T>> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        if s.permits_revoked {
            return Err(item);
        }
        s.reserved -= 1;
        if s.receivers == 0 {
            s.settle_closed(&mut wake);
            // The value goes back: a waker's panic must not lose it.
            self.unlock_returning(s, wake);
            return Err(item);
        }
        // On a buffered channel a value handed straight to a receiver keeps
        // its slot until taken, so a sender waiting behind this permit does
        // not move in ahead of the permit's later values.
        let slot = matches!(s.cap, Capacity::Bounded(c) if c > 0);
        let item = if s.waiters.is_empty(Line::Promised) {
            Err(item)
        } else {
            // A receive case paired with a select's send case waits for
            // this value (or for another permit's: they are alike).
            s.keep_promise(item, &mut wake)
        };
        if let Err(item) = item {
            s.enter(item, slot, &mut wake);
        }
        if s.is_rendezvous() {
            // One promise fewer: a send waiting at the head may pair now.
            s.match_rendezvous(&mut wake);
        }
        s.settle_closed(&mut wake);
        self.unlock(s, wake);
        Ok(())
    }

    /// Gives back `n` reserved slots unused (dropped permits), as a count:
    /// their room goes to the next in line.
    pub(crate) fn release_permits(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut wake = Wake::default();
        let mut s = self.lock();
        if s.permits_revoked {
            return;
        }
        s.release(n, &mut wake);
        self.unlock(s, wake);
    }
}

impl<T> State<T> {
    /// Slots free for permits: on a buffered channel what the buffer and the
    /// promised slots leave; on an unbounded one,
    /// what a `usize` can still count; on a rendezvous channel none (its
    /// permits are granted against waiting receivers instead).
    #[inline]
    pub(super) fn free_permits(&self) -> usize {
        match self.cap {
            Capacity::Bounded(cap) => cap.saturating_sub(self.occupied()),
            Capacity::Unbounded => usize::MAX - self.reserved,
        }
    }

    /// How many of `n` slots a reservation could take now, if nobody waits
    /// ahead: free permits, or on a rendezvous channel free receivers.
    #[inline]
    fn free_for(&self, n: usize) -> usize {
        if self.is_rendezvous() {
            self.free_receivers(None)
        } else {
            self.free_permits().min(n)
        }
    }

    /// More slots than a buffered channel can ever hold: such a reservation
    /// would wait for ever (tokio refuses it the same way). A rendezvous
    /// channel has no such limit (its permits are waiting receivers), nor
    /// has an unbounded one.
    #[inline]
    fn too_many(&self, n: usize) -> bool {
        matches!(self.cap, Capacity::Bounded(cap) if cap > 0 && n > cap)
    }

    /// The first try of a reservation of `n`: if nobody waits ahead, takes
    /// the slots that are free now (all of them on a rendezvous channel, or
    /// none); returns how many it took.
    fn reserve_now(&mut self, n: usize) -> usize {
        if !self.waiters.is_empty(Line::Send) {
            return 0;
        }
        let got = if self.is_rendezvous() {
            if self.free_receivers(None) >= n {
                n
            } else {
                0
            }
        } else {
            self.free_permits().min(n)
        };
        self.reserved += got;
        got
    }

    /// `n` reserved slots come back: the room goes to the next in line (on
    /// a rendezvous channel the line's head may pair), and a closed channel
    /// may now be finished. Also run when a reservation that held nothing
    /// leaves the line, since the head may have changed.
    pub(super) fn release(&mut self, n: usize, wake: &mut Wake) {
        self.reserved -= n;
        if !self.waiters.is_empty(Line::Promised) {
            // A paired send case gave its hand-off back unused.
            self.break_promises(wake);
        }
        if !self.waiters.is_empty(Line::Send) {
            self.refill(wake);
        }
        self.settle_closed(wake);
    }
}
