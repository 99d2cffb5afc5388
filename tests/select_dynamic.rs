//! The dynamic `Select` and `LocalSelect` as the "Select" section of
//! `docs/design.md` has them: one select reused in a loop, typed case
//! handles, and every value accounted for from one select to the next. (The
//! guarantees it shares with `gochan::select!` are in `tests/select.rs`, and
//! its storm with random cancellation in that file's stress section.)
//!
//! * a result stays in its case until taken, and the case sits out
//!   meanwhile: nothing is overwritten;
//! * a send case that loses keeps its value for the next select; one that
//!   was sent (or refused) is spent and sits out until it gets a new value;
//! * a case can be removed (handing back what it holds), and dropping its
//!   handle removes it;
//! * `try_select`, `select_timeout` (paused clock), closed channels, two
//!   selects meeting on rendezvous channels, selects dropped mid-wait;
//! * the index of the case that happened, the values of the send cases that
//!   did not, a runtime set of channels;
//! * a receive case takes the value already handed to its handle first, and
//!   a select with no case panics instead of waiting for ever;
//! * `LocalSelect` with `Rc` items on a `LocalSet`.
//!
//! Multi-task tests run under a deadline, so a deadlock fails instead of
//! hanging.

mod common;

use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use common::{assert_idle, by_hand, deadline, yields, Rng};
use gochan::{LocalSelect, Receiver, RecvError, Select, SendError, TryRecvError};
use tokio::time::Instant;
use tokio_test::{assert_pending, assert_ready};

// ---------------------------------------------------------------------------
// Reuse in a loop
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reuse_in_a_loop_with_receive_and_send_cases() {
    // Two producers feed a forwarder, which passes every value on to a slow
    // consumer through one send case: each round of the same select either
    // takes a value in or sends the oldest held value out. A send case that
    // loses a round still holds exactly its value afterwards; every value is
    // received exactly once, in the order it was forwarded.
    deadline("reuse_in_a_loop_with_receive_and_send_cases", async {
        const EACH: u32 = 500;
        let (tx_a, rx_a) = gochan::bounded::<u32>(2);
        let (tx_b, rx_b) = gochan::bounded::<u32>(2);
        let (tx_out, rx_out) = gochan::bounded::<u32>(1);
        let producer = |tx: gochan::Sender<u32>, base: u32| {
            tokio::spawn(async move {
                let tx = tx.scope();
                for v in base..base + EACH {
                    tx.send(v).await.unwrap();
                }
            })
        };
        let pa = producer(tx_a, 0);
        let pb = producer(tx_b, 10_000);
        let consumer = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Ok(v) = rx_out.recv().await {
                got.push(v);
                yields(got.len() % 3).await; // slower than the forwarder, sometimes
            }
            got
        });

        let mut sel = Select::new();
        let mut inputs = vec![sel.recv(&rx_a), sel.recv(&rx_b)];
        let out = sel.send(&tx_out, 0);
        assert_eq!(sel.take_value(&out), Some(0)); // spent until there is a value
        let mut held = VecDeque::new();
        let mut forwarded = Vec::new();
        let (mut rounds, mut lost_rounds) = (0, 0);
        while !inputs.is_empty() || !held.is_empty() {
            let i = sel.select().await;
            rounds += 1;
            if i == out.index() {
                assert_eq!(sel.take(&out), Some(Ok(())));
                forwarded.push(held.pop_front().expect("a value was held"));
                if let Some(&next) = held.front() {
                    assert_eq!(sel.set_value(&out, next), None, "a sent case is spent");
                }
                continue;
            }
            if let Some(&front) = held.front() {
                // The send case lost this round: its value is still there.
                lost_rounds += 1;
                assert_eq!(sel.take_value(&out), Some(front));
                assert_eq!(sel.set_value(&out, front), None);
            }
            let k = inputs.iter().position(|c| c.index() == i).unwrap();
            match sel
                .take(&inputs[k])
                .expect("the chosen case holds its result")
            {
                Ok(v) => {
                    if held.is_empty() {
                        assert_eq!(sel.set_value(&out, v), None);
                    }
                    held.push_back(v);
                }
                Err(RecvError) => assert_eq!(sel.remove(inputs.swap_remove(k)), None),
            }
        }
        assert_eq!(sel.remove(out), None);
        assert!(sel.is_empty());
        drop(sel);
        drop(tx_out);
        pa.await.unwrap();
        pb.await.unwrap();
        let got = consumer.await.unwrap();
        assert_eq!(
            got, forwarded,
            "every forwarded value arrived once, in order"
        );
        let mut sorted = got.clone();
        sorted.sort_unstable();
        let want: Vec<u32> = (0..EACH).chain(10_000..10_000 + EACH).collect();
        assert_eq!(sorted, want, "every value received exactly once");
        assert_eq!(rounds, 4 * EACH as usize + 2, "in, out, and two closes");
        assert!(
            lost_rounds > 0,
            "the send case never lost: the test tested nothing"
        );
        for rx in [&rx_a, &rx_b] {
            assert!(rx.is_finished());
            assert_idle(rx);
        }
    })
    .await;
}

