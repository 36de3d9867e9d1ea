//! `cargo xtask model [NAME] [--backend B]`: the race lab from the command line. Without a
//! name, the list of models; with one, the model's story (the doc comment at the top of
//! `models/NAME.rs`), then its tests under one backend with their output: the caught
//! failure, its interleaving, and the command that replays it.

use std::path::Path;
use std::process::ExitCode;

use crate::backend::{Backend, MODELS};
use crate::exec;

/// The models: `models/*.rs` files that define a `MODEL`, with their stories, sorted.
fn list(root: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut models = Vec::new();
    for entry in std::fs::read_dir(root.join(MODELS.1))? {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)?;
            if text.lines().any(|l| l.starts_with("pub const MODEL:")) {
                models.push((stem.to_owned(), story(&text)));
            }
        }
    }
    models.sort();
    Ok(models)
}

/// The leading `//!` comment, without its markers.
fn story(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    lines.join("\n").trim().to_owned()
}

pub fn run(root: &Path, name: Option<&str>, backend: Backend) -> ExitCode {
    let models = match list(root) {
        Ok(models) => models,
        Err(e) => {
            eprintln!("xtask model: cannot read {}/: {e}", MODELS.1);
            return ExitCode::FAILURE;
        }
    };
    let Some(name) = name else {
        println!(
            "The race lab's models (`cargo xtask model NAME` tells one's story and runs it):\n"
        );
        for (name, story) in &models {
            // The story's title: `# name — what goes wrong`.
            let title = story.lines().next().unwrap_or_default();
            let what = title.split_once(" — ").map_or(title, |(_, what)| what);
            println!("  {name:<22} {what}");
        }
        return ExitCode::SUCCESS;
    };
    let Some((_, story)) = models.iter().find(|(n, _)| n == name) else {
        let names: Vec<&str> = models.iter().map(|(n, _)| n.as_str()).collect();
        eprintln!(
            "xtask model: no model {name:?}; the models are: {}",
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    println!("{story}\n");

    let filter = format!("{name}::tests::");
    let cargo = backend
        .cargo(["test"])
        .args(backend.profile())
        .args(["-p", MODELS.0, "--lib", "--", filter.as_str()])
        .args(["--nocapture", "--test-threads=1"]);
    println!("==> {name} under {}\n    $ {cargo}", backend.name());
    match cargo.command(root).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!(
                "xtask model: {name}'s tests failed: {}",
                exec::describe(status)
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("xtask model: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
