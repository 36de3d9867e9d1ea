//! `cargo xtask verify`: run the loom, shuttle and std suites and tabulate every check: its
//! budget, how many executions it explored, what it found, how long it took.
//!
//! Each backend is one `cargo nextest run`, the same invocation as its `cargo xtask test`
//! stage (so it reuses that build); std runs only the models. The tests' outcomes come from
//! nextest's JUnit report, the checks' numbers from the harness: each finished check appends a
//! record to the file named by `RACELAB_REPORT`. Then the summary (failures, expected misses and
//! why), a legend and one table per backend; also in `target/racelab/verify.txt`. When loom and
//! shuttle both pass, `models/README.md`'s catalogue is rewritten (if it changed); when loom
//! passes, so is CONTRIBUTING.md's loom-counts table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::backend::{Backend, MODELS};
use crate::junit::{self, Counts};
use crate::records;
use crate::table::seconds;

mod row;

use row::Row;

/// Why a check that found nothing is expected to (its test asserts the miss, or asserts
/// nothing; a miss a test did not expect fails that test): its backend, the end of its name,
/// the reason.
const EXPECTED_MISSES: [(Backend, &str, &str); 2] = [
    (
        Backend::Shuttle,
        "/buggy",
        "shuttle runs every atomic as SeqCst, so weak-memory bugs are loom's alone",
    ),
    (
        Backend::Std,
        "/buggy-std",
        "plain threads, 1,000 runs: real scheduling need not hit the window (std stress proves nothing either way)",
    ),
];

const LEGEND: &str = "\
legend:
  check       the name its test gives it: <model>/buggy, <model>/fixed, <model>/buggy-pct (PCT
              scheduler), <model>/buggy-std (plain threads); `(× n runs)`: n identical checks
  budget      loom: the preemption bound (unbounded: every interleaving); shuttle: scheduler
              × iterations; std: runs
  executions  interleavings (loom), schedules (shuttle) or runs (std) explored; for a caught
              bug, up to and including the failing one
  result      pass: the whole budget passed; caught <kind>: the bug was found, as expected;
              not found: the whole budget passed although the code has the bug (see above);
              FAILED: the test failed
  time        wall time, with tests running side by side
";

/// What one backend's run produced.
struct Run {
    backend: Backend,
    rows: Vec<Row>,
    tests: Counts,
    /// Failed tests (binary, name: first lines), or why nothing ran.
    failures: Vec<String>,
}

