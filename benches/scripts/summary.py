#!/usr/bin/env python3
"""Turns one full benchmark run (benches/scripts/run-all.sh) into the summary:
median ns per operation per channel, ratios ours / fastest peer and ours /
tokio, the spread of the repeated cross-thread runs, the memory and count
tables, and a verdict per target of the benchmark issue.

It also summarizes the queue channels (`mpmc` against its peers): the
matrix and the request/reply round trip (matrix.json, from the `matrix`
runner), with ours / fastest peer, the spread (min–max of the runs) and a
verdict per target of the mpmc benchmark issue.

Usage: summary.py RESULTS_DIR
Reads  RESULTS_DIR/criterion/single/..., RESULTS_DIR/criterion/cross-N/...,
       memory.md, memory.json, counts.md, counts.json, matrix.json,
       machine.txt (each optional: a missing part is left out)
Writes RESULTS_DIR/summary.md (also printed) and RESULTS_DIR/summary.json
(the input of chart.py).
"""

import glob
import json
import os
import statistics
import sys

CHANNELS = ["ours", "oneshot", "tokio", "futures", "crossbeam", "flume", "std"]
PEERS = CHANNELS[1:]

SINGLE = [
    ("create_drop", "create + drop both ends"),
    ("send_recv_u64", "create + send + recv, `u64`"),
    ("send_recv_128b", "create + send + recv, `[u8; 128]`"),
    ("send_drop_receiver", "create + send + drop receiver"),
    ("poll_pending_send_ready", "poll Pending + send + poll Ready (no runtime)"),
    ("recv_timeout_ok", "`recv_timeout` that succeeds"),
    ("recv_timeout_zero", "`recv_timeout(0)` that times out"),
]
CROSS = [
    ("thread_spin_worker", "thread → blocked thread, spinning worker"),
    ("thread_park_worker", "thread → blocked thread, parking worker"),
    ("tokio_current_thread", "thread → task, tokio current-thread"),
    ("tokio_multi_thread", "task → task, tokio multi-thread"),
]

NOTES = [
    "n/a: the channel has no such operation.",
    "tokio and futures have no blocking receive: on one thread they use "
    "`try_recv`; across threads tokio uses `blocking_recv` and futures "
    "`futures::executor::block_on` (stand-ins).",
    "`oneshot` is crates.io `oneshot` 0.2 (`async_channel()` for the future); "
    "flume's future is `into_recv_async()`.",
]


def median_ns(criterion_dir, group, channel):
    path = os.path.join(criterion_dir, group, channel, "new", "estimates.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def ns(x):
    """Nanoseconds, as a number (the tables' unit is ns)."""
    if x is None:
        return "n/a"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}"


def ratio(x):
    return "n/a" if x is None else f"{x:.2f}x"


def fastest_peer(values):
    peers = {c: v for c, v in values.items() if c != "ours" and v is not None}
    if not peers:
        return None, None
    name = min(peers, key=peers.get)
    return name, peers[name]


def load(results):
    single = {}
    for group, _ in SINGLE:
        single[group] = {c: median_ns(os.path.join(results, "criterion", "single"), group, c)
                         for c in CHANNELS}
    runs = sorted(glob.glob(os.path.join(results, "criterion", "cross-*")))
    cross = {}
    for group, _ in CROSS:
        cross[group] = {}
        for c in CHANNELS:
            values = [median_ns(run, group, c) for run in runs]
            values = [v for v in values if v is not None]
            cross[group][c] = values or None
    return single, cross, len(runs)


