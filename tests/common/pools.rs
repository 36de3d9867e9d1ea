//! The std tiers' pool fixtures (std builds only): a pool whose worker is held on a [`Gate`],
//! and the check that every worker still serves.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::BTreeSet;

use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{AsyncResult, ThreadPool};

use super::watch::{wait_until, Gate};

/// What the gate task of [`gated_pool`] returns once the gate opens.
pub const GATE_TASK: &str = "gate task done";

/// A one-worker pool whose worker is held inside a gate task, so that anything submitted now
/// queues behind it: the pool, the gate (open it to let the worker go), and the gate task's
/// result ([`GATE_TASK`]).
pub fn gated_pool() -> (ThreadPool, Gate, AsyncResult<&'static str>) {
    let pool = ThreadPool::new(1).unwrap();
    let gate = Gate::new();
    let running = submit_held(&pool, &gate, || GATE_TASK);
    (pool, gate, running)
}

/// Submits a task that waits at `gate` (which no task has passed yet) and then returns
/// `task()`; returns once a worker is inside the task, held there until the gate opens.
pub fn submit_held<T: Send + 'static>(
    pool: &ThreadPool,
    gate: &Gate,
    task: impl FnOnce() -> T + Send + 'static,
) -> AsyncResult<T> {
    let g = gate.clone();
    let result = pool
        .apply_async(move || {
            g.pass();
            task()
        })
        .unwrap();
    gate.wait_entered(1);
    result
}

/// Asserts that all `workers` workers serve: `workers` tasks that each wait until all have
/// started must run on distinct threads, and their names are the pool's workers' names,
/// `racelab-worker-0` ….
pub fn assert_every_worker_serves(pool: &ThreadPool, workers: usize) {
    assert_eq!(pool.workers(), workers);
    let started = Arc::new(AtomicUsize::new(0));
    let names: BTreeSet<String> = (0..workers)
        .map(|_| {
            let started = Arc::clone(&started);
            pool.apply_async(move || {
                started.fetch_add(1, Ordering::SeqCst);
                wait_until("every worker runs a name task", || {
                    started.load(Ordering::SeqCst) == workers
                });
                thread::current().name().map(str::to_owned)
            })
            .expect("the pool is open")
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|r| r.get().expect("a name task").expect("a named worker"))
        .collect();
    let expected: BTreeSet<String> = (0..workers)
        .map(|i| format!("racelab-worker-{i}"))
        .collect();
    assert_eq!(names, expected, "a worker died or was replaced");
}
