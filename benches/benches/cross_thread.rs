//! Cross-thread and runtime scenarios, one criterion group per scenario and
//! one function per channel. These swing run to run (scheduling, wake-up
//! latency): `benches/scripts/run-all.sh` runs them three times and reports
//! the spread.
//!
//! Run: `cargo bench -p oneshot-benches --bench cross_thread`

use std::hint::black_box;
use std::time::Instant;

#[macro_use]
mod common;

use common::{config, Group};
use criterion::{criterion_group, criterion_main, Criterion};
use oneshot_benches::channels::{
    Awaitable, Blocking, Crossbeam, Flume, Futures, OneshotCrate, Ours, Std, Tokio,
};
use oneshot_benches::scenarios;
use oneshot_benches::worker::{Idle, Worker};

/// A worker thread answers a fresh channel per operation while this thread
/// blocks in the receive (`futures`: `block_on`; `tokio`: `blocking_recv`).
fn thread_worker(c: &mut Criterion, name: &str, idle: Idle) {
    fn one<C: Blocking>(g: &mut Group<'_>, idle: Idle) {
        let worker = Worker::<C::Sender<u64>>::new(idle, |sender| C::send(sender, 7));
        g.bench_function(C::NAME, |b| {
            b.iter(|| scenarios::thread_round_trip::<C>(&worker))
        });
    }
    let mut g = c.benchmark_group(name);
    each!(one, (&mut g, idle); Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std);
    g.finish();
}

fn thread_spin_worker(c: &mut Criterion) {
    thread_worker(c, "thread_spin_worker", Idle::Spin);
}

fn thread_park_worker(c: &mut Criterion) {
    thread_worker(c, "thread_park_worker", Idle::Park);
}

/// A parking worker thread answers a task awaiting on tokio's current-thread
/// runtime.
fn tokio_current_thread(c: &mut Criterion) {
    fn one<C: Awaitable>(g: &mut Group<'_>) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime");
        let worker = Worker::<C::Sender<u64>>::new(Idle::Park, |sender| C::send(sender, 7));
        g.bench_function(C::NAME, |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(scenarios::task_from_thread::<C>(&worker).await);
                    }
                    start.elapsed()
                })
            })
        });
    }
    let mut g = c.benchmark_group("tokio_current_thread");
    // crossbeam and std have no future.
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Flume);
    g.finish();
}

/// Task to task on tokio's multi-thread runtime (2 workers): each operation
/// spawns a task that sends, and awaits the receiver. Spawning dominates.
fn tokio_multi_thread(c: &mut Criterion) {
    fn one<C: Awaitable>(g: &mut Group<'_>) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("tokio runtime");
        g.bench_function(C::NAME, |b| {
            b.iter_custom(|iters| {
                runtime.block_on(async {
                    let task = tokio::spawn(async move {
                        let start = Instant::now();
                        for _ in 0..iters {
                            black_box(scenarios::task_to_task::<C>(black_box(7)).await);
                        }
                        start.elapsed()
                    });
                    task.await.expect("the measuring task panicked")
                })
            })
        });
    }
    let mut g = c.benchmark_group("tokio_multi_thread");
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Flume);
    g.finish();
}

criterion_group! {
    name = cross_thread;
    config = config();
    targets = thread_spin_worker, thread_park_worker, tokio_current_thread, tokio_multi_thread
}
criterion_main!(cross_thread);
