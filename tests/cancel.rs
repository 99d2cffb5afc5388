//! Cancellation and wake-ups, checked deterministically by hand polling
//! (`tokio_test::task::spawn`): a dropped `recv` never loses a value and passes
//! its wake-up on, a dropped `send` leaves nothing behind, `SendFuture::cancel`
//! hands the value back, a freed slot wakes exactly the next sender, and close
//! wakes everyone.

mod common;

use std::time::Duration;

use common::{deadline, kinds};
use gochan::{RecvError, SendError, TryRecvError, TrySendError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[test]
fn recv_dropped_after_handoff_passes_value_on() {
    // Two receivers wait; a value goes to the first; the first is dropped
    // before it is polled again: the second is woken and gets the value.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        let mut r2 = spawn(rx.recv());
        assert_pending!(r1.poll());
        assert_pending!(r2.poll());

        let mut send = spawn(tx.send(1));
        assert_ready_eq!(send.poll(), Ok(()), "{kind}: the send completed");
        assert!(r1.is_woken(), "{kind}");
        assert!(
            !r2.is_woken(),
            "{kind}: only the first was handed the value"
        );

        drop(r1);
        assert!(r2.is_woken(), "{kind}: the wake-up was passed on");
        assert_ready_eq!(r2.poll(), Ok(1), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
        assert_eq!(rx.stats().received, 1, "{kind}");
    }
}

#[test]
fn recv_dropped_after_handoff_value_stays_receivable() {
    // No other receiver waits: the value goes back to the channel, where
    // try_recv finds it (on a rendezvous channel too, though the send has
    // already completed).
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        assert_pending!(r1.poll());
        assert_ready_eq!(spawn(tx.send(1)).poll(), Ok(()), "{kind}");
        drop(r1);
        assert_eq!(rx.try_recv(), Ok(1), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
    }

    // With a later receiver (not waiting at the time): it gets the value.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        assert_pending!(r1.poll());
        tx.try_send(1).unwrap();
        drop(r1);
        assert_ready_eq!(spawn(rx.recv()).poll(), Ok(1), "{kind}");
    }
}

#[test]
fn recv_dropped_after_handoff_keeps_order() {
    // The handed value goes back to the front: order is kept.
    for (kind, (tx, rx)) in [
        ("bounded", gochan::bounded(4)),
        ("unbounded", gochan::unbounded()),
    ] {
        let mut r1 = spawn(rx.recv());
        assert_pending!(r1.poll());
        for i in 1..=4 {
            tx.try_send(i).unwrap();
        }
        drop(r1);
        let got: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(got, [1, 2, 3, 4], "{kind}");
    }

    // Rendezvous: a sender waiting behind the handed value comes after it.
    let (tx, rx) = gochan::rendezvous();
    let mut r1 = spawn(rx.recv());
    assert_pending!(r1.poll());
    tx.try_send(1).unwrap();
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s2.poll());
    drop(r1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_ready_eq!(s2.poll(), Ok(()));
}

#[test]
fn recv_dropped_after_handoff_and_close() {
    // A value handed over before the close is not lost when its receiver goes.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        assert_pending!(r1.poll());
        tx.try_send(1).unwrap();
        tx.close();
        drop(r1);
        assert!(!rx.is_finished(), "{kind}");
        assert_eq!(rx.try_recv(), Ok(1), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{kind}");
        assert!(rx.is_finished(), "{kind}");
    }
}

#[test]
fn recv_chain_of_cancellations() {
    // Several receivers go away in turn: the value moves along the queue.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut recvs: Vec<_> = (0..4).map(|_| spawn(rx.recv())).collect();
        for r in &mut recvs {
            assert_pending!(r.poll());
        }
        tx.try_send(7).unwrap();
        let mut last = recvs.pop().unwrap();
        for (i, r) in recvs.into_iter().enumerate() {
            assert!(r.is_woken(), "{kind}: receiver {i}");
            drop(r);
        }
        assert!(last.is_woken(), "{kind}");
        assert_ready_eq!(last.poll(), Ok(7), "{kind}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
    }
}

