//! `gochan::select!` and the dynamic [`Select`] / [`LocalSelect`]: wait on
//! several sends and receives, and exactly one of them happens.
//!
//! Every case of one select registers on its channel with the same
//! [`Token`](crate::chan::Token). A counterpart completes a registered case only
//! after claiming the token, under that channel's lock, so exactly one case
//! ever happens; the registrations of the other cases are stale from that
//! moment and are removed when the select finishes (or is dropped).
//!
//! One driver ([`SelectFuture`]) runs both forms over a [`Cases`] set. The
//! macro's set is a list of `&mut` borrows of case locals nested in pairs
//! (`(&mut c2, (&mut c1, (&mut c0, Nil)))`, built by the macro one case at a
//! time), so it is generic, allocates nothing and is `Send` exactly when the
//! items are. The dynamic set is a `Vec` of shared case slots whose typed
//! halves the caller holds ([`RecvCase`], [`SendCase`]).

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Sleep;

use crate::chan::{CaseRecv, CaseSend, Item, Key, Token};
use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
use crate::{Receiver, Sender};

// ---------------------------------------------------------------------------
// One case, as the driver sees it
// ---------------------------------------------------------------------------

/// What one attempt at a case found.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The case happened now.
    Ready,
    /// Another case of this select already happened.
    Lost,
    /// Not ready: registered on its channel.
    Waiting,
    /// The case does not take part (a false guard, a spent send, a result not
    /// taken yet, a removed case).
    Out,
}

/// What a first look at a case found: a look that registers nothing and
/// needs no token (see [`Case::first_look`]).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLook {
    /// The case happened now.
    Ready,
    /// Not ready; nothing was registered.
    NotReady,
    /// The case does not take part.
    Out,
}

/// A case's try at its operation: the select's token, the case's index, and
/// whether no case of the select is registered yet (the driver counts its
/// registrations; see `chan/token.rs`).
#[doc(hidden)]
pub struct Ticket<'t>(crate::chan::Ticket<'t>);

impl fmt::Debug for Ticket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ticket").field(&self.0.case).finish()
    }
}

/// The driver's view of a case: try it, complete it, or withdraw it.
#[doc(hidden)]
pub trait Case {
    /// Tries the case at once (claiming the select's token if it can happen);
    /// if it cannot, registers it on its channel under the same lock.
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt;
    /// Tries the case at once as a plain `try_recv` / `try_send` would,
    /// without registering it. Only valid while no case of the select is
    /// registered: then nothing can have chosen another case, no entry of
    /// this select waits in any line, and a case that can happen now is the
    /// select's to take, so the common select (its first case in the pass
    /// order is ready) needs no token at all.
    fn first_look(&mut self) -> FirstLook;
    /// The select's token chose this registered case: take its result from
    /// the channel.
    fn complete(&mut self);
    /// Withdraws the registration, if any. A value a receive case was handed
    /// goes on to the next receiver; a send case keeps its value if unsent,
    /// and records that it was sent otherwise.
    fn abort(&mut self);
    /// Whether the case takes part in the next select.
    fn enabled(&self) -> bool;
}

/// How the macro gets at a case's `Receiver`: `$rx.__gochan_receiver()`,
/// a method call, so that autoderef finds the `Receiver` behind a reference
/// (or an `Arc`, a `Box`...) as a plain `&$rx` argument's deref coercion
/// would, while a call that returns a `&Receiver` is taken as it is.
#[doc(hidden)]
pub trait AsReceiver<T> {
    /// The receiver.
    fn __gochan_receiver(&self) -> &Receiver<T>;
}

impl<T> AsReceiver<T> for Receiver<T> {
    #[inline]
    fn __gochan_receiver(&self) -> &Receiver<T> {
        self
    }
}

/// As [`AsReceiver`], for a send case's `Sender` (or `ScopedSender`).
#[doc(hidden)]
pub trait AsSender<T> {
    /// The sender.
    fn __gochan_sender(&self) -> &Sender<T>;
}

impl<T> AsSender<T> for Sender<T> {
    #[inline]
    fn __gochan_sender(&self) -> &Sender<T> {
        self
    }
}

/// A receive case: receives from one channel, or (disabled by its guard)
/// takes no part.
#[doc(hidden)]
pub struct RecvOp<'a, T> {
    /// The receiver; `None` when the case is disabled.
    rx: Option<&'a Receiver<T>>,
    /// Our registration, while waiting.
    key: Option<Key>,
    /// The result, once this case happened and until it is taken.
    result: Option<Result<T, RecvError>>,
}

impl<'a, T> RecvOp<'a, T> {
    /// A case that receives from `rx`.
    #[inline]
    pub fn new(rx: &'a Receiver<T>) -> Self {
        RecvOp {
            rx: Some(rx),
            key: None,
            result: None,
        }
    }

    /// A case whose guard is false: it never happens.
    #[inline]
    pub fn disabled() -> Self {
        RecvOp {
            rx: None,
            key: None,
            result: None,
        }
    }

    /// The result, if this case happened and it was not taken yet.
    #[inline]
    pub fn take_result(&mut self) -> Option<Result<T, RecvError>> {
        self.result.take()
    }

    /// The receiver, if the case takes part in this select (enabled, and no
    /// result waiting to be taken).
    #[inline]
    fn take_part(&self) -> Option<&'a Receiver<T>> {
        self.rx.filter(|_| self.result.is_none())
    }
}

impl<T> Case for RecvOp<'_, T> {
    #[inline]
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt {
        let Some(rx) = self.take_part() else {
            return Attempt::Out;
        };
        match rx.chan.select_recv(rx.place(), &ticket.0) {
            CaseRecv::Ready(item) => {
                self.result = Some(Ok(item.into_received()));
                Attempt::Ready
            }
            CaseRecv::Closed => {
                self.result = Some(Err(RecvError));
                Attempt::Ready
            }
            CaseRecv::Lost => Attempt::Lost,
            CaseRecv::Waiting(key) => {
                self.key = Some(key);
                Attempt::Waiting
            }
        }
    }

    #[inline]
    fn first_look(&mut self) -> FirstLook {
        let Some(rx) = self.take_part() else {
            return FirstLook::Out;
        };
        // `try_recv` takes a value the handle's place holds first.
        match rx.try_recv() {
            Ok(v) => self.result = Some(Ok(v)),
            Err(TryRecvError::Closed) => self.result = Some(Err(RecvError)),
            Err(TryRecvError::Empty) => return FirstLook::NotReady,
        }
        FirstLook::Ready
    }

    #[inline]
    fn complete(&mut self) {
        let (Some(rx), Some(key)) = (self.rx, self.key.take()) else {
            return;
        };
        let item = rx.chan.select_recv_done(key);
        self.result = Some(item.map(Item::into_received).ok_or(RecvError));
    }

    #[inline]
    fn abort(&mut self) {
        if let (Some(rx), Some(key)) = (self.rx, self.key.take()) {
            rx.chan.cancel_recv(key);
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.rx.is_some() && self.result.is_none()
    }
}

impl<T> fmt::Debug for RecvOp<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvOp")
            .field("enabled", &self.rx.is_some())
            .field("waiting", &self.key.is_some())
            .field("has_result", &self.result.is_some())
            .finish()
    }
}

