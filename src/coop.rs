//! Tokio's cooperative budget, charged as tokio's own channels charge it: one
//! unit per completed operation. Every poll of an operation first takes a
//! [`Budget`] (an exhausted budget makes the poll yield before it looks at
//! the channel), spends it if the operation completed, and drops it if the
//! operation stays pending, which gives the unit back.

use std::task::{Context, Poll};

use tokio::task::coop::RestoreOnPending;

/// One unit of the task's cooperative budget, taken for one poll.
#[must_use = "a budget unit is spent when the operation completes, or given back when dropped"]
pub(crate) struct Budget(RestoreOnPending);

impl Budget {
    /// Takes a unit, or `Pending` (the task is woken to run again later)
    /// if the task's budget is spent.
    #[inline(always)]
    pub(crate) fn take(cx: &mut Context<'_>) -> Poll<Budget> {
        tokio::task::coop::poll_proceed(cx).map(Budget)
    }

    /// The operation completed: the unit is spent.
    ///
    /// The guard is forgotten instead of dropped: its `Drop` (an out-of-line
    /// call) would only find it has nothing to restore (about 12
    /// instructions a message on a send and a receive). The budget is
    /// charged exactly as with the drop.
    #[inline(always)]
    pub(crate) fn spend(self) {
        self.0.made_progress();
        std::mem::forget(self);
    }

    /// Spends the unit if `res` is ready; hands `res` back.
    #[inline(always)]
    pub(crate) fn spend_if_ready<R>(self, res: Poll<R>) -> Poll<R> {
        if res.is_ready() {
            self.spend();
        }
        res
    }
}
