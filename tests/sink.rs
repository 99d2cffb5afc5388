//! The Tokio-ecosystem glue: `Sender::sink`/`into_sink` as a `futures` `Sink`,
//! `Receiver` as a `FusedStream` (so `futures::select!` needs no `.fuse()`),
//! the owned send (`send_owned`) and the `cancel` of the send futures.

mod common;

use std::time::Duration;

use common::deadline;
use futures::future::FusedFuture;
use futures::stream::FusedStream;
use futures::{SinkExt, StreamExt};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_eq};

#[tokio::test]
async fn forward_into_an_owned_sink_closes_with_the_last_sender() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    let forward = tokio::spawn(
        futures::stream::iter(0..100)
            .map(Ok)
            .forward(tx.into_sink()),
    );
    let got: Vec<u32> = deadline("rx.clone().collect()", rx.clone().collect()).await;
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    deadline("forward", forward).await.unwrap().unwrap();
    assert!(rx.is_finished());
}

#[tokio::test]
async fn two_forwards_close_the_channel_only_when_both_end() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let a = tokio::spawn(
        futures::stream::iter(0..50)
            .map(Ok)
            .forward(tx.clone().into_sink()),
    );
    let b = tokio::spawn(
        futures::stream::iter(100..150)
            .map(Ok)
            .forward(tx.into_sink()),
    );
    let mut got: Vec<u32> = deadline("rx.collect()", rx.collect()).await;
    got.sort_unstable();
    let want: Vec<u32> = (0..50).chain(100..150).collect();
    assert_eq!(got, want);
    deadline("the first forward", a).await.unwrap().unwrap();
    deadline("the second forward", b).await.unwrap().unwrap();
}

#[tokio::test]
async fn send_all_through_a_borrowed_sink_keeps_the_channel_open() {
    let (tx, rx) = gochan::bounded::<u32>(4);
    let mut sink = tx.sink();
    let consumer = tokio::spawn({
        let rx = rx.clone();
        async move {
            let mut got = Vec::new();
            while got.len() < 20 {
                got.push(rx.recv().await.unwrap());
            }
            got
        }
    });
    deadline(
        "sink.send_all",
        sink.send_all(&mut futures::stream::iter(0..20).map(Ok)),
    )
    .await
    .unwrap();
    deadline("sink.close()", sink.close()).await.unwrap();
    assert!(
        !tx.is_closed(),
        "a borrowed sink's close leaves the channel open"
    );
    assert_eq!(
        deadline("consumer", consumer).await.unwrap(),
        (0..20).collect::<Vec<_>>()
    );
    // A closed sink refuses values, handing them back.
    assert_eq!(sink.send(99).await.unwrap_err().into_inner(), 99);
    assert_eq!(tx.try_send(1), Ok(()), "the channel still works");
    drop(rx);
}

#[tokio::test]
async fn closed_channel_hands_the_value_back() {
    let (tx, rx) = gochan::bounded::<String>(1);
    let mut sink = tx.clone().into_sink();
    rx.close();
    let err = sink.send("lost?".to_string()).await.unwrap_err();
    assert_eq!(err.into_inner(), "lost?");
    // forward hands back the item it was holding.
    let err = futures::stream::iter(["a".to_string()])
        .map(Ok)
        .forward(tx.into_sink())
        .await
        .unwrap_err();
    assert_eq!(err.into_inner(), "a");
}

