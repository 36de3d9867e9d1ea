//! The pool's scenarios: every result delivered once, `close`/`join`, `terminate` racing the
//! workers, a panicking task, `Drop` with queued work, and the lifecycle races — `close`,
//! `terminate` and `Drop` racing submitters, `close` racing `terminate`, the last handle
//! dropped inside a task; and the rest of Python's pool — `imap` in order, `imap_unordered`
//! each once, a callback exactly once while `terminate` races it, a timed wait racing its task.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{AsyncResult, PoolError, SubmitError, TaskError, ThreadPool};

use crate::common::EXPECTED_PANIC;

/// Submits `tasks` tasks to `pool`; task `i` counts its run in `runs` and returns `value(i)`.
/// `Relaxed`: the scenarios read `runs` only after the pool's workers are joined (by `join` or
/// the pool's `Drop`), which orders every count before the read.
fn submit_counted(
    pool: &ThreadPool,
    tasks: usize,
    runs: &Arc<AtomicUsize>,
    value: fn(usize) -> usize,
) -> Vec<AsyncResult<usize>> {
    (0..tasks)
        .map(|i| {
            let runs = Arc::clone(runs);
            pool.apply_async(move || {
                runs.fetch_add(1, Ordering::Relaxed);
                value(i)
            })
            .unwrap()
        })
        .collect()
}

/// Every task's result is delivered exactly once, with its own value.
pub fn pool_delivers(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let results = submit_counted(&pool, tasks, &runs, |i| i * 10);
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.get(), Ok(i * 10));
    }
    drop(pool);
    assert_eq!(runs.load(Ordering::Relaxed), tasks);
}

/// `close` then `join`: every queued task still runs; later submissions are refused.
pub fn pool_close_join(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let results: Vec<_> = (0..tasks)
        .map(|i| pool.apply_async(move || i).unwrap())
        .collect();
    pool.close();
    assert!(
        pool.apply_async(|| 0).is_err(),
        "a closed pool accepted a task"
    );
    pool.join().unwrap();
    for (i, r) in results.into_iter().enumerate() {
        assert!(r.ready(), "join returned before task {i} finished");
        assert_eq!(r.get(), Ok(i));
    }
}

/// `terminate` from another thread races the running and queued tasks: every result
/// resolves, `Ok` exactly for the tasks that ran, `Cancelled` for the rest.
pub fn pool_terminate_race(workers: usize, tasks: usize) {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let runs = Arc::new(AtomicUsize::new(0));
    let results = submit_counted(&pool, tasks, &runs, |i| i);
    let p = Arc::clone(&pool);
    let terminator = thread::spawn(move || p.terminate());
    let mut ok = 0;
    for (i, r) in results.into_iter().enumerate() {
        match r.get() {
            Ok(v) => {
                assert_eq!(v, i);
                ok += 1;
            }
            Err(TaskError::Cancelled) => {}
            Err(other) => panic!("task {i}: unexpected {other}"),
        }
    }
    terminator.join().unwrap();
    pool.join().unwrap();
    assert_eq!(
        runs.load(Ordering::Relaxed),
        ok,
        "a task ran but was reported cancelled"
    );
}

/// A panicking task resolves `Panicked` with its message; its worker serves the next task.
pub fn pool_panicking_task(workers: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let bad = pool
        .apply_async(|| -> usize { panic!("{}", EXPECTED_PANIC) })
        .unwrap();
    let good = pool.apply_async(|| 7usize).unwrap();
    assert_eq!(
        bad.get(),
        Err(TaskError::Panicked {
            message: EXPECTED_PANIC.to_owned()
        })
    );
    assert_eq!(good.get(), Ok(7));
    // Every worker is still alive: one more task per worker runs.
    let more: Vec<_> = (0..workers)
        .map(|i| pool.apply_async(move || i).unwrap())
        .collect();
    for (i, r) in more.into_iter().enumerate() {
        assert_eq!(r.get(), Ok(i));
    }
}

