#!/usr/bin/env bash
# Formatting and clippy, with every warning an error.
set -euo pipefail
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The core must also be clean without its default features (no_std + alloc).
cargo clippy -p oneshot --no-default-features -- -D warnings
# mpmc in each feature set: no_std + alloc, no_std + async, and everything
# (the workspace run above has the defaults).
cargo clippy -p mpmc --no-default-features -- -D warnings
cargo clippy -p mpmc --no-default-features --features async -- -D warnings
cargo clippy -p mpmc --all-features -- -D warnings
# The published crates' docs, with broken intra-doc links as errors.
RUSTDOCFLAGS="-D warnings" cargo doc -p oneshot -p oneshot-macros -p mpmc --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -p mpmc --no-deps --all-features
