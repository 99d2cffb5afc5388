//! `Receiver` as a `tokio_stream::Stream`: it yields until the channel is closed
//! and drained, keeps FIFO order, serves many consumers, and is as cancel safe
//! as `recv`.

mod common;

use std::time::Duration;

use common::{deadline, kinds};
use gochan::{RecvError, TryRecvError};
use tokio_stream::{Stream, StreamExt};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[tokio::test]
async fn collect_until_closed_and_drained() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let producer = tokio::spawn(async move {
            for i in 0..20 {
                tx.send(i).await.unwrap();
            }
        });
        let got: Vec<i32> = deadline("rx.collect()", rx.collect()).await;
        assert_eq!(got, (0..20).collect::<Vec<_>>(), "{kind}");
        producer.await.unwrap();
    }
}

#[test]
fn ends_only_when_closed_and_drained() {
    let (tx, rx) = gochan::bounded(4);
    let mut stream = spawn(rx);
    // Open and empty: pending, not ended.
    assert_pending!(stream.poll_next());
    tx.try_send(1).unwrap();
    assert!(stream.is_woken());
    assert_ready_eq!(stream.poll_next(), Some(1));

    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    tx.close();
    // Closed, not drained: keeps yielding.
    assert_ready_eq!(stream.poll_next(), Some(2));
    assert_ready_eq!(stream.poll_next(), Some(3));
    assert_ready_eq!(stream.poll_next(), None);
    // Stays ended.
    assert_ready_eq!(stream.poll_next(), None);
    assert!(tx.is_finished());
}

#[test]
fn waiting_stream_wakes_on_close() {
    for (kind, (tx, rx)) in kinds::<i32>() {
        let mut stream = spawn(rx);
        assert_pending!(stream.poll_next(), "{kind}");
        drop(tx);
        assert!(stream.is_woken(), "{kind}");
        assert_ready_eq!(stream.poll_next(), None, "{kind}");
    }
}

#[test]
fn rendezvous_stream_takes_from_waiting_sender() {
    let (tx, rx) = gochan::rendezvous();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    let mut stream = spawn(rx);
    assert_ready_eq!(stream.poll_next(), Some(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));

    // A waiting stream holds a place in line like `recv`: a rendezvous
    // `try_send` finds it and hands the value over.
    assert_pending!(stream.poll_next());
    assert_eq!(tx.try_send(2), Ok(()));
    assert!(stream.is_woken());
    assert_ready_eq!(stream.poll_next(), Some(2));
    let mut send = spawn(tx.send(3));
    assert_pending!(send.poll());
    assert_ready_eq!(stream.poll_next(), Some(3));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
}

#[test]
fn streams_and_recv_are_served_in_arrival_order() {
    // recv futures and a stream waiting on one channel are handed values in
    // the order they started waiting, whichever kind they are.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let rx2 = rx.clone();
        let mut r1 = spawn(rx2.recv());
        assert_pending!(r1.poll(), "{kind}");
        let mut stream = spawn(rx);
        assert_pending!(stream.poll_next(), "{kind}");
        let mut r3 = spawn(rx2.recv());
        assert_pending!(r3.poll(), "{kind}");

        for v in 1..=3 {
            tx.try_send(v).unwrap(); // each to a waiting receiver, in order
        }
        assert!(
            r1.is_woken() && stream.is_woken() && r3.is_woken(),
            "{kind}"
        );
        assert_ready_eq!(r3.poll(), Ok(3), "{kind}");
        assert_ready_eq!(stream.poll_next(), Some(2), "{kind}");
        assert_ready_eq!(r1.poll(), Ok(1), "{kind}");
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty), "{kind}");
    }
}

