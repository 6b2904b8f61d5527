//! The memory report: heap allocations, bytes and frees per channel, and the
//! size of each handle, for every channel in the benchmarks: the oneshot
//! channels, and the queue channels (`mpmc` and its peers: per message and
//! per waiter, see `memory-report/queues.rs`).
//!
//! A counting global allocator wraps the system allocator. Each figure is
//! measured over many repetitions of a scenario after a warm-up (so one-off
//! thread-local set-up is not counted) and divided by the repetitions.
//!
//! ```text
//! cargo run --profile bench -p oneshot-benches --bin memory-report            # Markdown tables
//! cargo run --profile bench -p oneshot-benches --bin memory-report -- --json FILE
//! cargo run --profile bench -p oneshot-benches --bin memory-report -- --check  # CI budgets
//! ```
//!
//! `--check` fails (exit code 1) unless our channels stay within their
//! issues' budgets; each failure names the scenario and the figure:
//! * `oneshot`: one allocation per channel, at most 40 bytes for `u64` and 96
//!   for `[u8; 64]`, pointer-sized handles and `Option`s of them, no leak;
//! * `mpmc`: no allocation per message on `bounded(100)`, at most one per 16
//!   messages on `unbounded`, none per waiting thread or pending future
//!   (senders on a full `bounded(1)`, receivers on an empty one), and
//!   pointer-sized handles and `Option`s of them. With `--check` the queue
//!   peers are not measured (the full report has them).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;
use std::hint::black_box;
use std::mem::size_of;
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;

use oneshot_benches::channels::{
    Awaitable, Channel, Crossbeam, Flume, Futures, OneshotCrate, Ours, Std, Tokio,
};
use oneshot_benches::scenarios::{self, Big};

#[path = "memory-report/queues.rs"]
mod queues;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set while this thread's own allocations are not to be counted (the
    /// report's bookkeeping while other threads are being measured).
    static IGNORE: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread's allocations are counted now.
#[inline]
fn counted() -> bool {
    // A thread being torn down counts (`try_with` fails only then).
    !IGNORE.try_with(Cell::get).unwrap_or(false)
}

/// While alive, this thread's allocations and frees are not counted.
struct Ignore(bool);

impl Ignore {
    fn new() -> Self {
        Ignore(IGNORE.with(|c| c.replace(true)))
    }
}

impl Drop for Ignore {
    fn drop(&mut self) {
        IGNORE.with(|c| c.set(self.0));
    }
}

/// The three counters at one moment.
#[derive(Debug, Clone, Copy)]
struct Snapshot([usize; 3]);

fn snapshot() -> Snapshot {
    // ORDERING: Relaxed: plain counters; the measured threads' increments
    // are ordered before this read by the synchronisation that ends their
    // measured part (a futex sleep observed through /proc, or same thread).
    Snapshot([
        ALLOCS.load(Relaxed),
        BYTES.load(Relaxed),
        FREES.load(Relaxed),
    ])
}

impl Snapshot {
    /// The use between `before` and `self`, divided by `per`.
    fn since(&self, before: &Snapshot, per: usize) -> Usage {
        let per_op = |i: usize| (self.0[i] - before.0[i]) as f64 / per as f64;
        Usage {
            allocs: per_op(0),
            bytes: per_op(1),
            frees: per_op(2),
        }
    }
}

/// Counts every allocation, its requested size, and every free; a `realloc`
/// counts as one free and one allocation of the new size. A thread inside
/// an [`Ignore`] is not counted.
struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are ours; the counters are only
// bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            // ORDERING: Relaxed: plain counters (see `snapshot`).
            ALLOCS.fetch_add(1, Relaxed);
            // ORDERING: Relaxed, as above.
            BYTES.fetch_add(layout.size(), Relaxed);
        }
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if counted() {
            // ORDERING: Relaxed, as in `alloc`.
            ALLOCS.fetch_add(1, Relaxed);
            // ORDERING: Relaxed, as in `alloc`.
            BYTES.fetch_add(layout.size(), Relaxed);
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            // ORDERING: Relaxed, as in `alloc`.
            FREES.fetch_add(1, Relaxed);
        }
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            // ORDERING: Relaxed, as in `alloc`.
            FREES.fetch_add(1, Relaxed);
            // ORDERING: Relaxed, as in `alloc`.
            ALLOCS.fetch_add(1, Relaxed);
            // ORDERING: Relaxed, as in `alloc`.
            BYTES.fetch_add(new_size, Relaxed);
        }
        // SAFETY: forwarded unchanged; `ptr` came from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocation figures per operation of a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Usage {
    allocs: f64,
    bytes: f64,
    frees: f64,
}

