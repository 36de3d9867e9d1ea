//! [`ThreadPool`]: the tutorial's pool of workers.

use core::fmt;

use crate::sync::thread::{self, JoinHandle, ThreadId};
use crate::sync::Arc;
use crate::{trace, Lock};

use super::result::AsyncResult;
use super::shared::{Phase, Shared};
use super::task::{Job, Task};
use super::{worker, PoolError, SubmitError, TaskError};

/// A fixed set of worker threads that run submitted tasks: Python's
/// `multiprocessing.pool.ThreadPool`, in Rust.
///
/// Submit with [`apply_async`](ThreadPool::apply_async) (returns an [`AsyncResult`]),
/// [`apply`](ThreadPool::apply) (waits) or [`map`](ThreadPool::map) (many inputs, results in
/// input order). Shut down with [`close`](ThreadPool::close) (queued tasks still run) or
/// [`terminate`](ThreadPool::terminate) (queued tasks resolve [`TaskError::Cancelled`]), then
/// [`join`](ThreadPool::join). Dropping the pool closes and joins it, so queued work is not
/// lost.
///
/// A task that panics resolves its result [`TaskError::Panicked`]; its worker goes on serving.
///
/// # Deadlocks
///
/// A task may submit to its own pool. A task that *waits* (`get`, `wait`, `apply`, `map`) for
/// another task of the same pool holds its worker until that task runs; if every worker waits
/// like this on tasks still queued, the pool deadlocks, as Python's does (the
/// `pool_starvation` model shows it). Only [`terminate`](ThreadPool::terminate) resolves it —
/// the queued tasks resolve `Cancelled`; `close`, `join` and `Drop` wait forever.
///
/// # Examples
///
/// The tutorial's pool of 5 and its 10 tasks:
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return Ok(()); } // run on real threads only
/// use racelab::ThreadPool;
///
/// let pool = ThreadPool::new(5)?;
/// let results: Vec<_> = (0..10)
///     .map(|i| pool.apply_async(move || i * i))
///     .collect::<Result<_, _>>()?;
/// let squares: Vec<i32> = results.into_iter().map(|r| r.get().unwrap()).collect();
/// assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
/// # Ok::<(), racelab::PoolError>(())
/// ```
pub struct ThreadPool {
    shared: Arc<Shared>,
    handles: Lock<Vec<JoinHandle<()>>>,
    /// The workers' thread ids, to refuse a `join` from inside a task without taking the
    /// `handles` lock (which a concurrent `join` holds while it waits for the workers).
    worker_ids: Vec<ThreadId>,
    workers: usize,
}

/// Configures a [`ThreadPool`] beyond its worker count.
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return Ok(()); } // run on real threads only
/// let pool = racelab::pool::Builder::new(2)
///     .name("io")
///     .stack_size(256 * 1024)
///     .build()?;
/// assert_eq!(pool.workers(), 2);
/// let name = pool.apply(|| racelab::sync::thread::current().name().map(str::to_owned));
/// assert!(matches!(name.unwrap().as_deref(), Some("io-0" | "io-1")));
/// # Ok::<(), racelab::PoolError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build()"]
pub struct Builder {
    workers: usize,
    stack_size: Option<usize>,
    name: String,
}

impl Builder {
    /// The most workers a pool may have. A larger count is almost certainly a mistake (a
    /// `usize::MAX` from an underflow, say), and would start threads until the system ran out
    /// of them — taking every other process's thread budget with it — before failing.
    pub const MAX_WORKERS: usize = 4096;

    /// A pool of `workers` threads with the platform's default stack size.
    pub fn new(workers: usize) -> Self {
        Builder {
            workers,
            stack_size: None,
            name: "racelab-worker".to_owned(),
        }
    }

    /// Names the workers `{prefix}-0`, `{prefix}-1`, … (default `racelab-worker`), so two
    /// pools' threads tell apart in a debugger, a panic message or a trace.
    pub fn name(mut self, prefix: impl Into<String>) -> Self {
        self.name = prefix.into();
        self
    }

