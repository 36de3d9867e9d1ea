//! [`ThreadPool`]: the tutorial's pool of workers.

use core::fmt;

use crate::sync::internal::thread::{self, JoinHandle, ThreadId};
use crate::sync::Arc;
use crate::{trace, Lock};

use super::imap::{Imap, ImapUnordered};
use super::map::{Group, MapCallback, MapResult};
use super::result::{self, AsyncResult};
use super::shared::{Phase, Shared};
use super::star::StarFn;
use super::task::{Job, Notify, Run, Task};
use super::{worker, PoolError, SubmitError, TaskError};

/// A fixed set of worker threads that run submitted tasks: Python's
/// `multiprocessing.pool.ThreadPool`, in Rust.
///
/// Submit with [`apply_async`](ThreadPool::apply_async) (returns an [`AsyncResult`]),
/// [`apply`](ThreadPool::apply) (waits) or [`map`](ThreadPool::map) (many inputs, results in
/// input order); [`starmap`](ThreadPool::starmap) for functions of several arguments;
/// [`map_async`](ThreadPool::map_async) for one pending [`MapResult`];
/// [`imap`](ThreadPool::imap) and [`imap_unordered`](ThreadPool::imap_unordered) for lazy
/// iterators; [`apply_async_with`](ThreadPool::apply_async_with) and
/// [`map_async_with`](ThreadPool::map_async_with) for Python's callbacks. Shut down with
/// [`close`](ThreadPool::close) (queued tasks still run) or
/// [`terminate`](ThreadPool::terminate) (queued tasks resolve [`TaskError::Cancelled`]), then
/// [`join`](ThreadPool::join). Dropping the pool closes and joins it, so queued work is not
/// lost.
///
/// A task that panics resolves its result [`TaskError::Panicked`]; its worker goes on serving.
///
/// # Deadlocks
///
/// A task may submit to its own pool. A task that *waits* (`get`, `wait`, `apply`, `map`, an
/// imap's `next`, a [`MapResult`]'s `get`) for another task of the same pool holds its worker
/// until that task runs; if every worker waits like this on tasks still queued, the pool
/// deadlocks, as Python's does (the
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

    /// Queues `task`: numbers it for traces, and wakes an idle worker. A pool that no longer
    /// accepts tasks hands it back, untouched.
    pub(crate) fn submit<R>(&self, mut task: Box<R>) -> Result<u64, Box<R>>
    where
        R: Run + Send + 'static,
    {
        let (id, sleeper) = {
            let mut state = self.shared.state.lock();
            if state.phase != Phase::Running {
                drop(state);
                return Err(task);
            }
            let id = state.next_task_id();
            task.set_id(id);
            trace::task_submitted(id);
            state.jobs.push_back(task as Job);
            self.shared.note_queued(state.jobs.len());
            (id, state.idle.pop())
        };
        if let Some(sleeper) = sleeper {
            sleeper.wake();
        }
        Ok(id)
    }

    /// Queues `f` to run on a worker and returns its pending result: Python's
    /// `apply_async(f, args)` (a closure carries the arguments).
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
        let (task, mut result) = Task::new(f);
        match self.submit(task) {
            Ok(id) => {
                result.id = id;
                Ok(result)
            }
            Err(task) => Err(SubmitError::closed(task.into_fn())),
        }
    }

    /// [`apply_async`](Self::apply_async) with Python's `callback` and `error_callback`:
    /// `on_ok` runs with a reference to the task's value, or `on_err` with why there is none —
    /// exactly one of them, once, before the result is ready (so before
    /// [`get`](AsyncResult::get) returns), and `get` still returns the value.
    ///
    /// The callback runs on the worker that ran the task. For a task [`terminate`](Self::terminate)
    /// cancels before it ran, `on_err` gets [`TaskError::Cancelled`] on the thread that called
    /// `terminate`, where the task is dropped. A refused task runs neither: it comes back in the
    /// [`SubmitError`], and the callbacks are dropped unrun.
    ///
    /// A callback holds its worker while it runs, like a task (Python's run on one
    /// result-handler thread, so a slow one delays every other callback; here it delays only
    /// its own worker). A callback that panics is caught — the worker serves on — and the
    /// result becomes [`TaskError::CallbackPanicked`] (the value is dropped).
    ///
    /// # Errors
    ///
    /// As for [`apply_async`](Self::apply_async).
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use racelab::sync::atomic::{AtomicUsize, Ordering};
    /// use racelab::sync::Arc;
    ///
    /// let pool = racelab::ThreadPool::new(2).unwrap();
    /// let seen = Arc::new(AtomicUsize::new(0));
    /// let on_ok = {
    ///     let seen = Arc::clone(&seen);
    ///     move |value: &usize| seen.store(*value, Ordering::Relaxed)
    /// };
    /// let result = pool
    ///     .apply_async_with(|| 6 * 7, on_ok, |err| eprintln!("task failed: {err}"))
    ///     .unwrap();
    /// assert_eq!(result.get(), Ok(42));
    /// // The callback ran before `get` returned (and `get` is ordered after it).
    /// assert_eq!(seen.load(Ordering::Relaxed), 42);
    /// ```
    pub fn apply_async_with<F, T, OnOk, OnErr>(
        &self,
        f: F,
        on_ok: OnOk,
        on_err: OnErr,
    ) -> Result<AsyncResult<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
        OnOk: FnOnce(&T) + Send + 'static,
        OnErr: FnOnce(&TaskError) + Send + 'static,
    {
        let (completer, mut result) = result::slot();
        let callback = move |outcome: Result<&T, &TaskError>| match outcome {
            Ok(value) => on_ok(value),
            Err(err) => on_err(err),
        };
        let task = Task::with_sink(f, Notify::new(completer, callback));
        match self.submit(task) {
            Ok(id) => {
                result.id = id;
                Ok(result)
            }
            Err(task) => Err(SubmitError::closed(task.into_fn())),
        }
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

    /// Runs `f` on every item and returns each item's outcome, in input order.
    ///
    /// Every item is queued (the input is read to its end first), then `map` waits for *all*
    /// of them: a panicking item does not cut the wait short, so when `map` returns no task of
    /// it is still running. Each outcome is the value or why there is none, as for
    /// [`AsyncResult::get`]; items submitted after the pool closed are
    /// [`TaskError::Rejected`]. So if the pool is terminated while `map` runs, the results
    /// read, in input order: values (or `Panicked`), then `Cancelled`, then `Rejected`.
    ///
    /// Python's `map` raises the first failure instead; collecting into
    /// `Result<Vec<T>, TaskError>` gives that — all the values, or the first failure in input
    /// order — as does [`map_async`](Self::map_async)`(..).get()`. No items: an empty `Vec`,
    /// at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(3).unwrap();
    /// let lengths = pool.map(|s: &str| s.len(), ["a", "bb", "ccc"]);
    /// assert_eq!(lengths, [Ok(1), Ok(2), Ok(3)]);
    /// // Python's shape: the values, or the first failure in input order.
    /// let all: Result<Vec<usize>, _> = lengths.into_iter().collect();
    /// assert_eq!(all, Ok(vec![1, 2, 3]));
    /// ```
    pub fn map<I, F, T>(&self, f: F, items: I) -> Vec<Result<T, TaskError>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        self.map_group(f, items, None).into_each()
    }

    /// Queues `f` on every item and returns at once: Python's `map_async`. The
    /// [`MapResult`] is ready when every item is resolved; its `get` gives all the values in
    /// input order, or the first failure in input order.
    ///
    /// Never refuses as a whole: items the pool refuses (it was closed) are
    /// [`TaskError::Rejected`], as for [`map`](Self::map). No items: a result that is ready at
    /// once, with no values.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use racelab::TaskError;
    ///
    /// let pool = racelab::ThreadPool::new(2).unwrap();
    /// let doubled = pool.map_async(|i: i32| i * 2, [1, 2, 3]);
    /// assert_eq!(doubled.get(), Ok(vec![2, 4, 6]));
    ///
    /// pool.close();
    /// let refused = pool.map_async(|i: i32| i * 2, [1, 2, 3]);
    /// assert_eq!(refused.get(), Err(TaskError::Rejected));
    /// ```
    pub fn map_async<I, F, T>(&self, f: F, items: I) -> MapResult<T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        self.map_group(f, items, None)
    }

    /// [`map_async`](Self::map_async) with Python's `callback` and `error_callback`: once
    /// every item is resolved, `on_ok` runs with all the values in input order, or `on_err`
    /// with the first failure in input order — exactly one of them, once, before the result
    /// is ready.
    ///
    /// It runs on the thread that resolves the last item: normally the worker that ran it;
    /// the thread that called [`terminate`](Self::terminate) if that cancelled the last one;
    /// the calling thread, before `map_async_with` returns, when no item was queued (no items,
    /// or a closed pool). A callback that panics is caught, and `get` returns
    /// [`TaskError::CallbackPanicked`].
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// use racelab::sync::atomic::{AtomicUsize, Ordering};
    /// use racelab::sync::Arc;
    ///
    /// let pool = racelab::ThreadPool::new(2).unwrap();
    /// let total = Arc::new(AtomicUsize::new(0));
    /// let on_ok = {
    ///     let total = Arc::clone(&total);
    ///     move |values: &[usize]| total.store(values.iter().sum(), Ordering::Relaxed)
    /// };
    /// let lengths = pool.map_async_with(
    ///     |s: &str| s.len(),
    ///     ["a", "bb", "ccc"],
    ///     on_ok,
    ///     |err| eprintln!("an item failed: {err}"),
    /// );
    /// assert_eq!(lengths.get(), Ok(vec![1, 2, 3]));
    /// assert_eq!(total.load(Ordering::Relaxed), 6); // ran before `get` returned
    /// ```
    pub fn map_async_with<I, F, T, OnOk, OnErr>(
        &self,
        f: F,
        items: I,
        on_ok: OnOk,
        on_err: OnErr,
    ) -> MapResult<T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
        OnOk: FnOnce(&[T]) + Send + 'static,
        OnErr: FnOnce(&TaskError) + Send + 'static,
    {
        let callback: MapCallback<T> = Box::new(move |outcome| match outcome {
            Ok(values) => on_ok(values),
            Err(err) => on_err(err),
        });
        self.map_group(f, items, Some(callback))
    }

    fn map_group<I, F, T>(&self, f: F, items: I, callback: Option<MapCallback<T>>) -> MapResult<T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let items: Vec<I::Item> = items.into_iter().collect();
        let f = Arc::new(f);
        // Declared before `submitting`, so dropped after it: the items never queued are
        // rejected before their values are dropped.
        let mut items = items.into_iter();
        let (mut submitting, result) = Group::start(items.len(), callback);
        for item in items.by_ref() {
            let f = Arc::clone(&f);
            let task = Task::with_sink(move || f(item), submitting.item());
            if let Err(task) = self.submit(task) {
                task.reject();
                break;
            }
        }
        // The submitter's step of the countdown (and `Rejected` for the items not queued).
        drop(submitting);
        MapResult::new(result)
    }

    /// [`map`](Self::map) for a function of several arguments, each item a tuple of them:
    /// Python's `starmap`. `f` may be any `Fn` of 1 to 6 arguments (see [`StarFn`]).
    ///
    /// In Rust, `map` over tuples with a closure that destructures its argument
    /// (`|(a, b)| a + b`) does the same; `starmap` takes the function as it is written.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// fn power(base: u64, exp: u32) -> u64 {
    ///     base.pow(exp)
    /// }
    ///
    /// let pool = racelab::ThreadPool::new(2).unwrap();
    /// let powers = pool.starmap(power, [(2, 10), (3, 3), (10, 0)]);
    /// assert_eq!(powers, [Ok(1024), Ok(27), Ok(1)]);
    /// ```
    pub fn starmap<I, F, T>(&self, f: F, items: I) -> Vec<Result<T, TaskError>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: StarFn<I::Item, Output = T> + Send + Sync + 'static,
        T: Send + 'static,
    {
        self.map(move |args| f.call_with(args), items)
    }

    /// [`map_async`](Self::map_async) for a function of several arguments: Python's
    /// `starmap_async`.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(2).unwrap();
    /// let sums = pool.starmap_async(|a: i32, b: i32| a + b, [(1, 2), (3, 4)]);
    /// assert_eq!(sums.get(), Ok(vec![3, 7]));
    /// ```
    pub fn starmap_async<I, F, T>(&self, f: F, items: I) -> MapResult<T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: StarFn<I::Item, Output = T> + Send + Sync + 'static,
        T: Send + 'static,
    {
        self.map_async(move |args| f.call_with(args), items)
    }

    /// A lazy [`map`](Self::map): an iterator of each item's outcome, in input order, whose
    /// `next` blocks until the next item is resolved. Python's `imap`.
    ///
    /// The input is pulled as results are taken: [`Imap`] keeps twice
    /// [`workers`](Self::workers) items in flight, starting now, so the workers stay busy while
    /// the caller handles a result, and an endless input is fine. A panicking item is its own
    /// `Err` and the iteration goes on. Once the pool refuses an item (it was closed), that item
    /// is [`TaskError::Rejected`] and the iterator ends after it. No items: an iterator that
    /// ends at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(4).unwrap();
    /// // An endless input: only the first few items are ever queued.
    /// let first: Vec<_> = pool.imap(|n: u64| n * n, 1..).take(5).collect();
    /// assert_eq!(first, [Ok(1), Ok(4), Ok(9), Ok(16), Ok(25)]);
    /// ```
    pub fn imap<I, F, T>(&self, f: F, items: I) -> Imap<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        Imap::new(self, f, items.into_iter())
    }

    /// As [`imap`](Self::imap), but the outcomes come in the order the items finish: Python's
    /// `imap_unordered`. Pair each item with its input (`|(i, x)| (i, f(x))` over
    /// `items.enumerate()`) to tell them apart.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let pool = racelab::ThreadPool::new(3).unwrap();
    /// let mut squares: Vec<u32> = pool
    ///     .imap_unordered(|n: u32| n * n, [3, 1, 2])
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// squares.sort_unstable(); // finishing order is the workers'
    /// assert_eq!(squares, [1, 4, 9]);
    /// ```
    pub fn imap_unordered<I, F, T>(&self, f: F, items: I) -> ImapUnordered<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        ImapUnordered::new(self, f, items.into_iter())
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