def summarize(results):
    single, cross, nruns = load(results)
    out = {"single": {}, "cross": {}, "runs": nruns}
    lines = []
    machine = os.path.join(results, "machine.txt")
    if os.path.exists(machine):
        with open(machine) as f:
            lines += ["```", f.read().rstrip(), "```", ""]

    has_oneshot = os.path.isdir(os.path.join(results, "criterion"))
    if not has_oneshot:
        lines += ["(The oneshot criterion benchmarks were not run.)", ""]
    lines += ["### Single thread: median ns per operation", "",
              "| scenario | " + " | ".join(CHANNELS) + " | ours / fastest peer | ours / tokio |",
              "|---|" + "---:|" * (len(CHANNELS) + 2)]
    for group, title in SINGLE:
        values = single[group]
        peer, best = fastest_peer(values)
        ours = values["ours"]
        r_best = ours / best if ours and best else None
        r_tokio = ours / values["tokio"] if ours and values["tokio"] else None
        cells = [ns(values[c]) for c in CHANNELS]
        lines.append(f"| {title} | " + " | ".join(cells) +
                     f" | {ratio(r_best)} ({peer}) | {ratio(r_tokio)} |")
        out["single"][group] = {"title": title, "median_ns": values, "fastest_peer": peer,
                                "ours_over_fastest": r_best, "ours_over_tokio": r_tokio}

    lines += ["", f"### Across threads and tasks: median ns per operation "
              f"(median of {nruns} runs; min–max of the run medians below)", "",
              "| scenario | " + " | ".join(CHANNELS) + " | ours / fastest peer | within spread? |",
              "|---|" + "---:|" * (len(CHANNELS) + 2)]
    spread_rows = []
    for group, title in CROSS:
        runs = cross[group]
        med = {c: statistics.median(v) if v else None for c, v in runs.items()}
        peer, best = fastest_peer(med)
        ours = med["ours"]
        r_best = ours / best if ours and best else None
        verdict = "n/a"
        if ours and best:
            if ours <= best:
                verdict = "yes (fastest)"
            elif min(runs["ours"]) <= max(runs[peer]):
                verdict = "yes (ranges overlap)"
            else:
                verdict = "no (slower in every run)"
        lines.append(f"| {title} | " + " | ".join(ns(med[c]) for c in CHANNELS) +
                     f" | {ratio(r_best)} ({peer}) | {verdict} |")
        spread_rows.append(f"| {title} | " + " | ".join(
            "n/a" if not runs[c] else f"{ns(min(runs[c]))}–{ns(max(runs[c]))}"
            for c in CHANNELS) + " |")
        out["cross"][group] = {"title": title, "median_ns": med, "runs_ns": runs,
                               "fastest_peer": peer, "ours_over_fastest": r_best,
                               "within_spread": verdict}
    lines += ["", "Spread (min–max of the per-run medians):", "",
              "| scenario | " + " | ".join(CHANNELS) + " |",
              "|---|" + "---:|" * len(CHANNELS)] + spread_rows
    lines += [""] + [f"* {n}" for n in NOTES]
    if not has_oneshot:
        # Drop the empty oneshot tables (keep the machine block and the note).
        start = lines.index("### Single thread: median ns per operation", 0)
        lines = lines[:start]

    matrix_path = os.path.join(results, "matrix.json")
    if os.path.exists(matrix_path):
        with open(matrix_path) as f:
            matrix = json.load(f)
        lines += [""] + queue_tables(matrix, out)

    for name, title in [("memory.md", "### Memory"), ("counts.md", "### Deterministic counts (callgrind)")]:
        path = os.path.join(results, name)
        if os.path.exists(path):
            with open(path) as f:
                lines += ["", title, "", f.read().rstrip()]

    lines += ["", "### Targets of the benchmark issues (oneshot; mpmc)", ""]
    lines += verdicts(results, out)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(results, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(results, "summary.json"), "w") as f:
        json.dump(out, f, indent=1)
    return text


QUEUES = ["ours", "crossbeam", "flume", "kanal", "crossfire", "tachyonix", "async-channel", "tokio",
          "std"]
ROUND_TRIP = ["ours", "tokio", "flume"]
# "Clear margin" for the cells where ours must be the fastest by one.
CLEAR_MARGIN = 0.8

