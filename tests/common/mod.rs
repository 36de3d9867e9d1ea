//! What the test binaries share: the scenarios, written once and run by every backend
//! (`std_*.rs` runs them on real threads, `loom_*.rs` exhaustively, `shuttle_*.rs` on random
//! and PCT schedules; everything concurrent comes from `racelab::sync`, so the same code is
//! checked by whichever backend is built), the shuttle tiers' `check` helper, and the std
//! tiers' watchdogs and pool fixtures.
#![allow(dead_code)] // each test binary uses its own subset

#[cfg(any(loom, shuttle))]
pub mod faces;
#[cfg(not(any(loom, shuttle)))]
pub mod pools;
pub mod scenarios;
#[cfg(shuttle)]
pub mod shuttle;
#[cfg(not(any(loom, shuttle)))]
pub mod watch;

/// The message every deliberately panicking task uses; `quiet_expected_panics` keeps the
/// panic hook from printing it thousands of times under loom and shuttle.
pub const EXPECTED_PANIC: &str = "racelab: expected panic in a test task";

/// Keeps [`EXPECTED_PANIC`] from being printed thousands of times under loom and shuttle;
/// every other panic prints as usual.
pub fn quiet_expected_panics() {
    racelab::check::quiet_panics(EXPECTED_PANIC);
}
