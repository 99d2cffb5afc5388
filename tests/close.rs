//! Closing: who closes a channel, what a close does to buffered values and to
//! waiting senders and receivers, `close_now`, `closed`/`join`/`is_finished`,
//! scoped senders, weak senders, `deliver`'s `Undelivered`, and values whose
//! `Drop` panics.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{deadline, kinds, on_a_thread};
use gochan::{
    DeliverError, Receiver, RecvError, SendError, TryRecvError, TrySendError, WeakSender,
};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

/// Counts its drops.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Panics when dropped while armed.
#[derive(Debug)]
struct Bomb {
    armed: bool,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        if self.armed && !std::thread::panicking() {
            panic!("boom: Bomb dropped");
        }
    }
}

fn bomb() -> Bomb {
    Bomb { armed: true }
}

fn dud() -> Bomb {
    Bomb { armed: false }
}

#[test]
fn close_from_either_handle() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        assert!(!tx.is_closed() && !rx.is_closed(), "{kind}");
        assert!(tx.close(), "{kind}: the first close closes");
        assert!(!tx.close(), "{kind}: idempotent");
        assert!(!rx.close(), "{kind}: idempotent from the other side");
        assert!(tx.is_closed() && rx.is_closed(), "{kind}");
        assert!(tx.stats().closed, "{kind}");
    }
    for (kind, (tx, rx)) in kinds::<i32>() {
        assert!(rx.close(), "{kind}");
        assert!(!rx.close(), "{kind}");
        assert!(!tx.close(), "{kind}");
        assert!(tx.is_closed() && rx.is_closed(), "{kind}");
        assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)), "{kind}");
    }
    // close_now counts as the close too.
    for (kind, (tx, rx)) in kinds::<i32>() {
        assert!(rx.close_now().is_empty(), "{kind}");
        assert!(!tx.close(), "{kind}");
        assert!(!rx.close(), "{kind}");
    }
}

#[test]
fn close_is_permanent() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        tx.close();
        let tx2 = tx.clone();
        let rx2 = rx.clone();
        assert!(
            tx2.is_closed() && rx2.is_closed(),
            "{kind}: clones stay closed"
        );
        assert_eq!(tx2.try_send(1), Err(TrySendError::Closed(1)), "{kind}");
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed), "{kind}");
        assert!(tx.is_finished(), "{kind}");
    }
}

#[test]
fn last_sender_drop_closes() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let tx2 = tx.clone();
        assert_eq!(rx.sender_count(), 2, "{kind}");
        drop(tx);
        assert!(!rx.is_closed(), "{kind}: another sender is alive");
        assert_eq!(rx.sender_count(), 1, "{kind}");
        let mut recv = spawn(rx.recv());
        assert_pending!(recv.poll());
        drop(tx2);
        assert!(rx.is_closed(), "{kind}");
        assert_eq!(rx.sender_count(), 0, "{kind}");
        assert!(recv.is_woken(), "{kind}");
        assert_ready_eq!(recv.poll(), Err(RecvError), "{kind}");
    }

    // Buffered values survive the last sender.
    let (tx, rx) = gochan::bounded(2);
    tx.try_send(1).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn last_receiver_drop_closes() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let rx2 = rx.clone();
        assert_eq!(tx.receiver_count(), 2, "{kind}");
        drop(rx);
        assert!(!tx.is_closed(), "{kind}: another receiver is alive");
        let mut send = spawn(tx.send(1));
        if kind == "rendezvous" {
            assert_pending!(send.poll());
        }
        drop(rx2);
        assert!(tx.is_closed(), "{kind}");
        assert_eq!(tx.receiver_count(), 0, "{kind}");
        if kind == "rendezvous" {
            assert!(send.is_woken(), "{kind}");
            assert_ready_eq!(send.poll(), Err(SendError(1)), "{kind}");
        } else {
            assert_ready_eq!(send.poll(), Err(SendError(1)), "{kind}");
        }
        assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)), "{kind}");
    }

    // A waiting sender is woken with its value when the last receiver goes.
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(0).unwrap();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    drop(rx);
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Err(SendError(1)));
}

#[test]
fn last_receiver_drop_drops_buffered() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::bounded(4);
    for _ in 0..3 {
        tx.try_send(Counted(drops.clone())).unwrap();
    }
    let rx2 = rx.clone();
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 0, "a receiver is still alive");
    assert_eq!(tx.len(), 3);
    drop(rx2);
    assert_eq!(drops.load(Ordering::SeqCst), 3, "nobody can receive them");
    assert_eq!(tx.len(), 0);
    assert!(tx.is_finished());
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 3, "not dropped twice");
}

