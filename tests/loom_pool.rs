//! The pool under loom, with 1 or 2 workers (loom allows 5 threads including main): every result
//! delivered exactly once, `close`/`join`, `terminate` racing running tasks, a panicking
//! task, dropping the pool with queued tasks, the last handle dropped inside a task; `imap` in
//! order, `imap_unordered` each once, a callback exactly once while `terminate` races it, a
//! timed wait racing its task, and a result dropped unread racing its task. A lost
//! wake-up anywhere in the pool or in the lock beneath it leaves a thread parked forever,
//! which loom reports as a deadlock.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_pool`
#![cfg(loom)]

mod common;

use common::scenarios;
use std::time::Duration;

use racelab::check::Explorer;
use racelab::Face;

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

/// Time enough to explore the whole of bound 2, whatever the machine's load: the largest
/// space (418,484 executions) takes 26 s on an idle machine and over a minute on a loaded one,
/// which the harness's 60 s default would cut short.
const WHOLE_BOUND: Duration = Duration::from_secs(600);

#[test]
fn every_result_delivered_once() {
    Explorer::new("loom_pool_delivers")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_delivers(2, 2));
}

#[test]
fn close_then_join_runs_the_queue() {
    Explorer::new("loom_pool_close_join")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_close_join(2, 2));
}

/// `terminate` racing a running and a queued task, one worker, every schedule of bound 2.
#[test]
fn terminate_races_running_tasks() {
    Explorer::new("loom_pool_terminate_race_1x2")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_terminate_race(1, 2));
}

/// The same with two workers, both running: bound 1 in CI (835 executions). Bound 2 is 167,060
/// executions, 34 s on the 2-core machine, the loom stage's longest test by 30 s
/// (`LOOM_MAX_PREEMPTIONS=2` runs it); shuttle covers 4 workers and 8 tasks.
#[test]
fn terminate_races_two_running_tasks() {
    Explorer::new("loom_pool_terminate_race_2x2")
        .face(FACE)
        .preemption_bound(1)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_terminate_race(2, 2));
}

#[test]
fn panicking_task_keeps_its_worker() {
    common::quiet_expected_panics();
    // Bound 1 in CI; bound 2 is 418,484 executions, 88 s on the 2-core machine, past the stage's budget
    // (`LOOM_MAX_PREEMPTIONS=2` runs it). shuttle covers the same at 5 workers.
    Explorer::new("loom_pool_panicking_task")
        .face(FACE)
        .preemption_bound(1)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_panicking_task(2));
}

#[test]
fn drop_with_queued_tasks_runs_them() {
    Explorer::new("loom_pool_drop_queued")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_drop_with_queued(2, 3));
}

/// A task holding the last handle to its own pool drops it on its worker: `Drop` only closes
/// there, and every result, the follow-up tasks' too, still resolves.
#[test]
fn last_handle_dropped_in_a_task() {
    Explorer::new("loom_pool_drop_in_task")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::last_handle_dropped_in_a_task(2, 1));
}

// ---- the rest of Python's pool ----

/// `imap` at 2 workers: the values come in input order whichever worker finishes first, and
/// every `next` that blocks is woken.
#[test]
fn imap_yields_in_input_order() {
    // Bound 1 in CI; bound 2 is 32,641 executions, 6 s on the 2-core machine, past the stage's budget
    // (`LOOM_MAX_PREEMPTIONS=2` runs it). shuttle covers the same at 5 workers.
    Explorer::new("loom_pool_imap_in_order")
        .face(FACE)
        .preemption_bound(1)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::imap_in_order(2, 2));
}

/// `imap_unordered` at 2 workers: the completion queue delivers each item once, and its
/// consumer's park is never a lost wake-up.
#[test]
fn imap_unordered_delivers_each_item_once() {
    // Bound 1 in CI; bound 2 is 21,290 executions, 4 s on the 2-core machine, past the stage's budget
    // (`LOOM_MAX_PREEMPTIONS=2` runs it). shuttle covers the same at 5 workers.
    Explorer::new("loom_pool_imap_unordered")
        .face(FACE)
        .preemption_bound(1)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::imap_unordered_each_once(2, 2));
}

/// `apply_async_with` racing `terminate`: exactly one callback runs, once, before `get`.
#[test]
fn callback_runs_exactly_once_racing_terminate() {
    // Bound 1 in CI; bound 2 is 30,170 executions, 11 s on the 2-core machine, past the stage's budget
    // (`LOOM_MAX_PREEMPTIONS=2` runs it). shuttle covers the same at 5 workers.
    Explorer::new("loom_pool_callback_once")
        .face(FACE)
        .preemption_bound(1)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::callback_once_racing_terminate(2));
}

/// `map_async_with` racing `terminate`: the countdown's last step — a worker's or the
/// terminator's — runs exactly one callback, once, before `get`.
#[test]
fn map_callback_runs_exactly_once_racing_terminate() {
    // Bound 1 in CI; bound 2 is 77,588 executions, 24 s on the 2-core machine, past the stage's budget
    // (`LOOM_MAX_PREEMPTIONS=2` runs it). shuttle covers the same at 5 workers.
    Explorer::new("loom_pool_map_callback_once")
        .face(FACE)
        .preemption_bound(1)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::map_callback_once_racing_terminate(2, 2));
}

/// A timed wait racing its task (in loom the timeout is the schedule's choice): withdrawing
/// never loses the value nor races the writer on the waiter's slot.
#[test]
fn get_timeout_races_the_task() {
    Explorer::new("loom_pool_get_timeout")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::get_timeout_race(1));
}

/// A result dropped unread, racing its task: when the task has finished, the dropping thread
/// frees the value, after the worker wrote it (the Drop's Acquire load of `READY`, paired with
/// the worker's Release); otherwise the worker frees it. loom's cell tracking reports a drop
/// that frees the value without that edge (`Acquire → Relaxed` there survived every suite,
/// Miri's too, until this check).
#[test]
fn a_result_dropped_unread_races_its_task() {
    Explorer::new("loom_pool_drop_unread")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| {
            let pool = racelab::ThreadPool::new(1).unwrap();
            let result = pool.apply_async(|| vec![1, 2, 3]).unwrap();
            drop(result);
            pool.close();
            pool.join().unwrap();
        });
}
