//! The select token: which case of one select happened. Claimed under the
//! channel lock (and then the token's own), so exactly one case ever does.
//!
//! Two selects pair on a rendezvous channel (one's send case with the
//! other's receive case) by changing both tokens at once: both locks are
//! taken, in the order of the tokens' ranks (fixed at creation), so that two pairings that
//! cross (each select trying to pair with the other, on two channels) cannot
//! deadlock, and exactly one of them happens. The lock order is: a channel
//! lock, then token locks; nothing takes a channel lock while holding a
//! token's.

use std::sync::Arc;
use std::task::{Context, Waker};

use super::sync::Mutex;

/// Which case of a select happened, shared by the registrations of its cases.
///
/// A select takes a token from this thread's pool ([`Token::take`]) only once
/// a case must register, and gives it back when it is done
/// ([`Token::give_back`]), so a `select!` in a loop allocates no token after
/// the first.
#[derive(Debug)]
pub(crate) struct Token {
    /// The choice and the select's waker.
    inner: Mutex<TokenState>,
    /// Orders the locks of two tokens that pair (lower first): unique, fixed
    /// at creation. (Not the address: the loom models need every run of an
    /// interleaving to take the same steps.)
    rank: u64,
}

/// The next token's rank.
static NEXT_RANK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The state of a [`Token`].
#[derive(Debug)]
struct TokenState {
    /// What happened to the select.
    choice: Choice,
    /// The select's task. A waker is user code (its drop may own the last
    /// handle of a channel and close it, which claims tokens): one replaced
    /// or taken out is dropped or woken only after this lock is released.
    waker: Option<Waker>,
}

/// What happened to a select, as its token records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// No case has happened; a counterpart may still choose one.
    Open,
    /// This case happened.
    Chosen(usize),
    /// This receive case (on a rendezvous channel) was paired with another
    /// select's send case, whose value is being made: the case happens
    /// ([`Choice::Chosen`]) when that value is handed over. To every other
    /// counterpart the select is taken, as if chosen.
    Promised(usize),
    /// The send case paired with this select's promised receive case gave its
    /// hand-off back unused (its value expression panicked): nothing
    /// happened, and the select starts over (its registrations may have been
    /// dropped as stale meanwhile, so it withdraws them all and registers
    /// again).
    Restart,
    /// The select gave up (dropped, or its deadline passed): nobody may
    /// complete a case any more.
    Abandoned,
}

/// One registration of a select: its token and the index of its case.
#[derive(Clone, Debug)]
pub(crate) struct Sel {
    /// The select's token.
    pub(super) token: Arc<Token>,
    /// The case this registration is.
    pub(super) case: usize,
}

/// A case's try at its operation, as the select driver hands it to the
/// engine.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    /// The select's token.
    pub(crate) token: &'a Arc<Token>,
    /// The case being tried.
    pub(crate) case: usize,
    /// No case of this select is registered anywhere yet (the driver counts
    /// its registrations): then no counterpart can have claimed the token,
    /// and the case may happen without taking the token's lock.
    pub(crate) fresh: bool,
}

impl Ticket<'_> {
    /// The registration this ticket makes if its case must wait.
    pub(super) fn sel(&self) -> Sel {
        Sel {
            token: Arc::clone(self.token),
            case: self.case,
        }
    }

    /// Claims the select for this case, which can happen now: `false` if
    /// another case already happened (or the select gave up).
    #[inline]
    pub(super) fn claim(&self) -> bool {
        if self.fresh {
            // Nothing registered: nobody else can have chosen. The driver
            // records the choice from the attempt's result.
            return true;
        }
        let mut s = self.token.inner.lock();
        if s.choice != Choice::Open {
            return false;
        }
        s.choice = Choice::Chosen(self.case);
        true
    }
}

/// At most this many spare tokens wait in one thread's pool.
#[cfg(not(gochan_loom))]
const SPARE_TOKENS: usize = 8;

