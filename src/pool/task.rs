//! A queued task: the closure and the [`Sink`] its outcome goes to.
//!
//! | sink | file | where the outcome goes |
//! |---|---|---|
//! | `Completer` | `result.rs` | one [`AsyncResult`]'s slot |
//! | [`Notify`] | here | a callback first (on the worker), then the sink it wraps |
//! | `Item` | `map.rs` | one cell of a map; the last item resolves the whole map |
//! | `Unordered` | `imap.rs` | the completion queue of an `imap_unordered` iterator |
//!
//! Every sink dropped without an outcome (its job was dropped unrun: `terminate`) resolves
//! [`TaskError::Cancelled`] from its `Drop`, so nothing waits on a task that will never run.

use core::marker::PhantomData;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use super::result::{self, AsyncResult, Completer};
use super::TaskError;
use crate::panic_message::panic_message;
use crate::trace;

/// What a worker runs. Dropping a job unrun resolves its result `Cancelled`.
pub(crate) type Job = Box<dyn Run + Send>;

pub(crate) trait Run {
    /// Runs the task and resolves its result. Never panics: the task's panic is caught.
    fn run(self: Box<Self>);

    /// Resolves the result [`TaskError::Rejected`] without running the task (the pool refused
    /// it), then drops the closure.
    fn reject(self: Box<Self>);

    /// The task's number in traces (0 in std builds, where nothing is traced).
    fn id(&self) -> u64;

    /// Numbers the task for traces (under the pool's lock, as it is queued).
    fn set_id(&mut self, id: u64);
}

/// Where a task's outcome goes. Dropped without [`complete`](Sink::complete), a sink resolves
/// [`TaskError::Cancelled`].
pub(crate) trait Sink<T>: Send {
    /// Delivers the outcome: the task ran (`Ok` or `Panicked`), or it was refused (`Rejected`).
    fn complete(self, outcome: Result<T, TaskError>);

    /// Lets go without resolving anything: the task was refused and handed back to the caller,
    /// who never saw its result (no callback runs).
    fn abandon(self);
}

pub(crate) struct Task<F, S> {
    f: F,
    sink: S,
    pub(crate) id: u64,
}

impl<F, T> Task<F, Completer<T>>
where
    F: FnOnce() -> T,
{
    /// A task whose outcome goes to a new [`AsyncResult`].
    pub(crate) fn new(f: F) -> (Box<Self>, AsyncResult<T>) {
        let (completer, result) = result::slot();
        (Task::with_sink(f, completer), result)
    }
}

impl<F, S> Task<F, S> {
    pub(crate) fn with_sink(f: F, sink: S) -> Box<Self> {
        Box::new(Task { f, sink, id: 0 })
    }

    /// Takes the closure back out, unrun; the sink lets go without resolving (nobody saw it).
    pub(crate) fn into_fn<T>(self) -> F
    where
        S: Sink<T>,
    {
        self.sink.abandon();
        self.f
    }
}

impl<F, T, S> Run for Task<F, S>
where
    F: FnOnce() -> T,
    S: Sink<T>,
{
    fn run(self: Box<Self>) {
        let Task { f, sink, id } = *self;
        trace::task_started(id);
        let outcome =
            panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| TaskError::Panicked {
                message: message_of(payload),
            });
        // A lock the task held when it panicked is free; under loom's spec face its guard is
        // dropped now that nothing unwinds (see `RawLock`'s spec).
        crate::lock::flush_unwound();
        trace::task_finished(id, outcome.is_ok());
        sink.complete(outcome);
    }

    fn reject(self: Box<Self>) {
        let Task { f, sink, .. } = *self;
        sink.complete(Err(TaskError::Rejected));
        drop(f);
    }

    fn id(&self) -> u64 {
        self.id
    }

    fn set_id(&mut self, id: u64) {
        self.id = id;
    }
}

