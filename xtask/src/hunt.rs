//! `cargo xtask hunt`: the bug-hunting benchmark. The `racelab-hunt` package's tests (one per
//! program and lock flavour, each one `find_failure`) run in three searches — loom with the
//! default `Explorer`, loom's plain unbounded depth-first search, shuttle with the default
//! `Explorer` — each a `cargo nextest run` of its own with its own records file. Then one
//! table: per program and lock, each search's executions and time to the first failure, and
//! whether every failure found was the program's own; the targets met or missed; and the ratio
//! of executions with racelab's `Lock` to executions with the checker's own mutex, per program.
//! Also in `target/racelab/hunt.md`.
//!
//! Each check is cut at `--budget` seconds: the harness's `RACELAB_TIME_BUDGET`, and under loom
//! also loom's own `LOOM_MAX_DURATION`, looked at after every execution
//! (`LOOM_CHECKPOINT_INTERVAL=1`); a search cut short is "not found".

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Cargo};
use crate::junit;
use crate::records;
use crate::table::{seconds, thousands, Table};

/// The hunt's package and its test binary.
const PACKAGE: &str = "racelab-hunt";
const TEST: &str = "hunt";

/// Seconds a check may search, unless `--budget` says otherwise.
pub const DEFAULT_BUDGET: u64 = 20;

/// The targets, as the summary states them.
const MEDIAN_TARGET: u64 = 100;
const TIME_TARGET: Duration = Duration::from_secs(10);
const RATIO_TARGET: f64 = 1.5;

/// One search over the whole corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Search {
    backend: Backend,
    /// `RACELAB_HUNT_SEARCH`: `default` or `dfs`.
    search: &'static str,
    /// The table's column header.
    label: &'static str,
}

const SEARCHES: [Search; 3] = [
    Search {
        backend: Backend::Loom,
        search: "default",
        label: "loom default",
    },
    Search {
        backend: Backend::Loom,
        search: "dfs",
        label: "loom DFS",
    },
    Search {
        backend: Backend::Shuttle,
        search: "default",
        label: "shuttle default",
    },
];

/// The flavour names the hunt's tests give their records (`hunt/tests/hunt.rs`).
const RACELAB_LOCK: &str = "racelab-lock";
const RACELAB_IMPLEMENTATION: &str = "racelab-implementation";
const CHECKER_MUTEX: &str = "checker-mutex";
const MODEL: &str = "model";

/// What one check found.
#[derive(Debug, Clone)]
struct Found {
    executions: u64,
    time: Duration,
    /// `false` for "not found": the whole budget passed.
    caught: bool,
    /// The failure's kind (`caught deadlock`), or why nothing is known.
    result: String,
}

/// One search's outcome: each check by `program/flavour`, and the tests that failed (a wrong
/// failure, or a crash) with their first lines.
struct Outcome {
    search: Search,
    checks: BTreeMap<String, Found>,
    failed: BTreeMap<String, String>,
    /// Why the run itself went wrong (no report), if it did.
    error: Option<String>,
}

pub fn run(root: &Path, budget: u64) -> ExitCode {
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for search in SEARCHES {
        outcomes.push(run_search(root, search, budget));
    }
    println!(
        "\n{}",
        report(&outcomes, budget, started.elapsed(), Format::Text)
    );
    let path = records::dir(root).join("hunt.md");
    let markdown = report(&outcomes, budget, started.elapsed(), Format::Markdown);
    match std::fs::write(&path, markdown) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("xtask hunt: cannot write {}: {e}", path.display()),
    }
    let ok = outcomes
        .iter()
        .all(|o| o.error.is_none() && o.failed.is_empty());
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The cargo command of one search: the hunt's tests, one at a time (each is timed).
fn command(search: Search, budget: u64, report: &Path) -> Cargo {
    let filter = format!("binary({TEST})");
    let mut cargo = search
        .backend
        .cargo(["nextest", "run", "--no-fail-fast"])
        .args(search.backend.profile())
        .args(["-p", PACKAGE, "--test", TEST, "-E", filter.as_str()])
        .args(["--test-threads", "1"])
        .env("RACELAB_REPORT", report.to_string_lossy())
        .env("RACELAB_HUNT_SEARCH", search.search)
        .env("RACELAB_TIME_BUDGET", budget.to_string());
    if search.backend == Backend::Loom {
        cargo = cargo
            .env("LOOM_MAX_DURATION", budget.to_string())
            .env("LOOM_CHECKPOINT_INTERVAL", "1");
    }
    cargo
}

