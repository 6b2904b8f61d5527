#!/usr/bin/env bash
# Formatting and clippy, with every warning an error.
set -euo pipefail
# shellcheck source=.ci/lib.sh
source .ci/lib.sh
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
RUSTDOCFLAGS="-D warnings" cargo doc -p oneshot -p oneshot-macros -p mpmc --no-deps --all-features
# A link rustdoc could not make (a path into a dependency whose docs are not
# built here) renders as literal `[Name]` text without any warning.
doc_dir=${CARGO_TARGET_DIR:-target}/doc
if grep -rhoE '\[<code>[A-Za-z_:]+</code>\]' "$doc_dir"/{oneshot,oneshot_macros,mpmc}/ | sort | uniq -c | grep .; then
    echo "the links above render as literal text: link them by URL"
    exit 1
fi
# As docs.rs builds them (package.metadata.docs.rs: all features, --cfg docsrs
# for the feature badges), on nightly.
if ensure_toolchain nightly; then
    RUSTDOCFLAGS="--cfg docsrs -D warnings" CARGO_TARGET_DIR=target/docsrs \
        cargo +nightly doc -p oneshot -p oneshot-macros -p mpmc --no-deps --all-features
fi
