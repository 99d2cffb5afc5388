//! The floor: a channel that pays the contract's three prices and nothing
//! else, so that gochan's cost can be read against it, row by row, in both
//! benches. Not a channel to use.
//!
//! # What it pays
//!
//! 1. **Tokio's coop budget**, charged as tokio's own channels charge it:
//!    every poll of a send or a receive starts with
//!    `tokio::task::coop::poll_proceed`, a completed one commits its unit
//!    (`made_progress`, then the guard is forgotten, as gochan does: once
//!    committed, its drop has nothing to do), and a poll that stays pending
//!    drops the guard, which gives the unit back. `try_send` and `try_recv`
//!    charge nothing. The `COOP` parameter switches the budget off
//!    (`COOP = false`), only to show what it costs.
//! 2. **First come, first served.** One `parking_lot::Mutex` over the whole
//!    state: a `VecDeque` buffer, the capacity (`usize::MAX`: unbounded;
//!    0: rendezvous), the sender count, and two FIFO lines of waiters, one of
//!    senders and one of receivers, threaded through a slab (a `Vec` of slots
//!    and a free list; doubly linked, so joining, serving and withdrawing
//!    are O(1)). A counterpart completes the longest-waiting waiter under the
//!    lock (Go's `sudog` design): a send that finds a receiver waiting moves
//!    its value straight into that receiver's slot and wakes it; a receive
//!    that takes a value from a full buffer moves the longest-waiting
//!    sender's value into the freed room and marks that send complete; on a
//!    rendezvous channel a receive takes the value straight from the
//!    longest-waiting sender and a send hands straight to the longest-waiting
//!    receiver, and nothing is buffered. So a woken task never competes with
//!    newcomers: room never looks free to a `try_send` (or a new `send`)
//!    while senders wait, and a value never looks available to a `try_recv`
//!    (or a new `recv`) while receivers wait.
//! 3. **No `unsafe`.** A woken future reads its result from its slot, under
//!    the lock, again: without `unsafe` the counterpart cannot write into the
//!    future's own memory.
//!
//! # What it keeps because correctness needs it
//!
//! The prices excuse nothing here, so the floor keeps: the `Future` contract
//! (a waiting future's waker is replaced when the task's changes, checked
//! with `will_wake`); wakers and withdrawn values dropped or woken only
//! after the lock is released; withdrawal without loss (a dropped receive
//! that was handed a value passes it to the next waiting receiver, or puts
//! it back at the front of the buffer; a dropped send that was completed
//! has sent, one that was not withdraws its value); and an honest end (the
//! last sender dropped closes the channel; receivers drain the buffer and
//! see the end only once nothing is buffered and no value sits in a waiting
//! receiver's slot, `in_flight`, which a withdrawal could still pass on).
//!
//! # What it leaves out
//!
//! Everything else gochan does: closing by hand, closing when the last
//! receiver goes (and dropping what is buffered then), `close_now`, `join`
//! and `closed`, select, permits and `reserve`, `deliver` acknowledgements,
//! `stats`, a cancel API that hands an unsent value back, the runtime check
//! of the blocking calls ([`block_on`] here just parks the thread), sinks
//! and streams, containment of panicking wakers and `Drop`s, and giving
//! memory back (the buffer and the slab only grow). A send cannot fail: its
//! future borrows a sender, so the channel cannot close while it waits, and
//! the output is `Result<(), Infallible>`.
//!
//! # Why it is a floor
//!
//! On every path, what it runs is the lock, the buffer or line operation
//! that first come, first served needs, the move of the value, the waker,
//! and the budget: a channel of this shape that pays the three prices runs
//! each of them (or an equivalent) too. So gochan's figure over the floor's
//! is what gochan spends on everything the floor leaves out, and on doing
//! the same things less directly. It is a floor of this shape (one lock, a
//! line per side), not a proof that no safe design can go lower. It is
//! written to be cheap, not only short: each poll tries the common case
//! first (no waiter, room or a value in the buffer) and inlines the rest,
//! and the withdrawals are `#[cold]`. Such choices move its counts, by up
//! to a fifth on a row: `#[inline(always)]` on the polls took `seq
//! bounded(1024) usize` from 217 to 178 instructions a message, but `seq
//! [u64; 32]` from 229 to 264 and the waiting rows up 4–7%; the combination
//! here is the lowest on the waiting rows.
//! [`self_test`] checks the behaviour the benches rely on; both benches run
//! it in their test mode (`cargo test --benches`).

// Each bench uses part of this module.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::{Mutex, MutexGuard};
use tokio::task::coop::RestoreOnPending;

/// A slot of the slab.
type Key = usize;
/// No slot: the end of a line or of the free list, a receive not waiting.
const NIL: Key = usize::MAX;
/// The line of waiting senders, in [`State::lines`].
const SENDERS: usize = 0;
/// The line of waiting receivers.
const RECEIVERS: usize = 1;

