//! Instructions per message, counted by valgrind's callgrind: the yardstick
//! gochan is tuned against.
//!
//! Wall clock on a shared two-core VM moves by 20–50% between runs; an
//! instruction count on a current-thread Tokio runtime is the same to about
//! 0.1% whatever the machine is doing, so a change of a few instructions per
//! message shows. It is not time (a cache miss or a contended lock costs far
//! more than one instruction, and a second core is never used), so read it
//! next to `benches/channel.rs`, not instead of it.
//!
//! # Running
//!
//! * `cargo bench --bench instructions` prints the table below and writes it
//!   to `docs/instructions.md`, with the rustc version and the commit. Its
//!   last line of output reads
//!   `floor: worst instructions R on ROW; rows above 1.1: N`: R is the
//!   largest of gochan's counts over the floor's (two decimals), ROW the
//!   name of its row (as in `--list`), N how many rows have gochan above
//!   1.1 times the floor. `-- --rows seq,spsc` runs only the rows whose name
//!   contains one of the comma-separated words (and leaves `docs/` alone;
//!   the last line then covers those rows).
//! * `cargo bench --bench instructions -- --profile spsc_bounded1 gochan`
//!   runs one workload on one peer once under callgrind and prints
//!   `callgrind_annotate`'s **self** cost per function (the instructions
//!   spent in each function's own code, leaves included: where the
//!   instructions go); add `--inclusive` for inclusive cost (each function
//!   with everything it calls: which step costs what). Only the workload is
//!   counted (`--toggle-collect` on its driver function), not start-up; the
//!   header gives the total per message. The callgrind file stays in
//!   `target/tmp/` for `callgrind_annotate` options or KCachegrind.
//!   Row names are the first column of `--list`.
//! * `cargo bench --bench instructions -- --floor [WORDS]` counts gochan,
//!   the floor with and without Tokio's coop budget, and kanal, on every row
//!   (or those whose name contains one of the comma-separated words): what
//!   the budget costs, and how far the floor is from the fewest-instruction
//!   peer. It prints its table and writes nothing.
//! * Without `--bench` (as `cargo test --benches` runs it), the floor's own
//!   checks run (`floor::self_test`), then every workload runs once on every
//!   peer and on both floors natively, small, checking its message counts.
//!
//! valgrind must be on `PATH` (`apt-get install valgrind`); without it the
//! bench says so and exits with an error. CI installs it if it is missing.
//!
//! # Method
//!
//! Each cell runs its workload twice, in two fresh processes under
//! `valgrind --tool=callgrind`, with N and with 2N messages (this binary
//! re-executed as `--child ROW PEER N`), and reports
//! (Ir(2N) − Ir(N)) / N: the difference cancels everything that does not
//! grow with N — process and valgrind start-up, building the runtime,
//! creating the channels, spawning the tasks, first-touch page faults of
//! the buffers. The processes run two at a time (callgrind counts are not
//! affected by load). Each process builds a `tokio` current-thread runtime,
//! so every task of a workload runs on one thread, deterministically.
//! Every workload counts the messages it moves and asserts the count (and
//! the values where their order is defined), so a peer that skipped work
//! would fail the run rather than look fast.
//!
//! Counts depend on the build, not only the code. With 16 codegen units
//! an unrelated edit moved code between units and shifted a peer's cell by
//! a few percent (seen on async-channel, up to 5%), so `Cargo.toml`'s
//! `[profile.bench]` builds with one codegen unit (and line tables, for
//! `callgrind_annotate`). Compare a change against a table built the same
//! way, with the same rustc.
//!
//! Repeated runs give the same count to the instruction on every row but
//! `select2`, where the ready case is picked at random (by `gochan::select!`
//! and by `tokio::select!`): its cells move by about 0.5% between runs.
//! Each peer's own send and receive futures are awaited directly (see the
//! `Peer` trait): an `async` wrapper around them cost gochan about 65
//! instructions per message on `seq` and kanal about 75, which is bench,
//! not channel.
//!
//! Why a driver of our own rather than gungraun (formerly iai-callgrind):
//! gungraun needs its runner binary installed with `cargo install`, at the
//! exact version of the library, and runs each benchmark function in a
//! process of its own, which is what this does too; a small driver needs no
//! extra install, runs with one `cargo bench` command in CI and on a
//! laptop, and does the N/2N difference that cancels the runtime's start-up
//! (gungraun measures one function call, start-up cost included unless set
//! up outside it).
//!
//! # Peers and the floor
//!
//! gochan, `tokio::sync::mpsc`, `async-channel`, `flume` (async API), `kanal`
//! (async API) and `crossfire` (async MPMC API), behind the `Peer` trait in
//! `benches/common/mod.rs` shared with `benches/channel.rs`. A peer without a
//! kind of channel sits its rows out (—): tokio mpsc, async-channel and
//! crossfire have no rendezvous channel; only gochan, tokio mpsc, flume and
//! the floor take part in the select row.
//!
//! The floor (`benches/common/floor.rs`) is a column of every row, second
//! after gochan, but not a peer: it is the least a channel can run while it
//! pays the contract's three prices (Tokio's coop budget charged per
//! completed operation, first-come-first-served service with the
//! counterpart completing the longest-waiting waiter under one
//! `parking_lot` mutex, no `unsafe`) and does nothing else. `gochan / floor`
//! is what gochan spends beyond those prices. It has no select: on the
//! select row it runs `tokio::select!` over its own receive futures, as
//! tokio mpsc does (each losing receive is dropped, and passes on any value
//! it had been handed). The "best peer" ratio and the bold figure leave it
//! out.
//!
//! # Workloads
//!
//! | row | workload | per |
//! |---|---|---|
//! | `seq_bounded1024` | one task: 1024 sends, then 1024 receives, on `bounded(1024)`, repeated; `usize` | message |
//! | `seq_bounded1024_u64x32` | the same with `[u64; 32]` (256-byte) messages | message |
//! | `seq_unbounded` | the same on `unbounded` | message |
//! | `spsc_bounded1` | a producer task sends N values to a consumer task on `bounded(1)`; `usize` | message |
//! | `spsc_bounded1024` | the same on `bounded(1024)` | message |
//! | `spsc_unbounded` | the same on `unbounded` | message |
//! | `spsc_rendezvous` | the same on a rendezvous channel | message |
//! | `spsc_bounded1_u64x32` | `spsc_bounded1` with `[u64; 32]` (256-byte) messages: a large value through every wait | message |
//! | `spsc_rendezvous_u64x32` | `spsc_rendezvous` with `[u64; 32]` messages | message |
//! | `mpsc4_bounded1` | 4 producer tasks (N/4 values each) → 1 consumer task on `bounded(1)` | message |
//! | `fanin256_bounded1` | 256 producer tasks (N/256 values each) → 1 consumer task on `bounded(1)`; `usize`: nearly every send waits in a long line | message |
//! | `fanin256_bounded64` | the same on `bounded(64)` | message |
//! | `pingpong_bounded1` | two tasks bounce a value over two `bounded(1)` channels | round trip |
//! | `pingpong_rendezvous` | the same over two rendezvous channels | round trip |
//! | `select2` | two producer tasks each feed their own `bounded(64)` (N/2 values each); one task selects over both receivers until both are closed and drained. gochan: `gochan::select!` (once one side is finished, the other is drained with `recv`); tokio mpsc, flume and the floor: `tokio::select!` over their own `recv` futures | message |
//! | `create` | create a `bounded(1024)` channel and drop both handles | channel |
//! | `try` | one task: 1024 `try_send`, then 1024 `try_recv`, on `bounded(1024)`, repeated; each must succeed | message |
//!
//! Consumers receive until the channel is closed (every sender dropped) and
//! drained. `seq`, `spsc`, `pingpong` and `try` check every value arrives in
//! order; `mpsc4`, `fanin256` and `select2` check the count and the sum.

