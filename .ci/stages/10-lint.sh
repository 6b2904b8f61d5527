#!/usr/bin/env bash
# Formatting and clippy, with every warning an error.
set -euo pipefail
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The core must also be clean without its default features (no_std + alloc).
cargo clippy -p oneshot --no-default-features -- -D warnings
