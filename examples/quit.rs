//! The "receive on quit" pattern from Rob Pike's "Go Concurrency Patterns",
//! with `gochan::select!`.
//!
//! A generator selects between sending its next line and receiving on a
//! `quit` channel. When the reader has had enough it sends "Bye!" on `quit`;
//! the generator's receive case wins, it cleans up, and confirms back on the
//! same channel ("See you!") so the reader knows the cleanup is done before it
//! goes on. The generator's send case that lost sent nothing: the reader got
//! exactly the lines the generator counts as sent, and nothing is left in the
//! channel.
//!
//! Runs on tokio's paused clock: the sleeps take no real time.

use std::time::Duration;

use gochan::{Receiver, RecvError, Sender};
use tokio::task::JoinHandle;

/// Says "msg: i" every 100 ms until told to quit; returns how many it said.
fn boring(
    msg: &'static str,
    quit: (Sender<String>, Receiver<String>),
) -> (Receiver<String>, JoinHandle<usize>) {
    let (tx, c) = gochan::rendezvous();
    let task = tokio::spawn(async move {
        let tx = tx.scope(); // closes `c` when the generator returns
        let (quit_tx, quit_rx) = quit;
        let mut said = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            gochan::select! {
                send(tx, format!("{msg}: {said}")) -> r => {
                    r.expect("the reader listens until it says bye");
                    said += 1;
                }
                recv(quit_rx) -> bye => {
                    println!("{msg} hears {:?}, cleans up", bye.expect("quit stays open"));
                    tokio::time::sleep(Duration::from_millis(50)).await; // cleanup()
                    quit_tx.send("See you!".into()).await.expect("the reader waits");
                    return said;
                }
            }
        }
    });
    (c, task)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (quit_tx, quit_rx) = gochan::rendezvous::<String>();
    let (c, joe) = boring("Joe", (quit_tx.clone(), quit_rx.clone()));

    let wanted = 5;
    for i in 0..wanted {
        let line = c.recv().await.expect("Joe talks until told to quit");
        println!("{line}");
        assert_eq!(line, format!("Joe: {i}"));
    }
    quit_tx
        .send("Bye!".into())
        .await
        .expect("Joe listens on quit");
    let reply = quit_rx.recv().await.expect("Joe confirms");
    println!("Joe says: {reply:?}");
    assert_eq!(reply, "See you!");

    // Joe is done: his channel closed, and no line slipped out unread.
    assert_eq!(c.recv().await, Err(RecvError));
    let said = joe.await.unwrap();
    println!("Joe said {said} lines, the reader heard {wanted}");
    assert_eq!(said, wanted);
    assert_eq!(c.stats().sent, wanted as u64);
}