/// A send case: sends one value on one channel, or (disabled by its guard,
/// or spent) takes no part. It waits as a reservation: its value goes out
/// only once the case is chosen and holds a slot.
#[doc(hidden)]
pub struct SendOp<'a, T> {
    /// The sender; `None` when the case is disabled.
    tx: Option<&'a Sender<T>>,
    /// The value, while it is ours to send.
    value: Option<T>,
    /// Our reservation, while waiting.
    key: Option<Key>,
    /// The result, once this case happened and until it is taken.
    result: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendOp<'a, T> {
    /// A case that sends `value` on `tx`.
    #[inline]
    pub fn new(tx: &'a Sender<T>, value: T) -> Self {
        SendOp {
            tx: Some(tx),
            value: Some(value),
            key: None,
            result: None,
        }
    }

    /// A case whose guard is false: it never happens, and has no value.
    #[inline]
    pub fn disabled() -> Self {
        SendOp {
            tx: None,
            value: None,
            key: None,
            result: None,
        }
    }

    /// The result, if this case happened and it was not taken yet.
    #[inline]
    pub fn take_result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.result.take()
    }

    /// The sender, if the case takes part in this select: enabled, holding
    /// a value, no result waiting to be taken.
    #[inline]
    fn take_part(&self) -> Option<&'a Sender<T>> {
        self.tx
            .filter(|_| self.result.is_none() && self.value.is_some())
    }

    /// The case holds a slot: its value goes out through it.
    fn send_granted(&mut self, tx: &Sender<T>) {
        let value = self
            .value
            .take()
            .expect("a case that takes part has a value");
        self.result = Some(
            tx.chan
                .send_permit(Item::new(value))
                .map_err(|item| SendError(item.value)),
        );
    }

    /// The channel is closed: the case happened, its value comes back.
    fn refused(&mut self) {
        let value = self
            .value
            .take()
            .expect("a case that takes part has a value");
        self.result = Some(Err(SendError(value)));
    }

    /// The value, if it was not sent; the case is spent afterwards.
    fn take_value(&mut self) -> Option<T> {
        self.value.take()
    }

    /// Gives the case a new value; returns the value it replaces (unsent, or
    /// refused by a closed channel and not taken).
    fn set_value(&mut self, value: T) -> Option<T> {
        let old = self.value.take().or(match self.result.take() {
            Some(Err(SendError(v))) => Some(v),
            _ => None,
        });
        self.value = Some(value);
        old
    }
}

impl<T> fmt::Debug for SendOp<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendOp")
            .field("enabled", &self.tx.is_some())
            .field("has_value", &self.value.is_some())
            .field("waiting", &self.key.is_some())
            .field("has_result", &self.result.is_some())
            .finish()
    }
}

impl<T> Case for SendOp<'_, T> {
    #[inline]
    fn attempt(&mut self, ticket: &Ticket<'_>) -> Attempt {
        let Some(tx) = self.take_part() else {
            return Attempt::Out;
        };
        match tx.chan.select_reserve(&ticket.0) {
            CaseSend::Granted => {
                self.send_granted(tx);
                Attempt::Ready
            }
            CaseSend::Closed => {
                self.refused();
                Attempt::Ready
            }
            CaseSend::Lost => Attempt::Lost,
            CaseSend::Waiting(key) => {
                self.key = Some(key);
                Attempt::Waiting
            }
        }
    }

    #[inline]
    fn first_look(&mut self) -> FirstLook {
        let Some(tx) = self.take_part() else {
            return FirstLook::Out;
        };
        match tx.try_reserve() {
            Ok(permit) => {
                let value = self.value.take().expect("checked by take_part");
                self.result = Some(permit.send(value));
            }
            Err(TrySendError::Closed(())) => self.refused(),
            Err(TrySendError::Full(())) => return FirstLook::NotReady,
        }
        FirstLook::Ready
    }

    #[inline]
    fn complete(&mut self) {
        let (Some(tx), Some(key)) = (self.tx, self.key.take()) else {
            return;
        };
        if tx.chan.select_reserve_done(key) {
            self.send_granted(tx);
        } else {
            self.refused();
        }
    }

    #[inline]
    fn abort(&mut self) {
        if let (Some(tx), Some(key)) = (self.tx, self.key.take()) {
            // A slot granted to it goes to the next in line; the value stays.
            tx.chan.cancel_reserve(key);
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.take_part().is_some()
    }
}

// ---------------------------------------------------------------------------
// Sets of cases
// ---------------------------------------------------------------------------

