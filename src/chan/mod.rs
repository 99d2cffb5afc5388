//! The engine: the channel's state, its lock and every transition. This
//! module is the only code that locks; nothing outside it can reach the
//! state (its fields and transitions are private to `chan`), so the handles,
//! futures, permits, sinks and select cases call one method per operation.
//!
//! One mutex guards the buffer and the bookkeeping. Tasks that must wait get
//! an entry in a small slab inside the state ([`waiters`]), threaded into the
//! line of waiting senders, of waiting receivers, or of `closed()`/`join()`
//! watchers. A counterpart that arrives later completes the longest-waiting
//! entry itself, under the lock: a sender moves its value into a waiting
//! receiver's entry, a receiver that frees room moves the longest-waiting
//! sender's value into the buffer (or grants the longest-waiting
//! reservation). That is Go's design (`sudog` queues) and what makes the
//! semantics exact:
//!
//! * first come, first served, and no barging: room never looks free to a
//!   `try_send` while senders wait, a value never looks available to a
//!   `try_recv` while receivers wait;
//! * one line of senders, plain sends and reservations alike, that no
//!   receive skips: on a buffered channel a receive takes only from the
//!   buffer, and the room it frees goes to the head of the line;
//! * a waiting operation is completed by exactly one counterpart, because it
//!   is completed and dequeued in one critical section.
//!
//! A select registers one entry per case, all sharing a [`Token`]; a
//! counterpart completes such an entry only after claiming the token, so
//! exactly one case of a select happens. A select's send case waits as a
//! reservation (its value is built only once the case is chosen).
//!
//! No user code runs under the lock: wakers are woken, replaced wakers and
//! values dropped, and acknowledgements signalled after the guard is gone
//! ([`Wake`]). A waker that panics does not stop the others, and its panic
//! is re-raised only once every value is where the contract says (or not at
//! all, where re-raising would lose a value handed back to the caller). The
//! one exception: a task's waker is *cloned* under the lock to register it,
//! as `tokio::sync::Notify` does; the entry is already the owner's when the
//! clone runs, so a `clone` that panics leaves nothing behind.
//!
//! # Where each part lives
//!
//! | file | part |
//! |---|---|
//! | `mod.rs` | [`Chan`] and [`State`]: the fields and their invariants, the lock and the unlock helpers, introspection |
//! | `buffer.rs` | the buffer: bare values, and the `deliver` acknowledgements of those that carry one, on a side deque that exists only then |
//! | `send.rs` | a send: its state ([`SendOp`]), `poll_send`, `try_send`, withdrawal; the hand-off to a waiting receiver; the refill of freed room from the send line |
//! | `recv.rs` | a receive: `poll_recv` for futures and handles ([`Place`]), `try_recv`, `recv_many`, withdrawal; values held by idle handles |
//! | `reserve.rs` | permits: reservations of one or many slots, a permit's send and release, the free room of every kind |
//! | `rendezvous.rs` | the rendezvous rule: pairing waiting senders and reservations with waiting receivers |
//! | `select.rs` | a select's cases: trying, registering, completing and withdrawing them |
//! | `close.rs` | close and immediate close, handle counts, the `closed()`/`join()` watch |
//! | `waiters.rs` | the waiter registry: entries and their lines |
//! | `wake.rs` | wake-ups run after the lock, and containment of panics in user code |
//! | `token.rs` | the select token: exactly one case of a select happens |
//! | `ack.rs` | items and the `deliver` acknowledgement |
//! | `stats.rs` | the `stats()` snapshot |
//! | `sync.rs` | the mutex and atomics, replaced by loom's in the loom models |

use crate::capacity::Capacity;

mod ack;
mod buffer;
mod close;
mod recv;
mod rendezvous;
mod reserve;
mod select;
mod send;
mod stats;
mod sync;
mod token;
mod waiters;
mod wake;

pub(crate) use ack::{Ack, AckState, Item};
pub(crate) use close::WatchFor;
pub(crate) use recv::{Place, RecvWait};
pub(crate) use reserve::{ReserveWait, Reserved, TryReserve};
pub(crate) use select::{CaseRecv, CaseSend};
pub(crate) use send::{SendOp, SendOutcome};
pub use stats::Stats;
pub(crate) use token::{GiveUp, Look, Ticket, Token};
pub(crate) use waiters::Key;

