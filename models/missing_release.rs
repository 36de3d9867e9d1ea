//! # missing_release — a way out between `acquire()` and `release()`
//!
//! **The bug.** A task takes the tutorial's lock with `acquire()` and frees it with `release()`
//! at the end; when its work fails and it returns early (Rust's `?`, Python's exception), the
//! `release()` never runs. The lock stays held by a task that has finished, and every task that
//! asks for it afterwards waits forever.
//!
//! **Where it comes from.** The tutorial's task (see README's tutorial section), `acquire()` /
//! `try: … finally: release()`, with the `finally` left out: the task's `?` is the exception
//! that skips the release. A second flavour, [`buggy_panic`], is the tutorial's pool: the task
//! panics between the two calls, the pool catches the panic and reports it through `get()` —
//! and the lock stays held.
//!
//! **Reading the trace.** Two tasks run on threads named `task-1` and `task-2`. `task-1`
//! acquires `lock`, fails to parse its input and returns early: its column ends with the lock
//! still held, and `main` joins it (`joined task 1: Err`). `task-2` then waits for `lock`
//! "held by task-1", a thread that is gone. (Had `task-2` run first, both would finish: the bug
//! needs a task after the failing one, and the checkers find that order at once.) In the pool
//! flavour, `main` sees the panic in `get()`, then waits for `lock` held by the worker that ran
//! the task, now idle.
//!
//! **The fix.** Release on every way out, as Python's `finally` does: a drop guard (here
//! `Finally`, a few lines; in real code the guard of [`Lock<T>`](racelab::Lock)) takes the
//! place of the `release()` at the end (the `// FIX:` line against the `// BUG:` one, in each
//! flavour). It releases at the end, on an early return and while unwinding from a panic
//! alike.

use std::num::ParseIntError;

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, RawLock, TaskError, ThreadPool};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "missing_release",
    bug_class: "deadlock (lock never released)",
    source: "the tutorial's acquire / try-finally release, without the finally",
    fix: "release in a drop guard (Python's finally), never by hand at the end",
    kind: FailureKind::Deadlock,
    message: "task-2 waits for lock (held by task-1)",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The pool flavour: the task panics between `acquire()` and `release()`; the pool catches the
/// panic, `get()` reports it, and `main` then waits for the lock.
pub const MODEL_PANIC: Model = Model {
    name: "missing_release_panic",
    message: "main waits for lock (held by racelab-worker-0)",
    // Unbounded, loom had not finished after 2 million executions; bound 4 is 2,867.
    loom: Loom::Bounded(4),
    buggy: buggy_panic,
    fixed: fixed_panic,
    ..MODEL
};

/// What the pool flavour's panic says (tests silence it with `check::quiet_panics`).
pub const PANIC_MESSAGE: &str = "task 1's input is not a number";

/// Two tasks; the first one's input is bad, and it returns early past its `release()`.
pub fn buggy() {
    scenario::<false>();
}

/// The same tasks, each releasing the lock in a drop guard.
pub fn fixed() {
    scenario::<true>();
}

/// A pool task panics past its `release()`; then `main` takes the lock.
pub fn buggy_panic() {
    pool_scenario::<false>();
}

/// The pool task releases in a drop guard, which runs while unwinding too.
pub fn fixed_panic() {
    pool_scenario::<true>();
}

/// Each task's input: the first is not a number.
const INPUTS: [&str; 2] = ["4x", "7"];

fn scenario<const FIXED: bool>() {
    let lock = Arc::new(RawLock::new());
    trace::label(&*lock, "lock");
    let tasks: Vec<_> = INPUTS
        .iter()
        .enumerate()
        .map(|(i, &input)| {
            let lock = Arc::clone(&lock);
            thread::Builder::new()
                .name(format!("task-{}", i + 1))
                .spawn(move || task::<FIXED>(&lock, i + 1, input))
                .expect("spawn a task thread")
        })
        .collect();
    let results: Vec<_> = (1..)
        .zip(tasks)
        .map(|(i, task)| {
            let result = task.join().unwrap();
            let outcome = if result.is_ok() { "Ok" } else { "Err" };
            note!("joined task {i}: {outcome}");
            result
        })
        .collect();
    assert!(results[0].is_err(), "task 1's input is not a number");
    assert_eq!(results[1], Ok(49));
}

/// The tutorial's task: takes the lock, does its work, lets the lock go.
fn task<const FIXED: bool>(lock: &RawLock, i: usize, input: &str) -> Result<u64, ParseIntError> {
    lock.acquire();
    if FIXED {
        let _finally = Finally(lock); // FIX: released on every way out of this block
        work(i, input)
    } else {
        let square = work(i, input)?;
        lock.release().expect("the lock is held"); // BUG: the `?` above returns past this line
        Ok(square)
    }
}

/// The work done under the lock: print "started", parse `input` and square it, print
/// "finished". Bad input is an error, returned with `?`.
fn work(i: usize, input: &str) -> Result<u64, ParseIntError> {
    note!("task {i} started");
    let n: u64 = input
        .parse()
        .inspect_err(|_| note!("task {i}: bad input, returns"))?;
    note!("task {i} finished");
    Ok(n * n)
}

fn pool_scenario<const FIXED: bool>() {
    let pool = ThreadPool::new(1).expect("a pool of 1 worker");
    let lock = Arc::new(RawLock::new());
    trace::label(&*lock, "lock");
    let lock2 = Arc::clone(&lock);
    let result = pool
        .apply_async(move || panicking_task::<FIXED>(&lock2, "4x"))
        .expect("the pool is open");
    match result.get() {
        Err(TaskError::Panicked { .. }) => note!("get: task 1 panicked"),
        other => panic!("task 1 should have panicked, got {other:?}"),
    }
    // The summary, printed under the lock.
    lock.acquire();
    note!("summary");
    lock.release().expect("the lock is held");
}

/// The tutorial's task again, on the pool, with work that panics on bad input (Python: raises)
/// instead of returning an error.
fn panicking_task<const FIXED: bool>(lock: &RawLock, input: &str) -> u64 {
    lock.acquire();
    if FIXED {
        let _finally = Finally(lock); // FIX: released on every way out, unwinding too
        panicking_work(input)
    } else {
        let square = panicking_work(input);
        lock.release().expect("the lock is held"); // BUG: a panic above unwinds past this line
        square
    }
}

/// The work: print "started", parse `input` (panicking if it is not a number) and square it,
/// print "finished".
fn panicking_work(input: &str) -> u64 {
    note!("task 1 started");
    let n: u64 = input.parse().unwrap_or_else(|_| panic!("{PANIC_MESSAGE}"));
    note!("task 1 finished");
    n * n
}

/// Python's `finally: lock.release()` as a value: releases the lock when dropped — at the end
/// of the scope, on an early return, and while unwinding from a panic.
struct Finally<'a>(&'a RawLock);

impl Drop for Finally<'_> {
    fn drop(&mut self) {
        self.0.release().expect("the lock is held");
    }
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
        MODEL_PANIC => buggy_panic, fixed_panic { quiet_panics: super::PANIC_MESSAGE };
    }
}
