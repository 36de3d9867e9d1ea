//! The tutorial's example (README's tutorial section) in Rust, on real threads: a pool of 5 workers, 10 tasks, each
//! holding one shared lock for its whole critical section. No two critical sections overlap
//! (an `inside` counter never exceeds 1) and all 10 results arrive — with the guard-based
//! `Lock<T>`, with the tutorial's own `acquire` / `try … finally release` on a `RawLock`, and
//! with a task that panics inside its critical section.
//!
//! This binary also holds the one test that sets `RACELAB_*` environment variables: no other
//! test here runs the harness, so the variables cannot leak into a concurrent check.
//!
//! Run: `cargo test --test std_tutorial`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use common::watch::{panic_text, within};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::panic::{self, AssertUnwindSafe};

use common::scenarios::{self, Inside};
use common::EXPECTED_PANIC;
use racelab::check::{Explorer, FailureKind};
use racelab::sync::{thread, Arc};
use racelab::{Lock, RawLock, TaskError, ThreadPool};

const WORKERS: usize = 5;
const TASKS: usize = 10;

/// Checks a log of the tutorial's example: every task started and finished exactly once, as one unbroken pair.
fn assert_well_formed(log: &[String], tasks: usize) {
    assert_eq!(log.len(), 2 * tasks, "{log:?}");
    let mut seen = BTreeSet::new();
    for pair in log.chunks(2) {
        let task = pair[0]
            .strip_prefix("task ")
            .and_then(|rest| rest.strip_suffix(" started"))
            .unwrap_or_else(|| panic!("not a start: {:?} in {log:?}", pair[0]));
        assert_eq!(
            pair[1],
            format!("task {task} finished"),
            "sections overlap: {log:?}"
        );
        let task: usize = task.parse().expect("a task number");
        assert!(seen.insert(task), "task {task} ran twice: {log:?}");
    }
    assert_eq!(seen, (0..tasks).collect(), "a task is missing: {log:?}");
}

#[test]
fn section_4_example_with_lock_guards() {
    within(|| {
        // Each run is a fresh pool and a fresh schedule; a few dozen give the workers many
        // chances to overlap if the lock let them.
        for _ in 0..30 {
            let log = scenarios::tutorial_example(WORKERS, TASKS);
            assert_well_formed(&log, TASKS);
        }
    });
}

#[test]
fn section_4_example_with_acquire_and_release() {
    within(|| {
        // The tutorial's own shape: `lock.acquire()`, then `try: … finally: lock.release()`.
        // A `RawLock` guards the log through a `Lock` that is only ever try-locked, so a broken
        // RawLock shows up as a failed try_lock as well as in the `inside` counter.
        for _ in 0..30 {
            let pool = ThreadPool::new(WORKERS).unwrap();
            let lock = Arc::new(RawLock::new());
            let log = Arc::new(Lock::new(Vec::new()));
            let inside = Arc::new(Inside::new());
            let results: Vec<_> = (0..TASKS)
                .map(|i| {
                    let (lock, log, inside) =
                        (Arc::clone(&lock), Arc::clone(&log), Arc::clone(&inside));
                    pool.apply_async(move || {
                        lock.acquire();
                        let section = panic::catch_unwind(AssertUnwindSafe(|| {
                            inside.enter();
                            let mut log = log.try_lock().expect("RawLock let two tasks in");
                            log.push(format!("task {i} started"));
                            thread::yield_now(); // the tutorial's sleep(1)
                            log.push(format!("task {i} finished"));
                            drop(log);
                            inside.leave();
                        }));
                        // finally:
                        lock.release().expect("the task held the lock");
                        if let Err(payload) = section {
                            panic::resume_unwind(payload);
                        }
                        i
                    })
                    .unwrap()
                })
                .collect();
            for (i, r) in results.into_iter().enumerate() {
                assert_eq!(r.get(), Ok(i), "task {i}'s result did not arrive");
            }
            drop(pool);
            assert!(!lock.is_locked());
            assert_well_formed(&log.lock(), TASKS);
        }
    });
}

#[test]
fn section_4_example_survives_a_task_that_panics_in_its_critical_section() {
    within(|| {
        // The guard is the tutorial's `finally`: task 3 panics while holding the lock, the guard
        // releases it while unwinding, and the other nine still run and report.
        common::quiet_expected_panics();
        const PANICS: usize = 3;
        let pool = ThreadPool::new(WORKERS).unwrap();
        let log = Arc::new(Lock::new(Vec::new()));
        let inside = Arc::new(Inside::new());
        let results: Vec<_> = (0..TASKS)
            .map(|i| {
                let (log, inside) = (Arc::clone(&log), Arc::clone(&inside));
                pool.apply_async(move || {
                    let mut log = log.lock();
                    inside.enter();
                    log.push(format!("task {i} started"));
                    if i == PANICS {
                        inside.leave();
                        panic!("{}", EXPECTED_PANIC);
                    }
                    thread::yield_now();
                    log.push(format!("task {i} finished"));
                    inside.leave();
                    i
                })
                .unwrap()
            })
            .collect();
        for (i, r) in results.into_iter().enumerate() {
            let expected = if i == PANICS {
                Err(TaskError::Panicked {
                    message: EXPECTED_PANIC.to_owned(),
                })
            } else {
                Ok(i)
            };
            assert_eq!(r.get(), expected, "task {i}");
        }
        drop(pool);
        assert!(!log.is_locked(), "the panicking task's guard kept the lock");
        let log = std::mem::take(&mut *log.lock());
        // The panicking task's start is logged with no finish; the rest are unbroken pairs.
        let lone = format!("task {PANICS} started");
        let at = log.iter().position(|e| *e == lone).expect("task 3 started");
        let mut rest = log.clone();
        rest.remove(at);
        assert_eq!(rest.len(), 2 * (TASKS - 1), "{log:?}");
        for pair in rest.chunks(2) {
            let task = pair[0].strip_suffix(" started").expect("a start first");
            assert_eq!(
                pair[1],
                format!("{task} finished"),
                "sections overlap: {log:?}"
            );
        }
    });
}