const REPS: usize = 1000;

/// Runs `op` a few times to warm up, then `REPS` times counted.
fn usage(mut op: impl FnMut()) -> Usage {
    for _ in 0..10 {
        op();
    }
    // ORDERING: Relaxed: single-threaded reads of plain counters.
    let before = [
        ALLOCS.load(Relaxed),
        BYTES.load(Relaxed),
        FREES.load(Relaxed),
    ];
    for _ in 0..REPS {
        op();
    }
    // ORDERING: Relaxed, as above.
    let after = [
        ALLOCS.load(Relaxed),
        BYTES.load(Relaxed),
        FREES.load(Relaxed),
    ];
    let per_op = |i: usize| (after[i] - before[i]) as f64 / REPS as f64;
    Usage {
        allocs: per_op(0),
        bytes: per_op(1),
        frees: per_op(2),
    }
}

/// One channel's row.
#[derive(Debug)]
struct Row {
    name: &'static str,
    u64: Usage,
    b64: Usage,
    b128: Usage,
    /// Poll `Pending` + send + poll `Ready` with a no-op waker, if the
    /// channel has a future.
    poll: Option<Usage>,
    sender: usize,
    receiver: usize,
    option_sender: usize,
    option_receiver: usize,
}

fn row<C: Channel>(poll: Option<Usage>) -> Row {
    Row {
        name: C::NAME,
        u64: usage(|| {
            black_box(scenarios::send_recv::<C, u64>(black_box(7)));
        }),
        b64: usage(|| {
            black_box(scenarios::send_recv::<C, [u8; 64]>(black_box([7; 64])));
        }),
        b128: usage(|| {
            black_box(scenarios::send_recv::<C, Big>(black_box([7; 128])));
        }),
        poll,
        sender: size_of::<C::Sender<u64>>(),
        receiver: size_of::<C::Receiver<u64>>(),
        option_sender: size_of::<Option<C::Sender<u64>>>(),
        option_receiver: size_of::<Option<C::Receiver<u64>>>(),
    }
}

fn poll_usage<C: Awaitable>() -> Option<Usage> {
    Some(usage(|| {
        black_box(scenarios::poll_pending_send_ready::<C>(black_box(7)));
    }))
}

fn rows() -> Vec<Row> {
    vec![
        row::<Ours>(poll_usage::<Ours>()),
        row::<OneshotCrate>(poll_usage::<OneshotCrate>()),
        row::<Tokio>(poll_usage::<Tokio>()),
        row::<Futures>(poll_usage::<Futures>()),
        row::<Crossbeam>(None),
        row::<Flume>(poll_usage::<Flume>()),
        row::<Std>(None),
    ]
}

/// `1` for whole numbers, `1.5` otherwise.
fn num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else if x.abs() < 0.01 {
        format!("{x:.4}")
    } else {
        format!("{x:.2}")
    }
}

fn cell(u: &Usage) -> String {
    format!("{} / {} B / {}", num(u.allocs), num(u.bytes), num(u.frees))
}

fn markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str(
        "Heap use per channel, create + send + receive + drop both ends \
         (allocations / bytes requested / frees):\n\n",
    );
    out.push_str("| channel | `u64` | `[u8; 64]` | `[u8; 128]` | poll Pending + send + poll Ready (`u64`) |\n");
    out.push_str("|---|---|---|---|---|\n");
    for r in rows {
        let poll = r.poll.as_ref().map_or_else(|| "n/a".to_owned(), cell);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.name,
            cell(&r.u64),
            cell(&r.b64),
            cell(&r.b128),
            poll
        );
    }
    out.push_str("\nHandle sizes in bytes (`T = u64`, 64-bit target):\n\n");
    out.push_str("| channel | `Sender` | `Receiver` | `Option<Sender>` | `Option<Receiver>` |\n");
    out.push_str("|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.name, r.sender, r.receiver, r.option_sender, r.option_receiver
        );
    }
    out
}

fn json(rows: &[Row]) -> String {
    let usage = |u: &Usage| {
        format!(
            "{{\"allocs\": {}, \"bytes\": {}, \"frees\": {}}}",
            u.allocs, u.bytes, u.frees
        )
    };
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            let poll = r.poll.as_ref().map_or_else(|| "null".to_owned(), usage);
            format!(
                "  \"{}\": {{\"u64\": {}, \"b64\": {}, \"b128\": {}, \"poll\": {}, \
                 \"sender\": {}, \"receiver\": {}, \"option_sender\": {}, \"option_receiver\": {}}}",
                r.name,
                usage(&r.u64),
                usage(&r.b64),
                usage(&r.b128),
                poll,
                r.sender,
                r.receiver,
                r.option_sender,
                r.option_receiver
            )
        })
        .collect();
    format!("{{\n{}\n}}\n", items.join(",\n"))
}

