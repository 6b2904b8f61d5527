#!/usr/bin/env bash
# Formatting and clippy, with every warning an error.
set -euo pipefail
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The core must also be clean without its default features (no_std + alloc).
cargo clippy -p oneshot --no-default-features -- -D warnings
# The published crates' docs, with broken intra-doc links as errors.
RUSTDOCFLAGS="-D warnings" cargo doc -p oneshot -p oneshot-macros --no-deps