use std::future::Future;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use tokio::runtime::Runtime;

mod common;

use common::{
    column_name, command, commit, loadavg, with_peer, Floor, Flume, Gochan, Got as _, Kind, Peer,
    Sent as _, TableRow, TokioBounded, COLUMNS, FLOOR, FLOOR_BARE,
};

// ---------------------------------------------------------------------------
// The workloads
// ---------------------------------------------------------------------------

/// The batch and the capacity of `seq` and `try`.
const BATCH: u64 = 1024;

/// One workload.
#[derive(Clone, Copy, Debug)]
enum Work {
    /// One task: a batch sent, then received, on a channel of this kind.
    Seq { kind: Kind, big: bool },
    /// Producer tasks → one consumer task; `big`: `[u64; 32]` messages.
    Flow {
        producers: u64,
        kind: Kind,
        big: bool,
    },
    /// Round trips between two tasks.
    PingPong(Kind),
    /// A select over two receivers.
    Select2,
    /// Create and drop a `bounded(1024)`.
    Create,
    /// One task: a batch of `try_send`, then of `try_recv`.
    Try,
}

impl Work {
    /// The kind of channel the workload needs from a peer.
    fn kind(self) -> Kind {
        match self {
            Work::Seq { kind, .. } | Work::Flow { kind, .. } | Work::PingPong(kind) => kind,
            Work::Select2 => Kind::Bounded(64),
            Work::Create | Work::Try => Kind::Bounded(1024),
        }
    }

    /// What N must be a multiple of.
    fn step(self) -> u64 {
        match self {
            Work::Seq { .. } | Work::Try => BATCH,
            Work::Flow { producers, .. } => producers,
            Work::Select2 => 2,
            Work::PingPong(_) | Work::Create => 1,
        }
    }
}

/// A row of the table.
struct Row {
    /// Command-line name.
    name: &'static str,
    /// Table label.
    label: &'static str,
    /// What to run.
    work: Work,
    /// N: messages (round trips, channels) in the shorter run.
    n: u64,
}

/// Messages per cell in the shorter of its two runs: enough that the
/// difference is well above the counts' jitter, few enough that the table
/// takes about a minute.
const N: u64 = 8 * BATCH;

