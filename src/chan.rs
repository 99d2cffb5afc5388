//! The shared engine: the channel's state, its lock and every transition.
//!
//! One mutex (`parking_lot`'s) guards the buffer and the bookkeeping; the
//! select tokens and the `deliver` acknowledgements defined here have small
//! locks of their own. The lock is taken through [`Chan::lock`] and
//! [`Chan::with`], but not only here: the handles, futures and select cases
//! (`sender.rs`, `receiver.rs`, `future.rs`, `select.rs`) still compose some
//! critical sections of their own out of this module's `State` methods (the
//! `try_send`/`try_recv` fast paths, `reserve`, the permits, the select
//! cases). Tasks that must wait get an entry in a small slab inside the
//! state, and their key joins the line of waiting senders, of waiting
//! receivers, or of `closed()`/`join()` watchers (lines threaded through the
//! slab, so a waiter leaves in O(1) whatever the number of others). A counterpart that arrives later
//! completes the longest-waiting entry directly, under the lock: a sender moves
//! its value into a waiting receiver's entry, a receiver that frees room moves the
//! longest-waiting sender's value into the buffer. That is Go's design (`sudog`
//! queues) and it is what makes the semantics exact:
//!
//! * first come, first served, and no barging: room never looks free to a
//!   `try_send` while senders wait, a value never looks available to a `try_recv`
//!   while receivers wait;
//! * a rendezvous channel is `bounded(0)`: a send completes only by a hand-off;
//! * a waiting operation is completed by exactly one counterpart, because it is
//!   completed and dequeued in one critical section.
//!
//! A `select` registers one entry per case, all sharing a [`Token`]. A
//! counterpart may complete such an entry only after it claims the token, so
//! exactly one case of a select happens; entries whose token was claimed by
//! another case are stale and are skipped and dequeued by whoever meets them.
//!
//! The entry belongs to the future that made it: only that future frees it (when
//! it takes its result, or when it is dropped), so keys are never reused under a
//! live future. No user code runs under the lock: wakers are woken, replaced
//! wakers and values are dropped, and acknowledgements are signalled after
//! the guard is gone (see [`Wake`]); a waker that panics does not stop the
//! others, and its panic is re-raised only once every value is where the
//! contract says. The one exception is cloning a task's waker to register it,
//! done under the lock as `tokio::sync::Notify` does; a `clone` that panics
//! leaves nothing of the channel's in a local.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::capacity::Capacity;
use crate::error::RecvError;

/// The index of a waiter's entry in [`Waiters::entries`].
pub(crate) type Key = usize;

/// Below this many slots the buffer's allocation is never shrunk; above it, a
/// buffer drained to a quarter of its allocation gives half of it back.
const SHRINK_FLOOR: usize = 1024;

/// One value in the channel, with the acknowledgement a `deliver` waits on.
pub(crate) struct Item<T> {
    /// The user's value.
    pub(crate) value: T,
    /// Signalled once a receiver takes `value` (or once nobody ever will).
    pub(crate) ack: Option<Arc<Ack>>,
}

impl<T> Item<T> {
    /// A plain value, nobody waiting for its delivery.
    #[inline]
    pub(crate) fn new(value: T) -> Self {
        Item { value, ack: None }
    }

    /// Hands the value to a receiver's caller: signals `deliver`, if any.
    #[inline]
    pub(crate) fn into_received(self) -> T {
        if let Some(ack) = self.ack {
            ack.set(AckState::Delivered);
        }
        self.value
    }

    /// Hands the value back to a caller that is not a receiver (`close_now`,
    /// a drained channel): the delivery it may be waiting for will never happen.
    #[inline]
    pub(crate) fn into_undelivered(self) -> T {
        if let Some(ack) = self.ack {
            ack.set(AckState::Undelivered);
        }
        self.value
    }
}

/// What became of a value that a `deliver` put into the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckState {
    /// Still in the channel or in a receiver's hands.
    Pending,
    /// A receiver's caller took it.
    Delivered,
    /// No receiver will ever take it.
    Undelivered,
}

/// The acknowledgement shared by a `deliver` future and its value.
#[derive(Debug)]
pub(crate) struct Ack {
    /// The state and the `deliver` future's waker.
    inner: parking_lot::Mutex<(AckState, Option<Waker>)>,
}

impl Ack {
    /// A pending acknowledgement.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Ack {
            inner: parking_lot::Mutex::new((AckState::Pending, None)),
        })
    }

    /// Settles the acknowledgement (first call wins) and wakes the waiter.
    ///
    /// The waker is the `deliver` task's; a panic from it is not the
    /// settling side's to handle (a receiver holding the value it returns,
    /// a close handing values back), so it is contained here.
    pub(crate) fn set(&self, state: AckState) {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.0 != AckState::Pending {
                return;
            }
            inner.0 = state;
            inner.1.take()
        };
        if let Some(w) = waker {
            let mut panic = None;
            guarded(&mut panic, || w.wake());
        }
    }

    /// Returns the settled state, or registers the waker and returns `Pending`.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<AckState> {
        let mut inner = self.inner.lock();
        match inner.0 {
            AckState::Pending => {
                let old = match &inner.1 {
                    Some(w) if w.will_wake(cx.waker()) => None,
                    _ => inner.1.replace(cx.waker().clone()),
                };
                drop(inner);
                // A replaced waker is user code: dropped after the lock.
                drop(old);
                Poll::Pending
            }
            done => Poll::Ready(done),
        }
    }
}

/// Which case of a select won, shared by all the entries of one select.
#[derive(Debug)]
pub(crate) struct Token {
    /// The choice and the select's waker.
    inner: parking_lot::Mutex<TokenState>,
}

/// The state of a [`Token`].
#[derive(Debug)]
struct TokenState {
    /// `None` while no case has happened; `Some(case)` once one has. A dropped
    /// select sets `Some(usize::MAX)` so that nobody completes it any more.
    chosen: Option<usize>,
    /// The select's task.
    waker: Option<Waker>,
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

    fn lock(&self) -> parking_lot::MutexGuard<'_, TokenState> {
        self.inner.lock()
    }

    /// The chosen case, or registers the waker and returns `None`.
    pub(crate) fn poll_chosen(&self, cx: &mut Context<'_>) -> Option<usize> {
        let mut s = self.lock();
        if s.chosen.is_none() {
            match &s.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => s.waker = Some(cx.waker().clone()),
            }
        }
        s.chosen
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
pub(crate) type Sel = (Arc<Token>, usize);

