//! `cargo xtask icount`: instruction counts of the lock's and the pool's fast paths, under
//! valgrind's callgrind, against the committed baselines in `benches/icount-baseline.txt`.
//!
//! | figure | one operation | counted | judged |
//! |---|---|---|---|
//! | `lock_unlock` | an uncontended `Lock::lock()` + guard drop | inside `racelab_icount_lock` only (`--toggle-collect`) | yes |
//! | `submit_run_get` | `apply_async(|| 1)`, its run and its `get()`, on a 1-worker pool, with no thread waiting for another per task (the worker is held in a first task while the tasks are queued) | every instruction of every thread (`--collect-atstart=yes`): submit, the worker's dequeue, run and completion, get | yes |
//! | `round_trip` | `apply_async(|| 1).get()`, one at a time, on a 1-worker pool | every thread: the above plus the hand-offs both ways | no: shown |
//!
//! Each figure is `(count(2N) − count(N)) / N`, N = 10,000: the fixed costs (process start, the
//! pool's start and stop, loop set-up) cancel. callgrind serialises the threads, so a figure in
//! which no thread waits for another per operation repeats: `lock_unlock` to the instruction,
//! `submit_run_get` within a few thousand instructions per run (under 0.3 per operation; the
//! fewest of three runs is taken, since a wait's spins only ever add). `round_trip` waits twice per operation,
//! and how long a wait spins or yields before it parks depends on how valgrind and the kernel
//! interleave the threads: at N = 1,000, 1,405 per operation on one machine, 2,606 on another of the same
//! kind, 830 to 2,600 between runs there; it is shown, never judged. A judged figure above its
//! baseline by more than the tolerance stated in the baseline file fails; `--bless` writes the
//! measured figures.
//!
//! Trace cost: both workloads are counted again in a scratch copy of the workspace whose
//! `src/lock` and `src/pool` have every `trace::…(…);` line deleted. The judged counts must be
//! equal within [`TRACE_SLACK`] instructions per operation (recording compiles to nothing in
//! std release builds).
//!
//! `--pool-gap`: the 100,000-empty-task submit-then-collect workload on 5 workers, racelab
//! against the `threadpool` crate: instructions per task (callgrind), futex calls per task
//! (`strace -f -c -e trace=futex`) and wall time.
//!
//! Without valgrind on the PATH the command says so and succeeds.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::artifacts;
use crate::scratch::{self, shown};
use crate::table::{thousands, Table};

const BASELINE: &str = "benches/icount-baseline.txt";
/// Runs of each judged count; the fewest instructions is taken (see [`Count::measure`]).
const REPEATS: usize = 3;
/// Operations per counted run.
const N: u64 = 10_000;
/// The tolerance of a figure the baseline file does not have yet.
const DEFAULT_TOLERANCE: f64 = 5.0;
/// Where the trace-free copy builds.
const NOTRACE_TARGET: &str = "target/icount-notrace";

/// How far apart (instructions per operation) a judged figure may be with and without the
/// trace calls: `lock_unlock` repeats to the instruction; `submit_run_get` has a few waits
/// per run whose spins differ by a few thousand instructions, under 0.5 per operation at N = 10,000.
const TRACE_SLACK: f64 = 1.0;

/// One counted figure: its baseline name, the example's mode, how collection is switched on,
/// whether its count repeats well enough to be judged against a baseline.
struct Figure {
    name: &'static str,
    mode: &'static str,
    collect: &'static str,
    judged: bool,
}

const FIGURES: [Figure; 3] = [
    Figure {
        name: "lock_unlock",
        mode: "lock",
        collect: "--toggle-collect=racelab_icount_lock",
        judged: true,
    },
    Figure {
        name: "submit_run_get",
        mode: "pool",
        collect: "--collect-atstart=yes",
        judged: true,
    },
    Figure {
        name: "round_trip",
        mode: "round-trip",
        collect: "--collect-atstart=yes",
        judged: false,
    },
];

