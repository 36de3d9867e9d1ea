//! A failure as data: what failed, the interleaving, how to replay it.

use core::fmt;

use crate::trace::{Trace, WaitFor};

/// What kind of failure a checker found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// Every thread is blocked (loom: "deadlock"; shuttle: "deadlock! blocked tasks"; std: no
    /// progress within the watchdog's time).
    Deadlock,
    /// A panic: a failed assertion, an `unwrap` on an error, an explicit `panic!`.
    Panic,
    /// Unsynchronised access to plain memory (loom's causality check on its `UnsafeCell`).
    DataRace,
    /// A model object still alive at the end of an execution (loom's leak check).
    Leak,
    /// The execution ran past the checker's step or branch limit (a livelock, or a model too
    /// big for the budget).
    StepLimit,
}

impl FailureKind {
    /// Classifies a checker's panic message.
    pub(crate) fn classify(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        if m.starts_with("deadlock") || m.contains("deadlock!") || m.contains("deadlock;") {
            FailureKind::Deadlock
        } else if m.contains("causality violation") {
            FailureKind::DataRace
        } else if m.contains("leaked") {
            FailureKind::Leak
        } else if m.contains("maximum number of branches") || m.contains("exceeded max_steps") {
            FailureKind::StepLimit
        } else {
            FailureKind::Panic
        }
    }

    /// The kind's name, as used in reports and `kind=` records.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Deadlock => "deadlock",
            FailureKind::Panic => "panic",
            FailureKind::DataRace => "data race",
            FailureKind::Leak => "leak",
            FailureKind::StepLimit => "step limit",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        [
            FailureKind::Deadlock,
            FailureKind::Panic,
            FailureKind::DataRace,
            FailureKind::Leak,
            FailureKind::StepLimit,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to reproduce a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// loom's exploration is deterministic: rerunning the check reaches the same execution.
    Loom {
        /// The failing execution's number (1-based) in loom's depth-first order.
        execution: u64,
    },
    /// shuttle: the failing execution's schedule, encoded as shuttle prints it. Running the check
    /// with `RACELAB_REPLAY=<schedule>` (or `check::replay(body, schedule)`, in shuttle builds)
    /// runs exactly that execution again.
    ShuttleSchedule {
        /// The encoded schedule: hex digits, as `shuttle::replay` takes them.
        schedule: String,
    },
    /// std runs cannot be replayed: rerun and hope (which is why the checkers exist).
    Std {
        /// The failing run's number (1-based).
        run: u64,
    },
}

/// A failure found by [`Explorer::expect_failure`](super::Explorer::expect_failure) or
/// reported by [`Explorer::run`](super::Explorer::run).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// What failed.
    pub kind: FailureKind,
    /// The failing panic's message: the panic that propagated out of the failing execution;
    /// failing that, the checker's own (a deadlock, a data race); failing that, the execution's
    /// first. The execution's other panics are follow-ups (a join of a panicked thread, a guard
    /// dropped while unwinding) or were caught by the model itself, and are not kept. For a
    /// deadlock with a known wait-for cycle, the cycle in words.
    pub message: String,
    /// Where the failing panic happened (`file:line`), if it was a panic in the model.
    pub location: Option<String>,
    /// The failing execution's interleaving (empty in std builds).
    pub trace: Trace,
    /// For a deadlock: which thread holds which lock and waits for which.
    pub wait_for: Vec<WaitFor>,
    /// How to reproduce it.
    pub replay: Replay,
    /// The shell command that reproduces it, when the harness could tell.
    pub command: Option<String>,
    /// How many executions ran, the failing one included.
    pub executions: u64,
    /// loom: the preemption bound of the search that found it (`None` for an unbounded
    /// search and for the other backends).
    pub preemption_bound: Option<usize>,
}

impl Failure {
    /// A failure with no location, trace or command yet: every backend builds its failures
    /// here, and adds what it knows with the `with_*` methods.
    /// The message loses its trailing whitespace (a panic message or a checker's report may end
    /// in a newline).
    pub(crate) fn new(kind: FailureKind, message: String, replay: Replay, executions: u64) -> Self {
        let message = match message.trim_end() {
            trimmed if trimmed.len() == message.len() => message,
            trimmed => trimmed.to_owned(),
        };
        Failure {
            kind,
            message,
            location: None,
            trace: Trace::default(),
            wait_for: Vec::new(),
            replay,
            command: None,
            executions,
            preemption_bound: None,
        }
    }

    /// Where the failing panic happened.
    pub(crate) fn with_location(mut self, location: Option<String>) -> Self {
        self.location = location;
        self
    }