QUEUE_NOTES = [
    "ns per message: wall time of a whole run (N messages, every producer and consumer "
    "running) / N; the median of the runs, each a fresh process; the spread table gives "
    "the min–max of the runs (wall).",
    "Each cell is wall / CPU: the CPU time is the user + system time of the whole process "
    "(every thread: producers, consumers, runtime workers) over the same run / N, median of "
    "the runs. A channel that waits by spinning or yielding has a CPU time near its wall time "
    "times the threads it keeps busy; one that parks has less. \"CPU ours / peer\" compares "
    "ours with the fastest peer of the row (by wall time).",
    "n/a: the channel lacks the case: no futures (crossbeam, std), no blocking calls "
    "(tachyonix: async cells only), no `bounded(0)` (async-channel, tokio, tachyonix; "
    "crossfire silently makes it `bounded(1)`), no `unbounded` (tachyonix), one receiver "
    "only (tokio, std, tachyonix: no mpmc shape). hang: killed "
    "by the runner's timeout; lost: the receivers' count or key sum differs from the "
    "senders'; panic: the run panicked. A failed peer is never left out.",
    "seq: one thread sends a batch then receives it (the whole capacity for bounded(n), "
    "all N for unbounded); bounded(0) cannot hold a message for its own thread.",
    "async: tasks on a tokio multi-thread runtime (default worker count, one per CPU); "
    "sync→async: producer threads, consumer tasks; async→sync the reverse. tokio's blocking "
    "forms are `blocking_send`/`blocking_recv` from plain threads, async-channel's "
    "`send_blocking`/`recv_blocking`, kanal's futures `as_async()` of its sync handles; "
    "crossfire 3.1's `mpmc` constructor of each form (`bounded_blocking`, `bounded_async`, "
    "`bounded_blocking_async`, `bounded_async_blocking`, `unbounded_blocking`, "
    "`unbounded_async`), after its `detect_backoff_cfg()`.",
    "one-cpu: the whole process pinned to one CPU (`sched_setaffinity`), which exposes "
    "channels that spin waiting for another thread.",
    "mpsc (4→1) and mpmc (4→4) run 5 and 8 threads: on a 2-CPU machine they are "
    "oversubscribed, as on CI runners and small containers.",
]


def cpu_median_of(result):
    """Median CPU ns per message, or None (a failed cell, or a run from before
    the runner measured CPU time)."""
    cpu = result.get("cpu_runs") or []
    if not cpu or result.get("status"):
        return None
    return statistics.median(cpu)


def cell_text(result):
    """Median wall / CPU ns per message, or the status of a peer that did not
    finish."""
    runs, status = result.get("runs") or [], result.get("status")
    if status and not runs:
        return status.split(" (")[0] if status.startswith("hang") else status.split()[0]
    text = ns(statistics.median(runs))
    if result.get("cpu_runs"):
        text += f" / {ns(statistics.median(result['cpu_runs']))}"
    if status:
        text += f" ({status.split()[0]} in a later run)"
    return text


def spread_text(result):
    runs = result.get("runs") or []
    if not runs:
        return cell_text(result)
    return f"{ns(min(runs))}–{ns(max(runs))}"


def median_of(result):
    runs = result.get("runs") or []
    if not runs or result.get("status"):
        return None
    return statistics.median(runs)


