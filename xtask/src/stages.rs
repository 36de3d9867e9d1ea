//! `cargo xtask test`: the whole matrix, one stage at a time, stopping at the first red one.
//!
//! | stage | what it runs |
//! |---|---|
//! | fmt | `cargo fmt --all -- --check` |
//! | clippy | `cargo clippy --workspace --all-targets -- -D warnings` |
//! | clippy-loom, clippy-shuttle | the same for the checker's build (no xtask, no benches; release, as the tests) |
//! | std | `cargo test --workspace`: unit, integration and doc tests, insta snapshots (never written) |
//! | loom | every `tests/loom_*.rs` and the models' unit tests, release, with debug assertions |
//! | shuttle | every `tests/shuttle_*.rs`, `tests/proptest_*.rs` and the models' unit tests, release |
//! | catalogue | `models/README.md`'s table matches what the loom and shuttle stages measured |
//!
//! The test stages record every check in `target/racelab/test-<backend>.tsv`
//! (`RACELAB_REPORT`); the catalogue stage reads those.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Cargo, Suite};
use crate::exec;
use crate::libtest::{Counts, Event, Parser};
use crate::progress::Progress;
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

/// What one stage will do.
enum Plan {
    /// Run cargo; `must_test`: the stage is red if no test ran (a filter that matched nothing).
    Run { cargo: Cargo, must_test: bool },
    /// Nothing to run, with the reason.
    Skip(String),
}

fn plan(name: &str, root: &Path) -> Result<Plan, String> {
    let deny = ["--", "-D", "warnings"];
    let cargo = match name {
        "fmt" => Backend::Std.cargo(["fmt", "--all", "--", "--check"]),
        "clippy" => Backend::Std
            .cargo(["clippy", "--workspace", "--all-targets"])
            .args(deny),
        "clippy-loom" | "clippy-shuttle" => {
            let backend = if name == "clippy-loom" {
                Backend::Loom
            } else {
                Backend::Shuttle
            };
            // Everything a checker builds: all packages but xtask (tooling), all targets but
            // the benches (criterion and the baselines are std-only dev-dependencies).
            // --release: the test stage builds release too, and the two share build scripts
            // and proc macros only when the profile matches.
            let all = [
                "--workspace",
                "--exclude",
                "xtask",
                "--lib",
                "--tests",
                "--examples",
            ];
            backend.cargo(["clippy", "--release"]).args(all).args(deny)
        }
        // --no-fail-fast: one red test binary does not hide the next one's results.
        // INSTA_UPDATE=no: a changed snapshot fails the run and is never written over.
        "std" => Backend::Std
            .cargo(["test", "--workspace", "--no-fail-fast"])
            .env("INSTA_UPDATE", "no")
            .env("RACELAB_REPORT", fresh_records(root, Backend::Std)?),
        // The stress and soak tests: release (debug is ~10x slower), ignored by plain
        // `cargo test`, each bounded in time by its own watchdog.
        "stress" => Backend::Std
            .cargo(["test", "--release", "--test", "stress"])
            .args(["--", "--ignored", "--test-threads=1"]),
        // Instruction counts against benches/icount-baseline.txt, and the trace-cost check;
        // skips with a message where valgrind is absent.
        "icount" => Backend::Std.cargo(["run", "--quiet", "--package", "xtask", "--", "icount"]),
        // The std tests under Miri; skips with a message where the nightly miri component is
        // not available.
        "miri" => Backend::Std.cargo(["run", "--quiet", "--package", "xtask", "--", "miri"]),
        "loom" | "shuttle" => {
            let backend = Backend::from_name(name).expect("a checker backend");
            let suites = backend
                .suites(root)
                .map_err(|e| format!("cannot list tests/: {e}"))?;
            if suites.is_empty() {
                return Ok(Plan::Skip(format!("no {}", backend.test_glob())));
            }
            // LOOM_MAX_PREEMPTIONS stays unset: each check states its own bound.
            backend
                .cargo(["test", "--release", "--no-fail-fast"])
                .args(Suite::filter_all(&suites))
                .env("INSTA_UPDATE", "no")
                .env("RACELAB_REPORT", fresh_records(root, backend)?)
        }
        "catalogue" => {
            let dir = records::dir(root);
            let all = dir.join("test-records.tsv");
            let parts: Vec<PathBuf> = [Backend::Loom, Backend::Shuttle, Backend::Std]
                .map(|b| dir.join(format!("test-{}.tsv", b.name())))
                .to_vec();
            let Some(cargo) = records::catalogue_test(root, "check", &all) else {
                return Ok(Plan::Skip("no models/catalogue.rs".into()));
            };
            let n =
                records::concat(&parts, &all).map_err(|e| format!("cannot gather records: {e}"))?;
            println!("    {n} records from the std, loom and shuttle stages");
            return Ok(Plan::Run {
                cargo,
                must_test: true,
            });
        }
        _ => unreachable!("unknown stage {name}"),
    };
    Ok(Plan::Run {
        cargo,
        must_test: false,
    })
}

