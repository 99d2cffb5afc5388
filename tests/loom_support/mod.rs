//! What the loom models share: the model runner with its preemption bound,
//! a single poll with a no-op waker, and a ledger of values.
//!
//! Run with `RUSTFLAGS="--cfg gochan_loom" cargo test --release --test
//! loom_...` (the README gives the commands). `LOOM_MAX_PREEMPTIONS`
//! overrides the bound set here.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Explores every interleaving of `f`'s threads, up to `preemptions`
/// preemptions (unless `LOOM_MAX_PREEMPTIONS` says otherwise).
pub fn model_with(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.check(f);
}

/// [`model_with`] a bound of 2: enough for the races of a hand-off, small
/// enough for CI.
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    model_with(2, f);
}

/// Polls `f` once with a waker that does nothing.
pub fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Values that count their drops: each id must end up received, handed
/// back or dropped exactly as the model says.
#[derive(Debug)]
pub struct V {
    pub id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for V {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, SeqCst);
    }
}

/// Makes [`V`]s and counts their drops.
#[derive(Clone, Debug)]
pub struct Ledger(Arc<Vec<AtomicUsize>>);

impl Ledger {
    pub fn new(n: usize) -> Self {
        Ledger(Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect()))
    }

    pub fn make(&self, id: usize) -> V {
        V {
            id,
            drops: self.0.clone(),
        }
    }

    /// Every value was dropped exactly once: none lost in the channel, none
    /// dropped twice.
    pub fn assert_all_dropped_once(&self) {
        for (id, d) in self.0.iter().enumerate() {
            assert_eq!(
                d.load(SeqCst),
                1,
                "value {id} dropped {} times",
                d.load(SeqCst)
            );
        }
    }
}
