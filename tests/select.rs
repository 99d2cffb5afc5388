//! `gochan::select!`: the guarantees of the "Select" section of
//! `docs/design.md`, each tested so that the test fails if it breaks. The
//! dynamic `Select` has its own file, `tests/select_dynamic.rs`; the macro's
//! syntax, guards and many-case expansions are in `tests/select_macro.rs`.
//!
//! * exactly one case proceeds: a receive case not chosen has taken nothing,
//!   a send case not chosen has sent nothing (rendezvous channels included),
//!   and two selects meeting on rendezvous channels pair atomically;
//! * when several cases are ready the choice is random;
//! * a case on a closed channel is ready and yields its `Err`;
//! * the same channel may appear in several cases, and a select never pairs
//!   with itself;
//! * a finished or dropped select leaves no registration behind, and is
//!   cancel safe inside `tokio::select!`;
//! * `default` never waits, `default(duration)` waits at most that long;
//! * a receive case takes the value already handed to its handle first, and
//!   a send case's value is evaluated only when the case is chosen;
//! * stress: tasks selecting over mixed sends and receives on every kind of
//!   channel, with and without random cancellation, lose and duplicate
//!   nothing.
//!
//! Wake-ups are checked by hand-polling with `tokio_test`, timers on tokio's
//! paused clock; threads only in the multi-thread tests, each under a deadline
//! so that a deadlock fails instead of hanging.

mod common;

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_idle, by_hand, deadline, yields, Rng};
use gochan::{Receiver, RecvError, Select, SendError, Sender, TryRecvError};
use tokio::time::Instant;
use tokio_test::{assert_pending, assert_ready};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// `count` is a fair share of `total` when there are `ways` choices: over
/// 35% for two (the expected 50% is more than 30 standard deviations away
/// from 35% over 10 000 trials, so this never fails by chance).
#[track_caller]
fn assert_fair(counts: &[usize]) {
    let total: usize = counts.iter().sum();
    let floor = total * 7 / (10 * counts.len()); // 70% of the fair share
    for (i, &c) in counts.iter().enumerate() {
        assert!(
            c > floor,
            "case {i} was chosen {c} times out of {total}: not a random choice ({counts:?})"
        );
    }
}

// ---------------------------------------------------------------------------
// Exactly one case proceeds
// ---------------------------------------------------------------------------

#[tokio::test]
async fn only_the_ready_case_happens() {
    deadline("only_the_ready_case_happens", async {
        let (tx_a, rx_a) = gochan::bounded::<u32>(1);
        let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        let (tx_c, rx_c) = gochan::rendezvous::<u32>();
        let (tx_full, rx_full) = gochan::bounded::<u32>(1);
        tx_full.try_send(0).unwrap();

        for round in 0..100 {
            tx_b.try_send(round).unwrap();
            let got = gochan::select! {
                recv(rx_a) -> _m => unreachable!("a is empty"),
                recv(rx_b) -> m => m,
                recv(rx_c) -> _m => unreachable!("nobody sends on c"),
                send(tx_c, 1) -> _r => unreachable!("nobody receives on c"),
                send(tx_full, 2) -> _r => unreachable!("full"),
            };
            assert_eq!(got, Ok(round));
        }
        for rx in [&rx_a, &rx_b, &rx_c, &rx_full] {
            assert_idle(rx);
        }
        assert_eq!(
            rx_full.len(),
            1,
            "the send case on the full channel sent nothing"
        );
        assert_eq!(rx_full.try_recv(), Ok(0));
        assert_eq!(rx_c.stats().sent, 0);
        drop((tx_a, tx_c));
    })
    .await;
}