/// `cargo xtask icount [--bless] [--pool-gap]`.
pub fn run(root: &Path, bless: bool, pool_gap: bool) -> ExitCode {
    match Command::new("valgrind").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => {
            println!("icount: valgrind not found, skipping");
            return ExitCode::SUCCESS;
        }
    }
    let result = if pool_gap {
        gap(root)
    } else {
        check(root, bless)
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask icount: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(root: &Path, bless: bool) -> Result<bool, String> {
    let out = root.join("target/racelab/icount");
    let binary = build(root, root, &root.join("target"))?;
    let counts = FIGURES
        .iter()
        .map(|figure| Count::measure(&binary, figure, &out.join("std")))
        .collect::<Result<Vec<_>, _>>()?;

    let mut baseline = Baseline::read(&root.join(BASELINE))?;
    let mut table = Table::new(
        &[
            "figure",
            "baseline",
            "measured",
            "change",
            "tolerance",
            "result",
        ],
        &["baseline", "measured", "change", "tolerance"],
    );
    let mut ok = true;
    for (figure, count) in FIGURES.iter().zip(&counts) {
        let measured = count.per_op();
        let tolerance = baseline.tolerance(figure.name);
        let base = figure.judged.then(|| baseline.value(figure.name));
        let (base, change, result) = match base {
            None => ("-".into(), "-".into(), "shown only (scheduling noise)"),
            Some(None) => ("-".into(), "-".into(), "no baseline"),
            Some(Some(base)) => {
                let change = 100.0 * (measured - base) / base;
                let result = if change > tolerance {
                    ok &= bless;
                    "REGRESSION"
                } else if change < -tolerance {
                    "improved: --bless"
                } else {
                    "ok"
                };
                (format!("{base:.1}"), format!("{change:+.2}%"), result)
            }
        };
        table.row(vec![
            figure.name.into(),
            base,
            format!("{measured:.1}"),
            change,
            if figure.judged {
                format!("+{tolerance}%")
            } else {
                "-".into()
            },
            result.into(),
        ]);
        if figure.judged {
            baseline.set(figure.name, measured);
        }
    }
    println!("\ninstructions per operation (callgrind, (count(2N) - count(N)) / N, N = {N}):");
    println!("{}", table.text());
    if bless {
        baseline.write(&root.join(BASELINE))?;
        println!("icount: wrote {BASELINE}");
    } else if baseline.missing {
        println!("icount: {BASELINE} is missing a figure: run `cargo xtask icount --bless`");
        ok = false;
    }

    ok &= trace_cost(root, &counts, &out)?;
    Ok(ok)
}

/// A build whose lock and pool have no `trace::` calls counts the same, per operation, within
/// [`TRACE_SLACK`], for every judged figure; `round_trip` is shown only (its scheduling noise
/// would hide the few instructions a trace call could cost).
fn trace_cost(root: &Path, with: &[Count], out: &Path) -> Result<bool, String> {
    println!(
        "\n==> trace cost: the same counts without any trace::…(…) call in src/lock, src/pool"
    );
    let mut deleted = 0;
    let copy = scratch::sync(root, "icount-notrace", |rel, bytes| {
        let traced = rel.starts_with("src/lock") || rel.starts_with("src/pool");
        if !traced || rel.extension().is_none_or(|e| e != "rs") {
            return bytes;
        }
        let text = String::from_utf8_lossy(&bytes);
        let mut kept = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let t = line.trim();
            if t.starts_with("trace::") && t.contains('(') && t.ends_with(");") {
                deleted += 1;
            } else {
                kept.push_str(line);
            }
        }
        kept.into_bytes()
    })
    .map_err(|e| format!("cannot copy the workspace: {e}"))?;
    if deleted == 0 {
        return Err(
            "no trace:: call in src/lock or src/pool: the check would check nothing".into(),
        );
    }
    println!(
        "    {deleted} trace call lines deleted in {}",
        copy.display()
    );
    let bare = build(root, &copy, &root.join(NOTRACE_TARGET))?;
    let without = FIGURES
        .iter()
        .map(|figure| Count::measure(&bare, figure, &out.join("notrace")))
        .collect::<Result<Vec<_>, _>>()?;

    let mut table = Table::new(
        &[
            "figure",
            "runs",
            "with trace calls",
            "without",
            "difference/op",
            "result",
        ],
        &["with trace calls", "without", "difference/op"],
    );
    let mut ok = true;
    for ((figure, w), wo) in FIGURES.iter().zip(with).zip(&without) {
        let diff = w.per_op() - wo.per_op();
        let judged = figure.judged;
        let same = diff.abs() <= TRACE_SLACK;
        if judged {
            ok &= same;
        }
        table.row(vec![
            figure.name.into(),
            "N, 2N".into(),
            format!("{}, {}", thousands(w.at_n), thousands(w.at_2n)),
            format!("{}, {}", thousands(wo.at_n), thousands(wo.at_2n)),
            format!("{diff:+.2}"),
            match (judged, same) {
                (true, true) => "same",
                (true, false) => "TRACE COST",
                (false, _) => "shown only (scheduling noise)",
            }
            .into(),
        ]);
    }
    println!("{}", table.text());
    if ok {
        println!("    trace recording costs nothing in std release builds");
    }
    Ok(ok)
}

/// callgrind's totals of one figure at `N` and `2N` operations.
struct Count {
    at_n: u64,
    at_2n: u64,
}