#[test]
fn close_wakes_every_sender_with_its_value() {
    for (kind, cap) in [("bounded", 1), ("rendezvous", 0)] {
        let (tx, rx) = gochan::bounded(cap);
        if cap > 0 {
            tx.try_send(0).unwrap();
        }
        let tx2 = tx.clone();
        let mut sends: Vec<_> = (1..=5)
            .map(|i| {
                if i % 2 == 0 {
                    spawn(tx.send(i))
                } else {
                    spawn(tx2.send(i))
                }
            })
            .collect();
        for s in &mut sends {
            assert_pending!(s.poll());
        }
        assert_eq!(rx.stats().waiting_senders, 5, "{kind}");
        assert!(rx.close());
        for (i, s) in sends.iter_mut().enumerate() {
            assert!(s.is_woken(), "{kind}: sender {i} not woken");
            assert_ready_eq!(s.poll(), Err(SendError(i as i32 + 1)), "{kind}");
        }
        assert_eq!(rx.stats().waiting_senders, 0, "{kind}");
        if cap > 0 {
            assert_eq!(rx.try_recv(), Ok(0), "{kind}: graceful drain");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{kind}");
    }
}

#[test]
fn close_wakes_every_receiver() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let rx2 = rx.clone();
        let mut recvs: Vec<_> = (0..5)
            .map(|i| {
                if i % 2 == 0 {
                    spawn(rx.recv())
                } else {
                    spawn(rx2.recv())
                }
            })
            .collect();
        for r in &mut recvs {
            assert_pending!(r.poll());
        }
        assert!(tx.close());
        for (i, r) in recvs.iter_mut().enumerate() {
            assert!(r.is_woken(), "{kind}: receiver {i} not woken");
            assert_ready_eq!(r.poll(), Err(RecvError), "{kind}");
        }
        assert_eq!(rx.stats().waiting_receivers, 0, "{kind}");
    }
}

#[test]
fn close_wakes_receivers_beyond_remaining_values() {
    // More receivers wait than values remain: the values reach the first
    // receivers, and every other receiver wakes with Closed once they are
    // taken.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut recvs: Vec<_> = (0..5).map(|_| spawn(rx.recv())).collect();
        for r in &mut recvs {
            assert_pending!(r.poll());
        }
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        tx.close();
        assert_ready_eq!(recvs[0].poll(), Ok(1), "{kind}");
        assert_ready_eq!(recvs[1].poll(), Ok(2), "{kind}");
        for (i, r) in recvs.iter_mut().enumerate().skip(2) {
            assert!(r.is_woken(), "{kind}: receiver {i} not woken");
            assert_ready_eq!(r.poll(), Err(RecvError), "{kind}");
        }
        assert!(rx.is_finished(), "{kind}");
    }

    // Receivers that arrive after the close, more than there are values.
    let (tx, rx) = gochan::bounded(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.close();
    let rxs: Vec<_> = (0..4).map(|_| rx.clone()).collect();
    let got: Vec<_> = rxs
        .iter()
        .map(|r| assert_ready!(spawn(r.recv()).poll()))
        .collect();
    assert_eq!(got, [Ok(1), Ok(2), Err(RecvError), Err(RecvError)]);
}

#[test]
fn close_while_handed_value_is_cancelled() {
    // A receiver was handed a value, the channel closed, then that receiver
    // went away: the value goes to the next receiver, and the one after that
    // sees Closed.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        let mut r2 = spawn(rx.recv());
        let mut r3 = spawn(rx.recv());
        assert_pending!(r1.poll());
        assert_pending!(r2.poll());
        assert_pending!(r3.poll());
        tx.try_send(1).unwrap();
        tx.close();
        drop(r1);
        assert!(r2.is_woken(), "{kind}");
        assert_ready_eq!(r2.poll(), Ok(1), "{kind}");
        assert!(r3.is_woken(), "{kind}");
        assert_ready_eq!(r3.poll(), Err(RecvError), "{kind}");
        assert!(rx.is_finished(), "{kind}");
    }
}

#[test]
fn a_graceful_close_keeps_the_buffered_values_for_the_receivers() {
    for cap in [1, 3, 100] {
        let (tx, rx) = gochan::bounded(cap);
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        rx.close();
        assert_eq!(tx.try_send(cap), Err(TrySendError::Closed(cap)));
        for i in 0..cap {
            assert!(!rx.is_finished());
            assert_ready_eq!(spawn(rx.recv()).poll(), Ok(i));
        }
        assert!(rx.is_finished());
        assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));
    }
}

