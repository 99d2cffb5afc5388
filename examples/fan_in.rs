//! Fan-in, from Rob Pike's "Go Concurrency Patterns", with `gochan::select!`.
//!
//! Two generator tasks ("Joe" and "Ann") each send numbered lines on their
//! own channel, at their own pace. A fan-in task selects over both receivers
//! and forwards whatever comes first into one channel, so the reader sees
//! one merged stream. After `N` lines the reader closes `quit`; each
//! generator selects between sending its next line and receiving on `quit`,
//! so it stops. A send case that loses sent nothing, so the lines the
//! generators count as sent are exactly the lines the reader gets, those
//! still in flight when it said quit included.
//!
//! Runs on tokio's paused clock, so the sleeps take no real time. Who stops
//! when after quit varies from run to run: a generator whose send case and
//! quit case are both ready picks one at random.

use std::time::Duration;

use gochan::{Receiver, RecvError};
use tokio::task::JoinHandle;

const N: usize = 10;

/// A generator's channel, and its task, which returns how many lines it sent.
type Generator = (Receiver<String>, JoinHandle<usize>);

/// Sends "name i" every `pause` ms until `quit` closes.
fn generator(name: &'static str, pause: u64, quit: Receiver<()>) -> Generator {
    let (tx, rx) = gochan::rendezvous();
    let task = tokio::spawn(async move {
        let tx = tx.scope(); // closes the channel however the task ends
        let mut sent = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            let stop = gochan::select! {
                send(tx, format!("{name} {sent}")) -> r => r.is_err(),
                recv(quit) -> _closed => true, // closed: ready at once
            };
            if stop {
                println!("  {name} stops after {sent} lines");
                return sent;
            }
            sent += 1;
        }
    });
    (rx, task)
}

/// Merges two channels into one; closes it once both are closed and drained.
fn fan_in(a: Receiver<String>, b: Receiver<String>) -> Receiver<String> {
    let (tx, rx) = gochan::rendezvous();
    tokio::spawn(async move {
        let tx = tx.scope();
        // Both open: take whichever is ready. Once one closes, drain the other.
        let rest = loop {
            match gochan::select! {
                recv(a) -> line => (line, &b),
                recv(b) -> line => (line, &a),
            } {
                (Ok(line), _) => tx.send(line).await.expect("the reader drains"),
                (Err(RecvError), other) => break other,
            }
        };
        while let Ok(line) = rest.recv().await {
            tx.send(line).await.expect("the reader drains");
        }
    });
    rx
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (quit_tx, quit) = gochan::rendezvous::<()>();
    let (joe, joe_task) = generator("Joe", 30, quit.clone());
    let (ann, ann_task) = generator("Ann", 50, quit);
    let merged = fan_in(joe, ann);

    let mut lines = Vec::new();
    for _ in 0..N {
        let line = merged.recv().await.expect("the generators run until quit");
        println!("{line}");
        lines.push(line);
    }
    println!("reader: that's enough, closing quit");
    quit_tx.close();
    while let Ok(line) = merged.recv().await {
        println!("{line} (was in flight)");
        lines.push(line);
    }

    let (joe, ann) = (joe_task.await.unwrap(), ann_task.await.unwrap());
    let got = lines.len();
    println!("Joe sent {joe}, Ann sent {ann}, the reader got {got}");
    assert_eq!(joe + ann, got, "nothing lost, nothing twice");
    // Each generator's lines arrive in its own order, interleaved with the other's.
    for (name, sent) in [("Joe", joe), ("Ann", ann)] {
        let own: Vec<_> = lines.iter().filter(|l| l.starts_with(name)).collect();
        let want: Vec<_> = (0..sent).map(|i| format!("{name} {i}")).collect();
        assert!(
            sent > 0 && own == want.iter().collect::<Vec<_>>(),
            "{name}: {own:?}"
        );
    }
}
