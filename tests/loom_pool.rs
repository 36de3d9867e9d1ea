//! The pool under loom, with 2 workers (loom allows 5 threads including main): every result
//! delivered exactly once, `close`/`join`, `terminate` racing running tasks, a panicking
//! task, dropping the pool with queued tasks, the last handle dropped inside a task. A lost
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

#[test]
fn terminate_races_running_tasks() {
    Explorer::new("loom_pool_terminate_race")
        .face(FACE)
        .preemption_bound(2)
        .time_budget(WHOLE_BOUND)
        .run(|| scenarios::pool_terminate_race(2, 2));
}

#[test]
fn panicking_task_keeps_its_worker() {
    common::quiet_expected_panics();
    Explorer::new("loom_pool_panicking_task")
        .face(FACE)
        .preemption_bound(2)
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