/// The cases of one select, by index.
#[doc(hidden)]
pub trait Cases {
    /// The number of cases (taking part or not).
    fn count(&self) -> usize;
    /// Attempts case `i`.
    fn attempt(&mut self, i: usize, ticket: &Ticket<'_>) -> Attempt;
    /// A first look at case `i` ([`Case::first_look`]).
    fn first_look(&mut self, i: usize) -> FirstLook;
    /// Case `chosen` happened (or none did): complete it unless `completed`
    /// says the attempt already did, and withdraw every other case.
    fn finish(&mut self, chosen: Option<usize>, completed: bool);
    /// Whether any case takes part.
    fn any_enabled(&self) -> bool;
}

/// The end of the macro's case list.
#[doc(hidden)]
#[derive(Debug)]
pub struct Nil;

/// The macro's case list: `(&mut last, (.., (&mut first, Nil)))`. The head's
/// index is the length of the tail, so the cases are numbered in source
/// order; lookups by index are comparisons with constants, which the
/// compiler turns into a jump.
#[doc(hidden)]
pub trait CaseList: Cases {
    /// The number of cases.
    const LEN: usize;
}

impl Cases for Nil {
    #[inline]
    fn count(&self) -> usize {
        0
    }
    #[inline]
    fn attempt(&mut self, i: usize, _: &Ticket<'_>) -> Attempt {
        unreachable!("gochan: select case {i} out of range (internal error)")
    }
    #[inline]
    fn first_look(&mut self, i: usize) -> FirstLook {
        unreachable!("gochan: select case {i} out of range (internal error)")
    }
    #[inline]
    fn finish(&mut self, _: Option<usize>, _: bool) {}
    #[inline]
    fn any_enabled(&self) -> bool {
        false
    }
}

impl CaseList for Nil {
    const LEN: usize = 0;
}

impl<C: Case, R: CaseList> Cases for (&mut C, R) {
    #[inline]
    fn count(&self) -> usize {
        Self::LEN
    }
    #[inline]
    fn attempt(&mut self, i: usize, ticket: &Ticket<'_>) -> Attempt {
        if i == R::LEN {
            self.0.attempt(ticket)
        } else {
            self.1.attempt(i, ticket)
        }
    }
    #[inline]
    fn first_look(&mut self, i: usize) -> FirstLook {
        if i == R::LEN {
            self.0.first_look()
        } else {
            self.1.first_look(i)
        }
    }
    #[inline]
    fn finish(&mut self, chosen: Option<usize>, completed: bool) {
        if chosen == Some(R::LEN) {
            if !completed {
                self.0.complete();
            }
        } else {
            self.0.abort();
        }
        self.1.finish(chosen, completed);
    }
    #[inline]
    fn any_enabled(&self) -> bool {
        self.0.enabled() || self.1.any_enabled()
    }
}

impl<C: Case, R: CaseList> CaseList for (&mut C, R) {
    const LEN: usize = R::LEN + 1;
}

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
    fn build(
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
        if !self.started {
            if let Some(done) = self.start() {
                return Poll::Ready(done);
            }
        }
        let token = self.token.as_ref().expect("started");
        // Stores the waker and looks under the token's lock: a counterpart
        // that chose a case during the first pass (and found no waker) is
        // seen here, one that comes later finds the waker.
        if let Some(i) = token.poll_chosen(cx) {
            return Poll::Ready(self.finish(Some(i), false));
        }
        let mut expired = false;
        if let Some((d, sleep)) = self.timeout.as_mut() {
            if sleep.is_none() {
                sleep.set(Some(tokio::time::sleep(*d)));
            }
            let timer = sleep.as_mut().as_pin_mut().expect("set above");
            expired = timer.poll(cx).is_ready();
        }
        if expired {
            // A case may have happened at the deadline: it wins.
            let chosen = token.abandon();
            return Poll::Ready(self.finish(chosen, false));
        }
        Poll::Pending
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

/// A random index below `n`, from a per-thread xorshift generator.
fn random_below(n: usize) -> usize {
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

// ---------------------------------------------------------------------------
// The dynamic select
// ---------------------------------------------------------------------------

/// A case slot of a dynamic select: a case behind its own lock, shared by the
/// select (which drives it) and the typed handle (which takes its result).
/// The lock is only ever taken by the select's owner, through `&mut` of the
/// select, so it is never contended; no channel lock is held while taking it.
trait Slot {
    fn attempt(&self, ticket: &Ticket<'_>) -> Attempt;
    fn first_look(&self) -> FirstLook;
    fn complete(&self);
    fn abort(&self);
    fn enabled(&self) -> bool;
}

impl<C: Case> Slot for Mutex<C> {
    fn attempt(&self, ticket: &Ticket<'_>) -> Attempt {
        self.lock().attempt(ticket)
    }
    fn first_look(&self) -> FirstLook {
        self.lock().first_look()
    }
    fn complete(&self) {
        self.lock().complete();
    }
    fn abort(&self) {
        self.lock().abort();
    }
    fn enabled(&self) -> bool {
        self.lock().enabled()
    }
}

/// A dynamic select's slots as a [`Cases`] set.
struct DynCases<'s, S: ?Sized> {
    /// By index; `None` is a removed case.
    slots: &'s [Option<Arc<S>>],
}

impl<S: ?Sized + Slot> Cases for DynCases<'_, S> {
    fn count(&self) -> usize {
        self.slots.len()
    }
    fn attempt(&mut self, i: usize, ticket: &Ticket<'_>) -> Attempt {
        match &self.slots[i] {
            Some(slot) => slot.attempt(ticket),
            None => Attempt::Out,
        }
    }
    fn first_look(&mut self, i: usize) -> FirstLook {
        match &self.slots[i] {
            Some(slot) => slot.first_look(),
            None => FirstLook::Out,
        }
    }
    fn finish(&mut self, chosen: Option<usize>, completed: bool) {
        for (i, slot) in self.slots.iter().enumerate() {
            let Some(slot) = slot else { continue };
            if Some(i) == chosen {
                if !completed {
                    slot.complete();
                }
            } else {
                slot.abort();
            }
        }
    }
    fn any_enabled(&self) -> bool {
        self.slots.iter().flatten().any(|slot| slot.enabled())
    }
}

/// Gives each dynamic select a distinct id, so that a case handle is only
/// ever used with the select that made it.
static NEXT_SELECT_ID: AtomicU64 = AtomicU64::new(0);

/// What [`Select`] and [`LocalSelect`] share; `S` is the erased slot type
/// (`Send + Sync` or not).
struct Core<S: ?Sized> {
    /// The cases by index; `None` is a free index (a removed case).
    slots: Vec<Option<Arc<S>>>,
    /// Room for the first pass's order, reused from one select to the next.
    order: Vec<usize>,
    /// Attempt the cases in order instead of at random.
    biased: bool,
    /// This select's id, carried by its case handles.
    id: u64,
}

impl<S: ?Sized + Slot> Core<S> {
    fn new() -> Self {
        Core {
            slots: Vec::new(),
            order: Vec::new(),
            biased: false,
            id: NEXT_SELECT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Adds a case; returns its index (the first free one).
    fn insert(&mut self, slot: Arc<S>) -> usize {
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                self.slots.len() - 1
            }
        }
    }

    /// Panics unless `place` is a case of this select.
    #[track_caller]
    fn check(&self, (id, _): (u64, usize)) {
        assert!(
            id == self.id,
            "gochan: this case handle belongs to another Select"
        );
    }

    /// The number of cases whose handle is alive (a handle and the select
    /// are a case's only owners, and handles are not `Clone`).
    fn live(&self) -> usize {
        self.slots
            .iter()
            .flatten()
            .filter(|slot| Arc::strong_count(slot) > 1)
            .count()
    }

    /// The cases and the room for their order, for one select. A case whose
    /// handle was dropped is removed first.
    fn prepare(&mut self) -> (DynCases<'_, S>, &mut [usize]) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| Arc::strong_count(s) == 1) {
                *slot = None;
            }
        }
        self.order.resize(self.slots.len(), 0);
        (DynCases { slots: &self.slots }, &mut self.order)
    }

    #[track_caller]
    fn select(&mut self) -> SelectFuture<'_, DynCases<'_, S>> {
        let biased = self.biased;
        let (cases, order) = self.prepare();
        if cases.slots.iter().any(Option::is_some) && !cases.any_enabled() {
            panic!(
                "gochan: Select::select over cases none of which can take part (each one \
                 spent or holding a result not taken yet): it would wait forever; take the \
                 results with `take` or give the send cases new values with `set_value`"
            );
        }
        SelectFuture::build(cases, order, biased, None)
    }

    fn try_select(&mut self) -> Option<usize> {
        let biased = self.biased;
        let (cases, order) = self.prepare();
        try_select(cases, order, biased)
    }

    fn select_timeout<'s>(
        &'s mut self,
        timeout: Duration,
        sleep: Pin<&'s mut Option<Sleep>>,
    ) -> SelectFuture<'s, DynCases<'s, S>> {
        let biased = self.biased;
        let (cases, order) = self.prepare();
        SelectFuture::build(cases, order, biased, Some((timeout, sleep)))
    }

    #[track_caller]
    fn take<C: SelectCase>(&mut self, case: &C) -> Option<C::Output> {
        self.check(case.__place());
        case.__take()
    }

    #[track_caller]
    fn take_value<T>(&mut self, case: &SendCase<'_, T>) -> Option<T> {
        self.check(case.__place());
        case.op.lock().take_value()
    }

    #[track_caller]
    fn set_value<T>(&mut self, case: &SendCase<'_, T>, value: T) -> Option<T> {
        self.check(case.__place());
        case.op.lock().set_value(value)
    }

    #[track_caller]
    fn remove<C: SelectCase>(&mut self, case: C) -> C::Removed {
        let (id, index) = case.__place();
        self.check((id, index));
        self.slots[index] = None;
        case.__remove()
    }
}

impl<S: ?Sized + Slot> fmt::Debug for Core<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.live())
            .field("biased", &self.biased)
            .finish()
    }
}

