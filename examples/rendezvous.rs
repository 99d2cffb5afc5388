//! A hand-off on a rendezvous channel (capacity 0, Go's unbuffered channel,
//! pychanasync's unbuffered `Chan`).
//!
//! Nothing is ever buffered: `send` completes only when a receiver takes the
//! value, so the two tasks meet at every value. Here the receiver is slow, and
//! a shared step counter numbers the events so the output shows the sender
//! waiting for it each time. Then the channel is closed while the receiver
//! waits: with nothing buffered, it sees `Closed` at once. Last, a sender
//! waiting on a channel that closes gets its value back.

use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const VALUES: usize = 3;

/// Prints one event, numbered in the order the events happened.
fn log(step: &AtomicUsize, who: &str, what: impl Display) -> usize {
    let n = step.fetch_add(1, Ordering::SeqCst) + 1;
    println!("{n:>2}. {who:<8} {what}");
    n
}

// One thread, so the printed interleaving is the same on every run; the
// assertions hold on the multi-threaded runtime too.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let step = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = gochan::rendezvous::<usize>();
    assert_eq!(tx.capacity(), Some(0));

    let receiver = tokio::spawn({
        let step = step.clone();
        async move {
            let mut got = Vec::new();
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await; // a slow receiver
                let stats = rx.stats();
                let what = format!(
                    "calls recv (waiting senders: {}, buffered: {})",
                    stats.waiting_senders, stats.buffered
                );
                log(&step, "receiver", what);
                assert_eq!(stats.buffered, 0, "a rendezvous channel never buffers");
                match rx.recv().await {
                    Ok(v) => {
                        log(&step, "receiver", format!("took {v}"));
                        got.push(v);
                    }
                    Err(e) => {
                        log(&step, "receiver", format!("recv returned Err: {e}"));
                        return got;
                    }
                }
            }
        }
    });

    for n in 1..=VALUES {
        log(&step, "sender", format!("offers {n}"));
        tx.send(n).await.expect("the receiver is alive");
        // `send` returned, so the receiver has taken `n`: the sender resumes
        // only after the hand-off.
        assert_eq!(tx.stats().received, n as u64);
        log(&step, "sender", format!("handed off {n}"));
    }

    // Close only once the receiver is parked in its next `recv`.
    while tx.stats().waiting_receivers == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let closed_at = log(
        &step,
        "sender",
        "closes the channel while the receiver waits",
    );
    tx.close();
    let got = tokio::time::timeout(Duration::from_secs(1), receiver)
        .await
        .expect("a waiting receiver sees Closed at once")
        .unwrap();
    assert_eq!(got, [1, 2, 3]);
    assert_eq!(
        step.load(Ordering::SeqCst),
        closed_at + 1,
        "Closed came next"
    );
    assert!(tx.is_finished(), "closed, and nothing to drain");

    // The other way round: a sender waiting on a rendezvous channel that
    // closes gets its value back in the error; nothing is lost.
    let (tx, rx) = gochan::rendezvous();
    let sender = tokio::spawn(async move { tx.send(String::from("late")).await });
    while rx.stats().waiting_senders == 0 {
        tokio::task::yield_now().await;
    }
    rx.close();
    let value = sender.await.unwrap().unwrap_err().into_inner();
    log(
        &step,
        "main",
        format!("a waiting sender got {value:?} back on close"),
    );
    assert_eq!(value, "late");
}
