//! gochan against its peers: the same workloads, on every channel, in one run.
//!
//! # Peers
//!
//! Six channels sit behind the small [`Peer`] trait of `benches/common/mod.rs`
//! (shared with `benches/instructions.rs`, so both benches make the same
//! calls): gochan, `tokio::sync::mpsc`, `async-channel`, `flume` (its async
//! API), `kanal` (its async API) and `crossfire` (its async MPMC API,
//! `crossfire::mpmc`). A peer that lacks a kind of channel sits that row out:
//!
//! * rendezvous: `tokio::sync::mpsc` has none (`channel(0)` panics), nor has
//!   `async-channel` (`bounded(0)` panics), nor `crossfire` (its
//!   `bounded_async(0)` is a channel of size 1); `flume::bounded(0)` and
//!   `kanal::bounded_async(0)` are rendezvous channels, which the bench checks
//!   at start-up (a send with nobody receiving must not complete);
//! * several consumers: `tokio::sync::mpsc` is single-consumer. Wrapping its
//!   receiver in a mutex would measure the mutex, not the channel, so it sits
//!   out the `mpmc` rows.
//!
//! # Workloads
//!
//! Every figure is the time per message (per round trip for `pingpong`, per
//! channel for `create`). Tasks run on one Tokio multi-thread runtime with two
//! workers, built once, outside the timed code; the time includes spawning the
//! workload's tasks, which is noise next to the thousands of messages each
//! task moves.
//!
//! | group | workload |
//! |---|---|
//! | `seq` | one task sends a batch of 1024 values, then receives them, on `bounded(1024)`, again and again: the cost of a message with no contention and no waiting |
//! | `spsc` | 1 producer task → 1 consumer task |
//! | `mpsc` | 4 producer tasks → 1 consumer task |
//! | `mpmc` | 4 producer tasks → 4 consumer tasks |
//! | `pingpong` | two tasks bounce one value over two channels; time per round trip |
//! | `fanin` | 1000 producer tasks → 1 consumer task on `bounded(64)`, so most producers wait in the send queue |
//! | `create` | make a channel and drop both handles |
//! | `blocking` | `seq` through the blocking calls from a plain thread (the bench's main thread, outside the runtime): gochan's `send_blocking`/`recv_blocking`, tokio's `blocking_send`/`blocking_recv`, async-channel's `send_blocking`/`recv_blocking`, and the synchronous handles of flume (`send`/`recv`), kanal (`kanal::bounded`) and crossfire (`mpmc::bounded_blocking`) |
//! | `select` | `recv2`: two producer tasks each feed their own `bounded(64)`; one task selects over both receivers until both are closed and drained. `send_recv`: one task selects between sending to a consumer task and receiving from a producer task, both over `bounded(64)`, while both sides have work left (the remainder runs without select, the same on every peer). Time per completed operation. gochan uses `gochan::select!`; tokio mpsc and flume use `tokio::select!` over their own futures (a send that loses is dropped, which the benchmark tolerates since its payload is a plain counter); async-channel, kanal and crossfire sit these rows out |
//! | `floor` | not a channel: the floor any channel built like gochan pays per message, measured like `seq` (batches of 1024) in the same run. `mutex`: an uncontended `std::sync::Mutex<VecDeque<usize>>`, one push and one pop per message, each under its own lock. `mutex_notify`: the same plus a `tokio::sync::Notify::notify_one` after every push and every pop |
//!
//! `spsc`, `mpsc` and `mpmc` run on `bounded(1)`, `bounded(1024)`,
//! `unbounded` and `rendezvous`, each with a `usize` payload and a 256-byte
//! payload (`[u8; 256]`). Producers share the messages evenly; consumers
//! receive until the channel is closed (every sender dropped) and drained, and
//! the bench checks that every message arrived. `pingpong` runs on `bounded(1)`
//! and `rendezvous`.
//!
//! # Running
//!
//! * `cargo bench --bench channel` runs criterion. Each criterion iteration is
//!   one message (`Throughput::Elements(1)`), so criterion's time is the time
//!   per message and its linear fit drops the fixed cost of spawning tasks.
//!   Filter as usual: `cargo bench --bench channel -- spsc/bounded1`.
//! * `GOCHAN_BENCH_QUICK=1 cargo bench --bench channel` skips criterion: each
//!   workload runs on each peer eleven times (after a calibration run that
//!   sizes the samples to about 30 ms; in eleven rounds over every row and
//!   peer, so that a slow spell on a shared machine touches only a sample or
//!   two of each cell), and one markdown
//!   table of median nanoseconds per message is printed and written to
//!   `docs/bench.md` with the machine it ran on, next to a bar chart,
//!   `docs/bench.svg`. It takes well under two minutes on two cores.
//!   `GOCHAN_BENCH_ROWS=seq,spsc` runs only the rows whose label contains one
//!   of the comma-separated words and writes nothing (a look while tuning).
//!
//! Heap use (bytes per idle channel, allocations per message) is measured in
//! `tests/alloc.rs`: a counting global allocator here would slow every peer.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, Notify};

mod common;

use common::{
    command, commit, loadavg, with_peer, AsyncChannel, CrossfireBounded, Flume, Gochan, Got as _,
    Kanal, Kind, Peer, Sent as _, TokioBounded, PEERS,
};