/// The result of trying to claim a waiter (and, inside a select, ourselves).
enum Claim {
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
fn claim(mine: Option<&Sel>, theirs: Option<&Sel>) -> Claim {
    if mine.is_none() && theirs.is_none() {
        // Neither side is a select: nothing to decide.
        return Claim::Won(None);
    }
    claim_tokens(mine, theirs)
}

/// [`claim`] when at least one side is a select.
#[inline(never)]
fn claim_tokens(mine: Option<&Sel>, theirs: Option<&Sel>) -> Claim {
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

/// Whether our own select (if this is one) already happened through another
/// case; otherwise claims it for the case at hand.
#[inline]
fn own_select_lost(mine: Option<&Sel>) -> bool {
    mine.is_some_and(|sel| matches!(claim(Some(sel), None), Claim::Mine))
}

/// What a waiting operation's entry says.
pub(crate) enum Status<T> {
    /// In the send line with its item; `None` is a `reserve` waiting for room.
    SendWaiting(Option<Item<T>>),
    /// In the receive line (a `recv`, a select case, or the registration a
    /// `Receiver` keeps for its stream and `poll_recv`).
    RecvWaiting,
    /// A `closed()` or `join()` in the watch line.
    Watching,
    /// A watcher was woken by a close or a finish: it looks at the state again.
    Notified,
    /// The item entered the channel (or the reservation was granted).
    Sent,
    /// A sender handed this item over; it counts as in flight until taken.
    Received(Item<T>),
    /// The channel closed first; a sender's item comes back.
    Closed(Option<Item<T>>),
}

/// A waiting operation.
pub(crate) struct Entry<T> {
    /// The task of a plain operation (a select keeps its waker in its token).
    waker: Option<Waker>,
    /// The select this entry is a case of.
    sel: Option<Sel>,
    /// Where the operation stands.
    status: Status<T>,
}

/// The lines operations wait in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    /// Senders and reservations.
    Send = 0,
    /// Receivers.
    Recv = 1,
    /// `closed()` and `join()`.
    Watch = 2,
}

/// "No key": the end of a line.
const NIL: Key = usize::MAX;

/// A slot of the slab: an entry and, while it waits in a line, its links.
struct Slot<T> {
    /// `None` is a free slot (listed in [`Queues::free`]).
    entry: Option<Entry<T>>,
    /// The line the entry waits in; `None` once it left it (completed, or a
    /// stale select case unlinked by a counterpart).
    line: Option<Line>,
    /// The entry before this one in its line ([`NIL`] at the head).
    prev: Key,
    /// The entry after this one in its line ([`NIL`] at the tail).
    next: Key,
}

/// One FIFO line, threaded through the slots: push, pop and withdraw from
/// the middle are all O(1), whatever the number of waiters.
#[derive(Clone, Copy)]
struct List {
    /// The longest-waiting entry, or [`NIL`].
    head: Key,
    /// The newest entry, or [`NIL`].
    tail: Key,
    /// How many entries wait in the line.
    len: usize,
}

/// The waiting operations: a slab of entries and three FIFO lines through it.
///
/// Allocated the first time anything waits, so that a channel that never
/// waits stays small (an idle channel's whole heap is its `Arc`).
struct Waiters<T> {
    /// `None` until the first operation waits; kept while waiters come and go
    /// (steady state does not allocate), given back once a spike of more than
    /// [`WAITERS_KEEP`] slots has fully drained.
    inner: Option<Box<Queues<T>>>,
}

/// A slab with more slots than this is freed once nothing waits on it, so
/// that a spike of waiting tasks does not keep its memory for ever.
const WAITERS_KEEP: usize = 64;

/// What [`Waiters`] holds once allocated.
struct Queues<T> {
    /// Entries by key. A key is never reused while its future holds it.
    slots: Vec<Slot<T>>,
    /// Free keys, reused before `slots` grows.
    free: Vec<Key>,
    /// The lines, indexed by [`Line`]. Every key in a line is an occupied
    /// slot whose `line` names that line.
    lines: [List; 3],
    /// Occupied slots (in a line or not).
    live: usize,
}

/// An empty line.
const EMPTY: List = List {
    head: NIL,
    tail: NIL,
    len: 0,
};

impl<T> Waiters<T> {
    fn queues(&mut self) -> &mut Queues<T> {
        self.inner.get_or_insert_with(|| {
            Box::new(Queues {
                slots: Vec::new(),
                free: Vec::new(),
                lines: [EMPTY; 3],
                live: 0,
            })
        })
    }

    /// Stores `entry` and puts it at the back of `line`.
    fn insert(&mut self, entry: Entry<T>, line: Line) -> Key {
        let q = self.queues();
        let slot = Slot {
            entry: Some(entry),
            line: None,
            prev: NIL,
            next: NIL,
        };
        let key = match q.free.pop() {
            Some(key) => {
                q.slots[key] = slot;
                key
            }
            None => {
                q.slots.push(slot);
                q.slots.len() - 1
            }
        };
        q.live += 1;
        q.push(key, line);
        key
    }

    fn get(&mut self, key: Key) -> &mut Entry<T> {
        self.inner
            .as_mut()
            .and_then(|q| q.slots[key].entry.as_mut())
            .expect("gochan: waiter entry missing (internal error)")
    }

    fn peek(&self, key: Key) -> &Entry<T> {
        self.inner
            .as_ref()
            .and_then(|q| q.slots[key].entry.as_ref())
            .expect("gochan: waiter entry missing (internal error)")
    }

    /// Frees an entry, taking it out of its line if it still waits in one.
    fn remove(&mut self, key: Key) -> Entry<T> {
        let q = self
            .inner
            .as_mut()
            .expect("gochan: waiter entry missing (internal error)");
        q.unlink(key);
        let entry = q.slots[key]
            .entry
            .take()
            .expect("gochan: waiter entry missing (internal error)");
        q.live -= 1;
        if q.live == 0 && q.slots.len() > WAITERS_KEEP {
            // A spike has drained: give its memory back.
            self.inner = None;
        } else {
            q.free.push(key);
        }
        entry
    }

    fn len(&self, line: Line) -> usize {
        self.inner
            .as_ref()
            .map_or(0, |q| q.lines[line as usize].len)
    }

    /// The longest-waiting entry of `line`.
    fn first(&self, line: Line) -> Option<Key> {
        let head = self.inner.as_ref()?.lines[line as usize].head;
        (head != NIL).then_some(head)
    }

    /// The entry after `key` in its line.
    fn after(&self, key: Key) -> Option<Key> {
        let next = self.inner.as_ref()?.slots[key].next;
        (next != NIL).then_some(next)
    }

    /// Takes the longest-waiting entry out of `line`.
    fn pop(&mut self, line: Line) -> Option<Key> {
        let key = self.first(line)?;
        self.unlink(key);
        Some(key)
    }

    /// Takes `key` out of its line, if it is in one (O(1)).
    fn unlink(&mut self, key: Key) {
        if let Some(q) = self.inner.as_mut() {
            q.unlink(key);
        }
    }

    /// Puts a waiting entry (out of any line) back at the end of `line`.
    fn requeue(&mut self, key: Key, line: Line) {
        self.queues().push(key, line);
    }
}

impl<T> Queues<T> {
    /// Appends `key` (in no line) to `line`.
    fn push(&mut self, key: Key, line: Line) {
        let list = &mut self.lines[line as usize];
        let tail = list.tail;
        list.tail = key;
        if tail == NIL {
            list.head = key;
        }
        list.len += 1;
        if tail != NIL {
            self.slots[tail].next = key;
        }
        let slot = &mut self.slots[key];
        debug_assert!(slot.line.is_none(), "an entry waits in one line at a time");
        slot.line = Some(line);
        slot.prev = tail;
        slot.next = NIL;
    }

    /// Takes `key` out of its line, if it is in one.
    fn unlink(&mut self, key: Key) {
        let slot = &mut self.slots[key];
        let Some(line) = slot.line.take() else {
            return;
        };
        let (prev, next) = (slot.prev, slot.next);
        slot.prev = NIL;
        slot.next = NIL;
        let list = &mut self.lines[line as usize];
        list.len -= 1;
        if prev == NIL {
            list.head = next;
        } else {
            self.slots[prev].next = next;
        }
        if next == NIL {
            self.lines[line as usize].tail = prev;
        } else {
            self.slots[next].prev = prev;
        }
    }
}

/// A panic caught from user code that ran outside the lock (a waker, a
/// value's `Drop`), re-raised once every value is where the contract says.
pub(crate) type Panic = Box<dyn std::any::Any + Send + 'static>;

/// Runs `f`, keeping the first panic in `first` instead of unwinding, so
/// that one panicking waker or `Drop` cannot stop the others from running.
#[inline]
pub(crate) fn guarded(first: &mut Option<Panic>, f: impl FnOnce()) {
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        first.get_or_insert(p);
    }
}

