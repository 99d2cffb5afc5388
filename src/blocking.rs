//! Running the channel's futures on a plain thread (`send_blocking`,
//! `recv_blocking`), and refusing to on a thread that drives async code.
//!
//! A blocking call must not run where Tokio drives async code on this thread:
//! on a runtime worker polling a task, on a current-thread runtime's thread,
//! inside `Runtime::block_on` or `Handle::block_on`. Tokio's own
//! `blocking_send`/`blocking_recv` refuse exactly when the thread has
//! *entered* a runtime, a private flag that `block_in_place` clears for its
//! closure and that `spawn_blocking` threads never set. Tokio shows that flag
//! only by panicking, so [`in_async_context`] reads it through cheaper public
//! signals first and asks the panicking one only where nothing else decides.
//!
//! What the check cannot see, or sees at a price:
//!
//! * Once a task has made an allowed blocking call on a thread (in
//!   `spawn_blocking`, or in `block_in_place`'s closure), its later calls on
//!   that thread are refused only where a scheduler holds the thread. Not
//!   detected: a `Handle::block_on` (or `Runtime::block_on`) entered later
//!   inside that same closure, and the rest of a poll after `block_in_place`
//!   if the worker's core went to another thread meanwhile (blocking there
//!   stalls that task only, as in `block_in_place`).
//! * Where no scheduler is set on the thread and the coop budget does not
//!   show a `block_on` (a `LocalSet`'s task under a multi-thread `block_on`, a
//!   `block_on` inside `spawn_blocking`, a multi-thread `block_on` future after
//!   `block_in_place` or under `unconstrained`, a task after `block_in_place`
//!   whose worker core went elsewhere), the refusal comes from Tokio's own
//!   panic, caught and replaced by this crate's: the panic hook prints Tokio's
//!   "Cannot start a runtime from within a runtime" first, and under
//!   `panic = "abort"` that message is the last one.
//! * A thread that has only `Handle::enter`-ed a runtime, or runs
//!   `block_in_place`'s closure inside a multi-thread `block_on`, pays up to
//!   a microsecond per call for the check (counting the coop budget), where a
//!   plain thread pays ~7 ns and a loop in `spawn_blocking` ~8 ns (a whole
//!   `send_blocking` + `recv_blocking` pair that does not wait, ~32 ns).

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use tokio::runtime::Handle;
use tokio::task::coop;

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
             where blocking would stall the runtime's thread; use `{instead}` \
             instead, or call `{method}` from `tokio::task::spawn_blocking`"
        );
    }
    let mut fut = std::pin::pin!(fut);
    let mut poll = |waker: &Waker| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    };
    match UNPARK.try_with(|waker| poll(waker)) {
        Ok(out) => out,
        // Thread-locals being torn down: a waker of its own.
        Err(_) => poll(&Waker::from(Arc::new(Unpark(std::thread::current())))),
    }
}

/// Whether this thread is driving async code for Tokio now, so that blocking
/// it would stall a runtime or a `block_on`.
///
/// Tokio decides this (for its `blocking_recv`, and for "Cannot start a
/// runtime from within a runtime") with a private per-thread flag, set by
/// `enter_runtime` for a worker's whole life and for each `block_on`, cleared
/// by `block_in_place` for its closure and never set on `spawn_blocking`
/// threads. No public API returns it, so the check combines public signals,
/// each exact for what it decides, cheapest first (costs measured on a 2-core
/// VM, release build):
///
/// * [`tokio::task::try_id`] (~2 ns) splits task code from the rest. Then
///   [`Handle::try_current`] (~5 ns): without a handle the thread cannot have
///   entered a runtime, which decides a plain thread at ~7 ns in all.
/// * [`scheduler_defers_wakes`] (~4 ns): a scheduler polling a task (or a
///   current-thread `block_on`) on this thread defers a yielding future's
///   wake-up; anywhere else Tokio wakes it at once. This refuses workers and
///   current-thread runtimes with no other cost, under `unconstrained` and
///   right after `block_in_place` (which takes the worker's core back) too.
/// * A task id without a deferring scheduler is `spawn_blocking`,
///   `block_in_place`'s closure, or a task polled where no scheduler is set
///   (a `LocalSet` under a multi-thread `block_on`): [`task_outside_runtime`]
///   asks the exact signal once per task and thread and remembers an allowed
///   task, so a loop in `spawn_blocking` costs ~8 ns per call.
/// * No task, a handle, no deferring scheduler: a `block_on` future where no
///   scheduler is set (multi-thread `Runtime::block_on`, `Handle::block_on`)
///   or a thread that has only `Handle::enter`-ed a runtime. A `block_on`
///   polls its future with a constrained coop budget
///   ([`budget_is_constrained`], ~0.6-1 µs to find there is none), so the
///   common case (a `#[tokio::main]` body) is refused with this crate's
///   message alone.
/// * [`runtime_entered`] (~55 ns when it does not panic) reads the flag
///   itself through `Handle::block_on`'s documented panic. It comes last
///   because a panic runs the panic hook, which prints Tokio's message.
///
/// Rejected: counting the budget alone (the old check: 0.5-2.5 µs per call on
/// any thread with a handle, in `spawn_blocking` too, and fooled by
/// `block_in_place` in a multi-thread `block_on`, which leaves the budget
/// unconstrained); `coop::has_budget_remaining` (true both without a budget
/// and with some left); `Handle::runtime_flavor` (which runtime, not whether it
/// is entered); `block_in_place` as a probe (needs the `rt-multi-thread`
/// feature, hands a worker's core to another thread, panics on a
/// current-thread runtime, and its closure looks the same either way);
/// reading the budget from `RestoreOnPending`'s `Debug` output (a format, not
/// an API); asking [`runtime_entered`] first (~55 ns per call in
/// `spawn_blocking`, and every refusal would print Tokio's message).
fn in_async_context() -> bool {
    match tokio::task::try_id() {
        Some(task) => scheduler_defers_wakes() || !task_outside_runtime(task),
        None => match Handle::try_current() {
            Err(_) => false,
            Ok(handle) => {
                scheduler_defers_wakes() || budget_is_constrained() || runtime_entered(&handle)
            }
        },
    }
}

