//! std: repeated runs on real threads, each watched by a timeout so a deadlock fails the
//! check instead of hanging it.

use ::std::panic::{self, AssertUnwindSafe};
use ::std::sync::{mpsc, Arc};
use ::std::time::{Duration, Instant};

use super::search::{counted, Counter, Mode, Outcome};
use crate::check::capture;
use crate::check::explorer::Explorer;
use crate::check::failure::{Failure, FailureKind, Replay};
use crate::check::verdict::sampled;
use crate::panic_message::panic_message;

pub(in crate::check) fn search<F>(explorer: &Explorer, body: F, _mode: Mode) -> Outcome
where
    F: Fn() + Send + Sync + 'static,
{
    let counter = Counter::new(&explorer.name);
    let body = Arc::new(counted(&counter, body));
    let timeout = Duration::from_secs(explorer.std_timeout_secs());
    let mut failure = None;
    let budget = explorer.time_budget_or_default();
    let start = Instant::now();
    let mut cut = false;
    for run in 1..=explorer.iterations as u64 {
        if start.elapsed() >= budget {
            cut = true;
            break;
        }
        let (done, finished) = mpsc::channel();
        let body = Arc::clone(&body);
        let token = capture::std_run_start();
        let runner = ::std::thread::Builder::new()
            .name(format!("racelab-stress-{run}"))
            .spawn(move || {
                capture::arm(None);
                let result = panic::catch_unwind(AssertUnwindSafe(|| body()));
                let captured = capture::disarm(result.as_ref().err().map(|p| &**p));
                let _ = done.send(
                    result.map_err(|payload| (panic_message(&*payload).to_owned(), captured)),
                );
            })
            .expect("racelab: cannot start a stress run thread");
        let outcome = finished.recv_timeout(timeout);
        let stray = capture::std_run_end(token);
        match outcome {
            Ok(Ok(())) => {
                let _ = runner.join();
            }
            Ok(Err((text, captured))) => {
                let _ = runner.join();
                let replay = Replay::Std { run };
                // The body panicked because a thread it joined did: that thread's panic is the
                // failure (see `capture::std_run_start`).
                let captured = match stray {
                    Some(cause) if capture::is_join_follow_up(&text) => Some(cause),
                    _ => captured,
                };
                failure = Some(match captured {
                    Some(c) => c.into_failure(replay, run),
                    None => Failure::new(FailureKind::classify(&text), text, replay, run),
                });
                break;
            }
            Err(_) => {
                // The run's threads stay blocked; they are leaked, and the check reports.
                let message = format!(
                    "no progress within {} s in run {run}: deadlocked (its threads are left blocked)",
                    timeout.as_secs()
                );
                failure = Some(Failure::new(
                    FailureKind::Deadlock,
                    message,
                    Replay::Std { run },
                    run,
                ));
                break;
            }
        }
    }
    Outcome {
        budget: sampled(
            "stress",
            counter.get(),
            explorer.iterations,
            cut.then_some(budget),
        ),
        finished: !cut,
        executions: counter.get(),
        failure,
    }
}
