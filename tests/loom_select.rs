//! loom models of `select!`: two cases racing two counterparts (exactly one
//! case happens), and a select dropped while a counterpart claims it (what it
//! was handed goes on; the room it was granted goes back). Every value is
//! received exactly once or stays in its channel, and nothing stays
//! registered.
#![cfg(gochan_loom)]

mod loom_support;

use loom::thread;
use loom_support::{model, poll_once};

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
