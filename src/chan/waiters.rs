//! The waiter registry: a slab of entries with FIFO lines threaded through
//! it, so that a waiter joins, leaves and is served in O(1) whatever the
//! number of others.
//!
//! An entry belongs to the operation that made it (a future, a `Receiver`
//! handle's place in line, a select case): only that owner frees it, so a key
//! is never reused while its owner holds it. A counterpart settles an entry
//! (writes its [`Status`] and takes it out of its line) but never frees it.

use std::num::NonZeroU32;
use std::task::Waker;

use super::ack::Item;
use super::token::Sel;

/// A waiter's place in the slab: its index plus one, so that an
/// `Option<Key>` is as small as a `Key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(NonZeroU32);

impl Key {
    #[inline(always)]
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    #[inline(always)]
    fn at(index: usize) -> Key {
        u32::try_from(index + 1)
            .ok()
            .and_then(NonZeroU32::new)
            .map(Key)
            .expect("gochan: more than 4 billion operations waiting on one channel")
    }

    /// The key as a non-zero number, for [`Place`](super::recv::Place).
    #[inline(always)]
    pub(super) fn to_raw(self) -> usize {
        self.0.get() as usize
    }

    /// A key from [`Key::to_raw`]; `None` for 0.
    #[inline(always)]
    pub(super) fn from_raw(raw: usize) -> Option<Key> {
        u32::try_from(raw).ok().and_then(NonZeroU32::new).map(Key)
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
    /// Receive line: a receive waiting for a value.
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
}

/// A slot of the slab: an entry and, while it is in a line, its links.
struct Slot<T> {
    /// `None` is a free slot, on the free list.
    entry: Option<Entry<T>>,
    /// The line the entry is in, if any.
    line: Option<Line>,
    /// The entry before this one in its line.
    prev: Option<Key>,
    /// The entry after this one in its line; in a free slot, the next free
    /// slot.
    next: Option<Key>,
}

/// One FIFO line through the slots.
#[derive(Clone, Copy)]
struct List {
    /// The oldest entry.
    head: Option<Key>,
    /// The newest entry.
    tail: Option<Key>,
    /// How many entries are in the line.
    len: usize,
}

/// An empty line.
const EMPTY: List = List {
    head: None,
    tail: None,
    len: 0,
};

/// A slab with more slots than this is freed once nothing waits on it, so a
/// spike of waiting tasks does not keep its memory for ever.
const KEEP: usize = 64;

/// The waiting operations: a slab and four lines through it.
///
/// Allocated the first time anything waits, so that a channel that never
/// waits stays small (an idle channel's whole heap is its `Arc`).
pub(super) struct Waiters<T> {
    /// `None` until something waits; kept while waiters come and go (steady
    /// state does not allocate), freed once a spike of more than [`KEEP`]
    /// slots has fully drained.
    inner: Option<Box<Queues<T>>>,
}

/// What [`Waiters`] holds once allocated.
struct Queues<T> {
    /// Entries by key.
    slots: Vec<Slot<T>>,
    /// The first free slot; free slots are linked through `next`.
    free: Option<Key>,
    /// The lines, indexed by [`Line`]. Every key in a line is an occupied
    /// slot whose `line` names that line.
    lines: [List; 4],
    /// Occupied slots, in a line or not.
    live: usize,
}

impl<T> Waiters<T> {
    /// Nothing waiting, nothing allocated.
    pub(super) const fn new() -> Self {
        Waiters { inner: None }
    }

    /// Stores `entry` and puts it at the back of `line`.
    #[inline(always)]
    pub(super) fn insert(&mut self, entry: Entry<T>, line: Line) -> Key {
        let q = self.inner.get_or_insert_with(|| {
            Box::new(Queues {
                slots: Vec::new(),
                free: None,
                lines: [EMPTY; 4],
                live: 0,
            })
        });
        let key = match q.free {
            None => {
                let key = Key::at(q.slots.len());
                q.slots.push(Slot {
                    entry: Some(entry),
                    line: None,
                    prev: None,
                    next: None,
                });
                key
            }
            Some(key) => {
                let slot = &mut q.slots[key.index()];
                q.free = slot.next;
                slot.next = None;
                slot.entry = Some(entry);
                key
            }
        };
        q.live += 1;
        q.push(key, line);
        key
    }

