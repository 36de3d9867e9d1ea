//! `cargo xtask mutants`: is every atomic ordering in the lock and the pool needed, and does
//! the loom suite notice a missing wake-up?
//!
//! Each mutant changes one thing in `src/lock/*.rs` or `src/pool/*.rs`:
//!
//! | mutant | change |
//! |---|---|
//! | ordering | one `Ordering::X` weakened one step: `SeqCst`→`AcqRel`, `AcqRel`→`Acquire` and `AcqRel`→`Release`, `Acquire`→`Relaxed`, `Release`→`Relaxed` |
//! | wake-up | one `x.unpark();` or `x.wake();` statement replaced by `let _ = &x;` |
//!
//! The mutants live in a scratch copy of the workspace (`target/racelab/scratch/mutants`), never
//! in the real tree; each is undone (by a drop guard, on every path) before the next is written.
//! For each mutant the loom suites are built (`RUSTFLAGS="--cfg loom -C debug-assertions"`,
//! release, `target/loom-mutants`) and their tests run one per process — the mutated file's own
//! suite first, the fastest tests first — until one fails: a failing test or an abort (loom
//! aborts on a deadlock) kills the mutant. A mutant that passes every test survived. A runtime
//! panic about an ordering the operation does not allow (a `Release` load) makes it *invalid*.
//!
//! The orderings of `let success = if MODE == SOUND { Acquire } else { Relaxed }` in
//! `src/lock/raw.rs`: the `Acquire` is the real lock-Acquire and is mutated like any other; the
//! `Relaxed` is the `broken_lock` model's deliberately broken ordering (and has no weaker step).
//!
//! The table is printed and written to `target/racelab/mutants.md`. The run fails if a wake-up
//! mutant survives (the issue requires each to be killed) or a mutant does not build.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::exec;
use crate::scratch::{self, shown};
use crate::table::{seconds, Table};

/// The folders whose `.rs` files are mutated.
const DIRS: [&str; 2] = ["src/lock", "src/pool"];
/// The test binaries of the suite, as `cargo test --test` names them.
const SUITES: [&str; 2] = ["loom_lock", "loom_pool"];
const RUSTFLAGS: &str = "--cfg loom -C debug-assertions";
const TARGET_DIR: &str = "target/loom-mutants";
/// A test running longer is stopped; the mutant is reported as timed out (loom has no clock, but
/// a weaker ordering can multiply the executions to explore).
const TEST_TIMEOUT: Duration = Duration::from_secs(300);

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

/// One step weaker, as the issue lists them.
fn weaker(ordering: &str) -> &'static [&'static str] {
    match ordering {
        "SeqCst" => &["AcqRel"],
        "AcqRel" => &["Acquire", "Release"],
        "Acquire" | "Release" => &["Relaxed"],
        _ => &[],
    }
}

