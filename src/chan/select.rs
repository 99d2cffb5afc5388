//! A select's cases, as the engine sees them: a receive case, and a send
//! case that waits as a reservation (so that its value is built only once
//! the case is chosen). Each is tried under the lock and, if it cannot
//! happen now, registered under the same lock, so that no counterpart slips
//! between the look and the registration. A case that happens now claims its
//! select ([`Ticket::claim`]) before it takes anything; a counterpart
//! completes a registered case only after claiming its token.

use super::ack::Item;
use super::recv::Place;
use super::waiters::{Entry, Key, Line, Status, Who};
use super::wake::Wake;
use super::{Chan, State, Ticket, TryReserve};

/// What a receive case found.
pub(crate) enum CaseRecv<T> {
    /// Took this value: the case happened now.
    Ready(Item<T>),
    /// Closed and drained: the case happened now, with `RecvError`.
    Closed,
    /// Another case of the same select already happened.
    Lost,
    /// Registered under this key: a counterpart may complete it.
    Waiting(Key),
}

/// What a send case found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CaseSend {
    /// A slot is the case's (a permit; on a rendezvous channel, a hand-off
    /// promised against a waiting receiver): the case happened now.
    Granted,
    /// The channel is closed: the case happened now, its value comes back.
    Closed,
    /// Another case of the same select already happened.
    Lost,
    /// Registered under this key, as a reservation.
    Waiting(Key),
}

impl<T> Chan<T> {
    /// A receive case on the handle whose place is `place`: a value the
    /// place holds comes first; otherwise the place is withdrawn (the case
    /// waits in its stead) and the case takes a value now if one is there,
    /// else registers.
    pub(crate) fn select_recv(&self, place: &Place, ticket: &Ticket<'_>) -> CaseRecv<T> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        if let Some(key) = place.take() {
            if let Status::Received { .. } = s.waiters.peek(key).status {
                if !ticket.claim() {
                    place.put(key);
                    drop(s);
                    return CaseRecv::Lost;
                }
                let item = s.collect(key, &mut wake);
                return CaseRecv::Ready(self.unlock_taking(s, wake, item));
            }
            // Waiting, closed or spent: nothing in it. The case takes its
            // place in line.
            wake.discard(s.waiters.free(key));
        }
        let ready = !s.buf.is_empty() || (s.is_rendezvous() && s.sender_to_take());
        if ready || s.is_finished() || !s.waiters.is_empty(Line::Held) {
            if !ticket.claim() {
                self.unlock(s, wake);
                return CaseRecv::Lost;
            }
            let item = if ready {
                s.take_now(&mut wake)
            } else {
                s.take_held(&mut wake)
            };
            return match item {
                Some(item) => CaseRecv::Ready(self.unlock_taking(s, wake, item)),
                None => {
                    self.unlock(s, wake);
                    CaseRecv::Closed
                }
            };
        }
        let entry = Entry {
            waker: None,
            who: Who::Case(ticket.sel()),
            status: Status::Receiving,
        };
        let key = s.waiters.insert(entry, Line::Recv);
        if s.is_rendezvous() && !s.waiters.is_empty(Line::Send) {
            s.match_rendezvous(&mut wake);
        }
        self.unlock(s, wake);
        CaseRecv::Waiting(key)
    }

    /// The select chose this registered receive case: its value, or `None`
    /// if the channel closed and drained.
    pub(crate) fn select_recv_done(&self, key: Key) -> Option<Item<T>> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        if let Status::Received { .. } = s.waiters.peek(key).status {
            let item = s.collect(key, &mut wake);
            return Some(self.unlock_taking(s, wake, item));
        }
        wake.discard(s.waiters.free(key));
        self.unlock(s, wake);
        None
    }

    /// A send case: a slot now if nobody waits ahead and one is free (on a
    /// rendezvous channel: a receiver waits that no permit is promised to,
    /// not counting this select's own cases; one that is another select's
    /// receive case is paired with), else registers as a reservation of one.
    pub(crate) fn select_reserve(&self, ticket: &Ticket<'_>) -> CaseSend {
        let mut s = self.lock();
        if s.closed {
            if !ticket.claim() {
                return CaseSend::Lost;
            }
            return CaseSend::Closed;
        }
        if s.waiters.is_empty(Line::Send) {
            match s.grant_send_case(Some(ticket)) {
                Some(true) => return CaseSend::Granted,
                Some(false) => return CaseSend::Lost,
                None => {}
            }
        }
        let entry = Entry {
            waker: None,
            who: Who::Case(ticket.sel()),
            status: Status::Reserving { want: 1, got: 0 },
        };
        CaseSend::Waiting(s.waiters.insert(entry, Line::Send))
    }

    /// A send case's first look (no token: nothing of its select is
    /// registered): a slot now, as [`Chan::select_reserve`] would take it,
    /// or `Full`.
    pub(crate) fn select_first_look_send(&self) -> TryReserve {
        let mut s = self.lock();
        if s.closed {
            return TryReserve::Closed;
        }
        if !s.waiters.is_empty(Line::Send) {
            return TryReserve::Full;
        }
        match s.grant_send_case(None) {
            Some(_) => TryReserve::Granted,
            None => TryReserve::Full,
        }
    }

    /// The select chose this registered send case: `true` if it holds its
    /// slot (a permit), `false` if the channel closed first.
    pub(crate) fn select_reserve_done(&self, key: Key) -> bool {
        let mut wake = Wake::default();
        let mut s = self.lock();
        let entry = s.waiters.remove(key);
        wake.discard(entry.waker);
        let granted = match entry.status {
            Status::Granted(_) => !s.permits_revoked,
            _ => false,
        };
        self.unlock(s, wake);
        granted
    }
}

impl<T> State<T> {
    /// A select's send case, nobody waiting ahead: its slot now if one is
    /// free (on a rendezvous channel, a receiver to hand to: see
    /// [`State::grant_case`]), claiming the select's `ticket` (`None`: a
    /// first look, nothing registered). `Some(false)`: the select happened
    /// elsewhere; `None`: no slot.
    fn grant_send_case(&mut self, ticket: Option<&Ticket<'_>>) -> Option<bool> {
        if self.is_rendezvous() {
            return self.grant_case(ticket);
        }
        if self.free_permits() == 0 {
            return None;
        }
        if !ticket.is_none_or(Ticket::claim) {
            return Some(false);
        }
        self.reserved += 1;
        Some(true)
    }
}
