//! Where `send_blocking` and `recv_blocking` may block the calling thread.
//!
//! They are refused (a panic naming the async method) wherever Tokio drives
//! async code on the thread, and allowed where Tokio's own `blocking_recv` is:
//! a plain thread, `spawn_blocking`, `block_in_place`'s closure, a thread that
//! has only entered a runtime's handle.
//!
//! A wrongly allowed call would block a runtime's thread, so every test runs its
//! body on a thread of its own under [`on_its_own_thread`] and fails instead of
//! hanging.
//! The refused calls are also set up to finish at once if they were allowed (a
//! send with room, a receive with a value waiting), so that a regression fails
//! on the assertion that names it. Where the check can decide without Tokio's
//! own "Cannot start a runtime" panic (tasks of a scheduler, a `block_on` with
//! its budget), the tests also check that no such panic was raised.

mod common;

use std::cell::Cell;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;
use std::task::{Context, Poll, Waker};

use common::{budget_left, names_method, on_a_thread, panic_message};
use gochan::TryRecvError;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::coop;

/// Runs `body` on a thread of its own under the common deadline (see
/// [`on_a_thread`]), with Tokio's "Cannot start a runtime" panics counted.
fn on_its_own_thread<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
    count_tokio_panics();
    on_a_thread("a blocking call hung", body)
}

thread_local! {
    /// How many of Tokio's "Cannot start a runtime" panics this thread raised.
    static TOKIO_PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Makes the panic hook count Tokio's "Cannot start a runtime" panics in
/// [`TOKIO_PANICS`], then print as before.
fn count_tokio_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if msg.is_some_and(|msg| msg.starts_with("Cannot start a runtime")) {
                TOKIO_PANICS.with(|n| n.set(n.get() + 1));
            }
            print(info);
        }));
    });
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The panic message of `call`, which must panic.
fn refusal<T: Debug>(call: impl FnOnce() -> T) -> String {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(out) => panic!("the blocking call was allowed and returned {out:?}"),
        Err(panic) => panic_message(panic),
    }
}

/// Checks, from the context under test, that both blocking calls are refused
/// with a message naming the async method, before touching the channel.
fn assert_refused() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let msg = refusal(|| tx.send_blocking(1));
    assert!(names_method(&msg, "Sender::send"), "message: {msg}");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing was sent");

    tx.try_send(2).unwrap();
    let msg = refusal(|| rx.recv_blocking());
    assert!(names_method(&msg, "Receiver::recv"), "message: {msg}");
    assert_eq!(rx.try_recv(), Ok(2), "the value is still there");
}

/// [`assert_refused`], decided without Tokio's "Cannot start a runtime" panic.
fn assert_refused_cleanly() {
    let before = TOKIO_PANICS.get();
    assert_refused();
    assert_eq!(
        TOKIO_PANICS.get(),
        before,
        "a Tokio panic decided the refusal"
    );
}

/// Checks, from the context under test, that both blocking calls work, the
/// receive waiting for a sender on another thread.
fn assert_allowed() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.send_blocking(1).unwrap();
    assert_eq!(rx.recv_blocking(), Ok(1));

    let (tx, rx) = gochan::rendezvous::<u32>();
    let sender = std::thread::spawn(move || tx.send_blocking(3));
    assert_eq!(rx.recv_blocking(), Ok(3));
    assert_eq!(sender.join().unwrap(), Ok(()));
}

#[test]
fn refused_in_current_thread_task() {
    on_its_own_thread(|| {
        current_thread().block_on(async {
            tokio::spawn(async { assert_refused_cleanly() })
                .await
                .unwrap()
        })
    });
}

#[test]
fn refused_in_multi_thread_worker_task() {
    on_its_own_thread(|| {
        multi_thread().block_on(async {
            tokio::spawn(async { assert_refused_cleanly() })
                .await
                .unwrap()
        })
    });
}

#[test]
fn refused_in_runtime_block_on() {
    on_its_own_thread(|| current_thread().block_on(async { assert_refused_cleanly() }));
    on_its_own_thread(|| multi_thread().block_on(async { assert_refused_cleanly() }));
}

#[test]
fn refused_in_handle_block_on() {
    for rt in [current_thread(), multi_thread()] {
        let handle = rt.handle().clone();
        on_its_own_thread(move || handle.block_on(async { assert_refused_cleanly() }));
    }
}