#[test]
fn five_stream_consumers_take_turns() {
    // Trio's multiple-consumer test, and the seeds' `async for` worker pool:
    // five tasks consume one bounded(1) channel as streams while ten values
    // are sent one after another. Each waiting stream is handed a value in
    // turn, so every consumer gets some (before, one got none).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = gochan::bounded(1);
        let consumers: Vec<_> = (0..5)
            .map(|_| {
                let mut rx = rx.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Some(v) = rx.next().await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        drop(rx);
        tokio::task::yield_now().await; // every consumer waits in line
        for i in 0..10 {
            deadline("tx.send", tx.send(i)).await.unwrap();
        }
        drop(tx);
        let mut all = Vec::new();
        for c in consumers {
            let got = deadline("a consumer", c).await.unwrap();
            assert!(!got.is_empty(), "every consumer takes its turn");
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    });
}

#[test]
fn rendezvous_try_send_finds_a_waiting_stream() {
    for _ in 0..50 {
        let (tx, rx) = gochan::rendezvous();
        let mut stream = spawn(rx);
        assert_pending!(stream.poll_next());
        assert_eq!(tx.try_send(1), Ok(()));
        assert_ready_eq!(stream.poll_next(), Some(1));
    }
}

#[test]
fn size_hint_promises_nothing() {
    // Other receivers (or close_now) may take what is buffered, so even with
    // values in the channel the stream cannot promise to yield any.
    let (tx, rx) = gochan::bounded(8);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(rx.size_hint(), (0, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_stream_consumers() {
    const N: usize = 10_000;
    let (tx, rx) = gochan::bounded(16);
    let consumers: Vec<_> = (0..4)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move { rx.collect::<Vec<usize>>().await })
        })
        .collect();
    drop(rx);
    let producer = tokio::spawn(async move {
        for i in 0..N {
            tx.send(i).await.unwrap();
        }
        // Close only once every value is taken: a value a handle holds at
        // the close goes back to the front of the channel (so that an idle
        // handle cannot keep a closed channel from finishing), and another
        // consumer may then get it after a later one.
        while tx.stats().received < N as u64 {
            tokio::task::yield_now().await;
        }
    });
    let mut all = deadline("the test body", async {
        producer.await.unwrap();
        let mut all = Vec::new();
        for c in consumers {
            let got = c.await.unwrap();
            // Each consumer sees its share in order.
            assert!(got.windows(2).all(|w| w[0] < w[1]));
            all.extend(got);
        }
        all
    })
    .await;
    all.sort_unstable();
    assert_eq!(all, (0..N).collect::<Vec<_>>());
}

#[test]
fn dropped_stream_passes_value_on() {
    // A receiver waiting as a stream was handed a value, then dropped: the
    // value goes to the next waiting receiver.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let other = rx.clone();
        let mut stream = spawn(rx);
        assert_pending!(stream.poll_next(), "{kind}");
        let mut r2 = spawn(other.recv());
        assert_pending!(r2.poll(), "{kind}");
        tx.try_send(1).unwrap();
        drop(stream);
        assert!(r2.is_woken(), "{kind}");
        assert_ready_eq!(r2.poll(), Ok(1), "{kind}");
    }

    // No other receiver waits: the value stays receivable.
    for (kind, (tx, rx)) in kinds::<i32>() {
        let other = rx.clone();
        let mut stream = spawn(rx);
        assert_pending!(stream.poll_next(), "{kind}");
        let mut send = spawn(tx.send(1));
        let first = send.poll(); // completes at once unless rendezvous
        drop(stream);
        assert_eq!(other.try_recv(), Ok(1), "{kind}");
        if first.is_pending() {
            assert_ready_eq!(send.poll(), Ok(()), "{kind}");
        }
    }
}

#[test]
fn woken_stream_finds_the_value_in_the_channel() {
    // A stream polled again after being woken gets the value: nothing lost.
    let (tx, rx) = gochan::unbounded();
    let mut stream = spawn(rx);
    assert_pending!(stream.poll_next());
    tx.try_send(1).unwrap();
    assert!(stream.is_woken());
    assert_ready_eq!(stream.poll_next(), Some(1));
}

#[tokio::test(start_paused = true)]
async fn next_in_select_loses_nothing() {
    let (tx, mut rx) = gochan::unbounded();
    let producer = tokio::spawn(async move {
        for i in 0..50 {
            tx.send(i).await.unwrap();
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    });
    let mut got = Vec::new();
    loop {
        tokio::select! {
            v = rx.next() => match v {
                Some(v) => got.push(v),
                None => break,
            },
            _ = tokio::time::sleep(Duration::from_millis(2)) => {}
        }
    }
    producer.await.unwrap();
    assert_eq!(got, (0..50).collect::<Vec<_>>());
}

/// A `next()` that was cancelled (a lost `select!`, a timeout) leaves the
/// handle's place in line with the handle: a value sent afterwards is handed
/// to it, and `recv` on the same handle gets it, then sees the close.
#[test]
fn cancelled_next_then_recv_on_same_handle() {
    let (tx, mut rx) = gochan::unbounded();
    assert_pending!(spawn(rx.next()).poll()); // polled once, then dropped
    tx.try_send(1).unwrap();
    drop(tx);
    let mut recv = spawn(rx.recv());
    assert_ready_eq!(recv.poll(), Ok(1));
    drop(recv);
    assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));
}