def queue_tables(matrix, out):
    """The matrix and round-trip tables; fills out["matrix"], out["roundtrip"]."""
    lines = []
    runs = matrix.get("runs")
    rows = {"matrix": [], "roundtrip": []}
    for case in matrix["cases"]:
        rows[case["kind"]].append(case)
    out["matrix"], out["roundtrip"] = {}, {}
    for kind, channels, title in [
        ("matrix", QUEUES, f"### Queue channels: the matrix, ns per message, wall / CPU "
                           f"(median of {runs} runs; min–max of wall below)"),
        ("roundtrip", ROUND_TRIP, f"### Request/reply round trip, ns per request, wall / CPU "
                                  f"(median of {runs} runs; min–max of wall below)"),
    ]:
        if not rows[kind]:
            continue
        extra = " ours / tokio |" if kind == "roundtrip" else ""
        lines += [title, "",
                  f"| case | " + " | ".join(channels) + f" | ours / fastest peer | CPU ours / "
                  f"peer |{extra} within spread? |",
                  "|---|" + "---:|" * (len(channels) + 3 + (1 if extra else 0))]
        spread = []
        for case in rows[kind]:
            res = case["results"]
            med = {c: median_of(res[c]) if c in res else None for c in channels}
            cpu = {c: cpu_median_of(res[c]) if c in res else None for c in channels}
            peer, best = fastest_peer(med)
            ours = med.get("ours")
            r_best = ours / best if ours and best else None
            r_cpu = (cpu["ours"] / cpu[peer]
                     if peer and cpu.get("ours") and cpu.get(peer) else None)
            verdict = "n/a"
            if ours and best:
                if ours <= best:
                    verdict = "yes (fastest)"
                elif min(res["ours"]["runs"]) <= max(res[peer]["runs"]):
                    verdict = "yes (ranges overlap)"
                else:
                    verdict = "no (slower in every run)"
            cells = [cell_text(res[c]) if c in res else "—" for c in channels]
            r_tokio = None
            row = f"| {case['id']} | " + " | ".join(cells) + f" | {ratio(r_best)}"
            row += f" ({peer}) |" if peer else " |"
            row += f" {ratio(r_cpu)} |"
            if extra:
                t = med.get("tokio")
                r_tokio = ours / t if ours and t else None
                row += f" {ratio(r_tokio)} |"
            lines.append(row + f" {verdict} |")
            spread.append(f"| {case['id']} | " + " | ".join(
                spread_text(res[c]) if c in res else "—" for c in channels) + " |")
            out[kind][case["id"]] = {
                "case": case, "median_ns": med, "cpu_median_ns": cpu, "fastest_peer": peer,
                "ours_over_fastest": r_best, "cpu_ours_over_fastest": r_cpu,
                "ours_over_tokio": r_tokio,
                "within_spread": verdict,
                "status": {c: res[c].get("status") for c in channels if c in res},
            }
        lines += ["", "Spread (min–max of the runs):", "",
                  "| case | " + " | ".join(channels) + " |",
                  "|---|" + "---:|" * len(channels)] + spread + [""]
    lines += [f"* {n}" for n in QUEUE_NOTES]
    lines.append(f"* Matrix run: {len(matrix['cases'])} cases, {runs} runs each, scale "
                 f"{matrix.get('scale')}, {matrix.get('seconds', 0):.0f} s.")
    return lines


def queue_verdicts(results, out):
    lines = []

    def line(ok, text):
        lines.append(f"* {'met' if ok else 'MISSED'}: {text}")

    for cid, s in out.get("matrix", {}).items():
        case = s["case"]
        r = s["ours_over_fastest"]
        ours_status = s["status"].get("ours")
        if ours_status:
            line(False, f"matrix {cid}: ours {ours_status}")
            continue
        if r is None:
            continue
        strict = case.get("one_cpu") or case.get("form") in ("sync→async", "async→sync")
        limit = CLEAR_MARGIN if strict else 1.0
        what = "the fastest by a clear margin" if strict else "no slower than the fastest peer"
        rc = s.get("cpu_ours_over_fastest")
        cpu_ok = rc is None or rc <= 1.0
        cpu_text = ("" if rc is None else
                    f"; CPU ours / {s['fastest_peer']} = {rc:.2f}x, target ≤ 1.0x")
        line(r <= limit and cpu_ok,
             f"matrix {cid}: ours / fastest peer ({s['fastest_peer']}) = {r:.2f}x, "
             f"target ≤ {limit}x ({what}){cpu_text}; spread: {s['within_spread']}")
    for cid, s in out.get("roundtrip", {}).items():
        t = s["ours_over_tokio"]
        ours_status = s["status"].get("ours")
        if ours_status:
            line(False, f"{cid}: ours {ours_status}")
        elif t is not None:
            line(t <= 0.7, f"{cid}: ours / tokio pattern = {t:.2f}x, target ≤ 0.7x")
    memory_path = os.path.join(results, "memory.json")
    if os.path.exists(memory_path):
        with open(memory_path) as f:
            ours = json.load(f).get("queues", {}).get("ours")
        if ours:
            waiters = [ours[k] for k in ["thread_senders", "thread_receivers", "task_senders",
                                         "task_receivers"]]
            line(ours["bounded100"]["allocs"] == 0,
                 f"mpmc memory: {ours['bounded100']['allocs']:g} allocations per message on "
                 "bounded(100), target 0")
            line(ours["unbounded"]["allocs"] <= 1 / 16,
                 f"mpmc memory: {ours['unbounded']['allocs']:g} allocations per message on "
                 "unbounded, target ≤ 1 per 16")
            line(all(w and w["allocs"] == 0 for w in waiters),
                 "mpmc memory: allocations per waiter (blocked sender/receiver thread, pending "
                 "send/recv future) = " + " / ".join(
                     "n/a" if not w else f"{w['allocs']:g}" for w in waiters) + ", target 0")
    counts_path = os.path.join(results, "counts.json")
    if os.path.exists(counts_path):
        with open(counts_path) as f:
            counts = json.load(f)["results"]
        for case in ["queue_bounded1", "queue_bounded100", "queue_unbounded"]:
            c = counts.get(case, {})
            if "ours" not in c:
                continue
            peers = ", ".join(f"{p} {c[p]['instructions']:.0f} / {c[p]['rmw']:g}"
                              for p in ["kanal", "crossfire", "crossbeam", "flume"] if p in c)
            rmw = c["ours"]["rmw"]
            ir = c["ours"]["instructions"]
            # Issues 15 and 16: at most 2 locked RMWs and 70 instructions per
            # message (counts.py --check enforces looser budgets meanwhile).
            line(rmw <= 2 and ir <= 70,
                 f"{case}: ours {ir:.0f} instructions / {rmw:g} locked RMWs/fences per message, "
                 f"target ≤ 70 / ≤ 2 (instructions / RMWs: {peers})")
    return lines