/// Re-raises a caught panic, unless this thread is already unwinding (a
/// handle dropped during a panic): a second panic would abort the process.
#[cold]
pub(crate) fn reraise(p: Panic) {
    if !std::thread::panicking() {
        std::panic::resume_unwind(p);
    }
}

/// Work to do once the lock is released: wakers are user code, so they are
/// woken, and replaced ones dropped, only after the guard is gone.
#[derive(Default)]
pub(crate) struct Wake {
    /// The first task to wake (the common case has one).
    first: Option<Waker>,
    /// Further tasks to wake (a close wakes every waiter).
    rest: Vec<Waker>,
    /// Wakers replaced under the lock, to drop after it. Usually one; more
    /// land in `rest_old`, so none is ever dropped under the lock.
    old: Option<Waker>,
    /// Further replaced wakers (never in practice: one per critical section).
    rest_old: Vec<Waker>,
    /// The channel closed or finished: the `closed()`/`join()` watchers are
    /// woken (collected by [`Chan::unlock`] just before the guard drops).
    events: bool,
}

impl Wake {
    /// Keeps a waker that is no longer needed, to drop it after the lock.
    #[inline]
    fn discard(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            if self.old.is_none() {
                self.old = Some(w);
            } else {
                self.rest_old.push(w);
            }
        }
    }

    #[inline]
    fn push(&mut self, waker: Option<Waker>) {
        if let Some(w) = waker {
            if self.first.is_none() {
                self.first = Some(w);
            } else {
                self.rest.push(w);
            }
        }
    }

    /// Wakes everyone collected and drops the replaced wakers, every one
    /// even if some panic; returns the first panic. Call after the guard is
    /// dropped.
    #[inline(always)]
    pub(crate) fn run(self) -> Option<Panic> {
        if self.rest.is_empty() && self.old.is_none() {
            let first = self.first?;
            return std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| first.wake())).err();
        }
        self.run_all()
    }

    /// [`Wake::run`] with more than one waker to handle.
    #[cold]
    #[inline(never)]
    fn run_all(self) -> Option<Panic> {
        let mut panic = None;
        let Wake {
            first,
            rest,
            old,
            rest_old,
            events: _,
        } = self;
        for w in old.into_iter().chain(rest_old) {
            guarded(&mut panic, || drop(w));
        }
        for w in first.into_iter().chain(rest) {
            guarded(&mut panic, || w.wake());
        }
        panic
    }
}

/// The outcome of trying to send without waiting.
pub(crate) enum TrySend<T> {
    /// The item entered the channel.
    Sent,
    /// No room and no waiting receiver.
    Full(Item<T>),
    /// The channel is closed.
    Closed(Item<T>),
    /// Our select already happened through another case.
    Lost(Item<T>),
}

/// The outcome of trying to receive without waiting.
pub(crate) enum TryRecv<T> {
    /// Took this item.
    Got(Item<T>),
    /// Nothing to take now.
    Empty,
    /// Closed and drained: nothing will ever come.
    Closed,
    /// Our select already happened through another case.
    Lost,
}

/// Everything the lock guards.
pub(crate) struct State<T> {
    /// Buffered values, oldest first. Holds more than the capacity only after a
    /// receiver cancelled mid-handoff put its value back at the front (on a
    /// rendezvous channel too, which otherwise buffers only what a permit
    /// sends with nobody waiting).
    ///
    /// Invariant: while a value is buffered, no live receiver waits (every
    /// path that adds a value hands it to the longest-waiting receiver
    /// first). The receive fast paths rely on it: they pop the buffer without
    /// looking at the receive line. Checked in debug builds by [`State::pop`].
    buf: VecDeque<Item<T>>,
    /// The admission rule.
    cap: Capacity,
    /// Set once, never cleared.
    closed: bool,
    /// Set by a `close_now` that found permits outstanding: their room was
    /// taken back (`reserved` set to 0) so that the channel could finish at
    /// once. Such a permit's `send` hands its value back instead of sending
    /// it, and its drop gives nothing back. Only permits granted before the
    /// close exist (a closed channel grants none), so every permit alive once
    /// this is set is revoked.
    permits_revoked: bool,
    /// Live `Sender` handles (weak senders not counted); 0 closes the channel.
    senders: usize,
    /// Live `Receiver` handles; 0 closes and empties the channel.
    receivers: usize,
    /// Room promised to outstanding permits; counts as occupied.
    reserved: usize,
    /// Values handed to a waiting receiver's entry and not yet taken by it.
    in_flight: usize,
    /// Waiting operations.
    waiters: Waiters<T>,
    /// Values that entered the channel, since creation.
    sent: u64,
    /// Values taken by receivers, since creation.
    received: u64,
}

/// A consistent snapshot of a channel, taken under its lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stats {
    /// Values in the buffer now.
    pub buffered: usize,
    /// The capacity: `Some(0)` for rendezvous, `None` for unbounded.
    pub capacity: Option<usize>,
    /// Live `Sender` handles (scoped senders included, weak senders not).
    pub senders: usize,
    /// Live `Receiver` handles.
    pub receivers: usize,
    /// Operations waiting to send (`send`, `deliver`, `reserve`, select cases).
    pub waiting_senders: usize,
    /// Operations waiting to receive (`recv`, streams, select cases).
    pub waiting_receivers: usize,
    /// Values that entered the channel since it was created.
    pub sent: u64,
    /// Values taken by receivers since the channel was created.
    pub received: u64,
    /// Whether the channel is closed.
    pub closed: bool,
}

