//! The rows of `verify`'s tables: one per recorded check (repeats folded), or per failed test.

use std::time::Duration;

use crate::junit::Case;
use crate::table::{seconds, thousands, Table};

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub check: String,
    pub budget: String,
    /// `None` for a row that stands for a failed test rather than a recorded check.
    pub executions: Option<u64>,
    pub result: String,
    pub time: Duration,
    /// How many identical checks this row sums up (a proptest runs one per generated case).
    pub runs: u32,
}

impl Row {
    /// A row for one `RACELAB_REPORT` record:
    /// `name \t backend \t budget \t executions \t seconds \t result`.
    pub fn record(record: &str) -> Self {
        let fields: Vec<&str> = record.split('\t').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("?").to_owned();
        let seconds = fields.get(4).and_then(|s| s.parse::<f64>().ok());
        let result = match fields.get(5..) {
            Some([verdict]) => (*verdict).to_owned(),
            Some([verdict, more @ ..]) => format!("{verdict} ({})", more.join(", ")),
            _ => "?".to_owned(),
        };
        Row {
            check: field(0),
            budget: field(2),
            executions: Some(fields.get(3).and_then(|n| n.parse().ok()).unwrap_or(0)),
            result,
            time: Duration::from_secs_f64(seconds.unwrap_or(0.0).max(0.0)),
            runs: 1,
        }
    }

    /// A row for a test that failed (its checks may have left no record).
    pub fn failed_test(case: &Case) -> Self {
        Row {
            check: case.name.clone(),
            budget: "-".into(),
            executions: None,
            result: "FAILED".into(),
            time: Duration::from_secs_f64(case.seconds.max(0.0)),
            runs: 1,
        }
    }

    pub fn failed(&self) -> bool {
        self.result.starts_with("FAILED")
    }

    /// Found nothing in its whole budget.
    pub fn missed(&self) -> bool {
        self.result == "not found"
    }

    /// One of the catalogue's shuttle measurement runs (`<model>/measure-<scheduler>-seed<n>`,
    /// see `models/lab.rs`), hidden unless asked for.
    pub fn measurement(&self) -> bool {
        self.check.contains("/measure-")
    }

    /// Folds `next` into `self` if it is the same check run again with the same outcome.
    fn absorb(&mut self, next: &Row) -> bool {
        let same = self.executions.is_some()
            && next.executions.is_some()
            && (&self.check, &self.budget, &self.result)
                == (&next.check, &next.budget, &next.result);
        if same {
            self.executions = Some(self.executions.unwrap_or(0) + next.executions.unwrap_or(0));
            self.time += next.time;
            self.runs += next.runs;
        }
        same
    }

    fn check_cell(&self) -> String {
        if self.runs > 1 {
            format!("{} (× {} runs)", self.check, self.runs)
        } else {
            self.check.clone()
        }
    }

    fn executions_cell(&self) -> String {
        self.executions.map_or_else(|| "-".to_owned(), thousands)
    }
}

/// `rows`, failed tests first, then sorted by check (tests run in parallel, so records arrive
/// in any order), with the repeats of one check folded into one row.
pub fn fold(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by(|a, b| (!a.failed(), &a.check).cmp(&(!b.failed(), &b.check)));
    let mut folded: Vec<Row> = Vec::new();
    for row in rows {
        if !folded.last_mut().is_some_and(|last| last.absorb(&row)) {
            folded.push(row);
        }
    }
    folded
}

/// verify's table of one backend's rows.
pub fn table<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Table {
    let mut table = Table::new(
        &["check", "budget", "executions", "result", "time"],
        &["executions", "time"],
    );
    for row in rows {
        table.row(vec![
            row.check_cell(),
            row.budget.clone(),
            row.executions_cell(),
            row.result.clone(),
            seconds(row.time),
        ]);
    }
    table
}

/// CONTRIBUTING.md's loom state-space table: only the deterministic columns (a time would
/// change the file on every run).
pub fn loom_counts<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Table {
    let mut table = Table::new(&["check", "bound", "executions", "result"], &["executions"]);
    for row in rows {
        table.row(vec![
            row.check_cell(),
            row.budget.clone(),
            row.executions_cell(),
            row.result.clone(),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_first_then_repeats_folded_into_one_sorted_row() {
        let rows = vec![
            Row::record("prop\tshuttle\trandom × 32\t32\t0.010\tpass"),
            Row::record("other\tshuttle\trandom × 32\t1200\t1.5\tcaught deadlock"),
            Row::record("prop\tshuttle\trandom × 32\t32\t0.030\tpass"),
            Row::failed_test(&Case {
                binary: "racelab::shuttle_pool".into(),
                name: "fails".into(),
                seconds: 0.06,
                failure: Some("boom".into()),
            }),
        ];
        assert_eq!(
            table(&fold(rows))
                .markdown()
                .lines()
                .skip(2)
                .collect::<Vec<_>>(),
            [
                "| fails | - | - | FAILED | 0.06 s |",
                "| other | random × 32 | 1,200 | caught deadlock | 1.50 s |",
                "| prop (× 2 runs) | random × 32 | 64 | pass | 0.04 s |",
            ]
        );
    }
}
