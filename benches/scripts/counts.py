#!/usr/bin/env python3
"""Deterministic per-operation counts under callgrind: executed instructions
and locked read-modify-write (RMW) instructions, per scenario and channel.

How it counts (and why it is deterministic):

* `counts CASE CHANNEL N` (benches/src/bin/counts.rs) runs the case's
  operation 20 times uncounted (warm-up: malloc's first chunk, thread-locals),
  then N times inside `measured_region`. callgrind runs it with
  `--collect-atstart=no --toggle-collect=*measured_region*`, so only the
  instructions executed inside that function (and everything it calls) are
  counted. `--dump-instr=yes` makes callgrind record the count of every
  single instruction address, per object file.
* Instructions per op = (collected Ir / N) - the `baseline` case (the empty
  region: the call and return, 2 instructions).
* Locked RMWs per op: `objdump -d` of each object that executed counted code
  (the `counts` binary, which statically links every channel crate and Rust
  std, and libc for malloc/free) gives the addresses of every instruction
  with a `lock` prefix, of every `xchg` with a memory operand (implicitly
  locked) and of every `mfence` (a SeqCst fence: the `mpmc` budget counts
  RMWs and fences together). The execution counts of those addresses, summed, divided by N,
  are the locked RMWs per op. callgrind writes addresses relative to each
  object's file, as objdump prints them, so no relocation is needed.
* callgrind emulates the CPU: the counts do not depend on timing, load or
  the machine's speed, only on the binary, its inputs and libc. malloc/free
  take no locks in this single-threaded process, so the RMWs are all the
  channels' own (the per-object split is printed with --verbose).

Usage:
  counts.py [--channels ours,oneshot,...] [--cases a,b] [--iterations N]
            [--json FILE] [--markdown FILE] [--check] [--verbose]
  counts.py --annotate CASE CHANNEL   # per-instruction listing of one case

The queue cases (`queue_bounded1`, `queue_bounded100`, `queue_unbounded`):
one uncontended `try_send` + `try_recv` of a `u64` per op, on a channel made
once; `ours` is `mpmc` there, the other columns its peers (QUEUE_CHANNELS).

--check: exit 1 unless our channels stay within their issues' budgets: locked
RMWs (oneshot: per scenario; mpmc: at most 3 locked RMWs or fences per message
on bounded(1) and bounded(100)) and mpmc's instructions per message
(INSTRUCTION_BUDGETS: the enforced budget, with the issues' target printed
beside it); each failure names the scenario and the figure.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

CHANNELS = ["ours", "oneshot", "tokio", "futures", "crossbeam", "flume", "std"]
# The queue cases' channels: `ours` is `mpmc` there.
QUEUE_CHANNELS = ["ours", "crossbeam", "flume", "kanal", "crossfire", "tachyonix", "async-channel",
                  "tokio", "std"]
# tachyonix has no unbounded channel.
BOUNDED_ONLY = ["tachyonix"]

# Scenario -> channels it applies to (the others are "n/a").
CASES = {
    "create_drop": CHANNELS,
    "send_recv_u64": CHANNELS,
    "send_recv_128b": CHANNELS,
    "send_drop_receiver": CHANNELS,
    "poll_pending_send_ready": ["ours", "oneshot", "tokio", "futures", "flume"],
    "recv_timeout_ok": ["ours", "oneshot", "crossbeam", "flume", "std"],
    "recv_timeout_zero": ["ours", "oneshot", "crossbeam", "flume", "std"],
    # Sub-operations counted for our budgets only.
    "try_recv_empty": ["ours"],
    "try_recv_message": ["ours"],
    "repoll_same_waker": ["ours"],
    # The queue channels: try_send + try_recv per op.
    "queue_bounded1": QUEUE_CHANNELS,
    "queue_bounded100": QUEUE_CHANNELS,
    "queue_unbounded": [c for c in QUEUE_CHANNELS if c not in BOUNDED_ONLY],
}
QUEUE_CASES = ["queue_bounded1", "queue_bounded100", "queue_unbounded"]

# The core issue's budgets (issue 2), locked RMWs per operation, ours only.
RMW_BUDGETS = {
    "create_drop": (1, "dropping both ends unsent: at most 1 RMW"),
    "send_recv_u64": (1, "create + send + recv: 1 RMW in total"),
    "send_recv_128b": (1, "create + send + recv: 1 RMW in total"),
    "try_recv_empty": (0, "a try_recv that finds nothing does no RMW"),
    "try_recv_message": (0, "a try_recv that finds the message does no RMW"),
    "poll_pending_send_ready": (3, "poll Pending + send + poll Ready: at most 3"),
    "repoll_same_waker": (0, "re-poll with a waker that will_wake: no RMW"),
    # The mpmc issue's budget (issue 9), ours = mpmc.
    # Issues 14 and 15 tightened it to the 2 the ring needs; issue 16 set the
    # same for unbounded (the ring plus an overflow).
    "queue_bounded1": (2, "mpmc bounded(1) try_send + try_recv: at most 2 locked RMWs/fences"),
    "queue_bounded100": (2, "mpmc bounded(100) try_send + try_recv: at most 2 locked RMWs/fences"),
    "queue_unbounded": (2, "mpmc unbounded try_send + try_recv: at most 2 locked RMWs/fences"),
}

# Instructions per message of mpmc's uncontended try_send + try_recv (ours
# only): (enforced, target). Issues 15 (bounded) and 16 (unbounded) set the
# target, 70 (kanal's figure in the issues' harness; this harness adds about
# 10 instructions of its own to every channel: kanal measures 80 here). The
# enforced budget is today's figure rounded up to a multiple of 5 (main
# 319fa29: 117 on all three; the new core with `Put` and the precomputed
# wrap step: 109 on bounded(1), 106 on bounded(100) and unbounded), so a
# regression fails CI while the target is not yet met; lower it as the
# figure drops, down to the target.
INSTRUCTION_BUDGETS = {
    "queue_bounded1": (110, 70),
    "queue_bounded100": (110, 70),
    "queue_unbounded": (110, 70),
}


def build_counts_binary():
    """Builds `counts` in release mode and returns its path."""
    out = subprocess.run(
        ["cargo", "build", "--profile", "bench", "-p", "oneshot-benches", "--bin", "counts",
         "--message-format=json"],
        cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "counts":
            if msg.get("executable"):
                return msg["executable"]
    sys.exit("counts.py: cargo did not report the counts executable")


def parse_callgrind(path):
    """Returns {(object, address): self Ir} from a --dump-instr=yes file."""
    names = {}  # compressed ids, per kind: ("ob", "(3)") -> name
    costs = {}
    ob = None
    skip_next_cost = False
    last = [0, 0]  # last instruction and line positions

    def position(token, index):
        if token == "*":
            return last[index]
        if token[0] in "+-":
            return last[index] + int(token, 0)
        return int(token, 0)

    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                addr = position(parts[0], 0)
                lineno = position(parts[1], 1) if len(parts) > 1 else last[1]
                last[0], last[1] = addr, lineno
                if skip_next_cost:
                    skip_next_cost = False  # inclusive cost of a call
                    continue
                ir = int(parts[2]) if len(parts) > 2 else 0
                costs[(ob, addr)] = costs.get((ob, addr), 0) + ir
                continue
            if line.startswith("calls="):
                skip_next_cost = True
                continue
            m = re.match(r"^(c?ob)=(\(\d+\))?\s*(.*)$", line)
            if m:
                kind, ident, name = m.groups()
                if ident and name:
                    names[ident] = name
                resolved = names.get(ident, name) if ident else name
                if kind == "ob":
                    ob = resolved
                continue
    return costs


_LOCKED = {}


def locked_addresses(obj):
    """Addresses of locked RMW instructions in an object file (cached)."""
    if obj in _LOCKED:
        return _LOCKED[obj]
    found = {}
    if obj and os.path.exists(obj):
        text = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn", obj],
            check=True, stdout=subprocess.PIPE, text=True, errors="replace",
        ).stdout
        for line in text.splitlines():
            m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
            if not m:
                continue
            insn = m.group(2).strip()
            mnemonic = insn.split()[0] if insn else ""
            if (mnemonic == "lock" or (mnemonic.startswith("xchg") and "(" in insn)
                    or mnemonic == "mfence"):
                found[int(m.group(1), 16)] = insn
    _LOCKED[obj] = found
    return found


def disassembly(obj):
    """address -> (function, instruction text), for --annotate."""
    text = subprocess.run(
        ["objdump", "-d", "-C", "--no-show-raw-insn", obj],
        check=True, stdout=subprocess.PIPE, text=True, errors="replace",
    ).stdout
    table, function = {}, "?"
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            function = m.group(1)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
        if m:
            table[int(m.group(1), 16)] = (function, m.group(2).strip())
    return table


def run_case(binary, case, channel, iterations, workdir):
    out = os.path.join(workdir, f"cg.{case}.{channel}.out")
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--collect-atstart=no",
         "--toggle-collect=*measured_region*", "--dump-instr=yes",
         f"--callgrind-out-file={out}", binary, case, channel, str(iterations)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if proc.returncode == 3 and "no case" in proc.stderr:
        return None  # the binary has no such case for this channel
    if proc.returncode != 0:
        raise RuntimeError(f"{case}/{channel} failed:\n{proc.stderr[-2000:]}")
    return out


def measure(binary, case, channel, iterations, workdir):
    out = run_case(binary, case, channel, iterations, workdir)
    if out is None:
        return None
    costs = parse_callgrind(out)
    total = sum(costs.values())
    rmw, libc, by_object = 0, 0, {}
    for (obj, addr), ir in costs.items():
        if addr in locked_addresses(obj):
            rmw += ir
            by_object[obj] = by_object.get(obj, 0) + ir
        if obj and "libc.so" in obj:
            libc += ir
    return {
        "instructions": total / iterations,
        "libc_instructions": libc / iterations,
        "rmw": rmw / iterations,
        "rmw_by_object": {k: v / iterations for k, v in by_object.items()},
    }


def fmt(x):
    return f"{x:.0f}" if abs(x - round(x)) < 0.005 else f"{x:.2f}"


def markdown(results, channels, cases, intro=None):
    lines = [
        intro or "Per operation, under callgrind: executed instructions (of which in libc: "
        "malloc + free) / locked read-modify-write instructions.",
        "",
        "| scenario | " + " | ".join(channels) + " |",
        "|---|" + "---|" * len(channels),
    ]
    for case in cases:
        row = []
        for ch in channels:
            r = results.get(case, {}).get(ch)
            row.append("n/a" if r is None else
                       f"{fmt(r['instructions'])} ({fmt(r['libc_instructions'])}) / "
                       f"{fmt(r['rmw'])}")
        lines.append(f"| {case} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def annotate(binary, case, channel, iterations):
    with tempfile.TemporaryDirectory() as tmp:
        costs = parse_callgrind(run_case(binary, case, channel, iterations, tmp))
    tables = {}
    by_function = {}
    for (obj, addr), ir in sorted(costs.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if obj not in tables:
            tables[obj] = disassembly(obj) if obj and os.path.exists(obj) else {}
        function, insn = tables[obj].get(addr, ("?", "?"))
        by_function.setdefault((os.path.basename(obj or "?"), function), []).append((addr, ir, insn))
    for (obj, function), rows in sorted(by_function.items(),
                                        key=lambda kv: -sum(r[1] for r in kv[1])):
        total = sum(r[1] for r in rows) / iterations
        print(f"\n== {fmt(total)} per op  {obj}: {function}")
        for addr, ir, insn in rows:
            mark = "  <-- locked RMW" if addr in locked_addresses(
                next(o for o in tables if os.path.basename(o or "?") == obj)) else ""
            print(f"  {addr:8x} {fmt(ir / iterations):>5}  {insn}{mark}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", default=",".join(
        CHANNELS + [c for c in QUEUE_CHANNELS if c not in CHANNELS]))
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--json")
    parser.add_argument("--markdown")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--annotate", nargs=2, metavar=("CASE", "CHANNEL"))
    args = parser.parse_args()

    if shutil.which("valgrind") is None:
        sys.exit("counts.py: valgrind is not installed")
    binary = build_counts_binary()
    if args.annotate:
        annotate(binary, args.annotate[0], args.annotate[1], args.iterations)
        return 0

    channels = [c for c in args.channels.split(",") if c]
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES] + [
        c for c in channels if c not in CHANNELS and c not in QUEUE_CHANNELS]
    if unknown:
        sys.exit(f"counts.py: unknown case or channel: {', '.join(unknown)}")

    jobs = [("baseline", "ours")] + [
        (case, ch) for case in cases for ch in channels if ch in CASES[case]]
    # Disassemble the binary before the pool starts, so threads share the cache.
    locked_addresses(binary)
    results = {}
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {pool.submit(measure, binary, case, ch, args.iterations, tmp): (case, ch)
                   for case, ch in jobs}
        for future in concurrent.futures.as_completed(futures):
            case, ch = futures[future]
            result = future.result()
            if result is not None:
                results.setdefault(case, {})[ch] = result
    base = results.pop("baseline")["ours"]["instructions"]
    for case in results.values():
        for r in case.values():
            r["instructions"] -= base

    shown = [c for c in CHANNELS if c in channels]
    oneshot_cases = [c for c in cases if c not in QUEUE_CASES]
    queue_cases = [c for c in cases if c in QUEUE_CASES]
    table = markdown(results, shown, oneshot_cases) if oneshot_cases else ""
    if queue_cases:
        queue_shown = [c for c in QUEUE_CHANNELS if c in channels]
        table += ("\n" if table else "") + markdown(
            results, queue_shown, queue_cases,
            "Queue channels (`ours` = `mpmc`), per message of an uncontended `try_send` + "
            "`try_recv` of a `u64` on one thread: executed instructions (callgrind `Ir`; of "
            "which in libc) / locked RMW instructions and fences. Every figure includes about "
            "10 instructions of the harness's own (the closure, `black_box`, the checks of the "
            "results), the same for every channel.")
    print(table, end="")
    if args.verbose:
        for case in cases:
            for ch in (QUEUE_CHANNELS if case in QUEUE_CASES else shown):
                r = results.get(case, {}).get(ch)
                if r and r["rmw_by_object"]:
                    split = ", ".join(f"{os.path.basename(k)}: {fmt(v)}"
                                      for k, v in r["rmw_by_object"].items())
                    print(f"  {case}/{ch}: RMWs by object: {split}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"baseline_instructions": base, "iterations": args.iterations,
                       "results": results}, f, indent=1, sort_keys=True)

    if args.check:
        failures = []
        for case, (budget, rule) in RMW_BUDGETS.items():
            if case not in cases:
                continue
            r = results.get(case, {}).get("ours")
            if r is None:
                continue
            if r["rmw"] > budget + 1e-9:
                failures.append(f"ours {case}: {fmt(r['rmw'])} locked RMW per op, "
                                f"budget {budget} ({rule})")
        checked = [c for c in RMW_BUDGETS if c in cases]
        instruction_lines = []
        for case, (budget, target) in INSTRUCTION_BUDGETS.items():
            r = results.get(case, {}).get("ours") if case in cases else None
            if r is None:
                continue
            ir = r["instructions"]
            text = (f"ours {case}: {fmt(ir)} instructions per message, budget {budget} "
                    f"enforced, target {target}")
            instruction_lines.append(text)
            if ir > budget + 1e-9:
                failures.append(text)
        for line in instruction_lines:
            print(f"instructions: {line}")
        if failures:
            for failure in failures:
                print(f"BUDGET EXCEEDED: {failure}")
            return 1
        print(f"RMW budgets: all within (ours; {', '.join(checked)})")
        if instruction_lines:
            print("instruction budgets: all within (ours; the targets are not enforced yet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