impl<T> State<T> {
    /// Closed, nothing buffered, nothing in a receiver's hands, no permit that
    /// could still add a value: nothing will ever be received again.
    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.closed && self.buf.is_empty() && self.in_flight == 0 && self.reserved == 0
    }

    #[inline]
    fn occupied(&self) -> usize {
        self.buf.len() + self.reserved
    }

    /// The common send: open, nobody waiting to receive, room in the buffer.
    /// Then [`State::push`] is all a send does.
    #[inline]
    pub(crate) fn can_push(&self) -> bool {
        !self.closed && self.waiters.len(Line::Recv) == 0 && self.cap.has_room(self.occupied())
    }

    /// The buffer has a free slot now: a push will not grow it. Then nothing
    /// between taking a send's value out of its future and storing it can
    /// panic, so the compiler moves it once instead of keeping a copy for
    /// unwinding (a 256-byte `memcpy` per send). A full buffer grows on the
    /// slow path.
    #[inline]
    pub(crate) fn has_spare_slot(&self) -> bool {
        self.buf.len() < self.buf.capacity()
    }

    /// Buffers `item`; only after [`State::can_push`].
    #[inline]
    pub(crate) fn push(&mut self, item: Item<T>) {
        self.buf.push_back(item);
        self.sent += 1;
    }

    /// The common receive: open, a value buffered, nobody waiting to send
    /// (so no sender moves in behind it). Then [`State::pop`] is all a
    /// receive does.
    #[inline]
    pub(crate) fn can_pop(&self) -> bool {
        !self.closed && !self.buf.is_empty() && self.waiters.len(Line::Send) == 0
    }

    /// A receive that takes a buffered value on an open channel; unlike
    /// [`State::can_pop`], senders may be waiting (then
    /// [`State::take_buffered`] lets one move in).
    #[inline]
    pub(crate) fn can_take(&self) -> bool {
        !self.closed && !self.buf.is_empty()
    }

    /// Takes the oldest buffered item; only after [`State::can_pop`] or
    /// [`State::can_take`].
    /// Always inlined: called out of line, it cost a tenth of an
    /// uncontended send and receive (callgrind).
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Item<T> {
        debug_assert_eq!(
            self.live_receivers_waiting(),
            0,
            "a receiver waits while a value is buffered"
        );
        let item = self
            .buf
            .pop_front()
            .expect("can_pop or can_take checked the buffer");
        self.received += 1;
        // Checked once per 256 values, and only on a buffer grown past the
        // floor: the drain of a burst passes here often enough, and the
        // common receive (a small buffer emptied again and again) stays a
        // few instructions.
        if self.buf.len() % 256 == 0 && self.buf.capacity() > SHRINK_FLOOR {
            self.shrink();
        }
        item
    }

    /// Hands `item` to the longest-waiting receiver, if there is one.
    fn hand_to_receiver(
        &mut self,
        item: Item<T>,
        mine: Option<&Sel>,
        wake: &mut Wake,
    ) -> Result<(), TrySend<T>> {
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            match claim(mine, entry.sel.as_ref()) {
                Claim::Won(w) => {
                    let w = w.or_else(|| entry.waker.take());
                    entry.status = Status::Received(item);
                    self.waiters.unlink(key);
                    self.in_flight += 1;
                    wake.push(w);
                    return Ok(());
                }
                Claim::Own => {}
                Claim::Theirs => self.waiters.unlink(key),
                Claim::Mine => return Err(TrySend::Lost(item)),
            }
        }
        // Nobody to hand it to: give it back to the caller.
        Err(TrySend::Full(item))
    }

    /// Sends without waiting: to the longest-waiting receiver, else into the
    /// buffer if there is room.
    pub(crate) fn try_send(
        &mut self,
        item: Item<T>,
        mine: Option<&Sel>,
        wake: &mut Wake,
    ) -> TrySend<T> {
        if self.closed {
            // A closed channel makes a select's send case ready.
            if own_select_lost(mine) {
                return TrySend::Lost(item);
            }
            return TrySend::Closed(item);
        }
        let item = match self.hand_to_receiver(item, mine, wake) {
            Ok(()) => {
                self.sent += 1;
                return TrySend::Sent;
            }
            Err(TrySend::Full(item)) => item,
            Err(other) => return other,
        };
        if !self.cap.has_room(self.occupied()) {
            return TrySend::Full(item);
        }
        if own_select_lost(mine) {
            return TrySend::Lost(item);
        }
        self.push(item);
        TrySend::Sent
    }

    /// Receives without waiting: from the buffer, else from the
    /// longest-waiting sender (rendezvous).
    pub(crate) fn try_recv(&mut self, mine: Option<&Sel>, wake: &mut Wake) -> TryRecv<T> {
        if !self.buf.is_empty() {
            if own_select_lost(mine) {
                return TryRecv::Lost;
            }
            return TryRecv::Got(self.take_buffered(wake));
        }
        let mut cur = self.waiters.first(Line::Send);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            if let Status::SendWaiting(None) = entry.status {
                // A reservation carries no value to take. (Making the receiver
                // wait for it instead, to keep strict order on a rendezvous
                // channel, strands the senders behind it when that
                // reservation is released: the receiver is then parked next
                // to a sender it never pairs with.)
                continue;
            }
            match claim(mine, entry.sel.as_ref()) {
                Claim::Won(w) => {
                    let w = w.or_else(|| entry.waker.take());
                    let Status::SendWaiting(Some(item)) =
                        std::mem::replace(&mut entry.status, Status::Sent)
                    else {
                        unreachable!("a queued sender holds its item")
                    };
                    self.waiters.unlink(key);
                    self.sent += 1;
                    self.received += 1;
                    wake.push(w);
                    return TryRecv::Got(item);
                }
                Claim::Own => {}
                Claim::Theirs => self.waiters.unlink(key),
                Claim::Mine => return TryRecv::Lost,
            }
        }
        // The buffer is empty here, so finished means closed and drained.
        if self.is_finished() {
            if own_select_lost(mine) {
                return TryRecv::Lost;
            }
            return TryRecv::Closed;
        }
        TryRecv::Empty
    }

    /// Takes the oldest buffered item (the buffer is not empty); the room it
    /// leaves goes to the longest-waiting senders, and a closed channel may
    /// now be finished.
    pub(crate) fn take_buffered(&mut self, wake: &mut Wake) -> Item<T> {
        let item = self.pop();
        self.refill(wake);
        if self.is_finished() {
            wake.events = true;
        }
        item
    }

    /// Room was freed: move the longest-waiting senders' values into the buffer
    /// (or grant their reservations) while there is room.
    fn refill(&mut self, wake: &mut Wake) {
        while self.cap.has_room(self.occupied()) {
            let Some(key) = self.waiters.pop(Line::Send) else {
                return;
            };
            let entry = self.waiters.get(key);
            // A stale entry (its select happened elsewhere) is just dequeued.
            if let Claim::Won(w) = claim(None, entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                match std::mem::replace(&mut entry.status, Status::Sent) {
                    Status::SendWaiting(Some(item)) => self.push(item),
                    Status::SendWaiting(None) => self.reserved += 1,
                    _ => unreachable!("a queued sender is waiting"),
                }
                wake.push(w);
            }
        }
    }

    /// Gives memory back after a burst.
    #[cold]
    #[inline(never)]
    fn shrink(&mut self) {
        let cap = self.buf.capacity();
        if cap > SHRINK_FLOOR && self.buf.len() <= cap / 4 {
            self.buf.shrink_to((cap / 2).max(SHRINK_FLOOR));
        }
    }

    /// Gives a freshly registered entry its task's waker.
    pub(crate) fn set_waker(&mut self, key: Key, waker: Waker) {
        self.waiters.get(key).waker = Some(waker);
    }

    /// Registers a waiting sender holding `item` (`None`: a reservation).
    pub(crate) fn push_sender(
        &mut self,
        item: Option<Item<T>>,
        waker: Option<Waker>,
        sel: Option<Sel>,
    ) -> Key {
        self.waiters.insert(
            Entry {
                waker,
                sel,
                status: Status::SendWaiting(item),
            },
            Line::Send,
        )
    }

    /// Registers a waiting receiver. On a rendezvous channel a receiver that
    /// starts waiting is what a waiting `reserve` waits for.
    pub(crate) fn push_receiver(
        &mut self,
        waker: Option<Waker>,
        sel: Option<Sel>,
        wake: &mut Wake,
    ) -> Key {
        let key = self.waiters.insert(
            Entry {
                waker,
                sel,
                status: Status::RecvWaiting,
            },
            Line::Recv,
        );
        if self.cap == Capacity::Bounded(0) && self.waiters.len(Line::Send) > 0 {
            self.grant_reservation(wake);
        }
        key
    }

    /// Tries to reserve room for one value without waiting: `Ok(true)` if
    /// granted, `Ok(false)` if the caller must wait, `Err(())` if closed.
    /// Waiting senders go first. On a rendezvous channel the "room" is a
    /// receiver waiting now.
    pub(crate) fn try_reserve(&mut self) -> Result<bool, ()> {
        if self.closed {
            return Err(());
        }
        if self.waiters.len(Line::Send) > 0 {
            return Ok(false);
        }
        let room = match self.cap {
            Capacity::Bounded(0) => self.reserved < self.live_receivers_waiting(),
            cap => cap.has_room(self.occupied()),
        };
        if room {
            self.reserved += 1;
        }
        Ok(room)
    }

    /// How many receivers wait that a counterpart could still complete.
    fn live_receivers_waiting(&self) -> usize {
        let mut n = 0;
        let mut cur = self.waiters.first(Line::Recv);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            n += usize::from(match &self.waiters.peek(key).sel {
                Some((t, _)) => t.lock().chosen.is_none(),
                None => true,
            });
        }
        n
    }

    /// Grants the first waiting reservation on a rendezvous channel.
    fn grant_reservation(&mut self, wake: &mut Wake) {
        let mut cur = self.waiters.first(Line::Send);
        while let Some(key) = cur {
            cur = self.waiters.after(key);
            let entry = self.waiters.get(key);
            if let Status::SendWaiting(None) = entry.status {
                entry.status = Status::Sent;
                wake.push(entry.waker.take());
                self.waiters.unlink(key);
                self.reserved += 1;
                return;
            }
        }
    }

    /// A permit sends its value: to the longest-waiting receiver, else into the
    /// buffer (the room it reserved). `Err` gives the item back when no
    /// receiver can ever take it: every receiver is gone, or `close_now`
    /// revoked the permit.
    pub(crate) fn send_reserved(&mut self, item: Item<T>, wake: &mut Wake) -> Result<(), Item<T>> {
        if self.permits_revoked {
            return Err(item);
        }
        self.reserved -= 1;
        let res = if self.receivers == 0 {
            Err(item)
        } else {
            match self.hand_to_receiver(item, None, wake) {
                Err(TrySend::Full(item)) => self.push(item),
                _ => self.sent += 1,
            }
            Ok(())
        };
        // A hand-off leaves the reserved room free.
        self.reservation_settled(wake);
        res
    }

    /// A permit is dropped unused: its room goes to the next waiting sender.
    pub(crate) fn release_reserved(&mut self, wake: &mut Wake) {
        if self.permits_revoked {
            return;
        }
        self.reserved -= 1;
        self.reservation_settled(wake);
    }

    /// A reservation ended: the room it held goes to the next waiting sender
    /// (on a rendezvous channel, the next waiting `reserve` while a receiver
    /// waits), and a closed channel may now be finished.
    fn reservation_settled(&mut self, wake: &mut Wake) {
        self.refill(wake);
        if self.cap == Capacity::Bounded(0) && self.reserved < self.live_receivers_waiting() {
            self.grant_reservation(wake);
        }
        if self.closed {
            self.close_receivers(wake);
            if self.is_finished() {
                wake.events = true;
            }
        }
    }

    /// Looks at a waiting entry: if it is done, frees it and returns its
    /// status; otherwise refreshes its waker and returns `None`.
    pub(crate) fn poll_entry(
        &mut self,
        key: Key,
        waker: Option<&Waker>,
        wake: &mut Wake,
    ) -> Option<Status<T>> {
        let entry = self.waiters.get(key);
        match entry.status {
            Status::SendWaiting(_) | Status::RecvWaiting | Status::Watching => {
                if let Some(waker) = waker {
                    match &entry.waker {
                        Some(w) if w.will_wake(waker) => {}
                        _ => wake.discard(entry.waker.replace(waker.clone())),
                    }
                }
                None
            }
            _ => Some(self.take_entry(key, wake)),
        }
    }

    /// Frees an entry whatever its state, dequeuing it if it still waits, and
    /// returns its status. A `Received` item is still in flight: the caller
    /// either returns it ([`State::took_received`]) or passes it on
    /// ([`State::pass_on`]).
    pub(crate) fn take_entry(&mut self, key: Key, wake: &mut Wake) -> Status<T> {
        // Leaves its line, if it still waits in one, in O(1).
        let entry = self.waiters.remove(key);
        wake.discard(entry.waker);
        entry.status
    }

    /// A receiver takes the item it was handed: it is no longer in flight.
    pub(crate) fn took_received(&mut self, wake: &mut Wake) {
        self.in_flight -= 1;
        self.received += 1;
        if self.closed {
            self.close_receivers(wake);
            if self.is_finished() {
                wake.events = true;
            }
        }
    }

    /// A receiver went away holding `item`: pass it to the next waiting
    /// receiver, or put it back at the front of the buffer.
    pub(crate) fn pass_on(&mut self, item: Item<T>, wake: &mut Wake) {
        self.in_flight -= 1;
        if let Err(TrySend::Full(item)) = self.hand_to_receiver(item, None, wake) {
            self.buf.push_front(item);
        }
    }

    /// Closes the channel: waiting senders get their values back, waiting
    /// receivers see `Closed` once nothing is left. Returns whether this call
    /// closed it.
    pub(crate) fn close(&mut self, wake: &mut Wake) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        wake.events = true;
        while let Some(key) = self.waiters.pop(Line::Send) {
            let entry = self.waiters.get(key);
            if let Claim::Won(w) = claim(None, entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                let Status::SendWaiting(item) = std::mem::replace(&mut entry.status, Status::Sent)
                else {
                    unreachable!("a queued sender is waiting")
                };
                entry.status = Status::Closed(item);
                wake.push(w);
            }
        }
        self.close_receivers(wake);
        true
    }

    /// Once the channel is closed and nothing is left, wakes every waiting
    /// receiver with `Closed`. While a value is buffered, in a receiver's hands
    /// (it may be passed on) or promised to a permit, they keep waiting.
    pub(crate) fn close_receivers(&mut self, wake: &mut Wake) {
        if !self.is_finished() {
            return;
        }
        while let Some(key) = self.waiters.pop(Line::Recv) {
            let entry = self.waiters.get(key);
            if let Claim::Won(w) = claim(None, entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                entry.status = Status::Closed(None);
                wake.push(w);
            }
        }
    }

    /// Registers (or refreshes) a `closed()`/`join()` in the watch line.
    /// The waker is cloned under the lock, as `tokio::sync::Notify` does:
    /// nothing of the channel is in a local that a panicking `clone` could
    /// drop, and a `clone` that calls back into this channel would deadlock
    /// (wakers must not do that, with tokio's primitives either).
    fn watch(&mut self, key: &mut Option<Key>, waker: &Waker, wake: &mut Wake) {
        let Some(k) = *key else {
            let entry = Entry {
                waker: None,
                sel: None,
                status: Status::Watching,
            };
            let k = self.waiters.insert(entry, Line::Watch);
            *key = Some(k);
            self.waiters.get(k).waker = Some(waker.clone());
            return;
        };
        let entry = self.waiters.get(k);
        if let Status::Notified = entry.status {
            // Woken, but not done yet (`join()` after a close): back in line.
            entry.status = Status::Watching;
            self.waiters.requeue(k, Line::Watch);
        }
        let entry = self.waiters.get(k);
        match &entry.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => wake.discard(entry.waker.replace(waker.clone())),
        }
    }

    /// The channel closed or finished: every watcher looks again.
    #[cold]
    fn notify_watchers(&mut self, wake: &mut Wake) {
        while let Some(k) = self.waiters.pop(Line::Watch) {
            let entry = self.waiters.get(k);
            entry.status = Status::Notified;
            wake.push(entry.waker.take());
        }
    }

    /// Takes every buffered item out (close_now, last receiver gone).
    pub(crate) fn drain(&mut self) -> VecDeque<Item<T>> {
        std::mem::take(&mut self.buf)
    }

    /// A snapshot for `stats()`.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            buffered: self.buf.len(),
            capacity: self.cap.get(),
            senders: self.senders,
            receivers: self.receivers,
            waiting_senders: self.waiters.len(Line::Send),
            waiting_receivers: self.waiters.len(Line::Recv),
            sent: self.sent,
            received: self.received,
            closed: self.closed,
        }
    }
}

