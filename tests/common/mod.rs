//! Helpers shared by several test files (each includes it with `mod common;`
//! and uses part of it).
#![allow(dead_code)]

use std::any::Any;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use gochan::Receiver;

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
