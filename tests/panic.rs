//! User code that panics: a value's `Drop`, a waker's `wake`, `clone` or
//! `drop`. A waker is user code as much as a `Drop` is (an executor's vtable
//! runs it), so the channel treats both alike: every value ends where the
//! contract says (received exactly once, or handed back), every task is woken
//! even if one waker panics, and the first panic is re-raised only then.
//! Nothing here may abort the process (a second panic while unwinding does).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

mod common;

use common::{assert_idle, kinds, on_a_thread, panic_message};
use gochan::{DeliverError, Receiver, RecvError, TryRecvError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

/// Panics when dropped while armed, even during unwinding, so that a channel
/// that drops two of them in one go without containing the first panic
/// aborts the process.
#[derive(Debug)]
struct Bomb {
    id: u32,
    armed: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.armed {
            panic!("boom: Bomb {} dropped", self.id);
        }
    }
}

fn bomb(id: u32, drops: &Arc<AtomicUsize>) -> Bomb {
    Bomb {
        id,
        armed: true,
        drops: drops.clone(),
    }
}

fn dud(id: u32, drops: &Arc<AtomicUsize>) -> Bomb {
    Bomb {
        id,
        armed: false,
        drops: drops.clone(),
    }
}

/// Disarms a received bomb so the test can drop it.
fn disarm(mut b: Bomb) -> u32 {
    b.armed = false;
    b.id
}

/// A waker whose `wake` panics; it counts the calls.
struct PanickyWaker(AtomicUsize);

impl Wake for PanickyWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("boom: waker");
    }
}

fn panicky() -> (Arc<PanickyWaker>, Waker) {
    let w = Arc::new(PanickyWaker(AtomicUsize::new(0)));
    (w.clone(), Waker::from(w))
}

/// Polls `fut` once with `waker`.
fn poll_with<F: Future + Unpin>(fut: &mut F, waker: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(fut).poll(&mut Context::from_waker(waker))
}

#[test]
fn last_receiver_drops_every_panicking_value() {
    // crossbeam-channel's `panic_on_drop`: two (and more) buffered values
    // whose `Drop` panics, the last receiver dropped inside `catch_unwind`.
    // Before, the second panic came during the first's unwinding: abort.
    for bombs in [2, 3, 5] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = gochan::unbounded();
        for i in 0..bombs {
            tx.try_send(bomb(i, &drops)).unwrap();
            tx.try_send(dud(100 + i, &drops)).unwrap();
        }
        let res = catch_unwind(AssertUnwindSafe(move || drop(rx)));
        let msg = res.unwrap_err();
        assert_eq!(
            msg.downcast_ref::<String>().unwrap(),
            "boom: Bomb 0 dropped"
        );
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2 * bombs as usize,
            "every value dropped"
        );
        assert!(tx.is_finished());
        assert!(tx.try_send(dud(9, &drops)).unwrap_err().is_closed());
    }
}

