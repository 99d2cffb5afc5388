//! Property tests against a sequential model.
//!
//! Random sequences of operations run single-threaded on a real channel and on
//! a plain model of it (a `VecDeque`, a closed flag, handle counts and FIFO
//! queues of waiting futures), and every result and every observable must
//! match after every step.
//!
//! * `handles_match_model`: `try_send`, `try_recv`, `close`, `close_now`,
//!   cloning and dropping senders, receivers and weak senders, and every query
//!   (`len`, `is_empty`, `is_full`, `is_closed`, `is_finished`, `capacity`,
//!   the counts and `stats`), on `bounded(0..4)` (0 is rendezvous) and
//!   `unbounded`.
//! * `waiters_match_model`: the same plus hand-polled `send`, `deliver`, `recv`,
//!   `recv_many` and stream futures (`tokio_test::task::spawn`), cancelled and
//!   dropped at random: first-come-first-served service, no barging, hand-off
//!   on cancel, a stream waiting in line like `recv` (its place and any value
//!   handed to it kept by the handle, passed on when the handle drops), `deliver`
//!   acknowledgements, and that a future the model says is done was woken.
//! * `waiters_with_reserve_match_model`: the same with `reserve` and permits.
//!
//! Values carry a shared live counter, so a leak or a lost value shows up as a
//! count that differs from the model's, after every step.
//!
//! `PROPTEST_CASES` sets the number of cases (default 1000).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;

use gochan::{
    DeliverError, DeliverFuture, Permit, Receiver, RecvError, RecvFuture, ReserveFuture, SendError,
    SendFuture, Sender, TryRecvError, TrySendError, WeakSender,
};
use proptest::prelude::*;
use tokio_test::task::{spawn, Spawn};

/// Cases per property: `PROPTEST_CASES` if set, else 1000.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

// ---------------------------------------------------------------------------
// Values that count how many are alive
// ---------------------------------------------------------------------------

/// A value with an id; alive values are counted in `live`.
struct V {
    id: u32,
    live: Arc<AtomicUsize>,
}

impl V {
    fn new(id: u32, live: &Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, SeqCst);
        V {
            id,
            live: live.clone(),
        }
    }
}

impl Drop for V {
    fn drop(&mut self) {
        self.live.fetch_sub(1, SeqCst);
    }
}

impl std::fmt::Debug for V {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "V({})", self.id)
    }
}

fn ids(vs: Vec<V>) -> Vec<u32> {
    vs.iter().map(|v| v.id).collect()
}

/// The capacities under test: `Some(0..4)` (0 is rendezvous), `None` unbounded.
fn capacity() -> impl Strategy<Value = Option<usize>> {
    prop_oneof![3 => (0..4usize).prop_map(Some), 1 => Just(None)]
}

fn make(cap: Option<usize>) -> (Sender<V>, Receiver<V>) {
    match cap {
        Some(0) => gochan::rendezvous(),
        Some(n) => gochan::bounded(n),
        None => gochan::unbounded(),
    }
}

// ---------------------------------------------------------------------------
// The model of the buffer
// ---------------------------------------------------------------------------

/// What `try_send` and the first poll of a send do.
#[derive(Debug, PartialEq, Eq)]
enum Offer {
    Ok,
    Full(u32),
    Closed(u32),
}

/// What `try_recv` and the first poll of a receive do.
#[derive(Debug, PartialEq, Eq)]
enum Take {
    Got(u32),
    Empty,
    Closed,
}

/// Where a hand-polled future (or the stream's registration) stands in the
/// model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    /// In the send queue with its value.
    SendWaiting(u32),
    /// Its value entered the channel.
    Sent,
    /// The channel closed while it waited; its value comes back.
    SendClosed(u32),
    /// A `reserve` in the send queue.
    ReserveWaiting,
    /// A `reserve` was granted room while it waited.
    Granted,
    /// The channel closed while a `reserve` waited.
    ReserveClosed,
    /// In the receive queue.
    RecvWaiting,
    /// A sender handed it this value; in flight until taken or passed on.
    /// `true`: a permit handed it on a buffered channel, and the slot stays
    /// taken until the value is.
    RecvGot(u32, bool),
    /// Closed and drained while it waited.
    RecvClosed,
    /// The stream's place, whose held value was passed on (or which the
    /// close spent): its next poll starts afresh.
    Passed,
}

/// What became of a `deliver`'s value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ack {
    Pending,
    Delivered,
    Undelivered,
}

/// The sequential model: the semantics docs/design.md promises, written
/// plainly.
#[derive(Debug, Default)]
struct Model {
    /// `None`: unbounded.
    cap: Option<usize>,
    buf: VecDeque<u32>,
    closed: bool,
    senders: usize,
    receivers: usize,
    /// Values handed to a waiting receiver and not yet taken by it.
    in_flight: usize,
    /// Room promised to permits (granted reservations).
    reserved: usize,
    /// Slots held by values a permit handed straight to a waiting receiver
    /// (buffered channels), until they are taken.
    held_slots: usize,
    /// Set by a `close_now` that found permits outstanding: they are revoked.
    revoked: bool,
    sent: u64,
    received: u64,
    /// Waiting senders and reservations, and waiting receivers and streams,
    /// longest-waiting first (future ids).
    send_q: VecDeque<usize>,
    recv_q: VecDeque<usize>,
    /// Handle places (the stream's) holding a value nobody took yet, oldest
    /// first.
    held: VecDeque<usize>,
    /// Which future ids are a handle's place rather than a future.
    handles: std::collections::HashSet<usize>,
    /// Every hand-polled future's state, by id.
    futs: HashMap<usize, St>,
    /// `deliver` acknowledgements, by value.
    acks: HashMap<u32, Ack>,
}

impl Model {
    fn new(cap: Option<usize>) -> Self {
        Model {
            cap,
            senders: 1,
            receivers: 1,
            ..Model::default()
        }
    }