/// Every row, in table order.
fn rows() -> Vec<Row> {
    let row = |name, label, work| Row {
        name,
        label,
        work,
        n: N,
    };
    vec![
        row(
            "seq_bounded1024",
            "seq bounded(1024) usize",
            Work::Seq {
                kind: Kind::Bounded(1024),
                big: false,
            },
        ),
        row(
            "seq_bounded1024_u64x32",
            "seq bounded(1024) [u64; 32]",
            Work::Seq {
                kind: Kind::Bounded(1024),
                big: true,
            },
        ),
        row(
            "seq_unbounded",
            "seq unbounded usize",
            Work::Seq {
                kind: Kind::Unbounded,
                big: false,
            },
        ),
        row(
            "spsc_bounded1",
            "spsc bounded(1) usize",
            Work::Flow {
                producers: 1,
                kind: Kind::Bounded(1),
                big: false,
            },
        ),
        row(
            "spsc_bounded1024",
            "spsc bounded(1024) usize",
            Work::Flow {
                producers: 1,
                kind: Kind::Bounded(1024),
                big: false,
            },
        ),
        row(
            "spsc_unbounded",
            "spsc unbounded usize",
            Work::Flow {
                producers: 1,
                kind: Kind::Unbounded,
                big: false,
            },
        ),
        row(
            "spsc_rendezvous",
            "spsc rendezvous usize",
            Work::Flow {
                producers: 1,
                kind: Kind::Rendezvous,
                big: false,
            },
        ),
        row(
            "spsc_bounded1_u64x32",
            "spsc bounded(1) [u64; 32]",
            Work::Flow {
                producers: 1,
                kind: Kind::Bounded(1),
                big: true,
            },
        ),
        row(
            "spsc_rendezvous_u64x32",
            "spsc rendezvous [u64; 32]",
            Work::Flow {
                producers: 1,
                kind: Kind::Rendezvous,
                big: true,
            },
        ),
        row(
            "mpsc4_bounded1",
            "mpsc 4→1 bounded(1) usize",
            Work::Flow {
                producers: 4,
                kind: Kind::Bounded(1),
                big: false,
            },
        ),
        row(
            "fanin256_bounded1",
            "fanin 256→1 bounded(1) usize",
            Work::Flow {
                producers: 256,
                kind: Kind::Bounded(1),
                big: false,
            },
        ),
        row(
            "fanin256_bounded64",
            "fanin 256→1 bounded(64) usize",
            Work::Flow {
                producers: 256,
                kind: Kind::Bounded(64),
                big: false,
            },
        ),
        row(
            "pingpong_bounded1",
            "pingpong bounded(1) (round trip)",
            Work::PingPong(Kind::Bounded(1)),
        ),
        row(
            "pingpong_rendezvous",
            "pingpong rendezvous (round trip)",
            Work::PingPong(Kind::Rendezvous),
        ),
        row("select2", "select over two receivers", Work::Select2),
        row(
            "create",
            "create + drop bounded(1024) (per channel)",
            Work::Create,
        ),
        row("try", "try_send + try_recv bounded(1024)", Work::Try),
    ]
}

/// A message.
trait Payload: Send + Unpin + 'static {
    /// The message for `i`.
    fn make(i: u64) -> Self;
    /// The `i` it was made from.
    fn key(&self) -> u64;
}

impl Payload for usize {
    fn make(i: u64) -> Self {
        i as usize
    }
    fn key(&self) -> u64 {
        *self as u64
    }
}

impl Payload for [u64; 32] {
    fn make(i: u64) -> Self {
        let mut a = [0; 32];
        a[0] = i;
        a
    }
    fn key(&self) -> u64 {
        self[0]
    }
}

/// A 256-byte message for the `spsc` rows, a type of its own: with the same
/// `[u64; 32]` as `seq`, the two workloads would share every function the
/// compiler instantiates for the payload, and its inlining decisions for
/// `seq` would change (they did: `seq` `[u64; 32]` moved from 389 to 474 on
/// gochan, 394 to 605 on flume) because another row exists.
struct Wide([u64; 32]);

impl Payload for Wide {
    fn make(i: u64) -> Self {
        Wide(<[u64; 32]>::make(i))
    }
    fn key(&self) -> u64 {
        self.0.key()
    }
}

/// `seq`: one task, batches of `BATCH` sent then received, in order.
async fn seq<P: Peer, T: Payload>(kind: Kind, n: u64) -> u64 {
    let (tx, mut rx) = P::new::<T>(kind).expect("checked by has_cell");
    tokio::spawn(async move {
        let mut got = 0;
        for _ in 0..n / BATCH {
            for i in 0..BATCH {
                assert!(P::send(&tx, T::make(i)).await.sent(), "{}: closed", P::NAME);
            }
            for i in 0..BATCH {
                let v = P::recv(&mut rx).await.got().expect("seq: a value");
                assert_eq!(v.key(), i, "{}: seq out of order", P::NAME);
                got += 1;
            }
        }
        got
    })
    .await
    .expect("seq task")
}

