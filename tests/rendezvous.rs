//! What is particular to rendezvous channels, `gochan::rendezvous()` (the
//! same as `bounded(0)`): nothing is buffered, a send completes only when a
//! receiver takes the value, and a receive takes straight from a waiting
//! sender. What every kind does alike is in `tests/kinds.rs`.
//!
//! Wake-ups are checked by hand polling (`tokio_test::task::spawn`), timers
//! run on tokio's paused clock.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{ms, names_method, panic_message, Drops};
use gochan::{DeliverError, RecvError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use tokio::time::Instant;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[test]
fn a_try_send_hands_its_value_to_a_waiting_receiver() {
    let (tx, rx) = gochan::rendezvous();
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    tx.try_send(7).unwrap();
    assert_ready_eq!(recv.poll(), Ok(7));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(tx.same_channel_as(&rx));
}

#[test]
fn the_capacity_is_zero_and_bounded_zero_is_a_rendezvous() {
    let (tx, rx) = gochan::rendezvous::<()>();
    assert_eq!(tx.capacity(), Some(0));
    assert_eq!(rx.capacity(), Some(0));

    // `bounded(0)` is the same thing: nothing fits without a receiver.
    let (tx, rx) = gochan::bounded(0);
    assert_eq!(tx.capacity(), Some(0));
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_eq!(rx.len(), 0);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_ready_eq!(send.poll(), Ok(()));
}

#[test]
fn nothing_is_ever_buffered_so_it_is_always_empty_and_full() {
    let (tx, rx) = gochan::rendezvous();
    // Always empty and always full: nothing is ever buffered.
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(tx.is_empty() && rx.is_empty());
    assert!(tx.is_full() && rx.is_full());

    // A waiting sender is not buffered.
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(rx.is_empty() && rx.is_full());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_ready_eq!(send.poll(), Ok(()));

    // Nor is a value handed to a waiting receiver.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(rx.is_full());
    tx.try_send(2).unwrap();
    assert_eq!(rx.len(), 0);
    assert_ready_eq!(recv.poll(), Ok(2));
    assert!(rx.is_empty() && rx.is_full());
}

#[test]
fn try_send_succeeds_only_while_a_receiver_waits() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody is receiving right now.
    let err = tx.try_send(1).unwrap_err();
    assert!(err.is_full() && !err.is_closed());
    assert_eq!(err, TrySendError::Full(1));
    assert_eq!(err.into_inner(), 1);

    // A receiver is waiting right now: succeeds, once.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_ready_eq!(recv.poll(), Ok(2));
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));

    drop(recv);
    drop(rx);
    let err = tx.try_send(5).unwrap_err();
    assert!(err.is_closed());
    assert_eq!(err, TrySendError::Closed(5));
}

#[test]
fn try_recv_takes_only_from_a_sender_waiting_now() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody is sending right now.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // A sender is waiting right now: takes its value, and the send completes.
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    drop(send);
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.try_recv().unwrap_err().is_closed());
}

#[test]
fn send_completes_only_when_a_receiver_takes_the_value() {
    let (tx, rx) = gochan::rendezvous();
    // Completes only when a receiver takes the value.
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_pending!(send.poll());
    assert!(!send.is_woken());
    let mut recv = spawn(rx.recv());
    assert_ready_eq!(recv.poll(), Ok(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));

    // A receiver is already waiting: completes at once.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert_ready_eq!(spawn(tx.send(2)).poll(), Ok(()));
    assert_ready_eq!(recv.poll(), Ok(2));

    drop(recv);
    rx.close();
    assert_ready_eq!(spawn(tx.send(3)).poll(), Err(SendError(3)));
}

#[test]
fn recv_takes_from_a_waiting_sender_and_releases_it() {
    let (tx, rx) = gochan::rendezvous();
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(!recv.is_woken());
    tx.try_send(1).unwrap();
    assert!(recv.is_woken());
    assert_ready_eq!(recv.poll(), Ok(1));

    // A sender is already waiting: completes at once and releases it.
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_ready_eq!(spawn(rx.recv()).poll(), Ok(2));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));

    drop(send);
    drop(tx);
    assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));
}

