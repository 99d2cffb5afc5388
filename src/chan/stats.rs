//! The `stats()` snapshot.

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
