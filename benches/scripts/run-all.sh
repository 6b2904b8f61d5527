#!/usr/bin/env bash
# The one command: runs every benchmark and prints the summary table.
#
#   benches/scripts/run-all.sh            # see benches/README.md for how long
#   CROSS_RUNS=5 MATRIX_RUNS=7 benches/scripts/run-all.sh
#   ONLY=mpmc benches/scripts/run-all.sh  # the queue channels only
#   ONLY=oneshot benches/scripts/run-all.sh
#   MATRIX_SCALE=0.1 ONLY=mpmc benches/scripts/run-all.sh   # a quick look
#   ONLY=broadcast benches/scripts/run-all.sh  # the broadcast matrix only
#   BROADCAST=0 benches/scripts/run-all.sh     # everything but it
#   BROADCAST=1 ONLY=mpmc benches/scripts/run-all.sh  # the queues and it
#
# 1. criterion, single-thread oneshot scenarios (once);
# 2. criterion, cross-thread and tokio oneshot scenarios (CROSS_RUNS times,
#    default 3: they swing run to run, so the summary reports the spread);
# 3. the queue-channel matrix and round trip (`matrix`, MATRIX_RUNS runs of
#    each case per channel, default 5, each run a child process);
# 4. the memory report (counting allocator; oneshot and queue channels);
# 5. the callgrind counts (instructions and locked RMWs per operation);
# 6. summary.md / summary.json, chart.svg (oneshot) and chart-mpmc.svg;
# 7. the broadcast matrix (`broadcast`, BROADCAST_RUNS runs of each cell per
#    channel, default 5; BROADCAST_SCALE, default 1): broadcast.json and
#    broadcast-summary.md. With ONLY=all or ONLY=broadcast, or BROADCAST=1;
#    BROADCAST=0 skips it.
# Everything lands in benches/results/ (git-ignored); copy summary.md and
# the charts to benches/report/ to publish a run in the README.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
results="$root/benches/results"
runs=${CROSS_RUNS:-3}
only=${ONLY:-all}
case $only in all | oneshot | mpmc | broadcast) ;; *) echo "ONLY must be all, oneshot, mpmc or broadcast" >&2; exit 2 ;; esac
case ${BROADCAST:-auto} in
auto) if [ "$only" = all ] || [ "$only" = broadcast ]; then broadcast=1; else broadcast=0; fi ;;
0 | 1) broadcast=$BROADCAST ;;
*) echo "BROADCAST must be 0 or 1" >&2; exit 2 ;;
esac
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

if [ "$only" = broadcast ]; then
    cargo build --profile bench -p oneshot-benches --bin broadcast
else
    cargo bench --no-run -p oneshot-benches
    cargo build --profile bench -p oneshot-benches --bins
fi

if [ "$only" = all ] || [ "$only" = oneshot ]; then
    echo "::: single-thread scenarios"
    CRITERION_HOME="$results/criterion/single" \
        cargo bench -p oneshot-benches --bench single_thread 2>&1 | grep -E '^[a-z_0-9]+/|time:' || true

    for i in $(seq 1 "$runs"); do
        echo "::: cross-thread scenarios, run $i of $runs"
        CRITERION_HOME="$results/criterion/cross-$i" \
            cargo bench -p oneshot-benches --bench cross_thread 2>&1 | grep -E '^[a-z_0-9]+/|time:' || true
    done
fi

if [ "$only" = all ] || [ "$only" = mpmc ]; then
    echo "::: queue-channel matrix and round trip (${MATRIX_RUNS:-5} runs per case and channel)"
    cargo run --quiet --profile bench -p oneshot-benches --bin matrix -- \
        --runs "${MATRIX_RUNS:-5}" --scale "${MATRIX_SCALE:-1}" \
        --json "$results/matrix.json" | tee "$results/matrix.txt"
fi

if [ "$broadcast" = 1 ]; then
    echo "::: broadcast matrix (${BROADCAST_RUNS:-5} runs per cell and channel)"
    cargo run --quiet --profile bench -p oneshot-benches --bin broadcast -- \
        --runs "${BROADCAST_RUNS:-5}" --scale "${BROADCAST_SCALE:-1}" \
        --json "$results/broadcast.json" \
        --markdown "$results/broadcast-summary.md" | tee "$results/broadcast.txt" ||
        echo "::: broadcast: a run of ours failed (see broadcast-summary.md)"
fi

if [ "$only" = broadcast ]; then
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/machine.txt"
    echo "run-all.sh (ONLY=broadcast): $(($(date +%s) - start)) s" >>"$results/machine.txt"
    echo
    echo "written: $results/broadcast-summary.md, $results/broadcast.json"
    exit 0
fi

# The select benchmarks (`select`, SELECT_RUNS runs of each cell per peer,
# default 5; SELECT_SCALE, default 1): select.json and select-summary.md.
# With ONLY=all or SELECT=1; SELECT=0 skips it.
if [ "${SELECT:-$([ "$only" = all ] && echo 1 || echo 0)}" = 1 ]; then
    echo "::: select benchmarks (${SELECT_RUNS:-5} runs per cell and peer)"
    cargo run --quiet --profile bench -p oneshot-benches --bin select -- \
        --runs "${SELECT_RUNS:-5}" --scale "${SELECT_SCALE:-1}" \
        --json "$results/select.json" \
        --markdown "$results/select-summary.md" | tee "$results/select.txt" ||
        echo "::: select: a run of our Select failed (see select-summary.md)"
    echo "written: $results/select-summary.md, $results/select.json"
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
if [ "$only" = all ] || [ "$only" = oneshot ]; then
    python3 benches/scripts/chart.py "$results/summary.json" "$results/chart.svg"
    written="$written, $results/chart.svg"
fi
if [ "$only" = all ] || [ "$only" = mpmc ]; then
    python3 benches/scripts/chart.py --matrix "$results/summary.json" "$results/chart-mpmc.svg"
    written="$written, $results/chart-mpmc.svg"
fi
if [ "$broadcast" = 1 ]; then
    written="$written, $results/broadcast-summary.md"
fi
echo
echo "written: $written"
