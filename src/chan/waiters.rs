//! The waiter registry: a slab of entries with FIFO lines threaded through
//! it, so that a waiter joins, leaves and is served in O(1) whatever the
//! number of others.
//!
//! An entry belongs to the operation that made it (a future, a `Receiver`
//! handle's place in line, a select case): only that owner frees it, so a key
//! is never reused while its owner holds it. A counterpart settles an entry
//! (writes its [`Status`] and takes it out of its line) but never frees it.
//!
//! The slab lives inline in the state (an empty `Vec` allocates nothing), so
//! that the common checks (is anybody waiting to send? to receive?) read one
//! field, with no pointer to follow.

use std::task::Waker;

use super::ack::Item;
use super::token::Sel;

/// A waiter's place in the slab: the index of its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(u32);

impl Key {
    /// The key as a number, for [`Place`](super::recv::Place): its index
    /// plus one, so that 0 can mean "no place".
    #[inline(always)]
    pub(super) fn to_raw(self) -> usize {
        self.0 as usize + 1
    }

    /// A key from [`Key::to_raw`]; `None` for 0.
    #[inline(always)]
    pub(super) fn from_raw(raw: usize) -> Option<Key> {
        raw.checked_sub(1)
            .and_then(|i| u32::try_from(i).ok())
            .map(Key)
    }

    #[inline(always)]
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// A link between slots: the slab's own, never seen outside this file.
/// [`Link::NIL`] ends a line or the free list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Link(u32);

impl Link {
    /// No slot.
    const NIL: Link = Link(u32::MAX);

    #[inline(always)]
    fn to(key: Key) -> Link {
        Link(key.0)
    }

    #[inline(always)]
    fn get(self) -> Option<Key> {
        (self != Link::NIL).then_some(Key(self.0))
    }
}

/// Who waits: what an entry is an operation of.
pub(super) enum Who {
    /// A future (`send`, `recv`, `reserve`...): live while it is registered,
    /// since dropping it withdraws the entry.
    Future,
    /// A `Receiver` handle's place in line (its stream and `poll_recv`): it
    /// outlives the `next()` future that made it, so nobody may be polling
    /// it. A value handed to it is *held* (see [`Line::Held`]).
    Handle,
    /// A case of a select: completed only by whoever claims its token.
    Case(Sel),
}

/// Where a waiting operation stands. The first four are waiting in the
/// line the comment names; the rest are settled (out of every line but
/// [`Line::Held`]) and wait for the owner to collect them.
pub(super) enum Status<T> {
    /// Send line: a send holding its value.
    Sending(Item<T>),
    /// Send line: a reservation of `want` slots of which `got` are granted
    /// (partial grants happen on buffered channels only; a rendezvous
    /// reservation is granted all at once, when `want` receivers wait).
    Reserving { want: usize, got: usize },
    /// Receive line (or, for a paired select case, the promised line): a
    /// receive waiting for a value.
    Receiving,
    /// Watch line: a `closed()` or `join()`.
    Watching,
    /// A send whose value entered the channel.
    Sent,
    /// A reservation that holds all its slots, this many (counted in
    /// `reserved`).
    Granted(usize),
    /// A send refused by a close: its value comes back.
    Refused(Item<T>),
    /// A receive handed this value (counted in `in_flight`). `slot`: a
    /// permit handed it on a buffered channel and the slot it reserved is
    /// held until the value is taken (counted in `held_slots`).
    Received { item: Item<T>, slot: bool },
    /// A receive or reservation ended by the close: nothing for it.
    Closed,
    /// A watcher woken by a close or a finish: it looks again.
    Notified,
    /// A handle's held value was passed on (to a receiver that would
    /// otherwise have waited, or at the close): the place is spent.
    Passed,
}

impl<T> Status<T> {
    /// Whether the status carries a value (a waiting or refused send's, or
    /// one handed to a receive).
    pub(super) fn holds_value(&self) -> bool {
        matches!(
            self,
            Status::Sending(_) | Status::Refused(_) | Status::Received { .. }
        )
    }
}

/// A waiting operation.
pub(super) struct Entry<T> {
    /// The task to wake (a select keeps its waker in its token instead).
    pub(super) waker: Option<Waker>,
    /// What the entry is an operation of.
    pub(super) who: Who,
    /// Where it stands.
    pub(super) status: Status<T>,
}

/// The lines entries wait in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// Sends and reservations, oldest first.
    Send = 0,
    /// Receives, oldest first.
    Recv = 1,
    /// Handle places holding a value no one has taken yet, oldest first.
    Held = 2,
    /// `closed()` and `join()`.
    Watch = 3,
    /// Receive cases of selects promised a value by a send case they paired
    /// with on a rendezvous channel ([`Choice::Promised`]), oldest first.
    /// Never more of them than `reserved`: each is backed by a permit, and
    /// a permit's send serves this line first.
    ///
    /// [`Choice::Promised`]: super::token::Choice::Promised
    Promised = 4,
}