#[tokio::test]
async fn an_untaken_result_sits_out_and_is_never_overwritten() {
    deadline(
        "an_untaken_result_sits_out_and_is_never_overwritten",
        async {
            let (tx_a, rx_a) = gochan::unbounded::<u32>();
            let (tx_b, rx_b) = gochan::unbounded::<u32>();
            let mut sel = Select::new();
            let a = sel.recv(&rx_a);
            let b = sel.recv(&rx_b);
            tx_a.try_send(1).unwrap();
            assert_eq!(sel.select().await, a.index());
            // a's result is not taken: a sits out, even with values waiting.
            tx_a.try_send(2).unwrap();
            tx_b.try_send(10).unwrap();
            assert_eq!(sel.select().await, b.index());
            assert_eq!(sel.try_select(), None, "a sits out, b sits out");
            assert_eq!(rx_a.len(), 1, "2 was not taken");
            assert_eq!(sel.take(&b), Some(Ok(10)));
            assert_eq!(sel.take(&a), Some(Ok(1)), "the first result, intact");
            assert_eq!(sel.select().await, a.index());
            assert_eq!(sel.take(&a), Some(Ok(2)));
            assert_idle(&rx_a);
            assert_idle(&rx_b);
        },
    )
    .await;
}

#[tokio::test]
async fn a_spent_send_case_sits_out_and_the_select_waits_on_the_rest() {
    deadline(
        "a_spent_send_case_sits_out_and_the_select_waits_on_the_rest",
        async {
            let (tx, rx) = gochan::bounded::<u32>(4);
            let (tx_in, rx_in) = gochan::rendezvous::<u32>();
            let mut sel = Select::new();
            let out = sel.send(&tx, 1);
            let input = sel.recv(&rx_in);
            assert_eq!(sel.select().await, out.index());
            assert_eq!(sel.take(&out), Some(Ok(())));
            // Spent: the next select waits on the receive case alone, and
            // registers nothing for the send case (the channel has room).
            {
                let mut waiting = by_hand(sel.select());
                assert_pending!(waiting.poll());
                let s = rx.stats();
                assert_eq!((s.waiting_senders, s.buffered), (0, 1));
                assert_eq!(rx_in.stats().waiting_receivers, 1);
                tx_in.try_send(7).expect("the receive case waits");
                assert!(waiting.is_woken());
                assert_eq!(assert_ready!(waiting.poll()), input.index());
            }
            assert_eq!(sel.take(&input), Some(Ok(7)));
            assert_eq!(sel.take(&out), None);
            // A new value: the case takes part again.
            assert_eq!(sel.set_value(&out, 2), None);
            assert_eq!(sel.select().await, out.index());
            assert_eq!(sel.take(&out), Some(Ok(())));
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(rx.try_recv(), Ok(2));
            assert_idle(&rx);
            assert_idle(&rx_in);
        },
    )
    .await;
}

#[tokio::test]
#[should_panic(expected = "none of which can take part")]
async fn a_select_whose_cases_all_sit_out_panics() {
    let (tx, _rx) = gochan::unbounded::<u32>();
    let mut sel = Select::new();
    let out = sel.send(&tx, 1);
    assert_eq!(sel.try_select(), Some(out.index()));
    // Spent, result not taken: nothing can happen, and `select` says so
    // (when polled) instead of waiting forever.
    sel.select().await;
}

/// A select with no case at all can never complete: `select()` panics with a
/// message that says so, instead of waiting for ever (issue 16's rule for a
/// select whose cases all sit out, extended to the empty select), for
/// `Select` and `LocalSelect` alike.
#[tokio::test(start_paused = true)]
async fn an_empty_select_panics_instead_of_waiting_for_ever() {
    use futures::FutureExt;
    let wait = Duration::from_secs(10);
    let mut sel = Select::new();
    assert!(sel.is_empty());
    assert_eq!(sel.try_select(), None);
    let res = std::panic::AssertUnwindSafe(tokio::time::timeout(wait, sel.select()))
        .catch_unwind()
        .await;
    match res {
        Err(p) => {
            let msg = common::panic_message(p);
            assert!(
                msg.contains("case"),
                "the panic should say the select has no case: {msg:?}"
            );
        }
        Ok(Err(_elapsed)) => panic!("an empty Select waited instead of panicking"),
        Ok(Ok(i)) => panic!("an empty Select chose case {i}"),
    }
    let mut sel = LocalSelect::new();
    assert!(sel.is_empty());
    let res = std::panic::AssertUnwindSafe(tokio::time::timeout(wait, sel.select()))
        .catch_unwind()
        .await;
    match res {
        Err(p) => {
            let msg = common::panic_message(p);
            assert!(
                msg.contains("case"),
                "the panic should say the select has no case: {msg:?}"
            );
        }
        Ok(Err(_elapsed)) => panic!("an empty LocalSelect waited instead of panicking"),
        Ok(Ok(i)) => panic!("an empty LocalSelect chose case {i}"),
    }
}

// ---------------------------------------------------------------------------
// Removal, handles
// ---------------------------------------------------------------------------

