//! # semaphore_leak — a permit taken, and an early return that never gives it back
//!
//! **The bug.** A `Semaphore(2)` lets at most two downloads run at once. Each task takes a
//! permit with `acquire()` and gives it back with `release()` at the end; a task whose URL is
//! bad returns early (Rust's `?`, Python's exception) and skips the `release()`. Each failure
//! leaks one permit for good: after two of them the semaphore is empty, and the next task
//! waits forever for a permit no running thread holds.
//!
//! **Where it comes from.** The classic resource-pool leak: a `threading.Semaphore` (or
//! `BoundedSemaphore`) guarding N connections, with `acquire()` / `release()` written by hand
//! and an error path between them — the semaphore twin of the tutorial's missing `finally`
//! (`missing_release`). It is slower to show than the lock's: each failure only shrinks the
//! pool, and the program hangs only when the leaks add up to all the permits.
//!
//! **Reading the trace.** `task-1` and `task-2` each take a permit (`acquire sem (1 left)`,
//! `(0 left)`), find their URL bad and return: their columns end with the permits still
//! taken. `task-3` then waits for `sem` with nobody left to release it: a deadlock with no lock
//! in it, and no thread holding anything (had `task-3` run first, it would have finished).
//!
//! **The fix.** Give the permit back on every way out, as Python's `with sem:` does: a drop
//! guard (`Permit`, a few lines) takes the place of the `release()` at the end (the `// FIX:`
//! line against the `// BUG:` one). It releases at the end, on an early return and while
//! unwinding alike.

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, Semaphore};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "semaphore_leak",
    bug_class: "deadlock (semaphore permit leaked)",
    source: "classic resource-pool leak: acquire / release by hand, an early return between",
    fix: "give the permit back in a drop guard (Python's with sem:), never by hand at the end",
    kind: FailureKind::Deadlock,
    message: "task-3 waits for sem",
    // Four threads parking on one semaphore: unbounded, loom had not finished the fixed
    // variant in 60 s (over 270,000 executions); bound 2 is 8,243.
    loom: Loom::Bounded(2),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// Three downloads through two permits; the first two URLs are bad and leak their permits.
pub fn buggy() {
    scenario::<false>();
}

/// The same downloads, each permit given back by a drop guard.
pub fn fixed() {
    scenario::<true>();
}

/// Each task's URL: the first two are bad.
const URLS: [&str; 3] = ["htp:/bad", "ftp//bad", "https://example.org"];

fn scenario<const FIXED: bool>() {
    let slots = Arc::new(Semaphore::new(2));
    let tasks: Vec<_> = URLS
        .iter()
        .enumerate()
        .map(|(i, &url)| {
            let slots = Arc::clone(&slots);
            thread::Builder::new()
                .name(format!("task-{}", i + 1))
                .spawn(move || download::<FIXED>(&slots, i + 1, url))
                .expect("spawn a task thread")
        })
        .collect();
    let results: Vec<_> = tasks.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results, [Err(BadUrl), Err(BadUrl), Ok(19)]);
    // (No check that every permit is back: in the buggy variant's lucky order, task-3 first,
    // the leak shows only as a short count; the model's failure is the hang it leads to.)
}

/// A URL that does not start with a scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadUrl;

/// One download, at most two at a time.
fn download<const FIXED: bool>(slots: &Semaphore, i: usize, url: &str) -> Result<usize, BadUrl> {
    slots.acquire();
    if FIXED {
        let _permit = Permit(slots); // FIX: given back on every way out of this block
        fetch(i, url)
    } else {
        let size = fetch(i, url)?;
        slots.release(); // BUG: the `?` above returns past this line, and the permit leaks
        Ok(size)
    }
}

/// The work done while holding a permit: check the URL (bad ones are an error, returned with
/// `?`), then "download" it.
fn fetch(i: usize, url: &str) -> Result<usize, BadUrl> {
    if !url.starts_with("https://") {
        note!("task {i}: bad URL, returns");
        return Err(BadUrl);
    }
    note!("task {i}: downloaded");
    Ok(url.len())
}

/// Python's `with sem:` as a value: gives the permit back when dropped — at the end of the
/// scope, on an early return, and while unwinding from a panic.
struct Permit<'a>(&'a Semaphore);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
