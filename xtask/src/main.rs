//! `cargo xtask`: racelab's test matrix as one command (see `cargo xtask --help`).
//!
//! It drives cargo with the right `RUSTFLAGS` and target dir for each backend; it never links
//! the racelab library.

// xtask is tooling, not checked code: it may use std threads and locks directly (clippy.toml
// forbids them elsewhere so that loom and shuttle see every synchronisation step).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod artifacts;
mod backend;
mod bench;
mod exec;
mod hunt;
mod icount;
mod junit;
mod miri;
mod model;
mod mutants;
mod progress;
mod records;
mod scratch;
mod stages;
mod table;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use backend::Backend;

const HELP: &str = "\
cargo xtask: racelab's std, loom and shuttle matrix

USAGE:
    cargo xtask test [--only STAGE]... [--skip STAGE]... [--costs COLUMN]
    cargo xtask verify [loom|shuttle|std]... [--all]
    cargo xtask model [NAME] [--backend shuttle|loom|std]
    cargo xtask bench [-- CRITERION_ARGS...]
    cargo xtask mutants [--filter SUBSTRING] [--list]
    cargo xtask icount [--bless] [--pool-gap]
    cargo xtask miri
    cargo xtask hunt [--budget SECS]

COMMANDS:
    test      Every stage, in order, stopping at the first failure; then a table of
              stage, result, tests and time. This is what CI runs (.ci/run).
              Stages: fmt, clippy, clippy-loom, clippy-shuttle, std, stress, icount,
              loom, shuttle, catalogue (models/README.md's table matches the loom and
              shuttle records), miri. Tests run under cargo-nextest.
    verify    The loom, shuttle and std suites (std: the models), then a summary
              (failures, the misses that are expected and why), a legend and a table
              of every check: budget, executions explored, result, time; also in
              target/racelab/verify.txt. Rewrites CONTRIBUTING.md's loom counts when
              loom passes, and models/README.md's catalogue when loom and shuttle pass
              (each only if it changed).
    model     A model's story, then its tests under one backend (default shuttle)
              with their output: the caught failure, its interleaving, the replay
              command. Without NAME, the list of models.
    bench     The lock and pool benchmarks (criterion, ~5 min) and Python's pools in
              one run, then one table: racelab's time per operation, each anchor's,
              their ratio, and the issue's targets met or missed; also in
              target/racelab/bench.md, linked to criterion's plots. Arguments after
              `--` go to the bench binaries (`-- --quick`: a smoke run, Python's too).
    mutants   Every atomic Ordering in src/lock and src/pool weakened one step, and
              every unpark()/wake() call deleted, one mutant at a time (in a scratch
              copy, never in the tree); the loom suites run on each until a test
              fails, then Miri's data-race detector (tests/miri_lock.rs, seeds 0..32)
              on those loom leaves alive. Table of killed / survived and by which
              checker, also in target/racelab/mutants.md. Fails if a wake-up
              deletion survives. ~5 min for the 19 mutants, plus Miri's.
    icount    Instructions per uncontended lock+unlock and per submit+run+get
              (valgrind callgrind) against benches/icount-baseline.txt; fails above
              the stated tolerance (--bless rewrites it); checks that trace calls
              cost nothing in std release builds. Skips without valgrind.
              --pool-gap: racelab vs threadpool on 100k tasks (instructions, futex
              calls per task). ~30 s.
    miri      The std tests under Miri (cargo +nightly miri), the long stress tests
              skipped. Skips without the nightly miri component. ~3 min.
    hunt      The bug hunt (package racelab-hunt): known-buggy programs from the
              literature and the race lab's buggy twins, each with racelab's Lock
              and the checker's own mutex, under loom (default Explorer, and plain
              unbounded DFS) and shuttle (default Explorer); one table of
              executions and time to the first failure and whether it was the
              right one, the targets met or missed, and the ratio racelab Lock /
              checker mutex per program; also in target/racelab/hunt.md. A
              measurement, not a CI stage.

OPTIONS:
    --only STAGE    test: run only this stage (repeatable, or comma-separated)
    --skip STAGE    test: leave this stage out (repeatable, or comma-separated)
    --costs COLUMN  test: after a green run of every stage, write its times into
                    that column of CONTRIBUTING.md's costs table (e.g. \"cold, idle\")
    --all           verify: also show the catalogue's measurement runs
    --backend B     model: shuttle (default), loom or std
    --filter S      mutants: only those whose site or change contains S
    --list          mutants: list them, run nothing
    --bless         icount: write the measured counts as the new baseline
    --pool-gap      icount: measure the pool's gap to the threadpool crate
    --budget SECS   hunt: seconds each check may search (default 20)
    -h, --help      Print this help

Backends build in their own target dirs (target/loom, target/shuttle) with
RUSTFLAGS=\"--cfg loom -C debug-assertions\" and \"--cfg shuttle\"; every cargo
command is printed before it runs, so any stage can be rerun by hand.
";

