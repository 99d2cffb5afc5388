//! The select token: which case of one select happened. Claimed under the
//! channel lock (and then the token's own), so exactly one case ever does.

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
}

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

    /// The case chosen so far (`None` while open), registering the waker
    /// while it is open.
    pub(crate) fn poll_chosen(&self, cx: &mut Context<'_>) -> Option<usize> {
        let (choice, replaced) = {
            let mut s = self.inner.lock();
            let replaced = match &s.waker {
                _ if s.choice != Choice::Open => None,
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => s.waker.replace(cx.waker().clone()),
            };
            (s.choice, replaced)
        };
        // Outside the lock: its drop may close a channel this select waits
        // on, which claims this very token.
        drop(replaced);
        match choice {
            Choice::Chosen(case) => Some(case),
            Choice::Open | Choice::Abandoned => None,
        }
    }

    /// Gives the select up unless a case already happened; returns the case
    /// that did, if any.
    pub(crate) fn abandon(&self) -> Option<usize> {
        let mut s = self.inner.lock();
        match s.choice {
            Choice::Chosen(case) => Some(case),
            Choice::Open | Choice::Abandoned => {
                s.choice = Choice::Abandoned;
                None
            }
        }
    }

    /// Whether a case of this select can still be completed.
    pub(super) fn is_open(&self) -> bool {
        self.inner.lock().choice == Choice::Open
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

    /// Whether `other` is a registration of the same select.
    pub(super) fn same_select(&self, other: &Arc<Token>) -> bool {
        Arc::ptr_eq(&self.token, other)
    }
}
