//! Rendezvous channels: `gochan::rendezvous()`, the same as `bounded(0)`. A
//! send completes only when a receiver takes the value.
//!
//! `tests/bounded.rs` and `tests/unbounded.rs` use the same test names in the
//! same order, so the three files diff cleanly. Wake-ups are checked by hand
//! polling (`tokio_test::task::spawn`), timers run on tokio's paused clock, and
//! anything that could deadlock runs under [`deadline`].

mod common;

use std::collections::HashSet;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{names_method, panic_message};
use gochan::{
    DeliverError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_eq};

/// Fails the test instead of hanging it.
async fn deadline<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .expect("deadlock: the test did not finish within 10s")
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Counts the drops of every value it made, by id.
struct Drops(Arc<Vec<AtomicUsize>>);

/// A value that records its drop in [`Drops`].
#[derive(Debug)]
struct Tracked {
    id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

impl Drops {
    fn new(n: usize) -> Self {
        Drops(Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect()))
    }

    fn make(&self, id: usize) -> Tracked {
        Tracked {
            id,
            drops: self.0.clone(),
        }
    }

    fn count(&self, id: usize) -> usize {
        self.0[id].load(Ordering::SeqCst)
    }

    /// Every value made was dropped exactly once: nothing leaked, nothing
    /// dropped twice.
    fn assert_all_once(&self) {
        let counts: Vec<usize> = (0..self.0.len()).map(|id| self.count(id)).collect();
        assert!(counts.iter().all(|&c| c == 1), "drop counts: {counts:?}");
    }
}

#[test]
fn smoke() {
    let (tx, rx) = gochan::rendezvous();
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    tx.try_send(7).unwrap();
    assert_ready_eq!(recv.poll(), Ok(7));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(tx.same_channel_as(&rx));
}

#[test]
fn capacity() {
    let (tx, rx) = gochan::rendezvous::<()>();
    assert_eq!(tx.capacity(), Some(0));
    assert_eq!(rx.capacity(), Some(0));

    // `bounded(0)` is the same thing: nothing fits without a receiver.
    let (tx, rx) = gochan::bounded(0);
    assert_eq!(tx.capacity(), Some(0));
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_eq!(rx.len(), 0);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_ready_eq!(send.poll(), Ok(()));
}

#[test]
fn len_empty_full() {
    let (tx, rx) = gochan::rendezvous();
    // Always empty and always full: nothing is ever buffered.
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(tx.is_empty() && rx.is_empty());
    assert!(tx.is_full() && rx.is_full());

    // A waiting sender is not buffered.
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_eq!((tx.len(), rx.len()), (0, 0));
    assert!(rx.is_empty() && rx.is_full());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_ready_eq!(send.poll(), Ok(()));

    // Nor is a value handed to a waiting receiver.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(rx.is_full());
    tx.try_send(2).unwrap();
    assert_eq!(rx.len(), 0);
    assert_ready_eq!(recv.poll(), Ok(2));
    assert!(rx.is_empty() && rx.is_full());
}

#[test]
fn try_send() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody is receiving right now.
    let err = tx.try_send(1).unwrap_err();
    assert!(err.is_full() && !err.is_closed());
    assert_eq!(err, TrySendError::Full(1));
    assert_eq!(err.into_inner(), 1);

    // A receiver is waiting right now: succeeds, once.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_ready_eq!(recv.poll(), Ok(2));
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));

    drop(recv);
    drop(rx);
    let err = tx.try_send(5).unwrap_err();
    assert!(err.is_closed());
    assert_eq!(err, TrySendError::Closed(5));
}

#[test]
fn try_recv() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody is sending right now.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // A sender is waiting right now: takes its value, and the send completes.
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    drop(send);
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.try_recv().unwrap_err().is_closed());
}

