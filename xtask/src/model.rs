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

/// The leading `//!` comment, without its markers, its links as plain text.
fn story(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .filter(|l| !is_link_definition(l))
        .map(plain_links)
        .collect();
    lines.join("\n").trim().to_owned()
}

/// A reference-style link's target line, `[name]: path`, which says nothing to a reader.
fn is_link_definition(line: &str) -> bool {
    line.starts_with('[')
        && line
            .find("]: ")
            .is_some_and(|end| !line[..end].contains(']'))
}

/// The line with each rustdoc link reduced to its text: `[`Lock<T>`](racelab::Lock)`,
/// `[text][name]` and the intra-doc `[`buggy`]` all become what is between the first brackets.
/// Brackets inside a code span (`` `v[0]` ``) are code, not links, and stay.
fn plain_links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut in_code = false;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        } else if c == '[' && !in_code {
            if let Some((text, after)) = link(rest) {
                out.push_str(text);
                rest = after;
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// If `s` starts with a link, its text and what follows the link.
fn link(s: &str) -> Option<(&str, &str)> {
    // The text ends at the first `]` outside a code span.
    let mut in_code = false;
    let end = s.char_indices().skip(1).find_map(|(i, c)| match c {
        '`' => {
            in_code = !in_code;
            None
        }
        ']' if !in_code => Some(i),
        _ => None,
    })?;
    let text = &s[1..end];
    let after = &s[end + 1..];
    let target_end = |open: char, close: char| {
        after
            .strip_prefix(open)
            .and_then(|t| t.find(close).map(|i| &t[i + 1..]))
    };
    let after = target_end('(', ')')
        .or_else(|| target_end('[', ']'))
        .unwrap_or(after);
    Some((text, after))
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

#[cfg(test)]
mod tests {
    use super::{plain_links, story};

    #[test]
    fn links_become_their_text() {
        assert_eq!(
            plain_links("in real code [`Lock<T>`](racelab::Lock)'s guard"),
            "in real code `Lock<T>`'s guard"
        );
        assert_eq!(
            plain_links("the second pair ([`MODEL_LOCKED`])."),
            "the second pair (`MODEL_LOCKED`)."
        );
        assert_eq!(
            plain_links("see [the pool][pool] and [`RawLock`](racelab::RawLock)"),
            "see the pool and `RawLock`"
        );
    }

    #[test]
    fn brackets_in_code_stay() {
        let line = "a `match` on `cache.lock()[n]` keeps the guard";
        assert_eq!(plain_links(line), line);
    }

    #[test]
    fn link_definitions_are_dropped() {
        let text =
            "//! # m — what\n//!\n//! See [`buggy`].\n//!\n//! [`buggy`]: crate::m::buggy\nuse x;";
        assert_eq!(story(text), "# m — what\n\nSee `buggy`.");
    }
}
