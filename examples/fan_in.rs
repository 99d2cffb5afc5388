//! Fan-in, from Rob Pike's "Go Concurrency Patterns", with `gochan::select!`
//! and guards.
//!
//! Three generator tasks ("Joe", "Ann" and "Bob") each send a few numbered
//! lines on their own channel, at their own pace, and close it when done. The
//! fan-in selects over the three receivers and forwards whatever comes first
//! into one channel, so the reader sees one merged stream. A closed channel
//! is always ready (it yields `Err`), so the fan-in switches each one off
//! with a guard once it has seen its close, as Go would set the channel
//! variable to nil: the loop never spins on a closed channel. A
//! `default(20 ms)` case reports the quiet moments.
//!
//! Every round of the loop either forwards a line, switches off a closed
//! channel, or waits 20 ms: the count of rounds is checked against that.
//!
//! Runs on tokio's paused clock, so the sleeps take no real time.

use std::time::Duration;

use gochan::{Receiver, RecvError};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Sends `lines` lines "name i", one every `pause` ms, then closes.
fn generator(name: &'static str, lines: usize, pause: u64) -> (Receiver<String>, JoinHandle<()>) {
    let (tx, rx) = gochan::rendezvous();
    let task = tokio::spawn(async move {
        let tx = tx.scope(); // closes the channel however the task ends
        for i in 0..lines {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            tx.send(format!("{name} {i}"))
                .await
                .expect("the fan-in reads");
        }
        println!("  {name} is done");
    });
    (rx, task)
}

/// What the fan-in loop did.
#[derive(Debug, Default)]
struct Rounds {
    forwarded: usize,
    closes: usize,
    quiet: usize,
}

/// Merges three channels into one, until all three are closed and drained.
fn fan_in(
    a: Receiver<String>,
    b: Receiver<String>,
    c: Receiver<String>,
) -> (Receiver<String>, JoinHandle<Rounds>) {
    let (tx, rx) = gochan::rendezvous();
    let task = tokio::spawn(async move {
        let tx = tx.scope();
        let mut open = [true; 3];
        let mut rounds = Rounds::default();
        while open.iter().any(|&o| o) {
            let got = gochan::select! {
                recv(a) -> line, if open[0] => Some((0, line)),
                recv(b) -> line, if open[1] => Some((1, line)),
                recv(c) -> line, if open[2] => Some((2, line)),
                default(Duration::from_millis(20)) => None,
            };
            match got {
                Some((_, Ok(line))) => {
                    tx.send(line).await.expect("the reader drains");
                    rounds.forwarded += 1;
                }
                Some((k, Err(RecvError))) => {
                    open[k] = false; // closed and drained: switch it off
                    rounds.closes += 1;
                }
                None => rounds.quiet += 1,
            }
        }
        rounds
    });
    (rx, task)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let (joe, joe_task) = generator("Joe", 4, 30);
    let (ann, ann_task) = generator("Ann", 3, 50);
    let (bob, bob_task) = generator("Bob", 5, 70);
    let (merged, fan_in_task) = fan_in(joe, ann, bob);

    let mut lines = Vec::new();
    while let Ok(line) = merged.recv().await {
        println!("{line}");
        lines.push(line);
    }
    for task in [joe_task, ann_task, bob_task] {
        task.await.unwrap();
    }
    let rounds = fan_in_task.await.unwrap();
    let elapsed = start.elapsed();
    println!(
        "{} lines in {elapsed:?}; fan-in rounds: {rounds:?}",
        lines.len()
    );

    // Nothing lost, each generator's lines in its own order.
    assert_eq!(lines.len(), 4 + 3 + 5);
    for (name, sent) in [("Joe", 4), ("Ann", 3), ("Bob", 5)] {
        let own: Vec<_> = lines
            .iter()
            .filter(|l| l.starts_with(name))
            .cloned()
            .collect();
        let want: Vec<_> = (0..sent).map(|i| format!("{name} {i}")).collect();
        assert_eq!(own, want);
    }
    // The loop never spun on a closed channel: each round forwarded a line,
    // switched off a closed channel, or waited its 20 ms.
    assert_eq!(rounds.forwarded, lines.len());
    assert_eq!(rounds.closes, 3);
    let most_quiet = (elapsed.as_millis() / 20) as usize + 1;
    assert!(
        rounds.quiet <= most_quiet,
        "{} quiet rounds in {elapsed:?}: the loop spun",
        rounds.quiet
    );
}