#[test]
fn close_now_returns_buffered_in_order() {
    // From the receiver.
    let (tx, rx) = gochan::unbounded();
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.close_now(), [0, 1, 2, 3, 4]);
    assert!(tx.is_closed() && rx.is_finished());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.close_now().is_empty());

    // From the sender.
    let (tx, rx) = gochan::bounded(3);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.close_now(), [0, 1, 2]);
    assert!(rx.is_finished());
    assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));

    // After a graceful close: still hands back what is left.
    let (tx, rx) = gochan::bounded(3);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert!(tx.close());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(tx.close_now(), [1, 2]);
    assert!(rx.is_finished());
}

#[test]
fn close_now_wakes_waiters() {
    // Waiting senders get their values back; they are not in the result.
    let (tx, rx) = gochan::bounded(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut s3 = spawn(tx.send(3));
    let mut s4 = spawn(tx.send(4));
    assert_pending!(s3.poll());
    assert_pending!(s4.poll());
    assert_eq!(rx.close_now(), [1, 2]);
    assert!(s3.is_woken() && s4.is_woken());
    assert_ready_eq!(s3.poll(), Err(SendError(3)));
    assert_ready_eq!(s4.poll(), Err(SendError(4)));
    assert!(rx.is_finished());

    // Rendezvous senders too.
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert!(tx.close_now().is_empty());
    assert_ready_eq!(send.poll(), Err(SendError(1)));
    drop(rx);

    // Waiting receivers see Closed.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        let mut r2 = spawn(rx.recv());
        assert_pending!(r1.poll());
        assert_pending!(r2.poll());
        assert!(tx.close_now().is_empty(), "{kind}");
        assert!(r1.is_woken() && r2.is_woken(), "{kind}");
        assert_ready_eq!(r1.poll(), Err(RecvError), "{kind}");
        assert_ready_eq!(r2.poll(), Err(RecvError), "{kind}");
    }
}

#[test]
fn join_waits_for_closed_and_drained() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut join_tx = spawn(tx.join());
        let mut join_rx = spawn(rx.join());
        // Open and empty is not finished.
        assert_pending!(join_tx.poll(), "{kind}");
        assert_pending!(join_rx.poll(), "{kind}");
        assert!(!tx.is_finished(), "{kind}");

        let mut recv = spawn(rx.recv());
        assert_pending!(recv.poll());
        tx.try_send(1).unwrap(); // handed to the waiting receiver
        tx.close();
        // Closed, but a value is still on its way to a receiver.
        assert_pending!(join_tx.poll(), "{kind}");
        assert!(!rx.is_finished(), "{kind}");
        assert_ready_eq!(recv.poll(), Ok(1));
        assert!(join_tx.is_woken() && join_rx.is_woken(), "{kind}");
        assert_ready!(join_tx.poll(), "{kind}");
        assert_ready!(join_rx.poll(), "{kind}");
        assert!(tx.is_finished() && rx.is_finished(), "{kind}");
        // Stays finished.
        assert_ready!(spawn(tx.join()).poll(), "{kind}");
    }

    // Closed with values buffered: pending until the last is received.
    let (tx, rx) = gochan::bounded(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut join = spawn(tx.join());
    assert_pending!(join.poll());
    rx.close();
    assert_pending!(join.poll());
    assert!(!tx.is_finished());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_pending!(join.poll());
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(join.is_woken());
    assert_ready!(join.poll());

    // Open with values buffered is not finished either.
    let (tx, rx) = gochan::unbounded();
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    let mut join = spawn(rx.join());
    assert_pending!(join.poll());
    // close_now finishes at once.
    tx.try_send(2).unwrap();
    assert_pending!(join.poll());
    assert_eq!(tx.close_now(), [2]);
    assert!(join.is_woken());
    assert_ready!(join.poll());
}

#[test]
fn closed_waits_for_close() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut closed_tx = spawn(tx.closed());
        let mut closed_rx = spawn(rx.closed());
        assert_pending!(closed_tx.poll(), "{kind}");
        assert_pending!(closed_rx.poll(), "{kind}");
        if kind != "rendezvous" {
            tx.try_send(1).unwrap();
            assert_pending!(closed_tx.poll(), "{kind}");
        }
        rx.close();
        assert!(closed_tx.is_woken() && closed_rx.is_woken(), "{kind}");
        assert_ready!(closed_tx.poll(), "{kind}");
        assert_ready!(closed_rx.poll(), "{kind}");
        // Closed is not finished while a value is left.
        if kind != "rendezvous" {
            assert!(!tx.is_finished(), "{kind}");
            assert_pending!(spawn(tx.join()).poll(), "{kind}");
        }
        assert_ready!(spawn(tx.closed()).poll(), "{kind}");
    }

    // The last sender going closes.
    let (tx, rx) = gochan::bounded::<i32>(1);
    let mut closed = spawn(rx.closed());
    assert_pending!(closed.poll());
    drop(tx);
    assert!(closed.is_woken());
    assert_ready!(closed.poll());
}

