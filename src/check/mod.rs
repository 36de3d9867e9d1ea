//! The harness: run one test body under the active backend and report what was explored.
//!
//! | backend | what `run` does with the body |
//! |---|---|
//! | loom | every interleaving, under the C11 memory model: those with at most 0 preemptions, then 1, 2, … then all (or one pinned bound), the first failure ending the search |
//! | shuttle | `iterations` schedules, random and PCT(3) alternating, or of one pinned scheduler |
//! | std | `iterations` plain runs on real threads (a stress test: proves nothing, finds some) |
//!
//! [`Explorer::run`] expects the body to pass and panics with the failure report otherwise;
//! [`Explorer::expect_failure`] expects it to fail and returns the [`Failure`] as data — its
//! [`FailureKind`], message, the failing interleaving ([`crate::trace`]), the wait-for cycle of
//! a deadlock, and how to replay it. Under loom every check runs in a child process (the test
//! binary again, for this one test and this one check), because loom aborts the whole process
//! on a deadlock: the parent reports the child's failure like any other, and the code after a
//! check runs once, in the parent.
//!
//! Each check prints one summary line (and a progress line every 5 s while it runs) and, when
//! `RACELAB_REPORT` names a file, appends a tab-separated record to it; `cargo xtask verify`
//! builds its table from those records.
//!
//! # Environment
//!
//! The whole environment the harness reads (CONTRIBUTING.md links here):
//!
//! | variable | effect |
//! |---|---|
//! | `LOOM_MAX_PREEMPTIONS` | loom: pins every check to one search at this preemption bound (instead of bound 0, 1, 2, … then unbounded) |
//! | `RACELAB_TIME_BUDGET` | every backend: seconds each check may search (default 60); a search it cuts short says what it covered and that it did not finish |
//! | `RACELAB_ITERATIONS` | shuttle / std: overrides the iteration count of every check |
//! | `RACELAB_SEED` | shuttle: the seed of every search (default fixed, so CI is reproducible; give each job its own to explore more) |
//! | `RACELAB_REPLAY` | shuttle: run this encoded schedule — the one a failure's report prints — instead of searching |
//! | `RACELAB_STD_TIMEOUT` | std: seconds a run may take before it counts as deadlocked (default 10) |
//! | `RACELAB_REPORT` | a file to append one record per finished check to |
//! | `RACELAB_CHILD` | internal, set by the harness in a loom child process: which check of the test it runs, and where the results of the checks before it are |
//! | `SHUTTLE_RANDOM_SEED` | shuttle's own: honoured (shuttle's schedulers prefer it to racelab's seed), and harmless, since a failure replays by its recorded schedule, not by a seed |
//!
//! A failure reports exactly one way to reproduce it ([`Replay`], and the command that does it):
//! loom's execution number (the exploration is deterministic), shuttle's encoded schedule of the
//! failing execution, or for std nothing (real scheduling does not replay).
//!
//! # Examples
//!
//! ```
//! use racelab::check::Explorer;
//! use racelab::sync::{thread, Arc};
//! use racelab::Lock;
//!
//! let report = Explorer::new("two_increments").iterations(10).run(|| {
//!     let n = Arc::new(Lock::new(0));
//!     let n2 = Arc::clone(&n);
//!     let t = thread::spawn(move || *n2.lock() += 1);
//!     *n.lock() += 1;
//!     t.join().unwrap();
//!     assert_eq!(*n.lock(), 2);
//! });
//! assert!(report.executions >= 1);
//! ```

mod backend;
mod capture;
#[cfg_attr(not(loom), allow(dead_code))]
mod child;
mod command;
mod explorer;
mod failure;
mod report;
mod verdict;
#[cfg_attr(not(loom), allow(dead_code))]
mod wire;

pub use crate::panic_message::panic_message;
pub use explorer::{Explorer, Scheduler};
pub use failure::{Failure, FailureKind, Replay};
pub use report::Report;

use std::time::Instant;

use backend::Mode;