#[test]
fn recv_dropped_before_handoff_leaves_nothing() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        assert_pending!(r1.poll());
        assert_eq!(rx.stats().waiting_receivers, 1, "{kind}");
        drop(r1);
        assert_eq!(rx.stats().waiting_receivers, 0, "{kind}");
        if kind == "rendezvous" {
            // Nobody is waiting any more.
            assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)), "{kind}");
        } else {
            tx.try_send(1).unwrap();
            assert_eq!(rx.try_recv(), Ok(1), "{kind}");
        }
    }
}

#[test]
fn recv_many_dropped_after_handoff_passes_value_on() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut buf = Vec::new();
        let mut many = spawn(rx.recv_many(&mut buf, 10));
        let mut r2 = spawn(rx.recv());
        assert_pending!(many.poll());
        assert_pending!(r2.poll());
        tx.try_send(1).unwrap();
        drop(many);
        assert!(buf.is_empty(), "{kind}: nothing moved into the buffer");
        assert!(r2.is_woken(), "{kind}");
        assert_ready_eq!(r2.poll(), Ok(1), "{kind}");
    }
}

#[test]
fn send_dropped_leaves_nothing() {
    // Bounded: a waiting send dropped before it completes puts nothing in.
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(1).unwrap();
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_eq!(rx.stats().waiting_senders, 1);
    drop(send);
    assert_eq!(rx.stats().waiting_senders, 0);
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx.stats().sent, 1);

    // The room freed is not taken by the dropped send.
    tx.try_send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));

    // Rendezvous: nothing for a receiver to take.
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    drop(send);
    assert_eq!(rx.stats().waiting_senders, 0);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(!recv.is_woken());

    // A dropped send in the middle of the queue: the next one moves up.
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    let mut s3 = spawn(tx.send(3));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_pending!(s3.poll());
    drop(s2);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_ready_eq!(s1.poll(), Ok(()));
    assert_ready_eq!(s3.poll(), Ok(()));
}

#[test]
fn send_cancel_returns_value_when_not_sent() {
    // Never polled.
    let (tx, rx) = gochan::bounded(1);
    let mut send = tx.send(1);
    assert_eq!(send.cancel(), Some(1));
    assert_eq!(send.cancel(), None, "only once");
    drop(send);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // Waiting on a full channel.
    tx.try_send(0).unwrap();
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_eq!(send.cancel(), Some(2));
    assert_eq!(rx.stats().waiting_senders, 0);
    drop(send);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // Waiting on a rendezvous channel.
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(3));
    assert_pending!(send.poll());
    assert_eq!(send.cancel(), Some(3));
    drop(send);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // Woken by a close but not polled since: the value is still ours.
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(4));
    assert_pending!(send.poll());
    rx.close();
    assert!(send.is_woken());
    assert_eq!(send.cancel(), Some(4));
}

#[test]
fn send_cancel_none_after_sent() {
    // Completed.
    let (tx, rx) = gochan::bounded(1);
    let mut send = spawn(tx.send(1));
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(send.cancel(), None);
    drop(send);
    assert_eq!(rx.try_recv(), Ok(1));

    // Moved into the buffer while waiting, before it was polled again.
    tx.try_send(2).unwrap();
    let mut send = spawn(tx.send(3));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(send.cancel(), None, "the value is in the channel");
    drop(send);
    assert_eq!(rx.try_recv(), Ok(3));

    // Rendezvous: taken by a receiver while waiting.
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(4));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(send.cancel(), None);

    // Rendezvous: handed to a waiting receiver.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    let mut send = spawn(tx.send(5));
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(send.cancel(), None);
    drop(send);
    assert_ready_eq!(recv.poll(), Ok(5));
}