/// Dropping the pool with tasks still queued runs them all (Drop = close + join).
pub fn pool_drop_with_queued(workers: usize, tasks: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let results = submit_counted(&pool, tasks, &runs, |i| i);
    drop(pool);
    assert_eq!(
        runs.load(Ordering::Relaxed),
        tasks,
        "dropping the pool lost queued work"
    );
    for (i, r) in results.into_iter().enumerate() {
        assert!(r.ready());
        assert_eq!(r.get(), Ok(i));
    }
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
pub enum Shutdown {
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

/// What one execution of a lifecycle race did: a checker counts these across its schedules
/// to see that the race went both ways.
pub struct Outcome {
    pub refused: usize,
    pub cancelled: usize,
}

/// `submitters` threads submit `per_submitter` tasks each to a pool of `workers` while the
/// main thread shuts it down.
pub fn submit_while_shutting_down(
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

/// `close` + `join` on one thread races `terminate` + `join` on another while the main thread
/// collects the results: both joins return `Ok`, and every result resolves.
pub fn close_and_terminate_race(workers: usize, tasks: usize) {
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

/// Each task holds a handle to its own pool and submits a follow-up task through it; the
/// main thread drops its handle while they run. When a task lets go of the last handle, the
/// pool is dropped on its own worker: `join` there would wait for itself, so `Drop` only
/// closes, and the workers finish the queue on their own. Either way every result — the
/// follow-ups' too — resolves with its value.
pub fn last_handle_dropped_in_a_task(workers: usize, tasks: usize) {
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

// ---- the rest of Python's pool: imap, imap_unordered, callbacks, timed waits ----

/// `imap` yields every item's value in input order, whatever order the workers finish in.
pub fn imap_in_order(workers: usize, items: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let results: Vec<_> = pool.imap(|i: usize| i * 10, 0..items).collect();
    let expected: Vec<Result<usize, TaskError>> = (0..items).map(|i| Ok(i * 10)).collect();
    assert_eq!(results, expected, "imap out of input order");
}

/// `imap_unordered` yields every item's value exactly once (in some order), and then ends.
pub fn imap_unordered_each_once(workers: usize, items: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let mut values: Vec<usize> = pool
        .imap_unordered(|i: usize| i * 10, 0..items)
        .map(|outcome| outcome.expect("no item fails"))
        .collect();
    values.sort_unstable();
    let expected: Vec<usize> = (0..items).map(|i| i * 10).collect();
    assert_eq!(values, expected, "an item lost or delivered twice");
}

/// How often each callback ran. `Relaxed`: the scenarios read the counts after `get`, and a
/// callback runs before its result is resolved, which `get` acquires (the result slot's
/// Release/Acquire), so every count a callback made is visible by then.
struct Callbacks {
    ok: AtomicUsize,
    err: AtomicUsize,
}

impl Callbacks {
    fn new() -> Arc<Self> {
        Arc::new(Callbacks {
            ok: AtomicUsize::new(0),
            err: AtomicUsize::new(0),
        })
    }

    fn counts(&self) -> (usize, usize) {
        (
            self.ok.load(Ordering::Relaxed),
            self.err.load(Ordering::Relaxed),
        )
    }
}

/// `apply_async_with` while another thread terminates the pool: the task runs (`on_ok`) or is
/// cancelled (`on_err` with `Cancelled`) — exactly one callback, once, and before `get`
/// returns the matching outcome.
pub fn callback_once_racing_terminate(workers: usize) {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let calls = Callbacks::new();
    let (on_ok, on_err) = (Arc::clone(&calls), Arc::clone(&calls));
    let result = pool
        .apply_async_with(
            || 7usize,
            move |value: &usize| {
                assert_eq!(*value, 7);
                on_ok.ok.fetch_add(1, Ordering::Relaxed);
            },
            move |err: &TaskError| {
                assert_eq!(*err, TaskError::Cancelled);
                on_err.err.fetch_add(1, Ordering::Relaxed);
            },
        )
        .unwrap();
    let terminator = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.terminate())
    };
    match result.get() {
        Ok(7) => assert_eq!(calls.counts(), (1, 0), "on_ok once, before get"),
        Err(TaskError::Cancelled) => assert_eq!(calls.counts(), (0, 1), "on_err once, before get"),
        other => panic!("unexpected outcome {other:?}"),
    }
    terminator.join().unwrap();
    pool.join().unwrap();
    let (ok, err) = calls.counts();
    assert_eq!(ok + err, 1, "a callback ran again after get");
}

/// `map_async_with` while another thread terminates the pool: once every item is resolved,
/// exactly one callback runs — `on_ok` with every value in order, or `on_err` with the first
/// failure in input order (`Cancelled`) — before `get` returns the matching outcome.
pub fn map_callback_once_racing_terminate(workers: usize, items: usize) {
    let pool = Arc::new(ThreadPool::new(workers).unwrap());
    let calls = Callbacks::new();
    let (on_ok, on_err) = (Arc::clone(&calls), Arc::clone(&calls));
    let result = pool.map_async_with(
        |i: usize| i,
        0..items,
        move |values: &[usize]| {
            assert!(values.iter().copied().eq(0..items), "values out of order");
            on_ok.ok.fetch_add(1, Ordering::Relaxed);
        },
        move |err: &TaskError| {
            assert_eq!(*err, TaskError::Cancelled);
            on_err.err.fetch_add(1, Ordering::Relaxed);
        },
    );
    let terminator = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.terminate())
    };
    match result.get() {
        Ok(values) => {
            assert!(values.into_iter().eq(0..items));
            assert_eq!(calls.counts(), (1, 0), "on_ok once, before get");
        }
        Err(TaskError::Cancelled) => assert_eq!(calls.counts(), (0, 1), "on_err once, before get"),
        Err(other) => panic!("unexpected outcome {other:?}"),
    }
    terminator.join().unwrap();
    pool.join().unwrap();
    let (ok, err) = calls.counts();
    assert_eq!(ok + err, 1, "a callback ran again after get");
}

/// A timed wait racing the task: it times out (and the result comes back, still pending) or
/// sees the value; a second timed wait after withdrawing, and a plain `get` after that, still
/// return the value. Nothing is delivered twice or lost.
pub fn get_timeout_race(workers: usize) {
    let pool = ThreadPool::new(workers).unwrap();
    let result = pool.apply_async(|| 5usize).unwrap();
    let value = match result.get_timeout(Duration::ZERO) {
        Ok(outcome) => outcome,
        Err(timed_out) => {
            let result = timed_out.into_result();
            if result.wait_timeout(Duration::ZERO) {
                assert!(result.ready(), "wait_timeout said ready");
            }
            result.get()
        }
    };
    assert_eq!(value, Ok(5));
}