// ---------------------------------------------------------------------------
// The workloads
// ---------------------------------------------------------------------------

/// A message.
trait Payload: Send + Unpin + 'static {
    /// The `i`-th message.
    fn make(i: u64) -> Self;
}

impl Payload for usize {
    fn make(i: u64) -> Self {
        i as usize
    }
}

impl Payload for [u8; 256] {
    fn make(i: u64) -> Self {
        let mut a = [0; 256];
        a[0] = i as u8;
        a
    }
}

/// The batch and the capacity of `seq` (and of the floor).
const SEQ_BATCH: usize = 1024;

/// One workload.
#[derive(Clone, Copy, Debug)]
enum Work {
    /// Send a batch, receive it, on `bounded(SEQ_BATCH)`, in one task.
    Seq,
    /// Producers → consumers on one channel.
    Flow {
        producers: usize,
        consumers: usize,
        kind: Kind,
        /// `[u8; 256]` instead of `usize`.
        big: bool,
    },
    /// A value bounced between two tasks over two channels of this kind.
    PingPong(Kind),
    /// Make and drop a channel of this kind.
    Create(Kind),
    /// A select over two receivers.
    SelectRecv2,
    /// A select over a send and a receive.
    SelectSendRecv,
    /// `seq` through the blocking API, on a plain thread.
    Blocking,
}

impl Work {
    /// The kind of channel the workload asks a peer for.
    fn kind(self) -> Kind {
        match self {
            Work::Seq | Work::Blocking => Kind::Bounded(SEQ_BATCH),
            Work::Flow { kind, .. } | Work::PingPong(kind) | Work::Create(kind) => kind,
            Work::SelectRecv2 | Work::SelectSendRecv => Kind::Bounded(64),
        }
    }
}

/// A row of the table: a workload with its names.
struct Row {
    /// Criterion group.
    group: &'static str,
    /// Criterion id within the group.
    id: String,
    /// Table label.
    label: String,
    /// What to run.
    work: Work,
}

/// Every row, in table order.
fn rows() -> Vec<Row> {
    let mut rows = vec![
        Row {
            group: "seq",
            id: format!("bounded{SEQ_BATCH}"),
            label: format!("seq bounded({SEQ_BATCH})"),
            work: Work::Seq,
        },
        Row {
            group: "blocking",
            id: format!("bounded{SEQ_BATCH}"),
            label: format!("blocking seq bounded({SEQ_BATCH}), plain thread"),
            work: Work::Blocking,
        },
    ];
    let kinds = [
        Kind::Bounded(1),
        Kind::Bounded(1024),
        Kind::Unbounded,
        Kind::Rendezvous,
    ];
    for (group, producers, consumers) in [("spsc", 1, 1), ("mpsc", 4, 1), ("mpmc", 4, 4)] {
        for kind in kinds {
            for big in [false, true] {
                let payload = if big { "[u8; 256]" } else { "usize" };
                let slug = if big { "u8x256" } else { "usize" };
                rows.push(Row {
                    group,
                    id: format!("{}_{slug}", kind.slug()),
                    label: format!("{group} {producers}→{consumers} {} {payload}", kind.label()),
                    work: Work::Flow {
                        producers,
                        consumers,
                        kind,
                        big,
                    },
                });
            }
        }
    }
    for kind in [Kind::Bounded(1), Kind::Rendezvous] {
        rows.push(Row {
            group: "pingpong",
            id: kind.slug(),
            label: format!("pingpong {} (round trip)", kind.label()),
            work: Work::PingPong(kind),
        });
    }
    rows.push(Row {
        group: "fanin",
        id: "1000to1_bounded64".into(),
        label: "fanin 1000→1 bounded(64)".into(),
        work: Work::Flow {
            producers: 1000,
            consumers: 1,
            kind: Kind::Bounded(64),
            big: false,
        },
    });
    for kind in [Kind::Bounded(1024), Kind::Unbounded] {
        rows.push(Row {
            group: "create",
            id: kind.slug(),
            label: format!("create {} (per channel)", kind.label()),
            work: Work::Create(kind),
        });
    }
    rows.push(Row {
        group: "select",
        id: "recv2".into(),
        label: "select over 2 receivers".into(),
        work: Work::SelectRecv2,
    });
    rows.push(Row {
        group: "select",
        id: "send_recv".into(),
        label: "select over a send and a receive".into(),
        work: Work::SelectSendRecv,
    });
    rows
}

/// Runs `n` messages of `work` on `P`; `None` if `P` sits the row out. Must
/// run inside the runtime.
async fn run<P: Peer>(work: Work, n: u64) -> Option<Duration> {
    match work {
        Work::Seq => seq::<P>(n).await,
        Work::Flow {
            producers,
            consumers,
            kind,
            big: false,
        } => flow::<P, usize>(producers, consumers, kind, n).await,
        Work::Flow {
            producers,
            consumers,
            kind,
            big: true,
        } => flow::<P, [u8; 256]>(producers, consumers, kind, n).await,
        Work::PingPong(kind) => ping_pong::<P>(kind, n).await,
        Work::Create(kind) => create::<P>(kind, n),
        Work::SelectRecv2 | Work::SelectSendRecv | Work::Blocking => None,
    }
}

