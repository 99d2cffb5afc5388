//! loom models of reservations and acknowledgements: `reserve_many` granted
//! slot by slot and released, a rendezvous `reserve_many` granted only
//! against receivers that wait at once, and a `deliver` acknowledged,
//! abandoned and undelivered. Every value is received exactly once or handed
//! back, and no room is left held.
#![cfg(gochan_loom)]

mod loom_support;

use gochan::{DeliverError, RecvError, TryRecvError};
use loom::future::block_on;
use loom::thread;
use loom_support::model;

/// A `reserve_many(2)` waits on a full `bounded(2)` while a receiver frees
/// the room: it is granted both slots in line order, sends one and gives the
/// other back, so no room is left held and a later send gets in. (That a
/// slot given back goes to a sender already waiting behind it is
/// `a_permit_given_back_moves_the_waiting_sender_in`'s.)
#[test]
fn reserve_many_granted_then_released() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(2);
        tx.try_send(0).unwrap();
        tx.try_send(1).unwrap(); // full
        let tx2 = tx.clone();
        let reserver = thread::spawn(move || {
            let mut permits = block_on(tx2.reserve_many(2)).unwrap();
            permits.next().unwrap().send(10).unwrap();
            // the second permit is given back with the iterator
        });
        let receiver = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(v) = block_on(rx.recv()) {
                got.push(v);
            }
            got
        });
        reserver.join().unwrap();
        block_on(tx.send(20)).unwrap(); // the room given back
        drop(tx);
        assert_eq!(receiver.join().unwrap(), [0, 1, 10, 20]);
    });
}

/// A permit is given back while a sender waits behind it and a receiver
/// waits for a value: the room goes to the sender, whose value goes to the
/// receiver (nobody is left waiting beside a partner).
#[test]
fn a_permit_given_back_moves_the_waiting_sender_in() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let tx2 = tx.clone();
        let permit = tx.try_reserve_owned().unwrap();
        let sender = thread::spawn(move || block_on(tx2.send(5)));
        let receiver = thread::spawn(move || block_on(rx.recv()));
        drop(permit); // the room, unused
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(receiver.join().unwrap(), Ok(5));
    });
}

/// A rendezvous `reserve_many(2)` is granted only while two receivers wait
/// at once; its two values go to them.
#[test]
fn rendezvous_reserve_many_needs_two_receivers_at_once() {
    model(|| {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let rx2 = rx.clone();
        let r1 = thread::spawn(move || block_on(rx2.recv()));
        let rx3 = rx.clone();
        let reserver = thread::spawn(move || {
            let permits = block_on(tx.reserve_many(2)).unwrap();
            // Granted against two receivers waiting at once (they cannot
            // leave: they wait for these very values).
            assert_eq!(
                rx3.stats().waiting_receivers,
                2,
                "granted with fewer receivers"
            );
            drop(rx3);
            for (p, v) in permits.zip([1, 2]) {
                p.send(v).unwrap();
            }
        });
        let got = block_on(rx.recv());
        reserver.join().unwrap();
        let mut all = vec![got.unwrap(), r1.join().unwrap().unwrap()];
        all.sort_unstable();
        assert_eq!(all, [1, 2]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// A `deliver` resolves `Ok` once a receiver takes its value, or
/// `Undelivered` if `close_now` hands the value back first: exactly one of
/// the two, matching where the value went.
#[test]
fn deliver_acknowledged_or_undelivered() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let rx2 = rx.clone();
        let deliverer = thread::spawn(move || block_on(tx.deliver(6)));
        let closer = thread::spawn(move || rx2.close_now());
        let got = block_on(rx.recv());
        let back = closer.join().unwrap();
        match deliverer.join().unwrap() {
            Ok(()) => assert_eq!((got, back), (Ok(6), vec![])),
            Err(DeliverError::Undelivered) => assert_eq!((got, back), (Err(RecvError), vec![6])),
            Err(DeliverError::Closed(v)) => {
                // Refused at the door: the close came first.
                assert_eq!((v, got, back), (6, Err(RecvError), vec![]));
            }
        }
    });
}

/// A `deliver` abandoned (its future dropped) after its value entered the
/// channel: the value stays for the receiver, exactly once.
#[test]
fn deliver_abandoned_leaves_its_value_for_the_receiver() {
    model(|| {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let deliverer = thread::spawn(move || {
            let mut d = tx.deliver(7);
            // Entered at once (there is room), then abandoned.
            let _ = loom_support::poll_once(&mut d);
        });
        deliverer.join().unwrap();
        assert_eq!(block_on(rx.recv()), Ok(7));
        assert_eq!(block_on(rx.recv()), Err(RecvError));
    });
}