/// `spsc`, `mpsc4`, `fanin256`: `n` values shared by the producers, counted (and summed)
/// by one consumer; with one producer the order is checked too.
async fn flow<P: Peer, T: Payload>(producers: u64, kind: Kind, n: u64) -> u64 {
    let (tx, mut rx) = P::new::<T>(kind).expect("checked by has_cell");
    let share = n / producers;
    let consumer = tokio::spawn(async move {
        let (mut got, mut sum) = (0u64, 0u64);
        while let Some(v) = P::recv(&mut rx).await.got() {
            if producers == 1 {
                assert_eq!(v.key(), got, "{}: spsc out of order", P::NAME);
            }
            sum += v.key();
            got += 1;
        }
        (got, sum)
    });
    let producers: Vec<_> = (0..producers)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..share {
                    assert!(P::send(&tx, T::make(i)).await.sent(), "{}: closed", P::NAME);
                }
            })
        })
        .collect();
    drop(tx);
    let count = producers.len() as u64;
    for p in producers {
        p.await.expect("producer task");
    }
    let (got, sum) = consumer.await.expect("consumer task");
    assert_eq!(sum, count * (share * (share - 1) / 2), "{}: sum", P::NAME);
    got
}

/// `pingpong`: `n` round trips; the echo task sends back what it got.
async fn ping_pong<P: Peer>(kind: Kind, n: u64) -> u64 {
    let (ping_tx, mut ping_rx) = P::new::<usize>(kind).expect("checked by has_cell");
    let (pong_tx, mut pong_rx) = P::new::<usize>(kind).expect("checked by has_cell");
    let echo = tokio::spawn(async move {
        let mut echoed = 0u64;
        while let Some(v) = P::recv(&mut ping_rx).await.got() {
            assert!(P::send(&pong_tx, v).await.sent(), "{}: closed", P::NAME);
            echoed += 1;
        }
        echoed
    });
    let ping = tokio::spawn(async move {
        for i in 0..n {
            assert!(
                P::send(&ping_tx, i as usize).await.sent(),
                "{}: closed",
                P::NAME
            );
            let v = P::recv(&mut pong_rx).await.got().expect("pingpong: pong");
            assert_eq!(v as u64, i, "{}: pingpong", P::NAME);
        }
    });
    ping.await.expect("ping task");
    let echoed = echo.await.expect("echo task");
    assert_eq!(echoed, n, "{}: pingpong echoes", P::NAME);
    echoed
}

/// `create`: `n` channels made and dropped.
fn create<P: Peer>(n: u64) -> u64 {
    let mut made = 0;
    for _ in 0..n {
        let ch = P::new::<usize>(Kind::Bounded(1024)).expect("checked by has_cell");
        black_box(&ch);
        drop(ch);
        made += 1;
    }
    made
}

/// `try`: one task, batches of `try_send` then `try_recv`, each succeeding.
async fn try_ops<P: Peer>(n: u64) -> u64 {
    let (tx, mut rx) = P::new::<usize>(Kind::Bounded(1024)).expect("checked by has_cell");
    tokio::spawn(async move {
        let mut got = 0;
        for _ in 0..n / BATCH {
            for i in 0..BATCH {
                assert!(P::try_send(&tx, i as usize), "{}: try_send", P::NAME);
            }
            for i in 0..BATCH {
                let v = P::try_recv(&mut rx);
                assert_eq!(v, Some(i as usize), "{}: try_recv", P::NAME);
                got += 1;
            }
        }
        got
    })
    .await
    .expect("try task")
}

/// What two producers of `n / 2` values each sum to.
fn select_sum(n: u64) -> u64 {
    let half = n / 2;
    2 * (half * (half.saturating_sub(1)) / 2)
}

/// `select2` on gochan: `gochan::select!` over both receivers.
async fn select2_gochan(n: u64) -> (u64, u64) {
    let (ta, ra) = gochan::bounded::<u64>(64);
    let (tb, rb) = gochan::bounded::<u64>(64);
    let half = n / 2;
    let pa = tokio::spawn(async move {
        for i in 0..half {
            ta.send(i).await.expect("gochan: closed");
        }
    });
    let pb = tokio::spawn(async move {
        for i in 0..half {
            tb.send(i).await.expect("gochan: closed");
        }
    });
    let (mut got, mut sum) = (0, 0);
    loop {
        let v = gochan::select! {
            recv(ra) -> m => m.ok(),
            recv(rb) -> m => m.ok(),
        };
        match v {
            Some(v) => {
                got += 1;
                sum += v;
            }
            None => {
                // One side is finished: drain the other without select.
                for rx in [&ra, &rb] {
                    while let Ok(v) = rx.recv().await {
                        got += 1;
                        sum += v;
                    }
                }
                break;
            }
        }
    }
    pa.await.expect("producer a");
    pb.await.expect("producer b");
    (got, sum)
}

