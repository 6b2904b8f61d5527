#!/usr/bin/env bash
# The core's and mpmc's unit tests and doctests, and the integration tests
# (oneshot's and mpmc's, all in the tests crate), under Miri. Tests that need
# a runtime or real time are #[cfg_attr(miri, ignore)]. mpmc's unit tests and
# its 59 doctests take about 40 s each under Miri, so both run.
set -euo pipefail
source .ci/lib.sh
if ! ensure_component nightly miri || ! ensure_component nightly rust-src; then
    echo "SKIPPED: miri (install failed)"
    exit 0
fi
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
cargo +nightly miri setup
# Both runs always run; the stage fails if either failed.
status=0
t0=$SECONDS
CARGO_TARGET_DIR=target/miri cargo +nightly miri test -p oneshot -p oneshot-tests --no-fail-fast || status=$?
echo "::: miri: oneshot, oneshot-tests in $((SECONDS - t0)) s (exit $status)"
t0=$SECONDS
rc=0
CARGO_TARGET_DIR=target/miri cargo +nightly miri test -p mpmc --no-fail-fast || rc=$?
echo "::: miri: mpmc (unit tests, doctests) in $((SECONDS - t0)) s (exit $rc)"
((rc == 0)) || status=$rc
exit "$status"
