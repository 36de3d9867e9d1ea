//! What every backend's search shares: the mode, the outcome, counting executions and
//! progress lines.
//!
//! The counters are std atomics on purpose: they count runs of the model from outside it and
//! must not become part of what loom or shuttle explore.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use ::std::sync::atomic::{AtomicU64, Ordering};
use ::std::sync::Arc;
use ::std::time::{Duration, Instant};

use crate::check::capture;
use crate::check::failure::Failure;

/// Whether the caller wants the body to pass or to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::check) enum Mode {
    Run,
    ExpectFailure,
}

/// What a search found.
pub(in crate::check) struct Outcome {
    /// What was explored, in words (see `verdict`): the budget column of the report.
    pub(in crate::check) budget: String,
    /// `false` if the time budget ran out before the search covered what it set out to.
    pub(in crate::check) finished: bool,
    pub(in crate::check) executions: u64,
    pub(in crate::check) failure: Option<Failure>,
}

/// How often a long check prints a progress line.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Counts executions and prints progress; shared by the body wrapper and the caller.
pub(super) struct Counter {
    name: String,
    count: AtomicU64,
    start: Instant,
    /// Seconds since `start` of the last progress line.
    last_print: AtomicU64,
}

impl Counter {
    pub(super) fn new(name: &str) -> Arc<Self> {
        Arc::new(Counter {
            name: name.to_owned(),
            count: AtomicU64::new(0),
            start: Instant::now(),
            last_print: AtomicU64::new(0),
        })
    }

    pub(super) fn get(&self) -> u64 {
        // Relaxed: a statistic, read after the executions it counts have finished.
        self.count.load(Ordering::Relaxed)
    }

    /// Prints a line about the search now: `racelab-check: NAME ... WHAT`.
    #[cfg_attr(not(loom), allow(dead_code))]
    pub(super) fn progress(&self, what: &str) {
        println!("racelab-check: {} ... {what}", self.name);
    }

    /// Called at the start of every execution.
    fn tick(&self) {
        // Relaxed: a statistic.
        let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        capture::set_execution(n);
        #[cfg(any(loom, shuttle))]
        {
            crate::trace::begin();
            crate::lock::forget_unwound();
        }
        let elapsed = self.start.elapsed();
        let last = self.last_print.load(Ordering::Relaxed);
        if elapsed.as_secs() >= last + PROGRESS_EVERY.as_secs() {
            self.last_print.store(elapsed.as_secs(), Ordering::Relaxed);
            println!(
                "racelab-check: {} ... {n} executions, {:.0} s",
                self.name,
                elapsed.as_secs_f64()
            );
        }
    }
}

/// Wraps `body` so each execution is counted, traced from a clean slate, and numbered.
pub(super) fn counted<F>(counter: &Arc<Counter>, body: F) -> impl Fn() + Send + Sync + 'static
where
    F: Fn() + Send + Sync + 'static,
{
    let counter = Arc::clone(counter);
    move || {
        counter.tick();
        body();
    }
}
