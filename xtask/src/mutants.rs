//! `cargo xtask mutants`: is every atomic ordering in the lock and the pool needed, and do the
//! checkers notice a missing wake-up?
//!
//! Each mutant changes one thing in `src/lock/*.rs` or `src/pool/*.rs` (the sites are found by
//! [`sites`], the one part of this no tool does for us):
//!
//! | mutant | change |
//! |---|---|
//! | ordering | one `Ordering::X` weakened one step for its operation: `SeqCst`→`AcqRel` (→`Acquire` for a load or a failure ordering, →`Release` for a store), `AcqRel`→`Acquire` and `AcqRel`→`Release`, `Acquire`→`Relaxed`, `Release`→`Relaxed` (never `Relaxed` for a fence) |
//! | wake-up | one `x.unpark();` or `x.wake();` statement replaced by `let _ = &x;` |
//!
//! The mutants live in a scratch copy of the workspace (`target/racelab/scratch/mutants`), never
//! in the real tree; each is undone (by a drop guard, on every path) before the next is written.
//!
//! Checkers, in order; a mutant is killed by the first that fails on it:
//!
//! 1. **loom**: the loom suites built with `cargo test --no-run --message-format=json`
//!    (`RUSTFLAGS="--cfg loom -C debug-assertions"`, release, `target/loom-mutants`); each test
//!    runs alone in its own process (`--exact NAME`; loom aborts on a deadlock), the mutated
//!    file's own suite first, the fastest tests first, until one fails.
//! 2. each checker of [`AFTER_LOOM`], on the mutants loom leaves alive: one command, run in the
//!    scratch copy (it checks the unmutated code once, before its first mutant). A checker whose
//!    tool is not installed is skipped and the table says so.
//!
//! Every verdict comes from exit statuses: a test or command that exits non-zero or is killed by
//! a signal kills the mutant; the table names it and its status, and its output is in
//! `target/racelab/mutants/<#>.<test>.log`. Test names come from the binary's own
//! `--list --format terse` (the listing interface test runners such as nextest read), minus its
//! `--ignored` ones, so `--exact NAME` runs exactly one test and exit status 0 means it passed.
//! A process running over its timeout is killed (by [`wait_timeout`]) and the mutant is
//! reported as timed out.
//!
//! The table is printed and written to `target/racelab/mutants.md`. The run fails if a wake-up
//! mutant survives (each must be killed) or a mutant does not build.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt as _;

use crate::artifacts;
use crate::exec;
use crate::scratch::{self, shown};
use crate::table::{seconds, Table};

/// The folders whose `.rs` files are mutated.
const DIRS: [&str; 2] = ["src/lock", "src/pool"];
/// The loom test binaries, as `cargo test --test` names them.
const SUITES: [&str; 2] = ["loom_lock", "loom_pool"];
const RUSTFLAGS: &str = "--cfg loom -C debug-assertions";
const TARGET_DIR: &str = "target/loom-mutants";
/// A loom test running longer is stopped (loom has no clock, but a weaker ordering can
/// multiply the executions to explore).
const TEST_TIMEOUT: Duration = Duration::from_secs(300);

/// A checker for the mutants loom leaves alive: one command in the scratch copy, which fails
/// (exits non-zero or is killed by a signal) on a mutant it kills.
///
/// To add one: a test that passes on the real code and fails on the mutant, and an entry here
/// whose `command` runs it (`cargo` in `scratch`, its own target dir under `root/target`, so
/// it never rebuilds the real tree's artifacts) and whose `unavailable` says why it cannot run
/// on a machine without its tool.
struct Checker {
    name: &'static str,
    /// `Some(why)` when it cannot run on this machine.
    unavailable: fn() -> Option<String>,
    /// The command, given the workspace root and the scratch copy.
    command: fn(root: &Path, scratch: &Path) -> Command,
    timeout: Duration,
}

/// Run after loom, in this order, on the mutants loom leaves alive.
const AFTER_LOOM: &[Checker] = &[];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ordering,
    Wakeup,
}

/// One change to one line.
#[derive(Debug, Clone)]
struct Mutant {
    kind: Kind,
    /// Relative to the workspace root, `/`-separated.
    file: String,
    /// 1-based.
    line: usize,
    /// 1-based byte column of `from` in the line.
    col: usize,
    from: String,
    to: String,
}

