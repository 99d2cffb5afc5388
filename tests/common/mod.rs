//! Helpers shared by several test files (each includes it with `mod common;`).

use std::task::{Context, Poll, Waker};

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