#[test]
fn send() {
    let (tx, rx) = gochan::rendezvous();
    // Completes only when a receiver takes the value.
    let mut send = spawn(tx.send(1));
    assert_pending!(send.poll());
    assert_pending!(send.poll());
    assert!(!send.is_woken());
    let mut recv = spawn(rx.recv());
    assert_ready_eq!(recv.poll(), Ok(1));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));

    // A receiver is already waiting: completes at once.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert_ready_eq!(spawn(tx.send(2)).poll(), Ok(()));
    assert_ready_eq!(recv.poll(), Ok(2));

    drop(recv);
    rx.close();
    assert_ready_eq!(spawn(tx.send(3)).poll(), Err(SendError(3)));
}

#[test]
fn recv() {
    let (tx, rx) = gochan::rendezvous();
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(!recv.is_woken());
    tx.try_send(1).unwrap();
    assert!(recv.is_woken());
    assert_ready_eq!(recv.poll(), Ok(1));

    // A sender is already waiting: completes at once and releases it.
    let mut send = spawn(tx.send(2));
    assert_pending!(send.poll());
    assert_ready_eq!(spawn(rx.recv()).poll(), Ok(2));
    assert!(send.is_woken());
    assert_ready_eq!(send.poll(), Ok(()));

    drop(send);
    drop(tx);
    assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));
}

