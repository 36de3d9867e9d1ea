//! The scenarios, one file per subject. Each is a plain function that takes everything
//! concurrent from `racelab::sync` and asserts what it proves (a failing assertion is a bug in
//! racelab); every tier calls the same function: `std_*.rs` on real threads, `loom_*.rs`
//! exhaustively, `shuttle_*.rs` on random and PCT schedules.

pub mod facade;
mod lock;
mod pool;
mod tutorial;

// Each test binary uses its own subset.
#[allow(unused_imports)]
pub use lock::*;
#[allow(unused_imports)]
pub use pool::*;
#[allow(unused_imports)]
pub use tutorial::*;
