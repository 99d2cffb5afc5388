//! loom models of `select!`: two cases racing two counterparts (exactly one
//! case happens; on rendezvous channels too, where a token claimed twice
//! would complete both sends), a select dropped while a counterpart claims it (what it
//! was handed goes on; the room it was granted goes back), two selects
//! crossing on rendezvous channels (they pair exactly once: both tokens
//! change together), and a promised select whose send case gives up (it
//! starts over). Every value is received exactly once or stays in its
//! channel, and nothing stays registered.
#![cfg(gochan_loom)]

mod loom_support;

use loom::thread;
use loom_support::{model, model_with, poll_once};

/// A select over two receive cases while two threads each put a value in
/// one of the channels: exactly one case happens, the other value stays in
/// its channel.
#[test]
fn two_receive_cases_racing_two_senders() {
    model(|| {
        let (tx_a, rx_a) = gochan::bounded::<u32>(1);
        let (tx_b, rx_b) = gochan::bounded::<u32>(1);
        let a = thread::spawn(move || tx_a.try_send(1).unwrap());
        let b = thread::spawn(move || tx_b.try_send(2).unwrap());
        let got = loom::future::block_on(async {
            gochan::select! {
                biased;
                recv(rx_a) -> v => v.unwrap(),
                recv(rx_b) -> v => v.unwrap(),
            }
        });
        a.join().unwrap();
        b.join().unwrap();
        // The other value is still in its channel: one case happened.
        let (left_a, left_b) = (rx_a.try_recv().ok(), rx_b.try_recv().ok());
        match got {
            1 => assert_eq!((left_a, left_b), (None, Some(2))),
            2 => assert_eq!((left_a, left_b), (Some(1), None)),
            other => panic!("received {other}"),
        }
        for rx in [&rx_a, &rx_b] {
            let s = rx.stats();
            assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
        }
    });
}

/// The same race on rendezvous channels, where a receive case that is
/// handed a value completes its sender's send: a select claimed twice would
/// let both senders finish and leave the losing value buffered in a
/// channel that never buffers. Exactly one send completes by the select;
/// the other completes only when the main thread receives its value later.
#[test]
fn two_receive_cases_racing_two_rendezvous_senders() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::Arc;
    model(|| {
        let (tx_a, rx_a) = gochan::rendezvous::<u32>();
        let (tx_b, rx_b) = gochan::rendezvous::<u32>();
        let done = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let spawn_sender = |tx: gochan::Sender<u32>, v: u32, i: usize| {
            let done = done.clone();
            thread::spawn(move || {
                loom::future::block_on(tx.send(v)).unwrap();
                done[i].store(true, SeqCst);
            })
        };
        let a = spawn_sender(tx_a, 1, 0);
        let b = spawn_sender(tx_b, 2, 1);
        let got = loom::future::block_on(async {
            gochan::select! {
                recv(rx_a) -> v => v.unwrap(),
                recv(rx_b) -> v => v.unwrap(),
            }
        });
        let (other, other_done) = match got {
            1 => (&rx_b, &done[1]),
            2 => (&rx_a, &done[0]),
            v => panic!("received {v}"),
        };
        assert_eq!(
            other.len(),
            0,
            "a rendezvous channel buffered the losing value"
        );
        assert!(
            !other_done.load(SeqCst),
            "the losing send completed without a receiver"
        );
        assert_eq!(loom::future::block_on(other.recv()), Ok(3 - got));
        a.join().unwrap();
        b.join().unwrap();
        for rx in [&rx_a, &rx_b] {
            let s = rx.stats();
            assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
        }
    });
}

/// A select over a send case on a full channel and a receive case, while
/// one thread frees the room and another sends: exactly one case happens;
/// if the send case did, its value (built only then) is in the channel.
#[test]
fn a_send_case_and_a_receive_case_racing_their_counterparts() {
    model(|| {
        let (tx_out, rx_out) = gochan::bounded::<u32>(1);
        let (tx_in, rx_in) = gochan::bounded::<u32>(1);
        tx_out.try_send(0).unwrap(); // full
        let rx_out2 = rx_out.clone();
        let freer = thread::spawn(move || rx_out2.try_recv().unwrap());
        let sender = thread::spawn(move || tx_in.try_send(5).unwrap());
        let built = std::cell::Cell::new(0);
        let which = loom::future::block_on(async {
            gochan::select! {
                biased;
                send(tx_out, { built.set(built.get() + 1); 9 }) -> r => { r.unwrap(); "send" },
                recv(rx_in) -> v => { assert_eq!(v, Ok(5)); "recv" },
            }
        });
        assert_eq!(freer.join().unwrap(), 0);
        sender.join().unwrap();
        match which {
            "send" => {
                assert_eq!(built.get(), 1);
                assert_eq!(rx_out.try_recv(), Ok(9));
                assert_eq!(rx_in.try_recv(), Ok(5), "the receive case did not happen");
            }
            _ => {
                assert_eq!(built.get(), 0, "a losing send case built its value");
                assert!(rx_out.try_recv().is_err(), "the send case did not happen");
            }
        }
        assert_eq!(tx_out.try_send(1), Ok(()), "no room is left held");
    });
}

