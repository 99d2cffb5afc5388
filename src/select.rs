//! `gochan::select!` and the dynamic [`Select`]: wait on several sends and
//! receives, and exactly one of them happens.
//!
//! Every case of one select registers on its channel with the same
//! [`Token`](crate::chan::Token). A counterpart completes a registered case only
//! after claiming the token, under that channel's lock, so exactly one case
//! ever happens; the registrations of the other cases are stale from that
//! moment and are removed when the select finishes (or is dropped).

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::chan::{Chan, Item, Key, Sel, SendState, Status, Token, TryRecv, TrySend};
use crate::error::{RecvError, SendError};
use crate::{Receiver, Sender};

/// What one attempt at a case found.
enum Attempt {
    /// The case happened now.
    Ready,
    /// Another case of this select already happened.
    Lost,
    /// Not ready: registered on its channel.
    Waiting,
}

/// The engine's view of a case: try it, complete it, or withdraw it.
trait Case {
    /// Tries the case at once (claiming the select's token if it can happen);
    /// if it cannot, registers it on its channel.
    fn attempt(&mut self, sel: &Sel) -> Attempt;
    /// The select's token chose this case: take its result from the channel.
    fn complete(&mut self);
    /// Withdraws the registration, if any. A value a receive case was handed
    /// goes on to the next receiver; a send case keeps its value if unsent.
    fn abort(&mut self);
}

/// A receive case for [`Select`]: receives from one [`Receiver`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::bounded(1);
/// tx.send(3).await.unwrap();
/// let mut case = gochan::RecvCase::new(&rx);
/// let mut sel = gochan::Select::new();
/// sel.recv(&mut case);
/// assert_eq!(sel.select().await, 0);
/// drop(sel);
/// assert_eq!(case.take_result(), Some(Ok(3)));
/// # }
/// ```
pub struct RecvCase<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Our registration, while waiting.
    key: Option<Key>,
    /// The result, once this case happened.
    result: Option<Result<T, RecvError>>,
}

impl<'a, T> RecvCase<'a, T> {
    /// A case that receives from `rx`.
    pub fn new(rx: &'a Receiver<T>) -> Self {
        RecvCase {
            chan: &rx.chan,
            key: None,
            result: None,
        }
    }

    /// The received value (or `Err` if the channel was closed and drained),
    /// if this case was the one that happened.
    pub fn take_result(&mut self) -> Option<Result<T, RecvError>> {
        self.result.take()
    }
}

impl<T> Case for RecvCase<'_, T> {
    fn attempt(&mut self, sel: &Sel) -> Attempt {
        let got = self.chan.with(|s, wake| match s.try_recv(Some(sel), wake) {
            TryRecv::Got(item) => Ok(Some(item)),
            TryRecv::Closed => Ok(None),
            TryRecv::Lost => Err(Attempt::Lost),
            TryRecv::Empty => {
                self.key = Some(s.push_receiver(None, Some(sel.clone()), wake));
                Err(Attempt::Waiting)
            }
        });
        match got {
            Ok(item) => {
                self.result = Some(item.map(Item::into_received).ok_or(RecvError));
                Attempt::Ready
            }
            Err(other) => other,
        }
    }

    fn complete(&mut self) {
        let Some(key) = self.key.take() else { return };
        let status = self.chan.with(|s, wake| {
            let status = s.take_entry(key, wake);
            if let Status::Received(_) = status {
                s.took_received(wake);
            }
            status
        });
        self.result = Some(match status {
            Status::Received(item) => Ok(item.into_received()),
            _ => Err(RecvError),
        });
    }

    fn abort(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_recv(key);
        }
    }
}

impl<T> Drop for RecvCase<'_, T> {
    fn drop(&mut self) {
        self.abort();
    }
}

impl<T> fmt::Debug for RecvCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvCase")
            .field("happened", &self.result.is_some())
            .finish()
    }
}