#[test]
fn last_receiver_settles_deliver_behind_a_panicking_value() {
    // A value whose `Drop` panics is buffered ahead of a `deliver`ed one; the
    // last receiver goes: the `deliver` must see `Undelivered`, not wait for
    // ever.
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::bounded(4);
    tx.try_send(bomb(1, &drops)).unwrap();
    let mut d = spawn(tx.deliver(dud(2, &drops)));
    assert_pending!(d.poll());
    assert!(catch_unwind(AssertUnwindSafe(move || drop(rx))).is_err());
    assert!(d.is_woken());
    assert!(matches!(
        assert_ready!(d.poll()),
        Err(DeliverError::Undelivered)
    ));
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn handle_dropped_while_unwinding_does_not_abort() {
    // The last receiver is dropped by a panic's unwinding while the buffer
    // holds bombs: their panics are contained (a second panic would abort).
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::unbounded();
    tx.try_send(bomb(1, &drops)).unwrap();
    tx.try_send(bomb(2, &drops)).unwrap();
    let res = catch_unwind(AssertUnwindSafe(move || {
        let _rx = rx;
        panic!("the task's own panic");
    }));
    assert_eq!(
        *res.unwrap_err().downcast_ref::<&str>().unwrap(),
        "the task's own panic"
    );
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    assert!(tx.is_finished());
}

#[test]
fn close_now_leftovers_are_the_callers() {
    // close_now hands bombs back; the caller disarms them: none dropped by
    // the channel.
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::bounded(2);
    tx.try_send(bomb(1, &drops)).unwrap();
    tx.try_send(bomb(2, &drops)).unwrap();
    let got: Vec<u32> = rx.close_now().into_iter().map(disarm).collect();
    assert_eq!(got, [1, 2]);
}

#[test]
fn try_recv_whose_wake_panics_keeps_the_value() {
    // bounded(1) holds `1`; a sender waits with `2` and a waker that panics.
    // The `try_recv` that frees room moves `2` in and wakes that sender: the
    // wake panics. The value it took out goes back to the front.
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(1).unwrap();
    let (w, waker) = panicky();
    let mut send = tx.send(2);
    assert!(poll_with(&mut send, &waker).is_pending());
    let res = catch_unwind(AssertUnwindSafe(|| rx.try_recv()));
    assert!(res.is_err(), "the waker's panic is re-raised");
    assert_eq!(w.0.load(Ordering::SeqCst), 1);
    assert_eq!(rx.try_recv(), Ok(1), "the taken value came back, in order");
    assert_eq!(rx.try_recv(), Ok(2), "the waiting sender's value moved in");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(send.cancel(), None, "it was sent");
}

#[test]
fn recv_whose_wake_panics_keeps_the_value() {
    // The same through `recv` on each kind: on a rendezvous channel the value
    // is taken straight from the waiting sender.
    for cap in [1, 0] {
        let (tx, rx) = gochan::bounded(cap);
        if cap == 1 {
            tx.try_send(1).unwrap();
        }
        let (_w, waker) = panicky();
        let mut send = tx.send(if cap == 1 { 2 } else { 1 });
        assert!(poll_with(&mut send, &waker).is_pending());
        let res = catch_unwind(AssertUnwindSafe(|| spawn(rx.recv()).poll()));
        assert!(res.is_err(), "cap {cap}: the waker's panic is re-raised");
        assert_eq!(rx.try_recv(), Ok(1), "cap {cap}");
        if cap == 1 {
            assert_eq!(rx.try_recv(), Ok(2));
        }
        assert_eq!(send.cancel(), None, "cap {cap}: it was sent");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "cap {cap}");
    }
}