/// The value handed to a handle whose `next()` was dropped is that handle's:
/// another receiver does not see it, the handle's `try_recv` returns it, and
/// the handle holds no place in line afterwards.
#[test]
fn value_handed_to_a_cancelled_next_stays_with_the_handle() {
    let (tx, mut rx) = gochan::unbounded();
    let other = rx.clone();
    assert_pending!(spawn(rx.next()).poll()); // polled once, then dropped
    assert_eq!(
        rx.stats().waiting_receivers,
        1,
        "the handle keeps its place"
    );
    tx.try_send(1).unwrap();
    assert_eq!(rx.stats().waiting_receivers, 0);
    assert_eq!(other.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(rx.try_recv(), Ok(1));
    tx.try_send(2).unwrap(); // nobody waits now: buffered, for anyone
    assert_eq!(other.try_recv(), Ok(2));
    drop(tx);
    assert_ready_eq!(spawn(other.recv()).poll(), Err(RecvError));
    drop(rx);
}

/// Dropping the handle passes a value it was handed on: to the next waiting
/// receiver, or back to the front of the channel.
#[test]
fn dropped_handle_passes_on_what_its_cancelled_next_was_handed() {
    for (kind, (tx, mut rx)) in kinds::<i32>() {
        let other = rx.clone();
        assert_pending!(spawn(rx.next()).poll(), "{kind}");
        let mut waiting = spawn(other.recv());
        assert_pending!(waiting.poll(), "{kind}");
        tx.try_send(1).unwrap(); // to `rx`, which waited first
                                 // Held by a handle nobody may be polling: the receive waiting behind
                                 // it is woken to take it over if the handle does not take it first.
        assert!(waiting.is_woken(), "{kind}");
        drop(rx);
        assert!(waiting.is_woken(), "{kind}");
        assert_ready_eq!(waiting.poll(), Ok(1), "{kind}");
    }
    for (kind, (tx, mut rx)) in kinds::<i32>() {
        let other = rx.clone();
        assert_pending!(spawn(rx.next()).poll(), "{kind}");
        tx.try_send(1).unwrap();
        drop(rx);
        assert_eq!(other.try_recv(), Ok(1), "{kind}");
    }
}

/// On a rendezvous channel a handle whose `next()` was dropped still waits
/// in line, so `try_send` hands it the value.
#[test]
fn cancelled_next_rendezvous_try_send() {
    let (tx, mut rx) = gochan::rendezvous();
    assert_pending!(spawn(rx.next()).poll()); // polled once, then dropped
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.try_send(2), Err(gochan::TrySendError::Full(2)));
}

/// A `next()` dropped again and again in a `tokio::select!` loop, with
/// several consumers: every value is received exactly once, and at once.
#[tokio::test(start_paused = true)]
async fn next_dropped_in_select_loops_strands_nothing() {
    let (tx, rx) = gochan::rendezvous();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let mut rx = rx.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    tokio::select! {
                        v = rx.next() => match v {
                            Some(v) => got.push(v),
                            None => break,
                        },
                        _ = tokio::time::sleep(Duration::from_millis(1)) => {}
                    }
                }
                got
            })
        })
        .collect();
    drop(rx);
    for i in 0..200 {
        // A value is taken within one select round of being sent.
        let sent = tokio::time::timeout(Duration::from_millis(5), tx.send(i)).await;
        assert_eq!(sent, Ok(Ok(())), "value {i} was not taken at once");
    }
    drop(tx);
    let mut all = Vec::new();
    for c in consumers {
        all.extend(deadline("a consumer", c).await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (0..200).collect::<Vec<_>>());
}

/// The way users hit it: `timeout(d, rx.next())`, then `recv`.
#[tokio::test(start_paused = true)]
async fn timed_out_next_then_recv() {
    let (tx, mut rx) = gochan::unbounded();
    assert!(tokio::time::timeout(Duration::from_millis(10), rx.next())
        .await
        .is_err());
    tx.send(1).await.unwrap();
    drop(tx);
    let res = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
    assert_eq!(res, Ok(Ok(1)), "Err(Elapsed) means recv hung");
    assert_eq!(rx.recv().await, Err(RecvError));
}

#[test]
fn try_recv_after_stream_end() {
    let (tx, rx) = gochan::bounded::<i32>(1);
    drop(tx);
    let mut stream = spawn(rx);
    assert_ready_eq!(stream.poll_next(), None);
    let rx = stream.into_inner();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(assert_ready!(spawn(rx.recv()).poll()).is_err());
}

/// An idle handle never holds the channel up (issue 15): a handle whose
/// `next()` was polled once and dropped is first in line and is handed the
/// next value; a clone waiting in `recv()` meanwhile must get that value,
/// with no further send and no close, while the idle handle stays alive.
#[tokio::test(start_paused = true)]
async fn a_value_handed_to_an_idle_handle_reaches_a_clone_waiting_in_recv() {
    for (kind, (tx, mut idle)) in kinds::<i32>() {
        let waiting = idle.clone();
        assert_pending!(spawn(idle.next()).poll(), "{kind}"); // polled once, dropped
        let receiver = tokio::spawn(async move {
            let got = tokio::time::timeout(Duration::from_secs(10), waiting.recv()).await;
            (got, waiting)
        });
        tokio::task::yield_now().await; // the clone waits in recv()
        assert_eq!(tx.try_send(1), Ok(()), "{kind}: handed to the idle handle");
        let (got, waiting) = receiver.await.unwrap();
        assert_eq!(
            got,
            Ok(Ok(1)),
            "{kind}: the value sat in the idle handle while a clone waited (Err(Elapsed))"
        );
        assert_eq!(idle.try_recv(), Err(TryRecvError::Empty), "{kind}");
        assert_eq!(waiting.try_recv(), Err(TryRecvError::Empty), "{kind}");
        drop(tx);
        assert!(idle.is_finished(), "{kind}");
    }
}
