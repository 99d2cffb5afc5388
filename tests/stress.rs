//! Concurrency stress and chaos tests: many producers and consumers on a
//! multi-thread runtime and on plain threads, counting every value and every
//! drop, on `bounded(1)`, `bounded(16)`, `unbounded()` and `rendezvous()`.
//!
//! The invariant under test is the crate's promise: every value handed to the
//! channel is received exactly once, or handed back exactly once (inside an
//! error, by `SendFuture::cancel`, by an unchosen select case, or by
//! `close_now`); never twice, never missing, and every value is dropped
//! exactly once. What each producer saw must agree: a value `deliver`ed `Ok`
//! was received, one reported `Undelivered` was returned by `close_now`.
//!
//! * `mpmc_*`: 4 producers and 4 consumers, exact per-id counts, drop-counting
//!   payloads, consumers that give up and drop their receivers.
//! * `chaos_*`: producers mix `send`, `try_send`, `send_timeout`, `deliver`,
//!   `reserve` and sends raced in `tokio::select!` (the loser cancelled);
//!   consumers mix `recv`, `try_recv`, `recv_timeout`, `recv_many`, streams
//!   and receives raced and dropped, and some walk away; `close` or
//!   `close_now` lands at a random point, from a random handle.
//! * `select_chaos`: the same over two channels at once, with the dynamic
//!   `Select` on both sides: exactly one case happens.
//! * `threads_*`: plain threads with `send_blocking` / `recv_blocking`.
//!
//! Randomness comes from a small seeded xorshift generator, so a failure names
//! the kind and seed that reproduce its schedule of operations (the thread
//! interleaving itself is not reproducible). Timeouts use tokio's real clock:
//! correctness must not depend on timing.
//!
//! `GOCHAN_STRESS_SCALE` (default 1) multiplies the amount of work; CI's
//! release run sets 4. `GOCHAN_STRESS_SEED` (default 0) shifts every seed, to
//! explore new schedules. Every test runs under a 60 s deadline so that a
//! deadlock fails instead of hanging.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{deadline, on_a_thread, Rng};
use gochan::{
    DeliverError, Receiver, RecvCase, RecvTimeoutError, Select, SendCase, SendError,
    SendTimeoutError, Sender, TryRecvError, TrySendError,
};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// How much work to do: `GOCHAN_STRESS_SCALE`, at least 1.
fn scale() -> usize {
    std::env::var("GOCHAN_STRESS_SCALE")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1usize)
        .max(1)
}

/// Added to every seed: `GOCHAN_STRESS_SEED` (default 0) explores new
/// schedules without editing the file.
fn seed_base() -> u64 {
    std::env::var("GOCHAN_STRESS_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// The kinds of channel every test runs on.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Bounded1,
    Bounded16,
    Unbounded,
    Rendezvous,
}

const KINDS: [Kind; 4] = [
    Kind::Bounded1,
    Kind::Bounded16,
    Kind::Unbounded,
    Kind::Rendezvous,
];

impl Kind {
    fn make<T>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Kind::Bounded1 => gochan::bounded(1),
            Kind::Bounded16 => gochan::bounded(16),
            Kind::Unbounded => gochan::unbounded(),
            Kind::Rendezvous => gochan::rendezvous(),
        }
    }
}

// ---------------------------------------------------------------------------
// The ledger: where every value ended up, and every drop
// ---------------------------------------------------------------------------

/// What the producer of a value saw.
mod outcome {
    /// `send`, `try_send`, `send_timeout` or a raced send reported it sent.
    pub const SENT: u8 = 1;
    /// `deliver` returned `Ok`: a receiver took it.
    pub const DELIVERED: u8 = 2;
    /// `deliver` returned `Undelivered`: it entered, then `close_now` took it.
    pub const UNDELIVERED: u8 = 3;
    /// The producer got the value back (error or `cancel`).
    pub const BACK: u8 = 4;
    /// A `deliver` future was dropped unfinished: the value was dropped with
    /// it if it had not entered the channel yet, else it stays in the channel.
    pub const MAYBE: u8 = 5;
}

/// Per-id bookkeeping shared by every task of one run.
struct Ledger {
    /// Payloads created.
    created: AtomicUsize,
    /// Payloads dropped.
    dropped: AtomicUsize,
    /// Drops of a payload whose id was already dropped.
    double_drops: AtomicUsize,
    /// Per id: dropped yet.
    drop_flags: Vec<AtomicBool>,
    /// Per id: times a receiver got it.
    received: Vec<AtomicU8>,
    /// Per id: times its producer got it back (error or `cancel`).
    back: Vec<AtomicU8>,
    /// Per id: times `close_now` returned it.
    closed_now: Vec<AtomicU8>,
    /// Per id: what its producer saw ([`outcome`]).
    outcome: Vec<AtomicU8>,
    /// Received plus handed back plus returned by `close_now`, for progress.
    settled: AtomicUsize,
}

impl Ledger {
    fn new(n: usize) -> Arc<Self> {
        let v8 = || (0..n).map(|_| AtomicU8::new(0)).collect::<Vec<_>>();
        Arc::new(Ledger {
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            double_drops: AtomicUsize::new(0),
            drop_flags: (0..n).map(|_| AtomicBool::new(false)).collect(),
            received: v8(),
            back: v8(),
            closed_now: v8(),
            outcome: v8(),
            settled: AtomicUsize::new(0),
        })
    }

    fn payload(self: &Arc<Self>, id: usize) -> Payload {
        self.created.fetch_add(1, SeqCst);
        Payload {
            id,
            ledger: self.clone(),
        }
    }

    fn received(&self, p: Payload) {
        self.received[p.id].fetch_add(1, SeqCst);
        self.settled.fetch_add(1, SeqCst);
    }