#[test]
fn close_now_whose_wake_panics_hands_every_value_back() {
    // bounded(2) full, a sender waiting with a panicking waker: close_now
    // wakes it (its value comes back to it) and returns both buffered values.
    let (tx, rx) = gochan::bounded(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let (w, waker) = panicky();
    let mut send = tx.send(3);
    assert!(poll_with(&mut send, &waker).is_pending());
    assert_eq!(rx.close_now(), [1, 2]);
    assert_eq!(w.0.load(Ordering::SeqCst), 1, "the sender was woken");
    assert_eq!(
        spawn(&mut send).poll(),
        Poll::Ready(Err(gochan::SendError(3)))
    );
    assert!(rx.is_finished());
}

#[test]
fn close_wakes_everyone_though_the_first_waker_panics() {
    for cap in [0, 1, 4] {
        let (tx, rx) = gochan::bounded::<u32>(cap);
        let rx2 = rx.clone();
        let (w, waker) = panicky();
        let mut first = rx.recv();
        assert!(poll_with(&mut first, &waker).is_pending());
        let mut second = spawn(rx2.recv());
        assert_pending!(second.poll());
        let mut join = spawn(rx2.join());
        assert_pending!(join.poll());
        let mut closed = spawn(tx.closed());
        assert_pending!(closed.poll());

        let res = catch_unwind(AssertUnwindSafe(|| tx.close()));
        assert!(
            res.is_err(),
            "cap {cap}: the first waker's panic is re-raised"
        );
        assert_eq!(w.0.load(Ordering::SeqCst), 1);
        assert!(second.is_woken(), "cap {cap}: the other receiver was woken");
        assert!(join.is_woken(), "cap {cap}: join was woken");
        assert!(closed.is_woken(), "cap {cap}: closed was woken");
        assert_ready_eq!(second.poll(), Err(RecvError));
        assert_ready!(join.poll());
        assert_ready!(closed.poll());
        assert_eq!(spawn(&mut first).poll(), Poll::Ready(Err(RecvError)));
    }
}

/// A waker that owns the last `Receiver` of a channel: dropping it drops the
/// handle, which locks the channel. Dropped under one of the channel's locks
/// it would deadlock (the locks are not re-entrant).
struct OwnsReceiver(Mutex<Option<Receiver<u32>>>);

impl Wake for OwnsReceiver {
    fn wake(self: Arc<Self>) {}
}

impl Drop for OwnsReceiver {
    fn drop(&mut self) {
        // Touch the channel, as a task owning the handle would when it ends.
        if let Some(rx) = self.0.lock().unwrap().take() {
            let _ = rx.len();
        }
    }
}

#[test]
fn replaced_waker_that_owns_a_handle_is_dropped_after_the_lock() {
    // A `deliver` re-polled with another task's waker replaces the first
    // waker, which owns the channel's receiver: dropping it must not happen
    // under the acknowledgement's or the channel's lock.
    on_a_thread("a waker ran under a lock", || {
        let (tx, rx) = gochan::bounded::<u32>(4);
        let owner = Waker::from(Arc::new(OwnsReceiver(Mutex::new(Some(rx)))));
        let mut d = pin!(tx.deliver(1));
        assert!(d
            .as_mut()
            .poll(&mut Context::from_waker(&owner))
            .is_pending());
        drop(owner);
        let mut noop = Context::from_waker(Waker::noop());
        // Replaces the waker; the old one, dropped after the lock, drops the
        // last receiver: the value can never be delivered now.
        assert!(d.as_mut().poll(&mut noop).is_pending());
        assert!(matches!(
            d.as_mut().poll(&mut noop),
            Poll::Ready(Err(DeliverError::Undelivered))
        ));
    });
    // The same for a waiting send's and recv's entry in the channel.
    on_a_thread("a waker ran under a lock", || {
        let (tx, rx) = gochan::bounded::<u32>(0);
        let keep = rx.clone();
        let owner = Waker::from(Arc::new(OwnsReceiver(Mutex::new(Some(rx)))));
        let mut send = tx.send(1);
        assert!(poll_with(&mut send, &owner).is_pending());
        drop(owner);
        assert!(poll_with(&mut send, Waker::noop()).is_pending());
        assert_eq!(keep.try_recv(), Ok(1));
    });
    on_a_thread("a waker ran under a lock", || {
        let (tx, rx) = gochan::bounded::<u32>(1);
        let owner = Waker::from(Arc::new(OwnsReceiver(Mutex::new(Some(rx.clone())))));
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &owner).is_pending());
        drop(owner);
        assert!(poll_with(&mut recv, Waker::noop()).is_pending());
        tx.try_send(5).unwrap();
        assert_eq!(poll_with(&mut recv, Waker::noop()), Poll::Ready(Ok(5)));
    });
}

/// Arms the [`clone_bomb`] wakers of `waker_clone_that_panics_loses_nothing`.
static CLONE_PANICS: AtomicBool = AtomicBool::new(false);

