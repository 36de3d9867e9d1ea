//! Running tests with cargo-nextest and reading what it reports.
//!
//! Why nextest: it runs each test in its own process (a loom abort takes down one test, not
//! its binary), and it writes a JUnit report (`.config/nextest.toml`), a stable
//! machine-readable record of every test: its binary, name, time and failure. libtest's own
//! JSON output is nightly-only and nextest's `libtest-json` is experimental. nextest does not
//! run doc tests: the std stage runs `cargo test --doc` beside it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use crate::backend::Cargo;
use crate::exec;

/// Passed and failed tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }

    pub fn is_empty(self) -> bool {
        self == Counts::default()
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

/// One test as the JUnit report has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// nextest's binary id: `racelab::loom_lock`, `racelab-models`.
    pub binary: String,
    pub name: String,
    pub seconds: f64,
    /// The first lines of the failure (panic location and message, or the signal).
    pub failure: Option<String>,
}

/// The tests of one nextest run.
#[derive(Debug, Default)]
pub struct Report {
    pub cases: Vec<Case>,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let failed = self.cases.iter().filter(|c| c.failure.is_some()).count() as u64;
        Counts {
            passed: self.cases.len() as u64 - failed,
            failed,
        }
    }

    pub fn failures(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().filter(|c| c.failure.is_some())
    }

    /// Parses nextest's JUnit XML (the Jenkins format: a `testsuite` per binary, a `testcase`
    /// per test, a `failure` or `error` child when it failed).
    pub fn parse(xml: &str) -> Result<Report, String> {
        let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
        let mut cases = Vec::new();
        for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
            let failure = case
                .children()
                .find(|n| n.has_tag_name("failure") || n.has_tag_name("error"))
                .map(|n| {
                    let text = n.text().unwrap_or_default();
                    let lines: Vec<&str> = text
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .take(2)
                        .collect();
                    if lines.is_empty() {
                        n.attribute("message").unwrap_or("failed").to_owned()
                    } else {
                        lines.join(" ")
                    }
                });
            cases.push(Case {
                binary: case.attribute("classname").unwrap_or_default().to_owned(),
                name: case.attribute("name").unwrap_or_default().to_owned(),
                seconds: case
                    .attribute("time")
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0.0),
                failure,
            });
        }
        Ok(Report { cases })
    }
}

/// Where nextest writes the report: under the workspace's `target/`, whatever the target dir.
fn path(root: &Path) -> PathBuf {
    root.join("target/nextest/default/junit.xml")
}

/// Runs `cargo` (a `cargo nextest run`), its output straight to our terminal, and reads the
/// JUnit report it wrote. `Err` if it could not run or wrote no report (a build error, say).
pub fn run(cargo: &Cargo, root: &Path) -> Result<(ExitStatus, Report), String> {
    let junit = path(root);
    // A report left by an earlier run must not pass for this one's.
    let _ = std::fs::remove_file(&junit);
    let status = cargo
        .command(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let xml = std::fs::read_to_string(&junit).map_err(|_| {
        format!(
            "{} and no test report ({} not written: a build error above, or cargo-nextest \
             missing: `cargo install cargo-nextest --locked`)",
            exec::describe(status),
            junit.display()
        )
    })?;
    let report = Report::parse(&xml).map_err(|e| format!("{}: {e}", junit.display()))?;
    Ok((status, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_passes_failures_and_aborts() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="3" failures="2" errors="0">
  <testsuite name="racelab::loom_lock" tests="3" failures="2">
    <testcase name="lock_2x2" classname="racelab::loom_lock" time="0.390"/>
    <testcase name="aborts" classname="racelab::loom_lock" time="0.011">
      <failure message="process aborted with signal 6 (SIGABRT)" type="test abort">process aborted with signal 6 (SIGABRT)</failure>
      <system-out>running 1 test</system-out>
    </testcase>
    <testcase name="fails" classname="racelab::loom_lock" time="0.25">
      <failure message="thread &apos;fails&apos; panicked at src/lib.rs:17:22" type="test failure">thread &apos;fails&apos; panicked at src/lib.rs:17:22:
assertion `left == right` failed: boom
  left: 1</failure>
    </testcase>
  </testsuite>
</testsuites>"#;
        let report = Report::parse(xml).unwrap();
        assert_eq!(
            report.counts(),
            Counts {
                passed: 1,
                failed: 2
            }
        );
        assert_eq!(
            report.cases[0],
            Case {
                binary: "racelab::loom_lock".into(),
                name: "lock_2x2".into(),
                seconds: 0.39,
                failure: None
            }
        );
        assert_eq!(
            report.cases[1].failure.as_deref(),
            Some("process aborted with signal 6 (SIGABRT)")
        );
        assert_eq!(
            report.cases[2].failure.as_deref(),
            Some(
                "thread 'fails' panicked at src/lib.rs:17:22: assertion `left == right` failed: boom"
            )
        );
    }
}
