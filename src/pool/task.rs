//! A queued task: the closure and the writer of its result.

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

    /// The task's number in traces (0 in std builds, where nothing is traced).
    fn id(&self) -> u64;
}

pub(crate) struct Task<F, T> {
    f: F,
    completer: Completer<T>,
    pub(crate) id: u64,
}

impl<F, T> Task<F, T>
where
    F: FnOnce() -> T,
{
    pub(crate) fn new(f: F) -> (Box<Self>, AsyncResult<T>) {
        let (completer, result) = result::slot();
        (
            Box::new(Task {
                f,
                completer,
                id: 0,
            }),
            result,
        )
    }

    /// Takes the closure back out, unrun (its result resolves `Cancelled`, unseen).
    pub(crate) fn into_fn(self) -> F {
        self.f
    }
}

impl<F, T> Run for Task<F, T>
where
    F: FnOnce() -> T,
{
    fn run(self: Box<Self>) {
        let Task { f, completer, id } = *self;
        trace::task_started(id);
        let outcome =
            panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| TaskError::Panicked {
                message: message_of(payload),
            });
        // A lock the task held when it panicked is free; under loom's spec face its guard is
        // dropped now that nothing unwinds (see `RawLock`'s spec).
        crate::lock::flush_unwound();
        trace::task_finished(id, outcome.is_ok());
        completer.complete(outcome);
    }

    fn id(&self) -> u64 {
        self.id
    }
}

/// The message of a panic payload, which is then dropped without letting a panic escape.
fn message_of(payload: Box<dyn Any + Send>) -> String {
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
