//! insta snapshots of every error's `Display` and of `Debug` for the public types: a change to
//! what users read shows up as a reviewable diff in `tests/snapshots/`.
//!
//! Only deterministic output is snapshotted: a pool's `Debug` is taken while its single worker
//! is held inside a task (or after `join`), never while workers may be coming and going; a
//! `Report` holds wall-clock time and is left out; a `Failure`'s source location is redacted
//! (it moves whenever this file is edited).
//!
//! Run: `cargo test --test snapshots`; after an intended change, review and accept with
//! `INSTA_UPDATE=always cargo test --test snapshots` (or `cargo insta review`).
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use common::watch::{wait_until, within};
use std::io;

use insta::assert_snapshot;
use racelab::check::{Explorer, FailureKind, Replay, Scheduler};
use racelab::pool::Builder;
use racelab::sync::atomic::{AtomicBool, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{Lock, PoolError, RawLock, ReleaseError, SubmitError, TaskError, ThreadPool};

/// A one-worker pool whose worker is held inside a task until `open` is set.
fn held_pool(entered: &Arc<AtomicBool>, open: &Arc<AtomicBool>) -> ThreadPool {
    let pool = ThreadPool::new(1).unwrap();
    let (e, o) = (Arc::clone(entered), Arc::clone(open));
    drop(
        pool.apply_async(move || {
            e.store(true, Ordering::SeqCst);
            wait_until("the test opens the gate", || o.load(Ordering::SeqCst));
        })
        .unwrap(),
    );
    wait_until("the worker is held", || entered.load(Ordering::SeqCst));
    pool
}

fn refused() -> SubmitError<fn() -> u8> {
    let pool = ThreadPool::new(1).unwrap();
    pool.close();
    pool.apply_async((|| 1) as fn() -> u8).unwrap_err()
}

fn spawn_error() -> PoolError {
    PoolError::Spawn {
        worker: 3,
        source: io::Error::new(
            io::ErrorKind::WouldBlock,
            "Resource temporarily unavailable",
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Display of every error
// ---------------------------------------------------------------------------------------

#[test]
fn release_error_display() {
    assert_snapshot!("release_error_display", ReleaseError.to_string());
}

#[test]
fn task_error_display() {
    let panicked = TaskError::Panicked {
        message: "index out of bounds: the len is 3 but the index is 7".to_owned(),
    };
    assert_snapshot!("task_error_panicked_display", panicked.to_string());
    assert_snapshot!(
        "task_error_cancelled_display",
        TaskError::Cancelled.to_string()
    );
    assert_snapshot!(
        "task_error_rejected_display",
        TaskError::Rejected.to_string()
    );
}

fn too_many() -> PoolError {
    ThreadPool::new(usize::MAX).unwrap_err()
}

#[test]
fn pool_error_display() {
    assert_snapshot!(
        "pool_error_no_workers_display",
        PoolError::NoWorkers.to_string()
    );
    assert_snapshot!(
        "pool_error_too_many_workers_display",
        too_many().to_string()
    );
    assert_snapshot!("pool_error_spawn_display", spawn_error().to_string());
    assert_snapshot!("pool_error_closed_display", PoolError::Closed.to_string());
    assert_snapshot!(
        "pool_error_still_running_display",
        PoolError::StillRunning.to_string()
    );
    assert_snapshot!(
        "pool_error_join_from_worker_display",
        PoolError::JoinFromWorker.to_string()
    );
}

#[test]
fn submit_error_display() {
    assert_snapshot!("submit_error_display", refused().to_string());
}

// ---------------------------------------------------------------------------------------
// Debug of the public types
// ---------------------------------------------------------------------------------------

#[test]
fn error_debug() {
    assert_snapshot!("release_error_debug", format!("{ReleaseError:?}"));
    let panicked = TaskError::Panicked {
        message: "boom".to_owned(),
    };
    assert_snapshot!(
        "task_error_debug",
        format!(
            "{panicked:?}\n{:?}\n{:?}",
            TaskError::Cancelled,
            TaskError::Rejected
        )
    );
    assert_snapshot!(
        "pool_error_debug",
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            PoolError::NoWorkers,
            too_many(),
            spawn_error(),
            PoolError::Closed,
            PoolError::StillRunning,
            PoolError::JoinFromWorker
        )
    );
    assert_snapshot!("submit_error_debug", format!("{:?}", refused()));
}

#[test]
fn raw_lock_debug() {
    let lock = RawLock::new();
    assert_snapshot!("raw_lock_debug_free", format!("{lock:?}"));
    lock.acquire();
    assert_snapshot!("raw_lock_debug_held", format!("{lock:?}"));
    lock.release().unwrap();
}

#[test]
fn raw_lock_debug_with_a_waiter() {
    within(|| {
        let lock = Arc::new(RawLock::new());
        lock.acquire();
        let l = Arc::clone(&lock);
        let waiter = thread::spawn(move || {
            l.acquire();
            l.release().unwrap();
        });
        wait_until("the waiter is queued", || lock.has_waiters());
        assert_snapshot!("raw_lock_debug_held_with_waiters", format!("{lock:?}"));
        lock.release().unwrap();
        waiter.join().unwrap();
    });
}

#[test]
fn lock_and_guard_debug() {
    let lock = Lock::new(vec![1, 2, 3]);
    assert_snapshot!("lock_debug_unlocked", format!("{lock:?}"));
    assert_snapshot!("lock_debug_unlocked_pretty", format!("{lock:#?}"));
    let guard = lock.lock();
    assert_snapshot!("lock_debug_locked", format!("{lock:?}"));
    assert_snapshot!("lock_guard_debug", format!("{guard:?}"));
    drop(guard);
    let lock = Lock::new("text");
    let guard = lock.lock();
    assert_snapshot!("lock_guard_display", format!("{guard}"));
}

#[test]
fn thread_pool_debug() {
    within(|| {
        // Held worker, one task queued: phase, queue and idle list are all fixed.
        let (entered, open) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let pool = held_pool(&entered, &open);
        let queued = pool.apply_async(|| 7).unwrap();
        assert_snapshot!("thread_pool_debug_running", format!("{pool:?}"));
        assert_snapshot!("async_result_debug_pending", format!("{queued:?}"));
        open.store(true, Ordering::SeqCst);
        queued.wait();
        assert_snapshot!("async_result_debug_ready", format!("{queued:?}"));
        pool.close();
        pool.join().unwrap();
        assert_snapshot!("thread_pool_debug_closed_joined", format!("{pool:?}"));

        let (entered, open) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let pool = held_pool(&entered, &open);
        let cancelled = pool.apply_async(|| 8).unwrap();
        pool.terminate();
        assert_snapshot!("thread_pool_debug_terminated", format!("{pool:?}"));
        open.store(true, Ordering::SeqCst);
        pool.join().unwrap();
        assert_eq!(cancelled.get(), Err(TaskError::Cancelled));
    });
}

#[test]
fn builder_and_explorer_debug() {
    assert_snapshot!(
        "builder_debug",
        format!(
            "{:?}\n{:?}",
            Builder::new(4),
            Builder::new(2).stack_size(64 * 1024)
        )
    );
    let explorer = Explorer::new("two_threads")
        .iterations(50)
        .preemption_bound(2)
        .scheduler(Scheduler::Pct { depth: 3 })
        .seed(9);
    assert_snapshot!("explorer_debug", format!("{explorer:?}"));
    assert_snapshot!(
        "scheduler_debug",
        format!("{:?}\n{:?}", Scheduler::Random, Scheduler::Pct { depth: 3 })
    );
}

#[test]
fn failure_kind_display_and_debug() {
    let kinds = [
        FailureKind::Deadlock,
        FailureKind::Panic,
        FailureKind::DataRace,
        FailureKind::Leak,
        FailureKind::StepLimit,
    ];
    let shown: Vec<String> = kinds.iter().map(|k| format!("{k} / {k:?}")).collect();
    assert_snapshot!("failure_kind_display_debug", shown.join("\n"));
}

#[test]
fn replay_debug() {
    assert_snapshot!(
        "replay_debug",
        format!(
            "{:?}\n{:?}\n{:?}",
            Replay::Loom { execution: 12 },
            Replay::ShuttleSchedule {
                schedule: "910203e803".to_owned()
            },
            Replay::Std { run: 3 }
        )
    );
}

#[test]
fn failure_display_and_debug_on_std() {
    let failure = Explorer::new("snapshot_failure")
        .iterations(1)
        .expect_failure(|| {
            let lock = RawLock::new();
            assert!(
                lock.release().is_ok(),
                "racelab test: release of a free lock failed, as it must"
            );
        });
    let location = failure.location.clone().expect("a panic has a location");
    assert!(location.starts_with("tests/snapshots.rs:"), "{location}");
    let redact = |s: String| s.replace(&location, "tests/snapshots.rs:<line>");
    assert_snapshot!("failure_display_std", redact(failure.to_string()));
    assert_snapshot!("failure_debug_std", redact(format!("{failure:#?}")));
}
