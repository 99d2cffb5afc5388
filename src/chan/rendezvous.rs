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
//! * A select's send case has no value until it is chosen, so it cannot
//!   hand one over in the same step as a send does. When the only receivers
//!   it could go to are receive cases of other selects, it *pairs* with the
//!   longest-waiting one: both tokens change at once (its select chosen, the
//!   receive case promised), and the receive case moves to the promised line
//!   ([`Line::Promised`]) until the value is made and sent. A permit's send
//!   serves that line first. So a receive case of a select that can still
//!   happen elsewhere is never counted on: two selects that each offer a send
//!   and a receive pair up exactly once, as in Go. If the value is never sent
//!   (the case's value expression panicked), the promised select starts over.
//! * One line of senders: a send or reservation never passes one that waits
//!   ahead of it. When a reservation at the head is withdrawn, or a promise
//!   is kept or given back, [`State::match_rendezvous`] pairs the line's head
//!   with the receivers that wait, until the head cannot go.

use std::sync::Arc;
use std::task::Waker;

use super::ack::Item;
use super::token::{Sel, Taken, Ticket, Token};
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
    /// permit is promised to: live entries of the receive and promised lines
    /// (a select case whose select already happened is stale), not counting
    /// the cases of the select `own` (a select never pairs with itself), less
    /// `reserved`.
    /// Walks the line: reservations only.
    pub(super) fn free_receivers(&self, own: Option<&Arc<Token>>) -> usize {
        // Promised receive cases wait for a permit's value: counted, like the
        // permits (in `reserved`) that will serve them.
        let mut live = self.waiters.count(Line::Promised);
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
                    let case = match &self.waiters.peek(key).who {
                        Who::Case(sel) => Some(sel.clone()),
                        Who::Future | Who::Handle => None,
                    };
                    if self.free_receivers(case.as_ref().map(|sel| &sel.token)) < want {
                        return;
                    }
                    let w = match &case {
                        // A select's send case (one slot): with no receiver
                        // to count on, it pairs with a receive case.
                        Some(sel) => match self.partner_for_case(Some(&sel.token)) {
                            Partner::Any => match self.claim_waiter(key) {
                                Some(w) => w,
                                None => continue,
                            },
                            Partner::Case(receiver) => {
                                let other = self.case_of(receiver);
                                match sel.pair_with(&other) {
                                    Ok(w) => {
                                        self.promise_to(receiver);
                                        w
                                    }
                                    Err(Taken::First) => {
                                        self.waiters.unlink(key);
                                        continue;
                                    }
                                    Err(Taken::Second) => {
                                        self.waiters.unlink(receiver);
                                        continue;
                                    }
                                }
                            }
                            Partner::None => return,
                        },
                        None => match self.claim_waiter(key) {
                            Some(w) => w,
                            None => continue,
                        },
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

    /// The receivers a select's send case (of the select `own`; `None`: a
    /// first look, nothing of its select registered) that happens now could
    /// hand its value to once it is made: see [`Partner`].
    pub(super) fn partner_for_case(&self, own: Option<&Arc<Token>>) -> Partner {
        let mut committed = self.waiters.count(Line::Promised);
        let mut live = committed;
        let mut first_case = None;
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            match &self.waiters.peek(key).who {
                Who::Future | Who::Handle => {
                    committed += 1;
                    live += 1;
                }
                Who::Case(sel) => {
                    if !own.is_some_and(|t| sel.same_select(t)) && sel.token.is_open() {
                        live += 1;
                        first_case.get_or_insert(key);
                    }
                }
            }
        }
        if live <= self.reserved {
            Partner::None
        } else if committed > self.reserved {
            Partner::Any
        } else {
            first_case.map_or(Partner::None, Partner::Case)
        }
    }

    /// A select's send case on a rendezvous channel, nobody waiting ahead:
    /// takes a hand-off now if there is a receiver for it (counting on one
    /// that will wait, or pairing with a receive case: see
    /// [`State::partner_for_case`]). `ticket`: the select's, `None` for a
    /// first look (no token, nothing registered). `Some(false)`: the select
    /// happened elsewhere; `None`: no receiver.
    pub(super) fn grant_case(&mut self, ticket: Option<&Ticket<'_>>) -> Option<bool> {
        loop {
            match self.partner_for_case(ticket.map(|t| t.token)) {
                Partner::None => return None,
                Partner::Any => {
                    if !ticket.is_none_or(Ticket::claim) {
                        return Some(false);
                    }
                }
                Partner::Case(receiver) => {
                    let other = self.case_of(receiver);
                    let paired = match ticket {
                        Some(t) => t.pair_with(&other),
                        None => other.promise_alone(),
                    };
                    match paired {
                        Ok(()) => self.promise_to(receiver),
                        Err(Taken::First) => return Some(false),
                        Err(Taken::Second) => {
                            // Its select happened elsewhere: stale.
                            self.waiters.unlink(receiver);
                            continue;
                        }
                    }
                }
            }
            self.reserved += 1;
            return Some(true);
        }
    }

    /// The select registration of the receive case `key`.
    fn case_of(&self, key: Key) -> Sel {
        match &self.waiters.peek(key).who {
            Who::Case(sel) => sel.clone(),
            Who::Future | Who::Handle => unreachable!("a partner is a select's receive case"),
        }
    }

    /// The receive case `key`, just promised a value, waits for it in the
    /// promised line.
    fn promise_to(&mut self, key: Key) {
        self.waiters.unlink(key);
        self.waiters.push(key, Line::Promised);
    }

    /// A permit's value on a rendezvous channel: to the oldest promised
    /// receive case whose select still waits for it; `Err` gives it back if
    /// there is none (the caller hands it on as any value).
    pub(super) fn keep_promise(&mut self, item: Item<T>, wake: &mut Wake) -> Result<(), Item<T>> {
        while let Some(key) = self.waiters.pop(Line::Promised) {
            let Who::Case(sel) = &self.waiters.peek(key).who else {
                unreachable!("gochan: only select cases are promised (internal error)")
            };
            // `None`: its select gave up (dropped); its owner withdraws it.
            if let Some(w) = sel.fulfil() {
                self.hand(key, w, item, false, wake);
                self.sent += 1;
                return Ok(());
            }
        }
        Err(item)
    }

    /// Promises came back unused (fewer hand-offs are `reserved` than
    /// receive cases wait for one): the excess selects start over, newest
    /// promise first.
    pub(super) fn break_promises(&mut self, wake: &mut Wake) {
        while self.waiters.count(Line::Promised) > self.reserved {
            let Some(key) = self.waiters.last(Line::Promised) else {
                return;
            };
            self.waiters.unlink(key);
            if let Who::Case(sel) = &self.waiters.peek(key).who {
                wake.push(sel.restart());
            }
        }
    }
}

/// Whom a select's send case that happens now on a rendezvous channel will
/// hand its value to: [`State::partner_for_case`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Partner {
    /// No receiver is free (each is promised already, or is the select's
    /// own).
    None,
    /// A receiver that will wait for the value is free (a future, a handle's
    /// place, or a promised case a permit is missing for): count on it, as a
    /// reservation does.
    Any,
    /// Only receive cases of other selects are free: pair with this one, the
    /// longest-waiting.
    Case(Key),
}
