//! Finds out whether the test runs on the toolchain the UI `.stderr` files
//! were blessed on (the version in `toolchain`, which `.ci/stages/20-test.sh`
//! installs and runs them on), and sets `cfg(oneshot_ui_pinned)` if so.
//! rustc's own wording in those files changes between releases, so on any
//! other toolchain `tests/ui.rs` is ignored, with a reason saying so.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    // `ui-tests/toolchain`, from `ui-tests` or from `ui-tests/no-client`.
    let dir = Path::new(&manifest_dir);
    let pin_file = [dir.join("toolchain"), dir.join("../toolchain")]
        .into_iter()
        .find(|path| path.exists())
        .expect("ui-tests/toolchain holds the pinned version");
    println!("cargo:rerun-if-changed={}", pin_file.display());
    println!("cargo:rerun-if-env-changed=RUSTC");
    println!("cargo:rustc-check-cfg=cfg(oneshot_ui_pinned)");

    let pin = std::fs::read_to_string(&pin_file).expect("ui-tests/toolchain is readable");
    let pin = pin.trim();
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(&rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .unwrap_or_default();
    // `rustc 1.95.0 (59807616e 2026-04-14)`: the pin exactly, not
    // `1.95.0-nightly` or `1.95.0-beta.3`.
    if version.starts_with(&format!("rustc {pin} ")) {
        println!("cargo:rustc-cfg=oneshot_ui_pinned");
    } else {
        println!(
            "cargo:warning=UI tests (tests/ui.rs) skipped: this is {}, the .stderr files are blessed on rustc {pin}; run them with `cargo +{pin} test -p {}`",
            version.trim(),
            env::var("CARGO_PKG_NAME").unwrap_or_default()
        );
    }
}
