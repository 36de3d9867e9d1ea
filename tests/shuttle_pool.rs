//! The pool under shuttle: the shared pool scenarios at 3–5 workers (loom stops at 2), and
//! lifecycle races — `close`, `terminate` and `Drop` racing one or two submitting threads,
//! `close` racing `terminate` with two concurrent `join`s, and the last handle to the pool
//! dropped inside one of its own tasks — each under random and PCT (depth 3) schedules.
//!
//! What every lifecycle race asserts:
//! - every accepted [`AsyncResult`] resolves (a `get` that waits forever is a shuttle deadlock),
//!   `Ok` with the task's own value, `Panicked` with its message, or — only after `terminate` —
//!   `Cancelled`;
//! - no task runs twice, and a task ran exactly when its result says so;
//! - a refused submission comes back unrun through [`SubmitError::into_task`], still runnable,
//!   and once a submitter is refused every later submission is refused too.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_pool`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use std::panic::{self, AssertUnwindSafe};

use common::scenarios;
use common::EXPECTED_PANIC;
use racelab::check::{Explorer, Scheduler};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{AsyncResult, PoolError, SubmitError, TaskError, ThreadPool};

const RANDOM: Scheduler = Scheduler::Random;
const PCT3: Scheduler = Scheduler::Pct { depth: 3 };
/// Schedules per check. All of this file's checks together take about 10 s of CPU in release.
const POOL_SCHEDULES: usize = 5_000;

/// Runs `body` as the check `name` and asserts that every requested schedule was explored.
fn check<F>(name: &str, scheduler: Scheduler, iterations: usize, body: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let report = Explorer::new(name)
        .scheduler(scheduler)
        .iterations(iterations)
        .run(body);
    if std::env::var_os("RACELAB_ITERATIONS").is_none() {
        assert_eq!(
            report.executions, iterations as u64,
            "{name}: schedules explored"
        );
    }
}

// ---- the shared scenarios, at shuttle scale ----

#[test]
fn delivers_random() {
    check(
        "shuttle_pool_delivers_5x10_random",
        RANDOM,
        POOL_SCHEDULES,
        || scenarios::pool_delivers(5, 10),
    );
}

#[test]
fn delivers_pct3() {
    check(
        "shuttle_pool_delivers_5x10_pct3",
        PCT3,
        POOL_SCHEDULES,
        || scenarios::pool_delivers(5, 10),
    );
}

#[test]
fn close_join_random() {
    check(
        "shuttle_pool_close_join_3x6_random",
        RANDOM,
        POOL_SCHEDULES,
        || scenarios::pool_close_join(3, 6),
    );
}

#[test]
fn close_join_pct3() {
    check(
        "shuttle_pool_close_join_3x6_pct3",
        PCT3,
        POOL_SCHEDULES,
        || scenarios::pool_close_join(3, 6),
    );
}

#[test]
fn terminate_race_random() {
    check(
        "shuttle_pool_terminate_race_4x8_random",
        RANDOM,
        POOL_SCHEDULES,
        || scenarios::pool_terminate_race(4, 8),
    );
}

#[test]
fn terminate_race_pct3() {
    check(
        "shuttle_pool_terminate_race_4x8_pct3",
        PCT3,
        POOL_SCHEDULES,
        || scenarios::pool_terminate_race(4, 8),
    );
}

#[test]
fn panicking_task_random() {
    common::quiet_expected_panics();
    check(
        "shuttle_pool_panicking_task_3_random",
        RANDOM,
        POOL_SCHEDULES,
        || scenarios::pool_panicking_task(3),
    );
}

#[test]
fn panicking_task_pct3() {
    common::quiet_expected_panics();
    check(
        "shuttle_pool_panicking_task_3_pct3",
        PCT3,
        POOL_SCHEDULES,
        || scenarios::pool_panicking_task(3),
    );
}

#[test]
fn drop_with_queued_random() {
    check(
        "shuttle_pool_drop_queued_3x6_random",
        RANDOM,
        POOL_SCHEDULES,
        || scenarios::pool_drop_with_queued(3, 6),
    );
}

#[test]
fn drop_with_queued_pct3() {
    check(
        "shuttle_pool_drop_queued_3x6_pct3",
        PCT3,
        POOL_SCHEDULES,
        || scenarios::pool_drop_with_queued(3, 6),
    );
}

// ---- lifecycle races ----

/// How many times each task ran.
struct Ledger(Vec<AtomicUsize>);

impl Ledger {
    fn new(tasks: usize) -> Arc<Self> {
        Arc::new(Ledger((0..tasks).map(|_| AtomicUsize::new(0)).collect()))
    }

