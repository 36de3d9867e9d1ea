//! `cargo xtask verify`: run the loom and shuttle suites one test at a time and tabulate every
//! check: its budget, how many executions it explored, whether it passed, how long it took.
//!
//! The numbers come from the harness: each finished check appends a record to the file named
//! by `RACELAB_REPORT` (`name \t backend \t budget \t executions \t seconds \t result`). With
//! `--test-threads=1` the records written between two libtest results belong to the test that
//! just finished, so a test that failed, or took its binary down, still gets its row.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Suite};
use crate::exec;
use crate::libtest::{Counts, Event, Outcome, Parser};
use crate::progress::Progress;
use crate::records;
use crate::table::seconds;

mod row;

use row::{Records, Row};

pub fn run(root: &Path, backends: &[Backend]) -> ExitCode {
    let started = Instant::now();
    let dir = records::dir(root);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("xtask verify: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut rows = Vec::new();
    let mut tests = Counts::default();
    let mut reports = Vec::new();
    for &backend in backends {
        let suites = match backend.suites(root) {
            Ok(suites) => suites,
            Err(e) => {
                eprintln!("xtask verify: cannot list tests/: {e}");
                return ExitCode::FAILURE;
            }
        };
        if suites.is_empty() {
            println!(
                "\n==> {}: no {}, nothing to verify",
                backend.name(),
                backend.test_glob()
            );
            continue;
        }
        if !build(root, backend, &suites, &mut rows) {
            tests.failed += 1;
            continue;
        }
        for suite in &suites {
            let report = dir.join(format!("verify-{}-{}.tsv", backend.name(), suite.label()));
            tests.add(run_suite(root, backend, suite, &report, &mut rows));
            reports.push(report);
        }
    }
    let passed = finish(&rows, tests, started.elapsed(), &dir);
    let every_backend = Backend::ALL.iter().all(|b| backends.contains(b));
    let catalogue = if !passed {
        println!("catalogue: not rewritten (a check failed)");
        true
    } else if !every_backend {
        println!("catalogue: not rewritten (it needs loom, shuttle and std)");
        true
    } else {
        write_catalogue(root, &reports, &dir.join("verify-records.all"))
    };
    if passed && catalogue {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Rewrites `models/README.md`'s catalogue from this run's records (`reports`, gathered in
/// `all`).
fn write_catalogue(root: &Path, reports: &[PathBuf], all: &Path) -> bool {
    let Some(cargo) = records::catalogue_test(root, "write", all) else {
        return true;
    };
    if let Err(e) = records::concat(reports, all) {
        eprintln!("xtask verify: cannot gather records: {e}");
        return false;
    }
    println!(
        "\n==> catalogue: rewrite models/README.md from {}\n    $ {cargo}",
        all.display()
    );
    match cargo.command(root).status() {
        Ok(status) if status.success() => {
            println!("<== catalogue: models/README.md rewritten (review and commit it)");
            true
        }
        Ok(status) => {
            println!("<== catalogue: FAILED ({})", exec::describe(status));
            false
        }
        Err(e) => {
            println!("<== catalogue: FAILED (cannot run cargo: {e})");
            false
        }
    }
}

/// Builds all of a backend's test binaries at once (cargo builds them in parallel).
fn build(root: &Path, backend: Backend, suites: &[Suite], rows: &mut Vec<Row>) -> bool {
    let cargo = backend
        .cargo(["test", "--no-run"])
        .args(backend.profile())
        .args(Suite::filter_all(suites));
    println!(
        "\n==> {}: build {} test binaries",
        backend.name(),
        suites.len()
    );
    println!("    $ {cargo}");
    let start = Instant::now();
    let progress = Progress::start(format!("{}: building", backend.name()));
    let status = cargo.command(root).status();
    drop(progress);
    let result = match status {
        Ok(s) if s.success() => "ok".to_owned(),
        Ok(s) => format!("FAILED ({})", exec::describe(s)),
        Err(e) => format!("FAILED (cannot run cargo: {e})"),
    };
    println!(
        "<== {} build: {result} in {}",
        backend.name(),
        seconds(start.elapsed())
    );
    let ok = result == "ok";
    if !ok {
        rows.push(Row::test("(build)", backend, "-", &result, start.elapsed()));
    }
    ok
}

/// Runs one test binary, one test at a time, and adds its rows. Returns libtest's counts.
fn run_suite(
    root: &Path,
    backend: Backend,
    suite: &Suite,
    report: &Path,
    rows: &mut Vec<Row>,
) -> Counts {
    let file = suite.label();
    let mut records = match Records::create(report.to_path_buf()) {
        Ok(r) => r,
        Err(e) => {
            rows.push(Row::test(
                file,
                backend,
                "-",
                &format!("FAILED (cannot write {}: {e})", report.display()),
                Duration::ZERO,
            ));
            return Counts {
                failed: 1,
                ..Counts::default()
            };
        }
    };
    let cargo = backend
        .cargo(["test"])
        .args(backend.profile())
        .args(suite.filter())
        .args(["--", "--nocapture", "--test-threads=1"])
        .env("RACELAB_REPORT", report.to_string_lossy());
    println!("\n==> {}: {file}", backend.name());
    println!("    $ {cargo}");
    let file_start = Instant::now();
    let progress = Progress::start(file);
    progress.watch_report(report.to_path_buf());

    let mut parser = Parser::default();
    let mut counts = Counts::default();
    let mut since = Instant::now();
    let mut any_failed = false;
    let status = exec::run_teed(cargo.command(root), &progress, |line| {
        match parser.line(line) {
            Some(Event::Started(name)) => {
                since = Instant::now();
                progress.set_label(format!("{file}: {name}"));
            }
            Some(Event::Finished(name, outcome)) => {
                let new = records.take_new();
                rows.extend(new.iter().map(|r| Row::record(file, r)));
                let result = match outcome {
                    Outcome::Ok => "pass",
                    Outcome::Ignored => "ignored",
                    Outcome::Failed => "FAILED",
                };
                // A test with no checks still gets a row, unless it was ignored.
                if outcome == Outcome::Failed || (new.is_empty() && outcome == Outcome::Ok) {
                    rows.push(Row::test(file, backend, &name, result, since.elapsed()));
                }
                any_failed |= outcome == Outcome::Failed;
                since = Instant::now();
                progress.set_label(file);
            }
            Some(Event::Summary(c)) => counts.add(c),
            None => {}
        }
    });
    drop(progress);

    rows.extend(records.take_new().iter().map(|r| Row::record(file, r)));
    let status = match status {
        Ok(s) => s,
        Err(e) => {
            rows.push(Row::test(
                file,
                backend,
                "-",
                &format!("FAILED (cannot run cargo: {e})"),
                file_start.elapsed(),
            ));
            counts.failed += 1;
            return counts;
        }
    };
    if let Some(name) = parser.running() {
        // The binary died inside this test (loom aborts the process on a double panic).
        let result = format!("FAILED ({})", exec::describe(status));
        rows.push(Row::test(file, backend, name, &result, since.elapsed()));
        counts.failed += 1;
    } else if !status.success() && !any_failed {
        let result = format!("FAILED ({})", exec::describe(status));
        rows.push(Row::test(
            file,
            backend,
            "(test binary)",
            &result,
            file_start.elapsed(),
        ));
        counts.failed += 1;
    }
    println!("<== {file}: {counts} in {}", seconds(file_start.elapsed()));
    counts
}

/// Prints the table, writes it as markdown; true if every check passed.
fn finish(rows: &[Row], tests: Counts, total: Duration, dir: &Path) -> bool {
    let table = row::table(rows);
    let failed = rows.iter().filter(|r| r.failed()).count();
    let verdict = if failed == 0 && tests.failed == 0 {
        format!("all {} checks passed in {}", rows.len(), seconds(total))
    } else {
        format!(
            "{failed} of {} checks FAILED ({})",
            rows.len(),
            seconds(total)
        )
    };
    println!("\n{}", table.text());

    let markdown_path = dir.join("verify.md");
    let markdown = format!(
        "# racelab verify\n\n{verdict}; libtest: {tests}.\n\n{}",
        table.markdown()
    );
    match std::fs::write(&markdown_path, markdown) {
        Ok(()) => println!("table written to {}", markdown_path.display()),
        Err(e) => eprintln!(
            "xtask verify: cannot write {}: {e}",
            markdown_path.display()
        ),
    }
    println!("verify: {verdict}");
    println!("tests: {} passed, {} failed", tests.passed, tests.failed);
    if rows.is_empty() {
        println!("verify: no checks ran");
    }
    failed == 0 && tests.failed == 0 && !rows.is_empty()
}
