//! `Sender::reserve` and `Permit`: room is promised in first-come, first-served
//! order, a permit's room goes to the next waiter when it is used or dropped,
//! and a closed channel finishes once the last permit settles.

mod common;

use std::task::Poll;
use std::time::{Duration, Instant};

use common::{by_hand, deadline, on_a_thread_within};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

#[test]
fn permit_send_never_waits() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    assert!(
        tx.try_send(9).unwrap_err().is_full(),
        "the room is promised"
    );
    permit.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn dropped_permit_wakes_exactly_the_next_sender() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    let mut first = spawn(tx.send(1));
    assert_pending!(first.poll());
    let mut second = spawn(tx.send(2));
    assert_pending!(second.poll());
    drop(permit);
    assert!(first.is_woken());
    assert!(!second.is_woken());
    assert_ready_eq!(first.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn permit_handed_to_a_receiver_passes_its_room_on() {
    // The permit's value goes straight to a waiting receiver, so the room it
    // held is free again: the next waiting reserve gets it, not a later
    // try_send.
    let (tx, rx) = gochan::bounded::<u32>(1);
    let p1 = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    let mut b = spawn(tx.reserve());
    assert_pending!(b.poll());
    p1.send(1).unwrap();
    assert_ready_eq!(r.poll(), Ok(1));
    assert!(b.is_woken());
    let p2 = assert_ready!(b.poll()).unwrap();
    assert!(
        tx.try_send(2).unwrap_err().is_full(),
        "no barging past the reserve"
    );
    p2.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn reserve_waits_behind_earlier_senders() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    let mut reserve = spawn(tx.reserve());
    assert_pending!(reserve.poll());
    assert_eq!(rx.try_recv(), Ok(0)); // room: to the sender, who came first
    assert!(send.is_woken());
    assert!(!reserve.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1)); // room again: now the reserve
    assert!(reserve.is_woken());
    assert!(assert_ready!(reserve.poll()).is_ok());
}

#[test]
fn reserve_on_closed_channel_fails() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.close();
    assert!(assert_ready!(spawn(tx.reserve()).poll()).is_err());
    // A waiting reserve fails when the channel closes.
    let (tx, rx2) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut reserve = spawn(tx.reserve());
    assert_pending!(reserve.poll());
    rx2.close();
    assert!(reserve.is_woken());
    assert!(assert_ready!(reserve.poll()).is_err());
    drop(rx);
}

#[test]
fn permit_taken_before_close_still_delivers() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    tx.close();
    let mut join = spawn(rx.join());
    assert_pending!(join.poll(), "a permit may still send: not finished");
    permit.send(7).unwrap();
    assert_eq!(rx.try_recv(), Ok(7));
    assert!(join.is_woken());
    assert_ready!(join.poll());
}

#[test]
fn permit_sent_after_receivers_gone_finishes_the_channel() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    drop(rx);
    let mut join = spawn(tx.join());
    assert_pending!(join.poll());
    // Nobody can receive it: the value comes back.
    assert_eq!(permit.send(1).unwrap_err().into_inner(), 1);
    assert!(tx.is_finished());
    assert!(join.is_woken(), "join must be woken once finished");
    assert_ready!(join.poll());
}

#[test]
fn dropped_reserve_holds_no_room() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut reserve = spawn(tx.reserve());
    assert_pending!(reserve.poll());
    drop(reserve);
    assert_eq!(rx.stats().waiting_senders, 0);
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(tx.try_send(1), Ok(()));
}

#[test]
fn rendezvous_reserve_waits_for_a_receiver() {
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut reserve = spawn(tx.reserve());
    assert_pending!(reserve.poll());
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    assert!(reserve.is_woken());
    let permit = assert_ready!(reserve.poll()).unwrap();
    permit.send(4).unwrap();
    assert_ready_eq!(r.poll(), Ok(4));
}

#[test]
fn rendezvous_released_permit_goes_to_the_next_reserve() {
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    let pa = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    let mut b = spawn(tx.reserve());
    assert_pending!(b.poll());
    drop(pa);
    assert!(
        b.is_woken(),
        "a receiver still waits: the next reserve gets it"
    );
    let pb = assert_ready!(b.poll()).unwrap();
    pb.send(2).unwrap();
    assert_ready_eq!(r.poll(), Ok(2));
}

