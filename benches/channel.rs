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
//! # The floor
//!
//! Every row also runs on the floor (`benches/common/floor.rs`), the column
//! after gochan: a channel that pays the contract's three prices (Tokio's
//! coop budget charged per completed operation; first-come-first-served
//! service, the counterpart completing the longest-waiting waiter under one
//! `parking_lot` mutex; no `unsafe`) and does nothing else. It is not a
//! peer: `gochan / floor` reads what gochan costs beyond those prices, and
//! the "best peer" ratio and the bold figure leave it out. It takes every
//! kind and several consumers; it has no select, so on the `select` rows it
//! runs `tokio::select!` over its own futures, as tokio mpsc and flume do;
//! it has no blocking calls, so on the `blocking` row its futures are
//! polled on the plain thread, parking it between polls
//! (`floor::block_on`), which is what gochan's blocking calls do too, less
//! gochan's check that the thread is not driving async code. The start-up
//! check of rendezvous channels covers it, and `cargo test --benches` runs
//! its own checks (`floor::self_test`) before criterion's test pass.
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
//! | `fanin` | 1000 producer tasks → 1 consumer task on `bounded(1)` and on `bounded(64)`, so most producers wait in the send queue |
//! | `create` | make a channel and drop both handles |
//! | `blocking` | `seq` through the blocking calls from a plain thread (the bench's main thread, outside the runtime): gochan's `send_blocking`/`recv_blocking`, tokio's `blocking_send`/`blocking_recv`, async-channel's `send_blocking`/`recv_blocking`, the synchronous handles of flume (`send`/`recv`), kanal (`kanal::bounded`) and crossfire (`mpmc::bounded_blocking`), and the floor's futures under `floor::block_on` |
//! | `select` | `recv2`: two producer tasks each feed their own `bounded(64)`; one task selects over both receivers until both are closed and drained. `send_recv`: one task selects between sending to a consumer task and receiving from a producer task, both over `bounded(64)`, while both sides have work left (the remainder runs without select, the same on every peer). Time per completed operation. gochan uses `gochan::select!`; tokio mpsc, flume and the floor use `tokio::select!` over their own futures (a send that loses is dropped, which the benchmark tolerates since its payload is a plain counter); async-channel, kanal and crossfire sit these rows out |
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
//!   workload runs on each peer and on the floor eleven times (after a
//!   calibration run that sizes the samples to about 30 ms; in eleven rounds
//!   over every row and column, so that a slow spell on a shared machine
//!   touches only a sample or two of each cell), and one markdown table of
//!   median nanoseconds per message is printed and written to
//!   `docs/bench.md` with the machine it ran on, next to a bar chart,
//!   `docs/bench.svg`. Besides gochan over the best peer and over the floor,
//!   the table gives the spread of gochan's and of the floor's samples (the
//!   slowest over the fastest): how far to trust a ratio. It takes about two
//!   minutes on two cores. Its last line of output reads
//!   `floor: worst wall clock R on ROW; rows above 1.25: N`: R is the largest
//!   of gochan's medians over the floor's (two decimals), ROW that row's
//!   label, N how many rows have gochan above 1.25 times the floor.
//!   `GOCHAN_BENCH_ROWS=seq,spsc` runs only the rows whose label contains one
//!   of the comma-separated words and writes nothing (a look while tuning;
//!   the last line then covers those rows).
//!
//! Heap use (bytes per idle channel, allocations per message) is measured in
//! `tests/alloc.rs`: a counting global allocator here would slow every peer.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

mod common;