pub fn run(root: &Path, backends: &[Backend], all: bool) -> ExitCode {
    let started = Instant::now();
    let mut runs = Vec::new();
    let mut reports = Vec::new();
    for &backend in backends {
        match run_backend(root, backend) {
            Ok((run, report)) => {
                runs.push(run);
                reports.push((backend, report));
            }
            Err(e) => {
                eprintln!("xtask verify: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let text = summary(&runs, started.elapsed(), all);
    println!("\n{text}");
    let markdown_path = records::dir(root).join("verify.txt");
    match std::fs::write(&markdown_path, summary(&runs, started.elapsed(), true)) {
        Ok(()) => println!(
            "written to {} (measurements included)",
            markdown_path.display()
        ),
        Err(e) => eprintln!(
            "xtask verify: cannot write {}: {e}",
            markdown_path.display()
        ),
    }

    let passed = |b: Backend| runs.iter().any(|r| r.backend == b && r.failures.is_empty());
    let mut ok = runs.iter().all(|r| r.failures.is_empty());
    if passed(Backend::Loom) {
        let loom = runs.iter().find(|r| r.backend == Backend::Loom);
        ok &= write_loom_counts(root, &loom.expect("loom ran").rows);
    }
    if passed(Backend::Loom) && passed(Backend::Shuttle) {
        let parts: Vec<PathBuf> = reports
            .iter()
            .filter(|(b, _)| *b != Backend::Std)
            .map(|(_, p)| p.clone())
            .collect();
        ok &= write_catalogue(root, &parts);
    } else {
        println!(
            "catalogue: not rewritten (it needs loom and shuttle, both passing: \
             `cargo xtask verify loom shuttle`)"
        );
    }
    let tests = runs.iter().fold(Counts::default(), |mut all, r| {
        all.add(r.tests);
        all
    });
    println!("{}", verdict(&runs, started.elapsed()));
    println!("tests: {tests}");
    if ok && tests.passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs one backend's tests with a fresh records file; returns the run and that file.
fn run_backend(root: &Path, backend: Backend) -> Result<(Run, PathBuf), String> {
    let report = records::fresh(root, &format!("verify-{}", backend.name()))
        .map_err(|e| format!("cannot create target/racelab/: {e}"))?;
    let mut cargo = backend
        .nextest(root)
        .map_err(|e| format!("cannot list tests/: {e}"))?
        .env("RACELAB_REPORT", report.to_string_lossy());
    if backend == Backend::Std {
        cargo = cargo.args(["-E".to_owned(), format!("package({})", MODELS.0)]);
    }
    println!("\n==> {}\n    $ {cargo}", backend.name());
    let start = Instant::now();
    let mut run = Run {
        backend,
        rows: Vec::new(),
        tests: Counts::default(),
        failures: Vec::new(),
    };
    match junit::run(&cargo, root) {
        Ok((status, tests)) => {
            run.tests = tests.counts();
            for case in tests.failures() {
                run.rows.push(Row::failed_test(case));
                let why = case.failure.as_deref().unwrap_or_default();
                run.failures
                    .push(format!("{} {}: {why}", case.binary, case.name));
            }
            if !status.success() && run.failures.is_empty() {
                run.failures
                    .push(format!("nextest: {}", crate::exec::describe(status)));
            }
        }
        Err(e) => run.failures.push(e),
    }
    let recorded = records::read(&report).map_err(|e| format!("{}: {e}", report.display()))?;
    run.rows.extend(recorded.iter().map(|r| Row::record(r)));
    run.rows = row::fold(std::mem::take(&mut run.rows));
    println!(
        "<== {}: {} in {}",
        backend.name(),
        run.tests,
        seconds(start.elapsed())
    );
    Ok((run, report))
}

/// The one total: tests passed and failed, over every backend.
fn verdict(runs: &[Run], total: Duration) -> String {
    let mut tests = Counts::default();
    let mut per_backend = Vec::new();
    for run in runs {
        tests.add(run.tests);
        per_backend.push(format!(
            "{} {}",
            run.backend.name(),
            run.tests.passed + run.tests.failed
        ));
    }
    let failed = runs.iter().map(|r| r.failures.len()).sum::<usize>();
    let what = if failed == 0 {
        "all passed".to_owned()
    } else {
        format!("{failed} FAILED")
    };
    format!(
        "verify: {} tests ({}), {what}, in {}",
        tests.passed + tests.failed,
        per_backend.join(", "),
        seconds(total)
    )
}

/// Failures first, then the expected misses and why, what is hidden, the legend, the tables.
fn summary(runs: &[Run], total: Duration, all: bool) -> String {
    let mut out = verdict(runs, total);
    out.push('\n');
    let failures: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.failures
                .iter()
                .map(|f| format!("  {:<8} {f}", r.backend.name()))
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(
            out,
            "\nFAILED ({}):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    let mut misses = String::new();
    let mut missed = 0;
    for run in runs {
        let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
        for row in run.rows.iter().filter(|r| r.missed() && !r.measurement()) {
            let reason = EXPECTED_MISSES
                .iter()
                .find(|(b, end, _)| *b == run.backend && row.check.ends_with(end))
                .map_or("its test expects nothing to be found", |(_, _, why)| why);
            match by_reason.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, checks)) => checks.push(&row.check),
                None => by_reason.push((reason, vec![&row.check])),
            }
        }
        for (reason, checks) in by_reason {
            missed += checks.len();
            let _ = writeln!(
                misses,
                "  {:<8} {} ({}): {reason}",
                run.backend.name(),
                checks.join(", "),
                checks.len()
            );
        }
    }
    if missed > 0 {
        let _ = writeln!(
            out,
            "\nexpected misses ({missed}): the bug is there and was not found, as the test expects\n{misses}"
        );
    }
    let measurements: usize = runs
        .iter()
        .flat_map(|r| &r.rows)
        .filter(|r| r.measurement())
        .map(|r| r.runs as usize)
        .sum();
    if measurements > 0 {
        let _ = writeln!(
            out,
            "{} {measurements} measurement runs (<model>/measure-<scheduler>-seed<n>: the shuttle \
             medians of models/README.md's catalogue){}",
            if all { "shown:" } else { "hidden:" },
            if all { "" } else { "; --all shows them" }
        );
    }
    let _ = write!(out, "\n{LEGEND}");
    for run in runs {
        let rows: Vec<&Row> = run
            .rows
            .iter()
            .filter(|r| all || !r.measurement())
            .collect();
        let _ = write!(
            out,
            "\n{} ({}):\n{}",
            run.backend.name(),
            run.tests,
            row::table(rows).text()
        );
    }
    out
}

/// CONTRIBUTING.md's loom-counts block, from this run's loom rows.
fn write_loom_counts(root: &Path, rows: &[Row]) -> bool {
    let table = row::loom_counts(rows.iter().filter(|r| !r.failed())).markdown();
    match records::splice(&root.join("CONTRIBUTING.md"), "loom-counts", &table) {
        Ok(true) => {
            println!("loom counts: CONTRIBUTING.md's table rewritten (review and commit it)");
            true
        }
        Ok(false) => {
            println!("loom counts: CONTRIBUTING.md's table unchanged");
            true
        }
        Err(e) => {
            println!("loom counts: FAILED ({e})");
            false
        }
    }
}

/// Rewrites `models/README.md`'s catalogue from this run's loom and shuttle records.
fn write_catalogue(root: &Path, parts: &[PathBuf]) -> bool {
    let all = records::dir(root).join("verify-records.tsv");
    let cargo = match records::catalogue_test(root, "write", &all) {
        Ok(Some(cargo)) => cargo,
        Ok(None) => return true,
        Err(e) => {
            println!("catalogue: FAILED ({e})");
            return false;
        }
    };
    if let Err(e) = records::concat(parts, &all) {
        println!("catalogue: FAILED (cannot gather the records: {e})");
        return false;
    }
    let readme = root.join(MODELS.1).join("README.md");
    let before = std::fs::read_to_string(&readme).unwrap_or_default();
    println!(
        "\n==> catalogue: rewrite {}\n    $ {cargo}",
        readme.display()
    );
    match junit::run(&cargo, root) {
        Ok((status, _)) if status.success() => {
            let after = std::fs::read_to_string(&readme).unwrap_or_default();
            if after == before {
                println!("catalogue: models/README.md unchanged");
            } else {
                println!("catalogue: models/README.md rewritten (review and commit it)");
            }
            true
        }
        Ok((status, _)) => {
            println!("catalogue: FAILED ({})", crate::exec::describe(status));
            false
        }
        Err(e) => {
            println!("catalogue: FAILED ({e})");
            false
        }
    }
}