#[test]
fn released_rendezvous_reserve_strands_no_sender() {
    // A waiting reserve, then a waiting sender, then a receiver: one line of
    // senders, so the receiver does not pass the reservation (it grants it
    // and waits for the permit's value). The reservation is then given back
    // unused: the sender behind it pairs with the receiver, nobody is left
    // parked beside a partner.
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut a = spawn(tx.reserve());
    assert_pending!(a.poll());
    let mut s = spawn(tx.send(5));
    assert_pending!(s.poll());
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll(), "the reservation waited first");
    assert!(a.is_woken(), "the receiver grants the reservation");
    assert!(!s.is_woken());
    drop(a); // granted, given back unused
    assert!(s.is_woken() && r.is_woken());
    assert_ready_eq!(r.poll(), Ok(5));
    assert_ready_eq!(s.poll(), Ok(()));
    assert_eq!(rx.stats().waiting_senders, 0);
    assert_eq!(rx.stats().waiting_receivers, 0);
}

#[test]
fn granted_then_dropped_rendezvous_reserve_strands_nobody() {
    // A reserve granted for a waiting receiver, then a send, then the permit
    // dropped unused: the receiver still gets the value.
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    let mut s = spawn(tx.send(7));
    // The one waiting receiver is promised to the permit: the send waits
    // behind it.
    assert_pending!(s.poll());
    drop(permit);
    assert!(r.is_woken() && s.is_woken());
    assert_ready_eq!(r.poll(), Ok(7));
    assert_ready_eq!(s.poll(), Ok(()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reserving_producers_never_deadlock() {
    for cap in [0usize, 1, 4] {
        for _ in 0..50 {
            let (tx, rx) = gochan::bounded::<u32>(cap);
            let producers: Vec<_> = (0..3)
                .map(|p| {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for i in 0..200 {
                            tx.reserve().await.unwrap().send(p * 1000 + i).unwrap();
                        }
                    })
                })
                .collect();
            drop(tx);
            let consumer = tokio::spawn(async move {
                let mut got = Vec::new();
                while let Ok(v) = rx.recv().await {
                    got.push(v);
                }
                got
            });
            let got = deadline(&format!("bounded({cap})"), async {
                for p in producers {
                    p.await.unwrap();
                }
                consumer.await.unwrap()
            })
            .await;
            let mut got = got;
            got.sort_unstable();
            let mut want: Vec<u32> = (0..3)
                .flat_map(|p| (0..200).map(move |i| p * 1000 + i))
                .collect();
            want.sort_unstable();
            assert_eq!(got, want, "bounded({cap})");
        }
    }
}

#[test]
fn close_now_revokes_outstanding_permits() {
    // An immediate close with a permit outstanding: a waiting receiver sees
    // `Closed` at once, the channel is finished, and the permit's value comes
    // back from `send` instead of arriving after `Closed` was reported.
    for cap in [0, 1, 4] {
        let (tx, rx) = gochan::bounded::<u32>(cap);
        let rx2 = rx.clone();
        let mut waiting = spawn(rx2.recv());
        assert_pending!(waiting.poll(), "cap {cap}");
        // On a rendezvous channel the waiting receiver is the permit's room.
        let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
        let mut join = spawn(tx.join());
        assert_pending!(join.poll());
        assert!(rx.close_now().is_empty());
        assert!(
            waiting.is_woken(),
            "cap {cap}: the waiting receiver is told at once"
        );
        assert_eq!(
            assert_ready!(waiting.poll()),
            Err(gochan::RecvError),
            "cap {cap}"
        );
        assert!(rx.is_finished(), "cap {cap}");
        assert!(join.is_woken());
        assert_ready!(join.poll());
        assert_eq!(permit.send(7).unwrap_err().into_inner(), 7, "cap {cap}");
        assert!(
            rx.is_finished(),
            "cap {cap}: nothing arrived after the close"
        );
        assert_eq!(rx.try_recv(), Err(gochan::TryRecvError::Closed));
    }
}

#[test]
fn close_now_revoked_permit_dropped_unused() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    let p1 = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    tx.try_send(1).unwrap();
    assert_eq!(rx.close_now(), [1]);
    drop(p1); // gives nothing back: the room was already taken back
    assert!(rx.is_finished());
    assert_eq!(rx.stats().buffered, 0);
}