#[test]
fn watchers_that_give_up_do_not_hide_the_close() {
    // A close notifies `closed()`/`join()` waiters only while some are
    // registered; ones that were dropped must not leave the count short.
    for (kind, (tx, rx)) in kinds::<i32>() {
        for _ in 0..3 {
            let mut gone = spawn(tx.closed());
            assert_pending!(gone.poll(), "{kind}");
        }
        let mut join = spawn(rx.join());
        assert_pending!(join.poll(), "{kind}");
        let mut closed = spawn(tx.closed());
        assert_pending!(closed.poll(), "{kind}");
        drop(join);
        rx.close();
        assert!(closed.is_woken(), "{kind}");
        assert_ready!(closed.poll(), "{kind}");
        // A watcher that starts after the close sees it at once.
        assert_ready!(spawn(rx.join()).poll(), "{kind}");
    }
}

#[tokio::test]
async fn join_across_tasks() {
    let (tx, rx) = gochan::bounded(2);
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while rx.recv().await.is_ok() {
                    n += 1;
                }
                n
            })
        })
        .collect();
    let producer = tokio::spawn({
        let tx = tx.clone();
        async move {
            for i in 0..100 {
                tx.send(i).await.unwrap();
            }
            tx.close();
        }
    });
    deadline("tx.join()", tx.join()).await;
    assert!(rx.is_finished());
    producer.await.unwrap();
    let mut total = 0;
    for c in consumers {
        total += deadline("a consumer", c).await.unwrap();
    }
    assert_eq!(total, 100);
}

#[test]
fn is_finished_once_closed_and_drained() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        assert!(!tx.is_finished() && !rx.is_finished(), "{kind}");
        if kind != "rendezvous" {
            tx.try_send(1).unwrap();
            tx.close();
            assert!(!rx.is_finished(), "{kind}: a value is left");
            assert_eq!(rx.try_recv(), Ok(1));
        } else {
            tx.close();
        }
        assert!(tx.is_finished() && rx.is_finished(), "{kind}");
        assert!(rx.stats().closed);
    }
}

#[tokio::test]
async fn scope_closes_at_end_of_scope() {
    let (tx, rx) = gochan::unbounded();
    let keep = tx.clone();
    {
        let scoped = tx.scope();
        scoped.send(1).await.unwrap();
        assert_eq!(scoped.sender_count(), 2);
        assert!(!keep.is_closed());
    }
    assert!(keep.is_closed(), "closed though another sender is alive");
    assert_eq!(keep.sender_count(), 1);
    // Graceful: what it sent is still there.
    assert_eq!(rx.recv().await, Ok(1));
    assert_eq!(rx.recv().await, Err(RecvError));
}

