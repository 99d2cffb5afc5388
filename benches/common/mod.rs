//! The peers both benches measure, behind one small trait, so that
//! `benches/channel.rs` (wall clock) and `benches/instructions.rs`
//! (instructions under callgrind) make exactly the same calls on every crate.
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

/// Calls the generic function `f::<P>(args)` with the `Peer` type of the
/// `peer`-th column of [`PEERS`] for channels of `kind` (tokio mpsc and
/// crossfire have one type for bounded and another for unbounded), or of a
/// floor ([`FLOOR_COOP`], [`FLOOR_BARE`]).
macro_rules! with_peer {
    ($peer:expr, $kind:expr, $f:ident ( $($arg:expr),* )) => {{
        let unbounded = $kind == $crate::common::Kind::Unbounded;
        match $peer {
            0 => $f::<$crate::common::Gochan>($($arg),*),
            1 if unbounded => $f::<$crate::common::TokioUnbounded>($($arg),*),
            1 => $f::<$crate::common::TokioBounded>($($arg),*),
            2 => $f::<$crate::common::AsyncChannel>($($arg),*),
            3 => $f::<$crate::common::Flume>($($arg),*),
            4 => $f::<$crate::common::Kanal>($($arg),*),
            5 if unbounded => $f::<$crate::common::CrossfireUnbounded>($($arg),*),
            5 => $f::<$crate::common::CrossfireBounded>($($arg),*),
            $crate::common::FLOOR_COOP => $f::<$crate::common::Floor<true>>($($arg),*),
            $crate::common::FLOOR_BARE => $f::<$crate::common::Floor<false>>($($arg),*),
            _ => unreachable!("six peers and two floors"),
        }
    }};
}
pub(crate) use with_peer;

/// The column numbers of the two floor channels (`floor.rs`), after the
/// peers: with and without Tokio's coop budget. Not peers: no table's "best
/// peer" counts them.
pub const FLOOR_COOP: usize = 6;
/// See [`FLOOR_COOP`].
pub const FLOOR_BARE: usize = 7;

/// The peers, in table order (gochan first).
pub const PEERS: [&str; 6] = [
    Gochan::NAME,
    TokioBounded::NAME,
    AsyncChannel::NAME,
    Flume::NAME,
    Kanal::NAME,
    CrossfireBounded::NAME,
];

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

/// The side-by-side markdown table both benches print: a row per workload,
/// a column per peer (the fastest in **bold**, `—` where a peer sits the row
/// out), then gochan's figure over the best other peer's. `unit` heads the
/// first column, `ratio` the last; `fmt` writes one figure.
pub fn peer_table<'a>(
    unit: &str,
    ratio: &str,
    rows: impl IntoIterator<Item = (&'a str, &'a [Option<f64>])>,
    fmt: fn(f64) -> String,
) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = write!(t, "| {unit} |");
    for p in PEERS {
        let _ = write!(t, " {p} |");
    }
    let _ = write!(t, " {ratio} |\n|---|");
    for _ in PEERS {
        t.push_str("---:|");
    }
    t.push_str("---:|\n");
    for (label, r) in rows {
        let best = r.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let _ = write!(t, "| {label} |");
        for v in r {
            match v {
                Some(v) if *v == best => {
                    let _ = write!(t, " **{}** |", fmt(*v));
                }
                Some(v) => {
                    let _ = write!(t, " {} |", fmt(*v));
                }
                None => t.push_str(" — |"),
            }
        }
        let peer_best = r[1..]
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        match r[0] {
            Some(g) if peer_best.is_finite() => {
                let _ = writeln!(t, " {:.2} |", g / peer_best);
            }
            _ => t.push_str(" — |\n"),
        }
    }
    t
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
/// not. Bounded and unbounded only: it has no rendezvous hand-off.
pub struct Floor<const COOP: bool>;

impl<const COOP: bool> Peer for Floor<COOP> {
    const NAME: &'static str = if COOP { "floor" } else { "floor without coop" };
    type Tx<T: Send + 'static> = floor::Tx<T, COOP>;
    type Rx<T: Send + 'static> = floor::Rx<T, COOP>;

    fn new<T: Send + 'static>(kind: Kind) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        match kind {
            Kind::Bounded(n) => Some(floor::channel(n)),
            Kind::Unbounded => Some(floor::channel(usize::MAX)),
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
        rx.try_recv()
    }
}