#[tokio::test]
async fn removal_hands_back_what_the_case_holds() {
    deadline("removal_hands_back_what_the_case_holds", async {
        let (tx_a, rx_a) = gochan::bounded::<u32>(1);
        let (tx_b, rx_b) = gochan::bounded::<String>(1);
        let (tx_c, rx_c) = gochan::unbounded::<u32>();
        tx_b.try_send(String::from("occupant")).unwrap(); // full
        let mut sel = Select::new();
        let a = sel.recv(&rx_a);
        let b = sel.send(&tx_b, String::from("unsent"));
        let c = sel.recv(&rx_c);
        assert_eq!((a.index(), b.index(), c.index()), (0, 1, 2));
        assert_eq!(sel.try_select(), None);

        // An unsent value comes back.
        assert_eq!(sel.remove(b).as_deref(), Some("unsent"));
        assert_eq!(sel.len(), 2);
        // Its index is free for the next case.
        let d = sel.send(&tx_b, String::from("again"));
        assert_eq!(d.index(), 1);

        // A result that was not taken comes back.
        tx_a.try_send(5).unwrap();
        assert_eq!(sel.try_select(), Some(a.index()));
        assert_eq!(sel.remove(a), Some(Ok(5)));
        tx_a.try_send(6).unwrap();
        assert_eq!(sel.try_select(), None, "a removed case takes nothing");
        assert_eq!(rx_a.try_recv(), Ok(6));

        // A refused value comes back too.
        rx_b.close();
        assert_eq!(sel.try_select(), Some(d.index()));
        assert_eq!(sel.remove(d).as_deref(), Some("again"));
        // A sent one does not.
        let e = sel.send(&tx_c, 1);
        assert_eq!(sel.try_select(), Some(e.index()));
        assert_eq!(sel.remove(e), None);
        assert_eq!(rx_c.try_recv(), Ok(1));
        // A removed case whose result was taken gives nothing back.
        tx_c.try_send(2).unwrap();
        assert_eq!(sel.try_select(), Some(c.index()));
        assert_eq!(sel.take(&c), Some(Ok(2)));
        assert_eq!(sel.remove(c), None);
        assert!(sel.is_empty());
        for rx in [&rx_a, &rx_c] {
            assert_idle(rx);
        }
        assert_idle(&rx_b);
    })
    .await;
}

#[test]
fn dropping_a_handle_removes_its_case() {
    let (tx, rx) = gochan::bounded::<u32>(1);
    let (tx2, rx2) = gochan::bounded::<u32>(1);
    let mut sel = Select::new();
    let kept = sel.recv(&rx2);
    let dropped = sel.recv(&rx);
    assert_eq!(sel.len(), 2);
    drop(dropped);
    assert_eq!(sel.len(), 1);
    tx.try_send(1).unwrap();
    assert_eq!(sel.try_select(), None, "the dropped case took nothing");
    assert_eq!(rx.try_recv(), Ok(1));
    // Its index is free again.
    let out = sel.send(&tx, 2);
    assert_eq!(out.index(), 1);
    tx2.try_send(3).unwrap();
    let i = sel.try_select().unwrap();
    assert!(i == kept.index() || i == out.index());
}

#[test]
#[should_panic(expected = "belongs to another Select")]
fn a_handle_of_another_select_is_refused() {
    let (_tx, rx) = gochan::bounded::<u32>(1);
    let mut one = Select::new();
    let mut other = Select::new();
    let case = one.recv(&rx);
    let _ = other.take(&case);
}

// ---------------------------------------------------------------------------
// try_select, select_timeout, closed channels, biased
// ---------------------------------------------------------------------------

#[test]
fn try_select_makes_one_ready_case_happen() {
    let (tx_a, rx_a) = gochan::bounded::<u32>(1);
    let (tx_b, rx_b) = gochan::rendezvous::<u32>();
    let mut sel = Select::new();
    let a = sel.recv(&rx_a);
    let b = sel.send(&tx_b, 9);
    for round in 0..100 {
        assert_eq!(sel.try_select(), None, "nothing ready");
        assert_idle(&rx_a);
        assert_idle(&rx_b);
        tx_a.try_send(round).unwrap();
        assert_eq!(sel.try_select(), Some(a.index()));
        assert_eq!(sel.take(&a), Some(Ok(round)));
        assert_eq!(sel.take(&b), None);
    }
    assert_eq!(sel.take_value(&b), Some(9), "the send case never happened");
    assert_eq!(rx_b.stats().sent, 0);
}

