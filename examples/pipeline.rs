//! A pipeline in the `futures` style: a stream is forwarded into a gochan
//! channel through `Sender::into_sink`, a pool of workers consumes the
//! channel as streams and forwards their results into a second channel, and
//! the results are collected through a user sink (`futures::sink::unfold`).
//!
//! Each `forward` closes its sink when its stream ends; an owned gochan sink
//! closes by dropping its `Sender`, so the first channel closes when the
//! source is done, and the second when the last worker is done. Nothing is
//! lost on the way: the program checks that every input arrives exactly once.

use futures::{SinkExt, StreamExt};

const INPUTS: u64 = 1_000;
const WORKERS: usize = 4;

#[tokio::main]
async fn main() {
    // Stage 1: a bounded channel gives the source back-pressure.
    let (jobs_tx, jobs_rx) = gochan::bounded::<u64>(16);
    let source = tokio::spawn(
        futures::stream::iter(1..=INPUTS)
            .map(Ok)
            .forward(jobs_tx.into_sink()),
    );

    // Stage 2: workers take turns on the jobs (each value to one of them) and
    // send (worker, n, n²) into a rendezvous channel.
    let (results_tx, results_rx) = gochan::rendezvous::<(usize, u64, u64)>();
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            let jobs = jobs_rx.clone();
            let results = results_tx.clone().into_sink();
            tokio::spawn(jobs.map(move |n| Ok((id, n, n * n))).forward(results))
        })
        .collect();
    drop((jobs_rx, results_tx)); // the workers hold the only handles now

    // Stage 3: a plain `futures` sink that folds the results.
    let mut per_worker = [0usize; WORKERS];
    let mut seen = vec![false; INPUTS as usize + 1];
    let mut sum = 0u64;
    let collector = futures::sink::unfold((), |(), (id, n, square): (usize, u64, u64)| {
        assert_eq!(square, n * n);
        assert!(!std::mem::replace(&mut seen[n as usize], true), "{n} twice");
        per_worker[id] += 1;
        sum += square;
        async { Ok::<_, gochan::SendError<(usize, u64, u64)>>(()) }
    });
    futures::pin_mut!(collector);
    results_rx.map(Ok).forward(&mut collector).await.unwrap();
    collector.close().await.unwrap();

    source.await.unwrap().unwrap();
    for w in workers {
        w.await.unwrap().unwrap();
    }

    assert!(seen[1..].iter().all(|&s| s), "every input arrived");
    let want: u64 = (1..=INPUTS).map(|n| n * n).sum();
    assert_eq!(sum, want);
    assert_eq!(per_worker.iter().sum::<usize>(), INPUTS as usize);
    println!("sum of squares of 1..={INPUTS}: {sum} (expected {want})");
    for (id, count) in per_worker.iter().enumerate() {
        println!("worker {id} squared {count} numbers");
    }
}