/// The channel's lock held. The lock is `parking_lot`'s rather than std's:
/// under contention std's futex mutex sends its waiters to sleep and every
/// unlock after that is a system call, which made the contended benchmark rows
/// up to twice as slow (see the commit that chose it); uncontended, the two
/// cost the same.
pub(crate) type StateGuard<'a, T> = parking_lot::MutexGuard<'a, State<T>>;

/// The channel shared by all handles.
pub(crate) struct Chan<T> {
    /// The buffer and the bookkeeping.
    state: parking_lot::Mutex<State<T>>,
}

// A panic in user code cannot leave the channel inconsistent: no user code
// runs while a lock is held (values are dropped and wakers run after the
// guard is gone), so a handle used again after a caught panic sees a whole
// state. The locks are what would make these auto traits fail; tokio's and
// crossbeam's handles declare the same.
impl<T> std::panic::RefUnwindSafe for Chan<T> {}
impl<T> std::panic::UnwindSafe for Chan<T> {}
impl std::panic::RefUnwindSafe for Ack {}
impl std::panic::RefUnwindSafe for Token {}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver handle counted.
    pub(crate) fn new(cap: Capacity) -> Self {
        Chan {
            state: parking_lot::Mutex::new(State {
                buf: VecDeque::new(),
                cap,
                closed: false,
                permits_revoked: false,
                senders: 1,
                receivers: 1,
                reserved: 0,
                in_flight: 0,
                waiters: Waiters { inner: None },
                sent: 0,
                received: 0,
            }),
        }
    }

    /// Locks the state. No user code runs under the lock, so a panic
    /// elsewhere cannot leave it inconsistent; `parking_lot`'s lock does not
    /// poison.
    #[inline]
    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        self.state.lock()
    }

    /// Releases the lock, then runs the wake-ups collected under it. A
    /// waker that panics does not stop the others; its panic is re-raised
    /// once all are woken.
    #[inline]
    pub(crate) fn unlock(&self, guard: StateGuard<'_, T>, wake: Wake) {
        if let Some(p) = self.release(guard, wake) {
            reraise(p);
        }
    }

    /// Releases the lock and runs the wake-ups; returns a waker's panic.
    #[inline(always)]
    fn release(&self, mut guard: StateGuard<'_, T>, mut wake: Wake) -> Option<Panic> {
        if wake.events {
            guard.notify_watchers(&mut wake);
        }
        drop(guard);
        wake.run()
    }

    /// [`Chan::unlock`] for a receive that took `item` out of the channel to
    /// return it. If a waker panics, the item goes back (to the next waiting
    /// receiver, or the front of the buffer) before the panic is re-raised:
    /// the caller never returns it, so it must not be lost with the unwinding.
    #[inline]
    pub(crate) fn unlock_taking(
        &self,
        guard: StateGuard<'_, T>,
        wake: Wake,
        item: Item<T>,
    ) -> Item<T> {
        match self.release(guard, wake) {
            None => item,
            Some(p) => self.put_back(item, p),
        }
    }

    /// A receive that took `item` panicked before returning it: the item goes
    /// back, then the panic goes on (unless the thread is already unwinding:
    /// then the receive returns the item after all).
    #[cold]
    #[inline(never)]
    fn put_back(&self, item: Item<T>, p: Panic) -> Item<T> {
        if std::thread::panicking() {
            return item;
        }
        let mut wake = Wake::default();
        let mut s = self.lock();
        s.received -= 1;
        s.in_flight += 1;
        s.pass_on(item, &mut wake);
        // A second panicking waker adds nothing: the first is re-raised.
        drop(self.release(s, wake));
        std::panic::resume_unwind(p)
    }

    /// Runs `f` under the lock, then the wake-ups it collected.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut State<T>, &mut Wake) -> R) -> R {
        let mut wake = Wake::default();
        let mut s = self.lock();
        let r = f(&mut s, &mut wake);
        self.unlock(s, wake);
        r
    }

    /// Closes the channel; `true` if this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.with(|s, wake| s.close(wake))
    }

    /// Closes the channel and hands back every buffered value, in order.
    /// Outstanding permits are revoked (see [`State::permits_revoked`]), so
    /// the channel is finished at once unless a receiver holds a value it was
    /// handed. A waker that panics here is not re-raised: the values are the
    /// caller's, and a panic would lose them.
    pub(crate) fn close_now(&self) -> Vec<T> {
        let mut wake = Wake::default();
        let mut s = self.lock();
        s.close(&mut wake);
        let items = s.drain();
        if s.reserved > 0 {
            s.reserved = 0;
            s.permits_revoked = true;
        }
        s.close_receivers(&mut wake);
        wake.events = true;
        drop(self.release(s, wake));
        items.into_iter().map(Item::into_undelivered).collect()
    }

    /// Adds a sender handle; `false` if the channel is closed (for `upgrade`).
    pub(crate) fn add_sender(&self, only_if_open: bool) -> bool {
        let mut s = self.lock();
        if only_if_open && s.closed {
            return false;
        }
        s.senders += 1;
        true
    }

    /// Drops a sender handle; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        self.with(|s, wake| {
            s.senders -= 1;
            if s.senders == 0 {
                s.close(wake);
            }
        });
    }

    /// Adds a receiver handle.
    pub(crate) fn add_receiver(&self) {
        self.lock().receivers += 1;
    }

    /// Drops a receiver handle; the last one closes the channel and drops what
    /// is buffered (nobody can ever receive it). Every value is dropped, and
    /// every `deliver` waiting on one told `Undelivered`, even if some value's
    /// `Drop` (or a waker) panics; the first panic is then re-raised.
    pub(crate) fn drop_receiver(&self) {
        let mut wake = Wake::default();
        let mut s = self.lock();
        s.receivers -= 1;
        if s.receivers > 0 {
            drop(s);
            return;
        }
        s.close(&mut wake);
        let items = s.drain();
        wake.events = true;
        let mut panic = self.release(s, wake);
        for item in items {
            let value = item.into_undelivered();
            guarded(&mut panic, || drop(value));
        }
        if let Some(p) = panic {
            reraise(p);
        }
    }

    /// Polls a `closed()` (`done` = closed) or `join()` (`done` = finished):
    /// ready once `done` holds, otherwise waiting in the watch line, which a
    /// close and a finish wake in full. Checked and registered under one
    /// lock, so no close can slip between the two.
    pub(crate) fn poll_watch(
        &self,
        key: &mut Option<Key>,
        done: fn(&State<T>) -> bool,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut wake = Wake::default();
        let mut s = self.lock();
        let res = if done(&s) {
            if let Some(k) = key.take() {
                wake.discard(s.waiters.remove(k).waker);
            }
            Poll::Ready(())
        } else {
            s.watch(key, cx.waker(), &mut wake);
            Poll::Pending
        };
        self.unlock(s, wake);
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// Withdraws a `closed()`/`join()` that is dropped while it waits.
    pub(crate) fn cancel_watch(&self, key: Key) {
        self.with(|s, wake| wake.discard(s.waiters.remove(key).waker));
    }

    /// Waits until `done` holds for the state (see [`Chan::poll_watch`]).
    pub(crate) async fn wait_for(&self, done: fn(&State<T>) -> bool) {
        let mut watch = Watch {
            chan: self,
            key: None,
        };
        std::future::poll_fn(|cx| self.poll_watch(&mut watch.key, done, cx)).await
    }

    /// Runs a closure over the state, for introspection.
    #[inline]
    pub(crate) fn peek<R>(&self, f: impl FnOnce(&State<T>) -> R) -> R {
        f(&self.lock())
    }
}

