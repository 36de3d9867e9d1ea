//! The rows of `verify`'s table: one per recorded check, or per test that left no record.

use std::path::PathBuf;
use std::time::Duration;

use crate::backend::Backend;
use crate::table::{seconds, thousands, Table};

const HEADERS: [&str; 7] = [
    "suite",
    "check",
    "backend",
    "budget",
    "executions",
    "result",
    "time",
];

#[derive(Clone)]
pub struct Row {
    suite: String,
    check: String,
    backend: String,
    budget: String,
    /// `None` for a row that stands for a whole test (or build), not a recorded check.
    executions: Option<u64>,
    result: String,
    time: Duration,
    /// How many identical checks this row sums up (a proptest runs one per generated case).
    runs: u32,
}

impl Row {
    /// A row for a whole test (or build) rather than for one recorded check.
    pub fn test(suite: &str, backend: Backend, check: &str, result: &str, time: Duration) -> Self {
        Row {
            suite: suite.to_owned(),
            check: check.to_owned(),
            backend: backend.name().to_owned(),
            budget: "-".into(),
            executions: None,
            result: result.to_owned(),
            time,
            runs: 1,
        }
    }

    /// A row for one `RACELAB_REPORT` record:
    /// `name \t backend \t budget \t executions \t seconds \t result`.
    pub fn record(suite: &str, record: &str) -> Self {
        let fields: Vec<&str> = record.split('\t').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("?").to_owned();
        let seconds = fields.get(4).and_then(|s| s.parse::<f64>().ok());
        // The sixth field is the harness's verdict ("pass", "caught deadlock", ...); older
        // records stop at five.
        let result = match fields.get(5..) {
            Some([verdict]) => (*verdict).to_owned(),
            Some([verdict, more @ ..]) => format!("{verdict} ({})", more.join(", ")),
            _ => "pass".to_owned(),
        };
        Row {
            suite: suite.to_owned(),
            check: field(0),
            backend: field(1),
            budget: field(2),
            executions: Some(fields.get(3).and_then(|n| n.parse().ok()).unwrap_or(0)),
            result,
            time: Duration::from_secs_f64(seconds.unwrap_or(0.0).max(0.0)),
            runs: 1,
        }
    }

    pub fn failed(&self) -> bool {
        self.result.starts_with("FAILED")
    }

    /// Folds `next` into `self` if it is the same check run again with the same outcome.
    fn absorb(&mut self, next: &Row) -> bool {
        let same = self.executions.is_some()
            && next.executions.is_some()
            && (
                &self.suite,
                &self.check,
                &self.backend,
                &self.budget,
                &self.result,
            ) == (
                &next.suite,
                &next.check,
                &next.backend,
                &next.budget,
                &next.result,
            );
        if same {
            self.executions = Some(self.executions.unwrap_or(0) + next.executions.unwrap_or(0));
            self.time += next.time;
            self.runs += next.runs;
        }
        same
    }

    fn cells(&self) -> Vec<String> {
        let check = if self.runs > 1 {
            format!("{} (× {} runs)", self.check, self.runs)
        } else {
            self.check.clone()
        };
        vec![
            self.suite.clone(),
            check,
            self.backend.clone(),
            self.budget.clone(),
            self.executions.map_or_else(|| "-".to_owned(), thousands),
            self.result.clone(),
            seconds(self.time),
        ]
    }
}

/// The table of `rows`, with consecutive repeats of one check folded into one row.
pub fn table(rows: &[Row]) -> Table {
    let mut folded: Vec<Row> = Vec::new();
    for row in rows {
        if !folded.last_mut().is_some_and(|last| last.absorb(row)) {
            folded.push(row.clone());
        }
    }
    let mut table = Table::new(&HEADERS, &["executions", "time"]);
    for row in &folded {
        table.row(row.cells());
    }
    table
}

/// The records the harness has appended to one `RACELAB_REPORT` file since we last looked.
pub struct Records {
    path: PathBuf,
    seen: usize,
}

impl Records {
    /// Starts `path` afresh (empty).
    pub fn create(path: PathBuf) -> std::io::Result<Self> {
        std::fs::write(&path, "")?;
        Ok(Records { path, seen: 0 })
    }

    pub fn take_new(&mut self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.path).unwrap_or_default();
        let new: Vec<String> = text.lines().skip(self.seen).map(str::to_owned).collect();
        self.seen += new.len();
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_checks_fold_into_one_row() {
        let rows = [
            Row::record("p", "prop\tshuttle\trandom × 32\t32\t0.010\tpass"),
            Row::record("p", "prop\tshuttle\trandom × 32\t32\t0.030\tpass"),
            Row::record(
                "p",
                "other\tshuttle\trandom × 32\t1200\t1.5\tcaught deadlock",
            ),
            Row::test(
                "p",
                Backend::Shuttle,
                "t::fails",
                "FAILED",
                Duration::from_millis(60),
            ),
        ];
        assert_eq!(
            table(&rows).markdown().lines().skip(2).collect::<Vec<_>>(),
            [
                "| p | prop (× 2 runs) | shuttle | random × 32 | 64 | pass | 0.04 s |",
                "| p | other | shuttle | random × 32 | 1,200 | caught deadlock | 1.50 s |",
                "| p | t::fails | shuttle | - | - | FAILED | 0.06 s |",
            ]
        );
    }
}