#[test]
fn graceful_close_keeps_permits() {
    // `close` (not `close_now`) leaves permits valid: the value is drained.
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    assert!(rx.close());
    permit.send(3).unwrap();
    assert_eq!(rx.try_recv(), Ok(3));
    assert!(rx.is_finished());
}

/// `len` and `is_full` count the same thing, the buffer: room promised to
/// a permit is in neither, though `try_send` respects it.
#[test]
fn is_full_and_len_agree_with_a_permit_outstanding() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    assert_eq!(rx.len(), 0);
    assert!(rx.is_empty());
    assert!(!rx.is_full(), "is_full is the buffer alone, like len");
    assert!(
        tx.try_send(1).unwrap_err().is_full(),
        "but the room is promised"
    );
    permit.send(2).unwrap();
    assert_eq!(rx.len(), 1);
    assert!(rx.is_full());

    // A rendezvous channel can buffer a value a permit sent with nobody
    // waiting any more: not empty, despite holding no buffer of its own.
    let (tx, rx) = gochan::rendezvous::<u32>();
    let rx2 = rx.clone();
    let mut waiting = spawn(rx2.recv());
    assert_pending!(waiting.poll());
    let permit = assert_ready!(spawn(tx.reserve()).poll()).unwrap();
    drop(waiting); // the receiver the permit counted on goes away
    permit.send(3).unwrap();
    assert_eq!(rx.len(), 1);
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(3));
}

// ----- try_reserve, reserve_owned, try_reserve_owned, reserve_many -----

#[test]
fn try_reserve_takes_room_or_says_why_not() {
    use gochan::TrySendError;
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = tx.try_reserve().unwrap();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    assert!(
        tx.try_send(9).unwrap_err().is_full(),
        "the room is promised"
    );
    drop(permit);
    assert_eq!(
        tx.try_send(1),
        Ok(()),
        "a dropped permit gives the room back"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    rx.close();
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Closed(()));
}

#[test]
fn try_reserve_does_not_barge_past_waiting_senders() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(0)); // the room goes to the waiting send
    assert!(tx.try_reserve().unwrap_err().is_full());
    assert_ready_eq!(send.poll(), Ok(()));
}

#[test]
fn try_reserve_on_rendezvous_needs_a_waiting_receiver() {
    let (tx, rx) = gochan::rendezvous::<u32>();
    assert!(tx.try_reserve().unwrap_err().is_full());
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    let permit = tx.try_reserve().unwrap();
    assert!(
        tx.try_reserve().unwrap_err().is_full(),
        "one receiver, one permit"
    );
    permit.send(3).unwrap();
    assert!(r.is_woken());
    assert_ready_eq!(r.poll(), Ok(3));
}

#[test]
fn reserve_owned_waits_in_line_with_plain_sends() {
    // A full channel; a send, then a reserve_owned, then another send wait.
    // Each freed slot goes to exactly the longest waiter.
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut first = spawn(tx.send(1));
    assert_pending!(first.poll());
    let mut owned = spawn(tx.clone().reserve_owned());
    assert_pending!(owned.poll());
    let mut last = spawn(tx.send(3));
    assert_pending!(last.poll());

    assert_eq!(rx.try_recv(), Ok(0));
    assert!(first.is_woken());
    assert!(!owned.is_woken());
    assert!(!last.is_woken());
    assert_ready_eq!(first.poll(), Ok(()));

    assert_eq!(rx.try_recv(), Ok(1));
    assert!(owned.is_woken(), "room freed: the reserve_owned is next");
    assert!(!last.is_woken());
    let permit = assert_ready!(owned.poll()).unwrap();
    assert!(
        tx.try_send(9).unwrap_err().is_full(),
        "the room is the permit's"
    );
    let tx2 = permit.send(2).unwrap();
    assert!(tx2.same_channel(&tx), "send gives the sender back");

    assert_eq!(rx.try_recv(), Ok(2));
    assert!(last.is_woken());
    assert_ready_eq!(last.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn dropped_owned_permit_gives_room_to_the_next_waiter() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.clone().reserve_owned()).poll()).unwrap();
    let mut next = spawn(tx.reserve_owned());
    assert_pending!(next.poll());
    let mut after = spawn(rx.recv());
    assert_pending!(after.poll());
    drop(permit);
    assert!(next.is_woken());
    let next = assert_ready!(next.poll()).unwrap();
    assert!(!after.is_woken(), "nothing was sent");
    next.send(5).unwrap();
    assert!(after.is_woken());
    assert_ready_eq!(after.poll(), Ok(5));
}

