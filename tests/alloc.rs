//! Heap use, measured with a counting global allocator: the bytes an idle
//! channel holds, allocations per message in steady state, the buffer giving
//! memory back after a burst, and futures rebuilt in a `tokio::select!` loop.
//!
//! The allocator counts per thread, and every measured section runs on the
//! test's own thread (a `current_thread` runtime), so the harness's other
//! threads do not disturb the figures. The tests also take [`SERIAL`] so they
//! never overlap. Run with `--nocapture` to see the figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;

/// Counts, per thread, allocations made and bytes live.
struct Counting;

thread_local! {
    /// Allocations (and reallocations) made by this thread.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed by this thread. Signed: a thread may
    /// free what another allocated.
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

/// Adds to this thread's counters. `try_with`: a thread being torn down may
/// still allocate after its thread-locals are gone; that is not measured.
fn record(allocs: u64, bytes: i64) {
    let _ = ALLOCS.try_with(|a| a.set(a.get() + allocs));
    let _ = LIVE.try_with(|l| l.set(l.get() + bytes));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and returns its result unchanged; the only addition is updating
// `Cell` counters, which neither allocates nor touches the memory handed out.
// (The crate forbids `unsafe`; this is a test file, and `GlobalAlloc` cannot
// be implemented without it.)
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see above).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            record(1, layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see above).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            record(1, layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is (see above).
        unsafe { System.dealloc(ptr, layout) };
        record(0, -(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is (see above).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            record(1, new_size as i64 - layout.size() as i64);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The tests run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// This thread's (allocations, live bytes) so far.
fn snapshot() -> (u64, i64) {
    (ALLOCS.with(Cell::get), LIVE.with(Cell::get))
}

/// A runtime on this thread only.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

/// The most heap an idle channel may hold: its shared state.
const IDLE_LIMIT: i64 = 200;

/// Heap bytes held by a channel from `make`, kept alive and idle.
fn idle_bytes<T>(make: impl FnOnce() -> (gochan::Sender<T>, gochan::Receiver<T>)) -> i64 {
    idle(make).1
}

/// Allocations made and heap bytes held by a channel from `make`, kept alive
/// and idle.
fn idle<T>(make: impl FnOnce() -> (gochan::Sender<T>, gochan::Receiver<T>)) -> (u64, i64) {
    let (allocs, before) = snapshot();
    let ch = make();
    let (allocs_after, after) = snapshot();
    drop(ch);
    (allocs_after - allocs, after - before)
}

#[test]
fn idle_channel_is_small() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let measured = [
        ("bounded(1)", idle(|| gochan::bounded::<usize>(1))),
        ("bounded(1024)", idle(|| gochan::bounded::<usize>(1024))),
        (
            "bounded(usize::MAX)",
            idle(|| gochan::bounded::<usize>(usize::MAX)),
        ),
        ("unbounded", idle(gochan::unbounded::<usize>)),
        ("rendezvous", idle(gochan::rendezvous::<usize>)),
        (
            "bounded(1024) of [u8; 256]",
            idle(|| gochan::bounded::<[u8; 256]>(1024)),
        ),
    ];
    for (kind, (allocs, bytes)) in measured {
        println!("idle {kind}: {bytes} bytes of heap in {allocs} allocation(s)");
    }
    for (kind, (_, bytes)) in measured {
        assert!(
            bytes <= IDLE_LIMIT,
            "idle {kind} holds {bytes} bytes, more than {IDLE_LIMIT}"
        );
    }
}

/// The capacity is a limit, never preallocated: every kind costs the same
/// when idle (whatever that figure is).
#[test]
fn idle_channel_does_not_preallocate() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let one = idle_bytes(|| gochan::bounded::<usize>(1));
    for bytes in [
        idle_bytes(|| gochan::bounded::<usize>(1024)),
        idle_bytes(|| gochan::bounded::<usize>(usize::MAX)),
        idle_bytes(gochan::unbounded::<usize>),
        idle_bytes(gochan::rendezvous::<usize>),
    ] {
        assert_eq!(bytes, one);
    }
}

/// Allocations made by `rounds` round trips between this task and an echo
/// task, over two channels from `make`, after `warm_up` round trips.
fn round_trip_allocs(
    make: impl Fn() -> (gochan::Sender<u64>, gochan::Receiver<u64>),
    warm_up: u64,
    rounds: u64,
) -> u64 {
    let rt = runtime();
    rt.block_on(async {
        let (ping_tx, ping_rx) = make();
        let (pong_tx, pong_rx) = make();
        let echo = tokio::spawn(async move {
            while let Ok(v) = ping_rx.recv().await {
                pong_tx.send(v).await.unwrap();
            }
        });
        for i in 0..warm_up {
            ping_tx.send(i).await.unwrap();
            assert_eq!(pong_rx.recv().await, Ok(i));
        }
        let (before, _) = snapshot();
        for i in 0..rounds {
            ping_tx.send(i).await.unwrap();
            assert_eq!(pong_rx.recv().await, Ok(i));
        }
        let (after, _) = snapshot();
        drop(ping_tx);
        echo.await.unwrap();
        after - before
    })
}

#[test]
fn steady_state_does_not_allocate() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bounded = round_trip_allocs(|| gochan::bounded(16), 5_000, 10_000);
    let rendezvous = round_trip_allocs(gochan::rendezvous, 5_000, 10_000);
    println!("10_000 round trips: bounded(16) {bounded} allocations, rendezvous {rendezvous}");
    assert_eq!(bounded, 0, "bounded(16) allocated in steady state");
    assert_eq!(rendezvous, 0, "rendezvous allocated in steady state");
}

#[test]
fn buffer_shrinks_after_a_burst() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 1_000_000;
    const LIMIT: i64 = 64 * 1024;
    let (_, start) = snapshot();
    let (tx, rx) = gochan::unbounded::<usize>();
    let (_, idle) = snapshot();
    for i in 0..N {
        tx.try_send(i).unwrap();
    }
    let (_, full) = snapshot();
    for i in 0..N {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    let (_, drained) = snapshot();
    drop((tx, rx));
    let (_, end) = snapshot();
    println!(
        "unbounded: idle {} B, holding {N} values {} B, drained {} B, dropped {} B",
        idle - start,
        full - start,
        drained - start,
        end - start
    );
    assert!(
        drained - start < LIMIT,
        "a drained channel still holds {} bytes",
        drained - start
    );
    assert_eq!(end, start, "a dropped channel holds nothing");
}

#[test]
fn select_loop_keeps_memory_flat() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: u32 = 1_000_000;
    const SLACK: i64 = 1024;
    let rt = runtime();
    let (recv_allocs, recv_growth, send_allocs, send_growth) = rt.block_on(async {
        let (tx, rx) = gochan::bounded::<u64>(1);

        // A `recv` on an empty channel is polled first (it registers as a
        // waiter), then loses to a ready branch and is dropped.
        let lose_recv = || async {
            tokio::select! {
                biased;
                v = rx.recv() => unreachable!("nothing was sent: {v:?}"),
                () = std::future::ready(()) => {}
            }
        };
        lose_recv().await; // warm-up: the waiter slab and queue exist
        let (a0, l0) = snapshot();
        for _ in 0..N {
            lose_recv().await;
        }
        let (a1, l1) = snapshot();

        // The same with a `send` on a full channel.
        tx.send(0).await.unwrap();
        let lose_send = || async {
            tokio::select! {
                biased;
                r = tx.send(1) => unreachable!("the channel is full: {r:?}"),
                () = std::future::ready(()) => {}
            }
        };
        lose_send().await;
        let (a2, l2) = snapshot();
        for _ in 0..N {
            lose_send().await;
        }
        let (a3, l3) = snapshot();
        assert_eq!(rx.try_recv(), Ok(0));
        assert!(rx.try_recv().is_err(), "no lost send got in");
        (a1 - a0, l1 - l0, a3 - a2, l3 - l2)
    });
    println!(
        "{N} lost selects: recv {recv_allocs} allocations, {recv_growth} B growth; \
         send {send_allocs} allocations, {send_growth} B growth"
    );
    assert!(
        recv_growth.abs() <= SLACK,
        "recv loop grew by {recv_growth} B"
    );
    assert!(
        send_growth.abs() <= SLACK,
        "send loop grew by {send_growth} B"
    );
}

