//! One check's settings: its name and each backend's budget, with the environment's overrides
//! (the table in the module docs of [`check`](super)).

use std::time::Duration;

use crate::face::Face;

/// The seed of a shuttle search when neither the explorer nor `RACELAB_SEED` gives one: fixed,
/// so a failure found in CI is found again on a laptop.
#[cfg_attr(not(shuttle), allow(dead_code))]
const DEFAULT_SEED: u64 = 0x5EED_0000_2ACE;

/// Shuttle's scheduling strategy (ignored by the other backends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// Uniformly random choice at every scheduling point.
    Random,
    /// Probabilistic Concurrency Testing: finds any bug that needs at most `depth` ordering
    /// constraints with a known probability per run.
    Pct {
        /// The bug depth to target.
        depth: usize,
    },
}

/// How long a check may search when neither the explorer nor `RACELAB_TIME_BUDGET` says.
const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(60);

/// One check: a name, and the budget for each backend.
#[derive(Debug, Clone)]
#[must_use = "an Explorer does nothing until run() or expect_failure()"]
pub struct Explorer {
    pub(super) name: String,
    pub(super) preemption_bound: Option<usize>,
    /// loom: one plain unbounded depth-first search (set by [`Explorer::unbounded`]).
    pub(super) unbounded: bool,
    pub(super) iterations: usize,
    /// shuttle: the pinned scheduler; `None` interleaves random and PCT(3).
    pub(super) scheduler: Option<Scheduler>,
    time_budget: Option<Duration>,
    seed: Option<u64>,
    /// shuttle: an encoded schedule to replay instead of searching (`RACELAB_REPLAY`).
    pub(super) replay: Option<String>,
    std_timeout: Option<u64>,
    /// The face racelab's primitives created in the body show the checker.
    pub(super) face: Face,
}

impl Explorer {
    /// A check with the defaults: loom iterative preemption bounding (bound 0, 1, 2, … then
    /// unbounded), shuttle random and PCT(3) interleaved × 1,000, std × 100; 60 s at most.
    pub fn new(name: impl Into<String>) -> Self {
        Explorer {
            name: name.into(),
            preemption_bound: None,
            unbounded: false,
            iterations: if cfg!(shuttle) { 1000 } else { 100 },
            scheduler: None,
            time_budget: None,
            seed: None,
            replay: None,
            std_timeout: None,
            face: Face::Spec,
        }
    }

    /// loom: explore only executions with at most `bound` preemptions, one search at that bound
    /// instead of the iterative default (`LOOM_MAX_PREEMPTIONS` overrides it).
    pub fn preemption_bound(mut self, bound: usize) -> Self {
        self.preemption_bound = Some(bound);
        self.unbounded = false;
        self
    }

    /// loom: one plain unbounded depth-first search, loom's own order (late choices first), for
    /// comparing a search order against it. `LOOM_MAX_PREEMPTIONS` still pins a bound.
    pub fn unbounded(mut self) -> Self {
        self.preemption_bound = None;
        self.unbounded = true;
        self
    }

    /// shuttle and std: how many executions to run (`RACELAB_ITERATIONS` overrides it).
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// shuttle: one scheduling strategy for every iteration, instead of the default that
    /// alternates random and PCT(3) (each finds bugs the other rarely does).
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = Some(scheduler);
        self
    }

    /// Every backend: how long the search may run (default 60 s; `RACELAB_TIME_BUDGET`
    /// overrides it). A search cut short says so in its [`Report`](super::Report): what it
    /// covered, and that it did not finish.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = Some(budget);
        self
    }

    /// shuttle: the scheduler's seed (`RACELAB_SEED` overrides it).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// std: seconds one run may take before it counts as a deadlock (default 10).
    pub fn std_timeout(mut self, secs: u64) -> Self {
        self.std_timeout = Some(secs);
        self
    }

    /// loom and shuttle: which face racelab's own primitives created in the body show the
    /// checker ([`crate::face`]). The default, [`Face::Spec`], explores a program that *uses*
    /// racelab's lock against the lock's spec, one scheduling point per operation;
    /// [`Face::Implementation`] explores the lock's own algorithm, every atomic step — what
    /// racelab's suites for its primitives ask for. std builds have one face; this is ignored.
    ///
    /// ```
    /// use racelab::check::Explorer;
    /// use racelab::Face;
    ///
    /// let explorer = Explorer::new("my_lock_suite").face(Face::Implementation);
    /// # drop(explorer);
    /// ```
    pub fn face(mut self, face: Face) -> Self {
        self.face = face;
        self
    }

    /// The explorer with the environment's overrides applied.
    pub(super) fn configured(&self) -> Self {
        let mut explorer = self.clone();
        if let Some(n) = env_number("RACELAB_ITERATIONS") {
            explorer.iterations = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(seed) = env_number("RACELAB_SEED") {
            explorer.seed = Some(seed);
        }
        if let Some(secs) = env_number("RACELAB_STD_TIMEOUT") {
            explorer.std_timeout = Some(secs);
        }
        if let Ok(value) = std::env::var("RACELAB_TIME_BUDGET") {
            match value.trim().parse::<f64>() {
                Ok(secs) if secs.is_finite() && secs > 0.0 => {
                    explorer.time_budget = Some(Duration::from_secs_f64(secs));
                }
                _ => panic!("RACELAB_TIME_BUDGET={value:?} is not a positive number of seconds"),
            }
        }
        if let Ok(schedule) = std::env::var("RACELAB_REPLAY") {
            explorer.replay = Some(schedule);
        }
        explorer
    }

    /// shuttle: the seed of the search.
    #[cfg_attr(not(shuttle), allow(dead_code))]
    pub(super) fn seed_or_default(&self) -> u64 {
        self.seed.unwrap_or(DEFAULT_SEED)
    }

    /// The time budget of the search.
    pub(super) fn time_budget_or_default(&self) -> Duration {
        self.time_budget.unwrap_or(DEFAULT_TIME_BUDGET)
    }

    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    pub(super) fn std_timeout_secs(&self) -> u64 {
        self.std_timeout.unwrap_or(10)
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not a whole number"),
    }
}