#[tokio::test]
async fn scope_closes_on_early_return() {
    async fn produce(tx: gochan::ScopedSender<i32>, fail_at: i32) -> Result<(), String> {
        for i in 0.. {
            if i == fail_at {
                return Err(format!("failed at {i}"));
            }
            tx.send(i).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    let (tx, rx) = gochan::bounded(8);
    let keep = tx.clone();
    let res = deadline("produce", produce(tx.scope(), 3)).await;
    assert_eq!(res, Err("failed at 3".to_string()));
    assert!(keep.is_closed());
    assert_eq!(rx.recv().await, Ok(0));
    assert_eq!(rx.recv().await, Ok(1));
    assert_eq!(rx.recv().await, Ok(2));
    assert_eq!(rx.recv().await, Err(RecvError));
}

#[tokio::test]
async fn scope_closes_on_question_mark() {
    // `?` on a failed send: the receiver closed the channel.
    async fn produce(tx: gochan::ScopedSender<i32>) -> Result<(), SendError<i32>> {
        for i in 0.. {
            tx.send(i).await?;
        }
        Ok(())
    }

    let (tx, rx) = gochan::bounded(1);
    let keep = tx.clone();
    let producer = tokio::spawn(produce(tx.scope()));
    assert_eq!(deadline("rx.recv()", rx.recv()).await, Ok(0));
    rx.close();
    let res = deadline("producer", producer).await.unwrap();
    assert!(res.is_err());
    assert!(keep.is_closed());
}

#[tokio::test]
async fn scope_closes_on_panic() {
    let (tx, rx) = gochan::unbounded();
    let keep = tx.clone();
    let task = tokio::spawn(async move {
        let tx = tx.scope();
        tx.send(1).await.unwrap();
        panic!("producer failed");
    });
    let err = deadline("task", task).await.unwrap_err();
    assert!(err.is_panic());
    assert!(keep.is_closed());
    assert_eq!(rx.recv().await, Ok(1));
    assert_eq!(rx.recv().await, Err(RecvError));
}

#[tokio::test]
async fn scope_closes_on_abort() {
    let (tx, rx) = gochan::bounded(1);
    let keep = tx.clone();
    let task = tokio::spawn(async move {
        let tx = tx.scope();
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap(); // waits: the buffer is full
        unreachable!("nobody receives");
    });
    // Let the task fill the buffer and start waiting.
    while rx.stats().waiting_senders == 0 {
        tokio::task::yield_now().await;
    }
    assert!(!keep.is_closed());
    task.abort();
    let err = deadline("task", task).await.unwrap_err();
    assert!(err.is_cancelled());
    assert!(keep.is_closed());
    assert_eq!(rx.stats().waiting_senders, 0);
    // The withdrawn send did not enter; what was buffered drains.
    assert_eq!(rx.recv().await, Ok(1));
    assert_eq!(rx.recv().await, Err(RecvError));
}

#[tokio::test]
async fn scope_closes_when_future_dropped() {
    // Cancellation by dropping the future (a lost select, a timeout).
    let (tx, rx) = gochan::rendezvous::<i32>();
    let keep = tx.clone();
    let producer = async move {
        let tx = tx.scope();
        tx.send(1).await
    };
    let res = tokio::time::timeout(Duration::from_millis(10), producer).await;
    assert!(res.is_err(), "nobody received");
    assert!(keep.is_closed());
    assert_eq!(rx.recv().await, Err(RecvError));
}

#[test]
fn weak_sender_does_not_keep_channel_open() {
    let (tx, rx) = gochan::unbounded::<i32>();
    let weak = tx.downgrade();
    assert_eq!(rx.sender_count(), 1, "weak senders are not counted");

    // Upgrading while open gives a working sender that counts.
    let strong = weak.upgrade().unwrap();
    assert_eq!(rx.sender_count(), 2);
    strong.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    drop(strong);

    drop(tx);
    assert!(rx.is_closed(), "only a weak sender is left");
    assert!(weak.upgrade().is_none());
    assert!(weak.clone().upgrade().is_none());
    assert_eq!(rx.sender_count(), 0);
}

#[test]
fn weak_upgrade_none_after_close() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let weak = tx.downgrade();
        assert!(weak.upgrade().is_some(), "{kind}");
        rx.close();
        assert!(weak.upgrade().is_none(), "{kind}");
        assert_eq!(
            tx.sender_count(),
            1,
            "{kind}: a failed upgrade adds nothing"
        );
    }
    // By the last receiver going.
    let (tx, rx) = gochan::bounded::<i32>(1);
    let weak = tx.downgrade();
    drop(rx);
    assert!(weak.upgrade().is_none());
    // A weak sender outliving everything is harmless.
    let (tx, rx) = gochan::bounded::<i32>(1);
    let weak = tx.downgrade();
    drop((tx, rx));
    assert!(weak.upgrade().is_none());
    assert!(format!("{weak:?}").contains("WeakSender"));
}

#[test]
fn handle_counts_and_same_channel() {
    let (tx, rx) = gochan::bounded::<i32>(1);
    let (other_tx, other_rx) = gochan::bounded::<i32>(1);
    assert!(tx.same_channel(&tx.clone()));
    assert!(!tx.same_channel(&other_tx));
    assert!(rx.same_channel(&rx.clone()));
    assert!(!rx.same_channel(&other_rx));
    assert!(tx.same_channel_as(&rx));
    assert!(!tx.same_channel_as(&other_rx));

    let txs: Vec<_> = (0..3).map(|_| tx.clone()).collect();
    let rxs: Vec<_> = (0..2).map(|_| rx.clone()).collect();
    assert_eq!((tx.sender_count(), tx.receiver_count()), (4, 3));
    assert_eq!((rx.sender_count(), rx.receiver_count()), (4, 3));
    let scoped = txs[0].clone().scope();
    assert_eq!(rx.sender_count(), 5, "a scoped sender counts");
    drop(scoped);
    assert!(rx.is_closed());
    drop(txs);
    drop(rxs);
    assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
}

#[test]
fn deliver_undelivered_on_close_now() {
    for (kind, (tx, rx)) in [
        ("bounded", gochan::bounded(4)),
        ("unbounded", gochan::unbounded()),
    ] {
        let mut d1 = spawn(tx.deliver(1));
        let mut d2 = spawn(tx.deliver(2));
        assert_pending!(d1.poll(), "{kind}");
        assert_pending!(d2.poll(), "{kind}");
        assert_eq!(rx.try_recv(), Ok(1));
        assert_ready_eq!(d1.poll(), Ok(()), "{kind}");
        // close_now hands 2 to its caller: no receiver will ever take it.
        assert_eq!(rx.close_now(), [2], "{kind}");
        assert!(d2.is_woken(), "{kind}");
        let err = assert_ready!(d2.poll());
        assert_eq!(err, Err(DeliverError::Undelivered), "{kind}");
        assert_eq!(err.unwrap_err().into_inner(), None);
    }
}