use common::{
    column_name, command, commit, floor, loadavg, with_peer, AsyncChannel, CrossfireBounded, Floor,
    Flume, Gochan, Got as _, Kanal, Kind, Peer, Sent as _, TableRow, TokioBounded, COLUMNS, FLOOR,
    TABLE_ORDER,
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

/// The batch and the capacity of `seq`.
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
    for cap in [1, 64] {
        rows.push(Row {
            group: "fanin",
            id: format!("1000to1_bounded{cap}"),
            label: format!("fanin 1000→1 bounded({cap})"),
            work: Work::Flow {
                producers: 1000,
                consumers: 1,
                kind: Kind::Bounded(cap),
                big: false,
            },
        });
    }
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
/// mpsc, over flume and over the floor. `None` for the other peers.
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
        (FLOOR, Work::SelectRecv2) => {
            let (ta, ra) = floor::channel::<u64, true>(64);
            let (tb, rb) = floor::channel::<u64, true>(64);
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
        (FLOOR, Work::SelectSendRecv) => {
            let (to_consumer, from_select) = floor::channel::<u64, true>(64);
            let (to_select, from_producer) = floor::channel::<u64, true>(64);
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

/// The floor has no blocking calls of its own: its futures are polled on
/// the plain thread, which parks between polls (`floor::block_on`), as
/// gochan's blocking calls poll gochan's, without gochan's check that the
/// thread is not driving async code.
impl Blocking for Floor<true> {
    type BTx = floor::Tx<usize, true>;
    type BRx = floor::Rx<usize, true>;
    fn blocking(cap: usize) -> (Self::BTx, Self::BRx) {
        floor::channel(cap)
    }
    fn send_blocking(tx: &Self::BTx, v: usize) -> bool {
        floor::block_on(tx.send(v)).is_ok()
    }
    fn recv_blocking(rx: &mut Self::BRx) -> Option<usize> {
        floor::block_on(rx.recv())
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
        FLOOR => blocking_seq::<Floor<true>>(n),
        _ => unreachable!("six peers and the floor"),
    }
}

/// Runs `work` on column `peer` (a peer, or the floor: see `with_peer!`).
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
        common::check_rendezvous::<Floor<true>>().await;
    });
    rt
}

// ---------------------------------------------------------------------------
// Criterion
// ---------------------------------------------------------------------------

/// Every row on every peer and on the floor, as criterion benchmarks.
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
            for peer in TABLE_ORDER {
                if run_peer(rt, peer, row.work, 1).is_none() {
                    continue; // this peer sits the row out
                }
                let id = format!("{}/{}", row.id, column_name(peer).replace(' ', "_"));
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| run_peer(rt, peer, row.work, iters).expect("ran"))
                });
            }
        }
        group.finish();
    }
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

/// Quick mode's figures for one row: per column (numbered as in
/// `with_peer!`), the median of its samples and their spread (the slowest
/// sample over the fastest); `None` where the column sits the row out.
#[derive(Clone, Copy, Default)]
struct Cells {
    median: [Option<f64>; COLUMNS],
    spread: [Option<f64>; COLUMNS],
}

/// Quick mode's figures: one entry per row, each with a cell per column.
///
/// Each row is calibrated first; then every round takes one sample of every
/// row on every column, so a row's samples are spread over the whole run. On
/// a shared machine a slow spell of a few seconds then costs each cell one
/// or two of its samples, which the median drops, instead of every sample of
/// the rows that happened to run in it.
fn quick_rows(rt: &Runtime, rows: &[Row]) -> Vec<Cells> {
    let sizes: Vec<(Vec<bool>, u64)> = rows
        .iter()
        .map(|row| {
            let calib: Vec<Option<f64>> = (0..COLUMNS)
                .map(|p| run_peer(rt, p, row.work, QUICK_MIN).map(|d| per_msg(d, QUICK_MIN)))
                .collect();
            let slowest = calib.iter().flatten().copied().fold(0.0, f64::max);
            (
                calib.iter().map(Option::is_some).collect(),
                sample_size(slowest),
            )
        })
        .collect();
    let mut samples: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); COLUMNS]; rows.len()];
    for s in 0..QUICK_SAMPLES {
        for (r, row) in rows.iter().enumerate() {
            let (has, n) = &sizes[r];
            // Rotate the order so that no column always runs first (or last).
            for k in 0..COLUMNS {
                let p = (s + k) % COLUMNS;
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
            let mut out = Cells::default();
            for (p, s) in row.into_iter().enumerate() {
                if !s.is_empty() {
                    let lo = s.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = s.iter().copied().fold(0.0, f64::max);
                    out.spread[p] = Some(hi / lo);
                    out.median[p] = Some(median(s));
                }
            }
            out
        })
        .collect()
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
            TABLE_ORDER
                .iter()
                .map(|&c| r.median[c].map_or("-".into(), fmt_ns))
                .collect::<Vec<_>>()
                .join("  ")
        );
    }
    machine.load_after = loadavg();
    let elapsed = started.elapsed();

    let table = markdown_table(&rows, &results);
    let summary = common::floor_line(
        "wall clock",
        1.25,
        rows.iter()
            .zip(&results)
            .map(|(row, r)| (row.label.as_str(), r.median[0], r.median[FLOOR])),
    );
    println!("{table}");
    println!("quick mode took {:.1} s", elapsed.as_secs_f64());
    if only.is_some() {
        println!("GOCHAN_BENCH_ROWS is set: docs/ left as it was");
    } else {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).expect("create docs/");
        let md = report(&machine, &table, &summary, elapsed);
        std::fs::write(docs.join("bench.md"), md).expect("write docs/bench.md");
        let svg = svg_chart(&rows, &results, &machine);
        std::fs::write(docs.join("bench.svg"), svg).expect("write docs/bench.svg");
        println!("wrote docs/bench.md and docs/bench.svg");
    }
    // The last line of the output, for scripts and CI logs.
    println!("{summary}");
}