#[tokio::test(start_paused = true)]
async fn send_timeout_hands_the_value_back_unless_a_receiver_comes_in_time() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody receives: times out and hands the value back.
    let start = Instant::now();
    let err = tx.send_timeout(2, ms(100)).await.unwrap_err();
    assert_eq!(err, SendTimeoutError::Timeout(2));
    assert!(err.is_timeout());
    assert_eq!(err.into_inner(), 2);
    assert_eq!(start.elapsed(), ms(100));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing was sent");
    assert_eq!(rx.stats().waiting_senders, 0);

    // A receiver arrives in time.
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
    assert_eq!(consumer.await.unwrap(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    rx.close();
    assert_eq!(
        tx.send_timeout(4, ms(100)).await,
        Err(SendTimeoutError::Closed(4))
    );
}

#[test]
fn close_wakes_every_waiting_sender_with_its_own_value() {
    let (tx, rx) = gochan::rendezvous();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());

    assert!(rx.close());
    assert!(s1.is_woken() && s2.is_woken());
    // Each sender gets its own value back; nothing was sent.
    assert_ready_eq!(s1.poll(), Err(SendError(1)));
    assert_ready_eq!(s2.poll(), Err(SendError(2)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Nothing is buffered on a rendezvous channel; what a send already handed to
/// a waiting receiver before the close still reaches it.
#[test]
fn a_value_handed_over_before_the_close_still_arrives() {
    let (tx, rx) = gochan::rendezvous();
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    tx.try_send(1).unwrap();
    assert!(tx.close());
    assert!(!tx.close());
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert!(rx.is_closed() && !rx.is_finished());

    assert_ready_eq!(r1.poll(), Ok(1));
    assert!(rx.is_finished() && tx.is_finished());
    // Nothing is left: the other receiver wakes with Closed.
    assert!(r2.is_woken());
    assert_ready_eq!(r2.poll(), Err(RecvError));
    assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Senders: the longest-waiting sender is taken first, and only it is
/// released.
#[test]
fn the_longest_waiting_sender_is_taken_first_and_only_it_released() {
    let (tx, rx) = gochan::rendezvous();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    let mut s3 = spawn(tx.send(3));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_pending!(s3.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(s1.is_woken());
    assert!(!s2.is_woken() && !s3.is_woken());
    assert_ready_eq!(spawn(rx.recv()).poll(), Ok(2));
    assert!(s2.is_woken());
    assert!(!s3.is_woken());
    assert_ready_eq!(s2.poll(), Ok(()));
    assert_ready_eq!(s1.poll(), Ok(()));
    assert_pending!(s3.poll());
    assert_eq!(rx.try_recv(), Ok(3));
    assert_ready_eq!(s3.poll(), Ok(()));
}

#[test]
fn every_value_is_dropped_exactly_once_wherever_it_ends() {
    let drops = Drops::new(6);
    let (tx, rx) = gochan::rendezvous();

    // Refused (nobody receiving): comes back to the caller.
    let back = tx.try_send(drops.make(0)).unwrap_err().into_inner();
    assert_eq!(back.id, 0);
    assert_eq!(drops.count(0), 0);
    drop(back);

    // A waiting send withdrawn by dropping its future drops its value once.
    let mut send = spawn(tx.send(drops.make(1)));
    assert_pending!(send.poll());
    drop(send);
    assert_eq!(drops.count(1), 1);
    assert!(rx.try_recv().is_err());

    // A value taken from a waiting sender is the receiver's caller's.
    let mut send = spawn(tx.send(drops.make(2)));
    assert_pending!(send.poll());
    let got = rx.try_recv().ok().unwrap();
    assert_eq!(got.id, 2);
    assert!(assert_ready!(send.poll()).is_ok());
    drop(send);
    assert_eq!(drops.count(2), 0);
    drop(got);

    // Handed to a waiting receiver.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(tx.try_send(drops.make(3)).is_ok());
    assert_eq!(drops.count(3), 0);
    let got = assert_ready!(recv.poll()).ok().unwrap();
    assert_eq!(got.id, 3);
    drop(got);
    drop(recv);

    // A sender waiting when the channel closes gets its value back.
    let mut send = spawn(tx.send(drops.make(4)));
    assert_pending!(send.poll());
    rx.close();
    let back = assert_ready!(send.poll()).unwrap_err().0;
    assert_eq!(drops.count(4), 0);
    drop(back);
    let back = tx.try_send(drops.make(5)).unwrap_err().into_inner();
    drop(back);
    drop(send);

    drop(tx);
    drop(rx);
    drops.assert_all_once();
}

/// A `deliver` waiting for a receiver when the channel closes: the value
/// never entered the channel and comes back; after the close one is refused
/// at the door.
#[test]
fn a_deliver_waiting_for_a_receiver_gets_its_value_back_on_close() {
    let (tx, _rx) = gochan::rendezvous();
    let mut d = spawn(tx.deliver(4));
    assert_pending!(d.poll());
    tx.close();
    assert!(d.is_woken());
    assert_ready_eq!(d.poll(), Err(DeliverError::Closed(4)));

    // Refused at the door: the value comes back.
    let err = assert_ready!(spawn(tx.deliver(5)).poll()).unwrap_err();
    assert!(err.is_closed());
    assert_eq!(err, DeliverError::Closed(5));
}

#[test]
fn recv_many_takes_from_waiting_senders_up_to_its_limit() {
    let (tx, rx) = gochan::rendezvous();
    let mut buf = vec![0];

    // Takes from the waiting senders, up to `limit`, in order.
    let mut senders: Vec<_> = (1..=4).map(|i| spawn(tx.send(i))).collect();
    for s in &mut senders {
        assert_pending!(s.poll());
    }
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 3)).poll(), 3);
    assert_eq!(buf, [0, 1, 2, 3], "appended, in order");
    for s in &mut senders[..3] {
        assert!(s.is_woken());
        assert_ready_eq!(s.poll(), Ok(()));
    }
    assert!(!senders[3].is_woken());
    assert_pending!(senders[3].poll());

    // Limit 0 takes nothing, even with a sender waiting.
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 0)).poll(), 0);
    assert_pending!(senders[3].poll());
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 1);
    assert_ready_eq!(senders[3].poll(), Ok(()));
    drop(senders);
    assert_eq!(buf, [0, 1, 2, 3, 4]);

    // Waits for one value.
    let mut buf = Vec::new();
    let mut many = spawn(rx.recv_many(&mut buf, 10));
    assert_pending!(many.poll());
    tx.try_send(5).unwrap();
    assert!(many.is_woken());
    assert_ready_eq!(many.poll(), 1);
    drop(many);
    assert_eq!(buf, [5]);

    // A waiting recv_many wakes with 0 on close.
    let mut many = spawn(rx.recv_many(&mut buf, 10));
    assert_pending!(many.poll());
    tx.close();
    assert!(many.is_woken());
    assert_ready_eq!(many.poll(), 0);
    drop(many);
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 0);
}

