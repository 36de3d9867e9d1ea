//! The harness itself on real threads: a failure's message has no trailing newline, quieted
//! panics are still failures, and a spawned thread's panic is the failure, not the join after it.
//!
//! Run: `cargo test --test std_harness`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here (see clippy.toml).
#![allow(clippy::disallowed_methods)]

use racelab::check::{self, Explorer, Failure, FailureKind};
use racelab::sync::thread;

/// The failure points at the line in this file that panicked.
fn assert_located_here(failure: &Failure) {
    assert!(
        failure
            .location
            .as_deref()
            .is_some_and(|at| at.starts_with("tests/std_harness.rs:")),
        "{failure}"
    );
}

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
    assert_located_here(&failure);
}

/// A panic on a thread the body spawned is the failure, not the body's `join().unwrap()` that
/// follows it: std's threads are not armed, so the panic used to be lost and the failure read
/// "called `Result::unwrap()` on an `Err` value: Any { .. }" (a model's std stress test failed
/// on it in CI, where real scheduling happened to find the bug).
#[test]
fn a_spawned_threads_panic_is_the_failure_not_the_join() {
    check::quiet_panics("std_harness spawned:");
    let failure = Explorer::new("std_harness_spawned")
        .iterations(1)
        .find_failure(|| {
            let child = thread::spawn(|| panic!("std_harness spawned: the cause"));
            child.join().unwrap();
        })
        .expect("it fails");
    assert_eq!(
        (failure.kind, failure.message.as_str()),
        (FailureKind::Panic, "std_harness spawned: the cause"),
        "{failure}"
    );
    assert_located_here(&failure);
}

/// A body that catches its thread's panic itself passes: the stray panic is not a failure of
/// its own, and it does not stay behind: the next check's own stray is the one reported (a
/// stray left over from a finished run would block it, and the failure read as the join).
#[test]
fn a_spawned_threads_panic_the_body_handles_is_no_failure() {
    check::quiet_panics("std_harness handled:");
    check::quiet_panics("std_harness after:");
    Explorer::new("std_harness_handled").iterations(3).run(|| {
        let child = thread::spawn(|| panic!("std_harness handled: expected"));
        assert!(child.join().is_err());
    });
    let failure = Explorer::new("std_harness_after")
        .iterations(1)
        .find_failure(|| {
            let child = thread::spawn(|| panic!("std_harness after: its own"));
            child.join().unwrap();
        })
        .expect("it fails");
    assert_eq!(failure.message, "std_harness after: its own", "{failure}");
}