/// The select rows: gochan's `select!` against `tokio::select!` over tokio
/// mpsc and over flume. `None` for the other peers.
async fn select_work(peer: usize, work: Work, n: u64) -> Option<Duration> {
    let half = (n / 2).max(1);
    match (peer, work) {
        (0, Work::SelectRecv2) => {
            let (ta, ra) = gochan::bounded::<u64>(64);
            let (tb, rb) = gochan::bounded::<u64>(64);
            let start = Instant::now();
            let pa = tokio::spawn(async move {
                for i in 0..half {
                    ta.send(i).await.unwrap();
                }
            });
            let pb = tokio::spawn(async move {
                for i in 0..half {
                    tb.send(i).await.unwrap();
                }
            });
            let mut got = 0;
            loop {
                let done = gochan::select! {
                    recv(ra) -> m => m.is_err(),
                    recv(rb) -> m => m.is_err(),
                };
                if done {
                    // One side is finished: drain the other without select.
                    while ra.recv().await.is_ok() {
                        got += 1;
                    }
                    while rb.recv().await.is_ok() {
                        got += 1;
                    }
                    break;
                }
                got += 1;
            }
            pa.await.unwrap();
            pb.await.unwrap();
            assert_eq!(got, 2 * half);
            Some(start.elapsed())
        }
        (1, Work::SelectRecv2) => {
            let (ta, mut ra) = mpsc::channel::<u64>(64);
            let (tb, mut rb) = mpsc::channel::<u64>(64);
            let start = Instant::now();
            let pa = tokio::spawn(async move {
                for i in 0..half {
                    ta.send(i).await.unwrap();
                }
            });
            let pb = tokio::spawn(async move {
                for i in 0..half {
                    tb.send(i).await.unwrap();
                }
            });
            let mut got = 0;
            loop {
                tokio::select! {
                    Some(_) = ra.recv() => got += 1,
                    Some(_) = rb.recv() => got += 1,
                    else => break,
                }
            }
            pa.await.unwrap();
            pb.await.unwrap();
            assert_eq!(got, 2 * half);
            Some(start.elapsed())
        }
        (3, Work::SelectRecv2) => {
            let (ta, ra) = flume::bounded::<u64>(64);
            let (tb, rb) = flume::bounded::<u64>(64);
            let start = Instant::now();
            let pa = tokio::spawn(async move {
                for i in 0..half {
                    ta.send_async(i).await.unwrap();
                }
            });
            let pb = tokio::spawn(async move {
                for i in 0..half {
                    tb.send_async(i).await.unwrap();
                }
            });
            let mut got = 0;
            let (mut a_open, mut b_open) = (true, true);
            while a_open || b_open {
                tokio::select! {
                    r = ra.recv_async(), if a_open => match r {
                        Ok(_) => got += 1,
                        Err(_) => a_open = false,
                    },
                    r = rb.recv_async(), if b_open => match r {
                        Ok(_) => got += 1,
                        Err(_) => b_open = false,
                    },
                }
            }
            pa.await.unwrap();
            pb.await.unwrap();
            assert_eq!(got, 2 * half);
            Some(start.elapsed())
        }
        (0, Work::SelectSendRecv) => {
            let (to_consumer, from_select) = gochan::bounded::<u64>(64);
            let (to_select, from_producer) = gochan::bounded::<u64>(64);
            let start = Instant::now();
            let consumer = tokio::spawn(async move { while from_select.recv().await.is_ok() {} });
            let producer = tokio::spawn(async move {
                for i in 0..half {
                    to_select.send(i).await.unwrap();
                }
            });
            let (mut sent, mut got) = (0, 0);
            while sent < half && got < half {
                gochan::select! {
                    send(to_consumer, sent) -> r => { r.unwrap(); sent += 1 }
                    recv(from_producer) -> m => { m.unwrap(); got += 1 }
                }
            }
            while sent < half {
                to_consumer.send(sent).await.unwrap();
                sent += 1;
            }
            while got < half {
                from_producer.recv().await.unwrap();
                got += 1;
            }
            drop(to_consumer);
            consumer.await.unwrap();
            producer.await.unwrap();
            Some(start.elapsed())
        }
        (1, Work::SelectSendRecv) => {
            let (to_consumer, mut from_select) = mpsc::channel::<u64>(64);
            let (to_select, mut from_producer) = mpsc::channel::<u64>(64);
            let start = Instant::now();
            let consumer = tokio::spawn(async move { while from_select.recv().await.is_some() {} });
            let producer = tokio::spawn(async move {
                for i in 0..half {
                    to_select.send(i).await.unwrap();
                }
            });
            let (mut sent, mut got) = (0, 0);
            while sent < half && got < half {
                tokio::select! {
                    r = to_consumer.send(sent) => { r.unwrap(); sent += 1 }
                    m = from_producer.recv() => { m.unwrap(); got += 1 }
                }
            }
            while sent < half {
                to_consumer.send(sent).await.unwrap();
                sent += 1;
            }
            while got < half {
                from_producer.recv().await.unwrap();
                got += 1;
            }
            drop(to_consumer);
            consumer.await.unwrap();
            producer.await.unwrap();
            Some(start.elapsed())
        }
        (3, Work::SelectSendRecv) => {
            let (to_consumer, from_select) = flume::bounded::<u64>(64);
            let (to_select, from_producer) = flume::bounded::<u64>(64);
            let start = Instant::now();
            let consumer =
                tokio::spawn(async move { while from_select.recv_async().await.is_ok() {} });
            let producer = tokio::spawn(async move {
                for i in 0..half {
                    to_select.send_async(i).await.unwrap();
                }
            });
            let (mut sent, mut got) = (0, 0);
            while sent < half && got < half {
                tokio::select! {
                    r = to_consumer.send_async(sent) => { r.unwrap(); sent += 1 }
                    m = from_producer.recv_async() => { m.unwrap(); got += 1 }
                }
            }
            while sent < half {
                to_consumer.send_async(sent).await.unwrap();
                sent += 1;
            }
            while got < half {
                from_producer.recv_async().await.unwrap();
                got += 1;
            }
            drop(to_consumer);
            consumer.await.unwrap();
            producer.await.unwrap();
            Some(start.elapsed())
        }
        _ => None,
    }
}