/// `select2` on tokio mpsc: `tokio::select!` over both `recv` futures.
async fn select2_tokio(n: u64) -> (u64, u64) {
    let (ta, mut ra) = tokio::sync::mpsc::channel::<u64>(64);
    let (tb, mut rb) = tokio::sync::mpsc::channel::<u64>(64);
    let half = n / 2;
    let pa = tokio::spawn(async move {
        for i in 0..half {
            ta.send(i).await.expect("tokio mpsc: closed");
        }
    });
    let pb = tokio::spawn(async move {
        for i in 0..half {
            tb.send(i).await.expect("tokio mpsc: closed");
        }
    });
    let (mut got, mut sum) = (0, 0);
    loop {
        tokio::select! {
            Some(v) = ra.recv() => { got += 1; sum += v }
            Some(v) = rb.recv() => { got += 1; sum += v }
            else => break,
        }
    }
    pa.await.expect("producer a");
    pb.await.expect("producer b");
    (got, sum)
}

/// `select2` on flume: `tokio::select!` over both `recv_async` futures.
async fn select2_flume(n: u64) -> (u64, u64) {
    let (ta, ra) = flume::bounded::<u64>(64);
    let (tb, rb) = flume::bounded::<u64>(64);
    let half = n / 2;
    let pa = tokio::spawn(async move {
        for i in 0..half {
            ta.send_async(i).await.expect("flume: closed");
        }
    });
    let pb = tokio::spawn(async move {
        for i in 0..half {
            tb.send_async(i).await.expect("flume: closed");
        }
    });
    let (mut got, mut sum) = (0, 0);
    let (mut a_open, mut b_open) = (true, true);
    while a_open || b_open {
        tokio::select! {
            r = ra.recv_async(), if a_open => match r {
                Ok(v) => { got += 1; sum += v }
                Err(_) => a_open = false,
            },
            r = rb.recv_async(), if b_open => match r {
                Ok(v) => { got += 1; sum += v }
                Err(_) => b_open = false,
            },
        }
    }
    pa.await.expect("producer a");
    pb.await.expect("producer b");
    (got, sum)
}

/// `select2` on the floor: `tokio::select!` over both `recv` futures, as on
/// tokio mpsc (the losing receive is dropped; one that was handed a value
/// passes it on, and the count and sum check that none is lost).
async fn select2_floor<const COOP: bool>(n: u64) -> (u64, u64) {
    let (ta, ra) = common::floor::channel::<u64, COOP>(64);
    let (tb, rb) = common::floor::channel::<u64, COOP>(64);
    let half = n / 2;
    let pa = tokio::spawn(async move {
        for i in 0..half {
            ta.send(i).await.expect("floor: closed");
        }
    });
    let pb = tokio::spawn(async move {
        for i in 0..half {
            tb.send(i).await.expect("floor: closed");
        }
    });
    let (mut got, mut sum) = (0, 0);
    loop {
        tokio::select! {
            Some(v) = ra.recv() => { got += 1; sum += v }
            Some(v) = rb.recv() => { got += 1; sum += v }
            else => break,
        }
    }
    pa.await.expect("producer a");
    pb.await.expect("producer b");
    (got, sum)
}

/// Whether peer `P` takes part in `work`.
fn has_cell<P: Peer>(work: Work) -> bool {
    match work {
        Work::Select2 => [
            Gochan::NAME,
            TokioBounded::NAME,
            Flume::NAME,
            Floor::<true>::NAME,
            Floor::<false>::NAME,
        ]
        .contains(&P::NAME),
        _ => P::new::<usize>(work.kind()).is_some(),
    }
}

/// Runs `work` with `n` messages on `P` inside `rt` and returns the count
/// moved (asserted against `n`).
fn run_cell<P: Peer>(rt: &Runtime, work: Work, n: u64) -> u64 {
    assert!(has_cell::<P>(work), "{} sits {work:?} out", P::NAME);
    let moved = match work {
        Work::Seq { kind, big: false } => measured(rt, seq::<P, usize>(kind, n)),
        Work::Seq { kind, big: true } => measured(rt, seq::<P, [u64; 32]>(kind, n)),
        Work::Flow {
            producers,
            kind,
            big: false,
        } => measured(rt, flow::<P, usize>(producers, kind, n)),
        Work::Flow {
            producers,
            kind,
            big: true,
        } => measured(rt, flow::<P, Wide>(producers, kind, n)),
        Work::PingPong(kind) => measured(rt, ping_pong::<P>(kind, n)),
        Work::Create => measured(rt, async move { create::<P>(n) }),
        Work::Try => measured(rt, try_ops::<P>(n)),
        Work::Select2 => {
            let (got, sum) = match P::NAME {
                "gochan" => measured(rt, select2_gochan(n)),
                "tokio mpsc" => measured(rt, select2_tokio(n)),
                "flume" => measured(rt, select2_flume(n)),
                "floor" => measured(rt, select2_floor::<true>(n)),
                "floor without coop" => measured(rt, select2_floor::<false>(n)),
                other => unreachable!("{other} sits select2 out"),
            };
            assert_eq!(sum, select_sum(n), "{}: select2 sum", P::NAME);
            got
        }
    };
    assert_eq!(moved, n, "{}: {work:?} moved {moved} of {n}", P::NAME);
    moved
}