/// Where a waiting operation stands.
enum Status<T> {
    /// On the free list.
    Free,
    /// In the senders' line, holding its value.
    SendWaiting(T),
    /// In the receivers' line.
    RecvWaiting,
    /// Out of the line: a receive took the value (into the buffer, or out
    /// of the channel). The send is complete.
    Sent,
    /// Out of the line: a send handed this value over (counted in
    /// [`State::in_flight`] until the receive takes it or passes it on).
    Received(T),
    /// Out of the line: closed, and nothing will come.
    Closed,
}

/// An entry of the slab: a waiting (or just completed) operation.
struct Slot<T> {
    status: Status<T>,
    /// The task to wake; taken by the counterpart that completes the entry.
    waker: Option<Waker>,
    /// The neighbours in the line ([`NIL`] at the ends); `next` also links
    /// the free list.
    prev: Key,
    next: Key,
}

/// A FIFO line through the slab.
#[derive(Clone, Copy)]
struct Line {
    /// The longest-waiting entry.
    head: Key,
    /// The newest entry.
    tail: Key,
}

/// What the lock guards.
struct State<T> {
    buf: VecDeque<T>,
    /// `usize::MAX`: unbounded; 0: rendezvous.
    cap: usize,
    /// Live senders; 0 is closed (a clone needs a live sender, so it stays 0).
    senders: usize,
    /// Values handed to a waiting receive's slot and not yet taken.
    in_flight: usize,
    slots: Vec<Slot<T>>,
    /// The first free slot.
    free: Key,
    /// `[SENDERS, RECEIVERS]`.
    lines: [Line; 2],
}

type Chan<T> = Mutex<State<T>>;

impl<T> State<T> {
    /// Stores a waiting operation at the back of `line`.
    #[inline(always)]
    fn join(&mut self, line: usize, status: Status<T>, waker: Waker) -> Key {
        let tail = self.lines[line].tail;
        let key = if self.free == NIL {
            self.slots.push(Slot {
                status,
                waker: Some(waker),
                prev: tail,
                next: NIL,
            });
            self.slots.len() - 1
        } else {
            let key = self.free;
            let slot = &mut self.slots[key];
            self.free = slot.next;
            slot.status = status;
            slot.waker = Some(waker);
            slot.prev = tail;
            slot.next = NIL;
            key
        };
        match tail {
            NIL => self.lines[line].head = key,
            t => self.slots[t].next = key,
        }
        self.lines[line].tail = key;
        key
    }

    /// Takes the longest-waiting entry out of `line`.
    #[inline(always)]
    fn pop(&mut self, line: usize) -> Option<Key> {
        let key = self.lines[line].head;
        if key == NIL {
            return None;
        }
        let next = self.slots[key].next;
        self.lines[line].head = next;
        match next {
            NIL => self.lines[line].tail = NIL,
            n => self.slots[n].prev = NIL,
        }
        Some(key)
    }

    /// Takes `key` out of the middle of `line` (a withdrawal).
    fn unlink(&mut self, line: usize, key: Key) {
        let (prev, next) = (self.slots[key].prev, self.slots[key].next);
        match prev {
            NIL => self.lines[line].head = next,
            p => self.slots[p].next = next,
        }
        match next {
            NIL => self.lines[line].tail = prev,
            n => self.slots[n].prev = prev,
        }
    }

    /// Frees `key` (out of its line, if it still waits in one), returning
    /// what it held, to drop after the lock.
    #[inline(always)]
    fn free(&mut self, key: Key) -> (Status<T>, Option<Waker>) {
        let status = std::mem::replace(&mut self.slots[key].status, Status::Free);
        match status {
            Status::SendWaiting(_) => self.unlink(SENDERS, key),
            Status::RecvWaiting => self.unlink(RECEIVERS, key),
            _ => {}
        }
        let slot = &mut self.slots[key];
        let waker = slot.waker.take();
        slot.next = self.free;
        self.free = key;
        (status, waker)
    }

    /// Hands `v` to the waiting receive `key` (just popped from its line).
    #[inline(always)]
    fn hand(&mut self, key: Key, v: T) -> Option<Waker> {
        self.in_flight += 1;
        let slot = &mut self.slots[key];
        slot.status = Status::Received(v);
        slot.waker.take()
    }

    /// Completes the waiting send `key` (just popped from its line): its
    /// value, and its waker.
    #[inline(always)]
    fn complete_send(&mut self, key: Key) -> (T, Option<Waker>) {
        let slot = &mut self.slots[key];
        let Status::SendWaiting(v) = std::mem::replace(&mut slot.status, Status::Sent) else {
            unreachable!("a sender in line holds its value")
        };
        (v, slot.waker.take())
    }

    /// A value left the buffer: the room goes to the longest-waiting sender.
    /// (One value out frees one slot: one sender at most moves in.)
    #[inline(always)]
    fn refill(&mut self) -> Option<Waker> {
        if self.buf.len() < self.cap {
            if let Some(key) = self.pop(SENDERS) {
                let (v, w) = self.complete_send(key);
                self.buf.push_back(v);
                return w;
            }
        }
        None
    }

