#!/usr/bin/env bash
# The README's test command.
set -euo pipefail
cargo test --workspace
# The no_std build of the core.
cargo build -p oneshot --no-default-features
