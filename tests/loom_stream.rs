//! loom models of a `Receiver` handle's place in line (its stream): a value
//! handed to it while it waits stays with the handle, goes on when the
//! handle is dropped, and is taken over by a receive that would otherwise
//! wait when the handle is idle.
#![cfg(gochan_loom)]

mod loom_support;

use loom::future::block_on;
use loom::thread;
use loom_support::{model, poll_once};
use tokio_stream::StreamExt;

/// A handle's `next()` registers and is dropped; a sender hands it a value;
/// the handle is dropped: the value goes on, and another receiver gets it.
#[test]
fn a_stream_registration_handed_a_value_then_dropped() {
    model(|| {
        let (tx, mut rx) = gochan::bounded::<u32>(1);
        let other = rx.clone();
        assert!(poll_once(&mut Box::pin(rx.next())).is_pending()); // the handle waits
        let sender = thread::spawn(move || block_on(tx.send(4)).unwrap());
        let dropper = thread::spawn(move || drop(rx));
        assert_eq!(block_on(other.recv()), Ok(4));
        sender.join().unwrap();
        dropper.join().unwrap();
        assert_eq!(block_on(other.recv()), Err(gochan::RecvError));
    });
}

/// An idle handle (its `next()` dropped, the handle kept) is handed a value
/// while another clone's `recv` waits: the waiting `recv` gets it, without
/// the handle ever being polled again. (Before, it waited for ever.)
#[test]
fn an_idle_handle_never_holds_a_value_from_a_waiting_recv() {
    model(|| {
        let (tx, mut rx) = gochan::bounded::<u32>(1);
        let other = rx.clone();
        assert!(poll_once(&mut Box::pin(rx.next())).is_pending()); // the handle waits
        let receiver = thread::spawn(move || block_on(other.recv()));
        block_on(tx.send(8)).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(8));
        assert_eq!(rx.try_recv(), Err(gochan::TryRecvError::Empty));
        drop(rx);
    });
}
