//! Event recording in checker builds, and the swimlane that shows a failing interleaving.
//!
//! Under loom and shuttle, racelab records what each model thread does: every operation on the
//! facade's atomics ([`crate::sync::atomic`]: `load count = 0 (Relaxed)`, `store ready = true
//! (Release)`, `compare_exchange state 0 -> 1 ok (Acquire)`, `fetch_add n += 1 -> 3
//! (Relaxed)`), every `with` / `with_mut` of its [`UnsafeCell`](crate::sync::cell::UnsafeCell)
//! (`read data`, `write data`), spawn / join / park / unpark of its threads
//! ([`crate::sync::thread`]), lock acquire / wait / release, pool submit / start / finish /
//! cancel, worker exit, and the notes a model adds with [`note!`](crate::note). The harness
//! ([`crate::check`]) starts a fresh recording for every execution and keeps the one that
//! failed, so a failure comes with the exact interleaving that caused it, rendered by
//! [`Trace::render`] as one column per thread.
//!
//! In std builds every recording call is an empty `#[inline(always)]` function and `note!`
//! expands to nothing that runs: recording costs nothing there (a benchmark checks it).
//!
//! **Threads** are named in spawn order: `main` for the thread that runs the model, then `t1`,
//! `t2`, … as [`sync::thread`](crate::sync::thread) spawns them (or their `Builder` name), each
//! column made when its thread is spawned; the parent's column says `spawn t2`, so the swimlane
//! shows who spawned whom. A thread spawned some other way (the pool's workers, named
//! `racelab-worker-0`, …) gets its column when it first records.
//!
//! **Objects** (locks, atomics, cells) are named at construction ([`Lock::named`](crate::Lock::named),
//! [`RawLock::named`](crate::RawLock::named), [`Named::named`](crate::sync::atomic::Named) for
//! atomics, [`UnsafeCell::named`](crate::sync::cell::UnsafeCell::named)), or afterwards with
//! [`label`]; unnamed ones are `lock#1`, `atomic#1`, `cell#1`, … numbered per kind in order of
//! creation. A name belongs to the object, not to its address, so it survives a move (into an
//! `Arc`, a struct), and the numbering is the same under every backend.

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
    /// Thread names, one per column: `main`, then in spawn order.
    pub threads: Vec<String>,
    /// The steps, in the order they happened.
    pub steps: Vec<Step>,
    /// The thread that was running when the trace was taken (for a failure: the thread that
    /// failed), an index into `threads`.
    pub failed: Option<usize>,
}

impl Trace {
    /// Renders the trace as a plain-text swimlane: one column per thread, one row per step,
    /// at most `width` columns wide (120 is a good terminal width). `failure`, if given, is
    /// printed as a marked last row: `FAILED: {failure}`.
    ///
    /// A long trace stays readable: a run of more than a few steps of one thread keeps its
    /// first and last steps around a `… n more steps of t1` row, and only the last steps before
    /// the failure are shown, under a row saying how many came before; the last step of the
    /// failing thread ([`failed`](Self::failed)) is always kept.
    pub fn render(&self, width: usize, failure: Option<&str>) -> String {
        swimlane::render(self, width, failure.map(swimlane::Failed::headline))
    }

    /// Renders the trace as [`render`](Self::render) does, with a last row that names the
    /// thread that failed and where: `FAILED in t2 at src/x.rs:12: {headline}`.
    pub fn render_failure(
        &self,
        width: usize,
        thread: Option<usize>,
        location: Option<&str>,
        headline: &str,
    ) -> String {
        let failed = swimlane::Failed {
            thread: thread.and_then(|t| self.threads.get(t)).map(String::as_str),
            location,
            headline,
        };
        swimlane::render(self, width, Some(failed))
    }

    /// `true` if nothing was recorded (always so in std builds).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Something that can be named in a trace: racelab's locks and, in checker builds, the
/// facade's atomics and cells. (In std builds std's atomics implement it too, so a `label`
/// call needs no cfg.)
pub trait Traced {
    /// The identity the recorder knows this object by.
    #[doc(hidden)]
    fn trace_key(&self) -> usize;
}

/// Names a lock, an atomic or a cell in traces (`"fork A"` reads better than `lock#1`). The
/// name belongs to the object: it survives moving the object afterwards. A no-op in std builds.
///
/// # Examples
///
/// ```
/// use racelab::sync::atomic::AtomicUsize;
///
/// let a = racelab::Lock::new(0);
/// racelab::trace::label(&a, "A");
/// let count = AtomicUsize::new(0);
/// racelab::trace::label(&count, "count");
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

/// The current thread is entering a wait for `what` that the checker itself decides (a spec
/// face's blocking call), having seen nothing that says it will block: no row, but if the
/// execution deadlocks before the thread's next event, the report lists it as waiting for
/// `what`. A no-op in std builds.
#[inline(always)]
#[cfg_attr(not(shuttle), allow(dead_code))] // only shuttle's semaphore spec needs it so far
pub(crate) fn may_block(what: &str) {
    #[cfg(any(loom, shuttle))]
    recorder::record(recorder::Event::MayBlock(what.to_owned()));
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

/// A new traced object of `kind` (`"lock"`, `"atomic"`, `"cell"`), named `name` or numbered:
/// the key its events and [`label`] use.
#[cfg(any(loom, shuttle))]
pub(crate) fn object(kind: &'static str, name: Option<&str>) -> usize {
    recorder::object(kind, name)
}

/// Records one access to the traced object `key` in the current thread's column:
/// `text(name)`, formatted only if the trace is taken (a failure), with the object's name then.
#[cfg(any(loom, shuttle))]
pub(crate) fn access(key: usize, text: impl Fn(&str) -> String + 'static) {
    recorder::access(key, text);
}

/// Records that the traced atomic `key` now holds `bits` (a store or a read-modify-write, in
/// the order the execution ran).
#[cfg(any(loom, shuttle))]
pub(crate) fn stored(key: usize, bits: u128) {
    recorder::stored(key, bits);
}

/// A load of the traced atomic `key` read `bits`: returns whether it was a SeqCst load that
/// read something other than the last value stored — possible under loom only (see
/// `STALE_SEQCST` in the facade's atomics).
#[cfg(any(loom, shuttle))]
pub(crate) fn loaded(key: usize, bits: u128, seqcst: bool) -> bool {
    cfg!(loom) && seqcst && recorder::last_stored(key).is_some_and(|last| last != bits)
}

/// Thread events of the facade's threads (checker builds).
#[cfg(any(loom, shuttle))]
pub(crate) mod threads {
    use super::recorder::{self, Event};
    use crate::sync::internal::thread::ThreadId;

    pub(crate) use recorder::{resumed, spawned, spawning};

    /// The current thread joins the thread in `column`: `join t2`.
    pub(crate) fn joining(column: Option<usize>) {
        if let Some(column) = column {
            recorder::record(Event::Join(column));
        }
    }

    /// The current thread parks: `park`, unless its last row already said what it waits for.
    pub(crate) fn parking() {
        recorder::record(Event::Park);
    }

    /// The current thread unparks thread `id`: `unpark t2`.
    pub(crate) fn unparking(id: ThreadId, name: Option<&str>) {
        if let Some(column) = recorder::column_of(id, name) {
            recorder::record(Event::Unpark(column));
        }
    }
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