/// A spread for the table: `1.23×`, or `—`.
fn fmt_spread(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}×"))
}

/// The side-by-side table: a row per workload, a column per channel
/// (gochan, the floor, the peers), gochan's time over the best peer's and
/// over the floor's, and the spread of gochan's and the floor's samples.
fn markdown_table(rows: &[Row], results: &[Cells]) -> String {
    common::peer_table(
        "workload (ns per message)",
        &["gochan spread", "floor spread"],
        rows.iter().zip(results).map(|(row, r)| TableRow {
            label: &row.label,
            cells: &r.median,
            extra: vec![fmt_spread(r.spread[0]), fmt_spread(r.spread[FLOOR])],
        }),
        fmt_ns,
    )
}

/// `docs/bench.md`.
fn report(m: &Machine, table: &str, summary: &str, elapsed: Duration) -> String {
    format!(
        "# gochan benchmarks (quick mode)\n\n\
         Generated by `GOCHAN_BENCH_QUICK=1 cargo bench --bench channel`; the \
         workloads are defined at the top of `benches/channel.rs`. Each cell is \
         the median of {QUICK_SAMPLES} samples, in nanoseconds per message (per \
         round trip for `pingpong`, per channel for `create`); **bold** is the \
         fastest of the six peers in the row; — means the crate has no such \
         channel (no rendezvous in tokio mpsc, async-channel and crossfire), is \
         single-consumer (tokio mpsc in `mpmc`) or sits the row out (select). \
         The floor column is not a peer: it is `benches/common/floor.rs`, a \
         channel that pays the contract's three prices (Tokio's coop budget, \
         first-come-first-served hand-off to waiting tasks, no `unsafe`) and \
         nothing else, measured by the same workloads. `gochan / best peer` is \
         gochan's time divided by the best peer's, `gochan / floor` by the \
         floor's (below 1 gochan is faster); the spreads are the slowest of a \
         cell's samples over its fastest. Tokio multi-thread runtime, 2 \
         workers.\n\n\
         Quick mode is a coarse look, not criterion: samples of about {target_ms} ms, \
         no outlier analysis. The machine is shared with other work (see the \
         load average): single cells have moved by up to 2× between runs, so \
         read only large ratios, and use criterion for anything finer.\n\n\
         | machine | |\n|---|---|\n\
         | `uname -srm` | {} |\n| CPU | {} |\n| cores | {} |\n| rustc | {} |\n\
         | date | {} |\n| load average (1/5/15 min) before → after | {} → {} |\n\
         | gochan commit | {} |\n| quick mode took | {:.1} s |\n\n\
         {table}\n{summary}\n\n\
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
fn svg_chart(rows: &[Row], results: &[Cells], m: &Machine) -> String {
    // By column number (see `with_peer!`): the six peers, then the floor.
    const COLORS: [&str; COLUMNS] = [
        "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f",
    ];
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
        let bars = TABLE_ORDER
            .iter()
            .map(|&c| (column_name(c), COLORS[c], r.median[c]))
            .collect();
        groups.push((row.label.clone(), bars));
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
    for c in TABLE_ORDER {
        let p = match c {
            FLOOR => "floor (the three prices only)",
            c => column_name(c),
        };
        let c = COLORS[c];
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
        r##"<text x="10" y="{:.1}" fill="#555">n/a: the crate has no such channel (rendezvous), is single-consumer (mpmc) or sits the row out (select). Workloads and the floor: benches/channel.rs, benches/common/floor.rs.</text>"##,
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
    // Criterion's test mode (`cargo test --benches`: no `--bench`, or
    // `--test`) runs every benchmark once; the floor's own checks run first.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test") {
        floor::self_test();
        println!("channel: the floor's checks passed");
    }
    let rt = runtime();
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &rt);
    c.final_summary();
}