fn run_search(root: &Path, search: Search, budget: u64) -> Outcome {
    let mut outcome = Outcome {
        search,
        checks: BTreeMap::new(),
        failed: BTreeMap::new(),
        error: None,
    };
    let name = format!("hunt-{}-{}", search.backend.name(), search.search);
    let report = match records::fresh(root, &name) {
        Ok(path) => path,
        Err(e) => {
            outcome.error = Some(format!("cannot create target/racelab/: {e}"));
            return outcome;
        }
    };
    let cargo = command(search, budget, &report);
    println!("\n==> {}\n    $ {cargo}", search.label);
    match junit::run(&cargo, root) {
        Ok((_, tests)) => {
            for case in tests.failures() {
                let why = case.failure.as_deref().unwrap_or_default();
                let first = why.lines().take(3).collect::<Vec<_>>().join(" / ");
                outcome.failed.insert(check_name(&case.name), first);
            }
        }
        Err(e) => outcome.error = Some(e),
    }
    match records::read(&report) {
        Ok(lines) => {
            for line in lines {
                if let Some((name, found)) = parse_record(&line) {
                    outcome.checks.insert(name, found);
                }
            }
        }
        Err(e) => outcome.error = Some(format!("{}: {e}", report.display())),
    }
    outcome
}

/// The check a test records: `abba_deadlock::racelab_lock` → `abba_deadlock/racelab-lock`,
/// `lab::abba_deadlock` → `lab.abba_deadlock/model`, `reorder` → `reorder/no-lock`.
fn check_name(test: &str) -> String {
    match test.split_once("::") {
        Some(("lab", model)) => format!("lab.{model}/{MODEL}"),
        Some((program, flavour)) => format!("{program}/{}", flavour.replace('_', "-")),
        None => format!("{test}/no-lock"),
    }
}

/// A `RACELAB_REPORT` record: name, backend, budget, executions, seconds, result.
fn parse_record(line: &str) -> Option<(String, Found)> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [name, _backend, _budget, executions, secs, result, ..] = fields[..] else {
        return None;
    };
    Some((
        name.to_owned(),
        Found {
            executions: executions.parse().ok()?,
            time: Duration::from_secs_f64(secs.parse::<f64>().ok()?.max(0.0)),
            caught: result.starts_with("caught"),
            result: result.to_owned(),
        },
    ))
}

/// A table cell: `28 in 0.01 s`, or `not found: 680,000 in 20.0 s`.
fn cell(found: Option<&Found>) -> String {
    match found {
        None => "no record".to_owned(),
        Some(f) if f.caught => format!("{} in {}", thousands(f.executions), seconds(f.time)),
        Some(f) => format!(
            "{}: {} in {}",
            f.result,
            thousands(f.executions),
            seconds(f.time)
        ),
    }
}

/// The terminal's aligned columns, or markdown for `hunt.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
}

impl Format {
    fn table(self, table: &Table) -> String {
        match self {
            Format::Text => table.text(),
            Format::Markdown => table.markdown(),
        }
    }
}

fn report(outcomes: &[Outcome], budget: u64, elapsed: Duration, format: Format) -> String {
    let mut names: Vec<&String> = outcomes.iter().flat_map(|o| o.checks.keys()).collect();
    names.extend(outcomes.iter().flat_map(|o| o.failed.keys()));
    names.sort_by_key(|n| (n.starts_with("lab."), n.to_string()));
    names.dedup();

    let mut headers = vec!["program", "lock"];
    headers.extend(outcomes.iter().map(|o| o.search.label));
    headers.push("right failure?");
    let mut table = Table::new(&headers, &[]);
    for name in &names {
        let (program, flavour) = name.rsplit_once('/').unwrap_or((name, "?"));
        let mut row = vec![program.to_owned(), flavour.to_owned()];
        let mut wrong = Vec::new();
        let mut any = false;
        for o in outcomes {
            let found = o.checks.get(*name);
            any |= found.is_some_and(|f| f.caught);
            row.push(cell(found));
            if let Some(why) = o.failed.get(*name) {
                wrong.push(format!("{}: {why}", o.search.label));
            }
        }
        row.push(if !wrong.is_empty() {
            format!("NO ({})", wrong.join("; "))
        } else if any {
            "yes".to_owned()
        } else {
            "-".to_owned()
        });
        table.row(row);
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Bug hunt\n\n{} checks, {} programs; each check cut at {budget} s; \
         the whole hunt took {}.\n",
        names.len(),
        names
            .iter()
            .map(|n| n.rsplit_once('/').map_or(n.as_str(), |(p, _)| p))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        seconds(elapsed)
    );
    for o in outcomes {
        if let Some(e) = &o.error {
            let _ = writeln!(out, "**{}: the run went wrong:** {e}\n", o.search.label);
        }
    }
    out.push_str(&format.table(&table));
    out.push('\n');
    out.push_str(&targets(outcomes, &names));
    out.push('\n');
    out.push_str(&ratios(outcomes, &names, format));
    out
}

