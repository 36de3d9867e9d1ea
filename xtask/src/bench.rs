//! `cargo xtask bench`: the lock and pool benchmarks and Python's pools in one run, then one
//! table of racelab's time per operation against each anchor's, as ratios from that same run,
//! checked against the performance issue's targets. The machine is shared and noisy: absolute
//! times drift between runs, ratios within one run are what compare. The table also goes to
//! `target/racelab/bench.md`, each figure linked to criterion's report (its plots).
//!
//! The numbers are criterion's (see benches/README.md): for every
//! `target/criterion/**/new/benchmark.json` (full id, throughput), the mean of the
//! `estimates.json` beside it, in ns per iteration, divided by the throughput's elements when
//! there are some. Files older than this run are ignored, so a filtered run shows only what
//! it measured and warns about the rest.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime};

use serde_json::Value;

use crate::backend::Backend;
use crate::exec;
use crate::progress::Progress;
use crate::records;
use crate::table::{seconds, Table};

const LOCKS: &[&str] = &["std", "parking_lot", "spin"];
const POOLS: &[&str] = &[
    "threadpool",
    "rayon_spawn",
    "rayon_scope",
    "crossbeam",
    "thread_spawn",
];
/// racelab must be at least this many times faster per task than Python's faster pool.
const PYTHON_SPEEDUP: f64 = 50.0;
/// A 1-minute load average above this at start makes the run noisy.
const QUIET_LOAD: f64 = 0.5;

const HEADERS: [&str; 8] = [
    "figure",
    "racelab",
    "anchor",
    "time",
    "ratio",
    "target",
    "result",
    "others' CPU",
];
const NUMERIC: [&str; 4] = ["racelab", "time", "ratio", "others' CPU"];

/// Under the table: what its columns mean.
const NOTES: [&str; 4] = [
    "racelab, time: per acquisition (lock) or per task (pool), criterion's mean in this run.",
    "ratio: racelab's time over the anchor's, so below 1.00× racelab is faster.",
    "Python: the faster of its two pools; the ratio says how many times faster racelab is.",
    "others' CPU: the most CPU time other processes took while racelab or the anchor ran.",
];

/// One criterion group: racelab and its anchors.
struct Figure {
    group: String,
    name: String,
    anchors: &'static [&'static str],
    target: Option<Target>,
    /// Also compared with Python's faster pool on the same workload.
    python: bool,
}

/// racelab's time is held to at most `max` × the time of `against`.
struct Target {
    against: Against,
    max: f64,
}

#[derive(PartialEq)]
enum Against {
    Anchor(&'static str),
    FastestRust,
}

/// The figures and targets, in the table's order.
fn figures() -> Vec<Figure> {
    let lock = |group: String, name: String, max: Option<f64>| Figure {
        group,
        name,
        anchors: LOCKS,
        target: max.map(|max| Target {
            against: Against::Anchor("std"),
            max,
        }),
        python: false,
    };
    let mut figures = vec![lock(
        "lock/uncontended".into(),
        "lock uncontended".into(),
        Some(1.0),
    )];
    // Throughput ≥ 1.0× (empty) and ≥ 0.95× (80 ns) std's: time ≤ 1/that × std's.
    for (kind, label, max) in [("empty", "empty", 1.0), ("80ns", "80 ns", 1.0 / 0.95)] {
        for threads in [1, 2, 4, 8] {
            // One thread is no contention: shown, without a target.
            figures.push(lock(
                format!("lock/contended_{kind}/{threads}"),
                format!("lock contended {label} ×{threads}"),
                (threads > 1).then_some(max),
            ));
        }
    }
    let pool = |group: String, name: String, against, max| Figure {
        group,
        name,
        anchors: POOLS,
        target: Some(Target { against, max }),
        python: true,
    };
    for workers in [2, 5] {
        figures.push(pool(
            format!("pool/submit_collect_100k/{workers}"),
            format!("pool 100k submit+collect ×{workers}"),
            Against::FastestRust,
            1.0,
        ));
    }
    figures.push(pool(
        "pool/round_trip".into(),
        "pool round trip".into(),
        Against::Anchor("threadpool"),
        0.5,
    ));
    figures
}

/// This run's measurements.
#[derive(Default)]
struct Results {
    /// ns per operation, by criterion's full id (`group/function`).
    criterion: HashMap<String, f64>,
    /// criterion's folder of each group, for the links to its report.
    folders: HashMap<String, String>,
    /// The share (%) of the machine's CPU time other processes took, by full id.
    others: HashMap<String, f64>,
    /// Python: (group, pool, ns per task).
    python: Vec<(String, String, f64)>,
}

pub fn run(root: &Path, criterion_args: &[String]) -> ExitCode {
    let started = Instant::now();
    let since = SystemTime::now();
    let date = date();
    let load_start = load_average();
    let mut results = Results::default();

    let mut cargo = Backend::Std.cargo([
        "bench",
        "-p",
        "racelab-bench",
        "--bench",
        "lock",
        "--bench",
        "pool",
    ]);
    if !criterion_args.is_empty() {
        cargo = cargo.args(["--"]).args(criterion_args);
    }
    println!("\n==> criterion: benches/lock.rs, benches/pool.rs\n    $ {cargo}");
    let progress = Progress::start("cargo bench");
    let status = exec::run_teed(cargo.command(root), &progress, |line| {
        if let Some((id, share)) = others_share(line) {
            results.others.insert(id, share);
        }
    });
    drop(progress);
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => {
            eprintln!("xtask bench: {} ({cargo})", exec::describe(status));
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("xtask bench: cannot run cargo: {e}");
            return ExitCode::FAILURE;
        }
    }