#[test]
fn deliver_undelivered_when_receivers_dropped() {
    let (tx, rx) = gochan::bounded(4);
    let rx2 = rx.clone();
    let mut d = spawn(tx.deliver(1));
    assert_pending!(d.poll());
    drop(rx);
    assert_pending!(d.poll(), "a receiver is still alive");
    drop(rx2);
    assert!(d.is_woken());
    assert_ready_eq!(d.poll(), Err(DeliverError::Undelivered));

    // Rendezvous: handed to a waiting receiver that goes away with the last
    // handle; no receiver will ever take it.
    let (tx, rx) = gochan::rendezvous();
    let mut d = {
        let mut r = spawn(rx.recv());
        assert_pending!(r.poll());
        let mut d = spawn(tx.deliver(1));
        assert_pending!(d.poll());
        drop(r);
        d
    };
    assert_pending!(d.poll(), "the value went back to the channel");
    drop(rx);
    assert!(d.is_woken());
    assert_ready_eq!(d.poll(), Err(DeliverError::Undelivered));
}

#[test]
fn deliver_survives_graceful_close() {
    // A graceful close does not make a buffered deliver fail: a receiver can
    // still take it.
    let (tx, rx) = gochan::bounded(2);
    let mut d = spawn(tx.deliver(1));
    assert_pending!(d.poll());
    tx.close();
    assert_pending!(d.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_ready_eq!(d.poll(), Ok(()));
}

#[test]
fn panicking_drop_in_last_receiver_does_not_wedge() {
    // The last receiver drops buffered values; one of them panics. The channel
    // stays usable from every other handle.
    let (tx, rx) = gochan::bounded(4);
    tx.try_send(dud()).unwrap();
    tx.try_send(bomb()).unwrap();
    tx.try_send(dud()).unwrap();
    let weak = tx.downgrade();
    let res = catch_unwind(AssertUnwindSafe(move || drop(rx)));
    assert!(res.is_err(), "the bomb went off");

    assert!(tx.is_closed() && tx.is_finished());
    assert_eq!(tx.len(), 0);
    assert_eq!(tx.receiver_count(), 0);
    let err = tx.try_send(dud()).unwrap_err();
    assert!(err.is_closed());
    assert_ready!(spawn(tx.join()).poll());
    assert!(weak.upgrade().is_none());
    let s = tx.stats();
    assert!(s.closed);
    let tx2 = tx.clone();
    drop(tx);
    assert!(tx2.close_now().is_empty());
}

#[test]
fn panicking_drop_of_withdrawn_send_does_not_wedge() {
    // A waiting send holding a bomb is dropped: the panic comes out of the
    // future's drop, and the channel is left consistent for other users.
    for cap in [1, 0] {
        let (tx, rx) = gochan::bounded(cap);
        if cap > 0 {
            tx.try_send(dud()).unwrap();
        }
        let mut send = spawn(tx.send(bomb()));
        assert_pending!(send.poll());
        let res = catch_unwind(AssertUnwindSafe(move || drop(send)));
        assert!(res.is_err(), "the bomb went off");

        let s = rx.stats();
        assert_eq!((s.waiting_senders, s.buffered), (0, cap), "cap {cap}");
        if cap > 0 {
            assert!(rx.try_recv().is_ok());
        }
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
        // Still works both ways, from other clones.
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let mut recv = spawn(rx2.recv());
        assert_pending!(recv.poll());
        tx2.try_send(dud()).unwrap();
        assert!(assert_ready!(recv.poll()).is_ok());
        drop(recv);
        tx2.close();
        assert_ready!(spawn(rx.join()).poll());
    }
}

#[test]
fn panicking_drop_by_receiver_does_not_wedge() {
    // A received bomb explodes in the receiver's hands, inside a task that
    // holds a clone; the rest of the channel carries on.
    let (tx, rx) = gochan::unbounded();
    tx.try_send(bomb()).unwrap();
    tx.try_send(dud()).unwrap();
    let rx2 = rx.clone();
    let res = catch_unwind(AssertUnwindSafe(|| {
        let v = rx2.try_recv().unwrap();
        drop(v);
    }));
    assert!(res.is_err());
    drop(rx2);
    assert!(!rx.is_closed());
    assert!(rx.try_recv().is_ok());
    tx.try_send(dud()).unwrap();
    assert!(assert_ready!(spawn(rx.recv()).poll()).is_ok());

    // close_now hands bombs back; dropping them there is the caller's affair.
    tx.try_send(bomb()).unwrap();
    let res = catch_unwind(AssertUnwindSafe(|| drop(rx.close_now())));
    assert!(res.is_err());
    assert!(rx.is_finished());
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_drop_in_task_does_not_wedge_others() {
    let (tx, rx) = gochan::bounded(2);
    let flag = Arc::new(AtomicBool::new(false));
    // A consumer task that panics on a bomb.
    let bad = tokio::spawn({
        let rx = rx.clone();
        async move {
            let v = rx.recv().await.unwrap();
            drop(v);
        }
    });
    tx.send(bomb()).await.unwrap();
    assert!(deadline("the panicking task", bad)
        .await
        .unwrap_err()
        .is_panic());
    // Other tasks keep using the channel.
    let good = tokio::spawn({
        let rx = rx.clone();
        let flag = flag.clone();
        async move {
            let mut n = 0;
            while let Ok(v) = rx.recv().await {
                assert!(!v.armed);
                n += 1;
            }
            flag.store(true, Ordering::SeqCst);
            n
        }
    });
    for _ in 0..10 {
        tx.send(dud()).await.unwrap();
    }
    drop(tx);
    assert_eq!(deadline("the other task", good).await.unwrap(), 10);
    assert!(flag.load(Ordering::SeqCst));
    assert!(rx.is_finished());
}

/// A value whose `Drop` uses the channel it was in.
struct Reentrant(WeakSender<Reentrant>);

impl Drop for Reentrant {
    fn drop(&mut self) {
        // Locks the channel.
        drop(self.0.upgrade());
    }
}

#[test]
fn drop_of_value_runs_outside_the_lock() {
    on_a_thread(
        "drop_of_value_runs_outside_the_lock: user code ran while the channel was locked",
        || {
            // Dropped by the last receiver.
            let (tx, rx) = gochan::bounded(4);
            let weak = tx.downgrade();
            for _ in 0..3 {
                assert!(tx.try_send(Reentrant(weak.clone())).is_ok());
            }
            drop(rx);

            // A waiting send withdrawn by dropping its future.
            let (tx, rx) = gochan::bounded(1);
            let weak = tx.downgrade();
            assert!(tx.try_send(Reentrant(weak.clone())).is_ok());
            let mut send = spawn(tx.send(Reentrant(weak.clone())));
            assert_pending!(send.poll());
            drop(send);
            // A waiting send failed by a close.
            let mut send = spawn(tx.send(Reentrant(weak.clone())));
            assert_pending!(send.poll());
            drop(rx.close_now());
            drop(send);

            // Rendezvous, the same.
            let (tx, rx) = gochan::rendezvous();
            let weak = tx.downgrade();
            let mut send = spawn(tx.send(Reentrant(weak.clone())));
            assert_pending!(send.poll());
            drop(send);
            let mut send = spawn(tx.send(Reentrant(weak.clone())));
            assert_pending!(send.poll());
            drop(rx);
            drop(send);
        },
    );
}

/// A waker that uses the channel when woken.
struct ReentrantWaker(Receiver<i32>);

impl std::task::Wake for ReentrantWaker {
    fn wake(self: Arc<Self>) {
        // Locks the channel.
        let _ = self.0.stats();
    }
}

#[test]
fn wakers_run_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, Poll};

    fn poll<F: Future + Unpin>(f: &mut F, rx: &Receiver<i32>) -> Poll<F::Output> {
        let waker = std::task::Waker::from(Arc::new(ReentrantWaker(rx.clone())));
        std::pin::Pin::new(f).poll(&mut Context::from_waker(&waker))
    }

    on_a_thread(
        "wakers_run_outside_the_lock: user code ran while the channel was locked",
        || {
            for (kind, (tx, rx)) in kinds::<i32>() {
                // A value wakes a waiting receiver.
                let mut r1 = rx.recv();
                let mut r2 = rx.recv();
                assert!(poll(&mut r1, &rx).is_pending(), "{kind}");
                assert!(poll(&mut r2, &rx).is_pending(), "{kind}");
                tx.try_send(1).unwrap();
                // A dropped receiver passes its value and wake-up on.
                drop(r1);
                assert_eq!(poll(&mut r2, &rx), Poll::Ready(Ok(1)), "{kind}");

                // A close wakes waiting receivers and closed()/join() waiters.
                let mut r3 = rx.recv();
                assert!(poll(&mut r3, &rx).is_pending(), "{kind}");
                let mut join = Box::pin(tx.join());
                assert!(poll(&mut join, &rx).is_pending(), "{kind}");
                tx.close();
                assert_eq!(poll(&mut r3, &rx), Poll::Ready(Err(RecvError)), "{kind}");
                assert!(poll(&mut join, &rx).is_ready(), "{kind}");
            }

            // Freed room and a close wake waiting senders.
            for cap in [1, 0] {
                let (tx, rx) = gochan::bounded(cap);
                if cap > 0 {
                    tx.try_send(0).unwrap();
                }
                let mut s1 = tx.send(1);
                let mut s2 = tx.send(2);
                assert!(poll(&mut s1, &rx).is_pending());
                assert!(poll(&mut s2, &rx).is_pending());
                assert!(rx.try_recv().is_ok());
                assert_eq!(poll(&mut s1, &rx), Poll::Ready(Ok(())));
                rx.close();
                assert_eq!(poll(&mut s2, &rx), Poll::Ready(Err(SendError(2))));
            }

            // A deliver is woken by its acknowledgement.
            let (tx, rx) = gochan::bounded(1);
            let mut d = tx.deliver(1);
            assert!(poll(&mut d, &rx).is_pending());
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(poll(&mut d, &rx), Poll::Ready(Ok(())));
        },
    );
}

