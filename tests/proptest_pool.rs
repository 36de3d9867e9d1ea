//! Generated pool scenarios under shuttle: proptest picks the pool (1–6 workers), the tasks
//! (0–30, and which of them panic), when the pool is shut down (`close` or `terminate` after
//! some number of submissions, inline or from a thread racing the remaining submissions, or
//! only by dropping the pool), and the seed of shuttle's random scheduler; shuttle then runs
//! that scenario on [`SCHEDULES_PER_CASE`] schedules from that seed. A failing scenario is
//! shrunk to the smallest one that still fails, and its proptest seed is saved in
//! `proptest-regressions/proptest_pool.txt` (commit it: it is replayed first on every run).
//!
//! Every schedule asserts:
//! - every accepted result resolves, and a result delivered after the pool's `Drop` is ready;
//! - no task runs twice; a task ran exactly when its result says it did (`Ok` or `Panicked`),
//!   and only a terminated pool reports `Cancelled`;
//! - values match: `Ok` carries the task's own value, `Panicked` its own message, and only the
//!   tasks meant to panic do;
//! - submissions are accepted up to the shutdown and refused after it (exactly at it when the
//!   shutdown is inline), and each refused task comes back unrun through `into_task`;
//! - so every task that was not cancelled ran exactly once (refused ones are run by hand).
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test proptest_pool`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use std::panic::{self, AssertUnwindSafe};

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};

use common::EXPECTED_PANIC;
use racelab::check::Explorer;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{TaskError, ThreadPool};

/// How many generated scenarios one run checks.
const CASES: u32 = 64;
/// How many shuttle schedules each generated scenario gets.
const SCHEDULES_PER_CASE: usize = 32;
/// The largest pool and the most tasks a scenario has.
const MAX_WORKERS: usize = 6;
const MAX_TASKS: usize = 30;
/// Where proptest keeps the seeds of failing scenarios. proptest's default looks for a `lib.rs`
/// next to the test file and, finding none above `tests/`, would write beside it instead.
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/proptest_pool.txt"
);

/// How the pool stops accepting tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Close,
    Terminate,
}

/// When and how the pool is shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shutdown {
    /// `stop` once `after` tasks have been submitted: inline on the submitting thread, or
    /// (`racing`) on a thread spawned at that point, racing the remaining submissions.
    Stop {
        stop: Stop,
        after: usize,
        racing: bool,
    },
    /// No explicit shutdown: the pool is dropped (closed and joined) after the last submission.
    Drop,
}

#[derive(Debug, Clone)]
struct Scenario {
    workers: usize,
    /// One entry per task: whether it panics.
    panics: Vec<bool>,
    shutdown: Shutdown,
    /// The seed of shuttle's random scheduler.
    seed: u64,
}

/// A plain tuple of independent parts, mapped once, so that each part shrinks on its own (a
/// `prop_flat_map` from the task count to the shutdown point shrinks poorly). The shutdown
/// point is drawn from the whole task range and clamped to the generated task count.
fn scenarios() -> impl Strategy<Value = Scenario> {
    let stop = prop_oneof![Just(Stop::Close), Just(Stop::Terminate)];
    let shutdown = prop_oneof![
        3 => (stop, 0..=MAX_TASKS, any::<bool>())
            .prop_map(|(stop, after, racing)| Shutdown::Stop { stop, after, racing }),
        1 => Just(Shutdown::Drop),
    ];
    // proptest shrinks a tuple's parts in order, each once: the shutdown point comes first, so
    // that it is already as early as it can be when the task list is cut down.
    (
        shutdown,
        1..=MAX_WORKERS,
        prop::collection::vec(prop::bool::weighted(0.2), 0..=MAX_TASKS),
        any::<u64>(),
    )
        .prop_map(|(shutdown, workers, panics, seed)| {
            let shutdown = match shutdown {
                Shutdown::Stop {
                    stop,
                    after,
                    racing,
                } => Shutdown::Stop {
                    stop,
                    after: after.min(panics.len()),
                    racing,
                },
                Shutdown::Drop => Shutdown::Drop,
            };
            Scenario {
                workers,
                panics,
                shutdown,
                seed,
            }
        })
}

/// The value task `id` returns: distinct per task, so a result delivered to the wrong owner
/// shows.
fn value(id: usize) -> usize {
    7 * id + 3
}

/// One execution of `scenario`: the body shuttle runs on every schedule.
fn run(scenario: &Scenario) {
    let tasks = scenario.panics.len();
    let pool = Arc::new(ThreadPool::new(scenario.workers).unwrap());
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..tasks).map(|_| AtomicUsize::new(0)).collect());
    // Relaxed: each count is read after its run was published by the task's result, by joining
    // the workers, or on the thread that ran it.
    let runs_of = |id: usize| runs[id].load(Ordering::Relaxed);

    let mut stopper = None;
    let mut accepted = Vec::new();
    let mut first_refused = None;
    for id in 0..=tasks {
        if let Shutdown::Stop {
            stop,
            after,
            racing,
        } = scenario.shutdown
        {
            if id == after {
                let pool = Arc::clone(&pool);
                let shut_down = move || match stop {
                    Stop::Close => pool.close(),
                    Stop::Terminate => pool.terminate(),
                };
                if racing {
                    stopper = Some(thread::spawn(shut_down));
                } else {
                    shut_down();
                }
            }
        }
        if id == tasks {
            break;
        }
        let panics = scenario.panics[id];
        let counts = Arc::clone(&runs);
        let task = move || {
            // Relaxed: a read-modify-write sees every earlier one, which is all this needs.
            let before = counts[id].fetch_add(1, Ordering::Relaxed);
            assert_eq!(before, 0, "task {id} ran twice");
            if panics {
                panic!("{}", EXPECTED_PANIC);
            }
            value(id)
        };
        match pool.apply_async(task) {
            Ok(result) => {
                assert_eq!(first_refused, None, "task {id} accepted after a refusal");
                accepted.push((id, result));
            }
            Err(refused) => {
                first_refused.get_or_insert(id);
                assert_eq!(runs_of(id), 0, "refused task {id} ran");
                match panic::catch_unwind(AssertUnwindSafe(refused.into_task())) {
                    Ok(v) => assert!(!panics && v == value(id), "refused task {id} gave {v}"),
                    Err(_) => assert!(panics, "refused task {id} panicked"),
                }
            }
        }
    }

    let accepted_count = first_refused.unwrap_or(tasks);
    let may_cancel = match scenario.shutdown {
        Shutdown::Stop {
            stop,
            after,
            racing,
        } => {
            if racing {
                assert!(accepted_count >= after, "refused before the shutdown began");
            } else {
                assert_eq!(accepted_count, after, "inline shutdown after {after} tasks");
            }
            stop == Stop::Terminate
        }
        Shutdown::Drop => {
            assert_eq!(accepted_count, tasks, "refused with nothing shut down");
            false
        }
    };
    // The pool's Drop closes and joins: every result is ready after it.
    let pool = if scenario.shutdown == Shutdown::Drop {
        drop(pool);
        for (id, result) in &accepted {
            assert!(
                result.ready(),
                "task {id} unresolved after the pool was dropped"
            );
        }
        None
    } else {
        Some(pool)
    };

    let mut cancelled = vec![false; tasks];
    for (id, result) in accepted {
        match result.get() {
            Ok(v) => {
                assert!(
                    !scenario.panics[id],
                    "task {id} should have panicked, gave {v}"
                );
                assert_eq!(v, value(id), "task {id} delivered another task's value");
            }
            Err(TaskError::Panicked { message }) => {
                assert!(scenario.panics[id], "task {id} panicked: {message}");
                assert_eq!(message, EXPECTED_PANIC);
            }
            Err(TaskError::Cancelled) if may_cancel => cancelled[id] = true,
            Err(other) => panic!("task {id}: unexpected {other:?}"),
        }
    }
    if let Some(stopper) = stopper {
        stopper.join().unwrap();
    }
    if let Some(pool) = pool {
        pool.join().unwrap();
    }
    for (id, &cancelled) in cancelled.iter().enumerate() {
        let expected = usize::from(!cancelled);
        assert_eq!(
            runs_of(id),
            expected,
            "task {id} (cancelled: {cancelled}) ran {} times",
            runs_of(id)
        );
    }
}

/// Checks `scenario` on shuttle schedules seeded from it; a failing schedule fails the case.
///
/// shuttle 0.9.9 can leave the OS thread of a failed execution marked as panicking (when a
/// failing task hits a scheduling point while unwinding, e.g. dropping a lock guard), and every
/// later shuttle run on that thread then fails at once with "a task was still unwinding a
/// panic". proptest shrinks a failure by re-running smaller scenarios on its own thread, so
/// were shuttle run on that thread, one real failure would make every shrunk scenario fail too
/// and the "minimal" scenario would mean nothing. `Explorer::run` runs each search on a fresh
/// OS thread, and only its report of the failure comes back here, as an ordinary panic.
fn check(scenario: Scenario) -> Result<(), TestCaseError> {
    let explorer = Explorer::new("proptest_pool")
        .seed(scenario.seed)
        .iterations(SCHEDULES_PER_CASE);
    match panic::catch_unwind(AssertUnwindSafe(|| explorer.run(move || run(&scenario)))) {
        Ok(_) => Ok(()),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("<non-string panic payload>");
            Err(TestCaseError::fail(message.to_owned()))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_pool_scenarios(scenario in scenarios()) {
        common::quiet_expected_panics();
        check(scenario)?;
    }
}
