//! The peers both benches measure, behind one small trait, so that
//! `benches/channel.rs` (wall clock) and `benches/instructions.rs`
//! (instructions under callgrind) make exactly the same calls on every crate,
//! and the floor channel (`floor.rs`) both benches read gochan against: a
//! column of every table, not a peer.
//!
//! Six channels: gochan, `tokio::sync::mpsc`, `async-channel`, `flume` (its
//! async API), `kanal` (its async API) and `crossfire` (its async MPMC API,
//! `crossfire::mpmc`: lock-free, crossbeam-queue based). A peer that lacks a
//! kind of channel sits that row out:
//!
//! * rendezvous: `tokio::sync::mpsc` has none (`channel(0)` panics), nor has
//!   `async-channel` (`bounded(0)` panics), nor `crossfire` (its
//!   `bounded_async(0)` is documented to make a channel of size 1);
//!   `flume::bounded(0)` and `kanal::bounded_async(0)` are rendezvous
//!   channels, which [`check_rendezvous`] checks;
//! * several consumers: `tokio::sync::mpsc` is single-consumer.
//!
//! crossfire is used through `crossfire::mpmc`, its multi-producer
//! multi-consumer flavour, like every other peer but tokio (all are MPMC):
//! `bounded_async(n)` (`MAsyncTx`/`MAsyncRx`), and for unbounded
//! `unbounded_async()`, whose sender is the blocking `MTx` because a send on
//! an unbounded channel never waits (crossfire's own choice). Its
//! `detect_backoff_cfg()` is not called: it changes the spin settings only on
//! a one-core machine.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use tokio::sync::mpsc;

/// A kind of channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A buffer of this many values (at least 1).
    Bounded(usize),
    /// No capacity limit.
    Unbounded,
    /// No buffer: a send completes when a receiver takes the value.
    Rendezvous,
}

impl Kind {
    /// How tables name it.
    pub fn label(self) -> String {
        match self {
            Kind::Bounded(n) => format!("bounded({n})"),
            Kind::Unbounded => "unbounded".into(),
            Kind::Rendezvous => "rendezvous".into(),
        }
    }

    /// How benchmark ids and command lines name it.
    pub fn slug(self) -> String {
        match self {
            Kind::Bounded(n) => format!("bounded{n}"),
            Kind::Unbounded => "unbounded".into(),
            Kind::Rendezvous => "rendezvous".into(),
        }
    }
}

/// What a send's future gives back: whether the value went in.
pub trait Sent {
    /// `true` if the value was sent.
    fn sent(self) -> bool;
}

impl<E> Sent for Result<(), E> {
    fn sent(self) -> bool {
        self.is_ok()
    }
}

/// What a receive's future gives back: the value, if there was one.
pub trait Got<T> {
    /// The value, or `None` once the channel is closed and drained.
    fn got(self) -> Option<T>;
}

impl<T, E> Got<T> for Result<T, E> {
    fn got(self) -> Option<T> {
        self.ok()
    }
}

impl<T> Got<T> for Option<T> {
    fn got(self) -> Option<T> {
        self
    }
}

/// A channel crate (or one of its channel types), as the workloads use it.
///
/// `send` and `recv` hand out the crate's own future, not one wrapped in an
/// `async` block: a wrapper adds a state machine per call (about 65
/// instructions per message on gochan's `seq` row, nothing on kanal's, where
/// it inlines), which would measure the bench rather than the channel. That
/// is also why a crate whose bounded and unbounded senders are different
/// types (tokio mpsc, crossfire) is two types here, picked per row by
/// [`with_peer!`], instead of one enum matched on every message.
pub trait Peer: 'static {
    /// The crate's name in tables and benchmark ids.
    const NAME: &'static str;
    /// The sending handle.
    type Tx<T: Send + 'static>: Clone + Send + Sync + 'static;
    /// The receiving handle.
    type Rx<T: Send + 'static>: Send + 'static;
    /// A channel of this kind, or `None` if the crate (or this type of it)
    /// has no such kind.
    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    /// Another receiver on the same channel, or `None` if the crate is
    /// single-consumer.
    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;
    /// Sends, waiting for room. (`Unpin`: crossfire's send future needs it.)
    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_;
    /// Receives; `got()` is `None` once the channel is closed and drained.
    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_;
    /// Sends without waiting; `false` if the channel is full or closed.
    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool;
    /// Receives without waiting; `None` if nothing is there.
    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T>;
}

/// This crate.
pub struct Gochan;