/// The core issue's budgets for our channel; one message per violation.
fn check(ours: &Row) -> Vec<String> {
    let mut failures = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    for (scenario, usage, max_bytes) in [
        ("send_recv_u64", &ours.u64, Some(40.0)),
        ("send_recv_[u8;64]", &ours.b64, Some(96.0)),
        ("send_recv_128b", &ours.b128, None),
    ] {
        expect(
            usage.allocs == 1.0,
            format!(
                "{scenario}: allocations per channel = {}, budget 1",
                usage.allocs
            ),
        );
        expect(
            usage.frees == usage.allocs,
            format!(
                "{scenario}: frees per channel = {} but allocations = {} (leak or double free)",
                usage.frees, usage.allocs
            ),
        );
        if let Some(max) = max_bytes {
            expect(
                usage.bytes <= max,
                format!(
                    "{scenario}: bytes per channel = {}, budget {max}",
                    usage.bytes
                ),
            );
        }
    }
    if let Some(poll) = &ours.poll {
        expect(
            poll.allocs == 1.0 && poll.frees == 1.0,
            format!(
                "poll_pending_send_ready: allocations / frees per channel = {} / {}, budget 1 / 1",
                poll.allocs, poll.frees
            ),
        );
    }
    for (what, size) in [
        ("size_of Sender<u64>", ours.sender),
        ("size_of Receiver<u64>", ours.receiver),
        ("size_of Option<Sender<u64>>", ours.option_sender),
        ("size_of Option<Receiver<u64>>", ours.option_receiver),
    ] {
        expect(size == 8, format!("handles: {what} = {size}, budget 8"));
    }
    failures
}

/// The queue channels' rows: ours only with `--check`, else every channel.
fn queue_rows(only_ours: bool) -> Vec<queues::QueueRow> {
    use oneshot_benches::queues as q;
    let mut rows = vec![queues::row::<q::Ours>()];
    if !only_ours {
        rows.push(queues::row::<q::Crossbeam>());
        rows.push(queues::row::<q::Flume>());
        rows.push(queues::row::<q::Kanal>());
        rows.push(queues::row::<q::AsyncChannel>());
        rows.push(queues::row::<q::Tokio>());
        rows.push(queues::row::<q::Std>());
    }
    rows
}

/// `allocations / bytes` of one figure.
fn short(u: &Usage) -> String {
    format!("{} / {} B", num(u.allocs), num(u.bytes))
}

fn queue_markdown(rows: &[queues::QueueRow]) -> String {
    let mut out = String::new();
    out.push_str(
        "\nQueue channels (`mpmc` and its peers), heap use after warm-up (allocations / \
         bytes requested): per message of 100 sends then 100 receives on one thread, and \
         per waiter with 100 waiters (threads blocked in `send` on a full `bounded(1)` or in \
         `recv` on an empty one; futures of `send_async`/`recv_async` polled once, `Pending`):\n\n",
    );
    out.push_str(
        "| channel | per message `bounded(100)` | per message `unbounded` | per blocked sender thread \
         | per blocked receiver thread | per pending send future | per pending recv future |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    let thread = |t: &Option<(Usage, bool)>| match t {
        None => "n/a".to_owned(),
        Some((u, true)) => short(u),
        Some((u, false)) => format!("{} (not all asleep after 2 s)", short(u)),
    };
    let task = |t: &Option<Usage>| t.as_ref().map_or_else(|| "n/a".to_owned(), short);
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            short(&r.bounded100),
            short(&r.unbounded),
            thread(&r.thread_senders),
            thread(&r.thread_receivers),
            task(&r.task_senders),
            task(&r.task_receivers)
        );
    }
    out.push_str("\nQueue channels' handle sizes in bytes (`T = u64`):\n\n");
    out.push_str("| channel | `Sender` | `Receiver` | `Option<Sender>` | `Option<Receiver>` |\n");
    out.push_str("|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.name, r.sender, r.receiver, r.option_sender, r.option_receiver
        );
    }
    out.push_str(
        "\nn/a: no such waiter (one receiver only, or no futures). Sizes of `tokio` and `std` \
         are of this report's enum of their bounded and unbounded handles.\n",
    );
    out
}

