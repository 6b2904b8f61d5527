#!/usr/bin/env bash
# loom models, with the preemption bound stated. Each model prints how many
# interleavings it explored.
#   1. every test of the tests crate under --cfg loom: the oneshot core
#      (tests/tests/loom*.rs) at $LOOM_MAX_PREEMPTIONS (5) and the mpmc
#      channels (tests/tests/mpmc_loom.rs, mpmc_loom_unbounded.rs for the
#      unbounded ring + overflow, broadcast_loom.rs, select_loom.rs for the
#      select's commit point) at $MPMC_LOOM_MAX_PREEMPTIONS (3; their lock
#      and parking make each extra preemption costlier);
#   2. mpmc's own unit-test models of the unbounded flavor's ring and
#      overflow (mpmc/src/flavor/overflow.rs), at $MPMC_LIB_LOOM_PREEMPTIONS
#      (3).
set -euo pipefail
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-5}
export MPMC_LOOM_MAX_PREEMPTIONS=${MPMC_LOOM_MAX_PREEMPTIONS:-3}
LIB_BOUND=${MPMC_LIB_LOOM_PREEMPTIONS:-3}
status=0

# Runs one loom test command (the arguments), filtering its output to the
# model lines and failures, and sums the interleavings.
run_models() {
    local label=$1 t0=$SECONDS log rc=0
    shift
    log=$(mktemp)
    # A separate target dir: --cfg loom changes every crate's build.
    RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom "$@" >"$log" 2>&1 || rc=$?
    grep -E "interleavings|test result|panicked|FAILED|deadlock|^error" "$log" || true
    if ((rc != 0)); then
        tail -n 80 "$log"
        status=$rc
    fi
    local total
    total=$(grep -oE "[0-9]+ interleavings" "$log" | awk '{s += $1} END {print s + 0}')
    echo "::: loom $label: $(grep -c "interleavings" "$log" || true) models, $total interleavings, exit $rc, $((SECONDS - t0)) s"
    rm -f "$log"
}

echo "loom preemption bound: $LOOM_MAX_PREEMPTIONS (oneshot), $MPMC_LOOM_MAX_PREEMPTIONS (mpmc_loom*), $LIB_BOUND (mpmc overflow unit models)"
# --no-fail-fast: a failing binary (say mpmc_loom) must not hide the others.
run_models "tests crate (oneshot + mpmc_loom*)" \
    cargo test -p oneshot-tests --release --tests --no-fail-fast -- --nocapture
LOOM_MAX_PREEMPTIONS=$LIB_BOUND run_models "mpmc overflow unit models" \
    cargo test -p mpmc --lib --release -- --nocapture
exit "$status"