mod sealed {
    /// Only gochan's case handles are [`SelectCase`](super::SelectCase)s.
    #[allow(unreachable_pub)]
    pub trait Sealed {}
}

/// A case handle of a [`Select`] or [`LocalSelect`]: [`RecvCase`] or
/// [`SendCase`]. Through it, [`Select::take`] takes the case's result and
/// [`Select::remove`] removes the case. Sealed: only gochan implements it.
///
/// # Examples
///
/// ```
/// use gochan::{SelectCase, Select};
///
/// /// Takes whatever result `case` holds, and says so.
/// fn report<C: SelectCase>(sel: &mut Select<'_>, case: &C) -> bool
/// where
///     C::Output: std::fmt::Debug,
/// {
///     match sel.take(case) {
///         Some(result) => {
///             println!("{result:?}");
///             true
///         }
///         None => false,
///     }
/// }
///
/// let (tx, rx) = gochan::bounded(1);
/// let mut sel = Select::new();
/// let input = sel.recv(&rx);
/// let output = sel.send(&tx, 1);
/// assert_eq!(sel.try_select(), Some(output.index())); // rx is empty
/// assert!(report(&mut sel, &output));
/// assert!(!report(&mut sel, &input));
/// ```
pub trait SelectCase: sealed::Sealed {
    /// What [`Select::take`] gives: the case's result.
    type Output;
    /// What [`Select::remove`] gives back: whatever value the case still
    /// holds.
    type Removed;
    #[doc(hidden)]
    fn __place(&self) -> (u64, usize);
    #[doc(hidden)]
    fn __take(&self) -> Option<Self::Output>;
    #[doc(hidden)]
    fn __remove(self) -> Self::Removed;
}

/// The handle of a receive case of a [`Select`] or [`LocalSelect`], made by
/// [`Select::recv`]: compare [`index`](RecvCase::index) with what a select
/// returns, take the received value with [`Select::take`], remove the case
/// with [`Select::remove`]. Dropping the handle removes the case too (from
/// the next select on), with any result it was holding.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(1);
/// tx.send(3).await.unwrap();
/// let mut sel = gochan::Select::new();
/// let case = sel.recv(&rx);
/// assert_eq!(sel.select().await, case.index());
/// assert_eq!(sel.take(&case), Some(Ok(3)));
/// assert_eq!(sel.take(&case), None); // taken once
/// # }
/// ```
pub struct RecvCase<'a, T> {
    /// The case, shared with its select.
    op: Arc<Mutex<RecvOp<'a, T>>>,
    /// The select's id.
    select: u64,
    /// The case's index in it.
    index: usize,
}

impl<T> RecvCase<'_, T> {
    /// The case's index in its select: what `select`, `try_select` and
    /// `select_timeout` return when this case happens.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = gochan::bounded::<u8>(1);
    /// let mut sel = gochan::Select::new();
    /// let first = sel.recv(&rx);
    /// let second = sel.recv(&rx);
    /// assert_eq!((first.index(), second.index()), (0, 1));
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T> sealed::Sealed for RecvCase<'_, T> {}

impl<T> SelectCase for RecvCase<'_, T> {
    /// The received value, or [`RecvError`] if the channel was closed and
    /// drained.
    type Output = Result<T, RecvError>;
    /// A result that was not taken.
    type Removed = Option<Result<T, RecvError>>;
    fn __place(&self) -> (u64, usize) {
        (self.select, self.index)
    }
    fn __take(&self) -> Option<Self::Output> {
        self.op.lock().take_result()
    }
    fn __remove(self) -> Self::Removed {
        let mut op = self.op.lock();
        op.abort();
        op.take_result()
    }
}

impl<T> fmt::Debug for RecvCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvCase")
            .field("index", &self.index)
            .field("has_result", &self.op.lock().result.is_some())
            .finish()
    }
}

/// The handle of a send case of a [`Select`] or [`LocalSelect`], made by
/// [`Select::send`]: compare [`index`](SendCase::index) with what a select
/// returns, take the outcome with [`Select::take`], take an unsent value
/// back with [`Select::take_value`], give a spent case a new value with
/// [`Select::set_value`], remove the case with [`Select::remove`]. Dropping
/// the handle removes the case too (from the next select on), dropping its
/// value.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(1);
/// let mut sel = gochan::Select::new();
/// let case = sel.send(&tx, "first");
/// assert_eq!(sel.select().await, case.index());
/// assert_eq!(sel.take(&case), Some(Ok(())));
/// // Sent: the case is spent until it gets a new value.
/// assert_eq!(sel.try_select(), None);
/// assert_eq!(sel.set_value(&case, "second"), None);
/// assert_eq!(sel.try_select(), None); // the channel is full now
/// assert_eq!(sel.take_value(&case), Some("second")); // not sent: back
/// assert_eq!(rx.try_recv(), Ok("first"));
/// # }
/// ```
pub struct SendCase<'a, T> {
    /// The case, shared with its select.
    op: Arc<Mutex<SendOp<'a, T>>>,
    /// The select's id.
    select: u64,
    /// The case's index in it.
    index: usize,
}

impl<T> SendCase<'_, T> {
    /// The case's index in its select: what `select`, `try_select` and
    /// `select_timeout` return when this case happens.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = gochan::bounded(1);
    /// let mut sel = gochan::Select::new();
    /// let case = sel.send(&tx, 'x');
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T> sealed::Sealed for SendCase<'_, T> {}

impl<T> SelectCase for SendCase<'_, T> {
    /// `Ok(())` if the value was sent, `Err` with the value if the channel
    /// was closed.
    type Output = Result<(), SendError<T>>;
    /// The value, if it was not sent (unsent, or refused by a closed
    /// channel and not taken).
    type Removed = Option<T>;
    fn __place(&self) -> (u64, usize) {
        (self.select, self.index)
    }
    fn __take(&self) -> Option<Self::Output> {
        self.op.lock().take_result()
    }
    fn __remove(self) -> Self::Removed {
        let mut op = self.op.lock();
        op.abort();
        op.take_value().or(match op.take_result() {
            Some(Err(SendError(v))) => Some(v),
            _ => None,
        })
    }
}

impl<T> fmt::Debug for SendCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.op.lock();
        f.debug_struct("SendCase")
            .field("index", &self.index)
            .field("has_value", &op.value.is_some())
            .field("has_result", &op.result.is_some())
            .finish()
    }
}