#[tokio::test(start_paused = true)]
async fn select_timeout_waits_at_most_that_long() {
    deadline("select_timeout_waits_at_most_that_long", async {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let mut sel = Select::new();
        let case = sel.recv(&rx);
        for ms in [0u64, 1, 30, 1_000] {
            let d = Duration::from_millis(ms);
            let start = Instant::now();
            assert_eq!(sel.select_timeout(d).await, None);
            assert_eq!(start.elapsed(), d);
            assert_idle(&rx);
        }
        // A counterpart before the deadline: its case, at that moment.
        let sender = tokio::spawn({
            let tx = tx.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                tx.send(4).await
            }
        });
        let start = Instant::now();
        assert_eq!(
            sel.select_timeout(Duration::from_secs(1)).await,
            Some(case.index())
        );
        assert_eq!(start.elapsed(), Duration::from_millis(20));
        assert_eq!(sel.take(&case), Some(Ok(4)));
        sender.await.unwrap().unwrap();

        // A send case chosen after the deadline passed but before the select
        // ran again (a receiver came and granted it a hand-off): it was
        // chosen first, so it wins, and its value goes to that receiver.
        let mut sel = Select::new();
        let out = sel.send(&tx, 5);
        let mut r = by_hand(rx.recv());
        {
            let mut waiting = by_hand(sel.select_timeout(Duration::from_millis(50)));
            assert_pending!(waiting.poll());
            tokio::time::advance(Duration::from_millis(50)).await;
            assert!(waiting.is_woken());
            assert_pending!(r.poll());
            assert_eq!(assert_ready!(waiting.poll()), Some(out.index()));
        }
        assert_eq!(assert_ready!(r.poll()), Ok(5));
        assert_eq!(sel.take(&out), Some(Ok(())));
        assert_idle(&rx);
    })
    .await;
}

#[test]
fn closed_channels_are_ready() {
    let (tx, rx) = gochan::bounded::<u32>(2);
    let (tx_out, rx_out) = gochan::bounded::<String>(1);
    let (_idle_tx, idle_rx) = gochan::rendezvous::<u32>();
    let mut sel = Select::new();
    let input = sel.recv(&rx);
    let idle = sel.recv(&idle_rx);
    tx.try_send(1).unwrap();
    tx.close();
    // Drained first, then `Err` every time.
    assert_eq!(sel.try_select(), Some(input.index()));
    assert_eq!(sel.take(&input), Some(Ok(1)));
    for _ in 0..3 {
        assert_eq!(sel.try_select(), Some(input.index()));
        assert_eq!(sel.take(&input), Some(Err(RecvError)));
    }
    assert_eq!(sel.remove(input), None);
    // A send case on a closed channel gives its value back, once: then it
    // is spent.
    let out = sel.send(&tx_out, String::from("refused"));
    rx_out.close();
    assert_eq!(sel.try_select(), Some(out.index()));
    assert_eq!(
        sel.take(&out),
        Some(Err(SendError(String::from("refused"))))
    );
    assert_eq!(sel.try_select(), None);
    assert_eq!(sel.take(&idle), None);
    assert_idle(&idle_rx);
}

#[test]
fn biased_picks_the_lowest_index_random_picks_fairly() {
    let (tx_a, rx_a) = gochan::unbounded::<u32>();
    let (tx_b, rx_b) = gochan::unbounded::<u32>();
    let mut sel = Select::new();
    let a = sel.recv(&rx_a);
    let b = sel.recv(&rx_b);
    let mut counts = [0usize; 2];
    for biased in [true, false] {
        sel.set_biased(biased);
        counts = [0, 0];
        for _ in 0..2_000 {
            tx_a.try_send(0).unwrap();
            tx_b.try_send(1).unwrap();
            let i = sel.try_select().unwrap();
            let case = if i == a.index() { &a } else { &b };
            let v = sel.take(case).unwrap().unwrap();
            counts[v as usize] += 1;
            // Put the other one's value away again.
            let _ = rx_a.try_recv();
            let _ = rx_b.try_recv();
        }
        if biased {
            assert_eq!(counts, [2_000, 0]);
        }
    }
    assert!(
        counts[0] > 700 && counts[1] > 700,
        "not a random choice: {counts:?}"
    );
}

// ---------------------------------------------------------------------------
// Rendezvous pairs, cancellation
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reused_selects_pair_on_rendezvous_channels() {
    // X offers to send on a and to receive on b, Y the other way around,
    // each with one select reused for every round. Only the two of them use
    // the channels, so the k-th rounds pair with each other: the logs agree.
    const ROUNDS: u32 = 10_000;
    let (tx_a, rx_a) = gochan::rendezvous::<u32>();
    let (tx_b, rx_b) = gochan::rendezvous::<u32>();
    let side = |tx: gochan::Sender<u32>, rx: Receiver<u32>, name: char, other: char, base: u32| {
        tokio::spawn(async move {
            let mut sel = Select::new();
            let out = sel.send(&tx, base);
            let input = sel.recv(&rx);
            let mut log = Vec::with_capacity(ROUNDS as usize);
            let mut offered = base; // the value in the send case
            for _ in 0..ROUNDS {
                let i = sel.select().await;
                if i == out.index() {
                    assert_eq!(sel.take(&out), Some(Ok(())));
                    log.push((name, offered));
                    offered += 1;
                    assert_eq!(sel.set_value(&out, offered), None);
                } else {
                    log.push((other, sel.take(&input).unwrap().unwrap()));
                }
            }
            // The value of the last offer that lost comes back.
            let back = sel.remove(out);
            (log, back)
        })
    };
    let x = side(tx_a.clone(), rx_b.clone(), 'a', 'b', 0);
    let y = side(tx_b.clone(), rx_a.clone(), 'b', 'a', 1_000_000);
    let (x, y) = deadline("rendezvous pairs", async { (x.await, y.await) }).await;
    let ((lx, bx), (ly, by)) = (x.unwrap(), y.unwrap());
    assert_eq!(lx, ly, "the two sides disagree on what happened");
    let on_a = lx.iter().filter(|e| e.0 == 'a').count() as u64;
    assert!(on_a > 0 && on_a < u64::from(ROUNDS), "one way only: {on_a}");
    assert_eq!(rx_a.stats().received, on_a);
    assert_eq!(rx_b.stats().received, u64::from(ROUNDS) - on_a);
    // Each side's offers went out in order, and its next one came back.
    assert_eq!(bx, Some(on_a as u32));
    assert_eq!(by, Some(1_000_000 + (u64::from(ROUNDS) - on_a) as u32));
    assert_idle(&rx_a);
    assert_idle(&rx_b);
}