def verdicts(results, out):
    lines = []

    def line(ok, text):
        lines.append(f"* {'met' if ok else 'MISSED'}: {text}")

    lines += queue_verdicts(results, out)
    for group, title in SINGLE:
        s = out["single"][group]
        if group == "poll_pending_send_ready":
            limit = 0.8
        else:
            limit = 1.0
        r = s["ours_over_fastest"]
        if r is not None:
            line(r <= limit, f"{title}: ours / fastest peer ({s['fastest_peer']}) = "
                             f"{r:.2f}x, target ≤ {limit}x")
        t = s["ours_over_tokio"]
        if t is not None:
            line(t <= 0.5, f"{title}: ours / tokio = {t:.2f}x, target ≤ 0.5x")
    counts_path = os.path.join(results, "counts.json")
    if os.path.exists(counts_path):
        with open(counts_path) as f:
            counts = json.load(f)["results"]
        c = counts.get("send_recv_u64", {})
        if "ours" in c and "oneshot" in c:
            o, p = c["ours"]["instructions"], c["oneshot"]["instructions"]
            line(o <= p, f"instructions for create + send + recv `u64`: ours {o:.0f}, "
                         f"`oneshot` {p:.0f} (of which malloc + free "
                         f"{c['oneshot']['libc_instructions']:.0f})")
    for group, title in CROSS:
        s = out["cross"][group]
        if s["ours_over_fastest"] is not None:
            line(not s["within_spread"].startswith("no"),
                 f"{title}: ours / fastest peer ({s['fastest_peer']}) = "
                 f"{s['ours_over_fastest']:.2f}x; not slower beyond the spread: "
                 f"{s['within_spread']}")
    memory_path = os.path.join(results, "memory.json")
    if os.path.exists(memory_path):
        with open(memory_path) as f:
            ours = json.load(f)["ours"]
        ok = (ours["u64"]["allocs"] == 1 and ours["u64"]["bytes"] <= 40
              and ours["b64"]["bytes"] <= 96
              and all(ours[k] == 8 for k in ["sender", "receiver", "option_sender",
                                              "option_receiver"]))
        line(ok, f"memory: {ours['u64']['allocs']:.0f} allocation of "
                 f"{ours['u64']['bytes']:.0f} B for `u64` (budget 40), "
                 f"{ours['b64']['bytes']:.0f} B for `[u8; 64]` (budget 96), handles "
                 f"{ours['sender']} / {ours['receiver']} B")
    return lines


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(summarize(sys.argv[1]), end="")


if __name__ == "__main__":
    main()