/// The methods [`Select`] and [`LocalSelect`] share, written once; `$S`
/// names the type in the doc examples.
macro_rules! dyn_select_methods {
    ($S:ident) => {
        /// An empty select.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let sel = gochan::", stringify!($S), "::new();")]
        /// assert!(sel.is_empty());
        /// ```
        pub fn new() -> Self {
            $S { core: Core::new() }
        }

        /// With `true`, the first pass of every select attempts the cases in
        /// index order, so that among several ready cases the one with the
        /// lowest index happens (`tokio::select!`'s `biased;`); with `false`
        /// (the default), in random order.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx_a, rx_a) = gochan::bounded(1);
        /// let (tx_b, rx_b) = gochan::bounded(1);
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// sel.set_biased(true);
        /// let a = sel.recv(&rx_a);
        /// let b = sel.recv(&rx_b);
        /// for i in 0..10 {
        ///     tx_a.try_send(i).unwrap();
        ///     tx_b.try_send(i).unwrap();
        ///     assert_eq!(sel.try_select(), Some(a.index())); // always the first
        ///     assert_eq!(sel.take(&a), Some(Ok(i)));
        ///     assert_eq!(rx_b.try_recv(), Ok(i));
        /// }
        /// # drop(b);
        /// ```
        pub fn set_biased(&mut self, biased: bool) {
            self.core.biased = biased;
        }

        /// Waits until one case happens; returns its index. The case's result
        /// is then taken with [`take`](Self::take).
        ///
        /// Only the cases that take part are tried: a spent send case (sent,
        /// refused, or its value taken back) and a case holding a result not
        /// yet taken sit out.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, with the same meaning as for `gochan::select!`: if the
        /// future is dropped before it completes (it lost a `tokio::select!`),
        /// no case was chosen, or the one that was is settled as the channel
        /// saw it. A receive case's value that was not returned goes to the
        /// next receiver (or back to the front of the channel), never lost; a
        /// waiting send case that a counterpart completed *was* sent (its
        /// result `Ok(())` is in the case, for [`take`](Self::take), and the
        /// case is spent); every other send case keeps its value. Nothing
        /// stays registered on any channel.
        ///
        /// # Panics
        ///
        /// If the select has cases but none can take part: it would wait
        /// forever. A select with no cases at all waits forever, as Go's
        /// `select {}`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() {
        /// let (tx, rx) = gochan::rendezvous();
        /// let (_idle_tx, idle_rx) = gochan::rendezvous::<u32>();
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let idle = sel.recv(&idle_rx);
        /// let case = sel.recv(&rx);
        /// tokio::spawn(async move { tx.send(7).await });
        /// assert_eq!(sel.select().await, case.index());
        /// assert_eq!(sel.take(&case), Some(Ok(7)));
        /// assert_eq!(sel.take(&idle), None);
        /// # }
        /// ```
        #[track_caller]
        pub fn select(&mut self) -> impl Future<Output = usize> + use<'_, 'a> {
            let select = self.core.select();
            async move {
                select
                    .await
                    .expect("a select without a deadline ends with a case")
            }
        }

        /// Makes one ready case happen, if any; never waits. Returns its
        /// index, or `None` if no case could happen now (nothing was sent or
        /// received).
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::bounded(1);
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let case = sel.recv(&rx);
        /// assert_eq!(sel.try_select(), None);
        /// tx.try_send(1).unwrap();
        /// assert_eq!(sel.try_select(), Some(case.index()));
        /// assert_eq!(sel.take(&case), Some(Ok(1)));
        /// ```
        pub fn try_select(&mut self) -> Option<usize> {
            self.core.try_select()
        }

        /// Waits at most `timeout` (tokio's clock) for one case to happen;
        /// returns its index, or `None` if none happened in time. A case that
        /// happens at the deadline wins over the deadline.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, as [`select`](Self::select).
        ///
        /// # Panics
        ///
        /// Outside a Tokio runtime with the time driver enabled.
        ///
        /// # Examples
        ///
        /// ```
        /// use std::time::Duration;
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() {
        /// let (tx, _rx) = gochan::bounded(1);
        /// tx.send(0).await.unwrap(); // full
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let case = sel.send(&tx, 1);
        /// assert_eq!(sel.select_timeout(Duration::from_secs(1)).await, None);
        /// assert_eq!(sel.take_value(&case), Some(1)); // not sent
        /// # }
        /// ```
        pub async fn select_timeout(&mut self, timeout: Duration) -> Option<usize> {
            let sleep = std::pin::pin!(None);
            self.core.select_timeout(timeout, sleep).await
        }

        /// Takes the result of `case`, if it happened and the result was not
        /// taken yet: for a [`RecvCase`] the received value (or
        /// [`RecvError`] if the channel was closed and drained), for a
        /// [`SendCase`] `Ok(())` if its value was sent (or [`SendError`] with
        /// the value if the channel was closed).
        ///
        /// A case holds at most one result, and sits out of every select
        /// until it is taken: a result is never overwritten.
        ///
        /// # Panics
        ///
        /// If `case` belongs to another select.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::bounded(1);
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let case = sel.recv(&rx);
        /// tx.try_send(5).unwrap();
        /// tx.try_send(6).unwrap_err(); // full
        /// assert_eq!(sel.try_select(), Some(case.index()));
        /// tx.try_send(6).unwrap();
        /// // The first result is not taken: the case sits out, 6 stays put.
        /// assert_eq!(sel.try_select(), None);
        /// assert_eq!(sel.take(&case), Some(Ok(5)));
        /// assert_eq!(sel.try_select(), Some(case.index()));
        /// assert_eq!(sel.take(&case), Some(Ok(6)));
        /// ```
        #[track_caller]
        pub fn take<C: SelectCase>(&mut self, case: &C) -> Option<C::Output> {
            self.core.take(case)
        }

        /// Takes back the value of a send case that was not sent; the case
        /// is spent until [`set_value`](Self::set_value) gives it a new one.
        /// `None` if it holds no value (it was sent, or refused: see
        /// [`take`](Self::take)).
        ///
        /// # Panics
        ///
        /// If `case` belongs to another select.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, _rx) = gochan::rendezvous();
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let case = sel.send(&tx, String::from("kept"));
        /// assert_eq!(sel.try_select(), None); // nobody receives
        /// assert_eq!(sel.take_value(&case).as_deref(), Some("kept"));
        /// assert_eq!(sel.take_value(&case), None);
        /// ```
        #[track_caller]
        pub fn take_value<T>(&mut self, case: &SendCase<'a, T>) -> Option<T> {
            self.core.take_value(case)
        }

        /// Gives a send case a new value, so that it takes part again;
        /// returns the value it replaces, if the case still held one (not
        /// sent, or refused by a closed channel and not taken). An untaken
        /// `Ok(())` result is dropped.
        ///
        /// # Panics
        ///
        /// If `case` belongs to another select.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx, rx) = gochan::unbounded();
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let case = sel.send(&tx, 0);
        /// for i in 1..=3 {
        ///     assert_eq!(sel.try_select(), Some(case.index()));
        ///     assert_eq!(sel.take(&case), Some(Ok(())));
        ///     assert_eq!(sel.set_value(&case, i), None); // it was spent
        /// }
        /// assert_eq!(sel.set_value(&case, 9), Some(3)); // 3 was not sent
        /// assert_eq!(rx.try_recv(), Ok(0));
        /// assert_eq!(rx.len(), 2);
        /// ```
        #[track_caller]
        pub fn set_value<T>(&mut self, case: &SendCase<'a, T>, value: T) -> Option<T> {
            self.core.set_value(case, value)
        }

        /// Removes a case; its index is free for the next case added. Gives
        /// back what the case still holds: for a [`RecvCase`] a result not
        /// taken, for a [`SendCase`] its value if it was not sent.
        ///
        /// # Panics
        ///
        /// If `case` belongs to another select.
        ///
        /// # Examples
        ///
        /// ```
        /// let (tx_a, rx_a) = gochan::bounded(1);
        /// let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let a = sel.recv(&rx_a);
        /// let out = sel.send(&tx_b, 10);
        /// tx_b.try_send(0).unwrap(); // full: `out` cannot happen
        /// assert_eq!(sel.remove(out), Some(10));
        /// tx_a.try_send(1).unwrap();
        /// assert_eq!(sel.try_select(), Some(a.index()));
        /// assert_eq!(sel.remove(a), Some(Ok(1))); // the result, not lost
        /// assert!(sel.is_empty());
        /// # drop(rx_b);
        /// ```
        #[track_caller]
        pub fn remove<C: SelectCase>(&mut self, case: C) -> C::Removed {
            self.core.remove(case)
        }

        /// The number of cases (whether they take part or not).
        ///
        /// # Examples
        ///
        /// ```
        /// let (_tx, rx) = gochan::bounded::<u8>(1);
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// let case = sel.recv(&rx);
        /// assert_eq!(sel.len(), 1);
        /// drop(case); // dropping a handle removes its case
        /// assert_eq!(sel.len(), 0);
        /// ```
        pub fn len(&self) -> usize {
            self.core.live()
        }

        /// Whether there are no cases.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let mut sel = gochan::", stringify!($S), "::new();")]
        /// assert!(sel.is_empty());
        /// ```
        pub fn is_empty(&self) -> bool {
            self.core.live() == 0
        }
    };
}

/// A select over a set of cases known only at run time, as crossbeam-channel's
/// `Select`: exactly one case happens per select, and the same `Select`
/// selects again and again, in a loop.
///
/// [`recv`](Select::recv) and [`send`](Select::send) add a case and return its
/// typed handle ([`RecvCase`], [`SendCase`]). [`select`](Select::select)
/// waits, [`try_select`](Select::try_select) never waits,
/// [`select_timeout`](Select::select_timeout) waits at most a duration; each
/// returns the index of the case that happened, whose result
/// [`take`](Select::take) then hands out. Every value is accounted for, from
/// one select to the next:
///
/// * a receive case that is not chosen has taken nothing;
/// * a send case that is not chosen has sent nothing, rendezvous channels
///   included, and keeps its value for the next select
///   ([`take_value`](Select::take_value) takes it back);
/// * a send case whose value was sent, or refused by a closed channel, is
///   spent: it sits out until [`set_value`](Select::set_value) gives it a new
///   value (a select never waits on a spent case);
/// * the chosen case keeps its result until it is taken, and sits out of
///   every select meanwhile: a result is never overwritten or lost;
/// * [`remove`](Select::remove) takes a case out and hands back what it
///   holds; dropping a handle removes its case too, dropping what it holds.
///
/// When several cases are ready one is picked at random, so none starves
/// ([`set_biased`](Select::set_biased) picks the lowest index instead). A
/// case on a closed channel is ready: a receive case yields
/// `Err(RecvError)` once the channel is drained, a send case its value back
/// in `Err(SendError)`. The same channel may appear in several cases; a
/// select never pairs its own send with its own receive.
///
/// A `Select` is `Send` and `Sync`, so a task that holds one across `.await`
/// can be spawned; for that its item types must be `Send`. [`LocalSelect`] is
/// the same for items that are not (an `Rc`, say), on one thread.
///
/// # Examples
///
/// A consumer over a set of channels known only at run time, which drops
/// each channel's case once it is closed and drained:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let chans: Vec<_> = (0..3).map(|_| gochan::unbounded::<u32>()).collect();
/// for (k, (tx, _)) in chans.iter().enumerate() {
///     let k = k as u32;
///     tx.send(10 * k).await.unwrap();
///     tx.send(10 * k + 1).await.unwrap();
///     tx.close();
/// }
///
/// let mut sel = gochan::Select::new();
/// let mut cases: Vec<_> = chans.iter().map(|(_, rx)| sel.recv(rx)).collect();
/// let mut got = Vec::new();
/// while !cases.is_empty() {
///     let i = sel.select().await;
///     let k = cases.iter().position(|case| case.index() == i).unwrap();
///     match sel.take(&cases[k]).expect("the chosen case holds its result") {
///         Ok(v) => got.push(v),
///         Err(gochan::RecvError) => {
///             sel.remove(cases.swap_remove(k)); // closed and drained
///         }
///     }
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 10, 11, 20, 21]);
/// # }
/// ```
pub struct Select<'a> {
    /// The cases, `Send + Sync` since their items are `Send`.
    core: Core<dyn Slot + Send + Sync + 'a>,
}

