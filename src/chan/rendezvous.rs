//! The rendezvous rule, in one place. A rendezvous channel is `Bounded(0)`:
//! it has no room, so a send completes only by handing its value to a
//! receiver, and a reservation's "room" is a receiver waiting now.
//!
//! * A send hands its value to the longest-waiting receiver; with none, it
//!   waits, and the next receiver takes the value straight from it.
//! * A reservation of `n` is granted when `n` receivers wait at the same time
//!   that no earlier permit is promised to (`reserved` counts the promised
//!   hand-offs). The receivers keep their places; the permit's send hands
//!   its value to the longest-waiting receiver then (if they all went away,
//!   the value is buffered for the next one).
//! * One line of senders: a send or reservation never passes one that waits
//!   ahead of it. When a reservation at the head is withdrawn, or a promise
//!   is kept or given back, [`State::match_rendezvous`] pairs the line's head
//!   with the receivers that wait, until the head cannot go.

use std::sync::Arc;
use std::task::Waker;

use super::ack::Item;
use super::token::Token;
use super::waiters::{Key, Line, Status, Who};
use super::wake::Wake;
use super::State;
use crate::capacity::Capacity;

impl<T> State<T> {
    /// Whether this is a rendezvous channel.
    #[inline(always)]
    pub(super) fn is_rendezvous(&self) -> bool {
        self.cap == Capacity::Bounded(0)
    }

    /// On a rendezvous channel, whether every waiting receiver is promised
    /// to a permit, so that a new send must not take one.
    #[inline(always)]
    pub(super) fn promises_cover_receivers(&self) -> bool {
        self.reserved > 0 && self.is_rendezvous() && self.free_receivers(None) == 0
    }

    /// Receivers waiting now that a counterpart could complete and that no
    /// permit is promised to: live entries of the receive line (a select case
    /// whose select already happened is stale), not counting the cases of
    /// the select `own` (a select never pairs with itself), less `reserved`.
    /// Walks the line: reservations only.
    pub(super) fn free_receivers(&self, own: Option<&Arc<Token>>) -> usize {
        let mut live = 0usize;
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            live += usize::from(match &self.waiters.peek(key).who {
                Who::Future | Who::Handle => true,
                Who::Case(sel) => !own.is_some_and(|t| sel.same_select(t)) && sel.token.is_open(),
            });
        }
        live.saturating_sub(self.reserved)
    }

    /// Whether a receive that does not wait can take the value of the
    /// longest-waiting sender: it is a send (not a reservation) and no
    /// permit is promised, so that no receiver waits ahead.
    #[inline(always)]
    pub(super) fn sender_to_take(&self) -> bool {
        self.reserved == 0
            && self
                .waiters
                .first(Line::Send)
                .is_some_and(|key| matches!(self.waiters.peek(key).status, Status::Sending(_)))
    }

    /// A receive takes the value of the longest-waiting sender (see
    /// [`State::sender_to_take`]): the send is complete from this moment.
    #[inline(always)]
    pub(super) fn take_from_sender(&mut self, wake: &mut Wake) -> Option<Item<T>> {
        if !self.sender_to_take() {
            return None;
        }
        let key = self.waiters.pop(Line::Send)?;
        let entry = self.waiters.get(key);
        let Status::Sending(item) = std::mem::replace(&mut entry.status, Status::Sent) else {
            unreachable!("checked by sender_to_take")
        };
        wake.push(entry.waker.take());
        self.sent += 1;
        self.received += 1;
        Some(item)
    }

    /// On a rendezvous channel with senders waiting, the receiver a new send
    /// may still hand its value to: the receive case of the select whose send
    /// case waits at the head of the line, when no other receiver is free
    /// (then that head waits only because a select never pairs with itself,
    /// so the new send takes nothing it could have). Stale select cases at
    /// the head leave the line first. `None` on a buffered channel: a send
    /// there waits behind the senders ahead.
    pub(super) fn own_case_of_head(&mut self) -> Option<(Key, Option<Waker>)> {
        if !self.is_rendezvous() {
            return None;
        }
        let token = loop {
            let head = self.waiters.first(Line::Send)?;
            match &self.waiters.peek(head).who {
                Who::Case(sel) if !sel.token.is_open() => self.waiters.unlink(head),
                Who::Case(sel) => break Arc::clone(&sel.token),
                Who::Future | Who::Handle => return None,
            }
        };
        if self.free_receivers(Some(&token)) > 0 {
            return None;
        }
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            if let Who::Case(sel) = &self.waiters.peek(key).who {
                if sel.same_select(&token) {
                    let w = sel.claim()?;
                    self.waiters.unlink(key);
                    return Some((key, w));
                }
            }
        }
        None
    }

    /// Pairs the head of the send line with the receivers that wait, while
    /// it can go: a send hands its value to the longest-waiting receiver if
    /// one is not promised; a reservation of `n` is granted if `n` are not.
    pub(super) fn match_rendezvous(&mut self, wake: &mut Wake) {
        while let Some(key) = self.waiters.first(Line::Send) {
            if self.waiters.is_empty(Line::Recv) {
                return;
            }
            match self.waiters.peek(key).status {
                Status::Sending(_) => {
                    if self.free_receivers(None) == 0 {
                        return;
                    }
                    let Some((receiver, w)) = self.pop_receiver(wake) else {
                        return;
                    };
                    self.waiters.unlink(key);
                    let entry = self.waiters.get(key);
                    let Status::Sending(item) = std::mem::replace(&mut entry.status, Status::Sent)
                    else {
                        unreachable!("matched above")
                    };
                    wake.push(entry.waker.take());
                    self.hand(receiver, w, item, false, wake);
                    self.sent += 1;
                }
                Status::Reserving { want, .. } => {
                    let own = match &self.waiters.peek(key).who {
                        Who::Case(sel) => Some(Arc::clone(&sel.token)),
                        Who::Future | Who::Handle => None,
                    };
                    if self.free_receivers(own.as_ref()) < want {
                        return;
                    }
                    let Some(w) = self.claim_waiter(key) else {
                        continue;
                    };
                    self.reserved += want;
                    self.waiters.unlink(key);
                    let entry = self.waiters.get(key);
                    entry.status = Status::Granted(want);
                    wake.push(w.or_else(|| entry.waker.take()));
                }
                _ => unreachable!("gochan: only sends and reservations wait to send"),
            }
        }
    }
}
