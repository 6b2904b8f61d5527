//! One channel type, three pairings: a thread answering a thread, a thread
//! answering a tokio task, and a task answering a thread. Each step prints
//! what happens.
//!
//! Run it with `cargo run -p oneshot-examples --example threads_and_tasks`.

use std::thread;
use std::time::Duration;

/// A worker thread computes an answer; the main thread blocks in `recv`.
fn thread_to_thread() {
    println!("1. thread -> thread");
    let (sender, receiver) = oneshot::channel();
    let worker = thread::spawn(move || {
        let answer: u64 = (1..=20).sum();
        println!("   worker thread: sending {answer}");
        sender.send(answer).expect("the main thread is waiting");
    });
    match receiver.recv() {
        Ok(answer) => println!("   main thread: received {answer}"),
        Err(error) => println!("   main thread: {error}"),
    }
    worker.join().expect("the worker thread does not panic");

    // A worker that gives up without answering: the receiver learns it.
    let (sender, receiver) = oneshot::channel::<u64>();
    thread::spawn(move || drop(sender))
        .join()
        .expect("the worker thread does not panic");
    println!("   a worker that dropped its sender: {:?}", receiver.recv());
}

/// A tokio task awaits the receiver while a plain thread sends.
async fn thread_answers_task() {
    println!("2. thread -> tokio task");
    let (sender, mut receiver) = oneshot::channel();
    let worker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        println!("   worker thread: sending the report");
        sender
            .send(String::from("report from a thread"))
            .expect("the task is waiting");
    });
    // Awaiting `&mut receiver` is cancel-safe: a timeout that gives up
    // leaves the receiver, and any message, in place for the next await.
    match tokio::time::timeout(Duration::from_millis(5), &mut receiver).await {
        Ok(report) => println!("   task: the report came early: {report:?}"),
        Err(_) => println!("   task: nothing after 5 ms, waiting on"),
    }
    let report = receiver.await;
    println!("   task: received {report:?}");
    tokio::task::spawn_blocking(move || worker.join().expect("the worker thread does not panic"))
        .await
        .expect("joining does not panic");
}

/// A plain thread blocks in `recv` while a tokio task sends.
fn task_answers_thread(runtime: &tokio::runtime::Runtime) {
    println!("3. tokio task -> thread");
    let (sender, receiver) = oneshot::channel();
    let waiting_thread = thread::spawn(move || {
        println!("   thread: blocking until the task answers");
        let answer = receiver.recv();
        println!("   thread: received {answer:?}");
    });
    runtime.block_on(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        println!("   task: sending the answer");
        sender.send(42).expect("the thread is waiting");
    });
    waiting_thread.join().expect("the thread does not panic");
}

fn main() {
    thread_to_thread();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(thread_answers_task());
    task_answers_thread(&runtime);
    println!("done");
}
