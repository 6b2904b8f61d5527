//! Single-thread scenarios, one criterion group per scenario and one
//! function per channel, so each group reads as a table. A channel that
//! lacks the scenario's operation is absent (the summary prints "n/a").
//!
//! Run: `cargo bench -p oneshot-benches --bench single_thread`
//! (`benches/scripts/run-all.sh` runs everything and prints the summary).

use std::hint::black_box;

#[macro_use]
mod common;

use common::{config, Group};
use criterion::{criterion_group, criterion_main, Criterion};
use oneshot_benches::channels::{
    Awaitable, Channel, Crossbeam, Flume, Futures, OneshotCrate, Ours, Std, Timeout, Tokio,
};
use oneshot_benches::scenarios::{self, Big};

fn create_drop(c: &mut Criterion) {
    fn one<C: Channel>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| b.iter(scenarios::create_drop::<C>));
    }
    let mut g = c.benchmark_group("create_drop");
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std);
    g.finish();
}

fn send_recv_u64(c: &mut Criterion) {
    fn one<C: Channel>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| {
            b.iter(|| scenarios::send_recv::<C, u64>(black_box(7)))
        });
    }
    let mut g = c.benchmark_group("send_recv_u64");
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std);
    g.finish();
}

fn send_recv_128b(c: &mut Criterion) {
    fn one<C: Channel>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| {
            b.iter(|| scenarios::send_recv::<C, Big>(black_box([7; 128])))
        });
    }
    let mut g = c.benchmark_group("send_recv_128b");
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std);
    g.finish();
}

fn send_drop_receiver(c: &mut Criterion) {
    fn one<C: Channel>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| {
            b.iter(|| scenarios::send_drop_receiver::<C, u64>(black_box(7)))
        });
    }
    let mut g = c.benchmark_group("send_drop_receiver");
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std);
    g.finish();
}

fn poll_pending_send_ready(c: &mut Criterion) {
    fn one<C: Awaitable>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| {
            b.iter(|| scenarios::poll_pending_send_ready::<C>(black_box(7)))
        });
    }
    let mut g = c.benchmark_group("poll_pending_send_ready");
    // crossbeam and std have no future.
    each!(one, (&mut g); Ours, OneshotCrate, Tokio, Futures, Flume);
    g.finish();
}

fn recv_timeout_ok(c: &mut Criterion) {
    fn one<C: Timeout>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| {
            b.iter(|| scenarios::recv_timeout_ok::<C>(black_box(7)))
        });
    }
    let mut g = c.benchmark_group("recv_timeout_ok");
    // tokio and futures have no timed receive without a runtime.
    each!(one, (&mut g); Ours, OneshotCrate, Crossbeam, Flume, Std);
    g.finish();
}

fn recv_timeout_zero(c: &mut Criterion) {
    fn one<C: Timeout>(g: &mut Group<'_>) {
        g.bench_function(C::NAME, |b| b.iter(scenarios::recv_timeout_zero::<C>));
    }
    let mut g = c.benchmark_group("recv_timeout_zero");
    each!(one, (&mut g); Ours, OneshotCrate, Crossbeam, Flume, Std);
    g.finish();
}

criterion_group! {
    name = single_thread;
    config = config();
    targets = create_drop, send_recv_u64, send_recv_128b, send_drop_receiver,
        poll_pending_send_ready, recv_timeout_ok, recv_timeout_zero
}
criterion_main!(single_thread);