#[test]
fn racing_closes_exactly_one_wins() {
    for _ in 0..20 {
        let (tx, rx) = gochan::bounded::<i32>(1);
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (tx, rx) = (tx.clone(), rx.clone());
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    if i % 2 == 0 {
                        tx.close()
                    } else {
                        rx.close()
                    }
                })
            })
            .collect();
        let wins = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&won| won)
            .count();
        assert_eq!(wins, 1);
        assert!(tx.is_closed() && rx.is_closed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn close_wakes_all_blocked_tasks() {
    for (kind, cap) in [("bounded", 1), ("rendezvous", 0)] {
        let (tx, rx) = gochan::bounded::<usize>(cap);
        let (full_tx, full_rx) = gochan::bounded::<usize>(cap);
        if cap > 0 {
            full_tx.try_send(0).unwrap();
        }
        let mut receivers = Vec::new();
        let mut senders = Vec::new();
        for i in 0..50 {
            let rx = rx.clone();
            receivers.push(tokio::spawn(async move { rx.recv().await }));
            let full_tx = full_tx.clone();
            senders.push(tokio::spawn(async move { full_tx.send(i).await }));
        }
        deadline("the test body", async {
            while rx.stats().waiting_receivers < 50 || full_rx.stats().waiting_senders < 50 {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(tx.close());
        assert!(full_rx.close());
        deadline("the test body", async {
            for r in receivers {
                assert_eq!(r.await.unwrap(), Err(RecvError), "{kind}");
            }
            let mut back: Vec<usize> = Vec::new();
            for s in senders {
                back.push(s.await.unwrap().unwrap_err().into_inner());
            }
            back.sort_unstable();
            assert_eq!(back, (0..50).collect::<Vec<_>>(), "{kind}");
        })
        .await;
    }
}

/// `join()` and `closed()` spend the task's cooperative budget like every
/// other operation: a loop over a finished channel's `join()` yields to
/// other tasks (before, it never did on a current-thread runtime).
#[test]
fn join_and_closed_take_part_in_the_coop_budget() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for which in ["join", "closed"] {
        rt.block_on(async {
            let (tx, rx) = gochan::bounded::<u8>(1);
            drop(tx); // closed and drained: both are ready at once
            let other_ran = Arc::new(AtomicBool::new(false));
            let flag = other_ran.clone();
            let other = tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
            let looper = tokio::spawn(async move {
                // Without a budget this loop never lets `other` run.
                for _ in 0..10_000 {
                    if other_ran.load(Ordering::SeqCst) {
                        return true;
                    }
                    match which {
                        "join" => rx.join().await,
                        _ => rx.closed().await,
                    }
                }
                false
            });
            assert!(looper.await.unwrap(), "{which}: the loop never yielded");
            other.await.unwrap();
        });
    }
}

/// A `join()` dropped while it waits leaves nothing registered, and a fresh
/// one after the finish resolves at once.
#[test]
fn dropped_join_withdraws() {
    let (tx, rx) = gochan::bounded::<u8>(1);
    tx.try_send(1).unwrap();
    let mut joins: Vec<_> = (0..3).map(|_| spawn(rx.join())).collect();
    for j in &mut joins {
        assert_pending!(j.poll());
    }
    drop(joins.remove(1));
    tx.close();
    for j in &mut joins {
        assert_pending!(j.poll(), "closed, not drained");
    }
    assert_eq!(rx.try_recv(), Ok(1));
    for j in &mut joins {
        assert!(j.is_woken());
        assert_ready!(j.poll());
    }
    assert_ready!(spawn(rx.join()).poll());
}
