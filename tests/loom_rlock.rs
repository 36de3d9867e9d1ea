//! `RLock` under loom (implementation face): every interleaving of 2–3 threads under the C11
//! memory model. Mutual exclusion between owners across reentrant acquires (the counter is in
//! loom's `UnsafeCell`, so two owners, or a hand-over without happens-before, is a reported
//! race), reentrancy against a contender, and the non-owner release refused.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_rlock`
#![cfg(loom)]

#[path = "common/scenarios/rlock.rs"]
mod scenarios;

use racelab::check::Explorer;
use racelab::Face;

// This suite proves the implementation (see `racelab::face`).
const FACE: Face = Face::Implementation;

#[test]
fn rlock_exclusion_two_threads_depth_two() {
    Explorer::new("loom_rlock_exclusion")
        .face(FACE)
        .run(|| scenarios::rlock_exclusion(2, 1, 2));
}

#[test]
fn rlock_exclusion_three_threads_bound_2() {
    Explorer::new("loom_rlock_exclusion_3")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::rlock_depths(3));
}

#[test]
fn rlock_reentrancy_against_a_contender() {
    Explorer::new("loom_rlock_reentrancy")
        .face(FACE)
        .run(scenarios::rlock_reentrancy);
}

#[test]
fn rlock_non_owner_release_is_refused() {
    Explorer::new("loom_rlock_non_owner_release")
        .face(FACE)
        .run(scenarios::rlock_non_owner_release);
}

/// The spec face (what programs that use an `RLock` are explored against): the same
/// properties hold over the checker's own lock plus the owner bookkeeping in plain cells.
#[test]
fn rlock_spec_face_exclusion_and_refusal() {
    Explorer::new("loom_rlock_spec_exclusion")
        .face(Face::Spec)
        .run(|| scenarios::rlock_exclusion(3, 1, 2));
    Explorer::new("loom_rlock_spec_non_owner_release")
        .face(Face::Spec)
        .run(scenarios::rlock_non_owner_release);
}

/// A timed acquire: taken or timed out (the checker's choice), exclusion kept either way.
#[test]
fn rlock_timed_acquire_racing_release() {
    Explorer::new("loom_rlock_timed_acquire")
        .face(FACE)
        .run(scenarios::timed_acquire_racing_release);
}
