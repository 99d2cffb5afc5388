//! What every kind of channel does alike, written once and run on each kind:
//! `bounded(n)`, `unbounded()` and `rendezvous()` are one engine, so a
//! behaviour they share is one test looping over the kinds (its messages name
//! the kind that failed). Where a behaviour needs a buffer it runs on the
//! buffered kinds, `bounded` and `unbounded`. What is particular to one kind
//! (capacity, when a send waits, what a sender's value does while it waits)
//! is in `tests/bounded.rs`, `tests/unbounded.rs` and `tests/rendezvous.rs`.
//!
//! Wake-ups are checked by hand polling (`tokio_test::task::spawn`), timers
//! run on tokio's paused clock, and anything that could deadlock runs under
//! [`deadline`].

mod common;

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{buffered_kinds, deadline, kinds_with, ms, names_method, panic_message};
use gochan::{
    DeliverError, RecvError, RecvTimeoutError, SendError, Sender, TryRecvError, TrySendError,
};
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

/// Whether `tx`'s channel can hold a value with no receiver waiting.
fn buffered<T>(tx: &Sender<T>) -> bool {
    tx.capacity() != Some(0)
}

// ---------------------------------------------------------------------------
// Sending and receiving
// ---------------------------------------------------------------------------

#[test]
fn a_value_sent_with_nobody_waiting_is_buffered_for_the_next_receive() {
    for (kind, (tx, rx)) in buffered_kinds(1) {
        tx.try_send(7).unwrap();
        assert_eq!(rx.try_recv(), Ok(7), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
        assert!(tx.same_channel_as(&rx), "{kind}");
    }
}

#[test]
fn try_recv_takes_buffered_values_even_after_close_then_says_closed() {
    for (kind, (tx, rx)) in buffered_kinds(2) {
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(rx.try_recv(), Ok(1), "{kind}");
        drop(tx);
        // Closed, but not drained: the value is still there.
        assert_eq!(rx.try_recv(), Ok(2), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{kind}");
        assert!(rx.try_recv().unwrap_err().is_closed(), "{kind}");
    }
}

#[test]
fn recv_waits_for_a_value_and_fails_once_closed_and_drained() {
    for (kind, (tx, rx)) in buffered_kinds(2) {
        let mut recv = spawn(rx.recv());
        assert_pending!(recv.poll(), "{kind}");
        assert!(!recv.is_woken(), "{kind}");
        tx.try_send(1).unwrap();
        assert!(recv.is_woken(), "{kind}");
        assert_ready_eq!(recv.poll(), Ok(1), "{kind}");

        tx.try_send(2).unwrap();
        assert_ready_eq!(spawn(rx.recv()).poll(), Ok(2), "{kind}");

        drop(tx);
        assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError), "{kind}");
    }
}

#[tokio::test(start_paused = true)]
async fn recv_timeout_waits_at_most_its_timeout_and_sees_the_close_at_once() {
    for (kind, (tx, rx)) in kinds_with(1) {
        let has_buffer = buffered(&tx);
        let start = Instant::now();
        assert_eq!(
            rx.recv_timeout(ms(100)).await,
            Err(RecvTimeoutError::Timeout),
            "{kind}"
        );
        assert_eq!(start.elapsed(), ms(100), "{kind}");

        // The value arrives in time.
        let start = Instant::now();
        let producer = tokio::spawn({
            let tx = tx.clone();
            async move {
                tokio::time::sleep(ms(40)).await;
                tx.send(5).await
            }
        });
        assert_eq!(rx.recv_timeout(ms(100)).await, Ok(5), "{kind}");
        assert_eq!(start.elapsed(), ms(40), "{kind}");
        producer.await.unwrap().unwrap();

        if has_buffer {
            // A buffered value comes at once, even after close.
            tx.try_send(6).unwrap();
            drop(tx);
            assert_eq!(rx.recv_timeout(ms(100)).await, Ok(6), "{kind}");
        } else {
            drop(tx);
        }
        let start = Instant::now();
        assert_eq!(
            rx.recv_timeout(ms(100)).await,
            Err(RecvTimeoutError::Closed),
            "{kind}"
        );
        assert_eq!(start.elapsed(), Duration::ZERO, "{kind}");
    }
}