/// A sink that runs a callback with the outcome, then hands the outcome on to `inner`: the
/// callback has run before anyone waiting on `inner` sees the outcome.
///
/// The callback runs where the outcome is decided: on the worker that ran the task, or — for
/// a task cancelled unrun — on the thread that dropped it (the one that called `terminate`).
/// A callback that panics is caught; the outcome becomes [`TaskError::CallbackPanicked`].
pub(crate) struct Notify<T, S, C>
where
    S: Sink<T>,
    C: FnOnce(Result<&T, &TaskError>) + Send,
{
    /// Both `Some` until the outcome is delivered (or the sink abandoned).
    inner: Option<S>,
    callback: Option<C>,
    _outcome: PhantomData<fn(T)>,
}

impl<T, S, C> Notify<T, S, C>
where
    S: Sink<T>,
    C: FnOnce(Result<&T, &TaskError>) + Send,
{
    pub(crate) fn new(inner: S, callback: C) -> Self {
        Notify {
            inner: Some(inner),
            callback: Some(callback),
            _outcome: PhantomData,
        }
    }

    fn deliver(&mut self, outcome: Result<T, TaskError>) {
        let (Some(inner), Some(callback)) = (self.inner.take(), self.callback.take()) else {
            unreachable!("a callback sink delivers once");
        };
        let (outcome, displaced) = run_callback(callback, outcome);
        // Before the outcome is delivered, so a caller that sees `CallbackPanicked` also sees
        // the value it displaced freed; a Drop that panics is caught here, and the outcome is
        // delivered all the same (it already reports the callback's failure).
        drop_caught(displaced);
        inner.complete(outcome);
    }
}

/// Drops `value`, catching a panic of its `Drop` (whose payload is dropped the same careful
/// way as a task's).
pub(crate) fn drop_caught<V>(value: V) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| drop(value))) {
        drop(message_of(payload));
    }
}

/// Runs `callback` on `outcome`. If it panics, the outcome becomes `CallbackPanicked` and the
/// old one is handed back, to be dropped ([`drop_caught`]) before the new one is delivered.
pub(crate) fn run_callback<T, C>(
    callback: C,
    outcome: Result<T, TaskError>,
) -> (Result<T, TaskError>, Option<Result<T, TaskError>>)
where
    C: FnOnce(Result<&T, &TaskError>),
{
    let called = panic::catch_unwind(AssertUnwindSafe(|| callback(outcome.as_ref())));
    // A lock the callback held when it panicked is free (see `Task::run`).
    crate::lock::flush_unwound();
    match called {
        Ok(()) => (outcome, None),
        Err(payload) => (
            Err(TaskError::CallbackPanicked {
                message: message_of(payload),
            }),
            Some(outcome),
        ),
    }
}

impl<T, S, C> Sink<T> for Notify<T, S, C>
where
    T: Send,
    S: Sink<T>,
    C: FnOnce(Result<&T, &TaskError>) + Send,
{
    fn complete(mut self, outcome: Result<T, TaskError>) {
        self.deliver(outcome);
    }

    fn abandon(mut self) {
        self.callback = None;
        if let Some(inner) = self.inner.take() {
            inner.abandon();
        }
    }
}

impl<T, S, C> Drop for Notify<T, S, C>
where
    S: Sink<T>,
    C: FnOnce(Result<&T, &TaskError>) + Send,
{
    /// Dropped unrun (`terminate`): the error callback runs with `Cancelled`, then the inner
    /// sink resolves.
    fn drop(&mut self) {
        if self.inner.is_some() {
            self.deliver(Err(TaskError::Cancelled));
        }
    }
}

/// The message of a panic payload, which is then dropped without letting a panic escape.
pub(crate) fn message_of(payload: Box<dyn Any + Send>) -> String {
    let message = panic_message(&*payload).to_owned();
    discard(payload);
    message
}

/// Drops a panic payload without letting a panic from its own Drop escape (that one is
/// leaked: dropping it could panic again).
pub(crate) fn discard(payload: Box<dyn Any + Send>) {
    if let Err(nested) = panic::catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        core::mem::forget(nested);
    }
}
