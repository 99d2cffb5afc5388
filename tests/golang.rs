//! Go's channel tests, ported to gochan.
//!
//! Ported from the Go project's test/chan and runtime/chan_test.go,
//! Copyright 2009 The Go Authors, BSD-style licence
//! (<https://go.dev/LICENSE>; sources at <https://github.com/golang/go>).
//! Each test names the Go file (and function) it comes from.
//!
//! | Go | gochan |
//! |---|---|
//! | goroutine | tokio task |
//! | `make(chan T)` | `gochan::rendezvous()` |
//! | `make(chan T, n)` | `gochan::bounded(n)` |
//! | `c <- v` | `tx.send(v).await` |
//! | `v, ok := <-c` | `rx.recv().await`: `Err(RecvError)` once closed and drained |
//! | `close(c)` | `tx.close()` |
//! | `select` | `gochan::select!`, or the dynamic `gochan::Select` |
//! | `runtime.Gosched()` | `tokio::task::yield_now()` |
//!
//! Where gochan differs:
//!
//! * Go's nil channels have no equivalent. A case on a nil channel is never
//!   ready, so such cases are left out (each place says so); where Go sets a
//!   channel variable to nil to disable a case, the select is built with the
//!   dynamic `Select` from the cases still enabled (a `gochan::select!` case
//!   would take a guard, `, if enabled`).
//! * Go's `default` may stand anywhere in a `select`; `gochan::select!` wants
//!   it last (anywhere else is a compile error).
//! * Sending on a closed channel panics in Go; gochan hands the value back in
//!   `SendError`.
//! * A gochan channel closes when its last `Sender` or last `Receiver` is
//!   dropped, and a case on a closed channel is ready, so a channel that must
//!   stay idle keeps both handles alive (`_tx`, `_rx` bindings).
//! * Go orders goroutines with sleeps; these ports hand-poll futures
//!   (`tokio_test`) or wait until `stats()` shows the registration in question.
//!
//! Every test runs under a deadline, so a deadlock fails instead of hanging.

mod common;

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};
use std::fmt::Debug;
use std::future::Future;

use common::{assert_idle, by_hand, deadline};
use gochan::{Receiver, RecvCase, RecvError, Select, SendCase, SendError, Sender};
use tokio::task::yield_now;
use tokio_test::assert_ready;

/// Waits (yielding) until `cond` holds: how these ports replace Go's "sleep
/// so that the other goroutine gets queued first".
async fn until(what: &str, cond: impl Fn() -> bool) {
    deadline(what, async {
        while !cond() {
            yield_now().await;
        }
    })
    .await;
}

// ---------------------------------------------------------------------------
// test/chan/doubleselect.go
// ---------------------------------------------------------------------------

mod doubleselect {
    //! "This test is designed to flush out the case where two cases of a
    //! select can both end up running."

    use super::*;

    const ITERATIONS: i32 = 20_000;

    /// Sends a counter to one of four channels; if two cases both ran, the
    /// same value would be sent on two channels.
    async fn sender(n: i32, c1: Sender<i32>, c2: Sender<i32>, c3: Sender<i32>, c4: Sender<i32>) {
        // Go: defer close(c1) ... close(c4).
        let (c1, c2, c3, c4) = (c1.scope(), c2.scope(), c3.scope(), c4.scope());
        for i in 0..n {
            gochan::select! {
                send(c1, i) -> r => r.unwrap(),
                send(c2, i) -> r => r.unwrap(),
                send(c3, i) -> r => r.unwrap(),
                send(c4, i) -> r => r.unwrap(),
            }
        }
    }

    /// Forwards the values from `inp` to `out`.
    async fn mux(out: Sender<i32>, inp: Receiver<i32>, done: Sender<bool>) {
        while let Ok(v) = inp.recv().await {
            out.send(v).await.unwrap();
        }
        done.send(true).await.unwrap();
    }

    /// Checks the merged stream for duplicates (and, beyond Go, for
    /// completeness).
    async fn recver(inp: Receiver<i32>) -> HashSet<i32> {
        let mut seen = HashSet::new();
        while let Ok(v) = inp.recv().await {
            assert!(seen.insert(v), "got duplicate value: {v}");
        }
        seen
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn main() {
        let (c1, r1) = gochan::rendezvous();
        let (c2, r2) = gochan::rendezvous();
        let (c3, r3) = gochan::rendezvous();
        let (c4, r4) = gochan::rendezvous();
        let (done_tx, done) = gochan::rendezvous::<bool>();
        let (cmux_tx, cmux) = gochan::rendezvous();
        tokio::spawn(sender(ITERATIONS, c1, c2, c3, c4));
        for r in [r1, r2, r3, r4] {
            tokio::spawn(mux(cmux_tx.clone(), r, done_tx.clone()));
        }
        tokio::spawn(async move {
            for _ in 0..4 {
                done.recv().await.unwrap();
            }
            cmux_tx.close();
        });
        let seen = deadline("doubleselect", recver(cmux)).await;
        assert_eq!(seen.len(), ITERATIONS as usize, "values went missing");
    }
}

// ---------------------------------------------------------------------------
// test/chan/fifo.go
// ---------------------------------------------------------------------------

mod fifo {
    //! "Test that unbuffered channels act as pure fifos."

    use super::*;

    const N: i32 = 10;

    /// fifo.go AsynchFifo.
    #[tokio::test]
    async fn asynch_fifo() {
        let (tx, rx) = gochan::bounded(N as usize);
        for i in 0..N {
            tx.send(i).await.unwrap();
        }
        for i in 0..N {
            assert_eq!(rx.recv().await, Ok(i), "bad receive");
        }
    }

    async fn chain(ch: Receiver<i32>, val: i32, inp: Receiver<i32>, out: Sender<i32>) {
        inp.recv().await.unwrap();
        assert_eq!(ch.recv().await, Ok(val));
        out.send(1).await.unwrap();
    }