    /// Takes a value without waiting: the buffer's oldest (the room it frees
    /// goes to the longest-waiting sender), else the longest-waiting
    /// sender's (rendezvous: a sender waits with the buffer empty only
    /// there). A receiver waiting means nothing is buffered and no sender
    /// waits, so a newcomer takes nothing from it.
    #[inline(always)]
    fn take(&mut self) -> Option<(T, Option<Waker>)> {
        if let Some(v) = self.buf.pop_front() {
            return Some((v, self.refill()));
        }
        let key = self.pop(SENDERS)?;
        Some(self.complete_send(key))
    }

    /// Closed and nothing left for a receiver: none buffered, none in a
    /// receiver's slot.
    #[inline(always)]
    fn finished(&self) -> bool {
        self.senders == 0 && self.in_flight == 0 && self.buf.is_empty()
    }

    /// The channel is finished: every waiting receive sees the end.
    fn close_receivers(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        while let Some(key) = self.pop(RECEIVERS) {
            let slot = &mut self.slots[key];
            slot.status = Status::Closed;
            wakers.extend(slot.waker.take());
        }
        wakers
    }

    /// A receive went away holding `v`: to the next waiting receiver, else
    /// back to the front of the buffer (on a rendezvous channel too: it was
    /// sent, and must not be lost).
    fn pass_on(&mut self, v: T) -> Option<Waker> {
        self.in_flight -= 1;
        match self.pop(RECEIVERS) {
            Some(key) => self.hand(key, v),
            None => {
                self.buf.push_front(v);
                None
            }
        }
    }
}

/// Replaces a waiting entry's waker if the task's is another; the old one
/// is returned, to drop after the lock.
#[inline(always)]
fn refresh(slot: &mut Option<Waker>, cx: &Context<'_>) -> Option<Waker> {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => None,
        _ => slot.replace(cx.waker().clone()),
    }
}

/// The sending handle; the last one dropped closes the channel.
pub struct Tx<T, const COOP: bool>(Arc<Chan<T>>);
/// The receiving handle (not counted: the floor does not close when the
/// last one goes).
pub struct Rx<T, const COOP: bool>(Arc<Chan<T>>);

/// A channel of `cap` values (`usize::MAX`: unbounded; 0: rendezvous).
pub fn channel<T, const COOP: bool>(cap: usize) -> (Tx<T, COOP>, Rx<T, COOP>) {
    let chan = Arc::new(Mutex::new(State {
        buf: VecDeque::new(),
        cap,
        senders: 1,
        in_flight: 0,
        slots: Vec::new(),
        free: NIL,
        lines: [Line {
            head: NIL,
            tail: NIL,
        }; 2],
    }));
    (Tx(chan.clone()), Rx(chan))
}

impl<T, const COOP: bool> Clone for Tx<T, COOP> {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        Tx(self.0.clone())
    }
}

impl<T, const COOP: bool> Clone for Rx<T, COOP> {
    fn clone(&self) -> Self {
        Rx(self.0.clone())
    }
}

impl<T, const COOP: bool> Drop for Tx<T, COOP> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.senders -= 1;
        if s.finished() {
            close(s);
        }
    }
}

impl<T, const COOP: bool> Tx<T, COOP> {
    /// Sends, waiting in line while there is no room (rendezvous: no
    /// receiver waiting).
    pub fn send(&self, v: T) -> SendFut<'_, T, COOP> {
        SendFut {
            chan: &self.0,
            value: Some(v),
            key: NIL,
        }
    }

    /// Sends if that can happen now: to the longest-waiting receiver, else
    /// into free room. Senders waiting means no room: then it is `Err`.
    pub fn try_send(&self, v: T) -> Result<(), T> {
        let mut s = self.0.lock();
        if let Some(key) = s.pop(RECEIVERS) {
            let w = s.hand(key, v);
            drop(s);
            wake(w);
            return Ok(());
        }
        if s.buf.len() < s.cap {
            s.buf.push_back(v);
            return Ok(());
        }
        Err(v)
    }
}

impl<T, const COOP: bool> Rx<T, COOP> {
    /// Receives, waiting in line while there is nothing to take; `None` once
    /// the channel is closed and drained.
    pub fn recv(&self) -> RecvFut<'_, T, COOP> {
        RecvFut {
            chan: &self.0,
            key: NIL,
        }
    }

    /// Receives if a value is there for a newcomer (never one handed to a
    /// waiting receiver).
    pub fn try_recv(&self) -> Option<T> {
        let mut s = self.0.lock();
        let (v, w) = s.take()?;
        drop(s);
        wake(w);
        Some(v)
    }
}

/// A send. Dropped while it waits, it withdraws (its value is dropped);
/// dropped once a receiver completed it, it has sent.
pub struct SendFut<'a, T, const COOP: bool> {
    chan: &'a Chan<T>,
    /// The value, until it leaves (into the channel, or into the slot).
    value: Option<T>,
    /// The slot while it waits in line.
    key: Key,
}

// The value is never pinned: it moves into the channel by value.
impl<T, const COOP: bool> Unpin for SendFut<'_, T, COOP> {}

