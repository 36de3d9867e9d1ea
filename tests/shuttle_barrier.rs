//! `Barrier` under shuttle (implementation face): random and PCT (depth 3) schedules at 5
//! threads, 3 generations. Nobody passes early, distinct indices, one action per generation,
//! `abort` / `reset` breaking the waiters.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_barrier`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build (see tests/shuttle_lock.rs).
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

#[path = "common/scenarios/barrier.rs"]
mod barrier_scenarios;
mod common;

use barrier_scenarios as scenarios;
use common::shuttle::random_and_pct;
use racelab::Face;

// This suite proves the implementation (see `racelab::face`).
const FACE: Face = Face::Implementation;

/// Schedules per check.
const SCHEDULES: usize = 3_000;

random_and_pct! {
    five_parties_three_generations: "shuttle_barrier_5x3", SCHEDULES,
        || scenarios::nobody_passes_early(5, 3);
    abort_five: "shuttle_barrier_abort_5", SCHEDULES, || scenarios::abort_breaks_waiters(5);
    reset: "shuttle_barrier_reset", SCHEDULES, scenarios::reset_breaks_waiters;
    timed_wait: "shuttle_barrier_timed_wait", SCHEDULES, scenarios::timed_wait_racing_arrival;
}