    fn rendezvous(&self) -> bool {
        self.cap == Some(0)
    }

    /// Slots taken: buffered values, permits, slots held by a permit's
    /// hand-off.
    fn occupied(&self) -> usize {
        self.buf.len() + self.reserved + self.held_slots
    }

    /// Room for one more value (the send line aside).
    fn fits(&self) -> bool {
        self.cap.is_none_or(|c| self.occupied() < c)
    }

    /// Room for a new send: on an unbounded channel, nobody waiting ahead.
    fn room(&self) -> bool {
        match self.cap {
            Some(_) => self.fits(),
            None => self.send_q.is_empty(),
        }
    }

    /// Free slots for permits.
    fn free_permits(&self) -> usize {
        match self.cap {
            Some(c) => c.saturating_sub(self.occupied()),
            None => usize::MAX - self.reserved,
        }
    }

    /// Waiting receivers no permit is promised to (rendezvous).
    fn free_receivers(&self) -> usize {
        self.recv_q.len().saturating_sub(self.reserved)
    }

    /// The buffer alone: permits' room is not counted (`len` does not count
    /// it either).
    fn is_full(&self) -> bool {
        self.cap.is_some_and(|c| self.buf.len() >= c)
    }

    fn is_finished(&self) -> bool {
        self.closed && self.buf.is_empty() && self.in_flight == 0 && self.reserved == 0
    }

    fn ack(&mut self, v: u32, a: Ack) {
        if let Some(ack) = self.acks.get_mut(&v) {
            if *ack == Ack::Pending {
                *ack = a;
            }
        }
    }

    /// The longest-waiting receiver, out of the line. On a closed channel a
    /// handle's place is spent instead of handed a value.
    fn pop_receiver(&mut self) -> Option<usize> {
        while let Some(fid) = self.recv_q.pop_front() {
            if self.closed && self.handles.contains(&fid) {
                self.futs.insert(fid, St::Passed);
                continue;
            }
            return Some(fid);
        }
        None
    }

    /// Hands `v` to receiver `fid`.
    fn hand_to(&mut self, fid: usize, v: u32, slot: bool) {
        assert_eq!(
            self.futs[&fid],
            St::RecvWaiting,
            "{fid} in the receive queue"
        );
        self.futs.insert(fid, St::RecvGot(v, slot));
        self.in_flight += 1;
        if slot {
            self.held_slots += 1;
        }
        if self.handles.contains(&fid) {
            self.held.push_back(fid);
        }
    }

    /// Hands `v` to the longest-waiting receiver, if any.
    fn hand(&mut self, v: u32, slot: bool) -> bool {
        match self.pop_receiver() {
            Some(fid) => {
                self.hand_to(fid, v, slot);
                true
            }
            None => false,
        }
    }

    /// A send that does not wait: to the longest-waiting receiver if nobody
    /// waits to send ahead (and, on a rendezvous channel, a receiver is not
    /// promised to a permit), else into the buffer if there is room.
    fn offer(&mut self, v: u32) -> Offer {
        if self.closed {
            return Offer::Closed(v);
        }
        let promised = self.rendezvous() && self.reserved > 0 && self.free_receivers() == 0;
        if self.send_q.is_empty() && !promised && self.hand(v, false) {
            self.sent += 1;
            return Offer::Ok;
        }
        if self.room() {
            self.buf.push_back(v);
            self.sent += 1;
            return Offer::Ok;
        }
        Offer::Full(v)
    }

    /// A receive that does not wait: from the buffer (then waiting senders
    /// move in), else on a rendezvous channel from the head of the send line
    /// if it is a send and no permit is promised.
    fn take(&mut self) -> Take {
        if let Some(v) = self.buf.pop_front() {
            self.received += 1;
            self.settle();
            self.ack(v, Ack::Delivered);
            return Take::Got(v);
        }
        if self.rendezvous() && self.reserved == 0 {
            if let Some(&fid) = self.send_q.front() {
                if let St::SendWaiting(v) = self.futs[&fid] {
                    self.send_q.pop_front();
                    self.futs.insert(fid, St::Sent);
                    self.sent += 1;
                    self.received += 1;
                    self.ack(v, Ack::Delivered);
                    return Take::Got(v);
                }
            }
        }
        if self.is_finished() {
            Take::Closed
        } else {
            Take::Empty
        }
    }

    /// A receiver that would otherwise wait takes over a value the stream's
    /// place holds.
    fn steal(&mut self) -> Option<u32> {
        let fid = self.held.pop_front()?;
        let St::RecvGot(v, slot) = self.futs[&fid] else {
            unreachable!("held place {fid} holds no value")
        };
        self.futs.insert(fid, St::Passed);
        self.took_received(v, slot);
        Some(v)
    }

    /// Room was freed or a promise settled: buffered channels move waiting
    /// senders in and grant waiting reservations in line order; rendezvous
    /// channels pair the line's head with free receivers.
    fn settle(&mut self) {
        if self.rendezvous() {
            return self.match_rendezvous();
        }
        while let Some(&fid) = self.send_q.front() {
            match self.futs[&fid] {
                St::SendWaiting(v) => {
                    if !self.fits() {
                        return;
                    }
                    self.send_q.pop_front();
                    self.futs.insert(fid, St::Sent);
                    self.sent += 1;
                    if !self.hand(v, false) {
                        self.buf.push_back(v);
                    }
                }
                St::ReserveWaiting => {
                    if self.free_permits() == 0 {
                        return;
                    }
                    self.send_q.pop_front();
                    self.futs.insert(fid, St::Granted);
                    self.reserved += 1;
                }
                st => unreachable!("{st:?} in the send queue"),
            }
        }
    }

