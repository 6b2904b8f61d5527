#!/usr/bin/env bash
# The core's unit tests and doctests, and the integration tests, under Miri.
# Tests that need a runtime or real time are #[cfg_attr(miri, ignore)].
set -euo pipefail
source .ci/lib.sh
if ! ensure_component nightly miri || ! ensure_component nightly rust-src; then
    echo "SKIPPED: miri (install failed)"
    exit 0
fi
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
cargo +nightly miri setup
CARGO_TARGET_DIR=target/miri cargo +nightly miri test -p oneshot -p oneshot-tests