#[test]
fn released_owned_permit_returns_the_sender_and_the_room() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve_owned()).poll()).unwrap();
    let mut waiting = spawn(rx.recv());
    assert_pending!(waiting.poll());
    let tx = permit.release();
    assert!(!waiting.is_woken());
    assert_eq!(tx.try_send(4), Ok(()));
    assert_ready_eq!(waiting.poll(), Ok(4));
}

#[test]
fn dropped_owned_permit_of_the_last_sender_closes_and_finishes() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = assert_ready!(spawn(tx.reserve_owned()).poll()).unwrap();
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    drop(permit); // the room, then the last sender
    assert!(r.is_woken());
    assert_ready_eq!(r.poll(), Err(gochan::RecvError));
    assert!(rx.is_finished());
}

#[test]
fn dropped_reserve_owned_passes_granted_room_on() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let mut a = spawn(tx.clone().reserve_owned());
    assert_pending!(a.poll());
    let mut b = spawn(tx.send(1));
    assert_pending!(b.poll());
    assert_eq!(rx.try_recv(), Ok(0)); // granted to `a`, not yet polled
    assert!(a.is_woken());
    drop(a);
    assert!(
        b.is_woken(),
        "the room granted to the dropped reserve moves on"
    );
    assert_ready_eq!(b.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn reserve_owned_on_closed_channel_fails() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    tx.try_send(0).unwrap();
    let keep = tx.clone();
    let mut waiting = spawn(tx.clone().reserve_owned());
    assert_pending!(waiting.poll());
    rx.close();
    assert!(waiting.is_woken());
    assert_eq!(
        assert_ready!(waiting.poll()).unwrap_err(),
        gochan::SendError(())
    );
    assert!(assert_ready!(spawn(tx.reserve_owned()).poll()).is_err());
    assert_eq!(
        keep.sender_count(),
        1,
        "the failed reserves dropped their senders"
    );
}

#[test]
fn try_reserve_owned_gives_the_sender_back() {
    use gochan::TrySendError;
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = tx.clone().try_reserve_owned().unwrap();
    let tx = match tx.try_reserve_owned() {
        Err(TrySendError::Full(tx)) => tx,
        other => panic!("expected Full, got {:?}", other.map(|_| ())),
    };
    permit.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    rx.close();
    match tx.try_reserve_owned() {
        Err(TrySendError::Closed(tx)) => assert!(tx.is_closed()),
        other => panic!("expected Closed, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn owned_permit_moves_to_another_task() {
    let (tx, rx) = gochan::bounded::<String>(1);
    let permit = tx.clone().reserve_owned().await.unwrap();
    assert!(tx.try_send("barging".into()).unwrap_err().is_full());
    let task = tokio::spawn(async move {
        tokio::task::yield_now().await;
        permit.send("from the task".to_string())
    });
    let sent_by = deadline("owned_permit_moves_to_another_task", task)
        .await
        .unwrap()
        .unwrap();
    assert!(sent_by.same_channel(&tx));
    assert_eq!(rx.recv().await.as_deref(), Ok("from the task"));
}

#[test]
fn owned_permit_send_after_close_now_hands_the_value_back() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let permit = tx.clone().try_reserve_owned().unwrap();
    assert!(rx.close_now().is_empty());
    assert_eq!(permit.send(8).unwrap_err().into_inner(), 8);
    assert!(tx.is_finished());
}

#[test]
fn reserve_many_takes_all_or_waits_first_come_first_served() {
    let (tx, rx) = gochan::bounded::<u32>(3);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    // One slot free: it is taken at once, two more are waited for.
    let mut many = spawn(tx.reserve_many(3));
    assert_pending!(many.poll());
    assert_eq!(tx.stats().waiting_senders, 1, "one place for the batch");
    let mut later = spawn(tx.send(9));
    assert_pending!(later.poll());

    assert_eq!(rx.try_recv(), Ok(0));
    assert!(!many.is_woken(), "not until it holds every slot");
    assert_pending!(many.poll(), "one slot still missing");
    assert!(
        !later.is_woken(),
        "the later send waits behind the whole batch"
    );
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(!later.is_woken());
    assert!(many.is_woken());
    let mut permits = assert_ready!(many.poll()).unwrap();
    assert_eq!(permits.len(), 3);
    for v in 10..13 {
        permits.next().unwrap().send(v).unwrap();
    }
    assert!(permits.next().is_none());
    assert_eq!(rx.try_recv(), Ok(10));
    assert!(later.is_woken());
    assert_ready_eq!(later.poll(), Ok(()));
    let rest: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(rest, [11, 12, 9]);
}

#[test]
fn reserve_many_zero_and_too_many() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    let none = assert_ready!(spawn(tx.reserve_many(0)).poll()).unwrap();
    assert_eq!(none.len(), 0);
    drop(none);
    assert!(
        assert_ready!(spawn(tx.reserve_many(3)).poll()).is_err(),
        "more than the capacity can never be granted"
    );
    assert!(tx.try_reserve_many(3).unwrap_err().is_full());
    assert_eq!(tx.try_send(1), Ok(()), "the refused calls took nothing");
    rx.close();
    assert!(assert_ready!(spawn(tx.reserve_many(0)).poll()).is_err());
    assert!(tx.try_reserve_many(0).unwrap_err().is_closed());
}

