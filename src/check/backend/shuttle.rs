//! shuttle: random and PCT schedules alternating (or one pinned scheduler) from one seed, on a
//! fresh OS thread; a failure is reported
//! with its encoded schedule, which replays exactly that execution.
//!
//! shuttle 0.9.9 leaves an OS thread marked as panicking once a failing task hits a scheduling
//! point while unwinding, and every later run on that thread fails at once; so each search
//! (and each replay) runs on its own fresh thread and stops at the first failure.

use ::std::mem::ManuallyDrop;
use ::std::panic::{self, AssertUnwindSafe};
use ::std::time::Instant;

use shuttle::scheduler::{PctScheduler, RandomScheduler, ReplayScheduler};
use shuttle::{Config, FailurePersistence, Runner};

use super::schedule::{Recorded, Recording};
use super::search::{counted, Counter, Mode, Outcome};
use super::strategy::{Alternating, Deadline, DEFAULT_PCT_DEPTH};
use crate::check::capture;
use crate::check::command::{current_test, reproduce_command};
use crate::check::explorer::{Explorer, Scheduler};
use crate::check::failure::{Failure, Replay};
use crate::check::verdict::sampled;

pub(in crate::check) fn search<F>(explorer: &Explorer, body: F, _mode: Mode) -> Outcome
where
    F: Fn() + Send + Sync + 'static,
{
    if let Some(schedule) = &explorer.replay {
        let failure = replay(explorer, body, schedule.clone());
        return Outcome {
            budget: "replay".to_owned(),
            finished: true,
            executions: 1,
            failure,
        };
    }
    let explorer = explorer.clone();
    on_fresh_thread(move || {
        let counter = Counter::new(&explorer.name);
        let body = counted(&counter, body);
        let n = explorer.iterations;
        let seed = explorer.seed_or_default();
        // One scheduler for all iterations, on one seed: a runner per iteration would cost
        // ~30× more (shuttle sets up each runner anew), and PCT sizes its priority-change
        // points from the executions it has already seen.
        let deadline = Instant::now() + explorer.time_budget_or_default();
        let (what, (result, recorded, cut)) = match explorer.scheduler {
            Some(Scheduler::Random) => (
                "random".to_owned(),
                run_within(RandomScheduler::new_from_seed(seed, n), deadline, body),
            ),
            Some(Scheduler::Pct { depth }) => (
                format!("pct({depth})"),
                run_within(PctScheduler::new_from_seed(seed, depth, n), deadline, body),
            ),
            None => (
                format!("random+pct({DEFAULT_PCT_DEPTH})"),
                run_within(Alternating::new(seed, DEFAULT_PCT_DEPTH, n), deadline, body),
            ),
        };
        let budget = sampled(
            &what,
            counter.get(),
            n,
            cut.then(|| explorer.time_budget_or_default()),
        );
        let failure = result.map(|c| failure_from(c, recorded.encoded(), counter.get()));
        Outcome {
            budget,
            finished: !cut || failure.is_some(),
            executions: counter.get(),
            failure,
        }
    })
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
        let scheduler = ReplayScheduler::new_from_encoded(&schedule);
        let (result, _) = run(scheduler, body);
        result.map(|c| failure_from(c, schedule.split_whitespace().collect(), 1))
    })
}

/// [`run`] that starts no execution after `deadline`; also says whether the deadline stopped it.
fn run_within<S, F>(
    scheduler: S,
    deadline: Instant,
    body: F,
) -> (Option<capture::Captured>, Recorded, bool)
where
    S: shuttle::scheduler::Scheduler + 'static,
    F: Fn() + Send + Sync + 'static,
{
    let (scheduler, cut) = Deadline::new(scheduler, deadline);
    let (result, recorded) = run(scheduler, body);
    (result, recorded, cut.get())
}

/// Runs `body` under `scheduler`, recording each execution's schedule; returns the failing
/// panic of the execution that failed (if one did) and the recording, which then holds that
/// execution's schedule.
fn run<S, F>(scheduler: S, body: F) -> (Option<capture::Captured>, Recorded)
where
    S: shuttle::scheduler::Scheduler + 'static,
    F: Fn() + Send + Sync + 'static,
{
    let (scheduler, recorded) = Recording::new(Unprinted(ManuallyDrop::new(scheduler)));
    // racelab prints the one report and the one schedule that replays it: shuttle prints none.
    let mut config = Config::new();
    config.failure_persistence = FailurePersistence::None;
    capture::arm(None);
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Runner::new(scheduler, config).run(body)
    }));
    let captured = capture::disarm(result.as_ref().err().map(|p| &**p));
    match (result, captured) {
        (Ok(_), _) => (None, recorded),
        (Err(_), Some(c)) => (Some(c), recorded),
        (Err(payload), None) => panic::resume_unwind(payload),
    }
}

/// A scheduler whose drop during a failure's unwinding is skipped: shuttle's random scheduler
/// prints its seed and its own replay advice when it is dropped mid-execution, which would
/// contradict racelab's one recipe (the schedule). Skipping it leaks one scheduler per failed
/// search.
struct Unprinted<S>(ManuallyDrop<S>);

impl<S: shuttle::scheduler::Scheduler> shuttle::scheduler::Scheduler for Unprinted<S> {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        self.0.new_execution()
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&shuttle::scheduler::Task],
        current_task: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.0.next_task(runnable_tasks, current_task, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

impl<S> Drop for Unprinted<S> {
    fn drop(&mut self) {
        #[allow(clippy::disallowed_methods)] // the OS thread's state, outside any model
        let unwinding = ::std::thread::panicking();
        if !unwinding {
            // SAFETY: `self.0` is dropped once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.0) }
        }
    }
}

/// A shuttle failure: replayed by its schedule, and the command that does so.
fn failure_from(c: capture::Captured, schedule: String, executions: u64) -> Failure {
    let command = reproduce_command("shuttle", &format!("RACELAB_REPLAY={schedule}"));
    c.into_failure(Replay::ShuttleSchedule { schedule }, executions)
        .with_command(command)
}

/// Runs `f` on a new OS thread that carries the test's name, if there is one (so reproduce
/// commands can name the test), and returns its result.
fn on_fresh_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    // The face is per OS thread (`crate::face`): carry the check's over.
    let face = crate::face::current();
    let f = move || crate::face::with(face, f);
    let mut builder = ::std::thread::Builder::new();
    if let Some(test) = current_test() {
        builder = builder.name(test);
    }
    #[allow(clippy::disallowed_methods, clippy::disallowed_types)]
    let handle = builder
        .spawn(f)
        .expect("racelab: cannot start the shuttle search thread");
    match handle.join() {
        Ok(outcome) => outcome,
        Err(payload) => panic::resume_unwind(payload),
    }
}