    fn back(&self, p: Payload) {
        self.back[p.id].fetch_add(1, SeqCst);
        self.outcome[p.id].store(outcome::BACK, SeqCst);
        self.settled.fetch_add(1, SeqCst);
    }

    fn closed_now(&self, p: Payload) {
        self.closed_now[p.id].fetch_add(1, SeqCst);
        self.settled.fetch_add(1, SeqCst);
    }

    fn outcome(&self, id: usize, o: u8) {
        self.outcome[id].store(o, SeqCst);
    }

    /// Checks that every one of the `n` ids was settled exactly once, in a way
    /// consistent with what its producer saw, and dropped exactly once.
    fn check(&self, what: &str) {
        let mut bad = Vec::new();
        for id in 0..self.received.len() {
            let r = self.received[id].load(SeqCst);
            let b = self.back[id].load(SeqCst);
            let c = self.closed_now[id].load(SeqCst);
            let o = self.outcome[id].load(SeqCst);
            let consistent = match o {
                outcome::SENT => r + c == 1 && b == 0,
                outcome::DELIVERED => r == 1 && b + c == 0,
                outcome::UNDELIVERED => c == 1 && r + b == 0,
                outcome::BACK => b == 1 && r + c == 0,
                outcome::MAYBE => r + c <= 1 && b == 0,
                // Never produced, or its producer never finished.
                _ => false,
            };
            let dropped = self.drop_flags[id].load(SeqCst);
            let settled = r + b + c == 1 || (o == outcome::MAYBE && r + b + c == 0);
            if !consistent || !settled || !dropped {
                bad.push(format!(
                    "id {id}: received {r}, handed back {b}, close_now {c}, producer saw {o}, dropped {dropped}"
                ));
            }
        }
        let created = self.created.load(SeqCst);
        let dropped = self.dropped.load(SeqCst);
        let double = self.double_drops.load(SeqCst);
        assert!(
            bad.is_empty() && created == dropped && double == 0,
            "{what}: {} ids misaccounted (first: {:#?}); created {created}, dropped {dropped}, double drops {double}",
            bad.len(),
            &bad[..bad.len().min(8)],
        );
    }
}

/// A value that records its drop in the ledger.
struct Payload {
    id: usize,
    ledger: Arc<Ledger>,
}

impl Drop for Payload {
    fn drop(&mut self) {
        if self.ledger.drop_flags[self.id].swap(true, SeqCst) {
            self.ledger.double_drops.fetch_add(1, SeqCst);
        }
        self.ledger.dropped.fetch_add(1, SeqCst);
    }
}

/// Asserts that every counter is exactly 1.
fn assert_each_once(what: &str, counts: &[AtomicU8]) {
    let bad: Vec<(usize, u8)> = counts
        .iter()
        .enumerate()
        .map(|(id, c)| (id, c.load(SeqCst)))
        .filter(|&(_, c)| c != 1)
        .take(8)
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: (id, times received) not once: {bad:?}"
    );
}

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;

// ---------------------------------------------------------------------------
// MPMC: exact counts
// ---------------------------------------------------------------------------

