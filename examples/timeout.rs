//! Timeouts with `gochan::select!`'s `default(duration)`, after Rob Pike's
//! "Go Concurrency Patterns": a timeout per message ("You're too slow"), and
//! one for the whole conversation ("You talk too much").
//!
//! `default(d)` waits at most `d` for a case to happen. Go writes
//! `case <-time.After(d)`; a deadline for the whole conversation is
//! `default(deadline - now)`. When the timeout wins, the speaker's next line
//! was not taken; once the listener drops its receiver the channel is
//! closed, and the speaker's send hands the line back in its `SendError`.
//!
//! Runs on tokio's paused clock: the waits take no real time and the times
//! printed are exact.

use std::time::Duration;

use gochan::Receiver;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Says numbered lines after the given pauses (ms), then one more every
/// `every` ms, until nobody listens; returns the line it could not say.
fn speaker(pauses: &'static [u64], every: u64) -> (Receiver<String>, JoinHandle<String>) {
    let (tx, rx) = gochan::rendezvous();
    let task = tokio::spawn(async move {
        for i in 0.. {
            let pause = pauses.get(i).copied().unwrap_or(every);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            if let Err(unsaid) = tx.send(format!("Joe {i}")).await {
                return unsaid.into_inner();
            }
        }
        unreachable!()
    });
    (rx, task)
}

fn ms(start: Instant) -> u128 {
    start.elapsed().as_millis()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // A timeout for each message: the fourth line takes 1.2 s, too long.
    let start = Instant::now();
    let (joe, joe_task) = speaker(&[100, 300, 200, 1_200], 100);
    let mut heard = 0;
    loop {
        gochan::select! {
            recv(joe) -> line => {
                println!("{:>5} ms  {}", ms(start), line.unwrap());
                heard += 1;
            }
            default(Duration::from_secs(1)) => {
                println!("{:>5} ms  You're too slow.", ms(start));
                break;
            }
        }
    }
    assert_eq!(heard, 3);
    assert_eq!(ms(start), 100 + 300 + 200 + 1_000);
    drop(joe); // closes the channel: Joe's pending send fails
    let unsaid = joe_task.await.unwrap();
    println!("          (Joe keeps his unsaid line: {unsaid:?})");
    assert_eq!(unsaid, "Joe 3");

    // A timeout for the whole conversation: 2 s, whatever the pace.
    let start = Instant::now();
    let deadline = start + Duration::from_secs(2);
    let (joe, joe_task) = speaker(&[], 450);
    let mut heard = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        gochan::select! {
            recv(joe) -> line => {
                let line = line.unwrap();
                println!("{:>5} ms  {line}", ms(start));
                heard.push(line);
            }
            default(left) => {
                println!("{:>5} ms  You talk too much.", ms(start));
                break;
            }
        }
    }
    assert_eq!(heard, ["Joe 0", "Joe 1", "Joe 2", "Joe 3"]); // at 450, 900, 1350, 1800 ms
    assert_eq!(ms(start), 2_000);
    drop(joe);
    assert_eq!(
        joe_task.await.unwrap(),
        "Joe 4",
        "the line in progress came back"
    );
}