impl<T, const COOP: bool> Future for SendFut<'_, T, COOP> {
    type Output = Result<(), Infallible>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let coop = std::task::ready!(proceed::<COOP>(cx));
        let mut s = this.chan.lock();
        // The common case first: nobody to hand to, room in the buffer.
        if this.key == NIL && s.lines[RECEIVERS].head == NIL && s.buf.len() < s.cap {
            let v = this.value.take().expect("send polled after completion");
            s.buf.push_back(v);
            drop(s);
            commit(coop);
            return Poll::Ready(Ok(()));
        }
        this.poll_slow(s, cx, coop)
    }
}

impl<T, const COOP: bool> SendFut<'_, T, COOP> {
    /// The rest of a send's poll: hand to a waiting receiver, join the line,
    /// or look at the slot while in line.
    #[inline]
    fn poll_slow(
        &mut self,
        mut s: MutexGuard<'_, State<T>>,
        cx: &mut Context<'_>,
        coop: Option<RestoreOnPending>,
    ) -> Poll<Result<(), Infallible>> {
        let key = self.key;
        if key == NIL {
            let v = self.value.take().expect("send polled after completion");
            if let Some(key) = s.pop(RECEIVERS) {
                let w = s.hand(key, v);
                drop(s);
                wake(w);
            } else if s.buf.len() < s.cap {
                s.buf.push_back(v);
                drop(s);
            } else {
                self.key = s.join(SENDERS, Status::SendWaiting(v), cx.waker().clone());
                return Poll::Pending;
            }
            commit(coop);
            return Poll::Ready(Ok(()));
        }
        match s.slots[key].status {
            Status::Sent => {
                self.key = NIL;
                let (_, old) = s.free(key);
                drop(s);
                drop(old);
                commit(coop);
                Poll::Ready(Ok(()))
            }
            Status::SendWaiting(_) => {
                let old = refresh(&mut s.slots[key].waker, cx);
                drop(s);
                drop(old);
                Poll::Pending
            }
            _ => unreachable!("a send ends sent"),
        }
    }

    /// Withdraws a send dropped in line.
    #[cold]
    #[inline(never)]
    fn withdraw(&mut self) {
        let mut s = self.chan.lock();
        // `SendWaiting(v)`: withdrawn, `v` dropped after the lock; `Sent`:
        // it was sent.
        let left = s.free(self.key);
        drop(s);
        drop(left);
    }
}

impl<T, const COOP: bool> Drop for SendFut<'_, T, COOP> {
    #[inline]
    fn drop(&mut self) {
        if self.key != NIL {
            self.withdraw();
        }
    }
}

/// A receive. Dropped after a sender handed it a value, it passes the value
/// on.
pub struct RecvFut<'a, T, const COOP: bool> {
    chan: &'a Chan<T>,
    /// The slot while it waits ([`NIL`]: not waiting).
    key: Key,
}

impl<T, const COOP: bool> Future for RecvFut<'_, T, COOP> {
    type Output = Option<T>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(proceed::<COOP>(cx));
        let mut s = self.chan.lock();
        // The common case first: a value buffered, nobody to move in behind
        // it.
        if self.key == NIL && s.lines[SENDERS].head == NIL {
            if let Some(v) = s.buf.pop_front() {
                drop(s);
                commit(coop);
                return Poll::Ready(Some(v));
            }
        }
        self.poll_slow(s, cx, coop)
    }
}

impl<T, const COOP: bool> RecvFut<'_, T, COOP> {
    /// The rest of a receive's poll: take with a sender moving in, see the
    /// end, join the line, or look at the slot while in line.
    #[inline]
    fn poll_slow(
        &mut self,
        mut s: MutexGuard<'_, State<T>>,
        cx: &mut Context<'_>,
        coop: Option<RestoreOnPending>,
    ) -> Poll<Option<T>> {
        let key = self.key;
        if key == NIL {
            if let Some((v, w)) = s.take() {
                drop(s);
                wake(w);
                commit(coop);
                return Poll::Ready(Some(v));
            }
            if s.finished() {
                drop(s);
                commit(coop);
                return Poll::Ready(None);
            }
            self.key = s.join(RECEIVERS, Status::RecvWaiting, cx.waker().clone());
            return Poll::Pending;
        }
        match s.slots[key].status {
            Status::Received(_) => {
                self.key = NIL;
                let (Status::Received(v), old) = s.free(key) else {
                    unreachable!("matched above")
                };
                s.in_flight -= 1;
                if s.finished() {
                    close(s);
                } else {
                    drop(s);
                }
                drop(old);
                commit(coop);
                Poll::Ready(Some(v))
            }
            Status::Closed => {
                self.key = NIL;
                let left = s.free(key);
                drop(s);
                drop(left);
                commit(coop);
                Poll::Ready(None)
            }
            Status::RecvWaiting => {
                let old = refresh(&mut s.slots[key].waker, cx);
                drop(s);
                drop(old);
                Poll::Pending
            }
            _ => unreachable!("a receive ends received or closed"),
        }
    }

    /// Withdraws a receive dropped in line; a value it was handed goes on.
    #[cold]
    #[inline(never)]
    fn withdraw(&mut self) {
        let mut s = self.chan.lock();
        let (status, old) = s.free(self.key);
        let w = match status {
            Status::Received(v) => s.pass_on(v),
            _ => None,
        };
        drop(s);
        drop(old);
        wake(w);
    }
}