/// `block_in_place` hands the worker's core away and takes it back: after it
/// returns, the task runs on a worker again.
#[test]
fn refused_after_block_in_place_on_worker() {
    on_its_own_thread(|| {
        multi_thread().block_on(async {
            for _ in 0..10 {
                tokio::spawn(async {
                    tokio::task::block_in_place(|| ());
                    assert_refused();
                })
                .await
                .unwrap();
            }
        })
    });
}

/// `block_in_place` in a multi-thread `block_on` leaves the coop budget
/// unconstrained, which is what fooled a check built on the budget alone.
#[test]
fn refused_after_block_in_place_in_block_on() {
    on_its_own_thread(|| {
        multi_thread().block_on(async {
            tokio::task::block_in_place(|| ());
            assert_refused();
        })
    });
}

#[test]
fn refused_under_unconstrained() {
    on_its_own_thread(|| {
        current_thread().block_on(async {
            tokio::task::unconstrained(async { assert_refused_cleanly() }).await;
            tokio::spawn(tokio::task::unconstrained(async {
                assert_refused_cleanly()
            }))
            .await
            .unwrap();
        })
    });
    on_its_own_thread(|| {
        multi_thread().block_on(async {
            tokio::task::unconstrained(async { assert_refused() }).await;
            tokio::spawn(tokio::task::unconstrained(async {
                assert_refused_cleanly()
            }))
            .await
            .unwrap();
        })
    });
}

/// A `LocalSet` polls its tasks on the `block_on` thread, which has no
/// scheduler of its own in a multi-thread runtime.
#[test]
fn refused_in_local_set_task() {
    for rt in [current_thread(), multi_thread()] {
        on_its_own_thread(move || {
            let local = tokio::task::LocalSet::new();
            local.block_on(&rt, async {
                assert_refused_cleanly();
                tokio::task::spawn_local(async { assert_refused() })
                    .await
                    .unwrap();
            })
        });
    }
}

#[test]
fn refused_in_block_on_inside_spawn_blocking() {
    on_its_own_thread(|| {
        multi_thread().block_on(async {
            tokio::task::spawn_blocking(|| Handle::current().block_on(async { assert_refused() }))
                .await
                .unwrap()
        })
    });
}

#[test]
fn allowed_on_plain_thread() {
    on_its_own_thread(assert_allowed);
}

#[test]
fn allowed_in_spawn_blocking() {
    for rt in [current_thread(), multi_thread()] {
        on_its_own_thread(move || {
            rt.block_on(async {
                tokio::task::spawn_blocking(|| {
                    // Twice: the second round finds the task already allowed.
                    assert_allowed();
                    assert_allowed();
                })
                .await
                .unwrap()
            })
        });
    }
}

/// Blocking is allowed in `block_in_place`'s closure, as Tokio allows it: on a
/// worker (in a task) and in a multi-thread `block_on`.
#[test]
fn allowed_in_block_in_place() {
    on_its_own_thread(|| {
        multi_thread().block_on(async {
            tokio::spawn(async { tokio::task::block_in_place(assert_allowed) })
                .await
                .unwrap();
            tokio::task::block_in_place(assert_allowed);
        })
    });
}

/// A thread that has entered a runtime's handle but runs no task and no
/// `block_on` is a plain thread.
#[test]
fn allowed_after_handle_enter() {
    for rt in [current_thread(), multi_thread()] {
        let handle = rt.handle().clone();
        on_its_own_thread(move || {
            let _entered = handle.enter();
            assert_allowed();
        });
    }
}

/// Spends 10 units of the running task's budget, then checks that refused
/// calls leave the rest as it was (neither spent nor refilled).
fn assert_refused_keeps_budget() {
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10 {
        if let Poll::Ready(unit) = coop::poll_proceed(&mut cx) {
            unit.made_progress();
        }
    }
    let before = budget_left();
    assert!(before.is_some_and(|left| left > 0), "budget: {before:?}");
    assert_refused();
    assert_eq!(budget_left(), before);
}

#[test]
fn check_leaves_task_budget_alone() {
    on_its_own_thread(|| {
        current_thread().block_on(async {
            assert_refused_keeps_budget();
            tokio::spawn(async { assert_refused_keeps_budget() })
                .await
                .unwrap();
        })
    });
    on_its_own_thread(|| {
        let rt = multi_thread();
        rt.block_on(async {
            assert_refused_keeps_budget();
            tokio::spawn(async { assert_refused_keeps_budget() })
                .await
                .unwrap();
        });
        tokio::task::LocalSet::new().block_on(&rt, async {
            tokio::task::spawn_local(async { assert_refused_keeps_budget() })
                .await
                .unwrap()
        });
    });
}