/// A waker whose `clone` panics while `armed` is set (each test has its own
/// flag, so that tests running at the same time do not disarm each other). A
/// `Waker` whose clone can fail cannot be made from `std::task::Wake` (its
/// clone is an `Arc` clone), hence the raw vtable: this test file, not the
/// crate, holds the `unsafe`.
fn clone_bomb(armed: &'static AtomicBool) -> Waker {
    use std::task::{RawWaker, RawWakerVTable};
    fn clone(data: *const ()) -> RawWaker {
        // SAFETY: `data` is the `&'static AtomicBool` given to `clone_bomb`.
        let armed = unsafe { &*data.cast::<AtomicBool>() };
        if armed.load(Ordering::SeqCst) {
            panic!("boom: waker clone");
        }
        RawWaker::new(data, &VTABLE)
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    let data: *const AtomicBool = armed;
    // SAFETY: the data pointer is a `&'static AtomicBool`, valid for ever and
    // only read; the vtable upholds `RawWaker`'s contract: clone returns a
    // waker with the same data and vtable, wake and drop do nothing.
    unsafe { Waker::from_raw(RawWaker::new(data.cast(), &VTABLE)) }
}

#[test]
fn waker_clone_that_panics_loses_nothing() {
    // A send that must wait clones its task's waker under the channel lock
    // (as tokio's `Notify` does). If the clone panics, the value is not
    // dropped under the lock nor lost: it is in the send's entry, and the
    // future's drop withdraws it (dropped with its future, like any unsent
    // send), and the channel stays usable.
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::bounded(1);
    tx.try_send(dud(1, &drops)).unwrap();
    let waker = clone_bomb(&CLONE_PANICS);
    let mut send = tx.send(dud(2, &drops));
    CLONE_PANICS.store(true, Ordering::SeqCst);
    let res = catch_unwind(AssertUnwindSafe(|| {
        poll_with(&mut send, &waker).is_pending()
    }));
    CLONE_PANICS.store(false, Ordering::SeqCst);
    assert!(res.is_err(), "the clone's panic comes out of poll");
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "nothing dropped under the lock"
    );
    assert_eq!(
        send.cancel().map(disarm),
        Some(2),
        "the value is still the send's"
    );
    assert_eq!(rx.try_recv().map(disarm), Ok(1));
    assert!(rx.try_recv().is_err());
    tx.try_send(dud(3, &drops)).unwrap();
    assert_eq!(rx.try_recv().map(disarm), Ok(3));
}

// ---------------------------------------------------------------------------
// A panic in user code leaves the line, the registrations and every value as
// if it had not happened (issue 16)
// ---------------------------------------------------------------------------

/// Runs `f`, recording the message of a panic instead of unwinding.
fn caught<R>(panics: &mut Vec<String>, f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(p) => {
            panics.push(panic_message(p));
            None
        }
    }
}

/// Every panic caught was a test waker's own, never one of the channel's
/// (such as "waiter entry missing (internal error)").
#[track_caller]
fn assert_only_waker_panics(what: &str, panics: &[String]) {
    assert!(
        panics.iter().all(|m| m.starts_with("boom: waker")),
        "{what}: the channel panicked: {panics:?}"
    );
}

/// Arms the clone-bomb wakers of
/// `reserve_many_whose_waker_clone_panics_leaves_no_orphan_entry`.
static RESERVE_CLONE_PANICS: AtomicBool = AtomicBool::new(false);

/// A `reserve_many` that must wait clones its task's waker to register; if
/// that clone panics, no entry is left in the send line and no slot is held:
/// once the future is dropped nobody waits, every free slot can be used, and
/// after a close the channel finishes.
#[test]
fn reserve_many_whose_waker_clone_panics_leaves_no_orphan_entry() {
    // One value buffered: one slot granted at once, one waited for. Two:
    // both waited for.
    for buffered in [1u32, 2] {
        let (tx, rx) = gochan::bounded::<u32>(2);
        for v in 0..buffered {
            tx.try_send(v).unwrap();
        }
        let waker = clone_bomb(&RESERVE_CLONE_PANICS);
        let mut many = tx.reserve_many(2);
        RESERVE_CLONE_PANICS.store(true, Ordering::SeqCst);
        let res = catch_unwind(AssertUnwindSafe(|| {
            poll_with(&mut many, &waker).is_pending()
        }));
        RESERVE_CLONE_PANICS.store(false, Ordering::SeqCst);
        match res {
            Err(p) => assert_eq!(panic_message(p), "boom: waker clone", "{buffered} buffered"),
            Ok(pending) => assert!(pending, "{buffered} buffered: no room for two"),
        }
        drop(many);
        assert_eq!(
            tx.stats().waiting_senders,
            0,
            "{buffered} buffered: an orphan entry was left in the send line"
        );
        for v in buffered..2 {
            assert_eq!(tx.try_send(v), Ok(()), "{buffered} buffered: a slot leaked");
        }
        assert!(tx.try_send(9).unwrap_err().is_full());
        let mut join = spawn(rx.join());
        assert_pending!(join.poll());
        tx.close();
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.try_recv(), Ok(1));
        assert!(
            rx.is_finished(),
            "{buffered} buffered: closed and drained, yet not finished"
        );
        assert!(join.is_woken(), "{buffered} buffered");
        assert_ready!(join.poll());
        assert_idle(&rx);
    }
}

