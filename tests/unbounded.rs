//! What is particular to unbounded channels, `gochan::unbounded()`: there is
//! no limit, so a send never waits and no sender is ever asleep. What every
//! kind does alike is in `tests/kinds.rs`.
//!
//! Wake-ups are checked by hand polling (`tokio_test::task::spawn`), timers
//! run on tokio's paused clock, and anything that could deadlock runs under
//! [`deadline`].

mod common;

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use common::{deadline, ms, names_method, panic_message, Drops};
use gochan::{RecvError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use tokio::time::Instant;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

#[test]
fn the_capacity_is_none_and_any_number_of_values_fit() {
    let (tx, rx) = gochan::unbounded::<usize>();
    assert_eq!(tx.capacity(), None);
    assert_eq!(rx.capacity(), None);

    // No limit.
    for i in 0..100_000 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.len(), 100_000);
    assert!(!tx.is_full());
    for i in 0..100_000 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert!(rx.is_empty());
}

#[test]
fn len_counts_the_buffer_and_it_is_never_full() {
    let (tx, rx) = gochan::unbounded();
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(tx.is_empty() && rx.is_empty());
    assert!(!tx.is_full() && !rx.is_full());

    tx.try_send(1).unwrap();
    assert_eq!((tx.len(), rx.len()), (1, 1));
    assert!(!tx.is_empty() && !rx.is_empty());
    assert!(!tx.is_full() && !rx.is_full());

    tx.try_send(2).unwrap();
    assert_eq!((tx.len(), rx.len()), (2, 2));
    assert!(!tx.is_full() && !rx.is_full(), "never full");

    rx.try_recv().unwrap();
    assert_eq!(rx.len(), 1);
    rx.try_recv().unwrap();
    assert!(rx.is_empty() && !rx.is_full());
}

#[test]
fn try_send_never_refuses_until_closed() {
    let (tx, rx) = gochan::unbounded();
    for i in 0..1000 {
        assert_eq!(tx.try_send(i), Ok(()), "never full");
    }
    assert_eq!(rx.try_recv(), Ok(0));

    drop(rx);
    let err = tx.try_send(1000).unwrap_err();
    assert!(err.is_closed() && !err.is_full());
    assert_eq!(err, TrySendError::Closed(1000));
    assert_eq!(err.into_inner(), 1000);
}

#[test]
fn send_never_waits_and_fails_once_closed() {
    let (tx, rx) = gochan::unbounded();
    // Never waits.
    for i in 0..1000 {
        assert_ready_eq!(spawn(tx.send(i)).poll(), Ok(()));
    }
    assert_eq!(rx.len(), 1000);
    assert_eq!(tx.stats().waiting_senders, 0);

    rx.close();
    assert_ready_eq!(spawn(tx.send(1000)).poll(), Err(SendError(1000)));
}

#[tokio::test(start_paused = true)]
async fn send_timeout_never_times_out_and_fails_once_closed() {
    // Never full, so never times out, even with no time at all.
    let (tx, rx) = gochan::unbounded();
    let start = Instant::now();
    for i in 0..100 {
        assert_eq!(tx.send_timeout(i, Duration::ZERO).await, Ok(()));
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(rx.len(), 100);

    rx.close();
    let err = tx.send_timeout(100, ms(100)).await.unwrap_err();
    assert_eq!(err, SendTimeoutError::Closed(100));
    assert!(err.is_closed() && !err.is_timeout());
    assert_eq!(start.elapsed(), Duration::ZERO);
}

/// An unbounded send never waits, so no sender is ever asleep when the
/// channel closes: a send made before the close but polled after it hands its
/// value back.
#[test]
fn a_send_polled_after_the_close_hands_its_value_back() {
    let (tx, rx) = gochan::unbounded();
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));

    assert!(rx.close());
    assert_ready_eq!(s1.poll(), Err(SendError(1)));
    assert_ready_eq!(s2.poll(), Err(SendError(2)));
    // The buffered value is still there.
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Senders never wait on an unbounded channel: once the waiting receivers
/// are served, values queue up in order.
#[test]
fn values_queue_up_in_order_once_the_waiting_receivers_are_served() {
    let (tx, rx) = gochan::unbounded();
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    tx.try_send(3).unwrap();
    assert_ready_eq!(r.poll(), Ok(3));

    for i in 4..10 {
        tx.try_send(i).unwrap();
    }
    for i in 4..10 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
}