/// A `closed()`/`join()` in the watch line; withdrawn when dropped.
struct Watch<'a, T> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Our entry in the watch line, while waiting.
    key: Option<Key>,
}

impl<T> Drop for Watch<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.chan.cancel_watch(key);
        }
    }
}

/// Read-only views used by the handles.
impl<T> State<T> {
    pub(crate) fn closed(&self) -> bool {
        self.closed
    }
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
    pub(crate) fn capacity(&self) -> Capacity {
        self.cap
    }
    /// The buffer alone: `len() >= capacity` (room promised to permits is
    /// not a buffered value, and `len` does not count it either).
    pub(crate) fn is_full(&self) -> bool {
        self.cap.is_full(self.buf.len())
    }
    pub(crate) fn senders(&self) -> usize {
        self.senders
    }
    pub(crate) fn receivers(&self) -> usize {
        self.receivers
    }
}

/// Work a receive does under the same lock once it has its value
/// (`recv_many` takes the rest).
pub(crate) type More<'a, T> = &'a mut dyn FnMut(&mut State<T>, &mut Wake);

/// What [`Chan::try_registration`] found.
pub(crate) enum Registration<T> {
    /// Still waiting in line: nothing for it yet.
    Waiting,
    /// It had been handed this item; the registration is spent.
    Got(Item<T>),
    /// The channel is closed and drained; the registration is spent.
    Closed,
}

