//! # tutorial_example — the tutorial's pool and lock, with the lock left out
//!
//! **The bug.** Ten tasks run on a pool of five workers, and each prints "task i started" …
//! "task i finished". Without the lock, two tasks run at once, and their lines interleave:
//! "task 2 started" lands between task 1's two lines.
//!
//! **Where it comes from.** The tutorial's example (see README's tutorial section): a
//! `threading.Lock`, a pool of 5, ten `apply_async` calls whose task holds the lock from
//! "started" to "finished", and ten `get()` calls. The model removes the lock to show what it
//! is there for; the fixed variant is the tutorial's code.
//!
//! **Reading the trace.** One column per worker: `start task i` is the pool handing task i to
//! that worker; `task i started` and `task i finished` are the task's own lines. The failure is
//! the first `task j started` while another task is between its two lines: task j stops there
//! (`task j panicked`), the pool hands the panic to `get()`, and `main` raises it again when
//! its `get()` reaches task j (as Python's `get()` does), so the trace runs on a little past
//! the overlap. shuttle runs the tutorial's scale, 5 workers and 10 tasks; loom 2 and 2 (it
//! allows 5 threads including `main`, and explores every interleaving).
//!
//! **The fix.** Hold the lock from "started" to "finished" (the `// FIX:` line, next to the
//! `// BUG:` one), as the tutorial does. That makes the lines pair up — and the tasks run one at
//! a time, which is the `lock_convoy` model's subject.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock, ThreadPool};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "tutorial_example",
    bug_class: "race (critical sections interleave)",
    source: "the tutorial's example (pool of 5, 10 tasks, one lock), with the lock left out",
    fix: "hold the lock from \"started\" to \"finished\"",
    kind: FailureKind::Panic,
    message: "was still running: their lines interleave",
    loom: Loom::Bounded(2),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The tutorial's pool of 5 workers; under loom, which allows 5 threads including `main`, 2.
const WORKERS: usize = if cfg!(loom) { 2 } else { 5 };

/// The tutorial's 10 tasks; under loom, which explores every interleaving of them, 2.
const TASKS: usize = if cfg!(loom) { 2 } else { 10 };

/// The tutorial's example without its lock.
pub fn buggy() {
    scenario::<false>();
}

/// The tutorial's example.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let pool = ThreadPool::new(WORKERS).expect("a pool of WORKERS threads");
    let lock = Arc::new(Lock::new(()));
    trace::label(&*lock, "lock");
    // The task between its "started" and "finished" lines, or 0.
    let running = Arc::new(AtomicUsize::new(0));
    let results: Vec<_> = (1..=TASKS)
        .map(|i| {
            let (lock, running) = (Arc::clone(&lock), Arc::clone(&running));
            let task = move || {
                let _guard = if FIXED {
                    Some(lock.lock()) // FIX: hold the lock for the whole task
                } else {
                    None // BUG: no lock: another task's lines can come between this one's
                };
                started(&running, i);
                thread::yield_now(); // the tutorial's `time.sleep(0.1)`
                finished(&running, i);
            };
            pool.apply_async(task).expect("the pool is open")
        })
        .collect();
    // The tutorial's ten `get()` calls; a task's panic comes back as its result.
    for result in results {
        if let Err(err) = result.get() {
            panic!("{err}");
        }
    }
}

/// Prints "task i started", and checks that no other task is between its two lines.
fn started(running: &AtomicUsize, i: usize) {
    // Relaxed: a read-modify-write reads the latest value in the counter's modification
    // order, which is all the probe needs; it must not synchronise the tasks itself.
    let other = running.swap(i, Ordering::Relaxed);
    note!("task {i} started"); // after the swap, so the trace shows the lines in probe order
    assert!(
        other == 0,
        "task {i} started while task {other} was still running: their lines interleave"
    );
}

/// Prints "task i finished".
fn finished(running: &AtomicUsize, i: usize) {
    // Relaxed: as in `started`; with the lock, the lock orders this store before the next
    // task's swap.
    running.store(0, Ordering::Relaxed);
    note!("task {i} finished");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
