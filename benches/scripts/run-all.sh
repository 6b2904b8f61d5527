#!/usr/bin/env bash
# The one command: runs every benchmark and prints the summary table.
#
#   benches/scripts/run-all.sh            # about 8-10 minutes on 2 cores
#   CROSS_RUNS=5 benches/scripts/run-all.sh
#
# 1. criterion, single-thread scenarios (once);
# 2. criterion, cross-thread and tokio scenarios (CROSS_RUNS times, default
#    3: they swing run to run, so the summary reports the spread);
# 3. the memory report (counting allocator);
# 4. the callgrind counts (instructions and locked RMWs per operation);
# 5. summary.md / summary.json and chart.svg.
# Everything lands in benches/results/ (git-ignored); copy summary.md and
# chart.svg to benches/report/ to publish a run in the README.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
results="$root/benches/results"
runs=${CROSS_RUNS:-3}

rm -rf "$results"
mkdir -p "$results"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- oneshot 2>/dev/null || echo ' (oneshot/ modified)')"
    echo "rustc: $(rustc --version)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine widens the spread)"
    lscpu | head -n 20 | grep -E '^(Architecture|CPU\(s\)|Model name|Thread|Core|Socket|Hypervisor|L1d|L2|L3)' || true
} >"$results/machine.txt"

cargo bench --no-run -p oneshot-benches

echo "::: single-thread scenarios"
CRITERION_HOME="$results/criterion/single" \
    cargo bench -p oneshot-benches --bench single_thread 2>&1 | grep -E '^[a-z_0-9]+/|time:' || true

for i in $(seq 1 "$runs"); do
    echo "::: cross-thread scenarios, run $i of $runs"
    CRITERION_HOME="$results/criterion/cross-$i" \
        cargo bench -p oneshot-benches --bench cross_thread 2>&1 | grep -E '^[a-z_0-9]+/|time:' || true
done

echo "::: memory report"
cargo run --quiet --profile bench -p oneshot-benches --bin memory-report -- \
    --json "$results/memory.json" >"$results/memory.md"

echo "::: callgrind counts"
python3 benches/scripts/counts.py --json "$results/counts.json" \
    --markdown "$results/counts.md" >/dev/null

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.txt"
python3 benches/scripts/summary.py "$results"
python3 benches/scripts/chart.py "$results/summary.json" "$results/chart.svg"
echo
echo "written: $results/summary.md, $results/chart.svg"