/// A handle's registration (`poll_recv` pending) is handed a value, the
/// channel closes, and the handle's `poll_recv` takes the value: that
/// finishes the channel, which wakes another receiver whose waker panics.
/// The value is returned, or put back, exactly once; the handle's next
/// `poll_recv` and its drop do not panic (today: "waiter entry missing").
#[test]
fn poll_recv_after_a_wake_up_panic_returns_the_value_once_and_keeps_no_stale_place() {
    for (kind, (tx, mut rx)) in kinds::<Bomb>() {
        let drops = Arc::new(AtomicUsize::new(0));
        let other = rx.clone();
        let mut panics = Vec::new();
        let mut got = Vec::new();
        let noop = &mut Context::from_waker(Waker::noop());
        assert!(rx.poll_recv(noop).is_pending(), "{kind}");
        assert!(
            tx.try_send(dud(1, &drops)).is_ok(),
            "{kind}: handed to the handle"
        );
        let (_w, waker) = panicky();
        let mut waiting = other.recv();
        let mut waiting_done = false;
        if let Poll::Ready(res) = poll_with(&mut waiting, &waker) {
            waiting_done = true;
            got.extend(res.ok().map(disarm));
        }
        caught(&mut panics, || tx.close());
        for _ in 0..2 {
            if let Some(Poll::Ready(Some(v))) = caught(&mut panics, || rx.poll_recv(noop)) {
                got.push(disarm(v));
            }
        }
        let mut still_waiting = false;
        if !waiting_done {
            match caught(&mut panics, || poll_with(&mut waiting, Waker::noop())) {
                Some(Poll::Ready(Ok(v))) => got.push(disarm(v)),
                Some(Poll::Ready(Err(RecvError))) | None => {}
                Some(Poll::Pending) => still_waiting = true,
            }
        }
        drop(waiting);
        while let Ok(v) = other.try_recv() {
            got.push(disarm(v));
        }
        // Dropped before any assertion: a handle whose drop panics must not
        // be dropped again by a failed assertion's unwinding (an abort).
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(rx)));
        assert_eq!(got, [1], "{kind}: the value must be received exactly once");
        assert_only_waker_panics(kind, &panics);
        assert!(
            !still_waiting,
            "{kind}: a receiver waits on a drained closed channel"
        );
        if let Err(p) = dropped {
            panic!("{kind}: dropping the handle panicked: {}", panic_message(p));
        }
        assert!(other.is_finished(), "{kind}");
        assert_idle(&other);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{kind}: dropped once");
    }
}

/// Rendezvous: a handle's `poll_recv` registers, which grants a waiting
/// `reserve` whose waker panics. No ghost registration stays in line: the
/// place is the handle's (or was withdrawn), so the permit's value reaches
/// the handle instead of an entry nobody will ever read.
#[test]
fn rendezvous_poll_recv_that_wakes_a_panicking_reserve_leaves_no_ghost_in_line() {
    let (tx, mut rx) = gochan::rendezvous::<u32>();
    let noop = &mut Context::from_waker(Waker::noop());
    let mut panics = Vec::new();
    let (_w, waker) = panicky();
    let mut reserve = tx.reserve();
    assert!(poll_with(&mut reserve, &waker).is_pending());
    // A receiver waits now: the reserve is granted and woken; its wake panics.
    let first = caught(&mut panics, || rx.poll_recv(noop));
    assert!(
        matches!(first, None | Some(Poll::Pending)),
        "nothing was sent"
    );
    let again = caught(&mut panics, || rx.poll_recv(noop));
    assert!(
        matches!(again, Some(Poll::Pending)),
        "nothing was sent: {again:?}"
    );
    let permit = match poll_with(&mut reserve, Waker::noop()) {
        Poll::Ready(Ok(permit)) => permit,
        other => panic!("the handle waits: the reserve must be granted ({other:?})"),
    };
    permit.send(5).unwrap();
    let got = caught(&mut panics, || rx.poll_recv(noop));
    assert_eq!(
        got,
        Some(Poll::Ready(Some(5))),
        "the permit's value went to a registration nobody reads"
    );
    assert_only_waker_panics("rendezvous", &panics);
    assert_eq!(rx.len(), 0);
    assert_idle(&rx);
    let dropped = catch_unwind(AssertUnwindSafe(move || drop(rx)));
    assert!(dropped.is_ok(), "dropping the handle panicked");
}