    /// Called by task `id` as it runs.
    fn ran(&self, id: usize) {
        // Relaxed: a read-modify-write sees every earlier one; that is all this check needs.
        let before = self.0[id].fetch_add(1, Ordering::Relaxed);
        assert_eq!(before, 0, "task {id} ran twice");
    }

    fn runs(&self, id: usize) -> usize {
        // Relaxed: read after the run was published by the result or by joining the workers.
        self.0[id].load(Ordering::Relaxed)
    }
}

/// The value task `id` returns: distinct per task, so a result delivered to the wrong owner
/// shows.
fn value(id: usize) -> usize {
    1000 + id
}

/// Task `id`: records its run, then panics if `panics`, or returns [`value`]`(id)`.
fn task(ledger: &Arc<Ledger>, id: usize, panics: bool) -> impl FnOnce() -> usize + Send + 'static {
    let ledger = Arc::clone(ledger);
    move || {
        ledger.ran(id);
        if panics {
            panic!("{}", EXPECTED_PANIC);
        }
        value(id)
    }
}

/// Which tasks panic in the lifecycle races: every third.
fn panics(id: usize) -> bool {
    id % 3 == 2
}

/// A refused task came back: it has not run, and it is the task that was submitted (running it
/// by hand gives its value or its panic).
fn check_refused<F>(ledger: &Ledger, id: usize, refused: SubmitError<F>)
where
    F: FnOnce() -> usize,
{
    assert!(
        matches!(refused.error(), PoolError::Closed),
        "task {id}: {refused}"
    );
    assert_eq!(ledger.runs(id), 0, "refused task {id} ran");
    let outcome = panic::catch_unwind(AssertUnwindSafe(refused.into_task()));
    match outcome {
        Ok(v) => assert!(!panics(id) && v == value(id), "refused task {id} gave {v}"),
        Err(_) => assert!(panics(id), "refused task {id} panicked"),
    }
}

/// An accepted task's outcome. `may_cancel`: the pool was terminated, so `Cancelled` is allowed.
/// Returns whether the task ran.
fn check_resolved(id: usize, outcome: Result<usize, TaskError>, may_cancel: bool) -> bool {
    match outcome {
        Ok(v) => {
            assert!(!panics(id), "task {id} should have panicked, returned {v}");
            assert_eq!(v, value(id), "task {id} delivered another task's value");
            true
        }
        Err(TaskError::Panicked { message }) => {
            assert!(panics(id), "task {id} panicked unexpectedly: {message}");
            assert_eq!(message, EXPECTED_PANIC);
            true
        }
        Err(TaskError::Cancelled) if may_cancel => false,
        Err(other) => panic!("task {id}: unexpected {other:?}"),
    }
}

/// How the main thread ends the pool while the submitters run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shutdown {
    /// `close()`, then `join()` after the submitters are done.
    Close,
    /// `terminate()`, then `join()` after the submitters are done.
    Terminate,
    /// `close()`, then drop this thread's handle: the pool is dropped (closed and joined)
    /// by whichever thread lets go of it last, possibly a submitter.
    CloseThenDrop,
    /// Drop this thread's handle without closing: the last submitter to finish drops the pool.
    Drop,
}

/// What one schedule of a lifecycle race did, for [`Tally`].
struct Outcome {
    refused: usize,
    cancelled: usize,
}

