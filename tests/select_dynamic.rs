//! The dynamic `Select` and `LocalSelect` as DESIGN.md's "Select" section has
//! them: one select reused in a loop, typed case handles, and every value
//! accounted for from one select to the next.
//!
//! * a result stays in its case until taken, and the case sits out
//!   meanwhile: nothing is overwritten;
//! * a send case that loses keeps its value for the next select; one that
//!   was sent (or refused) is spent and sits out until it gets a new value;
//! * a case can be removed (handing back what it holds), and dropping its
//!   handle removes it;
//! * `try_select`, `select_timeout` (paused clock), closed channels, two
//!   selects meeting on rendezvous channels, selects dropped mid-wait;
//! * `LocalSelect` with `Rc` items on a `LocalSet`.
//!
//! Multi-task tests run under a deadline, so a deadlock fails instead of
//! hanging.

mod common;

use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use common::{assert_idle, by_hand, deadline, yields};
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
    // instead of waiting forever.
    drop(sel.select());
}

#[tokio::test]
async fn an_empty_select_waits_forever() {
    // Go's `select {}`.
    let mut sel = Select::new();
    assert!(sel.is_empty());
    assert_eq!(sel.try_select(), None);
    let mut waiting = by_hand(sel.select());
    for _ in 0..3 {
        assert_pending!(waiting.poll());
    }
    assert!(!waiting.is_woken());
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

        // A send case completed after the deadline passed but before the
        // select ran again: it was sent, so it wins.
        let mut sel = Select::new();
        let out = sel.send(&tx, 5);
        {
            let mut waiting = by_hand(sel.select_timeout(Duration::from_millis(50)));
            assert_pending!(waiting.poll());
            tokio::time::advance(Duration::from_millis(50)).await;
            assert!(waiting.is_woken());
            assert_eq!(rx.try_recv(), Ok(5));
            assert_eq!(assert_ready!(waiting.poll()), Some(out.index()));
        }
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
