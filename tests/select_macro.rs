//! `gochan::select!` beyond the basics of `tests/select.rs`: guards,
//! `biased;`, items that are not `Send`, `default` in synchronous code,
//! bodies that move the handles, what happens to the values of a select that
//! is dropped after a counterpart completed one of its cases (bounded(1) and
//! rendezvous, alone and inside a losing `tokio::select!` branch), wakers
//! whose drop or wake calls back into the channel, and selects with many
//! cases (64 and 100 receive cases, 100 mixed ones).
//!
//! Tests that could deadlock run under a deadline: an async one on tokio's
//! clock, a synchronous one on its own thread with a join timeout.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::{assert_idle, by_hand, deadline, on_a_thread};
use gochan::{Receiver, RecvError, Sender, TryRecvError};
use tokio::time::Instant;
use tokio_test::{assert_pending, assert_ready};

/// Counts how often an expression was evaluated, and passes its value on.
fn counted<T>(n: &Cell<u32>, v: T) -> T {
    n.set(n.get() + 1);
    v
}

// ---------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_false_guard_leaves_the_case_out_and_evaluates_nothing() {
    deadline(
        "a_false_guard_leaves_the_case_out_and_evaluates_nothing",
        async {
            let (tx, rx) = gochan::bounded::<u32>(1);
            let (tx_out, rx_out) = gochan::bounded::<String>(1);
            tx.try_send(1).unwrap(); // ready, but switched off
            let (chan_evals, value_evals) = (Cell::new(0), Cell::new(0));
            for enabled in [false, true] {
                let got = gochan::select! {
                    recv(counted(&chan_evals, &rx)) -> v, if enabled => Some(v),
                    send(counted(&chan_evals, &tx_out), counted(&value_evals, String::from("out"))) -> _r, if false => unreachable!(),
                    default => None,
                };
                if enabled {
                    assert_eq!(got, Some(Ok(1)));
                    assert_eq!(chan_evals.get(), 1, "evaluated once, when enabled");
                } else {
                    assert_eq!(got, None, "the disabled ready case did not happen");
                    assert_eq!(rx.len(), 1);
                    assert_eq!(chan_evals.get(), 0, "a disabled case's channel is not evaluated");
                }
                assert_eq!(value_evals.get(), 0, "a disabled send's value is not evaluated");
            }
            assert_eq!(rx_out.try_recv(), Err(TryRecvError::Empty));
            assert_idle(&rx);
            assert_idle(&rx_out);
        },
    )
    .await;
}

#[tokio::test]
async fn operands_are_evaluated_once_in_source_order() {
    deadline("operands_are_evaluated_once_in_source_order", async {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let (tx2, _rx2) = gochan::bounded::<u32>(1);
        tx.try_send(5).unwrap();
        let log = std::cell::RefCell::new(Vec::new());
        let step = |s: &'static str| log.borrow_mut().push(s);
        // Cases 1 and 3 are ready, case 2 is switched off.
        let which = gochan::select! {
            recv({ step("chan 1"); &rx }) -> _v, if { step("guard 1"); true } => "1",
            send({ step("chan 2"); &tx2 }, { step("value 2"); 0 }) -> _r, if { step("guard 2"); false } => "2",
            send({ step("chan 3"); &tx2 }, { step("value 3"); 0 }) -> _r, if { step("guard 3"); true } => "3",
            default({ step("duration"); Duration::from_secs(1) }) => "default",
        };
        assert!(which == "1" || which == "3", "{which}");
        // A send case's value is evaluated only if it is chosen, after the
        // select (so after the duration).
        let mut want = vec!["guard 1", "chan 1", "guard 2", "guard 3", "chan 3", "duration"];
        if which == "3" {
            want.push("value 3");
        }
        assert_eq!(log.into_inner(), want);
    })
    .await;
}

#[tokio::test]
#[should_panic(expected = "every case is disabled by its guard")]
async fn every_case_disabled_without_default_panics() {
    let (_tx, rx) = gochan::bounded::<u32>(1);
    let (tx2, _rx2) = gochan::bounded::<u32>(1);
    let open = false;
    gochan::select! {
        recv(rx) -> _v, if open => {},
        send(tx2, 1) -> _r, if open => {},
    }
}

#[tokio::test(start_paused = true)]
async fn every_case_disabled_with_a_default_runs_the_default() {
    deadline(
        "every_case_disabled_with_a_default_runs_the_default",
        async {
            let (tx, rx) = gochan::bounded::<u32>(1);
            tx.try_send(1).unwrap();
            let off = false;
            let got = gochan::select! {
                recv(rx) -> v, if off => v.ok(),
                default => None,
            };
            assert_eq!(got, None);
            // default(duration): after that long.
            let start = Instant::now();
            let got = gochan::select! {
                recv(rx) -> v, if off => v.ok(),
                default(Duration::from_millis(30)) => None,
            };
            assert_eq!(got, None);
            assert_eq!(start.elapsed(), Duration::from_millis(30));
            assert_eq!(rx.try_recv(), Ok(1), "nothing was taken");
            assert_idle(&rx);
        },
    )
    .await;
}

