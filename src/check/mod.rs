//! The harness: run one test body under the active backend and report what was explored.
//!
//! | backend | what `run` does with the body |
//! |---|---|
//! | loom | every interleaving (up to the preemption bound), under the C11 memory model |
//! | shuttle | `iterations` random schedules, or PCT schedules of a given depth |
//! | std | `iterations` plain runs on real threads (a stress test: proves nothing, finds some) |
//!
//! Each run prints one summary line and, when `RACELAB_REPORT` names a file, appends a
//! tab-separated record to it; `cargo xtask verify` builds its table from those records.
//!
//! # Environment
//!
//! | variable | effect |
//! |---|---|
//! | `LOOM_MAX_PREEMPTIONS` | overrides the preemption bound of every loom check |
//! | `RACELAB_ITERATIONS` | overrides the iteration count of every shuttle / std check |
//! | `RACELAB_SEED` | seeds shuttle's schedulers (a failure report names the seed it used) |
//! | `RACELAB_REPORT` | a file to append one record per finished check to |
//!
//! # Examples
//!
//! ```
//! use racelab::check::Explorer;
//! use racelab::sync::{thread, Arc};
//! use racelab::Lock;
//!
//! let report = Explorer::new("two_increments").iterations(10).run(|| {
//!     let n = Arc::new(Lock::new(0));
//!     let n2 = Arc::clone(&n);
//!     let t = thread::spawn(move || *n2.lock() += 1);
//!     *n.lock() += 1;
//!     t.join().unwrap();
//!     assert_eq!(*n.lock(), 2);
//! });
//! assert!(report.executions >= 1);
//! ```

mod backend;

use std::fmt;
use std::io::Write as _;
use std::time::Duration;

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

/// One check: a name, and the budget for each backend.
#[derive(Debug, Clone)]
#[must_use = "an Explorer does nothing until run()"]
pub struct Explorer {
    name: String,
    preemption_bound: Option<usize>,
    iterations: usize,
    scheduler: Scheduler,
    seed: Option<u64>,
}

/// What a finished check explored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The check's name.
    pub name: String,
    /// `"std"`, `"loom"` or `"shuttle"`.
    pub backend: &'static str,
    /// The budget, in words: `"bound 2"`, `"unbounded"`, `"random × 1000"`, `"pct(3) × 1000"`.
    pub budget: String,
    /// How many executions (interleavings, schedules or runs) were explored.
    pub executions: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
}

impl Explorer {
    /// A check with the defaults: loom unbounded, shuttle random × 1,000, std × 100.
    pub fn new(name: impl Into<String>) -> Self {
        Explorer {
            name: name.into(),
            preemption_bound: None,
            iterations: if cfg!(shuttle) { 1000 } else { 100 },
            scheduler: Scheduler::Random,
            seed: None,
        }
    }

    /// loom: explore only executions with at most `bound` preemptions (`LOOM_MAX_PREEMPTIONS`
    /// overrides it).
    pub fn preemption_bound(mut self, bound: usize) -> Self {
        self.preemption_bound = Some(bound);
        self
    }

    /// shuttle and std: how many executions to run (`RACELAB_ITERATIONS` overrides it).
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// shuttle: the scheduling strategy.
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = scheduler;
        self
    }

    /// shuttle: the scheduler's seed (`RACELAB_SEED` overrides it).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Runs `body` under the active backend. Panics, with the backend's report, if any
    /// execution fails; otherwise returns what was explored.
    pub fn run<F>(&self, body: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        let mut explorer = self.clone();
        if let Some(n) = env_number("RACELAB_ITERATIONS") {
            explorer.iterations = n as usize;
        }
        if let Some(seed) = env_number("RACELAB_SEED") {
            explorer.seed = Some(seed);
        }
        let start = std::time::Instant::now();
        let (budget, executions) = backend::run(&explorer, body);
        let report = Report {
            name: explorer.name,
            backend: crate::sync::BACKEND,
            budget,
            executions,
            elapsed: start.elapsed(),
        };
        report.publish();
        report
    }
}

/// Runs `body` under the active backend with the default budget; see [`Explorer`].
pub fn explore<F>(body: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    Explorer::new("explore").run(body)
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not a whole number"),
    }
}

impl Report {
    /// The tab-separated record appended to `RACELAB_REPORT`:
    /// name, backend, budget, executions, seconds.
    pub fn record(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{:.3}",
            self.name,
            self.backend,
            self.budget,
            self.executions,
            self.elapsed.as_secs_f64()
        )
    }

    fn publish(&self) {
        println!("racelab-check: {self}");
        if let Some(path) = std::env::var_os("RACELAB_REPORT") {
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut file| writeln!(file, "{}", self.record()));
            if let Err(err) = written {
                panic!("cannot append to RACELAB_REPORT={}: {err}", path.to_string_lossy());
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{} {}] {} executions in {:.2} s",
            self.name,
            self.backend,
            self.budget,
            self.executions,
            self.elapsed.as_secs_f64()
        )
    }
}
