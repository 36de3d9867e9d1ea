//! `Condition` under shuttle (implementation face): random and PCT (depth 3) schedules at 5
//! threads. No lost wake-up (a waiter left blocked is a deadlock), FIFO order, `notify(n)`.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_condition`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build (see tests/shuttle_lock.rs).
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;
#[path = "common/scenarios/condition.rs"]
mod condition_scenarios;

use common::shuttle::random_and_pct;
use condition_scenarios as scenarios;
use racelab::Face;

// This suite proves the implementation (see `racelab::face`).
const FACE: Face = Face::Implementation;

/// Schedules per check.
const SCHEDULES: usize = 3_000;

random_and_pct! {
    no_lost_wakeup_four_consumers: "shuttle_condition_no_lost_wakeup_4x6", SCHEDULES,
        || scenarios::no_lost_wakeup(4, 6);
    fifo_four_waiters: "shuttle_condition_fifo_4", SCHEDULES, || scenarios::fifo(4);
    notify_n_four_waiters: "shuttle_condition_notify_n_4", SCHEDULES,
        || scenarios::notify_n(4, 2);
    timed_wait: "shuttle_condition_timed_wait", SCHEDULES, scenarios::timed_wait_racing_notify;
}