/// `seq`: one task, batches of `SEQ_BATCH` sent then received.
async fn seq<P: Peer>(n: u64) -> Option<Duration> {
    tokio::spawn(async move {
        let (tx, mut rx) = P::new::<usize>(Kind::Bounded(SEQ_BATCH))?;
        let start = Instant::now();
        let mut left = n;
        while left > 0 {
            let batch = left.min(SEQ_BATCH as u64);
            for i in 0..batch {
                assert!(P::send(&tx, i as usize).await.sent(), "{}: closed", P::NAME);
            }
            for _ in 0..batch {
                black_box(P::recv(&mut rx).await.got().expect("seq: value"));
            }
            left -= batch;
        }
        Some(start.elapsed())
    })
    .await
    .expect("seq task")
}

/// `spsc`, `mpsc`, `mpmc`, `fanin`: `n` messages shared by the producers,
/// received by whichever consumer gets them first.
async fn flow<P: Peer, T: Payload>(
    producers: usize,
    consumers: usize,
    kind: Kind,
    n: u64,
) -> Option<Duration> {
    let (tx, rx) = P::new::<T>(kind)?;
    let mut rxs = Vec::with_capacity(consumers);
    for _ in 1..consumers {
        rxs.push(P::clone_rx(&rx)?);
    }
    rxs.push(rx);

    let start = Instant::now();
    let consumers: Vec<_> = rxs
        .into_iter()
        .map(|mut rx| {
            tokio::spawn(async move {
                let mut got = 0u64;
                while let Some(v) = P::recv(&mut rx).await.got() {
                    black_box(v);
                    got += 1;
                }
                got
            })
        })
        .collect();
    let per = n / producers as u64;
    let extra = n % producers as u64;
    let producers: Vec<_> = (0..producers as u64)
        .map(|p| {
            let tx = tx.clone();
            let share = per + u64::from(p < extra);
            tokio::spawn(async move {
                for i in 0..share {
                    assert!(P::send(&tx, T::make(i)).await.sent(), "{}: closed", P::NAME);
                }
            })
        })
        .collect();
    drop(tx);
    for p in producers {
        p.await.expect("producer task");
    }
    let mut got = 0;
    for c in consumers {
        got += c.await.expect("consumer task");
    }
    let elapsed = start.elapsed();
    assert_eq!(got, n, "{}: messages lost", P::NAME);
    Some(elapsed)
}

/// `pingpong`: `n` round trips between two tasks.
async fn ping_pong<P: Peer>(kind: Kind, n: u64) -> Option<Duration> {
    let (ping_tx, mut ping_rx) = P::new::<usize>(kind)?;
    let (pong_tx, mut pong_rx) = P::new::<usize>(kind)?;
    let echo = tokio::spawn(async move {
        while let Some(v) = P::recv(&mut ping_rx).await.got() {
            assert!(P::send(&pong_tx, v).await.sent(), "{}: closed", P::NAME);
        }
    });
    let elapsed = tokio::spawn(async move {
        let start = Instant::now();
        for i in 0..n {
            assert!(
                P::send(&ping_tx, i as usize).await.sent(),
                "{}: closed",
                P::NAME
            );
            black_box(P::recv(&mut pong_rx).await.got().expect("pingpong: pong"));
        }
        start.elapsed()
    })
    .await
    .expect("ping task");
    echo.await.expect("echo task");
    Some(elapsed)
}

/// `create`: `n` channels made and dropped.
fn create<P: Peer>(kind: Kind, n: u64) -> Option<Duration> {
    drop(P::new::<usize>(kind)?);
    let start = Instant::now();
    for _ in 0..n {
        black_box(P::new::<usize>(kind));
    }
    Some(start.elapsed())
}

/// A peer's blocking API, for the `blocking` row: a `bounded` channel used
/// from a plain thread, no runtime.
trait Blocking: Peer {
    /// The blocking sender.
    type BTx;
    /// The blocking receiver.
    type BRx;
    /// A blocking `bounded(cap)`.
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx);
    /// Sends, blocking the thread while the channel is full; `false` if it
    /// is closed.
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool;
    /// Receives, blocking the thread while the channel is empty.
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize>;
}

impl Blocking for Gochan {
    type BTx = gochan::Sender<usize>;
    type BRx = gochan::Receiver<usize>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        gochan::bounded(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        tx.send_blocking(v).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        rx.recv_blocking().ok()
    }
}

