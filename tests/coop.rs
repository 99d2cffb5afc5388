//! Tokio's cooperative budget, charged exactly as tokio's own channels charge
//! it: one unit per completed async operation, none for one that stays
//! pending, none for the `try_` methods. The budget is read by spending it
//! and giving it all back ([`budget_left`]), so every test sees the exact
//! count.

mod common;

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::{budget_left, deadline};
use tokio::task::coop;

/// Polls `fut` once; `true` if it completed.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> bool {
    poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *fut).poll(cx).is_ready())).await
}

/// Runs `f` in a fresh task (a `LocalSet` task: `f` may hold a `Context`)
/// on a current-thread runtime, under a deadline.
fn in_task<F: Future<Output = ()> + 'static>(f: F) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        deadline("in_task", tokio::task::spawn_local(f))
            .await
            .unwrap();
    });
}

#[test]
fn each_completed_send_and_recv_spends_one_unit() {
    in_task(async {
        let (tx, rx) = gochan::bounded(8);
        let before = budget_left().expect("a task has a budget");
        for i in 0..3 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(budget_left(), Some(before - 3));
        for i in 0..3 {
            assert_eq!(rx.recv().await, Ok(i));
        }
        assert_eq!(budget_left(), Some(before - 6));
        // A send refused because the channel is closed completed too.
        rx.close();
        assert!(tx.send(9).await.is_err());
        assert_eq!(rx.recv().await, Err(gochan::RecvError));
        assert_eq!(budget_left(), Some(before - 8));
    });
}

#[test]
fn try_methods_spend_nothing() {
    in_task(async {
        let (tx, rx) = gochan::bounded(8);
        let before = budget_left();
        tx.try_send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(rx.try_recv().is_err());
        assert_eq!(budget_left(), before);
    });
}

#[test]
fn a_pending_operation_gives_its_unit_back() {
    in_task(async {
        let (tx, rx) = gochan::rendezvous::<u32>();
        let before = budget_left().expect("a task has a budget");

        let mut recv = pin!(rx.recv());
        assert!(!poll_once(&mut recv).await);
        assert!(!poll_once(&mut recv).await);
        assert_eq!(budget_left(), Some(before), "pending polls spend nothing");

        let mut send = tx.send(7);
        // The waiting receiver takes the value: the send completes at once.
        assert!(poll_once(&mut send).await);
        assert_eq!(budget_left(), Some(before - 1));
        // The receive completes on its next poll: one unit, not one per poll.
        assert_eq!(recv.await, Ok(7));
        assert_eq!(budget_left(), Some(before - 2));
    });
}

#[test]
fn a_waiting_send_spends_one_unit_when_it_completes() {
    in_task(async {
        let (tx, rx) = gochan::bounded(1);
        tx.send(1).await.unwrap();
        let before = budget_left().expect("a task has a budget");
        let mut send = tx.send(2);
        assert!(!poll_once(&mut send).await);
        assert_eq!(budget_left(), Some(before));
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(poll_once(&mut send).await);
        assert_eq!(budget_left(), Some(before - 1));
    });
}

#[test]
fn select_spends_one_unit_whichever_case_wins() {
    in_task(async {
        let (tx_a, rx_a) = gochan::bounded::<u32>(4);
        let (tx_b, rx_b) = gochan::bounded::<u32>(4);
        tx_a.try_send(1).unwrap();
        tx_b.try_send(2).unwrap();
        let before = budget_left().expect("a task has a budget");
        let got = gochan::select! {
            recv(rx_a) -> v => v.unwrap(),
            recv(rx_b) -> v => v.unwrap(),
        };
        assert!(got == 1 || got == 2);
        assert_eq!(budget_left(), Some(before - 1));
    });
}

#[test]
fn an_exhausted_budget_makes_recv_yield() {
    in_task(async {
        let (tx, rx) = gochan::unbounded();
        for i in 0..1000 {
            tx.send(i).await.unwrap();
        }
        // Whatever the sends left, spend it all but nothing more.
        let mut cx = Context::from_waker(Waker::noop());
        while let Poll::Ready(unit) = coop::poll_proceed(&mut cx) {
            unit.made_progress();
        }
        let mut recv = pin!(rx.recv());
        assert!(
            !poll_once(&mut recv).await,
            "a receive with no budget left yields even with a value ready"
        );
        // The value is not lost: after a yield the budget is refilled.
        tokio::task::yield_now().await;
        assert_eq!(recv.await, Ok(0));
    });
}
