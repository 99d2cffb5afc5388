//! What is particular to buffered channels, `gochan::bounded(n)` with
//! `n > 0`: the capacity is a limit, a send waits for room, and a waiting
//! sender's value moves into the room a receive frees. What every kind does
//! alike is in `tests/kinds.rs`.
//!
//! Wake-ups are checked by hand polling (`tokio_test::task::spawn`), timers
//! run on tokio's paused clock.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{ms, names_method, panic_message, Drops};
use gochan::{RecvError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use tokio::time::Instant;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[test]
fn the_capacity_is_a_limit_never_preallocated_and_exactly_that_many_fit() {
    for cap in [1, 2, 10, 1000] {
        let (tx, rx) = gochan::bounded::<()>(cap);
        assert_eq!(tx.capacity(), Some(cap));
        assert_eq!(rx.capacity(), Some(cap));
    }

    // The capacity is a limit, never preallocated.
    let (tx, rx) = gochan::bounded(usize::MAX);
    assert_eq!(tx.capacity(), Some(usize::MAX));
    for i in 0..1000 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.len(), 1000);
    assert!(!rx.is_full());

    // Exactly `cap` values fit.
    let (tx, rx) = gochan::bounded(3);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(rx.len(), 3);
}

#[test]
fn len_counts_the_buffer_and_is_full_at_capacity() {
    let (tx, rx) = gochan::bounded(2);
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(tx.is_empty() && rx.is_empty());
    assert!(!tx.is_full() && !rx.is_full());

    tx.try_send(1).unwrap();
    assert_eq!((tx.len(), rx.len()), (1, 1));
    assert!(!tx.is_empty() && !rx.is_empty());
    assert!(!tx.is_full() && !rx.is_full());

    tx.try_send(2).unwrap();
    assert_eq!((tx.len(), rx.len()), (2, 2));
    assert!(tx.is_full() && rx.is_full());

    // A waiting sender is not buffered.
    let mut send = spawn(tx.send(3));
    assert_pending!(send.poll());
    assert_eq!(rx.len(), 2);

    rx.try_recv().unwrap();
    assert_eq!(rx.len(), 2, "the waiting sender's value moved in");
    rx.try_recv().unwrap();
    rx.try_recv().unwrap();
    assert!(rx.is_empty() && !rx.is_full());
}

#[test]
fn try_send_is_refused_when_full_or_closed_and_hands_the_value_back() {
    let (tx, rx) = gochan::bounded(1);
    assert_eq!(tx.try_send(1), Ok(()));
    let err = tx.try_send(2).unwrap_err();
    assert!(err.is_full() && !err.is_closed());
    assert_eq!(err, TrySendError::Full(2));
    assert_eq!(err.into_inner(), 2);

    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.try_send(3), Ok(()));

    drop(rx);
    let err = tx.try_send(4).unwrap_err();
    assert!(err.is_closed());
    assert_eq!(err, TrySendError::Closed(4));
}

#[test]
fn send_waits_for_room_and_fails_once_closed() {
    let (tx, rx) = gochan::bounded(1);
    // Room: completes at once.
    assert_ready_eq!(spawn(tx.send(1)).poll(), Ok(()));

    // Full: waits until a receiver frees room.
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_pending!(send.poll());
    assert!(!send.is_woken());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(2));

    rx.close();
    assert_ready_eq!(spawn(tx.send(3)).poll(), Err(SendError(3)));
}

#[tokio::test(start_paused = true)]
async fn send_timeout_hands_the_value_back_unless_room_frees_in_time() {
    let (tx, rx) = gochan::bounded(1);
    assert_eq!(tx.send_timeout(1, ms(100)).await, Ok(()));

    // Full: times out and hands the value back.
    let start = Instant::now();
    let err = tx.send_timeout(2, ms(100)).await.unwrap_err();
    assert_eq!(err, SendTimeoutError::Timeout(2));
    assert!(err.is_timeout());
    assert_eq!(err.into_inner(), 2);
    assert_eq!(start.elapsed(), ms(100));
    assert_eq!(rx.len(), 1, "the timed-out value did not enter");

    // Room is freed in time.
    let start = Instant::now();
    let consumer = tokio::spawn({
        let rx = rx.clone();
        async move {
            tokio::time::sleep(ms(40)).await;
            rx.recv().await
        }
    });
    assert_eq!(tx.send_timeout(3, ms(100)).await, Ok(()));
    assert_eq!(start.elapsed(), ms(40));
    assert_eq!(consumer.await.unwrap(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    rx.close();
    assert_eq!(
        tx.send_timeout(4, ms(100)).await,
        Err(SendTimeoutError::Closed(4))
    );
}

#[test]
fn close_wakes_every_waiting_sender_with_its_own_value() {
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());

    assert!(rx.close());
    assert!(s1.is_woken() && s2.is_woken());
    // Each sender gets its own value back.
    assert_ready_eq!(s1.poll(), Err(SendError(1)));
    assert_ready_eq!(s2.poll(), Err(SendError(2)));
    // The buffered value is still there.
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Room freed while senders wait goes to the longest-waiting one, whose
/// value moves into the buffer at once; a later `try_send` finds it full.
#[test]
fn freed_room_goes_to_the_longest_waiting_sender_without_barging() {
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(s1.is_woken());
    assert!(!s2.is_woken());
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)), "no barging");
    assert_eq!(rx.len(), 1);
    // s1's value is in even before s1 is polled again.
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(s2.is_woken());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_ready_eq!(s2.poll(), Ok(()));
    assert_ready_eq!(s1.poll(), Ok(()));
}

