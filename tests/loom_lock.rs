//! The lock under loom: every interleaving (up to the stated preemption bound), under the C11
//! memory model. Mutual exclusion, no lost wake-up (a lost wake-up leaves a thread parked
//! forever, which loom reports as a deadlock), and race-free data: the counter lives in
//! loom's `UnsafeCell`, so an access not ordered by the lock's Acquire/Release is a
//! causality violation.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_lock`
#![cfg(loom)]

mod common;

use common::scenarios;
use racelab::check::Explorer;
use racelab::Face;

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

#[test]
fn lock_two_threads_two_rounds_unbounded() {
    Explorer::new("loom_lock_2x2")
        .face(FACE)
        .run(|| scenarios::lock_counter(2, 2));
}

#[test]
fn lock_three_threads_bound_2() {
    Explorer::new("loom_lock_3x1")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::lock_counter(3, 1));
}

#[test]
fn lock_three_threads_two_rounds_bound_2() {
    Explorer::new("loom_lock_3x2")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::lock_counter(3, 2));
}

#[test]
fn raw_lock_two_threads_two_rounds_unbounded() {
    Explorer::new("loom_raw_lock_2x2")
        .face(FACE)
        .run(|| scenarios::raw_lock_counter(2, 2));
}

#[test]
fn try_lock_against_lock_unbounded() {
    Explorer::new("loom_try_lock")
        .face(FACE)
        .run(scenarios::try_lock_contended);
}

#[test]
fn racing_releases_exactly_one_wins_unbounded() {
    Explorer::new("loom_racing_releases")
        .face(FACE)
        .run(scenarios::racing_releases);
}

#[test]
fn release_from_another_thread_wakes_the_waiter_unbounded() {
    Explorer::new("loom_handoff_release")
        .face(FACE)
        .run(scenarios::handoff_release);
}

/// Four threads: two waiters queued while a third contends, so a queue owner unlinks the
/// oldest of several nodes (writing a `next`) while another thread can become the next queue
/// owner without being woken by this one.
#[test]
fn lock_four_threads_bound_2() {
    Explorer::new("loom_lock_4x1")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::lock_counter(4, 1));
}

/// One of three threads panics while holding the guard: the guard's `Drop` releases the lock
/// during unwinding, and the two waiting threads still get it.
#[test]
fn guard_released_while_unwinding_bound_2() {
    common::quiet_expected_panics();
    Explorer::new("loom_lock_unwinding")
        .face(FACE)
        .preemption_bound(2)
        .run(scenarios::guard_released_while_unwinding);
}