#[tokio::test]
async fn guards_switch_off_closed_channels_so_a_loop_never_spins() {
    deadline(
        "guards_switch_off_closed_channels_so_a_loop_never_spins",
        async {
            let chans: Vec<_> = (0..3).map(|_| gochan::bounded::<u32>(1)).collect();
            let mut producers = Vec::new();
            for (k, (tx, _)) in chans.iter().enumerate() {
                let tx = tx.clone().scope();
                producers.push(tokio::spawn(async move {
                    for i in 0..(k as u32 + 1) * 10 {
                        tx.send(i).await.unwrap();
                    }
                }));
            }
            let rx: Vec<Receiver<u32>> = chans.into_iter().map(|(_, rx)| rx).collect();
            let mut open = [true; 3];
            let (mut values, mut rounds) = (0, 0);
            while open.iter().any(|&o| o) {
                rounds += 1;
                let (k, v) = gochan::select! {
                    recv(rx[0]) -> v, if open[0] => (0, v),
                    recv(rx[1]) -> v, if open[1] => (1, v),
                    recv(rx[2]) -> v, if open[2] => (2, v),
                };
                match v {
                    Ok(_) => values += 1,
                    Err(RecvError) => open[k] = false,
                }
            }
            assert_eq!(values, 60);
            assert_eq!(rounds, 63, "one round per value and one per close");
            for p in producers {
                p.await.unwrap();
            }
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// biased;
// ---------------------------------------------------------------------------

#[tokio::test]
async fn biased_attempts_the_cases_in_order() {
    deadline("biased_attempts_the_cases_in_order", async {
        let (tx_a, rx_a) = gochan::unbounded::<u32>();
        let (tx_b, rx_b) = gochan::unbounded::<u32>();
        let (tx_c, rx_c) = gochan::unbounded::<u32>();
        for i in 0..1_000 {
            for tx in [&tx_a, &tx_b, &tx_c] {
                tx.try_send(i).unwrap();
            }
            let first_on = i % 2 == 0;
            let which = gochan::select! {
                biased;
                recv(rx_a) -> _v, if first_on => 'a',
                recv(rx_b) -> _v => 'b',
                recv(rx_c) -> _v => 'c',
            };
            assert_eq!(which, if first_on { 'a' } else { 'b' });
            // A send case in first place wins over ready receive cases too.
            let which = gochan::select! {
                biased;
                send(tx_c, 0) -> _r => 's',
                recv(rx_c) -> _v => 'c',
            };
            assert_eq!(which, 's');
            for rx in [&rx_a, &rx_b, &rx_c] {
                while rx.try_recv().is_ok() {}
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_first_case_that_is_not_ready_falls_through_to_the_others() {
    // `biased;` makes the full channel's send the case looked at first,
    // without a token: it must neither send nor lose its place to the
    // registering pass, which then finds the ready receive.
    deadline(
        "a_first_case_that_is_not_ready_falls_through_to_the_others",
        async {
            let (tx_full, rx_full) = gochan::bounded::<u32>(1);
            tx_full.try_send(1).unwrap();
            let (tx_ready, rx_ready) = gochan::bounded::<u32>(1);
            tx_ready.try_send(2).unwrap();
            let which = gochan::select! {
                biased;
                send(tx_full, 9) -> _r => 's',
                recv(rx_ready) -> v => {
                    assert_eq!(v, Ok(2));
                    'r'
                }
            };
            assert_eq!(which, 'r');
            assert_eq!(rx_full.try_recv(), Ok(1));
            assert!(rx_full.try_recv().is_err(), "the losing send sent nothing");
            assert_idle(&rx_full);
            assert_idle(&rx_ready);

            // Nothing ready: the first look registers nothing, the pass
            // registers both, and a later value completes the right case.
            let (tx_a, rx_a) = gochan::rendezvous::<u32>();
            let (tx_b, rx_b) = gochan::rendezvous::<u32>();
            let late = tokio::spawn(async move { tx_b.send(5).await });
            let got = gochan::select! {
                biased;
                recv(rx_a) -> v => ('a', v),
                recv(rx_b) -> v => ('b', v),
            };
            assert_eq!(got, ('b', Ok(5)));
            late.await.unwrap().unwrap();
            assert_idle(&rx_a);
            drop(tx_a);
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// Items that are not Send; default in synchronous code; bodies
// ---------------------------------------------------------------------------

#[tokio::test]
async fn rc_items_on_a_local_set() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(deadline("rc_items_on_a_local_set", async {
            let (tx_a, rx_a) = gochan::rendezvous::<Rc<u32>>();
            let (tx_b, rx_b) = gochan::bounded::<Rc<u32>>(1);
            let (tx_out, rx_out) = gochan::rendezvous::<Rc<u32>>();
            for (tx, base) in [(tx_a, 0), (tx_b, 100)] {
                tokio::task::spawn_local(async move {
                    let tx = tx.scope();
                    for i in 0..20 {
                        tx.send(Rc::new(base + i)).await.unwrap();
                    }
                });
            }
            let sink = tokio::task::spawn_local(async move {
                let mut n = 0;
                while rx_out.recv().await.is_ok() {
                    n += 1;
                }
                n
            });
            let kept = Rc::new(7);
            let (mut a, mut b) = (true, true);
            let (mut got, mut sent) = (Vec::new(), 0);
            while a || b {
                gochan::select! {
                    recv(rx_a) -> v, if a => match v { Ok(v) => got.push(v), Err(_) => a = false },
                    recv(rx_b) -> v, if b => match v { Ok(v) => got.push(v), Err(_) => b = false },
                    send(tx_out, kept.clone()) -> r => { r.unwrap(); sent += 1 }
                }
            }
            drop(tx_out);
            assert_eq!(sink.await.unwrap(), sent);
            assert_eq!(got.len(), 40);
            assert!(got.iter().all(|v| Rc::strong_count(v) == 1));
            // Every clone given to a losing send case was dropped with it.
            assert_eq!(Rc::strong_count(&kept), 1);
        }))
        .await;
}

#[test]
fn default_works_in_synchronous_code_without_a_runtime() {
    fn poll_once(rx: &Receiver<u32>, tx: &Sender<u32>, out: u32) -> &'static str {
        gochan::select! {
            recv(rx) -> _v => "received",
            send(tx, out) -> _r => "sent",
            default => "nothing",
        }
    }
    let (tx_in, rx_in) = gochan::bounded::<u32>(1);
    let (tx_out, rx_out) = gochan::bounded::<u32>(1);
    tx_out.try_send(0).unwrap(); // full
    assert_eq!(poll_once(&rx_in, &tx_out, 1), "nothing");
    tx_in.try_send(2).unwrap();
    assert_eq!(poll_once(&rx_in, &tx_out, 1), "received");
    assert_eq!(rx_out.try_recv(), Ok(0));
    assert_eq!(poll_once(&rx_in, &tx_out, 3), "sent");
    assert_eq!(rx_out.try_recv(), Ok(3));
    assert_idle(&rx_in);
    assert_idle(&rx_out);
}

#[tokio::test]
async fn bodies_may_move_and_drop_the_handles() {
    deadline("bodies_may_move_and_drop_the_handles", async {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let (tx2, rx2) = gochan::bounded::<String>(1);
        tx.try_send(1).unwrap();
        tx2.try_send(String::from("occupant")).unwrap(); // full
        let moved = gochan::select! {
            recv(rx) -> v => {
                assert_eq!(v, Ok(1));
                drop(tx2); // borrowed by the send case, whose value is not sent
                rx // moves the receiver out
            }
            send(tx2, String::from("unsent")) -> _r => unreachable!("full"),
        };
        assert_eq!(moved.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx2.try_recv().as_deref(), Ok("occupant"));
        assert_eq!(
            rx2.try_recv(),
            Err(TryRecvError::Closed),
            "the last sender went"
        );
        drop(tx);
    })
    .await;
}

/// A call that returns a reference to a handle.
fn pick(r: &Receiver<u32>) -> &Receiver<u32> {
    r
}

#[tokio::test]
async fn a_case_takes_a_handle_a_reference_or_what_derefs_to_one() {
    deadline(
        "a_case_takes_a_handle_a_reference_or_what_derefs_to_one",
        async {
            let (tx, rx) = gochan::unbounded::<u32>();
            let scoped = tx.clone().scope(); // derefs to a Sender
            let rx_ref = &rx;
            let rx_arc = Arc::new(rx.clone());
            gochan::select! { send(scoped, 1) -> r => r.unwrap() }
            gochan::select! { send(&tx, 2) -> r => r.unwrap() }
            gochan::select! { send(&&tx, 3) -> r => r.unwrap() }
            gochan::select! { recv(rx) -> v => assert_eq!(v, Ok(1)) }
            gochan::select! { recv(rx_ref) -> v => assert_eq!(v, Ok(2)) }
            gochan::select! { recv(pick(&rx)) -> v => assert_eq!(v, Ok(3)) }
            tx.try_send(4).unwrap();
            gochan::select! { recv(rx_arc) -> v => assert_eq!(v, Ok(4)) }
            drop(scoped); // closes the channel
            gochan::select! { recv(*rx_arc) -> v => assert_eq!(v, Err(RecvError)) }
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// A select dropped after a counterpart completed one of its cases
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_dropped_select_passes_a_received_value_on() {
    deadline("a_dropped_select_passes_a_received_value_on", async {
        for cap in [1usize, 0] {
            let (tx, rx) = gochan::bounded::<u32>(cap);
            let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
            let select = || async {
                gochan::select! {
                    recv(rx) -> v => v,
                    recv(rx_idle) -> _v => unreachable!(),
                }
            };

            // Nobody else waits: the value goes back to the front of the channel.
            let mut sel = by_hand(select());
            assert_pending!(sel.poll());
            tx.try_send(1).expect("handed to the select's receive case");
            assert!(sel.is_woken());
            drop(sel); // before its body ran
            assert_idle(&rx);
            assert_eq!(rx.try_recv(), Ok(1), "bounded({cap}): back, not lost");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

            // Another receiver waits: it gets the value.
            let mut sel = by_hand(select());
            assert_pending!(sel.poll());
            let mut plain = by_hand(rx.recv());
            assert_pending!(plain.poll());
            tx.try_send(2).expect("handed to the select, first in line");
            drop(sel);
            assert!(plain.is_woken());
            assert_eq!(assert_ready!(plain.poll()), Ok(2), "bounded({cap})");
            assert_idle(&rx);
            let s = rx.stats();
            assert_eq!((s.sent, s.received), (2, 2), "bounded({cap}): {s:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn inside_a_losing_tokio_select_branch_values_are_settled_as_the_channel_saw_them() {
    deadline(
        "inside_a_losing_tokio_select_branch_values_are_settled_as_the_channel_saw_them",
        async {
            for cap in [1usize, 0] {
                // Receive case: the other branch's send hands its value to the
                // select's registered case and wins; the value goes on.
                let (tx, rx) = gochan::bounded::<u32>(cap);
                let (_tx_idle, rx_idle) = gochan::rendezvous::<u32>();
                for round in 0..50 {
                    let out = tokio::select! {
                        biased;
                        v = async {
                            gochan::select! {
                                recv(rx) -> v => v.unwrap(),
                                recv(rx_idle) -> _v => unreachable!(),
                            }
                        } => Some(v),
                        _ = async { tx.send(round).await.unwrap() } => None,
                    };
                    assert_eq!(out, None, "the outer select polls the first branch first");
                    assert_idle(&rx);
                    assert_eq!(rx.try_recv(), Ok(round), "bounded({cap}): passed on");
                }

                // Send case: the other branch's receive meets the select's
                // waiting send case. On bounded(1) it takes the buffered value
                // and the room it frees is granted to the case; the receive
                // wins, the select is dropped and gives the grant back: the
                // case sent nothing. On a rendezvous channel the waiting
                // receive grants the case a hand-off; the select runs first
                // (biased), sends into that receive and wins, and the receive
                // that lost passes the value on. Either way every value is
                // received exactly once, and a case's value went out only if
                // its body ran.
                let (tx, rx) = gochan::bounded::<u32>(cap);
                let body_ran = Cell::new(0);
                for round in 0..50 {
                    if cap == 1 {
                        tx.try_send(1_000 + round).unwrap(); // full
                    }
                    let before = body_ran.get();
                    let got = tokio::select! {
                        biased;
                        _ = async {
                            gochan::select! {
                                send(tx, round) -> r => { r.unwrap(); body_ran.set(body_ran.get() + 1) },
                                recv(rx_idle) -> _v => unreachable!(),
                            }
                        } => None,
                        v = rx.recv() => Some(v),
                    };
                    let ran = body_ran.get() - before;
                    assert_eq!(ran, usize::from(cap == 0), "bounded({cap}): which branch won");
                    let mut seen: Vec<u32> = got.into_iter().map(|v| v.unwrap()).collect();
                    while let Ok(v) = rx.try_recv() {
                        seen.push(v);
                    }
                    let mut want = Vec::new();
                    if cap == 1 {
                        want.push(1_000 + round);
                    }
                    if ran == 1 {
                        want.push(round);
                    }
                    seen.sort_unstable();
                    assert_eq!(seen, want, "bounded({cap}): each value once, a case's only if it ran");
                    assert_idle(&rx);
                }
            }
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// Wakers that call back into the channel
// ---------------------------------------------------------------------------

/// A waker that owns a channel handle (dropped with the waker) and, when
/// woken, looks at the channel it was given.
struct Reentrant {
    /// Dropped with the waker: the last `Sender` of a channel closes it.
    _owned: Mutex<Option<Sender<u32>>>,
    /// Looked at on every wake, under no lock of ours.
    probe: Mutex<Option<Receiver<u32>>>,
    wakes: AtomicUsize,
}

impl Reentrant {
    fn waker(owned: Option<Sender<u32>>, probe: Option<Receiver<u32>>) -> (Waker, Arc<Self>) {
        let me = Arc::new(Reentrant {
            _owned: Mutex::new(owned),
            probe: Mutex::new(probe),
            wakes: AtomicUsize::new(0),
        });
        (Waker::from(me.clone()), me)
    }
}

impl Wake for Reentrant {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
        if let Some(rx) = &*self.probe.lock().unwrap() {
            let _ = rx.stats(); // takes the channel's lock
            let _ = rx.try_recv();
        }
    }
}

#[test]
fn a_replaced_waker_whose_drop_closes_the_channel_does_not_deadlock() {
    on_a_thread("replaced waker closes the channel", || {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let mut select = pin!(async {
            gochan::select! {
                recv(rx) -> v => v,
            }
        });
        // The first waker owns the only Sender.
        let first = Waker::from(Arc::new(Reentrant {
            _owned: Mutex::new(Some(tx)),
            probe: Mutex::new(None),
            wakes: AtomicUsize::new(0),
        }));
        assert!(select
            .as_mut()
            .poll(&mut Context::from_waker(&first))
            .is_pending());
        drop(first); // the select's token holds the last clone
        let (second, counter) = Reentrant::waker(None, None);
        // This poll replaces the first waker: dropping it drops the last
        // Sender, whose close claims the select's token. It must not do so
        // while the token is locked.
        let _ = select.as_mut().poll(&mut Context::from_waker(&second));
        assert_eq!(counter.wakes.load(SeqCst), 1, "the close woke the select");
        match select.as_mut().poll(&mut Context::from_waker(&second)) {
            Poll::Ready(v) => assert_eq!(v, Err(RecvError)),
            Poll::Pending => panic!("the closed channel's case is ready"),
        }
    });
}

#[test]
fn a_replaced_waker_of_a_dynamic_select_whose_drop_closes_the_channel_does_not_deadlock() {
    on_a_thread("replaced waker closes the channel (dynamic)", || {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let mut sel = gochan::Select::new();
        let case = sel.recv(&rx);
        {
            let mut select = pin!(sel.select());
            let (first, _) = Reentrant::waker(Some(tx), None);
            assert!(select
                .as_mut()
                .poll(&mut Context::from_waker(&first))
                .is_pending());
            drop(first);
            let (second, counter) = Reentrant::waker(None, None);
            let _ = select.as_mut().poll(&mut Context::from_waker(&second));
            assert_eq!(counter.wakes.load(SeqCst), 1);
            assert_eq!(
                select.as_mut().poll(&mut Context::from_waker(&second)),
                Poll::Ready(case.index())
            );
        }
        assert_eq!(sel.take(&case), Some(Err(RecvError)));
    });
}

#[test]
fn a_waker_that_calls_into_the_channel_when_woken_does_not_deadlock() {
    on_a_thread("waker calls into the channel", || {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let mut select = pin!(async {
            gochan::select! {
                recv(rx) -> v => v,
            }
        });
        let (waker, counter) = Reentrant::waker(None, Some(rx.clone()));
        let mut cx = Context::from_waker(&waker);
        assert!(select.as_mut().poll(&mut cx).is_pending());
        tx.try_send(3).expect("the select waits"); // wakes: the waker locks the channel
        assert_eq!(counter.wakes.load(SeqCst), 1);
        assert_eq!(select.as_mut().poll(&mut cx), Poll::Ready(Ok(3)));
        // And a close.
        let mut select = pin!(async {
            gochan::select! {
                recv(rx) -> v => v,
            }
        });
        assert!(select.as_mut().poll(&mut cx).is_pending());
        drop(tx);
        assert_eq!(counter.wakes.load(SeqCst), 2);
        assert_eq!(select.as_mut().poll(&mut cx), Poll::Ready(Err(RecvError)));
    });
}

#[test]
fn the_waker_left_in_a_dropped_select_is_dropped_outside_any_lock() {
    // A select dropped mid-wait gives its token back to the pool, dropping
    // the waker it held: here that drop closes another channel, with the
    // pool and every lock released. The pool keeps working after it.
    on_a_thread("waker dropped at give-back", || {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let (other_tx, other_rx) = gochan::rendezvous::<u32>();
        {
            let mut select = pin!(async {
                gochan::select! {
                    recv(rx) -> v => v,
                }
            });
            let (waker, _) = Reentrant::waker(Some(other_tx), None);
            assert!(select
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
            drop(waker); // the token holds the last clone now
            assert!(!other_rx.is_closed());
        } // the select is dropped here
        assert!(
            other_rx.is_closed(),
            "the waker went with the token's reset"
        );
        assert_idle(&rx);
        for i in 0..3 {
            tx.try_send(i).unwrap();
            let got = gochan::select! {
                recv(rx) -> v => v,
                default => unreachable!("a value is there"),
            };
            assert_eq!(got, Ok(i));
        }
    });
}

// ---------------------------------------------------------------------------
// Send
// ---------------------------------------------------------------------------

#[test]
fn the_select_future_is_send_when_its_items_are() {
    fn send<T: Send>(_: &T) {}
    let (tx, rx) = gochan::bounded::<String>(1);
    let fut = async {
        gochan::select! {
            recv(rx) -> v => v.is_ok(),
            send(tx, String::new()) -> r => r.is_ok(),
            default(Duration::from_millis(1)) => false,
        }
    };
    send(&fut);
}

// ---------------------------------------------------------------------------
// Many cases: 64 and 100 receive cases, and 100 mixed ones (the macro takes
// one recursion level per case, so the compiler's default limit of 128
// allows about 120)
// ---------------------------------------------------------------------------

/// `n` bounded(1) channels.
fn channels(n: usize) -> Vec<(gochan::Sender<usize>, gochan::Receiver<usize>)> {
    (0..n).map(|_| gochan::bounded(1)).collect()
}

#[tokio::test]
async fn select_over_64_receive_cases() {
    let c = channels(64);
    deadline("select_over_64_receive_cases", async {
        for k in 0..64 {
            c[k].0.try_send(k).unwrap();
            let (i, v) = gochan::select! {
                recv(c[0].1) -> v => (0, v),
                recv(c[1].1) -> v => (1, v),
                recv(c[2].1) -> v => (2, v),
                recv(c[3].1) -> v => (3, v),
                recv(c[4].1) -> v => (4, v),
                recv(c[5].1) -> v => (5, v),
                recv(c[6].1) -> v => (6, v),
                recv(c[7].1) -> v => (7, v),
                recv(c[8].1) -> v => (8, v),
                recv(c[9].1) -> v => (9, v),
                recv(c[10].1) -> v => (10, v),
                recv(c[11].1) -> v => (11, v),
                recv(c[12].1) -> v => (12, v),
                recv(c[13].1) -> v => (13, v),
                recv(c[14].1) -> v => (14, v),
                recv(c[15].1) -> v => (15, v),
                recv(c[16].1) -> v => (16, v),
                recv(c[17].1) -> v => (17, v),
                recv(c[18].1) -> v => (18, v),
                recv(c[19].1) -> v => (19, v),
                recv(c[20].1) -> v => (20, v),
                recv(c[21].1) -> v => (21, v),
                recv(c[22].1) -> v => (22, v),
                recv(c[23].1) -> v => (23, v),
                recv(c[24].1) -> v => (24, v),
                recv(c[25].1) -> v => (25, v),
                recv(c[26].1) -> v => (26, v),
                recv(c[27].1) -> v => (27, v),
                recv(c[28].1) -> v => (28, v),
                recv(c[29].1) -> v => (29, v),
                recv(c[30].1) -> v => (30, v),
                recv(c[31].1) -> v => (31, v),
                recv(c[32].1) -> v => (32, v),
                recv(c[33].1) -> v => (33, v),
                recv(c[34].1) -> v => (34, v),
                recv(c[35].1) -> v => (35, v),
                recv(c[36].1) -> v => (36, v),
                recv(c[37].1) -> v => (37, v),
                recv(c[38].1) -> v => (38, v),
                recv(c[39].1) -> v => (39, v),
                recv(c[40].1) -> v => (40, v),
                recv(c[41].1) -> v => (41, v),
                recv(c[42].1) -> v => (42, v),
                recv(c[43].1) -> v => (43, v),
                recv(c[44].1) -> v => (44, v),
                recv(c[45].1) -> v => (45, v),
                recv(c[46].1) -> v => (46, v),
                recv(c[47].1) -> v => (47, v),
                recv(c[48].1) -> v => (48, v),
                recv(c[49].1) -> v => (49, v),
                recv(c[50].1) -> v => (50, v),
                recv(c[51].1) -> v => (51, v),
                recv(c[52].1) -> v => (52, v),
                recv(c[53].1) -> v => (53, v),
                recv(c[54].1) -> v => (54, v),
                recv(c[55].1) -> v => (55, v),
                recv(c[56].1) -> v => (56, v),
                recv(c[57].1) -> v => (57, v),
                recv(c[58].1) -> v => (58, v),
                recv(c[59].1) -> v => (59, v),
                recv(c[60].1) -> v => (60, v),
                recv(c[61].1) -> v => (61, v),
                recv(c[62].1) -> v => (62, v),
                recv(c[63].1) -> v => (63, v),
            };
            assert_eq!((i, v), (k, Ok(k)));
        }
        // Waiting on all of them: a later value completes the right case.
        let sender = c[64 - 1].0.clone();
        let late = tokio::spawn(async move { sender.send(7).await });
        let (i, v) = gochan::select! {
            recv(c[0].1) -> v => (0, v),
            recv(c[1].1) -> v => (1, v),
            recv(c[2].1) -> v => (2, v),
            recv(c[3].1) -> v => (3, v),
            recv(c[4].1) -> v => (4, v),
            recv(c[5].1) -> v => (5, v),
            recv(c[6].1) -> v => (6, v),
            recv(c[7].1) -> v => (7, v),
            recv(c[8].1) -> v => (8, v),
            recv(c[9].1) -> v => (9, v),
            recv(c[10].1) -> v => (10, v),
            recv(c[11].1) -> v => (11, v),
            recv(c[12].1) -> v => (12, v),
            recv(c[13].1) -> v => (13, v),
            recv(c[14].1) -> v => (14, v),
            recv(c[15].1) -> v => (15, v),
            recv(c[16].1) -> v => (16, v),
            recv(c[17].1) -> v => (17, v),
            recv(c[18].1) -> v => (18, v),
            recv(c[19].1) -> v => (19, v),
            recv(c[20].1) -> v => (20, v),
            recv(c[21].1) -> v => (21, v),
            recv(c[22].1) -> v => (22, v),
            recv(c[23].1) -> v => (23, v),
            recv(c[24].1) -> v => (24, v),
            recv(c[25].1) -> v => (25, v),
            recv(c[26].1) -> v => (26, v),
            recv(c[27].1) -> v => (27, v),
            recv(c[28].1) -> v => (28, v),
            recv(c[29].1) -> v => (29, v),
            recv(c[30].1) -> v => (30, v),
            recv(c[31].1) -> v => (31, v),
            recv(c[32].1) -> v => (32, v),
            recv(c[33].1) -> v => (33, v),
            recv(c[34].1) -> v => (34, v),
            recv(c[35].1) -> v => (35, v),
            recv(c[36].1) -> v => (36, v),
            recv(c[37].1) -> v => (37, v),
            recv(c[38].1) -> v => (38, v),
            recv(c[39].1) -> v => (39, v),
            recv(c[40].1) -> v => (40, v),
            recv(c[41].1) -> v => (41, v),
            recv(c[42].1) -> v => (42, v),
            recv(c[43].1) -> v => (43, v),
            recv(c[44].1) -> v => (44, v),
            recv(c[45].1) -> v => (45, v),
            recv(c[46].1) -> v => (46, v),
            recv(c[47].1) -> v => (47, v),
            recv(c[48].1) -> v => (48, v),
            recv(c[49].1) -> v => (49, v),
            recv(c[50].1) -> v => (50, v),
            recv(c[51].1) -> v => (51, v),
            recv(c[52].1) -> v => (52, v),
            recv(c[53].1) -> v => (53, v),
            recv(c[54].1) -> v => (54, v),
            recv(c[55].1) -> v => (55, v),
            recv(c[56].1) -> v => (56, v),
            recv(c[57].1) -> v => (57, v),
            recv(c[58].1) -> v => (58, v),
            recv(c[59].1) -> v => (59, v),
            recv(c[60].1) -> v => (60, v),
            recv(c[61].1) -> v => (61, v),
            recv(c[62].1) -> v => (62, v),
            recv(c[63].1) -> v => (63, v),
        };
        assert_eq!((i, v), (64 - 1, Ok(7)));
        late.await.unwrap().unwrap();
        for (_, rx) in &c {
            let s = rx.stats();
            assert_eq!((s.waiting_receivers, s.buffered), (0, 0), "{s:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn select_over_100_receive_cases() {
    let c = channels(100);
    deadline("select_over_100_receive_cases", async {
        for k in 0..100 {
            c[k].0.try_send(k).unwrap();
            let (i, v) = gochan::select! {
                recv(c[0].1) -> v => (0, v),
                recv(c[1].1) -> v => (1, v),
                recv(c[2].1) -> v => (2, v),
                recv(c[3].1) -> v => (3, v),
                recv(c[4].1) -> v => (4, v),
                recv(c[5].1) -> v => (5, v),
                recv(c[6].1) -> v => (6, v),
                recv(c[7].1) -> v => (7, v),
                recv(c[8].1) -> v => (8, v),
                recv(c[9].1) -> v => (9, v),
                recv(c[10].1) -> v => (10, v),
                recv(c[11].1) -> v => (11, v),
                recv(c[12].1) -> v => (12, v),
                recv(c[13].1) -> v => (13, v),
                recv(c[14].1) -> v => (14, v),
                recv(c[15].1) -> v => (15, v),
                recv(c[16].1) -> v => (16, v),
                recv(c[17].1) -> v => (17, v),
                recv(c[18].1) -> v => (18, v),
                recv(c[19].1) -> v => (19, v),
                recv(c[20].1) -> v => (20, v),
                recv(c[21].1) -> v => (21, v),
                recv(c[22].1) -> v => (22, v),
                recv(c[23].1) -> v => (23, v),
                recv(c[24].1) -> v => (24, v),
                recv(c[25].1) -> v => (25, v),
                recv(c[26].1) -> v => (26, v),
                recv(c[27].1) -> v => (27, v),
                recv(c[28].1) -> v => (28, v),
                recv(c[29].1) -> v => (29, v),
                recv(c[30].1) -> v => (30, v),
                recv(c[31].1) -> v => (31, v),
                recv(c[32].1) -> v => (32, v),
                recv(c[33].1) -> v => (33, v),
                recv(c[34].1) -> v => (34, v),
                recv(c[35].1) -> v => (35, v),
                recv(c[36].1) -> v => (36, v),
                recv(c[37].1) -> v => (37, v),
                recv(c[38].1) -> v => (38, v),
                recv(c[39].1) -> v => (39, v),
                recv(c[40].1) -> v => (40, v),
                recv(c[41].1) -> v => (41, v),
                recv(c[42].1) -> v => (42, v),
                recv(c[43].1) -> v => (43, v),
                recv(c[44].1) -> v => (44, v),
                recv(c[45].1) -> v => (45, v),
                recv(c[46].1) -> v => (46, v),
                recv(c[47].1) -> v => (47, v),
                recv(c[48].1) -> v => (48, v),
                recv(c[49].1) -> v => (49, v),
                recv(c[50].1) -> v => (50, v),
                recv(c[51].1) -> v => (51, v),
                recv(c[52].1) -> v => (52, v),
                recv(c[53].1) -> v => (53, v),
                recv(c[54].1) -> v => (54, v),
                recv(c[55].1) -> v => (55, v),
                recv(c[56].1) -> v => (56, v),
                recv(c[57].1) -> v => (57, v),
                recv(c[58].1) -> v => (58, v),
                recv(c[59].1) -> v => (59, v),
                recv(c[60].1) -> v => (60, v),
                recv(c[61].1) -> v => (61, v),
                recv(c[62].1) -> v => (62, v),
                recv(c[63].1) -> v => (63, v),
                recv(c[64].1) -> v => (64, v),
                recv(c[65].1) -> v => (65, v),
                recv(c[66].1) -> v => (66, v),
                recv(c[67].1) -> v => (67, v),
                recv(c[68].1) -> v => (68, v),
                recv(c[69].1) -> v => (69, v),
                recv(c[70].1) -> v => (70, v),
                recv(c[71].1) -> v => (71, v),
                recv(c[72].1) -> v => (72, v),
                recv(c[73].1) -> v => (73, v),
                recv(c[74].1) -> v => (74, v),
                recv(c[75].1) -> v => (75, v),
                recv(c[76].1) -> v => (76, v),
                recv(c[77].1) -> v => (77, v),
                recv(c[78].1) -> v => (78, v),
                recv(c[79].1) -> v => (79, v),
                recv(c[80].1) -> v => (80, v),
                recv(c[81].1) -> v => (81, v),
                recv(c[82].1) -> v => (82, v),
                recv(c[83].1) -> v => (83, v),
                recv(c[84].1) -> v => (84, v),
                recv(c[85].1) -> v => (85, v),
                recv(c[86].1) -> v => (86, v),
                recv(c[87].1) -> v => (87, v),
                recv(c[88].1) -> v => (88, v),
                recv(c[89].1) -> v => (89, v),
                recv(c[90].1) -> v => (90, v),
                recv(c[91].1) -> v => (91, v),
                recv(c[92].1) -> v => (92, v),
                recv(c[93].1) -> v => (93, v),
                recv(c[94].1) -> v => (94, v),
                recv(c[95].1) -> v => (95, v),
                recv(c[96].1) -> v => (96, v),
                recv(c[97].1) -> v => (97, v),
                recv(c[98].1) -> v => (98, v),
                recv(c[99].1) -> v => (99, v),
            };
            assert_eq!((i, v), (k, Ok(k)));
        }
        // Waiting on all of them: a later value completes the right case.
        let sender = c[100 - 1].0.clone();
        let late = tokio::spawn(async move { sender.send(7).await });
        let (i, v) = gochan::select! {
            recv(c[0].1) -> v => (0, v),
            recv(c[1].1) -> v => (1, v),
            recv(c[2].1) -> v => (2, v),
            recv(c[3].1) -> v => (3, v),
            recv(c[4].1) -> v => (4, v),
            recv(c[5].1) -> v => (5, v),
            recv(c[6].1) -> v => (6, v),
            recv(c[7].1) -> v => (7, v),
            recv(c[8].1) -> v => (8, v),
            recv(c[9].1) -> v => (9, v),
            recv(c[10].1) -> v => (10, v),
            recv(c[11].1) -> v => (11, v),
            recv(c[12].1) -> v => (12, v),
            recv(c[13].1) -> v => (13, v),
            recv(c[14].1) -> v => (14, v),
            recv(c[15].1) -> v => (15, v),
            recv(c[16].1) -> v => (16, v),
            recv(c[17].1) -> v => (17, v),
            recv(c[18].1) -> v => (18, v),
            recv(c[19].1) -> v => (19, v),
            recv(c[20].1) -> v => (20, v),
            recv(c[21].1) -> v => (21, v),
            recv(c[22].1) -> v => (22, v),
            recv(c[23].1) -> v => (23, v),
            recv(c[24].1) -> v => (24, v),
            recv(c[25].1) -> v => (25, v),
            recv(c[26].1) -> v => (26, v),
            recv(c[27].1) -> v => (27, v),
            recv(c[28].1) -> v => (28, v),
            recv(c[29].1) -> v => (29, v),
            recv(c[30].1) -> v => (30, v),
            recv(c[31].1) -> v => (31, v),
            recv(c[32].1) -> v => (32, v),
            recv(c[33].1) -> v => (33, v),
            recv(c[34].1) -> v => (34, v),
            recv(c[35].1) -> v => (35, v),
            recv(c[36].1) -> v => (36, v),
            recv(c[37].1) -> v => (37, v),
            recv(c[38].1) -> v => (38, v),
            recv(c[39].1) -> v => (39, v),
            recv(c[40].1) -> v => (40, v),
            recv(c[41].1) -> v => (41, v),
            recv(c[42].1) -> v => (42, v),
            recv(c[43].1) -> v => (43, v),
            recv(c[44].1) -> v => (44, v),
            recv(c[45].1) -> v => (45, v),
            recv(c[46].1) -> v => (46, v),
            recv(c[47].1) -> v => (47, v),
            recv(c[48].1) -> v => (48, v),
            recv(c[49].1) -> v => (49, v),
            recv(c[50].1) -> v => (50, v),
            recv(c[51].1) -> v => (51, v),
            recv(c[52].1) -> v => (52, v),
            recv(c[53].1) -> v => (53, v),
            recv(c[54].1) -> v => (54, v),
            recv(c[55].1) -> v => (55, v),
            recv(c[56].1) -> v => (56, v),
            recv(c[57].1) -> v => (57, v),
            recv(c[58].1) -> v => (58, v),
            recv(c[59].1) -> v => (59, v),
            recv(c[60].1) -> v => (60, v),
            recv(c[61].1) -> v => (61, v),
            recv(c[62].1) -> v => (62, v),
            recv(c[63].1) -> v => (63, v),
            recv(c[64].1) -> v => (64, v),
            recv(c[65].1) -> v => (65, v),
            recv(c[66].1) -> v => (66, v),
            recv(c[67].1) -> v => (67, v),
            recv(c[68].1) -> v => (68, v),
            recv(c[69].1) -> v => (69, v),
            recv(c[70].1) -> v => (70, v),
            recv(c[71].1) -> v => (71, v),
            recv(c[72].1) -> v => (72, v),
            recv(c[73].1) -> v => (73, v),
            recv(c[74].1) -> v => (74, v),
            recv(c[75].1) -> v => (75, v),
            recv(c[76].1) -> v => (76, v),
            recv(c[77].1) -> v => (77, v),
            recv(c[78].1) -> v => (78, v),
            recv(c[79].1) -> v => (79, v),
            recv(c[80].1) -> v => (80, v),
            recv(c[81].1) -> v => (81, v),
            recv(c[82].1) -> v => (82, v),
            recv(c[83].1) -> v => (83, v),
            recv(c[84].1) -> v => (84, v),
            recv(c[85].1) -> v => (85, v),
            recv(c[86].1) -> v => (86, v),
            recv(c[87].1) -> v => (87, v),
            recv(c[88].1) -> v => (88, v),
            recv(c[89].1) -> v => (89, v),
            recv(c[90].1) -> v => (90, v),
            recv(c[91].1) -> v => (91, v),
            recv(c[92].1) -> v => (92, v),
            recv(c[93].1) -> v => (93, v),
            recv(c[94].1) -> v => (94, v),
            recv(c[95].1) -> v => (95, v),
            recv(c[96].1) -> v => (96, v),
            recv(c[97].1) -> v => (97, v),
            recv(c[98].1) -> v => (98, v),
            recv(c[99].1) -> v => (99, v),
        };
        assert_eq!((i, v), (100 - 1, Ok(7)));
        late.await.unwrap().unwrap();
        for (_, rx) in &c {
            let s = rx.stats();
            assert_eq!((s.waiting_receivers, s.buffered), (0, 0), "{s:?}");
        }
    })
    .await;
}

#[test]
fn select_over_100_mixed_cases_with_guards_and_default() {
    // 50 receive cases (every other one switched off by its guard) and 50
    // send cases on full channels; one receive case is ready at a time.
    let r = channels(50);
    let s = channels(50);
    for (tx, _) in &s {
        tx.try_send(usize::MAX).unwrap(); // full: never ready
    }
    for k in 0..50 {
        r[k].0.try_send(k).unwrap();
        let on: Vec<bool> = (0..50).map(|i| i % 2 == k % 2).collect();
        let got = gochan::select! {
            recv(r[0].1) -> v, if on[0] => Some((0, v)),
            recv(r[1].1) -> v, if on[1] => Some((1, v)),
            recv(r[2].1) -> v, if on[2] => Some((2, v)),
            recv(r[3].1) -> v, if on[3] => Some((3, v)),
            recv(r[4].1) -> v, if on[4] => Some((4, v)),
            recv(r[5].1) -> v, if on[5] => Some((5, v)),
            recv(r[6].1) -> v, if on[6] => Some((6, v)),
            recv(r[7].1) -> v, if on[7] => Some((7, v)),
            recv(r[8].1) -> v, if on[8] => Some((8, v)),
            recv(r[9].1) -> v, if on[9] => Some((9, v)),
            recv(r[10].1) -> v, if on[10] => Some((10, v)),
            recv(r[11].1) -> v, if on[11] => Some((11, v)),
            recv(r[12].1) -> v, if on[12] => Some((12, v)),
            recv(r[13].1) -> v, if on[13] => Some((13, v)),
            recv(r[14].1) -> v, if on[14] => Some((14, v)),
            recv(r[15].1) -> v, if on[15] => Some((15, v)),
            recv(r[16].1) -> v, if on[16] => Some((16, v)),
            recv(r[17].1) -> v, if on[17] => Some((17, v)),
            recv(r[18].1) -> v, if on[18] => Some((18, v)),
            recv(r[19].1) -> v, if on[19] => Some((19, v)),
            recv(r[20].1) -> v, if on[20] => Some((20, v)),
            recv(r[21].1) -> v, if on[21] => Some((21, v)),
            recv(r[22].1) -> v, if on[22] => Some((22, v)),
            recv(r[23].1) -> v, if on[23] => Some((23, v)),
            recv(r[24].1) -> v, if on[24] => Some((24, v)),
            recv(r[25].1) -> v, if on[25] => Some((25, v)),
            recv(r[26].1) -> v, if on[26] => Some((26, v)),
            recv(r[27].1) -> v, if on[27] => Some((27, v)),
            recv(r[28].1) -> v, if on[28] => Some((28, v)),
            recv(r[29].1) -> v, if on[29] => Some((29, v)),
            recv(r[30].1) -> v, if on[30] => Some((30, v)),
            recv(r[31].1) -> v, if on[31] => Some((31, v)),
            recv(r[32].1) -> v, if on[32] => Some((32, v)),
            recv(r[33].1) -> v, if on[33] => Some((33, v)),
            recv(r[34].1) -> v, if on[34] => Some((34, v)),
            recv(r[35].1) -> v, if on[35] => Some((35, v)),
            recv(r[36].1) -> v, if on[36] => Some((36, v)),
            recv(r[37].1) -> v, if on[37] => Some((37, v)),
            recv(r[38].1) -> v, if on[38] => Some((38, v)),
            recv(r[39].1) -> v, if on[39] => Some((39, v)),
            recv(r[40].1) -> v, if on[40] => Some((40, v)),
            recv(r[41].1) -> v, if on[41] => Some((41, v)),
            recv(r[42].1) -> v, if on[42] => Some((42, v)),
            recv(r[43].1) -> v, if on[43] => Some((43, v)),
            recv(r[44].1) -> v, if on[44] => Some((44, v)),
            recv(r[45].1) -> v, if on[45] => Some((45, v)),
            recv(r[46].1) -> v, if on[46] => Some((46, v)),
            recv(r[47].1) -> v, if on[47] => Some((47, v)),
            recv(r[48].1) -> v, if on[48] => Some((48, v)),
            recv(r[49].1) -> v, if on[49] => Some((49, v)),
            send(s[0].0, 0) -> _r => unreachable!("full"),
            send(s[1].0, 1) -> _r => unreachable!("full"),
            send(s[2].0, 2) -> _r => unreachable!("full"),
            send(s[3].0, 3) -> _r => unreachable!("full"),
            send(s[4].0, 4) -> _r => unreachable!("full"),
            send(s[5].0, 5) -> _r => unreachable!("full"),
            send(s[6].0, 6) -> _r => unreachable!("full"),
            send(s[7].0, 7) -> _r => unreachable!("full"),
            send(s[8].0, 8) -> _r => unreachable!("full"),
            send(s[9].0, 9) -> _r => unreachable!("full"),
            send(s[10].0, 10) -> _r => unreachable!("full"),
            send(s[11].0, 11) -> _r => unreachable!("full"),
            send(s[12].0, 12) -> _r => unreachable!("full"),
            send(s[13].0, 13) -> _r => unreachable!("full"),
            send(s[14].0, 14) -> _r => unreachable!("full"),
            send(s[15].0, 15) -> _r => unreachable!("full"),
            send(s[16].0, 16) -> _r => unreachable!("full"),
            send(s[17].0, 17) -> _r => unreachable!("full"),
            send(s[18].0, 18) -> _r => unreachable!("full"),
            send(s[19].0, 19) -> _r => unreachable!("full"),
            send(s[20].0, 20) -> _r => unreachable!("full"),
            send(s[21].0, 21) -> _r => unreachable!("full"),
            send(s[22].0, 22) -> _r => unreachable!("full"),
            send(s[23].0, 23) -> _r => unreachable!("full"),
            send(s[24].0, 24) -> _r => unreachable!("full"),
            send(s[25].0, 25) -> _r => unreachable!("full"),
            send(s[26].0, 26) -> _r => unreachable!("full"),
            send(s[27].0, 27) -> _r => unreachable!("full"),
            send(s[28].0, 28) -> _r => unreachable!("full"),
            send(s[29].0, 29) -> _r => unreachable!("full"),
            send(s[30].0, 30) -> _r => unreachable!("full"),
            send(s[31].0, 31) -> _r => unreachable!("full"),
            send(s[32].0, 32) -> _r => unreachable!("full"),
            send(s[33].0, 33) -> _r => unreachable!("full"),
            send(s[34].0, 34) -> _r => unreachable!("full"),
            send(s[35].0, 35) -> _r => unreachable!("full"),
            send(s[36].0, 36) -> _r => unreachable!("full"),
            send(s[37].0, 37) -> _r => unreachable!("full"),
            send(s[38].0, 38) -> _r => unreachable!("full"),
            send(s[39].0, 39) -> _r => unreachable!("full"),
            send(s[40].0, 40) -> _r => unreachable!("full"),
            send(s[41].0, 41) -> _r => unreachable!("full"),
            send(s[42].0, 42) -> _r => unreachable!("full"),
            send(s[43].0, 43) -> _r => unreachable!("full"),
            send(s[44].0, 44) -> _r => unreachable!("full"),
            send(s[45].0, 45) -> _r => unreachable!("full"),
            send(s[46].0, 46) -> _r => unreachable!("full"),
            send(s[47].0, 47) -> _r => unreachable!("full"),
            send(s[48].0, 48) -> _r => unreachable!("full"),
            send(s[49].0, 49) -> _r => unreachable!("full"),
            default => None,
        };
        assert_eq!(got, Some((k, Ok(k))));
    }
    for (_, rx) in &s {
        assert_eq!(rx.try_recv(), Ok(usize::MAX));
        assert!(rx.is_empty(), "no send case sent");
    }
}
