//! The shared engine: the only code that locks.
//!
//! One mutex (`parking_lot`'s) guards the buffer and the bookkeeping. Tasks that must wait get an
//! entry in a small slab inside the state, and their key joins the queue of
//! waiting senders or waiting receivers. A counterpart that arrives later
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
//! live future. No user code runs under the lock: wakers are woken, values are
//! dropped and acknowledgements are signalled after the guard is gone (see
//! [`Wake`]).

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;

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
            w.wake();
        }
    }

    /// Returns the settled state, or registers the waker and returns `Pending`.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<AckState> {
        let mut inner = self.inner.lock();
        match inner.0 {
            AckState::Pending => {
                match &inner.1 {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => inner.1 = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            done => Poll::Ready(done),
        }
    }
}

/// Which case of a select won, shared by all the entries of one select.
///
/// A select takes a token from this thread's pool ([`Token::take`]) and gives
/// it back once none of its registrations holds a clone any more
/// ([`Token::give_back`]), so a `select!` in a loop allocates no token after
/// the first.
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
    /// The select's task. A waker is user code (its drop may own the last
    /// handle of a channel and close it, which claims tokens): one that is
    /// replaced or taken out is dropped or woken only after this lock is
    /// released.
    waker: Option<Waker>,
}

/// At most this many spare tokens wait in one thread's pool; a select that
/// finishes on a thread whose pool is full frees its token.
const SPARE_TOKENS: usize = 8;

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

    fn lock(&self) -> parking_lot::MutexGuard<'_, TokenState> {
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
    /// In the send queue with its item; `None` is a `reserve` waiting for room.
    SendWaiting(Option<Item<T>>),
    /// In the receive queue.
    RecvWaiting,
    /// A `Stream::poll_next` in the receive queue. It is only ever woken,
    /// never handed a value: a stream cannot tell us when the `next()` future
    /// that polled it is dropped, so a value handed to it could be stranded.
    StreamWaiting,
    /// A stream registration was woken: look at the channel again.
    Woken,
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

/// The waiting operations: a slab of entries and two FIFO queues of keys.
///
/// Allocated the first time anything waits, so that a channel that never
/// waits stays small (an idle channel's whole heap is its `Arc`).
struct Waiters<T> {
    /// `None` until the first operation waits; kept from then on, so steady
    /// state does not allocate.
    inner: Option<Box<Queues<T>>>,
}

/// What [`Waiters`] holds once allocated.
struct Queues<T> {
    /// Entries by key; `None` is a free slot (listed in `free`).
    entries: Vec<Option<Entry<T>>>,
    /// Free keys, reused before `entries` grows.
    free: Vec<Key>,
    /// Waiting senders, longest-waiting first. Every key here is occupied.
    send_q: VecDeque<Key>,
    /// Waiting receivers, longest-waiting first. Every key here is occupied.
    recv_q: VecDeque<Key>,
}

impl<T> Waiters<T> {
    fn queues(&mut self) -> &mut Queues<T> {
        self.inner.get_or_insert_with(|| {
            Box::new(Queues {
                entries: Vec::new(),
                free: Vec::new(),
                send_q: VecDeque::new(),
                recv_q: VecDeque::new(),
            })
        })
    }

    fn insert(&mut self, entry: Entry<T>) -> Key {
        let q = self.queues();
        match q.free.pop() {
            Some(key) => {
                q.entries[key] = Some(entry);
                key
            }
            None => {
                q.entries.push(Some(entry));
                q.entries.len() - 1
            }
        }
    }

    fn get(&mut self, key: Key) -> &mut Entry<T> {
        self.inner
            .as_mut()
            .and_then(|q| q.entries[key].as_mut())
            .expect("gochan: waiter entry missing (internal error)")
    }

    fn peek(&self, key: Key) -> &Entry<T> {
        self.inner
            .as_ref()
            .and_then(|q| q.entries[key].as_ref())
            .expect("gochan: waiter entry missing (internal error)")
    }

    fn remove(&mut self, key: Key) -> Entry<T> {
        let q = self.queues();
        let entry = q.entries[key]
            .take()
            .expect("gochan: waiter entry missing (internal error)");
        q.free.push(key);
        entry
    }

    fn send_len(&self) -> usize {
        self.inner.as_ref().map_or(0, |q| q.send_q.len())
    }

    fn recv_len(&self) -> usize {
        self.inner.as_ref().map_or(0, |q| q.recv_q.len())
    }

