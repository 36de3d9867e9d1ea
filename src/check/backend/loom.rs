//! loom: exhaustive exploration. An expected failure runs in a child process (see `child`).

use ::std::panic::{self, AssertUnwindSafe};

use super::search::{counted, Counter, Mode, Outcome};
use crate::check::capture;
use crate::check::child::{self, run_in_child};
use crate::check::command::{current_test, reproduce_command};
use crate::check::explorer::Explorer;
use crate::check::failure::{Failure, Replay};
use crate::check::wire;

const EXPLORED: &str = "RACELAB-EXPLORED=";

pub(in crate::check) fn search<F>(explorer: &Explorer, body: F, mode: Mode) -> Outcome
where
    F: Fn() + Send + Sync + 'static,
{
    let mut builder = ::loom::model::Builder::new();
    if builder.preemption_bound.is_none() && !explorer.unbounded {
        builder.preemption_bound = explorer.preemption_bound;
    }
    let budget = match builder.preemption_bound {
        Some(bound) => format!("bound {bound}"),
        None => "unbounded".to_owned(),
    };
    let counter = Counter::new(&explorer.name);

    if mode == Mode::ExpectFailure && !child::is_child() {
        let outcome = run_in_child();
        let Some(c) = outcome.captured else {
            let explored = outcome
                .stderr_tail
                .lines()
                .find_map(|l| l.strip_prefix(EXPLORED))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            if explored == 0 {
                eprintln!(
                    "racelab: the child run ended ({}) without reporting; its stderr ended with:\n{}",
                    outcome.status, outcome.stderr_tail
                );
            }
            return Outcome {
                budget,
                executions: explored,
                failure: None,
            };
        };
        return Outcome {
            budget,
            executions: c.execution,
            failure: Some(failure_from(c)),
        };
    }

    // In-process: a child, or a check expected to pass. The hook prints each capture as it
    // happens, so even a deadlock that aborts the process leaves its report on stderr.
    capture::arm(Some(child::announce));
    let body = counted(&counter, body);
    let result = panic::catch_unwind(AssertUnwindSafe(|| builder.check(body)));
    let captured = capture::disarm(result.as_ref().err().map(|p| &**p));
    if child::is_child() {
        match &captured {
            Some(c) if result.is_err() => eprint!("{}", wire::encode(c, true)),
            _ => eprintln!("{EXPLORED}{}", counter.get()),
        }
    }
    Outcome {
        budget,
        executions: counter.get(),
        failure: match (result, captured) {
            (Ok(()), _) => None,
            (Err(_), Some(c)) => Some(failure_from(c)),
            (Err(payload), None) => ::std::panic::resume_unwind(payload),
        },
    }
}

fn failure_from(c: capture::Captured) -> Failure {
    let execution = c.execution;
    let command = reproduce_command(&format!(
        "RUSTFLAGS=\"--cfg loom -C debug-assertions\" CARGO_TARGET_DIR=target/loom {}={}",
        child::CHILD_VAR,
        current_test().unwrap_or_default()
    ));
    c.into_failure(Replay::Loom { execution }, execution)
        .with_command(command)
}
