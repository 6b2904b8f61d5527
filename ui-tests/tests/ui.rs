//! The UI tests: every file in `tests/pass/` must compile and run, and every
//! file in `tests/fail/` must fail to compile with exactly the errors in the
//! `.stderr` file beside it. See `README.md` for running and re-blessing.
//!
//! The `.stderr` files hold rustc's own wording, which changes between
//! releases, so they are blessed on one pinned toolchain (the version in
//! `../toolchain`, which CI installs and runs them on). On any other
//! toolchain this test is ignored, and says so (`build.rs` decides); under
//! Miri, which cannot run rustc, too. `cargo test -p oneshot-ui-tests --test
//! ui -- --ignored` runs it anyway, expecting wording differences.

#[cfg_attr(
    not(oneshot_ui_pinned),
    ignore = "not the pinned toolchain of ui-tests/toolchain: rustc's wording differs; run `cargo +1.95.0 test -p oneshot-ui-tests --test ui`"
)]
#[cfg_attr(miri, ignore = "runs rustc")]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
    cases.compile_fail("tests/fail/*.rs");
}

/// The ignore reason above names the pin; it must stay the pin.
#[test]
fn ignore_reason_names_the_pin() {
    let pin = include_str!("../toolchain").trim();
    let this = include_str!("ui.rs");
    assert!(
        this.contains(&format!("cargo +{pin} test -p oneshot-ui-tests")),
        "update the ignore reason in tests/ui.rs to the pin {pin}"
    );
}