/// A send case for [`Select`]: sends one value on one [`Sender`]. If another
/// case happens instead, [`into_value`](SendCase::into_value) gives the value
/// back.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, _rx) = gochan::bounded(1);
/// tx.send(0).await.unwrap(); // full
/// let mut case = gochan::SendCase::new(&tx, 1);
/// let mut sel = gochan::Select::new();
/// sel.send(&mut case);
/// assert_eq!(sel.try_select(), None); // nothing ready: nothing sent
/// drop(sel);
/// assert_eq!(case.take_result(), None);
/// assert_eq!(case.into_value(), Some(1));
/// # }
/// ```
pub struct SendCase<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// The value while it is ours, or our registration while it waits.
    state: SendState<T>,
    /// The result, once this case happened.
    result: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendCase<'a, T> {
    /// A case that sends `value` on `tx`.
    pub fn new(tx: &'a Sender<T>, value: T) -> Self {
        SendCase {
            chan: &tx.chan,
            state: SendState::Idle(Item::new(value)),
            result: None,
        }
    }

    /// `Ok(())` if the value was sent, `Err` (with the value) if the channel
    /// was closed, when this case was the one that happened; `None` otherwise.
    pub fn take_result(&mut self) -> Option<Result<(), SendError<T>>> {
        self.result.take()
    }

    /// The value, if it was not sent (another case happened, or none did).
    pub fn into_value(mut self) -> Option<T> {
        self.abort();
        match std::mem::replace(&mut self.state, SendState::Done) {
            SendState::Idle(item) => Some(item.value),
            _ => None,
        }
    }
}

impl<T> Case for SendCase<'_, T> {
    fn attempt(&mut self, sel: &Sel) -> Attempt {
        let SendState::Idle(item) = std::mem::replace(&mut self.state, SendState::Done) else {
            return Attempt::Waiting;
        };
        let (state, attempt) = self
            .chan
            .with(|s, wake| match s.try_send(item, Some(sel), wake) {
                TrySend::Sent => {
                    self.result = Some(Ok(()));
                    (SendState::Done, Attempt::Ready)
                }
                TrySend::Closed(item) => {
                    self.result = Some(Err(SendError(item.value)));
                    (SendState::Done, Attempt::Ready)
                }
                TrySend::Lost(item) => (SendState::Idle(item), Attempt::Lost),
                TrySend::Full(item) => {
                    let key = s.push_sender(Some(item), None, Some(sel.clone()));
                    (SendState::Waiting(key), Attempt::Waiting)
                }
            });
        self.state = state;
        attempt
    }

    fn complete(&mut self) {
        let SendState::Waiting(key) = std::mem::replace(&mut self.state, SendState::Done) else {
            return;
        };
        self.result = Some(match self.chan.with(|s, wake| s.take_entry(key, wake)) {
            Status::Closed(Some(item)) => Err(SendError(item.value)),
            _ => Ok(()),
        });
    }

    fn abort(&mut self) {
        if let SendState::Waiting(_) = self.state {
            match self.chan.cancel_send(&mut self.state) {
                Some(item) => self.state = SendState::Idle(item),
                // It was sent after all (the select was dropped as it happened).
                None => self.result = Some(Ok(())),
            }
        }
    }
}

impl<T> Drop for SendCase<'_, T> {
    fn drop(&mut self) {
        self.abort();
    }
}

impl<T> fmt::Debug for SendCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendCase")
            .field("happened", &self.result.is_some())
            .finish()
    }
}

/// A select over a set of cases known only at run time, as crossbeam-channel's
/// `Select`: exactly one case happens.
///
/// Build the cases ([`RecvCase`], [`SendCase`]), add them, then
/// [`select`](Select::select) (wait), [`try_select`](Select::try_select)
/// (never wait) or [`select_timeout`](Select::select_timeout). The chosen
/// case's result is in that case ([`RecvCase::take_result`],
/// [`SendCase::take_result`]); the send cases that were not chosen give their
/// values back ([`SendCase::into_value`]). When several cases are ready, one
/// is picked at random. A case on a closed channel is ready. The item types
/// must be `Send`, so that a select can be held across `.await` in a spawned
/// task.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let channels: Vec<_> = (0..4).map(|_| gochan::bounded::<u32>(1)).collect();
/// channels[2].0.send(42).await.unwrap();
///
/// let mut cases: Vec<_> = channels.iter().map(|(_, rx)| gochan::RecvCase::new(rx)).collect();
/// let mut sel = gochan::Select::new();
/// for case in &mut cases {
///     sel.recv(case);
/// }
/// let i = sel.select().await;
/// drop(sel);
/// assert_eq!(i, 2);
/// assert_eq!(cases[i].take_result(), Some(Ok(42)));
/// # }
/// ```
#[derive(Default)]
pub struct Select<'c> {
    /// The cases, in the order they were added.
    cases: Vec<&'c mut (dyn Case + Send)>,
}