/// Waiting receivers are served first come, first served: a value sent
/// while receivers wait goes to the longest-waiting one (it is not
/// buffered), and a `try_recv` that comes after gets nothing.
#[test]
fn waiting_receivers_are_served_first_come_first_served() {
    for (kind, (tx, rx)) in kinds_with(4) {
        let mut r1 = spawn(rx.recv());
        let mut r2 = spawn(rx.recv());
        let mut r3 = spawn(rx.recv());
        assert_pending!(r1.poll(), "{kind}");
        assert_pending!(r2.poll(), "{kind}");
        assert_pending!(r3.poll(), "{kind}");
        tx.try_send(1).unwrap();
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "{kind}: no barging"
        );
        tx.try_send(2).unwrap();
        assert!(r1.is_woken() && r2.is_woken(), "{kind}");
        assert!(!r3.is_woken(), "{kind}");
        assert_eq!(rx.len(), 0, "{kind}");
        // Polled in the other order, each still gets its own value.
        assert_ready_eq!(r2.poll(), Ok(2), "{kind}");
        assert_ready_eq!(r1.poll(), Ok(1), "{kind}");
        assert_pending!(r3.poll(), "{kind}");
        tx.try_send(3).unwrap();
        assert_ready_eq!(r3.poll(), Ok(3), "{kind}");
    }
}

/// `deliver` resolves only once a receiver took the value (not when it is
/// buffered), whichever way it was taken; a closed channel refuses it at the
/// door and hands the value back.
#[test]
fn deliver_resolves_only_once_a_receiver_took_the_value() {
    for (kind, (tx, rx)) in kinds_with(4) {
        let has_buffer = buffered(&tx);
        // Nobody receives yet: pending (buffered, on a buffered channel).
        let mut d = spawn(tx.deliver(1));
        assert_pending!(d.poll(), "{kind}");
        if has_buffer {
            assert_eq!(rx.len(), 1, "{kind}");
        }
        assert_pending!(d.poll(), "{kind}");
        assert_eq!(rx.try_recv(), Ok(1), "{kind}");
        assert!(d.is_woken(), "{kind}");
        assert_ready_eq!(d.poll(), Ok(()), "{kind}");

        // Taken by a receiver that waited: resolves once it returns the value.
        let mut r = spawn(rx.recv());
        assert_pending!(r.poll(), "{kind}");
        let mut d = spawn(tx.deliver(2));
        assert_pending!(d.poll(), "{kind}");
        assert_ready_eq!(r.poll(), Ok(2), "{kind}");
        assert!(d.is_woken(), "{kind}");
        assert_ready_eq!(d.poll(), Ok(()), "{kind}");

        // Taken by recv_many.
        let mut d = spawn(tx.deliver(3));
        assert_pending!(d.poll(), "{kind}");
        let mut buf = Vec::new();
        assert_ready_eq!(spawn(rx.recv_many(&mut buf, 4)).poll(), 1, "{kind}");
        assert_eq!(buf, [3], "{kind}");
        assert_ready_eq!(d.poll(), Ok(()), "{kind}");

        // Refused at the door: the value comes back.
        tx.close();
        let err = assert_ready!(spawn(tx.deliver(4)).poll()).unwrap_err();
        assert!(err.is_closed(), "{kind}");
        assert_eq!(err, DeliverError::Closed(4), "{kind}");
    }
}