impl<T, const COOP: bool> Drop for RecvFut<'_, T, COOP> {
    #[inline]
    fn drop(&mut self) {
        if self.key != NIL {
            self.withdraw();
        }
    }
}

/// The channel is finished: every waiting receive sees the end, woken after
/// the lock is released.
#[cold]
#[inline(never)]
fn close<T>(mut s: MutexGuard<'_, State<T>>) {
    let wakers = s.close_receivers();
    drop(s);
    wakers.into_iter().for_each(Waker::wake);
}

/// Takes a unit of the task's coop budget (if `COOP`), or yields.
#[inline(always)]
fn proceed<const COOP: bool>(cx: &mut Context<'_>) -> Poll<Option<RestoreOnPending>> {
    if COOP {
        tokio::task::coop::poll_proceed(cx).map(Some)
    } else {
        Poll::Ready(None)
    }
}

/// Commits the unit of a completed operation. Once committed the guard has
/// nothing to restore, so it is forgotten (as gochan does: its drop is an
/// out-of-line call that would only find that out).
#[inline(always)]
fn commit(coop: Option<RestoreOnPending>) {
    if let Some(c) = coop {
        c.made_progress();
        std::mem::forget(c);
    }
}

/// Wakes `w`, if any (called after the lock is released).
#[inline(always)]
fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

/// Polls `fut` to completion on this (plain) thread, parking it between
/// polls: the floor's blocking calls, for the `blocking` row. Unlike
/// gochan's, it does not check that the thread is not driving async code.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    }
    let mut fut = std::pin::pin!(fut);
    WAKER.with(|waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    })
}

// ---------------------------------------------------------------------------
// The floor's own checks
// ---------------------------------------------------------------------------

/// Checks the behaviour the benches rely on, and panics if one fails:
/// messages counted, FIFO order of values, FIFO order among waiting senders
/// and among waiting receivers (no barging), rendezvous hand-off only,
/// withdrawal without loss, the end of the stream, and the coop charge.
/// Futures are polled by hand (`tokio_test::task`), then the channel is
/// stressed on a multi-thread runtime with withdrawals on both sides. Takes
/// well under a second. Uses payload types of its own (never `usize`), so
/// that the benches' instantiations, and the compiler's inlining decisions
/// for them, are the same with or without these checks.
pub fn self_test() {
    waiting_senders_in_order::<true>();
    waiting_senders_in_order::<false>();
    waiting_receivers_in_order::<true>();
    waiting_receivers_in_order::<false>();
    rendezvous_hands_off_only();
    withdrawn_receive_passes_its_value_on();
    end_of_stream();
    waker_is_replaced();
    coop_charge::<true>(1);
    coop_charge::<false>(0);
    values_in_order();
    stress();
}

use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready};

/// Polls a receive by hand until it completes (it must, at once).
fn recv_now<T, const COOP: bool>(rx: &Rx<T, COOP>) -> Option<T> {
    assert_ready!(spawn(rx.recv()).poll())
}

/// Room freed while senders wait goes to the longest-waiting one; a newcomer
/// (`try_send` or `send`) waits behind them; a withdrawn send leaves the
/// line and its value is not sent.
fn waiting_senders_in_order<const COOP: bool>() {
    let (tx, rx) = channel::<u32, COOP>(1);
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    let mut s3 = spawn(tx.send(3));
    let mut s4 = spawn(tx.send(4));
    for s in [&mut s1, &mut s2, &mut s3, &mut s4] {
        assert_pending!(s.poll());
    }
    assert_eq!(
        tx.try_send(9),
        Err(9),
        "try_send barged past waiting senders"
    );
    drop(s3); // withdrawn from the middle of the line: 3 is never sent
    assert_eq!(rx.try_recv(), Some(0));
    // The room went to s1 (its value is in the buffer), not to a newcomer.
    assert!(s1.is_woken() && !s2.is_woken() && !s4.is_woken());
    assert_eq!(
        tx.try_send(9),
        Err(9),
        "try_send took room given to a sender"
    );
    let mut s5 = spawn(tx.send(5));
    assert_pending!(s5.poll());
    assert_ready!(s1.poll()).unwrap();
    assert_eq!(recv_now(&rx), Some(1));
    // s2 was completed by that receive: dropped unpolled, it has sent.
    assert!(s2.is_woken());
    drop(s2);
    assert_eq!(recv_now(&rx), Some(2));
    assert_ready!(s4.poll()).unwrap();
    assert_eq!(rx.try_recv(), Some(4));
    assert_ready!(s5.poll()).unwrap();
    assert_eq!(rx.try_recv(), Some(5));
    assert_eq!(rx.try_recv(), None);
}