impl<'c> Select<'c> {
    /// An empty select.
    pub fn new() -> Self {
        Select { cases: Vec::new() }
    }

    /// Adds a receive case; returns its index.
    pub fn recv<T: Send>(&mut self, case: &'c mut RecvCase<'_, T>) -> usize {
        self.cases.push(case);
        self.cases.len() - 1
    }

    /// Adds a send case; returns its index.
    pub fn send<T: Send>(&mut self, case: &'c mut SendCase<'_, T>) -> usize {
        self.cases.push(case);
        self.cases.len() - 1
    }

    /// Waits until one case happens; returns its index.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, no case happened, or the one
    /// that did is recorded in its case (a received value that was not
    /// returned goes to the next receiver instead). A select with no cases
    /// waits forever.
    ///
    /// # Examples
    ///
    /// See [`Select`].
    pub async fn select(&mut self) -> usize {
        SelectFuture::new(&mut self.cases, None)
            .await
            .expect("a waiting select ends with a case")
    }

    /// Makes one ready case happen, if any; never waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// let mut case = gochan::RecvCase::new(&rx);
    /// let mut sel = gochan::Select::new();
    /// sel.recv(&mut case);
    /// assert_eq!(sel.try_select(), None);
    /// # drop(tx);
    /// ```
    pub fn try_select(&mut self) -> Option<usize> {
        let mut select = SelectFuture::new(&mut self.cases, None);
        if let Some(Poll::Ready(chosen)) = select.start() {
            return chosen;
        }
        // Every case that was not ready is registered, so a counterpart that
        // came while we looked at the others has chosen one: the cases were
        // never all unready at once. Close the window now.
        let chosen = select.token.cancel();
        match select.finish(chosen, false) {
            Poll::Ready(chosen) => chosen,
            Poll::Pending => unreachable!("finish is always ready"),
        }
    }

    /// Waits at most `timeout` (tokio's clock) for one case to happen.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`select`](Select::select).
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
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// let mut case = gochan::RecvCase::new(&rx);
    /// let mut sel = gochan::Select::new();
    /// sel.recv(&mut case);
    /// assert_eq!(sel.select_timeout(Duration::from_secs(1)).await, None);
    /// # drop(tx);
    /// # }
    /// ```
    pub async fn select_timeout(&mut self, timeout: Duration) -> Option<usize> {
        SelectFuture::new(&mut self.cases, Some(timeout)).await
    }

    /// The number of cases.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether there are no cases.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

impl fmt::Debug for Select<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.len())
            .finish()
    }
}

/// Runs one select over `cases`.
struct SelectFuture<'s, 'c> {
    /// The cases.
    cases: &'s mut [&'c mut (dyn Case + Send)],
    /// Shared by every registration of this select.
    token: Arc<Token>,
    /// At most this long (`default(duration)`); `None` waits until a case
    /// happens.
    timeout: Option<Duration>,
    /// The deadline, once started.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Whether the first pass over the cases ran.
    started: bool,
    /// Whether the result was returned (nothing left to clean up).
    done: bool,
}

impl<'s, 'c> SelectFuture<'s, 'c> {
    fn new(cases: &'s mut [&'c mut (dyn Case + Send)], timeout: Option<Duration>) -> Self {
        SelectFuture {
            cases,
            token: Token::new(),
            timeout,
            sleep: None,
            started: false,
            done: false,
        }
    }

    /// Case `chosen` happened (or none did): complete it, withdraw the rest.
    fn finish(&mut self, chosen: Option<usize>, completed: bool) -> Poll<Option<usize>> {
        for (i, case) in self.cases.iter_mut().enumerate() {
            if Some(i) == chosen {
                if !completed {
                    case.complete();
                }
            } else {
                case.abort();
            }
        }
        self.done = true;
        Poll::Ready(chosen)
    }

    /// The first pass: in random order, each case either happens now or
    /// registers. Registering under the same lock as the check means no
    /// counterpart can slip between the two; registering even when we will
    /// not wait (`default`) means the cases are never seen unready one after
    /// the other while one of them became ready in between (Go locks every
    /// channel for this pass instead).
    fn start(&mut self) -> Option<Poll<Option<usize>>> {
        // Go's poll order: a uniform shuffle (Fisher-Yates), so that among the
        // ready cases each is equally likely, wherever it stands.
        let mut order: Vec<usize> = (0..self.cases.len()).collect();
        for k in (1..order.len()).rev() {
            order.swap(k, random_below(k + 1));
        }
        for i in order {
            let sel = (self.token.clone(), i);
            match self.cases[i].attempt(&sel) {
                Attempt::Ready => return Some(self.finish(Some(i), true)),
                // A counterpart chose an earlier-registered case meanwhile.
                Attempt::Lost => return None,
                Attempt::Waiting => {}
            }
        }
        None
    }
}

