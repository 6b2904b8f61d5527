//! The workload for the deterministic counts: runs one scenario for one
//! channel, with the part to be counted inside [`measured_region`], so that
//! callgrind counts only that part.
//!
//! The `queue_*` cases are the queue channels' (`mpmc` as `ours`, and its
//! peers): one uncontended `try_send` + `try_recv` of a `u64` on one thread,
//! on a channel made once, before the warm-up.
//!
//! ```text
//! counts CASE CHANNEL ITERATIONS
//! ```
//!
//! It is meant to run under
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=*measured_region*`
//! (see `benches/scripts/counts.py`, which also divides by ITERATIONS,
//! subtracts the `baseline` case and finds the locked instructions). Run
//! alone it does the same work, uncounted.
//!
//! Every case first runs its operation a few times uncounted, so one-off
//! set-up (malloc's first chunk, thread-locals) is not in the figures. This
//! binary keeps the system allocator: a counting one would add its own
//! atomic instructions.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Waker};

use oneshot_benches::channels::{
    Awaitable, Channel, Crossbeam, Flume, Futures, OneshotCrate, Ours, Std, Timeout, Tokio,
};
use oneshot_benches::queues::{Cap, Queue};
use oneshot_benches::scenarios::{self, Big};
use oneshot_benches::with_queue;

/// callgrind collects from entry to exit of this function (by name). The
/// closure is called through `dyn`, so its body is compiled once and the
/// warm-up runs the very same code; the call costs a few instructions, which
/// the `baseline` case measures and the script subtracts.
#[inline(never)]
fn measured_region(f: &mut dyn FnMut()) {
    f();
}

/// Runs `f` inside the counted region, or plainly during the warm-up.
#[inline(always)]
fn region(counted: bool, mut f: impl FnMut()) {
    let f: &mut dyn FnMut() = &mut f;
    if counted {
        measured_region(f);
    } else {
        f();
    }
}

/// The empty region: its count is the overhead of [`measured_region`].
fn baseline(counted: bool) {
    region(counted, || {});
}

fn create_drop<C: Channel>(counted: bool) {
    region(counted, scenarios::create_drop::<C>);
}

fn send_recv_u64<C: Channel>(counted: bool) {
    region(counted, || {
        black_box(scenarios::send_recv::<C, u64>(black_box(7)));
    });
}

fn send_recv_128b<C: Channel>(counted: bool) {
    region(counted, || {
        black_box(scenarios::send_recv::<C, Big>(black_box([7; 128])));
    });
}

fn send_drop_receiver<C: Channel>(counted: bool) {
    region(counted, || {
        scenarios::send_drop_receiver::<C, u64>(black_box(7))
    });
}

fn poll_pending_send_ready<C: Awaitable>(counted: bool) {
    region(counted, || {
        black_box(scenarios::poll_pending_send_ready::<C>(black_box(7)));
    });
}

fn recv_timeout_ok<C: Timeout>(counted: bool) {
    region(counted, || {
        black_box(scenarios::recv_timeout_ok::<C>(black_box(7)));
    });
}

fn recv_timeout_zero<C: Timeout>(counted: bool) {
    region(counted, scenarios::recv_timeout_zero::<C>);
}

/// Ours only: a `try_recv` that finds nothing (only the `try_recv` counted).
fn try_recv_empty(counted: bool) {
    let (sender, receiver) = oneshot::channel::<u64>();
    region(counted, || {
        assert!(black_box(&receiver).try_recv().is_err());
    });
    drop((sender, receiver));
}

/// Ours only: a `try_recv` that finds the message (only it counted).
fn try_recv_message(counted: bool) {
    let (sender, receiver) = oneshot::channel::<u64>();
    sender.send(black_box(7)).expect("receiver alive");
    region(counted, || {
        black_box(black_box(&receiver).try_recv().expect("message sent"));
    });
    drop(receiver);
}

/// Ours only: a second poll, `Pending`, with a waker that `will_wake` the
/// stored one (only the second poll counted).
fn repoll_same_waker(counted: bool) {
    let (sender, mut receiver) = oneshot::channel::<u64>();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut receiver).poll(&mut cx).is_pending());
    region(counted, || {
        assert!(Pin::new(&mut receiver).poll(&mut cx).is_pending());
    });
    drop((sender, receiver));
}

/// A queue channel's `try_send` + `try_recv` (both counted), on a channel
/// of capacity `cap` made once; `None` if the channel has no such capacity.
fn queue_try<Q: Queue>(cap: Cap) -> Option<Box<dyn FnMut(bool)>> {
    let (tx, mut rx) = Q::make::<u64>(cap)?;
    Some(Box::new(move |counted| {
        region(counted, || {
            assert!(Q::try_send(&tx, black_box(7)).is_ok(), "room");
            black_box(Q::try_recv(&mut rx).expect("sent"));
        });
    }))
}

/// The queue cases, by name.
fn queue_case(case: &str, channel: &str) -> Option<Box<dyn FnMut(bool)>> {
    let cap = match case {
        "queue_bounded1" => Cap::Bounded(1),
        "queue_bounded100" => Cap::Bounded(100),
        "queue_unbounded" => Cap::Unbounded,
        _ => return None,
    };
    with_queue!(channel, Q => queue_try::<Q>(cap)).flatten()
}

/// The cases, each with the channels it applies to. `None` if unknown.
fn case(case: &str, channel: &str) -> Option<fn(bool)> {
    /// Picks `$f::<C>` for the channel named `channel`.
    macro_rules! pick {
        ($f:ident; $($c:ty),+) => {{
            $( if channel == <$c as Channel>::NAME { return Some($f::<$c>); } )+
            None
        }};
    }
    match case {
        "baseline" => Some(baseline),
        "create_drop" => {
            pick!(create_drop; Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std)
        }
        "send_recv_u64" => {
            pick!(send_recv_u64; Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std)
        }
        "send_recv_128b" => {
            pick!(send_recv_128b; Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std)
        }
        "send_drop_receiver" => {
            pick!(send_drop_receiver; Ours, OneshotCrate, Tokio, Futures, Crossbeam, Flume, Std)
        }
        "poll_pending_send_ready" => {
            pick!(poll_pending_send_ready; Ours, OneshotCrate, Tokio, Futures, Flume)
        }
        "recv_timeout_ok" => pick!(recv_timeout_ok; Ours, OneshotCrate, Crossbeam, Flume, Std),
        "recv_timeout_zero" => {
            pick!(recv_timeout_zero; Ours, OneshotCrate, Crossbeam, Flume, Std)
        }
        "try_recv_empty" if channel == Ours::NAME => Some(try_recv_empty),
        "try_recv_message" if channel == Ours::NAME => Some(try_recv_message),
        "repoll_same_waker" if channel == Ours::NAME => Some(repoll_same_waker),
        _ => None,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, channel, iterations] = args.as_slice() else {
        eprintln!("usage: counts CASE CHANNEL ITERATIONS");
        return ExitCode::from(2);
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        eprintln!("ITERATIONS must be a number, not {iterations:?}");
        return ExitCode::from(2);
    };
    let run: Option<Box<dyn FnMut(bool)>> = if name.starts_with("queue_") {
        queue_case(name, channel)
    } else {
        case(name, channel).map(|f| Box::new(f) as Box<dyn FnMut(bool)>)
    };
    let Some(mut run) = run else {
        eprintln!("no case {name:?} for channel {channel:?}");
        return ExitCode::from(3);
    };
    for _ in 0..20 {
        run(false);
    }
    for _ in 0..iterations {
        run(true);
    }
    ExitCode::SUCCESS
}
