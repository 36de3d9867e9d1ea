//! shuttle: the default strategy, random and PCT schedules alternating, and the time budget
//! every search runs under.
//!
//! Each scheduler misses what the other finds easily: random scheduling rarely produces a
//! schedule that needs a few specific orderings at precise points (PCT's target), and PCT
//! with a small depth rarely produces the many small changes random scheduling makes all the
//! time. Alternating them per execution costs each bug at most twice what its better strategy
//! takes.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use shuttle::scheduler::{PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId};

/// PCT's bug depth in the default strategy.
pub(super) const DEFAULT_PCT_DEPTH: usize = 3;

/// Random schedules on even executions, PCT(`depth`) on odd ones.
pub(super) struct Alternating {
    random: RandomScheduler,
    pct: PctScheduler,
    /// Executions started so far.
    started: usize,
    /// How many executions to run in all.
    iterations: usize,
    /// PCT executions begun, and the scheduling choices among two or more runnable tasks seen
    /// in them. shuttle's PCT sizes its change points from its first execution's choices and
    /// asserts there was one ("test closure did not exercise any concurrency"); a body with no
    /// real choice (one thread at a time throughout) has nothing for PCT to do, so random
    /// takes its turns instead.
    pct_started: usize,
    pct_choices: usize,
}

impl Alternating {
    pub(super) fn new(seed: u64, depth: usize, iterations: usize) -> Self {
        Alternating {
            random: RandomScheduler::new_from_seed(seed, iterations),
            pct: PctScheduler::new_from_seed(seed, depth, iterations),
            started: 0,
            iterations,
            pct_started: 0,
            pct_choices: 0,
        }
    }

    /// Whether the execution in progress is PCT's (`started` counts the execution running
    /// now: even ones are PCT's, unless PCT's first saw no choice to make).
    fn pct_turn(&self) -> bool {
        self.started % 2 == 0 && (self.pct_started <= 1 || self.pct_choices > 0)
    }

    fn current(&mut self) -> &mut dyn Scheduler {
        if self.pct_turn() {
            &mut self.pct
        } else {
            &mut self.random
        }
    }
}

impl Scheduler for Alternating {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started == self.iterations {
            return None;
        }
        self.started += 1;
        if self.started % 2 == 0 {
            self.pct_started += 1;
        }
        self.current().new_execution()
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&Task],
        current_task: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if self.pct_turn() && runnable_tasks.len() > 1 {
            self.pct_choices += 1;
        }
        self.current()
            .next_task(runnable_tasks, current_task, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.current().next_u64()
    }
}

/// Ends the search at the first execution that would start after `deadline`.
pub(super) struct Deadline<S> {
    inner: S,
    deadline: Instant,
    cut: Rc<Cell<bool>>,
}

impl<S: Scheduler> Deadline<S> {
    /// The scheduler, and a flag that tells whether the deadline ended the search.
    pub(super) fn new(inner: S, deadline: Instant) -> (Self, Rc<Cell<bool>>) {
        let cut = Rc::new(Cell::new(false));
        let flag = Rc::clone(&cut);
        (
            Deadline {
                inner,
                deadline,
                cut,
            },
            flag,
        )
    }
}

impl<S: Scheduler> Scheduler for Deadline<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        if Instant::now() >= self.deadline {
            self.cut.set(true);
            return None;
        }
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&Task],
        current_task: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.inner
            .next_task(runnable_tasks, current_task, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}
