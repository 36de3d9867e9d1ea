//! The worker loop.

use std::panic::{self, AssertUnwindSafe};

use crate::sync::Arc;
use crate::trace;

use super::task::discard;

use super::shared::{Phase, Shared, Sleeper};

/// Runs jobs until the pool is shut down and there is nothing left to run.
///
/// Jobs catch their own panics (see `Task::run`), and anything that unwinds past that is
/// caught here, so no task ends this loop.
pub(crate) fn run(shared: Arc<Shared>) {
    let me = Sleeper::current();
    loop {
        let job = {
            let mut state = shared.state.lock();
            match state.jobs.pop_front() {
                Some(job) => Some(job),
                None if state.phase != Phase::Running => {
                    trace::worker_exit();
                    return;
                }
                None => {
                    trace::worker_idle();
                    me.prepare();
                    state.idle.push(Arc::clone(&me));
                    None
                }
            }
        };
        match job {
            Some(job) => {
                // `run` catches the task's own panic; what can still unwind out of it is a
                // drop after the result is written (a value whose Drop panics, dropped here
                // because its `AsyncResult` is gone). That must not kill the worker.
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| job.run())) {
                    discard(payload);
                }
            }
            None => me.sleep(),
        }
    }
}
