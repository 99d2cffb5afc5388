//! Go-style, closable channels for Tokio.
//!
//! gochan gives async Rust the channel that Go and the best Python asyncio
//! channel libraries have: bounded, unbounded and rendezvous channels with many
//! producers and many consumers, an explicit `close`, a way to wait until a
//! channel is closed **and** drained, scoped senders that close the channel
//! when their scope ends, and futures that never silently lose a value.
//!
//! # Quickstart
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx, rx) = gochan::bounded(16);
//!
//! let producer = tokio::spawn(async move {
//!     for i in 0..5 {
//!         tx.send(i).await.unwrap();
//!     }
//!     tx.close(); // no more values; what is buffered can still be received
//! });
//!
//! let mut sum = 0;
//! while let Ok(v) = rx.recv().await {
//!     sum += v;
//! }
//! assert_eq!(sum, 10);
//! rx.join().await; // closed and drained
//! producer.await.unwrap();
//! # }
//! ```
//!
//! # Channel kinds
//!
//! | constructor | buffer | a `send` completes when |
//! |---|---|---|
//! | [`bounded(n)`](bounded) | up to `n` values | there is room |
//! | [`unbounded()`](unbounded) | no limit | at once |
//! | [`rendezvous()`](rendezvous) = `bounded(0)` | none | a receiver has taken the value |
//!
//! ```
//! use gochan::TrySendError;
//!
//! let (tx, _rx) = gochan::bounded(1);
//! assert_eq!(tx.try_send(1), Ok(()));
//! assert_eq!(tx.try_send(2), Err(TrySendError::Full(2))); // the value comes back
//!
//! let (tx, _rx) = gochan::rendezvous();
//! assert_eq!(tx.try_send(1), Err(TrySendError::Full(1))); // nobody is receiving
//! ```
//!
//! Waiting senders and receivers are served first come, first served, as in Go:
//! a value sent while receivers wait goes to the one that waited longest, and
//! room freed while senders wait goes to the sender that waited longest.
//!
//! # Closing and draining
//!
//! A channel closes when any handle calls `close` (or `close_now`), when the
//! last [`Sender`] is dropped, when a [`ScopedSender`] is dropped, or when the
//! last [`Receiver`] is dropped. Closing is permanent. After it, sends fail with
//! their value handed back, and receivers keep getting buffered values until the
//! channel is drained; only then do they see `Closed`. A channel is *finished*
//! when it is closed and drained; [`join`](Receiver::join) waits for that.
//! "Drained" is exact: a value handed to a receiver that has not returned it
//! yet (it may be cancelled and pass the value on), or a [`Permit`] taken
//! before a graceful close (it may still send; `close_now` revokes permits
//! instead), keeps the channel unfinished and the
//! other waiting receivers waiting.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx, rx) = gochan::unbounded();
//! tx.send("a").await.unwrap();
//! tx.send("b").await.unwrap();
//! rx.close();
//! assert!(tx.send("c").await.is_err());
//! assert_eq!(rx.recv().await, Ok("a"));
//! assert!(!rx.is_finished());
//! assert_eq!(rx.recv().await, Ok("b"));
//! assert!(rx.is_finished());
//! tx.join().await; // resolves at once: closed and drained
//! # }
//! ```
//!
//! [`close_now`](Receiver::close_now) closes at once and hands the buffered
//! values back to its caller instead.
//!
//! # Scoped senders
//!
//! [`Sender::scope`] turns a sender into a guard that closes the channel when
//! it is dropped, however its scope ends: the `async with channel` of the
//! Python libraries.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx, rx) = gochan::bounded(1);
//! tokio::spawn(async move {
//!     let tx = tx.scope();
//!     for word in ["one", "two"] {
//!         tx.send(word).await?;
//!     }
//!     Ok::<_, gochan::SendError<&str>>(())
//! }); // closed when the task ends, even by `?` or a panic
//! assert_eq!(rx.recv().await, Ok("one"));
//! assert_eq!(rx.recv().await, Ok("two"));
//! assert!(rx.recv().await.is_err());
//! # }
//! ```
//!
//! # Cancel safety and `tokio::select!`
//!
//! [`Receiver::recv`] is cancel safe: a `recv` that loses a `tokio::select!`
//! never loses a value, even one it was handed as it lost. A `send` that loses
//! may have sent: a waiting send is completed by its counterpart, as in Go (a
//! receiver that frees room moves the longest-waiting sender's value in; on a
//! rendezvous channel it takes the value straight from the sender), and from
//! then on the value is sent even if the future is dropped unpolled. Poll the
//! send as `&mut fut` and [`SendFuture::cancel`] says which, handing an unsent
//! value back; or [`reserve`](Sender::reserve) first, to send nothing unless
//! the branch wins.
//!
//! ```
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let (tx, rx) = gochan::rendezvous();
//! let mut send = tx.send(String::from("precious"));
//! tokio::select! {
//!     _ = &mut send => unreachable!("nobody receives"),
//!     _ = tokio::time::sleep(Duration::from_secs(1)) => {}
//! }
//! assert_eq!(send.cancel().as_deref(), Some("precious"));
//! # drop(rx);
//! # }
//! ```
//!
//! Every async method documents its cancel safety.
//!
//! # Wakers and the channel's lock
//!
//! No user code runs while a channel is locked, with one exception: to
//! register a task that waits, its waker is *cloned* under the lock (as
//! `tokio::sync::Notify` does). Waking, dropping a replaced waker, dropping a
//! value and settling a [`deliver`](Sender::deliver) all happen after the
//! unlock. So a waker whose `clone` calls back into the same channel (even
//! `len()`) deadlocks; the wakers of Tokio and of every common executor do
//! not. A `clone` or `wake` that panics leaves every value and every place in
//! line as if it had not happened; the panic then reaches the caller, unless
//! re-raising it would lose a value on its way back (a refused send, a
//! permit's value nobody can receive, `close_now`'s leftovers): there it is
//! contained.
//!
//! # `gochan::select!`
//!
//! [`select!`] waits on several sends and receives at once, on channels of any
//! kind, and exactly one of them happens, as Go's `select`: a receive case that
//! is not chosen has taken nothing, a send case that is not chosen has sent
//! nothing (rendezvous channels included). A send case's value expression is
//! evaluated only when that case is chosen (Go evaluates every send value on
//! entry; gochan only the chosen one's), so a case that loses has built
//! nothing, and `send(out, queue.pop_front().unwrap()) -> r, if
//! !queue.is_empty()` beside a `recv` that refills the queue loses no value.
//! Of several ready cases one is picked at random (`biased;` picks the first
//! listed); a case on a closed channel is ready with its `Err`. A guard (`,
//! if cond`) switches a case off, as a Go nil channel; `default` never waits,
//! `default(duration)` waits at most that long. It allocates nothing in
//! steady state (its cases live in the future; the select token comes from a
//! small per-thread pool).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx_num, rx_num) = gochan::bounded::<u32>(1);
//! let (tx_out, rx_out) = gochan::rendezvous::<&str>();
//! tx_num.send(7).await.unwrap();
//! tx_num.close();
//!
//! let mut open = true;
//! let mut got = Vec::new();
//! while open {
//!     gochan::select! {
//!         recv(rx_num) -> v, if open => match v {
//!             Ok(v) => got.push(v),
//!             Err(_closed) => open = false, // switch the closed channel off
//!         },
//!         send(tx_out, "nobody listens") -> _res => unreachable!(),
//!     }
//! }
//! assert_eq!(got, [7]);
//! assert_eq!(rx_out.stats().sent, 0); // the send case never happened
//! # }
//! ```
//!
//! For a set of channels known only at run time, [`Select`] (or
//! [`LocalSelect`] for items that are not `Send`) is the same select built
//! case by case and reused in a loop: each case has a typed handle through
//! which its result is taken, a send case that loses keeps its value for the
//! next round, and cases can be removed. Cases borrow their handles
//! ([`Select::recv`], [`Select::send`]) or own them ([`Select::recv_owned`],
//! [`Select::send_owned`]), so a `Select<'static>` can live in a struct and
//! gain cases while its loop runs.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let channels: Vec<_> = (0..4).map(|_| gochan::bounded::<u32>(1)).collect();
//! let mut sel = gochan::Select::new();
//! let cases: Vec<_> = channels.iter().map(|(_, rx)| sel.recv(rx)).collect();
//! for k in [2, 0, 3] {
//!     channels[k].0.send(10 * k as u32).await.unwrap();
//!     let i = sel.select().await;
//!     assert_eq!(i, cases[k].index());
//!     assert_eq!(sel.take(&cases[k]), Some(Ok(10 * k as u32)));
//! }
//! # }
//! ```
//!
//! # Streams
//!
//! [`Receiver`] implements [`Stream`](tokio_stream::Stream); it ends when the
//! channel is closed and drained, like `async for` over a Python channel.
//!
//! ```
//! use tokio_stream::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx, rx) = gochan::unbounded();
//! for i in 1..=3 {
//!     tx.send(i).await.unwrap();
//! }
//! drop(tx);
//! let doubled: Vec<i32> = rx.map(|v| v * 2).collect().await;
//! assert_eq!(doubled, [2, 4, 6]);
//! # }
//! ```
//!
//! # Sinks, owned sends and permits
//!
//! For the rest of the Tokio ecosystem: [`Sender::into_sink`] (and
//! [`Sender::sink`]) is a `futures` `Sink`, so `stream.forward(tx.into_sink())`
//! works and a refused value comes back in the error; `Receiver` is a
//! `FusedStream`, so `futures::select!` takes `rx.next()` as it is;
//! [`Sender::send_owned`] and [`Sender::reserve_owned`] give futures and
//! permits that own their sender, for `tokio::spawn` and structs; and
//! [`Sender::reserve_many`] reserves room for a batch, as tokio's does.
//!
//! ```
//! use futures::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx, rx) = gochan::bounded(2);
//! let forward = tokio::spawn(futures::stream::iter(1..=4).map(Ok).forward(tx.clone().into_sink()));
//! let permit = tx.reserve_owned().await.unwrap(); // owns the last other sender
//! tokio::spawn(async move { drop(permit.send(10).unwrap()) });
//! let mut got: Vec<i32> = rx.collect().await; // ends once both senders are gone
//! got.sort();
//! assert_eq!(got, [1, 2, 3, 4, 10]);
//! forward.await.unwrap().unwrap();
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms, unreachable_pub)]