    fn send_key(&self, i: usize) -> Key {
        self.inner.as_ref().expect("queued").send_q[i]
    }

    fn recv_key(&self, i: usize) -> Key {
        self.inner.as_ref().expect("queued").recv_q[i]
    }

    fn send_remove(&mut self, i: usize) {
        remove_at(&mut self.queues().send_q, i);
    }

    fn recv_remove(&mut self, i: usize) {
        remove_at(&mut self.queues().recv_q, i);
    }

    fn send_pop(&mut self) -> Option<Key> {
        self.inner.as_mut()?.send_q.pop_front()
    }

    fn recv_pop(&mut self) -> Option<Key> {
        self.inner.as_mut()?.recv_q.pop_front()
    }

    fn send_push(&mut self, key: Key) {
        self.queues().send_q.push_back(key);
    }

    fn recv_push(&mut self, key: Key) {
        self.queues().recv_q.push_back(key);
    }

    /// Takes `key` out of the send queue (`send`) or the receive queue. A
    /// stale select entry may already be gone from it.
    fn unqueue(&mut self, key: Key, send: bool) {
        if let Some(q) = self.inner.as_mut() {
            let queue = if send { &mut q.send_q } else { &mut q.recv_q };
            if let Some(i) = queue.iter().position(|&k| k == key) {
                queue.remove(i);
            }
        }
    }
}

/// Takes the `i`th key out of a queue. Almost always the first: then
/// `pop_front`, a few instructions, where `VecDeque::remove` costs about 50.
#[inline]
fn remove_at(q: &mut VecDeque<Key>, i: usize) {
    if i == 0 {
        q.pop_front();
    } else {
        q.remove(i);
    }
}

/// Work to do once the lock is released.
#[derive(Default)]
pub(crate) struct Wake {
    /// The first task to wake (the common case has one).
    first: Option<Waker>,
    /// Further tasks to wake (close).
    rest: Vec<Waker>,
    /// A replaced waker, dropped outside the lock.
    old: Option<Waker>,
    /// `closed()`/`join()` waiters must look again.
    events: bool,
}