#[test]
fn reserve_many_on_unbounded_is_immediate() {
    let (tx, rx) = gochan::unbounded::<u32>();
    let permits = assert_ready!(spawn(tx.reserve_many(1000)).poll()).unwrap();
    assert_eq!(permits.len(), 1000);
    for (i, p) in permits.enumerate() {
        p.send(i as u32).unwrap();
    }
    assert_eq!(rx.len(), 1000);
}

#[test]
fn dropped_permit_iterator_gives_back_what_was_not_taken() {
    let (tx, rx) = gochan::bounded::<u32>(3);
    let mut permits = tx.try_reserve_many(3).unwrap();
    let mut waiting = spawn(tx.send(7));
    assert_pending!(waiting.poll());
    permits.next().unwrap().send(1).unwrap();
    let one = permits.next().unwrap();
    assert_eq!(permits.len(), 1);
    drop(permits); // one slot back: to the waiting send
    assert!(waiting.is_woken());
    assert_ready_eq!(waiting.poll(), Ok(()));
    drop(one); // and one more free slot
    assert_eq!(tx.try_send(8), Ok(()));
    let got: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(got, [1, 7, 8]);
}

#[test]
fn dropped_reserve_many_gives_its_partial_grant_back() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    tx.try_send(0).unwrap();
    let mut many = spawn(tx.reserve_many(2)); // one now, one waited for
    assert_pending!(many.poll());
    let mut later = spawn(tx.send(5));
    assert_pending!(later.poll());
    drop(many);
    assert!(later.is_woken(), "the slot the batch held moves on");
    assert_ready_eq!(later.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(tx.stats().waiting_senders, 0);
    assert_eq!(tx.try_reserve_many(2).unwrap().len(), 2, "nothing leaked");
}

#[test]
fn reserve_many_fails_on_close_and_gives_its_grant_back() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    tx.try_send(0).unwrap();
    let mut many = spawn(tx.reserve_many(2));
    assert_pending!(many.poll());
    let mut join = spawn(rx.join());
    assert_pending!(join.poll());
    tx.close();
    assert!(many.is_woken());
    assert!(assert_ready!(many.poll()).is_err());
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(rx.is_finished(), "the slot the batch held is released");
    assert!(join.is_woken());
    assert_ready!(join.poll());
}