    // Python's smoke run goes with criterion's.
    let quick = criterion_args.iter().any(|a| a == "--quick");
    let python_args: &[&str] = if quick {
        &["benches/python_pool.py", "--quick"]
    } else {
        &["benches/python_pool.py"]
    };
    let python = format!("python3 {}", python_args.join(" "));
    if let Err(e) = run_python(root, python_args, &mut results) {
        println!("xtask bench: {e}; the Python rows stay empty");
    }
    read_criterion(&root.join("target/criterion"), since, &mut results);

    let machine = machine_line(&date, load_start, load_average());
    let took = seconds(started.elapsed());
    let (text, markdown, tally) = tables(&figures(), &results);
    println!("\n{machine}\n`{cargo}`, then `{python}`: {took}\n");
    print!("{}", text.text());
    println!("\n{}\n\n{tally}", NOTES.join("\n"));

    let path = records::dir(root).join("bench.md");
    let report = format!(
        "# racelab benchmarks\n\n{machine}\n\n`{cargo}`, then `{python}`: {took}. \
         Each figure links to criterion's report, which plots all its implementations.\n\n\
         {}\n{}\n\n{tally}\n",
        markdown.markdown(),
        NOTES.map(|note| format!("- {note}")).join("\n"),
    );
    let written =
        std::fs::create_dir_all(records::dir(root)).and_then(|()| std::fs::write(&path, report));
    match written {
        Ok(()) => {
            println!("written to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask bench: cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

/// The benches' `group/function: other processes used 51% of the machine's CPU time` lines.
fn others_share(line: &str) -> Option<(String, f64)> {
    let (id, rest) = line.split_once(": other processes used ")?;
    let share = rest.split_once('%')?.0.trim().parse().ok()?;
    Some((id.trim().to_owned(), share))
}

/// Runs `python3 <args>` (the Python benchmark) and keeps its JSON lines.
fn run_python(root: &Path, args: &[&str], results: &mut Results) -> Result<(), String> {
    let command = format!("python3 {}", args.join(" "));
    println!("\n==> Python's pools\n    $ {command}");
    let mut cmd = Command::new("python3");
    cmd.args(args).current_dir(root).stdin(Stdio::null());
    let progress = Progress::start("python3 benches/python_pool.py");
    let status = exec::run_teed(cmd, &progress, |line| {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            return;
        };
        if let (Some(group), Some(name), Some(ns)) = (
            v["group"].as_str(),
            v["name"].as_str(),
            v["ns_per_task"].as_f64(),
        ) {
            results.python.push((group.into(), name.into(), ns));
        }
    });
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{command}: {}", exec::describe(status))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err("no python3: skipped".into()),
        Err(e) => Err(format!("cannot run python3: {e}")),
    }
}

/// Every `new/` folder under `dir` whose `estimates.json` is not older than `since`.
fn read_criterion(dir: &Path, since: SystemTime, results: &mut Results) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
        if path.ends_with("new") {
            read_benchmark(&path, since, results);
        } else {
            read_criterion(&path, since, results);
        }
    }
}