/// A select registered on a receive case is dropped while a sender hands it
/// a value: the value goes on to the front of the channel, received once.
#[test]
fn a_select_dropped_while_a_sender_claims_its_receive_case() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let (_idle_tx, idle_rx) = gochan::bounded::<u32>(1);
        let sender = thread::spawn(move || tx.try_send(3).unwrap());
        {
            let mut sel = Box::pin(async {
                gochan::select! {
                    biased;
                    recv(rx) -> v => v.unwrap(),
                    recv(idle_rx) -> _v => unreachable!(),
                }
            });
            if let std::task::Poll::Ready(v) = poll_once(&mut sel) {
                assert_eq!(v, 3);
                sender.join().unwrap();
                return;
            }
            // dropped here, perhaps after the sender handed it the value
        }
        sender.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(3), "the value went on");
        let s = rx.stats();
        assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    });
}

/// A select registered on a send case of a full channel is dropped while a
/// receiver frees the room (granting it to the case): nothing was sent, and
/// the room goes back.
#[test]
fn a_select_dropped_while_a_receiver_grants_its_send_case() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(1);
        tx.try_send(0).unwrap(); // full
        let rx2 = rx.clone();
        let freer = thread::spawn(move || rx2.try_recv().unwrap());
        {
            let mut sel = Box::pin(async {
                gochan::select! {
                    send(tx, 1) -> r => r.unwrap(),
                }
            });
            if poll_once(&mut sel).is_ready() {
                assert_eq!(freer.join().unwrap(), 0);
                assert_eq!(rx.try_recv(), Ok(1));
                return;
            }
        }
        assert_eq!(freer.join().unwrap(), 0);
        assert!(rx.try_recv().is_err(), "a dropped select sent nothing");
        assert_eq!(tx.try_send(2), Ok(()), "the room went back");
        let s = rx.stats();
        assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    });
}

/// Two selects cross on two rendezvous channels: X offers a send on `a` and
/// a receive on `b`, Y a send on `b` and a receive on `a`. Only they use the
/// channels, so each can happen only by pairing with the other: exactly one
/// value moves, and both agree which. (Each select's send case pairs with
/// the other's receive case by changing both tokens at once; two pairings
/// that cross must not both happen, nor deadlock.)
#[test]
fn two_selects_crossing_on_rendezvous_channels_pair_once() {
    // Bound 3: the two-token lock's deadlock, were its order lost, needs
    // three preemptions to show.
    model_with(3, || {
        let (tx_a, rx_a) = gochan::rendezvous::<u32>();
        let (tx_b, rx_b) = gochan::rendezvous::<u32>();
        let (tx_a2, rx_b2) = (tx_a.clone(), rx_b.clone());
        let x = thread::spawn(move || {
            loom::future::block_on(async {
                gochan::select! {
                    send(tx_a2, 1) -> r => { r.unwrap(); ('a', 1) },
                    recv(rx_b2) -> v => ('b', v.unwrap()),
                }
            })
        });
        let y = loom::future::block_on(async {
            gochan::select! {
                send(tx_b, 2) -> r => { r.unwrap(); ('b', 2) },
                recv(rx_a) -> v => ('a', v.unwrap()),
            }
        });
        let x = x.join().unwrap();
        assert_eq!(x, y, "the two selects disagree on what happened");
        for rx in [&rx_a, &rx_b] {
            assert!(rx.try_recv().is_err(), "a value was left in a channel");
            let s = rx.stats();
            assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
        }
        drop(tx_a);
    });
}

/// A send case pairs with a waiting select's receive case on a rendezvous
/// channel, then its value expression panics: the hand-off comes back
/// unused and the promised select starts over, so that its other case (a
/// value sent on a second channel meanwhile) can still happen. Nothing is
/// left registered.
#[test]
fn a_promised_select_starts_over_when_the_send_case_gives_up() {
    model(|| {
        let (tx_a, rx_a) = gochan::rendezvous::<u32>();
        let (tx_c, rx_c) = gochan::bounded::<u32>(1);
        let (rx_a2, rx_c2) = (rx_a.clone(), rx_c.clone());
        let y = thread::spawn(move || {
            loom::future::block_on(async {
                gochan::select! {
                    recv(rx_a2) -> v => ('a', v.unwrap()),
                    recv(rx_c2) -> v => ('c', v.unwrap()),
                }
            })
        });
        // Whether or not Y waits yet, the case takes the hand-off only if it
        // waits; either way the panic gives it back.
        let gave_up = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            gochan::select! {
                send(tx_a, no_value()) -> _r => {},
                default => {},
            }
        }));
        let paired = gave_up.is_err();
        tx_c.try_send(7).unwrap();
        assert_eq!(y.join().unwrap(), ('c', 7), "paired: {paired}");
        for s in [rx_a.stats(), rx_c.stats()] {
            assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
        }
        assert!(tx_a.try_send(1).is_err(), "a hand-off was left promised");
    });
}

/// A send case's value expression that panics (typed, so that the case
/// still reads as a send of a `u32`).
fn no_value() -> u32 {
    panic!("the value expression panics")
}
