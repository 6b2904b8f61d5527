#!/usr/bin/env bash
# The README's test command, then the UI tests on their pinned toolchain.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

cargo test
# The no_std builds of the core and of mpmc.
cargo build -p oneshot --no-default-features
cargo build -p mpmc --no-default-features

# The trybuild cases (ui-tests/tests/ui.rs) compare rustc's messages with
# .stderr files blessed on one toolchain, the version in ui-tests/toolchain;
# on any other toolchain they are ignored. If `cargo test` above ran on
# another one, run them on the pin here, so CI always checks them.
pin=$(tr -d '[:space:]' <ui-tests/toolchain)
if rustc --version | grep -q "^rustc $pin "; then
    echo "::: UI tests ran above, on the pinned rustc $pin"
elif ensure_toolchain "$pin"; then
    banner "UI tests on the pinned rustc $pin"
    CARGO_TARGET_DIR=target/ui-pin cargo "+$pin" test -p oneshot-ui-tests -p oneshot-ui-tests-no-client --test ui
else
    echo "SKIPPED: UI tests (toolchain $pin could not be installed)"
fi
