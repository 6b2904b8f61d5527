#!/usr/bin/env bash
# loom models of the core (tests/tests/loom*.rs), with the preemption bound
# stated. Each model prints how many interleavings it explored.
set -euo pipefail
export LOOM_MAX_PREEMPTIONS=${LOOM_MAX_PREEMPTIONS:-5}
echo "loom preemption bound: $LOOM_MAX_PREEMPTIONS"
# A separate target dir: --cfg loom changes every crate's build.
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p oneshot-tests --release --tests -- --nocapture 2>&1 \
    | grep -E "interleavings|test result|panicked|FAILED|error" || true
# Re-run quietly for the exit status (the grep above would hide a failure).
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
    cargo test -p oneshot-tests --release --tests -q