#[test]
fn poll_ready_reserves_room_and_start_send_uses_it() {
    use futures::Sink;
    use std::pin::Pin;
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut sink = tx.sink();
    let mut ready = spawn(futures::future::poll_fn(|cx| {
        Pin::new(&mut sink).poll_ready(cx)
    }));
    assert_pending!(ready.poll());
    let mut later = spawn(tx.send(7));
    assert_pending!(later.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(ready.is_woken(), "the sink waited first");
    assert!(!later.is_woken());
    assert_ready_eq!(ready.poll(), Ok(()));
    drop(ready);
    assert!(sink.has_reservation());
    assert!(
        tx.try_send(9).unwrap_err().is_full(),
        "the room is the sink's"
    );
    Pin::new(&mut sink).start_send(1).unwrap();
    assert!(!sink.has_reservation());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(later.is_woken());
    assert_ready_eq!(later.poll(), Ok(()));
}

#[test]
fn dropped_sink_gives_its_reservation_back() {
    use futures::Sink;
    use std::pin::Pin;
    let (tx, rx) = gochan::bounded::<u32>(1);
    let mut sink = tx.sink();
    let cx = &mut std::task::Context::from_waker(std::task::Waker::noop());
    assert!(Pin::new(&mut sink).poll_ready(cx).is_ready());
    assert!(tx.try_send(1).unwrap_err().is_full());
    drop(sink);
    assert_eq!(tx.try_send(1), Ok(()));
    // A sink waiting in poll_ready and dropped leaves no entry behind.
    let mut sink = tx.sink();
    assert!(Pin::new(&mut sink).poll_ready(cx).is_pending());
    assert_eq!(tx.stats().waiting_senders, 1);
    drop(sink);
    assert_eq!(tx.stats().waiting_senders, 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.try_send(2), Ok(()));
}

#[test]
fn owned_sink_close_drops_the_last_sender() {
    use futures::Sink;
    use std::pin::Pin;
    let (tx, rx) = gochan::bounded::<u32>(1);
    let mut sink = tx.into_sink();
    let cx = &mut std::task::Context::from_waker(std::task::Waker::noop());
    assert!(Pin::new(&mut sink).poll_ready(cx).is_ready());
    assert!(Pin::new(&mut sink).poll_close(cx).is_ready());
    assert!(sink.sender().is_none());
    assert!(rx.is_closed());
    assert!(rx.is_finished(), "the unused reservation went back");
}

#[tokio::test]
async fn receiver_is_a_fused_stream_for_futures_select() {
    let (tx_a, mut rx_a) = gochan::bounded::<u32>(4);
    let (tx_b, mut rx_b) = gochan::bounded::<u32>(4);
    tokio::spawn(async move {
        for i in 0..5 {
            tx_a.send(i).await.unwrap();
        }
    });
    tokio::spawn(async move {
        for i in 10..15 {
            tx_b.send(i).await.unwrap();
        }
    });
    let mut got = Vec::new();
    let mut ends = 0;
    deadline("the test body", async {
        loop {
            futures::select! {
                v = rx_a.next() => match v { Some(v) => got.push(v), None => ends += 1 },
                v = rx_b.next() => match v { Some(v) => got.push(v), None => ends += 1 },
                complete => break,
            }
        }
    })
    .await;
    assert_eq!(ends, 2, "each stream's end is seen exactly once");
    assert!(rx_a.is_terminated() && rx_b.is_terminated());
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
}

#[test]
fn is_terminated_only_after_the_stream_returned_none() {
    let (tx, mut rx) = gochan::bounded::<u32>(2);
    tx.try_send(1).unwrap();
    drop(tx);
    assert!(!rx.is_terminated());
    let mut next = spawn(rx.next());
    assert_ready_eq!(next.poll(), Some(1));
    drop(next);
    assert!(rx.is_finished());
    assert!(!rx.is_terminated(), "finished, but None not yet returned");
    assert_ready_eq!(spawn(rx.next()).poll(), None);
    assert!(rx.is_terminated());
}

#[test]
fn size_hint_is_open_ended_until_closed() {
    let (tx, rx) = gochan::bounded::<u32>(4);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(
        futures::Stream::size_hint(&rx),
        (0, None),
        "more can come while open"
    );
    let permit = tx.try_reserve().unwrap();
    tx.close();
    assert_eq!(
        futures::Stream::size_hint(&rx),
        (0, Some(3)),
        "two buffered, one promised"
    );
    permit.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(futures::Stream::size_hint(&rx), (0, Some(2)));
    let rest: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(rest, [2, 3]);
    assert_eq!(futures::Stream::size_hint(&rx), (0, Some(0)));
}

#[tokio::test]
async fn send_owned_can_be_spawned() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let tasks: Vec<_> = (0..4)
        .map(|i| tokio::spawn(tx.clone().send_owned(i)))
        .collect();
    drop(tx);
    let mut got: Vec<u32> = deadline("rx.collect()", rx.collect()).await;
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3]);
    for t in tasks {
        t.await.unwrap().unwrap();
    }
}

