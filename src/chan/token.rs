//! The select token: which case of one select happened, claimed under the
//! channel lock so exactly one case ever does.

use std::sync::Arc;
use std::task::{Context, Waker};

/// Which case of a select won, shared by all the entries of one select.
///
/// A select takes a token from this thread's pool ([`Token::take`]) when a
/// case must register (one whose first case is ready needs none) and gives
/// it back once none of its registrations holds a clone any more
/// ([`Token::give_back`]), so a `select!` in a loop allocates no token after
/// the first.
#[derive(Debug)]
pub(crate) struct Token {
    /// The choice and the select's waker.
    pub(super) inner: parking_lot::Mutex<TokenState>,
}

/// The state of a [`Token`].
#[derive(Debug)]
pub(super) struct TokenState {
    /// `None` while no case has happened; `Some(case)` once one has. A dropped
    /// select sets `Some(usize::MAX)` so that nobody completes it any more.
    pub(super) chosen: Option<usize>,
    /// The select's task. A waker is user code (its drop may own the last
    /// handle of a channel and close it, which claims tokens): one that is
    /// replaced or taken out is dropped or woken only after this lock is
    /// released.
    pub(super) waker: Option<Waker>,
}

/// At most this many spare tokens wait in one thread's pool; a select that
/// finishes on a thread whose pool is full frees its token.
pub(super) const SPARE_TOKENS: usize = 8;

thread_local! {
    /// This thread's spare tokens: no case chosen, no waker, no other clone.
    static SPARE: std::cell::RefCell<Vec<Arc<Token>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Token {
    /// A fresh token: no case chosen yet.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Token {
            inner: parking_lot::Mutex::new(TokenState {
                chosen: None,
                waker: None,
            }),
        })
    }

    /// A fresh token for one select: a spare one from this thread's pool, or a
    /// new one.
    #[inline]
    pub(crate) fn take() -> Arc<Self> {
        SPARE
            .try_with(|spare| spare.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_else(Token::new)
    }

    /// A select is over and none of its registrations is left: reset the
    /// token and keep it in this thread's pool for the next select. A token
    /// that is still shared (which a finished select never leaves) is only
    /// let go.
    #[inline]
    pub(crate) fn give_back(mut token: Arc<Self>) {
        let Some(t) = Arc::get_mut(&mut token) else {
            return;
        };
        let s = t.inner.get_mut();
        s.chosen = None;
        // No lock is held here, and none while the pool is borrowed below.
        drop(s.waker.take());
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < SPARE_TOKENS {
                spare.push(token);
            }
        });
    }

    pub(super) fn lock(&self) -> parking_lot::MutexGuard<'_, TokenState> {
        self.inner.lock()
    }

    /// The chosen case, or registers the waker and returns `None`.
    pub(crate) fn poll_chosen(&self, cx: &mut Context<'_>) -> Option<usize> {
        let (chosen, replaced) = {
            let mut s = self.lock();
            let replaced = match &s.waker {
                _ if s.chosen.is_some() => None,
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => s.waker.replace(cx.waker().clone()),
            };
            (s.chosen, replaced)
        };
        // Outside the lock: its drop may close a channel this select waits
        // on, which claims this very token.
        drop(replaced);
        chosen
    }

    /// Marks the select as gone unless a case was already chosen; returns the
    /// chosen case, if any.
    pub(crate) fn cancel(&self) -> Option<usize> {
        let mut s = self.lock();
        match s.chosen {
            Some(case) => Some(case),
            None => {
                s.chosen = Some(usize::MAX);
                None
            }
        }
    }
}

/// One registration of a select: its token and the index of its case.
///
/// An entry's clone is never the token's last one (the select keeps its own
/// until every entry is gone), so dropping an entry under the channel lock
/// never drops a token, or the waker in it.
pub(crate) type Sel = (Arc<Token>, usize);

/// The result of trying to claim a waiter (and, inside a select, ourselves).
pub(super) enum Claim {
    /// Both sides claimed; wake this waker (the counterpart select's task).
    Won(Option<Waker>),
    /// Our own select already happened through another case: do nothing here.
    Mine,
    /// The waiter belongs to a select that already happened: it is stale.
    Theirs,
    /// The waiter is another case of our own select: leave it, look further.
    Own,
}

/// Claims `theirs` (a waiter's select token, if any) and `mine` (ours, if any)
/// together, so that neither select can happen twice. Token locks are taken in
/// address order, always after the channel lock.
#[inline]
pub(super) fn claim(mine: Option<&Sel>, theirs: Option<&Sel>) -> Claim {
    // A select none of whose cases is registered anywhere yet cannot lose:
    // no counterpart holds its token. Its first ready case then needs no
    // token lock (the select records the choice itself).
    let mine = mine.filter(|m| !unseen(m));
    if mine.is_none() && theirs.is_none() {
        // Neither side is a select that could be claimed elsewhere.
        return Claim::Won(None);
    }
    claim_tokens(mine, theirs)
}

/// Whether no registration holds `sel`'s token: only the select itself and
/// the [`Sel`] of the case being attempted do (`select.rs` clones the token
/// exactly once per attempt, and only a registration keeps that clone). The
/// count is exact here: clones are made, and registrations dropped, only by
/// the select's own task; counterparts lock the token but never clone it.
#[inline]
fn unseen(sel: &Sel) -> bool {
    Arc::strong_count(&sel.0) <= 2
}

/// [`claim`] when at least one side is a select.
#[inline(never)]
pub(super) fn claim_tokens(mine: Option<&Sel>, theirs: Option<&Sel>) -> Claim {
    match (mine, theirs) {
        (None, None) => unreachable!("claim handles two plain operations"),
        (None, Some((t, case))) => {
            let mut s = t.lock();
            if s.chosen.is_some() {
                return Claim::Theirs;
            }
            s.chosen = Some(*case);
            Claim::Won(s.waker.take())
        }
        (Some((m, case)), None) => {
            let mut s = m.lock();
            if s.chosen.is_some() {
                return Claim::Mine;
            }
            s.chosen = Some(*case);
            Claim::Won(None)
        }
        (Some((m, my_case)), Some((t, their_case))) => {
            if Arc::ptr_eq(m, t) {
                return Claim::Own;
            }
            let (mut ms, mut ts);
            if Arc::as_ptr(m) < Arc::as_ptr(t) {
                ms = m.lock();
                ts = t.lock();
            } else {
                ts = t.lock();
                ms = m.lock();
            }
            if ms.chosen.is_some() {
                return Claim::Mine;
            }
            if ts.chosen.is_some() {
                return Claim::Theirs;
            }
            ms.chosen = Some(*my_case);
            ts.chosen = Some(*their_case);
            Claim::Won(ts.waker.take())
        }
    }
}

/// Whether our own select already happened through another case; otherwise
/// claims it for the case at hand.
#[inline]
pub(super) fn own_select_lost(mine: &Sel) -> bool {
    matches!(claim(Some(mine), None), Claim::Mine)
}

/// Claims a waiter for a plain operation, which has no select of its own:
/// `Some(waker)` if the waiter is ours to complete (the waker of its select,
/// if it is a select case), `None` if its select already happened through
/// another case (a stale entry, to drop from the line).
#[inline]
pub(super) fn claim_waiter(theirs: Option<&Sel>) -> Option<Option<Waker>> {
    match theirs {
        None => Some(None),
        Some(_) => match claim_tokens(None, theirs) {
            Claim::Won(w) => Some(w),
            _ => None,
        },
    }
}