/// The checks shuttle is expected to miss: the models whose bug is a weak-memory one (their
/// `Model` says `shuttle: false`).
const SHUTTLE_MISSES: [&str; 3] = [
    "lab.broken_lock/model",
    "lab.relaxed_publication/model",
    "lab.relaxed_publication_cell/model",
];

/// The targets of the default searches, met or missed, with the numbers.
fn targets(outcomes: &[Outcome], names: &[&String]) -> String {
    let mut out = String::from(
        "## Targets (default configuration)\n\n\
         Every bug found under both backends by the default configuration; median <= 100 \
         executions to the first failure per backend; none over 10 s.\n\n",
    );
    let verdict = |met: bool| if met { "met" } else { "missed" };
    for o in outcomes.iter().filter(|o| o.search.search == "default") {
        let backend = o.search.backend;
        let expected = |n: &str| backend == Backend::Shuttle && SHUTTLE_MISSES.contains(&n);
        let (mut found, mut missed, mut excused) = (Vec::new(), Vec::new(), Vec::new());
        for name in names {
            match o.checks.get(*name) {
                Some(f) if f.caught => found.push(f),
                _ if expected(name) => excused.push(name.as_str()),
                _ => missed.push(name.as_str()),
            }
        }
        let total = names.len();
        let _ = writeln!(
            out,
            "- {}: every bug found: **{}** ({} of {total}{}{})",
            o.search.label,
            verdict(missed.is_empty()),
            found.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("; not found: {}", missed.join(", "))
            },
            if excused.is_empty() {
                String::new()
            } else {
                format!(
                    "; expected misses, weak-memory bugs shuttle cannot see: {}",
                    excused.join(", ")
                )
            },
        );
        // Misses count as more executions than any find; the expected misses are left out.
        let mut counts: Vec<u64> = found.iter().map(|f| f.executions).collect();
        counts.extend(missed.iter().map(|_| u64::MAX));
        counts.sort_unstable();
        let median = counts.get(counts.len().saturating_sub(1) / 2).copied();
        let median_text = match median {
            Some(u64::MAX) => "not found".to_owned(),
            Some(n) => thousands(n),
            None => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "- {}: median executions to the first failure <= {MEDIAN_TARGET}: **{}** (median {median_text} over {} checks, misses counted as above every find)",
            o.search.label,
            verdict(median.is_some_and(|m| m <= MEDIAN_TARGET)),
            counts.len(),
        );
        let slow: Vec<String> = names
            .iter()
            .filter_map(|n| {
                let f = o.checks.get(*n)?;
                (f.time > TIME_TARGET && !expected(n)).then(|| format!("{n} {}", seconds(f.time)))
            })
            .collect();
        let longest = o.checks.values().map(|f| f.time).max().unwrap_or_default();
        let _ = writeln!(
            out,
            "- {}: none over 10 s: **{}** (longest {}{})",
            o.search.label,
            verdict(slow.is_empty()),
            seconds(longest),
            if slow.is_empty() {
                String::new()
            } else {
                format!("; over: {}", slow.join(", "))
            },
        );
    }
    let wrong: usize = outcomes.iter().map(|o| o.failed.len()).sum();
    let _ = writeln!(
        out,
        "- every failure found is the program's own (kind and message): **{}**{}",
        verdict(wrong == 0),
        if wrong == 0 {
            String::new()
        } else {
            format!(" ({wrong} tests failed: see the table)")
        }
    );
    out
}

/// `a / b` executions as a ratio cell: `1.00x`; `>= 3.1x` when `a`'s search was cut short,
/// `<= 0.50x` when `b`'s was; `None` when neither found anything. The flag says whether the
/// cell counts towards the target (`b` found), and whether it is within it.
fn ratio(a: &Found, b: &Found) -> Option<(String, Option<bool>)> {
    let r = a.executions as f64 / b.executions.max(1) as f64;
    match (a.caught, b.caught) {
        (true, true) => Some((format!("{r:.2}x"), Some(r <= RATIO_TARGET))),
        (false, true) => Some((format!(">= {r:.1}x"), Some(false))),
        (true, false) => Some((format!("<= {r:.2}x"), None)),
        (false, false) => None,
    }
}