#[test]
fn send_owned_waits_in_line_and_cancels_exactly() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut a = spawn(tx.clone().send_owned(1));
    assert_pending!(a.poll());
    let mut b = spawn(tx.clone().send_owned(2));
    assert_pending!(b.poll());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(a.is_woken() && !b.is_woken());
    // `a` was moved into the buffer by the receive: sent, so cancel says None.
    assert_eq!(a.cancel(), None);
    assert!(a.is_terminated());
    assert_eq!(b.cancel(), Some(2), "not sent, and never will be");
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(gochan::TryRecvError::Empty));
    drop((a, b));
    assert_eq!(
        tx.sender_count(),
        1,
        "the owned futures dropped their senders"
    );
}

#[test]
fn send_future_is_fused() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let mut send = spawn(tx.send(1));
    assert!(!send.is_terminated());
    assert_ready_eq!(send.poll(), Ok(()));
    assert!(send.is_terminated());
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
#[should_panic(expected = "cancelled")]
fn send_polled_after_cancel_says_it_was_cancelled() {
    let (tx, _rx) = gochan::rendezvous::<u32>();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_eq!(send.cancel(), Some(1));
    let _ = send.poll();
}

#[test]
#[should_panic(expected = "cancelled")]
fn send_owned_polled_after_cancel_says_it_was_cancelled() {
    let (tx, _rx) = gochan::rendezvous::<u32>();
    let mut send = spawn(tx.send_owned(1));
    assert_eq!(send.cancel(), Some(1));
    let _ = send.poll();
}

#[test]
fn deliver_cancel_is_exact() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut waiting = spawn(tx.deliver(1));
    assert_pending!(waiting.poll());
    assert_eq!(waiting.cancel(), Some(1), "it never entered the channel");
    assert_eq!(tx.stats().waiting_senders, 0);
    drop(waiting);

    let mut entered = spawn(tx.deliver(2));
    assert_pending!(entered.poll());
    assert_eq!(rx.try_recv(), Ok(0)); // moves 2 into the buffer
    assert_eq!(entered.cancel(), None, "it entered the channel");
    drop(entered);
    assert_eq!(rx.try_recv(), Ok(2), "and stays there for a receiver");
}

#[test]
#[should_panic(expected = "cancelled")]
fn deliver_polled_after_cancel_says_it_was_cancelled() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let mut d = spawn(tx.deliver(1));
    assert_pending!(d.poll()); // entered; waits for the acknowledgement
    assert_eq!(d.cancel(), None);
    drop(rx);
    let _ = d.poll();
}

#[test]
fn max_capacity_is_the_buffer_size() {
    let (tx, rx) = gochan::bounded::<u32>(3);
    tx.try_send(1).unwrap();
    assert_eq!(tx.max_capacity(), 3);
    assert_eq!(rx.capacity(), Some(3), "unlike tokio's, not the free slots");
    assert_eq!(gochan::rendezvous::<u32>().0.max_capacity(), 0);
    assert_eq!(gochan::unbounded::<u32>().1.max_capacity(), usize::MAX);
}

/// A sink whose `poll_ready` lost interest (a `send_all` that lost a
/// `tokio::select!` to a timer) and that is kept: its place in line is the
/// sink's (first come, first served, as tokio-util's `PollSender`), and
/// `abort_send` gives it back, so that the room that frees goes to another
/// sender. The sink still works afterwards.
#[tokio::test(start_paused = true)]
async fn abort_send_withdraws_a_kept_sinks_place_in_line() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut sink = tx.sink();
    let mut items = futures::stream::iter([1u32, 2]).map(Ok);
    tokio::select! {
        res = sink.send_all(&mut items) => panic!("the channel is full, yet send_all ended: {res:?}"),
        _ = tokio::time::sleep(Duration::from_millis(10)) => {}
    }
    assert_eq!(tx.stats().waiting_senders, 1, "the sink waits in line");
    assert!(sink.abort_send(), "a waiting poll_ready was aborted");
    assert_eq!(
        tx.stats().waiting_senders,
        0,
        "abort_send withdrew its place"
    );
    assert!(!sink.has_reservation());
    assert_eq!(rx.recv().await, Ok(0), "frees the room");
    assert_eq!(
        tx.clone().try_send(5),
        Ok(()),
        "the room is free for anyone"
    );
    assert_eq!(rx.try_recv(), Ok(5));
    // Nothing to abort now, and the sink still sends.
    assert!(!sink.abort_send());
    deadline("sink.send", sink.send(7)).await.unwrap();
    assert_eq!(rx.try_recv(), Ok(7));
}