    /// Sets each worker's stack size in bytes. A size the operating system cannot map makes
    /// [`build`](Self::build) fail with [`PoolError::Spawn`] for worker 0.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`PoolError::NoWorkers`] for 0 workers, [`PoolError::TooManyWorkers`] above
    /// [`MAX_WORKERS`](Self::MAX_WORKERS); [`PoolError::Spawn`] if the operating system
    /// refuses a thread (the workers already started are stopped and joined first).
    pub fn build(self) -> Result<ThreadPool, PoolError> {
        if self.workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        if self.workers > Self::MAX_WORKERS {
            return Err(PoolError::TooManyWorkers {
                requested: self.workers,
                max: Self::MAX_WORKERS,
            });
        }
        let shared = Arc::new(Shared::new());
        trace::hide(&shared.state);
        let mut handles = Vec::new();
        for index in 0..self.workers {
            let mut builder = thread::Builder::new().name(format!("{}-{index}", self.name));
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let worker_shared = Arc::clone(&shared);
            match builder.spawn(move || worker::run(worker_shared)) {
                Ok(handle) => handles.push(handle),
                Err(source) => {
                    shared.shut_down(Phase::Terminated);
                    for handle in handles {
                        join_worker(handle);
                    }
                    return Err(PoolError::Spawn {
                        worker: index,
                        source,
                    });
                }
            }
        }
        let worker_ids = handles.iter().map(|h| h.thread().id()).collect();
        Ok(ThreadPool {
            shared,
            handles: Lock::new(handles),
            worker_ids,
            workers: self.workers,
        })
    }
}

fn join_worker(handle: JoinHandle<()>) {
    if let Err(payload) = handle.join() {
        // Workers catch every task's panic; a worker that died is a bug in racelab.
        std::panic::resume_unwind(payload);
    }
}

impl ThreadPool {
    /// Starts a pool of `workers` threads, named `racelab-worker-0`, `racelab-worker-1`, ….
    ///
    /// # Errors
    ///
    /// [`PoolError::NoWorkers`] for 0 workers, [`PoolError::TooManyWorkers`] above
    /// [`Builder::MAX_WORKERS`]; [`PoolError::Spawn`] if the operating system refuses a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use racelab::{PoolError, ThreadPool};
    ///
    /// assert!(matches!(ThreadPool::new(0), Err(PoolError::NoWorkers)));
    /// assert!(matches!(ThreadPool::new(usize::MAX), Err(PoolError::TooManyWorkers { .. })));
    /// ```
    pub fn new(workers: usize) -> Result<Self, PoolError> {
        Builder::new(workers).build()
    }

    /// The number of worker threads.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// How many tasks wait in the queue for a worker (not counting the running ones).
    ///
    /// A snapshot, for tests and monitoring: by the time the caller looks at it, a worker may
    /// have taken a task or another thread queued one. Like std's `len` hints, never a basis
    /// for a decision that needs the count to stay put. Python's pool has no such view.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(1).unwrap();
    /// assert_eq!(pool.queued(), 0);
    /// pool.close();
    /// pool.join().unwrap();
    /// assert_eq!(pool.queued(), 0);
    /// ```
    #[must_use]
    pub fn queued(&self) -> usize {
        self.shared.state.lock().jobs.len()
    }