enum Command {
    /// The stages, and `--costs`.
    Test(Vec<&'static str>, Option<String>),
    /// The backends, and `--all`.
    Verify(Vec<Backend>, bool),
    Model(Option<String>, Backend),
    /// Arguments for the criterion bench binaries.
    Bench(Vec<String>),
    /// `--filter`, `--list`.
    Mutants {
        filter: Option<String>,
        list: bool,
    },
    /// `--bless`, `--pool-gap`.
    Icount {
        bless: bool,
        pool_gap: bool,
    },
    Miri,
    /// `--budget`: seconds per loom check.
    Hunt(u64),
    Help,
}

fn main() -> ExitCode {
    let command = match parse(lexopt::Parser::from_env()) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("xtask: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    match command {
        Command::Help => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Command::Test(stages, costs) => stages::run(&root, &stages, costs.as_deref()),
        Command::Verify(backends, all) => verify::run(&root, &backends, all),
        Command::Model(name, backend) => model::run(&root, name.as_deref(), backend),
        Command::Bench(args) => bench::run(&root, &args),
        Command::Mutants { filter, list } => mutants::run(&root, filter.as_deref(), list),
        Command::Icount { bless, pool_gap } => icount::run(&root, bless, pool_gap),
        Command::Miri => miri::run(&root),
        Command::Hunt(budget) => hunt::run(&root, budget),
    }
}

fn parse(mut args: lexopt::Parser) -> Result<Command, lexopt::Error> {
    use lexopt::prelude::*;

    let subcommand = match args.next()? {
        None | Some(Short('h') | Long("help")) => return Ok(Command::Help),
        Some(Value(v)) => v.string()?,
        Some(arg) => return Err(arg.unexpected()),
    };
    match subcommand.as_str() {
        "help" => Ok(Command::Help),
        "test" => {
            let (mut only, mut skip, mut costs) = (Vec::new(), Vec::new(), None);
            while let Some(arg) = args.next()? {
                match arg {
                    Long("costs") => costs = Some(args.value()?.string()?),
                    Long("only") => only.extend(stage_names(&args.value()?.string()?)?),
                    Long("skip") => skip.extend(stage_names(&args.value()?.string()?)?),
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            let selected = stages::NAMES
                .into_iter()
                .filter(|s| (only.is_empty() || only.contains(s)) && !skip.contains(s))
                .collect();
            Ok(Command::Test(selected, costs))
        }
        "verify" => {
            let (mut backends, mut all) = (Vec::new(), false);
            while let Some(arg) = args.next()? {
                match arg {
                    Long("all") => all = true,
                    Value(v) => backends.push(backend(&v.string()?)?),
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            if backends.is_empty() {
                backends = Backend::ALL.to_vec();
            }
            Ok(Command::Verify(backends, all))
        }
        "model" => {
            let (mut name, mut backend_name) = (None, Backend::Shuttle);
            while let Some(arg) = args.next()? {
                match arg {
                    Value(v) if name.is_none() => name = Some(v.string()?),
                    Long("backend") => backend_name = backend(&args.value()?.string()?)?,
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            Ok(Command::Model(name, backend_name))
        }
        "bench" => {
            // Everything after `--` (lexopt yields it as values) goes to the bench binaries.
            let mut criterion_args = Vec::new();
            while let Some(arg) = args.next()? {
                match arg {
                    Value(v) => criterion_args.push(v.string()?),
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            Ok(Command::Bench(criterion_args))
        }
        "mutants" => {
            let (mut filter, mut list) = (None, false);
            while let Some(arg) = args.next()? {
                match arg {
                    Long("filter") => filter = Some(args.value()?.string()?),
                    Long("list") => list = true,
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            Ok(Command::Mutants { filter, list })
        }
        "icount" => {
            let (mut bless, mut pool_gap) = (false, false);
            while let Some(arg) = args.next()? {
                match arg {
                    Long("bless") => bless = true,
                    Long("pool-gap") => pool_gap = true,
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            Ok(Command::Icount { bless, pool_gap })
        }
        "hunt" => {
            let mut budget = hunt::DEFAULT_BUDGET;
            while let Some(arg) = args.next()? {
                match arg {
                    Long("budget") => budget = args.value()?.parse()?,
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            Ok(Command::Hunt(budget))
        }
        "miri" => match args.next()? {
            None => Ok(Command::Miri),
            Some(Short('h') | Long("help")) => Ok(Command::Help),
            Some(arg) => Err(arg.unexpected()),
        },
        other => Err(format!("unknown command {other:?}").into()),
    }
}

fn backend(name: &str) -> Result<Backend, lexopt::Error> {
    Backend::from_name(name)
        .ok_or_else(|| format!("unknown backend {name:?} (loom, shuttle or std)").into())
}

/// `fmt,clippy` → the stages' static names; an unknown name is an error listing the known ones.
fn stage_names(list: &str) -> Result<Vec<&'static str>, lexopt::Error> {
    list.split(',')
        .map(|name| {
            stages::NAMES
                .into_iter()
                .find(|s| *s == name.trim())
                .ok_or_else(|| {
                    format!(
                        "unknown stage {name:?} (stages: {})",
                        stages::NAMES.join(", ")
                    )
                    .into()
                })
        })
        .collect()
}

/// The workspace root: xtask's own manifest lives one level below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent directory")
        .to_path_buf()
}
