//! The harness: run one test body under the active backend and report what was explored.
//!
//! | backend | what `run` does with the body |
//! |---|---|
//! | loom | every interleaving (up to the preemption bound), under the C11 memory model |
//! | shuttle | `iterations` random schedules, or PCT schedules of a given depth |
//! | std | `iterations` plain runs on real threads (a stress test: proves nothing, finds some) |
//!
//! [`Explorer::run`] expects the body to pass and panics with the failure report otherwise;
//! [`Explorer::expect_failure`] expects it to fail and returns the [`Failure`] as data — its
//! [`FailureKind`], message, the failing interleaving ([`crate::trace`]), the wait-for cycle of
//! a deadlock, and how to replay it. Under loom an expected failure runs in a child process,
//! because loom aborts the whole process on a deadlock.
//!
//! Each check prints one summary line (and a progress line every 5 s while it runs) and, when
//! `RACELAB_REPORT` names a file, appends a tab-separated record to it; `cargo xtask verify`
//! builds its table from those records.
//!
//! # Environment
//!
//! | variable | effect |
//! |---|---|
//! | `LOOM_MAX_PREEMPTIONS` | overrides the preemption bound of every loom check |
//! | `RACELAB_ITERATIONS` | overrides the iteration count of every shuttle / std check |
//! | `RACELAB_SEED` | shuttle: the seed of the search (a failure names it, with the iteration) |
//! | `RACELAB_PARTITION` | shuttle: `k/n` runs seed `base + k`, so n machines (or CI jobs) run n distinct seed streams |
//! | `RACELAB_REPLAY` | shuttle: replay this encoded schedule (as shuttle prints it) instead of searching |
//! | `RACELAB_STD_TIMEOUT` | std: seconds a run may take before it counts as deadlocked (default 10) |
//! | `RACELAB_REPORT` | a file to append one record per finished check to |
//! | `RACELAB_CHILD` | internal: marks the child process of a loom `expect_failure` |
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
mod capture;
#[cfg_attr(not(loom), allow(dead_code))]
mod child;
mod failure;

pub use failure::{Failure, FailureKind, Replay};

use std::fmt;
use std::io::Write as _;
use std::time::Duration;

use backend::Mode;

/// The base seed when neither the explorer nor `RACELAB_SEED` gives one: fixed, so a failure
/// found in CI is found again on a laptop.
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

/// One check: a name, and the budget for each backend.
#[derive(Debug, Clone)]
#[must_use = "an Explorer does nothing until run() or expect_failure()"]
pub struct Explorer {
    name: String,
    preemption_bound: Option<usize>,
    iterations: usize,
    scheduler: Scheduler,
    seed: Option<u64>,
    partition: (u64, u64),
    replay: Option<String>,
    std_timeout: Option<u64>,
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
    /// `"pass"`, or for an expected failure `"caught <kind>"`.
    pub result: String,
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
            partition: (0, 1),
            replay: None,
            std_timeout: None,
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

    /// std: seconds one run may take before it counts as a deadlock (default 10).
    pub fn std_timeout(mut self, secs: u64) -> Self {
        self.std_timeout = Some(secs);
        self
    }

    /// The explorer with the environment's overrides applied.
    fn configured(&self) -> Self {
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
        if let Ok(value) = std::env::var("RACELAB_PARTITION") {
            explorer.partition = parse_partition(&value);
        }
        if let Ok(schedule) = std::env::var("RACELAB_REPLAY") {
            explorer.replay = Some(schedule);
        }
        explorer
    }

    #[cfg_attr(not(shuttle), allow(dead_code))]
    fn base_seed(&self) -> u64 {
        self.seed.unwrap_or(DEFAULT_SEED)
    }

    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    fn std_timeout_secs(&self) -> u64 {
        self.std_timeout.unwrap_or(10)
    }

    /// Runs `body` under the active backend and returns what was explored.
    ///
    /// # Panics
    ///
    /// If any execution fails, with the full [`Failure`] report: kind, message, the failing
    /// interleaving, and the command that reproduces it.
    pub fn run<F>(&self, body: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        let explorer = self.configured();
        let start = std::time::Instant::now();
        let outcome = backend::search(&explorer, body, Mode::Run);
        if let Some(failure) = outcome.failure {
            panic!("racelab: check `{}` failed: {failure}", explorer.name);
        }
        let report = explorer.report(outcome.budget, outcome.executions, start, "pass".into());
        if !child::is_child() {
            report.publish();
        }
        report
    }

    /// Runs `body`, which is expected to fail, and returns the failure as data.
    ///
    /// The failure report is printed too (shown with `--nocapture`), swimlane and reproduce
    /// command included.
    ///
    /// # Panics
    ///
    /// If the whole budget passes without a failure, saying how much was explored.
    pub fn expect_failure<F>(&self, body: F) -> Failure
    where
        F: Fn() + Send + Sync + 'static,
    {
        match self.find_failure(body) {
            Ok(failure) => failure,
            Err(report) => panic!(
                "racelab: check `{}` expected a failure, but {} executions ({} {}) found none",
                report.name, report.executions, report.backend, report.budget
            ),
        }
    }