#[tokio::test]
async fn a_receive_case_not_chosen_has_taken_nothing() {
    deadline("a_receive_case_not_chosen_has_taken_nothing", async {
        let (tx_a, rx_a) = gochan::bounded::<u32>(1);
        let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        let mut chosen = [0usize; 2];
        for i in 0..2_000 {
            tx_a.try_send(i).unwrap();
            tx_b.try_send(i + 1_000_000).unwrap();
            let which = gochan::select! {
                recv(rx_a) -> m => { assert_eq!(m, Ok(i)); 0 },
                recv(rx_b) -> m => { assert_eq!(m, Ok(i + 1_000_000)); 1 },
            };
            chosen[which] += 1;
            // The other value is still there, and only it.
            let (rest, other) = if which == 0 {
                (&rx_b, i + 1_000_000)
            } else {
                (&rx_a, i)
            };
            assert_eq!(rest.try_recv(), Ok(other));
            assert_eq!(rx_a.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(rx_b.try_recv(), Err(TryRecvError::Empty));
        }
        assert_fair(&chosen);
    })
    .await;
}

#[tokio::test]
async fn a_send_case_not_chosen_has_sent_nothing() {
    deadline("a_send_case_not_chosen_has_sent_nothing", async {
        let (tx_a, rx_a) = gochan::bounded::<u32>(1);
        let (tx_b, rx_b) = gochan::unbounded::<u32>();
        let mut chosen = [0usize; 2];
        for i in 0..2_000 {
            let which = gochan::select! {
                send(tx_a, i) -> r => { r.unwrap(); 0 },
                send(tx_b, i) -> r => { r.unwrap(); 1 },
            };
            chosen[which] += 1;
            let (sent_on, other) = if which == 0 {
                (&rx_a, &rx_b)
            } else {
                (&rx_b, &rx_a)
            };
            assert_eq!(sent_on.try_recv(), Ok(i));
            assert_eq!(
                other.try_recv(),
                Err(TryRecvError::Empty),
                "both cases sent {i}"
            );
        }
        assert_fair(&chosen);
        assert_eq!(rx_a.stats().sent + rx_b.stats().sent, 2_000);
    })
    .await;
}

#[tokio::test]
async fn a_send_case_not_chosen_has_sent_nothing_on_rendezvous() {
    deadline(
        "a_send_case_not_chosen_has_sent_nothing_on_rendezvous",
        async {
            // A receiver waits on the rendezvous channel, so the send case is ready;
            // so is the receive case. Whichever happens, the other did not.
            let (tx_r, rx_r) = gochan::rendezvous::<u32>();
            let (tx_b, rx_b) = gochan::bounded::<u32>(1);
            let mut chosen = [0usize; 2];
            for i in 0..1_000 {
                tx_b.try_send(i).unwrap();
                let mut waiting = by_hand(rx_r.recv());
                assert_pending!(waiting.poll());
                assert_eq!(rx_r.stats().waiting_receivers, 1);

                let which = gochan::select! {
                    recv(rx_b) -> m => { assert_eq!(m, Ok(i)); 0 },
                    send(tx_r, 1_000_000 + i) -> r => { r.unwrap(); 1 },
                };
                chosen[which] += 1;
                if which == 0 {
                    // Nothing was handed to the waiting receiver.
                    assert!(
                        !waiting.is_woken(),
                        "the losing send case woke the receiver"
                    );
                    assert_pending!(waiting.poll());
                    assert_eq!(rx_r.stats().waiting_receivers, 1);
                    // One value per earlier round went through, none in this one.
                    assert_eq!(rx_r.stats().sent, u64::from(i));
                    tx_r.try_send(i).expect("the receiver still waits");
                    assert_eq!(assert_ready!(waiting.poll()), Ok(i));
                } else {
                    assert!(waiting.is_woken());
                    assert_eq!(assert_ready!(waiting.poll()), Ok(1_000_000 + i));
                    // The receive case took nothing.
                    assert_eq!(rx_b.try_recv(), Ok(i));
                }
                assert_idle(&rx_r);
                assert_idle(&rx_b);
            }
            assert_fair(&chosen);
        },
    )
    .await;
}

#[tokio::test]
async fn a_ready_case_wins_and_the_others_did_nothing_mixed() {
    deadline(
        "a_ready_case_wins_and_the_others_did_nothing_mixed",
        async {
            // A send case with room and a receive case with a value: exactly one.
            let (tx_s, rx_s) = gochan::bounded::<u32>(1);
            let (tx_r, rx_r) = gochan::bounded::<u32>(1);
            let mut chosen = [0usize; 2];
            for i in 0..2_000 {
                tx_r.try_send(i).unwrap();
                let which = gochan::select! {
                    send(tx_s, i) -> r => { r.unwrap(); 0 },
                    recv(rx_r) -> m => { assert_eq!(m, Ok(i)); 1 },
                };
                chosen[which] += 1;
                if which == 0 {
                    assert_eq!(rx_s.try_recv(), Ok(i));
                    assert_eq!(rx_r.try_recv(), Ok(i), "the receive case took nothing");
                } else {
                    assert_eq!(
                        rx_s.try_recv(),
                        Err(TryRecvError::Empty),
                        "the send case sent nothing"
                    );
                    assert_eq!(rx_r.try_recv(), Err(TryRecvError::Empty));
                }
            }
            assert_fair(&chosen);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_selects_on_rendezvous_channels_pair_atomically() {
    // X: send on a or receive on b. Y: send on b or receive on a. Only the two
    // of them use the channels, so each select can only happen by pairing with
    // the other's, and the k-th selects of both pair with each other: the two
    // logs must be identical, one value moved per round.
    const ROUNDS: u32 = 20_000;
    let (tx_a, rx_a) = gochan::rendezvous::<u32>();
    let (tx_b, rx_b) = gochan::rendezvous::<u32>();
    let x = tokio::spawn({
        let (tx_a, rx_b) = (tx_a.clone(), rx_b.clone());
        async move {
            let mut log = Vec::with_capacity(ROUNDS as usize);
            for k in 0..ROUNDS {
                log.push(gochan::select! {
                    send(tx_a, 2 * k) -> r => { r.unwrap(); ('a', 2 * k) },
                    recv(rx_b) -> m => ('b', m.unwrap()),
                });
            }
            log
        }
    });
    let y = tokio::spawn({
        let (tx_b, rx_a) = (tx_b.clone(), rx_a.clone());
        async move {
            let mut log = Vec::with_capacity(ROUNDS as usize);
            for k in 0..ROUNDS {
                log.push(gochan::select! {
                    send(tx_b, 2 * k + 1) -> r => { r.unwrap(); ('b', 2 * k + 1) },
                    recv(rx_a) -> m => ('a', m.unwrap()),
                });
            }
            log
        }
    });
    let (lx, ly) = deadline("rendezvous pairing", async { (x.await, y.await) }).await;
    let (lx, ly) = (lx.unwrap(), ly.unwrap());
    assert_eq!(lx, ly, "the two sides disagree on what happened");
    for (k, &(ch, v)) in lx.iter().enumerate() {
        let k = k as u32;
        match ch {
            'a' => assert_eq!(v, 2 * k, "round {k}: X's value of this round"),
            _ => assert_eq!(v, 2 * k + 1, "round {k}: Y's value of this round"),
        }
    }
    let on_a = lx.iter().filter(|e| e.0 == 'a').count() as u64;
    assert_eq!(rx_a.stats().received, on_a);
    assert_eq!(rx_b.stats().received, u64::from(ROUNDS) - on_a);
    assert!(on_a > 0 && on_a < u64::from(ROUNDS), "one way only: {on_a}");
    assert_idle(&rx_a);
    assert_idle(&rx_b);
    drop((tx_a, tx_b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_selects_with_the_same_cases_pair_only_with_each_other() {
    // Both tasks send and receive on both rendezvous channels. A select never
    // pairs with itself, so each round pairs X with Y: one sends what the
    // other receives, on the same channel.
    const ROUNDS: u32 = 10_000;
    #[derive(Debug, PartialEq)]
    enum Ev {
        Sent(char, u32),
        Got(char, u32),
    }
    let (tx_a, rx_a) = gochan::rendezvous::<u32>();
    let (tx_b, rx_b) = gochan::rendezvous::<u32>();
    let side = |me: u32| {
        let (tx_a, rx_a, tx_b, rx_b) = (tx_a.clone(), rx_a.clone(), tx_b.clone(), rx_b.clone());
        tokio::spawn(async move {
            let mut log = Vec::with_capacity(ROUNDS as usize);
            for k in 0..ROUNDS {
                let v = 10 * k + me;
                log.push(gochan::select! {
                    send(tx_a, v) -> r => { r.unwrap(); Ev::Sent('a', v) },
                    recv(rx_a) -> m => Ev::Got('a', m.unwrap()),
                    send(tx_b, v) -> r => { r.unwrap(); Ev::Sent('b', v) },
                    recv(rx_b) -> m => Ev::Got('b', m.unwrap()),
                });
            }
            log
        })
    };
    let (x, y) = (side(1), side(2));
    let (lx, ly) = deadline("self-exclusion", async { (x.await, y.await) }).await;
    let (lx, ly) = (lx.unwrap(), ly.unwrap());
    for (k, (ex, ey)) in lx.iter().zip(&ly).enumerate() {
        let k = k as u32;
        match (ex, ey) {
            (Ev::Sent(c, v), Ev::Got(d, w)) => {
                assert_eq!((c, *v), (d, *w), "round {k}");
                assert_eq!(*v, 10 * k + 1);
            }
            (Ev::Got(c, v), Ev::Sent(d, w)) => {
                assert_eq!((c, *v), (d, *w), "round {k}");
                assert_eq!(*v, 10 * k + 2);
            }
            other => panic!("round {k}: not a pairing: {other:?}"),
        }
    }
    assert_idle(&rx_a);
    assert_idle(&rx_b);
}

/// A send case pairs with another select's receive case on a rendezvous
/// channel (the receive case is promised the value, its select taken). If
/// the value is never made (the value expression panics), the promised
/// select starts over: it did not happen, and another of its cases can.
#[tokio::test]
async fn a_promised_select_starts_over_if_the_send_case_gives_up() {
    let (tx_a, rx_a) = gochan::rendezvous::<u32>();
    let (tx_c, rx_c) = gochan::bounded::<u32>(1);
    let mut y = by_hand(async {
        gochan::select! {
            recv(rx_a) -> v => ('a', v.unwrap()),
            recv(rx_c) -> v => ('c', v.unwrap()),
        }
    });
    assert_pending!(y.poll());
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gochan::select! {
            send(tx_a, no_value()) -> _r => {},
            default => unreachable!("a receiver waits: the send case is ready"),
        }
    }));
    assert!(built.is_err());
    assert!(y.is_woken(), "the promised select is told to start over");
    assert_pending!(y.poll());
    assert_eq!(rx_a.stats().waiting_receivers, 1, "registered again");
    // Both of its cases are live again (the receive on `a` is registered,
    // above): the one on `c` happens.
    tx_c.try_send(7).unwrap();
    assert!(y.is_woken());
    assert_eq!(assert_ready!(y.poll()), ('c', 7));
    drop(y);
    assert_idle(&rx_a);
    assert_idle(&rx_c);
    assert_eq!(tx_a.try_send(1), Err(gochan::TrySendError::Full(1)));
}

/// A promised select whose deadline passes while the send case it paired
/// with is still making its value waits for that value: the pairing
/// happened, so its receive case happens.
#[tokio::test(start_paused = true)]
async fn a_promised_select_waits_past_its_deadline_for_the_value() {
    let (tx_a, rx_a) = gochan::rendezvous::<u32>();
    let (gate_tx, gate_rx) = gochan::bounded::<u32>(1);
    let mut y = by_hand(async {
        gochan::select! {
            recv(rx_a) -> v => Some(v.unwrap()),
            default(Duration::from_millis(10)) => None,
        }
    });
    assert_pending!(y.poll());
    let mut x = by_hand(async {
        gochan::select! {
            send(tx_a, gate_rx.recv().await.unwrap()) -> r => r.unwrap(),
        }
    });
    // X pairs with Y, then waits for its value.
    assert_pending!(x.poll());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_pending!(y.poll());
    gate_tx.try_send(5).unwrap();
    assert_ready!(x.poll());
    assert!(y.is_woken());
    assert_eq!(assert_ready!(y.poll()), Some(5));
    assert_idle(&rx_a);
}

/// A promised select dropped before the value comes: the value, once made,
/// goes to the next receiver (here none waits: it stays in the channel for
/// one), and nothing is left registered.
#[tokio::test]
async fn a_promised_select_dropped_lets_the_value_go_on() {
    let (tx_a, rx_a) = gochan::rendezvous::<u32>();
    let (gate_tx, gate_rx) = gochan::bounded::<u32>(1);
    let mut y = by_hand(async {
        gochan::select! {
            recv(rx_a) -> v => v.unwrap(),
        }
    });
    assert_pending!(y.poll());
    let mut x = by_hand(async {
        gochan::select! {
            send(tx_a, gate_rx.recv().await.unwrap()) -> r => r.unwrap(),
        }
    });
    assert_pending!(x.poll());
    drop(y);
    gate_tx.try_send(5).unwrap();
    assert_ready!(x.poll());
    assert_eq!(rx_a.try_recv(), Ok(5), "the value was lost");
    assert_idle(&rx_a);
}

// ---------------------------------------------------------------------------
// Random choice
// ---------------------------------------------------------------------------

#[tokio::test]
async fn random_choice_between_ready_receive_cases() {
    deadline("random_choice_between_ready_receive_cases", async {
        const TRIALS: usize = 10_000;
        let (tx1, rx1) = gochan::unbounded::<u8>();
        let (tx2, rx2) = gochan::unbounded::<u8>();
        for _ in 0..TRIALS {
            tx1.try_send(0).unwrap();
            tx2.try_send(1).unwrap();
        }
        let mut counts = [0usize; 2];
        for _ in 0..TRIALS {
            let b = gochan::select! {
                recv(rx1) -> m => m.unwrap(),
                recv(rx2) -> m => m.unwrap(),
            };
            counts[b as usize] += 1;
        }
        assert_fair(&counts);
        assert_eq!(rx1.len() + rx2.len(), TRIALS, "one value per select");
    })
    .await;
}

#[tokio::test]
async fn random_choice_between_ready_send_cases() {
    deadline("random_choice_between_ready_send_cases", async {
        const TRIALS: usize = 10_000;
        let (tx1, rx1) = gochan::unbounded::<u8>();
        let (tx2, rx2) = gochan::unbounded::<u8>();
        let mut counts = [0usize; 2];
        for _ in 0..TRIALS {
            let b = gochan::select! {
                send(tx1, 0) -> r => { r.unwrap(); 0 },
                send(tx2, 1) -> r => { r.unwrap(); 1 },
            };
            counts[b] += 1;
        }
        assert_fair(&counts);
        assert_eq!((rx1.len(), rx2.len()), (counts[0], counts[1]));
    })
    .await;
}

#[tokio::test]
async fn random_choice_with_unready_cases_before_the_ready_ones() {
    deadline(
        "random_choice_with_unready_cases_before_the_ready_ones",
        async {
            // Go's TestSelectFairness layout: two never-ready cases, then two ready ones.
            const TRIALS: usize = 10_000;
            let (tx1, rx1) = gochan::unbounded::<u8>();
            let (tx2, rx2) = gochan::unbounded::<u8>();
            let (_tx3, rx3) = gochan::rendezvous::<u8>();
            let (_tx4, rx4) = gochan::rendezvous::<u8>();
            for _ in 0..2 * TRIALS {
                tx1.try_send(0).unwrap();
                tx2.try_send(1).unwrap();
            }
            let mut counts = [0usize; 2];
            for _ in 0..TRIALS {
                let b = gochan::select! {
                    recv(rx3) -> _m => unreachable!(),
                    recv(rx4) -> _m => unreachable!(),
                    recv(rx1) -> m => m.unwrap(),
                    recv(rx2) -> m => m.unwrap(),
                };
                counts[b as usize] += 1;
            }
            assert_fair(&counts);

            // The same through the dynamic Select, one select reused.
            let mut counts = [0usize; 2];
            let mut sel = Select::new();
            let c3 = sel.recv(&rx3);
            let c4 = sel.recv(&rx4);
            let c1 = sel.recv(&rx1);
            let c2 = sel.recv(&rx2);
            for _ in 0..TRIALS {
                let i = sel.select().await;
                counts[i - 2] += 1;
                let (case, want) = if i == c1.index() { (&c1, 0) } else { (&c2, 1) };
                assert_eq!(sel.take(case), Some(Ok(want)));
            }
            assert_fair(&counts);
            assert_eq!((sel.take(&c3), sel.take(&c4)), (None, None));
        },
    )
    .await;
}

#[tokio::test]
async fn random_choice_between_cases_on_the_same_channel() {
    deadline("random_choice_between_cases_on_the_same_channel", async {
        let (tx, rx) = gochan::unbounded::<u32>();
        let mut counts = [0usize; 2];
        for i in 0..10_000 {
            tx.try_send(i).unwrap();
            let which = gochan::select! {
                recv(rx) -> m => { assert_eq!(m, Ok(i)); 0 },
                recv(rx) -> m => { assert_eq!(m, Ok(i)); 1 },
            };
            counts[which] += 1;
            assert!(rx.is_empty());
        }
        assert_fair(&counts);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Closed channels
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_receive_case_on_a_closed_channel_drains_then_errs() {
    deadline(
        "a_receive_case_on_a_closed_channel_drains_then_errs",
        async {
            let (tx, rx) = gochan::bounded::<u32>(2);
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            tx.close();
            let mut got = Vec::new();
            for _ in 0..4 {
                got.push(gochan::select! {
                    recv(rx) -> m => m,
                    recv(rx_idle) -> _m => unreachable!("nobody sends"),
                });
            }
            assert_eq!(got, [Ok(1), Ok(2), Err(RecvError), Err(RecvError)]);
            assert_idle(&rx_idle);
        },
    )
    .await;
}

#[tokio::test]
async fn a_send_case_on_a_closed_channel_gives_its_value_back() {
    deadline(
        "a_send_case_on_a_closed_channel_gives_its_value_back",
        async {
            let (tx, rx) = gochan::bounded::<String>(1);
            let (_tx_idle, rx_idle) = gochan::rendezvous::<String>();
            rx.close();
            let back = gochan::select! {
                send(tx, String::from("refused")) -> r => r,
                recv(rx_idle) -> _m => unreachable!("nobody sends"),
            };
            assert_eq!(back, Err(SendError(String::from("refused"))));
            // Dynamic: the value comes back in the result, not from take_value.
            let mut sel = Select::new();
            let case = sel.send(&tx, String::from("again"));
            assert_eq!(sel.try_select(), Some(case.index()));
            assert_eq!(sel.take(&case), Some(Err(SendError(String::from("again")))));
            assert_eq!(sel.take_value(&case), None);
            assert_idle(&rx_idle);
        },
    )
    .await;
}

#[tokio::test]
async fn closing_wakes_a_waiting_select() {
    deadline("closing_wakes_a_waiting_select", async {
        // Receive side: the select waits, the channel closes, the case errs.
        let (tx, rx) = gochan::rendezvous::<u32>();
        let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
        let mut sel = by_hand(async {
            gochan::select! {
                recv(rx) -> m => m,
                recv(rx_idle) -> _m => unreachable!(),
            }
        });
        assert_pending!(sel.poll());
        assert_eq!(tx.stats().waiting_receivers, 1);
        tx.close();
        assert!(sel.is_woken());
        assert_eq!(assert_ready!(sel.poll()), Err(RecvError));
        drop(sel);
        assert_idle(&rx);
        assert_idle(&rx_idle);

        // Send side: waiting on a full channel, the value comes back on close.
        let (tx, rx) = gochan::bounded::<String>(1);
        tx.try_send(String::from("first")).unwrap();
        let mut sel = by_hand(async {
            gochan::select! {
                send(tx, String::from("second")) -> r => r,
                recv(rx_idle) -> _m => unreachable!(),
            }
        });
        assert_pending!(sel.poll());
        assert_eq!(rx.stats().waiting_senders, 1);
        rx.close();
        assert!(sel.is_woken());
        assert_eq!(
            assert_ready!(sel.poll()),
            Err(SendError(String::from("second")))
        );
        drop(sel);
        assert_idle(&rx);
        assert_eq!(rx.try_recv().as_deref(), Ok("first"));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    })
    .await;
}

#[tokio::test]
async fn dropping_the_last_sender_makes_a_receive_case_ready() {
    deadline(
        "dropping_the_last_sender_makes_a_receive_case_ready",
        async {
            let (tx, rx) = gochan::unbounded::<u32>();
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
            let mut sel = by_hand(async {
                gochan::select! {
                    recv(rx_idle) -> _m => unreachable!(),
                    recv(rx) -> m => m,
                }
            });
            assert_pending!(sel.poll());
            drop(tx);
            assert!(sel.is_woken());
            assert_eq!(assert_ready!(sel.poll()), Err(RecvError));
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// The same channel in several cases; a select never pairs with itself
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_same_channel_in_several_cases_happens_once() {
    deadline("the_same_channel_in_several_cases_happens_once", async {
        // Two receive cases, one value: taken once.
        let (tx, rx) = gochan::bounded::<u32>(4);
        tx.try_send(7).unwrap();
        let got = gochan::select! {
            recv(rx) -> m => m,
            recv(rx) -> m => m,
            recv(rx) -> m => m,
        };
        assert_eq!(got, Ok(7));
        assert!(rx.is_empty());

        // Two send cases with room for both: one value sent.
        let mut chosen = [0usize; 2];
        for _ in 0..1_000 {
            let which = gochan::select! {
                send(tx, 1) -> r => { r.unwrap(); 0 },
                send(tx, 2) -> r => { r.unwrap(); 1 },
            };
            chosen[which] += 1;
            assert_eq!(rx.len(), 1, "both send cases happened");
            assert_eq!(rx.try_recv(), Ok(which as u32 + 1));
        }
        assert_fair(&chosen);

        // Waiting with two receive cases on one channel: one value completes one.
        let mut sel = by_hand(async {
            gochan::select! {
                recv(rx) -> m => m,
                recv(rx) -> m => m,
            }
        });
        assert_pending!(sel.poll());
        assert_eq!(rx.stats().waiting_receivers, 2);
        tx.try_send(9).unwrap();
        tx.try_send(10).unwrap();
        assert_eq!(assert_ready!(sel.poll()), Ok(9));
        drop(sel);
        assert_idle(&rx);
        assert_eq!(rx.try_recv(), Ok(10), "the second value was not swallowed");
    })
    .await;
}

#[tokio::test]
async fn a_select_never_pairs_with_itself_default_runs() {
    deadline("a_select_never_pairs_with_itself_default_runs", async {
        let (tx, rx) = gochan::rendezvous::<u32>();
        for _ in 0..100 {
            let got = gochan::select! {
                send(tx, 1) -> _r => "sent",
                recv(rx) -> _m => "received",
                default => "default",
            };
            assert_eq!(got, "default");
            assert_idle(&rx);
        }
        // The same through the dynamic Select, and with duplicated cases.
        let mut sel = Select::new();
        let s1 = sel.send(&tx, 1);
        let r1 = sel.recv(&rx);
        let s2 = sel.send(&tx, 2);
        let r2 = sel.recv(&rx);
        assert_eq!(sel.try_select(), None);
        assert_idle(&rx);
        assert_eq!(sel.try_select(), None, "again, with the same values");
        assert_eq!((sel.take(&r1), sel.take(&r2)), (None, None));
        assert_eq!((sel.take(&s1), sel.take(&s2)), (None, None));
        assert_eq!(
            (sel.take_value(&s1), sel.take_value(&s2)),
            (Some(1), Some(2))
        );
        assert_idle(&rx);
    })
    .await;
}

#[tokio::test]
async fn a_select_never_pairs_with_itself_it_waits_for_another_task() {
    deadline(
        "a_select_never_pairs_with_itself_it_waits_for_another_task",
        async {
            let (tx, rx) = gochan::rendezvous::<u32>();
            #[derive(Debug, PartialEq)]
            enum Ev {
                Sent,
                Got(u32),
            }
            let self_select = || async {
                gochan::select! {
                    send(tx, 1) -> r => { r.unwrap(); Ev::Sent },
                    recv(rx) -> m => Ev::Got(m.unwrap()),
                }
            };

            // Another task's receive completes the send case: it waits, which
            // grants the case its hand-off (the select's own receive case
            // does not count), and the select sends into it.
            let mut sel = by_hand(self_select());
            assert_pending!(sel.poll());
            for _ in 0..3 {
                assert_pending!(sel.poll());
            }
            let s = rx.stats();
            assert_eq!((s.waiting_senders, s.waiting_receivers), (1, 1));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "no value yet");
            let mut other = by_hand(rx.recv());
            assert_pending!(other.poll());
            assert!(sel.is_woken());
            assert_eq!(assert_ready!(sel.poll()), Ev::Sent);
            assert_eq!(assert_ready!(other.poll()), Ok(1));
            drop(sel);
            assert_idle(&rx);

            // Another task's send completes the receive case.
            let mut sel = by_hand(self_select());
            assert_pending!(sel.poll());
            tx.try_send(5).expect("the select's receive case waits");
            assert!(sel.is_woken());
            assert_eq!(assert_ready!(sel.poll()), Ev::Got(5));
            drop(sel);
            assert_idle(&rx);
            assert_eq!(rx.stats().sent, 2);
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// No registration left behind; cancel safety
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_finished_select_leaves_no_registration() {
    deadline("a_finished_select_leaves_no_registration", async {
        let (tx_a, rx_a) = gochan::rendezvous::<u32>();
        let (tx_b, rx_b) = gochan::rendezvous::<u32>();
        let (tx_c, rx_c) = gochan::bounded::<u32>(1);
        let (tx_d, rx_d) = gochan::rendezvous::<u32>();
        tx_c.try_send(0).unwrap(); // full

        let mut sel = by_hand(async {
            gochan::select! {
                recv(rx_a) -> m => {
                    // Gone already when the chosen case's body runs.
                    for rx in [&rx_a, &rx_b, &rx_c, &rx_d] {
                        assert_idle(rx);
                    }
                    m.unwrap()
                }
                recv(rx_b) -> _m => unreachable!(),
                send(tx_c, 100) -> _r => unreachable!(),
                send(tx_d, 200) -> _r => unreachable!(),
            }
        });
        assert_pending!(sel.poll());
        assert_eq!(rx_a.stats().waiting_receivers, 1);
        assert_eq!(rx_b.stats().waiting_receivers, 1);
        assert_eq!(rx_c.stats().waiting_senders, 1);
        assert_eq!(rx_d.stats().waiting_senders, 1);

        tx_a.try_send(1).unwrap();
        assert_eq!(assert_ready!(sel.poll()), 1);
        drop(sel);
        for rx in [&rx_a, &rx_b, &rx_c, &rx_d] {
            assert_idle(rx);
        }

        // Later operations on the losing channels go to plain counterparts.
        let mut plain = by_hand(rx_b.recv());
        assert_pending!(plain.poll());
        tx_b.try_send(2).expect("a plain receiver waits");
        assert_eq!(assert_ready!(plain.poll()), Ok(2));
        assert_eq!(rx_c.try_recv(), Ok(0));
        assert_eq!(
            rx_c.try_recv(),
            Err(TryRecvError::Empty),
            "100 was not sent"
        );
        assert_eq!(
            rx_d.try_recv(),
            Err(TryRecvError::Empty),
            "200 was not sent"
        );
        let mut plain = by_hand(rx_d.recv());
        assert_pending!(plain.poll());
        tx_d.try_send(3).unwrap();
        assert_eq!(assert_ready!(plain.poll()), Ok(3));
    })
    .await;
}

#[tokio::test]
async fn a_dropped_select_leaves_no_trace() {
    deadline("a_dropped_select_leaves_no_trace", async {
        let (tx_a, rx_a) = gochan::rendezvous::<u32>();
        let (tx_b, rx_b) = gochan::rendezvous::<u32>();
        let (tx_c, rx_c) = gochan::bounded::<u32>(1);
        tx_c.try_send(0).unwrap();

        let mut sel = by_hand(async {
            gochan::select! {
                recv(rx_a) -> _m => unreachable!(),
                send(tx_b, 10) -> _r => unreachable!(),
                send(tx_c, 20) -> _r => unreachable!(),
            }
        });
        assert_pending!(sel.poll());
        assert_eq!(rx_a.stats().waiting_receivers, 1);
        assert_eq!(rx_b.stats().waiting_senders, 1);
        assert_eq!(rx_c.stats().waiting_senders, 1);
        drop(sel);
        for rx in [&rx_a, &rx_b, &rx_c] {
            assert_idle(rx);
        }

        // Values flow between plain operations afterwards.
        assert_eq!(
            tx_a.try_send(1).unwrap_err().into_inner(),
            1,
            "no receiver waits"
        );
        let mut plain = by_hand(rx_a.recv());
        assert_pending!(plain.poll());
        tx_a.try_send(2).unwrap();
        assert_eq!(assert_ready!(plain.poll()), Ok(2));
        assert_eq!(rx_b.try_recv(), Err(TryRecvError::Empty), "10 was not sent");
        assert_eq!(rx_c.try_recv(), Ok(0));
        assert_eq!(rx_c.try_recv(), Err(TryRecvError::Empty), "20 was not sent");
        tx_c.try_send(3).unwrap();
        assert_eq!(rx_c.try_recv(), Ok(3));
    })
    .await;
}

#[tokio::test]
async fn a_select_dropped_after_its_receive_case_was_handed_a_value_passes_it_on() {
    deadline(
        "a_select_dropped_after_its_receive_case_was_handed_a_value_passes_it_on",
        async {
            let (tx, rx) = gochan::bounded::<u32>(2);
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();

            // Nobody else waits: the value goes back to the front of the buffer.
            let mut sel = by_hand(async {
                gochan::select! {
                    recv(rx) -> m => m,
                    recv(rx_idle) -> _m => unreachable!(),
                }
            });
            assert_pending!(sel.poll());
            tx.try_send(1).unwrap(); // handed to the select's receive case
            tx.try_send(2).unwrap();
            assert!(sel.is_woken());
            drop(sel); // before it could return the value
            assert_idle(&rx);
            assert_eq!(rx.try_recv(), Ok(1), "the value came back, in order");
            assert_eq!(rx.try_recv(), Ok(2));

            // Another receiver waits: it gets the value.
            let mut sel = by_hand(async {
                gochan::select! {
                    recv(rx) -> m => m,
                    recv(rx_idle) -> _m => unreachable!(),
                }
            });
            assert_pending!(sel.poll());
            let mut plain = by_hand(rx.recv());
            assert_pending!(plain.poll());
            tx.try_send(3).unwrap();
            drop(sel);
            assert!(plain.is_woken());
            assert_eq!(assert_ready!(plain.poll()), Ok(3));
            assert_idle(&rx);
            assert_idle(&rx_idle);
        },
    )
    .await;
}

#[tokio::test]
async fn a_select_dropped_after_its_send_case_was_granted_sends_nothing() {
    deadline(
        "a_select_dropped_after_its_send_case_was_granted_sends_nothing",
        async {
            let (tx, rx) = gochan::rendezvous::<u32>();
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
            let mut sel = by_hand(async {
                gochan::select! {
                    send(tx, 1) -> r => r,
                    recv(rx_idle) -> _m => unreachable!(),
                }
            });
            assert_pending!(sel.poll());
            let mut r = by_hand(rx.recv());
            assert_pending!(r.poll()); // grants the send case its hand-off
            assert!(sel.is_woken());
            drop(sel); // before it sent: the grant goes back
            assert_eq!(rx.stats().sent, 0);
            assert_eq!(rx.stats().waiting_senders, 0);
            assert_eq!(
                rx.stats().waiting_receivers,
                1,
                "the receiver keeps its place"
            );
            tx.try_send(2).expect("the receiver still waits");
            assert_eq!(assert_ready!(r.poll()), Ok(2));
            assert_idle(&rx);
            assert_eq!(rx.stats().sent, 1);
        },
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn cancel_safe_inside_tokio_select_losing_to_a_timer() {
    deadline("cancel_safe_inside_tokio_select_losing_to_a_timer", async {
        let (tx_a, rx_a) = gochan::rendezvous::<u32>();
        let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        tx_b.try_send(0).unwrap(); // full
        let out = tokio::select! {
            r = async {
                gochan::select! {
                    recv(rx_a) -> m => m.unwrap(),
                    send(tx_b, 9) -> _r => 99,
                }
            } => Some(r),
            _ = tokio::time::sleep(Duration::from_secs(1)) => None,
        };
        assert_eq!(out, None);
        assert_idle(&rx_a);
        assert_idle(&rx_b);

        // A value sent afterwards goes to another receiver.
        let other = tokio::spawn({
            let rx_a = rx_a.clone();
            async move { rx_a.recv().await }
        });
        tx_a.send(5).await.unwrap();
        assert_eq!(other.await.unwrap(), Ok(5));
        assert_eq!(rx_b.try_recv(), Ok(0));
        assert_eq!(rx_b.try_recv(), Err(TryRecvError::Empty), "9 was not sent");
    })
    .await;
}

#[tokio::test]
async fn cancel_safe_inside_tokio_select_losing_as_its_receive_case_happens() {
    deadline(
        "cancel_safe_inside_tokio_select_losing_as_its_receive_case_happens",
        async {
            // The second branch hands a value to the select's registered receive
            // case and wins the outer select, which drops the inner one: the value
            // must not be lost.
            let (tx, rx) = gochan::bounded::<u32>(4);
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
            for round in 0..100 {
                let out = tokio::select! {
                    biased;
                    m = async {
                        gochan::select! {
                            recv(rx) -> m => m.unwrap(),
                            recv(rx_idle) -> _m => unreachable!(),
                        }
                    } => Some(m),
                    _ = async { tx.send(round).await.unwrap() } => None,
                };
                assert_eq!(out, None, "the outer select polls the first branch first");
                assert_idle(&rx);
                assert_idle(&rx_idle);
                assert_eq!(rx.try_recv(), Ok(round), "the handed value was passed on");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn cancel_safe_inside_tokio_select_losing_as_its_send_case_happens() {
    deadline(
        "cancel_safe_inside_tokio_select_losing_as_its_send_case_happens",
        async {
            let (tx, rx) = gochan::rendezvous::<u32>();
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
            for round in 0..100 {
                // The receive waits, which grants the select's send case;
                // the select then sends into it and wins, and the losing
                // receive passes the value on (to the front of the channel).
                let out = tokio::select! {
                    biased;
                    _ = async {
                        gochan::select! {
                            send(tx, round) -> r => r.unwrap(),
                            recv(rx_idle) -> _m => unreachable!(),
                        }
                    } => None,
                    m = rx.recv() => Some(m),
                };
                let got = match out {
                    Some(m) => m,
                    None => rx.try_recv().map_err(|_| gochan::RecvError),
                };
                assert_eq!(got, Ok(round), "sent once, received once");
                assert_idle(&rx);
                assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "sent twice");
            }
            assert_eq!(rx.stats().sent, 100);
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// default and default(duration)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn default_never_waits() {
    deadline("default_never_waits", async {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let (tx_full, rx_full) = gochan::bounded::<u32>(1);
        tx_full.try_send(0).unwrap();
        let mut sel = by_hand(async {
            gochan::select! {
                recv(rx) -> _m => 1,
                send(tx, 1) -> _r => 2,
                send(tx_full, 1) -> _r => 3,
                default => 0,
            }
        });
        assert_eq!(assert_ready!(sel.poll()), 0, "ready on the first poll");
        drop(sel);
        assert_idle(&rx);
        assert_idle(&rx_full);
        assert_eq!(rx_full.len(), 1);

        // A default alone.
        let mut sel = by_hand(async {
            gochan::select! { default => 7 }
        });
        assert_eq!(assert_ready!(sel.poll()), 7);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_runs_only_if_no_case_was_ready() {
    // a holds a value; a task selects over a and b with a default while this
    // one fills b, then empties a. At every moment a or b holds a value, so
    // the select must take one of them (Go's TestNonblockSelectRace). The
    // window is narrow and this rarely catches a regression on its own;
    // default_never_runs_while_a_value_moves_between_cases is the test that
    // reliably fails if the default pass stops registering.
    for round in 0..20_000 {
        let (tx_a, rx_a) = gochan::bounded::<u32>(1);
        let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        tx_a.try_send(1).unwrap();
        let selecting = tokio::spawn({
            // Clones: the task's receivers dropping must not close a or b
            // under the sends below.
            let (rx_a, rx_b) = (rx_a.clone(), rx_b.clone());
            async move {
                gochan::select! {
                    recv(rx_a) -> _m => false,
                    recv(rx_b) -> _m => false,
                    default => true,
                }
            }
        });
        tx_b.try_send(2).unwrap();
        let _ = rx_a.try_recv();
        let took_default = deadline("default race", selecting).await.unwrap();
        assert!(
            !took_default,
            "round {round}: default ran while a or b held a value"
        );
    }
}

#[tokio::test]
async fn a_ready_case_beats_default() {
    deadline("a_ready_case_beats_default", async {
        let (tx, rx) = gochan::bounded::<u32>(1);
        for i in 0..1_000 {
            tx.try_send(i).unwrap();
            let got = gochan::select! {
                recv(rx) -> m => m.unwrap(),
                default => unreachable!("a case is ready"),
            };
            assert_eq!(got, i);
            let sent = gochan::select! {
                send(tx, i) -> r => r.is_ok(),
                default => unreachable!("there is room"),
            };
            assert!(sent);
            assert_eq!(rx.try_recv(), Ok(i));
        }
        // A waiting receiver makes a rendezvous send case ready.
        let (tx, rx) = gochan::rendezvous::<u32>();
        let mut plain = by_hand(rx.recv());
        assert_pending!(plain.poll());
        let sent = gochan::select! {
            send(tx, 4) -> r => r.is_ok(),
            default => false,
        };
        assert!(sent);
        assert_eq!(assert_ready!(plain.poll()), Ok(4));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn default_duration_waits_at_most_that_long() {
    deadline("default_duration_waits_at_most_that_long", async {
        let (_tx, rx) = gochan::rendezvous::<u32>();
        let (tx_full, rx_full) = gochan::bounded::<u32>(1);
        tx_full.try_send(0).unwrap();
        for ms in [0u64, 1, 250, 10_000] {
            let d = Duration::from_millis(ms);
            let start = Instant::now();
            let got = gochan::select! {
                recv(rx) -> _m => 1,
                send(tx_full, 5) -> _r => 2,
                default(d) => 0,
            };
            let waited = start.elapsed();
            assert_eq!(got, 0);
            assert!(
                waited >= d && waited <= d + Duration::from_millis(1),
                "waited {waited:?} for default({d:?})"
            );
            assert_idle(&rx);
            assert_idle(&rx_full);
        }
        assert_eq!(rx_full.len(), 1);
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_case_ready_before_the_deadline_wins() {
    deadline("a_case_ready_before_the_deadline_wins", async {
        // Receive case.
        let (tx, rx) = gochan::rendezvous::<u32>();
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            tx.send(7).await
        });
        let start = Instant::now();
        let got = gochan::select! {
            recv(rx) -> m => m,
            default(Duration::from_secs(1)) => unreachable!("the value came first"),
        };
        assert_eq!(got, Ok(7));
        assert!(
            start.elapsed() <= Duration::from_millis(101),
            "{:?}",
            start.elapsed()
        );
        sender.await.unwrap().unwrap();

        // Send case.
        let (tx, rx) = gochan::rendezvous::<u32>();
        let receiver = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            rx.recv().await
        });
        let start = Instant::now();
        let sent = gochan::select! {
            send(tx, 8) -> r => r.is_ok(),
            default(Duration::from_secs(1)) => false,
        };
        assert!(sent);
        assert!(start.elapsed() <= Duration::from_millis(301));
        assert_eq!(receiver.await.unwrap(), Ok(8));
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_case_that_happens_at_the_deadline_wins() {
    deadline("a_case_that_happens_at_the_deadline_wins", async {
        let d = Duration::from_millis(50);

        // The deadline passes, then a receiver comes and grants the send case
        // before the select runs again: the case was chosen first, so it
        // wins and its value goes out.
        let (tx, rx) = gochan::rendezvous::<u32>();
        let mut sel = by_hand(async {
            gochan::select! {
                send(tx, 1) -> r => r.is_ok(),
                default(d) => false,
            }
        });
        assert_pending!(sel.poll());
        tokio::time::advance(d).await;
        assert!(sel.is_woken(), "the deadline woke the select");
        let mut r = by_hand(rx.recv());
        assert_pending!(r.poll());
        assert!(
            assert_ready!(sel.poll()),
            "default ran although the send case was chosen"
        );
        assert_eq!(assert_ready!(r.poll()), Ok(1));
        drop(sel);
        assert_idle(&rx);

        // The same for a receive case.
        let mut sel = by_hand(async {
            gochan::select! {
                recv(rx) -> m => m.ok(),
                default(d) => None,
            }
        });
        assert_pending!(sel.poll());
        tokio::time::advance(d).await;
        tx.try_send(2)
            .expect("the select still waits until it runs");
        assert_eq!(assert_ready!(sel.poll()), Some(2));
        drop(sel);
        assert_idle(&rx);

        // The select runs first: default, and nothing was sent or taken.
        let mut sel = by_hand(async {
            gochan::select! {
                send(tx, 3) -> r => r.is_ok(),
                recv(rx) -> _m => true,
                default(d) => false,
            }
        });
        assert_pending!(sel.poll());
        tokio::time::advance(d).await;
        assert!(!assert_ready!(sel.poll()));
        drop(sel);
        assert_idle(&rx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx.stats().sent, 2);
    })
    .await;
}

// ---------------------------------------------------------------------------
// A value already handed to the receiver's handle
// ---------------------------------------------------------------------------

/// A handle whose `next()` was polled once and dropped keeps its place in
/// line, and a value sent then is handed to it. Every receive form takes a
/// value held by its handle first, `select!` too (`tests/select_dynamic.rs`
/// checks `Select`). After the close, the case is ready with that value (it
/// must not wait for ever), and `join()` resolves once it is taken.
#[tokio::test(start_paused = true)]
async fn a_receive_case_takes_the_value_its_handle_holds_on_a_closed_channel() {
    use tokio_stream::StreamExt;
    let wait = Duration::from_secs(10);
    for (kind, (tx, mut rx)) in common::kinds::<u32>() {
        assert_pending!(by_hand(rx.next()).poll(), "{kind}"); // the handle waits in line
        assert_eq!(tx.try_send(1), Ok(()), "{kind}: handed to the handle");
        tx.close();
        let got = tokio::time::timeout(wait, async {
            gochan::select! {
                recv(rx) -> v => v,
            }
        })
        .await;
        assert_eq!(
            got,
            Ok(Ok(1)),
            "{kind}: select! ignored the value its handle holds (Err(Elapsed): it waited)"
        );
        assert!(
            tokio::time::timeout(wait, rx.join()).await.is_ok(),
            "{kind}: join() must resolve once the value is taken"
        );
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{kind}");
        assert_idle(&rx);
    }
}

/// On an open channel the value a handle holds comes before values sent
/// after it: a receive case on that handle returns 1, then 2.
#[tokio::test(start_paused = true)]
async fn a_receive_case_returns_the_value_its_handle_holds_before_later_ones() {
    use tokio_stream::StreamExt;
    let wait = Duration::from_secs(10);
    for (kind, (tx, mut rx)) in common::buffered_kinds::<u32>(4) {
        assert_pending!(by_hand(rx.next()).poll(), "{kind}");
        tx.try_send(1).unwrap(); // handed to the handle
        tx.try_send(2).unwrap(); // buffered
        for want in [1, 2] {
            let got = tokio::time::timeout(wait, async {
                gochan::select! {
                    recv(rx) -> v => v,
                }
            })
            .await;
            assert_eq!(got, Ok(Ok(want)), "{kind}: select!, out of order");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{kind}");
        assert_idle(&rx);
    }
}

// ---------------------------------------------------------------------------
// A send case's value is evaluated only when the case is chosen
// ---------------------------------------------------------------------------

/// The queue-forwarding loop Go programs write: the send case's value is
/// `queue.pop_front().unwrap()`, guarded by `!queue.is_empty()`, and a
/// receive case refills the queue. The value expression must be evaluated
/// only when the send case is chosen; evaluated for a case that loses, the
/// popped value would be dropped with the select. 1000 values moved through
/// bounded(1), bounded(16) and rendezvous channels, with a concurrent
/// producer and consumer, all arrive exactly once and in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_cases_value_is_evaluated_only_when_it_is_chosen() {
    const N: u32 = 1000;
    for (kind, make) in [
        (
            "bounded(1)",
            (|| gochan::bounded(1)) as fn() -> (Sender<u32>, Receiver<u32>),
        ),
        ("bounded(16)", || gochan::bounded(16)),
        ("rendezvous", gochan::rendezvous),
    ] {
        let (in_tx, input) = make();
        let (out, out_rx) = make();
        let producer = tokio::spawn(async move {
            for v in 0..N {
                in_tx.send(v).await.unwrap();
            }
            // in_tx dropped: the input closes
        });
        let consumer = tokio::spawn(async move {
            let mut got = Vec::new();
            while let Ok(v) = out_rx.recv().await {
                got.push(v);
            }
            got
        });
        let forwarded = tokio::spawn(async move {
            let mut queue = std::collections::VecDeque::new();
            let mut open = true;
            while open || !queue.is_empty() {
                gochan::select! {
                    send(out, queue.pop_front().unwrap()) -> r, if !queue.is_empty() => {
                        r.expect("the consumer is alive");
                    },
                    recv(input) -> v, if open => match v {
                        Ok(v) => queue.push_back(v),
                        Err(RecvError) => open = false,
                    },
                }
            }
            // out dropped: the consumer ends
        });
        let got = deadline(kind, async {
            producer.await.unwrap();
            forwarded.await.unwrap();
            consumer.await.unwrap()
        })
        .await;
        assert_eq!(got.len(), N as usize, "{kind}: values lost");
        assert_eq!(got, (0..N).collect::<Vec<_>>(), "{kind}: out of order");
    }
}

/// The send case cannot happen (its channel is full), the receive case can:
/// the send case's value is never built, so nothing is built and dropped for
/// a case that lost.
#[tokio::test]
async fn no_value_is_built_for_a_send_case_that_loses() {
    deadline("no_value_is_built_for_a_send_case_that_loses", async {
        let drops = common::Drops::new(2);
        let built = AtomicUsize::new(0);
        let make = || {
            built.fetch_add(1, SeqCst);
            drops.make(1)
        };
        let (full_tx, full_rx) = gochan::bounded(1);
        assert!(full_tx.try_send(drops.make(0)).is_ok());
        let (tx, rx) = gochan::bounded::<u32>(1);
        for round in 0..10 {
            tx.try_send(round).unwrap();
            let got = gochan::select! {
                send(full_tx, make()) -> _r => unreachable!("the channel is full"),
                recv(rx) -> v => v,
            };
            assert_eq!(got, Ok(round));
        }
        assert_eq!(
            built.load(SeqCst),
            0,
            "values built for a send case that lost"
        );
        assert_eq!(drops.count(1), 0, "values dropped with a losing select");
        assert_eq!(full_rx.len(), 1);
        assert_idle(&full_rx);
        assert_idle(&rx);
        drop((full_tx, full_rx));
        assert_eq!(drops.count(0), 1, "the buffered value, once");
    })
    .await;
}

// ---------------------------------------------------------------------------
// Stress
// ---------------------------------------------------------------------------

/// The four kinds of channel the stress tests share.
fn four_kinds() -> Vec<(Sender<u32>, Receiver<u32>)> {
    vec![
        gochan::bounded(1),
        gochan::bounded(8),
        gochan::unbounded(),
        gochan::rendezvous(),
    ]
}

/// What the stress tasks share: per-id counters, and the channels to close
/// once every value has been received.
struct Books {
    chans: Vec<(Sender<u32>, Receiver<u32>)>,
    sent: Vec<AtomicU8>,
    received: Vec<AtomicU8>,
    total_received: AtomicUsize,
}

impl Books {
    fn new(total: usize) -> Arc<Self> {
        Arc::new(Books {
            chans: four_kinds(),
            sent: (0..total).map(|_| AtomicU8::new(0)).collect(),
            received: (0..total).map(|_| AtomicU8::new(0)).collect(),
            total_received: AtomicUsize::new(0),
        })
    }

    fn sent(&self, id: u32) {
        let before = self.sent[id as usize].fetch_add(1, SeqCst);
        assert_eq!(before, 0, "value {id} sent twice");
    }

    /// Counts a received value; the last one closes every channel, which
    /// ends the tasks waiting to receive.
    fn received(&self, id: u32) {
        let before = self.received[id as usize].fetch_add(1, SeqCst);
        assert_eq!(before, 0, "value {id} received twice");
        if self.total_received.fetch_add(1, SeqCst) + 1 == self.received.len() {
            for (tx, _) in &self.chans {
                tx.close();
            }
        }
    }

    fn check(&self) {
        for id in 0..self.sent.len() {
            let (s, r) = (self.sent[id].load(SeqCst), self.received[id].load(SeqCst));
            assert_eq!(
                (s, r),
                (1, 1),
                "value {id}: sent {s} times, received {r} times"
            );
        }
        let mut through = 0;
        for (_, rx) in &self.chans {
            let s = rx.stats();
            assert!(s.closed);
            assert_eq!(
                (s.buffered, s.waiting_senders, s.waiting_receivers),
                (0, 0, 0),
                "{s:?}"
            );
            assert_eq!(s.sent, s.received, "{s:?}");
            through += s.received;
        }
        assert_eq!(through, self.sent.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stress_mixed_selects_on_every_kind_of_channel() {
    // Each task offers its next value on two random channels at once, and
    // receives on all four, in one select. A send case that lost sent
    // nothing, so the same value is offered again next time; a value sent by
    // both cases would be received twice. Once a task has sent everything it
    // only receives, until the last value closes the channels.
    const TASKS: usize = 4;
    const EACH: usize = 20_000;
    let books = Books::new(TASKS * EACH);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let books = books.clone();
            tokio::spawn(async move {
                let b = &*books;
                let c = &b.chans;
                let mut rng = Rng::new(t as u64);
                let mut next = 0;
                while next < EACH {
                    let id = (t * EACH + next) as u32;
                    let x = rng.index(4);
                    let y = (x + 1 + rng.index(3)) % 4;
                    let got = gochan::select! {
                        send(c[x].0, id) -> r => { r.expect("open until all is received"); None },
                        send(c[y].0, id) -> r => { r.expect("open until all is received"); None },
                        recv(c[0].1) -> m => Some(m),
                        recv(c[1].1) -> m => Some(m),
                        recv(c[2].1) -> m => Some(m),
                        recv(c[3].1) -> m => Some(m),
                    };
                    match got {
                        None => {
                            b.sent(id);
                            next += 1;
                        }
                        Some(m) => b.received(m.expect("not closed while values are unsent")),
                    }
                }
                loop {
                    let got = gochan::select! {
                        recv(c[0].1) -> m => m,
                        recv(c[1].1) -> m => m,
                        recv(c[2].1) -> m => m,
                        recv(c[3].1) -> m => m,
                    };
                    match got {
                        Ok(id) => b.received(id),
                        Err(RecvError) => break,
                    }
                }
            })
        })
        .collect();
    deadline("mixed selects", async {
        for t in tasks {
            t.await.unwrap();
        }
    })
    .await;
    books.check();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stress_dynamic_selects_cancelled_at_random() {
    // As above, through the dynamic Select, and each select races a future
    // that completes after 0 to 3 yields: selects are dropped while waiting,
    // sometimes just as a case happens. A dropped select's send case reports
    // whether its value went out (take) or gives it back (remove); a value
    // handed to a dropped receive case goes to another receiver.
    const TASKS: usize = 4;
    const EACH: usize = 10_000;
    let books = Books::new(TASKS * EACH);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let books = books.clone();
            tokio::spawn(async move {
                let b = &*books;
                let c = &b.chans;
                let mut rng = Rng::new(100 + t as u64);
                let mut next = 0;
                let mut cancelled = 0usize;
                // One select per task: the receive cases stay, the send cases
                // are added for a round and removed after it.
                let mut sel = Select::new();
                let recvs: Vec<_> = c.iter().map(|(_, rx)| sel.recv(rx)).collect();
                loop {
                    let sending = next < EACH;
                    let id = (t * EACH + next) as u32;
                    let (x, y) = (rng.index(4), rng.index(4)); // may be the same channel
                    let sends = sending.then(|| (sel.send(&c[x].0, id), sel.send(&c[y].0, id)));
                    let patience = rng.index(4);
                    let chosen = tokio::select! {
                        biased;
                        i = sel.select() => Some(i),
                        _ = yields(patience) => None,
                    };
                    if chosen.is_none() {
                        cancelled += 1;
                    }
                    let mut happened = 0;
                    let mut closed = false;
                    for r in &recvs {
                        match sel.take(r) {
                            Some(Ok(v)) => {
                                happened += 1;
                                b.received(v);
                            }
                            Some(Err(RecvError)) => {
                                happened += 1;
                                closed = true;
                            }
                            None => {}
                        }
                    }
                    if let Some((sx, sy)) = sends {
                        let mut sent_now = false;
                        for s in [&sx, &sy] {
                            if let Some(r) = sel.take(s) {
                                r.expect("open until all is received");
                                happened += 1;
                                sent_now = true;
                            }
                        }
                        // The values of the send cases that did not happen come back.
                        let back = [sel.remove(sx), sel.remove(sy)];
                        if sent_now {
                            b.sent(id);
                            next += 1;
                            assert_eq!(back.iter().flatten().collect::<Vec<_>>(), [&id]);
                        } else {
                            assert_eq!(back, [Some(id), Some(id)]);
                        }
                    }
                    assert!(happened <= 1, "{happened} cases of one select happened");
                    if chosen.is_some() {
                        assert_eq!(happened, 1, "the select returned but nothing happened");
                    }
                    assert_eq!(sel.len(), 4, "only the receive cases stay");
                    if closed {
                        assert!(next == EACH, "closed while values are unsent");
                        return cancelled;
                    }
                }
            })
        })
        .collect();
    let cancelled = deadline("cancelled selects", async {
        let mut cancelled = 0;
        for t in tasks {
            cancelled += t.await.unwrap();
        }
        cancelled
    })
    .await;
    books.check();
    assert!(
        cancelled > 0,
        "no select was cancelled: the test tested nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stress_default_duration_races_counterparts() {
    // The sender offers each value with `default(1 ms)` until a select
    // reports it sent; the receiver sleeps 1 ms between receives, so its
    // timer and the sender's fire on the same tick and the receiver often
    // takes the value just as the sender's deadline passes. A send that
    // happened must be reported as sent: otherwise the value would be
    // offered, and received, twice.
    const VALUES: u32 = 2_000;
    let (tx, rx) = gochan::rendezvous::<u32>();
    let sender = tokio::spawn(async move {
        let mut timeouts = 0;
        for v in 0..VALUES {
            while !gochan::select! {
                send(tx, v) -> r => r.is_ok(),
                default(Duration::from_millis(1)) => false,
            } {
                timeouts += 1;
            }
        }
        timeouts
    });
    let receiver = tokio::spawn(async move {
        let mut next = 0;
        while next < VALUES {
            let v = if next % 2 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                rx.recv().await.unwrap()
            } else {
                // Also as a select racing its own deadline.
                let got = gochan::select! {
                    recv(rx) -> m => Some(m.unwrap()),
                    default(Duration::from_millis(1)) => None,
                };
                match got {
                    Some(v) => v,
                    None => continue,
                }
            };
            assert_eq!(v, next, "lost, duplicated or reordered");
            next += 1;
        }
    });
    // The receiver first: it sees a duplicate at once, while the sender
    // would then wait for it forever.
    let timeouts = deadline("default(duration) races", async {
        receiver.await.unwrap();
        sender.await.unwrap()
    })
    .await;
    assert!(timeouts > 0, "no select timed out: the test tested nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_never_runs_while_a_value_moves_between_cases() {
    // One value hops around a ring of channels: fill the next, then empty the
    // previous, so some case is ready at every moment while a task selects
    // over all of them with a default. A select that looks at its cases one
    // after the other without registering can see each one just before the
    // value arrives or just after it left, and take the default wrongly.
    const N: usize = 32;
    for round in 0..300 {
        let chans: Vec<_> = (0..N).map(|_| gochan::bounded::<u32>(1)).collect();
        chans[0].0.try_send(0).unwrap();
        let receivers: Vec<_> = chans.iter().map(|(_, rx)| rx.clone()).collect();
        let selecting = tokio::spawn(async move {
            let mut sel = gochan::Select::new();
            let _cases: Vec<_> = receivers.iter().map(|rx| sel.recv(rx)).collect();
            sel.try_select()
        });
        let mut k = 0;
        for _ in 0..100_000 {
            if selecting.is_finished() {
                break;
            }
            let next = (k + 1) % N;
            let _ = chans[next].0.try_send(1);
            let _ = chans[k].1.try_recv();
            k = next;
        }
        let chosen = deadline("moving value", selecting).await.unwrap();
        assert!(
            chosen.is_some(),
            "round {round}: default ran while a case was ready"
        );
    }
}

/// A send case's value expression that panics.
fn value_that_panics() -> u32 {
    if std::hint::black_box(true) {
        panic!("the value expression panics")
    }
    0
}

/// A chosen send case whose value expression panics gives its slot back: on
/// a buffered channel the room goes to the next sender, on a rendezvous
/// channel the receiver granted to it keeps its place and gets the next
/// value. Nothing was sent.
#[tokio::test]
async fn a_send_case_whose_value_expression_panics_gives_its_slot_back() {
    use futures::FutureExt;
    deadline(
        "a_send_case_whose_value_expression_panics_gives_its_slot_back",
        async {
            // Buffered: the room is free again.
            let (tx, rx) = gochan::bounded::<u32>(1);
            let res = std::panic::AssertUnwindSafe(async {
                gochan::select! {
                    send(tx, value_that_panics()) -> _r => {},
                }
            })
            .catch_unwind()
            .await;
            assert!(res.is_err());
            assert_eq!(rx.stats().sent, 0);
            assert_eq!(tx.try_send(1), Ok(()), "the slot went back");
            assert_eq!(rx.try_recv(), Ok(1));

            // Rendezvous: a waiting receiver grants the case, the value
            // expression panics, the receiver keeps its place.
            let (tx, rx) = gochan::rendezvous::<u32>();
            let mut r = by_hand(rx.recv());
            assert_pending!(r.poll());
            let res = std::panic::AssertUnwindSafe(async {
                gochan::select! {
                    send(tx, value_that_panics()) -> _r => {},
                }
            })
            .catch_unwind()
            .await;
            assert!(res.is_err());
            assert_eq!(
                rx.stats().waiting_receivers,
                1,
                "the receiver keeps its place"
            );
            assert_eq!(tx.try_send(2), Ok(()), "handed to the same receiver");
            assert_eq!(assert_ready!(r.poll()), Ok(2));
            assert_idle(&rx);
        },
    )
    .await;
}

/// A `gochan::select!` whose send case was granted room, cancelled by a
/// `tokio::select!` before it ran again: it sent nothing, and the room goes
/// to the sender waiting next in line.
#[tokio::test(start_paused = true)]
async fn a_granted_send_case_cancelled_by_tokio_select_gives_the_room_on() {
    deadline(
        "a_granted_send_case_cancelled_by_tokio_select_gives_the_room_on",
        async {
            let (tx, rx) = gochan::bounded::<u32>(1);
            tx.try_send(0).unwrap(); // full
            let built = std::cell::Cell::new(0);
            let mut sel = by_hand(async {
                gochan::select! {
                    send(tx, { built.set(built.get() + 1); 1 }) -> r => r,
                }
            });
            assert_pending!(sel.poll());
            let mut next = by_hand(tx.send(2));
            assert_pending!(next.poll(), "waits behind the select's case");
            assert_eq!(rx.try_recv(), Ok(0)); // the room goes to the select
            assert!(sel.is_woken());
            assert!(!next.is_woken());
            drop(sel); // cancelled before it ran again
            assert_eq!(built.get(), 0, "no value was built");
            assert!(next.is_woken(), "the room went on");
            assert_eq!(assert_ready!(next.poll()), Ok(()));
            assert_eq!(rx.try_recv(), Ok(2));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert_idle(&rx);
        },
    )
    .await;
}

/// A send case's value expression that panics (typed, so that the case
/// still reads as a send of a `u32`).
fn no_value() -> u32 {
    panic!("the value expression panics")
}