impl Explorer {
    /// Runs `body` under the active backend and returns what was explored.
    ///
    /// # Panics
    ///
    /// If any execution fails, with the full [`Failure`] report: kind, message, the failing
    /// interleaving, and the command that reproduces it.
    pub fn run<F>(&self, body: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        let explorer = self.configured();
        let start = Instant::now();
        let outcome = crate::face::with(explorer.face, || {
            backend::search(&explorer, body, Mode::Run)
        });
        if let Some(failure) = outcome.failure {
            panic!("racelab: check `{}` failed: {failure}", explorer.name);
        }
        // A search the budget cut short before it covered anything it set out to is no pass.
        let result = if outcome.finished {
            "pass"
        } else {
            "not finished"
        };
        let report = Report::new(
            &explorer.name,
            outcome.budget,
            outcome.executions,
            start,
            result.into(),
        );
        if !child::is_child() {
            report.publish();
        }
        report
    }

    /// Runs `body`, which is expected to fail, and returns the failure as data.
    ///
    /// The failure report is printed too (shown with `--nocapture`), swimlane and reproduce
    /// command included.
    ///
    /// # Panics
    ///
    /// If the whole budget passes without a failure, saying how much was explored.
    pub fn expect_failure<F>(&self, body: F) -> Failure
    where
        F: Fn() + Send + Sync + 'static,
    {
        match self.find_failure(body) {
            Ok(failure) => failure,
            Err(report) => panic!(
                "racelab: check `{}` expected a failure, but {} executions ({} {}) found none",
                report.name, report.executions, report.backend, report.budget
            ),
        }
    }

    /// Like [`expect_failure`](Self::expect_failure), but a search that finds nothing is an
    /// `Err` with what was explored instead of a panic (for measuring how hard a bug is to
    /// find).
    ///
    /// # Errors
    ///
    /// The [`Report`] of the whole budget, if no execution failed.
    pub fn find_failure<F>(&self, body: F) -> Result<Failure, Report>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let explorer = self.configured();
        let start = Instant::now();
        let outcome = crate::face::with(explorer.face, || {
            backend::search(&explorer, body, Mode::ExpectFailure)
        });
        let Some(failure) = outcome.failure else {
            let report = Report::new(
                &explorer.name,
                outcome.budget,
                outcome.executions,
                start,
                "not found".into(),
            );
            if !child::is_child() {
                report.publish();
            }
            return Err(report);
        };
        if !child::is_child() {
            println!(
                "racelab: check `{}` caught the expected failure: {failure}",
                explorer.name
            );
        }
        let result = format!("caught {}", failure.kind);
        // A loom child's parent publishes the record; the child would only duplicate it.
        if !child::is_child() {
            Report::new(
                &explorer.name,
                outcome.budget,
                failure.executions,
                start,
                result,
            )
            .publish();
        }
        Ok(failure)
    }
}

/// Runs `body` under the active backend with the default budget; see [`Explorer::run`].
pub fn explore<F>(body: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    Explorer::new("explore").run(body)
}

/// Runs `body`, expected to fail, with the default budget; see [`Explorer::expect_failure`].
pub fn expect_failure<F>(body: F) -> Failure
where
    F: Fn() + Send + Sync + 'static,
{
    Explorer::new("expect_failure").expect_failure(body)
}

/// Silences panics whose message starts with `marker` — the deliberate panics of test tasks —
/// so a run of thousands of executions does not print thousands of panic messages. Quieting
/// only affects printing: a quieted panic is captured like any other, so a check that expects
/// a failure still gets it, and a check expected to pass still fails on it. Every other panic
/// prints as usual; the list is process-wide, but a marker only ever matches the panics that
/// start with it, so one test's call changes nothing for the others' failures.
///
/// racelab's panic hook sits on top of any other (shuttle's included), so this works whatever
/// the order tests run in.
pub fn quiet_panics(marker: &'static str) {
    capture::quiet(marker);
}

/// Replays an encoded shuttle schedule — a [`Replay::ShuttleSchedule`]'s, or one shuttle
/// printed — and returns the failure it reproduces, or `None` if the replay passed. Only in
/// shuttle builds; `RACELAB_REPLAY` does the same for every check of a test.
///
/// racelab's primitives show their spec face, the default: a schedule found under
/// [`Face::Implementation`](crate::Face) replays with `crate::face::with(Face::Implementation,
/// || replay(..))` (a schedule is a list of choices, and the two faces offer different ones).
#[cfg(shuttle)]
pub fn replay<F>(body: F, schedule: &str) -> Option<Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    let explorer = Explorer::new("replay").face(crate::face::current());
    crate::face::with(explorer.face, || {
        backend::replay(&explorer, body, schedule.to_owned())
    })
}
