//! `cargo xtask test`: the whole matrix, one stage at a time, stopping at the first red one,
//! then a table of the stages (`--costs COLUMN` also writes their times into CONTRIBUTING.md).
//!
//! The test stages run cargo-nextest (see `junit.rs` for why) over each backend's
//! [selection](crate::backend::Backend::selection): one build per backend, shared by its
//! clippy stage's build scripts and proc macros, its test stage, the catalogue stage and
//! `cargo xtask verify`. The loom and shuttle stages record every check in
//! `target/racelab/test-<backend>.tsv` (`RACELAB_REPORT`); the catalogue stage reads those.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Cargo};
use crate::junit::{self, Counts};
use crate::records;
use crate::table::{seconds, Table};

/// The stages' names, in the order they run.
pub const NAMES: [&str; 11] = [
    "fmt",
    "clippy",
    "clippy-loom",
    "clippy-shuttle",
    "std",
    "stress",
    "icount",
    "loom",
    "shuttle",
    "catalogue",
    "miri",
];

/// What a stage checks, for the costs table.
fn what(name: &str) -> &'static str {
    match name {
        "fmt" => "`cargo fmt --check`",
        "clippy" => "std, every target of the workspace (benches included), `-D warnings`",
        "clippy-loom" => "`--cfg loom`: where the std-primitive ban is enforced",
        "clippy-shuttle" => "`--cfg shuttle`",
        "std" => "every std test, one process each (nextest); racelab's doc tests; insta in check mode",
        "stress" => "`tests/stress.rs`, racelab at opt-level 3 with debug assertions, one test at a time",
        "icount" => "callgrind instruction counts vs `benches/icount-baseline.txt`; trace cost",
        "loom" => "`tests/loom_*.rs` and the unit tests (the models') under loom, release (the workspace's own code at opt-level 0)",
        "shuttle" => "`tests/shuttle_*.rs`, `tests/proptest_*.rs`, the unit tests, release (the workspace's own code at opt-level 0)",
        "catalogue" => "`models/README.md`'s table matches the loom and shuttle records",
        "miri" => "the unit tests and `tests/miri_*.rs` under Miri (skipped where the component is missing; the std tiers too: `cargo xtask miri`)",
        _ => "",
    }
}

