//! Tokio's cooperative budget, charged as tokio's own channels charge it: one
//! unit per completed operation. Every operation calls
//! `tokio::task::coop::poll_proceed` first (an exhausted budget makes it
//! yield), and [`made_progress`] once it completed; an operation that stays
//! pending drops the guard, which gives the unit back.

use tokio::task::coop::RestoreOnPending;

/// Commits the unit `poll_proceed` took: the operation completed.
///
/// `RestoreOnPending::made_progress` leaves the guard nothing to restore, so
/// it is forgotten instead of dropped: its `Drop`, an out-of-line call, would
/// only find that out (about 12 instructions a message on a send and a
/// receive, callgrind). The budget is charged exactly as with the drop.
#[inline(always)]
pub(crate) fn made_progress(coop: RestoreOnPending) {
    coop.made_progress();
    std::mem::forget(coop);
}