#[tokio::test(start_paused = true)]
async fn recv_timeout() {
    let (tx, rx) = gochan::rendezvous();
    let start = Instant::now();
    assert_eq!(
        rx.recv_timeout(ms(100)).await,
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(start.elapsed(), ms(100));

    // The value arrives in time.
    let start = Instant::now();
    let producer = tokio::spawn({
        let tx = tx.clone();
        async move {
            tokio::time::sleep(ms(40)).await;
            tx.send(5).await
        }
    });
    assert_eq!(rx.recv_timeout(ms(100)).await, Ok(5));
    assert_eq!(start.elapsed(), ms(40));
    producer.await.unwrap().unwrap();

    drop(tx);
    let start = Instant::now();
    assert_eq!(
        rx.recv_timeout(ms(100)).await,
        Err(RecvTimeoutError::Closed)
    );
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn send_timeout() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody receives: times out and hands the value back.
    let start = Instant::now();
    let err = tx.send_timeout(2, ms(100)).await.unwrap_err();
    assert_eq!(err, SendTimeoutError::Timeout(2));
    assert!(err.is_timeout());
    assert_eq!(err.into_inner(), 2);
    assert_eq!(start.elapsed(), ms(100));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "nothing was sent");
    assert_eq!(rx.stats().waiting_senders, 0);

    // A receiver arrives in time.
    let start = Instant::now();
    let consumer = tokio::spawn({
        let rx = rx.clone();
        async move {
            tokio::time::sleep(ms(40)).await;
            rx.recv().await
        }
    });
    assert_eq!(tx.send_timeout(3, ms(100)).await, Ok(()));
    assert_eq!(start.elapsed(), ms(40));
    assert_eq!(consumer.await.unwrap(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    rx.close();
    assert_eq!(
        tx.send_timeout(4, ms(100)).await,
        Err(SendTimeoutError::Closed(4))
    );
}

#[test]
fn close_wakes_sender() {
    let (tx, rx) = gochan::rendezvous();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());

    assert!(rx.close());
    assert!(s1.is_woken() && s2.is_woken());
    // Each sender gets its own value back; nothing was sent.
    assert_ready_eq!(s1.poll(), Err(SendError(1)));
    assert_ready_eq!(s2.poll(), Err(SendError(2)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_wakes_receiver() {
    // Nothing is buffered, so waiting receivers see Closed at once.
    let (tx, rx) = gochan::rendezvous::<i32>();
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());

    assert!(tx.close());
    assert!(r1.is_woken() && r2.is_woken());
    assert_ready_eq!(r1.poll(), Err(RecvError));
    assert_ready_eq!(r2.poll(), Err(RecvError));
}

/// Nothing is buffered on a rendezvous channel; what a send already handed to
/// a waiting receiver before the close still reaches it.
#[test]
fn drain_after_close() {
    let (tx, rx) = gochan::rendezvous();
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    tx.try_send(1).unwrap();
    assert!(tx.close());
    assert!(!tx.close());
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert!(rx.is_closed() && !rx.is_finished());

    assert_ready_eq!(r1.poll(), Ok(1));
    assert!(rx.is_finished() && tx.is_finished());
    // Nothing is left: the other receiver wakes with Closed.
    assert!(r2.is_woken());
    assert_ready_eq!(r2.poll(), Err(RecvError));
    assert_ready_eq!(spawn(rx.recv()).poll(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spsc() {
    const N: usize = 10_000;
    let (tx, rx) = gochan::rendezvous();
    let producer = tokio::spawn(async move {
        for i in 0..N {
            tx.send(i).await.unwrap();
        }
    });
    let consumer = tokio::spawn(async move {
        for i in 0..N {
            assert_eq!(rx.recv().await, Ok(i));
        }
        assert_eq!(rx.recv().await, Err(RecvError));
    });
    deadline(async {
        producer.await.unwrap();
        consumer.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mpmc() {
    const PRODUCERS: usize = 4;
    const CONSUMERS: usize = 4;
    const PER: usize = 2_500;
    let (tx, rx) = gochan::rendezvous();
    let seen: Arc<Vec<AtomicUsize>> =
        Arc::new((0..PRODUCERS * PER).map(|_| AtomicUsize::new(0)).collect());

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..PER {
                    tx.send(p * PER + i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|_| {
            let rx = rx.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while let Ok(v) = rx.recv().await {
                    seen[v].fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
                n
            })
        })
        .collect();
    drop(rx);

    let total = deadline(async {
        for p in producers {
            p.await.unwrap();
        }
        let mut total = 0;
        for c in consumers {
            total += c.await.unwrap();
        }
        total
    })
    .await;
    assert_eq!(total, PRODUCERS * PER);
    assert!(seen.iter().all(|c| c.load(Ordering::Relaxed) == 1));
}

#[test]
fn fifo_waiters() {
    // Receivers: a value sent while receivers wait goes to the longest-waiting
    // one, and a try_recv that comes after gets nothing.
    let (tx, rx) = gochan::rendezvous();
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    let mut r3 = spawn(rx.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    assert_pending!(r3.poll());
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "no barging");
    tx.try_send(2).unwrap();
    assert!(r1.is_woken() && r2.is_woken());
    assert!(!r3.is_woken());
    // Polled in the other order, each still gets its own value.
    assert_ready_eq!(r2.poll(), Ok(2));
    assert_ready_eq!(r1.poll(), Ok(1));
    assert_pending!(r3.poll());
    tx.try_send(3).unwrap();
    assert_ready_eq!(r3.poll(), Ok(3));

    // Senders: the longest-waiting sender is taken first, and only it is
    // released.
    let (tx, rx) = gochan::rendezvous();
    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    let mut s3 = spawn(tx.send(3));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    assert_pending!(s3.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(s1.is_woken());
    assert!(!s2.is_woken() && !s3.is_woken());
    assert_ready_eq!(spawn(rx.recv()).poll(), Ok(2));
    assert!(s2.is_woken());
    assert!(!s3.is_woken());
    assert_ready_eq!(s2.poll(), Ok(()));
    assert_ready_eq!(s1.poll(), Ok(()));
    assert_pending!(s3.poll());
    assert_eq!(rx.try_recv(), Ok(3));
    assert_ready_eq!(s3.poll(), Ok(()));
}

#[test]
fn drops() {
    let drops = Drops::new(6);
    let (tx, rx) = gochan::rendezvous();

    // Refused (nobody receiving): comes back to the caller.
    let back = tx.try_send(drops.make(0)).unwrap_err().into_inner();
    assert_eq!(back.id, 0);
    assert_eq!(drops.count(0), 0);
    drop(back);

    // A waiting send withdrawn by dropping its future drops its value once.
    let mut send = spawn(tx.send(drops.make(1)));
    assert_pending!(send.poll());
    drop(send);
    assert_eq!(drops.count(1), 1);
    assert!(rx.try_recv().is_err());

    // A value taken from a waiting sender is the receiver's caller's.
    let mut send = spawn(tx.send(drops.make(2)));
    assert_pending!(send.poll());
    let got = rx.try_recv().ok().unwrap();
    assert_eq!(got.id, 2);
    assert!(assert_ready!(send.poll()).is_ok());
    drop(send);
    assert_eq!(drops.count(2), 0);
    drop(got);

    // Handed to a waiting receiver.
    let mut recv = spawn(rx.recv());
    assert_pending!(recv.poll());
    assert!(tx.try_send(drops.make(3)).is_ok());
    assert_eq!(drops.count(3), 0);
    let got = assert_ready!(recv.poll()).ok().unwrap();
    assert_eq!(got.id, 3);
    drop(got);
    drop(recv);

    // A sender waiting when the channel closes gets its value back.
    let mut send = spawn(tx.send(drops.make(4)));
    assert_pending!(send.poll());
    rx.close();
    let back = assert_ready!(send.poll()).unwrap_err().0;
    assert_eq!(drops.count(4), 0);
    drop(back);
    let back = tx.try_send(drops.make(5)).unwrap_err().into_inner();
    drop(back);
    drop(send);

    drop(tx);
    drop(rx);
    drops.assert_all_once();
}

#[tokio::test]
async fn stream() {
    let (tx, mut rx) = gochan::rendezvous();
    let producer = tokio::spawn(async move {
        for i in 0..10 {
            tx.send(i).await.unwrap();
        }
    });
    let mut got = Vec::new();
    deadline(async {
        while let Some(v) = rx.next().await {
            got.push(v);
        }
    })
    .await;
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    assert_eq!(rx.next().await, None);
    producer.await.unwrap();
}

#[test]
fn deliver() {
    let (tx, rx) = gochan::rendezvous();
    // Nobody receives yet: pending.
    let mut d = spawn(tx.deliver(1));
    assert_pending!(d.poll());
    assert_pending!(d.poll());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(d.is_woken());
    assert_ready_eq!(d.poll(), Ok(()));

    // Handed to a waiting receiver: resolves once that receiver returns it.
    let mut r = spawn(rx.recv());
    assert_pending!(r.poll());
    let mut d = spawn(tx.deliver(2));
    assert_pending!(d.poll());
    assert_ready_eq!(r.poll(), Ok(2));
    assert!(d.is_woken());
    assert_ready_eq!(d.poll(), Ok(()));

    // Taken by recv_many.
    let mut d = spawn(tx.deliver(3));
    assert_pending!(d.poll());
    let mut buf = Vec::new();
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 4)).poll(), 1);
    assert_eq!(buf, [3]);
    assert_ready_eq!(d.poll(), Ok(()));

    // A deliver waiting for a receiver when the channel closes: the value
    // never entered the channel and comes back.
    let mut d = spawn(tx.deliver(4));
    assert_pending!(d.poll());
    tx.close();
    assert!(d.is_woken());
    assert_ready_eq!(d.poll(), Err(DeliverError::Closed(4)));

    // Refused at the door: the value comes back.
    let err = assert_ready!(spawn(tx.deliver(5)).poll()).unwrap_err();
    assert!(err.is_closed());
    assert_eq!(err, DeliverError::Closed(5));
}

#[test]
fn recv_many() {
    let (tx, rx) = gochan::rendezvous();
    let mut buf = vec![0];

    // Takes from the waiting senders, up to `limit`, in order.
    let mut senders: Vec<_> = (1..=4).map(|i| spawn(tx.send(i))).collect();
    for s in &mut senders {
        assert_pending!(s.poll());
    }
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 3)).poll(), 3);
    assert_eq!(buf, [0, 1, 2, 3], "appended, in order");
    for s in &mut senders[..3] {
        assert!(s.is_woken());
        assert_ready_eq!(s.poll(), Ok(()));
    }
    assert!(!senders[3].is_woken());
    assert_pending!(senders[3].poll());

    // Limit 0 takes nothing, even with a sender waiting.
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 0)).poll(), 0);
    assert_pending!(senders[3].poll());
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 1);
    assert_ready_eq!(senders[3].poll(), Ok(()));
    drop(senders);
    assert_eq!(buf, [0, 1, 2, 3, 4]);

    // Waits for one value.
    let mut buf = Vec::new();
    let mut many = spawn(rx.recv_many(&mut buf, 10));
    assert_pending!(many.poll());
    tx.try_send(5).unwrap();
    assert!(many.is_woken());
    assert_ready_eq!(many.poll(), 1);
    drop(many);
    assert_eq!(buf, [5]);

    // A waiting recv_many wakes with 0 on close.
    let mut many = spawn(rx.recv_many(&mut buf, 10));
    assert_pending!(many.poll());
    tx.close();
    assert!(many.is_woken());
    assert_ready_eq!(many.poll(), 0);
    drop(many);
    assert_ready_eq!(spawn(rx.recv_many(&mut buf, 10)).poll(), 0);
}

