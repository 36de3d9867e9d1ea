//! # pool_starvation — tasks that wait, on a full pool, for subtasks queued behind them
//!
//! **The bug.** Each of two tasks on a pool of two workers submits a subtask to the same pool
//! and waits for it in `get()`. Once both workers run such a task, both subtasks sit in the
//! queue behind them with no free worker to run them, and every `get()` waits forever.
//!
//! **Where it comes from.** The tutorial's pool (see README's tutorial section) with nested
//! work: a task that calls `apply_async(...).get()` on its own pool. Python's `ThreadPool` and
//! `ThreadPoolExecutor` deadlock the same way; it is the classic thread-starvation deadlock of
//! fixed-size pools.
//!
//! **Reading the trace.** The pool numbers tasks in the order they are submitted. `main`
//! submits tasks 1 and 2, then waits for task 1. Each worker starts one of them; each submits
//! its subtask to the pool it runs on (tasks 3 and 4, in whichever order the two get there)
//! and waits for it. The subtasks are queued but never started: the only workers are the ones
//! waiting. Every thread is parked and no lock is held; the report lists who waits for which
//! task's result.
//!
//! **The fix.** Never make a worker wait for work queued behind it on its own pool: the
//! subtasks get a pool of their own (the `// FIX:` line, next to the `// BUG:` one). A worker
//! of the task pool then waits only for a subtask worker, and subtasks wait for nothing.

use racelab::check::FailureKind;
use racelab::sync::Arc;
use racelab::{note, ThreadPool};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "pool_starvation",
    bug_class: "deadlock (pool starvation)",
    source: "the tutorial's pool, with nested work; classic thread-starvation deadlock",
    fix: "subtasks get a pool of their own: no worker waits for work queued behind it",
    kind: FailureKind::Deadlock,
    message: "racelab-worker-0 waits for the result of task",
    loom: Loom::Bounded(1),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Two tasks on a pool of two, each waiting for a subtask it queued on the same pool.
pub fn buggy() {
    scenario::<false>();
}

/// Two tasks on a pool of two, each waiting for a subtask on a pool of its own.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let pool = pool_of(2);
    let subpool = if FIXED {
        pool_of(1) // FIX: the subtasks get a pool of their own
    } else {
        Arc::clone(&pool) // BUG: the subtasks queue behind the tasks that wait for them
    };
    // Tasks 1 and 2: the pool numbers tasks as they are submitted, and `main` submits these
    // before any subtask.
    let tasks: Vec<_> = [(1, 10), (2, 20)]
        .into_iter()
        .map(|(n, input)| {
            let subpool = Arc::clone(&subpool);
            let task = pool.apply_async(move || {
                note!("task {n}: submit its subtask");
                let subtask = subpool
                    .apply_async(move || {
                        note!("task {n}'s subtask runs");
                        input + 1
                    })
                    .unwrap();
                note!("task {n}: get() its subtask");
                subtask.get().unwrap() * 2
            });
            (n, input, task.unwrap())
        })
        .collect();
    for (n, input, task) in tasks {
        note!("get() task {n}");
        assert_eq!(task.get(), Ok((input + 1) * 2), "task {n}");
    }
    // The tasks have finished, so `main` holds the last references: dropping them closes
    // both pools and joins their workers.
}

/// A pool of `workers` threads, to share with the tasks.
fn pool_of(workers: usize) -> Arc<ThreadPool> {
    Arc::new(ThreadPool::new(workers).unwrap())
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