impl Wake {
    /// Keeps a waker that is no longer needed, to drop it after the lock.
    /// Every critical section replaces or frees at most one entry's waker.
    #[inline]
    fn discard(&mut self, waker: Option<Waker>) {
        debug_assert!(
            self.old.is_none() || waker.is_none(),
            "one discarded waker per critical section"
        );
        if self.old.is_none() {
            self.old = waker;
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

    /// Wakes everyone collected. Call after the guard is dropped.
    #[inline(always)]
    pub(crate) fn run(self, events: &Notify) {
        let Wake {
            first,
            rest,
            old,
            events: notify,
        } = self;
        drop(old);
        if let Some(w) = first {
            w.wake();
        }
        if !rest.is_empty() {
            wake_all(rest);
        }
        if notify {
            events.notify_waiters();
        }
    }
}

/// Wakes the tasks beyond the first (a close wakes every waiter).
#[cold]
fn wake_all(rest: Vec<Waker>) {
    for w in rest {
        w.wake();
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
    /// receiver cancelled mid-handoff put its value back at the front.
    buf: VecDeque<Item<T>>,
    /// The admission rule.
    cap: Capacity,
    /// Set once, never cleared.
    closed: bool,
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
    /// `closed()`/`join()` calls waiting on `Chan::events`; while there are
    /// none, a close or finish skips `Notify::notify_waiters` (which takes
    /// the `Notify`'s own lock).
    watchers: usize,
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
        !self.closed && self.waiters.recv_len() == 0 && self.cap.has_room(self.occupied())
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
        !self.closed && !self.buf.is_empty() && self.waiters.send_len() == 0
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
        let mut i = 0;
        while i < self.waiters.recv_len() {
            let key = self.waiters.recv_key(i);
            let entry = self.waiters.get(key);
            if let Status::StreamWaiting = entry.status {
                // Wake the stream to look again; the value goes on to a
                // receiver that will surely take it, or into the channel.
                entry.status = Status::Woken;
                wake.push(entry.waker.take());
                self.waiters.recv_remove(i);
                continue;
            }
            match claim(mine, entry.sel.as_ref()) {
                Claim::Won(w) => {
                    let w = w.or_else(|| entry.waker.take());
                    entry.status = Status::Received(item);
                    self.waiters.recv_remove(i);
                    self.in_flight += 1;
                    wake.push(w);
                    return Ok(());
                }
                Claim::Own => i += 1,
                Claim::Theirs => {
                    self.waiters.recv_remove(i);
                }
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
        let mut i = 0;
        while i < self.waiters.send_len() {
            let key = self.waiters.send_key(i);
            let entry = self.waiters.get(key);
            if let Status::SendWaiting(None) = entry.status {
                // A reservation carries no value to take. (Making the receiver
                // wait for it instead, to keep strict order on a rendezvous
                // channel, strands the senders behind it when that
                // reservation is released: the receiver is then parked next
                // to a sender it never pairs with.)
                i += 1;
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
                    self.waiters.send_remove(i);
                    self.sent += 1;
                    self.received += 1;
                    wake.push(w);
                    return TryRecv::Got(item);
                }
                Claim::Own => i += 1,
                Claim::Theirs => {
                    self.waiters.send_remove(i);
                }
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
            let Some(key) = self.waiters.send_pop() else {
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

    /// Registers a waiting sender holding `item` (`None`: a reservation).
    pub(crate) fn push_sender(
        &mut self,
        item: Option<Item<T>>,
        waker: Option<Waker>,
        sel: Option<Sel>,
    ) -> Key {
        let key = self.waiters.insert(Entry {
            waker,
            sel,
            status: Status::SendWaiting(item),
        });
        self.waiters.send_push(key);
        key
    }

    /// Registers a waiting receiver. On a rendezvous channel a receiver that
    /// starts waiting is what a waiting `reserve` waits for.
    pub(crate) fn push_receiver(
        &mut self,
        waker: Option<Waker>,
        sel: Option<Sel>,
        stream: bool,
        wake: &mut Wake,
    ) -> Key {
        let status = if stream {
            Status::StreamWaiting
        } else {
            Status::RecvWaiting
        };
        let key = self.waiters.insert(Entry { waker, sel, status });
        self.waiters.recv_push(key);
        if self.cap == Capacity::Bounded(0) && self.waiters.send_len() > 0 {
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
        if self.waiters.send_len() > 0 {
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
        (0..self.waiters.recv_len())
            .filter(
                |&i| match &self.waiters.peek(self.waiters.recv_key(i)).sel {
                    Some((t, _)) => t.lock().chosen.is_none(),
                    None => true,
                },
            )
            .count()
    }

    /// Grants the first waiting reservation on a rendezvous channel.
    fn grant_reservation(&mut self, wake: &mut Wake) {
        let Some(i) = (0..self.waiters.send_len()).find(|&i| {
            matches!(
                self.waiters.peek(self.waiters.send_key(i)).status,
                Status::SendWaiting(None)
            )
        }) else {
            return;
        };
        let key = self.waiters.send_key(i);
        self.waiters.send_remove(i);
        let entry = self.waiters.get(key);
        entry.status = Status::Sent;
        wake.push(entry.waker.take());
        self.reserved += 1;
    }

    /// A permit sends its value: to the longest-waiting receiver, else into the
    /// buffer (the room it reserved). Returns the item if every receiver is
    /// gone, for the caller to drop outside the lock.
    pub(crate) fn send_reserved(&mut self, item: Item<T>, wake: &mut Wake) -> Option<Item<T>> {
        self.reserved -= 1;
        let dropped = if self.receivers == 0 {
            Some(item)
        } else {
            match self.hand_to_receiver(item, None, wake) {
                Err(TrySend::Full(item)) => self.push(item),
                _ => self.sent += 1,
            }
            None
        };
        // A hand-off leaves the reserved room free.
        self.reservation_settled(wake);
        dropped
    }

    /// A permit is dropped unused: its room goes to the next waiting sender.
    pub(crate) fn release_reserved(&mut self, wake: &mut Wake) {
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
            Status::SendWaiting(_) | Status::RecvWaiting | Status::StreamWaiting => {
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
        let entry = self.waiters.remove(key);
        match entry.status {
            Status::SendWaiting(_) => self.waiters.unqueue(key, true),
            Status::RecvWaiting | Status::StreamWaiting => self.waiters.unqueue(key, false),
            Status::Received(_) | Status::Sent | Status::Closed(_) | Status::Woken => {}
        }
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
        while let Some(key) = self.waiters.send_pop() {
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
        while let Some(key) = self.waiters.recv_pop() {
            let entry = self.waiters.get(key);
            if let Claim::Won(w) = claim(None, entry.sel.as_ref()) {
                let w = w.or_else(|| entry.waker.take());
                entry.status = Status::Closed(None);
                wake.push(w);
            }
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
            waiting_senders: self.waiters.send_len(),
            waiting_receivers: self.waiters.recv_len(),
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
    /// Notified (all waiters) when the channel closes and when it finishes.
    events: Notify,
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver handle counted.
    pub(crate) fn new(cap: Capacity) -> Self {
        Chan {
            state: parking_lot::Mutex::new(State {
                buf: VecDeque::new(),
                cap,
                closed: false,
                senders: 1,
                receivers: 1,
                reserved: 0,
                in_flight: 0,
                waiters: Waiters { inner: None },
                watchers: 0,
                sent: 0,
                received: 0,
            }),
            events: Notify::new(),
        }
    }

    /// Locks the state. No user code runs under the lock, so a panic
    /// elsewhere cannot leave it inconsistent; `parking_lot`'s lock does not
    /// poison.
    #[inline]
    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        self.state.lock()
    }

    /// Releases the lock, then runs the wake-ups collected under it.
    #[inline]
    pub(crate) fn unlock(&self, guard: StateGuard<'_, T>, mut wake: Wake) {
        // Nobody waits on `events`: nothing to notify. A watcher registers
        // under the lock before it looks at the state (see `wait_for`).
        wake.events &= guard.watchers > 0;
        drop(guard);
        wake.run(&self.events);
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
    pub(crate) fn close_now(&self) -> Vec<T> {
        let items = self.with(|s, wake| {
            s.close(wake);
            let items = s.drain();
            s.close_receivers(wake);
            if s.is_finished() {
                wake.events = true;
            }
            items
        });
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
    /// is buffered (nobody can ever receive it).
    pub(crate) fn drop_receiver(&self) {
        let items = self.with(|s, wake| {
            s.receivers -= 1;
            if s.receivers > 0 {
                return VecDeque::new();
            }
            s.close(wake);
            let items = s.drain();
            if s.is_finished() {
                wake.events = true;
            }
            items
        });
        for item in items {
            drop(item.into_undelivered());
        }
    }

    /// Waits until `done` holds for the state (register, then check: see
    /// `tokio::sync::Notify`).
    pub(crate) async fn wait_for(&self, done: impl Fn(&State<T>) -> bool) {
        loop {
            let notified = self.events.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            // Registered (with the `Notify`, and as a watcher under the same
            // lock as the check) before looking: a close or finish that
            // happens after this check notifies the future above.
            {
                let mut s = self.lock();
                if done(&s) {
                    return;
                }
                s.watchers += 1;
            }
            let _watching = Watching(self);
            notified.await;
        }
    }

    /// Runs a closure over the state, for introspection.
    #[inline]
    pub(crate) fn peek<R>(&self, f: impl FnOnce(&State<T>) -> R) -> R {
        f(&self.lock())
    }
}

/// A `wait_for` between its check and its wake-up (or its cancellation).
struct Watching<'a, T>(&'a Chan<T>);

impl<T> Drop for Watching<'_, T> {
    fn drop(&mut self) {
        self.0.lock().watchers -= 1;
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
    pub(crate) fn is_full(&self) -> bool {
        self.cap.is_full(self.occupied())
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
                    *st = SendState::Waiting(s.push_sender(
                        Some(item),
                        Some(cx.waker().clone()),
                        None,
                    ));
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
    /// `stream` registers a wake-only entry (see [`Status::StreamWaiting`]).
    /// `more` runs under the same lock once a value is taken (`recv_many`).
    #[inline]
    pub(crate) fn poll_recv(
        &self,
        key: &mut Option<Key>,
        stream: bool,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let mut s = self.lock();
        if key.is_none() && s.can_pop() {
            let item = s.pop();
            match more {
                None => drop(s),
                Some(more) => {
                    let mut wake = Wake::default();
                    more(&mut s, &mut wake);
                    self.unlock(s, wake);
                }
            }
            coop.made_progress();
            return Poll::Ready(Some(item));
        }
        let res = self.poll_recv_slow(s, key, stream, cx, more);
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
            let mut item = if s.waiters.send_len() == 0 {
                // Nobody moves into the room: no wake-up bookkeeping.
                let item = s.pop();
                drop(s);
                item
            } else {
                let mut wake = Wake::default();
                let item = s.take_buffered(&mut wake);
                self.unlock(s, wake);
                item
            };
            coop.made_progress();
            // The acknowledgement is taken out, the value left in place.
            if let Some(ack) = item.ack.take() {
                ack.set(AckState::Delivered);
            }
            return Poll::Ready(Ok(item.value));
        }
        let res = self.poll_recv_slow(s, key, false, cx, None);
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
        stream: bool,
        cx: &mut Context<'_>,
        more: Option<More<'_, T>>,
    ) -> Poll<Option<Item<T>>> {
        let mut wake = Wake::default();
        let res = loop {
            match *key {
                None => match s.try_recv(None, &mut wake) {
                    TryRecv::Got(item) => break Poll::Ready(Some(item)),
                    TryRecv::Closed => break Poll::Ready(None),
                    TryRecv::Empty => {
                        let waker = Some(cx.waker().clone());
                        *key = Some(s.push_receiver(waker, None, stream, &mut wake));
                        break Poll::Pending;
                    }
                    TryRecv::Lost => unreachable!("a plain receive has no select token"),
                },
                Some(k) => match s.poll_entry(k, Some(cx.waker()), &mut wake) {
                    None => break Poll::Pending,
                    Some(Status::Received(item)) => {
                        *key = None;
                        s.took_received(&mut wake);
                        break Poll::Ready(Some(item));
                    }
                    Some(Status::Closed(_)) => {
                        *key = None;
                        break Poll::Ready(None);
                    }
                    // A woken stream: look again.
                    Some(Status::Woken) => *key = None,
                    Some(_) => unreachable!("a receive entry ends received, closed or woken"),
                },
            }
        };
        if let (Poll::Ready(Some(_)), Some(more)) = (&res, more) {
            more(&mut s, &mut wake);
        }
        self.unlock(s, wake);
        res
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

// select entry points
//
// A select's case tries its operation and, if it cannot happen now, registers
// under the same lock, so that no counterpart slips between the look and the
// registration; the case that its token chose later takes its result here.
// Withdrawing a case is `cancel_recv` / `cancel_send`.

/// What a select's receive case found.
pub(crate) enum SelectRecv<T> {
    /// Took this item: the case happened now.
    Got(Item<T>),
    /// Closed and drained: the case happened now, with `RecvError`.
    Closed,
    /// Another case of the same select already happened.
    Lost,
    /// Registered under this key: a counterpart may complete it.
    Waiting(Key),
}

/// What a select's send case found.
pub(crate) enum SelectSend<T> {
    /// The item entered the channel: the case happened now.
    Sent,
    /// The channel is closed: the case happened now, the item comes back.
    Closed(Item<T>),
    /// Another case of the same select already happened: the item comes back.
    Lost(Item<T>),
    /// Registered under this key, holding the item.
    Waiting(Key),
}

impl<T> Chan<T> {
    /// A select's receive case: takes a value now if one is there (claiming
    /// the select's token), else registers as a waiting receiver.
    pub(crate) fn select_recv(&self, sel: Sel) -> SelectRecv<T> {
        self.with(|s, wake| match s.try_recv(Some(&sel), wake) {
            TryRecv::Got(item) => SelectRecv::Got(item),
            TryRecv::Closed => SelectRecv::Closed,
            TryRecv::Lost => SelectRecv::Lost,
            TryRecv::Empty => SelectRecv::Waiting(s.push_receiver(None, Some(sel), false, wake)),
        })
    }

    /// The select chose this waiting receive case: its item, or `None` if
    /// the channel closed and drained.
    pub(crate) fn select_recv_done(&self, key: Key) -> Option<Item<T>> {
        self.with(|s, wake| match s.take_entry(key, wake) {
            Status::Received(item) => {
                s.took_received(wake);
                Some(item)
            }
            _ => None,
        })
    }

    /// A select's send case: sends now if it can (claiming the select's
    /// token), else registers as a waiting sender holding the item.
    pub(crate) fn select_send(&self, item: Item<T>, sel: Sel) -> SelectSend<T> {
        self.with(|s, wake| match s.try_send(item, Some(&sel), wake) {
            TrySend::Sent => SelectSend::Sent,
            TrySend::Closed(item) => SelectSend::Closed(item),
            TrySend::Lost(item) => SelectSend::Lost(item),
            TrySend::Full(item) => SelectSend::Waiting(s.push_sender(Some(item), None, Some(sel))),
        })
    }

    /// The select chose this waiting send case: `Ok` if its item was sent,
    /// the item back if the channel closed first.
    pub(crate) fn select_send_done(&self, key: Key) -> Result<(), Item<T>> {
        match self.with(|s, wake| s.take_entry(key, wake)) {
            Status::Closed(Some(item)) => Err(item),
            _ => Ok(()),
        }
    }
}