    /// The entry under `key` (which its owner holds, so it is occupied).
    #[inline(always)]
    pub(super) fn get(&mut self, key: Key) -> &mut Entry<T> {
        self.inner
            .as_mut()
            .and_then(|q| q.slots[key.index()].entry.as_mut())
            .expect("gochan: waiter entry missing (internal error)")
    }

    /// [`Waiters::get`], shared.
    #[inline(always)]
    pub(super) fn peek(&self, key: Key) -> &Entry<T> {
        self.inner
            .as_ref()
            .and_then(|q| q.slots[key.index()].entry.as_ref())
            .expect("gochan: waiter entry missing (internal error)")
    }

    /// Frees an entry, taking it out of its line if it is in one.
    #[inline(always)]
    pub(super) fn remove(&mut self, key: Key) -> Entry<T> {
        let q = self
            .inner
            .as_mut()
            .expect("gochan: waiter entry missing (internal error)");
        q.unlink(key);
        let entry = q.slots[key.index()]
            .entry
            .take()
            .expect("gochan: waiter entry missing (internal error)");
        q.live -= 1;
        if q.live == 0 && q.slots.len() > KEEP {
            // A spike has drained: give its memory back.
            self.inner = None;
        } else {
            q.slots[key.index()].next = q.free;
            q.free = Some(key);
        }
        entry
    }

    /// How many entries are in `line`.
    #[inline(always)]
    pub(super) fn len(&self, line: Line) -> usize {
        self.inner
            .as_ref()
            .map_or(0, |q| q.lines[line as usize].len)
    }

    /// The oldest entry of `line`.
    #[inline(always)]
    pub(super) fn first(&self, line: Line) -> Option<Key> {
        self.inner.as_ref()?.lines[line as usize].head
    }

    /// The newest entry of `line`.
    pub(super) fn last(&self, line: Line) -> Option<Key> {
        self.inner.as_ref()?.lines[line as usize].tail
    }

    /// The entry after `key` in its line.
    #[inline(always)]
    pub(super) fn after(&self, key: Key) -> Option<Key> {
        self.inner.as_ref()?.slots[key.index()].next
    }

    /// Takes the oldest entry out of `line`.
    #[inline(always)]
    pub(super) fn pop(&mut self, line: Line) -> Option<Key> {
        let key = self.first(line)?;
        self.unlink(key);
        Some(key)
    }

    /// Takes `key` out of its line, if it is in one.
    #[inline(always)]
    pub(super) fn unlink(&mut self, key: Key) {
        if let Some(q) = self.inner.as_mut() {
            q.unlink(key);
        }
    }

    /// Puts an entry that is in no line at the back of `line`.
    #[inline(always)]
    pub(super) fn push(&mut self, key: Key, line: Line) {
        if let Some(q) = self.inner.as_mut() {
            q.push(key, line);
        }
    }

    /// The line `key` is in.
    #[inline(always)]
    pub(super) fn line_of(&self, key: Key) -> Option<Line> {
        self.inner.as_ref()?.slots[key.index()].line
    }
}

impl<T> Queues<T> {
    /// Appends `key` (in no line) to `line`.
    #[inline(always)]
    fn push(&mut self, key: Key, line: Line) {
        let list = &mut self.lines[line as usize];
        let tail = list.tail.replace(key);
        if tail.is_none() {
            list.head = Some(key);
        }
        list.len += 1;
        if let Some(t) = tail {
            self.slots[t.index()].next = Some(key);
        }
        let slot = &mut self.slots[key.index()];
        debug_assert!(slot.line.is_none(), "an entry is in one line at a time");
        slot.line = Some(line);
        slot.prev = tail;
        slot.next = None;
    }

    /// Takes `key` out of its line, if it is in one.
    #[inline(always)]
    fn unlink(&mut self, key: Key) {
        let slot = &mut self.slots[key.index()];
        let Some(line) = slot.line.take() else {
            return;
        };
        let prev = slot.prev.take();
        let next = slot.next.take();
        let list = &mut self.lines[line as usize];
        list.len -= 1;
        match prev {
            None => list.head = next,
            Some(p) => self.slots[p.index()].next = next,
        }
        match next {
            None => self.lines[line as usize].tail = prev,
            Some(n) => self.slots[n.index()].prev = prev,
        }
    }
}
