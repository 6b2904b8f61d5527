//! A pool of worker threads serving slow jobs. Callers wait with
//! `recv_timeout` and give up; a worker that picks up a job whose caller
//! has gone sees `is_abandoned()` and skips the work.
//!
//! Run it with `cargo run -p oneshot-examples --example worker_pool`.

use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use oneshot::{oneshot_reply, RecvTimeoutError};

/// Compute the sum of the squares up to `n`, slowly.
#[oneshot_reply(u64)]
struct SumOfSquares {
    n: u64,
}

const WORKERS: usize = 2;
const WORK_TIME: Duration = Duration::from_millis(200);

fn worker(id: usize, jobs: Arc<Mutex<mpsc::Receiver<SumOfSquares>>>) {
    loop {
        let job = match jobs.lock().unwrap().recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        if job.is_abandoned() {
            println!(
                "  [worker {id}] n = {}: the caller gave up, skipping",
                job.n
            );
            continue;
        }
        println!("  [worker {id}] n = {}: working", job.n);
        thread::sleep(WORK_TIME);
        let sum = (1..=job.n).map(|i| i * i).sum();
        if job.reply(sum).is_err() {
            println!("  [worker {id}] the caller left while we worked");
        }
    }
}

fn main() {
    let (queue, jobs) = mpsc::channel();
    let jobs = Arc::new(Mutex::new(jobs));
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            let jobs = Arc::clone(&jobs);
            thread::spawn(move || worker(id, jobs))
        })
        .collect();

    // Six callers, two workers: each job takes 200 ms, so the last callers
    // wait at least 400 ms. Patient callers wait a second; impatient ones
    // give up after 50 ms, before a worker is free, and their jobs are skipped.
    let callers: Vec<_> = (1..=6u64)
        .map(|n| {
            let queue = queue.clone();
            let patience = if n % 2 == 0 { 1000 } else { 50 };
            thread::spawn(move || {
                let (job, answer) = SumOfSquares::new(n * 10);
                queue.send(job).unwrap();
                match answer.recv_timeout(Duration::from_millis(patience)) {
                    Ok(sum) => println!("caller {n}: sum of squares to {} = {sum}", n * 10),
                    Err(RecvTimeoutError::Timeout) => {
                        println!("caller {n}: no answer within {patience} ms, giving up");
                    }
                    Err(RecvTimeoutError::Disconnected) => println!("caller {n}: job dropped"),
                }
                // `answer` is dropped here: the job is now abandoned.
            })
        })
        .collect();
    for caller in callers {
        caller.join().unwrap();
    }

    drop(queue);
    for worker in workers {
        worker.join().unwrap();
    }
    println!("all workers done");
}
