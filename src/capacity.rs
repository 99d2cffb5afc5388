//! The admission rule: how many values a channel may buffer.
//!
//! All three kinds of channel share one engine, and this rule is most of what
//! tells them apart. A rendezvous channel is `Bounded(0)`: it never buffers,
//! so a send completes only by handing its value to a waiting receiver. The
//! engine keeps everything else that is special about `Bounded(0)` in one
//! file, `src/chan/rendezvous.rs`: "room" for a permit or a select's send
//! case is a receiver waiting now, so a receiver that starts waiting grants
//! the oldest waiting reservation, and a sender pairs only with a receiver
//! that waits at that moment.

/// How many values a channel's buffer may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Capacity {
    /// At most this many values; `0` is a rendezvous channel.
    Bounded(usize),
    /// No limit.
    Unbounded,
}

impl Capacity {
    /// Whether one more value fits when `occupied` slots (buffered values plus
    /// outstanding permits) are taken.
    #[inline]
    pub(crate) fn has_room(self, occupied: usize) -> bool {
        match self {
            Capacity::Bounded(cap) => occupied < cap,
            Capacity::Unbounded => true,
        }
    }

    /// Whether `occupied` slots fill the channel.
    #[inline]
    pub(crate) fn is_full(self, occupied: usize) -> bool {
        !self.has_room(occupied)
    }

    /// The public view: `Some(cap)` for bounded and rendezvous, `None` for unbounded.
    #[inline]
    pub(crate) fn get(self) -> Option<usize> {
        match self {
            Capacity::Bounded(cap) => Some(cap),
            Capacity::Unbounded => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Capacity;

    #[test]
    fn bounded_admits_up_to_cap() {
        let c = Capacity::Bounded(2);
        assert!(c.has_room(0));
        assert!(c.has_room(1));
        assert!(!c.has_room(2));
        assert!(c.is_full(2));
        assert_eq!(c.get(), Some(2));
    }

    #[test]
    fn rendezvous_admits_nothing() {
        let c = Capacity::Bounded(0);
        assert!(!c.has_room(0));
        assert!(c.is_full(0));
        assert_eq!(c.get(), Some(0));
    }

    #[test]
    fn unbounded_admits_everything() {
        let c = Capacity::Unbounded;
        assert!(c.has_room(usize::MAX - 1));
        assert!(!c.is_full(usize::MAX));
        assert_eq!(c.get(), None);
    }

    #[test]
    fn bounded_max_is_a_limit() {
        let c = Capacity::Bounded(usize::MAX);
        assert!(c.has_room(1 << 40));
        assert_eq!(c.get(), Some(usize::MAX));
    }
}
