//! Helpers shared by several test files (each includes it with `mod common;`
//! and uses part of it).
#![allow(dead_code)]

use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gochan::{Receiver, Sender};

use tokio::task::coop;

/// The coop budget left to the running task (or `block_on`), counted by
/// spending it and giving it all back; `None` if unconstrained.
pub fn budget_left() -> Option<usize> {
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready(first) = coop::poll_proceed(&mut cx) else {
        return Some(0);
    };
    let mut left = 1;
    while let Poll::Ready(unit) = coop::poll_proceed(&mut cx) {
        unit.made_progress();
        left += 1;
        if left > 1000 {
            return None;
        }
    }
    // Restores the budget as it was before `first`: all of it.
    drop(first);
    Some(left)
}

/// Every multi-task test body must finish within this, or it is reported as
/// a deadlock (or a lost wake-up) instead of hanging CI.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `body` under [`DEADLINE`].
pub async fn deadline<F: Future>(name: &str, body: F) -> F::Output {
    match tokio::time::timeout(DEADLINE, body).await {
        Ok(out) => out,
        Err(_) => panic!("{name}: not done within {DEADLINE:?}: a deadlock or a lost wake-up"),
    }
}

/// Runs `body` on a plain thread of its own and fails unless it returns
/// within `limit`: for synchronous code that could deadlock, or that could
/// hold a runtime worker (so that not even a tokio timeout would fire). A
/// panic in `body` fails the caller with that panic. The thread of a body
/// that overran is left behind.
pub fn on_a_thread_within<R: Send + 'static>(
    name: &str,
    limit: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done.send(body());
    });
    match finished.recv_timeout(limit) {
        Ok(out) => {
            worker.join().expect("the body returned");
            out
        }
        // The body panicked: re-raise its panic.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().expect_err("the body panicked"))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: not done within {limit:?}: a deadlock, or work that is not O(1)")
        }
    }
}

/// [`on_a_thread_within`] [`DEADLINE`].
pub fn on_a_thread<R: Send + 'static>(name: &str, body: impl FnOnce() -> R + Send + 'static) -> R {
    on_a_thread_within(name, DEADLINE, body)
}

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Both ends of a channel.
pub type Pair<T> = (Sender<T>, Receiver<T>);

/// The three kinds of channel, for tests that hold for all of them:
/// `bounded(4)`, `unbounded()` and `rendezvous()`, each with its name.
pub fn kinds<T>() -> Vec<(&'static str, Pair<T>)> {
    kinds_with(4)
}

/// [`kinds`], with `bounded(cap)` as the bounded one.
pub fn kinds_with<T>(cap: usize) -> Vec<(&'static str, Pair<T>)> {
    vec![
        ("bounded", gochan::bounded(cap)),
        ("unbounded", gochan::unbounded()),
        ("rendezvous", gochan::rendezvous()),
    ]
}

/// The kinds with a buffer, `bounded(cap)` and `unbounded()`, for what
/// holds wherever a value can wait in the channel.
pub fn buffered_kinds<T>(cap: usize) -> Vec<(&'static str, Pair<T>)> {
    vec![
        ("bounded", gochan::bounded(cap)),
        ("unbounded", gochan::unbounded()),
    ]
}

/// Counts the drops of every value it made, by id.
pub struct Drops(Arc<Vec<AtomicUsize>>);

/// A value that records its drop in [`Drops`].
#[derive(Debug)]
pub struct Tracked {
    pub id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

impl Drops {
    /// Room for ids `0..n`.
    pub fn new(n: usize) -> Self {
        Drops(Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect()))
    }

    /// A value with this id.
    pub fn make(&self, id: usize) -> Tracked {
        Tracked {
            id,
            drops: self.0.clone(),
        }
    }

    /// How often the value with this id was dropped.
    pub fn count(&self, id: usize) -> usize {
        self.0[id].load(Ordering::SeqCst)
    }

    /// Drops of every id together.
    pub fn total(&self) -> usize {
        (0..self.0.len()).map(|id| self.count(id)).sum()
    }

    /// Every value made was dropped exactly once: nothing leaked, nothing
    /// dropped twice.
    #[track_caller]
    pub fn assert_all_once(&self) {
        let counts: Vec<usize> = (0..self.0.len()).map(|id| self.count(id)).collect();
        assert!(counts.iter().all(|&c| c == 1), "drop counts: {counts:?}");
    }
}

/// No operation is registered on the channel (the `stats` of every handle
/// of a channel are the same snapshot).
#[track_caller]
pub fn assert_idle<T>(rx: &Receiver<T>) {
    let s = rx.stats();
    assert_eq!(
        (s.waiting_senders, s.waiting_receivers),
        (0, 0),
        "a registration was left behind: {s:?}"
    );
}

/// Wraps a future for polling by hand, outside tokio's cooperative budget
/// (which would otherwise make a future polled late in a long loop return
/// `Pending` without doing anything).
pub fn by_hand<F: Future>(f: F) -> tokio_test::task::Spawn<tokio::task::Unconstrained<F>> {
    tokio_test::task::spawn(tokio::task::unconstrained(f))
}

/// Completes after `n` yields.
pub async fn yields(n: usize) {
    for _ in 0..n {
        tokio::task::yield_now().await;
    }
}

/// The message of a caught panic (`String` or `&str` payloads).
pub fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Whether `msg` names `method` itself (not just a longer name such as
/// `Receiver::recv_blocking`).
pub fn names_method(msg: &str, method: &str) -> bool {
    msg.match_indices(method).any(|(i, _)| {
        !msg[i + method.len()..].starts_with(|c: char| c == '_' || c.is_alphanumeric())
    })
}

/// A small seeded xorshift64* generator: a failure that names its seed
/// reproduces its schedule of operations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // splitmix64 of the seed, so that nearby seeds give unrelated streams.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`), near enough for tests.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `0..n` (`n > 0`), as an index.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A tiny duration: zero, some microseconds, or up to a millisecond.
    pub fn tiny(&mut self) -> Duration {
        match self.below(4) {
            0 => Duration::ZERO,
            1 | 2 => Duration::from_micros(self.below(100)),
            _ => Duration::from_micros(self.below(1000)),
        }
    }
}