    /// Rendezvous: the send line's head goes while free receivers wait.
    fn match_rendezvous(&mut self) {
        while let Some(&fid) = self.send_q.front() {
            if self.free_receivers() == 0 {
                return;
            }
            self.send_q.pop_front();
            match self.futs[&fid] {
                St::SendWaiting(v) => {
                    self.futs.insert(fid, St::Sent);
                    self.sent += 1;
                    assert!(self.hand(v, false), "a free receiver waits");
                }
                St::ReserveWaiting => {
                    self.futs.insert(fid, St::Granted);
                    self.reserved += 1;
                }
                st => unreachable!("{st:?} in the send queue"),
            }
        }
    }

    /// A receive or stream starts waiting.
    fn push_receiver(&mut self, fid: usize) {
        self.futs.insert(fid, St::RecvWaiting);
        self.recv_q.push_back(fid);
        if self.rendezvous() {
            self.match_rendezvous();
        }
    }

    /// `reserve` without waiting: `Some(true)` granted, `Some(false)` closed,
    /// `None` must wait. Waiting senders go first.
    fn try_reserve(&mut self) -> Option<bool> {
        if self.closed {
            return Some(false);
        }
        if !self.send_q.is_empty() {
            return None;
        }
        let free = if self.rendezvous() {
            self.free_receivers()
        } else {
            self.free_permits()
        };
        if free > 0 {
            self.reserved += 1;
            return Some(true);
        }
        None
    }

    /// A permit sends: to the longest-waiting receiver, else into the buffer;
    /// `false` (the value comes back) once `close_now` revoked the permits.
    fn permit_send(&mut self, v: u32) -> bool {
        if self.revoked {
            return false;
        }
        self.reserved -= 1;
        let slot = self.cap.is_some_and(|c| c > 0);
        if self.hand(v, slot) {
            self.sent += 1;
        } else {
            self.buf.push_back(v);
            self.sent += 1;
        }
        if self.rendezvous() {
            self.match_rendezvous();
        }
        self.settle_closed();
        true
    }

    /// A permit (or a granted, unpolled reserve) gives its room back.
    fn release_reserved(&mut self) {
        if self.revoked {
            return;
        }
        self.reserved -= 1;
        self.settle();
        self.settle_closed();
    }

    fn settle_closed(&mut self) {
        if self.closed {
            self.close_receivers();
        }
    }

    fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        while let Some(fid) = self.send_q.pop_front() {
            let st = match self.futs[&fid] {
                St::SendWaiting(v) => St::SendClosed(v),
                St::ReserveWaiting => St::ReserveClosed,
                st => unreachable!("{st:?} in the send queue"),
            };
            self.futs.insert(fid, st);
        }
        // Held values go to waiting receivers, the rest to the buffer's front.
        while let Some(&fid) = self.held.front() {
            let Some(to) = self.pop_receiver() else {
                break;
            };
            self.held.pop_front();
            let St::RecvGot(v, slot) = self.futs[&fid] else {
                unreachable!()
            };
            self.futs.insert(fid, St::Passed);
            self.in_flight -= 1;
            if slot {
                self.held_slots -= 1;
            }
            self.hand_to(to, v, slot);
        }
        while let Some(fid) = self.held.pop_back() {
            let St::RecvGot(v, slot) = self.futs[&fid] else {
                unreachable!()
            };
            self.futs.insert(fid, St::Passed);
            self.in_flight -= 1;
            if slot {
                self.held_slots -= 1;
            }
            self.buf.push_front(v);
        }
        self.close_receivers();
        true
    }

    fn close_receivers(&mut self) {
        if self.is_finished() {
            while let Some(fid) = self.recv_q.pop_front() {
                self.futs.insert(fid, St::RecvClosed);
            }
        }
    }

    fn close_now(&mut self) -> Vec<u32> {
        self.close();
        let vals: Vec<u32> = self.buf.drain(..).collect();
        for &v in &vals {
            self.ack(v, Ack::Undelivered);
        }
        // An immediate close takes the permits' room back: the channel
        // finishes now, and their values come back from `send`.
        if self.reserved > 0 {
            self.reserved = 0;
            self.revoked = true;
        }
        self.close_receivers();
        vals
    }

    /// A waiting receiver took the value it was handed.
    fn took_received(&mut self, v: u32, slot: bool) {
        self.in_flight -= 1;
        self.received += 1;
        self.ack(v, Ack::Delivered);
        if slot {
            self.held_slots -= 1;
            self.settle();
        }
        self.settle_closed();
    }

    /// A receiver went away holding `v`: to the next waiting receiver, else
    /// back to the front of the buffer.
    fn pass_on(&mut self, fid: usize, v: u32, slot: bool) {
        self.held.retain(|&k| k != fid);
        self.in_flight -= 1;
        if slot {
            self.held_slots -= 1;
        }
        if !self.hand(v, slot) {
            self.buf.push_front(v);
        }
        self.settle_closed();
    }

    fn drop_sender(&mut self) {
        self.senders -= 1;
        if self.senders == 0 {
            self.close();
        }
    }

    /// The last receiver drops what is buffered.
    fn drop_receiver(&mut self) {
        self.receivers -= 1;
        if self.receivers == 0 {
            self.close();
            for v in self.buf.drain(..).collect::<Vec<_>>() {
                self.ack(v, Ack::Undelivered);
            }
        }
    }

    /// Values the channel or a future holds, which must be alive.
    fn held(&self) -> usize {
        let in_futs = self
            .futs
            .values()
            .filter(|st| matches!(st, St::SendWaiting(_) | St::SendClosed(_) | St::RecvGot(..)))
            .count();
        self.buf.len() + in_futs
    }
}