    /// fifo.go SynchFifo: a daisy chain of tasks reads the elements in
    /// sequence.
    #[tokio::test]
    async fn synch_fifo() {
        deadline("synch_fifo", async {
            let (ch_tx, ch) = gochan::rendezvous();
            let (start, mut inp) = gochan::rendezvous();
            let mut tasks = Vec::new();
            for i in 0..N {
                let (out, next) = gochan::rendezvous();
                tasks.push(tokio::spawn(chain(ch.clone(), i, inp, out)));
                inp = next;
            }
            start.send(0).await.unwrap();
            for i in 0..N {
                ch_tx.send(i).await.unwrap();
            }
            inp.recv().await.unwrap();
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/goroutines.go
// ---------------------------------------------------------------------------

mod goroutines {
    //! "Make a lot of goroutines, threaded together, and tear them down
    //! cleanly."

    use super::*;

    async fn f(left: Sender<i32>, right: Receiver<i32>) {
        left.send(right.recv().await.unwrap()).await.unwrap();
    }

    #[tokio::test]
    async fn main() {
        let n = 10_000;
        deadline("goroutines", async {
            let (mut left, leftmost) = gochan::rendezvous();
            let mut tasks = Vec::with_capacity(n);
            for _ in 0..n {
                let (right_tx, right) = gochan::rendezvous();
                tasks.push(tokio::spawn(f(left, right)));
                left = right_tx;
            }
            tokio::spawn(async move { left.send(1).await.unwrap() });
            assert_eq!(leftmost.recv().await, Ok(1));
            for t in tasks {
                t.await.unwrap();
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/nonblock.go
// ---------------------------------------------------------------------------

mod nonblock {
    //! "Test channel operations that test for blocking. Use several sizes and
    //! types of operands." The non-blocking operations are selects with a
    //! `default`.

    use super::*;

    const MAX_TRIES: usize = 10_000;

    /// Go: two ticks of a 10 µs ticker and three `Gosched`. Here: let the
    /// other tasks (one thread) run.
    async fn sleep() {
        for _ in 0..3 {
            yield_now().await;
        }
    }

    async fn receiver<T: PartialEq + Debug>(c: Receiver<T>, want: T, strobe: Sender<bool>) {
        assert_eq!(c.recv().await.unwrap(), want, "receiver value");
        strobe.send(true).await.unwrap();
    }

    async fn sender<T>(c: Sender<T>, v: T, strobe: Sender<bool>) {
        c.send(v).await.ok().unwrap();
        strobe.send(true).await.unwrap();
    }

    /// One type, one buffer size: i32receiver / i32sender and friends.
    async fn exchange<T>(buffer: usize, to_receiver: T, from_sender: T)
    where
        T: Clone + PartialEq + Debug + Send + 'static,
    {
        let (sync_tx, sync) = gochan::rendezvous::<bool>();
        let (tx, rx) = gochan::bounded::<T>(buffer);

        gochan::select! {
            recv(rx) -> _v => panic!("blocked sender"),
            default => {}
        }

        let r = tokio::spawn(receiver(rx.clone(), to_receiver.clone(), sync_tx.clone()));
        let mut tries = 0;
        loop {
            gochan::select! {
                send(tx, to_receiver.clone()) -> res => {
                    res.ok().unwrap();
                    break;
                }
                default => {
                    tries += 1;
                    assert!(tries <= MAX_TRIES, "receiver buffer={buffer}");
                    sleep().await;
                }
            }
        }
        sync.recv().await.unwrap();
        r.await.unwrap();

        let s = tokio::spawn(sender(tx.clone(), from_sender.clone(), sync_tx.clone()));
        if buffer > 0 {
            sync.recv().await.unwrap();
        }
        let mut tries = 0;
        loop {
            gochan::select! {
                recv(rx) -> v => {
                    assert_eq!(v.unwrap(), from_sender, "sender value");
                    break;
                }
                default => {
                    tries += 1;
                    assert!(tries <= MAX_TRIES, "sender buffer={buffer}");
                    sleep().await;
                }
            }
        }
        if buffer == 0 {
            sync.recv().await.unwrap();
        }
        s.await.unwrap();
    }

    #[tokio::test]
    async fn main() {
        deadline("nonblock", async {
            for buffer in 0..2 {
                exchange::<i32>(buffer, 123, 234).await;
                exchange::<i64>(buffer, 123_456, 234_567).await;
                exchange::<bool>(buffer, true, true).await;
                exchange::<String>(buffer, "hello".into(), "hello again".into()).await;
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/select.go
// ---------------------------------------------------------------------------

mod select {
    //! "Test simple select." Go disables a case by setting its channel to
    //! nil; here the case is left out of a dynamic `Select`. Go evaluates the
    //! operands of every case, nil channels included, so `get_value` runs for
    //! both cases on every pass.

    use super::*;

    struct Counter {
        counter: u32,
        shift: u32,
    }

    impl Counter {
        fn get_value(&mut self) -> u32 {
            self.counter += 1;
            1 << self.shift
        }
    }

    fn send(mut a: Option<&Sender<u32>>, mut b: Option<&Sender<u32>>, st: &mut Counter) -> i32 {
        let mut i = 0;
        loop {
            let (va, vb) = (st.get_value(), st.get_value());
            let mut sel = Select::new();
            let ca = a.map(|tx| sel.send(tx, va));
            let cb = b.map(|tx| sel.send(tx, vb));
            let chosen = sel.try_select(); // default: break
            let is =
                |case: &Option<SendCase<'_, u32>>, k| case.as_ref().map(SendCase::index) == Some(k);
            match chosen {
                None => break,
                Some(k) if is(&ca, k) => {
                    sel.take(ca.as_ref().unwrap()).unwrap().unwrap();
                    i += 1;
                    a = None;
                }
                Some(k) if is(&cb, k) => {
                    sel.take(cb.as_ref().unwrap()).unwrap().unwrap();
                    i += 1;
                    b = None;
                }
                Some(k) => unreachable!("case {k}"),
            }
            st.shift += 1;
        }
        i
    }

    #[tokio::test]
    async fn main() {
        let mut st = Counter {
            counter: 0,
            shift: 0,
        };
        let (a, ra) = gochan::bounded::<u32>(1);
        let (b, rb) = gochan::bounded::<u32>(1);
        let v = send(Some(&a), Some(&b), &mut st);
        assert_eq!(v, 2, "Send returned {v} != 2");
        let (av, bv) = (ra.recv().await.unwrap(), rb.recv().await.unwrap());
        assert_eq!(av | bv, 3, "bad values {av} {bv}");
        let v = send(Some(&a), None, &mut st);
        assert_eq!(v, 1, "Send returned {v} != 1");
        assert_eq!(st.counter, 10, "counter is {} != 10", st.counter);
    }
}

// ---------------------------------------------------------------------------
// test/chan/select2.go
// ---------------------------------------------------------------------------

mod select2 {
    //! "Test that selects do not consume undue memory." Go compares the heap
    //! before and after 100,000 selects. Measuring the heap would need a
    //! counting global allocator, which is unsafe code; instead this checks
    //! what a select could leave behind to grow: registrations on the channel
    //! whose case lost (`dummy`) and on the one whose case won (`c`), visible
    //! in `stats()`, over two rounds of selects.

    use super::*;

    const N: usize = 20_000;

    #[tokio::test]
    async fn main() {
        let (tx, c) = gochan::rendezvous::<i32>();
        let (_dummy_tx, dummy) = gochan::rendezvous::<i32>();
        for _round in 0..2 {
            let sender = tokio::spawn({
                let tx = tx.clone();
                async move {
                    for _ in 0..N {
                        tx.send(1).await.unwrap();
                    }
                }
            });
            deadline("select2", async {
                for i in 0..N {
                    gochan::select! {
                        recv(c) -> v => assert_eq!(v, Ok(1)),
                        recv(dummy) -> _v => panic!("dummy"),
                    }
                    if i % 1_000 == 0 {
                        assert_idle(&dummy);
                    }
                }
                sender.await.unwrap();
            })
            .await;
            assert_idle(&c);
            assert_idle(&dummy);
        }
        assert_eq!(c.stats().received, 2 * N as u64);
    }
}

// ---------------------------------------------------------------------------
// test/chan/select3.go
// ---------------------------------------------------------------------------

mod select3 {
    //! "Test the semantics of the select statement for basic empty/non-empty
    //! cases." Go's testBlock runs the function in a goroutine and waits 0.1 s;
    //! here the future is polled by hand: "always blocks" is pending on the
    //! first poll and still pending after the other tasks ran, "never blocks"
    //! is ready on the first poll. Go's testPanic(always) for a send on a
    //! closed channel becomes an `Err(SendError(7))` at once.
    //!
    //! Left out: the cases on a nil channel (nilch), which gochan has not.

    use super::*;

    async fn always_blocks<F: Future>(f: F) {
        let mut t = by_hand(f);
        assert!(t.poll().is_pending(), "blocks");
        for _ in 0..3 {
            yield_now().await;
            assert!(t.poll().is_pending(), "blocks");
        }
    }

    #[track_caller]
    fn never_blocks<F: Future>(f: F) -> F::Output {
        let mut t = by_hand(f);
        assert_ready!(t.poll())
    }

    #[tokio::test]
    async fn main() {
        let (closed_tx, closedch) = gochan::rendezvous::<i32>();
        closed_tx.close();

        // sending to an async channel with free buffer space never blocks
        never_blocks(async {
            let (ch, _rx) = gochan::bounded(1);
            ch.send(7).await.unwrap();
        });

        // receiving from a closed channel never blocks
        never_blocks(async {
            for _ in 0..10 {
                assert_eq!(closedch.recv().await, Err(RecvError));
            }
        });

        // sending to a closed channel panics (in Go; here the value comes back)
        assert_eq!(never_blocks(closed_tx.send(7)), Err(SendError(7)));

        // receiving from a non-ready channel always blocks
        let (_tx, ch) = gochan::rendezvous::<i32>();
        always_blocks(ch.recv()).await;

        // empty selects always block (in Go; the macro refuses an empty
        // select at compile time, and the dynamic Select panics rather than
        // wait for ever)
        let mut empty = Select::new();
        let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut select = std::pin::pin!(empty.select());
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let _ = select.as_mut().poll(&mut cx);
        }));
        assert!(waited.is_err(), "an empty Select waits for ever");

        // selects with non-ready non-nil channels always block
        always_blocks(async {
            gochan::select! {
                recv(ch) -> _v => unreachable!(),
            }
        })
        .await;

        // selects with default cases don't block
        never_blocks(async {
            gochan::select! { default => {} }
        });

        // selects with ready channels don't block
        never_blocks(async {
            let (ch, _rx) = gochan::bounded(1);
            gochan::select! {
                send(ch, 7) -> r => r.unwrap(),
                default => unreachable!(),
            }
        });
        never_blocks(async {
            let (tx, ch) = gochan::bounded(1);
            tx.send(7).await.unwrap();
            gochan::select! {
                recv(ch) -> v => assert_eq!(v, Ok(7)),
                default => unreachable!(),
            }
        });

        // selects with closed channels behave like ordinary operations
        never_blocks(async {
            gochan::select! { recv(closedch) -> _ => {} }
        });
        let x = never_blocks(async {
            gochan::select! { recv(closedch) -> x => x }
        });
        assert_eq!(x, Err(RecvError));
        let ok = never_blocks(async {
            gochan::select! { recv(closedch) -> x => x.is_ok() }
        });
        assert!(!ok);
        let r = never_blocks(async {
            gochan::select! { send(closed_tx, 7) -> r => r }
        });
        assert_eq!(r, Err(SendError(7)));

        // select should not get confused if it sees itself
        let (c_tx, c) = gochan::rendezvous::<i32>();
        always_blocks(async {
            gochan::select! {
                send(c_tx, 1) -> _r => {}
                recv(c) -> _v => {}
            }
        })
        .await;
        assert_idle(&c);
    }
}

// ---------------------------------------------------------------------------
// test/chan/select4.go
// ---------------------------------------------------------------------------

mod select4 {
    //! "Test that a select statement proceeds when a value is ready": the
    //! binding of a case that is not chosen is never evaluated.

    fn f() -> &'static mut i32 {
        panic!("BUG: called f");
    }

    struct X {
        a: i32,
    }

    #[tokio::test]
    async fn main() {
        let mut x = X { a: 0 };
        let (tx, c) = gochan::bounded(1);
        let (_tx1, c1) = gochan::rendezvous::<i32>();
        tx.send(42).await.unwrap();
        gochan::select! {
            recv(c1) -> v => *f() = v.unwrap(),
            recv(c) -> v => {
                x.a = v.unwrap();
                assert_eq!(x.a, 42, "BUG: {}", x.a);
            }
        }
        assert_eq!(x.a, 42);
    }
}

// ---------------------------------------------------------------------------
// test/chan/select5.go
// ---------------------------------------------------------------------------

mod select5 {
    //! "Generate test of channel operations and simple selects. Only doing one
    //! real send or receive at a time, but phrased in various ways." Go
    //! generates a program from templates, enumerating every path through
    //! them. The spirit, ported: the same enumerator (`Paths`, Go's
    //! choose/next) walks every combination of a real case, optional
    //! never-ready cases of every kind (the dummies), their order and an
    //! optional default, and runs each as a dynamic `Select`; the macro forms
    //! and Go's order-of-evaluation templates are written out. Go's nil
    //! channel cases are left out.

    use super::*;

    /// Enumerates all paths through some logic that calls `choose(n)`: on
    /// successive runs `choose(n)` returns 0, 1, ..., n - 1.
    struct Paths {
        choices: Vec<(usize, usize)>,
        cp: isize,
    }

    impl Paths {
        fn new() -> Self {
            Paths {
                choices: Vec::new(),
                cp: -1,
            }
        }

        fn choose(&mut self, n: usize) -> usize {
            let cp = self.cp as usize;
            if cp >= self.choices.len() {
                // never asked this before: start with 0
                self.choices.push((0, n));
                self.cp = self.choices.len() as isize;
                return 0;
            }
            // otherwise give the recorded answer
            assert_eq!(n, self.choices[cp].1, "inconsistent choices");
            self.cp += 1;
            self.choices[cp].0
        }

        fn maybe(&mut self) -> bool {
            self.choose(2) == 0
        }

        fn next(&mut self) -> bool {
            if self.cp < 0 {
                // start a new round
                self.cp = 0;
                return true;
            }
            // increment the last choice sequence
            let mut cp = self.choices.len() as isize - 1;
            while cp >= 0 && self.choices[cp as usize].0 == self.choices[cp as usize].1 - 1 {
                cp -= 1;
            }
            if cp < 0 {
                self.choices.clear();
                self.cp = -1;
                return false;
            }
            self.choices[cp as usize].0 += 1;
            self.choices.truncate(cp as usize + 1);
            self.cp = 0;
            true
        }
    }

    /// A case that never becomes ready.
    #[derive(Clone, Copy, Debug)]
    enum Dummy {
        /// `dummy <- 1` on an unbuffered channel nobody receives from.
        SendRendezvous,
        /// `<-dummy` on an unbuffered channel nobody sends on.
        RecvRendezvous,
        /// A send on a full buffered channel.
        SendFull,
        /// A receive on an empty buffered channel.
        RecvEmpty,
    }

    const DUMMIES: [Dummy; 4] = [
        Dummy::SendRendezvous,
        Dummy::RecvRendezvous,
        Dummy::SendFull,
        Dummy::RecvEmpty,
    ];

    /// A case of the generated select, before it is added to a `Select`.
    enum CaseSpec<'a> {
        Recv(&'a Receiver<i32>),
        Send(&'a Sender<i32>, i32),
    }

    /// A case added to the `Select`: its handle.
    enum AnyCase<'a> {
        Recv(RecvCase<'a, i32>),
        Send(SendCase<'a, i32>),
    }

    /// The channels of the generated program.
    struct Fixture {
        /// Go's `c`: buffered, so the test is single-task.
        c: (Sender<i32>, Receiver<i32>),
        dummy: (Sender<i32>, Receiver<i32>),
        full: (Sender<i32>, Receiver<i32>),
        empty: (Sender<i32>, Receiver<i32>),
    }

    impl Fixture {
        fn new() -> Self {
            let full = gochan::bounded(1);
            full.0.try_send(-1).unwrap();
            Fixture {
                c: gochan::bounded(1),
                dummy: gochan::rendezvous(),
                full,
                empty: gochan::bounded(1),
            }
        }

        fn dummy_case(&self, d: Dummy) -> CaseSpec<'_> {
            match d {
                Dummy::SendRendezvous => CaseSpec::Send(&self.dummy.0, 1),
                Dummy::RecvRendezvous => CaseSpec::Recv(&self.dummy.1),
                Dummy::SendFull => CaseSpec::Send(&self.full.0, 1),
                Dummy::RecvEmpty => CaseSpec::Recv(&self.empty.1),
            }
        }

        /// Builds the select from `cases`, runs it with or without default,
        /// and checks that only case `real` (if any) happened; returns the
        /// real case's result.
        async fn run(
            &self,
            specs: Vec<CaseSpec<'_>>,
            real: Option<usize>,
            has_default: bool,
        ) -> Option<Result<Option<i32>, ()>> {
            let mut sel = Select::new();
            let cases: Vec<AnyCase<'_>> = specs
                .into_iter()
                .map(|spec| match spec {
                    CaseSpec::Recv(rx) => AnyCase::Recv(sel.recv(rx)),
                    CaseSpec::Send(tx, v) => AnyCase::Send(sel.send(tx, v)),
                })
                .collect();
            let chosen = if has_default {
                sel.try_select()
            } else {
                Some(sel.select().await)
            };
            assert_eq!(chosen, real, "the wrong case ran");
            // No registration left, while the cases still exist.
            for rx in [&self.c.1, &self.dummy.1, &self.full.1, &self.empty.1] {
                assert_idle(rx);
            }
            let mut result = None;
            for (i, case) in cases.into_iter().enumerate() {
                match case {
                    AnyCase::Recv(r) => match sel.take(&r) {
                        Some(v) if Some(i) == real => result = Some(Ok(Some(v.unwrap()))),
                        Some(_) => panic!("dummy receive"),
                        None => {}
                    },
                    AnyCase::Send(s) => match sel.take(&s) {
                        Some(r) if Some(i) == real => {
                            r.unwrap();
                            result = Some(Ok(None));
                        }
                        Some(_) => panic!("dummy send"),
                        None => assert_eq!(sel.take_value(&s), Some(1), "dummy value lost"),
                    },
                }
            }
            result
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Template {
        Recv,
        Send,
        Nonblock,
    }

    /// One path through one template; `n` is the value to move.
    async fn generate(p: &mut Paths, t: Template, fx: &Fixture, n: i32) {
        let (c_tx, c_rx) = (&fx.c.0, &fx.c.1);
        if t == Template::Recv {
            c_tx.send(n).await.unwrap();
            if p.maybe() {
                assert_eq!(c_rx.recv().await, Ok(n)); // x = <-c
                return;
            }
        }
        if t == Template::Send && p.maybe() {
            c_tx.send(n).await.unwrap(); // c <- n
            assert_eq!(c_rx.recv().await, Ok(n));
            return;
        }
        let has_default = t == Template::Nonblock || p.maybe();
        let mut cases: Vec<CaseSpec<'_>> = DUMMIES
            .iter()
            .filter(|_| p.maybe())
            .map(|&d| fx.dummy_case(d))
            .collect();
        let real = match t {
            Template::Recv => Some(CaseSpec::Recv(c_rx)),
            Template::Send => Some(CaseSpec::Send(c_tx, n)),
            Template::Nonblock => None,
        };
        let real = real.map(|case| {
            let at = p.choose(cases.len() + 1);
            cases.insert(at, case);
            at
        });
        let result = fx.run(cases, real, has_default).await;
        match t {
            Template::Recv => assert_eq!(result, Some(Ok(Some(n)))),
            Template::Send => {
                assert_eq!(result, Some(Ok(None)));
                assert_eq!(c_rx.recv().await, Ok(n));
            }
            Template::Nonblock => assert_eq!(result, None),
        }
    }

    #[tokio::test]
    async fn generated() {
        let fx = Fixture::new();
        let mut n = 1;
        let mut paths = Paths::new();
        let mut per_template = Vec::new();
        for t in [Template::Recv, Template::Send, Template::Nonblock] {
            let before = n;
            while paths.next() {
                generate(&mut paths, t, &fx, n).await;
                n += 1;
            }
            per_template.push(n - before);
        }
        // Recv and Send: the plain operation, or a select with or without
        // default over any subset of the 4 dummies with the real case at any
        // position: 1 + 2 * sum(C(4,k) * (k+1)) = 97. Nonblock: 2^4 = 16.
        assert_eq!(per_template, [97, 97, 16], "not every path was walked");
        assert_eq!(
            fx.full.1.try_recv(),
            Ok(-1),
            "a dummy send reached the full channel"
        );
    }

    // Order of evaluation (select5.go's recvOrder and sendOrder), with
    // gochan's one difference from Go: the channel operands of every case are
    // evaluated once, in source order, before the select chooses, but a send
    // case's value is evaluated only when that case is chosen (after the
    // select, just before its body), so a losing send evaluates nothing. Go
    // evaluates every send value on entry.

    fn checkorder(order: &Cell<i32>, o: i32) {
        assert!(o > order.get(), "invalid order {o} after {}", order.get());
        order.set(o);
    }

    fn fc<'a, C>(order: &Cell<i32>, c: &'a C, o: i32) -> &'a C {
        checkorder(order, o);
        c
    }

    fn fnv<T>(order: &Cell<i32>, v: T, o: i32) -> T {
        checkorder(order, o);
        v
    }

    /// The value of a send case that loses: never evaluated.
    fn lost() -> i32 {
        panic!("a losing send case's value was evaluated")
    }

    #[tokio::test]
    async fn order_of_evaluation() {
        let fx = Fixture::new();
        let (c_tx, c) = (&fx.c.0, &fx.c.1);
        let (dummy_tx, dummy) = (&fx.dummy.0, &fx.dummy.1);
        let order = Cell::new(0);
        let o = &order;

        // recvOrder, blocking, real case first
        order.set(0);
        c_tx.send(1).await.unwrap();
        let x = gochan::select! {
            recv(fc(o, c, 1)) -> v => { checkorder(o, 100); v.unwrap() },
            send(fc(o, dummy_tx, 2), lost()) -> _r => panic!("dummy send"),
            recv(fc(o, dummy, 3)) -> _v => panic!("dummy receive"),
        };
        assert_eq!((x, order.get()), (1, 100));

        // recvOrder, non-blocking, real case last (Go puts the default
        // first; gochan::select! wants it last, where it is evaluated last)
        order.set(0);
        c_tx.send(2).await.unwrap();
        let x = gochan::select! {
            send(fc(o, dummy_tx, 1), lost()) -> _r => panic!("dummy send"),
            recv(fc(o, dummy, 2)) -> _v => panic!("dummy receive"),
            recv(fc(o, c, 3)) -> v => { checkorder(o, 100); v.unwrap() },
            default => panic!("nonblock"),
        };
        assert_eq!((x, order.get()), (2, 100));

        // sendOrder, blocking: the chosen send's value after every channel
        order.set(0);
        gochan::select! {
            send(fc(o, c_tx, 1), fnv(o, 3, 50)) -> r => { checkorder(o, 100); r.unwrap() },
            send(fc(o, dummy_tx, 2), lost()) -> _r => panic!("dummy send"),
            recv(fc(o, dummy, 3)) -> _v => panic!("dummy receive"),
        }
        assert_eq!((c.recv().await, order.get()), (Ok(3), 100));

        // sendOrder, non-blocking (Go puts the default in the middle;
        // gochan::select! wants it last)
        order.set(0);
        gochan::select! {
            send(fc(o, dummy_tx, 1), lost()) -> _r => panic!("dummy send"),
            send(fc(o, c_tx, 2), fnv(o, 4, 50)) -> r => { checkorder(o, 100); r.unwrap() },
            recv(fc(o, dummy, 3)) -> _v => panic!("dummy receive"),
            default => panic!("nonblock"),
        }
        assert_eq!((c.recv().await, order.get()), (Ok(4), 100));

        // nonblock: only dummies; the default runs and x is not touched
        order.set(0);
        let mut x = 5;
        gochan::select! {
            send(fc(o, dummy_tx, 1), lost()) -> _r => panic!("dummy <- 1"),
            recv(fc(o, dummy, 2)) -> v => x = v.unwrap(),
            default => checkorder(o, 100),
        }
        assert_eq!((x, order.get()), (5, 100));
    }

    /// Many cases of mixed kinds in one macro: five receives, five sends, one
    /// made ready at a time.
    #[tokio::test]
    async fn many_mixed_cases() {
        let r: Vec<_> = (0..5).map(|_| gochan::bounded::<usize>(1)).collect();
        let s: Vec<_> = (0..5).map(|_| gochan::bounded::<usize>(1)).collect();
        for (tx, _) in &s {
            tx.try_send(usize::MAX).unwrap(); // full: not ready
        }
        for with_default in [false, true] {
            for k in 0..10 {
                if k < 5 {
                    r[k].0.try_send(k).unwrap();
                } else {
                    assert_eq!(s[k - 5].1.try_recv(), Ok(usize::MAX)); // room
                }
                macro_rules! cases {
                    ($($extra:tt)*) => {
                        gochan::select! {
                            recv(r[0].1) -> v => (0, v.unwrap()),
                            send(s[0].0, 5) -> x => { x.unwrap(); (5, 5) },
                            recv(r[1].1) -> v => (1, v.unwrap()),
                            send(s[1].0, 6) -> x => { x.unwrap(); (6, 6) },
                            recv(r[2].1) -> v => (2, v.unwrap()),
                            send(s[2].0, 7) -> x => { x.unwrap(); (7, 7) },
                            recv(r[3].1) -> v => (3, v.unwrap()),
                            send(s[3].0, 8) -> x => { x.unwrap(); (8, 8) },
                            recv(r[4].1) -> v => (4, v.unwrap()),
                            send(s[4].0, 9) -> x => { x.unwrap(); (9, 9) },
                            $($extra)*
                        }
                    };
                }
                let got = if with_default {
                    cases!(default => unreachable!("case {k} is ready"))
                } else {
                    cases!()
                };
                assert_eq!(got, (k, k));
                if k >= 5 {
                    assert_eq!(s[k - 5].1.try_recv(), Ok(k), "the send case sent its value");
                    s[k - 5].0.try_send(usize::MAX).unwrap();
                }
                for (tx, rx) in r.iter().chain(&s) {
                    assert_idle(rx);
                    assert!(!tx.is_closed());
                }
            }
        }
        let nothing = gochan::select! {
            recv(r[0].1) -> _v => false,
            send(s[0].0, 5) -> _x => false,
            recv(r[4].1) -> _v => false,
            send(s[4].0, 9) -> _x => false,
            default => true,
        };
        assert!(nothing);
    }
}

// ---------------------------------------------------------------------------
// test/chan/select6.go
// ---------------------------------------------------------------------------

mod select6 {
    //! Go issue 2075: "A bug in select corrupts channel queues of failed
    //! cases if there are multiple waiters on those channels and the select
    //! is the last in the queue. If further waits are made on the channel
    //! without draining it first then those waiters will never wake up."

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn main() {
        deadline("select6", async {
            let (c1_tx, c1) = gochan::rendezvous::<bool>();
            let (c2_tx, c2) = gochan::rendezvous::<bool>();
            let (c3_tx, c3) = gochan::rendezvous::<bool>();
            let a = tokio::spawn({
                let c1 = c1.clone();
                async move {
                    c1.recv().await.unwrap();
                }
            });
            let b = tokio::spawn(async move {
                gochan::select! {
                    recv(c1) -> _v => panic!("dummy"),
                    recv(c2) -> _v => c3_tx.send(true).await.unwrap(),
                }
                c1.recv().await.unwrap();
            });
            let c = tokio::spawn(async move { c2_tx.send(true).await.unwrap() });
            c3.recv().await.unwrap();
            c1_tx.send(true).await.unwrap();
            c1_tx.send(true).await.unwrap();
            for t in [a, b, c] {
                t.await.unwrap();
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/select7.go
// ---------------------------------------------------------------------------

mod select7 {
    //! "Test select when discarding a value": each way of receiving against
    //! each way of sending, on an unbuffered channel.

    use super::*;

    #[derive(Clone, Copy, Debug)]
    enum Way {
        Plain,
        Select1,
        Select2,
    }

    async fn recv(way: Way, c: Receiver<i32>) {
        match way {
            Way::Plain => {
                c.recv().await.unwrap();
            }
            Way::Select1 => gochan::select! {
                recv(c) -> v => { v.unwrap(); }
            },
            Way::Select2 => {
                let (_tx2, c2) = gochan::rendezvous::<i32>();
                gochan::select! {
                    recv(c) -> v => { v.unwrap(); }
                    recv(c2) -> _v => unreachable!(),
                }
            }
        }
    }

    async fn send(way: Way, recv_way: Way) {
        let (tx, c) = gochan::rendezvous();
        let receiver = tokio::spawn(recv(recv_way, c));
        yield_now().await; // Go: runtime.Gosched()
        match way {
            Way::Plain => tx.send(1).await.unwrap(),
            Way::Select1 => gochan::select! {
                send(tx, 1) -> r => r.unwrap(),
            },
            Way::Select2 => {
                let (tx2, _c2) = gochan::rendezvous::<i32>();
                gochan::select! {
                    send(tx, 1) -> r => r.unwrap(),
                    send(tx2, 1) -> _r => unreachable!(),
                }
            }
        }
        receiver.await.unwrap();
    }

    #[tokio::test]
    async fn main() {
        deadline("select7", async {
            for r in [Way::Plain, Way::Select1, Way::Select2] {
                for s in [Way::Plain, Way::Select1, Way::Select2] {
                    send(s, r).await;
                }
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/sieve1.go
// ---------------------------------------------------------------------------

mod sieve1 {
    //! "Generate primes up to 100 using channels, checking the results. This
    //! sieve consists of a linear chain of divisibility filters." Beyond Go:
    //! the chain tears itself down once the consumer goes away (each task
    //! ends when its send fails, which drops its receiver, which closes the
    //! channel upstream), and every task holds an `alive` sender so the test
    //! can see them all end.

    use super::*;

    /// Sends 2, 3, 4, ... on `ch`.
    async fn generate(ch: Sender<i32>, _alive: Sender<()>) {
        let mut i = 2;
        while ch.send(i).await.is_ok() {
            i += 1;
        }
    }

    /// Copies the values from `inp` to `out`, removing those divisible by
    /// `prime`.
    async fn filter(inp: Receiver<i32>, out: Sender<i32>, prime: i32, _alive: Sender<()>) {
        while let Ok(i) = inp.recv().await {
            if i % prime != 0 && out.send(i).await.is_err() {
                return;
            }
        }
    }

    /// The prime sieve: daisy-chains filter tasks together.
    async fn sieve(primes: Sender<i32>, alive: Sender<()>) {
        let (tx, mut ch) = gochan::rendezvous();
        tokio::spawn(generate(tx, alive.clone()));
        loop {
            let Ok(prime) = ch.recv().await else { return };
            if primes.send(prime).await.is_err() {
                return;
            }
            let (tx1, ch1) = gochan::rendezvous();
            tokio::spawn(filter(ch, tx1, prime, alive.clone()));
            ch = ch1;
        }
    }

    #[tokio::test]
    async fn main() {
        let (tx, primes) = gochan::rendezvous();
        let (alive, all_gone) = gochan::rendezvous::<()>();
        tokio::spawn(sieve(tx, alive));
        let a = [
            2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
            89, 97,
        ];
        deadline("sieve1", async {
            for want in a {
                assert_eq!(primes.recv().await, Ok(want));
            }
            drop(primes);
            // Every task has ended: the last `alive` sender is gone.
            assert_eq!(all_gone.recv().await, Err(RecvError));
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/sieve2.go
// ---------------------------------------------------------------------------

mod sieve2 {
    //! "Generate primes up to 100 using channels, checking the results. This
    //! sieve is Eratosthenesque and only considers odd candidates." Go's
    //! sendproxy disables its send case by setting the channel to nil when
    //! its buffer is empty; here it then just receives.

    use super::*;

    /// Odd numbers, starting from 5.
    fn odds() -> Receiver<i64> {
        let (tx, out) = gochan::bounded(50);
        tokio::spawn(async move {
            let mut n = 5;
            while tx.send(n).await.is_ok() {
                n += 2;
            }
        });
        out
    }

    /// Odd multiples of the prime `p`, starting from p*p.
    fn multiples(p: i64) -> Receiver<i64> {
        let (tx, out) = gochan::bounded(10);
        tokio::spawn(async move {
            let mut n = p * p;
            while tx.send(n).await.is_ok() {
                n += 2 * p;
            }
        });
        out
    }

    /// A channel that serves as a sending proxy to `out`: a task receives
    /// from it into an expanding buffer, so sending to it never blocks.
    fn sendproxy(out: Sender<i64>) -> Sender<i64> {
        let (proxy_tx, proxy) = gochan::bounded(10);
        tokio::spawn(async move {
            let mut buf = VecDeque::new();
            loop {
                match buf.front().copied() {
                    // buffer empty: output disabled
                    None => match proxy.recv().await {
                        Ok(e) => buf.push_back(e),
                        Err(RecvError) => return,
                    },
                    Some(e) => gochan::select! {
                        recv(proxy) -> v => match v {
                            Ok(e) => buf.push_back(e),
                            Err(RecvError) => return,
                        },
                        send(out, e) -> r => {
                            if r.is_err() {
                                return;
                            }
                            buf.pop_front();
                        }
                    },
                }
            }
        });
        proxy_tx
    }

    /// A channel of primes.
    fn sieve() -> Receiver<i64> {
        // The output values.
        let (out_tx, out) = gochan::bounded(10);
        out_tx.try_send(2).unwrap();
        out_tx.try_send(3).unwrap();

        // The channel of all composites to be eliminated in increasing order.
        let (composites_tx, composites) = gochan::bounded::<i64>(50);

        // The feedback loop.
        let (primes_tx, primes) = gochan::bounded::<i64>(10);
        primes_tx.try_send(3).unwrap();

        // Merge channels of multiples of `primes` into `composites`.
        tokio::spawn(async move {
            // (head, index into chans), least first
            let mut heads: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
            let mut chans: Vec<Receiver<i64>> = Vec::new();
            let mut min = 15;
            loop {
                let Ok(p) = primes.recv().await else { return };
                let m = multiples(p);
                let head = m.recv().await.unwrap();
                while min < head {
                    if composites_tx.send(min).await.is_err() {
                        return;
                    }
                    let Reverse((h, i)) = heads.pop().unwrap();
                    min = h;
                    heads.push(Reverse((chans[i].recv().await.unwrap(), i)));
                }
                while min == head {
                    let Reverse((h, i)) = heads.pop().unwrap();
                    min = h;
                    heads.push(Reverse((chans[i].recv().await.unwrap(), i)));
                }
                if composites_tx.send(head).await.is_err() {
                    return;
                }
                heads.push(Reverse((m.recv().await.unwrap(), chans.len())));
                chans.push(m);
            }
        });

        // Sieve out `composites` from the candidates.
        tokio::spawn(async move {
            // Only multiples of primes up to sqrt(nth prime) are needed, so
            // the merging task receives from `primes` much more slowly than
            // this one sends: a proxy buffers without limit, or this task
            // would block and deadlock.
            let primes = sendproxy(primes_tx);
            let candidates = odds();
            let Ok(mut p) = candidates.recv().await else {
                return;
            };
            loop {
                let Ok(c) = composites.recv().await else {
                    return;
                };
                while p < c {
                    if primes.send(p).await.is_err() || out_tx.send(p).await.is_err() {
                        return;
                    }
                    let Ok(next) = candidates.recv().await else {
                        return;
                    };
                    p = next;
                }
                if p == c {
                    let Ok(next) = candidates.recv().await else {
                        return;
                    };
                    p = next;
                }
            }
        });

        out
    }

    #[tokio::test]
    async fn main() {
        let a = [
            2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
            89, 97,
        ];
        deadline("sieve2", async {
            let primes = sieve();
            for want in a {
                assert_eq!(primes.recv().await, Ok(want));
            }
        })
        .await;
    }
}

// ---------------------------------------------------------------------------
// test/chan/zerosize.go
// ---------------------------------------------------------------------------

mod zerosize {
    //! "Test making channels of a zero-sized type." Beyond Go's compile-only
    //! check: zero-sized values go through, counted, select included.

    #[tokio::test]
    async fn main() {
        let _ = gochan::rendezvous::<[u8; 0]>();
        let _ = gochan::bounded::<[u8; 0]>(1);
        let _ = gochan::rendezvous::<()>();
        let _ = gochan::bounded::<()>(1);

        let (tx, rx) = gochan::unbounded::<[u8; 0]>();
        for _ in 0..1_000 {
            tx.send([]).await.unwrap();
        }
        assert_eq!(rx.len(), 1_000);
        let (stx, srx) = gochan::bounded::<()>(1);
        let mut got = 0;
        for _ in 0..1_000 {
            gochan::select! {
                recv(rx) -> v => { assert_eq!(v, Ok([])); got += 1; }
                send(stx, ()) -> r => { r.unwrap(); assert_eq!(srx.recv().await, Ok(())); }
            }
        }
        assert_eq!(got + rx.len(), 1_000);
        assert_eq!(got as u64 + srx.stats().received, 1_000);
    }
}

// ---------------------------------------------------------------------------
// runtime/chan_test.go
// ---------------------------------------------------------------------------

mod chan_test {
    //! The select tests of Go's runtime/chan_test.go.

    use super::*;

    /// TestSelfSelect: "Ensure that send/recv on the same chan in select does
    /// not crash nor deadlock", and that an unbuffered select never receives
    /// its own value.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn self_select() {
        for cap in [0usize, 10] {
            let (tx, rx) = gochan::bounded::<i32>(cap);
            let tasks: Vec<_> = (0..2)
                .map(|p| {
                    let (tx, rx) = (tx.clone(), rx.clone());
                    tokio::spawn(async move {
                        let check = |v: Result<i32, RecvError>| {
                            let v = v.unwrap();
                            assert!(!(cap == 0 && v == p), "self receive");
                        };
                        for i in 0..1_000 {
                            if p == 0 || i % 2 == 0 {
                                gochan::select! {
                                    send(tx, p) -> r => r.unwrap(),
                                    recv(rx) -> v => check(v),
                                }
                            } else {
                                gochan::select! {
                                    recv(rx) -> v => check(v),
                                    send(tx, p) -> r => r.unwrap(),
                                }
                            }
                        }
                    })
                })
                .collect();
            deadline("self_select", async {
                for t in tasks {
                    t.await.unwrap();
                }
            })
            .await;
            assert_idle(&rx);
        }
    }

    /// TestSelectStress: four tasks send N values each on their channel, four
    /// receive N each, one task sends N on every channel through one select,
    /// one receives N from every channel through one select; a select case is
    /// disabled (Go: its channel set to nil) once it has done its N. Beyond
    /// Go: the values are unique, and every one is received exactly once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn select_stress() {
        const N: usize = 5_000;
        let c: Vec<(Sender<usize>, Receiver<usize>)> = vec![
            gochan::rendezvous(),
            gochan::rendezvous(),
            gochan::bounded(2),
            gochan::bounded(3),
        ];
        let mut senders = Vec::new();
        let mut receivers = Vec::new();
        for (k, (tx, rx)) in c.iter().enumerate() {
            let tx = tx.clone();
            senders.push(tokio::spawn(async move {
                for i in 0..N {
                    tx.send(k * 10 * N + i).await.unwrap();
                }
            }));
            let rx = rx.clone();
            receivers.push(tokio::spawn(async move {
                let mut got = Vec::with_capacity(N);
                for _ in 0..N {
                    got.push(rx.recv().await.unwrap());
                }
                got
            }));
        }
        let txs: Vec<_> = c.iter().map(|(tx, _)| tx.clone()).collect();
        senders.push(tokio::spawn(async move {
            let mut n = [0usize; 4];
            // One select throughout: a send case gets its next value once
            // its value is sent, and is removed after its N.
            let mut sel = Select::new();
            // Go lists the cases as c[3], c[2], c[0], c[1].
            let mut cases: Vec<_> = [3, 2, 0, 1]
                .into_iter()
                .map(|k| (k, sel.send(&txs[k], k * 10 * N + N)))
                .collect();
            for _ in 0..4 * N {
                let i = sel.select().await;
                let j = cases.iter().position(|(_, c)| c.index() == i).unwrap();
                let k = cases[j].0;
                sel.take(&cases[j].1).unwrap().unwrap();
                n[k] += 1;
                if n[k] < N {
                    let spent = sel.set_value(&cases[j].1, k * 10 * N + N + n[k]);
                    assert_eq!(spent, None, "a sent case holds no value");
                } else {
                    let (_, case) = cases.swap_remove(j);
                    assert_eq!(sel.remove(case), None);
                }
            }
            assert!(cases.is_empty() && sel.is_empty());
        }));
        let rxs: Vec<_> = c.iter().map(|(_, rx)| rx.clone()).collect();
        receivers.push(tokio::spawn(async move {
            let mut n = [0usize; 4];
            let mut got = Vec::with_capacity(4 * N);
            let mut sel = Select::new();
            let mut cases: Vec<_> = (0..4).map(|k| (k, sel.recv(&rxs[k]))).collect();
            for _ in 0..4 * N {
                let i = sel.select().await;
                let j = cases.iter().position(|(_, c)| c.index() == i).unwrap();
                let k = cases[j].0;
                got.push(sel.take(&cases[j].1).unwrap().unwrap());
                n[k] += 1;
                if n[k] == N {
                    let (_, case) = cases.swap_remove(j);
                    assert_eq!(sel.remove(case), None);
                }
            }
            assert!(cases.is_empty());
            got
        }));
        let mut all = deadline("select_stress", async {
            for s in senders {
                s.await.unwrap();
            }
            let mut all = Vec::new();
            for r in receivers {
                all.extend(r.await.unwrap());
            }
            all
        })
        .await;
        all.sort_unstable();
        let want: Vec<usize> = (0..4)
            .flat_map(|k| k * 10 * N..k * 10 * N + 2 * N)
            .collect();
        assert!(all == want, "values lost or duplicated");
        for (_, rx) in &c {
            assert_idle(rx);
        }
    }

    /// TestSelectFairness: "If the select in the goroutine is fair, cnt1 and
    /// cnt2 should be about the same value. See if we're more than 10 sigma
    /// away from the expected value."
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn select_fairness() {
        const TRIALS: usize = 10_000;
        let (c1_tx, c1) = gochan::bounded::<u8>(TRIALS + 1);
        let (c2_tx, c2) = gochan::bounded::<u8>(TRIALS + 1);
        for _ in 0..=TRIALS {
            c1_tx.try_send(1).unwrap();
            c2_tx.try_send(2).unwrap();
        }
        let (_c3_tx, c3) = gochan::rendezvous::<u8>();
        let (_c4_tx, c4) = gochan::rendezvous::<u8>();
        let (out_tx, out) = gochan::rendezvous::<u8>();
        let (done_tx, done) = gochan::rendezvous::<u8>();
        let task = tokio::spawn(async move {
            loop {
                let b = gochan::select! {
                    recv(c3) -> b => b.unwrap(),
                    recv(c4) -> b => b.unwrap(),
                    recv(c1) -> b => b.unwrap(),
                    recv(c2) -> b => b.unwrap(),
                };
                let stop = gochan::select! {
                    send(out_tx, b) -> r => { r.unwrap(); false }
                    recv(done) -> _ => true,
                };
                if stop {
                    return;
                }
            }
        });
        let (cnt1, cnt2) = deadline("select_fairness", async {
            let (mut cnt1, mut cnt2) = (0, 0);
            for _ in 0..TRIALS {
                match out.recv().await.unwrap() {
                    1 => cnt1 += 1,
                    2 => cnt2 += 1,
                    b => panic!("unexpected value {b} on channel"),
                }
            }
            (cnt1, cnt2)
        })
        .await;
        let mean = TRIALS as f64 * 0.5;
        let stddev = (TRIALS as f64 * 0.5 * 0.5).sqrt();
        assert!(
            (cnt1 as f64 - mean).abs() <= 10.0 * stddev,
            "unfair select: in {TRIALS} trials, results were {cnt1}, {cnt2}"
        );
        done_tx.close();
        deadline("select_fairness end", task).await.unwrap();
    }

    /// TestSelectDuplicateChannel: "This test makes sure we can queue a G on
    /// the same channel multiple times." Go sleeps so that A queues first on
    /// `c`, then B; here the test waits until `c` shows the registrations.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn select_duplicate_channel() {
        let (c_tx, c) = gochan::rendezvous::<i32>();
        let (d_tx, d) = gochan::rendezvous::<i32>();
        let (e_tx, e) = gochan::rendezvous::<i32>();

        // task A
        let a = tokio::spawn({
            let c = c.clone();
            async move {
                gochan::select! {
                    recv(c) -> _v => panic!("c"),
                    recv(c) -> _v => panic!("c"),
                    recv(d) -> v => assert_eq!(v, Ok(7)),
                }
                e_tx.send(9).await.unwrap();
            }
        });
        until("A queued twice on c", || {
            c_tx.stats().waiting_receivers == 2
        })
        .await;

        // task B
        let b = tokio::spawn(async move { c.recv().await });
        until("B queued on c", || c_tx.stats().waiting_receivers == 3).await;

        d_tx.send(7).await.unwrap(); // wakes A, which dequeues itself from c
        deadline("A is done", e.recv()).await.unwrap(); // A tells us it is done
        assert_eq!(c_tx.stats().waiting_receivers, 1, "only B waits on c");
        c_tx.send(8).await.unwrap(); // wakes B
        assert_eq!(deadline("B", b).await.unwrap(), Ok(8));
        a.await.unwrap();
    }

    /// Go runs 100,000 rounds (1,000 with -short).
    const RACE_ROUNDS: usize = 20_000;

    /// TestNonblockSelectRace: "From the time the second goroutine is
    /// created, at least one of c1 and c2 is always ready for receiving, so
    /// the select in the second goroutine must always receive from one or
    /// the other. It must never execute the default case."
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nonblock_select_race() {
        deadline("nonblock_select_race", async {
            for _ in 0..RACE_ROUNDS {
                let (c1_tx, c1) = gochan::bounded::<i32>(1);
                let (c2_tx, c2) = gochan::bounded::<i32>(1);
                c1_tx.send(1).await.unwrap();
                let g = tokio::spawn({
                    // Clones: dropping the task's receivers must not close
                    // the channels under the sends below.
                    let (c1, c2) = (c1.clone(), c2.clone());
                    async move {
                        gochan::select! {
                            recv(c1) -> _v => true,
                            recv(c2) -> _v => true,
                            default => false,
                        }
                    }
                });
                c2_tx.send(1).await.unwrap();
                gochan::select! {
                    recv(c1) -> _v => {}
                    default => {}
                }
                assert!(g.await.unwrap(), "no chan is ready");
            }
        })
        .await;
    }

    /// TestNonblockSelectRace2: the same with close(c2) for c2 <- 1.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn nonblock_select_race2() {
        deadline("nonblock_select_race2", async {
            for _ in 0..RACE_ROUNDS {
                let (c1_tx, c1) = gochan::bounded::<i32>(1);
                let (c2_tx, c2) = gochan::rendezvous::<i32>();
                c1_tx.send(1).await.unwrap();
                let g = tokio::spawn({
                    // Clones: dropping the task's receivers must not close
                    // the channels under the sends below.
                    let (c1, c2) = (c1.clone(), c2.clone());
                    async move {
                        gochan::select! {
                            recv(c1) -> _v => true,
                            recv(c2) -> _v => true,
                            default => false,
                        }
                    }
                });
                c2_tx.close();
                gochan::select! {
                    recv(c1) -> _v => {}
                    default => {}
                }
                assert!(g.await.unwrap(), "no chan is ready");
            }
        })
        .await;
    }

    /// TestPseudoRandomSend: two send cases on one channel, chosen at random.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pseudo_random_send() {
        let n = 100;
        for cap in [0, n] {
            let (tx, c) = gochan::bounded::<usize>(cap);
            let receiver = tokio::spawn(async move {
                let mut l = Vec::with_capacity(n);
                for _ in 0..n {
                    yield_now().await;
                    l.push(c.recv().await.unwrap());
                }
                l
            });
            deadline("pseudo_random_send", async {
                for _ in 0..n {
                    gochan::select! {
                        send(tx, 1) -> r => r.unwrap(),
                        send(tx, 0) -> r => r.unwrap(),
                    }
                }
            })
            .await;
            let l = deadline("pseudo_random_send receiver", receiver)
                .await
                .unwrap();
            let n1: usize = l.iter().sum();
            let n0 = n - n1;
            assert!(
                n0 > n / 10 && n1 > n / 10,
                "want pseudorandom, got {n0} zeros and {n1} ones (chan cap {cap})"
            );
        }
    }
}
