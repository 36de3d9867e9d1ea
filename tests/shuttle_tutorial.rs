//! The tutorial's example at full scale under shuttle: a pool of 5 workers, 10 tasks fed with
//! `apply_async` and drained with `get`, every task holding the one shared lock for its whole
//! critical section. Random and PCT (depth 3) schedules; loom cannot afford 5 workers.
//!
//! Besides the scenario's own assertions (no two critical sections overlap, every result
//! arrives), each check asserts that its schedules really contended: the tasks entered the
//! lock in more than one order across the run, so the lock had something to exclude.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_tutorial`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use std::collections::HashSet;

use common::scenarios;
use common::shuttle::{check, random_and_pct};
use racelab::check::Scheduler;
use racelab::Face;

// The tutorial is a program that uses racelab's pool and lock: it is explored against their
// specs, as a user's program is (see `racelab::face`).
const FACE: Face = Face::Spec;

const WORKERS: usize = 5;
const TASKS: usize = 10;
/// Schedules per check of the full-scale example and of the smaller `map` check; the four
/// checks together take about 4 s of CPU in release.
const EXAMPLE_SCHEDULES: usize = 10_000;
const MAP_SCHEDULES: usize = 5_000;

/// Runs the tutorial's example as the check `name`, and asserts that the tasks entered the
/// lock in more than one order across its schedules.
///
/// The orders are collected outside the model with std types on purpose: the statistic counts
/// what the schedules did, and must not itself become a scheduling point.
#[allow(clippy::disallowed_types)]
fn tutorial(name: &str, scheduler: Scheduler) {
    let orders = std::sync::Arc::new(std::sync::Mutex::new(HashSet::new()));
    let seen = std::sync::Arc::clone(&orders);
    check(FACE, name, scheduler, EXAMPLE_SCHEDULES, move || {
        let log = scenarios::tutorial_example(WORKERS, TASKS);
        let order: Vec<String> = log.into_iter().step_by(2).collect();
        seen.lock().unwrap().insert(order);
    });
    let distinct = orders.lock().unwrap().len();
    println!("{name}: {distinct} distinct lock orders");
    if std::env::var_os("RACELAB_ITERATIONS").is_none() {
        assert!(
            distinct > 1,
            "{name}: every schedule ran the tasks in one order"
        );
    }
}

random_and_pct! {
    tutorial_example: "shuttle_tutorial" => tutorial;
}

random_and_pct! {
    /// The tutorial's `pool.map`: results in input order, a panicking item in its place.
    tutorial_map: "shuttle_tutorial_map", MAP_SCHEDULES,
        || scenarios::tutorial_map(WORKERS, TASKS);
}
