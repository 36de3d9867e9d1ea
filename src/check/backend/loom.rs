//! loom: exhaustive exploration, in the order `bounding` chooses. Every check runs in a child
//! process (see `child`): a loom deadlock aborts the process it happens in.

use ::std::panic::{self, AssertUnwindSafe};

use super::bounding::{self, current_stage, found, Plan, Stage};
use super::search::{counted, Counter, Mode, Outcome};
use crate::check::capture;
use crate::check::child::{self, run_in_child};
use crate::check::command::reproduce_command;
use crate::check::explorer::Explorer;
use crate::check::failure::{Failure, Replay};
use crate::check::wire;

const EXPLORED: &str = "RACELAB-EXPLORED=";
/// The child's word on what it covered: `1` or `0` (finished), a tab, the coverage.
const COVERAGE: &str = "RACELAB-COVERAGE=";
/// The child's word on which search found its failure (a `Stage`).
const FOUND_AT: &str = "RACELAB-FOUND-AT=";

pub(in crate::check) fn search<F>(explorer: &Explorer, body: F, _mode: Mode) -> Outcome
where
    F: Fn() + Send + Sync + 'static,
{
    // `LOOM_MAX_PREEMPTIONS` pins a bound, as loom's own `Builder::new` reads it.
    let plan = match ::loom::model::Builder::new().preemption_bound {
        Some(bound) => Plan::Pinned(bound),
        None if explorer.unbounded => Plan::Unbounded,
        None => match explorer.preemption_bound {
            Some(bound) => Plan::Pinned(bound),
            None => Plan::Iterative,
        },
    };
    let budget = explorer.time_budget_or_default();
    let counter = Counter::new(&explorer.name);

    // Whatever the mode: a deadlock in a check expected to pass must not abort the tests either.
    if !child::runs_here() {
        let outcome = run_in_child();
        let tail_value = |prefix: &str| {
            outcome
                .stderr_tail
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix(prefix))
                .map(str::to_owned)
        };
        let Some(c) = outcome.captured else {
            let explored = tail_value(EXPLORED)
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            if explored == 0 {
                eprintln!(
                    "racelab: the child run ended ({}) without reporting; its stderr ended with:\n{}",
                    outcome.status, outcome.stderr_tail
                );
            }
            let (finished, coverage) = match tail_value(COVERAGE) {
                Some(line) => match line.split_once('\t') {
                    Some((finished, coverage)) => (finished == "1", coverage.to_owned()),
                    None => (false, line),
                },
                None => (false, "unknown (the child did not say)".to_owned()),
            };
            return Outcome {
                budget: coverage,
                finished,
                executions: explored,
                failure: None,
            };
        };
        let stage = tail_value(FOUND_AT).and_then(|s| Stage::parse(&s));
        return Outcome {
            budget: stage.map_or_else(|| "unknown".to_owned(), |s| found(plan, s)),
            finished: true,
            executions: c.execution,
            failure: Some(failure_from(c, stage)),
        };
    }

    // In-process: a child, or a check expected to pass. The hook prints each capture as it
    // happens, so even a deadlock that aborts the process leaves its report on stderr.
    capture::arm(Some(announce));
    let body = counted(&counter, body);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        bounding::explore(plan, budget, &counter, body)
    }));
    let captured = capture::disarm(result.as_ref().err().map(|p| &**p));
    let stage = current_stage();
    if child::is_child() {
        match (&captured, &result) {
            (Some(c), Err(_)) => {
                eprint!("{}", wire::encode(c, true));
                if let Some(stage) = stage {
                    eprintln!("{FOUND_AT}{stage}");
                }
            }
            (_, Ok(searched)) => {
                eprintln!("{EXPLORED}{}", counter.get());
                eprintln!(
                    "{COVERAGE}{}\t{}",
                    u8::from(searched.finished),
                    searched.coverage
                );
            }
            // No outcome: the panic propagates, and the parent reports the child's stderr.
            (None, Err(_)) => {}
        }
        if result.is_ok() || captured.is_some() {
            child::exit();
        }
    }
    match (result, captured) {
        (Ok(searched), _) => Outcome {
            budget: searched.coverage,
            finished: searched.finished,
            executions: counter.get(),
            failure: None,
        },
        (Err(_), Some(c)) => Outcome {
            budget: stage.map_or_else(|| "unknown".to_owned(), |s| found(plan, s)),
            finished: true,
            executions: counter.get(),
            failure: Some(failure_from(c, stage)),
        },
        (Err(payload), None) => ::std::panic::resume_unwind(payload),
    }
}

/// The child's `capture::OnCapture`: the capture (see `child::announce`), then the search
/// that found it, for the parent to read back.
fn announce(c: &capture::Captured, fatal: bool) {
    child::announce(c, fatal);
    if let (true, Some(stage)) = (child::is_child(), current_stage()) {
        eprintln!("{FOUND_AT}{stage}");
    }
}

fn failure_from(c: capture::Captured, stage: Option<Stage>) -> Failure {
    let execution = c.execution;
    // loom's exploration is deterministic: rerunning the test in the same build reaches it.
    let command = reproduce_command("loom", "");
    c.into_failure(Replay::Loom { execution }, execution)
        .with_command(command)
        .with_preemption_bound(stage.and_then(Stage::bound))
}
