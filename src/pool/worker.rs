//! The worker loop.

use std::panic::{self, AssertUnwindSafe};

use crate::sync::Arc;
use crate::trace;

use super::task::discard;

use super::idle::IDLE_SPINS;
use super::shared::{Phase, Shared};
use super::sleeper::Sleeper;
use super::task::Job;

/// Runs jobs until the pool is shut down and there is nothing left to run.
///
/// Jobs catch their own panics (see `Task::run`), and anything that unwinds past that is
/// caught here, so no task ends this loop.
pub(crate) fn run(shared: Arc<Shared>) {
    let me = Sleeper::current();
    let mut looked = 0;
    loop {
        let next = {
            let mut state = shared.state.lock();
            match state.jobs.pop_front() {
                Some(job) => {
                    shared.note_queued(state.jobs.len());
                    Next::Run(job)
                }
                None if state.phase != Phase::Running => {
                    trace::worker_exit();
                    return;
                }
                // Look again for a while before parking (see `IDLE_SPINS`); the phase and
                // the queue are re-checked under the lock each time.
                #[allow(clippy::absurd_extreme_comparisons)] // IDLE_SPINS is 0 under loom
                None if looked < IDLE_SPINS => Next::LookAgain,
                None => {
                    trace::worker_idle();
                    me.prepare();
                    state.idle.push(Arc::clone(&me));
                    Next::Sleep
                }
            }
        };
        match next {
            Next::Run(job) => {
                looked = 0;
                // `run` catches the task's own panic; what can still unwind out of it is a
                // drop after the result is written (a value whose Drop panics, dropped here
                // because its `AsyncResult` is gone). That must not kill the worker.
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| job.run())) {
                    discard(payload);
                }
            }
            Next::LookAgain => {
                looked += 1;
                shared.queued.wait_for_work();
            }
            Next::Sleep => {
                looked = 0;
                me.sleep();
            }
        }
    }
}

/// What a worker does after looking at the queue.
enum Next {
    Run(Job),
    LookAgain,
    Sleep,
}