/// `submitters` threads submit `per_submitter` tasks each to a pool of `workers` while the
/// main thread shuts it down.
fn submit_while_shutting_down(
    workers: usize,
    submitters: usize,
    per_submitter: usize,
    shutdown: Shutdown,
) -> Outcome {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let ledger = Ledger::new(submitters * per_submitter);
    let handles: Vec<_> = (0..submitters)
        .map(|s| {
            let (pool, ledger) = (Arc::clone(&pool), Arc::clone(&ledger));
            thread::spawn(move || {
                let mut accepted: Vec<(usize, AsyncResult<usize>)> = Vec::new();
                let mut refused_from = None;
                let mut refused = 0;
                for id in s * per_submitter..(s + 1) * per_submitter {
                    match pool.apply_async(task(&ledger, id, panics(id))) {
                        Ok(result) => {
                            assert!(
                                refused_from.is_none(),
                                "task {id} accepted after task {refused_from:?} was refused"
                            );
                            accepted.push((id, result));
                        }
                        Err(task) => {
                            refused_from.get_or_insert(id);
                            refused += 1;
                            check_refused(&ledger, id, task);
                        }
                    }
                }
                (accepted, refused)
            })
        })
        .collect();

    let pool = match shutdown {
        Shutdown::Close | Shutdown::Terminate => {
            if shutdown == Shutdown::Close {
                pool.close();
            } else {
                pool.terminate();
            }
            let refused = pool
                .apply_async(|| 0)
                .expect_err("a shut-down pool accepted a task");
            assert_eq!(refused.into_task()(), 0);
            Some(pool)
        }
        Shutdown::CloseThenDrop => {
            pool.close();
            drop(pool);
            None
        }
        Shutdown::Drop => {
            drop(pool);
            None
        }
    };

    let may_cancel = shutdown == Shutdown::Terminate;
    let mut ran = Vec::new();
    let mut outcome = Outcome {
        refused: 0,
        cancelled: 0,
    };
    for handle in handles {
        let (accepted, refused) = handle.join().unwrap();
        outcome.refused += refused;
        for (id, result) in accepted {
            if check_resolved(id, result.get(), may_cancel) {
                ran.push(id);
            } else {
                outcome.cancelled += 1;
            }
        }
    }
    if let Some(pool) = pool {
        pool.join().unwrap();
    }
    // Every worker has exited now (joined here, or by the pool's Drop in the last thread that
    // held it, which the join of the submitters orders before this point).
    for id in ran {
        assert_eq!(
            ledger.runs(id),
            1,
            "task {id} resolved as run, but did not run"
        );
    }
    for id in 0..submitters * per_submitter {
        assert!(ledger.runs(id) <= 1);
    }
    if shutdown == Shutdown::Drop {
        // Nobody closed the pool before its last handle went: every task was accepted and ran.
        for id in 0..submitters * per_submitter {
            assert_eq!(
                ledger.runs(id),
                1,
                "task {id} lost when the pool was dropped"
            );
        }
    }
    outcome
}

/// Counts, across all schedules of one check, how the race went: a race whose every schedule
/// went the same way proves little. Kept outside the model with std atomics on purpose: it
/// observes the schedules and must not become a scheduling point itself.
#[allow(clippy::disallowed_types)]
#[derive(Default)]
struct Tally {
    schedules: std::sync::atomic::AtomicUsize,
    with_refusal: std::sync::atomic::AtomicUsize,
    with_cancellation: std::sync::atomic::AtomicUsize,
}

impl Tally {
    fn record(&self, outcome: Outcome) {
        use std::sync::atomic::Ordering::Relaxed; // statistics, read after the run
        self.schedules.fetch_add(1, Relaxed);
        if outcome.refused > 0 {
            self.with_refusal.fetch_add(1, Relaxed);
        }
        if outcome.cancelled > 0 {
            self.with_cancellation.fetch_add(1, Relaxed);
        }
    }

    /// Asserts that the race went both ways: some schedules refused a submission and some
    /// did not, and (after `terminate`) some cancelled a queued task.
    fn assert_both_ways(&self, name: &str, shutdown: Shutdown) {
        use std::sync::atomic::Ordering::Relaxed;
        let schedules = self.schedules.load(Relaxed);
        let refused = self.with_refusal.load(Relaxed);
        let cancelled = self.with_cancellation.load(Relaxed);
        println!(
            "{name}: {refused} of {schedules} schedules refused a submission, \
             {cancelled} cancelled a queued task"
        );
        if std::env::var_os("RACELAB_ITERATIONS").is_some() {
            return; // a budget cut short may not see both sides
        }
        if shutdown == Shutdown::Drop {
            assert_eq!(refused, 0, "{name}: a pool nobody closed refused a task");
        } else {
            assert!(
                0 < refused && refused < schedules,
                "{name}: the race went one way only"
            );
        }
        if shutdown == Shutdown::Terminate {
            assert!(
                cancelled > 0,
                "{name}: terminate never cancelled a queued task"
            );
        }
    }
}

/// One check per (shutdown, submitters, workers, scheduler): 3–5 workers, 1–2 submitters.
macro_rules! lifecycle_checks {
    ($($test:ident: $shutdown:ident, $workers:literal workers, $submitters:literal x $per:literal, $iterations:expr;)*) => {
        $(
            #[test]
            fn $test() {
                common::quiet_expected_panics();
                for (scheduler, label) in [(RANDOM, "random"), (PCT3, "pct3")] {
                    let name = format!(
                        "shuttle_pool_{}_{}w_{}x{}_{label}",
                        stringify!($test), $workers, $submitters, $per
                    );
                    let tally = Arc::new(Tally::default());
                    let seen = Arc::clone(&tally);
                    check(&name, scheduler, $iterations, move || {
                        seen.record(submit_while_shutting_down(
                            $workers, $submitters, $per, Shutdown::$shutdown,
                        ))
                    });
                    tally.assert_both_ways(&name, Shutdown::$shutdown);
                }
            }
        )*
    };
}