#[tokio::test(start_paused = true)]
async fn send_cancel_after_lost_select() {
    let (tx, rx) = gochan::bounded(1);
    tx.send(String::from("first")).await.unwrap();
    let mut send = tx.send(String::from("second"));
    tokio::select! {
        _ = &mut send => panic!("the channel is full"),
        _ = tokio::time::sleep(Duration::from_millis(10)) => {}
    }
    assert_eq!(send.cancel().as_deref(), Some("second"));
    drop(send);
    assert_eq!(rx.try_recv().as_deref(), Ok("first"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[tokio::test(start_paused = true)]
async fn recv_cancel_safe_in_select() {
    // A recv that loses a select every time never loses a value.
    let (tx, rx) = gochan::unbounded();
    let producer = tokio::spawn(async move {
        for i in 0..100 {
            tx.send(i).await.unwrap();
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    });
    let mut got = Vec::new();
    let mut ticks = 0;
    loop {
        tokio::select! {
            res = rx.recv() => match res {
                Ok(v) => got.push(v),
                Err(RecvError) => break,
            },
            _ = tokio::time::sleep(Duration::from_millis(2)) => ticks += 1,
        }
    }
    producer.await.unwrap();
    assert!(ticks > 0);
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn freed_slot_wakes_exactly_next_sender() {
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    let mut s3 = spawn(tx.send(3));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_pending!(s3.poll());

    assert_eq!(rx.try_recv(), Ok(0));
    assert!(s1.is_woken());
    assert!(!s2.is_woken(), "the second waiting sender was woken");
    assert!(!s3.is_woken());
    assert_ready_eq!(s1.poll(), Ok(()));

    assert_ready_eq!(spawn(rx.recv()).poll(), Ok(1));
    assert!(s2.is_woken());
    assert!(!s3.is_woken());

    // Rendezvous: taking one sender's value wakes only that sender.
    let (tx, rx) = gochan::rendezvous();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(s1.is_woken());
    assert!(!s2.is_woken());
}

#[test]
fn value_wakes_exactly_next_receiver() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut r1 = spawn(rx.recv());
        let mut r2 = spawn(rx.recv());
        assert_pending!(r1.poll());
        assert_pending!(r2.poll());
        tx.try_send(1).unwrap();
        assert!(r1.is_woken(), "{kind}");
        assert!(
            !r2.is_woken(),
            "{kind}: the second waiting receiver was woken"
        );
        assert_ready_eq!(r1.poll(), Ok(1), "{kind}");
        assert_pending!(r2.poll(), "{kind}");
    }
}

#[test]
fn repolled_waiter_keeps_its_place() {
    // Polling a waiting future again (say with a new waker) does not move it
    // to the back of the queue.
    let (tx, rx) = gochan::unbounded();
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    assert_pending!(r1.poll());
    tx.try_send(1).unwrap();
    assert_ready_eq!(r1.poll(), Ok(1));

    let (tx, rx) = gochan::bounded(1);
    tx.try_send(0).unwrap();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_pending!(s1.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn close_wakes_every_waiter() {
    // Senders.
    for (kind, cap) in [("bounded", 1), ("rendezvous", 0)] {
        let (tx, rx) = gochan::bounded(cap);
        if cap > 0 {
            tx.try_send(0).unwrap();
        }
        let mut sends: Vec<_> = (1..=4).map(|i| spawn(tx.send(i))).collect();
        let mut deliver = spawn(tx.deliver(5));
        for s in &mut sends {
            assert_pending!(s.poll());
        }
        assert_pending!(deliver.poll());
        rx.close();
        for (i, s) in sends.iter_mut().enumerate() {
            assert!(s.is_woken(), "{kind}: sender {i}");
            assert_ready_eq!(s.poll(), Err(SendError(i as i32 + 1)), "{kind}");
        }
        assert!(deliver.is_woken(), "{kind}");
        assert!(assert_ready!(deliver.poll()).is_err(), "{kind}");
    }

    // Receivers, including a recv_many and closed()/join() waiters.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut recvs: Vec<_> = (0..4).map(|_| spawn(rx.recv())).collect();
        let mut buf = Vec::new();
        let mut many = spawn(rx.recv_many(&mut buf, 4));
        let mut closed = spawn(rx.closed());
        let mut join = spawn(tx.join());
        for r in &mut recvs {
            assert_pending!(r.poll());
        }
        assert_pending!(many.poll());
        assert_pending!(closed.poll());
        assert_pending!(join.poll());
        tx.close();
        for (i, r) in recvs.iter_mut().enumerate() {
            assert!(r.is_woken(), "{kind}: receiver {i}");
            assert_ready_eq!(r.poll(), Err(RecvError), "{kind}");
        }
        assert!(many.is_woken(), "{kind}");
        assert_ready_eq!(many.poll(), 0, "{kind}");
        assert!(closed.is_woken() && join.is_woken(), "{kind}");
        assert_ready!(closed.poll());
        assert_ready!(join.poll());
    }
}

#[test]
fn deliver_dropped_after_entering_leaves_value() {
    // Once the value is in the channel, dropping deliver only stops waiting
    // for the acknowledgement.
    let (tx, rx) = gochan::bounded(2);
    let mut d = spawn(tx.deliver(1));
    assert_pending!(d.poll());
    drop(d);
    assert_eq!(rx.try_recv(), Ok(1));

    // Before it entered (a full channel), nothing is left behind.
    tx.try_send(0).unwrap();
    tx.try_send(0).unwrap();
    let mut d = spawn(tx.deliver(2));
    assert_pending!(d.poll());
    assert_eq!(rx.stats().waiting_senders, 1);
    drop(d);
    assert_eq!(rx.stats().waiting_senders, 0);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[tokio::test(start_paused = true)]
async fn timeouts_leave_nothing_behind() {
    let (tx, rx) = gochan::rendezvous::<i32>();
    for _ in 0..10 {
        assert!(rx.recv_timeout(Duration::from_millis(1)).await.is_err());
        assert!(tx.send_timeout(1, Duration::from_millis(1)).await.is_err());
    }
    let s = rx.stats();
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    assert_eq!((s.sent, s.received), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelled_receivers_lose_nothing_under_contention() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const PER: usize = 2_000;
    for (kind, (tx, rx)) in kinds::<usize>() {
        let seen: Arc<Vec<AtomicUsize>> =
            Arc::new((0..PRODUCERS * PER).map(|_| AtomicUsize::new(0)).collect());
        let mut tasks = Vec::new();
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..PER {
                    // A send that loses the race hands its value back; retry it.
                    let mut v = p * PER + i;
                    loop {
                        let mut send = tx.send(v);
                        tokio::select! {
                            res = &mut send => { res.unwrap(); break; }
                            _ = tokio::task::yield_now() => {
                                match send.cancel() {
                                    Some(back) => v = back,
                                    None => break, // it was sent after all
                                }
                            }
                        }
                    }
                }
                0
            }));
        }
        drop(tx);
        for _ in 0..CONSUMERS {
            let rx = rx.clone();
            let seen = seen.clone();
            tasks.push(tokio::spawn(async move {
                let mut n = 0;
                loop {
                    tokio::select! {
                        res = rx.recv() => match res {
                            Ok(v) => {
                                seen[v].fetch_add(1, Ordering::Relaxed);
                                n += 1;
                            }
                            Err(RecvError) => break,
                        },
                        _ = tokio::task::yield_now() => {}
                    }
                }
                n
            }));
        }
        drop(rx);
        let total = deadline(kind, async {
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            total
        })
        .await;
        assert_eq!(total, PRODUCERS * PER, "{kind}");
        assert!(
            seen.iter().all(|c| c.load(Ordering::Relaxed) == 1),
            "{kind}: a value was lost or received twice"
        );
    }
}

/// A waiting send is completed by its counterpart, as in Go: from that moment
/// the value is sent, even if the future is dropped before it is polled
/// again. The value is then received exactly once.
#[test]
fn dropped_send_completed_by_counterpart_was_sent() {
    // bounded(1): the receiver that frees room moves the waiting value in.
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(1).unwrap();
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    drop(send); // never polled again
    assert_eq!(rx.try_recv(), Ok(2), "the dropped send had sent");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "exactly once");

    // rendezvous: the receiver takes the value straight from the sender.
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(3));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(3));
    drop(send);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "exactly once");
}

/// `cancel` is exact: `Some(v)` before a counterpart completed the wait,
/// `None` after, on both kinds.
#[test]
fn cancel_says_whether_the_waiting_send_was_completed() {
    for cap in [1, 0] {
        let (tx, rx) = gochan::bounded(cap);
        if cap == 1 {
            tx.try_send(0).unwrap();
        }
        let mut before = tx.send(5);
        assert_pending!(spawn(&mut before).poll());
        assert_eq!(before.cancel(), Some(5), "cap {cap}: not sent yet");

        let mut after = tx.send(6);
        assert_pending!(spawn(&mut after).poll());
        // bounded(1): taking 0 moves 6 in; rendezvous: takes 6 directly.
        let first = rx.try_recv();
        assert_eq!(after.cancel(), None, "cap {cap}: completed by the receiver");
        if cap == 1 {
            assert_eq!(first, Ok(0));
            assert_eq!(rx.try_recv(), Ok(6));
        } else {
            assert_eq!(first, Ok(6));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "cap {cap}");
    }
}