#[tokio::test]
async fn selects_dropped_mid_wait_leave_nothing_registered() {
    deadline("selects_dropped_mid_wait_leave_nothing_registered", async {
        let (tx, rx) = gochan::rendezvous::<String>();
        let (tx_full, rx_full) = gochan::bounded::<u32>(1);
        tx_full.try_send(0).unwrap();
        let (_idle_tx, idle_rx) = gochan::rendezvous::<u32>();
        let mut sel = Select::new();
        let out = sel.send(&tx, String::from("value"));
        let full = sel.send(&tx_full, 7);
        let idle = sel.recv(&idle_rx);
        for round in 0..200 {
            let lost = tokio::select! {
                biased;
                i = sel.select() => Some(i),
                _ = yields(round % 3) => None,
            };
            assert_eq!(lost, None, "nothing can happen");
            for rx in [&idle_rx, &rx_full] {
                assert_idle(rx);
            }
            assert_idle(&rx);
            // Every value stays in its case, for the next round.
            assert_eq!(sel.take(&out), None);
            assert_eq!(sel.take(&full), None);
            assert_eq!(sel.take(&idle), None);
        }
        assert_eq!(sel.take_value(&out).as_deref(), Some("value"));
        assert_eq!(sel.take_value(&full), Some(7));
        assert_eq!(rx_full.try_recv(), Ok(0));
        assert_eq!(rx_full.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx.stats().sent, 0);
    })
    .await;
}