impl<'a> Select<'a> {
    /// Adds a case that receives from `rx`; returns its handle.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::Select::new();
    /// let case = sel.recv(&rx);
    /// tx.send("hi").await.unwrap();
    /// assert_eq!(sel.select().await, case.index());
    /// assert_eq!(sel.take(&case), Some(Ok("hi")));
    /// # }
    /// ```
    pub fn recv<T: Send>(&mut self, rx: &'a Receiver<T>) -> RecvCase<'a, T> {
        let op = Arc::new(Mutex::new(RecvOp::new(rx)));
        let index = self.core.insert(op.clone());
        RecvCase {
            op,
            select: self.core.id,
            index,
        }
    }

    /// Adds a case that sends `value` on `tx`; returns its handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::Select::new();
    /// let case = sel.send(&tx, 8);
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// assert_eq!(sel.take(&case), Some(Ok(())));
    /// assert_eq!(rx.try_recv(), Ok(8));
    /// ```
    pub fn send<T: Send>(&mut self, tx: &'a Sender<T>, value: T) -> SendCase<'a, T> {
        let op = Arc::new(Mutex::new(SendOp::new(tx, value)));
        let index = self.core.insert(op.clone());
        SendCase {
            op,
            select: self.core.id,
            index,
        }
    }

    dyn_select_methods!(Select);
}

impl Default for Select<'_> {
    fn default() -> Self {
        Select::new()
    }
}

impl fmt::Debug for Select<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

/// A [`Select`] for item types that need not be `Send`: the same methods and
/// guarantees, but the select and its futures stay on one thread (a
/// `current_thread` runtime, a `LocalSet`).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(1);
/// let mut sel = gochan::LocalSelect::new();
/// let case = sel.recv(&rx);
/// tx.send(Rc::new(5)).await.unwrap();
/// assert_eq!(sel.select().await, case.index());
/// assert_eq!(*sel.take(&case).unwrap().unwrap(), 5);
/// # }
/// ```
///
/// It is not `Send`:
///
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// needs_send(gochan::LocalSelect::new());
/// ```
pub struct LocalSelect<'a> {
    /// The cases.
    core: Core<dyn Slot + 'a>,
}

