//! std: repeated runs on real threads, each watched by a timeout so a deadlock fails the
//! check instead of hanging it.

use ::std::panic::{self, AssertUnwindSafe};
use ::std::sync::{mpsc, Arc};
use ::std::time::Duration;

use super::{counted, Counter, Mode, Outcome};
use crate::check::capture;
use crate::check::failure::{Failure, FailureKind, Replay};
use crate::check::Explorer;

pub(in crate::check) fn search<F>(explorer: &Explorer, body: F, _mode: Mode) -> Outcome
where
    F: Fn() + Send + Sync + 'static,
{
    let counter = Counter::new(&explorer.name);
    let body = Arc::new(counted(&counter, body));
    let timeout = Duration::from_secs(explorer.std_timeout_secs());
    let mut failure = None;
    for run in 1..=explorer.iterations as u64 {
        let (done, finished) = mpsc::channel();
        let body = Arc::clone(&body);
        let runner = ::std::thread::Builder::new()
            .name(format!("racelab-stress-{run}"))
            .spawn(move || {
                capture::arm(false);
                let result = panic::catch_unwind(AssertUnwindSafe(|| body()));
                let captured = capture::disarm(result.as_ref().err().map(|p| &**p));
                let _ = done.send(result.map_err(|payload| (payload_text(&*payload), captured)));
            })
            .expect("racelab: cannot start a stress run thread");
        match finished.recv_timeout(timeout) {
            Ok(Ok(())) => {
                let _ = runner.join();
            }
            Ok(Err((text, captured))) => {
                let _ = runner.join();
                let (message, location) = match captured {
                    Some(c) => (c.message, c.location),
                    None => (text, None),
                };
                failure = Some(Failure {
                    kind: FailureKind::classify(&message),
                    message,
                    location,
                    trace: Default::default(),
                    wait_for: Vec::new(),
                    replay: Replay::Std { run },
                    command: None,
                    executions: run,
                });
                break;
            }
            Err(_) => {
                // The run's threads stay blocked; they are leaked, and the check reports.
                failure = Some(Failure {
                    kind: FailureKind::Deadlock,
                    message: format!(
                        "no progress within {} s in run {run}: deadlocked (its threads are left blocked)",
                        timeout.as_secs()
                    ),
                    location: None,
                    trace: Default::default(),
                    wait_for: Vec::new(),
                    replay: Replay::Std { run },
                    command: None,
                    executions: run,
                });
                break;
            }
        }
    }
    Outcome {
        budget: format!("stress × {}", explorer.iterations),
        executions: counter.get(),
        failure,
    }
}

fn payload_text(payload: &(dyn ::std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}
