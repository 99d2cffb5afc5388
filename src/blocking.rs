//! Running the channel's futures on a plain thread (`send_blocking`,
//! `recv_blocking`).

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

/// Wakes a parked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` to completion on this thread, parking it between polls.
///
/// # Panics
///
/// On a thread that is running async code for Tokio, naming `instead`.
#[track_caller]
pub(crate) fn block_on<F: Future>(method: &str, instead: &str, fut: F) -> F::Output {
    if in_async_context() {
        panic!(
            "gochan: `{method}` was called from async code running on a Tokio runtime, \
             where blocking would stall the runtime's thread; use `{instead}(..).await` \
             instead, or call `{method}` from `tokio::task::spawn_blocking`"
        );
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// Whether this thread is polling a Tokio task (or a `block_on` future) now.
///
/// Tokio gives code a constrained cooperative budget exactly while it polls a
/// task or a `block_on` future; a plain thread, or one in `spawn_blocking`,
/// has an unconstrained one. Spending the budget tells the two apart without
/// `unsafe` or private API: a constrained budget runs out within 255 steps.
/// Every step is undone before returning, newest first, so the task's budget is
/// left as it was. Code inside `tokio::task::unconstrained` is not detected.
fn in_async_context() -> bool {
    if tokio::runtime::Handle::try_current().is_err() {
        return false;
    }
    let mut cx = Context::from_waker(Waker::noop());
    let mut steps = Vec::with_capacity(usize::from(u8::MAX) + 1);
    let mut constrained = false;
    for _ in 0..=u8::MAX {
        match tokio::task::coop::poll_proceed(&mut cx) {
            Poll::Ready(step) => steps.push(step),
            Poll::Pending => {
                constrained = true;
                break;
            }
        }
    }
    while let Some(step) = steps.pop() {
        drop(step);
    }
    constrained
}