/// A value sent while receivers wait goes to the longest-waiting one, and
/// nobody else can take it in between.
fn waiting_receivers_in_order<const COOP: bool>() {
    let (tx, rx) = channel::<u32, COOP>(4);
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    let mut r3 = spawn(rx.recv());
    for r in [&mut r1, &mut r2, &mut r3] {
        assert_pending!(r.poll());
    }
    tx.try_send(10).unwrap();
    assert!(r1.is_woken() && !r2.is_woken());
    assert_eq!(
        rx.try_recv(),
        None,
        "try_recv took a value handed to a receiver"
    );
    let mut r4 = spawn(rx.recv());
    assert_pending!(r4.poll()); // behind r2 and r3
    assert_ready!(spawn(tx.send(11)).poll()).unwrap();
    tx.try_send(12).unwrap();
    tx.try_send(13).unwrap();
    tx.try_send(14).unwrap(); // nobody waits now: buffered
    assert_eq!(assert_ready!(r4.poll()), Some(13));
    assert_eq!(assert_ready!(r3.poll()), Some(12));
    assert_eq!(assert_ready!(r2.poll()), Some(11));
    assert_eq!(assert_ready!(r1.poll()), Some(10));
    assert_eq!(rx.try_recv(), Some(14));
    assert_eq!(rx.try_recv(), None);
}

/// On a rendezvous channel a send completes only by a hand-off: nothing is
/// buffered, a send with nobody receiving never completes, and a withdrawn
/// send sends nothing.
fn rendezvous_hands_off_only() {
    let (tx, rx) = channel::<u32, true>(0);
    assert_eq!(
        tx.try_send(1),
        Err(1),
        "rendezvous try_send with nobody waiting"
    );
    let mut s1 = spawn(tx.send(2));
    for _ in 0..3 {
        assert_pending!(s1.poll()); // nobody receiving: it never completes
    }
    assert_eq!(
        tx.try_send(3),
        Err(3),
        "rendezvous try_send behind a sender"
    );
    let mut s2 = spawn(tx.send(4));
    assert_pending!(s2.poll());
    let mut s3 = spawn(tx.send(0));
    assert_pending!(s3.poll());
    drop(s3); // withdrawn: 0 is never sent
              // A receive takes the value straight from the longest-waiting sender.
    assert_eq!(rx.try_recv(), Some(2));
    assert!(s1.is_woken() && !s2.is_woken());
    assert_ready!(s1.poll()).unwrap();
    assert_eq!(recv_now(&rx), Some(4));
    assert_ready!(s2.poll()).unwrap();
    assert_eq!(rx.try_recv(), None, "a rendezvous channel buffered a value");
    // A send to a waiting receiver completes at once; the next one waits for
    // a receiver of its own.
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    tx.try_send(5).unwrap();
    assert!(r.is_woken());
    let mut s4 = spawn(tx.send(6));
    assert_pending!(s4.poll());
    assert_eq!(assert_ready!(r.poll()), Some(5));
    assert_eq!(rx.try_recv(), Some(6));
    assert_ready!(s4.poll()).unwrap();
    assert_eq!(rx.try_recv(), None);
}

/// A receive dropped after a sender handed it a value passes the value on:
/// to the next waiting receiver, else to the front of the buffer.
fn withdrawn_receive_passes_its_value_on() {
    let (tx, rx) = channel::<u32, true>(2);
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    tx.try_send(1).unwrap(); // to r1
    drop(r1);
    assert!(r2.is_woken(), "a withdrawn receive kept its value");
    assert_eq!(assert_ready!(r2.poll()), Some(1));
    // Nobody else waiting: back to the front, before what came after it.
    let mut r3 = spawn(rx.recv());
    assert_pending!(r3.poll());
    tx.try_send(5).unwrap(); // to r3
    tx.try_send(6).unwrap(); // buffered
    drop(r3);
    assert_eq!(rx.try_recv(), Some(5));
    assert_eq!(rx.try_recv(), Some(6));
    assert_eq!(rx.try_recv(), None);
    // A receive withdrawn before it was handed anything just leaves the line.
    let mut r4 = spawn(rx.recv());
    let mut r5 = spawn(rx.recv());
    assert_pending!(r4.poll());
    assert_pending!(r5.poll());
    drop(r4);
    tx.try_send(7).unwrap();
    assert_eq!(assert_ready!(r5.poll()), Some(7));
    // On a rendezvous channel too: the value was sent and must not be lost.
    let (tx, rx) = channel::<u32, true>(0);
    let mut r6 = spawn(rx.recv());
    assert_pending!(r6.poll());
    let mut s = spawn(tx.send(8));
    assert_ready!(s.poll()).unwrap(); // handed to r6
    drop(r6);
    assert_eq!(rx.try_recv(), Some(8));
    assert_eq!(rx.try_recv(), None);
}

