//! The lock under shuttle: random and PCT (depth 3) schedules of the shared lock scenarios,
//! at 3 and 4 threads (more than loom can afford), plus a guard released while unwinding and
//! a deliberately racy lock that shuttle must catch.
//!
//! Shuttle treats every atomic as SeqCst, so these checks find interleaving bugs (mutual
//! exclusion, lost wake-ups: a thread parked forever is reported as a deadlock), not
//! weak-memory ones; those are loom's (`tests/loom_lock.rs`).
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_lock`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use common::scenarios;
use common::shuttle::random_and_pct;
use racelab::check::{Explorer, FailureKind};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::Face;

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

/// Schedules per check. All of this file's checks together take about 3 s of CPU in release.
/// Each check runs one seeded scheduler over all its schedules; a failure names the seed and
/// the iteration that replay it.
const LOCK_SCHEDULES: usize = 10_000;

random_and_pct! {
    lock_three_threads: "shuttle_lock_3x2", LOCK_SCHEDULES, || scenarios::lock_counter(3, 2);
    lock_four_threads: "shuttle_lock_4x2", LOCK_SCHEDULES, || scenarios::lock_counter(4, 2);
    raw_lock_three_threads: "shuttle_raw_lock_3x2", LOCK_SCHEDULES,
        || scenarios::raw_lock_counter(3, 2);
    try_lock_against_lock: "shuttle_try_lock", LOCK_SCHEDULES, scenarios::try_lock_contended;
    racing_releases: "shuttle_racing_releases", LOCK_SCHEDULES, scenarios::racing_releases;
    handoff_release: "shuttle_handoff_release", LOCK_SCHEDULES, scenarios::handoff_release;
    guard_released_while_unwinding: "shuttle_lock_unwinding", LOCK_SCHEDULES,
        scenarios::guard_released_while_unwinding;
}

/// The checker can fail: shuttle finds the check-then-set race, and the failure is the
/// mutual-exclusion assertion, not some other panic or a deadlock.
#[test]
fn shuttle_catches_a_check_then_set_lock() {
    let failure = Explorer::new("shuttle_check_then_set_caught")
        .face(FACE)
        .iterations(1000)
        .expect_failure(scenarios::check_then_set_counter);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(
        failure
            .message
            .contains("two threads inside the critical section at once"),
        "shuttle failed for another reason: {failure}"
    );
}

/// Regression: a panic caught inside the model in an earlier, passing execution (or earlier in
/// the failing one) was reported instead of the failure that propagated.
#[test]
fn regression_a_caught_panic_does_not_mask_the_real_failure() {
    let failure = Explorer::new("shuttle_masking")
        .face(FACE)
        .iterations(200)
        .expect_failure(|| {
            let caught =
                std::panic::catch_unwind(|| panic!("racelab test: caught inside the model"));
            assert!(caught.is_err());
            let n = Arc::new(AtomicUsize::new(0));
            let m = Arc::clone(&n);
            let t = thread::spawn(move || {
                let v = m.load(Ordering::SeqCst);
                m.store(v + 1, Ordering::SeqCst);
            });
            let v = n.load(Ordering::SeqCst);
            n.store(v + 1, Ordering::SeqCst);
            t.join().unwrap();
            assert_eq!(n.load(Ordering::SeqCst), 2, "racelab test: lost update");
        });
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(
        failure.message.contains("racelab test: lost update"),
        "{failure}"
    );
}
