//! `RLock` under shuttle (implementation face): random and PCT (depth 3) schedules at 5
//! threads — more than loom can afford. Mutual exclusion across reentrant acquires, the count,
//! and refused non-owner releases.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_rlock`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build (see tests/shuttle_lock.rs).
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;
#[path = "common/scenarios/rlock.rs"]
mod rlock_scenarios;

use common::shuttle::random_and_pct;
use racelab::Face;
use rlock_scenarios as scenarios;

// This suite proves the implementation (see `racelab::face`).
const FACE: Face = Face::Implementation;

/// Schedules per check.
const SCHEDULES: usize = 5_000;

random_and_pct! {
    rlock_five_threads: "shuttle_rlock_5x2", SCHEDULES, || scenarios::rlock_exclusion(5, 2, 3);
    rlock_depths: "shuttle_rlock_depths_5", SCHEDULES, || scenarios::rlock_depths(5);
    rlock_reentrancy: "shuttle_rlock_reentrancy", SCHEDULES, scenarios::rlock_reentrancy;
    rlock_non_owner_release: "shuttle_rlock_non_owner_release", SCHEDULES,
        scenarios::rlock_non_owner_release;
    timed_acquire: "shuttle_rlock_timed_acquire", SCHEDULES, scenarios::timed_acquire_racing_release;
}