    /// Like [`expect_failure`](Self::expect_failure), but a search that finds nothing is an
    /// `Err` with what was explored instead of a panic (for measuring how hard a bug is to
    /// find).
    ///
    /// # Errors
    ///
    /// The [`Report`] of the whole budget, if no execution failed.
    pub fn find_failure<F>(&self, body: F) -> Result<Failure, Report>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let explorer = self.configured();
        let start = std::time::Instant::now();
        let outcome = backend::search(&explorer, body, Mode::ExpectFailure);
        let Some(failure) = outcome.failure else {
            let report = explorer.report(
                outcome.budget,
                outcome.executions,
                start,
                "not found".into(),
            );
            if !child::is_child() {
                report.publish();
            }
            return Err(report);
        };
        println!(
            "racelab: check `{}` caught the expected failure: {failure}",
            explorer.name
        );
        let result = format!("caught {}", failure.kind);
        // A loom child's parent publishes the record; the child would only duplicate it.
        if !child::is_child() {
            explorer
                .report(outcome.budget, failure.executions, start, result)
                .publish();
        }
        Ok(failure)
    }

    fn report(
        &self,
        budget: String,
        executions: u64,
        start: std::time::Instant,
        result: String,
    ) -> Report {
        Report {
            name: self.name.clone(),
            backend: crate::sync::BACKEND,
            budget,
            executions,
            elapsed: start.elapsed(),
            result,
        }
    }
}

/// Runs `body` under the active backend with the default budget; see [`Explorer::run`].
pub fn explore<F>(body: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    Explorer::new("explore").run(body)
}

/// Runs `body`, expected to fail, with the default budget; see [`Explorer::expect_failure`].
pub fn expect_failure<F>(body: F) -> Failure
where
    F: Fn() + Send + Sync + 'static,
{
    Explorer::new("expect_failure").expect_failure(body)
}

/// Silences panics whose message starts with `marker` — the deliberate panics of test tasks —
/// so a run of thousands of executions does not print thousands of panic messages. They are
/// still captured as failures where a check expects one. Every other panic prints as usual.
///
/// racelab's panic hook sits on top of any other (shuttle's included), so this works whatever
/// the order tests run in.
pub fn quiet_panics(marker: &'static str) {
    capture::quiet(marker);
}

/// Replays an encoded shuttle schedule (as shuttle prints it on a failure) and returns the
/// failure it reproduces, or `None` if the replay passed. Only in shuttle builds.
#[cfg(shuttle)]
pub fn replay<F>(body: F, schedule: &str) -> Option<Failure>
where
    F: Fn() + Send + Sync + 'static,
{
    backend::replay(&Explorer::new("replay"), body, schedule.to_owned())
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not a whole number"),
    }
}

fn parse_partition(value: &str) -> (u64, u64) {
    let parsed = value
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((k, n)) if n > 0 && k < n => (k, n),
        _ => panic!("RACELAB_PARTITION={value:?}: expected k/n with 0 <= k < n, e.g. 0/4"),
    }
}

/// The `cargo test` command that reruns the current test with `env` set, if the test's
/// name, binary and package can be told from the running process.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
fn reproduce_command(env: &str) -> Option<String> {
    let test = child::current_test()?;
    let package = std::env::var("CARGO_PKG_NAME").ok()?;
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    let binary = stem.rsplit_once('-').map_or(stem, |(name, _hash)| name);
    let target = if binary == package.replace('-', "_") {
        "--lib".to_owned()
    } else {
        format!("--test {binary}")
    };
    Some(format!(
        "{env} cargo test --release -p {package} {target} -- {test} --exact --nocapture"
    ))
}

impl Report {
    /// The tab-separated record appended to `RACELAB_REPORT`:
    /// name, backend, budget, executions, seconds, result.
    pub fn record(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{:.3}\t{}",
            self.name,
            self.backend,
            self.budget,
            self.executions,
            self.elapsed.as_secs_f64(),
            self.result
        )
    }

    fn publish(&self) {
        println!("racelab-check: {self}");
        if let Some(path) = std::env::var_os("RACELAB_REPORT") {
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                // One write of the whole line: parallel tests append to the same file, and
                // `writeln!` on a `File` may split a line over several writes, interleaving
                // pieces of different records.
                .and_then(|mut file| file.write_all(format!("{}\n", self.record()).as_bytes()));
            if let Err(err) = written {
                panic!(
                    "cannot append to RACELAB_REPORT={}: {err}",
                    path.to_string_lossy()
                );
            }
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{} {}] {} executions in {:.2} s: {}",
            self.name,
            self.backend,
            self.budget,
            self.executions,
            self.elapsed.as_secs_f64(),
            self.result
        )
    }
}