impl Count {
    fn measure(binary: &Path, figure: &Figure, out: &Path) -> Result<Count, String> {
        // A wait spins or yields for as long as the other thread takes, so noise only ever
        // adds instructions: the fewest of a few runs is the count (one run in a dozen of the
        // pool's came out 17,000 instructions, 1.7 per operation, above the others).
        let repeats = if figure.judged { REPEATS } else { 1 };
        let run = |n: u64| -> Result<u64, String> {
            let mut fewest = u64::MAX;
            for _ in 0..repeats {
                let count = callgrind(
                    binary,
                    &[figure.collect],
                    &[figure.mode, &n.to_string()],
                    out,
                )?;
                fewest = fewest.min(count);
            }
            Ok(fewest)
        };
        Ok(Count {
            at_n: run(N)?,
            at_2n: run(2 * N)?,
        })
    }

    /// Instructions per operation: what `N` more operations cost, over `N`. Every fixed cost
    /// (process start and exit, pool start and stop, loop set-up) cancels.
    fn per_op(&self) -> f64 {
        self.at_2n.saturating_sub(self.at_n) as f64 / N as f64
    }
}

/// `cargo build --release -p racelab-bench --bin icount` in `dir`; returns the binary, as
/// cargo's `compiler-artifact` message names it. cargo's diagnostics are shown only if the
/// build fails: the trace-free copy warns about every recording function it no longer calls.
fn build(root: &Path, dir: &Path, target: &Path) -> Result<PathBuf, String> {
    let mut cmd = scratch::cargo();
    if dir != root {
        cmd.current_dir(dir);
    }
    cmd.env("CARGO_TARGET_DIR", target).args([
        "build",
        "--release",
        "-p",
        "racelab-bench",
        "--bin",
        "icount",
    ]);
    println!("    $ {}", shown(&cmd));
    let executables = artifacts::build(cmd, None)?;
    executables
        .into_iter()
        .find(|e| e.name == "icount" && e.kinds.iter().any(|k| k == "bin"))
        .map(|e| e.path)
        .ok_or_else(|| "cargo reported no `icount` binary".to_owned())
}

fn callgrind(binary: &Path, collect: &[&str], args: &[&str], out: &Path) -> Result<u64, String> {
    fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let file = out.join(format!("callgrind.{}.out", args.join(".")));
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .args(collect)
        .arg(binary)
        .args(args);
    println!("    $ {}", shown(&cmd));
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "valgrind failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    totals(&text).ok_or_else(|| format!("no totals: line in {}", file.display()))
}

/// The `totals:` (else `summary:`) line of a callgrind output file: its first event, `Ir`.
fn totals(text: &str) -> Option<u64> {
    ["totals:", "summary:"].iter().find_map(|key| {
        let line = text.lines().find(|l| l.starts_with(key))?;
        line[key.len()..].split_whitespace().next()?.parse().ok()
    })
}

/// `benches/icount-baseline.txt`: `name instructions +tolerance%` lines under a comment header.
struct Baseline {
    entries: Vec<(String, f64, f64)>,
    /// A figure was asked for that the file does not have.
    missing: bool,
}

const HEADER: &str = "\
# Instructions per operation, counted by `cargo xtask icount` under valgrind's callgrind
# (repeatable: callgrind serialises threads), as (count(20,000 ops) - count(10,000 ops)) / 10,000.
# `cargo xtask icount --bless` rewrites the numbers.
#
# lock_unlock     one uncontended Lock::lock() + guard drop; repeats to the instruction.
# submit_run_get  one apply_async(|| 1), its run and its get() on a 1-worker pool, every
#                 thread's instructions, with no thread waiting for another per task (the
#                 worker is held in a first task while the tasks are queued); repeats within
#                 a few instructions per run. (The one-at-a-time round trip, whose waits spin
#                 as long as the interleaving makes them, is shown by the command, not kept.)
#
# Tolerance: a measurement above baseline × (1 + tolerance) fails. lock_unlock: +5% (it repeats
# to the instruction; 16 instructions, so one extra instruction fails). submit_run_get: +5%,
# so it catches a new allocation or lock round trip per task.
#
# name            instructions  tolerance
";