impl Peer for Gochan {
    const NAME: &'static str = "gochan";
    type Tx<T: Send + 'static> = gochan::Sender<T>;
    type Rx<T: Send + 'static> = gochan::Receiver<T>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match kind {
            Kind::Bounded(n) => gochan::bounded(n),
            Kind::Unbounded => gochan::unbounded(),
            Kind::Rendezvous => gochan::rendezvous(),
        })
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// `tokio::sync::mpsc::channel`: bounded, single consumer, no rendezvous
/// (`channel(0)` panics).
pub struct TokioBounded;

impl Peer for TokioBounded {
    const NAME: &'static str = "tokio mpsc";
    type Tx<T: Send + 'static> = mpsc::Sender<T>;
    type Rx<T: Send + 'static> = mpsc::Receiver<T>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match kind {
            Kind::Bounded(n) => Some(mpsc::channel(n)),
            Kind::Unbounded | Kind::Rendezvous => None,
        }
    }

    fn clone_rx<T: Send + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// `tokio::sync::mpsc::unbounded_channel`; its send never waits.
pub struct TokioUnbounded;

impl Peer for TokioUnbounded {
    const NAME: &'static str = "tokio mpsc";
    type Tx<T: Send + 'static> = mpsc::UnboundedSender<T>;
    type Rx<T: Send + 'static> = mpsc::UnboundedReceiver<T>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match kind {
            Kind::Unbounded => Some(mpsc::unbounded_channel()),
            Kind::Bounded(_) | Kind::Rendezvous => None,
        }
    }

    fn clone_rx<T: Send + 'static>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        std::future::ready(tx.send(v))
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// `async-channel`: bounded and unbounded, no rendezvous (`bounded(0)`
/// panics).
pub struct AsyncChannel;

impl Peer for AsyncChannel {
    const NAME: &'static str = "async-channel";
    type Tx<T: Send + 'static> = async_channel::Sender<T>;
    type Rx<T: Send + 'static> = async_channel::Receiver<T>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match kind {
            Kind::Bounded(n) => Some(async_channel::bounded(n)),
            Kind::Unbounded => Some(async_channel::unbounded()),
            Kind::Rendezvous => None,
        }
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// `flume`, through `send_async` / `recv_async`.
pub struct Flume;

impl Peer for Flume {
    const NAME: &'static str = "flume";
    type Tx<T: Send + 'static> = flume::Sender<T>;
    type Rx<T: Send + 'static> = flume::Receiver<T>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match kind {
            Kind::Bounded(n) => flume::bounded(n),
            Kind::Unbounded => flume::unbounded(),
            Kind::Rendezvous => flume::bounded(0),
        })
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send_async(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv_async()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// `kanal`, its async API.
pub struct Kanal;

impl Peer for Kanal {
    const NAME: &'static str = "kanal";
    type Tx<T: Send + 'static> = kanal::AsyncSender<T>;
    type Rx<T: Send + 'static> = kanal::AsyncReceiver<T>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match kind {
            Kind::Bounded(n) => kanal::bounded_async(n),
            Kind::Unbounded => kanal::unbounded_async(),
            Kind::Rendezvous => kanal::bounded_async(0),
        })
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        // `Ok(false)`: full.
        tx.try_send(v) == Ok(true)
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok().flatten()
    }
}

/// `crossfire::mpmc::bounded_async`: an `Array` channel with async handles,
/// no rendezvous (`bounded_async(0)` is documented to make a channel of
/// size 1).
pub struct CrossfireBounded;

impl Peer for CrossfireBounded {
    const NAME: &'static str = "crossfire";
    type Tx<T: Send + 'static> = crossfire::MAsyncTx<crossfire::mpmc::Array<T>>;
    type Rx<T: Send + 'static> = crossfire::MAsyncRx<crossfire::mpmc::Array<T>>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match kind {
            Kind::Bounded(n) => Some(crossfire::mpmc::bounded_async(n)),
            Kind::Unbounded | Kind::Rendezvous => None,
        }
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// `crossfire::mpmc::unbounded_async`: a `List` channel whose sender is the
/// blocking `MTx`, since a send on it never waits (crossfire's own choice).
pub struct CrossfireUnbounded;

impl Peer for CrossfireUnbounded {
    const NAME: &'static str = "crossfire";
    type Tx<T: Send + 'static> = crossfire::MTx<crossfire::mpmc::List<T>>;
    type Rx<T: Send + 'static> = crossfire::MAsyncRx<crossfire::mpmc::List<T>>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match kind {
            Kind::Unbounded => Some(crossfire::mpmc::unbounded_async()),
            Kind::Bounded(_) | Kind::Rendezvous => None,
        }
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        std::future::ready(tx.send(v))
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv().ok()
    }
}

