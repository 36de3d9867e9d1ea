//! The harness's records under `target/racelab/`, and the models' catalogue built from them.
//!
//! Every finished check appends one line to the file named by `RACELAB_REPORT` (name,
//! backend, budget, executions, seconds, result). `models/catalogue.rs` renders the table of
//! `models/README.md` from such records: `cargo xtask verify` rewrites the table
//! (`catalogue::tests::write`), `cargo xtask test` fails if the committed one is stale
//! (`catalogue::tests::check`). Both read the records from `RACELAB_RECORDS`.

use std::io;
use std::path::{Path, PathBuf};

use crate::backend::{Backend, Cargo, MODELS};

pub fn dir(root: &Path) -> PathBuf {
    root.join("target/racelab")
}

/// `target/racelab/<name>.tsv`, created empty.
pub fn fresh(root: &Path, name: &str) -> io::Result<PathBuf> {
    let dir = dir(root);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.tsv"));
    std::fs::write(&path, "")?;
    Ok(path)
}

/// Writes the records of `parts` (missing files count as empty) to `out`; returns how many.
pub fn concat(parts: &[PathBuf], out: &Path) -> io::Result<usize> {
    let mut all = String::new();
    for part in parts {
        match std::fs::read_to_string(part) {
            Ok(text) => all.push_str(&text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    std::fs::write(out, &all)?;
    Ok(all.lines().count())
}

/// The catalogue test `catalogue::tests::<which>` (`check` or `write`) reading `records`, or
/// `None` if the models have no catalogue.
pub fn catalogue_test(root: &Path, which: &str, records: &Path) -> Option<Cargo> {
    if !root.join(MODELS.1).join("catalogue.rs").is_file() {
        return None;
    }
    let test = format!("catalogue::tests::{which}");
    let cargo = Backend::Std
        .cargo(["test", "-p", MODELS.0, "--lib", "--"])
        .args([test.as_str(), "--exact", "--ignored"])
        .env("RACELAB_RECORDS", records.to_string_lossy());
    Some(cargo)
}
