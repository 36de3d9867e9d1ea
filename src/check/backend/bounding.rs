//! loom's search order: iterative preemption bounding, as in CHESS, within one time budget.
//!
//! loom's own order is an unbounded depth-first search, which changes the *latest* scheduling
//! choices first: a bug that needs one early preemption can take hundreds of thousands of
//! executions. The default here explores every execution with at most 0 preemptions, then at
//! most 1, 2, … (each bound re-explores the executions of the one below, which are few next to
//! the new ones) up to [`ITERATED_BOUNDS`], then every execution, and stops at the first
//! failure, which therefore comes with the fewest preemptions that cause it (up to that
//! bound). When a bound explores no more executions than the one below, no execution needs
//! more preemptions and the search goes straight to the unbounded one.
//!
//! The time budget is enforced here: loom's own `max_duration` is looked at only every
//! `checkpoint_interval` executions (20,000 by default), so the search sets that interval to
//! one, and tells a search that loom cut short by its own clock.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)] // Arc: shares the body across loom runs, outside any model

use ::std::cell::Cell;
use ::std::fmt;
use ::std::sync::Arc;
use ::std::time::{Duration, Instant};

use super::search::Counter;
use crate::check::verdict::seconds;

/// The highest bound the default searches before its unbounded search.
///
/// Most concurrency bugs need at most two preemptions (the CHESS measurements), and loom's
/// bounded search adds conservative backtracking points: at a bound high enough to cover every
/// execution it explores far more than the unbounded search does (three threads with one
/// increment each: 31,914 executions at bound 10 or 11, 6,225 unbounded). So bound 0, 1, 2,
/// then the unbounded search proves the rest.
const ITERATED_BOUNDS: usize = 2;

/// Which executions a loom check explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Plan {
    /// Bound 0, 1, 2, … then unbounded: the default.
    Iterative,
    /// One search at this bound (`.preemption_bound(n)` or `LOOM_MAX_PREEMPTIONS`).
    Pinned(usize),
    /// One unbounded search, loom's own order (`.unbounded()`).
    Unbounded,
}

/// One loom search of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Bound(usize),
    Unbounded,
}

impl Stage {
    /// The bound, `None` for the unbounded search.
    pub(super) fn bound(self) -> Option<usize> {
        match self {
            Stage::Bound(b) => Some(b),
            Stage::Unbounded => None,
        }
    }

    /// Reads back what `Display` wrote.
    pub(super) fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "unbounded" => Some(Stage::Unbounded),
            t => t.strip_prefix("bound ")?.parse().ok().map(Stage::Bound),
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Bound(b) => write!(f, "bound {b}"),
            Stage::Unbounded => f.write_str("unbounded"),
        }
    }
}

thread_local! {
    /// The stage running on this thread: read after a failing execution's panic.
    static STAGE: Cell<Option<Stage>> = const { Cell::new(None) };
}

/// The stage of the search running (or last run) on this thread.
pub(super) fn current_stage() -> Option<Stage> {
    STAGE.get()
}

/// What a search that found no failure covered.
pub(super) struct Searched {
    /// In words: `"exhaustive"`, `"all executions with ≤ 2 preemptions (bound 3 not finished
    /// in 60 s)"`, `"bound 2 (pinned)"`.
    pub(super) coverage: String,
    /// `false` if the budget ran out before anything was proved.
    pub(super) finished: bool,
}

/// What a failure's record says about the search that found it.
pub(super) fn found(plan: Plan, stage: Stage) -> String {
    match plan {
        Plan::Iterative => format!("found at {stage}"),
        Plan::Pinned(b) => format!("bound {b} (pinned)"),
        Plan::Unbounded => "unbounded".to_owned(),
    }
}

/// Runs `body` under loom by `plan` within `budget`. A failing execution's panic propagates
/// out of here, as out of loom's `check`; [`current_stage`] then says which search found it.
pub(super) fn explore<F>(plan: Plan, budget: Duration, counter: &Counter, body: F) -> Searched
where
    F: Fn() + Send + Sync + 'static,
{
    let start = Instant::now();
    let body = Arc::new(body);
    // Runs one stage; `Some(executions)` if it finished within the budget.
    let run = |stage: Stage| -> Option<u64> {
        STAGE.set(Some(stage));
        let remaining = budget.checked_sub(start.elapsed())?;
        let mut builder = ::loom::model::Builder::new();
        builder.preemption_bound = stage.bound();
        builder.max_duration = Some(remaining);
        if builder.checkpoint_file.is_none() {
            builder.checkpoint_interval = 1;
        }
        let before = counter.get();
        let body = Arc::clone(&body);
        builder.check(move || body());
        let executions = counter.get() - before;
        let finished = start.elapsed() < budget;
        if plan == Plan::Iterative {
            let how = if finished { "done" } else { "not finished" };
            counter.progress(&format!("{stage}: {executions} executions, {how}"));
        }
        finished.then_some(executions)
    };
    let not_finished = |stage: Stage| format!("{stage} not finished in {}", seconds(budget));
    match plan {
        Plan::Pinned(b) => match run(Stage::Bound(b)) {
            Some(_) => Searched {
                coverage: format!("bound {b} (pinned)"),
                finished: true,
            },
            None => Searched {
                coverage: format!("{} (pinned)", not_finished(Stage::Bound(b))),
                finished: false,
            },
        },
        Plan::Unbounded => match run(Stage::Unbounded) {
            Some(_) => Searched {
                coverage: "unbounded".to_owned(),
                finished: true,
            },
            None => Searched {
                coverage: not_finished(Stage::Unbounded),
                finished: false,
            },
        },
        Plan::Iterative => {
            let mut below = None;
            let mut proved = None;
            for b in 0..=ITERATED_BOUNDS {
                let Some(executions) = run(Stage::Bound(b)) else {
                    return match proved {
                        Some(proved) => Searched {
                            coverage: format!(
                                "all executions with ≤ {proved} preemptions ({})",
                                not_finished(Stage::Bound(b))
                            ),
                            finished: true,
                        },
                        None => Searched {
                            coverage: not_finished(Stage::Bound(0)),
                            finished: false,
                        },
                    };
                };
                proved = Some(b);
                if below == Some(executions) {
                    // No execution needed more preemptions than the bound below allowed.
                    break;
                }
                below = Some(executions);
            }
            match run(Stage::Unbounded) {
                Some(_) => Searched {
                    coverage: "exhaustive".to_owned(),
                    finished: true,
                },
                None => Searched {
                    coverage: format!(
                        "all executions with ≤ {} preemptions ({})",
                        proved.unwrap_or(0),
                        not_finished(Stage::Unbounded)
                    ),
                    finished: true,
                },
            }
        }
    }
}