#[test]
fn waiter_bookkeeping_shrinks_after_a_spike() {
    // 100,000 receivers park on an open channel, then all go away (dropped
    // in an order unrelated to their arrival): the idle channel gives the
    // waiter bookkeeping back, as the buffer does after a burst.
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 100_000;
    let (_, start) = snapshot();
    let (tx, rx) = gochan::bounded::<u64>(1);
    let (_, idle) = snapshot();
    let mut waiting: Vec<_> = (0..N).map(|_| tokio_test::task::spawn(rx.recv())).collect();
    for w in &mut waiting {
        assert!(w.poll().is_pending());
    }
    assert_eq!(rx.stats().waiting_receivers, N);
    let (_, spike) = snapshot();
    // Every other one first, then the rest from the back.
    let mut odd = Vec::new();
    for (i, w) in waiting.into_iter().enumerate() {
        if i % 2 == 0 {
            drop(w);
        } else {
            odd.push(w);
        }
    }
    while let Some(w) = odd.pop() {
        drop(w);
    }
    drop(odd);
    assert_eq!(rx.stats().waiting_receivers, 0);
    let (_, after) = snapshot();
    println!(
        "waiters: idle {} B, {N} parked {} B, after {} B",
        idle - start,
        spike - start,
        after - start
    );
    assert!(
        after - start <= IDLE_LIMIT,
        "an idle channel still holds {} bytes of waiter bookkeeping",
        after - start
    );
    // And it still works.
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
}

