//! `#[oneshot_reply(client)]` on a `oneshot` without the `client` feature
//! must fail with one error that names the feature (not one per generated
//! item that needs it). Blessed on the pinned toolchain, like `ui-tests`:
//! see `../README.md`.

#[cfg_attr(
    not(oneshot_ui_pinned),
    ignore = "not the pinned toolchain of ui-tests/toolchain: rustc's wording differs; run `cargo +1.95.0 test -p oneshot-ui-tests-no-client`"
)]
#[cfg_attr(miri, ignore = "runs rustc")]
#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/fail/*.rs");
}

/// The ignore reason above names the pin; it must stay the pin.
#[test]
fn ignore_reason_names_the_pin() {
    let pin = include_str!("../../toolchain").trim();
    assert!(
        include_str!("ui.rs").contains(&format!("cargo +{pin} test -p oneshot-ui-tests-no-client")),
        "update the ignore reason in tests/ui.rs to the pin {pin}"
    );
}
