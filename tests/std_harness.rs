//! The harness itself on real threads: a failure's message has no trailing newline, and quieted
//! panics are still failures.
//!
//! Run: `cargo test --test std_harness`
#![cfg(not(any(loom, shuttle)))]

use racelab::check::{self, Explorer, FailureKind};

#[test]
fn a_message_has_no_trailing_newline() {
    // Before: the message was "ends in a newline\n".
    let failure = Explorer::new("std_harness_newline")
        .iterations(1)
        .find_failure(|| panic!("ends in a newline\n"))
        .expect("it fails");
    assert_eq!(
        (failure.kind, failure.message.as_str()),
        (FailureKind::Panic, "ends in a newline")
    );
}

#[test]
fn quieted_panics_are_still_failures() {
    check::quiet_panics("std_harness quiet:");
    let failure = Explorer::new("std_harness_quiet")
        .iterations(1)
        .find_failure(|| panic!("std_harness quiet: the failure"))
        .expect("a quieted panic is still captured");
    assert_eq!(
        (failure.kind, failure.message.as_str()),
        (FailureKind::Panic, "std_harness quiet: the failure")
    );
    // Captured as the panic it is, with its location (the quieted panic used to be kept only
    // as text, without one).
    assert!(
        failure
            .location
            .as_deref()
            .is_some_and(|at| at.starts_with("tests/std_harness.rs:")),
        "{failure}"
    );
}