/// Runs the workload: the one function `--profile` counts
/// (`--toggle-collect`), so start-up and runtime teardown stay out of it.
#[inline(never)]
fn measured<F: Future>(rt: &Runtime, f: F) -> F::Output {
    rt.block_on(f)
}

/// The runtime of every measured process: one thread.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

// ---------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------

/// A column's command-line name.
fn peer_slug(peer: usize) -> String {
    column_name(peer).replace(' ', "-")
}

/// The column with this command-line (or table) name: a peer, `floor` or
/// `floor-without-coop`.
fn peer_by_name(name: &str) -> Option<usize> {
    (0..COLUMNS)
        .chain([FLOOR_BARE])
        .find(|&p| peer_slug(p) == name || column_name(p) == name)
}

/// The row with this name.
fn row_by_name(name: &str) -> Option<Row> {
    rows().into_iter().find(|r| r.name == name)
}

/// valgrind's version, or `None` if it cannot be run.
fn valgrind_version() -> Option<String> {
    let out = Command::new("valgrind").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Where callgrind files go: cargo's scratch directory for benches.
fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("callgrind");
    std::fs::create_dir_all(&dir).expect("create the callgrind directory");
    dir
}

/// Runs this binary as `--child ROW PEER N` under callgrind, writing its
/// profile to `out`; `extra` goes to valgrind. Panics with the child's
/// output if it failed.
fn callgrind(row: &Row, peer: usize, n: u64, out: &Path, extra: &[&str]) {
    let exe = std::env::current_exe().expect("own path");
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("-q")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .args(extra)
        .arg(exe)
        .args(["--child", row.name, &peer_slug(peer), &n.to_string()])
        .output()
        .expect("run valgrind");
    assert!(
        output.status.success(),
        "{} on {} with N = {n} failed ({}):\n{}{}",
        row.name,
        column_name(peer),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// The instructions a callgrind file counted (its `summary:` line).
fn total_ir(out: &Path) -> u64 {
    let text = std::fs::read_to_string(out).expect("read the callgrind file");
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no summary line in {}", out.display()))
}

/// `--child ROW PEER N`: run one workload, natively (valgrind is around us).
fn child(args: &[String]) -> ExitCode {
    let [row, peer, n] = args else {
        eprintln!("usage: --child ROW PEER N");
        return ExitCode::FAILURE;
    };
    let row = row_by_name(row).unwrap_or_else(|| panic!("no row {row}"));
    let peer = peer_by_name(peer).unwrap_or_else(|| panic!("no peer {peer}"));
    let n: u64 = n.parse().expect("N");
    let rt = runtime();
    let moved = with_peer!(peer, row.work.kind(), run_cell(&rt, row.work, n));
    println!("{moved}");
    ExitCode::SUCCESS
}

/// Explains a missing valgrind.
fn no_valgrind() -> ExitCode {
    eprintln!(
        "error: valgrind is not on PATH. This bench counts instructions with \
         valgrind's callgrind: install valgrind (Debian/Ubuntu: \
         `apt-get install valgrind`) and run it again."
    );
    ExitCode::FAILURE
}

/// `--profile ROW PEER [--inclusive] [--n N]`: one callgrind run of the
/// workload alone, then `callgrind_annotate`.
fn profile(args: &[String]) -> ExitCode {
    let mut words = Vec::new();
    let mut inclusive = false;
    let mut n = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--inclusive" => inclusive = true,
            "--n" => n = Some(it.next().and_then(|v| v.parse().ok()).expect("--n N")),
            _ => words.push(a.as_str()),
        }
    }
    let [row_name, peer_name] = words[..] else {
        eprintln!("usage: --profile ROW PEER [--inclusive] [--n N]  (rows: --list)");
        return ExitCode::FAILURE;
    };
    let Some(row) = row_by_name(row_name) else {
        eprintln!("no row {row_name}; rows: --list");
        return ExitCode::FAILURE;
    };
    let Some(peer) = peer_by_name(peer_name) else {
        let names: Vec<_> = (0..COLUMNS).chain([FLOOR_BARE]).map(peer_slug).collect();
        eprintln!("no peer {peer_name}; peers: {}", names.join(" "));
        return ExitCode::FAILURE;
    };
    if !with_peer!(peer, row.work.kind(), has_cell(row.work)) {
        eprintln!("{} sits {} out", column_name(peer), row.name);
        return ExitCode::FAILURE;
    }
    if valgrind_version().is_none() {
        return no_valgrind();
    }
    let n = n.unwrap_or(row.n).next_multiple_of(row.work.step());
    let out = scratch().join(format!("{}.{}.out", row.name, peer_slug(peer)));
    callgrind(
        &row,
        peer,
        n,
        &out,
        &["--toggle-collect=*instructions::measured*"],
    );
    let ir = total_ir(&out);
    println!(
        "# {} on {}: N = {n}, {ir} instructions counted in the workload, {:.0} per {}",
        row.name,
        column_name(peer),
        ir as f64 / n as f64,
        if matches!(row.work, Work::PingPong(_)) {
            "round trip"
        } else if matches!(row.work, Work::Create) {
            "channel"
        } else {
            "message"
        },
    );
    println!(
        "# (includes creating the channels and spawning the tasks, once)\n# {} cost per function; file: {}\n",
        if inclusive { "inclusive" } else { "self" },
        out.display()
    );
    let mut annotate = Command::new("callgrind_annotate");
    if inclusive {
        annotate.arg("--inclusive=yes");
    }
    match annotate.arg(&out).status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("callgrind_annotate failed: {s}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cannot run callgrind_annotate (it comes with valgrind): {e}");
            ExitCode::FAILURE
        }
    }
}

