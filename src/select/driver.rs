//! The driver: one [`SelectFuture`] runs a select over any [`Cases`] set,
//! the macro's and the dynamic one's.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;

use super::case::{Attempt, FirstLook, Ticket};
use super::list::Cases;
use crate::chan::{GiveUp, Look, Token};

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

/// Runs one select over `cases`: the future behind `gochan::select!` and the
/// dynamic selects. Output: the index of the case that happened, `None` if
/// the deadline passed first.
#[doc(hidden)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SelectFuture<'s, C: Cases> {
    /// The cases.
    cases: C,
    /// Room for the order of the first pass, one slot per case.
    order: &'s mut [usize],
    /// Attempt the cases in order instead of at random.
    biased: bool,
    /// Shared by every registration of this select; taken from the pool
    /// only when the first look finds its case not ready (a select whose
    /// first case is ready needs none), given back once no registration
    /// holds it.
    token: Option<Arc<Token>>,
    /// `default(duration)`: how long, and where its timer lives (pinned by
    /// the caller, created at the first wait).
    timeout: Option<(Duration, Pin<&'s mut Option<Sleep>>)>,
    /// Whether the first pass over the cases ran.
    started: bool,
    /// Whether the result was returned (nothing left to clean up).
    done: bool,
}

impl<'s, C: Cases> SelectFuture<'s, C> {
    /// A select without `default` (the macro's): waits until a case happens.
    ///
    /// # Panics
    ///
    /// If every case is disabled by its guard: it would wait forever.
    #[track_caller]
    #[inline]
    pub fn new(cases: C, order: &'s mut [usize], biased: bool) -> Self {
        if !cases.any_enabled() {
            panic!(
                "gochan::select!: every case is disabled by its guard and there is no \
                 `default`: the select would wait forever"
            );
        }
        Self::build(cases, order, biased, None)
    }

    /// A select with `default(timeout)`: waits at most `timeout`, with its
    /// timer in `sleep`.
    #[inline]
    pub fn with_timeout(
        cases: C,
        order: &'s mut [usize],
        biased: bool,
        timeout: Duration,
        sleep: Pin<&'s mut Option<Sleep>>,
    ) -> Self {
        Self::build(cases, order, biased, Some((timeout, sleep)))
    }

    #[inline]
    pub(super) fn build(
        cases: C,
        order: &'s mut [usize],
        biased: bool,
        timeout: Option<(Duration, Pin<&'s mut Option<Sleep>>)>,
    ) -> Self {
        debug_assert_eq!(order.len(), cases.count());
        SelectFuture {
            cases,
            order,
            biased,
            token: None,
            timeout,
            started: false,
            done: false,
        }
    }

    /// The first pass: in random order (or in order, `biased`), each case
    /// either happens now or registers; the first case that takes part is
    /// looked at without a token first ([`Case::first_look`]). Registering under the same lock as
    /// the check means no counterpart can slip between the two; registering
    /// even when we will not wait (`default`) means the cases are never seen
    /// unready one after the other while one of them became ready in between
    /// (Go locks every channel for this pass instead). `Some` if the select
    /// is over.
    fn start(&mut self) -> Option<Option<usize>> {
        self.started = true;
        let order = &mut *self.order;
        for (k, slot) in order.iter_mut().enumerate() {
            *slot = k;
        }
        if !self.biased {
            // Go's poll order: a uniform shuffle (Fisher-Yates), so that
            // among the ready cases each is equally likely, wherever it
            // stands.
            for k in (1..order.len()).rev() {
                order.swap(k, random_below(k + 1));
            }
        }
        // A first look, in the pass order, up to the first case that takes
        // part: if it can happen now it is the select's, and no token is
        // taken. Otherwise the pass below registers as it goes, from the
        // start (the cases before it do not take part).
        for &i in order.iter() {
            match self.cases.first_look(i) {
                FirstLook::Ready => return Some(self.finish(Some(i), true)),
                FirstLook::NotReady => break,
                FirstLook::Out => {}
            }
        }
        let order = &*self.order;
        let token = self.token.insert(Token::take());
        let mut ready = None;
        // Until a case registers, no counterpart can have claimed the token.
        let mut registered = 0usize;
        for &i in order.iter() {
            let ticket = Ticket(crate::chan::Ticket {
                token: &*token,
                case: i,
                fresh: registered == 0,
            });
            match self.cases.attempt(i, &ticket) {
                Attempt::Ready => {
                    ready = Some(i);
                    break;
                }
                // A counterpart chose a case registered earlier in this pass:
                // the token says which.
                Attempt::Lost => return None,
                Attempt::Waiting => registered += 1,
                Attempt::Out => {}
            }
        }
        ready.map(|i| self.finish(Some(i), true))
    }

    /// Case `chosen` happened (or none did): complete it, withdraw the rest,
    /// give the token back.
    fn finish(&mut self, chosen: Option<usize>, completed: bool) -> Option<usize> {
        self.cases.finish(chosen, completed);
        self.done = true;
        if let Some(token) = self.token.take() {
            Token::give_back(token);
        }
        chosen
    }

    /// `default`: the first pass, and if no case happened, none will.
    fn try_now(mut self) -> Option<usize> {
        if let Some(done) = self.start() {
            return done;
        }
        // Every case that was not ready is registered, so a counterpart that
        // came while we looked at the others has chosen one: the cases were
        // never all unready at once. Close the window now.
        let chosen = self.token.as_ref().and_then(|t| t.abandon());
        self.finish(chosen, false)
    }
}

/// `select!` with `default`: makes one ready case happen, if any; never
/// waits. A plain function: usable in synchronous code.
#[doc(hidden)]
#[inline]
pub fn try_select<C: Cases>(cases: C, order: &mut [usize], biased: bool) -> Option<usize> {
    SelectFuture::build(cases, order, biased, None).try_now()
}

impl<C: Cases + Unpin> Future for SelectFuture<'_, C> {
    type Output = Option<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        let this = self.get_mut();
        assert!(!this.done, "gochan: select polled after completion");
        let budget = std::task::ready!(crate::coop::Budget::take(cx));
        budget.spend_if_ready(this.poll_cases(cx))
    }
}