/// Allocations made by `rounds` calls of `f` after `warm_up` calls.
async fn allocs_per_call<F: std::future::Future<Output = ()>>(
    warm_up: u64,
    rounds: u64,
    mut f: impl FnMut(u64) -> F,
) -> u64 {
    for i in 0..warm_up {
        f(i).await;
    }
    let (before, _) = snapshot();
    for i in 0..rounds {
        f(warm_up + i).await;
    }
    let (after, _) = snapshot();
    after - before
}

#[test]
fn select_does_not_allocate_in_steady_state() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const WARM_UP: u64 = 1_000;
    const ROUNDS: u64 = 10_000;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let measured = rt.block_on(async {
        let (ta, ra) = gochan::bounded::<u64>(1);
        let (tb, rb) = gochan::bounded::<u64>(1);
        let (ta, tb, ra, rb) = (&ta, &tb, &ra, &rb);

        // Two ready receivers: the first pass takes one.
        let ready = allocs_per_call(WARM_UP, ROUNDS, |i| async move {
            let _ = ta.try_send(i);
            let _ = tb.try_send(i);
            let got = gochan::select! {
                recv(ra) -> v => v,
                recv(rb) -> v => v,
            };
            assert!(got.is_ok());
        })
        .await;

        // The same with a guard, `biased;`, a send case and `default(d)`.
        let (tc, rc) = gochan::bounded::<u64>(1);
        tc.try_send(0).unwrap(); // full: the send case waits, then withdraws
        let (tc, rc) = (&tc, &rc);
        let guarded = allocs_per_call(WARM_UP, ROUNDS, |i| async move {
            let _ = ta.try_send(i);
            let on = i % 2 == 0;
            let got = gochan::select! {
                biased;
                send(tc, i) -> _r => unreachable!("full"),
                recv(rb) -> v, if on => v,
                recv(ra) -> v => v,
                default(std::time::Duration::from_secs(1)) => unreachable!("ready"),
            };
            assert!(got.is_ok());
        })
        .await;
        assert_eq!(rc.len(), 1);

        // A waiting pair: the select registers on two rendezvous channels and
        // a producer task completes one of the cases.
        let (pa, qa) = gochan::rendezvous::<u64>();
        let (pb, qb) = gochan::rendezvous::<u64>();
        let producer = tokio::spawn(async move {
            for i in 0..WARM_UP + ROUNDS {
                let tx = if i % 2 == 0 { &pa } else { &pb };
                tx.send(i).await.unwrap();
            }
        });
        let (qa, qb) = (&qa, &qb);
        let waiting = allocs_per_call(WARM_UP, ROUNDS, |i| async move {
            let got = gochan::select! {
                recv(qa) -> v => v,
                recv(qb) -> v => v,
            };
            assert_eq!(got, Ok(i));
        })
        .await;
        producer.await.unwrap();

        // The dynamic select, reused.
        let mut sel = gochan::Select::new();
        let ca = sel.recv(ra);
        let cb = sel.recv(rb);
        for _ in 0..2 {
            let _ = ta.try_send(0);
            let _ = tb.try_send(0);
            let i = sel.select().await;
            let case = if i == ca.index() { &ca } else { &cb };
            assert!(sel.take(case).is_some());
        }
        let (before, _) = snapshot();
        for i in 0..ROUNDS {
            let _ = ta.try_send(i);
            let _ = tb.try_send(i);
            let chosen = sel.select().await;
            let case = if chosen == ca.index() { &ca } else { &cb };
            assert!(sel.take(case).unwrap().is_ok());
        }
        let (after, _) = snapshot();
        [
            ("select! over two ready receivers", ready),
            ("select! with guard, biased, send and default(d)", guarded),
            ("select! over a waiting pair", waiting),
            ("dynamic Select reused", after - before),
        ]
    });
    for (what, allocs) in measured {
        println!("{ROUNDS} calls of {what}: {allocs} allocations");
    }
    for (what, allocs) in measured {
        assert_eq!(allocs, 0, "{what} allocated in steady state");
    }
}