fn usage_json(u: &Usage) -> String {
    format!(
        "{{\"allocs\": {}, \"bytes\": {}, \"frees\": {}}}",
        u.allocs, u.bytes, u.frees
    )
}

fn queue_json(rows: &[queues::QueueRow]) -> String {
    let thread = |t: &Option<(Usage, bool)>| match t {
        None => "null".to_owned(),
        Some((u, asleep)) => format!(
            "{{\"allocs\": {}, \"bytes\": {}, \"frees\": {}, \"all_asleep\": {asleep}}}",
            u.allocs, u.bytes, u.frees
        ),
    };
    let task = |t: &Option<Usage>| t.as_ref().map_or_else(|| "null".to_owned(), usage_json);
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "   \"{}\": {{\"bounded100\": {}, \"unbounded\": {}, \"thread_senders\": {}, \
                 \"thread_receivers\": {}, \"task_senders\": {}, \"task_receivers\": {}, \
                 \"sender\": {}, \"receiver\": {}, \"option_sender\": {}, \"option_receiver\": {}}}",
                r.name,
                usage_json(&r.bounded100),
                usage_json(&r.unbounded),
                thread(&r.thread_senders),
                thread(&r.thread_receivers),
                task(&r.task_senders),
                task(&r.task_receivers),
                r.sender,
                r.receiver,
                r.option_sender,
                r.option_receiver
            )
        })
        .collect();
    format!("{{\n{}\n  }}", items.join(",\n"))
}

/// The `mpmc` issue's budgets for our queue channel.
fn queue_check(ours: &queues::QueueRow) -> Vec<String> {
    let mut failures = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            failures.push(what);
        }
    };
    expect(
        ours.bounded100.allocs == 0.0,
        format!(
            "mpmc bounded(100): {} allocations per message, budget 0",
            num(ours.bounded100.allocs)
        ),
    );
    expect(
        ours.unbounded.allocs <= 1.0 / 16.0,
        format!(
            "mpmc unbounded: {} allocations per message, budget 1 per 16 messages (0.0625)",
            num(ours.unbounded.allocs)
        ),
    );
    for (what, figure) in [
        ("blocked sender thread", ours.thread_senders.map(|t| t.0)),
        (
            "blocked receiver thread",
            ours.thread_receivers.map(|t| t.0),
        ),
        ("pending send future", ours.task_senders),
        ("pending recv future", ours.task_receivers),
    ] {
        match figure {
            None => expect(false, format!("mpmc bounded(1): no figure per {what}")),
            Some(u) => expect(
                u.allocs == 0.0 && u.bytes == 0.0,
                format!(
                    "mpmc bounded(1): {} allocations, {} bytes per {what}, budget 0",
                    num(u.allocs),
                    num(u.bytes)
                ),
            ),
        }
    }
    for (what, size) in [
        ("size_of mpmc::Sender<u64>", ours.sender),
        ("size_of mpmc::Receiver<u64>", ours.receiver),
        ("size_of Option<mpmc::Sender<u64>>", ours.option_sender),
        ("size_of Option<mpmc::Receiver<u64>>", ours.option_receiver),
    ] {
        expect(
            size == size_of::<usize>(),
            format!("handles: {what} = {size}, budget one pointer"),
        );
    }
    failures
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut json_path = None;
    let mut check_budgets = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json_path = Some(args.next().expect("--json needs a path")),
            "--check" => check_budgets = true,
            other => {
                eprintln!("unknown argument {other:?}; use --json FILE and/or --check");
                return ExitCode::from(2);
            }
        }
    }

    let rows = rows();
    let queue_rows = queue_rows(check_budgets);
    print!("{}", markdown(&rows));
    print!("{}", queue_markdown(&queue_rows));
    if let Some(path) = json_path {
        // The oneshot channels at the top level, the queue channels under
        // "queues".
        let mut text = json(&rows);
        let end = text.rfind("\n}").expect("a JSON object");
        text.truncate(end);
        text.push_str(&format!(
            ",\n  \"queues\": {}\n}}\n",
            queue_json(&queue_rows)
        ));
        std::fs::write(&path, text).expect("write the JSON report");
    }
    if check_budgets {
        let mut failures = check(&rows[0]);
        if let Some(ours) = queue_rows.iter().find(|r| r.name == "ours") {
            failures.extend(queue_check(ours));
        }
        if failures.is_empty() {
            println!("\nmemory budgets: all within (ours: oneshot; mpmc)");
        } else {
            for failure in &failures {
                println!("BUDGET EXCEEDED: {failure}");
            }
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
