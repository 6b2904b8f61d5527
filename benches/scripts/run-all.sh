#!/usr/bin/env bash
# The one command: runs every benchmark and prints the summary table.
#
#   benches/scripts/run-all.sh            # see benches/README.md for how long
#   CROSS_RUNS=5 MATRIX_RUNS=7 benches/scripts/run-all.sh
#   ONLY=mpmc benches/scripts/run-all.sh  # the queue channels only
#   ONLY=oneshot benches/scripts/run-all.sh
#   MATRIX_SCALE=0.1 ONLY=mpmc benches/scripts/run-all.sh   # a quick look
#
# 1. criterion, single-thread oneshot scenarios (once);
# 2. criterion, cross-thread and tokio oneshot scenarios (CROSS_RUNS times,
#    default 3: they swing run to run, so the summary reports the spread);
# 3. the queue-channel matrix and round trip (`matrix`, MATRIX_RUNS runs of
#    each case per channel, default 5, each run a child process);
# 4. the memory report (counting allocator; oneshot and queue channels);
# 5. the callgrind counts (instructions and locked RMWs per operation);
# 6. summary.md / summary.json, chart.svg (oneshot) and chart-mpmc.svg.
# Everything lands in benches/results/ (git-ignored); copy summary.md and
# the charts to benches/report/ to publish a run in the README.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
results="$root/benches/results"
runs=${CROSS_RUNS:-3}
only=${ONLY:-all}
case $only in all | oneshot | mpmc) ;; *) echo "ONLY must be all, oneshot or mpmc" >&2; exit 2 ;; esac
start=$(date +%s)

rm -rf "$results"
mkdir -p "$results"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    dirty=""
    for dir in oneshot mpmc; do
        if ! git diff --quiet HEAD -- "$dir" 2>/dev/null ||
            [ -n "$(git ls-files --others --exclude-standard -- "$dir" 2>/dev/null)" ]; then
            dirty="$dirty ($dir/ modified)"
        fi
    done
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
    echo "rustc: $(rustc --version)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine widens the spread)"
    lscpu | head -n 20 | grep -E '^(Architecture|CPU\(s\)|Model name|Thread|Core|Socket|Hypervisor|L1d|L2|L3)' || true
} >"$results/machine.txt"

cargo bench --no-run -p oneshot-benches
cargo build --profile bench -p oneshot-benches --bins

if [ "$only" != mpmc ]; then
    echo "::: single-thread scenarios"
    CRITERION_HOME="$results/criterion/single" \
        cargo bench -p oneshot-benches --bench single_thread 2>&1 | grep -E '^[a-z_0-9]+/|time:' || true

    for i in $(seq 1 "$runs"); do
        echo "::: cross-thread scenarios, run $i of $runs"
        CRITERION_HOME="$results/criterion/cross-$i" \
            cargo bench -p oneshot-benches --bench cross_thread 2>&1 | grep -E '^[a-z_0-9]+/|time:' || true
    done
fi

if [ "$only" != oneshot ]; then
    echo "::: queue-channel matrix and round trip (${MATRIX_RUNS:-5} runs per case and channel)"
    cargo run --quiet --profile bench -p oneshot-benches --bin matrix -- \
        --runs "${MATRIX_RUNS:-5}" --scale "${MATRIX_SCALE:-1}" \
        --json "$results/matrix.json" | tee "$results/matrix.txt"
fi

echo "::: memory report"
cargo run --quiet --profile bench -p oneshot-benches --bin memory-report -- \
    --json "$results/memory.json" >"$results/memory.md"

echo "::: callgrind counts"
python3 benches/scripts/counts.py --json "$results/counts.json" \
    --markdown "$results/counts.md" >/dev/null

{
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "run-all.sh (ONLY=$only): $(($(date +%s) - start)) s"
} >>"$results/machine.txt"
python3 benches/scripts/summary.py "$results"
written="$results/summary.md"
if [ "$only" != mpmc ]; then
    python3 benches/scripts/chart.py "$results/summary.json" "$results/chart.svg"
    written="$written, $results/chart.svg"
fi
if [ "$only" != oneshot ]; then
    python3 benches/scripts/chart.py --matrix "$results/summary.json" "$results/chart-mpmc.svg"
    written="$written, $results/chart-mpmc.svg"
fi
echo
echo "written: $written"