/// Every value is dropped exactly once, wherever it ends: refused and
/// handed back, withdrawn with its send, moved in from a waiting send,
/// received, or still buffered when the channel goes.
#[test]
fn every_value_is_dropped_exactly_once_wherever_it_ends() {
    let drops = Drops::new(8);
    let (tx, rx) = gochan::bounded(3);
    for id in 0..3 {
        assert!(tx.try_send(drops.make(id)).is_ok());
    }
    // A refused value comes back to the caller.
    let back = tx.try_send(drops.make(3)).unwrap_err().into_inner();
    assert_eq!(back.id, 3);
    assert_eq!(drops.count(3), 0);
    drop(back);
    assert_eq!(drops.count(3), 1);

    // A waiting send withdrawn by dropping its future drops its value once.
    let mut send = spawn(tx.send(drops.make(4)));
    assert_pending!(send.poll());
    drop(send);
    assert_eq!(drops.count(4), 1);

    // A waiting send whose value moved into the buffer does not drop it.
    let mut send = spawn(tx.send(drops.make(5)));
    assert_pending!(send.poll());
    let got = rx.try_recv().ok().unwrap();
    assert_eq!(got.id, 0);
    drop(got);
    assert!(assert_ready!(send.poll()).is_ok());
    drop(send);
    assert_eq!(drops.count(5), 0);

    // A value received is the caller's.
    let got = rx.try_recv().ok().unwrap();
    assert_eq!(got.id, 1);
    drop(got);

    // After close, a refused send hands its value back.
    tx.close();
    let back = tx.try_send(drops.make(6)).unwrap_err().into_inner();
    drop(back);
    let back = assert_ready!(spawn(tx.send(drops.make(7))).poll())
        .unwrap_err()
        .0;
    drop(back);

    // 2 and 5 are still buffered; they are dropped with the channel.
    assert_eq!((drops.count(2), drops.count(5)), (0, 0));
    drop(tx);
    assert_eq!((drops.count(2), drops.count(5)), (0, 0));
    drop(rx);
    drops.assert_all_once();
}

/// Waiting senders refill the buffer as `recv_many` takes values, so one
/// call takes theirs too; it returns 0 only once closed and drained.
#[test]
fn recv_many_takes_what_waiting_senders_move_in() {
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(1).unwrap();
    let mut s2 = spawn(tx.send(2));
    let mut s3 = spawn(tx.send(3));
    assert_pending!(s2.poll());
    assert_pending!(s3.poll());
    let mut buf = Vec::new();
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 3);
    assert_eq!(buf, [1, 2, 3]);
    assert!(s2.is_woken() && s3.is_woken());
    assert_ready_eq!(s2.poll(), Ok(()));
    assert_ready_eq!(s3.poll(), Ok(()));

    // Returns 0 only once closed and drained.
    tx.try_send(4).unwrap();
    tx.close();
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 1);
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 0);
    assert_eq!(buf, [1, 2, 3, 4]);
}

/// A blocking receive on a worker thread of a multi-thread runtime panics
/// too, naming the async method (`tests/kinds.rs` checks the same in
/// `#[tokio::test]`'s own thread).
#[tokio::test]
async fn blocking_recv_on_a_multi_thread_worker_panics_naming_recv() {
    let (_tx, rx) = gochan::bounded::<i32>(1);
    let rt = tokio::task::spawn_blocking(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap()
    })
    .await
    .unwrap();
    let res = rt
        .spawn(async move {
            catch_unwind(AssertUnwindSafe(|| rx.recv_blocking()))
                .map_err(panic_message)
                .map(|_| ())
        })
        .await;
    let msg = res.unwrap().unwrap_err();
    assert!(names_method(&msg, "Receiver::recv"), "message: {msg}");
    tokio::task::spawn_blocking(move || drop(rt)).await.unwrap();
}

#[test]
fn stats_count_buffered_waiting_sent_and_received() {
    let (tx, rx) = gochan::bounded(2);
    let rx2 = rx.clone();
    let s = tx.stats();
    assert_eq!(
        (s.buffered, s.capacity, s.senders, s.receivers),
        (0, Some(2), 1, 2)
    );
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    assert_eq!((s.sent, s.received, s.closed), (0, 0, false));

    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut send = spawn(tx.send(3));
    assert_pending!(send.poll());
    let s = rx.stats();
    assert_eq!(s, tx.stats(), "both handles see the same snapshot");
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (2, 1, 2, 0)
    );

    assert_eq!(rx2.try_recv(), Ok(1));
    let s = rx.stats();
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (2, 0, 3, 1)
    );
    assert_ready_eq!(send.poll(), Ok(()));

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