/// Every value is dropped exactly once, wherever it ends: received, dropped
/// with an unpolled send, refused and handed back, or still buffered when the
/// channel goes.
#[test]
fn every_value_is_dropped_exactly_once_wherever_it_ends() {
    let drops = Drops::new(6);
    let (tx, rx) = gochan::unbounded();
    for id in 0..4 {
        assert!(tx.try_send(drops.make(id)).is_ok());
    }
    assert_eq!((0..4).map(|id| drops.count(id)).sum::<usize>(), 0);

    // A value received is the caller's.
    let got = rx.try_recv().ok().unwrap();
    assert_eq!(got.id, 0);
    drop(got);
    assert_eq!(drops.count(0), 1);

    // A send future dropped before it was polled drops its value once.
    drop(tx.send(drops.make(4)));
    assert_eq!(drops.count(4), 1);

    // After close, a refused send hands its value back.
    tx.close();
    let back = tx.try_send(drops.make(5)).unwrap_err().into_inner();
    assert_eq!(back.id, 5);
    drop(back);

    // 1, 2 and 3 are still buffered; they are dropped with the channel.
    drop(tx);
    assert_eq!((1..4).map(|id| drops.count(id)).sum::<usize>(), 0);
    drop(rx);
    drops.assert_all_once();
}

#[test]
fn recv_many_takes_a_large_burst_in_one_call() {
    let (tx, rx) = gochan::unbounded();
    for i in 0..10_000 {
        tx.try_send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, usize::MAX)).poll(), 10_000);
    assert_eq!(buf, (0..10_000).collect::<Vec<_>>());
}

/// A blocking receive inside a spawned task panics too, naming the async
/// method (`tests/kinds.rs` checks the same in `#[tokio::test]`'s own thread).
#[tokio::test]
async fn blocking_recv_in_a_spawned_task_panics_naming_recv() {
    let (_tx, rx) = gochan::unbounded::<i32>();
    let res = tokio::spawn(async move {
        catch_unwind(AssertUnwindSafe(|| rx.recv_blocking()))
            .map_err(panic_message)
            .map(|_| ())
    })
    .await;
    let msg = res.unwrap().unwrap_err();
    assert!(names_method(&msg, "Receiver::recv"), "message: {msg}");
}

#[test]
fn stats_count_buffered_waiting_sent_and_received() {
    let (tx, rx) = gochan::unbounded();
    let rx2 = rx.clone();
    let s = tx.stats();
    assert_eq!(
        (s.buffered, s.capacity, s.senders, s.receivers),
        (0, None, 1, 2)
    );
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    assert_eq!((s.sent, s.received, s.closed), (0, 0, false));

    for i in 1..=3 {
        tx.try_send(i).unwrap();
    }
    let s = rx.stats();
    assert_eq!(s, tx.stats(), "both handles see the same snapshot");
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (3, 0, 3, 0)
    );

    assert_eq!(rx2.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx2.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    let s = tx.stats();
    assert_eq!((s.buffered, s.waiting_receivers), (0, 2));
    assert_eq!((s.sent, s.received), (3, 3));

    tx.try_send(4).unwrap();
    assert_ready_eq!(r1.poll(), Ok(4));
    let s = tx.stats();
    assert_eq!((s.buffered, s.waiting_receivers), (0, 1));
    assert_eq!((s.sent, s.received), (4, 4));

    let tx2 = tx.clone();
    assert_eq!(tx.stats().senders, 2);
    drop(tx2);
    tx.close();
    let s = tx.stats();
    assert!(s.closed);
    assert_eq!((s.waiting_receivers, s.senders, s.receivers), (0, 1, 2));
    assert_ready_eq!(r2.poll(), Err(RecvError));
    drop(r1);
    drop(r2);

    // Debug shows the handles without needing anything of T.
    assert!(format!("{tx:?}").contains("Sender"));
    assert!(format!("{rx:?}").contains("Receiver"));
}

/// Many receivers waiting on a channel that is mostly empty (the senders
/// yield after each send): every value arrives exactly once and nobody is
/// left waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn receivers_waiting_on_a_mostly_empty_channel_each_get_their_own_values() {
    const TASKS: usize = 16;
    const PER: usize = 500;
    let (tx, rx) = gochan::unbounded();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let tx = tx.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..PER {
                tx.send(t * PER + i).await.unwrap();
                tokio::task::yield_now().await;
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
    deadline(
        "receivers_waiting_on_a_mostly_empty_channel_each_get_their_own_values",
        async {
            for h in handles {
                for v in h.await.unwrap() {
                    assert!(all.insert(v), "{v} received twice");
                }
            }
        },
    )
    .await;
    assert_eq!(all.len(), TASKS * PER);
}