#[test]
fn blocking() {
    let (tx, rx) = gochan::rendezvous();
    let producer = std::thread::spawn(move || {
        for i in 0..1000 {
            tx.send_blocking(i).unwrap();
        }
    });
    let mut got = Vec::new();
    while let Ok(v) = rx.recv_blocking() {
        got.push(v);
    }
    producer.join().unwrap();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());

    // The error hands the value back.
    let (tx, rx) = gochan::rendezvous();
    drop(rx);
    assert_eq!(tx.send_blocking(5), Err(SendError(5)));
}

#[tokio::test]
async fn blocking_in_spawn_blocking() {
    let (tx, rx) = gochan::rendezvous();
    let producer = tokio::task::spawn_blocking(move || {
        for i in 0..100 {
            tx.send_blocking(i).unwrap();
        }
    });
    let consumer = tokio::task::spawn_blocking(move || {
        let mut got = Vec::new();
        while let Ok(v) = rx.recv_blocking() {
            got.push(v);
        }
        got
    });
    let got = deadline(async {
        producer.await.unwrap();
        consumer.await.unwrap()
    })
    .await;
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

/// Blocking is fine where tokio allows it: in `block_in_place`, and on a
/// thread that entered a runtime (`Handle::enter`) but runs no task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_in_block_in_place() {
    let (tx, rx) = gochan::rendezvous();
    let producer = std::thread::spawn(move || {
        for i in 0..10 {
            tx.send_blocking(i).unwrap();
        }
    });
    let consumer = tokio::spawn(async move {
        tokio::task::block_in_place(|| std::iter::from_fn(|| rx.recv_blocking().ok()).collect())
    });
    let got: Vec<i32> = deadline(consumer).await.unwrap();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    producer.join().unwrap();

    let handle = tokio::runtime::Handle::current();
    let (tx, rx) = gochan::rendezvous();
    let producer = std::thread::spawn(move || {
        let _entered = handle.enter();
        tx.send_blocking(1)
    });
    let got = tokio::task::spawn_blocking(move || rx.recv_blocking());
    assert_eq!(deadline(got).await.unwrap(), Ok(1));
    assert_eq!(producer.join().unwrap(), Ok(()));
}

