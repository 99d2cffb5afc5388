//! loom models of the hand-off: a send completed by a receiver, a receive
//! completed by a sender, and a receiver cancelled mid-hand-off, on
//! `bounded(1)` and a rendezvous channel. Every value is received exactly
//! once and no task is left waiting.
#![cfg(gochan_loom)]

mod loom_support;

use loom::future::block_on;
use loom::thread;
use loom_support::{model, poll_once, Ledger};

/// A producer sends two values; one consumer polls a receive once and drops
/// it (a cancelled receive, which may have been handed a value), then
/// receives until the channel is closed and drained; a second consumer
/// receives too. Both values arrive exactly once. (Not necessarily in order
/// per consumer: a value the cancelled receive was handed goes to the front
/// of the line, possibly after the other consumer took a later one.)
fn two_consumers_one_cancelled(make: fn() -> (gochan::Sender<usize>, gochan::Receiver<usize>)) {
    model(move || {
        let (tx, rx) = make();
        let rx2 = rx.clone();
        let producer = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
            // tx dropped: the channel closes once drained
        });
        let cancelling = thread::spawn(move || {
            let mut got = Vec::new();
            let mut first = rx2.recv();
            if let std::task::Poll::Ready(Ok(v)) = poll_once(&mut first) {
                got.push(v);
            }
            drop(first); // whatever it was handed goes on
            while let Ok(v) = block_on(rx2.recv()) {
                got.push(v);
            }
            got
        });
        let mut got = Vec::new();
        while let Ok(v) = block_on(rx.recv()) {
            got.push(v);
        }
        producer.join().unwrap();
        let other = cancelling.join().unwrap();
        let mut all: Vec<usize> = got.into_iter().chain(other).collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "every value exactly once");
        let s = rx.stats();
        assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
        assert!(rx.is_finished());
    });
}

#[test]
fn bounded_1_handoff_with_a_cancelled_receiver() {
    two_consumers_one_cancelled(|| gochan::bounded(1));
}

#[test]
fn rendezvous_handoff_with_a_cancelled_receiver() {
    two_consumers_one_cancelled(gochan::rendezvous);
}

/// A send cancelled mid-wait on a full channel: `cancel` is exact. Either
/// the receiver moved the value in (then `cancel` says `None` and the value
/// is received) or it did not (`Some(v)` and it is never received).
#[test]
fn cancelled_send_is_exact() {
    model(|| {
        let ledger = Ledger::new(2);
        let (tx, rx) = gochan::bounded(1);
        tx.try_send(ledger.make(0)).unwrap(); // full
        let l = ledger.clone();
        let sender = thread::spawn(move || {
            let mut send = tx.send(l.make(1));
            match poll_once(&mut send) {
                // The receiver took the first value already: room.
                std::task::Poll::Ready(res) => {
                    res.unwrap();
                    None
                }
                std::task::Poll::Pending => send.cancel().map(|v| v.id),
            }
        });
        let mut got = vec![block_on(rx.recv()).unwrap().id];
        let back = sender.join().unwrap();
        // The sender is gone: the channel is closed, drained below.
        while let Ok(v) = block_on(rx.recv()) {
            got.push(v.id);
        }
        match back {
            Some(id) => assert_eq!((id, got.as_slice()), (1, &[0][..]), "not sent"),
            None => assert_eq!(got, [0, 1], "sent"),
        }
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}
