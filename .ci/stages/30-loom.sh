#!/usr/bin/env bash
# loom models of the core (tests/tests/loom*.rs), with the preemption bound
# stated. Each model prints how many interleavings it explored.
set -euo pipefail
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-5}
echo "loom preemption bound: $LOOM_MAX_PREEMPTIONS"
log=$(mktemp)
status=0
# A separate target dir: --cfg loom changes every crate's build.
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p oneshot-tests --release --tests -- --nocapture >"$log" 2>&1 || status=$?
grep -E "interleavings|test result|panicked|FAILED|^error" "$log" || true
if ((status != 0)); then
    tail -n 80 "$log"
fi
total=$(grep -oE "[0-9]+ interleavings" "$log" | awk '{s += $1} END {print s + 0}')
echo "loom: $(grep -c "interleavings" "$log" || true) models, $total interleavings in total"
rm -f "$log"
exit "$status"
