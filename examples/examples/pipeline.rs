//! A three-stage pipeline over `mpmc` channels, used directly: producer
//! threads feed tokio tasks, which feed one blocking consumer thread; then a
//! clean shutdown in which nothing accepted is lost.
//!
//! * Stage 1, threads: each producer `send`s (blocking) into `bounded(8)`,
//!   so producers wait while the tasks are behind (backpressure).
//! * Stage 2, tokio tasks: each takes work with `recv_async().await`, does
//!   its (simulated) async I/O, and passes the result on with
//!   `send_async(..).await` into `bounded(4)`. The same channels, the same
//!   handle types, as the threads use.
//! * Stage 3, a thread: `for result in &done` blocks until a result comes,
//!   and ends once every task has dropped its sender and the channel is
//!   drained. It runs on its own thread, not in a task: a blocking receive
//!   on a runtime's worker would stall that worker.
//!
//! Shutdown: after a while `main` closes the first channel. Producers' sends
//! then fail with the message back (they stop), the tasks still get what
//! was queued, then see the channel closed and finish, which closes the
//! second channel for the consumer once it is drained. The counts at each
//! stage must agree.
//!
//! Run it with `cargo run -p oneshot-examples --example pipeline`.

use std::thread;
use std::time::Duration;

const PRODUCERS: u64 = 3;
const TASKS: usize = 4;
const RUN_FOR: Duration = Duration::from_millis(300);

fn main() {
    let (work_tx, work_rx) = mpmc::bounded::<u64>(8);
    let (done_tx, done_rx) = mpmc::bounded::<(u64, u64)>(4);

    // Stage 1: producer threads.
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|id| {
            let work_tx = work_tx.clone();
            thread::spawn(move || {
                let mut accepted = 0_u64;
                let mut n = id;
                // Until the channel is closed: the failed send hands `n`
                // back, and it was never in the channel.
                while work_tx.send(n).is_ok() {
                    accepted += 1;
                    n += PRODUCERS;
                }
                accepted
            })
        })
        .collect();

    // Stage 3: the blocking consumer, on its own thread.
    let consumer = thread::spawn(move || {
        let mut results = 0_u64;
        for (n, square) in &done_rx {
            assert_eq!(square, n * n);
            results += 1;
        }
        results
    });

    // Stage 2: tokio tasks between the two channels.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let processed = runtime.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let work_rx = work_rx.clone();
                let done_tx = done_tx.clone();
                tokio::spawn(async move {
                    let mut processed = 0_u64;
                    // `Err` once the channel is closed *and* drained.
                    while let Ok(n) = work_rx.recv_async().await {
                        // Stand-in for async I/O.
                        tokio::time::sleep(Duration::from_micros(200)).await;
                        if done_tx.send_async((n, n * n)).await.is_err() {
                            break; // the consumer is gone
                        }
                        processed += 1;
                    }
                    processed
                })
            })
            .collect();
        // The tasks hold their own clones; these two must not keep the
        // channels open.
        drop(work_rx);
        drop(done_tx);

        tokio::time::sleep(RUN_FOR).await;
        println!("closing the work channel ({} queued)", work_tx.len());
        work_tx.close();

        let mut processed = 0;
        for task in tasks {
            processed += task.await.expect("a task panicked");
        }
        processed
    });

    let accepted: u64 = producers
        .into_iter()
        .map(|producer| producer.join().expect("a producer panicked"))
        .sum();
    let consumed = consumer.join().expect("the consumer panicked");
    println!("accepted {accepted}, processed {processed}, consumed {consumed}");
    assert_eq!(accepted, processed, "a task lost or invented work");
    assert_eq!(processed, consumed, "the consumer lost or invented results");
}