/// A fresh `target/racelab/test-<backend>.tsv`, as a string for the environment.
fn fresh_records(root: &Path, backend: Backend) -> Result<String, String> {
    let path = records::fresh(root, &format!("test-{}", backend.name()))
        .map_err(|e| format!("cannot create target/racelab/: {e}"))?;
    Ok(path.to_string_lossy().into_owned())
}

struct Outcome {
    name: &'static str,
    result: String,
    tests: Counts,
    time: Option<Duration>,
}

/// Runs the stages in `selected` (names from [`NAMES`], in that order).
pub fn run(root: &Path, selected: &[&'static str]) -> ExitCode {
    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut failure: Option<String> = None;
    for (i, &name) in selected.iter().enumerate() {
        println!("\n==> [{}/{}] {name}", i + 1, selected.len());
        let stage_start = Instant::now();
        let mut tests = Counts::default();
        let result = match plan(name, root) {
            Err(e) => Err(e),
            Ok(Plan::Skip(why)) => Ok(format!("skipped: {why}")),
            Ok(Plan::Run { cargo, must_test }) => {
                println!("    $ {cargo}");
                run_stage(name, &cargo, root, &mut tests).and_then(|()| {
                    if must_test && tests.passed + tests.failed == 0 {
                        Err(format!("no test ran ({cargo}): was it renamed?"))
                    } else {
                        Ok("ok".to_owned())
                    }
                })
            }
        };
        let time = stage_start.elapsed();
        let shown = match &result {
            Ok(s) => s.clone(),
            Err(_) => "FAILED".to_owned(),
        };
        println!("<== {name}: {shown} in {}", seconds(time));
        outcomes.push(Outcome {
            name,
            result: shown,
            tests,
            time: Some(time),
        });
        if let Err(e) = result {
            failure = Some(format!("stage {name} failed: {e}"));
            break;
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
    summary(&outcomes, started.elapsed());
    match failure {
        None => ExitCode::SUCCESS,
        Some(e) => {
            println!("xtask test: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_stage(name: &str, cargo: &Cargo, root: &Path, tests: &mut Counts) -> Result<(), String> {
    let progress = Progress::start(name);
    if let Some(report) = cargo.env_value("RACELAB_REPORT") {
        progress.watch_report(report.into());
    }
    let mut parser = Parser::default();
    let mut cmd = cargo.command(root);
    cmd.env_remove("INSTA_FORCE_PASS");
    let status = exec::run_teed(cmd, &progress, |line| {
        if let Some(Event::Summary(counts)) = parser.line(line) {
            tests.add(counts);
        }
    })
    .map_err(|e| format!("cannot run cargo: {e}"))?;
    drop(progress);
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} ({cargo}); rerun it alone with `cargo xtask test --only {name}`",
            exec::describe(status)
        ))
    }
}

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
    let mut closing = format!("tests: {} passed, {} failed", all.passed, all.failed);
    if all.ignored > 0 {
        closing.push_str(&format!(", {} skipped", all.ignored));
    }
    println!("{closing}");
}