fn read_benchmark(new: &Path, since: SystemTime, results: &mut Results) -> Option<()> {
    let estimates = new.join("estimates.json");
    if std::fs::metadata(&estimates).ok()?.modified().ok()? < since {
        return None;
    }
    let json = |path: &Path| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
    };
    let (benchmark, estimates) = (json(&new.join("benchmark.json"))?, json(&estimates)?);
    let mut ns = estimates["mean"]["point_estimate"].as_f64()?;
    if let Some(elements) = benchmark["throughput"]["Elements"].as_f64() {
        ns /= elements;
    }
    results
        .criterion
        .insert(benchmark["full_id"].as_str()?.to_owned(), ns);
    let group = benchmark["group_id"].as_str()?;
    let folder = benchmark["directory_name"].as_str()?.split('/').next()?;
    results.folders.insert(group.into(), folder.into());
    Some(())
}

/// How many targets were met and missed, and which measurements this run lacks.
#[derive(Default)]
struct Tally {
    met: usize,
    missed: usize,
    missing: Vec<String>,
}

impl Tally {
    fn verdict(&mut self, met: Option<bool>) -> String {
        match met {
            Some(true) => self.met += 1,
            Some(false) => self.missed += 1,
            None => return "no data".into(),
        }
        (if met == Some(true) { "met" } else { "missed" }).into()
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "targets: {} met, {} missed", self.met, self.missed)?;
        if !self.missing.is_empty() {
            write!(
                f,
                "\nnot measured in this run (filtered out?): {}",
                self.missing.join(", ")
            )?;
        }
        Ok(())
    }
}

/// The table for the terminal, the same with links for markdown, and the tally.
fn tables(figures: &[Figure], results: &Results) -> (Table, Table, Tally) {
    let mut text = Table::new(&HEADERS, &NUMERIC);
    let mut markdown = Table::new(&HEADERS, &NUMERIC);
    let mut tally = Tally::default();
    for figure in figures {
        // A group this run measured nothing of (a filter) has no rows.
        let Some(folder) = results.folders.get(&figure.group) else {
            tally.missing.push(figure.group.clone());
            continue;
        };
        let link = format!("[{}](../criterion/{folder}/report/index.html)", figure.name);
        for (i, row) in figure_rows(figure, results, &mut tally)
            .into_iter()
            .enumerate()
        {
            let (plain, linked) = if i == 0 {
                (figure.name.clone(), link.clone())
            } else {
                (String::new(), String::new())
            };
            text.row([vec![plain], row.clone()].concat());
            markdown.row([vec![linked], row].concat());
        }
    }
    (text, markdown, tally)
}