impl<'a> LocalSelect<'a> {
    /// Adds a case that receives from `rx`; returns its handle. As
    /// [`Select::recv`], for any item type.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::LocalSelect::new();
    /// let case = sel.recv(&rx);
    /// tx.try_send(std::rc::Rc::new("hi")).unwrap();
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// assert_eq!(*sel.take(&case).unwrap().unwrap(), "hi");
    /// ```
    pub fn recv<T>(&mut self, rx: &'a Receiver<T>) -> RecvCase<'a, T> {
        let op = Arc::new(Mutex::new(RecvOp::new(rx)));
        let index = self.core.insert(op.clone());
        RecvCase {
            op,
            select: self.core.id,
            index,
        }
    }

    /// Adds a case that sends `value` on `tx`; returns its handle. As
    /// [`Select::send`], for any item type.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::LocalSelect::new();
    /// let case = sel.send(&tx, Rc::new(8));
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// assert_eq!(sel.take(&case), Some(Ok(())));
    /// assert_eq!(*rx.try_recv().unwrap(), 8);
    /// ```
    pub fn send<T>(&mut self, tx: &'a Sender<T>, value: T) -> SendCase<'a, T> {
        let op = Arc::new(Mutex::new(SendOp::new(tx, value)));
        let index = self.core.insert(op.clone());
        SendCase {
            op,
            select: self.core.id,
            index,
        }
    }

    dyn_select_methods!(LocalSelect);
}

impl Default for LocalSelect<'_> {
    fn default() -> Self {
        LocalSelect::new()
    }
}

impl fmt::Debug for LocalSelect<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

// ---------------------------------------------------------------------------
// gochan::select!
// ---------------------------------------------------------------------------

/// Waits on several channel operations, sends and receives mixed, and runs the
/// branch of exactly one, as Go's `select`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx_a, rx_a) = gochan::bounded::<&str>(1);
/// let (tx_b, rx_b) = gochan::bounded::<u32>(1);
/// tx_a.send("hello").await.unwrap();
/// tx_b.send(0).await.unwrap(); // full: the send case below cannot happen
///
/// let got = gochan::select! {
///     recv(rx_a) -> msg => format!("a: {}", msg.unwrap()),
///     send(tx_b, 7) -> res => format!("sent: {res:?}"),
/// };
/// assert_eq!(got, "a: hello");
/// assert_eq!(rx_b.try_recv(), Ok(0)); // 7 was not sent
/// # drop(rx_b);
/// # }
/// ```
///
/// # Cases
///
/// * `recv(rx) -> msg => body`: `msg` is `Result<T, RecvError>`;
/// * `send(tx, value) -> res => body`: `res` is `Result<(), SendError<T>>`;
/// * `default => body`, last: runs if no case is ready now (the select never
///   waits);
/// * `default(duration) => body`, last: runs if no case happened within
///   `duration` (tokio's clock).
///
/// The result is bound to a name, `mut name` or `_`. A pattern such as
/// `Ok(v)` is refused at compile time: a received value that did not match
/// it could not be given back, so bind a name and `match` in the body.
///
/// A case may carry a guard, as in `tokio::select!`: `recv(rx) -> msg, if
/// cond => body`, `send(tx, value) -> res, if cond => body`. A case whose
/// guard is false takes no part, as a Go case on a nil channel: its channel
/// and value expressions are not evaluated. The other operands are evaluated
/// once, in source order, before the select looks at any channel (the
/// guard, then the channel, then the value, case by case; `duration` last).
/// If every case is disabled and there is no `default`, the select panics
/// rather than wait forever (Go would block forever); with `default` the
/// default runs, with `default(duration)` after that long.
///
/// `biased;` before the first case attempts the cases in order, so that of
/// several ready cases the first one listed happens (`tokio::select!`'s
/// `biased;`); without it one is picked at random, so none starves.
///
/// Bodies are expressions (a block needs no trailing comma); `break`,
/// `continue`, `return`, `?` and `.await` in them act on the surrounding
/// code, and they may move or drop the select's channel handles.
///
/// There is no limit on the number of cases but the compiler's macro
/// recursion limit: one level per case, so about 120 cases with the default
/// `#![recursion_limit = "128"]`.
///
/// # Async or not
///
/// Without `default`, and with `default(duration)`, `select!` is an async
/// expression: it awaits, so it belongs in async code. With `default` it
/// never waits and is a plain expression, usable in synchronous code too
/// (as crossbeam-channel's `select!` with `default`): it neither awaits nor
/// yields to the scheduler.
///
/// # What happens to the values
///
/// Exactly one case happens. A receive case that is not chosen has taken
/// nothing. A send case that is not chosen has sent nothing, rendezvous
/// channels included; its value is dropped when the `select!` ends (the
/// dynamic [`Select`] hands it back instead). A case on a closed channel is
/// ready and yields its `Err` (a send case's value comes back in it). The
/// same channel may appear in several cases; a select never pairs its own
/// send with its own receive.
///
/// While it waits, each case is registered on its channel, and a counterpart
/// completes a registered case as it would a plain `send` or `recv`. That
/// settles which case happened before the select runs again:
///
/// * a waiting send case that a receiver completed is sent from that moment;
///   its body runs when the select next runs;
/// * a waiting receive case that a sender completed holds the value; the body
///   gets it when the select next runs.
///
/// # Cancel safety
///
/// A `select!` inside a `tokio::select!` branch (or any future that is
/// dropped before it completes) leaves no registration behind when it is
/// dropped, and:
///
/// * a receive case that was handed a value passes it on to the next waiting
///   receiver, or back to the front of the channel: it is never lost;
/// * a send case that a counterpart completed *has sent* its value, although
///   its body never runs (as with a dropped `send`, see
///   [`SendFuture`](crate::SendFuture)); every other send case sent nothing,
///   and its value is dropped with the select. To keep the values of a select
///   that may lose, use the dynamic [`Select`], whose send cases keep them.
///
/// # Panics
///
/// Without `default`, if every case is disabled by its guard. With
/// `default(duration)`, outside a Tokio runtime with the time driver
/// enabled.
///
/// # Examples
///
/// A loop over three channels that switches each one off once it is closed
/// and drained, so that the loop never spins on a closed channel:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx_a, rx_a) = gochan::unbounded();
/// let (tx_b, rx_b) = gochan::unbounded();
/// let (tx_c, rx_c) = gochan::unbounded();
/// for (tx, v) in [(&tx_a, 1), (&tx_b, 2), (&tx_c, 3)] {
///     tx.send(v).await.unwrap();
///     tx.close();
/// }
/// let (mut a, mut b, mut c) = (true, true, true); // still open
/// let (mut sum, mut rounds) = (0, 0);
/// while a || b || c {
///     rounds += 1;
///     gochan::select! {
///         recv(rx_a) -> v, if a => match v { Ok(v) => sum += v, Err(_) => a = false },
///         recv(rx_b) -> v, if b => match v { Ok(v) => sum += v, Err(_) => b = false },
///         recv(rx_c) -> v, if c => match v { Ok(v) => sum += v, Err(_) => c = false },
///     }
/// }
/// assert_eq!((sum, rounds), (6, 6)); // 3 values, 3 closes
/// # }
/// ```
///
/// `default` in synchronous code:
///
/// ```
/// fn poll_once(rx: &gochan::Receiver<u32>) -> Option<u32> {
///     gochan::select! {
///         recv(rx) -> v => v.ok(),
///         default => None,
///     }
/// }
///
/// let (tx, rx) = gochan::bounded(1);
/// assert_eq!(poll_once(&rx), None);
/// tx.try_send(4).unwrap();
/// assert_eq!(poll_once(&rx), Some(4));
/// ```
///
/// These do not compile:
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// // A refutable pattern: the value would be lost if it did not match.
/// gochan::select! {
///     recv(rx) -> Ok(v) => v,
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// gochan::select! {
///     recv(rx) => 0, // no `-> name`
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// gochan::select! {
///     default => 0,
///     recv(rx) -> v => 1, // `default` must come last
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f(rx: gochan::Receiver<u32>) {
/// gochan::select! {
///     recv(rx) -> v => 1,
///     default => 0,
///     default => 2, // at most one `default`
/// };
/// # }
/// ```
///
/// ```compile_fail
/// # async fn f() {
/// gochan::select! {}; // no case
/// # }
/// ```
///
/// ```compile_fail
/// // Without `default` the select awaits: not in a synchronous function.
/// fn f(rx: &gochan::Receiver<u32>) -> u32 {
///     gochan::select! {
///         recv(rx) -> v => v.unwrap(),
///     }
/// }
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($cases:tt)*) => {
        $crate::__select_parse!(@case true [] ($crate::__private::Nil) [] $($cases)*)
    };
    (biased $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: write `biased;`, with a semicolon, before the first case")
    };
    ($($cases:tt)*) => {
        $crate::__select_parse!(@case false [] ($crate::__private::Nil) [] $($cases)*)
    };
}

