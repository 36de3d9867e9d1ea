//! The harness itself under shuttle: quieted panics are still failures, a failure's message
//! has no trailing newline, and a failure prints one report with one recipe — none of
//! shuttle's own schedule, seed or advice — which replays even with `SHUTTLE_RANDOM_SEED` set.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_harness`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

use racelab::check::{self, Explorer, FailureKind, Replay};
use racelab::sync::{thread, Arc};
use racelab::Lock;

const LOST: &str = "shuttle_harness: an increment was lost";

/// A user's own lost update: a read and a write of a counter, not under one guard.
fn lost_update() {
    let n = Arc::new(Lock::new(0));
    let m = Arc::clone(&n);
    let increment = move |n: &Lock<usize>| {
        let seen = *n.lock();
        *n.lock() = seen + 1;
    };
    let t = thread::spawn(move || increment(&m));
    increment(&n);
    t.join().unwrap();
    assert_eq!(*n.lock(), 2, "{LOST}");
}

#[test]
fn quieted_panics_are_still_failures() {
    check::quiet_panics("shuttle_harness quiet:");
    // Before: the quieted panic was not captured, and the search re-panicked with it.
    let failure = Explorer::new("shuttle_harness_quiet")
        .find_failure(|| {
            let t = thread::spawn(|| panic!("shuttle_harness quiet: the failure"));
            let _ = t.join();
        })
        .expect("a quieted panic is still captured");
    assert_eq!(
        (failure.kind, failure.message.as_str()),
        (FailureKind::Panic, "shuttle_harness quiet: the failure")
    );
}

#[test]
fn a_message_has_no_trailing_newline() {
    let failure = Explorer::new("shuttle_harness_newline")
        .find_failure(|| panic!("ends in a newline\n"))
        .expect("it fails");
    assert_eq!(failure.message, "ends in a newline");
}

/// The variable that makes [`print_one_failure`] do its work (in the child that
/// [`one_failure_prints_one_report_and_one_recipe`] starts).
const CHILD: &str = "SHUTTLE_HARNESS_PRINT";

/// Finds a failure and replays it by its schedule, printing what a user sees; only in the
/// child process started below.
#[test]
fn print_one_failure() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let failure = Explorer::new("shuttle_harness_print")
        .find_failure(lost_update)
        .expect("a lost update");
    let Replay::ShuttleSchedule { schedule } = &failure.replay else {
        panic!("a shuttle failure replays by its schedule: {failure}");
    };
    let again = check::replay(lost_update, schedule).expect("the schedule replays the failure");
    assert_eq!(again.message, failure.message);
    println!("REPLAYED OK");
}

#[test]
fn one_failure_prints_one_report_and_one_recipe() {
    let exe = std::env::current_exe().expect("the test binary");
    let output = std::process::Command::new(exe)
        .args(["print_one_failure", "--exact", "--nocapture"])
        .env(CHILD, "1")
        // Before: shuttle's search silently used this seed while racelab named its own.
        .env("SHUTTLE_RANDOM_SEED", "7")
        .output()
        .expect("the child runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("REPLAYED OK"), "{text}");
    // Before: shuttle's schedule (twice), its seed and advice, and task names came too.
    for shuttle_own in [
        "failing schedule",
        "failing seed",
        "shuttle::replay",
        "SHUTTLE_RANDOM_SEED",
        "Task failed",
        "Tried to get ExecutionState",
        "<unknown>",
    ] {
        assert!(!text.contains(shuttle_own), "{shuttle_own:?} in:\n{text}");
    }
    assert_eq!(text.matches("reproduce with:").count(), 1, "{text}");
    assert_eq!(text.matches("RACELAB_REPLAY=").count(), 1, "{text}");
}
