//! The UI tests: every file in `tests/pass/` must compile and run, and every
//! file in `tests/fail/` must fail to compile with exactly the errors in the
//! `.stderr` file beside it. See `README.md` for running and re-blessing.
//!
//! The `.stderr` files are blessed on stable Rust, whose messages change
//! between releases and differ on nightly, so the test is ignored off
//! stable, and under Miri, which cannot run rustc.

#[rustversion::attr(not(stable), ignore = "the .stderr files are blessed on stable")]
#[cfg_attr(miri, ignore = "runs rustc")]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
    cases.compile_fail("tests/fail/*.rs");
}