mod blocking;
mod capacity;
mod chan;
mod coop;
mod error;
mod future;
mod permit;
mod receiver;
mod select;
mod sender;
mod sink;

use std::sync::Arc;

use capacity::Capacity;
use chan::Chan;

pub use chan::Stats;
pub use error::{
    DeliverError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
pub use future::{
    DeliverFuture, RecvFuture, RecvManyFuture, ReserveFuture, ReserveManyFuture,
    ReserveOwnedFuture, SendFuture, SendOwnedFuture,
};
pub use permit::{OwnedPermit, Permit, PermitIterator};
pub use receiver::Receiver;
pub use select::{LocalSelect, RecvCase, Select, SelectCase, SendCase};

/// What `gochan::select!` expands to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::select::{
        try_select, unreachable_case, AsReceiver, AsSender, Attempt, Case, CaseList, Cases, Nil,
        RecvOp, SelectFuture, SendGrant, SendOp, Ticket,
    };
}
pub use sender::{ScopedSender, Sender, WeakSender};
pub use sink::SendSink;

fn channel<T>(cap: Capacity) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(cap));
    (Sender { chan: chan.clone() }, Receiver::new(chan))
}

/// A channel that buffers up to `cap` values; `bounded(0)` is a
/// [`rendezvous`] channel.
///
/// The capacity is a limit, never preallocated: `bounded(usize::MAX)` works
/// and costs no more than `bounded(1)` until values arrive.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::bounded(2);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).unwrap_err().is_full());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    channel(Capacity::Bounded(cap))
}

/// A channel with no capacity limit: `send` never waits.
///
/// # Examples
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// for i in 0..10_000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 10_000);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    channel(Capacity::Unbounded)
}

/// A channel with no buffer, the same as `bounded(0)`: a send completes only
/// when a receiver takes the value, as with Go's unbuffered channels.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = gochan::rendezvous();
/// let receiver = tokio::spawn(async move { rx.recv().await });
/// tx.send("hand-off").await.unwrap(); // returns once the receiver has it
/// assert_eq!(receiver.await.unwrap(), Ok("hand-off"));
/// # }
/// ```
pub fn rendezvous<T>() -> (Sender<T>, Receiver<T>) {
    bounded(0)
}
