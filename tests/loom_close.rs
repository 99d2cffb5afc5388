//! loom models of closing: `close` against waiting senders and receivers,
//! `close_now` against outstanding permits, and `join`/`closed` woken
//! exactly when they should be. Every value is received exactly once or
//! handed back exactly once, and no task is left waiting.
#![cfg(gochan_loom)]

mod loom_support;

use gochan::{RecvError, SendError};
use loom::future::block_on;
use loom::thread;
use loom_support::{model, Ledger};

/// A sender waits on a full channel while another thread closes it: the send
/// fails with its value (a close refuses what waits), or it got in first if
/// the receiver made room; either way the value is received or handed back,
/// once.
#[test]
fn close_against_a_waiting_sender() {
    model(|| {
        let ledger = Ledger::new(2);
        let (tx, rx) = gochan::bounded(1);
        tx.try_send(ledger.make(0)).unwrap(); // full
        let tx2 = tx.clone();
        let l = ledger.clone();
        let sender = thread::spawn(move || match block_on(tx2.send(l.make(1))) {
            Ok(()) => true,
            Err(SendError(v)) => {
                assert_eq!(v.id, 1);
                false
            }
        });
        let closer = thread::spawn(move || assert!(tx.close()));
        let mut got = Vec::new();
        while let Ok(v) = block_on(rx.recv()) {
            got.push(v.id);
        }
        let sent = sender.join().unwrap();
        closer.join().unwrap();
        assert_eq!(got, if sent { vec![0, 1] } else { vec![0] });
        assert!(rx.is_finished());
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// The same with nobody receiving until the sender returns: the close must
/// wake the waiting send and hand its value back.
#[test]
fn close_refuses_a_waiting_sender() {
    model(|| {
        let ledger = Ledger::new(2);
        let (tx, rx) = gochan::bounded(1);
        tx.try_send(ledger.make(0)).unwrap(); // full
        let tx2 = tx.clone();
        let l = ledger.clone();
        let sender = thread::spawn(move || block_on(tx2.send(l.make(1))).map_err(|e| e.0.id));
        let closer = thread::spawn(move || assert!(tx.close()));
        assert_eq!(sender.join().unwrap(), Err(1), "refused with its value");
        closer.join().unwrap();
        assert_eq!(block_on(rx.recv()).map(|v| v.id), Ok(0));
        assert!(rx.is_finished());
        drop(rx);
        ledger.assert_all_dropped_once();
    });
}

/// Receivers wait on an empty rendezvous channel while another thread
/// closes it: both wake with `RecvError` (a close finishes an empty
/// channel), none is left waiting.
#[test]
fn close_against_waiting_receivers() {
    model(|| {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let rx2 = rx.clone();
        let r1 = thread::spawn(move || block_on(rx2.recv()));
        let closer = thread::spawn(move || drop(tx)); // the last sender
        assert_eq!(block_on(rx.recv()), Err(RecvError));
        assert_eq!(r1.join().unwrap(), Err(RecvError));
        closer.join().unwrap();
        let s = rx.stats();
        assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    });
}

/// `close_now` races a permit's send: the permit's value is either sent
/// before the close (and handed back by `close_now`) or refused (revoked:
/// back in its `Err`); never both, never lost, and the channel is finished.
#[test]
fn close_now_against_an_outstanding_permit() {
    model(|| {
        let ledger = Ledger::new(2);
        let (tx, rx) = gochan::bounded(2);
        tx.try_send(ledger.make(0)).unwrap();
        let permit = tx.clone().try_reserve_owned().unwrap();
        let l = ledger.clone();
        let sender = thread::spawn(move || match permit.send(l.make(1)) {
            Ok(_tx) => None,
            Err(SendError(v)) => Some(v.id),
        });
        let back: Vec<usize> = rx.close_now().into_iter().map(|v| v.id).collect();
        let refused = sender.join().unwrap();
        // What close_now did not hand back was refused, and the other way.
        let mut all = back.clone();
        all.extend(refused);
        all.sort_unstable();
        assert_eq!(all, [0, 1], "close_now {back:?}, refused {refused:?}");
        assert!(rx.is_finished());
        assert!(matches!(rx.try_recv(), Err(gochan::TryRecvError::Closed)));
        drop((tx, rx));
        ledger.assert_all_dropped_once();
    });
}

/// `join` waits for closed and drained, `closed` for closed: a producer
/// sends one value and closes, a consumer receives it; a joiner and a
/// closed-waiter each see exactly their condition when they wake.
#[test]
fn join_and_closed_wake_exactly_when_they_should() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let (jrx, crx) = (rx.clone(), rx.clone());
        let joiner = thread::spawn(move || {
            block_on(jrx.join());
            assert!(
                jrx.is_finished(),
                "join resolved before the channel was finished"
            );
        });
        let closed = thread::spawn(move || {
            block_on(crx.closed());
            assert!(crx.is_closed(), "closed() resolved on an open channel");
        });
        let producer = thread::spawn(move || {
            block_on(tx.send(7)).unwrap();
            tx.close();
        });
        assert_eq!(block_on(rx.recv()), Ok(7));
        assert_eq!(block_on(rx.recv()), Err(RecvError));
        producer.join().unwrap();
        closed.join().unwrap();
        joiner.join().unwrap();
    });
}