impl Mutant {
    fn site(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.col)
    }

    fn change(&self) -> String {
        match self.kind {
            Kind::Ordering => format!(
                "{} → {}",
                self.from.trim_start_matches("Ordering::"),
                self.to.trim_start_matches("Ordering::")
            ),
            Kind::Wakeup => format!("`{}` deleted", self.from),
        }
    }

    /// The suite that exercises the mutated file: run first.
    fn own_suite(&self) -> &'static str {
        if self.file.starts_with("src/lock") {
            "loom_lock"
        } else {
            "loom_pool"
        }
    }

    /// `text` (the whole file) with this mutant applied.
    fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i + 1 == self.line {
                let at = self.col - 1;
                assert_eq!(
                    &line[at..at + self.from.len()],
                    self.from,
                    "mutant site moved"
                );
                out.push_str(&line[..at]);
                out.push_str(&self.to);
                out.push_str(&line[at + self.from.len()..]);
            } else {
                out.push_str(line);
            }
        }
        out
    }
}

/// The operation an ordering is an argument of, which decides the orderings it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    /// `load`, and the failure ordering of a compare-exchange or `fetch_update`'s fetch.
    Load,
    Store,
    Fence,
    /// A read-modify-write (`swap`, `fetch_*`, a compare-exchange's success), or an ordering
    /// that is not a direct argument of a call: every ordering is allowed.
    Any,
}

impl Operation {
    fn allows(self, ordering: &str) -> bool {
        match self {
            Operation::Load => ordering != "Release" && ordering != "AcqRel",
            Operation::Store => ordering != "Acquire" && ordering != "AcqRel",
            Operation::Fence => ordering != "Relaxed",
            Operation::Any => true,
        }
    }

    /// The operation whose `index`-th argument (0-based) is an ordering, for a call of `method`.
    fn of_argument(method: &str, index: usize) -> Operation {
        match (method, index) {
            ("load", _) => Operation::Load,
            ("store", _) => Operation::Store,
            ("fence" | "compiler_fence", _) => Operation::Fence,
            ("compare_exchange" | "compare_exchange_weak", 3) => Operation::Load,
            ("fetch_update", 1) => Operation::Load,
            _ => Operation::Any,
        }
    }
}

/// One step weaker, among the orderings `operation` allows: `SeqCst`→`AcqRel` becomes
/// `SeqCst`→`Acquire` for a load; an `Acquire` fence has no weaker fence.
fn weaker(ordering: &str, operation: Operation) -> Vec<&'static str> {
    let steps: &[&'static str] = match ordering {
        "SeqCst" => &["AcqRel"],
        "AcqRel" => &["Acquire", "Release"],
        "Acquire" | "Release" => &["Relaxed"],
        _ => &[],
    };
    let mut out = Vec::new();
    for &step in steps {
        // A load's or a store's one step below `SeqCst` is the half of `AcqRel` it allows.
        let fitted = match (step, operation) {
            ("AcqRel", Operation::Load) => "Acquire",
            ("AcqRel", Operation::Store) => "Release",
            (step, _) => step,
        };
        if operation.allows(fitted) {
            out.push(fitted);
        }
    }
    out
}

/// The operation of the ordering at byte `at` of `code` (comments already blanked): the call
/// whose argument list it stands in directly, and its position there.
fn operation_at(code: &str, at: usize) -> Operation {
    let bytes = code.as_bytes();
    let (mut depth, mut commas) = (0usize, 0usize);
    for i in (0..at).rev() {
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' if depth == 0 => return Operation::Any,
            b'(' if depth == 0 => {
                let before = code[..i].trim_end();
                let method: String = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Operation::of_argument(&method, commas);
            }
            b'(' | b'[' | b'{' => depth -= 1,
            b',' if depth == 0 => commas += 1,
            b';' if depth == 0 => return Operation::Any,
            _ => {}
        }
    }
    Operation::Any
}

