//! The state the pool and its workers share: jobs, parked workers and the pool's phase,
//! all under one racelab [`Lock`].
//!
//! # The wake-up protocol, and why no wake-up is lost
//!
//! A worker that finds no job registers itself as idle *under the lock* — after checking the
//! queue and the phase under that same lock — and only then parks. Every event that gives an
//! idle worker something to do (a job pushed, `close`, `terminate`) happens under the lock
//! too, and removes idle workers from the list to wake them after unlocking. So a worker is
//! either still registered when the event happens (and is woken), or it checked after the
//! event (and saw it). The `woken` flag makes the park loop immune to spurious unparks.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};

use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::hint;
use crate::sync::thread::{self, Thread};
use crate::sync::Arc;
use crate::{trace, Lock};

use super::task::Job;

/// Whether the pool accepts tasks, and whether queued tasks still run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Accepting tasks.
    Running,
    /// `close()`: no new tasks; queued tasks run; workers exit when the queue is empty.
    Closed,
    /// `terminate()`: no new tasks; queued tasks were cancelled; workers exit after the task
    /// they are running.
    Terminated,
}

pub(crate) struct State {
    /// Tasks submitted so far; numbers tasks in traces (stays 0 in std builds).
    pub(crate) submitted: u64,
    pub(crate) jobs: VecDeque<Job>,
    pub(crate) idle: Vec<Arc<Sleeper>>,
    pub(crate) phase: Phase,
}

pub(crate) struct Shared {
    pub(crate) state: Lock<State>,
    /// How many jobs are queued: a hint for spinning workers, written under the lock and read
    /// without it. Never trusted for correctness — a worker re-checks under the lock — and
    /// not maintained at all where [`IDLE_SPINS`] is 0 (loom).
    pub(crate) queued: AtomicUsize,
}

/// How many times an idle worker looks for work again before it registers as idle and parks.
///
/// Parking at once costs a futex wake per task while workers are idle (measured: ~0.95 wakes
/// per task for 100,000 empty tasks on 5 workers), and the hand-off is 4–8 µs. A worker that
/// looks again for a little while — yielding its core to the submitter — is usually there
/// for the next task without one. Zero under loom, like every spin; two under shuttle, so
/// the path is exercised.
pub(crate) const IDLE_SPINS: u32 = if cfg!(loom) {
    0
} else if cfg!(shuttle) {
    2
} else {
    4
};

/// Rounds of the wait in `Shared::wait_for_work`: a few pure spins, then yields.
const WAIT_ROUNDS: u32 = 32;
const WAIT_SPINS: u32 = 8;

/// A parked idle worker.
pub(crate) struct Sleeper {
    thread: Thread,
    woken: AtomicBool,
}

impl Sleeper {
    pub(crate) fn current() -> Arc<Self> {
        Arc::new(Sleeper {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        })
    }

    /// Called under the pool's lock, just before registering as idle.
    pub(crate) fn prepare(&self) {
        // Relaxed: written under the pool's lock, and read after the waker's Release store,
        // which the waker makes after taking this sleeper off the idle list under the lock.
        self.woken.store(false, Ordering::Relaxed);
    }

    /// Parks until a waker has taken this worker off the idle list.
    pub(crate) fn sleep(&self) {
        // Relaxed: the flag carries no data. The woken worker's next step is to take the
        // pool's lock, and that Acquire is what orders everything it then reads; the flag
        // only says "stop parking". (Its `false` was stored under the lock before this
        // sleeper was listed, and the waker stores `true` only after unlisting it under the
        // same lock, so the two stores cannot be reordered.)
        while !self.woken.load(Ordering::Relaxed) {
            thread::park();
        }
    }

    /// Wakes a sleeper that the caller took off the idle list.
    pub(crate) fn wake(&self) {
        // Relaxed: see `sleep`.
        self.woken.store(true, Ordering::Relaxed);
        self.thread.unpark();
    }
}

impl State {
    /// The next task number for traces; 0 (and no counting) in std builds.
    pub(crate) fn next_task_id(&mut self) -> u64 {
        if trace::ENABLED {
            self.submitted += 1;
        }
        self.submitted
    }
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            state: Lock::new(State {
                submitted: 0,
                jobs: VecDeque::new(),
                idle: Vec::new(),
                phase: Phase::Running,
            }),
            queued: AtomicUsize::new(0),
        }
    }

    /// Publishes the queue length for spinning workers; call with the lock held.
    #[inline]
    pub(crate) fn note_queued(&self, len: usize) {
        #[allow(clippy::absurd_extreme_comparisons)] // IDLE_SPINS is 0 under loom, by design
        if IDLE_SPINS > 0 {
            // Relaxed: a hint; whoever acts on it takes the lock, which orders the queue.
            self.queued.store(len, Ordering::Relaxed);
        }
    }

    /// Waits a little for the queue to fill, without the lock: spins, then yields its core
    /// (on an oversubscribed machine the submitter needs it). Returns early once a job shows.
    pub(crate) fn wait_for_work(&self) {
        for round in 0..WAIT_ROUNDS {
            // Relaxed: a hint (see `queued`).
            if self.queued.load(Ordering::Relaxed) > 0 {
                return;
            }
            if round < WAIT_SPINS {
                hint::spin_loop();
            } else {
                thread::yield_now();
            }
        }
    }

    /// Moves the pool to `phase` (never back to `Running`, never from `Terminated` to
    /// `Closed`), cancels the queue if terminating, and wakes every idle worker so it can see.
    pub(crate) fn shut_down(&self, phase: Phase) {
        debug_assert_ne!(phase, Phase::Running, "a pool never reopens");
        let (cancelled, idle) = {
            let mut state = self.state.lock();
            if state.phase != Phase::Terminated {
                state.phase = phase;
            }
            let cancelled = if phase == Phase::Terminated {
                self.note_queued(0);
                core::mem::take(&mut state.jobs)
            } else {
                VecDeque::new()
            };
            (cancelled, core::mem::take(&mut state.idle))
        };
        // Wake first: nothing below may keep an idle worker from seeing the new phase.
        for sleeper in idle {
            sleeper.wake();
        }
        // Outside the lock: dropping a job resolves its result `Cancelled` and wakes its
        // owner. A closure whose Drop panics must not stop the others from being dropped (and
        // their results resolved); the first such panic is re-raised at the end.
        let mut first_panic = None;
        for job in cancelled {
            trace::task_cancelled(job.id());
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| drop(job))) {
                match first_panic {
                    None => first_panic = Some(payload),
                    Some(_) => super::task::discard(payload),
                }
            }
        }
        if let Some(payload) = first_panic {
            panic::resume_unwind(payload);
        }
    }
}