/// The last sender closes; receivers drain what is buffered, and see the
/// end only once no value is left anywhere, not even in the slot of a
/// waiting receive (which could still pass it on).
fn end_of_stream() {
    let (tx, rx) = channel::<u32, true>(usize::MAX);
    let tx2 = tx.clone();
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    drop(tx);
    assert!(!r.is_woken(), "closed with a sender left");
    assert_pending!(r.poll());
    drop(tx2);
    assert!(r.is_woken());
    assert_eq!(assert_ready!(r.poll()), None);

    let (tx, rx) = channel::<u32, true>(4);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    drop(tx);
    assert_eq!(recv_now(&rx), Some(1));
    assert_eq!(recv_now(&rx), Some(2));
    assert_eq!(recv_now(&rx), None);
    assert_eq!(recv_now(&rx), None);

    // r1 holds a value when the last sender goes: r2 keeps waiting, and gets
    // the value if r1 is withdrawn.
    let (tx, rx) = channel::<u32, true>(1);
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    tx.try_send(3).unwrap();
    drop(tx);
    assert!(!r2.is_woken(), "the end seen while a value is in flight");
    assert_pending!(r2.poll());
    drop(r1);
    assert_eq!(assert_ready!(r2.poll()), Some(3));
    assert_eq!(recv_now(&rx), None);

    // ... or sees the end once r1 takes it.
    let (tx, rx) = channel::<u32, true>(0);
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    tx.try_send(4).unwrap();
    drop(tx);
    assert_pending!(r2.poll());
    assert_eq!(assert_ready!(r1.poll()), Some(4));
    assert!(r2.is_woken());
    assert_eq!(assert_ready!(r2.poll()), None);
}

/// A waker that counts its wakes.
struct Count(std::sync::atomic::AtomicUsize);

impl std::task::Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A waiting future polled again by another task wakes that task, not the
/// first one (the waker is replaced unless `will_wake`).
fn waker_is_replaced() {
    let wakes = |c: &Arc<Count>| c.0.load(std::sync::atomic::Ordering::Relaxed);
    let (a, b) = (Arc::new(Count(0.into())), Arc::new(Count(0.into())));
    let (wa, wb) = (Waker::from(a.clone()), Waker::from(b.clone()));
    let (mut ca, mut cb) = (Context::from_waker(&wa), Context::from_waker(&wb));
    let (tx, rx) = channel::<u32, true>(0);
    let mut recv = rx.recv();
    assert!(Pin::new(&mut recv).poll(&mut ca).is_pending());
    assert!(Pin::new(&mut recv).poll(&mut cb).is_pending());
    assert!(Pin::new(&mut tx.send(1)).poll(&mut ca).is_ready());
    assert_eq!(
        (wakes(&a), wakes(&b)),
        (0, 1),
        "a receive woke its old waker"
    );
    assert_eq!(Pin::new(&mut recv).poll(&mut cb), Poll::Ready(Some(1)));
    let mut send = tx.send(2);
    assert!(Pin::new(&mut send).poll(&mut ca).is_pending());
    assert!(Pin::new(&mut send).poll(&mut cb).is_pending());
    assert_eq!(rx.try_recv(), Some(2));
    assert_eq!((wakes(&a), wakes(&b)), (0, 2), "a send woke its old waker");
    assert!(Pin::new(&mut send).poll(&mut cb).is_ready());
}

/// The coop units left in the current task's budget: spent one by one, then
/// all given back (dropping the first guard restores the budget as it was).
/// `None`: unconstrained.
fn budget_left() -> Option<usize> {
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready(first) = tokio::task::coop::poll_proceed(&mut cx) else {
        return Some(0);
    };
    let mut left = 1;
    while let Poll::Ready(unit) = tokio::task::coop::poll_proceed(&mut cx) {
        unit.made_progress();
        left += 1;
        if left > 1000 {
            return None;
        }
    }
    drop(first);
    Some(left)
}

/// Polls `fut` once; whether it completed.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> bool {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *fut).poll(cx).is_ready())).await
}

/// One unit per completed send or receive (`unit` = 0 without the budget),
/// none for a pending poll or a `try_` call; an exhausted budget makes even
/// a ready operation yield.
fn coop_charge<const COOP: bool>(unit: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        tokio::spawn(async move {
            let (tx, rx) = channel::<u32, COOP>(8);
            let before = budget_left().expect("a task has a budget");
            for i in 0..3 {
                tx.send(i).await.unwrap();
            }
            assert_eq!(budget_left(), Some(before - 3 * unit));
            for i in 0..3 {
                assert_eq!(rx.recv().await, Some(i));
            }
            assert_eq!(budget_left(), Some(before - 6 * unit));
            tx.try_send(1).unwrap();
            assert_eq!(rx.try_recv(), Some(1));
            assert_eq!(rx.try_recv(), None);
            assert_eq!(budget_left(), Some(before - 6 * unit));

            let (tx0, rx0) = channel::<u32, COOP>(0);
            let mut send = tx0.send(7);
            let mut recv = rx0.recv();
            for _ in 0..5 {
                assert!(!poll_once(&mut send).await);
            }
            assert_eq!(
                budget_left(),
                Some(before - 6 * unit),
                "a pending poll spent"
            );
            assert_eq!(rx0.try_recv(), Some(7));
            assert!(poll_once(&mut send).await);
            assert!(!poll_once(&mut recv).await);
            assert_eq!(budget_left(), Some(before - 7 * unit));
            drop(recv);
        })
        .await
        .expect("coop task");
        // A fresh task: count ready receives until the budget makes one yield.
        tokio::spawn(async move {
            let (tx, rx) = channel::<u32, COOP>(usize::MAX);
            for i in 0..1000 {
                tx.try_send(i).unwrap();
            }
            let before = budget_left().expect("a task has a budget");
            let mut done = 0;
            while done < 1000 && poll_once(&mut rx.recv()).await {
                done += 1;
            }
            let want = if COOP { before } else { 1000 };
            assert_eq!(done, want, "ready receives before the budget yields");
        })
        .await
        .expect("coop task");
    });
}