#[cfg(not(gochan_loom))]
thread_local! {
    /// This thread's spare tokens: open, no waker, no other clone.
    static SPARE: std::cell::RefCell<Vec<Arc<Token>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Token {
    /// A fresh token: open, no waker.
    fn new() -> Arc<Self> {
        Arc::new(Token {
            inner: Mutex::new(TokenState {
                choice: Choice::Open,
                waker: None,
            }),
            // Only distinct values matter: no ordering with other memory.
            rank: NEXT_RANK.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// A token for one select: a spare one from this thread's pool, or a new
    /// one.
    #[inline]
    pub(crate) fn take() -> Arc<Self> {
        #[cfg(not(gochan_loom))]
        if let Some(t) = SPARE.try_with(|s| s.borrow_mut().pop()).ok().flatten() {
            return t;
        }
        Token::new()
    }

    /// A select is over and none of its registrations is left: reset the
    /// token and keep it in this thread's pool. A token still shared (a
    /// finished select never leaves one so) is only let go.
    #[inline]
    pub(crate) fn give_back(mut token: Arc<Self>) {
        let Some(t) = Arc::get_mut(&mut token) else {
            return;
        };
        let s = t.inner.get_mut();
        s.choice = Choice::Open;
        // No lock is held here, and none while the pool is borrowed below.
        drop(s.waker.take());
        #[cfg(not(gochan_loom))]
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_TOKENS {
                spare.push(token);
            }
        });
    }

    /// What the select should do now, registering the waker while it waits.
    pub(crate) fn poll_chosen(&self, cx: &mut Context<'_>) -> Look {
        let (choice, replaced) = {
            let mut s = self.inner.lock();
            let replaced = match &s.waker {
                _ if matches!(s.choice, Choice::Chosen(_) | Choice::Restart) => None,
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => s.waker.replace(cx.waker().clone()),
            };
            (s.choice, replaced)
        };
        // Outside the lock: its drop may close a channel this select waits
        // on, which claims this very token.
        drop(replaced);
        match choice {
            Choice::Chosen(case) => Look::Chosen(case),
            Choice::Restart => Look::Restart,
            Choice::Open | Choice::Promised(_) | Choice::Abandoned => Look::Waiting,
        }
    }

    /// Gives the select up unless a case already happened; returns the case
    /// that did, if any. A promised receive case is given up too (the value
    /// then goes to the next receiver, or is buffered for it).
    pub(crate) fn abandon(&self) -> Option<usize> {
        match self.give_up(false) {
            GiveUp::Chosen(case) => Some(case),
            GiveUp::Gone | GiveUp::Promised => None,
        }
    }

    /// [`Token::abandon`] for a deadline: a promised receive case is waited
    /// for instead (its value is being made now), `GiveUp::Promised`.
    pub(crate) fn expire(&self) -> GiveUp {
        self.give_up(true)
    }

    fn give_up(&self, keep_promise: bool) -> GiveUp {
        let mut s = self.inner.lock();
        match s.choice {
            Choice::Chosen(case) => GiveUp::Chosen(case),
            Choice::Promised(_) if keep_promise => GiveUp::Promised,
            Choice::Open | Choice::Promised(_) | Choice::Restart | Choice::Abandoned => {
                s.choice = Choice::Abandoned;
                GiveUp::Gone
            }
        }
    }

    /// Whether a case of this select can still be completed.
    pub(super) fn is_open(&self) -> bool {
        self.inner.lock().choice == Choice::Open
    }

    /// Sets `a` to `to_a` and `b` to `to_b` if both are open, atomically:
    /// both locks are held, taken in the order of the tokens' ranks (see the
    /// module docs).
    /// `Ok`: `a`'s waker, taken out for the caller to wake (a counterpart
    /// completing a waiting send case); `Err`: which one was not open.
    fn pair(a: &Token, to_a: Choice, b: &Token, to_b: Choice) -> Result<Option<Waker>, Taken> {
        debug_assert!(!std::ptr::eq(a, b), "a select never pairs with itself");
        let (mut ga, mut gb);
        if a.rank < b.rank {
            ga = a.inner.lock();
            gb = b.inner.lock();
        } else {
            gb = b.inner.lock();
            ga = a.inner.lock();
        }
        if ga.choice != Choice::Open {
            return Err(Taken::First);
        }
        if gb.choice != Choice::Open {
            return Err(Taken::Second);
        }
        ga.choice = to_a;
        gb.choice = to_b;
        Ok(ga.waker.take())
    }
}

/// What [`Token::expire`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// This case happened first: it wins.
    Chosen(usize),
    /// Nothing happened, and nothing will now.
    Gone,
    /// A receive case is promised a value being made: wait for it.
    Promised,
}

/// What [`Token::poll_chosen`] tells a waiting select.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Look {
    /// Nothing happened yet (or a receive case's promised value is on its
    /// way): wait.
    Waiting,
    /// This case happened.
    Chosen(usize),
    /// Start over: see [`Choice::Restart`].
    Restart,
}

