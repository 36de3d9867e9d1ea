//! The worker loop.

use crate::sync::Arc;
use crate::trace;

use super::shared::{Phase, Shared, Sleeper};

/// Runs jobs until the pool is shut down and there is nothing left to run.
///
/// Jobs catch their own panics (see `Task::run`), so a panicking task never ends this loop.
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
            Some(job) => job.run(),
            None => me.sleep(),
        }
    }
}