/// A multi-thread runtime of two workers, with a timer.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Every kind the benches use.
const KINDS: [usize; 5] = [0, 1, 2, 8, usize::MAX];

/// Fails a lost wake-up (or a deadlock) instead of hanging.
async fn deadline<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(std::time::Duration::from_secs(20), f)
        .await
        .unwrap_or_else(|_| panic!("floor: {what} not done in 20 s: a lost wake-up?"))
}

/// Values arrive in the order they were sent, every one, on every kind:
/// one producer to one consumer, and three producers to three consumers
/// (each consumer sees each producer's values in order).
fn values_in_order() {
    runtime().block_on(deadline("values_in_order", async {
        for cap in KINDS {
            let (tx, rx) = channel::<u32, true>(cap);
            let consumer = tokio::spawn(async move {
                let mut got = 0;
                while let Some(v) = rx.recv().await {
                    assert_eq!(v, got, "floor: out of order on capacity {cap}");
                    got += 1;
                }
                got
            });
            for i in 0..2000 {
                tx.send(i).await.unwrap();
            }
            drop(tx);
            assert_eq!(consumer.await.unwrap(), 2000, "floor: count on {cap}");

            let (tx, rx) = channel::<(u8, u32), true>(cap);
            let consumers: Vec<_> = (0..3)
                .map(|_| {
                    let rx = rx.clone();
                    tokio::spawn(async move {
                        let mut last = [None; 3];
                        let mut got = 0u32;
                        while let Some((p, v)) = rx.recv().await {
                            let p = p as usize;
                            assert!(last[p] < Some(v), "floor: producer {p} out of order");
                            last[p] = Some(v);
                            got += 1;
                        }
                        got
                    })
                })
                .collect();
            drop(rx);
            let producers: Vec<_> = (0..3u8)
                .map(|p| {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..1000 {
                            tx.send((p, i)).await.unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            for p in producers {
                p.await.unwrap();
            }
            let mut got = 0;
            for c in consumers {
                got += c.await.unwrap();
            }
            assert_eq!(got, 3000, "floor: mpmc count on capacity {cap}");
        }
    }));
}

/// A value that counts its drop (unless received).
struct Tracked {
    id: u32,
    dropped: Option<Arc<std::sync::atomic::AtomicU32>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(d) = &self.dropped {
            d.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Four producers and three consumers on two threads, each operation
/// withdrawn as soon as it has waited a little (a `select!` against a
/// yield): every value is received exactly once or, if its send was
/// withdrawn before it completed, dropped; nothing is lost or duplicated.
fn stress() {
    use std::sync::atomic::{AtomicU32, Ordering};
    runtime().block_on(deadline("stress", async {
        for cap in KINDS {
            let dropped = Arc::new(AtomicU32::new(0));
            let (tx, rx) = channel::<Tracked, true>(cap);
            let consumers: Vec<_> = (0..3)
                .map(|_| {
                    let rx = rx.clone();
                    tokio::spawn(async move {
                        let mut ids = Vec::new();
                        loop {
                            tokio::select! {
                                biased;
                                v = rx.recv() => match v {
                                    Some(mut v) => {
                                        v.dropped = None;
                                        ids.push(v.id);
                                    }
                                    None => break,
                                },
                                () = tokio::task::yield_now() => {}
                            }
                        }
                        ids
                    })
                })
                .collect();
            drop(rx);
            let producers: Vec<_> = (0..4u32)
                .map(|p| {
                    let tx = tx.clone();
                    let dropped = dropped.clone();
                    tokio::spawn(async move {
                        for i in 0..500 {
                            let v = Tracked {
                                id: p * 500 + i,
                                dropped: Some(dropped.clone()),
                            };
                            tokio::select! {
                                biased;
                                r = tx.send(v) => r.unwrap(),
                                () = tokio::task::yield_now() => {}
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            for p in producers {
                p.await.unwrap();
            }
            let mut ids = Vec::new();
            for c in consumers {
                ids.extend(c.await.unwrap());
            }
            let received = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(
                ids.len(),
                received,
                "floor: a value received twice on {cap}"
            );
            let dropped = dropped.load(Ordering::Relaxed) as usize;
            assert_eq!(
                received + dropped,
                2000,
                "floor: values lost on capacity {cap}"
            );
        }
    }));
}