impl Future for SelectFuture<'_, '_> {
    type Output = Option<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        let this = &mut *self;
        assert!(!this.done, "gochan: select polled after completion");
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        if !this.started {
            this.started = true;
            // The waker must be in the token before any case registers.
            let _ = this.token.poll_chosen(cx);
            if let Some(done) = this.start() {
                coop.made_progress();
                return done;
            }
            if let Some(d) = this.timeout {
                this.sleep = Some(Box::pin(tokio::time::sleep(d)));
            }
        }
        if let Some(i) = this.token.poll_chosen(cx) {
            coop.made_progress();
            return this.finish(Some(i), false);
        }
        if let Some(sleep) = this.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                coop.made_progress();
                // A case may have happened at the deadline: it wins.
                let chosen = this.token.cancel();
                return this.finish(chosen, false);
            }
        }
        Poll::Pending
    }
}

impl Drop for SelectFuture<'_, '_> {
    fn drop(&mut self) {
        if self.done || !self.started {
            return;
        }
        // Nobody may complete a case from now on; if one already happened,
        // `abort` records it (a send) or passes its value on (a receive).
        self.token.cancel();
        for case in self.cases.iter_mut() {
            case.abort();
        }
    }
}

/// A random index below `n`, from a per-thread xorshift generator.
fn random_below(n: usize) -> usize {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(RandomState::new().hash_one(0u64) | 1);
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x % n as u64) as usize
    })
}

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
/// Cases:
///
/// * `recv(rx) -> msg => body`: `msg` is `Result<T, RecvError>`;
/// * `send(tx, value) -> res => body`: `res` is `Result<(), SendError<T>>`;
/// * `default => body`: runs if no case is ready now (the select never waits);
/// * `default(duration) => body`: runs if no case happened within `duration`
///   (tokio's clock).
///
/// Bodies are expressions (a block needs no trailing comma); `break`,
/// `continue`, `return` and `?` in them act on the surrounding code. The
/// select is an `async` expression: it awaits.
///
/// Exactly one case happens: a receive case that is not chosen has taken
/// nothing, a send case that is not chosen has sent nothing (its value is
/// dropped), rendezvous channels included. When several cases are ready one
/// is picked at random, so none starves. A case on a closed channel is ready
/// and yields its `Err`. The same channel may appear in several cases; a
/// select never pairs its own send with its own receive.
///
/// # Cancel safety
///
/// Cancel safe when the whole `select!` sits in a `tokio::select!` branch: a
/// dropped select leaves no registration behind, and a value one of its
/// receive cases was handed goes to the next receiver.
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_parse!(@parse [] [] $($tokens)*)
    };
}