impl Blocking for TokioBounded {
    type BTx = mpsc::Sender<usize>;
    type BRx = mpsc::Receiver<usize>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        mpsc::channel(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        tx.blocking_send(v).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        rx.blocking_recv()
    }
}

impl Blocking for AsyncChannel {
    type BTx = async_channel::Sender<usize>;
    type BRx = async_channel::Receiver<usize>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        async_channel::bounded(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        tx.send_blocking(v).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        rx.recv_blocking().ok()
    }
}

impl Blocking for Flume {
    type BTx = flume::Sender<usize>;
    type BRx = flume::Receiver<usize>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        flume::bounded(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        tx.send(v).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        rx.recv().ok()
    }
}

impl Blocking for Kanal {
    type BTx = kanal::Sender<usize>;
    type BRx = kanal::Receiver<usize>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        kanal::bounded(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        tx.send(v).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        rx.recv().ok()
    }
}

impl Blocking for CrossfireBounded {
    type BTx = crossfire::MTx<crossfire::mpmc::Array<usize>>;
    type BRx = crossfire::MRx<crossfire::mpmc::Array<usize>>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        crossfire::mpmc::bounded_blocking(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        tx.send(v).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        rx.recv().ok()
    }
}

/// `blocking`: `seq` through the blocking calls, on the calling thread
/// (never a runtime thread: the blocking calls of gochan and tokio refuse
/// one).
fn blocking_seq<P: Blocking>(n: u64) -> Duration {
    let (tx, mut rx) = P::blocking(SEQ_BATCH);
    let start = Instant::now();
    let mut left = n;
    let mut got = 0;
    while left > 0 {
        let batch = left.min(SEQ_BATCH as u64);
        for i in 0..batch {
            assert!(P::send_blocking(&tx, i as usize), "{}: closed", P::NAME);
        }
        for i in 0..batch {
            let v = P::recv_blocking(&mut rx).expect("blocking: a value");
            assert_eq!(v as u64, i, "{}: blocking out of order", P::NAME);
            got += 1;
        }
        left -= batch;
    }
    let elapsed = start.elapsed();
    assert_eq!(got, n, "{}: messages lost", P::NAME);
    elapsed
}

/// Runs the `blocking` row on the `peer`-th peer.
fn blocking_peer(peer: usize, n: u64) -> Duration {
    match peer {
        0 => blocking_seq::<Gochan>(n),
        1 => blocking_seq::<TokioBounded>(n),
        2 => blocking_seq::<AsyncChannel>(n),
        3 => blocking_seq::<Flume>(n),
        4 => blocking_seq::<Kanal>(n),
        5 => blocking_seq::<CrossfireBounded>(n),
        _ => unreachable!("six peers"),
    }
}

/// `floor/mutex`: the per-message floor of a mutex over a deque.
fn floor_mutex(n: u64) -> Duration {
    let q = Mutex::new(VecDeque::<usize>::new());
    let start = Instant::now();
    let mut left = n;
    while left > 0 {
        let batch = left.min(SEQ_BATCH as u64);
        for i in 0..batch {
            q.lock().unwrap().push_back(i as usize);
        }
        for _ in 0..batch {
            black_box(q.lock().unwrap().pop_front());
        }
        left -= batch;
    }
    start.elapsed()
}

/// `floor/mutex_notify`: the same, plus a `Notify::notify_one` per operation.
fn floor_mutex_notify(n: u64) -> Duration {
    let q = Mutex::new(VecDeque::<usize>::new());
    let notify = Notify::new();
    let start = Instant::now();
    let mut left = n;
    while left > 0 {
        let batch = left.min(SEQ_BATCH as u64);
        for i in 0..batch {
            q.lock().unwrap().push_back(i as usize);
            notify.notify_one();
        }
        for _ in 0..batch {
            black_box(q.lock().unwrap().pop_front());
            notify.notify_one();
        }
        left -= batch;
    }
    start.elapsed()
}

/// A floor row.
struct Floor {
    /// Criterion id in the `floor` group.
    id: &'static str,
    /// Table label.
    label: &'static str,
    /// Runs `n` messages, returns the time taken.
    run: fn(u64) -> Duration,
}

/// The floor rows.
const FLOORS: [Floor; 2] = [
    Floor {
        id: "mutex",
        label: "floor: Mutex<VecDeque> push+pop",
        run: floor_mutex,
    },
    Floor {
        id: "mutex_notify",
        label: "floor: … + Notify::notify_one per op",
        run: floor_mutex_notify,
    },
];

/// Runs `work` on the `peer`-th peer of [`PEERS`].
fn run_peer(rt: &Runtime, peer: usize, work: Work, n: u64) -> Option<Duration> {
    match work {
        Work::SelectRecv2 | Work::SelectSendRecv => rt.block_on(select_work(peer, work, n)),
        // On this (plain) thread, outside the runtime.
        Work::Blocking => Some(blocking_peer(peer, n)),
        _ => with_peer!(peer, work.kind(), run_on(rt, work, n)),
    }
}

/// Runs `work` on `P` inside the runtime.
fn run_on<P: Peer>(rt: &Runtime, work: Work, n: u64) -> Option<Duration> {
    rt.block_on(run::<P>(work, n))
}

/// The runtime every workload runs on: two workers.
fn runtime() -> Runtime {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        common::check_rendezvous::<Gochan>().await;
        common::check_rendezvous::<Flume>().await;
        common::check_rendezvous::<Kanal>().await;
    });
    rt
}

