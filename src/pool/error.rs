//! The pool's error types.

use core::fmt;
use core::time::Duration;
use std::io;

/// Why a task produced no value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked; its worker caught the panic and went on serving.
    Panicked {
        /// The panic message. Only a `&str` or `String` payload gives one; any other (a
        /// `panic_any` value, a boxed string) gives `"<non-string panic payload>"`. A payload
        /// whose own Drop panics is discarded safely.
        message: String,
    },
    /// The task was queued but will never run: the pool was terminated first.
    Cancelled,
    /// The task was never queued: the pool was already closed (from
    /// [`ThreadPool::apply`](super::ThreadPool::apply) and [`map`](super::ThreadPool::map),
    /// which have no task to hand back).
    Rejected,
    /// The task's callback (see [`ThreadPool::apply_async_with`](super::ThreadPool::apply_async_with))
    /// panicked. The worker caught the panic and went on serving; the task's own outcome was
    /// dropped, so the panic is not hidden behind a value.
    CallbackPanicked {
        /// The callback's panic message, as for [`TaskError::Panicked`].
        message: String,
    },
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Panicked { message } => write!(f, "task panicked: {message}"),
            TaskError::Cancelled => {
                f.write_str("task cancelled: the pool was terminated before it ran")
            }
            TaskError::Rejected => {
                f.write_str("task rejected: the pool was closed before it was submitted")
            }
            TaskError::CallbackPanicked { message } => {
                write!(f, "the task's callback panicked: {message}")
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// An error from the pool itself.
#[derive(Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// `ThreadPool::new(0)`: a pool needs at least one worker.
    NoWorkers,
    /// More workers than [`Builder::MAX_WORKERS`](super::Builder::MAX_WORKERS): refused before
    /// any thread is started, rather than starting threads until the system runs out.
    TooManyWorkers {
        /// The count asked for.
        requested: usize,
        /// The limit.
        max: usize,
    },
    /// The operating system refused to start a worker thread. The workers already started
    /// have been stopped and joined.
    Spawn {
        /// The index of the worker that failed to start.
        worker: usize,
        /// The operating system's error.
        source: io::Error,
    },
    /// The pool no longer accepts tasks (`close` or `terminate` was called).
    Closed,
    /// `join` was called while the pool still accepts tasks; without `close` or `terminate`
    /// first, it would wait forever.
    StillRunning,
    /// `join` was called from one of the pool's own workers, which would wait for itself.
    JoinFromWorker,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => f.write_str("a thread pool needs at least one worker, got 0"),
            PoolError::TooManyWorkers { requested, max } => {
                write!(f, "{requested} workers asked for; a pool has at most {max}")
            }
            PoolError::Spawn { worker, source } => {
                write!(f, "failed to start worker thread {worker}: {source}")
            }
            PoolError::Closed => f.write_str("the pool is closed and accepts no more tasks"),
            PoolError::StillRunning => f.write_str(
                "join() on a running pool would wait forever: call close() or terminate() first",
            ),
            PoolError::JoinFromWorker => f.write_str(
                "join() called from one of the pool's own workers would wait for itself",
            ),
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::Spawn { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A task the pool refused, handed back to the caller: nothing is dropped silently.
///
/// Converts into [`PoolError`] with `?` when the task itself is not wanted back.
pub struct SubmitError<F> {
    task: F,
}

impl<F> SubmitError<F> {
    pub(crate) fn closed(task: F) -> Self {
        SubmitError { task }
    }

    /// Why the task was refused (today always [`PoolError::Closed`]).
    pub fn error(&self) -> PoolError {
        PoolError::Closed
    }

    /// The refused task, unrun.
    pub fn into_task(self) -> F {
        self.task
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmitError")
            .field("error", &self.error())
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task not submitted: {} (into_task() returns it unrun)",
            self.error()
        )
    }
}

impl<F> std::error::Error for SubmitError<F> {}

impl<F> From<SubmitError<F>> for PoolError {
    fn from(err: SubmitError<F>) -> Self {
        err.error()
    }
}

/// [`AsyncResult::successful`](super::AsyncResult::successful) (or
/// [`MapResult::successful`](super::MapResult::successful)) on a result that is not ready yet:
/// Python's `ValueError: ... not ready`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotReady;

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the task has not finished: successful() needs a ready result")
    }
}

impl std::error::Error for NotReady {}

/// A timed wait for a result ran out: Python's `multiprocessing.TimeoutError`.
///
/// The task keeps running. The pending result comes back inside, so a later `get` (or another
/// timed wait) still returns its value.
pub struct TimeoutError<R> {
    result: R,
    timeout: Duration,
}

impl<R> TimeoutError<R> {
    pub(crate) fn new(result: R, timeout: Duration) -> Self {
        TimeoutError { result, timeout }
    }

    /// How long the wait was.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The pending result, to wait on again.
    pub fn into_result(self) -> R {
        self.result
    }
}

impl<R> fmt::Debug for TimeoutError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutError")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<R> fmt::Display for TimeoutError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for the task; it keeps running \
             (into_result() returns the pending result)",
            self.timeout
        )
    }
}

impl<R> std::error::Error for TimeoutError<R> {}