/// A cell's figure.
fn fmt_ir(v: f64) -> String {
    format!("{v:.0}")
}

/// The table: a row per workload, a column per channel (gochan, the floor,
/// the peers), then gochan over the best other peer and over the floor.
fn markdown_table(rows: &[Row], results: &[Vec<Option<f64>>]) -> String {
    common::peer_table(
        "workload (instructions per message)",
        &[],
        rows.iter().zip(results).map(|(row, r)| TableRow {
            label: row.label,
            cells: r,
            extra: Vec::new(),
        }),
        fmt_ir,
    )
}

/// The line the table ends with (see `common::floor_line`).
fn floor_summary(rows: &[Row], results: &[Vec<Option<f64>>]) -> String {
    common::floor_line(
        "instructions",
        1.1,
        rows.iter()
            .zip(results)
            .map(|(row, r)| (row.name, r[0], r[FLOOR])),
    )
}

/// Counts every cell of `rows` × `cols` (column numbers as in
/// [`with_peer!`]) that the peer takes part in: two callgrind runs each (N
/// and 2N), as many at a time as there are cores. Returns the per-message
/// figures, row by row in the order of `cols`, and the number of runs.
fn count_cells(rows: &[Row], cols: &[usize]) -> (Vec<Vec<Option<f64>>>, usize) {
    let mut jobs = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, &p) in cols.iter().enumerate() {
            if with_peer!(p, row.work.kind(), has_cell(row.work)) {
                jobs.push((r, c, p, row.n));
                jobs.push((r, c, p, 2 * row.n));
            }
        }
    }
    let dir = scratch();
    let next = AtomicUsize::new(0);
    let counts = Mutex::new(vec![0u64; jobs.len()]);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    eprintln!(
        "{} callgrind runs, {workers} at a time ({})",
        jobs.len(),
        valgrind_version().unwrap_or_default()
    );
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(r, _, p, n)) = jobs.get(j) else {
                    break;
                };
                let out = dir.join(format!("table.{j}.out"));
                callgrind(&rows[r], p, n, &out, &[]);
                let ir = total_ir(&out);
                let _ = std::fs::remove_file(&out);
                counts.lock().expect("counts")[j] = ir;
            });
        }
    });
    let counts = counts.into_inner().expect("counts");
    let mut results = vec![vec![None; cols.len()]; rows.len()];
    for pair in jobs.chunks(2).zip(counts.chunks(2)) {
        let ([(r, c, _, n), _], [ir_n, ir_2n]) = pair else {
            unreachable!("jobs come in pairs");
        };
        results[*r][*c] = Some((*ir_2n as f64 - *ir_n as f64) / *n as f64);
    }
    (results, jobs.len())
}

/// `--floor [WORDS]`: gochan, the floor with and without the coop budget,
/// and kanal (the fewest instructions of the peers on most rows), on every
/// row (or those whose name contains one of the comma-separated words):
/// what the budget costs the floor, and how far the floor is from kanal.
/// Prints the table; writes nothing.
fn floor_table(filter: Option<&str>) -> ExitCode {
    if valgrind_version().is_none() {
        return no_valgrind();
    }
    let started = Instant::now();
    let words: Option<Vec<&str>> = filter.map(|w| w.split(',').collect());
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| {
            words
                .as_ref()
                .is_none_or(|w| w.iter().any(|w| r.name.contains(w)))
        })
        .collect();
    let kanal = peer_by_name("kanal").expect("kanal is a peer");
    let cols = [0, FLOOR, FLOOR_BARE, kanal];
    let (results, _) = count_cells(&rows, &cols);
    println!(
        "| workload (instructions per message) | gochan | floor | floor without coop | kanal | gochan / floor | floor / kanal |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let cell = |v: Option<f64>| v.map_or("—".to_string(), fmt_ir);
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}", a / b),
        _ => "—".to_string(),
    };
    for (row, r) in rows.iter().zip(&results) {
        let [g, f, b, k] = r[..] else {
            unreachable!("four columns");
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            cell(g),
            cell(f),
            cell(b),
            cell(k),
            ratio(g, f),
            ratio(f, k)
        );
    }
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

