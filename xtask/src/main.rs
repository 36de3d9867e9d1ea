//! `cargo xtask`: racelab's test matrix as one command (see `cargo xtask --help`).
//!
//! It drives cargo with the right `RUSTFLAGS` and target dir for each backend; it never links
//! the racelab library.

// xtask is tooling, not checked code: it may use std threads and locks directly (clippy.toml
// forbids them elsewhere so that loom and shuttle see every synchronisation step).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod backend;
mod exec;
mod libtest;
mod model;
mod progress;
mod records;
mod stages;
mod table;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use backend::Backend;

const HELP: &str = "\
cargo xtask: racelab's std, loom and shuttle matrix

USAGE:
    cargo xtask test [--only STAGE]... [--skip STAGE]...
    cargo xtask verify [loom|shuttle|std]...
    cargo xtask model [NAME] [--backend shuttle|loom|std]

COMMANDS:
    test      Every stage, in order, stopping at the first failure; then a table of
              stage, result, tests and time. This is what CI runs (.ci/run).
              Stages: fmt, clippy, clippy-loom, clippy-shuttle, std, stress, loom, shuttle,
              catalogue (models/README.md's table matches this run's measurements).
    verify    The check suites (loom: tests/loom_*.rs; shuttle: tests/shuttle_*.rs,
              tests/proptest_*.rs; each also the models; std: the models), one test
              at a time, then a table of every check: budget (bound or iterations),
              executions explored, result, time; also in target/racelab/verify.md.
              When all three backends pass, rewrites models/README.md's catalogue.
    model     A model's story, then its tests under one backend (default shuttle)
              with their output: the caught failure, its interleaving, the replay
              command. Without NAME, the list of models.

OPTIONS:
    --only STAGE    test: run only this stage (repeatable, or comma-separated)
    --skip STAGE    test: leave this stage out (repeatable, or comma-separated)
    --backend B     model: shuttle (default), loom or std
    -h, --help      Print this help

Backends build in their own target dirs (target/loom, target/shuttle) with
RUSTFLAGS=\"--cfg loom -C debug-assertions\" and \"--cfg shuttle\"; every cargo
command is printed before it runs, so any stage can be rerun by hand.
";

enum Command {
    Test(Vec<&'static str>),
    Verify(Vec<Backend>),
    Model(Option<String>, Backend),
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
        Command::Test(stages) => stages::run(&root, &stages),
        Command::Verify(backends) => verify::run(&root, &backends),
        Command::Model(name, backend) => model::run(&root, name.as_deref(), backend),
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
            let (mut only, mut skip) = (Vec::new(), Vec::new());
            while let Some(arg) = args.next()? {
                match arg {
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
            Ok(Command::Test(selected))
        }
        "verify" => {
            let mut backends = Vec::new();
            while let Some(arg) = args.next()? {
                match arg {
                    Value(v) => backends.push(backend(&v.string()?)?),
                    Short('h') | Long("help") => return Ok(Command::Help),
                    _ => return Err(arg.unexpected()),
                }
            }
            if backends.is_empty() {
                backends = Backend::ALL.to_vec();
            }
            Ok(Command::Verify(backends))
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
