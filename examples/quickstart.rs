//! A producer and a consumer on a bounded channel, then `join`: the channel
//! is finished once it is closed and drained.

#[tokio::main]
async fn main() {
    let (tx, rx) = gochan::bounded(4);

    let producer = tokio::spawn(async move {
        for i in 1..=5 {
            tx.send(i).await.expect("the consumer is alive");
            println!("sent {i}");
        }
        tx.close(); // no more values; the buffered ones can still be received
        println!("producer closed the channel");
    });

    let consumer = tokio::spawn({
        let rx = rx.clone();
        async move {
            let mut sum = 0;
            while let Ok(v) = rx.recv().await {
                println!("received {v}");
                sum += v;
            }
            sum
        }
    });

    rx.join().await; // resolves once the channel is closed and drained
    println!("channel finished: closed and drained");
    producer.await.unwrap();
    println!("sum = {}", consumer.await.unwrap());
}
