//! shuttle: the schedule of the execution being run, recorded as it is made, and encoded the
//! way shuttle prints a failing schedule, so [`ReplayScheduler::new_from_encoded`] (behind
//! `RACELAB_REPLAY` and `check::replay`) runs exactly that execution again.
//!
//! shuttle prints the schedule on stderr but gives no way to read it; so the search's
//! scheduler is wrapped in [`Recording`], which sees every decision shuttle asks for: each
//! task choice and each random value, in order, as shuttle's own record has them.
//!
//! [`ReplayScheduler::new_from_encoded`]: shuttle::scheduler::ReplayScheduler::new_from_encoded

use std::cell::RefCell;
use std::rc::Rc;

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// One scheduling decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The task that ran next.
    Task(usize),
    /// A random value handed to the model.
    Random,
}

/// The decisions of one execution, and the seed of its random values.
#[derive(Debug, Default)]
struct Record {
    seed: u64,
    steps: Vec<Step>,
}

/// A scheduler that records the schedule of the current execution while `inner` decides.
pub(super) struct Recording<S> {
    inner: S,
    record: Rc<RefCell<Record>>,
}

/// Reads a [`Recording`]'s schedule once the runner that owns the scheduler has stopped.
pub(super) struct Recorded(Rc<RefCell<Record>>);

impl Recorded {
    /// The last execution's schedule, encoded as shuttle prints it (one line).
    pub(super) fn encoded(&self) -> String {
        let record = self.0.borrow();
        encode(record.seed, &record.steps)
    }
}

impl<S: Scheduler> Recording<S> {
    pub(super) fn new(inner: S) -> (Self, Recorded) {
        let record = Rc::new(RefCell::new(Record::default()));
        let recorded = Recorded(Rc::clone(&record));
        (Recording { inner, record }, recorded)
    }
}

impl<S: Scheduler> Scheduler for Recording<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        let schedule = self.inner.new_execution()?;
        // shuttle records from the schedule this returns; the random and PCT schedulers start
        // each execution empty, so the record starts with no steps too.
        assert!(
            schedule.is_empty(),
            "racelab: a scheduler that starts executions with steps cannot be recorded"
        );
        *self.record.borrow_mut() = Record {
            seed: schedule.seed,
            steps: Vec::new(),
        };
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable_tasks: &[&Task],
        current_task: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let next = self
            .inner
            .next_task(runnable_tasks, current_task, is_yielding)?;
        self.record
            .borrow_mut()
            .steps
            .push(Step::Task(usize::from(next)));
        Some(next)
    }

    fn next_u64(&mut self) -> u64 {
        self.record.borrow_mut().steps.push(Step::Random);
        self.inner.next_u64()
    }
}

/// shuttle's encoding (version 2): a magic byte; the bits per task id, the number of steps and
/// the seed as LEB128 varints; then the steps as a bit string, least significant bit first —
/// `0` and the task id's bits (low bit first) for a task, `1` for a random value; all in hex.
/// shuttle sizes the bit string for `steps × (1 + bits)`, so its trailing bytes are zero.
fn encode(seed: u64, steps: &[Step]) -> String {
    const MAGIC_V2: u8 = 0x91;
    let max_task = steps
        .iter()
        .filter_map(|s| match s {
            Step::Task(id) => Some(*id),
            Step::Random => None,
        })
        .max()
        .unwrap_or(0);
    let bits = ((usize::BITS - max_task.leading_zeros()) as usize).max(1);

    let mut packed = vec![0u8; (steps.len() * (1 + bits)).div_ceil(8)];
    let mut set = |at: usize| packed[at / 8] |= 1 << (at % 8);
    let mut at = 0;
    for step in steps {
        match *step {
            Step::Task(id) => {
                for bit in 0..bits {
                    if id >> bit & 1 == 1 {
                        set(at + 1 + bit);
                    }
                }
                at += 1 + bits;
            }
            Step::Random => {
                set(at);
                at += 1;
            }
        }
    }

    let mut bytes = vec![MAGIC_V2];
    for n in [bits as u64, steps.len() as u64, seed] {
        varint(&mut bytes, n);
    }
    bytes.extend(packed);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let low = (n & 0x7F) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shuttle::scheduler::ReplayScheduler;

    /// The encoding decodes, with shuttle's own decoder, to the schedule it was made from.
    fn assert_round_trip(seed: u64, steps: &[Step]) {
        let mut schedule = Schedule::new(seed);
        for step in steps {
            match *step {
                Step::Task(id) => schedule.push_task(TaskId::from(id)),
                Step::Random => schedule.push_random(),
            }
        }
        let encoded = encode(seed, steps);
        assert_eq!(
            format!("{:?}", ReplayScheduler::new_from_encoded(&encoded)),
            format!("{:?}", ReplayScheduler::new_from_schedule(schedule)),
            "{encoded}"
        );
    }

    #[test]
    fn schedules_round_trip_through_shuttles_decoder() {
        use Step::{Random, Task};
        assert_round_trip(0, &[]);
        assert_round_trip(10, &[Random]);
        assert_round_trip(10, &[Task(0)]);
        assert_round_trip(u64::MAX, &[Task(1), Task(0), Random, Task(1)]);
        // Task ids of several bits, steps that straddle bytes, a multi-byte seed and length.
        let steps: Vec<Step> = (0..300)
            .map(|i| {
                if i % 7 == 3 {
                    Random
                } else {
                    Task(i * 37 % 13)
                }
            })
            .collect();
        assert_round_trip(0x5EED_0000_2ACE, &steps);
        assert_round_trip(1, &[Task(1000), Random, Task(3), Task(999)]);
    }
}