lifecycle_checks! {
    close_races_one_submitter: Close, 3 workers, 1 x 6, POOL_SCHEDULES;
    close_races_two_submitters: Close, 5 workers, 2 x 4, POOL_SCHEDULES;
    terminate_races_one_submitter: Terminate, 3 workers, 1 x 6, POOL_SCHEDULES;
    terminate_races_two_submitters: Terminate, 4 workers, 2 x 4, POOL_SCHEDULES;
    close_then_drop_races_two_submitters: CloseThenDrop, 4 workers, 2 x 4, POOL_SCHEDULES;
    drop_races_two_submitters: Drop, 5 workers, 2 x 4, POOL_SCHEDULES;
}

/// `close` + `join` on one thread races `terminate` + `join` on another while the main thread
/// collects the results: both joins return `Ok`, and every result resolves.
fn close_and_terminate_race(workers: usize, tasks: usize) {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let ledger = Ledger::new(tasks);
    let results: Vec<_> = (0..tasks)
        .map(|id| pool.apply_async(task(&ledger, id, panics(id))).unwrap())
        .collect();
    let closer = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || {
            pool.close();
            pool.join()
        })
    };
    let terminator = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || {
            pool.terminate();
            pool.join()
        })
    };
    let ran: Vec<_> = results
        .into_iter()
        .enumerate()
        .filter_map(|(id, r)| check_resolved(id, r.get(), true).then_some(id))
        .collect();
    closer.join().unwrap().expect("join after close");
    terminator.join().unwrap().expect("join after terminate");
    for id in 0..tasks {
        let expected = usize::from(ran.contains(&id));
        assert_eq!(
            ledger.runs(id),
            expected,
            "task {id}: ran {expected} times by its result"
        );
    }
}

#[test]
fn close_and_terminate_race_random() {
    common::quiet_expected_panics();
    check(
        "shuttle_pool_close_vs_terminate_4x6_random",
        RANDOM,
        POOL_SCHEDULES,
        || close_and_terminate_race(4, 6),
    );
}

#[test]
fn close_and_terminate_race_pct3() {
    common::quiet_expected_panics();
    check(
        "shuttle_pool_close_vs_terminate_4x6_pct3",
        PCT3,
        POOL_SCHEDULES,
        || close_and_terminate_race(4, 6),
    );
}

/// Each task holds a handle to its own pool and submits a follow-up task through it; the
/// main thread drops its handle while they run. When a task lets go of the last handle, the
/// pool is dropped on its own worker: `join` there would wait for itself, so `Drop` only
/// closes, and the workers finish the queue on their own. Either way every result — the
/// follow-ups' too — resolves with its value.
fn last_handle_dropped_in_a_task(workers: usize, tasks: usize) {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let ledger = Ledger::new(2 * tasks);
    let results: Vec<_> = (0..tasks)
        .map(|id| {
            let (handle, ledger) = (Arc::clone(&pool), Arc::clone(&ledger));
            pool.apply_async(move || {
                ledger.ran(id);
                let follow_up = tasks + id;
                let result = handle
                    .apply_async(task(&ledger, follow_up, false))
                    .unwrap_or_else(|e| panic!("the pool refused a follow-up while held: {e}"));
                assert!(matches!(handle.join(), Err(PoolError::StillRunning)));
                drop(handle); // maybe the last handle: the pool's Drop runs here, on its worker
                (value(id), result)
            })
            .unwrap()
        })
        .collect();
    drop(pool);
    for (id, r) in results.into_iter().enumerate() {
        let (v, follow_up) = r.get().expect("a task that holds its pool");
        assert_eq!(v, value(id));
        assert_eq!(
            follow_up.get(),
            Ok(value(tasks + id)),
            "follow-up of task {id} lost"
        );
    }
}

#[test]
fn last_handle_dropped_in_a_task_random() {
    check(
        "shuttle_pool_drop_in_task_3x4_random",
        RANDOM,
        POOL_SCHEDULES,
        || last_handle_dropped_in_a_task(3, 4),
    );
}

#[test]
fn last_handle_dropped_in_a_task_pct3() {
    check(
        "shuttle_pool_drop_in_task_3x4_pct3",
        PCT3,
        POOL_SCHEDULES,
        || last_handle_dropped_in_a_task(3, 4),
    );
}