/// Calls the generic function `f::<P>(args)` with the `Peer` type of
/// column `col` (see [`column_name`]) for channels of `kind` (tokio mpsc and
/// crossfire have one type for bounded and another for unbounded).
macro_rules! with_peer {
    ($col:expr, $kind:expr, $f:ident ( $($arg:expr),* )) => {{
        let unbounded = $kind == $crate::common::Kind::Unbounded;
        match $col {
            0 => $f::<$crate::common::Gochan>($($arg),*),
            1 if unbounded => $f::<$crate::common::TokioUnbounded>($($arg),*),
            1 => $f::<$crate::common::TokioBounded>($($arg),*),
            2 => $f::<$crate::common::AsyncChannel>($($arg),*),
            3 => $f::<$crate::common::Flume>($($arg),*),
            4 => $f::<$crate::common::Kanal>($($arg),*),
            5 if unbounded => $f::<$crate::common::CrossfireUnbounded>($($arg),*),
            5 => $f::<$crate::common::CrossfireBounded>($($arg),*),
            $crate::common::FLOOR => $f::<$crate::common::Floor<true>>($($arg),*),
            $crate::common::FLOOR_BARE => $f::<$crate::common::Floor<false>>($($arg),*),
            _ => unreachable!("six peers and two floors"),
        }
    }};
}
pub(crate) use with_peer;

/// The peers, in column order (gochan first): columns 0 to 5.
pub const PEERS: [&str; 6] = [
    Gochan::NAME,
    TokioBounded::NAME,
    AsyncChannel::NAME,
    Flume::NAME,
    Kanal::NAME,
    CrossfireBounded::NAME,
];

/// The column of the floor channel (`floor.rs`, with the coop budget), after
/// the six peers: a column of every table, but not a peer (no "best peer"
/// counts it, and it is never in bold).
pub const FLOOR: usize = 6;
/// The floor without the coop budget: only in the instruction bench's
/// `--floor` table, to show what the budget costs.
pub const FLOOR_BARE: usize = 7;
/// The columns of the tables: the six peers and the floor.
pub const COLUMNS: usize = 7;
/// The order the tables show the columns in: gochan, the floor, the peers.
pub const TABLE_ORDER: [usize; COLUMNS] = [0, FLOOR, 1, 2, 3, 4, 5];

/// A column's name: a peer's, or a floor's.
pub fn column_name(col: usize) -> &'static str {
    match col {
        FLOOR => Floor::<true>::NAME,
        FLOOR_BARE => Floor::<false>::NAME,
        p => PEERS[p],
    }
}

/// Checks that a peer's rendezvous channel is one: a send with nobody
/// receiving must not complete. Needs a runtime with a timer.
pub async fn check_rendezvous<P: Peer>() {
    let Some((tx, mut rx)) = P::new::<usize>(Kind::Rendezvous) else {
        return;
    };
    let sent = tokio::time::timeout(Duration::from_millis(20), P::send(&tx, 1)).await;
    assert!(sent.is_err(), "{}: bounded(0) buffered a value", P::NAME);
    let got = tokio::spawn(async move { P::recv(&mut rx).await.got() });
    assert!(P::send(&tx, 2).await.sent(), "{}: closed", P::NAME);
    assert_eq!(got.await.expect("receiver task"), Some(2));
}

/// A row of [`peer_table`]: its label, a figure per column (indexed by
/// column number, [`COLUMNS`] of them, `None` where the column sits the row
/// out), and the cells of the extra columns.
pub struct TableRow<'a> {
    pub label: &'a str,
    pub cells: &'a [Option<f64>],
    pub extra: Vec<String>,
}

