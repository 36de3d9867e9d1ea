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
use common::EXPECTED_PANIC;
use racelab::check::{Explorer, Scheduler};
use racelab::{TaskError, ThreadPool};

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
    let report = Explorer::new(name)
        .scheduler(scheduler)
        .iterations(EXAMPLE_SCHEDULES)
        .run(move || {
            let log = scenarios::tutorial_example(WORKERS, TASKS);
            let order: Vec<String> = log.into_iter().step_by(2).collect();
            seen.lock().unwrap().insert(order);
        });
    let distinct = orders.lock().unwrap().len();
    println!("{name}: {distinct} distinct lock orders");
    if std::env::var_os("RACELAB_ITERATIONS").is_none() {
        assert_eq!(
            report.executions, EXAMPLE_SCHEDULES as u64,
            "{name}: schedules explored"
        );
        assert!(
            distinct > 1,
            "{name}: every schedule ran the tasks in one order"
        );
    }
}

#[test]
fn tutorial_example_random() {
    tutorial("shuttle_tutorial_random", Scheduler::Random);
}

#[test]
fn tutorial_example_pct3() {
    tutorial("shuttle_tutorial_pct3", Scheduler::Pct { depth: 3 });
}

/// The tutorial's `pool.map`: results in input order whatever order the 5 workers finish in,
/// and a panicking item reported in its place without disturbing the others.
fn tutorial_map() {
    let pool = ThreadPool::new(WORKERS).unwrap();
    let results = pool.map(
        |i: usize| {
            if i == 3 {
                panic!("{}", EXPECTED_PANIC);
            }
            i * i
        },
        0..TASKS,
    );
    let expected: Vec<_> = (0..TASKS)
        .map(|i| {
            if i == 3 {
                Err(TaskError::Panicked {
                    message: EXPECTED_PANIC.to_owned(),
                })
            } else {
                Ok(i * i)
            }
        })
        .collect();
    assert_eq!(results, expected);
}

#[test]
fn tutorial_map_random() {
    common::quiet_expected_panics();
    Explorer::new("shuttle_tutorial_map_random")
        .iterations(MAP_SCHEDULES)
        .run(tutorial_map);
}

#[test]
fn tutorial_map_pct3() {
    common::quiet_expected_panics();
    Explorer::new("shuttle_tutorial_map_pct3")
        .scheduler(Scheduler::Pct { depth: 3 })
        .iterations(MAP_SCHEDULES)
        .run(tutorial_map);
}