/// A blocking send inside a spawned task panics too, naming the async
/// method (`tests/kinds.rs` checks the same in `#[tokio::test]`'s own thread).
#[tokio::test]
async fn blocking_send_in_a_spawned_task_panics_naming_send() {
    let (tx, _rx) = gochan::rendezvous::<i32>();
    let res = tokio::spawn(async move {
        catch_unwind(AssertUnwindSafe(|| tx.send_blocking(2)))
            .map_err(panic_message)
            .map(|_| ())
    })
    .await;
    let msg = res.unwrap().unwrap_err();
    assert!(names_method(&msg, "Sender::send"), "message: {msg}");
}

#[test]
fn stats_count_waiting_sent_and_received() {
    let (tx, rx) = gochan::rendezvous();
    let rx2 = rx.clone();
    let s = tx.stats();
    assert_eq!(
        (s.buffered, s.capacity, s.senders, s.receivers),
        (0, Some(0), 1, 2)
    );
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    assert_eq!((s.sent, s.received, s.closed), (0, 0, false));

    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    let s = rx.stats();
    assert_eq!(s, tx.stats(), "both handles see the same snapshot");
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (0, 2, 0, 0)
    );

    assert_eq!(rx2.try_recv(), Ok(1));
    let s = rx.stats();
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (0, 1, 1, 1)
    );
    assert_eq!(rx.try_recv(), Ok(2));
    assert_ready_eq!(s1.poll(), Ok(()));
    assert_ready_eq!(s2.poll(), Ok(()));

    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx2.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    let s = tx.stats();
    assert_eq!((s.buffered, s.waiting_receivers), (0, 2));
    assert_eq!((s.sent, s.received), (2, 2));

    tx.try_send(3).unwrap();
    assert_ready_eq!(r1.poll(), Ok(3));
    let s = tx.stats();
    assert_eq!((s.buffered, s.waiting_receivers), (0, 1));
    assert_eq!((s.sent, s.received), (3, 3));

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