/// The whole table under callgrind.
fn table(filter: Option<Vec<String>>) -> ExitCode {
    let Some(valgrind) = valgrind_version() else {
        return no_valgrind();
    };
    let started = Instant::now();
    let load = loadavg();
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| {
            filter
                .as_ref()
                .is_none_or(|w| w.iter().any(|w| r.name.contains(w.as_str())))
        })
        .collect();
    // Column numbers as in `with_peer!`: the six peers, then the floor.
    let cols: Vec<usize> = (0..COLUMNS).collect();
    let (results, runs) = count_cells(&rows, &cols);
    let elapsed = started.elapsed();
    let table = markdown_table(&rows, &results);
    let summary = floor_summary(&rows, &results);
    println!("{table}");
    println!("took {:.1} s", elapsed.as_secs_f64());
    if filter.is_some() {
        println!("--rows is set: docs/ left as it was");
    } else {
        let md = report(
            &table,
            &summary,
            &valgrind,
            elapsed.as_secs_f64(),
            &load,
            runs,
        );
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/instructions.md");
        std::fs::write(&path, md).expect("write docs/instructions.md");
        println!("wrote docs/instructions.md");
    }
    // The last line of the output, for scripts and CI logs.
    println!("{summary}");
    ExitCode::SUCCESS
}

/// `docs/instructions.md`.
fn report(
    table: &str,
    summary: &str,
    valgrind: &str,
    secs: f64,
    load: &str,
    runs: usize,
) -> String {
    format!(
        "# gochan: instructions per message\n\n\
         Generated by `cargo bench --bench instructions`; the workloads are \
         defined at the top of `benches/instructions.rs`. Each cell is \
         (Ir(2N) − Ir(N)) / N: the instructions (valgrind's callgrind `Ir`) of \
         two runs of the workload, with N = {N} and 2N messages (round trips \
         for `pingpong`, channels for `create`), each in its own process on a \
         Tokio current-thread runtime, so start-up and set-up cancel out. \
         Counts do not depend on the machine's load: two runs give the same \
         figures except on the select row, which moves by about 0.5% (the \
         ready case is picked at random). They are not time (no cache misses, \
         no second core): read them next to `docs/bench.md`. They do depend on \
         the build: the `bench` profile builds with one codegen unit (with 16, \
         an unrelated edit moved cells by up to 5%), so compare \
         counts from the same rustc and profile, and re-run the peers too. **Bold** is the \
         fewest of the six peers in the row; — means the peer has no such \
         channel (rendezvous) or sits the row out (select). The floor column \
         is not a peer: it is `benches/common/floor.rs`, a channel that pays \
         the contract's three prices (Tokio's coop budget per completed \
         operation, first-come-first-served service with the counterpart \
         completing the longest-waiting waiter under one mutex, no `unsafe`) \
         and nothing else, so `gochan / floor` is what gochan spends beyond \
         them. `gochan / best peer` is gochan's count over the best other \
         peer's; below 1 gochan runs fewer instructions. \
         `cargo bench --bench instructions -- --floor` adds the floor without \
         the coop budget, to show what the budget costs.\n\n\
         | | |\n|---|---|\n\
         | rustc | {} |\n| valgrind | {valgrind} |\n| gochan commit | {} |\n\
         | date | {} |\n| the table took | {secs:.0} s (load average {load} at the start; \
         most of it is valgrind starting {runs} processes) |\n\n\
         {table}\n{summary}\n",
        command("rustc", &["-V"]),
        commit(),
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
    )
}

/// Without `--bench` (`cargo test --benches`): the floor's own checks, then
/// every cell once (the floor without coop too), natively, small, checking
/// the counts.
fn smoke() -> ExitCode {
    common::floor::self_test();
    let mut cells = 0;
    for row in rows() {
        for p in (0..COLUMNS).chain([FLOOR_BARE]) {
            if with_peer!(p, row.work.kind(), has_cell(row.work)) {
                let rt = runtime();
                with_peer!(
                    p,
                    row.work.kind(),
                    run_cell(&rt, row.work, 2 * row.work.step().max(4))
                );
                cells += 1;
            }
        }
    }
    println!("instructions: the floor's checks passed; {cells} cells ran and moved every message (the table: cargo bench --bench instructions)");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    args.retain(|a| a != "--bench");
    match args.first().map(String::as_str) {
        Some("--child") => child(&args[1..]),
        Some("--profile") => profile(&args[1..]),
        Some("--floor") => floor_table(args.get(1).map(String::as_str)),
        Some("--list") => {
            for row in rows() {
                let peers: Vec<_> = (0..COLUMNS)
                    .chain([FLOOR_BARE])
                    .filter(|&p| with_peer!(p, row.work.kind(), has_cell(row.work)))
                    .map(peer_slug)
                    .collect();
                println!("{:<24} {:<42} {}", row.name, row.label, peers.join(" "));
            }
            ExitCode::SUCCESS
        }
        Some("--rows") => match args.get(1) {
            Some(w) => table(Some(w.split(',').map(str::to_string).collect())),
            None => {
                eprintln!("usage: --rows WORD,WORD");
                ExitCode::FAILURE
            }
        },
        None if bench => table(None),
        None => smoke(),
        Some(other) => {
            eprintln!(
                "unknown argument {other}; use --profile ROW PEER [--inclusive], --rows WORDS, --floor [WORDS] or --list"
            );
            ExitCode::FAILURE
        }
    }
}