/// Every mutant of `text` (the file `file`), and notes on the sites left alone.
fn mutants_of(file: &str, text: &str, mutants: &mut Vec<Mutant>, notes: &mut Vec<String>) {
    let mut in_mode_select = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if line.contains("if MODE == SOUND") {
            in_mode_select = true;
        }
        for (at, _) in line.match_indices("Ordering::") {
            let name: String = line[at + "Ordering::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if in_mode_select && name == "Relaxed" {
                notes.push(format!(
                    "{file}:{}: `Ordering::Relaxed` is the broken_lock model's deliberately broken \
                     ordering (the BROKEN mode of `try_acquire_from`): not a mutation site",
                    i + 1
                ));
            }
            for to in weaker(&name) {
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
        if in_mode_select && trimmed.starts_with("};") {
            in_mode_select = false;
        }
        for call in [".unpark();", ".wake();"] {
            if let Some(receiver) = trimmed.strip_suffix(call) {
                mutants.push(Mutant {
                    kind: Kind::Wakeup,
                    file: file.to_owned(),
                    line: i + 1,
                    col: line.len() - trimmed.len() + 1,
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
            mutants_of(&file, &fs::read_to_string(&path)?, &mut mutants, &mut notes);
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
    fn write(scratch: &Path, mutant: &Mutant) -> io::Result<Applied> {
        let path = scratch.join(&mutant.file);
        let original = fs::read_to_string(&path)?;
        let guard = Applied { path, original };
        fs::write(&guard.path, mutant.apply(&guard.original))?;
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

/// One test of the suite.
struct Test {
    suite: String,
    name: String,
    binary: PathBuf,
    /// On the unmutated code.
    baseline: Duration,
}

enum Verdict {
    Killed { test: String, why: String },
    Survived,
    Invalid { test: String, why: String },
    Timeout { test: String },
    BuildError(String),
}

impl Verdict {
    fn text(&self) -> String {
        match self {
            Verdict::Killed { test, why } => format!("killed by {test} ({why})"),
            Verdict::Survived => "SURVIVED".into(),
            Verdict::Invalid { test, why } => format!("invalid ordering: {why} (in {test})"),
            Verdict::Timeout { test } => {
                format!("timeout: {test} ran over {}", seconds(TEST_TIMEOUT))
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

    let mut table = Table::new(&["#", "site", "mutation", "result", "time"], &["#", "time"]);
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
        let verdict = {
            let _applied = Applied::write(&scratch, mutant)
                .map_err(|e| format!("cannot write the mutant: {e}"))?;
            judge(
                root,
                &scratch,
                mutant,
                &tests,
                &logs.join(format!("{}", i + 1)),
            )?
            // `_applied` drops here: the original is back before the next mutant.
        };
        let time = start.elapsed();
        println!("<== {} ({})", verdict.text(), seconds(time));
        match &verdict {
            Verdict::Killed { .. } => killed += 1,
            Verdict::Survived => survived += 1,
            Verdict::BuildError(_) => broken.push(mutant.site()),
            _ => {}
        }
        if mutant.kind == Kind::Wakeup && !matches!(verdict, Verdict::Killed { .. }) {
            wakeup_alive.push(mutant.site());
        }
        table.row(vec![
            (i + 1).to_string(),
            mutant.site(),
            mutant.change(),
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

    if !wakeup_alive.is_empty() || !broken.is_empty() {
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
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn markdown(table: &Table, summary: &str, notes: &[String], filter: Option<&str>) -> String {
    let mut command = "cargo xtask mutants".to_owned();
    if let Some(f) = filter {
        command.push_str(&format!(" --filter '{f}'"));
    }
    let mut out = format!(
        "# Mutants: weakened orderings and deleted wake-ups in src/lock and src/pool\n\n\
         `{command}`: {summary}. Each mutant was run against the loom suites \
         (`{}`) until a test failed.\n\n{}",
        SUITES.join("`, `"),
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

/// Builds the loom suites in `scratch`; returns each suite's test binary.
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
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    let _ = fs::write(log, &text);
    if !output.status.success() {
        let first = text
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("cargo failed")
            .to_owned();
        return Err(first);
    }
    println!("    built in {}", seconds(start.elapsed()));
    // `  Executable tests/loom_lock.rs (/…/release/deps/loom_lock-0123abcd)`
    let mut binaries = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("Executable ") else {
            continue;
        };
        let (source, path) = rest.split_once(" (").unwrap_or_default();
        let suite = Path::new(source)
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy();
        let path = scratch.join(path.trim_end_matches(')'));
        binaries.push((suite.into_owned(), path));
    }
    if binaries.len() != SUITES.len() {
        return Err(format!(
            "expected {} test binaries in cargo's output:\n{text}",
            SUITES.len()
        ));
    }
    Ok(binaries)
}

/// Lists and runs every test on the unmutated code: they must all pass.
fn baseline(binaries: &[(String, PathBuf)], logs: &Path) -> Result<Vec<Test>, String> {
    let mut tests = Vec::new();
    for (suite, binary) in binaries {
        let mut cmd = Command::new(binary);
        cmd.args(["--list", "--format", "terse"]);
        let output = cmd.output().map_err(|e| format!("{}: {e}", shown(&cmd)))?;
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let Some(name) = line.strip_suffix(": test") {
                let test = Test {
                    suite: suite.clone(),
                    name: name.to_owned(),
                    binary: binary.clone(),
                    baseline: Duration::ZERO,
                };
                tests.push(test);
            }
        }
    }
    for test in &mut tests {
        let start = Instant::now();
        let (status, _) = run_test(test, &logs.join("baseline"))?;
        test.baseline = start.elapsed();
        if status != Some(true) {
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

/// Builds and runs the suite on the mutant that is in `scratch` now.
fn judge(
    root: &Path,
    scratch: &Path,
    mutant: &Mutant,
    tests: &[Test],
    log: &Path,
) -> Result<Verdict, String> {
    if let Err(e) = build(root, scratch, &log.with_extension("build.log")) {
        return Ok(Verdict::BuildError(e));
    }
    let mut order: Vec<&Test> = tests.iter().collect();
    order.sort_by_key(|t| (t.suite != mutant.own_suite(), t.baseline));
    for test in order {
        let (passed, text) = run_test(test, log)?;
        let id = format!("{}::{}", test.suite, test.name);
        match passed {
            Some(true) => continue,
            None => return Ok(Verdict::Timeout { test: id }),
            Some(false) => {
                let why = reason(&text);
                if text.contains("there is no such thing as") {
                    return Ok(Verdict::Invalid { test: id, why });
                }
                return Ok(Verdict::Killed { test: id, why });
            }
        }
    }
    Ok(Verdict::Survived)
}

/// Runs one test in its own process (an abort takes only it down), output to
/// `<log>.<test>.log`. Returns whether it passed (`None`: timed out) and its output.
fn run_test(test: &Test, log: &Path) -> Result<(Option<bool>, String), String> {
    let path = PathBuf::from(format!("{}.{}.log", log.display(), test.name));
    let file = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&test.binary);
    cmd.args(["--exact", &test.name, "--nocapture", "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        .env_remove("LOOM_MAX_PREEMPTIONS");
    println!("    $ {}", shown(&cmd));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", test.binary.display()))?;
    let start = Instant::now();
    let status: Option<ExitStatus> = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if start.elapsed() > TEST_TIMEOUT {
            // Our own child, by its handle.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = fs::read_to_string(&path).unwrap_or_default();
    let passed = status.map(|s| s.success() && text.contains("test result: ok. 1 passed"));
    if let Some(s) = status.filter(|s| !s.success()) {
        println!("    {}: {}", test.name, exec::describe(s));
    }
    Ok((passed, text))
}

/// The first panic message of a failed test, shortened; or "abort".
fn reason(text: &str) -> String {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.contains("panicked at") {
            let message = lines.next().unwrap_or("").trim();
            // loom's `deadlock; threads = [...]` lists every thread's state: the word says it.
            if message.starts_with("deadlock") {
                return "deadlock".into();
            }
            let mut short: String = message.chars().take(80).collect();
            if short.len() < message.len() {
                short.push('…');
            }
            return short;
        }
    }
    if text.contains("deadlock") {
        "deadlock".into()
    } else {
        "aborted".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
fn f() {
    // Ordering::Acquire in a comment
    let success = if MODE == SOUND {
        Ordering::Acquire
    } else {
        Ordering::Relaxed
    };
    x.compare_exchange(a, b, Ordering::AcqRel, Ordering::Relaxed);
    thread.unpark();
    waiter.expect(\"w\").unpark();
    sleeper.wake();
}
";

    #[test]
    fn finds_sites() {
        let (mut mutants, mut notes) = (Vec::new(), Vec::new());
        mutants_of("src/lock/x.rs", SAMPLE, &mut mutants, &mut notes);
        let shown: Vec<String> = mutants
            .iter()
            .map(|m| format!("{} {}", m.site(), m.change()))
            .collect();
        assert_eq!(
            shown,
            [
                "src/lock/x.rs:4:9 Acquire → Relaxed",
                "src/lock/x.rs:8:30 AcqRel → Acquire",
                "src/lock/x.rs:8:30 AcqRel → Release",
                "src/lock/x.rs:9:5 `thread.unpark();` deleted",
                "src/lock/x.rs:10:5 `waiter.expect(\"w\").unpark();` deleted",
                "src/lock/x.rs:11:5 `sleeper.wake();` deleted",
            ]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("src/lock/x.rs:6:"), "{notes:?}");
        let applied = mutants[4].apply(SAMPLE);
        assert!(applied.contains("\n    let _ = &waiter.expect(\"w\");\n"));
        assert_eq!(applied.lines().count(), SAMPLE.lines().count());
        assert!(mutants[1]
            .apply(SAMPLE)
            .contains("(a, b, Ordering::Acquire, Ordering::Relaxed)"));
    }
}