use buffer::Buffer;
use sync::{Mutex, MutexGuard};
use waiters::{Line, Waiters};
use wake::{Panic, Wake};

/// The channel shared by all handles.
pub(crate) struct Chan<T> {
    /// The buffer and the bookkeeping.
    state: Mutex<State<T>>,
}

// A panic in user code cannot leave the channel inconsistent: no user code
// runs while the lock is held, so a handle used again after a caught panic
// sees a whole state. The lock is what would make these auto traits fail;
// tokio's and crossbeam's handles declare the same.
impl<T> std::panic::RefUnwindSafe for Chan<T> {}
impl<T> std::panic::UnwindSafe for Chan<T> {}
impl std::panic::RefUnwindSafe for Ack {}
impl std::panic::RefUnwindSafe for Token {}

/// Everything the lock guards.
struct State<T> {
    /// Buffered values, oldest first, and the acknowledgements of those a
    /// `deliver` sent. Holds more than the capacity only after a receiver
    /// that was handed a value went away and put it back at the front (on a
    /// rendezvous channel too, which otherwise buffers only what a permit
    /// sends while no receiver waits).
    ///
    /// Invariant: while a value is buffered, no live receiver waits (every
    /// path that adds a value hands it to the longest-waiting receiver
    /// first). The receive fast paths rely on it: they pop the buffer without
    /// looking at the receive line.
    buf: Buffer<T>,
    /// The admission rule.
    cap: Capacity,
    /// Set once, never cleared.
    closed: bool,
    /// Set by a `close_now` that found permits outstanding: their room was
    /// taken back (`reserved` set to 0) so that the channel could finish at
    /// once. Such a permit's `send` hands its value back instead of sending
    /// it, and its drop gives nothing back. A closed channel grants no
    /// permit, so every permit alive once this is set is revoked.
    permits_revoked: bool,
    /// Live `Sender` handles (weak senders not counted); 0 closes the
    /// channel. (`u32`, with `receivers`, to keep an idle channel small.)
    senders: u32,
    /// Live `Receiver` handles; 0 closes and empties the channel.
    receivers: u32,
    /// Slots promised: to outstanding permits (on a rendezvous channel,
    /// hand-offs promised against waiting receivers), and the `held_slots`.
    /// They count as occupied.
    reserved: usize,
    /// The part of `reserved` held by values a permit handed straight to a
    /// waiting receiver of a buffered channel, not taken yet: such a value
    /// keeps its permit's slot until taken, so that a sender waiting behind
    /// the permit does not move in ahead of the permit's later values.
    /// Outstanding permits are `reserved - held_slots`.
    held_slots: u32,
    /// Values handed to a waiting receiver's entry and not yet taken by it
    /// (each sits in an entry, so a `u32` counts them, as it counts the
    /// slab's slots).
    in_flight: u32,
    /// Waiting operations and their lines.
    waiters: Waiters<T>,
    /// Values that entered the channel, since creation.
    sent: u64,
    /// Values taken by receivers, since creation.
    received: u64,
}

/// The channel's lock, held.
type Guard<'a, T> = MutexGuard<'a, State<T>>;

impl<T> Chan<T> {
    /// A channel with one sender and one receiver handle counted.
    #[inline]
    pub(crate) fn new(cap: Capacity) -> Self {
        Chan {
            state: Mutex::new(State {
                buf: Buffer::new(),
                cap,
                closed: false,
                permits_revoked: false,
                senders: 1,
                receivers: 1,
                reserved: 0,
                held_slots: 0,
                in_flight: 0,
                waiters: Waiters::new(),
                sent: 0,
                received: 0,
            }),
        }
    }

