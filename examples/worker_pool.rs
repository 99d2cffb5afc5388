//! A worker pool over a bounded MPMC channel, with back-pressure and a clean
//! shutdown.
//!
//! One producer feeds jobs into a channel of capacity 2. Several workers each
//! hold a clone of the `Receiver` and take jobs until the channel is finished;
//! results go out on a second channel. The small capacity gives
//! back-pressure: when the workers fall behind, `send` waits instead of
//! piling jobs up in memory. Shutdown is aiochannel's "closed and drained":
//! the producer's `ScopedSender` closes the job channel when it is done, every
//! worker's `recv` loop ends once the last job is taken, and `join` tells main
//! when that has happened.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

const JOBS: u64 = 20;
const WORKERS: usize = 3;
const CAPACITY: usize = 2;

#[tokio::main]
async fn main() {
    let (job_tx, job_rx) = gochan::bounded::<u64>(CAPACITY);
    let (result_tx, result_rx) = gochan::unbounded::<(usize, u64, u64)>();

    let producer = tokio::spawn(async move {
        let tx = job_tx.scope(); // closes the job channel however this task ends
        let mut waits = 0;
        for job in 1..=JOBS {
            let was_full = tx.is_full();
            let started = Instant::now();
            tx.send(job).await.expect("workers are receiving");
            if was_full {
                waits += 1;
                let waited = started.elapsed();
                println!("producer: channel full, waited {waited:.1?} to send job {job}");
            }
        }
        println!("producer: all {JOBS} jobs sent; the scope closes the job channel");
        waits
    });

    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            let jobs = job_rx.clone();
            let results = result_tx.clone();
            tokio::spawn(async move {
                let mut done = 0;
                // Ends with Err(RecvError) once the job channel is closed and drained.
                while let Ok(job) = jobs.recv().await {
                    // Workers run at different speeds: worker 0 is the fastest.
                    tokio::time::sleep(Duration::from_millis(5 * (id as u64 + 1))).await;
                    results
                        .send((id, job, job * job))
                        .await
                        .expect("main collects");
                    done += 1;
                }
                println!("worker {id}: job channel finished, {done} jobs done");
                done
            })
        })
        .collect();
    // Only the workers hold result senders now: the result channel closes
    // when the last worker finishes.
    drop(result_tx);

    job_rx.join().await;
    assert!(job_rx.is_finished());
    let stats = job_rx.stats();
    println!(
        "main: job channel closed and drained ({} sent, {} received)",
        stats.sent, stats.received
    );
    assert_eq!((stats.sent, stats.received), (JOBS, JOBS));

    let mut per_worker: HashMap<usize, u64> = HashMap::new();
    let mut seen = Vec::new();
    let mut sum_of_squares = 0;
    while let Ok((worker, job, square)) = result_rx.recv().await {
        *per_worker.entry(worker).or_default() += 1;
        seen.push(job);
        sum_of_squares += square;
    }
    assert!(result_rx.is_finished());

    let waits = producer.await.unwrap();
    println!("main: the producer had to wait {waits} times (back-pressure)");
    assert!(
        waits > 0,
        "a capacity-{CAPACITY} channel must push back on the producer"
    );

    for (id, worker) in workers.into_iter().enumerate() {
        let done = worker.await.unwrap();
        let reported = per_worker.get(&id).copied().unwrap_or(0);
        println!("main: worker {id} did {done} jobs");
        assert_eq!(done, reported);
    }

    // Every job was done exactly once.
    seen.sort_unstable();
    assert_eq!(seen, (1..=JOBS).collect::<Vec<_>>());
    assert_eq!(sum_of_squares, (1..=JOBS).map(|j| j * j).sum::<u64>());
    println!(
        "main: {} results, sum of squares {sum_of_squares}",
        seen.len()
    );
}