#[tokio::test]
async fn a_dropped_select_whose_receive_case_was_handed_a_value_passes_it_on() {
    deadline(
        "a_dropped_select_whose_receive_case_was_handed_a_value_passes_it_on",
        async {
            for cap in [0usize, 1] {
                let (tx, rx) = gochan::bounded::<u32>(cap);
                let mut sel = Select::new();
                let case = sel.recv(&rx);
                {
                    let mut waiting = by_hand(sel.select());
                    assert_pending!(waiting.poll());
                    tx.try_send(1).expect("the case waits"); // handed to the case
                    assert!(waiting.is_woken());
                } // dropped before it ran again
                assert_eq!(sel.take(&case), None, "nothing was returned");
                assert_idle(&rx);
                assert_eq!(rx.try_recv(), Ok(1), "bounded({cap}): the value came back");
                assert_eq!(rx.stats().received, 1);
            }
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// The index, the values handed back, timeouts, a runtime set of channels
// ---------------------------------------------------------------------------

#[tokio::test]
async fn dynamic_index_matches_the_case_that_happened() {
    deadline("dynamic_index_matches_the_case_that_happened", async {
        let chans: Vec<_> = (0..6).map(|_| gochan::bounded::<usize>(1)).collect();
        let mut rng = Rng::new(7);
        // One select, reused for every round.
        let mut sel = Select::new();
        let cases: Vec<_> = chans.iter().map(|(_, rx)| sel.recv(rx)).collect();
        let indices: Vec<usize> = cases.iter().map(|c| c.index()).collect();
        assert_eq!(indices, (0..6).collect::<Vec<_>>());
        assert_eq!(sel.len(), 6);
        for _ in 0..500 {
            let ready = rng.index(chans.len());
            chans[ready].0.try_send(ready).unwrap();
            let i = sel.select().await;
            assert_eq!(i, ready);
            for (_, rx) in &chans {
                assert_idle(rx); // while the cases still exist
            }
            for (j, case) in cases.iter().enumerate() {
                match sel.take(case) {
                    Some(r) => {
                        assert_eq!(j, i);
                        assert_eq!(r, Ok(ready));
                    }
                    None => assert_ne!(j, i),
                }
            }
        }
        for (_, rx) in &chans {
            assert!(rx.is_empty());
            assert_idle(rx);
        }
    })
    .await;
}

#[tokio::test]
async fn dynamic_send_cases_not_chosen_give_their_values_back() {
    deadline(
        "dynamic_send_cases_not_chosen_give_their_values_back",
        async {
            let (tx_full, rx_full) = gochan::bounded::<String>(1);
            tx_full.try_send(String::from("occupant")).unwrap();
            let (tx_rv, rx_rv) = gochan::rendezvous::<String>();
            let (tx_room, rx_room) = gochan::bounded::<String>(1);

            let mut sel = Select::new();
            assert!(sel.is_empty());
            let full = sel.send(&tx_full, String::from("to full"));
            let rv = sel.send(&tx_rv, String::from("to rendezvous"));
            let room = sel.send(&tx_room, String::from("to room"));
            assert_eq!(sel.select().await, room.index());
            for rx in [&rx_full, &rx_rv, &rx_room] {
                assert_idle(rx);
            }
            assert_eq!(sel.take(&room), Some(Ok(())));
            assert_eq!(sel.take_value(&room), None);
            assert_eq!(sel.take(&full), None);
            assert_eq!(sel.take_value(&full).as_deref(), Some("to full"));
            assert_eq!(sel.take(&rv), None);
            assert_eq!(sel.take_value(&rv).as_deref(), Some("to rendezvous"));
            assert_eq!(rx_room.try_recv().as_deref(), Ok("to room"));
            assert_eq!(rx_full.try_recv().as_deref(), Ok("occupant"));
            assert_eq!(rx_full.try_recv(), Err(TryRecvError::Empty));
            for rx in [&rx_full, &rx_rv, &rx_room] {
                assert_idle(rx);
            }
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn dynamic_try_select_and_select_timeout() {
    deadline("dynamic_try_select_and_select_timeout", async {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        tx_b.try_send(0).unwrap();

        // Nothing ready: try_select and select_timeout return None, values back.
        {
            let mut sel = Select::new();
            let r = sel.recv(&rx);
            let s = sel.send(&tx_b, 1);
            assert_eq!(sel.try_select(), None);
            let start = Instant::now();
            assert_eq!(sel.select_timeout(Duration::from_millis(40)).await, None);
            assert_eq!(start.elapsed(), Duration::from_millis(40));
            assert_eq!(sel.take(&r), None);
            assert_eq!(sel.take_value(&s), Some(1));
            assert_idle(&rx);
            assert_idle(&rx_b);
        }

        // A case ready before the deadline: its index.
        let sender = tokio::spawn({
            let tx = tx.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                tx.send(3).await
            }
        });
        let mut sel = Select::new();
        let s = sel.send(&tx_b, 1);
        let r = sel.recv(&rx);
        assert_eq!(
            sel.select_timeout(Duration::from_secs(5)).await,
            Some(r.index())
        );
        assert_idle(&rx);
        assert_idle(&rx_b);
        assert_eq!(sel.take(&r), Some(Ok(3)));
        assert_eq!(sel.take(&s), None);
        assert_eq!(sel.take_value(&s), Some(1));
        sender.await.unwrap().unwrap();
        assert_idle(&rx);
        assert_idle(&rx_b);
        drop(tx);
    })
    .await;
}

#[tokio::test]
async fn dynamic_select_dropped_while_waiting_gives_the_value_back() {
    deadline(
        "dynamic_select_dropped_while_waiting_gives_the_value_back",
        async {
            let (tx, rx) = gochan::rendezvous::<String>();
            let (_tx_idle, rx_idle) = gochan::rendezvous::<String>();
            let mut sel = Select::new();
            let s = sel.send(&tx, String::from("kept"));
            let r = sel.recv(&rx_idle);
            {
                let mut fut = by_hand(sel.select());
                assert_pending!(fut.poll());
                assert_eq!(rx.stats().waiting_senders, 1);
                assert_eq!(rx_idle.stats().waiting_receivers, 1);
            }
            assert_idle(&rx);
            assert_idle(&rx_idle);
            assert_eq!(sel.take(&s), None);
            assert_eq!(sel.take(&r), None);
            assert_eq!(sel.take_value(&s).as_deref(), Some("kept"));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

            // Dropped after its send case was granted a waiting receiver but
            // before it sent: the grant goes back, the receiver keeps its
            // place, the case keeps its value.
            let mut sel = Select::new();
            let s = sel.send(&tx, String::from("kept too"));
            let mut r = by_hand(rx.recv());
            {
                let mut fut = by_hand(sel.select());
                assert_pending!(fut.poll());
                assert_pending!(r.poll()); // grants the send case
                assert!(fut.is_woken());
            }
            assert_eq!(sel.take(&s), None);
            assert_eq!(sel.take_value(&s).as_deref(), Some("kept too"));
            assert_eq!(rx.stats().waiting_receivers, 1);
            tx.try_send(String::from("next")).unwrap();
            assert_eq!(assert_ready!(r.poll()).as_deref(), Ok("next"));
            assert_idle(&rx);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_select_over_a_runtime_set_of_channels() {
    // Eight producers on channels of every kind, one consumer selecting over
    // the channels still open until each is closed and drained: every value
    // arrives once, each producer's in order. One select throughout; each
    // channel's case is removed once it is closed and drained.
    const PRODUCERS: usize = 8;
    const EACH: usize = 300;
    let chans: Vec<_> = (0..PRODUCERS)
        .map(|i| match i % 4 {
            0 => gochan::rendezvous::<usize>(),
            1 => gochan::bounded(1),
            2 => gochan::bounded(8),
            _ => gochan::unbounded(),
        })
        .collect();
    let mut receivers = Vec::new();
    let mut producers = Vec::new();
    for (p, (tx, rx)) in chans.into_iter().enumerate() {
        receivers.push(rx);
        let tx = tx.scope(); // closes the channel when the producer ends
        producers.push(tokio::spawn(async move {
            for k in 0..EACH {
                tx.send(p * EACH + k).await.unwrap();
            }
        }));
    }

    let next = deadline("runtime set", async {
        let mut next = vec![0usize; PRODUCERS]; // next expected k per producer
        let mut sel = Select::new();
        let mut open: Vec<_> = receivers
            .iter()
            .enumerate()
            .map(|(p, rx)| (p, sel.recv(rx)))
            .collect();
        while !open.is_empty() {
            let i = sel.select().await;
            let j = open.iter().position(|(_, c)| c.index() == i).unwrap();
            let mut results: Vec<_> = open.iter().map(|(_, c)| sel.take(c)).collect();
            assert!(results
                .iter()
                .enumerate()
                .all(|(k, r)| r.is_some() == (k == j)));
            match results[j].take().unwrap() {
                Ok(v) => {
                    let (p, k) = (v / EACH, v % EACH);
                    assert_eq!(p, open[j].0, "a value from another channel");
                    assert_eq!(k, next[p], "producer {p} out of order");
                    next[p] += 1;
                }
                Err(RecvError) => {
                    let (p, case) = open.swap_remove(j);
                    assert_eq!(next[p], EACH, "closed before it was drained");
                    assert_eq!(sel.remove(case), None, "the result was taken");
                }
            }
        }
        assert!(sel.is_empty());
        next
    })
    .await;
    assert_eq!(next, vec![EACH; PRODUCERS]);
    for p in producers {
        p.await.unwrap();
    }
    for rx in &receivers {
        assert!(rx.is_finished());
        assert_idle(rx);
    }
}

// ---------------------------------------------------------------------------
// A value already handed to the receiver's handle
// ---------------------------------------------------------------------------

/// A handle whose `next()` was polled once and dropped keeps its place in
/// line, and a value sent then is handed to it. A receive case on that
/// handle takes it first: after the close the case is ready with that value
/// (it must not wait for ever), and `join()` resolves once it is taken.
#[tokio::test(start_paused = true)]
async fn a_recv_case_takes_the_value_its_handle_holds_on_a_closed_channel() {
    use tokio_stream::StreamExt;
    let wait = Duration::from_secs(10);
    for (kind, (tx, mut rx)) in common::kinds::<u32>() {
        assert_pending!(by_hand(rx.next()).poll(), "{kind}");
        assert_eq!(tx.try_send(1), Ok(()), "{kind}: handed to the handle");
        tx.close();
        let mut sel = Select::new();
        let case = sel.recv(&rx);
        let got = tokio::time::timeout(wait, sel.select()).await;
        assert_eq!(
            got,
            Ok(case.index()),
            "{kind}: Select ignored the value its handle holds (Err(Elapsed): it waited)"
        );
        assert_eq!(sel.take(&case), Some(Ok(1)), "{kind}");
        drop((case, sel));
        assert!(
            tokio::time::timeout(wait, rx.join()).await.is_ok(),
            "{kind}: join() must resolve once the value is taken"
        );
        assert_idle(&rx);
    }
}

/// On an open channel the value a handle holds comes before values sent
/// after it: a receive case on that handle returns 1, then 2.
#[tokio::test(start_paused = true)]
async fn a_recv_case_returns_the_value_its_handle_holds_before_later_ones() {
    use tokio_stream::StreamExt;
    let wait = Duration::from_secs(10);
    for (kind, (tx, mut rx)) in common::buffered_kinds::<u32>(4) {
        assert_pending!(by_hand(rx.next()).poll(), "{kind}");
        tx.try_send(1).unwrap(); // handed to the handle
        tx.try_send(2).unwrap(); // buffered
        let mut sel = Select::new();
        let case = sel.recv(&rx);
        for want in [1, 2] {
            let i = tokio::time::timeout(wait, sel.select()).await;
            assert_eq!(i, Ok(case.index()), "{kind}: a value is there");
            assert_eq!(
                sel.take(&case),
                Some(Ok(want)),
                "{kind}: Select, out of order"
            );
        }
        drop((case, sel));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
        assert_idle(&rx);
    }
}

// ---------------------------------------------------------------------------
// LocalSelect
// ---------------------------------------------------------------------------

#[tokio::test]
async fn local_select_with_rc_items_on_a_local_set() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(deadline(
            "local_select_with_rc_items_on_a_local_set",
            async {
                let (tx_a, rx_a) = gochan::rendezvous::<Rc<String>>();
                let (tx_b, rx_b) = gochan::bounded::<Rc<String>>(1);
                let (tx_out, rx_out) = gochan::rendezvous::<Rc<String>>();
                for (tx, name) in [(tx_a, "a"), (tx_b, "b")] {
                    tokio::task::spawn_local(async move {
                        let tx = tx.scope();
                        for i in 0..50 {
                            tx.send(Rc::new(format!("{name}{i}"))).await.unwrap();
                        }
                    });
                }
                let consumer = tokio::task::spawn_local(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx_out.recv().await {
                        got.push(v);
                    }
                    got
                });
                let mut sel = LocalSelect::new();
                let mut inputs = vec![sel.recv(&rx_a), sel.recv(&rx_b)];
                let sent = Rc::new(String::from("hello"));
                let out = sel.send(&tx_out, sent.clone());
                let mut got = Vec::new();
                while !inputs.is_empty() {
                    let i = sel.select().await;
                    if i == out.index() {
                        assert_eq!(sel.take(&out), Some(Ok(())));
                        continue;
                    }
                    let k = inputs.iter().position(|c| c.index() == i).unwrap();
                    match sel.take(&inputs[k]).unwrap() {
                        Ok(v) => got.push(v),
                        Err(RecvError) => {
                            sel.remove(inputs.swap_remove(k));
                        }
                    }
                }
                drop(sel);
                drop(tx_out);
                let forwarded = consumer.await.unwrap();
                assert_eq!(got.len(), 100);
                assert!(got.iter().all(|v| Rc::strong_count(v) == 1), "no copy kept");
                // The send case happened once at most, and its value is either
                // with the consumer or dropped with the select: no extra owner.
                assert!(forwarded.len() <= 1);
                assert_eq!(Rc::strong_count(&sent), 1 + forwarded.len());
            },
        ))
        .await;
}

// ---------------------------------------------------------------------------
// Send and Sync
// ---------------------------------------------------------------------------

#[test]
fn select_is_send_and_sync_and_its_futures_are_send() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let (tx, rx) = gochan::bounded::<String>(1);
    let mut sel = Select::new();
    let a = sel.recv(&rx);
    let b = sel.send(&tx, String::new());
    send_sync(&sel);
    send_sync(&a);
    send_sync(&b);
    send(&sel.select());
    send(&sel.select_timeout(Duration::from_secs(1)));
}

/// A server loop over an owned `Select`: connections arrive on a channel of
/// receivers while the loop runs; each is added as an owned case, its
/// messages are received, and its case is removed once it is closed and
/// drained. The `Select` lives in a struct beside nothing else. Every value
/// arrives exactly once, and each connection's in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owned_select_gains_and_loses_cases_while_the_loop_runs() {
    const CONNECTIONS: u32 = 20;
    const EACH: u32 = 50;

    struct Server {
        sel: Select<'static>,
        accept: gochan::RecvCase<'static, Receiver<(u32, u32)>>,
        conns: Vec<gochan::RecvCase<'static, (u32, u32)>>,
    }

    let (new_conn, accept_rx) = gochan::bounded::<Receiver<(u32, u32)>>(1);
    let clients = tokio::spawn(async move {
        let mut rng = Rng::new(7);
        for c in 0..CONNECTIONS {
            let (tx, rx) = if rng.chance(50) {
                gochan::bounded(1 + rng.below(4) as usize)
            } else {
                gochan::rendezvous()
            };
            new_conn.send(rx).await.unwrap();
            tokio::spawn(async move {
                for i in 0..EACH {
                    tx.send((c, i)).await.unwrap();
                }
            });
        }
        // new_conn dropped: no more connections
    });

    let mut server = {
        let mut sel = Select::new();
        let accept = sel.recv_owned(accept_rx);
        Server {
            sel,
            accept,
            conns: Vec::new(),
        }
    };
    let mut got: Vec<Vec<u32>> = vec![Vec::new(); CONNECTIONS as usize];
    let mut accepting = true;
    deadline("owned select server loop", async {
        while accepting || !server.conns.is_empty() {
            let i = server.sel.select().await;
            if i == server.accept.index() {
                match server.sel.take(&server.accept) {
                    Some(Ok(rx)) => {
                        let case = server.sel.recv_owned(rx);
                        server.conns.push(case);
                    }
                    Some(Err(RecvError)) => accepting = false,
                    None => unreachable!("the chosen case holds its result"),
                }
                if !accepting {
                    // The accept channel is finished: its case would be
                    // ready for ever.
                    let accept = std::mem::replace(
                        &mut server.accept,
                        server.sel.recv_owned(gochan::bounded(1).1),
                    );
                    server.sel.remove(accept);
                }
                continue;
            }
            let k = server
                .conns
                .iter()
                .position(|c| c.index() == i)
                .expect("a connection's case");
            match server.sel.take(&server.conns[k]) {
                Some(Ok((c, v))) => got[c as usize].push(v),
                Some(Err(RecvError)) => {
                    // Closed and drained: the case goes, with its receiver.
                    assert_eq!(server.sel.remove(server.conns.swap_remove(k)), None);
                }
                None => unreachable!("the chosen case holds its result"),
            }
        }
    })
    .await;
    clients.await.unwrap();
    for (c, values) in got.iter().enumerate() {
        assert_eq!(values, &(0..EACH).collect::<Vec<_>>(), "connection {c}");
    }
    // Only the placeholder that replaced the accept case is left.
    assert_eq!(server.sel.len(), 1);
}