    /// The failing interleaving and, for a deadlock, its wait-for cycle.
    pub(crate) fn with_trace(mut self, trace: Trace, wait_for: Vec<WaitFor>) -> Self {
        self.trace = trace;
        self.wait_for = wait_for;
        self
    }

    /// The preemption bound of the loom search that found the failure.
    #[cfg_attr(not(loom), allow(dead_code))]
    pub(crate) fn with_preemption_bound(mut self, bound: Option<usize>) -> Self {
        self.preemption_bound = bound;
        self
    }

    /// The shell command that reproduces the failure.
    #[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
    pub(crate) fn with_command(mut self, command: Option<String>) -> Self {
        self.command = command;
        self
    }

    /// The swimlane of the failing execution, 120 columns wide, with the failure marked: its
    /// last row names the thread that failed and where, `FAILED in t2 at src/x.rs:12: panic:
    /// ...` (a deadlock has no one failing thread: `FAILED: deadlock: ...`).
    pub fn swimlane(&self) -> String {
        let headline = if self.message.starts_with(self.kind.name()) {
            self.message.clone()
        } else {
            format!("{}: {}", self.kind, self.message)
        };
        let thread = self.failed_thread();
        self.trace
            .render_failure(120, thread, self.location.as_deref(), &headline)
    }

    /// The thread that failed, as an index into the trace's threads: the one that panicked or
    /// made the racing access. `None` for a deadlock (every thread is stuck) and where the
    /// trace does not say.
    fn failed_thread(&self) -> Option<usize> {
        match self.kind {
            FailureKind::Deadlock | FailureKind::Leak => None,
            _ => self.trace.failed,
        }
    }

    /// The name of the thread that failed (`"t2"`), where the trace says (see
    /// [`swimlane`](Self::swimlane)).
    #[must_use]
    pub fn thread(&self) -> Option<&str> {
        self.failed_thread()
            .and_then(|t| self.trace.threads.get(t))
            .map(String::as_str)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.executions == 1 { "" } else { "s" };
        let bound = match self.preemption_bound {
            Some(bound) => format!(" (preemption bound {bound})"),
            None => String::new(),
        };
        writeln!(
            f,
            "{} after {} execution{plural}{bound}: {}",
            self.kind, self.executions, self.message
        )?;
        if let Some(location) = &self.location {
            writeln!(f, "at {location}")?;
        }
        if !self.wait_for.is_empty() {
            writeln!(f, "wait-for cycle:")?;
            for edge in &self.wait_for {
                writeln!(f, "  {edge}")?;
            }
        }
        if !self.trace.is_empty() {
            writeln!(f, "interleaving:")?;
            f.write_str(&self.swimlane())?;
        }
        #[cfg(any(loom, shuttle))]
        if self
            .trace
            .steps
            .iter()
            .any(|s| s.event.contains(crate::sync::STALE_SEQCST))
        {
            writeln!(
                f,
                "note: `{}`: a SeqCst load read a value that is not the last one stored; loom \
                 models SeqCst loads and stores as Acquire and Release (its issue #180), so this \
                 execution may be impossible and the failure a false alarm. A search at a higher \
                 preemption bound, or shuttle, shows whether an interleaving fails without it.",
                crate::sync::STALE_SEQCST
            )?;
        }
        match &self.replay {
            Replay::Loom { execution } => writeln!(f, "replay: loom execution #{execution}")?,
            // The command, when there is one, carries the schedule: one recipe, not two.
            Replay::ShuttleSchedule { schedule } if self.command.is_none() => {
                writeln!(f, "replay: RACELAB_REPLAY={schedule}")?
            }
            Replay::ShuttleSchedule { .. } => {}
            Replay::Std { run } => writeln!(f, "std run #{run} (not replayable)")?,
        }
        if let Some(command) = &self.command {
            writeln!(f, "reproduce with:\n  {command}")?;
        }
        Ok(())
    }
}

/// The message a deadlock report leads with: the cycle, if the trace knows it.
/// Without a lock cycle, the threads the trace saw block (a result, an idle worker, a
/// model's own wait); failing that, the checker's own first line.
pub(crate) fn deadlock_message(wait_for: &[WaitFor], blocked: &[String], raw: &str) -> String {
    if !wait_for.is_empty() {
        let edges: Vec<String> = wait_for.iter().map(ToString::to_string).collect();
        format!("deadlock: {}", edges.join("; "))
    } else if !blocked.is_empty() {
        format!("deadlock: {}", blocked.join("; "))
    } else {
        raw.lines().next().unwrap_or(raw).to_owned()
    }
}
