//! The first checker: the loom suites, each test alone in its own process.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use super::mutator::Mutant;
use super::process::run_logged;
use super::Verdict;
use crate::artifacts;
use crate::exec;
use crate::scratch::{self, shown};
use crate::table::seconds;

/// The loom test binaries, as `cargo test --test` names them.
pub(super) const SUITES: [&str; 2] = ["loom_lock", "loom_pool"];
const RUSTFLAGS: &str = "--cfg loom -C debug-assertions";
const TARGET_DIR: &str = "target/loom-mutants";
/// A loom test on a mutant is stopped after this many times its time on the unmutated code, and
/// never sooner than [`MIN_TIMEOUT`] (loom has no clock, but a weaker ordering can multiply the
/// executions to explore; and the machine may be busier than during the baseline).
const TIMEOUT_FACTOR: u32 = 5;
const MIN_TIMEOUT: Duration = Duration::from_secs(300);

/// One loom test.
pub(super) struct Test {
    pub(super) suite: String,
    pub(super) name: String,
    pub(super) binary: PathBuf,
    /// On the unmutated code.
    pub(super) baseline: Duration,
}

impl Test {
    fn timeout(&self) -> Duration {
        (self.baseline * TIMEOUT_FACTOR).max(MIN_TIMEOUT)
    }
}

/// Builds the loom suites in `scratch`; returns each suite's test binary, from cargo's
/// `compiler-artifact` messages.
pub(super) fn build(
    root: &Path,
    scratch: &Path,
    log: &Path,
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut cmd = scratch::cargo();
    cmd.current_dir(scratch)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("CARGO_TARGET_DIR", root.join(TARGET_DIR))
        .args(["test", "--release", "--no-run"]);
    for suite in SUITES {
        cmd.args(["--test", suite]);
    }
    println!("    $ {}", shown(&cmd));
    let start = Instant::now();
    let executables = artifacts::build(cmd, Some(log))?;
    println!("    built in {}", seconds(start.elapsed()));
    let binaries: Vec<(String, PathBuf)> = executables
        .into_iter()
        .filter(|e| e.test && e.kinds.iter().any(|k| k == "test"))
        .filter(|e| SUITES.contains(&e.name.as_str()))
        .map(|e| (e.name, e.path))
        .collect();
    if binaries.len() != SUITES.len() {
        return Err(format!(
            "expected the test binaries {SUITES:?}, cargo reported {:?}",
            binaries.iter().map(|b| &b.0).collect::<Vec<_>>()
        ));
    }
    Ok(binaries)
}

/// The names `binary --list --format terse` prints (`NAME: test` lines), with `--ignored`
/// added if `ignored`.
fn list(binary: &Path, ignored: bool) -> Result<Vec<String>, String> {
    let mut cmd = Command::new(binary);
    cmd.args(["--list", "--format", "terse"]);
    if ignored {
        cmd.arg("--ignored");
    }
    let output = cmd.output().map_err(|e| format!("{}: {e}", shown(&cmd)))?;
    if !output.status.success() {
        return Err(format!(
            "{}: {}",
            shown(&cmd),
            exec::describe(output.status)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// Lists and runs every test on the unmutated code: they must all pass.
pub(super) fn baseline(binaries: &[(String, PathBuf)], logs: &Path) -> Result<Vec<Test>, String> {
    let mut tests = Vec::new();
    for (suite, binary) in binaries {
        let ignored = list(binary, true)?;
        for name in list(binary, false)? {
            if ignored.contains(&name) {
                continue; // `--exact NAME` would not run it
            }
            tests.push(Test {
                suite: suite.clone(),
                name,
                binary: binary.clone(),
                baseline: Duration::ZERO,
            });
        }
    }
    for test in &mut tests {
        let start = Instant::now();
        let status = run_test(test, &logs.join("baseline"))?;
        test.baseline = start.elapsed();
        if !status.is_some_and(|s| s.success()) {
            return Err(format!(
                "{}::{} fails without any mutant: fix the suite first",
                test.suite, test.name
            ));
        }
    }
    let total: Duration = tests.iter().map(|t| t.baseline).sum();
    println!("    {} tests pass in {}", tests.len(), seconds(total));
    Ok(tests)
}

/// Builds and runs the loom suites on the mutant that is in `scratch` now.
pub(super) fn judge(
    root: &Path,
    scratch: &Path,
    mutant: &Mutant,
    tests: &[Test],
    log: &Path,
) -> Result<Verdict, String> {
    if let Err(e) = build(root, scratch, &log.with_extension("build.log")) {
        let first = e.lines().nth(1).unwrap_or("cargo failed").to_owned();
        return Ok(Verdict::BuildError(first));
    }
    let mut order: Vec<&Test> = tests.iter().collect();
    order.sort_by_key(|t| (t.suite != mutant.own_suite(), t.baseline));
    for test in order {
        let by = format!("{}::{}", test.suite, test.name);
        match run_test(test, log)? {
            Some(status) if status.success() => continue,
            Some(status) => {
                let status = exec::describe(status);
                println!("    {by}: {status}");
                return Ok(Verdict::Killed {
                    checker: "loom",
                    by,
                    status,
                });
            }
            None => {
                return Ok(Verdict::Timeout {
                    checker: "loom",
                    by,
                    after: test.timeout(),
                })
            }
        }
    }
    Ok(Verdict::Survived {
        ran: vec!["loom"],
        skipped: Vec::new(),
    })
}

/// Runs one test alone in its own process (an abort takes only it down), its output to
/// `<log>.<test>.log`. `None`: it ran over its timeout (the baseline's: [`MIN_TIMEOUT`]) and
/// was killed.
fn run_test(test: &Test, log: &Path) -> Result<Option<ExitStatus>, String> {
    let path = PathBuf::from(format!("{}.{}.log", log.display(), test.name));
    let mut cmd = Command::new(&test.binary);
    cmd.args(["--exact", &test.name, "--nocapture", "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        .env_remove("LOOM_MAX_PREEMPTIONS");
    println!("    $ {}", shown(&cmd));
    run_logged(cmd, &path, test.timeout())
}
