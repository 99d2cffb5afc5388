//! The shared engine: the channel's state, its lock and every transition.
//!
//! One mutex (`parking_lot`'s) guards the buffer and the bookkeeping; the
//! select tokens and the `deliver` acknowledgements defined here have small
//! locks of their own. This module is the only code that takes any of them:
//! [`Chan::lock`], [`Chan::with`] and the unlock helpers are private to it,
//! and the handles, futures, permits, sinks and select cases
//! (`sender.rs`, `receiver.rs`, `future.rs`, `permit.rs`, `sink.rs`,
//! `select.rs`) call its `pub(crate)` methods, one per operation. (The
//! dynamic `Select` keeps each case behind a mutex of its own, shared with
//! the case's typed handle; that lock guards no channel state and is taken
//! only by the select's owner.)
//!
//! Tasks that must wait get an entry in a small slab inside the state, and
//! their key joins the line of waiting senders, of waiting receivers, or of
//! `closed()`/`join()` watchers (lines threaded through the slab, so a waiter
//! leaves in O(1) whatever the number of others). A counterpart that arrives later
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
//!
//! # Where each part lives
//!
//! | file | part |
//! |---|---|
//! | `mod.rs` | [`Chan`]: the lock, close and immediate close, handle counts |
//! | `state.rs` | [`State`]: the buffer and the bookkeeping under the lock, and their transitions |
//! | `ops.rs` | the drivers the futures and handles call: send, receive, withdraw, watch |
//! | `waiters.rs` | the waiter registry: entries and the send, receive and watch lines |
//! | `wake.rs` | wake-ups run after the lock, and containment of panics in user code |
//! | `token.rs` | the select token: exactly one case of a select happens |
//! | `ack.rs` | items and the `deliver` acknowledgement |
//! | `stats.rs` | the `stats()` snapshot |

use std::collections::VecDeque;
use std::task::{Context, Poll};

use crate::capacity::Capacity;

mod ack;
mod ops;
mod state;
mod stats;
mod token;
mod waiters;
mod wake;

pub(crate) use ack::{Ack, AckState, Item};
pub(crate) use ops::{polled_after_end, Registration, SelectRecv, SelectSend, SendState};
pub(crate) use state::State;
use state::StateGuard;
pub use stats::Stats;
pub(crate) use token::{Sel, Token};
pub(crate) use waiters::Key;
use wake::Wake;

use ops::Watch;
use waiters::{Line, Waiters};
use wake::{guarded, reraise, Panic};

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
    fn lock(&self) -> StateGuard<'_, T> {
        self.state.lock()
    }

    /// Releases the lock, then runs the wake-ups collected under it. A
    /// waker that panics does not stop the others; its panic is re-raised
    /// once all are woken.
    #[inline(always)]
    fn unlock(&self, guard: StateGuard<'_, T>, wake: Wake) {
        if let Some(p) = self.release(guard, wake) {
            reraise(p);
        }
    }

    /// Releases the lock and runs the wake-ups; returns a waker's panic.
    #[inline(always)]
    fn release(&self, mut guard: StateGuard<'_, T>, mut wake: Wake) -> Option<Panic> {
        if wake.events && guard.waiters.len(Line::Watch) > 0 {
            guard.notify_watchers(&mut wake);
        }
        drop(guard);
        wake.run()
    }

    /// [`Chan::unlock`] for a receive that took `item` out of the channel to
    /// return it. If a waker panics, the item goes back (to the next waiting
    /// receiver, or the front of the buffer) before the panic is re-raised:
    /// the caller never returns it, so it must not be lost with the unwinding.
    #[inline(always)]
    fn unlock_taking(&self, guard: StateGuard<'_, T>, wake: Wake, item: Item<T>) -> Item<T> {
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
    fn with<R>(&self, f: impl FnOnce(&mut State<T>, &mut Wake) -> R) -> R {
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
        wake.events = true;
        if s.is_empty_buffer() {
            // The common end of a channel: nothing left to drop.
            self.unlock(s, wake);
            return;
        }
        let items = s.drain();
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
            crate::coop::made_progress(coop);
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
