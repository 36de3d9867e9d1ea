//! Scratch copies of the workspace, and commands shown as a person would type them.
//!
//! `mutants` and `icount`'s trace-cost check need source files that differ from the real ones.
//! They get them in a copy under `target/racelab/scratch/<name>/` (the workspace minus `target/`
//! and `.git/`), never in the real tree: an interrupted run leaves nothing behind, and whoever
//! edits or builds the real tree meanwhile never sees a mutant.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Top-level entries that are not copied.
const SKIP: [&str; 2] = ["target", ".git"];

/// Makes `target/racelab/scratch/<name>/` a copy of the workspace at `root` in which each file
/// has the contents `transform(relative path, original contents)`, and returns its path.
///
/// Files whose contents are already right are not rewritten (their modification times stay, so
/// cargo does not rebuild what did not change); files the workspace no longer has are removed.
pub fn sync(
    root: &Path,
    name: &str,
    mut transform: impl FnMut(&Path, Vec<u8>) -> Vec<u8>,
) -> io::Result<PathBuf> {
    let dest = root.join("target/racelab/scratch").join(name);
    sync_dir(root, &dest, Path::new(""), &mut transform)?;
    Ok(dest)
}

fn sync_dir(
    root: &Path,
    dest_root: &Path,
    rel: &Path,
    transform: &mut impl FnMut(&Path, Vec<u8>) -> Vec<u8>,
) -> io::Result<()> {
    let (from, to) = (root.join(rel), dest_root.join(rel));
    fs::create_dir_all(&to)?;
    let mut kept = Vec::new();
    for entry in fs::read_dir(&from)? {
        let entry = entry?;
        let name = entry.file_name();
        if rel.as_os_str().is_empty() && SKIP.iter().any(|s| OsStr::new(s) == name) {
            continue;
        }
        let child = rel.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_dir(root, dest_root, &child, transform)?;
        } else if kind.is_file() {
            let wanted = transform(&child, fs::read(entry.path())?);
            let target = dest_root.join(&child);
            if fs::read(&target).ok().as_deref() != Some(&wanted[..]) {
                fs::write(&target, &wanted)?;
            }
        } else {
            continue; // symlinks and the like: the workspace has none that a build needs
        }
        kept.push(name);
    }
    for entry in fs::read_dir(&to)? {
        let entry = entry?;
        if !kept.contains(&entry.file_name()) {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// `cmd` as a shell line: `cd DIR && KEY=value program args` (only what `cmd` sets).
pub fn shown(cmd: &Command) -> String {
    let mut out = String::new();
    if let Some(dir) = cmd.get_current_dir() {
        out.push_str(&format!("cd {} && ", quote(&dir.to_string_lossy())));
    }
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            out.push_str(&format!(
                "{}={} ",
                key.to_string_lossy(),
                quote(&value.to_string_lossy())
            ));
        }
    }
    // The cargo running xtask is a toolchain's own binary: shown as the `cargo` a person types.
    let program = cmd.get_program();
    if std::env::var_os("CARGO").is_some_and(|c| c == program) {
        out.push_str("cargo");
    } else {
        out.push_str(&quote(&program.to_string_lossy()));
    }
    for arg in cmd.get_args() {
        out.push(' ');
        out.push_str(&quote(&arg.to_string_lossy()));
    }
    out
}

/// Quotes `s` for a POSIX shell when it needs it.
fn quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The cargo that runs xtask (`cargo +nightly xtask` stays on nightly).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}