/// Records whether its waker was woken.
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::Relaxed);
    }
}

thread_local! {
    /// The waker [`block_on`] polls with on this thread, made once: a wake-up
    /// that arrives after its call returned unparks the thread spuriously, as
    /// `std::thread::park` allows, and as a waker of the call's own would.
    static UNPARK: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));

    /// The waker [`scheduler_defers_wakes`] polls with, made once per thread.
    static YIELD_PROBE: (Arc<Woken>, Waker) = {
        let woken = Arc::new(Woken(AtomicBool::new(false)));
        let waker = Waker::from(Arc::clone(&woken));
        (woken, waker)
    };

    /// The last task that [`task_outside_runtime`] found allowed to block on
    /// this thread.
    static ALLOWED_TASK: Cell<Option<tokio::task::Id>> = const { Cell::new(None) };
}

/// Whether a Tokio scheduler holds this thread: polls `yield_now()` once and
/// sees whether the wake-up came at once (no scheduler) or was deferred.
///
/// Tokio defers it while a worker holding its core, or a current-thread
/// runtime, drives this thread; not on a plain thread, in `spawn_blocking`,
/// in `block_in_place`'s closure, or in a multi-thread `block_on` (no
/// scheduler there). A deferred waker is woken later by that scheduler, which
/// only sets this thread's flag. A wake-up from elsewhere could only make this
/// say `false`, leaving the decision to the later signals.
fn scheduler_defers_wakes() -> bool {
    YIELD_PROBE
        .try_with(|(woken, waker)| {
            woken.0.store(false, Ordering::Relaxed);
            let mut yield_now = std::pin::pin!(tokio::task::yield_now());
            let polled = yield_now.as_mut().poll(&mut Context::from_waker(waker));
            polled.is_pending() && !woken.0.load(Ordering::Relaxed)
        })
        // Thread-locals being torn down: be permissive, as Tokio is.
        .unwrap_or(false)
}

/// Whether `task`, seen on this thread without a deferring scheduler, runs
/// outside the runtime here (in `spawn_blocking`, or in `block_in_place`'s
/// closure) rather than under a scheduler-less `block_on`.
///
/// Asks [`runtime_entered`] once and remembers the last allowed task, so a
/// loop of blocking calls in `spawn_blocking` costs the two cheap signals
/// only. A task found inside a runtime is not remembered: it is refused, and
/// its next call asks again.
fn task_outside_runtime(task: tokio::task::Id) -> bool {
    if ALLOWED_TASK.try_with(Cell::get).ok().flatten() == Some(task) {
        return true;
    }
    let outside = match Handle::try_current() {
        Err(_) => true,
        Ok(handle) => !runtime_entered(&handle),
    };
    if outside {
        let _ = ALLOWED_TASK.try_with(|allowed| allowed.set(Some(task)));
    }
    outside
}

/// Whether this code runs with a constrained coop budget, as a `block_on`
/// gives the future it polls (and a scheduler the task it polls).
///
/// Takes one unit of budget and keeps it as `first`, then spends units until
/// the budget runs out or more units were spent than a budget holds (Tokio
/// starts each poll with 128; with more, [`runtime_entered`] still decides).
/// Dropping `first` puts the budget back as it was, so the caller's task or
/// `block_on` keeps its budget. A budget that runs out registers `Waker::noop`
/// with Tokio, which wakes nothing.
fn budget_is_constrained() -> bool {
    const INITIAL_BUDGET: usize = 128;
    let mut cx = Context::from_waker(Waker::noop());
    let first = match coop::poll_proceed(&mut cx) {
        Poll::Ready(first) => first,
        Poll::Pending => return true,
    };
    let constrained = (0..INITIAL_BUDGET).any(|_| match coop::poll_proceed(&mut cx) {
        Poll::Ready(unit) => {
            unit.made_progress();
            false
        }
        Poll::Pending => true,
    });
    drop(first);
    constrained
}

/// Whether this thread has entered a Tokio runtime, read from the panic that
/// `Handle::block_on` documents for "an asynchronous context, such as inside
/// `Runtime::block_on`, `Handle::block_on`, or from a function annotated with
/// `tokio::main`". Exact, but when it panics the panic hook runs (printing
/// Tokio's message), so it is asked last. When it does not panic it enters and
/// leaves `handle`'s runtime around a ready future, which leaves the caller's
/// budget and the thread's handle as they were.
fn runtime_entered(handle: &Handle) -> bool {
    catch_unwind(AssertUnwindSafe(|| handle.block_on(std::future::ready(())))).is_err()
}
