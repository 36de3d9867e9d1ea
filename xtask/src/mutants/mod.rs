//! `cargo xtask mutants`: is every atomic ordering in the lock and the pool needed, and do the
//! checkers notice a missing wake-up?
//!
//! Each mutant changes one thing in `src/lock/*.rs` or `src/pool/*.rs` (the sites are found by
//! [`mutator`], the one part of this no tool does for us):
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

mod checkers;
mod loom;
mod mutator;
mod process;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::scratch;
use crate::table::{seconds, Table};
use checkers::{Extras, AFTER_LOOM};
use loom::SUITES;
use mutator::{Kind, Mutant};

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
    // A run takes its mutants from the scratch copy, so that edits to the real tree while it
    // runs change nothing; `--list` reads the real tree.
    let scratch = if list {
        None
    } else {
        let copy = scratch::sync(root, "mutants", |_, bytes| bytes)
            .map_err(|e| format!("cannot copy the workspace: {e}"))?;
        Some(copy)
    };
    let (mut mutants, notes) = mutator::find(scratch.as_deref().unwrap_or(root))
        .map_err(|e| format!("cannot read src/: {e}"))?;
    if let Some(f) = filter {
        mutants.retain(|m| format!("{} {}", m.site(), m.change()).contains(f));
    }
    let Some(scratch) = scratch.filter(|_| !mutants.is_empty()) else {
        for m in &mutants {
            println!("{}  {}", m.site(), m.change());
        }
        for note in &notes {
            println!("note: {note}");
        }
        println!("{} mutants", mutants.len());
        return Ok(ExitCode::SUCCESS);
    };

    let logs = root.join("target/racelab/mutants");
    fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let originals = snapshot(&scratch, &mutants)?;
    println!(
        "mutants: {} mutants, in the scratch copy {}",
        mutants.len(),
        scratch.display()
    );

    println!("\n==> the unmutated code");
    let binaries = loom::build(root, &scratch, &logs.join("build-baseline.log"))?;
    let tests = loom::baseline(&binaries, &logs)?;
    let mut after = Extras::new(root);

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
            loom::judge(root, &scratch, mutant, &tests, &log)?
            // `_applied` drops here: the original is back before the next mutant.
        };
        // A mutant loom did not kill (it passed, or a test ran out of time) goes to the next
        // checkers; if none kills it, a loom timeout stays the verdict.
        let verdict = match verdict {
            Verdict::Survived { .. } => after.judge(root, &scratch, mutant, &log, &logs)?,
            Verdict::Timeout { .. } => match after.judge(root, &scratch, mutant, &log, &logs)? {
                killed @ Verdict::Killed { .. } => killed,
                _ => verdict,
            },
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
    let restored = snapshot(&scratch, &mutants)? == originals;

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

    if !restored {
        println!(
            "xtask mutants: a mutated file of {} was not restored (the real tree was never \
             written; the next run copies it afresh)",
            scratch.display()
        );
    }
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
    if restored && wakeup_alive.is_empty() && broken.is_empty() {
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

/// The mutated files of the scratch copy as they are now, to check at the end that every
/// mutant was undone.
fn snapshot(scratch: &Path, mutants: &[Mutant]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files: Vec<&str> = mutants.iter().map(|m| m.file.as_str()).collect();
    files.dedup();
    files
        .into_iter()
        .map(|file| {
            let bytes = fs::read(scratch.join(file)).map_err(|e| format!("{file}: {e}"))?;
            Ok((file.to_owned(), bytes))
        })
        .collect()
}