    /// Queues `f` to run on a worker and returns its pending result.
    ///
    /// # Errors
    ///
    /// After [`close`](Self::close) or [`terminate`](Self::terminate), the task is not queued:
    /// it comes back inside the [`SubmitError`], unrun.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(1).unwrap();
    /// pool.close();
    /// let refused = pool.apply_async(|| 1).unwrap_err();
    /// assert_eq!((refused.into_task())(), 1); // the task came back unrun
    /// ```
    pub fn apply_async<F, T>(&self, f: F) -> Result<AsyncResult<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (mut task, mut result) = Task::new(f);
        let sleeper = {
            let mut state = self.shared.state.lock();
            if state.phase != Phase::Running {
                drop(state);
                return Err(SubmitError::closed((*task).into_fn()));
            }
            task.id = state.next_task_id();
            result.id = task.id;
            trace::task_submitted(task.id);
            state.jobs.push_back(task as Job);
            self.shared.note_queued(state.jobs.len());
            state.idle.pop()
        };
        if let Some(sleeper) = sleeper {
            sleeper.wake();
        }
        Ok(result)
    }

    /// Runs `f` on a worker and waits for it.
    ///
    /// # Errors
    ///
    /// [`TaskError::Panicked`] if `f` panicked, [`TaskError::Cancelled`] if the pool was
    /// terminated before it ran, [`TaskError::Rejected`] if the pool was already closed.
    pub fn apply<F, T>(&self, f: F) -> Result<T, TaskError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match self.apply_async(f) {
            Ok(result) => result.get(),
            Err(_) => Err(TaskError::Rejected),
        }
    }

    /// Runs `f` on every item and returns the results in input order.
    ///
    /// All items are queued first, then collected. Each result is the value or why there is
    /// none, as for [`AsyncResult::get`]; items submitted after the pool closed are
    /// [`TaskError::Rejected`]. So if the pool is terminated while `map` runs, the results
    /// read, in input order: values (or `Panicked`), then `Cancelled`, then `Rejected`.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(3).unwrap();
    /// let lengths = pool.map(|s: &str| s.len(), ["a", "bb", "ccc"]);
    /// assert_eq!(lengths, [Ok(1), Ok(2), Ok(3)]);
    /// ```
    pub fn map<I, F, T>(&self, f: F, items: I) -> Vec<Result<T, TaskError>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let f = Arc::new(f);
        let pending: Vec<_> = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.apply_async(move || f(item)).ok()
            })
            .collect();
        pending
            .into_iter()
            .map(|result| result.map_or(Err(TaskError::Rejected), AsyncResult::get))
            .collect()
    }

    /// Stops accepting tasks. Queued tasks still run; workers exit once the queue is empty.
    pub fn close(&self) {
        self.shared.shut_down(Phase::Closed);
    }

    /// Stops accepting tasks and cancels the queued ones (their results resolve
    /// [`TaskError::Cancelled`]). Running tasks finish; workers exit after them.
    ///
    /// # Panics
    ///
    /// The cancelled tasks' closures are dropped on the calling thread. If one's Drop panics,
    /// the others are still dropped and every worker still woken; then that panic is
    /// re-raised here.
    pub fn terminate(&self) {
        self.shared.shut_down(Phase::Terminated);
    }

    /// Waits for every worker to exit. Call [`close`](Self::close) or
    /// [`terminate`](Self::terminate) first. Joining twice is fine; a second `join` running at
    /// the same time waits for the first.
    ///
    /// # Errors
    ///
    /// [`PoolError::StillRunning`] if the pool still accepts tasks (it would wait forever);
    /// [`PoolError::JoinFromWorker`] if called from one of this pool's tasks.
    pub fn join(&self) -> Result<(), PoolError> {
        if self.shared.state.lock().phase == Phase::Running {
            return Err(PoolError::StillRunning);
        }
        if self.worker_ids.contains(&thread::current().id()) {
            return Err(PoolError::JoinFromWorker);
        }
        let mut handles = self.handles.lock();
        for handle in handles.drain(..) {
            join_worker(handle);
        }
        Ok(())
    }
}

impl Drop for ThreadPool {
    /// Closes the pool and waits for the queued tasks to run. Dropped inside one of its own
    /// tasks, the pool is closed and its workers exit on their own once the queue is empty.
    fn drop(&mut self) {
        self.close();
        match self.join() {
            Ok(()) | Err(PoolError::JoinFromWorker) => {}
            Err(other) => unreachable!("join after close failed: {other}"),
        }
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ThreadPool");
        d.field("workers", &self.workers);
        match self.shared.state.try_lock() {
            Some(state) => d
                .field("phase", &state.phase)
                .field("queued", &state.jobs.len())
                .field("idle", &state.idle.len()),
            None => d.field("state", &format_args!("<locked>")),
        };
        d.finish()
    }
}