/// The side-by-side markdown table both benches print: a row per workload,
/// a column per channel in [`TABLE_ORDER`] (gochan, the floor, the peers;
/// the fewest of the six peers in **bold**, `—` where a column sits the row
/// out), then gochan's figure over the best other peer's, gochan's over the
/// floor's, and the `extra` columns. `unit` heads the first column; `fmt`
/// writes one figure.
pub fn peer_table<'a>(
    unit: &str,
    extra: &[&str],
    rows: impl IntoIterator<Item = TableRow<'a>>,
    fmt: fn(f64) -> String,
) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = write!(t, "| {unit} |");
    for c in TABLE_ORDER {
        let _ = write!(t, " {} |", column_name(c));
    }
    t.push_str(" gochan / best peer | gochan / floor |");
    for e in extra {
        let _ = write!(t, " {e} |");
    }
    t.push_str("\n|---|");
    for _ in 0..COLUMNS + 2 + extra.len() {
        t.push_str("---:|");
    }
    t.push('\n');
    for row in rows {
        let r = row.cells;
        assert_eq!(r.len(), COLUMNS, "a cell per column");
        let best = r[..PEERS.len()]
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let _ = write!(t, "| {} |", row.label);
        for c in TABLE_ORDER {
            match r[c] {
                Some(v) if v == best && c != FLOOR => {
                    let _ = write!(t, " **{}** |", fmt(v));
                }
                Some(v) => {
                    let _ = write!(t, " {} |", fmt(v));
                }
                None => t.push_str(" — |"),
            }
        }
        let peer_best = r[1..PEERS.len()]
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        for over in [Some(peer_best).filter(|v| v.is_finite()), r[FLOOR]] {
            match (r[0], over) {
                (Some(g), Some(o)) => {
                    let _ = write!(t, " {:.2} |", g / o);
                }
                _ => t.push_str(" — |"),
            }
        }
        for e in &row.extra {
            let _ = write!(t, " {e} |");
        }
        t.push('\n');
    }
    t
}

/// The line each bench ends with: the worst of gochan's figures over the
/// floor's, the row it is on, and how many rows are above `threshold`, as
/// `floor: worst WHAT R on ROW; rows above T: N`. `rows` gives each row's
/// name with gochan's and the floor's figures.
pub fn floor_line<'a>(
    what: &str,
    threshold: f64,
    rows: impl IntoIterator<Item = (&'a str, Option<f64>, Option<f64>)>,
) -> String {
    let mut worst: Option<(f64, &str)> = None;
    let mut above = 0;
    for (name, gochan, floor) in rows {
        let (Some(g), Some(f)) = (gochan, floor) else {
            continue;
        };
        let ratio = g / f;
        above += usize::from(ratio > threshold);
        if worst.is_none_or(|(w, _)| ratio > w) {
            worst = Some((ratio, name));
        }
    }
    match worst {
        Some((r, name)) => {
            format!("floor: worst {what} {r:.2} on {name}; rows above {threshold}: {above}")
        }
        None => format!("floor: worst {what} — on no row; rows above {threshold}: 0"),
    }
}

// Report metadata, shared by the two benches' generated reports.

/// The output of a command, trimmed, or `unknown`.
pub fn command(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The commit measured, `+ edits in src/` if `src/` differs from it.
/// Read-only git calls (`--no-optional-locks`: no index refresh behind a
/// user's back).
pub fn commit() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let head = command("git", &["-C", dir, "rev-parse", "--short", "HEAD"]);
    let status = command(
        "git",
        &[
            "--no-optional-locks",
            "-C",
            dir,
            "status",
            "--porcelain",
            "--",
            "src",
        ],
    );
    if status.is_empty() || status == "unknown" {
        head
    } else {
        format!("{head} + edits in src/")
    }
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

pub mod floor;

/// The floor channel of `floor.rs`, charging Tokio's coop budget (`COOP`) or
/// not: every kind, several consumers, no select (the benches use
/// `tokio::select!` over its futures, as over tokio mpsc's and flume's).
pub struct Floor<const COOP: bool>;

impl<const COOP: bool> Peer for Floor<COOP> {
    const NAME: &'static str = if COOP { "floor" } else { "floor without coop" };
    type Tx<T: Send + 'static> = floor::Tx<T, COOP>;
    type Rx<T: Send + 'static> = floor::Rx<T, COOP>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match kind {
            Kind::Bounded(n) => floor::channel(n),
            Kind::Unbounded => floor::channel(usize::MAX),
            Kind::Rendezvous => floor::channel(0),
        })
    }

    fn clone_rx<T: Send + 'static>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }

    fn send<T: Send + Unpin + 'static>(
        tx: &Self::Tx<T>,
        v: T,
    ) -> impl Future<Output = impl Sent> + Send + '_ {
        tx.send(v)
    }

    fn recv<T: Send + 'static>(
        rx: &mut Self::Rx<T>,
    ) -> impl Future<Output = impl Got<T>> + Send + '_ {
        rx.recv()
    }

    fn try_send<T: Send + 'static>(tx: &Self::Tx<T>, v: T) -> bool {
        tx.try_send(v).is_ok()
    }

    fn try_recv<T: Send + 'static>(rx: &mut Self::Rx<T>) -> Option<T> {
        rx.try_recv()
    }
}