impl<C: Cases> SelectFuture<'_, C> {
    /// One poll of the select, under the task's budget.
    fn poll_cases(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        loop {
            if !self.started {
                if let Some(done) = self.start() {
                    return Poll::Ready(done);
                }
            }
            let token = self.token.as_ref().expect("started");
            // Stores the waker and looks under the token's lock: a
            // counterpart that chose a case during the first pass (and found
            // no waker) is seen here, one that comes later finds the waker.
            match token.poll_chosen(cx) {
                Look::Chosen(i) => return Poll::Ready(self.finish(Some(i), false)),
                Look::Waiting => break,
                Look::Restart => self.start_over(),
            }
        }
        let mut expired = false;
        if let Some((d, sleep)) = self.timeout.as_mut() {
            if sleep.is_none() {
                sleep.set(Some(tokio::time::sleep(*d)));
            }
            let timer = sleep.as_mut().as_pin_mut().expect("set above");
            expired = timer.poll(cx).is_ready();
        }
        if !expired {
            return Poll::Pending;
        }
        let token = self.token.as_ref().expect("started");
        match token.expire() {
            // A case happened at the deadline: it wins.
            GiveUp::Chosen(i) => Poll::Ready(self.finish(Some(i), false)),
            GiveUp::Gone => Poll::Ready(self.finish(None, false)),
            // A receive case was paired with a send case whose value is being
            // made: it happens as soon as the value is handed over (or the
            // select starts over, and then finds the deadline passed). The
            // waker is registered.
            GiveUp::Promised => Poll::Pending,
        }
    }

    /// The send case a receive case of ours paired with gave its hand-off
    /// back unused: no case happened. Every case is withdrawn (some may have
    /// been dropped from their lines as stale meanwhile) and the select runs
    /// its first pass again, with a fresh token.
    #[cold]
    fn start_over(&mut self) {
        self.cases.finish(None, false);
        if let Some(token) = self.token.take() {
            Token::give_back(token);
        }
        self.started = false;
    }
}

impl<C: Cases> Drop for SelectFuture<'_, C> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Some(token) = self.token.take() else {
            return; // never started: nothing registered
        };
        // Nobody may complete a case from now on; if one already happened,
        // `abort` records it (a send) or passes its value on (a receive).
        token.abandon();
        self.cases.finish(None, false);
        Token::give_back(token);
    }
}

impl<C: Cases> fmt::Debug for SelectFuture<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectFuture")
            .field("cases", &self.cases.count())
            .field("started", &self.started)
            .field("done", &self.done)
            .finish()
    }
}

/// The end of the macro's dispatch: exactly one case holds a result.
#[doc(hidden)]
#[cold]
#[track_caller]
pub fn unreachable_case() -> ! {
    unreachable!("gochan::select!: the chosen case holds no result (internal error)")
}

/// A random index below `n`, from a per-thread xorshift generator. Under
/// the loom models, always 0: loom replays each interleaving and needs every
/// run of a model to make the same choices.
#[cfg(gochan_loom)]
fn random_below(_n: usize) -> usize {
    0
}

/// A random index below `n`, from a per-thread xorshift generator.
#[cfg(not(gochan_loom))]
fn random_below(n: usize) -> usize {
    use std::cell::Cell;
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;

    thread_local! {
        /// xorshift64 state; 0 until this thread's first select seeds it.
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = RandomState::new().hash_one(0u64) | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        // Lemire's multiply-shift: the high half of a 64x64-bit product is
        // below `n`, uniform enough for a case count, and needs no division.
        ((u128::from(x) * n as u128) >> 64) as usize
    })
}