/// Which of two selects a pairing found already taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Taken {
    /// The first: the send side (ours, or the waiting send case's).
    First,
    /// The second: the receive case (stale: it leaves its line).
    Second,
}

impl Ticket<'_> {
    /// Pairs this select's send case, which happens now, with the waiting
    /// receive case `other` of another select on a rendezvous channel: this
    /// select is chosen and `other` promised the value, at once.
    pub(super) fn pair_with(&self, other: &Sel) -> Result<(), Taken> {
        if self.fresh {
            // Nothing of ours is registered: only `other` can be taken.
            return other.promise_alone();
        }
        Token::pair(
            self.token,
            Choice::Chosen(self.case),
            &other.token,
            Choice::Promised(other.case),
        )
        .map(drop)
    }
}

impl Sel {
    /// Claims a waiting case for a counterpart that completes it: the
    /// select's waker (to wake after the lock) if the case is ours to
    /// complete, `None` if its select already happened elsewhere (a stale
    /// registration, to drop from its line).
    #[inline(never)]
    pub(super) fn claim(&self) -> Option<Option<Waker>> {
        let mut s = self.token.inner.lock();
        if s.choice != Choice::Open {
            return None;
        }
        s.choice = Choice::Chosen(self.case);
        Some(s.waker.take())
    }

    /// Promises this receive case the value a send case pairing with it is
    /// making: `false` if its select happened elsewhere (or gave up).
    pub(super) fn promise(&self) -> bool {
        let mut s = self.token.inner.lock();
        if s.choice != Choice::Open {
            return false;
        }
        s.choice = Choice::Promised(self.case);
        true
    }

    /// [`Sel::promise`] for a send side that no other counterpart can take
    /// (a first look, or a select with nothing registered): only this
    /// receive case can be found taken, `Err(Taken::Second)`.
    pub(super) fn promise_alone(&self) -> Result<(), Taken> {
        self.promise().then_some(()).ok_or(Taken::Second)
    }

    /// Completes a waiting send case `self` for a receiver arriving now,
    /// pairing it with the receive case `other` of another select: `self`
    /// chosen, `other` promised the value `self` makes. `Ok(w)`: `self`'s
    /// select's waker.
    pub(super) fn pair_with(&self, other: &Sel) -> Result<Option<Waker>, Taken> {
        Token::pair(
            &self.token,
            Choice::Chosen(self.case),
            &other.token,
            Choice::Promised(other.case),
        )
    }

    /// The promised value arrived (or the channel finished without it): the
    /// case happens; its select's waker. `None` if the select gave up first
    /// (the value goes elsewhere).
    pub(super) fn fulfil(&self) -> Option<Option<Waker>> {
        let mut s = self.token.inner.lock();
        if s.choice != Choice::Promised(self.case) {
            return None;
        }
        s.choice = Choice::Chosen(self.case);
        Some(s.waker.take())
    }

    /// The promised value will not come: the select starts over. Its waker,
    /// if it still waits.
    pub(super) fn restart(&self) -> Option<Waker> {
        let mut s = self.token.inner.lock();
        if s.choice != Choice::Promised(self.case) {
            return None;
        }
        s.choice = Choice::Restart;
        s.waker.take()
    }

    /// Whether `other` is a registration of the same select.
    pub(super) fn same_select(&self, other: &Arc<Token>) -> bool {
        Arc::ptr_eq(&self.token, other)
    }
}