/// One thing a stage does.
enum Step {
    /// A cargo command; `tests`: a `cargo nextest run`, whose JUnit report counts the tests.
    Cargo { cargo: Cargo, tests: bool },
    /// One of xtask's own commands, run in this process.
    Xtask(&'static str, fn(&Path) -> ExitCode),
    /// Gather records files into one, for the catalogue check.
    Gather { parts: Vec<PathBuf>, out: PathBuf },
}

fn plan(name: &str, root: &Path, passed: &[&str]) -> Result<Vec<Step>, String> {
    let deny = ["--", "-D", "warnings"];
    let listed = |e: std::io::Error| format!("cannot list tests/: {e}");
    let plain = |cargo| Step::Cargo {
        cargo,
        tests: false,
    };
    let tests = |cargo| Step::Cargo { cargo, tests: true };
    Ok(match name {
        "fmt" => vec![plain(Backend::Std.cargo(["fmt", "--all", "--", "--check"]))],
        "clippy" => vec![plain(
            Backend::Std
                .cargo(["clippy", "--workspace", "--all-targets"])
                .args(deny),
        )],
        "clippy-loom" | "clippy-shuttle" => {
            let backend = if name == "clippy-loom" {
                Backend::Loom
            } else {
                Backend::Shuttle
            };
            // The packages the checker's test stage selects (same features, so the build
            // scripts and proc macros built here are the test stage's), every target but the
            // benches (criterion and the anchors are std-only); release, as the tests.
            let packages = [
                "-p",
                "racelab",
                "-p",
                crate::backend::MODELS.0,
                "-p",
                crate::backend::EXAMPLE,
            ];
            vec![plain(
                backend
                    .cargo(["clippy", "--release"])
                    .args(packages)
                    .args(["--lib", "--tests", "--examples"])
                    .args(deny),
            )]
        }
        // nextest runs no doc tests: `cargo test --doc` reuses the library nextest just built.
        // The packages with doc examples only: a package's doc tests link its dev-dependencies,
        // and the benches' (criterion, rayon, plotters, ... at opt-level 2) cost 77 s to build
        // for none.
        "std" => vec![
            tests(Backend::Std.nextest(root).map_err(listed)?),
            plain(Backend::Std.cargo(["test", "--doc", "-p", "racelab", "-p", "queues"])),
        ],
        // The stress and soak tests, ignored by plain `cargo test`, each bounded in time by its
        // own watchdog; one at a time, since each measures contention. Optimised (debug is
        // ~10x slower), but in the std stage's dev build with racelab alone at opt-level 3,
        // debug assertions on: the dependencies are the std stage's (already at 2), so only
        // racelab and the test build (11 s, against 43 s for a release build of the test's
        // dependencies); the runs take as long as in release.
        "stress" => vec![tests(
            Backend::Std
                .cargo(["nextest", "run", "--test", "stress"])
                .args(["--config", "profile.dev.package.racelab.opt-level=3"])
                .args(["--run-ignored", "only", "--test-threads", "1"]),
        )],
        "icount" => vec![Step::Xtask("icount", |root| {
            crate::icount::run(root, false, false)
        })],
        "miri" => vec![Step::Xtask("miri", crate::miri::run_ci)],
        "loom" | "shuttle" => {
            let backend = Backend::from_name(name).expect("a checker backend");
            // LOOM_MAX_PREEMPTIONS stays unset: each check states its own bound.
            let report = fresh_records(root, &format!("test-{name}"))?;
            vec![tests(
                backend
                    .nextest(root)
                    .map_err(listed)?
                    .args(quick_codegen())
                    .env("RACELAB_REPORT", report.to_string_lossy()),
            )]
        }
        "catalogue" => {
            // The catalogue is rendered from the models' loom and shuttle records: this run's,
            // or, where this run did not pass those stages, the models' own runs now.
            let mut steps = Vec::new();
            let mut parts = Vec::new();
            for backend in [Backend::Loom, Backend::Shuttle] {
                let stage = format!("test-{}", backend.name());
                if passed.contains(&backend.name()) {
                    parts.push(records::dir(root).join(format!("{stage}.tsv")));
                } else {
                    let report = fresh_records(root, &format!("catalogue-{}", backend.name()))?;
                    let cargo = records::models_run(root, backend, &report).map_err(listed)?;
                    steps.push(tests(cargo.args(quick_codegen())));
                    parts.push(report);
                }
            }
            let out = records::dir(root).join("test-records.tsv");
            let Some(check) = records::catalogue_test(root, "check", &out).map_err(listed)? else {
                return Ok(Vec::new());
            };
            steps.push(Step::Gather { parts, out });
            // The shuttle stage's build (a different opt-level would rebuild it: 1 min 50 s).
            steps.push(tests(check.args(quick_codegen())));
            steps
        }
        _ => unreachable!("unknown stage {name}"),
    })
}

/// cargo arguments that build the workspace's own packages at `opt-level = 0` in the checker
/// stages' release builds; their dependencies (loom, shuttle, proptest, ...) keep release's 3.
///
/// CI builds from nothing, so there the build is most of a checker stage. Measured on the
/// 2-core machine with the dependencies built (build of racelab, the models and the example
/// crate with every test binary, then the run): loom 72 s + 28 s at opt-level 3, 52 s + 28 s
/// at 1, 13 s + 53 s at 0; shuttle 119 s + 38 s, 92 s + 37 s, 23 s + 91 s. The checkers' own
/// code is most of a run, and is optimised either way. `cargo xtask verify`, which runs the
/// checks for their figures and is run warm, builds everything at 3.
fn quick_codegen() -> Vec<String> {
    [
        crate::backend::LIBRARY,
        crate::backend::MODELS.0,
        crate::backend::EXAMPLE,
    ]
    .iter()
    .flat_map(|package| {
        [
            "--config".to_owned(),
            format!("profile.release.package.{package}.opt-level=0"),
        ]
    })
    .collect()
}

/// A fresh `target/racelab/<name>.tsv`.
fn fresh_records(root: &Path, name: &str) -> Result<PathBuf, String> {
    records::fresh(root, name).map_err(|e| format!("cannot create target/racelab/: {e}"))
}

/// Runs `step`, adding the tests it ran to `tests`.
fn run_step(step: &Step, root: &Path, tests: &mut Counts) -> Result<(), String> {
    match step {
        Step::Cargo { cargo, tests: true } => {
            println!("    $ {cargo}");
            let (status, report) = junit::run(cargo, root)?;
            tests.add(report.counts());
            if status.success() {
                Ok(())
            } else {
                Err(format!("{} ({cargo})", crate::exec::describe(status)))
            }
        }
        Step::Cargo {
            cargo,
            tests: false,
        } => {
            println!("    $ {cargo}");
            let status = cargo
                .command(root)
                .status()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if status.success() {
                Ok(())
            } else {
                Err(format!("{} ({cargo})", crate::exec::describe(status)))
            }
        }
        Step::Xtask(command, run) => {
            println!("    $ cargo xtask {command}");
            if run(root) == ExitCode::SUCCESS {
                Ok(())
            } else {
                Err(format!("`cargo xtask {command}` failed"))
            }
        }
        Step::Gather { parts, out } => {
            let n = records::concat(parts, out)
                .map_err(|e| format!("cannot gather the records: {e}"))?;
            println!("    {n} records of the models' loom and shuttle runs");
            Ok(())
        }
    }
}

struct Outcome {
    name: &'static str,
    result: String,
    tests: Counts,
    time: Option<Duration>,
}

/// Runs the stages in `selected` (names from [`NAMES`], in that order); with `costs`, a green
/// run of every stage writes its times into that column of CONTRIBUTING.md's costs table.
pub fn run(root: &Path, selected: &[&'static str], costs: Option<&str>) -> ExitCode {
    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut passed: Vec<&str> = Vec::new();
    let mut failure: Option<String> = None;
    for (i, &name) in selected.iter().enumerate() {
        println!("\n==> [{}/{}] {name}", i + 1, selected.len());
        let stage_start = Instant::now();
        let mut tests = Counts::default();
        let result = plan(name, root, &passed).and_then(|steps| {
            steps
                .iter()
                .try_for_each(|step| run_step(step, root, &mut tests))
        });
        let time = stage_start.elapsed();
        let shown = if result.is_ok() { "ok" } else { "FAILED" };
        println!("<== {name}: {shown} in {}", seconds(time));
        outcomes.push(Outcome {
            name,
            result: shown.to_owned(),
            tests,
            time: Some(time),
        });
        match result {
            Ok(()) => passed.push(name),
            Err(e) => {
                failure = Some(format!(
                    "stage {name} failed: {e}; rerun it alone with `cargo xtask test --only {name}`"
                ));
                break;
            }
        }
    }
    for &name in &selected[outcomes.len()..] {
        outcomes.push(Outcome {
            name,
            result: "not run".into(),
            tests: Counts::default(),
            time: None,
        });
    }
    let total = started.elapsed();
    summary(&outcomes, total);
    if let Some(column) = costs {
        if failure.is_none() && selected == NAMES {
            write_costs(root, column, &outcomes, total);
        } else {
            println!("costs: not written (only a green run of every stage is a measurement)");
        }
    }
    match failure {
        None => ExitCode::SUCCESS,
        Some(e) => {
            println!("xtask test: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the stage table and the closing line.
fn summary(outcomes: &[Outcome], total: Duration) {
    let mut table = Table::new(&["stage", "result", "tests", "time"], &["time"]);
    let mut all = Counts::default();
    for o in outcomes {
        all.add(o.tests);
        let tests = if o.tests.is_empty() {
            String::new()
        } else {
            o.tests.to_string()
        };
        let time = o.time.map(seconds).unwrap_or_default();
        table.row(vec![o.name.to_owned(), o.result.clone(), tests, time]);
    }
    table.row(vec![
        "total".into(),
        String::new(),
        String::new(),
        seconds(total),
    ]);
    println!("\n{}", table.text());
    // The one closing line a CI log reader looks for: every test of every stage.
    println!("tests: {all}");
}

/// Writes this run's stage times (and test counts) into `column` of CONTRIBUTING.md's costs
/// table, keeping its other columns and any text around the table.
fn write_costs(root: &Path, column: &str, outcomes: &[Outcome], total: Duration) {
    let file = root.join("CONTRIBUTING.md");
    let old = records::block(&file, "costs").unwrap_or_default();
    let cells = |name: &str, tests: Option<Counts>, time: Duration| {
        let mut cells = vec![(column.to_owned(), seconds(time))];
        if let Some(tests) = tests.filter(|t| !t.is_empty()) {
            cells.push(("tests".to_owned(), tests.passed.to_string()));
        }
        (name.to_owned(), cells)
    };
    let mut rows: Vec<(String, Vec<(String, String)>)> = outcomes
        .iter()
        .map(|o| cells(o.name, Some(o.tests), o.time.unwrap_or_default()))
        .collect();
    rows.push(cells("total", None, total));
    let content = costs_block(&old, &rows);
    match records::splice(&file, "costs", &content) {
        Ok(true) => {
            println!("costs: CONTRIBUTING.md's \"{column}\" column written (review and commit it)")
        }
        Ok(false) => println!("costs: CONTRIBUTING.md unchanged"),
        Err(e) => println!("costs: not written ({e})"),
    }
}

/// The costs block `old` with `updates` (per stage: (column, cell)) merged into its table:
/// columns `stage`, `what`, `tests`, then the time columns in the order they first appeared.
fn costs_block(old: &str, updates: &[(String, Vec<(String, String)>)]) -> String {
    let split = |line: &str| -> Vec<String> {
        let line = line.trim().trim_start_matches('|').trim_end_matches('|');
        line.split('|').map(|c| c.trim().to_owned()).collect()
    };
    let lines: Vec<&str> = old.lines().collect();
    let first = lines.iter().position(|l| l.starts_with('|'));
    let last = lines.iter().rposition(|l| l.starts_with('|'));
    let (before, table, after) = match (first, last) {
        (Some(a), Some(b)) => (&lines[..a], &lines[a..=b], &lines[b + 1..]),
        _ => (&lines[..], &lines[..0], &lines[..0]),
    };
    let mut headers: Vec<String> = ["stage", "what", "tests"].map(str::to_owned).to_vec();
    let mut cells: Vec<(String, Vec<(String, String)>)> = Vec::new();
    if let Some((header, body)) = table.split_first() {
        let old_headers = split(header);
        for h in &old_headers {
            if !headers.contains(h) {
                headers.push(h.clone());
            }
        }
        for line in body.iter().skip(1) {
            let row = split(line);
            let stage = row.first().cloned().unwrap_or_default();
            let named = old_headers.iter().cloned().zip(row).collect();
            cells.push((stage, named));
        }
    }
    for (stage, new) in updates {
        for (column, _) in new {
            if !headers.contains(column) {
                headers.push(column.clone());
            }
        }
        match cells.iter_mut().find(|(s, _)| s == stage) {
            Some((_, row)) => {
                row.retain(|(c, _)| !new.iter().any(|(n, _)| n == c));
                row.extend(new.iter().cloned());
            }
            None => cells.push((stage.clone(), new.clone())),
        }
    }
    let order = |stage: &str| {
        NAMES
            .iter()
            .position(|n| *n == stage)
            .unwrap_or(NAMES.len())
    };
    cells.sort_by_key(|(stage, _)| order(stage));
    let mut out = String::new();
    for line in before {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!(
        "| {} |\n|{}\n",
        headers.join(" | "),
        "---|".repeat(headers.len())
    ));
    for (stage, row) in &cells {
        let cell = |h: &str| match h {
            "stage" => stage.clone(),
            "what" => what(stage).to_owned(),
            _ => row
                .iter()
                .find(|(c, _)| c == h)
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        };
        let row: Vec<String> = headers.iter().map(|h| cell(h)).collect();
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    for line in after {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_merge_one_column_and_keep_the_others() {
        let old = "Measured on two cores.\n\n\
                   | stage | what | tests | cold | warm |\n|---|---|---|---|---|\n\
                   | fmt | old words | | 0.2 s | 0.1 s |\n\
                   | total | | | 7 min | 3 min |\n\nNot in xtask test: verify.\n";
        let updates = vec![
            (
                "fmt".to_owned(),
                vec![("warm".to_owned(), "0.30 s".to_owned())],
            ),
            (
                "std".to_owned(),
                vec![
                    ("warm".to_owned(), "17 s".to_owned()),
                    ("tests".to_owned(), "160".to_owned()),
                ],
            ),
            (
                "total".to_owned(),
                vec![("warm".to_owned(), "2 min".to_owned())],
            ),
        ];
        let std_what = what("std");
        assert_eq!(
            costs_block(old, &updates),
            format!(
                "Measured on two cores.\n\n\
                 | stage | what | tests | cold | warm |\n|---|---|---|---|---|\n\
                 | fmt | `cargo fmt --check` |  | 0.2 s | 0.30 s |\n\
                 | std | {std_what} | 160 |  | 17 s |\n\
                 | total |  |  | 7 min | 2 min |\n\nNot in xtask test: verify.\n"
            )
        );
    }
}
