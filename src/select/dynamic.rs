//! The dynamic select: [`Select`] and [`LocalSelect`], built case by case
//! and reused in a loop, with a typed handle per case.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Sleep;

use super::case::{Attempt, Case, FirstLook, Held, RecvOp, SendValueOp, Ticket};
use super::driver::{try_select, SelectFuture};
use super::list::Cases;
use crate::error::{RecvError, SendError};
use crate::{Receiver, Sender};

// ---------------------------------------------------------------------------
// The dynamic select
// ---------------------------------------------------------------------------

/// A case slot of a dynamic select: a case behind its own lock, shared by the
/// select (which drives it) and the typed handle (which takes its result).
/// It is the one lock outside `src/chan/`: it guards the case alone, no
/// channel state, and is only ever taken by the select's owner, through
/// `&mut` of the select, so it is never contended. A channel's lock may be
/// taken while it is held (the case calls the engine), never the other way.
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

/// Why a dynamic `select()` could never complete: it panics instead of
/// waiting for ever.
#[derive(Clone, Copy, Debug)]
enum Idle {
    /// The select has no case at all.
    NoCase,
    /// Every case sits out (spent, or holding a result not taken yet).
    NoneTakesPart,
}

impl Idle {
    /// The panic, naming the cause and where `select()` was called.
    #[cold]
    fn panic(self, at: &'static std::panic::Location<'static>) -> ! {
        match self {
            Idle::NoCase => panic!(
                "gochan: Select::select (called at {at}) with no case: it would wait for ever; \
                 add cases with `recv`, `send`, `recv_owned` or `send_owned` first"
            ),
            Idle::NoneTakesPart => panic!(
                "gochan: Select::select (called at {at}) over cases none of which can take part \
                 (each one spent or holding a result not taken yet): it would wait for ever; take \
                 the results with `take` or give the send cases new values with `set_value`"
            ),
        }
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

    /// Adds a case: its shared cell (erased to the select's slot type by
    /// `erase`), this select's id and the case's index.
    fn add<O>(
        &mut self,
        op: O,
        erase: impl FnOnce(Arc<Mutex<O>>) -> Arc<S>,
    ) -> (Arc<Mutex<O>>, u64, usize) {
        let op = Arc::new(Mutex::new(op));
        let index = self.insert(erase(Arc::clone(&op)));
        (op, self.id, index)
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

    /// The select over the cases, or why it could never complete.
    fn select(&mut self) -> Result<SelectFuture<'_, DynCases<'_, S>>, Idle> {
        let biased = self.biased;
        let (cases, order) = self.prepare();
        if cases.slots.iter().all(Option::is_none) {
            return Err(Idle::NoCase);
        }
        if !cases.any_enabled() {
            return Err(Idle::NoneTakesPart);
        }
        Ok(SelectFuture::build(cases, order, biased, None))
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
    op: Arc<Mutex<RecvOp<T, Held<'a, Receiver<T>>>>>,
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
        self.op.lock().take_outcome()
    }
    fn __remove(self) -> Self::Removed {
        let mut op = self.op.lock();
        op.abort();
        op.take_outcome()
    }
}

impl<T> fmt::Debug for RecvCase<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvCase")
            .field("index", &self.index)
            .field("has_result", &self.op.lock().has_result())
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
    op: Arc<Mutex<SendValueOp<'a, T>>>,
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
            .field("has_value", &op.has_value())
            .field("has_result", &op.has_result())
            .finish()
    }
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
    /// Adds a case that receives from `rx`, borrowed for the select's
    /// lifetime; returns its handle.
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
        let (op, select, index) = self.core.add(RecvOp::new(Held::Borrowed(rx)), |op| op);
        RecvCase { op, select, index }
    }

    /// Adds a case that receives from `rx`, moved into the select (which can
    /// then live in a struct beside nothing else, and gain and lose cases
    /// between two selects, as tokio-stream's `StreamMap` owns its streams);
    /// returns its handle. The receiver is dropped with the case.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut sel = gochan::Select::new();
    /// let (tx, rx) = gochan::bounded(1);
    /// let case = sel.recv_owned(rx); // a connection that arrived meanwhile
    /// tx.send(1).await.unwrap();
    /// assert_eq!(sel.select().await, case.index());
    /// assert_eq!(sel.take(&case), Some(Ok(1)));
    /// drop(tx);
    /// assert_eq!(sel.select().await, case.index());
    /// assert_eq!(sel.take(&case), Some(Err(gochan::RecvError))); // closed
    /// sel.remove(case); // drops the receiver
    /// assert!(sel.is_empty());
    /// # }
    /// ```
    pub fn recv_owned<T: Send>(&mut self, rx: Receiver<T>) -> RecvCase<'a, T> {
        let (op, select, index) = self.core.add(RecvOp::new(Held::Owned(rx)), |op| op);
        RecvCase { op, select, index }
    }

    /// Adds a case that sends `value` on `tx`, borrowed for the select's
    /// lifetime; returns its handle.
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
        let op = SendValueOp::new(Held::Borrowed(tx), value);
        let (op, select, index) = self.core.add(op, |op| op);
        SendCase { op, select, index }
    }

    /// Adds a case that sends `value` on `tx`, moved into the select (see
    /// [`recv_owned`](Self::recv_owned)); returns its handle. The sender is
    /// dropped with the case (which closes the channel if it was the last).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::Select::new();
    /// let case = sel.send_owned(tx, 8);
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// assert_eq!(sel.take(&case), Some(Ok(())));
    /// sel.remove(case); // the last sender: the channel closes
    /// assert_eq!(rx.try_recv(), Ok(8));
    /// assert!(rx.is_finished());
    /// ```
    pub fn send_owned<T: Send>(&mut self, tx: Sender<T>, value: T) -> SendCase<'a, T> {
        let op = SendValueOp::new(Held::Owned(tx), value);
        let (op, select, index) = self.core.add(op, |op| op);
        SendCase { op, select, index }
    }

    /// An empty select.
    ///
    /// # Examples
    ///
    /// ```
    /// let sel = gochan::Select::new();
    /// assert!(sel.is_empty());
    /// ```
    pub fn new() -> Self {
        Select { core: Core::new() }
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
    /// let mut sel = gochan::Select::new();
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
    /// Cancel safe, as `gochan::select!`: if the future is dropped before
    /// it completes (it lost a `tokio::select!`), nothing happened. A
    /// receive case's value that was not returned goes to the next receiver
    /// (or back to the front of the channel), never lost; a send case
    /// keeps its value, and room granted to it goes to the next in line (a
    /// rendezvous receiver granted to it keeps its place). Nothing stays
    /// registered on any channel.
    ///
    /// # Panics
    ///
    /// If the select has no case, or none of its cases can take part: it
    /// would wait for ever (Go's `select {}` blocks for ever; here the
    /// mistake is named instead). [`try_select`](Self::try_select) returns
    /// `None` then, and [`select_timeout`](Self::select_timeout) waits out
    /// its timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::rendezvous();
    /// let (_idle_tx, idle_rx) = gochan::rendezvous::<u32>();
    /// let mut sel = gochan::Select::new();
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
        let at = std::panic::Location::caller();
        let select = self.core.select();
        async move {
            match select {
                Ok(select) => select
                    .await
                    .expect("a select without a deadline ends with a case"),
                Err(idle) => idle.panic(at),
            }
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
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
    /// let mut sel = gochan::Select::new();
    /// assert!(sel.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.core.live() == 0
    }
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
    /// Adds a case that receives from `rx`, borrowed for the select's
    /// lifetime; returns its handle.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::LocalSelect::new();
    /// let case = sel.recv(&rx);
    /// tx.send("hi").await.unwrap();
    /// assert_eq!(sel.select().await, case.index());
    /// assert_eq!(sel.take(&case), Some(Ok("hi")));
    /// # }
    /// ```
    pub fn recv<T>(&mut self, rx: &'a Receiver<T>) -> RecvCase<'a, T> {
        let (op, select, index) = self.core.add(RecvOp::new(Held::Borrowed(rx)), |op| op);
        RecvCase { op, select, index }
    }

    /// Adds a case that receives from `rx`, moved into the select (which can
    /// then live in a struct beside nothing else, and gain and lose cases
    /// between two selects, as tokio-stream's `StreamMap` owns its streams);
    /// returns its handle. The receiver is dropped with the case.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut sel = gochan::LocalSelect::new();
    /// let (tx, rx) = gochan::bounded(1);
    /// let case = sel.recv_owned(rx); // a connection that arrived meanwhile
    /// tx.send(1).await.unwrap();
    /// assert_eq!(sel.select().await, case.index());
    /// assert_eq!(sel.take(&case), Some(Ok(1)));
    /// drop(tx);
    /// assert_eq!(sel.select().await, case.index());
    /// assert_eq!(sel.take(&case), Some(Err(gochan::RecvError))); // closed
    /// sel.remove(case); // drops the receiver
    /// assert!(sel.is_empty());
    /// # }
    /// ```
    pub fn recv_owned<T>(&mut self, rx: Receiver<T>) -> RecvCase<'a, T> {
        let (op, select, index) = self.core.add(RecvOp::new(Held::Owned(rx)), |op| op);
        RecvCase { op, select, index }
    }

    /// Adds a case that sends `value` on `tx`, borrowed for the select's
    /// lifetime; returns its handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::LocalSelect::new();
    /// let case = sel.send(&tx, 8);
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// assert_eq!(sel.take(&case), Some(Ok(())));
    /// assert_eq!(rx.try_recv(), Ok(8));
    /// ```
    pub fn send<T>(&mut self, tx: &'a Sender<T>, value: T) -> SendCase<'a, T> {
        let op = SendValueOp::new(Held::Borrowed(tx), value);
        let (op, select, index) = self.core.add(op, |op| op);
        SendCase { op, select, index }
    }

    /// Adds a case that sends `value` on `tx`, moved into the select (see
    /// [`recv_owned`](Self::recv_owned)); returns its handle. The sender is
    /// dropped with the case (which closes the channel if it was the last).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::LocalSelect::new();
    /// let case = sel.send_owned(tx, 8);
    /// assert_eq!(sel.try_select(), Some(case.index()));
    /// assert_eq!(sel.take(&case), Some(Ok(())));
    /// sel.remove(case); // the last sender: the channel closes
    /// assert_eq!(rx.try_recv(), Ok(8));
    /// assert!(rx.is_finished());
    /// ```
    pub fn send_owned<T>(&mut self, tx: Sender<T>, value: T) -> SendCase<'a, T> {
        let op = SendValueOp::new(Held::Owned(tx), value);
        let (op, select, index) = self.core.add(op, |op| op);
        SendCase { op, select, index }
    }

    /// An empty select.
    ///
    /// # Examples
    ///
    /// ```
    /// let sel = gochan::LocalSelect::new();
    /// assert!(sel.is_empty());
    /// ```
    pub fn new() -> Self {
        LocalSelect { core: Core::new() }
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// Cancel safe, as `gochan::select!`: if the future is dropped before
    /// it completes (it lost a `tokio::select!`), nothing happened. A
    /// receive case's value that was not returned goes to the next receiver
    /// (or back to the front of the channel), never lost; a send case
    /// keeps its value, and room granted to it goes to the next in line (a
    /// rendezvous receiver granted to it keeps its place). Nothing stays
    /// registered on any channel.
    ///
    /// # Panics
    ///
    /// If the select has no case, or none of its cases can take part: it
    /// would wait for ever (Go's `select {}` blocks for ever; here the
    /// mistake is named instead). [`try_select`](Self::try_select) returns
    /// `None` then, and [`select_timeout`](Self::select_timeout) waits out
    /// its timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = gochan::rendezvous();
    /// let (_idle_tx, idle_rx) = gochan::rendezvous::<u32>();
    /// let mut sel = gochan::LocalSelect::new();
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
        let at = std::panic::Location::caller();
        let select = self.core.select();
        async move {
            match select {
                Ok(select) => select
                    .await
                    .expect("a select without a deadline ends with a case"),
                Err(idle) => idle.panic(at),
            }
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
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
    /// let mut sel = gochan::LocalSelect::new();
    /// assert!(sel.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.core.live() == 0
    }
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