/// Executions with racelab's `Lock` over executions with the checker's own mutex, per
/// lock-using program and search: with the lock's spec face (what a client is explored
/// against) and with its implementation face (what the lock's own suites explore); and
/// whether the two faces agree on each program's verdict.
fn ratios(outcomes: &[Outcome], names: &[&String], format: Format) -> String {
    let mut out = format!(
        "## Spec vs implementation: racelab Lock / checker Mutex\n\n\
         Executions to the first failure with racelab's `Lock`, over the same with the \
         checker's own mutex (loom's or shuttle's), per program: `spec` with the lock's spec \
         face (the default for a program that uses it), `impl` with its implementation face \
         (`Face::Implementation`, what the lock's own suites explore); target <= \
         {RATIO_TARGET}x for the spec. `>=`: racelab's search was cut short, so the ratio is at \
         least this; `<=`: the checker's was. `faces agree`: the spec and the implementation \
         found the same kind of failure (`inconclusive` where one search was cut short).\n\n"
    );
    let mut programs: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix(&format!("/{RACELAB_LOCK}")))
        .collect();
    programs.dedup();
    let mut headers = vec!["program".to_owned()];
    for o in outcomes {
        headers.push(format!("{} spec", o.search.label));
        headers.push(format!("{} impl", o.search.label));
        headers.push(format!("{} faces agree", o.search.label));
    }
    // The table wants `'static` headers; a few short strings, once per run.
    let header_refs: Vec<&'static str> =
        headers.into_iter().map(String::leak).map(|h| &*h).collect();
    let mut table = Table::new(&header_refs, &header_refs[1..]);
    let mut within = vec![(0usize, 0usize); outcomes.len()];
    let mut agree = vec![(0usize, 0usize, 0usize); outcomes.len()];
    for program in &programs {
        let mut row = vec![(*program).to_owned()];
        for (i, o) in outcomes.iter().enumerate() {
            let spec = o.checks.get(&format!("{program}/{RACELAB_LOCK}"));
            let implementation = o.checks.get(&format!("{program}/{RACELAB_IMPLEMENTATION}"));
            let theirs = o.checks.get(&format!("{program}/{CHECKER_MUTEX}"));
            for (face, ours) in [("spec", spec), ("impl", implementation)] {
                let text = match (ours, theirs) {
                    (Some(a), Some(b)) => match ratio(a, b) {
                        Some((text, counted)) => {
                            if face == "spec" {
                                if let Some(ok) = counted {
                                    within[i].1 += 1;
                                    within[i].0 += usize::from(ok);
                                }
                            }
                            text
                        }
                        None => "neither found".to_owned(),
                    },
                    _ => "-".to_owned(),
                };
                row.push(text);
            }
            let verdict = match (spec, implementation) {
                (Some(a), Some(b)) if a.caught && b.caught => {
                    agree[i].0 += usize::from(a.result == b.result);
                    agree[i].1 += usize::from(a.result != b.result);
                    if a.result == b.result {
                        "yes".to_owned()
                    } else {
                        format!("NO ({} / {})", a.result, b.result)
                    }
                }
                (Some(a), Some(b)) if a.caught || b.caught => {
                    agree[i].2 += 1;
                    "inconclusive".to_owned()
                }
                (Some(_), Some(_)) => {
                    agree[i].0 += 1;
                    "yes (neither found)".to_owned()
                }
                _ => "-".to_owned(),
            };
            row.push(verdict);
        }
        table.row(row);
    }
    out.push_str(&format.table(&table));
    out.push('\n');
    for (i, o) in outcomes.iter().enumerate() {
        let (ok, of) = within[i];
        let (same, different, inconclusive) = agree[i];
        let _ = writeln!(
            out,
            "- {}: spec within {RATIO_TARGET}x: **{}** ({ok} of {of} programs that the checker's \
             mutex found); faces agree: **{}** ({same} agree, {different} disagree, \
             {inconclusive} inconclusive)",
            o.search.label,
            if ok == of { "met" } else { "missed" },
            if different == 0 { "yes" } else { "NO" },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_names_map_to_their_records() {
        assert_eq!(
            check_name("abba_deadlock::racelab_lock"),
            "abba_deadlock/racelab-lock"
        );
        assert_eq!(
            check_name("abba_deadlock::checker_mutex"),
            "abba_deadlock/checker-mutex"
        );
        assert_eq!(check_name("lab::broken_lock"), "lab.broken_lock/model");
        assert_eq!(check_name("reorder"), "reorder/no-lock");
    }

    #[test]
    fn records_parse() {
        let (name, found) =
            parse_record("abba/racelab-lock\tloom\tunbounded\t28\t0.013\tcaught deadlock").unwrap();
        assert_eq!(name, "abba/racelab-lock");
        assert!(found.caught);
        assert_eq!(found.executions, 28);
        assert_eq!(cell(Some(&found)), "28 in 0.01 s");
        let (_, missed) =
            parse_record("x/no-lock\tloom\tunbounded\t680000\t20.5\tnot found").unwrap();
        assert!(!missed.caught);
        assert_eq!(cell(Some(&missed)), "not found: 680,000 in 20.5 s");
        assert!(parse_record("short\tline").is_none());
    }
}