// ---------------------------------------------------------------------------
// Criterion
// ---------------------------------------------------------------------------

/// Every row on every peer, plus the floor, as criterion benchmarks.
fn criterion_benches(c: &mut Criterion, rt: &Runtime) {
    let rows = rows();
    let mut groups: Vec<&'static str> = Vec::new();
    for row in &rows {
        if !groups.contains(&row.group) {
            groups.push(row.group);
        }
    }
    for name in groups {
        let mut group = c.benchmark_group(name);
        group
            .throughput(Throughput::Elements(1))
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for row in rows.iter().filter(|r| r.group == name) {
            for (peer, peer_name) in PEERS.iter().enumerate() {
                if run_peer(rt, peer, row.work, 1).is_none() {
                    continue; // this peer sits the row out
                }
                let id = format!("{}/{}", row.id, peer_name.replace(' ', "_"));
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| run_peer(rt, peer, row.work, iters).expect("ran"))
                });
            }
        }
        group.finish();
    }
    let mut group = c.benchmark_group("floor");
    group
        .throughput(Throughput::Elements(1))
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for floor in FLOORS {
        group.bench_function(floor.id, |b| b.iter_custom(floor.run));
    }
    group.finish();
}

// ---------------------------------------------------------------------------
// Quick mode
// ---------------------------------------------------------------------------

/// Samples per cell in quick mode; the median is reported.
const QUICK_SAMPLES: usize = 11;
/// What one quick sample of the slowest peer should take.
const QUICK_TARGET: Duration = Duration::from_millis(30);
/// Messages in the calibration run, and the fewest in a sample.
const QUICK_MIN: u64 = 2_000;
/// The most messages in a sample.
const QUICK_MAX: u64 = 500_000;

/// Nanoseconds per message.
fn per_msg(d: Duration, n: u64) -> f64 {
    d.as_nanos() as f64 / n as f64
}

/// The median of some samples.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// How many messages make a sample of about [`QUICK_TARGET`], from the
/// slowest calibration figure.
fn sample_size(slowest_ns: f64) -> u64 {
    let n = QUICK_TARGET.as_nanos() as f64 / slowest_ns.max(0.1);
    (n as u64).clamp(QUICK_MIN, QUICK_MAX)
}

/// Quick mode's medians: one entry per row and peer.
///
/// Each row is calibrated first; then every round takes one sample of every
/// row on every peer, so a row's samples are spread over the whole run. On a
/// shared machine a slow spell of a few seconds then costs each cell one or
/// two of its samples, which the median drops, instead of every sample of
/// the rows that happened to run in it.
fn quick_rows(rt: &Runtime, rows: &[Row]) -> Vec<[Option<f64>; 6]> {
    let sizes: Vec<(Vec<bool>, u64)> = rows
        .iter()
        .map(|row| {
            let calib: Vec<Option<f64>> = (0..PEERS.len())
                .map(|p| run_peer(rt, p, row.work, QUICK_MIN).map(|d| per_msg(d, QUICK_MIN)))
                .collect();
            let slowest = calib.iter().flatten().copied().fold(0.0, f64::max);
            (
                calib.iter().map(Option::is_some).collect(),
                sample_size(slowest),
            )
        })
        .collect();
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); PEERS.len()]; rows.len()];
    for s in 0..QUICK_SAMPLES {
        for (r, row) in rows.iter().enumerate() {
            let (has, n) = &sizes[r];
            // Rotate the order so that no peer always runs first (or last).
            for k in 0..PEERS.len() {
                let p = (s + k) % PEERS.len();
                if has[p] {
                    let d = run_peer(rt, p, row.work, *n).expect("ran in calibration");
                    samples[r][p].push(per_msg(d, *n));
                }
            }
        }
        eprintln!("round {}/{QUICK_SAMPLES} done", s + 1);
    }
    samples
        .into_iter()
        .map(|row| {
            let mut out = [None; 6];
            for (p, s) in row.into_iter().enumerate() {
                if !s.is_empty() {
                    out[p] = Some(median(s));
                }
            }
            out
        })
        .collect()
}

/// The median of the floor workload `f`.
fn quick_floor(f: fn(u64) -> Duration) -> f64 {
    let calib = per_msg(f(QUICK_MIN * 10), QUICK_MIN * 10);
    let n = sample_size(calib);
    median(
        (0..QUICK_SAMPLES)
            .map(|_| per_msg(f(n), n))
            .collect::<Vec<_>>(),
    )
}

/// A figure for a table cell.
fn fmt_ns(ns: f64) -> String {
    if ns < 10.0 {
        format!("{ns:.2}")
    } else if ns < 100.0 {
        format!("{ns:.1}")
    } else {
        format!("{ns:.0}")
    }
}

/// The machine, for the report.
struct Machine {
    uname: String,
    cpu: String,
    cores: usize,
    rustc: String,
    date: String,
    load_before: String,
    load_after: String,
    /// The commit measured (see `common::commit`).
    commit: String,
}

impl Machine {
    fn probe() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            uname: command("uname", &["-srm"]),
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            rustc: command("rustc", &["-V"]),
            date: command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            load_before: loadavg(),
            load_after: String::new(),
            commit: commit(),
        }
    }
}