/// `recv_many` waits for one value, then appends up to `limit` in order;
/// limit 0 takes nothing; with fewer than `limit` there it takes what is
/// there without waiting; it returns 0 only once closed and drained.
#[test]
fn recv_many_waits_for_one_value_then_takes_up_to_its_limit() {
    for (kind, (tx, rx)) in buffered_kinds(8) {
        let mut buf = vec![0];

        // Waits for one value, then takes up to `limit`.
        let mut many = spawn(rx.recv_many(&mut buf, 3));
        assert_pending!(many.poll(), "{kind}");
        for i in 1..=5 {
            tx.try_send(i).unwrap();
        }
        assert!(many.is_woken(), "{kind}");
        assert_ready_eq!(many.poll(), 3, "{kind}");
        drop(many);
        assert_eq!(buf, [0, 1, 2, 3], "{kind}: appended, in order");
        assert_eq!(rx.len(), 2, "{kind}");

        // Limit 0 takes nothing, even with values there.
        assert_ready_eq!(spawn(rx.recv_many(&mut buf, 0)).poll(), 0, "{kind}");
        assert_eq!(rx.len(), 2, "{kind}");

        // Fewer than `limit` available: takes what is there without waiting.
        assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 2, "{kind}");
        assert_eq!(buf, [0, 1, 2, 3, 4, 5], "{kind}");

        // Returns 0 only once closed and drained.
        let mut buf = Vec::new();
        tx.try_send(4).unwrap();
        tx.close();
        assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 1, "{kind}");
        assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 0, "{kind}");
        assert_eq!(buf, [4], "{kind}");
    }
}

#[test]
fn a_waiting_recv_many_wakes_with_zero_on_close() {
    for (kind, (tx, rx)) in kinds_with::<i32>(1) {
        let mut buf = Vec::new();
        let mut many = spawn(rx.recv_many(&mut buf, 10));
        assert_pending!(many.poll(), "{kind}");
        tx.close();
        assert!(many.is_woken(), "{kind}");
        assert_ready_eq!(many.poll(), 0, "{kind}");
    }
}

// ---------------------------------------------------------------------------
// Closing
// ---------------------------------------------------------------------------

/// With nothing buffered or in flight, a close wakes every waiting receiver
/// with `Closed`.
#[test]
fn close_wakes_every_waiting_receiver_with_closed() {
    for (kind, (tx, rx)) in kinds_with::<i32>(1) {
        let mut r1 = spawn(rx.recv());
        let mut r2 = spawn(rx.recv());
        assert_pending!(r1.poll(), "{kind}");
        assert_pending!(r2.poll(), "{kind}");

        assert!(tx.close(), "{kind}");
        assert!(r1.is_woken() && r2.is_woken(), "{kind}");
        assert_ready_eq!(r1.poll(), Err(RecvError), "{kind}");
        assert_ready_eq!(r2.poll(), Err(RecvError), "{kind}");
    }
}

/// A closed channel refuses new values but its buffered ones are still
/// received, in order; it is finished once the last is taken.
#[test]
fn a_closed_channel_drains_then_finishes() {
    for (kind, (tx, rx)) in buffered_kinds(3) {
        for i in 1..=3 {
            tx.try_send(i).unwrap();
        }
        assert!(tx.close(), "{kind}");
        assert!(!tx.close(), "{kind}");
        assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)), "{kind}");
        assert!(rx.is_closed() && !rx.is_finished(), "{kind}");

        assert_ready_eq!(spawn(rx.recv()).poll(), Ok(1), "{kind}");
        assert_eq!(rx.try_recv(), Ok(2), "{kind}");
        assert!(!rx.is_finished(), "{kind}");
        assert_ready_eq!(spawn(rx.recv()).poll(), Ok(3), "{kind}");
        assert!(rx.is_finished() && tx.is_finished(), "{kind}");
        assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{kind}");
    }
}

