#!/usr/bin/env bash
# The README's test command.
set -euo pipefail
cargo test --workspace
# The no_std builds of the core and of mpmc.
cargo build -p oneshot --no-default-features
cargo build -p mpmc --no-default-features