#[test]
fn rendezvous_reserve_many_waits_for_as_many_receivers() {
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut many = spawn(tx.reserve_many(2));
    assert_pending!(many.poll());
    let mut r1 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert!(!many.is_woken(), "one receiver is not two");
    assert_pending!(many.poll(), "one receiver: one of two hand-offs");
    let mut r2 = spawn(rx.recv());
    assert_pending!(r2.poll());
    assert!(many.is_woken());
    let permits = assert_ready!(many.poll()).unwrap();
    for (p, v) in permits.zip([1, 2]) {
        p.send(v).unwrap();
    }
    assert_ready_eq!(r1.poll(), Ok(1));
    assert_ready_eq!(r2.poll(), Ok(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reserve_many_producers_lose_nothing() {
    for cap in [0usize, 1, 3, 8] {
        let (tx, rx) = gochan::bounded::<u32>(cap);
        let batch = if cap == 0 { 1 } else { cap.min(3) };
        let producers: Vec<_> = (0..3u32)
            .map(|p| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut i = 0;
                    while i < 300 {
                        let permits = tx.reserve_many(batch).await.unwrap();
                        for permit in permits {
                            permit.send(p * 1000 + i).unwrap();
                            i += 1;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let consumer = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Ok(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        let mut got = deadline(&format!("bounded({cap})"), async {
            for p in producers {
                p.await.unwrap();
            }
            consumer.await.unwrap()
        })
        .await;
        got.sort_unstable();
        let mut want: Vec<u32> = (0..3)
            .flat_map(|p| (0..300).map(move |i| p * 1000 + i))
            .collect();
        want.sort_unstable();
        assert_eq!(got, want, "bounded({cap})");
    }
}

// ----- Order and room behind waiting reservations (issues 15 and 16) -----

/// One FIFO line of senders, reserving and plain alike: a `send` that started
/// waiting behind a `reserve_many` completes after the batch, so its value is
/// received after the permits' values, even by a receiver that waits while
/// the granted room is still unused (no receive takes a value straight from
/// a sender that waits behind a reservation).
#[test]
fn a_send_waiting_behind_a_reserve_many_lands_after_the_batch() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let mut many = by_hand(tx.reserve_many(2));
    assert_pending!(many.poll(), "the channel is full");
    let mut later = by_hand(tx.send(20));
    assert_pending!(later.poll(), "behind the reservation");

    // An eager consumer: each round it first takes all it can, then the
    // reservation and the later send get their turn. Taking 0 and 1 grants
    // both slots to the reservation.
    let mut got = Vec::new();
    let mut recv = by_hand(rx.recv());
    let mut permits = None;
    let mut later_done = false;
    for _ in 0..8 {
        while let Poll::Ready(res) = recv.poll() {
            got.push(res.expect("the channel is open"));
            recv = by_hand(rx.recv());
        }
        if permits.is_none() {
            if let Poll::Ready(res) = many.poll() {
                let mut p = res.expect("the channel is open");
                for v in [10, 11] {
                    p.next().expect("two permits").send(v).unwrap();
                }
                permits = Some(p);
            }
        }
        if !later_done {
            later_done = later.poll().is_ready();
        }
        if got.len() == 5 && later_done {
            break;
        }
    }
    assert_eq!(
        got,
        [0, 1, 10, 11, 20],
        "the later send went ahead of the reservation it waited behind"
    );
    assert!(later_done);
    drop(recv);
    assert_eq!(tx.stats().waiting_senders, 0);
}

/// On a rendezvous channel a permit is a hand-off to a receiver waiting at
/// that moment: `reserve_many(2)` waits until two receivers wait at the same
/// time. One that waited and left grants nothing.
#[test]
fn rendezvous_reserve_many_needs_as_many_receivers_waiting_at_once() {
    let (tx, rx) = gochan::rendezvous::<u32>();
    let mut many = by_hand(tx.reserve_many(2));
    assert_pending!(many.poll());
    let mut first = by_hand(rx.recv());
    assert_pending!(first.poll());
    assert_pending!(many.poll(), "one receiver waits: one of two hand-offs");
    drop(first); // it waited, and left
    let mut second = by_hand(rx.recv());
    assert_pending!(second.poll());
    assert_pending!(
        many.poll(),
        "only one receiver waits now: two hand-offs cannot be promised"
    );
    let mut third = by_hand(rx.recv());
    assert_pending!(third.poll());
    let permits = assert_ready!(many.poll()).expect("two receivers wait now");
    assert_eq!(permits.len(), 2);
    for (p, v) in permits.zip([1, 2]) {
        p.send(v).unwrap();
    }
    assert_ready_eq!(second.poll(), Ok(1));
    assert_ready_eq!(third.poll(), Ok(2));
    assert_eq!(rx.len(), 0, "no value was left sitting in the channel");
    assert_eq!(tx.stats().waiting_senders, 0);
}

/// Permits are given back as a count: dropping a `PermitIterator` costs the
/// same whatever its size. 2^40 unused permits on an unbounded channel are
/// given back at once (one at a time, that is hours under the lock).
#[test]
fn a_huge_permit_iterator_is_given_back_in_constant_time() {
    on_a_thread_within("dropping 2^40 permits", Duration::from_secs(5), || {
        let (tx, rx) = gochan::unbounded::<u32>();
        let mut permits = tx
            .try_reserve_many(1 << 40)
            .expect("unbounded: room for all");
        assert_eq!(permits.len(), 1 << 40);
        permits.next().unwrap().send(1).unwrap();
        drop(permits);
        assert_eq!(tx.try_send(2), Ok(()), "the channel still works");
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(tx.stats().waiting_senders, 0);
    });
}

/// `reserve_many(usize::MAX)` on an unbounded channel either works (and its
/// permits are given back at once) or is refused with an error; either way it
/// returns promptly, and the channel still works afterwards. (Today dropping
/// its permits never returns, and blocks a runtime worker so that not even a
/// timeout fires: hence the plain thread.)
#[test]
fn unbounded_reserve_many_of_usize_max_works_or_is_refused_promptly() {
    on_a_thread_within(
        "unbounded().reserve_many(usize::MAX)",
        Duration::from_secs(5),
        || {
            let (tx, rx) = gochan::unbounded::<u32>();
            let mut reserve = by_hand(tx.reserve_many(usize::MAX));
            // Refused (`SendError(())`), or granted: then its permits are
            // given back when dropped.
            if let Ok(permits) = assert_ready!(reserve.poll(), "an unbounded channel never waits") {
                assert_eq!(permits.len(), usize::MAX);
                drop(permits);
            }
            drop(reserve);
            assert_eq!(tx.try_send(1), Ok(()), "the channel still works");
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(tx.stats().waiting_senders, 0);
            // And a reservation that can be counted still can be made.
            assert_eq!(tx.try_reserve_many(3).unwrap().len(), 3);
        },
    );
}

/// A `PermitIterator` of a million permits is dropped in O(1): hundreds of
/// them in well under the time one linear give-back of that size takes now
/// (about 25 ms each in a debug build), on a channel bounded at `usize::MAX`
/// and on an unbounded one, dropped whole or partly used.
#[test]
fn a_million_unused_permits_are_dropped_in_constant_time() {
    const MILLION: usize = 1 << 20;
    const ROUNDS: usize = 400;
    on_a_thread_within("dropping a million permits", Duration::from_secs(3), || {
        for (kind, (tx, rx)) in [
            ("bounded(usize::MAX)", gochan::bounded::<usize>(usize::MAX)),
            ("unbounded", gochan::unbounded::<usize>()),
        ] {
            let start = Instant::now();
            for round in 0..ROUNDS / 2 {
                let mut permits = tx.try_reserve_many(MILLION).expect(kind);
                if round % 2 == 1 {
                    permits.next().unwrap().send(round).unwrap();
                }
                drop(permits);
                let mut waiting = by_hand(tx.reserve_many(MILLION));
                let permits = assert_ready!(waiting.poll()).expect(kind);
                assert_eq!(permits.len(), MILLION, "{kind}");
                drop(permits);
            }
            let took = start.elapsed();
            assert_eq!(rx.len(), ROUNDS / 4, "{kind}: the values sent arrived");
            assert_eq!(tx.stats().waiting_senders, 0, "{kind}");
            assert_eq!(
                tx.try_reserve_many(MILLION).unwrap().len(),
                MILLION,
                "{kind}: every permit came back"
            );
            eprintln!("{kind}: {ROUNDS} million-permit drops took {took:?}");
        }
    });
}
