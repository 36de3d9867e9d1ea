//! # lock_convoy — one lock held for the whole task: the pool runs one task at a time
//!
//! **The bug.** The tutorial's task holds the lock from its first line to its last, sleep
//! included, so at most one task is ever past `acquire()`: the other workers queue on the lock
//! and the pool of 5 runs its 10 tasks one after another. Nothing crashes; the concurrency is
//! simply gone. To make that checkable, the model's work phase needs two tasks at once (they
//! meet at a meeting point, as two halves of a job would), which the convoy never allows.
//!
//! **Where it comes from.** The tutorial's example (see README's tutorial section): ten tasks
//! of `time.sleep(0.1)` under one lock take about a second on five workers, not 0.2 s.
//!
//! **Reading the trace.** A worker starts task 1, takes `lock`, and reaches the meeting point
//! (`acquire meeting` / `release meeting`: the meeting point's own small lock), where it parks,
//! `wait for another task to meet` — still holding `lock`. The other worker starts task 2 and
//! waits for `lock`, held by the first worker. Neither can move. loom and shuttle report this
//! deadlock in every schedule: the convoy is not an unlucky interleaving but the design.
//!
//! **The fix.** Hold the lock only around the shared update (the `// FIX:` line, next to the
//! `// BUG:` one): the work phases overlap, the tasks meet, and each then adds its result under
//! the lock. The test `measure_makespans` times the tutorial's workload both ways (about 5×
//! slower with the lock held for the whole task):
//! `cargo test -p racelab-models --lib -- lock_convoy::tests::measure_makespans --exact --ignored --nocapture`.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::thread::{self, Thread};
use racelab::sync::Arc;
use racelab::{note, trace, Lock, ThreadPool};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "lock_convoy",
    bug_class: "lock convoy (critical section covers the whole task)",
    source: "the tutorial's example (the lock held across the sleep)",
    fix: "hold the lock only around the shared update",
    kind: FailureKind::Deadlock,
    message: "waits for lock (held by racelab-worker-",
    loom: Loom::Bounded(2),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Two workers and two tasks: enough for two work phases to meet, and within loom's limit
/// of 5 threads including `main`.
const WORKERS: usize = 2;
const TASKS: usize = 2;

/// Each task holds the lock for the whole task, so no two are ever in their work phase.
pub fn buggy() {
    scenario::<false>();
}

/// Each task holds the lock only around its update of the shared total.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let pool = ThreadPool::new(WORKERS).expect("a pool of WORKERS threads");
    let total = Arc::new(Lock::new(0));
    trace::label(&*total, "lock");
    let meeting = Arc::new(Meeting::new(TASKS));
    trace::label(&meeting.parked, "meeting");
    let results: Vec<_> = (1..=TASKS)
        .map(|i| {
            let (total, meeting) = (Arc::clone(&total), Arc::clone(&meeting));
            let work = move || meeting.meet(i);
            pool.apply_async(move || task::<FIXED>(i, &total, work))
                .expect("the pool is open")
        })
        .collect();
    for result in results {
        result.get().expect("no task panics");
    }
    drop(pool);
    assert_eq!(*total.lock(), (1..=TASKS).sum::<usize>());
}

/// The tutorial's task: "started", the work, the shared update, "finished". The lock is taken
/// as the task starts (the tutorial's shape) or only for the update (the fix).
fn task<const FIXED: bool>(i: usize, total: &Lock<usize>, work: impl FnOnce()) {
    let held = if FIXED {
        None // FIX: no lock yet: the work phase runs unlocked
    } else {
        Some(total.lock()) // BUG: the lock from the first line: the work phase runs under it
    };
    note!("task {i} started");
    work();
    // The shared update, under the lock held since the start, or taken just for it.
    let mut sum = held.unwrap_or_else(|| total.lock());
    *sum += i;
    note!("task {i} finished");
}

/// Where the tasks' work phases meet: nobody leaves until `parties` tasks have arrived. Built
/// on a `Lock`, an atomic and park/unpark, like the pool, so the checkers see every step.
struct Meeting {
    parties: usize,
    /// How many tasks have arrived. Written only under `parked`'s lock.
    arrived: AtomicUsize,
    /// The threads parked here until the last task arrives.
    parked: Lock<Vec<Thread>>,
}

impl Meeting {
    fn new(parties: usize) -> Self {
        Meeting {
            parties,
            arrived: AtomicUsize::new(0),
            parked: Lock::new(Vec::new()),
        }
    }

    /// Arrives as task `i`, and returns once `parties` tasks have arrived.
    fn meet(&self, i: usize) {
        let mut parked = self.parked.lock();
        // Release: pairs with the Acquire load in the wait loop below.
        let arrived = self.arrived.fetch_add(1, Ordering::Release) + 1;
        if arrived == self.parties {
            note!("task {i} meets the others");
            for thread in parked.drain(..) {
                thread.unpark();
            }
            return;
        }
        parked.push(thread::current());
        drop(parked);
        trace::waiting("another task to meet");
        // No wake-up is lost: the last task unparks every thread it finds in `parked`, and
        // an unpark that comes before `park` makes that `park` return at once.
        // Acquire: pairs with the last task's Release increment.
        while self.arrived.load(Ordering::Acquire) < self.parties {
            thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }

    /// The tutorial's workload — 5 workers, 10 tasks of 50 ms of work each — run once with the
    /// lock held for the whole task and once with it held only around the shared update.
    /// Prints both makespans; nothing is asserted, since timing proves nothing in a test.
    #[test]
    #[ignore = "a demonstration that sleeps: run with --ignored --nocapture"]
    #[cfg(not(any(loom, shuttle)))]
    fn measure_makespans() {
        use std::time::{Duration, Instant};

        use racelab::sync::Arc;
        use racelab::{Lock, ThreadPool};

        const WORKERS: usize = 5;
        const TASKS: usize = 10;
        const WORK: Duration = Duration::from_millis(50);

        fn makespan<const FIXED: bool>() -> Duration {
            let pool = ThreadPool::new(WORKERS).unwrap();
            let total = Arc::new(Lock::new(0));
            let start = Instant::now();
            let results: Vec<_> = (1..=TASKS)
                .map(|i| {
                    let total = Arc::clone(&total);
                    // Here the sleep *is* the work (the tutorial's `time.sleep(0.1)`), not a
                    // way to synchronise.
                    let work = || std::thread::sleep(WORK);
                    pool.apply_async(move || super::task::<FIXED>(i, &total, work))
                        .unwrap()
                })
                .collect();
            for result in results {
                result.get().unwrap();
            }
            let elapsed = start.elapsed();
            assert_eq!(*total.lock(), (1..=TASKS).sum::<usize>());
            elapsed
        }

        let whole = makespan::<false>();
        let update = makespan::<true>();
        let rounds = TASKS.div_ceil(WORKERS);
        let ratio = whole.as_secs_f64() / update.as_secs_f64();
        println!("{TASKS} tasks of {WORK:?} of work each, on {WORKERS} workers:");
        println!("  lock held for the whole task:     {whole:>9.1?}  (one at a time: ~{TASKS} x {WORK:?})");
        println!("  lock held around the update only: {update:>9.1?}  ({WORKERS} at a time: ~{rounds} x {WORK:?})");
        println!("  ratio: {ratio:.1}x");
    }
}