/// A slot of the slab.
struct Slot<T> {
    /// The entry; `None` is a free slot, on the free list.
    entry: Option<Entry<T>>,
    /// The line the entry is in, if any.
    line: Option<Line>,
    /// The entry before this one in its line.
    prev: Link,
    /// The entry after this one in its line; in a free slot, the next free
    /// slot.
    next: Link,
}

/// One FIFO line through the slots. Empty exactly when `head` is
/// [`Link::NIL`].
#[derive(Clone, Copy)]
struct List {
    /// The oldest entry.
    head: Link,
    /// The newest entry.
    tail: Link,
}

/// An empty line.
const EMPTY: List = List {
    head: Link::NIL,
    tail: Link::NIL,
};

/// A slab with more slots than this is freed once nothing waits on it, so a
/// spike of waiting tasks does not keep its memory for ever.
const KEEP: usize = 64;

/// The waiting operations: a slab and five lines through it.
pub(super) struct Waiters<T> {
    /// Entries by key; empty (no allocation) until something waits, kept
    /// while waiters come and go (steady state does not allocate), freed
    /// once a spike of more than [`KEEP`] slots has fully drained.
    slots: Vec<Slot<T>>,
    /// The first free slot; free slots are linked through `next`.
    free: Link,
    /// Occupied slots, in a line or not.
    live: u32,
    /// The lines, indexed by [`Line`]. Every key in a line is an occupied
    /// slot whose `line` names that line.
    lines: [List; 5],
}

impl<T> Waiters<T> {
    /// Nothing waiting, nothing allocated.
    pub(super) const fn new() -> Self {
        Waiters {
            slots: Vec::new(),
            free: Link::NIL,
            live: 0,
            lines: [EMPTY; 5],
        }
    }

    /// Stores `entry` and puts it at the back of `line`.
    #[inline(always)]
    pub(super) fn insert(&mut self, entry: Entry<T>, line: Line) -> Key {
        // One way in: a free slot (made first if there is none), written
        // whole and already linked behind the line's tail, so that the
        // entry is moved once, straight into its slot.
        let key = match self.free.get() {
            Some(key) => key,
            None => self.grow(),
        };
        let tail = self.lines[line as usize].tail;
        let slot = &mut self.slots[key.index()];
        debug_assert!(slot.line.is_none(), "a free slot is in no line");
        self.free = slot.next;
        slot.entry = Some(entry);
        slot.line = Some(line);
        slot.prev = tail;
        slot.next = Link::NIL;
        self.link_tail(line, tail, key);
        self.live += 1;
        key
    }