/// A `try_recv` of a value handed to the handle (its registration holds it)
/// finishes the closed channel, which wakes a receiver whose waker panics:
/// the value is not dropped with the unwinding. It is returned, or put back
/// and received afterwards, exactly once.
#[test]
fn try_recv_of_a_value_its_handle_holds_keeps_it_though_a_wake_up_panics() {
    for (kind, (tx, mut rx)) in kinds::<Bomb>() {
        let drops = Arc::new(AtomicUsize::new(0));
        let other = rx.clone();
        let mut panics = Vec::new();
        let mut got = Vec::new();
        let noop = &mut Context::from_waker(Waker::noop());
        assert!(rx.poll_recv(noop).is_pending(), "{kind}");
        assert!(
            tx.try_send(dud(1, &drops)).is_ok(),
            "{kind}: handed to the handle"
        );
        let (_w, waker) = panicky();
        let mut waiting = other.recv();
        let mut waiting_done = false;
        if let Poll::Ready(res) = poll_with(&mut waiting, &waker) {
            waiting_done = true;
            got.extend(res.ok().map(disarm));
        }
        caught(&mut panics, || tx.close());
        if let Some(Ok(v)) = caught(&mut panics, || rx.try_recv()) {
            got.push(disarm(v));
        }
        assert_eq!(
            drops.load(Ordering::SeqCst),
            got.len(),
            "{kind}: the channel dropped the value"
        );
        if !waiting_done {
            if let Some(Poll::Ready(Ok(v))) =
                caught(&mut panics, || poll_with(&mut waiting, Waker::noop()))
            {
                got.push(disarm(v));
            }
        }
        drop(waiting);
        for r in [&rx, &other] {
            while let Ok(v) = r.try_recv() {
                got.push(disarm(v));
            }
        }
        assert_eq!(got, [1], "{kind}: the value must be received exactly once");
        assert_only_waker_panics(kind, &panics);
        assert!(other.is_finished(), "{kind}");
        assert_idle(&other);
    }
}

/// `Permit::send` (and `OwnedPermit::send`) with every receiver gone hands
/// the value back in `Err`, even when the settlement of its permit finishes
/// the channel and wakes a `join` whose waker panics.
#[test]
fn permit_send_with_every_receiver_gone_returns_the_value_though_a_wake_up_panics() {
    for owned in [false, true] {
        for (kind, (tx, rx)) in kinds::<Bomb>() {
            let what = format!("{kind}, owned {owned}");
            let drops = Arc::new(AtomicUsize::new(0));
            // On a rendezvous channel a permit needs a waiting receiver.
            let mut r = spawn(rx.recv());
            assert_pending!(r.poll());
            let send: Box<dyn FnOnce(Bomb) -> Result<(), gochan::SendError<Bomb>>> = if owned {
                let permit = tx.clone().try_reserve_owned().unwrap();
                Box::new(move |v| permit.send(v).map(drop))
            } else {
                let permit = tx.try_reserve().unwrap();
                Box::new(move |v| permit.send(v))
            };
            drop(r);
            drop(rx); // every receiver gone: closed, not finished (a permit is out)
            let (w, waker) = panicky();
            let mut join = pin!(tx.join());
            assert!(
                join.as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending(),
                "{what}: a permit may still send"
            );
            match catch_unwind(AssertUnwindSafe(|| send(dud(7, &drops)))) {
                Ok(Err(e)) => assert_eq!(disarm(e.into_inner()), 7, "{what}"),
                Ok(Ok(())) => panic!("{what}: sent, with no receiver left"),
                Err(p) => panic!(
                    "{what}: the value was lost: the send panicked ({}) instead of returning it",
                    panic_message(p)
                ),
            }
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "{what}: dropped once, by us"
            );
            assert_eq!(w.0.load(Ordering::SeqCst), 1, "{what}: join was woken");
            assert!(tx.is_finished(), "{what}");
            assert!(join
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready());
        }
    }
}
