#!/usr/bin/env python3
"""Turns one full benchmark run (benches/scripts/run-all.sh) into the summary:
median ns per operation per channel, ratios ours / fastest peer and ours /
tokio, the spread of the repeated cross-thread runs, the memory and count
tables, and a verdict per target of the benchmark issue.

Usage: summary.py RESULTS_DIR
Reads  RESULTS_DIR/criterion/single/..., RESULTS_DIR/criterion/cross-N/...,
       memory.md, memory.json, counts.md, counts.json, machine.txt
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

    for name, title in [("memory.md", "### Memory"), ("counts.md", "### Deterministic counts (callgrind)")]:
        path = os.path.join(results, name)
        if os.path.exists(path):
            with open(path) as f:
                lines += ["", title, "", f.read().rstrip()]

    lines += ["", "### Targets of the benchmark issue", ""]
    lines += verdicts(results, out)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(results, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(results, "summary.json"), "w") as f:
        json.dump(out, f, indent=1)
    return text


def verdicts(results, out):
    lines = []

    def line(ok, text):
        lines.append(f"* {'met' if ok else 'MISSED'}: {text}")

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