    /// Adds a free slot (the free list is empty) and returns its key.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) -> Key {
        let key = u32::try_from(self.slots.len())
            .ok()
            .filter(|&i| i != u32::MAX)
            .map(Key)
            .expect("gochan: more than 4 billion operations waiting on one channel");
        self.slots.push(Slot {
            entry: None,
            line: None,
            prev: Link::NIL,
            next: Link::NIL,
        });
        key
    }

    /// The entry under `key` (which its owner holds, so it is occupied).
    #[inline(always)]
    pub(super) fn get(&mut self, key: Key) -> &mut Entry<T> {
        self.slots[key.index()]
            .entry
            .as_mut()
            .expect("gochan: waiter entry missing (internal error)")
    }

    /// [`Waiters::get`], shared.
    #[inline(always)]
    pub(super) fn peek(&self, key: Key) -> &Entry<T> {
        self.slots[key.index()]
            .entry
            .as_ref()
            .expect("gochan: waiter entry missing (internal error)")
    }

    /// Frees an entry, taking it out of its line if it is in one, and hands
    /// it back: for an entry whose value (or other contents) the caller
    /// takes. An entry with nothing to take goes through [`Waiters::free`].
    #[inline(always)]
    pub(super) fn remove(&mut self, key: Key) -> Entry<T> {
        self.vacate(key, |entry| entry.take())
    }

    /// Frees an entry that holds no value ([`Status::holds_value`]), taking
    /// it out of its line if it is in one, and returns its waker. The entry
    /// is dropped where it lies: moving it out, as [`Waiters::remove`]
    /// does, copies the whole entry, which is as large as its largest
    /// status (with 256-byte values, 264 bytes of room that hold nothing).
    #[inline(always)]
    pub(super) fn free(&mut self, key: Key) -> Option<Waker> {
        self.vacate(key, |slot| {
            let entry = slot.as_mut()?;
            debug_assert!(!entry.status.holds_value(), "a freed entry holds no value");
            let waker = entry.waker.take();
            *slot = None;
            Some(waker)
        })
    }

    /// Empties the slot under `key` with `take` (which returns `None` only
    /// for a slot that holds no entry), unlinks it and puts it on the free
    /// list. One look at the slot: its links are read, and it goes on the
    /// free list, before its neighbours (other slots) are relinked.
    #[inline(always)]
    fn vacate<R>(&mut self, key: Key, take: impl FnOnce(&mut Option<Entry<T>>) -> Option<R>) -> R {
        let slot = &mut self.slots[key.index()];
        let out = take(&mut slot.entry).expect("gochan: waiter entry missing (internal error)");
        let line = slot.line.take();
        let prev = std::mem::replace(&mut slot.prev, Link::NIL);
        let next = std::mem::replace(&mut slot.next, self.free);
        if let Some(line) = line {
            self.relink(line, prev, next);
        }
        self.live -= 1;
        if self.live == 0 && self.slots.len() > KEEP {
            // A spike has drained: give its memory back.
            self.slots = Vec::new();
            self.free = Link::NIL;
        } else {
            self.free = Link::to(key);
        }
        out
    }

    /// Whether nobody is in `line`.
    #[inline(always)]
    pub(super) fn is_empty(&self, line: Line) -> bool {
        self.lines[line as usize].head == Link::NIL
    }

    /// How many entries are in `line` (walks it: for `stats`).
    pub(super) fn count(&self, line: Line) -> usize {
        let mut n = 0;
        let mut cur = self.first(line);
        while let Some(key) = cur {
            n += 1;
            cur = self.after(key);
        }
        n
    }

    /// Whether no entry is stored at all (in a line or settled).
    #[inline(always)]
    pub(super) fn is_idle(&self) -> bool {
        self.live == 0
    }

    /// The oldest entry of `line`.
    #[inline(always)]
    pub(super) fn first(&self, line: Line) -> Option<Key> {
        self.lines[line as usize].head.get()
    }

    /// The newest entry of `line`.
    pub(super) fn last(&self, line: Line) -> Option<Key> {
        self.lines[line as usize].tail.get()
    }

    /// The entry after `key` in its line.
    #[inline(always)]
    pub(super) fn after(&self, key: Key) -> Option<Key> {
        self.slots[key.index()].next.get()
    }

    /// Takes the oldest entry out of `line`.
    #[inline(always)]
    pub(super) fn pop(&mut self, line: Line) -> Option<Key> {
        let key = self.first(line)?;
        self.unlink(key);
        Some(key)
    }

    /// The line `key` is in.
    #[inline(always)]
    pub(super) fn line_of(&self, key: Key) -> Option<Line> {
        self.slots[key.index()].line
    }

    /// Puts an entry that is in no line at the back of `line`.
    #[inline(always)]
    pub(super) fn push(&mut self, key: Key, line: Line) {
        let tail = self.lines[line as usize].tail;
        let slot = &mut self.slots[key.index()];
        debug_assert!(slot.line.is_none(), "an entry is in one line at a time");
        slot.line = Some(line);
        slot.prev = tail;
        slot.next = Link::NIL;
        self.link_tail(line, tail, key);
    }

    /// Makes `key` (whose slot already links back to `tail`) the new tail
    /// of `line`: the other half of [`Waiters::push`] and
    /// [`Waiters::insert`].
    #[inline(always)]
    fn link_tail(&mut self, line: Line, tail: Link, key: Key) {
        let list = &mut self.lines[line as usize];
        list.tail = Link::to(key);
        if tail == Link::NIL {
            list.head = Link::to(key);
        } else {
            self.slots[tail.0 as usize].next = Link::to(key);
        }
    }

    /// Takes `key` out of its line, if it is in one.
    #[inline(always)]
    pub(super) fn unlink(&mut self, key: Key) {
        let slot = &mut self.slots[key.index()];
        let Some(line) = slot.line.take() else {
            return;
        };
        let prev = std::mem::replace(&mut slot.prev, Link::NIL);
        let next = std::mem::replace(&mut slot.next, Link::NIL);
        self.relink(line, prev, next);
    }

    /// Joins the neighbours `prev` and `next` of a slot just taken out of
    /// `line`.
    #[inline(always)]
    fn relink(&mut self, line: Line, prev: Link, next: Link) {
        let list = &mut self.lines[line as usize];
        if prev == Link::NIL {
            list.head = next;
        } else {
            self.slots[prev.0 as usize].next = next;
        }
        if next == Link::NIL {
            self.lines[line as usize].tail = prev;
        } else {
            self.slots[next.0 as usize].prev = prev;
        }
    }
}