    /// Locks the state.
    #[inline(always)]
    fn lock(&self) -> Guard<'_, T> {
        self.state.lock()
    }

    /// Releases the lock and runs the wake-ups; returns a waker's panic.
    #[inline(always)]
    fn release(&self, mut guard: Guard<'_, T>, mut wake: Wake) -> Option<Panic> {
        if wake.events && !guard.waiters.is_empty(Line::Watch) {
            guard.notify_watchers(&mut wake);
        }
        drop(guard);
        // Run in place: moving the `Wake` into `run` copied it, callgrind
        // showed, on every slow path.
        wake.run()
    }

    /// Releases the lock, then runs the wake-ups collected under it. A waker
    /// that panics does not stop the others; its panic is re-raised once all
    /// are woken. For critical sections that hand nothing to the caller.
    #[inline(always)]
    fn unlock(&self, guard: Guard<'_, T>, wake: Wake) {
        if let Some(p) = self.release(guard, wake) {
            wake::reraise(p);
        }
    }

    /// [`Chan::unlock`] for a critical section that hands a value back to
    /// its caller (a refused send, a permit's value nobody can receive, an
    /// immediate close): a waker's panic is contained, since re-raising it
    /// would lose the value on the way back.
    #[inline(always)]
    fn unlock_returning(&self, guard: Guard<'_, T>, wake: Wake) {
        drop(self.release(guard, wake));
    }

    /// [`Chan::unlock`] for a receive that took `item` out of the channel to
    /// return it. If a waker panics, the item goes back (to the next waiting
    /// receiver, or the front of the buffer) before the panic is re-raised:
    /// the caller never returns it, so it must not be lost with the unwinding.
    #[inline(always)]
    fn unlock_taking(&self, guard: Guard<'_, T>, wake: Wake, item: Item<T>) -> Item<T> {
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
        s.pass_on(item, false, &mut wake);
        // A second panicking waker adds nothing: the first is re-raised.
        drop(self.release(s, wake));
        std::panic::resume_unwind(p)
    }
}

// Introspection: one short critical section each, nothing run under it.
impl<T> Chan<T> {
    /// Whether the channel is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Whether the channel is closed and drained.
    pub(crate) fn is_finished(&self) -> bool {
        self.lock().is_finished()
    }

    /// The number of buffered values.
    pub(crate) fn len(&self) -> usize {
        self.lock().buf.len()
    }

    /// Whether the buffer holds as many values as the capacity.
    pub(crate) fn is_full(&self) -> bool {
        let s = self.lock();
        s.cap.is_full(s.buf.len())
    }

    /// The capacity: `Some(0)` for rendezvous, `None` for unbounded.
    pub(crate) fn capacity(&self) -> Option<usize> {
        // Fixed at creation; read under the lock like the rest.
        self.lock().cap.get()
    }

    /// Live `Sender` handles.
    pub(crate) fn sender_count(&self) -> usize {
        self.lock().senders as usize
    }

    /// Live `Receiver` handles.
    pub(crate) fn receiver_count(&self) -> usize {
        self.lock().receivers as usize
    }

    /// A consistent snapshot.
    pub(crate) fn stats(&self) -> Stats {
        let s = self.lock();
        Stats {
            buffered: s.buf.len(),
            capacity: s.cap.get(),
            senders: s.senders as usize,
            receivers: s.receivers as usize,
            waiting_senders: s.waiters.count(Line::Send),
            waiting_receivers: s.waiters.count(Line::Recv) + s.waiters.count(Line::Promised),
            sent: s.sent,
            received: s.received,
            closed: s.closed,
        }
    }

    /// The most values receivers can still get: `None` while the channel is
    /// open; once it is closed, what is buffered, in a receiver's hands or
    /// promised to a permit.
    pub(crate) fn remaining_bound(&self) -> Option<usize> {
        let s = self.lock();
        s.closed
            .then(|| s.buf.len() + s.in_flight as usize + (s.reserved - s.held_slots as usize))
    }
}

impl<T> State<T> {
    /// Closed, nothing buffered, nothing in a receiver's hands, no permit that
    /// could still add a value: nothing will ever be received again.
    #[inline]
    fn is_finished(&self) -> bool {
        self.closed && self.buf.is_empty() && self.in_flight == 0 && self.reserved == 0
    }

    /// A closed channel may just have finished: wake what waits for that.
    #[inline]
    fn settle_closed(&mut self, wake: &mut Wake) {
        if self.closed {
            self.close_receivers(wake);
            if self.is_finished() {
                wake.events = true;
            }
        }
    }
}
