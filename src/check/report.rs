//! What a finished check explored: the summary line, and the record `RACELAB_REPORT` collects.

use std::fmt;
use std::io::Write as _;
use std::time::{Duration, Instant};

/// What a finished check explored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The check's name.
    pub name: String,
    /// `"std"`, `"loom"` or `"shuttle"`.
    pub backend: &'static str,
    /// What was explored, in words — what a pass proved, or where a failure was found:
    /// loom `"exhaustive"`, `"all executions with ≤ 2 preemptions (bound 3 not finished in
    /// 60 s)"`, `"bound 2 (pinned)"`, `"found at bound 1"`; shuttle `"random+pct(3) × 1000"`,
    /// `"random × 412 of 1000 (budget 60 s)"`; std `"stress × 100"`.
    pub budget: String,
    /// How many executions (interleavings, schedules or runs) were explored.
    pub executions: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// `"pass"`; `"not finished"` if the time budget ran out before the search covered what
    /// it set out to (see `budget`); for an expected failure `"caught <kind>"` or
    /// `"not found"`.
    pub result: String,
}

impl Report {
    pub(super) fn new(
        name: &str,
        budget: String,
        executions: u64,
        start: Instant,
        result: String,
    ) -> Self {
        Report {
            name: name.to_owned(),
            backend: crate::sync::BACKEND,
            budget,
            executions,
            elapsed: start.elapsed(),
            result,
        }
    }

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

    /// Prints the summary line and appends the record to `RACELAB_REPORT`, if set.
    pub(super) fn publish(&self) {
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
