//! `Barrier` under loom (implementation face): every interleaving of 2–3 threads. Nobody
//! passes before all arrive, the indices of a generation are distinct, the action runs once
//! per generation, and `abort` / `reset` fail the waiters with `BrokenBarrier`.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_barrier`
#![cfg(loom)]

#[path = "common/scenarios/barrier.rs"]
mod scenarios;

use racelab::check::Explorer;
use racelab::Face;

// This suite proves the implementation (see `racelab::face`).
const FACE: Face = Face::Implementation;

#[test]
fn barrier_nobody_passes_early_two_generations() {
    Explorer::new("loom_barrier_nobody_passes_early")
        .face(FACE)
        .preemption_bound(3)
        .run(|| scenarios::nobody_passes_early(2, 2));
}

#[test]
fn barrier_three_parties_action_once() {
    Explorer::new("loom_barrier_action_once")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::nobody_passes_early(3, 1));
}

#[test]
fn barrier_abort_breaks_waiters() {
    Explorer::new("loom_barrier_abort")
        .face(FACE)
        .preemption_bound(3)
        .run(|| scenarios::abort_breaks_waiters(2));
}

#[test]
fn barrier_reset_breaks_waiters() {
    Explorer::new("loom_barrier_reset")
        .face(FACE)
        .preemption_bound(3)
        .run(scenarios::reset_breaks_waiters);
}

/// The spec face (what programs that use a `Barrier` are explored against).
#[test]
fn barrier_spec_face() {
    Explorer::new("loom_barrier_spec_nobody_passes_early")
        .face(Face::Spec)
        .preemption_bound(3)
        .run(|| scenarios::nobody_passes_early(2, 2));
    Explorer::new("loom_barrier_spec_abort")
        .face(Face::Spec)
        .run(|| scenarios::abort_breaks_waiters(2));
}

/// A timed wait: both pass, or the timeout breaks the barrier for both.
#[test]
fn barrier_timed_wait_racing_arrival() {
    Explorer::new("loom_barrier_timed_wait")
        .face(FACE)
        .run(scenarios::timed_wait_racing_arrival);
}