/// Quick mode: every row on every peer, a table on stdout, `docs/bench.md`
/// and `docs/bench.svg`.
fn quick() {
    let started = Instant::now();
    let mut machine = Machine::probe();
    let rt = runtime();
    // `GOCHAN_BENCH_ROWS=seq,spsc` keeps the rows whose label contains one of
    // the words, prints them and writes nothing: a look while tuning.
    let only: Option<Vec<String>> = std::env::var("GOCHAN_BENCH_ROWS")
        .ok()
        .map(|v| v.split(',').map(str::to_string).collect());
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| {
            only.as_ref()
                .is_none_or(|w| w.iter().any(|w| r.label.contains(w.as_str())))
        })
        .collect();
    let results = quick_rows(&rt, &rows);
    for (row, r) in rows.iter().zip(&results) {
        eprintln!(
            "{:<44} {}",
            row.label,
            r.iter()
                .map(|v| v.map_or("-".into(), fmt_ns))
                .collect::<Vec<_>>()
                .join("  ")
        );
    }
    let floors: Vec<f64> = FLOORS.iter().map(|f| quick_floor(f.run)).collect();
    machine.load_after = loadavg();
    let elapsed = started.elapsed();

    let table = markdown_table(&rows, &results, &floors);
    println!("{table}");
    println!("quick mode took {:.1} s", elapsed.as_secs_f64());
    if only.is_some() {
        println!("GOCHAN_BENCH_ROWS is set: docs/ left as it was");
        return;
    }

    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::fs::create_dir_all(&docs).expect("create docs/");
    let md = report(&machine, &table, elapsed);
    std::fs::write(docs.join("bench.md"), md).expect("write docs/bench.md");
    let svg = svg_chart(&rows, &results, &floors, &machine);
    std::fs::write(docs.join("bench.svg"), svg).expect("write docs/bench.svg");
    println!("wrote docs/bench.md and docs/bench.svg");
}

/// The side-by-side table: a row per workload, a column per peer, then
/// gochan's time over the best peer's.
fn markdown_table(rows: &[Row], results: &[[Option<f64>; 6]], floors: &[f64]) -> String {
    let mut t = common::peer_table(
        "workload (ns per message)",
        "gochan ÷ best peer",
        rows.iter()
            .zip(results)
            .map(|(row, r)| (row.label.as_str(), r.as_slice())),
        fmt_ns,
    );
    for (floor, v) in FLOORS.iter().zip(floors) {
        let _ = write!(t, "| {} | {} |", floor.label, fmt_ns(*v));
        for _ in 1..PEERS.len() {
            t.push_str(" |");
        }
        t.push_str(" |\n");
    }
    t
}

/// `docs/bench.md`.
fn report(m: &Machine, table: &str, elapsed: Duration) -> String {
    format!(
        "# gochan benchmarks (quick mode)\n\n\
         Generated by `GOCHAN_BENCH_QUICK=1 cargo bench --bench channel`; the \
         workloads are defined at the top of `benches/channel.rs`. Each cell is \
         the median of {QUICK_SAMPLES} samples, in nanoseconds per message (per \
         round trip for `pingpong`, per channel for `create`); **bold** is the \
         fastest in the row; — means the crate has no such channel (no \
         rendezvous in tokio mpsc, async-channel and crossfire), is \
         single-consumer (tokio mpsc in `mpmc`) or sits the row out (select). \
         The last column is gochan's time divided by \
         the best peer's: below 1 gochan is faster. Tokio multi-thread runtime, \
         2 workers. The floor rows are not channels: an uncontended mutex over \
         a deque, and the same with a `Notify::notify_one` per operation.\n\n\
         Quick mode is a coarse look, not criterion: samples of about {target_ms} ms, \
         no outlier analysis. The machine is shared with other work (see the \
         load average): single cells have moved by up to 2× between runs, so \
         read only large ratios, and use criterion for anything finer.\n\n\
         | machine | |\n|---|---|\n\
         | `uname -srm` | {} |\n| CPU | {} |\n| cores | {} |\n| rustc | {} |\n\
         | date | {} |\n| load average (1/5/15 min) before → after | {} → {} |\n\
         | gochan commit | {} |\n| quick mode took | {:.1} s |\n\n\
         {table}\n\
         ![bar chart of the table](bench.svg)\n",
        m.uname,
        m.cpu,
        m.cores,
        m.rustc,
        m.date,
        m.load_before,
        m.load_after,
        m.commit,
        elapsed.as_secs_f64(),
        target_ms = QUICK_TARGET.as_millis(),
    )
}

