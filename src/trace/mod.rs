//! Event recording in checker builds, and the swimlane that shows a failing interleaving.
//!
//! Under loom and shuttle, racelab records what each model thread does: lock acquire / wait /
//! release (which lock), pool submit / start / finish / cancel, worker exit, and the notes a
//! model adds with [`note!`](crate::note). The harness ([`crate::check`]) starts a fresh
//! recording for every execution and keeps the one that failed, so a failure comes with the
//! exact interleaving that caused it, rendered by [`Trace::render`] as one column per thread.
//!
//! In std builds every recording call is an empty `#[inline(always)]` function and `note!`
//! expands to nothing that runs: recording costs nothing there (a benchmark checks it).
//!
//! Thread starts show as a thread's first row; threads are named by their `Builder` name
//! (`racelab-worker-0`, …), `main` for the thread that runs the model, and `t1`, `t2`, … in
//! order of first appearance otherwise. Locks are `L1`, `L2`, … in order of first use, unless
//! a model names them with [`label`].

mod swimlane;
mod waitfor;

#[cfg(any(loom, shuttle))]
mod recorder;

pub use waitfor::WaitFor;

/// `true` in loom and shuttle builds, where events are recorded.
pub const ENABLED: bool = cfg!(any(loom, shuttle));

/// One row of a trace: what one thread did at one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Index into [`Trace::threads`].
    pub thread: usize,
    /// What happened, in words (`"acquire L1"`, `"start task 3"`, a model's note).
    pub event: String,
}

/// The recorded interleaving of one execution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Thread names, one per column, in order of first appearance.
    pub threads: Vec<String>,
    /// The steps, in the order they happened.
    pub steps: Vec<Step>,
}

impl Trace {
    /// Renders the trace as a plain-text swimlane: one column per thread, one row per step,
    /// at most `width` columns wide (120 is a good terminal width). `failure`, if given, is
    /// printed as a marked last row.
    pub fn render(&self, width: usize, failure: Option<&str>) -> String {
        swimlane::render(self, width, failure)
    }

    /// `true` if nothing was recorded (always so in std builds).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Something that can be named in a trace: racelab's locks.
pub trait Traced {
    /// The identity the recorder knows this object by.
    #[doc(hidden)]
    fn trace_key(&self) -> usize;
}

/// Names a lock in traces (`"fork A"` reads better than `L1`). A no-op in std builds.
///
/// # Examples
///
/// ```
/// let a = racelab::Lock::new(0);
/// racelab::trace::label(&a, "A");
/// ```
#[inline(always)]
pub fn label(object: &impl Traced, name: &str) {
    #[cfg(any(loom, shuttle))]
    recorder::label(object.trace_key(), name);
    #[cfg(not(any(loom, shuttle)))]
    let _ = (object, name);
}

/// Leaves a lock out of traces: the pool's own queue lock is an implementation detail, and
/// its acquire/release steps would bury the pool's story (submit, start, finish).
#[inline(always)]
pub(crate) fn hide(object: &impl Traced) {
    #[cfg(any(loom, shuttle))]
    recorder::hide(object.trace_key());
    #[cfg(not(any(loom, shuttle)))]
    let _ = object;
}

/// Records a model's note in the current thread's column. Use the [`note!`](crate::note) macro,
/// which formats only in checker builds.
#[doc(hidden)]
#[inline(always)]
pub fn note_str(text: String) {
    #[cfg(any(loom, shuttle))]
    recorder::record(recorder::Event::Note(text));
    #[cfg(not(any(loom, shuttle)))]
    let _ = text;
}

/// Adds a note to the trace of the current execution, in the current thread's column:
/// `racelab::note!("read counter = {v}")`. In std builds nothing is formatted or recorded.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        if $crate::trace::ENABLED {
            $crate::trace::note_str(::std::format!($($arg)*));
        }
    };
}

/// The events the primitives record. Each is an empty inline function in std builds.
macro_rules! events {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) => $event:expr;)*) => {$(
        $(#[$doc])*
        #[inline(always)]
        pub(crate) fn $name($($arg: $ty),*) {
            #[cfg(any(loom, shuttle))]
            {
                use recorder::Event::*;
                recorder::record($event);
            }
            #[cfg(not(any(loom, shuttle)))]
            {
                $(let _ = $arg;)*
            }
        }
    )*};
}

events! {
    /// The current thread took the lock at `lock`.
    lock_acquired(lock: usize) => LockAcquired(lock);
    /// The current thread queued on the lock at `lock` and is about to park.
    lock_waiting(lock: usize) => LockWaiting(lock);
    /// The current thread is entering a blocking acquire of the lock at `lock`, which it saw
    /// free (a spec lock): no row, unless it turns out blocked when the trace is taken.
    #[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
    lock_pending(lock: usize) => LockPending(lock);
    /// The current thread released the lock at `lock`.
    lock_released(lock: usize) => LockReleased(lock);
    /// A task was queued.
    task_submitted(task: u64) => TaskSubmitted(task);
    /// A worker started a task.
    task_started(task: u64) => TaskStarted(task);
    /// A task finished (`ok` is false if it panicked).
    task_finished(task: u64, ok: bool) => TaskFinished(task, ok);
    /// A queued task was cancelled unrun.
    task_cancelled(task: u64) => TaskCancelled(task);
    /// A worker went idle and is about to park.
    worker_idle() => WorkerIdle;
    /// A worker left its loop.
    worker_exit() => WorkerExit;
    /// The current thread parks until task `task`'s result is ready.
    result_waiting(task: u64) => ResultWaiting(task);
}

/// Records that the current thread is about to park waiting for `what` (a model's own wait,
/// built on `park`): the row reads `wait for {what}`, and if the execution deadlocks the
/// report lists the thread as waiting for it. A no-op in std builds.
#[inline(always)]
pub fn waiting(what: &str) {
    #[cfg(any(loom, shuttle))]
    recorder::record(recorder::Event::Waiting(what.to_owned()));
    #[cfg(not(any(loom, shuttle)))]
    let _ = what;
}

/// Records one step of the current thread, `text()` (formatted only when recording): what
/// racelab's own primitives and the facade's say they did (`notify_one cv`, `send 3 on ch`).
/// A no-op in std builds.
#[inline(always)]
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
pub(crate) fn step(text: impl FnOnce() -> String) {
    #[cfg(any(loom, shuttle))]
    recorder::record(recorder::Event::Note(text()));
    #[cfg(not(any(loom, shuttle)))]
    let _ = text;
}

/// Harness hooks: start a fresh recording, snapshot it on failure.
#[cfg(any(loom, shuttle))]
pub(crate) use recorder::{begin, blocked, snapshot, wait_for};

/// Harness hooks (std: nothing is recorded).
#[cfg(not(any(loom, shuttle)))]
pub(crate) fn snapshot() -> Trace {
    Trace::default()
}

/// Harness hooks (std: nothing is recorded).
#[cfg(not(any(loom, shuttle)))]
pub(crate) fn wait_for() -> Vec<WaitFor> {
    Vec::new()
}

/// Harness hooks (std: nothing is recorded).
#[cfg(not(any(loom, shuttle)))]
pub(crate) fn blocked() -> Vec<String> {
    Vec::new()
}