/// Every query on a handle against the model.
macro_rules! check_queries {
    ($h:expr, $m:expr, $ctx:expr) => {{
        let h = $h;
        let m: &Model = $m;
        let ctx = $ctx;
        assert_eq!(h.len(), m.buf.len(), "len {ctx}");
        assert_eq!(h.is_empty(), m.buf.is_empty(), "is_empty {ctx}");
        assert_eq!(h.is_full(), m.is_full(), "is_full {ctx}");
        assert_eq!(h.is_closed(), m.closed, "is_closed {ctx}");
        assert_eq!(h.is_finished(), m.is_finished(), "is_finished {ctx}");
        assert_eq!(h.capacity(), m.cap, "capacity {ctx}");
        assert_eq!(h.sender_count(), m.senders, "sender_count {ctx}");
        assert_eq!(h.receiver_count(), m.receivers, "receiver_count {ctx}");
        let s = h.stats();
        assert_eq!(s.buffered, m.buf.len(), "stats.buffered {ctx}");
        assert_eq!(s.capacity, m.cap, "stats.capacity {ctx}");
        assert_eq!(s.senders, m.senders, "stats.senders {ctx}");
        assert_eq!(s.receivers, m.receivers, "stats.receivers {ctx}");
        assert_eq!(
            s.waiting_senders,
            m.send_q.len(),
            "stats.waiting_senders {ctx}"
        );
        assert_eq!(
            s.waiting_receivers,
            m.recv_q.len(),
            "stats.waiting_receivers {ctx}"
        );
        assert_eq!(s.sent, m.sent, "stats.sent {ctx}");
        assert_eq!(s.received, m.received, "stats.received {ctx}");
        assert_eq!(s.closed, m.closed, "stats.closed {ctx}");
    }};
}

// ---------------------------------------------------------------------------
// Handles: try operations, closing, cloning and dropping
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum HOp {
    TrySend(usize),
    TryRecv(usize),
    /// `via_tx`, handle index.
    Close(bool, usize),
    CloseNow(bool, usize),
    CloneTx(usize),
    DropTx(usize),
    CloneRx(usize),
    DropRx(usize),
    Downgrade(usize),
    Upgrade(usize),
    DropWeak(usize),
    Query(bool, usize),
}

fn hop() -> impl Strategy<Value = HOp> {
    let i = 0..4usize;
    prop_oneof![
        6 => i.clone().prop_map(HOp::TrySend),
        6 => i.clone().prop_map(HOp::TryRecv),
        1 => (any::<bool>(), i.clone()).prop_map(|(t, i)| HOp::Close(t, i)),
        1 => (any::<bool>(), i.clone()).prop_map(|(t, i)| HOp::CloseNow(t, i)),
        2 => i.clone().prop_map(HOp::CloneTx),
        2 => i.clone().prop_map(HOp::DropTx),
        2 => i.clone().prop_map(HOp::CloneRx),
        2 => i.clone().prop_map(HOp::DropRx),
        1 => i.clone().prop_map(HOp::Downgrade),
        1 => i.clone().prop_map(HOp::Upgrade),
        1 => i.clone().prop_map(HOp::DropWeak),
        2 => (any::<bool>(), i).prop_map(|(t, i)| HOp::Query(t, i)),
    ]
}

/// Picks `vec[i % len]`, if any.
fn pick<T>(vec: &[T], i: usize) -> Option<&T> {
    (!vec.is_empty()).then(|| &vec[i % vec.len()])
}

