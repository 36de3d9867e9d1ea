//! The state the pool and its workers share: jobs, parked workers and the pool's phase,
//! all under one racelab [`Lock`]; and the shut-down that moves it on.
//!
//! # The wake-up protocol, and why no wake-up is lost
//!
//! A worker that finds no job registers itself as idle *under the lock* — after checking the
//! queue and the phase under that same lock — and only then parks. Every event that gives an
//! idle worker something to do (a job pushed, `close`, `terminate`) happens under the lock
//! too, and removes idle workers from the list to wake them after unlocking. So a worker is
//! either still registered when the event happens (and is woken), or it checked after the
//! event (and saw it). The parking itself, immune to spurious unparks, is [`Sleeper`]'s.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};

use crate::sync::Arc;
use crate::{trace, Lock};

use super::idle::QueuedHint;
use super::sleeper::Sleeper;
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
    /// How many jobs are queued, for workers that look again before parking.
    pub(crate) queued: QueuedHint,
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
            queued: QueuedHint::new(),
        }
    }

    /// Publishes the queue length for looking workers; call with the lock held.
    #[inline]
    pub(crate) fn note_queued(&self, len: usize) {
        self.queued.note(len);
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