/// Where a waiting send stands.
pub(crate) enum SendState<T> {
    /// Not yet offered to the channel.
    Idle(Item<T>),
    /// Waiting in the send queue.
    Waiting(Key),
    /// Finished (sent, refused or cancelled).
    Done,
}

impl<T> Chan<T> {
    /// Drives a send: tries at once, else waits in the send queue. `Err`
    /// hands the item back (the channel is closed).
    #[inline]
    pub(crate) fn poll_send(
        &self,
        st: &mut SendState<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Item<T>>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if matches!(st, SendState::Idle(_)) && s.can_push() && s.has_spare_slot() {
            let SendState::Idle(item) = std::mem::replace(st, SendState::Done) else {
                unreachable!("matched above")
            };
            s.push(item);
            drop(s);
            coop.made_progress();
            return Poll::Ready(Ok(()));
        }
        let res = self.poll_send_slow(s, st, cx);
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// Everything but the common case of [`Chan::poll_send`], kept out of line
    /// so that the common case stays small.
    #[inline(never)]
    fn poll_send_slow(
        &self,
        mut s: StateGuard<'_, T>,
        st: &mut SendState<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Item<T>>> {
        let mut wake = Wake::default();
        let res = match std::mem::replace(st, SendState::Done) {
            SendState::Idle(item) => match s.try_send(item, None, &mut wake) {
                TrySend::Sent => Poll::Ready(Ok(())),
                TrySend::Closed(item) => Poll::Ready(Err(item)),
                TrySend::Full(item) => {
                    // The item is in its entry, and the entry is the
                    // future's, before the waker is cloned: a `clone` that
                    // panics (user code; cloned under the lock, as tokio's
                    // `Notify` does) leaves the value where the future's drop
                    // withdraws it, never dropped under the lock.
                    let key = s.push_sender(Some(item), None, None);
                    *st = SendState::Waiting(key);
                    s.set_waker(key, cx.waker().clone());
                    Poll::Pending
                }
                TrySend::Lost(_) => unreachable!("a plain send has no select token"),
            },
            SendState::Waiting(key) => match s.poll_entry(key, Some(cx.waker()), &mut wake) {
                None => {
                    *st = SendState::Waiting(key);
                    Poll::Pending
                }
                Some(Status::Sent) => Poll::Ready(Ok(())),
                Some(Status::Closed(Some(item))) => Poll::Ready(Err(item)),
                Some(_) => unreachable!("a send entry ends sent or closed"),
            },
            SendState::Done => panic!("gochan: send future polled after completion"),
        };
        self.unlock(s, wake);
        res
    }

    /// Withdraws a send: the item back if it has not entered the channel.
    #[inline(never)]
    pub(crate) fn cancel_send(&self, st: &mut SendState<T>) -> Option<Item<T>> {
        match std::mem::replace(st, SendState::Done) {
            SendState::Idle(item) => Some(item),
            SendState::Waiting(key) => match self.with(|s, wake| s.take_entry(key, wake)) {
                Status::SendWaiting(item) | Status::Closed(item) => item,
                _ => None,
            },
            SendState::Done => None,
        }
    }

    /// Drives a receive: tries at once, else waits in the receive queue.
    /// `more` runs under the same lock once a value is taken (`recv_many`).
    #[inline]
    pub(crate) fn poll_recv(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if key.is_none() && s.can_pop() {
            let mut item = s.pop();
            match more {
                None => drop(s),
                Some(more) => {
                    let mut wake = Wake::default();
                    more(&mut s, &mut wake);
                    item = self.unlock_taking(s, wake, item);
                }
            }
            coop.made_progress();
            return Poll::Ready(Some(item));
        }
        let res = self.poll_recv_slow(s, key, cx, more);
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// [`Chan::poll_recv`] for a plain `recv`, which wants the bare value: the
    /// common case moves it out of the buffer into one local and from there
    /// into the result, not through `Item`, `Option` and `Poll` layers (that
    /// mattered for large `T`: callgrind showed the copies as half the cost
    /// of a 256-byte message).
    #[inline]
    pub(crate) fn poll_recv_value(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if key.is_none() && s.can_take() {
            let mut item = if s.waiters.len(Line::Send) == 0 {
                // Nobody moves into the room: no wake-up bookkeeping.
                let item = s.pop();
                drop(s);
                item
            } else {
                let mut wake = Wake::default();
                let item = s.take_buffered(&mut wake);
                self.unlock_taking(s, wake, item)
            };
            coop.made_progress();
            // The acknowledgement is taken out, the value left in place.
            if let Some(ack) = item.ack.take() {
                ack.set(AckState::Delivered);
            }
            return Poll::Ready(Ok(item.value));
        }
        let res = self.poll_recv_slow(s, key, cx, None);
        if res.is_ready() {
            coop.made_progress();
        }
        res.map(|item| item.map(Item::into_received).ok_or(RecvError))
    }

    /// Everything but the common case of [`Chan::poll_recv`], kept out of line.
    #[inline(never)]
    fn poll_recv_slow(
        &self,
        mut s: StateGuard<'_, T>,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let mut wake = Wake::default();
        let res = match *key {
            None => match s.try_recv(None, &mut wake) {
                TryRecv::Got(item) => Poll::Ready(Some(item)),
                TryRecv::Closed => Poll::Ready(None),
                TryRecv::Empty => {
                    let waker = Some(cx.waker().clone());
                    *key = Some(s.push_receiver(waker, None, &mut wake));
                    Poll::Pending
                }
                TryRecv::Lost => unreachable!("a plain receive has no select token"),
            },
            Some(k) => match s.poll_entry(k, Some(cx.waker()), &mut wake) {
                None => Poll::Pending,
                Some(Status::Received(item)) => {
                    *key = None;
                    s.took_received(&mut wake);
                    Poll::Ready(Some(item))
                }
                Some(Status::Closed(_)) => {
                    *key = None;
                    Poll::Ready(None)
                }
                Some(_) => unreachable!("a receive entry ends received or closed"),
            },
        };
        match res {
            Poll::Ready(Some(item)) => {
                if let Some(more) = more {
                    more(&mut s, &mut wake);
                }
                Poll::Ready(Some(self.unlock_taking(s, wake, item)))
            }
            res => {
                self.unlock(s, wake);
                res
            }
        }
    }

    /// Looks at a receive registration without waiting (a `try_recv` on a
    /// `Receiver` that keeps one for its stream): a value it was handed is
    /// taken, a closed channel ends it, otherwise it keeps waiting in line.
    pub(crate) fn try_registration(&self, key: Key) -> Registration<T> {
        self.with(|s, wake| match s.poll_entry(key, None, wake) {
            None => Registration::Waiting,
            Some(Status::Received(item)) => {
                s.took_received(wake);
                Registration::Got(item)
            }
            Some(_) => Registration::Closed,
        })
    }

    /// Withdraws a waiting receive. A value it was handed but never returned
    /// goes to the next waiting receiver or back to the front of the buffer.
    #[inline(never)]
    pub(crate) fn cancel_recv(&self, key: Key) {
        self.with(|s, wake| {
            if let Status::Received(item) = s.take_entry(key, wake) {
                s.pass_on(item, wake);
            }
        });
    }
}

// reservation entry points
//
// The critical sections of the permits (`reserve`, `reserve_owned`,
// `reserve_many`, the sink), written once here so that the futures and
// permits only call them. Plus the buffered-value bound a `Receiver`'s
// `Stream::size_hint` reports.
impl<T> Chan<T> {
    /// Drives a reservation of one slot: takes it at once if nobody waits
    /// ahead and there is room, else waits in the send line (as a send with
    /// no item). `Ok(())` is a slot now held by the caller, `Err(())` a closed
    /// channel. `key` is the caller's entry while it waits.
    pub(crate) fn poll_reserve(
        &self,
        key: &mut Option<Key>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let res = self.with(|s, wake| match *key {
            None => match s.try_reserve() {
                Err(()) => Poll::Ready(Err(())),
                Ok(true) => Poll::Ready(Ok(())),
                Ok(false) => {
                    // The entry is the caller's before the waker is cloned
                    // (see `poll_send_slow`).
                    let k = s.push_sender(None, None, None);
                    *key = Some(k);
                    s.set_waker(k, cx.waker().clone());
                    Poll::Pending
                }
            },
            Some(k) => match s.poll_entry(k, Some(cx.waker()), wake) {
                None => Poll::Pending,
                Some(status) => {
                    *key = None;
                    match status {
                        Status::Sent => Poll::Ready(Ok(())),
                        Status::Closed(_) => Poll::Ready(Err(())),
                        _ => unreachable!("a reservation ends granted or closed"),
                    }
                }
            },
        });
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// Reserves one slot if that is possible right now: `Ok(true)` granted,
    /// `Ok(false)` no room (or senders wait ahead), `Err(())` closed.
    pub(crate) fn try_reserve_now(&self) -> Result<bool, ()> {
        self.lock().try_reserve()
    }

    /// Withdraws a waiting reservation; room granted to it as it was
    /// withdrawn goes to the next waiting sender.
    pub(crate) fn cancel_reserve(&self, key: Key) {
        self.with(|s, wake| {
            if let Status::Sent = s.take_entry(key, wake) {
                s.release_reserved(wake);
            }
        });
    }

    /// Gives back `n` reserved slots unused (dropped permits): their room goes
    /// to the next waiting senders, in order.
    pub(crate) fn release_permits(&self, n: usize) {
        if n == 0 {
            return;
        }
        self.with(|s, wake| {
            for _ in 0..n {
                s.release_reserved(wake);
            }
        });
    }

    /// Sends `item` into a slot the caller holds (see
    /// [`State::send_reserved`]); `Err` hands it back.
    pub(crate) fn send_permit(&self, item: Item<T>) -> Result<(), Item<T>> {
        self.with(|s, wake| s.send_reserved(item, wake))
    }

    /// Starts a reservation of `n` slots: takes at once what is free while
    /// nobody waits ahead, then queues one reservation entry per missing slot,
    /// all in this one critical section, so that they hold consecutive places
    /// in the send line and later senders wait behind all of them. Returns
    /// the number of slots taken at once; `keys` receives the entries.
    /// `Err(())`: the channel is closed, or `n` is more than a buffered
    /// channel's capacity (nothing is taken).
    pub(crate) fn start_reserve_many(
        &self,
        n: usize,
        keys: &mut Vec<Key>,
        waker: &Waker,
    ) -> Result<usize, ()> {
        self.with(|s, _| {
            // More than a buffered channel can ever hold would wait for ever
            // (tokio refuses it the same way). A rendezvous channel has no
            // such limit: its permits are waiting receivers.
            let too_many = matches!(s.cap, Capacity::Bounded(cap) if cap > 0 && n > cap);
            if s.closed || too_many {
                return Err(());
            }
            let mut got = 0;
            if s.waiters.len(Line::Send) == 0 {
                got = match s.cap {
                    Capacity::Bounded(0) => {
                        let free = s.live_receivers_waiting().saturating_sub(s.reserved);
                        free.min(n)
                    }
                    Capacity::Bounded(cap) => cap.saturating_sub(s.occupied()).min(n),
                    Capacity::Unbounded => n,
                };
                s.reserved = s
                    .reserved
                    .checked_add(got)
                    .expect("gochan: more permits than a usize can count");
            }
            keys.reserve_exact(n - got);
            for _ in got..n {
                let k = s.push_sender(None, None, None);
                keys.push(k);
                s.set_waker(k, waker.clone());
            }
            Ok(got)
        })
    }

    /// Drives the entries of a [`Chan::start_reserve_many`]: `keys[*done..]`
    /// still wait. Grants come in line order, so it looks from the front and
    /// stops at the first entry still waiting (refreshing its waker).
    /// `granted` counts the slots the caller holds. `Ok(())`: every entry
    /// was granted; `Err(())`: the channel closed, and the remaining entries
    /// and every slot held were given back here (`granted` is then 0).
    pub(crate) fn poll_reserve_many(
        &self,
        keys: &[Key],
        done: &mut usize,
        granted: &mut usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let res = self.with(|s, wake| {
            while let Some(&k) = keys.get(*done) {
                match s.poll_entry(k, Some(cx.waker()), wake) {
                    None => return Poll::Pending,
                    Some(Status::Sent) => *granted += 1,
                    Some(Status::Closed(_)) => {
                        *done += 1;
                        for &rest in &keys[*done..] {
                            if let Status::Sent = s.take_entry(rest, wake) {
                                *granted += 1;
                            }
                        }
                        *done = keys.len();
                        // Closed: the slots held go back at once.
                        for _ in 0..std::mem::take(granted) {
                            s.release_reserved(wake);
                        }
                        return Poll::Ready(Err(()));
                    }
                    Some(_) => unreachable!("a reservation ends granted or closed"),
                }
                *done += 1;
            }
            Poll::Ready(Ok(()))
        });
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// Withdraws a [`Chan::start_reserve_many`]: frees the entries still
    /// held (`keys`) and gives back `granted` slots plus those granted to
    /// the withdrawn entries, in one critical section.
    pub(crate) fn cancel_reserve_many(&self, keys: &[Key], granted: usize) {
        self.with(|s, wake| {
            let mut release = granted;
            for &k in keys {
                if let Status::Sent = s.take_entry(k, wake) {
                    release += 1;
                }
            }
            for _ in 0..release {
                s.release_reserved(wake);
            }
        });
    }

    /// Reserves `n` slots if all are free right now and nobody waits ahead:
    /// `Ok(true)` granted, `Ok(false)` not now (or `n` is more than a buffered
    /// channel can hold), `Err(())` closed. All or nothing.
    pub(crate) fn try_reserve_many_now(&self, n: usize) -> Result<bool, ()> {
        let mut s = self.lock();
        if s.closed {
            return Err(());
        }
        if s.waiters.len(Line::Send) > 0 {
            return Ok(false);
        }
        let free = match s.cap {
            Capacity::Bounded(0) => s.live_receivers_waiting().saturating_sub(s.reserved),
            Capacity::Bounded(cap) => cap.saturating_sub(s.occupied()),
            Capacity::Unbounded => usize::MAX - s.occupied(),
        };
        if n > free {
            return Ok(false);
        }
        s.reserved += n;
        Ok(true)
    }

    /// The most values receivers can still get: `None` while the channel is
    /// open; once it is closed, what is buffered, in a receiver's hands or
    /// promised to a permit.
    pub(crate) fn remaining_bound(&self) -> Option<usize> {
        self.peek(|s| s.closed.then(|| s.buf.len() + s.in_flight + s.reserved))
    }
}