fn run_handles(cap: Option<usize>, ops: &[HOp]) {
    let live = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = make(cap);
    let mut txs = vec![tx];
    let mut rxs = vec![rx];
    let mut weaks: Vec<WeakSender<V>> = Vec::new();
    let mut m = Model::new(cap);
    let mut next_id = 0u32;

    for (step, op) in ops.iter().enumerate() {
        let ctx = format!("at step {step} ({op:?}), cap {cap:?}");
        match *op {
            HOp::TrySend(i) => {
                if let Some(tx) = pick(&txs, i) {
                    next_id += 1;
                    let got = match tx.try_send(V::new(next_id, &live)) {
                        Ok(()) => Offer::Ok,
                        Err(TrySendError::Full(v)) => Offer::Full(v.id),
                        Err(TrySendError::Closed(v)) => Offer::Closed(v.id),
                    };
                    assert_eq!(got, m.offer(next_id), "try_send {ctx}");
                }
            }
            HOp::TryRecv(i) => {
                if let Some(rx) = pick(&rxs, i) {
                    let got = match rx.try_recv() {
                        Ok(v) => Take::Got(v.id),
                        Err(TryRecvError::Empty) => Take::Empty,
                        Err(TryRecvError::Closed) => Take::Closed,
                    };
                    assert_eq!(got, m.take(), "try_recv {ctx}");
                }
            }
            HOp::Close(via_tx, i) => {
                let closed = if via_tx {
                    pick(&txs, i).map(|h| h.close())
                } else {
                    pick(&rxs, i).map(|h| h.close())
                };
                if let Some(closed) = closed {
                    assert_eq!(closed, m.close(), "close {ctx}");
                }
            }
            HOp::CloseNow(via_tx, i) => {
                let vals = if via_tx {
                    pick(&txs, i).map(|h| h.close_now())
                } else {
                    pick(&rxs, i).map(|h| h.close_now())
                };
                if let Some(vals) = vals {
                    assert_eq!(ids(vals), m.close_now(), "close_now {ctx}");
                }
            }
            HOp::CloneTx(i) => {
                if let Some(tx) = pick(&txs, i) {
                    txs.push(tx.clone());
                    m.senders += 1;
                }
            }
            HOp::DropTx(i) => {
                if !txs.is_empty() {
                    drop(txs.swap_remove(i % txs.len()));
                    m.drop_sender();
                }
            }
            HOp::CloneRx(i) => {
                if let Some(rx) = pick(&rxs, i) {
                    rxs.push(rx.clone());
                    m.receivers += 1;
                }
            }
            HOp::DropRx(i) => {
                if !rxs.is_empty() {
                    drop(rxs.swap_remove(i % rxs.len()));
                    m.drop_receiver();
                }
            }
            HOp::Downgrade(i) => {
                if let Some(tx) = pick(&txs, i) {
                    weaks.push(tx.downgrade());
                }
            }
            HOp::Upgrade(i) => {
                if let Some(w) = pick(&weaks, i) {
                    let up = w.upgrade();
                    assert_eq!(up.is_some(), !m.closed, "upgrade {ctx}");
                    if let Some(tx) = up {
                        txs.push(tx);
                        m.senders += 1;
                    }
                }
            }
            HOp::DropWeak(i) => {
                if !weaks.is_empty() {
                    drop(weaks.swap_remove(i % weaks.len()));
                }
            }
            HOp::Query(via_tx, i) => {
                if let (true, Some(tx)) = (via_tx, pick(&txs, i)) {
                    check_queries!(tx, &m, &ctx);
                } else if let Some(rx) = pick(&rxs, i) {
                    check_queries!(rx, &m, &ctx);
                }
            }
        }
        // Every step: the model's view of what is alive, and the queries.
        assert_eq!(live.load(SeqCst), m.buf.len(), "live values {ctx}");
        if let Some(tx) = txs.first() {
            check_queries!(tx, &m, &ctx);
        }
        if let Some(rx) = rxs.first() {
            check_queries!(rx, &m, &ctx);
        }
    }
    drop((txs, rxs, weaks));
    assert_eq!(
        live.load(SeqCst),
        0,
        "values leaked after every handle dropped"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn handles_match_model(cap in capacity(), ops in prop::collection::vec(hop(), 1..80)) {
        run_handles(cap, &ops);
    }
}

/// Rendezvous, single-threaded: no waiter can exist, so `try_send` is always
/// `Full` until the channel closes, then `Closed`.
#[test]
fn rendezvous_try_send_full_until_closed() {
    let live = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::rendezvous();
    for id in 0..3 {
        let err = tx.try_send(V::new(id, &live)).unwrap_err();
        assert!(matches!(err, TrySendError::Full(ref v) if v.id == id));
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    }
    assert!(tx.is_full() && tx.is_empty());
    rx.close();
    assert!(matches!(tx.try_send(V::new(9, &live)), Err(TrySendError::Closed(ref v)) if v.id == 9));
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    assert!(rx.is_finished());
    assert_eq!(live.load(SeqCst), 0);
}

// ---------------------------------------------------------------------------
// Waiters: hand-polled send, deliver, reserve, recv and stream futures
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum WOp {
    TrySend,
    TryRecv,
    /// Polls a fresh `recv_many(limit)` once, then drops it.
    RecvManyNow(usize),
    StartSend,
    StartDeliver,
    StartReserve,
    StartRecv,
    /// Polls the pending future at this index.
    Poll(usize),
    /// Drops the pending future at this index; a send is first cancelled
    /// (`cancel()`) if the flag is set.
    Drop(usize, bool),
    /// Sends through the permit at this index.
    PermitSend(usize),
    /// Drops the permit at this index unused.
    PermitDrop(usize),
    PollStream,
    DropStream,
    /// `via_tx`.
    Close(bool),
    CloseNow(bool),
}

fn wop(reserve: bool) -> impl Strategy<Value = WOp> {
    prop_oneof![
        12 => Just(WOp::TrySend),
        12 => Just(WOp::TryRecv),
        6 => (0..4usize).prop_map(WOp::RecvManyNow),
        12 => Just(WOp::StartSend),
        6 => Just(WOp::StartDeliver),
        9 => Just(WOp::StartReserve),
        12 => Just(WOp::StartRecv),
        18 => (0..8usize).prop_map(WOp::Poll),
        9 => (0..8usize, any::<bool>()).prop_map(|(i, c)| WOp::Drop(i, c)),
        6 => (0..4usize).prop_map(WOp::PermitSend),
        3 => (0..4usize).prop_map(WOp::PermitDrop),
        6 => Just(WOp::PollStream),
        3 => Just(WOp::DropStream),
        1 => any::<bool>().prop_map(WOp::Close),
        1 => any::<bool>().prop_map(WOp::CloseNow),
    ]
    .prop_map(move |op| match op {
        // Without reserve, those draws poll a future instead.
        WOp::StartReserve | WOp::PermitSend(_) | WOp::PermitDrop(_) if !reserve => WOp::Poll(0),
        op => op,
    })
}

/// A hand-polled future.
enum Fut<'a> {
    Send(Spawn<SendFuture<'a, V>>),
    Deliver(Spawn<DeliverFuture<'a, V>>),
    Reserve(Spawn<ReserveFuture<'a, V>>),
    Recv(Spawn<RecvFuture<'a, V>>),
}

/// What a future's poll gave, in model terms.
#[derive(Debug, PartialEq, Eq)]
enum Out {
    Pending,
    Sent,
    SendClosed(u32),
    Delivered,
    DeliverClosed(u32),
    Undelivered,
    Granted,
    ReserveClosed,
    Got(u32),
    /// The model's view of a receive that took over a held value: `Got` to
    /// the channel, and ready without a wake-up (it looked on its own).
    Stole(u32),
    RecvClosed,
}

impl<'a> Fut<'a> {
    /// Polls; a granted permit is pushed onto `permits`.
    fn poll(&mut self, permits: &mut Vec<Permit<'a, V>>) -> Out {
        match self {
            Fut::Send(f) => match f.poll() {
                Poll::Pending => Out::Pending,
                Poll::Ready(Ok(())) => Out::Sent,
                Poll::Ready(Err(SendError(v))) => Out::SendClosed(v.id),
            },
            Fut::Deliver(f) => match f.poll() {
                Poll::Pending => Out::Pending,
                Poll::Ready(Ok(())) => Out::Delivered,
                Poll::Ready(Err(DeliverError::Closed(v))) => Out::DeliverClosed(v.id),
                Poll::Ready(Err(DeliverError::Undelivered)) => Out::Undelivered,
            },
            Fut::Reserve(f) => match f.poll() {
                Poll::Pending => Out::Pending,
                Poll::Ready(Ok(permit)) => {
                    permits.push(permit);
                    Out::Granted
                }
                Poll::Ready(Err(SendError(()))) => Out::ReserveClosed,
            },
            Fut::Recv(f) => match f.poll() {
                Poll::Pending => Out::Pending,
                Poll::Ready(Ok(v)) => Out::Got(v.id),
                Poll::Ready(Err(RecvError)) => Out::RecvClosed,
            },
        }
    }

    fn is_woken(&self) -> bool {
        match self {
            Fut::Send(f) => f.is_woken(),
            Fut::Deliver(f) => f.is_woken(),
            Fut::Reserve(f) => f.is_woken(),
            Fut::Recv(f) => f.is_woken(),
        }
    }
}

/// What the model says polling future `fid` gives now, applying the effects
/// of completing it. A `deliver`'s value is its future id.
fn model_poll(m: &mut Model, fid: usize, deliver: bool) -> Out {
    match m.futs[&fid] {
        // A receive that would wait takes over what the stream holds; it
        // leaves the line first (the room the value frees may move a sender
        // in, which must not be handed to it).
        St::RecvWaiting if !m.held.is_empty() => {
            m.recv_q.retain(|&k| k != fid);
            Out::Stole(m.steal().expect("a value is held"))
        }
        St::RecvWaiting => Out::Pending,
        St::SendWaiting(_) | St::ReserveWaiting => Out::Pending,
        St::Sent if deliver => match m.acks[&(fid as u32)] {
            Ack::Pending => Out::Pending,
            Ack::Delivered => Out::Delivered,
            Ack::Undelivered => Out::Undelivered,
        },
        St::Sent => Out::Sent,
        St::SendClosed(v) if deliver => Out::DeliverClosed(v),
        St::SendClosed(v) => Out::SendClosed(v),
        St::Granted => Out::Granted,
        St::ReserveClosed => Out::ReserveClosed,
        St::RecvGot(v, slot) => {
            m.took_received(v, slot);
            Out::Got(v)
        }
        St::RecvClosed => Out::RecvClosed,
        St::Passed => unreachable!("only the stream's place is spent"),
    }
}

/// Runs `ops` on a channel and on the model, comparing after every step.
fn run_waiters(cap: Option<usize>, ops: &[WOp]) {
    let live = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = make(cap);
    let mut stream = Some(spawn(rx.clone()));
    // The stream's registration, as a model future id.
    let mut stream_fid: Option<usize> = None;
    let mut m = Model::new(cap);
    m.receivers = 2;
    // Pending futures: (model id, is deliver, future).
    let mut futs: Vec<(usize, bool, Fut<'_>)> = Vec::new();
    let mut permits: Vec<Permit<'_, V>> = Vec::new();
    // Ids double as values: every value and every future has a fresh id.
    let mut next_id = 0usize;
    let mut fresh = || {
        next_id += 1;
        next_id
    };

    for (step, op) in ops.iter().enumerate() {
        let ctx = format!("at step {step} ({op:?}), cap {cap:?}");
        match *op {
            WOp::TrySend => {
                let id = fresh() as u32;
                let got = match tx.try_send(V::new(id, &live)) {
                    Ok(()) => Offer::Ok,
                    Err(TrySendError::Full(v)) => Offer::Full(v.id),
                    Err(TrySendError::Closed(v)) => Offer::Closed(v.id),
                };
                assert_eq!(got, m.offer(id), "try_send {ctx}");
            }
            WOp::TryRecv => {
                let got = match rx.try_recv() {
                    Ok(v) => Take::Got(v.id),
                    Err(TryRecvError::Empty) => Take::Empty,
                    Err(TryRecvError::Closed) => Take::Closed,
                };
                assert_eq!(got, m.take(), "try_recv {ctx}");
            }
            WOp::RecvManyNow(limit) => {
                let mut buf = Vec::new();
                let got = spawn(rx.recv_many(&mut buf, limit)).poll();
                let mut want = Vec::new();
                let want_poll = if limit == 0 {
                    Poll::Ready(0)
                } else {
                    match m.take() {
                        Take::Got(v) => {
                            want.push(v);
                            while want.len() < limit {
                                match m.take() {
                                    Take::Got(v) => want.push(v),
                                    _ => break,
                                }
                            }
                            Poll::Ready(want.len())
                        }
                        Take::Closed => Poll::Ready(0),
                        Take::Empty => match m.steal() {
                            Some(v) => {
                                want.push(v);
                                while want.len() < limit {
                                    match m.take() {
                                        Take::Got(v) => want.push(v),
                                        _ => break,
                                    }
                                }
                                Poll::Ready(want.len())
                            }
                            None => {
                                // It waited (which may grant a rendezvous
                                // reservation), then was dropped.
                                let fid = fresh();
                                m.push_receiver(fid);
                                if let Some(St::RecvGot(v, slot)) = m.futs.remove(&fid) {
                                    m.pass_on(fid, v, slot);
                                }
                                m.recv_q.retain(|&k| k != fid);
                                Poll::Pending
                            }
                        },
                    }
                };
                assert_eq!(got, want_poll, "recv_many result {ctx}");
                assert_eq!(ids(buf), want, "recv_many values {ctx}");
            }
            WOp::StartSend => {
                let fid = fresh();
                let mut f = Fut::Send(spawn(tx.send(V::new(fid as u32, &live))));
                let want = match m.offer(fid as u32) {
                    Offer::Ok => Out::Sent,
                    Offer::Closed(v) => Out::SendClosed(v),
                    Offer::Full(v) => {
                        m.futs.insert(fid, St::SendWaiting(v));
                        m.send_q.push_back(fid);
                        Out::Pending
                    }
                };
                assert_eq!(f.poll(&mut permits), want, "send, first poll {ctx}");
                if want == Out::Pending {
                    futs.push((fid, false, f));
                }
            }
            WOp::StartDeliver => {
                let fid = fresh();
                let v = fid as u32;
                m.acks.insert(v, Ack::Pending);
                let mut f = Fut::Deliver(spawn(tx.deliver(V::new(v, &live))));
                let want = match m.offer(v) {
                    Offer::Ok => {
                        m.futs.insert(fid, St::Sent);
                        Out::Pending
                    }
                    Offer::Closed(v) => Out::DeliverClosed(v),
                    Offer::Full(v) => {
                        m.futs.insert(fid, St::SendWaiting(v));
                        m.send_q.push_back(fid);
                        Out::Pending
                    }
                };
                assert_eq!(f.poll(&mut permits), want, "deliver, first poll {ctx}");
                if want == Out::Pending {
                    futs.push((fid, true, f));
                }
            }
            WOp::StartReserve => {
                let fid = fresh();
                let mut f = Fut::Reserve(spawn(tx.reserve()));
                let want = match m.try_reserve() {
                    Some(true) => Out::Granted,
                    Some(false) => Out::ReserveClosed,
                    None => {
                        m.futs.insert(fid, St::ReserveWaiting);
                        m.send_q.push_back(fid);
                        Out::Pending
                    }
                };
                assert_eq!(f.poll(&mut permits), want, "reserve, first poll {ctx}");
                if want == Out::Pending {
                    futs.push((fid, false, f));
                }
            }
            WOp::StartRecv => {
                let fid = fresh();
                let mut f = Fut::Recv(spawn(rx.recv()));
                let want = match m.take() {
                    Take::Got(v) => Out::Got(v),
                    Take::Closed => Out::RecvClosed,
                    Take::Empty => match m.steal() {
                        Some(v) => Out::Got(v),
                        None => {
                            m.push_receiver(fid);
                            Out::Pending
                        }
                    },
                };
                assert_eq!(f.poll(&mut permits), want, "recv, first poll {ctx}");
                if want == Out::Pending {
                    futs.push((fid, false, f));
                }
            }
            WOp::Poll(i) => {
                if !futs.is_empty() {
                    let i = i % futs.len();
                    let (fid, deliver, f) = &mut futs[i];
                    let (fid, deliver) = (*fid, *deliver);
                    let want = match model_poll(&mut m, fid, deliver) {
                        Out::Stole(v) => Out::Got(v),
                        Out::Pending => Out::Pending,
                        want => {
                            assert!(f.is_woken(), "future {fid} ready but not woken {ctx}");
                            want
                        }
                    };
                    assert_eq!(f.poll(&mut permits), want, "poll future {fid} {ctx}");
                    if want != Out::Pending {
                        futs.swap_remove(i);
                        m.futs.remove(&fid);
                    }
                }
            }
            WOp::Drop(i, cancel) => {
                if !futs.is_empty() {
                    let (fid, _, f) = futs.swap_remove(i % futs.len());
                    let st = m.futs.remove(&fid).unwrap();
                    if matches!(st, St::SendWaiting(_) | St::ReserveWaiting) {
                        m.send_q.retain(|&k| k != fid);
                    }
                    if st == St::ReserveWaiting {
                        // The line's head may have changed.
                        m.settle();
                    }
                    match (st, f) {
                        (_, Fut::Send(mut f)) => {
                            if cancel {
                                let want = match st {
                                    St::SendWaiting(v) | St::SendClosed(v) => Some(v),
                                    _ => None,
                                };
                                assert_eq!(f.cancel().map(|v| v.id), want, "cancel {ctx}");
                            }
                            drop(f);
                        }
                        // A deliver that entered leaves its value in the
                        // channel; one still waiting drops its value.
                        (_, Fut::Deliver(f)) => drop(f),
                        (St::Granted, Fut::Reserve(f)) => {
                            // Granted but never polled: the room goes back.
                            drop(f);
                            m.release_reserved();
                        }
                        (_, Fut::Reserve(f)) => drop(f),
                        (St::RecvWaiting, Fut::Recv(f)) => {
                            m.recv_q.retain(|&k| k != fid);
                            drop(f);
                        }
                        (St::RecvGot(v, slot), Fut::Recv(f)) => {
                            drop(f);
                            m.pass_on(fid, v, slot);
                        }
                        (_, Fut::Recv(f)) => drop(f),
                    }
                }
            }
            WOp::PermitSend(i) => {
                if !permits.is_empty() {
                    let id = fresh() as u32;
                    let sent = permits
                        .swap_remove(i % permits.len())
                        .send(V::new(id, &live));
                    assert_eq!(sent.is_ok(), m.permit_send(id), "permit send {ctx}");
                    drop(sent);
                }
            }
            WOp::PermitDrop(i) => {
                if !permits.is_empty() {
                    drop(permits.swap_remove(i % permits.len()));
                    m.release_reserved();
                }
            }
            WOp::PollStream => {
                if let Some(s) = stream.as_mut() {
                    // The stream's registration waits in line like a recv;
                    // one that was handed a value (or closed) must have woken
                    // the stream's task.
                    let st = stream_fid.map(|fid| m.futs[&fid]);
                    if matches!(st, Some(St::RecvGot(..) | St::RecvClosed)) {
                        assert!(
                            s.is_woken(),
                            "stream handed or closed, task not woken {ctx}"
                        );
                    }
                    if st == Some(St::Passed) {
                        // Its held value went on: it starts afresh.
                        m.futs.remove(&stream_fid.take().unwrap());
                    }
                    let st = stream_fid.map(|fid| m.futs[&fid]);
                    let want = match st {
                        Some(St::RecvWaiting) => Out::Pending,
                        Some(St::RecvGot(v, slot)) => {
                            let fid = stream_fid.take().unwrap();
                            m.futs.remove(&fid);
                            m.held.retain(|&k| k != fid);
                            m.took_received(v, slot);
                            Out::Got(v)
                        }
                        Some(St::RecvClosed) => {
                            m.futs.remove(&stream_fid.take().unwrap());
                            Out::RecvClosed
                        }
                        None => match m.take() {
                            Take::Got(v) => Out::Got(v),
                            Take::Closed => Out::RecvClosed,
                            Take::Empty => {
                                let fid = fresh();
                                m.handles.insert(fid);
                                m.push_receiver(fid);
                                stream_fid = Some(fid);
                                // Even if a rendezvous send paired with it at
                                // once: woken, taken at the next poll.
                                Out::Pending
                            }
                        },
                        Some(st) => unreachable!("stream {st:?}"),
                    };
                    let got = match s.poll_next() {
                        Poll::Pending => Out::Pending,
                        Poll::Ready(Some(v)) => Out::Got(v.id),
                        Poll::Ready(None) => Out::RecvClosed,
                    };
                    assert_eq!(got, want, "stream poll_next {ctx}");
                }
            }
            WOp::DropStream => {
                if let Some(s) = stream.take() {
                    // Dropping the handle withdraws its place in line and
                    // passes on a value it was handed.
                    if let Some(fid) = stream_fid.take() {
                        match m.futs.remove(&fid) {
                            Some(St::RecvWaiting) => m.recv_q.retain(|&k| k != fid),
                            Some(St::RecvGot(v, slot)) => m.pass_on(fid, v, slot),
                            _ => {}
                        }
                    }
                    drop(s);
                    m.drop_receiver();
                }
            }
            WOp::Close(via_tx) => {
                let closed = if via_tx { tx.close() } else { rx.close() };
                assert_eq!(closed, m.close(), "close {ctx}");
            }
            WOp::CloseNow(via_tx) => {
                let vals = if via_tx {
                    tx.close_now()
                } else {
                    rx.close_now()
                };
                assert_eq!(ids(vals), m.close_now(), "close_now {ctx}");
            }
        }
        assert_eq!(live.load(SeqCst), m.held(), "live values {ctx}: {m:?}");
        check_queries!(&tx, &m, &ctx);
        check_queries!(&rx, &m, &ctx);
    }
    drop(permits);
    drop(futs);
    drop(stream);
    drop((tx, rx));
    assert_eq!(
        live.load(SeqCst),
        0,
        "values leaked after everything dropped"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn waiters_match_model(cap in capacity(), ops in prop::collection::vec(wop(false), 1..80)) {
        run_waiters(cap, &ops);
    }

    /// With `reserve` and permits too.
    #[test]
    fn waiters_with_reserve_match_model(
        cap in capacity(),
        ops in prop::collection::vec(wop(true), 1..80),
    ) {
        run_waiters(cap, &ops);
    }

    /// K receivers wait, then values arrive: the longest-waiting receiver
    /// gets the first value, and so on; a `try_recv` that arrives meanwhile
    /// gets nothing.
    #[test]
    fn waiting_receivers_served_in_order(cap in capacity(), k in 1..6usize, n in 0..8usize) {
        let live = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = make(cap);
        let mut recvs: Vec<_> = (0..k).map(|_| spawn(rx.recv())).collect();
        for r in &mut recvs {
            assert!(r.poll().is_pending());
        }
        for id in 0..n as u32 {
            let res = tx.try_send(V::new(id, &live));
            if (id as usize) < k {
                assert!(res.is_ok());
                assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)), "no barging");
            } else if cap.is_none_or(|c| id as usize - k < c) {
                assert!(res.is_ok());
            } else {
                assert!(matches!(res, Err(TrySendError::Full(_))));
            }
        }
        for (i, r) in recvs.iter_mut().enumerate() {
            if i < n {
                assert!(r.is_woken());
                match r.poll() {
                    Poll::Ready(Ok(v)) => assert_eq!(v.id, i as u32),
                    other => panic!("receiver {i}: {other:?}"),
                }
            } else {
                assert!(!r.is_woken());
                assert!(r.poll().is_pending());
            }
        }
    }

    /// K senders wait on a full channel: values come out buffer first, then
    /// in the order the senders started waiting.
    #[test]
    fn waiting_senders_served_in_order(c in 0..4usize, k in 1..6usize) {
        let live = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = make(Some(c));
        for id in 0..c as u32 {
            tx.try_send(V::new(id, &live)).unwrap();
        }
        let mut sends: Vec<_> = (0..k)
            .map(|i| spawn(tx.send(V::new((c + i) as u32, &live))))
            .collect();
        for s in &mut sends {
            assert!(s.poll().is_pending());
        }
        assert!(matches!(tx.try_send(V::new(99, &live)), Err(TrySendError::Full(_))), "no barging");
        for want in 0..(c + k) as u32 {
            assert_eq!(rx.try_recv().map(|v| v.id), Ok(want));
        }
        for s in &mut sends {
            assert!(s.is_woken());
            assert!(matches!(s.poll(), Poll::Ready(Ok(()))));
        }
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    }
}

/// On a rendezvous channel a permit is room lent by a waiting receiver. Given
/// back unused, that room must go to the next waiting `reserve`, as on every
/// other kind of channel. Regression test: the reserve and the receiver used
/// to wait on each other forever (fixed in 73074f8).
#[test]
fn rendezvous_permit_dropped_passes_room_on() {
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut recv = spawn(rx.recv());
    assert!(recv.poll().is_pending()); // a receiver waits
    let permit = match spawn(tx.reserve()).poll() {
        Poll::Ready(Ok(permit)) => permit, // granted: a receiver is waiting
        other => panic!("first reserve: {:?}", other.map(|r| r.map(drop))),
    };
    let mut second = spawn(tx.reserve());
    assert!(second.poll().is_pending()); // the receiver's room is taken
    drop(permit); // given back unused

    assert!(second.is_woken(), "the waiting reserve was not woken");
    match second.poll() {
        Poll::Ready(Ok(permit)) => permit.send(7).unwrap(),
        other => panic!("second reserve: {:?}", other.map(|r| r.map(drop))),
    }
    assert!(recv.is_woken());
    assert_eq!(recv.poll(), Poll::Ready(Ok(7)));
}