/// Escapes text for SVG.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `docs/bench.svg`: a grouped horizontal bar chart on a log scale, one group
/// per workload, one bar per peer; 900 px wide.
fn svg_chart(rows: &[Row], results: &[[Option<f64>; 6]], floors: &[f64], m: &Machine) -> String {
    const COLORS: [&str; 6] = [
        "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
    ];
    const FLOOR_COLOR: &str = "#7f7f7f";
    const WIDTH: f64 = 900.0;
    const LABEL_W: f64 = 250.0; // workload labels
    const X0: f64 = LABEL_W + 10.0;
    const X1: f64 = WIDTH - 70.0; // room for the value after the longest bar
    const BAR: f64 = 9.0;
    const GAP: f64 = 1.0;
    const GROUP_GAP: f64 = 12.0;
    const TOP: f64 = 96.0;

    // A group: a label and its bars (series name, colour, value).
    type Bars<'a> = Vec<(&'a str, &'a str, Option<f64>)>;
    let mut groups: Vec<(String, Bars<'_>)> = Vec::new();
    for (row, r) in rows.iter().zip(results) {
        let bars = PEERS
            .iter()
            .zip(COLORS)
            .zip(r)
            .map(|((p, c), v)| (*p, c, *v))
            .collect();
        groups.push((row.label.clone(), bars));
    }
    for (floor, v) in FLOORS.iter().zip(floors) {
        groups.push((
            floor.label.to_string(),
            vec![("floor", FLOOR_COLOR, Some(*v))],
        ));
    }

    let all = groups.iter().flat_map(|g| g.1.iter().filter_map(|b| b.2));
    let (lo, hi) = all.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let lo_exp = lo.max(0.01).log10().floor() as i32;
    let hi_exp = (hi.max(1.0).log10().ceil() as i32).max(lo_exp + 1);
    let x = |v: f64| {
        let t = (v.max(10f64.powi(lo_exp)).log10() - lo_exp as f64) / (hi_exp - lo_exp) as f64;
        X0 + t * (X1 - X0)
    };

    let height: f64 = TOP
        + groups
            .iter()
            .map(|g| g.1.len() as f64 * (BAR + GAP) + GROUP_GAP)
            .sum::<f64>()
        + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="16" font-weight="bold">gochan vs peers: time per message (log scale, lower is better)</text>
<text x="10" y="40" fill="#555">median of {QUICK_SAMPLES} quick-mode samples; tokio multi-thread runtime, 2 workers; {} · {} · {} cores · {}</text>"##,
        xml(&m.date),
        xml(&m.cpu),
        m.cores,
        xml(&m.rustc)
    );
    // Legend.
    let mut lx = 10.0;
    for (p, c) in PEERS
        .iter()
        .zip(COLORS)
        .chain([(&"floor (not a channel)", FLOOR_COLOR)])
    {
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="52" width="12" height="12" fill="{c}"/><text x="{}" y="62">{}</text>"#,
            lx + 16.0,
            xml(p)
        );
        lx += 26.0 + 7.0 * p.len() as f64;
    }
    // Grid and axis labels: powers of ten, top and bottom.
    let bottom = height - 34.0;
    for e in lo_exp..=hi_exp {
        let v = 10f64.powi(e);
        let gx = x(v);
        let label = if v >= 1000.0 {
            format!("{} µs", v / 1000.0)
        } else if v >= 1.0 {
            format!("{v} ns")
        } else {
            format!("{v:.2} ns")
        };
        let _ = writeln!(
            s,
            r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{bottom:.1}" stroke="#ddd"/><text x="{gx:.1}" y="{}" text-anchor="middle" fill="#555">{label}</text><text x="{gx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{label}</text>"##,
            TOP - 14.0,
            TOP - 18.0,
            bottom + 14.0
        );
        // Minor ticks at 2..9 × 10^e.
        if e < hi_exp {
            for k in 2..10 {
                let mx = x(v * k as f64);
                let _ = writeln!(
                    s,
                    r##"<line x1="{mx:.1}" y1="{}" x2="{mx:.1}" y2="{bottom:.1}" stroke="#f2f2f2"/>"##,
                    TOP - 14.0
                );
            }
        }
    }
    let mut y = TOP;
    for (gi, (label, bars)) in groups.iter().enumerate() {
        let gh = bars.len() as f64 * (BAR + GAP);
        if gi % 2 == 1 {
            let _ = writeln!(
                s,
                r##"<rect x="0" y="{:.1}" width="{WIDTH}" height="{:.1}" fill="#000" fill-opacity="0.03"/>"##,
                y - GROUP_GAP / 2.0,
                gh + GROUP_GAP
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{LABEL_W}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            y + gh / 2.0,
            xml(label)
        );
        for (bi, (_, color, v)) in bars.iter().enumerate() {
            let by = y + bi as f64 * (BAR + GAP);
            match v {
                Some(v) => {
                    let w = (x(*v) - X0).max(1.0);
                    let _ = writeln!(
                        s,
                        r#"<rect x="{X0}" y="{by:.1}" width="{w:.1}" height="{BAR}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="9" dominant-baseline="middle">{}</text>"#,
                        X0 + w + 3.0,
                        by + BAR / 2.0,
                        fmt_ns(*v)
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        r##"<text x="{:.1}" y="{:.1}" font-size="9" fill="#999" dominant-baseline="middle">n/a</text>"##,
                        X0 + 3.0,
                        by + BAR / 2.0
                    );
                }
            }
        }
        y += gh + GROUP_GAP;
    }
    let _ = writeln!(
        s,
        r##"<text x="10" y="{:.1}" fill="#555">n/a: the crate has no such channel (rendezvous) or is single-consumer (mpmc). Workloads: benches/channel.rs.</text>"##,
        height - 8.0
    );
    s.push_str("</svg>\n");
    s
}

fn main() {
    if std::env::var("GOCHAN_BENCH_QUICK").is_ok_and(|v| v == "1") {
        quick();
        return;
    }
    let rt = runtime();
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &rt);
    c.final_summary();
}