/// Parses the cases of `select!` one at a time into `(kind args pattern body)`
/// groups, then hands them to `__select_bind`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // recv
    (@parse [$($c:tt)*] [$($d:tt)*] recv($rx:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)* (recv ($rx) $p => $body)] [$($d)*] $($rest)*)
    };
    (@parse [$($c:tt)*] [$($d:tt)*] recv($rx:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)* (recv ($rx) $p => $body)] [$($d)*] $($rest)*)
    };
    (@parse [$($c:tt)*] [$($d:tt)*] recv($rx:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)* (recv ($rx) $p => $body)] [$($d)*] $($rest)*)
    };
    (@parse [$($c:tt)*] [$($d:tt)*] recv($rx:expr) -> $p:pat => $body:expr) => {
        $crate::__select_parse!(@parse [$($c)* (recv ($rx) $p => $body)] [$($d)*])
    };
    // send
    (@parse [$($c:tt)*] [$($d:tt)*] send($tx:expr, $v:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)* (send ($tx, $v) $p => $body)] [$($d)*] $($rest)*)
    };
    (@parse [$($c:tt)*] [$($d:tt)*] send($tx:expr, $v:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)* (send ($tx, $v) $p => $body)] [$($d)*] $($rest)*)
    };
    (@parse [$($c:tt)*] [$($d:tt)*] send($tx:expr, $v:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)* (send ($tx, $v) $p => $body)] [$($d)*] $($rest)*)
    };
    (@parse [$($c:tt)*] [$($d:tt)*] send($tx:expr, $v:expr) -> $p:pat => $body:expr) => {
        $crate::__select_parse!(@parse [$($c)* (send ($tx, $v) $p => $body)] [$($d)*])
    };
    // default, default(duration)
    (@parse [$($c:tt)*] [] default => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)*] [(now) $body] $($rest)*)
    };
    (@parse [$($c:tt)*] [] default => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)*] [(now) $body] $($rest)*)
    };
    (@parse [$($c:tt)*] [] default => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)*] [(now) $body] $($rest)*)
    };
    (@parse [$($c:tt)*] [] default => $body:expr) => {
        $crate::__select_parse!(@parse [$($c)*] [(now) $body])
    };
    (@parse [$($c:tt)*] [] default($dur:expr) => $body:block, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)*] [(until $dur) $body] $($rest)*)
    };
    (@parse [$($c:tt)*] [] default($dur:expr) => $body:block $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)*] [(until $dur) $body] $($rest)*)
    };
    (@parse [$($c:tt)*] [] default($dur:expr) => $body:expr, $($rest:tt)*) => {
        $crate::__select_parse!(@parse [$($c)*] [(until $dur) $body] $($rest)*)
    };
    (@parse [$($c:tt)*] [] default($dur:expr) => $body:expr) => {
        $crate::__select_parse!(@parse [$($c)*] [(until $dur) $body])
    };
    (@parse [$($c:tt)*] [$($d:tt)+] default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select! takes at most one `default` case")
    };
    // done
    (@parse [] []) => {
        ::core::compile_error!("gochan::select! needs at least one case")
    };
    (@parse [$($c:tt)*] [$($d:tt)*]) => {
        $crate::__select_bind!([] [$($c)*] [$($d)*])
    };
    (@parse [$($c:tt)*] [$($d:tt)*] $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "gochan::select!: expected `recv(rx) -> pat => body`, `send(tx, value) -> pat => body`, ",
            "`default => body` or `default(duration) => body`, found: ",
            ::core::stringify!($($rest)+)
        ))
    };
}

/// Binds each case to a local (every expansion's `__case` is a distinct
/// identifier, by hygiene), then runs the select and dispatches.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_bind {
    ([$($bound:tt)*] [(recv ($rx:expr) $p:pat => $body:tt) $($rest:tt)*] $d:tt) => {{
        let mut __case = $crate::RecvCase::new(&$rx);
        $crate::__select_bind!([$($bound)* (recv __case $p => $body)] [$($rest)*] $d)
    }};
    ([$($bound:tt)*] [(send ($tx:expr, $v:expr) $p:pat => $body:tt) $($rest:tt)*] $d:tt) => {{
        let mut __case = $crate::SendCase::new(&$tx, $v);
        $crate::__select_bind!([$($bound)* (send __case $p => $body)] [$($rest)*] $d)
    }};
    // No default: the select waits until a case happens.
    ([$(($kind:ident $case:ident $p:pat => $body:tt))*] [] []) => {{
        {
            let mut __select = $crate::Select::new();
            $( __select.$kind(&mut $case); )*
            __select.select().await;
        }
        $crate::__select_bind!(@dispatch $(($case $p => $body))*)
    }};
    // With a default: it runs when no case happened.
    ([$(($kind:ident $case:ident $p:pat => $body:tt))*] [] [($($mode:tt)*) $dbody:tt]) => {{
        let __chosen = {
            let mut __select = $crate::Select::new();
            $( __select.$kind(&mut $case); )*
            $crate::__select_bind!(@run __select $($mode)*)
        };
        match __chosen {
            ::core::option::Option::None => $dbody,
            ::core::option::Option::Some(_) => $crate::__select_bind!(@dispatch $(($case $p => $body))*),
        }
    }};
    (@dispatch $(($case:ident $p:pat => $body:tt))*) => {
        $(
            if let ::core::option::Option::Some(__result) = $case.take_result() {
                let $p = __result;
                $body
            } else
        )*
        {
            ::core::unreachable!("the chosen case holds its result")
        }
    };
    (@run $s:ident now) => { $s.try_select() };
    (@run $s:ident until $dur:expr) => { $s.select_timeout($dur).await };
}