/// Sets environment variables for one test and restores what was there before.
struct EnvGuard(Vec<(&'static str, Option<OsString>)>);

impl EnvGuard {
    fn new(names: &[&'static str]) -> Self {
        EnvGuard(names.iter().map(|&n| (n, std::env::var_os(n))).collect())
    }
}

impl Drop for EnvGuard {
    fn drop(&mut self) {
        for (name, old) in &self.0 {
            match old {
                Some(value) => std::env::set_var(name, value),
                None => std::env::remove_var(name),
            }
        }
    }
}

#[test]
fn explorer_reads_its_overrides_from_the_environment() {
    // The only test in this binary that touches the environment or runs the harness.
    let restore = EnvGuard::new(&[
        "RACELAB_ITERATIONS",
        "RACELAB_REPORT",
        "RACELAB_SEED",
        "RACELAB_STD_TIMEOUT",
    ]);
    for name in &restore.0 {
        std::env::remove_var(name.0);
    }
    let report_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("std_tutorial_report_{}.tsv", std::process::id()));
    let _ = std::fs::remove_file(&report_file);

    // RACELAB_ITERATIONS overrides the configured count; RACELAB_REPORT gets one record.
    std::env::set_var("RACELAB_ITERATIONS", " 3 ");
    std::env::set_var("RACELAB_SEED", "7");
    std::env::set_var("RACELAB_REPORT", &report_file);
    let report = Explorer::new("tutorial_section_4")
        .iterations(1000)
        .run(|| assert_well_formed(&scenarios::tutorial_example(WORKERS, TASKS), TASKS));
    assert_eq!(report.executions, 3);
    assert_eq!(report.budget, "stress × 3");
    assert_eq!(report.result, "pass");
    let written = std::fs::read_to_string(&report_file).expect("RACELAB_REPORT was written");
    assert_eq!(written, format!("{}\n", report.record()));
    assert!(
        written.starts_with("tutorial_section_4\tstd\tstress × 3\t3\t"),
        "{written:?}"
    );
    assert!(written.ends_with("\tpass\n"), "{written:?}");
    // A second check appends.
    Explorer::new("second").iterations(1).run(|| ());
    let written = std::fs::read_to_string(&report_file).unwrap();
    assert_eq!(written.lines().count(), 2, "{written:?}");
    assert!(written
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("second\tstd\tstress × 3\t3\t"));
    std::fs::remove_file(&report_file).unwrap();

    // A RACELAB_REPORT that cannot be appended to is a panic naming the path.
    let dir = env!("CARGO_TARGET_TMPDIR");
    std::env::set_var("RACELAB_REPORT", dir);
    let caught = panic::catch_unwind(|| Explorer::new("unwritable").iterations(1).run(|| ()));
    let message = panic_text(&*caught.expect_err("appending to a directory fails"));
    assert!(
        message.starts_with(&format!("cannot append to RACELAB_REPORT={dir}: ")),
        "{message}"
    );
    std::env::remove_var("RACELAB_REPORT");

    // RACELAB_STD_TIMEOUT overrides the explorer's watchdog: a self-deadlock is reported
    // after 1 s, not 60 (its blocked thread is leaked, by design).
    std::env::set_var("RACELAB_ITERATIONS", "2");
    std::env::set_var("RACELAB_STD_TIMEOUT", "1");
    let failure = Explorer::new("self_deadlock")
        .std_timeout(60)
        .expect_failure(|| {
            let lock = RawLock::new();
            lock.acquire();
            lock.acquire();
        });
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert_eq!(
        failure.message,
        "no progress within 1 s in run 1: deadlocked (its threads are left blocked)"
    );
    std::env::remove_var("RACELAB_STD_TIMEOUT");

    // Malformed values are panics naming the variable and the value.
    let refused = |name: &str, value: &str| {
        std::env::set_var(name, value);
        let caught = panic::catch_unwind(|| Explorer::new("bad_env").run(|| ()));
        std::env::remove_var(name);
        panic_text(&*caught.expect_err("a malformed variable is refused"))
    };
    assert_eq!(
        refused("RACELAB_ITERATIONS", "many"),
        "RACELAB_ITERATIONS=\"many\" is not a whole number"
    );
    std::env::set_var("RACELAB_ITERATIONS", "2");
    assert_eq!(
        refused("RACELAB_SEED", "-1"),
        "RACELAB_SEED=\"-1\" is not a whole number"
    );
    assert_eq!(
        refused("RACELAB_STD_TIMEOUT", "1.5"),
        "RACELAB_STD_TIMEOUT=\"1.5\" is not a whole number"
    );
}
