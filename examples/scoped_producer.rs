//! A scoped producer: the `async with channel` of sav.channels and
//! pychanasync, as a drop guard.
//!
//! `tx.scope()` turns a `Sender` into a `ScopedSender` that closes the channel
//! when it is dropped, however the producer ends: at the end of its scope, by
//! an early return through `?`, or by a panic. Even while other `Sender`s are
//! alive, the consumer's loop then ends cleanly instead of waiting forever.
//! The consumer reads the `Receiver` as a `Stream`, the Rust spelling of
//! `async for item in channel`.

use std::error::Error;

use gochan::{Receiver, ScopedSender};
use tokio_stream::StreamExt;

/// `async for v in rx: ...`: collects until the channel is closed and drained.
async fn consume<T: std::fmt::Debug>(name: &str, mut rx: Receiver<T>) -> Vec<T> {
    let mut got = Vec::new();
    while let Some(v) = rx.next().await {
        println!("  {name}: got {v:?}");
        got.push(v);
    }
    println!("  {name}: stream ended (closed and drained)");
    assert!(rx.is_finished());
    got
}

/// Fails midway: the `?` returns early, and dropping `tx` closes the channel.
async fn parse_all(tx: ScopedSender<u32>, lines: &[&str]) -> Result<(), Box<dyn Error>> {
    for line in lines {
        tx.send(line.parse()?).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    // 1. Normal end of scope, with `deliver` (sav.channels' `itemize`): each
    //    call resolves only once the consumer has taken the value, even though
    //    the channel has room to buffer all of them.
    println!("1. the scope ends normally; every value is delivered");
    let (tx, rx) = gochan::bounded(8);
    let consumer = tokio::spawn(consume("consumer", rx));
    {
        let tx = tx.scope();
        for (n, word) in ["One", "Two", "The end"].into_iter().enumerate() {
            tx.deliver(word).await.expect("the consumer is alive");
            let taken = tx.stats().received;
            println!("  producer: {word:?} delivered ({taken} taken so far)");
            assert_eq!(taken, n as u64 + 1, "deliver resolved before the take");
        }
    } // the scope closes the channel here
    assert_eq!(consumer.await.unwrap(), ["One", "Two", "The end"]);

    // 2. Early return through `?`: the third line does not parse.
    println!("2. the producer fails midway and returns early with `?`");
    let (tx, rx) = gochan::bounded(1);
    let consumer = tokio::spawn(consume("consumer", rx));
    let result = parse_all(tx.scope(), &["1", "2", "three", "4"]).await;
    println!("  producer: returned {result:?}");
    assert!(result.unwrap_err().is::<std::num::ParseIntError>());
    assert_eq!(consumer.await.unwrap(), [1, 2]);

    // 3. A panicking producer task. `keep` is another live Sender, so only the
    //    scope guard can close the channel: it does so while the task unwinds.
    println!("3. the producer task panics");
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let msg = info.payload().downcast_ref::<&str>().unwrap_or(&"?");
        println!("  producer: panicked: {msg}");
    }));
    let (tx, rx) = gochan::bounded(1);
    let keep = tx.clone();
    let consumer = tokio::spawn(consume("consumer", rx));
    let producer = tokio::spawn(async move {
        let tx = tx.scope();
        for i in 1..=2 {
            tx.send(i).await.expect("the consumer is alive");
        }
        panic!("producer bug after 2 values");
    });
    let err = producer.await.unwrap_err();
    std::panic::set_hook(default_hook);
    assert!(err.is_panic());
    println!("  main: the producer task ended with a panic");
    assert_eq!(consumer.await.unwrap(), [1, 2]);
    assert!(keep.is_closed());
    let refused = keep.send(3).await.unwrap_err();
    println!(
        "  main: a late send is refused, value handed back: {}",
        refused.0
    );
    assert_eq!(refused.into_inner(), 3);

    println!("all three consumers ended cleanly");
}
