//! # shutdown_race — `submit` checks "closed", then enqueues, while `close` runs in between
//!
//! **The bug.** A naive pool's `submit` reads the `closed` flag and only then takes the queue
//! lock to enqueue; `close` can set the flag, and the worker can see an empty, closed queue and
//! exit, in between. The task is queued after its only worker has gone: nobody will ever run
//! it, and the `get()` waiting for its result never returns.
//!
//! **Where it comes from.** The tutorial's pool (see README's tutorial section) and its
//! `close()`, written by hand: the check-then-act race at shutdown. Python's
//! `ThreadPoolExecutor.submit` checks its `_shutdown` flag under the same lock `shutdown()`
//! takes, for exactly this reason.
//!
//! **Reading the trace.** `main` submits a task and sees `closed = false`. Before it takes the
//! queue lock, `closer` takes it, sets `closed = true` and wakes the worker, which finds the
//! queue empty and closed and exits. Only then does `main` enqueue the task, and it waits for
//! a result that no thread is left to produce: every thread has ended but `main`, parked.
//!
//! **The fix.** Check `closed` under the lock that `close` takes, and enqueue before letting it
//! go (the `// FIX:` line, next to the `// BUG:` one): the task is then either queued before
//! `close` — and the worker runs it before it exits — or refused with an error, never lost.

use std::collections::VecDeque;

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use racelab::sync::thread::{self, JoinHandle, Thread};
use racelab::sync::Arc;
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "shutdown_race",
    bug_class: "lost task (check-then-act at shutdown)",
    source: "the tutorial's pool.close(); classic check-then-act",
    fix: "check `closed` and enqueue under the lock that close() takes",
    kind: FailureKind::Deadlock,
    message: "main waits for the task's result",
    loom: Loom::Bounded(3),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// `submit` checks `closed` before it takes the queue lock.
pub fn buggy() {
    scenario::<false>();
}

/// `submit` checks `closed` under the queue lock.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let (pool, worker) = NaivePool::start();
    let closer = {
        let pool = pool.clone();
        spawn_named("closer", move || pool.close())
    };
    match pool.submit::<FIXED>(|| 42) {
        Ok(result) => assert_eq!(result.get(), 42),
        Err(Closed) => note!("refused: the pool is closed"),
    }
    closer.join().unwrap();
    worker.join().unwrap();
}

/// A job on the queue: the task, and the writing of its result.
type Job = Box<dyn FnOnce() + Send>;

/// What the pool's handles and its worker share.
struct Shared {
    /// The queued jobs. `close` sets `closed` under this lock, and the worker checks both
    /// under it.
    jobs: Lock<VecDeque<Job>>,
    /// Set once, by `close`: no new tasks; the worker exits once the queue is empty.
    closed: AtomicBool,
}

/// A pool of one worker, written the first way that comes to mind. Handles are cheap clones.
#[derive(Clone)]
struct NaivePool {
    shared: Arc<Shared>,
    /// The worker, to wake when there is a job or the pool closes.
    worker: Thread,
}

/// `submit` after `close`: the task was not queued.
#[derive(Debug)]
struct Closed;

impl NaivePool {
    /// Starts the worker; returns the pool and the worker's handle to join.
    fn start() -> (Self, JoinHandle<()>) {
        let shared = Arc::new(Shared {
            jobs: Lock::new(VecDeque::new()),
            closed: AtomicBool::new(false),
        });
        trace::label(&shared.jobs, "queue");
        let worker_shared = Arc::clone(&shared);
        let handle = spawn_named("worker", move || work(&worker_shared));
        let worker = handle.thread().clone();
        (NaivePool { shared, worker }, handle)
    }

    /// Queues `task` and returns its pending result, or `Closed` if the pool no longer takes
    /// tasks.
    fn submit<const FIXED: bool>(&self, task: fn() -> u32) -> Result<Oneshot, Closed> {
        let (job, result) = Oneshot::job(task);
        let locked = if FIXED {
            Some(self.shared.jobs.lock()) // FIX: take close()'s lock before the check
        } else {
            None // BUG: check now, lock later: close() can run in between
        };

        // Acquire: pairs with the Release store in `close`.
        let closed = self.shared.closed.load(Ordering::Acquire);
        note!("submit: closed = {closed}");
        if closed {
            return Err(Closed);
        }
        let mut jobs = locked.unwrap_or_else(|| self.shared.jobs.lock());
        jobs.push_back(job);
        note!("submit: task queued");
        drop(jobs);
        self.worker.unpark();
        Ok(result)
    }

    /// No new tasks; the worker runs what is queued, then exits.
    fn close(&self) {
        let jobs = self.shared.jobs.lock();
        // Release: pairs with the Acquire loads in `submit` and `work`.
        self.shared.closed.store(true, Ordering::Release);
        note!("close: closed = true");
        drop(jobs);
        self.worker.unpark();
    }
}

/// The worker: runs queued jobs until the pool is closed and the queue is empty.
///
/// No wake-up is lost: the worker checks the queue and `closed` under the lock, and whoever
/// changes either unparks it after unlocking; an unpark that comes before the `park` makes
/// that `park` return at once.
fn work(shared: &Shared) {
    loop {
        let job = {
            let mut jobs = shared.jobs.lock();
            let job = jobs.pop_front();
            // Acquire: pairs with the Release store in `close`.
            if job.is_none() && shared.closed.load(Ordering::Acquire) {
                note!("queue empty and closed: exit");
                return;
            }
            job
        };
        match job {
            Some(job) => job(),
            None => {
                trace::waiting("a task or close()");
                thread::park();
            }
        }
    }
}

/// A task's result: written once by the job, read by the thread that submitted it.
struct Oneshot {
    value: Arc<AtomicU32>,
}

impl Oneshot {
    /// Not written yet.
    const EMPTY: u32 = u32::MAX;

    /// The job that runs `task` on the worker, and the result its submitter waits on.
    fn job(task: fn() -> u32) -> (Job, Oneshot) {
        let value = Arc::new(AtomicU32::new(Self::EMPTY));
        let (slot, owner) = (Arc::clone(&value), thread::current());
        let job: Job = Box::new(move || {
            note!("run the task");
            // Release: pairs with the Acquire load in `get`.
            slot.store(task(), Ordering::Release);
            owner.unpark();
        });
        (job, Oneshot { value })
    }

    /// Waits until the task has run, and returns its value.
    fn get(self) -> u32 {
        trace::waiting("the task's result");
        loop {
            // Acquire: pairs with the Release store in the job.
            let value = self.value.load(Ordering::Acquire);
            if value != Self::EMPTY {
                return value;
            }
            thread::park();
        }
    }
}

fn spawn_named(name: &str, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("cannot start a model thread")
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
