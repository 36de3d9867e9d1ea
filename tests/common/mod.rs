//! Test scenarios written once and run by every backend: `std_*.rs` runs them on real threads,
//! `loom_*.rs` exhaustively, `shuttle_*.rs` on random and PCT schedules. Everything concurrent
//! comes from `racelab::sync`, so the same code is checked by whichever backend is built.
#![allow(dead_code)] // each test binary uses its own subset

pub mod scenarios;

/// The message every deliberately panicking task uses; `quiet_expected_panics` keeps the
/// panic hook from printing it thousands of times under loom and shuttle.
pub const EXPECTED_PANIC: &str = "racelab: expected panic in a test task";

/// Installs a panic hook that stays silent for [`EXPECTED_PANIC`] and prints every other
/// panic as the default hook would.
pub fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if message != Some(EXPECTED_PANIC) {
                default(info);
            }
        }));
    });
}