#[tokio::test]
async fn blocking_panics_in_async() {
    let (tx, rx) = gochan::rendezvous::<i32>();
    let err = catch_unwind(AssertUnwindSafe(|| rx.recv_blocking())).unwrap_err();
    let msg = panic_message(err);
    assert!(names_method(&msg, "Receiver::recv"), "message: {msg}");

    let err = catch_unwind(AssertUnwindSafe(|| tx.send_blocking(1))).unwrap_err();
    let msg = panic_message(err);
    assert!(names_method(&msg, "Sender::send"), "message: {msg}");
    // The panic left no sender or receiver behind.
    let s = rx.stats();
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // Inside a spawned task too.
    let res = tokio::spawn(async move {
        catch_unwind(AssertUnwindSafe(|| tx.send_blocking(2)))
            .map_err(panic_message)
            .map(|_| ())
    })
    .await;
    let msg = res.unwrap().unwrap_err();
    assert!(names_method(&msg, "Sender::send"), "message: {msg}");
}

#[test]
fn stats() {
    let (tx, rx) = gochan::rendezvous();
    let rx2 = rx.clone();
    let s = tx.stats();
    assert_eq!(
        (s.buffered, s.capacity, s.senders, s.receivers),
        (0, Some(0), 1, 2)
    );
    assert_eq!((s.waiting_senders, s.waiting_receivers), (0, 0));
    assert_eq!((s.sent, s.received, s.closed), (0, 0, false));

    let mut s1 = spawn(tx.send(1));
    let mut s2 = spawn(tx.send(2));
    assert_pending!(s1.poll());
    assert_pending!(s2.poll());
    let s = rx.stats();
    assert_eq!(s, tx.stats(), "both handles see the same snapshot");
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (0, 2, 0, 0)
    );

    assert_eq!(rx2.try_recv(), Ok(1));
    let s = rx.stats();
    assert_eq!(
        (s.buffered, s.waiting_senders, s.sent, s.received),
        (0, 1, 1, 1)
    );
    assert_eq!(rx.try_recv(), Ok(2));
    assert_ready_eq!(s1.poll(), Ok(()));
    assert_ready_eq!(s2.poll(), Ok(()));

    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx2.recv());
    assert_pending!(r1.poll());
    assert_pending!(r2.poll());
    let s = tx.stats();
    assert_eq!((s.buffered, s.waiting_receivers), (0, 2));
    assert_eq!((s.sent, s.received), (2, 2));

    tx.try_send(3).unwrap();
    assert_ready_eq!(r1.poll(), Ok(3));
    let s = tx.stats();
    assert_eq!((s.buffered, s.waiting_receivers), (0, 1));
    assert_eq!((s.sent, s.received), (3, 3));

    let tx2 = tx.clone();
    assert_eq!(tx.stats().senders, 2);
    drop(tx2);
    tx.close();
    let s = tx.stats();
    assert!(s.closed);
    assert_eq!((s.waiting_receivers, s.senders, s.receivers), (0, 1, 2));
    assert_ready_eq!(r2.poll(), Err(RecvError));
    drop(r1);
    drop(r2);

    // Debug shows the handles without needing anything of T.
    assert!(format!("{tx:?}").contains("Sender"));
    assert!(format!("{rx:?}").contains("Receiver"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiters_wake_under_contention() {
    // Many tasks waiting on both sides: every value arrives exactly once and
    // nobody is left waiting.
    const TASKS: usize = 16;
    const PER: usize = 500;
    let (tx, rx) = gochan::rendezvous();
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let tx = tx.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..PER {
                tx.send(t * PER + i).await.unwrap();
            }
            Vec::new()
        }));
        let rx = rx.clone();
        handles.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Ok(v) = rx.recv().await {
                got.push(v);
            }
            got
        }));
    }
    drop((tx, rx));
    let mut all = HashSet::new();
    deadline(async {
        for h in handles {
            for v in h.await.unwrap() {
                assert!(all.insert(v), "{v} received twice");
            }
        }
    })
    .await;
    assert_eq!(all.len(), TASKS * PER);
}
