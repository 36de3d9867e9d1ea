//! shuttle: random or PCT schedules, one seed per iteration, on a fresh OS thread.
//!
//! shuttle 0.9.9 leaves an OS thread marked as panicking once a failing task hits a scheduling
//! point while unwinding, and every later run on that thread fails at once; so each search
//! runs on its own fresh thread and stops at the first failure.

use ::std::panic::{self, AssertUnwindSafe};
use ::std::sync::Arc;

use shuttle::scheduler::{PctScheduler, RandomScheduler, ReplayScheduler};
use shuttle::{Config, Runner};

use super::{counted, seed_for, Counter, Mode, Outcome};
use crate::check::capture;
use crate::check::failure::{Failure, Replay};
use crate::check::{reproduce_command, Explorer, Scheduler};

pub(in crate::check) fn search<F>(explorer: &Explorer, body: F, _mode: Mode) -> Outcome
where
    F: Fn() + Send + Sync + 'static,
{
    if let Some(schedule) = &explorer.replay {
        let budget = "replay".to_owned();
        let failure = replay(explorer, body, schedule.clone());
        return Outcome {
            budget,
            executions: 1,
            failure,
        };
    }
    let explorer = explorer.clone();
    let test = crate::check::child::current_test();
    let search = move || {
        let counter = Counter::new(&explorer.name);
        let body = Arc::new(counted(&counter, body));
        let n = explorer.iterations as u64;
        let base = explorer.base_seed();
        capture::arm(false);
        // One scheduler for all iterations, on one seed: a runner per iteration would cost
        // ~30× more (shuttle sets up each runner anew), and PCT sizes its priority-change
        // points from the executions it has already seen. A failure replays by rerunning the
        // seed up to the failing iteration; partitions run distinct seeds.
        let budget = match explorer.scheduler {
            Scheduler::Random => format!("random × {n}"),
            Scheduler::Pct { depth } => format!("pct({depth}) × {n}"),
        };
        let runs = [(seed_for(base, explorer.partition), n)];
        let mut failure = None;
        for (seed, iterations) in runs {
            let body = Arc::clone(&body);
            let run = move || body();
            let before = counter.get();
            let result = panic::catch_unwind(AssertUnwindSafe(|| match explorer.scheduler {
                Scheduler::Random => {
                    let scheduler = RandomScheduler::new_from_seed(seed, iterations as usize);
                    Runner::new(scheduler, Config::new()).run(run)
                }
                Scheduler::Pct { depth } => {
                    let scheduler = PctScheduler::new_from_seed(seed, depth, iterations as usize);
                    Runner::new(scheduler, Config::new()).run(run)
                }
            }));
            if let Err(payload) = result {
                let Some(c) = capture::disarm(Some(&*payload)) else {
                    panic::resume_unwind(payload);
                };
                let iterations = counter.get() - before;
                failure = Some(Failure {
                    kind: c.kind,
                    message: c.message,
                    location: c.location,
                    trace: c.trace,
                    wait_for: c.wait_for,
                    replay: Replay::Shuttle { seed, iterations },
                    command: test.as_ref().and_then(|_| {
                        reproduce_command(&format!(
                            "RUSTFLAGS=\"--cfg shuttle\" CARGO_TARGET_DIR=target/shuttle \
                             RACELAB_SEED={seed} RACELAB_ITERATIONS={iterations}"
                        ))
                    }),
                    executions: counter.get(),
                });
                break;
            }
        }
        capture::disarm(None);
        Outcome {
            budget,
            executions: counter.get(),
            failure,
        }
    };
    on_fresh_thread(search)
}

/// Runs `f` on a new OS thread that carries the test's name (so reproduce commands can name
/// the test), and returns its result.
fn on_fresh_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let name = crate::check::child::current_test().unwrap_or_else(|| "racelab-shuttle".into());
    #[allow(clippy::disallowed_methods, clippy::disallowed_types)]
    let handle = ::std::thread::Builder::new()
        .name(name)
        .spawn(f)
        .expect("racelab: cannot start the shuttle search thread");
    match handle.join() {
        Ok(outcome) => outcome,
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Replays one encoded shuttle schedule; returns the failure it reproduces, if any.
pub(in crate::check) fn replay<F>(explorer: &Explorer, body: F, schedule: String) -> Option<Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    let name = explorer.name.clone();
    on_fresh_thread(move || {
        let counter = Counter::new(&name);
        let body = counted(&counter, body);
        capture::arm(false);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            Runner::new(ReplayScheduler::new_from_encoded(&schedule), Config::new()).run(body)
        }));
        let captured = capture::disarm(result.as_ref().err().map(|p| &**p));
        match (result, captured) {
            (Ok(_), _) => None,
            (Err(_), Some(c)) => Some(Failure {
                kind: c.kind,
                message: c.message,
                location: c.location,
                trace: c.trace,
                wait_for: c.wait_for,
                replay: Replay::Shuttle {
                    seed: 0,
                    iterations: 1,
                },
                command: None,
                executions: 1,
            }),
            (Err(payload), None) => panic::resume_unwind(payload),
        }
    })
}