// ---------------------------------------------------------------------------
// Many tasks
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_producer_one_consumer_keep_fifo_order() {
    const N: usize = 10_000;
    for (kind, (tx, rx)) in kinds_with(4) {
        let producer = tokio::spawn(async move {
            for i in 0..N {
                tx.send(i).await.unwrap();
            }
        });
        let consumer = tokio::spawn(async move {
            for i in 0..N {
                assert_eq!(rx.recv().await, Ok(i), "{kind}");
            }
            assert_eq!(rx.recv().await, Err(RecvError), "{kind}");
        });
        deadline(kind, async {
            producer.await.unwrap();
            consumer.await.unwrap();
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_producers_and_consumers_receive_each_value_once() {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const PER: usize = 2_500;
    for (kind, (tx, rx)) in kinds_with(8) {
        let seen: Arc<Vec<AtomicUsize>> =
            Arc::new((0..PRODUCERS * PER).map(|_| AtomicUsize::new(0)).collect());

        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for i in 0..PER {
                        tx.send(p * PER + i).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let rx = rx.clone();
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut n = 0;
                    while let Ok(v) = rx.recv().await {
                        seen[v].fetch_add(1, Ordering::Relaxed);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        drop(rx);

        let total = deadline(kind, async {
            for p in producers {
                p.await.unwrap();
            }
            let mut total = 0;
            for c in consumers {
                total += c.await.unwrap();
            }
            total
        })
        .await;
        assert_eq!(total, PRODUCERS * PER, "{kind}");
        assert!(
            seen.iter().all(|c| c.load(Ordering::Relaxed) == 1),
            "{kind}"
        );
    }
}

/// Many tasks waiting on both sides (senders wait too: a small buffer, or
/// none): every value arrives exactly once and nobody is left waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiters_on_both_sides_wake_under_contention() {
    const TASKS: usize = 16;
    const PER: usize = 500;
    for (kind, (tx, rx)) in [
        ("bounded(1)", gochan::bounded(1)),
        ("rendezvous", gochan::rendezvous()),
    ] {
        let mut handles = Vec::new();
        for t in 0..TASKS {
            let tx = tx.clone();
            handles.push(tokio::spawn(async move {
                for i in 0..PER {
                    tx.send(t * PER + i).await.unwrap();
                }
                Vec::new()
            }));
            let rx = rx.clone();
            handles.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Ok(v) = rx.recv().await {
                    got.push(v);
                }
                got
            }));
        }
        drop((tx, rx));
        let mut all = HashSet::new();
        deadline(kind, async {
            for h in handles {
                for v in h.await.unwrap() {
                    assert!(all.insert(v), "{kind}: {v} received twice");
                }
            }
        })
        .await;
        assert_eq!(all.len(), TASKS * PER, "{kind}");
    }
}

/// A task looping on an always-ready channel yields to other tasks (tokio's
/// cooperative budget), even on a single-threaded runtime: both ways, on
/// the kinds where neither side ever waits.
#[tokio::test]
async fn a_task_looping_on_a_ready_channel_yields_to_other_tasks() {
    for (kind, (tx, rx)) in [
        ("bounded(usize::MAX)", gochan::bounded(usize::MAX)),
        ("unbounded", gochan::unbounded()),
    ] {
        for i in 0..10_000 {
            tx.try_send(i).unwrap();
        }
        let ran = Arc::new(AtomicUsize::new(0));
        tokio::spawn({
            let ran = ran.clone();
            async move { ran.store(1, Ordering::SeqCst) }
        });
        let mut yielded_at = None;
        for i in 0..10_000 {
            assert_eq!(rx.recv().await, Ok(i), "{kind}");
            if yielded_at.is_none() && ran.load(Ordering::SeqCst) == 1 {
                yielded_at = Some(i);
            }
        }
        assert!(yielded_at.is_some(), "{kind}: recv never yielded");

        let ran = Arc::new(AtomicUsize::new(0));
        tokio::spawn({
            let ran = ran.clone();
            async move { ran.store(1, Ordering::SeqCst) }
        });
        let mut yielded_at = None;
        for i in 0..10_000 {
            tx.send(i).await.unwrap();
            if yielded_at.is_none() && ran.load(Ordering::SeqCst) == 1 {
                yielded_at = Some(i);
            }
        }
        assert!(yielded_at.is_some(), "{kind}: send never yielded");
    }
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_stream_yields_every_value_in_order_then_ends() {
    for (kind, (tx, mut rx)) in kinds_with(2) {
        let producer = tokio::spawn(async move {
            for i in 0..10 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        deadline(kind, async {
            while let Some(v) = rx.next().await {
                got.push(v);
            }
        })
        .await;
        assert_eq!(got, (0..10).collect::<Vec<_>>(), "{kind}");
        assert_eq!(rx.next().await, None, "{kind}");
        producer.await.unwrap();
    }
}

// ---------------------------------------------------------------------------
// Blocking calls
// ---------------------------------------------------------------------------

#[test]
fn blocking_calls_on_plain_threads_move_every_value_in_order() {
    for ((kind, (tx, rx)), (_, (tx1, rx1))) in kinds_with(2).into_iter().zip(kinds_with(1)) {
        let producer = std::thread::spawn(move || {
            for i in 0..1000 {
                tx.send_blocking(i).unwrap();
            }
        });
        let mut got = Vec::new();
        while let Ok(v) = rx.recv_blocking() {
            got.push(v);
        }
        producer.join().unwrap();
        assert_eq!(got, (0..1000).collect::<Vec<_>>(), "{kind}");

        // The error hands the value back.
        drop(rx1);
        assert_eq!(tx1.send_blocking(5), Err(SendError(5)), "{kind}");
    }
}

#[tokio::test]
async fn blocking_calls_work_in_spawn_blocking() {
    for (kind, (tx, rx)) in kinds_with(1) {
        let producer = tokio::task::spawn_blocking(move || {
            for i in 0..100 {
                tx.send_blocking(i).unwrap();
            }
        });
        let consumer = tokio::task::spawn_blocking(move || {
            let mut got = Vec::new();
            while let Ok(v) = rx.recv_blocking() {
                got.push(v);
            }
            got
        });
        let got = deadline(kind, async {
            producer.await.unwrap();
            consumer.await.unwrap()
        })
        .await;
        assert_eq!(got, (0..100).collect::<Vec<_>>(), "{kind}");
    }
}

/// Blocking is fine where tokio allows it: in `block_in_place`, and on a
/// thread that entered a runtime (`Handle::enter`) but runs no task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_calls_work_in_block_in_place_and_under_handle_enter() {
    for ((kind, (tx, rx)), (_, (tx1, rx1))) in kinds_with(1).into_iter().zip(kinds_with(1)) {
        let producer = std::thread::spawn(move || {
            for i in 0..10 {
                tx.send_blocking(i).unwrap();
            }
        });
        let consumer = tokio::spawn(async move {
            tokio::task::block_in_place(|| std::iter::from_fn(|| rx.recv_blocking().ok()).collect())
        });
        let got: Vec<i32> = deadline(kind, consumer).await.unwrap();
        assert_eq!(got, (0..10).collect::<Vec<_>>(), "{kind}");
        producer.join().unwrap();

        let handle = tokio::runtime::Handle::current();
        let producer = std::thread::spawn(move || {
            let _entered = handle.enter();
            tx1.send_blocking(1)
        });
        let got = tokio::task::spawn_blocking(move || rx1.recv_blocking());
        assert_eq!(deadline(kind, got).await.unwrap(), Ok(1), "{kind}");
        assert_eq!(producer.join().unwrap(), Ok(()), "{kind}");
    }
}

/// A blocking call on a runtime thread panics, naming the async method to
/// use instead (even an unbounded send, which would not block), and the
/// panic leaves no registration behind, sends nothing, and breaks nothing.
/// The kinds' files check the same from inside tasks.
#[tokio::test]
async fn blocking_calls_in_async_code_panic_naming_the_async_method() {
    for (kind, (tx, rx)) in kinds_with::<i32>(1) {
        let has_buffer = buffered(&tx);
        let err = catch_unwind(AssertUnwindSafe(|| rx.recv_blocking())).unwrap_err();
        let msg = panic_message(err);
        assert!(
            names_method(&msg, "Receiver::recv"),
            "{kind}: message: {msg}"
        );

        let err = catch_unwind(AssertUnwindSafe(|| tx.send_blocking(1))).unwrap_err();
        let msg = panic_message(err);
        assert!(names_method(&msg, "Sender::send"), "{kind}: message: {msg}");
        // The panic left no sender or receiver behind and sent nothing.
        let s = rx.stats();
        assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
        if has_buffer {
            // Nor did it break the channel.
            tx.try_send(2).unwrap();
            assert_eq!(rx.try_recv(), Ok(2), "{kind}");
        }
    }
}
