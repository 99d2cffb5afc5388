//! The buffer: the values in the channel, oldest first, and the `deliver`
//! acknowledgements of those that carry one.
//!
//! The values are plain `T`s; an acknowledgement lives in a parallel deque
//! that exists only while a buffered value carries one. So a channel that
//! never sees a `deliver` moves bare values (a send pushes its `T`, a receive
//! pops it), and pays for acknowledgements only with the one check that
//! they are absent ([`Buffer::is_plain`]).

use std::collections::VecDeque;
use std::sync::Arc;

use super::ack::{Ack, Item};

/// Below this many slots the allocation is never shrunk; above it, a buffer
/// drained to a quarter of its allocation gives half of it back.
const SHRINK_FLOOR: usize = 1024;

/// The values in the channel.
pub(super) struct Buffer<T> {
    /// The values, oldest first.
    values: VecDeque<T>,
    /// `None` while no buffered value carries an acknowledgement (boxed: a
    /// channel that never sees a `deliver` carries one word for it).
    acks: Option<Box<Acks>>,
}

/// One optional acknowledgement per buffered value, in the values' order.
type AckLine = VecDeque<Option<Arc<Ack>>>;

/// The acknowledgements of the buffered values, while any carries one.
struct Acks {
    /// Exactly as long as the buffer's values: `by_value[i]` is `values[i]`'s.
    by_value: AckLine,
    /// How many of `by_value` are `Some`; the whole is dropped when it falls
    /// to 0, so that plain values go back to the plain path.
    acked: usize,
}

impl<T> Buffer<T> {
    /// An empty buffer; allocates nothing.
    pub(super) const fn new() -> Self {
        Buffer {
            values: VecDeque::new(),
            acks: None,
        }
    }

    /// How many values are buffered.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing is buffered.
    #[inline(always)]
    pub(super) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether no buffered value carries an acknowledgement: then
    /// [`Buffer::push_plain`] and [`Buffer::pop_plain`] are all it takes.
    #[inline(always)]
    pub(super) fn is_plain(&self) -> bool {
        self.acks.is_none()
    }

    /// The allocation has a free slot: a push will not grow it (so nothing
    /// can panic between taking a send's value out of its future and storing
    /// it, and the compiler moves a large value once).
    #[inline(always)]
    pub(super) fn has_spare_slot(&self) -> bool {
        self.values.len() < self.values.capacity()
    }

    /// Buffers a bare value; only while [`Buffer::is_plain`].
    #[inline(always)]
    pub(super) fn push_plain(&mut self, value: T) {
        debug_assert!(self.is_plain());
        self.values.push_back(value);
    }

    /// Takes the oldest value; only while [`Buffer::is_plain`] and not
    /// empty.
    #[inline(always)]
    pub(super) fn pop_plain(&mut self) -> T {
        debug_assert!(self.is_plain());
        self.maybe_shrink();
        self.values
            .pop_front()
            .expect("gochan: a value taken from an empty buffer (internal error)")
    }

    /// Buffers `item` at the back.
    pub(super) fn push_back(&mut self, item: Item<T>) {
        let Item { value, ack } = item;
        self.values.push_back(value);
        if ack.is_some() || self.acks.is_some() {
            self.track(ack, VecDeque::push_back);
        }
    }

    /// Puts `item` back at the front (a receiver gave it back).
    pub(super) fn push_front(&mut self, item: Item<T>) {
        let Item { value, ack } = item;
        self.values.push_front(value);
        self.track(ack, VecDeque::push_front);
    }

    /// Records the acknowledgement of the value just added (`at` the back
    /// or the front), keeping `acks` parallel to `values` while any is
    /// there.
    #[cold]
    fn track(&mut self, ack: Option<Arc<Ack>>, at: fn(&mut AckLine, Option<Arc<Ack>>)) {
        match (ack, &mut self.acks) {
            (None, None) => {}
            (None, Some(acks)) => at(&mut acks.by_value, None),
            (Some(ack), acks) => {
                let len = self.values.len();
                let acks = acks.get_or_insert_with(|| {
                    // The first acknowledgement: the values already here
                    // carry none.
                    let mut by_value = VecDeque::new();
                    by_value.resize(len - 1, None);
                    Box::new(Acks { by_value, acked: 0 })
                });
                acks.acked += 1;
                at(&mut acks.by_value, Some(ack));
            }
        }
    }

    /// Takes the oldest value, with its acknowledgement (not empty).
    #[inline(always)]
    pub(super) fn pop_front(&mut self) -> Item<T> {
        if self.is_plain() {
            return Item::new(self.pop_plain());
        }
        self.pop_acked()
    }

    /// [`Buffer::pop_front`] while acknowledgements are tracked.
    #[cold]
    fn pop_acked(&mut self) -> Item<T> {
        self.maybe_shrink();
        let value = self
            .values
            .pop_front()
            .expect("gochan: a value taken from an empty buffer (internal error)");
        let acks = self
            .acks
            .as_mut()
            .expect("gochan: acknowledgements tracked (internal error)");
        let ack = acks.by_value.pop_front().flatten();
        if ack.is_some() {
            acks.acked -= 1;
            if acks.acked == 0 {
                self.acks = None;
            }
        }
        Item { value, ack }
    }

    /// Takes every value out, oldest first (`close_now`, the last receiver
    /// gone).
    pub(super) fn drain(&mut self) -> Vec<Item<T>> {
        let values = std::mem::take(&mut self.values);
        let mut acks = self
            .acks
            .take()
            .map(|a| a.by_value)
            .unwrap_or_default()
            .into_iter();
        values
            .into_iter()
            .map(|value| Item {
                value,
                ack: acks.next().flatten(),
            })
            .collect()
    }

    /// Gives memory back after a burst. Checked once per 256 values, and
    /// only on an allocation grown past the floor: the drain of a burst
    /// passes here often enough, and the common receive (a small buffer
    /// emptied again and again) stays a compare. Checked before the pop
    /// (with the length the pop leaves), so that nothing runs between
    /// taking a value out and returning it: the compiler then moves a large
    /// value once.
    #[inline(always)]
    fn maybe_shrink(&mut self) {
        if self.values.capacity() > SHRINK_FLOOR {
            // Out of the common receive's way: without the hint the two
            // tests were computed together, branch-free, on every receive.
            cold_path();
            if self.values.len() % 256 == 1 {
                self.shrink(self.values.len() - 1);
            }
        }
    }

    /// Half the allocation back once `len` values fill a quarter of it.
    #[cold]
    #[inline(never)]
    fn shrink(&mut self, len: usize) {
        let cap = self.values.capacity();
        if cap > SHRINK_FLOOR && len <= cap / 4 {
            self.values.shrink_to((cap / 2).max(SHRINK_FLOOR));
        }
    }
}

/// Marks the branch that calls it as unlikely (as `std::hint::cold_path`,
/// which is newer than the crate's minimum Rust).
#[cold]
#[inline]
fn cold_path() {}
