//! The waiter registry: a slab of entries with FIFO lines threaded through
//! it (send, receive, watch), so a waiter joins, leaves and is served in O(1).
//! The operations on the wait path are `#[inline(always)]` (see `state.rs`).

use std::task::Waker;

use super::ack::Item;
use super::token::Sel;

/// The index of a waiter's entry in [`Waiters::entries`].
pub(crate) type Key = usize;

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
    pub(super) waker: Option<Waker>,
    /// The select this entry is a case of.
    pub(super) sel: Option<Sel>,
    /// Where the operation stands.
    pub(super) status: Status<T>,
}

/// The lines operations wait in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// Senders and reservations.
    Send = 0,
    /// Receivers.
    Recv = 1,
    /// `closed()` and `join()`.
    Watch = 2,
}

/// "No key": the end of a line.
pub(super) const NIL: Key = usize::MAX;

/// A slot of the slab: an entry and, while it waits in a line, its links.
pub(super) struct Slot<T> {
    /// `None` is a free slot (on the free list from [`Queues::free`]).
    pub(super) entry: Option<Entry<T>>,
    /// The line the entry waits in; `None` once it left it (completed, or a
    /// stale select case unlinked by a counterpart).
    pub(super) line: Option<Line>,
    /// The entry before this one in its line ([`NIL`] at the head).
    pub(super) prev: Key,
    /// The entry after this one in its line ([`NIL`] at the tail); in a
    /// free slot, the next free slot ([`NIL`] at the end of the free list).
    pub(super) next: Key,
}

/// One FIFO line, threaded through the slots: push, pop and withdraw from
/// the middle are all O(1), whatever the number of waiters.
#[derive(Clone, Copy)]
pub(super) struct List {
    /// The longest-waiting entry, or [`NIL`].
    pub(super) head: Key,
    /// The newest entry, or [`NIL`].
    pub(super) tail: Key,
    /// How many entries wait in the line.
    pub(super) len: usize,
}

/// The waiting operations: a slab of entries and three FIFO lines through it.
///
/// Allocated the first time anything waits, so that a channel that never
/// waits stays small (an idle channel's whole heap is its `Arc`).
pub(super) struct Waiters<T> {
    /// `None` until the first operation waits; kept while waiters come and go
    /// (steady state does not allocate), given back once a spike of more than
    /// [`WAITERS_KEEP`] slots has fully drained.
    pub(super) inner: Option<Box<Queues<T>>>,
}

/// A slab with more slots than this is freed once nothing waits on it, so
/// that a spike of waiting tasks does not keep its memory for ever.
pub(super) const WAITERS_KEEP: usize = 64;

/// What [`Waiters`] holds once allocated.
pub(super) struct Queues<T> {
    /// Entries by key. A key is never reused while its future holds it.
    pub(super) slots: Vec<Slot<T>>,
    /// The first free slot, [`NIL`] if none: free slots are linked through
    /// their `next` field, so freeing and reusing one touches no other
    /// allocation. Reused before `slots` grows.
    pub(super) free: Key,
    /// The lines, indexed by [`Line`]. Every key in a line is an occupied
    /// slot whose `line` names that line.
    pub(super) lines: [List; 3],
    /// Occupied slots (in a line or not).
    pub(super) live: usize,
}

/// An empty line.
pub(super) const EMPTY: List = List {
    head: NIL,
    tail: NIL,
    len: 0,
};

impl<T> Waiters<T> {
    pub(super) fn queues(&mut self) -> &mut Queues<T> {
        self.inner.get_or_insert_with(|| {
            Box::new(Queues {
                slots: Vec::new(),
                free: NIL,
                lines: [EMPTY; 3],
                live: 0,
            })
        })
    }

    /// Stores `entry` and puts it at the back of `line`.
    #[inline(always)]
    pub(super) fn insert(&mut self, entry: Entry<T>, line: Line) -> Key {
        let q = self.queues();
        let key = match q.free {
            NIL => {
                q.slots.push(Slot {
                    entry: Some(entry),
                    line: None,
                    prev: NIL,
                    next: NIL,
                });
                q.slots.len() - 1
            }
            key => {
                // A free slot is out of every line (`remove` unlinks before
                // freeing): only the entry is written, in place.
                let slot = &mut q.slots[key];
                debug_assert!(slot.entry.is_none() && slot.line.is_none());
                q.free = slot.next;
                slot.entry = Some(entry);
                key
            }
        };
        q.live += 1;
        q.push(key, line);
        key
    }

    #[inline(always)]
    pub(super) fn get(&mut self, key: Key) -> &mut Entry<T> {
        self.inner
            .as_mut()
            .and_then(|q| q.slots[key].entry.as_mut())
            .expect("gochan: waiter entry missing (internal error)")
    }

    pub(super) fn peek(&self, key: Key) -> &Entry<T> {
        self.inner
            .as_ref()
            .and_then(|q| q.slots[key].entry.as_ref())
            .expect("gochan: waiter entry missing (internal error)")
    }

    /// Frees an entry, taking it out of its line if it still waits in one.
    #[inline(always)]
    pub(super) fn remove(&mut self, key: Key) -> Entry<T> {
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
            q.slots[key].next = q.free;
            q.free = key;
        }
        entry
    }

    pub(super) fn len(&self, line: Line) -> usize {
        self.inner
            .as_ref()
            .map_or(0, |q| q.lines[line as usize].len)
    }

    /// The longest-waiting entry of `line`.
    #[inline(always)]
    pub(super) fn first(&self, line: Line) -> Option<Key> {
        let head = self.inner.as_ref()?.lines[line as usize].head;
        (head != NIL).then_some(head)
    }

    /// The entry after `key` in its line.
    pub(super) fn after(&self, key: Key) -> Option<Key> {
        let next = self.inner.as_ref()?.slots[key].next;
        (next != NIL).then_some(next)
    }

    /// Takes the longest-waiting entry out of `line`.
    #[inline(always)]
    pub(super) fn pop(&mut self, line: Line) -> Option<Key> {
        let key = self.first(line)?;
        self.unlink(key);
        Some(key)
    }

    /// Takes `key` out of its line, if it is in one (O(1)).
    #[inline(always)]
    pub(super) fn unlink(&mut self, key: Key) {
        if let Some(q) = self.inner.as_mut() {
            q.unlink(key);
        }
    }

    /// Puts a waiting entry (out of any line) back at the end of `line`.
    pub(super) fn requeue(&mut self, key: Key, line: Line) {
        self.queues().push(key, line);
    }
}

impl<T> Queues<T> {
    /// Appends `key` (in no line) to `line`.
    #[inline(always)]
    pub(super) fn push(&mut self, key: Key, line: Line) {
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
    #[inline(always)]
    pub(super) fn unlink(&mut self, key: Key) {
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