/// One row per anchor (and Python), without the figure's cell.
fn figure_rows(figure: &Figure, results: &Results, tally: &mut Tally) -> Vec<Vec<String>> {
    let id = |function: &str| format!("{}/{function}", figure.group);
    let ns = |function: &str| results.criterion.get(&id(function)).copied();
    let others = |function: &str| results.others.get(&id(function)).copied();
    for function in std::iter::once(&"racelab").chain(figure.anchors) {
        if ns(function).is_none() {
            tally.missing.push(id(function));
        }
    }
    let racelab = ns("racelab");
    let fastest = figure
        .anchors
        .iter()
        .filter_map(|&a| Some((a, ns(a)?)))
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(a, _)| a);
    let by_fastest = figure
        .target
        .as_ref()
        .is_some_and(|t| t.against == Against::FastestRust);

    let mut rows = Vec::new();
    for &anchor in figure.anchors {
        let time = ns(anchor);
        let ratio = racelab.zip(time).map(|(r, a)| r / a);
        let target = figure.target.as_ref().filter(|t| match t.against {
            Against::Anchor(a) => a == anchor,
            Against::FastestRust => fastest == Some(anchor),
        });
        let (goal, result) = match target {
            Some(t) => (
                format!("≤ {:.2}×", t.max),
                tally.verdict(ratio.map(|r| r <= t.max)),
            ),
            None => (String::new(), String::new()),
        };
        let label = if by_fastest && fastest == Some(anchor) {
            format!("{anchor} (fastest)")
        } else {
            anchor.to_owned()
        };
        let busy = others("racelab")
            .into_iter()
            .chain(others(anchor))
            .reduce(f64::max);
        rows.push(vec![
            if rows.is_empty() {
                per_op(racelab)
            } else {
                String::new()
            },
            label,
            per_op(time),
            ratio.map_or("—".into(), |r| format!("{}×", ratio_digits(r))),
            goal,
            result,
            busy.map_or(String::new(), |s| format!("{s:.0}%")),
        ]);
    }
    if figure.python {
        let best = results
            .python
            .iter()
            .filter(|(group, ..)| *group == figure.group)
            .min_by(|x, y| x.2.total_cmp(&y.2));
        let time = best.map(|p| p.2);
        let speedup = racelab.zip(time).map(|(r, p)| p / r);
        rows.push(vec![
            String::new(),
            best.map_or("Python".into(), |p| format!("Python {}", p.1)),
            per_op(time),
            speedup.map_or("—".into(), |s| format!("{}× faster", ratio_digits(s))),
            format!("≥ {PYTHON_SPEEDUP:.0}× faster"),
            tally.verdict(speedup.map(|s| s >= PYTHON_SPEEDUP)),
            String::new(),
        ]);
    }
    rows
}

/// `9.49 ns`, `231 ns`, `1.82 µs`, `4.30 ms`; `—` when not measured.
fn per_op(ns: Option<f64>) -> String {
    let Some(ns) = ns else {
        return "—".into();
    };
    let (value, unit) = match ns {
        ns if ns < 1e3 => (ns, "ns"),
        ns if ns < 1e6 => (ns / 1e3, "µs"),
        ns if ns < 1e9 => (ns / 1e6, "ms"),
        ns => (ns / 1e9, "s"),
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

/// `0.93`, `1.05`, `61.3`, `0.0042`: two decimals, or two significant digits below 0.1.
fn ratio_digits(r: f64) -> String {
    let digits = match r {
        r if r >= 100.0 => 0,
        r if r >= 10.0 => 1,
        r if r >= 0.1 || r <= 0.0 => 2,
        r => (1.0 - r.log10().floor()) as usize,
    };
    format!("{r:.digits$}")
}

/// The 1-minute load average.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn date() -> String {
    Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// `machine: 2 CPUs, AMD EPYC; 2025-...; load average 0.12 at start, 1.93 at end`, flagged
/// when the machine was busy at start.
fn machine_line(date: &str, start: Option<f64>, end: Option<f64>) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let load = |l: Option<f64>| l.map_or("?".into(), |l| format!("{l:.2}"));
    let mut line = format!(
        "machine: {cpus} CPUs, {model}; {date}; load average {} at start, {} at end",
        load(start),
        load(end)
    );
    if start.is_some_and(|l| l > QUIET_LOAD) {
        line.push_str(&format!(
            "  <- noisy: load average above {QUIET_LOAD} at start, compare with care"
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(per_op(Some(9.486)), "9.49 ns");
        assert_eq!(per_op(Some(231.4)), "231 ns");
        assert_eq!(per_op(Some(1_823.0)), "1.82 µs");
        assert_eq!(per_op(None), "—");
        assert_eq!(ratio_digits(0.934), "0.93");
        assert_eq!(ratio_digits(61.27), "61.3");
        assert_eq!(ratio_digits(0.0042), "0.0042");
        assert_eq!(ratio_digits(0.055), "0.055");
        assert_eq!(ratio_digits(0.00084), "0.00084");
        assert_eq!(
            others_share("lock/uncontended/std: other processes used 51% of the machine's CPU time  <- noisy"),
            Some(("lock/uncontended/std".into(), 51.0))
        );
    }
}