/// `text` with every `//` comment replaced by spaces (same length, so offsets hold).
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find("//") {
            Some(at) => {
                out.push_str(&line[..at]);
                let rest = &line[at..];
                let newline = rest.ends_with('\n');
                out.push_str(&" ".repeat(rest.len() - usize::from(newline)));
                if newline {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Every mutant of `text` (the file `file`), and notes on the sites left alone.
fn sites(file: &str, text: &str, mutants: &mut Vec<Mutant>, notes: &mut Vec<String>) {
    let code = blank_comments(text);
    let mut offset = 0;
    for (i, line) in code.split_inclusive('\n').enumerate() {
        for (at, _) in line.match_indices("Ordering::") {
            let name: String = line[at + "Ordering::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let operation = operation_at(&code, offset + at);
            for to in weaker(&name, operation) {
                mutants.push(Mutant {
                    kind: Kind::Ordering,
                    file: file.to_owned(),
                    line: i + 1,
                    col: at + 1,
                    from: format!("Ordering::{name}"),
                    to: format!("Ordering::{to}"),
                });
            }
        }
        let trimmed = line.trim();
        for call in [".unpark();", ".wake();"] {
            if let Some(receiver) = trimmed.strip_suffix(call) {
                mutants.push(Mutant {
                    kind: Kind::Wakeup,
                    file: file.to_owned(),
                    line: i + 1,
                    col: line.len() - line.trim_start().len() + 1,
                    from: trimmed.to_owned(),
                    to: format!("let _ = &{receiver};"),
                });
            } else if trimmed.contains(call.trim_end_matches(';')) {
                notes.push(format!(
                    "{file}:{}: a `{}` call that is not a whole statement: not mutated",
                    i + 1,
                    call.trim_end_matches(';')
                ));
            }
        }
        offset += line.len();
    }
}

/// Every mutant in [`DIRS`], in file and line order.
fn find(root: &Path) -> io::Result<(Vec<Mutant>, Vec<String>)> {
    let (mut mutants, mut notes) = (Vec::new(), Vec::new());
    for dir in DIRS {
        let mut files: Vec<PathBuf> = fs::read_dir(root.join(dir))?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        files.retain(|p| p.extension().is_some_and(|e| e == "rs"));
        files.sort();
        for path in files {
            let name = path.file_name().expect("a file").to_string_lossy();
            let file = format!("{dir}/{name}");
            sites(&file, &fs::read_to_string(&path)?, &mut mutants, &mut notes);
        }
    }
    Ok((mutants, notes))
}

/// Writes a mutant into the scratch copy; dropping the guard puts the original back.
struct Applied {
    path: PathBuf,
    original: String,
}

impl Applied {
    fn write(scratch: &Path, mutant: &Mutant) -> Result<Applied, String> {
        let path = scratch.join(&mutant.file);
        let original = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let guard = Applied { path, original };
        fs::write(&guard.path, mutant.apply(&guard.original))
            .map_err(|e| format!("cannot write the mutant: {e}"))?;
        Ok(guard)
    }
}

impl Drop for Applied {
    fn drop(&mut self) {
        if let Err(e) = fs::write(&self.path, &self.original) {
            eprintln!(
                "mutants: cannot restore {} ({e}); the scratch copy is rebuilt on the next run",
                self.path.display()
            );
        }
    }
}

/// One loom test.
struct Test {
    suite: String,
    name: String,
    binary: PathBuf,
    /// On the unmutated code.
    baseline: Duration,
}

enum Verdict {
    /// By the checker named, in the test or command named, with its exit status.
    Killed {
        checker: &'static str,
        by: String,
        status: String,
    },
    /// Every checker that could run passed; the others, with why they could not.
    Survived {
        ran: Vec<&'static str>,
        skipped: Vec<String>,
    },
    Timeout {
        checker: &'static str,
        by: String,
        after: Duration,
    },
    BuildError(String),
}

impl Verdict {
    fn checker(&self) -> &'static str {
        match self {
            Verdict::Killed { checker, .. } | Verdict::Timeout { checker, .. } => checker,
            Verdict::Survived { .. } | Verdict::BuildError(_) => "—",
        }
    }

    fn text(&self) -> String {
        match self {
            Verdict::Killed { by, status, .. } => format!("killed: {by} ({status})"),
            Verdict::Survived { ran, skipped } => {
                let mut text = format!("SURVIVED ({})", ran.join(", "));
                if !skipped.is_empty() {
                    text.push_str(&format!("; not run: {}", skipped.join("; ")));
                }
                text
            }
            Verdict::Timeout { by, after, .. } => {
                format!("timeout: {by} ran over {}", seconds(*after))
            }
            Verdict::BuildError(e) => format!("build error: {e}"),
        }
    }
}

/// `cargo xtask mutants [--filter SUBSTRING] [--list]`.
pub fn run(root: &Path, filter: Option<&str>, list: bool) -> ExitCode {
    match run_all(root, filter, list) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask mutants: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_all(root: &Path, filter: Option<&str>, list: bool) -> Result<ExitCode, String> {
    let started = Instant::now();
    let (mut mutants, notes) = find(root).map_err(|e| format!("cannot read src/: {e}"))?;
    if let Some(f) = filter {
        mutants.retain(|m| format!("{} {}", m.site(), m.change()).contains(f));
    }
    if list || mutants.is_empty() {
        for m in &mutants {
            println!("{}  {}", m.site(), m.change());
        }
        for note in &notes {
            println!("note: {note}");
        }
        println!("{} mutants", mutants.len());
        return Ok(ExitCode::SUCCESS);
    }

    let logs = root.join("target/racelab/mutants");
    fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let scratch = scratch::sync(root, "mutants", |_, bytes| bytes)
        .map_err(|e| format!("cannot copy the workspace: {e}"))?;
    println!(
        "mutants: {} mutants, in the scratch copy {}",
        mutants.len(),
        scratch.display()
    );

    println!("\n==> the unmutated code");
    let binaries = build(root, &scratch, &logs.join("build-baseline.log"))?;
    let tests = baseline(&binaries, &logs)?;
    let mut after = Extras::new();

    let mut table = Table::new(
        &["#", "site", "mutation", "checker", "result", "time"],
        &["#", "time"],
    );
    let mut wakeup_alive = Vec::new();
    let mut broken = Vec::new();
    let (mut killed, mut survived) = (0, 0);
    for (i, mutant) in mutants.iter().enumerate() {
        println!(
            "\n==> [{}/{}] {} {}",
            i + 1,
            mutants.len(),
            mutant.site(),
            mutant.change()
        );
        let start = Instant::now();
        let log = logs.join(format!("{}", i + 1));
        let verdict = {
            let _applied = Applied::write(&scratch, mutant)?;
            judge(root, &scratch, mutant, &tests, &log)?
            // `_applied` drops here: the original is back before the next mutant.
        };
        let verdict = match verdict {
            Verdict::Survived { .. } => after.judge(root, &scratch, mutant, &log, &logs)?,
            other => other,
        };
        let time = start.elapsed();
        println!("<== {} ({})", verdict.text(), seconds(time));
        match &verdict {
            Verdict::Killed { .. } => killed += 1,
            Verdict::Survived { .. } => survived += 1,
            Verdict::BuildError(_) => broken.push(mutant.site()),
            Verdict::Timeout { .. } => {}
        }
        if mutant.kind == Kind::Wakeup && !matches!(verdict, Verdict::Killed { .. }) {
            wakeup_alive.push(mutant.site());
        }
        table.row(vec![
            (i + 1).to_string(),
            mutant.site(),
            mutant.change(),
            verdict.checker().into(),
            verdict.text(),
            seconds(time),
        ]);
    }
    check_restored(root, &scratch, &mutants)?;

    let total = started.elapsed();
    let summary = format!(
        "{} mutants: {killed} killed, {survived} survived, {} other; total {}",
        mutants.len(),
        mutants.len() - killed - survived,
        seconds(total)
    );
    println!("\n{}\n{summary}", table.text());
    for note in &notes {
        println!("note: {note}");
    }
    let report = logs.with_extension("md");
    let markdown = markdown(&table, &summary, &notes, filter);
    fs::write(&report, markdown).map_err(|e| format!("cannot write {}: {e}", report.display()))?;
    println!("written to {}", report.display());

    if !wakeup_alive.is_empty() {
        println!(
            "xtask mutants: wake-up deletions not killed: {}",
            wakeup_alive.join(", ")
        );
    }
    if !broken.is_empty() {
        println!(
            "xtask mutants: mutants that did not build: {}",
            broken.join(", ")
        );
    }
    if wakeup_alive.is_empty() && broken.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

fn markdown(table: &Table, summary: &str, notes: &[String], filter: Option<&str>) -> String {
    let mut command = "cargo xtask mutants".to_owned();
    if let Some(f) = filter {
        command.push_str(&format!(" --filter '{f}'"));
    }
    let checkers: Vec<&str> = std::iter::once("loom")
        .chain(AFTER_LOOM.iter().map(|c| c.name))
        .collect();
    let mut out = format!(
        "# Mutants: weakened orderings and deleted wake-ups in src/lock and src/pool\n\n\
         `{command}`: {summary}. Each mutant was run against the loom suites (`{}`) until a \
         test failed; the checkers after loom ({}) ran on the mutants loom left alive.\n\n{}",
        SUITES.join("`, `"),
        if checkers.len() > 1 {
            checkers[1..].join(", ")
        } else {
            "none".to_owned()
        },
        table.markdown()
    );
    if !notes.is_empty() {
        out.push_str("\nNot mutated:\n\n");
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}

/// Every mutated file of the scratch copy is the real tree's again.
fn check_restored(root: &Path, scratch: &Path, mutants: &[Mutant]) -> Result<(), String> {
    let mut files: Vec<&str> = mutants.iter().map(|m| m.file.as_str()).collect();
    files.dedup();
    for file in files {
        let real = fs::read(root.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let copy = fs::read(scratch.join(file)).map_err(|e| format!("{file}: {e}"))?;
        if real != copy {
            return Err(format!(
                "{file} in {} differs from the real one after the run (was the real one \
                 edited meanwhile?); the real tree was never written",
                scratch.display()
            ));
        }
    }
    Ok(())
}

/// Builds the loom suites in `scratch`; returns each suite's test binary, from cargo's
/// `compiler-artifact` messages.
fn build(root: &Path, scratch: &Path, log: &Path) -> Result<Vec<(String, PathBuf)>, String> {
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
fn baseline(binaries: &[(String, PathBuf)], logs: &Path) -> Result<Vec<Test>, String> {
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
fn judge(
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
                    after: TEST_TIMEOUT,
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
/// `<log>.<test>.log`. `None`: it ran over [`TEST_TIMEOUT`] and was killed.
fn run_test(test: &Test, log: &Path) -> Result<Option<ExitStatus>, String> {
    let path = PathBuf::from(format!("{}.{}.log", log.display(), test.name));
    let mut cmd = Command::new(&test.binary);
    cmd.args(["--exact", &test.name, "--nocapture", "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        .env_remove("LOOM_MAX_PREEMPTIONS");
    println!("    $ {}", shown(&cmd));
    run_logged(cmd, &path, TEST_TIMEOUT)
}

/// Runs `cmd`, stdout and stderr to `log`. `None`: it ran over `timeout`, and it and every
/// process it started were killed.
fn run_logged(
    mut cmd: Command,
    log: &Path,
    timeout: Duration,
) -> Result<Option<ExitStatus>, String> {
    let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", shown(&cmd)))?;
    match child.wait_timeout(timeout).map_err(|e| e.to_string())? {
        Some(status) => Ok(Some(status)),
        None => {
            kill_tree(&mut child);
            Ok(None)
        }
    }
}

/// Kills `child` and the processes it started (`cargo miri` runs the interpreter in a
/// grandchild), each by its id, then reaps `child`.
fn kill_tree(child: &mut Child) {
    let mut pids = vec![child.id()];
    let mut i = 0;
    while i < pids.len() {
        pids.extend(children_of(pids[i]));
        i += 1;
    }
    for &pid in pids.iter().skip(1).rev() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The processes whose parent is `pid` (Linux `/proc`; elsewhere none).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parent = |stat: &str| -> Option<u32> {
        // `PID (COMM) STATE PPID ...`: COMM may hold spaces and parentheses.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| parent(&s))
                == Some(pid)
        })
        .collect()
}

/// The checkers of [`AFTER_LOOM`], each with its state on this machine.
struct Extras {
    /// `Err(why)`: cannot run here; `Ok(false)`: not yet checked on the unmutated code.
    state: Vec<Result<bool, String>>,
}

impl Extras {
    fn new() -> Self {
        let state = AFTER_LOOM
            .iter()
            .map(|c| match (c.unavailable)() {
                Some(why) => {
                    println!("    checker {}: {why}; not run on loom's survivors", c.name);
                    Err(why)
                }
                None => Ok(false),
            })
            .collect();
        Extras { state }
    }

    /// Runs each checker on `mutant`, which survived loom, until one kills it.
    fn judge(
        &mut self,
        root: &Path,
        scratch: &Path,
        mutant: &Mutant,
        log: &Path,
        logs: &Path,
    ) -> Result<Verdict, String> {
        let (mut ran, mut skipped) = (vec!["loom"], Vec::new());
        for (checker, state) in AFTER_LOOM.iter().zip(&mut self.state) {
            match state {
                Err(why) => {
                    skipped.push(format!("{} ({why})", checker.name));
                    continue;
                }
                Ok(false) => {
                    println!("    checker {} on the unmutated code", checker.name);
                    let path = logs.join(format!("baseline.{}.log", checker.name));
                    match Self::run(checker, root, scratch, &path)? {
                        Some(s) if s.success() => *state = Ok(true),
                        other => {
                            return Err(format!(
                                "checker {} fails without any mutant ({}; see {}): fix it first",
                                checker.name,
                                other.map_or("timed out".into(), exec::describe),
                                path.display()
                            ))
                        }
                    }
                }
                Ok(true) => {}
            }
            let path = PathBuf::from(format!("{}.{}.log", log.display(), checker.name));
            let status = {
                let _applied = Applied::write(scratch, mutant)?;
                Self::run(checker, root, scratch, &path)?
            };
            ran.push(checker.name);
            match status {
                Some(s) if s.success() => {}
                Some(s) => {
                    return Ok(Verdict::Killed {
                        checker: checker.name,
                        by: checker.name.into(),
                        status: exec::describe(s),
                    })
                }
                None => {
                    return Ok(Verdict::Timeout {
                        checker: checker.name,
                        by: checker.name.into(),
                        after: checker.timeout,
                    })
                }
            }
        }
        Ok(Verdict::Survived { ran, skipped })
    }

    fn run(
        checker: &Checker,
        root: &Path,
        scratch: &Path,
        log: &Path,
    ) -> Result<Option<ExitStatus>, String> {
        let cmd = (checker.command)(root, scratch);
        println!("    $ {}", shown(&cmd));
        run_logged(cmd, log, checker.timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
fn f() {
    // Ordering::Acquire in a comment
    let o = if sound { Ordering::Acquire } else { Ordering::Relaxed };
    x.compare_exchange(a, b, Ordering::AcqRel, Ordering::Relaxed);
    x.compare_exchange(
        a,
        // a comment, with (parentheses), and commas
        f(b, c),
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    x.load(Ordering::SeqCst); y.store(1, Ordering::SeqCst);
    fence(Ordering::Acquire);
    thread.unpark();
    waiter.expect(\"w\").unpark();
    sleeper.wake();
}
";

    #[test]
    fn finds_sites() {
        let (mut mutants, mut notes) = (Vec::new(), Vec::new());
        sites("src/lock/x.rs", SAMPLE, &mut mutants, &mut notes);
        let shown: Vec<String> = mutants
            .iter()
            .map(|m| format!("{} {}", m.site(), m.change()))
            .collect();
        assert_eq!(
            shown,
            [
                "src/lock/x.rs:3:24 Acquire → Relaxed",
                "src/lock/x.rs:4:30 AcqRel → Acquire",
                "src/lock/x.rs:4:30 AcqRel → Release",
                "src/lock/x.rs:9:9 SeqCst → AcqRel",
                "src/lock/x.rs:10:9 SeqCst → Acquire",
                "src/lock/x.rs:12:12 SeqCst → Acquire",
                "src/lock/x.rs:12:42 SeqCst → Release",
                "src/lock/x.rs:14:5 `thread.unpark();` deleted",
                "src/lock/x.rs:15:5 `waiter.expect(\"w\").unpark();` deleted",
                "src/lock/x.rs:16:5 `sleeper.wake();` deleted",
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
        let applied = mutants[8].apply(SAMPLE);
        assert!(applied.contains("\n    let _ = &waiter.expect(\"w\");\n"));
        assert_eq!(applied.lines().count(), SAMPLE.lines().count());
        assert!(mutants[1]
            .apply(SAMPLE)
            .contains("(a, b, Ordering::Acquire, Ordering::Relaxed)"));
    }

    #[test]
    fn weakens_within_what_the_operation_allows() {
        assert_eq!(weaker("SeqCst", Operation::Any), ["AcqRel"]);
        assert_eq!(weaker("SeqCst", Operation::Load), ["Acquire"]);
        assert_eq!(weaker("SeqCst", Operation::Store), ["Release"]);
        assert_eq!(weaker("AcqRel", Operation::Any), ["Acquire", "Release"]);
        assert_eq!(weaker("Acquire", Operation::Fence), Vec::<&str>::new());
        assert_eq!(weaker("Relaxed", Operation::Any), Vec::<&str>::new());
    }
}