/// 4 producers, 4 consumers, unique ids: every id received exactly once.
async fn mpmc_exact_once(kind: Kind, per_producer: usize) {
    let total = PRODUCERS * per_producer;
    let counts: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    let (tx, rx) = kind.make::<usize>();

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for id in p * per_producer..(p + 1) * per_producer {
                    tx.send(id).await.expect("nobody closed the channel");
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            let counts = counts.clone();
            tokio::spawn(async move {
                let mut n = 0usize;
                while let Ok(id) = rx.recv().await {
                    counts[id].fetch_add(1, SeqCst);
                    n += 1;
                }
                n
            })
        })
        .collect();
    drop(tx); // the producers' clones close the channel when they finish

    for p in producers {
        p.await.unwrap();
    }
    let mut got = 0;
    for c in consumers {
        got += c.await.unwrap();
    }
    assert_eq!(got, total, "{kind:?}: total received");
    assert_each_once(&format!("{kind:?}"), &counts);
    assert!(rx.is_finished(), "{kind:?}: closed and drained");
    let stats = rx.stats();
    assert_eq!((stats.sent, stats.received), (total as u64, total as u64));
    assert_eq!((stats.waiting_senders, stats.waiting_receivers), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mpmc_every_id_once() {
    deadline("mpmc_every_id_once", async {
        let per_producer = 25_000 * scale();
        for kind in KINDS {
            mpmc_exact_once(kind, per_producer).await;
        }
    })
    .await;
}

/// Payloads that count their drops; consumers give up at random points and
/// drop their receivers, so values are left buffered and senders left waiting
/// when the last receiver goes. Nothing may leak or be dropped twice.
async fn mpmc_drops(kind: Kind, per_producer: usize, seed: u64) {
    let total = PRODUCERS * per_producer;
    let ledger = Ledger::new(total);
    let (tx, rx) = kind.make::<Payload>();
    let mut rng = Rng::new(seed);

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            let ledger = ledger.clone();
            tokio::spawn(async move {
                for id in p * per_producer..(p + 1) * per_producer {
                    match tx.send(ledger.payload(id)).await {
                        Ok(()) => ledger.outcome(id, outcome::SENT),
                        Err(SendError(v)) => ledger.back(v),
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            let ledger = ledger.clone();
            // Together the consumers take about half of what is sent.
            let quota = rng.below((total / CONSUMERS) as u64) as usize;
            tokio::spawn(async move {
                for _ in 0..quota {
                    match rx.recv().await {
                        Ok(v) => ledger.received(v),
                        Err(_) => break,
                    }
                }
                // `rx` dropped here; the last one closes the channel.
            })
        })
        .collect();
    drop((tx, rx));

    for c in consumers {
        c.await.unwrap();
    }
    for p in producers {
        p.await.unwrap();
    }
    // Values still buffered when the last receiver went were dropped by the
    // channel: they are neither received nor handed back, but they must have
    // been dropped, once.
    let created = ledger.created.load(SeqCst);
    let dropped = ledger.dropped.load(SeqCst);
    let double = ledger.double_drops.load(SeqCst);
    assert_eq!(created, total, "{kind:?} seed {seed}: every value created");
    assert_eq!(created, dropped, "{kind:?} seed {seed}: created == dropped");
    assert_eq!(double, 0, "{kind:?} seed {seed}: double drops");
    for id in 0..total {
        let r = ledger.received[id].load(SeqCst);
        let b = ledger.back[id].load(SeqCst);
        assert!(
            r + b <= 1,
            "{kind:?} seed {seed}: id {id} received {r} and handed back {b}"
        );
        assert!(ledger.drop_flags[id].load(SeqCst), "id {id} never dropped");
        if ledger.outcome[id].load(SeqCst) == outcome::BACK {
            assert_eq!(b, 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mpmc_drops_balance() {
    deadline("mpmc_drops_balance", async {
        let base = seed_base();
        for round in base..base + 40 * scale() as u64 {
            for kind in KINDS {
                mpmc_drops(kind, 500, round).await;
            }
        }
    })
    .await;
}

/// All values received, with drop-counting payloads: every payload dropped
/// exactly once and nothing leaked, on every kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mpmc_payloads_received_and_dropped_once() {
    deadline("mpmc_payloads_received_and_dropped_once", async {
        let per_producer = 10_000 * scale();
        for kind in KINDS {
            let total = PRODUCERS * per_producer;
            let ledger = Ledger::new(total);
            let (tx, rx) = kind.make::<Payload>();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let (tx, ledger) = (tx.clone(), ledger.clone());
                    tokio::spawn(async move {
                        for id in p * per_producer..(p + 1) * per_producer {
                            assert!(tx.send(ledger.payload(id)).await.is_ok());
                            ledger.outcome(id, outcome::SENT);
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|_| {
                    let (rx, ledger) = (rx.clone(), ledger.clone());
                    tokio::spawn(async move {
                        while let Ok(v) = rx.recv().await {
                            ledger.received(v);
                        }
                    })
                })
                .collect();
            drop((tx, rx));
            for h in producers.into_iter().chain(consumers) {
                h.await.unwrap();
            }
            ledger.check(&format!("{kind:?}"));
        }
    })
    .await;
}

// ---------------------------------------------------------------------------
// Chaos: random operations, cancellation and closing
// ---------------------------------------------------------------------------

/// One producer: a random mix of every way to send, handing back what the
/// channel refuses.
async fn chaos_producer(
    tx: Sender<Payload>,
    ledger: Arc<Ledger>,
    ids: std::ops::Range<usize>,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    for id in ids {
        let v = ledger.payload(id);
        match rng.below(9) {
            0 => match tx.send(v).await {
                Ok(()) => ledger.outcome(id, outcome::SENT),
                Err(SendError(v)) => ledger.back(v),
            },
            1 => match tx.try_send(v) {
                Ok(()) => ledger.outcome(id, outcome::SENT),
                Err(TrySendError::Full(v) | TrySendError::Closed(v)) => ledger.back(v),
            },
            2 => match tx.send_timeout(v, rng.tiny()).await {
                Ok(()) => ledger.outcome(id, outcome::SENT),
                Err(SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v)) => ledger.back(v),
            },
            3 => match tx.deliver(v).await {
                Ok(()) => ledger.outcome(id, outcome::DELIVERED),
                Err(DeliverError::Closed(v)) => ledger.back(v),
                Err(DeliverError::Undelivered) => ledger.outcome(id, outcome::UNDELIVERED),
            },
            4 | 5 => {
                // A send raced against a timer or a yield; the loser is
                // cancelled and must hand its value back unless it was sent.
                let mut fut = tx.send(v);
                let raced = if rng.chance(50) {
                    let d = rng.tiny();
                    tokio::select! {
                        res = &mut fut => Some(res),
                        _ = tokio::time::sleep(d) => None,
                    }
                } else {
                    tokio::select! {
                        res = &mut fut => Some(res),
                        _ = tokio::task::yield_now() => None,
                    }
                };
                match raced {
                    Some(Ok(())) => ledger.outcome(id, outcome::SENT),
                    Some(Err(SendError(v))) => ledger.back(v),
                    None => match fut.cancel() {
                        Some(v) => ledger.back(v),
                        None => ledger.outcome(id, outcome::SENT),
                    },
                }
            }
            6 => {
                // A deliver raced against a timer, dropped if it loses: its
                // value is dropped if it had not entered the channel yet, or
                // left in the channel for a receiver.
                let d = rng.tiny();
                tokio::select! {
                    res = tx.deliver(v) => match res {
                        Ok(()) => ledger.outcome(id, outcome::DELIVERED),
                        Err(DeliverError::Closed(v)) => ledger.back(v),
                        Err(DeliverError::Undelivered) => ledger.outcome(id, outcome::UNDELIVERED),
                    },
                    _ = tokio::time::sleep(d) => ledger.outcome(id, outcome::MAYBE),
                }
            }
            7 => {
                // A reserve raced against a timer (never awaited alone: a
                // plain wait could outlast the consumers' interest); the
                // permit is used, or now and then given back unused.
                let d = rng.tiny();
                let permit = tokio::select! {
                    res = tx.reserve() => res.ok(),
                    _ = tokio::time::sleep(d) => None,
                };
                match permit {
                    Some(permit) if rng.chance(90) => match permit.send(v) {
                        Ok(()) => ledger.outcome(id, outcome::SENT),
                        // Revoked by a `close_now`: the value comes back.
                        Err(gochan::SendError(v)) => ledger.back(v),
                    },
                    _ => ledger.back(v),
                }
            }
            _ => {
                // Poll a send by hand a few times, then either finish it or
                // cancel it.
                let mut fut = tx.send(v);
                let mut done = None;
                for _ in 0..rng.below(3) {
                    tokio::select! {
                        biased;
                        res = &mut fut => { done = Some(res); break; }
                        _ = std::future::ready(()) => tokio::task::yield_now().await,
                    }
                }
                let res = match done {
                    Some(res) => res,
                    None if rng.chance(50) => fut.await,
                    None => match fut.cancel() {
                        Some(v) => Err(SendError(v)),
                        None => Ok(()),
                    },
                };
                match res {
                    Ok(()) => ledger.outcome(id, outcome::SENT),
                    Err(SendError(v)) => ledger.back(v),
                }
            }
        }
        if rng.chance(10) {
            tokio::task::yield_now().await;
        }
    }
}

/// One consumer: a random mix of every way to receive, some raced and
/// dropped, until the channel is closed and drained.
async fn chaos_consumer(mut rx: Receiver<Payload>, ledger: Arc<Ledger>, seed: u64, may_quit: bool) {
    use tokio_stream::StreamExt;
    let mut rng = Rng::new(seed);
    let mut buf = Vec::new();
    loop {
        if may_quit && rng.chance(1) {
            // Walk away: a value handed to this receiver must be passed on.
            return;
        }
        if rng.chance(3) {
            // Fall behind now and then, so that buffers fill up and senders
            // wait (and close_now finds something to hand back).
            tokio::time::sleep(rng.tiny()).await;
        }
        match rng.below(8) {
            0 => match rx.recv().await {
                Ok(v) => ledger.received(v),
                Err(_) => break,
            },
            1 => match rx.try_recv() {
                Ok(v) => ledger.received(v),
                Err(TryRecvError::Empty) => tokio::task::yield_now().await,
                Err(TryRecvError::Closed) => break,
            },
            2 => match rx.recv_timeout(rng.tiny()).await {
                Ok(v) => ledger.received(v),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Closed) => break,
            },
            3 => {
                let limit = 1 + rng.below(8) as usize;
                if rx.recv_many(&mut buf, limit).await == 0 {
                    break;
                }
                assert!(buf.len() <= limit);
                buf.drain(..).for_each(|v| ledger.received(v));
            }
            4 | 5 => {
                // A recv raced against a timer or a yield; the loser is dropped.
                let res = if rng.chance(50) {
                    let d = rng.tiny();
                    tokio::select! {
                        res = rx.recv() => Some(res),
                        _ = tokio::time::sleep(d) => None,
                    }
                } else {
                    tokio::select! {
                        res = rx.recv() => Some(res),
                        _ = tokio::task::yield_now() => None,
                    }
                };
                match res {
                    Some(Ok(v)) => ledger.received(v),
                    Some(Err(_)) => break,
                    None => {}
                }
            }
            6 => {
                // The stream's next() raced against a timer; the loser is
                // dropped, leaving the stream registered in the channel.
                let d = rng.tiny();
                let res = tokio::select! {
                    res = rx.next() => Some(res),
                    _ = tokio::time::sleep(d) => None,
                };
                match res {
                    Some(Some(v)) => ledger.received(v),
                    Some(None) => break,
                    None => {}
                }
            }
            _ => {
                let limit = 1 + rng.below(8) as usize;
                let d = rng.tiny();
                let n = tokio::select! {
                    n = rx.recv_many(&mut buf, limit) => Some(n),
                    _ = tokio::time::sleep(d) => None,
                };
                if n == Some(0) {
                    break;
                }
                // A dropped recv_many moved nothing into `buf`.
                assert_eq!(buf.len(), n.unwrap_or(0));
                buf.drain(..).for_each(|v| ledger.received(v));
            }
        }
    }
    assert!(
        rx.is_finished(),
        "a consumer stopped before the channel finished"
    );
}

/// A consumer that only uses the `Stream` impl, never abandoning a `next()`.
async fn stream_consumer(
    mut rx: Receiver<Payload>,
    ledger: Arc<Ledger>,
    seed: u64,
    may_quit: bool,
) {
    use tokio_stream::StreamExt;
    let mut rng = Rng::new(seed);
    while let Some(v) = rx.next().await {
        ledger.received(v);
        if rng.chance(3) {
            tokio::time::sleep(rng.tiny()).await;
        }
        if may_quit && rng.chance(1) {
            // Dropping the receiver with its stream registration.
            return;
        }
    }
    assert!(
        rx.is_finished(),
        "a stream ended before the channel finished"
    );
}

/// One chaos run on a fresh channel.
async fn chaos_round(kind: Kind, seed: u64, per_producer: usize) {
    let total = PRODUCERS * per_producer;
    let ledger = Ledger::new(total);
    let (tx, rx) = kind.make::<Payload>();
    let mut rng = Rng::new(seed);
    let producers_done = Arc::new(AtomicBool::new(false));

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let ids = p * per_producer..(p + 1) * per_producer;
            tokio::spawn(chaos_producer(tx.clone(), ledger.clone(), ids, rng.next()))
        })
        .collect();
    // Consumer 0 never quits, so the channel is always drained; the others
    // may walk away, and one of them may be a stream.
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (rx, ledger, seed, may_quit) = (rx.clone(), ledger.clone(), rng.next(), c > 0);
            if c == CONSUMERS - 1 && rng.chance(50) {
                tokio::spawn(stream_consumer(rx, ledger, seed, may_quit))
            } else {
                tokio::spawn(chaos_consumer(rx, ledger, seed, may_quit))
            }
        })
        .collect();

    // The closer: at a random point, close() or close_now() from a random
    // handle. close_now's values count as handed back.
    let closer = {
        let threshold = rng.below(total as u64 + total as u64 / 4) as usize;
        let use_now = rng.chance(50);
        let handle: Result<Sender<Payload>, Receiver<Payload>> = if rng.chance(50) {
            Ok(tx.clone())
        } else {
            Err(rx.clone())
        };
        let ledger = ledger.clone();
        let producers_done = producers_done.clone();
        let mut rng = Rng::new(rng.next());
        tokio::spawn(async move {
            while ledger.settled.load(SeqCst) < threshold && !producers_done.load(SeqCst) {
                if rng.chance(50) {
                    tokio::task::yield_now().await;
                } else {
                    tokio::time::sleep(Duration::from_micros(rng.below(200))).await;
                }
            }
            let values = match (&handle, use_now) {
                (Ok(tx), false) => {
                    tx.close();
                    Vec::new()
                }
                (Err(rx), false) => {
                    rx.close();
                    Vec::new()
                }
                (Ok(tx), true) => tx.close_now(),
                (Err(rx), true) => rx.close_now(),
            };
            values.into_iter().for_each(|v| ledger.closed_now(v));
        })
    };
    // Waiters on close and finish must be woken.
    let closed_waiter = {
        let rx = rx.clone();
        tokio::spawn(async move { rx.closed().await })
    };
    let joiner = {
        let tx = tx.clone();
        tokio::spawn(async move { tx.join().await })
    };

    for p in producers {
        p.await.unwrap();
    }
    producers_done.store(true, SeqCst);
    closer.await.unwrap();
    // Closed already, unless the closer waited for the producers; a second
    // close_now races the consumers' drain.
    if rng.chance(25) {
        tx.close_now()
            .into_iter()
            .for_each(|v| ledger.closed_now(v));
    } else {
        tx.close();
    }
    for c in consumers {
        c.await.unwrap();
    }
    closed_waiter.await.unwrap();
    joiner.await.unwrap();

    assert!(rx.is_finished(), "{kind:?} seed {seed}: finished");
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    let stats = rx.stats();
    assert_eq!((stats.waiting_senders, stats.waiting_receivers), (0, 0));
    drop((tx, rx));
    ledger.check(&format!("chaos {kind:?} seed {seed}"));
    // Sanity of the counters against the ledger.
    let received: usize = ledger
        .received
        .iter()
        .map(|c| c.load(SeqCst) as usize)
        .sum();
    assert_eq!(
        stats.received, received as u64,
        "{kind:?} seed {seed}: stats.received"
    );
}

async fn chaos(kind: Kind) {
    let rounds = 150 * scale() as u64;
    let base = seed_base();
    for seed in base..base + rounds {
        chaos_round(kind, seed, 300).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chaos_bounded_1() {
    deadline("chaos_bounded_1", chaos(Kind::Bounded1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chaos_bounded_16() {
    deadline("chaos_bounded_16", chaos(Kind::Bounded16)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chaos_unbounded() {
    deadline("chaos_unbounded", chaos(Kind::Unbounded)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chaos_rendezvous() {
    deadline("chaos_rendezvous", chaos(Kind::Rendezvous)).await;
}

// ---------------------------------------------------------------------------
// Select chaos: the dynamic Select over two channels
// ---------------------------------------------------------------------------

/// How a select is run: wait, never wait, wait a little, or race the wait
/// against a timer and drop it.
async fn run_select(sel: &mut Select<'_>, rng: &mut Rng) -> (Option<usize>, bool) {
    match rng.below(4) {
        0 => (Some(sel.select().await), false),
        1 => (sel.try_select(), false),
        2 => (sel.select_timeout(rng.tiny()).await, false),
        _ => {
            let d = rng.tiny();
            let chosen = tokio::select! {
                i = sel.select() => Some(i),
                _ = tokio::time::sleep(d) => None,
            };
            (chosen, chosen.is_none())
        }
    }
}

/// Checks "exactly one case happened": if the select returned `chosen`, that
/// case and no other has a result; if it returned nothing, no case has one,
/// unless its future was dropped (then at most one, recorded in its case).
fn check_one_case(happened: &[Option<usize>; 2], chosen: Option<usize>, dropped: bool) {
    let n = happened.iter().filter(|h| h.is_some()).count();
    match chosen {
        Some(i) => assert!(
            n == 1 && happened.contains(&Some(i)),
            "select chose case {i} but cases {happened:?} happened"
        ),
        None if dropped => assert!(n <= 1, "a dropped select made {n} cases happen"),
        None => assert_eq!(n, 0, "a select that chose nothing made {n} cases happen"),
    }
}

/// A producer offering two values at once, one on each channel: exactly one
/// is sent (or refused), the other comes back from its case.
async fn select_producer(
    a: Sender<Payload>,
    b: Sender<Payload>,
    ledger: Arc<Ledger>,
    ids: std::ops::Range<usize>,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    // One select throughout: each round gives both send cases new values.
    let mut sel = Select::new();
    let mut cases: Option<(SendCase<'_, Payload>, SendCase<'_, Payload>)> = None;
    for id in ids.step_by(2) {
        let (ca, cb) = match cases.take() {
            None => (
                sel.send(&a, ledger.payload(id)),
                sel.send(&b, ledger.payload(id + 1)),
            ),
            Some((ca, cb)) => {
                let held = (
                    sel.set_value(&ca, ledger.payload(id)),
                    sel.set_value(&cb, ledger.payload(id + 1)),
                );
                assert!(
                    held.0.is_none() && held.1.is_none(),
                    "a case kept a value from the last round"
                );
                (ca, cb)
            }
        };
        let (ia, ib) = (ca.index(), cb.index());
        let (chosen, dropped) = run_select(&mut sel, &mut rng).await;
        let mut happened = [None, None];
        for (k, (case, index, id)) in [(&ca, ia, id), (&cb, ib, id + 1)].into_iter().enumerate() {
            match sel.take(case) {
                Some(Ok(())) => {
                    happened[k] = Some(index);
                    ledger.outcome(id, outcome::SENT);
                }
                Some(Err(SendError(v))) => {
                    happened[k] = Some(index);
                    ledger.back(v);
                }
                None => match sel.take_value(case) {
                    Some(v) => ledger.back(v),
                    None => panic!("send case {id}: no result and no value back"),
                },
            }
        }
        check_one_case(&happened, chosen, dropped);
        cases = Some((ca, cb));
    }
}

/// A consumer selecting over both channels until both are finished.
async fn select_consumer(
    a: Receiver<Payload>,
    b: Receiver<Payload>,
    ledger: Arc<Ledger>,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    let mut finished = [false, false];
    // One select throughout; a finished channel's case is always ready, so
    // it is removed.
    let mut sel = Select::new();
    let mut cases: [Option<RecvCase<'_, Payload>>; 2] = [Some(sel.recv(&a)), Some(sel.recv(&b))];
    while finished != [true, true] {
        let (chosen, dropped) = run_select(&mut sel, &mut rng).await;
        let mut happened = [None, None];
        for k in 0..2 {
            let Some(case) = &cases[k] else { continue };
            let index = case.index();
            match sel.take(case) {
                Some(Ok(v)) => ledger.received(v),
                Some(Err(_)) => finished[k] = true,
                None => continue,
            }
            happened[k] = Some(index);
            if finished[k] {
                let case = cases[k].take().expect("present");
                assert!(sel.remove(case).is_none(), "its result was taken");
            }
        }
        check_one_case(&happened, chosen, dropped);
        if chosen.is_none() {
            tokio::task::yield_now().await;
        }
    }
    assert!(a.is_finished() && b.is_finished());
}

/// One select chaos run on two fresh channels.
async fn select_chaos_round(kinds: (Kind, Kind), seed: u64, per_producer: usize) {
    let total = 4 * per_producer;
    let ledger = Ledger::new(total);
    let (ta, ra) = kinds.0.make::<Payload>();
    let (tb, rb) = kinds.1.make::<Payload>();
    let mut rng = Rng::new(seed);
    let range = |p: usize| p * per_producer..(p + 1) * per_producer;

    // Two select producers and a plain chaos producer on each channel.
    let producers = vec![
        tokio::spawn(select_producer(
            ta.clone(),
            tb.clone(),
            ledger.clone(),
            range(0),
            rng.next(),
        )),
        tokio::spawn(select_producer(
            tb.clone(),
            ta.clone(),
            ledger.clone(),
            range(1),
            rng.next(),
        )),
        tokio::spawn(chaos_producer(
            ta.clone(),
            ledger.clone(),
            range(2),
            rng.next(),
        )),
        tokio::spawn(chaos_producer(
            tb.clone(),
            ledger.clone(),
            range(3),
            rng.next(),
        )),
    ];
    // Two select consumers and a plain chaos consumer on each channel (which
    // never quit, so both channels are drained).
    let consumers = vec![
        tokio::spawn(select_consumer(
            ra.clone(),
            rb.clone(),
            ledger.clone(),
            rng.next(),
        )),
        tokio::spawn(select_consumer(
            rb.clone(),
            ra.clone(),
            ledger.clone(),
            rng.next(),
        )),
        tokio::spawn(chaos_consumer(
            ra.clone(),
            ledger.clone(),
            rng.next(),
            false,
        )),
        tokio::spawn(chaos_consumer(
            rb.clone(),
            ledger.clone(),
            rng.next(),
            false,
        )),
    ];
    // Close one of the channels (close or close_now) at a random point.
    let closer = {
        let threshold = rng.below(total as u64) as usize;
        let (tx, now) = (
            if rng.chance(50) {
                ta.clone()
            } else {
                tb.clone()
            },
            rng.chance(50),
        );
        let ledger = ledger.clone();
        tokio::spawn(async move {
            while ledger.settled.load(SeqCst) < threshold && !tx.is_closed() {
                tokio::time::sleep(Duration::from_micros(50)).await;
            }
            if now {
                tx.close_now()
                    .into_iter()
                    .for_each(|v| ledger.closed_now(v));
            } else {
                tx.close();
            }
        })
    };
    for p in producers {
        p.await.unwrap();
    }
    ta.close();
    tb.close();
    closer.await.unwrap();
    for c in consumers {
        c.await.unwrap();
    }
    assert!(
        ra.is_finished() && rb.is_finished(),
        "{kinds:?} seed {seed}"
    );
    drop((ta, ra, tb, rb));
    ledger.check(&format!("select chaos {kinds:?} seed {seed}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn select_chaos() {
    deadline("select_chaos", async {
        let base = seed_base();
        for seed in base..base + 320 * scale() as u64 {
            let kinds = (KINDS[seed as usize % 4], KINDS[seed as usize / 4 % 4]);
            select_chaos_round(kinds, seed, 300).await;
        }
    })
    .await;
}

// ---------------------------------------------------------------------------
// Plain threads: send_blocking / recv_blocking
// ---------------------------------------------------------------------------

fn threads_exact_once(kind: Kind, per_producer: usize) {
    let total = PRODUCERS * per_producer;
    let counts: Arc<Vec<AtomicU8>> = Arc::new((0..total).map(|_| AtomicU8::new(0)).collect());
    let (tx, rx) = kind.make::<usize>();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for id in p * per_producer..(p + 1) * per_producer {
                    tx.send_blocking(id).unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            let counts = counts.clone();
            std::thread::spawn(move || {
                let mut n = 0usize;
                while let Ok(id) = rx.recv_blocking() {
                    counts[id].fetch_add(1, SeqCst);
                    n += 1;
                }
                n
            })
        })
        .collect();
    drop(tx);
    for p in producers {
        p.join().unwrap();
    }
    let got: usize = consumers.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(got, total, "{kind:?}: total received");
    assert_each_once(&format!("threads {kind:?}"), &counts);
    assert!(rx.is_finished());
}

#[test]
fn threads_blocking_every_id_once() {
    on_a_thread("threads_blocking_every_id_once", || {
        let per_producer = 25_000 * scale();
        for kind in KINDS {
            threads_exact_once(kind, per_producer);
        }
    });
}

/// Plain threads with drop-counting payloads and a `close_now` from a third
/// thread in the middle: every value received, handed back or returned.
#[test]
fn threads_blocking_close_now_accounts_for_everything() {
    on_a_thread("threads_blocking_close_now_accounts_for_everything", || {
        let base = seed_base();
        for round in base..base + 20 * scale() as u64 {
            for kind in KINDS {
                let per_producer = 1_000;
                let total = PRODUCERS * per_producer;
                let ledger = Ledger::new(total);
                let (tx, rx) = kind.make::<Payload>();
                let producers: Vec<_> = (0..PRODUCERS)
                    .map(|p| {
                        let (tx, ledger) = (tx.clone(), ledger.clone());
                        std::thread::spawn(move || {
                            for id in p * per_producer..(p + 1) * per_producer {
                                match tx.send_blocking(ledger.payload(id)) {
                                    Ok(()) => ledger.outcome(id, outcome::SENT),
                                    Err(SendError(v)) => ledger.back(v),
                                }
                            }
                        })
                    })
                    .collect();
                let consumers: Vec<_> = (0..CONSUMERS)
                    .map(|_| {
                        let (rx, ledger) = (rx.clone(), ledger.clone());
                        std::thread::spawn(move || {
                            while let Ok(v) = rx.recv_blocking() {
                                ledger.received(v);
                            }
                        })
                    })
                    .collect();
                let threshold = Rng::new(round).below(total as u64) as usize;
                while ledger.settled.load(SeqCst) < threshold {
                    std::thread::yield_now();
                }
                for v in tx.close_now() {
                    ledger.closed_now(v);
                }
                for h in producers.into_iter().chain(consumers) {
                    h.join().unwrap();
                }
                drop((tx, rx));
                ledger.check(&format!("threads close_now {kind:?} round {round}"));
            }
        }
    });
}

// ---------------------------------------------------------------------------
// Streams mixed with recv
// ---------------------------------------------------------------------------

/// A `rx.next()` that loses a race (its `Next` future dropped) leaves the
/// receiver registered as a waiting stream. A value sent afterwards must not
/// be parked in that registration: once it was (fixed in a890f2a, streams are
/// now only woken), neither `recv` on the same handle nor any other receiver
/// could get it, and after close every `recv` hung.
///
/// Regression test, minimised from mixing `rx.next()` into the chaos
/// consumers.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn stream_next_cancelled_then_recv() {
    use tokio_stream::StreamExt;
    deadline("stream_next_cancelled_then_recv", async {
        let (tx, mut rx) = gochan::bounded::<u32>(1);
        let other = rx.clone();
        // `rx.next()` loses a race: polled once (registers), then dropped.
        let mut next = tokio_test::task::spawn(rx.next());
        assert!(next.poll().is_pending());
        drop(next);

        tx.try_send(1).unwrap(); // the abandoned stream registration is waiting
        drop(tx); // closed: the channel holds exactly one value, 1

        // One of the two receivers gets 1, the other sees the channel closed
        // and drained (the bug: both waited forever).
        let wait = Duration::from_secs(1);
        let got = tokio::join!(
            tokio::time::timeout(wait, rx.recv()),
            tokio::time::timeout(wait, other.recv()),
        );
        assert!(
            matches!(got, (Ok(Ok(1)), Ok(Err(_))) | (Ok(Err(_)), Ok(Ok(1)))),
            "the parked value is stuck: {got:?}"
        );
        assert!(rx.is_finished());
    })
    .await;
}

// ---------------------------------------------------------------------------
// The storm: idle handles must not hold the channel up (issue 15)
// ---------------------------------------------------------------------------

/// A producer mixing `send`, `try_send`, `reserve` (raced against a timer),
/// the `Sink` and `deliver`, that may be aborted at any await: each id is marked
/// [`outcome::MAYBE`] before its payload exists, so a value whose send or
/// `deliver` was dropped by the abort may have been sent (received once) or
/// dropped with its future (received never), but never both.
async fn storm_producer(
    tx: Sender<Payload>,
    ledger: Arc<Ledger>,
    ids: std::ops::Range<usize>,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    for id in ids {
        ledger.outcome(id, outcome::MAYBE);
        let v = ledger.payload(id);
        match rng.below(6) {
            0 | 1 => match tx.send(v).await {
                Ok(()) => ledger.outcome(id, outcome::SENT),
                Err(SendError(v)) => ledger.back(v),
            },
            2 => match tx.try_send(v) {
                Ok(()) => ledger.outcome(id, outcome::SENT),
                Err(TrySendError::Full(v) | TrySendError::Closed(v)) => ledger.back(v),
            },
            3 => {
                // A reservation raced against a timer: used, or given back.
                let permit = tokio::select! {
                    res = tx.reserve() => res.ok(),
                    _ = tokio::time::sleep(rng.tiny()) => None,
                };
                match permit {
                    Some(permit) => match permit.send(v) {
                        Ok(()) => ledger.outcome(id, outcome::SENT),
                        Err(SendError(v)) => ledger.back(v),
                    },
                    None => ledger.back(v),
                }
            }
            4 => {
                // Through the `Sink`: a value it accepts is in the channel.
                use futures::SinkExt;
                match tx.sink().send(v).await {
                    Ok(()) => ledger.outcome(id, outcome::SENT),
                    Err(SendError(v)) => ledger.back(v),
                }
            }
            _ => match tx.deliver(v).await {
                Ok(()) => ledger.outcome(id, outcome::DELIVERED),
                Err(DeliverError::Closed(v)) => ledger.back(v),
                Err(DeliverError::Undelivered) => ledger.outcome(id, outcome::UNDELIVERED),
            },
        }
        if rng.chance(10) {
            tokio::task::yield_now().await;
        }
    }
}

/// A consumer that owns two clones of the receiver, as the consumers of
/// issue 15 did: it races `stream.next()` against a short timer in a
/// `tokio::select!` loop (the timer winning leaves `stream` in line, idle,
/// and a value may be handed to it then), and now and then waits in a plain
/// `recv()` on its other clone. A value sitting in its own idle `stream`
/// while it waits in `plain.recv()` is the deadlock. Some of the races use
/// `poll_recv`, the manual form of `next()`.
async fn storm_consumer(
    mut stream: Receiver<Payload>,
    plain: Receiver<Payload>,
    ledger: Arc<Ledger>,
    seed: u64,
) {
    use tokio_stream::StreamExt;
    let mut rng = Rng::new(seed);
    loop {
        if rng.chance(40) {
            match plain.recv().await {
                Ok(v) => ledger.received(v),
                Err(_) => break,
            }
        } else if rng.chance(25) {
            // The manual form: `poll_recv` keeps the place in the handle too.
            let d = rng.tiny();
            tokio::select! {
                v = std::future::poll_fn(|cx| stream.poll_recv(cx)) => match v {
                    Some(v) => ledger.received(v),
                    None => break,
                },
                _ = tokio::time::sleep(d) => {}
            }
        } else {
            let d = rng.tiny();
            tokio::select! {
                v = stream.next() => match v {
                    Some(v) => ledger.received(v),
                    None => break,
                },
                _ = tokio::time::sleep(d) => {}
            }
        }
    }
    assert!(
        stream.is_finished(),
        "a consumer ended before the channel finished"
    );
}

/// One storm on a fresh channel: 4 producers, 6 consumers with two clones
/// each, a killer that aborts producers and consumers at random (consumer 0
/// is spared, so that the channel drains), then a final `close()`. Every
/// task ends, `join()` resolves, and every value is received exactly once or
/// handed back.
async fn storm_round(kind: Kind, seed: u64, per_producer: usize) {
    const STORM_CONSUMERS: usize = 6;
    let total = PRODUCERS * per_producer;
    let ledger = Ledger::new(total);
    let (tx, rx) = kind.make::<Payload>();
    let mut rng = Rng::new(seed);
    let range = |p: usize| p * per_producer..(p + 1) * per_producer;

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            tokio::spawn(storm_producer(
                tx.clone(),
                ledger.clone(),
                range(p),
                rng.next(),
            ))
        })
        .collect();
    let consumers: Vec<_> = (0..STORM_CONSUMERS)
        .map(|_| {
            tokio::spawn(storm_consumer(
                rx.clone(),
                rx.clone(),
                ledger.clone(),
                rng.next(),
            ))
        })
        .collect();
    let joiner = {
        let rx = rx.clone();
        tokio::spawn(async move { rx.join().await })
    };
    // The killer: a few aborts at random moments.
    let victims: Vec<(bool, usize)> = (0..rng.below(4) as usize + 1)
        .map(|_| {
            if rng.chance(30) {
                (true, rng.below(PRODUCERS as u64) as usize)
            } else {
                (false, 1 + rng.below(STORM_CONSUMERS as u64 - 1) as usize)
            }
        })
        .collect();
    let aborts: Vec<_> = producers
        .iter()
        .map(|h| h.abort_handle())
        .chain(consumers.iter().map(|h| h.abort_handle()))
        .collect();
    let killer = {
        let mut rng = Rng::new(rng.next());
        tokio::spawn(async move {
            for (producer, i) in victims {
                tokio::time::sleep(Duration::from_micros(rng.below(3000))).await;
                aborts[if producer { i } else { PRODUCERS + i }].abort();
            }
        })
    };
    drop(rx);

    let what = format!("storm {kind:?} seed {seed}");
    let finish = async {
        for p in producers {
            // Finished, or aborted.
            let _ = p.await;
        }
        killer.await.unwrap();
        // The ids an aborted producer never reached were never made: made
        // now and handed straight back, so that the ledger covers every id.
        for id in 0..total {
            if ledger.outcome[id].load(SeqCst) == 0 {
                ledger.back(ledger.payload(id));
            }
        }
        tx.close();
        for c in consumers {
            if let Err(e) = c.await {
                assert!(e.is_cancelled(), "{what}: a consumer panicked: {e}");
            }
        }
        joiner.await.unwrap();
    };
    if tokio::time::timeout(Duration::from_secs(10), finish)
        .await
        .is_err()
    {
        let s = tx.stats();
        panic!(
            "{what}: a task did not end: {} values sit in idle handles (sent {} - received {} - buffered {}); {s:?}",
            s.sent.saturating_sub(s.received + s.buffered as u64),
            s.sent,
            s.received,
            s.buffered,
        );
    }
    assert!(tx.is_finished(), "{what}: finished");
    let s = tx.stats();
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0), "{what}");
    drop(tx);
    ledger.check(&what);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_stream_handles_never_hold_the_channel_up_in_a_storm() {
    deadline(
        "idle_stream_handles_never_hold_the_channel_up_in_a_storm",
        async {
            let base = seed_base();
            for seed in base..base + 150 * scale() as u64 {
                for kind in KINDS {
                    storm_round(kind, seed, 50).await;
                }
            }
        },
    )
    .await;
}