impl Baseline {
    fn read(path: &Path) -> Result<Baseline, String> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut entries = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let parse = |s: Option<&&str>| {
                s.map(|s| s.trim_start_matches('+').trim_end_matches('%'))
                    .and_then(|s| s.parse::<f64>().ok())
            };
            match (fields.first(), parse(fields.get(1)), parse(fields.get(2))) {
                (Some(name), Some(value), tolerance) => entries.push((
                    name.to_string(),
                    value,
                    tolerance.unwrap_or(DEFAULT_TOLERANCE),
                )),
                _ => return Err(format!("{}: cannot read line {line:?}", path.display())),
            }
        }
        Ok(Baseline {
            entries,
            missing: false,
        })
    }

    fn value(&mut self, name: &str) -> Option<f64> {
        let value = self.entries.iter().find(|e| e.0 == name).map(|e| e.1);
        self.missing |= value.is_none();
        value
    }

    fn tolerance(&self, name: &str) -> f64 {
        self.entries
            .iter()
            .find(|e| e.0 == name)
            .map_or(DEFAULT_TOLERANCE, |e| e.2)
    }

    fn set(&mut self, name: &str, value: f64) {
        let tolerance = self.tolerance(name);
        self.entries.retain(|e| e.0 != name);
        self.entries.push((name.to_owned(), value, tolerance));
    }

    fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = HEADER.to_owned();
        for (name, value, tolerance) in &self.entries {
            let _ = writeln!(text, "{name:<15} {value:>12.1}  +{tolerance}%");
        }
        fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// `--pool-gap`: where the time of the 100,000-task workload goes, racelab against threadpool.
fn gap(root: &Path) -> Result<bool, String> {
    let out = root.join("target/racelab/icount/gap");
    let binary = build(root, root, &root.join("target"))?;
    let tasks = 100_000f64;
    let strace = Command::new("strace").arg("-V").output().is_ok();
    let mut table = Table::new(
        &[
            "pool",
            "instructions/task",
            "futex calls/task",
            "blocking waits/task",
            "wall ms/batch",
        ],
        &[
            "instructions/task",
            "futex calls/task",
            "blocking waits/task",
            "wall ms/batch",
        ],
    );
    for pool in ["racelab", "threadpool"] {
        let mode = format!("gap-{pool}");
        let instr = |n: &str| callgrind(&binary, &["--collect-atstart=yes"], &[&mode, n], &out);
        let per_task = instr("2")?.saturating_sub(instr("1")?) as f64 / tasks;
        let futex = if strace {
            let calls = |n: &str| futex_calls(&binary, &[&mode, n]);
            let per_task = calls("3")?.saturating_sub(calls("0")?) as f64 / (3.0 * tasks);
            format!("{per_task:.4}")
        } else {
            "strace not found".into()
        };
        let (wall, waits) = (0..3)
            .map(|_| native(&binary, &[&mode, "10"]))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .min()
            .unwrap_or_default();
        table.row(vec![
            pool.into(),
            format!("{per_task:.1}"),
            futex,
            format!("{:.4}", waits as f64 / (10.0 * tasks)),
            format!("{:.1}", wall.as_secs_f64() * 1000.0 / 10.0),
        ]);
    }
    println!(
        "\n100,000 empty tasks on 5 workers, submitted then collected:\n{}",
        table.text()
    );
    println!(
        "instructions: callgrind, every thread (threads serialised), 2 batches minus 1;\n\
         futex calls: strace -f -c, 3 batches minus 0 (strace slows each system call);\n\
         blocking waits: voluntary context switches of all threads, 10 batches, no tracer;\n\
         wall: the fastest of 3 runs of 10 batches (it depends on how busy the machine is)."
    );
    Ok(true)
}

/// futex system calls of every thread of `icount ARGS`, counted by `strace -f -c`.
fn futex_calls(binary: &Path, args: &[&str]) -> Result<u64, String> {
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-c", "-e", "trace=futex"])
        .arg(binary)
        .args(args);
    println!("    $ {}", shown(&cmd));
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run strace: {e}"))?;
    // `% time  seconds  usecs/call  calls  errors  syscall`, errors possibly blank.
    let text = String::from_utf8_lossy(&output.stderr);
    let calls = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.last() == Some(&"futex"))
        .and_then(|f| f.get(3)?.parse().ok())
        .unwrap_or(0);
    Ok(calls)
}

/// Runs `icount ARGS` natively: its wall time, and the voluntary context switches it reports.
fn native(binary: &Path, args: &[&str]) -> Result<(Duration, u64), String> {
    let mut cmd = Command::new(binary);
    cmd.args(args);
    println!("    $ {}", shown(&cmd));
    let start = Instant::now();
    let output = cmd.output().map_err(|e| format!("{}: {e}", shown(&cmd)))?;
    let wall = start.elapsed();
    if !output.status.success() {
        return Err(format!("{} failed", shown(&cmd)));
    }
    // `context switches: voluntary V, involuntary I`
    let text = String::from_utf8_lossy(&output.stdout);
    let voluntary = text
        .split("voluntary ")
        .nth(1)
        .and_then(|rest| rest.split(',').next()?.trim().parse().ok())
        .unwrap_or(0);
    Ok((wall, voluntary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_totals() {
        let text = "version: 1\nevents: Ir\nsummary: 16024\nfn=main\n1 2\ntotals: 16025\n";
        assert_eq!(totals(text), Some(16025));
        assert_eq!(totals("summary: 7\n"), Some(7));
        assert_eq!(totals("events: Ir\n"), None);
    }
}