/// Parses the cases of `select!` one per step (one recursion level per case),
/// then expands them all at once.
///
/// Each step adds `(__case make (binding) body)` to the case list, where
/// `__case` is a new identifier by hygiene (every step is its own expansion),
/// `(&mut __case, list)` to the case set, and a `0usize,` to the room for the
/// order of the first pass.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // recv(rx) -> binding [, if guard] => body
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        recv($rx:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::RecvOp::disabled() } else)? { $crate::__private::RecvOp::new({ use $crate::__private::AsReceiver as _; $rx.__gochan_receiver() }) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,])
    };
    // send(tx, value) -> binding [, if guard] => body
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,] $($rest)*)
    };
    (@case $b:tt [$($c:tt)*] $h:tt [$($z:tt)*]
        send($tx:expr, $v:expr) -> $p0:tt $($p1:ident)? $(, if $g:expr)? => $body:expr) => {
        $crate::__select_parse!(@case $b
            [$($c)* (__case { $(if !($g) { $crate::__private::SendOp::disabled() } else)? { $crate::__private::SendOp::new({ use $crate::__private::AsSender as _; $tx.__gochan_sender() }, $v) } } ($p0 $($p1)?) $body)]
            (&mut __case, $h) [$($z)* 0usize,])
    };
    // default, default(duration): last
    (@case $b:tt $c:tt $h:tt $z:tt default => $body:block $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [now $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default => $body:expr $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [now $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default($d:expr) => $body:block $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [until ($d) $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default($d:expr) => $body:expr $(,)?) => {
        $crate::__select_parse!(@expand $b $c $h $z [until ($d) $body])
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block $(,)? default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:expr, default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: at most one `default` case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block, $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:block $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $(($d:expr))? => $body:expr, $($rest:tt)+) => {
        ::core::compile_error!("gochan::select!: `default` must be the last case")
    };
    // the end
    (@case $b:tt [] $h:tt []) => {
        ::core::compile_error!("gochan::select!: no case: write at least one `recv`, `send` or `default` case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt) => {
        $crate::__select_parse!(@expand $b $c $h $z [])
    };
    // mistakes, each named
    (@case $b:tt $c:tt $h:tt $z:tt biased $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `biased;` must come first, before every case")
    };
    (@case $b:tt $c:tt $h:tt $z:tt recv $args:tt => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `recv", ::core::stringify!($args),
            "` needs a name for its result: `recv(rx) -> msg => ...`"
        ))
    };
    (@case $b:tt $c:tt $h:tt $z:tt send $args:tt => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `send", ::core::stringify!($args),
            "` needs a name for its result: `send(tx, value) -> res => ...`"
        ))
    };
    (@case $b:tt $c:tt $h:tt $z:tt recv($rx:expr, $($extra:tt)*) $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `recv(rx)` takes one receiver (a send case is `send(tx, value)`)")
    };
    (@case $b:tt $c:tt $h:tt $z:tt send($tx:expr) $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: `send(tx, value)` takes a sender and the value to send")
    };
    (@case $b:tt $c:tt $h:tt $z:tt recv $args:tt -> $($rest:tt)*) => {
        $crate::__select_parse!(@binding recv [] $($rest)*)
    };
    (@case $b:tt $c:tt $h:tt $z:tt send $args:tt -> $($rest:tt)*) => {
        $crate::__select_parse!(@binding send [] $($rest)*)
    };
    (@case $b:tt $c:tt $h:tt $z:tt default $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `default => body` or `default(duration) => body`, found: `default ",
            ::core::stringify!($($rest)*), "`"
        ))
    };
    (@case $b:tt $c:tt $h:tt $z:tt $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `recv(rx) -> name => body`, `send(tx, value) -> name => body`, ",
            "`default => body` or `default(duration) => body`, found: `",
            ::core::stringify!($($rest)+), "`"
        ))
    };
    // What came after `->` was not `name [, if guard] =>`: collect it to say so.
    (@binding $kind:ident [$($p:tt)*] => $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `", ::core::stringify!($kind), "(..) -> ", ::core::stringify!($($p)*),
            " =>`: after `->` comes a name for the result (`msg`, `mut msg` or `_`) and an optional ",
            "guard `, if condition`; a pattern such as `Ok(v)` is refused, because a value that did ",
            "not match it could not be given back: bind a name and `match` on it in the body"
        ))
    };
    (@binding $kind:ident [$($p:tt)*] $t:tt $($rest:tt)*) => {
        $crate::__select_parse!(@binding $kind [$($p)* $t] $($rest)*)
    };
    (@binding $kind:ident [$($p:tt)*]) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: `", ::core::stringify!($kind), "(..) -> ", ::core::stringify!($($p)*),
            "`: expected `=> body` after the name"
        ))
    };
    // No default: wait until a case happens.
    (@expand $b:tt [$(($name:ident $make:tt ($($bind:tt)*) $body:tt))*] $h:tt [$($z:tt)*] []) => {{
        $( let mut $name = $make; )*
        let _ = $crate::__private::SelectFuture::new($h, &mut [$($z)*], $b).await;
        $(
            if let ::core::option::Option::Some(__result) = $name.take_result() {
                let $($bind)* = __result;
                $body
            } else
        )*
        { $crate::__private::unreachable_case() }
    }};
    // default: never wait.
    (@expand $b:tt [$(($name:ident $make:tt ($($bind:tt)*) $body:tt))*] $h:tt [$($z:tt)*] [now $dbody:tt]) => {{
        $( let mut $name = $make; )*
        match $crate::__private::try_select($h, &mut [$($z)*], $b) {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => {
                $(
                    if let ::core::option::Option::Some(__result) = $name.take_result() {
                        let $($bind)* = __result;
                        $body
                    } else
                )*
                { $crate::__private::unreachable_case() }
            }
        }
    }};
    // default(duration): wait at most that long.
    (@expand $b:tt [$(($name:ident $make:tt ($($bind:tt)*) $body:tt))*] $h:tt [$($z:tt)*] [until ($d:expr) $dbody:tt]) => {{
        $( let mut $name = $make; )*
        let mut __timer = ::core::pin::pin!(::core::option::Option::None);
        match $crate::__private::SelectFuture::with_timeout($h, &mut [$($z)*], $b, $d, __timer.as_mut()).await {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => {
                $(
                    if let ::core::option::Option::Some(__result) = $name.take_result() {
                        let $($bind)* = __result;
                        $body
                    } else
                )*
                { $crate::__private::unreachable_case() }
            }
        }
    }};
}
