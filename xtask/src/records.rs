//! The harness's records under `target/racelab/`, the models' catalogue built from them, and
//! the generated blocks of the docs.
//!
//! Every finished check appends one line to the file named by `RACELAB_REPORT` (name,
//! backend, budget, executions, seconds, result). `models/catalogue.rs` renders the table of
//! `models/README.md` from the loom and shuttle records: `cargo xtask verify` rewrites it
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

/// The records of `path` (none if it does not exist).
pub fn read(path: &Path) -> io::Result<Vec<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Writes the records of `parts` to `out`; returns how many.
pub fn concat(parts: &[PathBuf], out: &Path) -> io::Result<usize> {
    let mut all = Vec::new();
    for part in parts {
        all.extend(read(part)?);
    }
    let mut text = all.join("\n");
    text.push('\n');
    std::fs::write(out, text)?;
    Ok(all.len())
}

/// The catalogue test `catalogue::tests::<which>` (`check` or `write`) reading `records`, or
/// `None` if the models have no catalogue. It runs in the shuttle build, which the shuttle
/// stage (or the records' own run) has just made: nothing to rebuild.
pub fn catalogue_test(root: &Path, which: &str, records: &Path) -> io::Result<Option<Cargo>> {
    if !root.join(MODELS.1).join("catalogue.rs").is_file() {
        return Ok(None);
    }
    let filter = format!("package({}) & test(=catalogue::tests::{which})", MODELS.0);
    let cargo = Backend::Shuttle
        .nextest(root)?
        .args(["--run-ignored", "only", "-E", filter.as_str()])
        .env("RACELAB_RECORDS", records.to_string_lossy());
    Ok(Some(cargo))
}

/// The models' tests of one checker, for their records: what the catalogue is rendered from.
pub fn models_run(root: &Path, backend: Backend, report: &Path) -> io::Result<Cargo> {
    let filter = format!("package({})", MODELS.0);
    Ok(backend
        .nextest(root)?
        .args(["-E", filter.as_str()])
        .env("RACELAB_REPORT", report.to_string_lossy()))
}

/// Replaces what stands between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `file` with
/// `content`. Returns whether the file changed; an error if the markers are missing.
pub fn splice(file: &Path, name: &str, content: &str) -> Result<bool, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (begin, end) = (
        format!("<!-- {name}:begin -->"),
        format!("<!-- {name}:end -->"),
    );
    let (Some(start), Some(stop)) = (text.find(&begin), text.find(&end)) else {
        return Err(format!(
            "{} lost its {begin} / {end} markers",
            file.display()
        ));
    };
    let start = start + begin.len();
    let updated = format!("{}\n{}{}", &text[..start], content, &text[stop..]);
    if updated == text {
        return Ok(false);
    }
    std::fs::write(file, updated).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(true)
}

/// The text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `file`.
pub fn block(file: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let start = text.find(&format!("<!-- {name}:begin -->"))?;
    let stop = text.find(&format!("<!-- {name}:end -->"))?;
    let body = &text[start..stop];
    Some(body.split_once('\n')?.1.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_a_block_and_says_whether_it_changed() {
        let file = std::env::temp_dir().join(format!("xtask-splice-{}.md", std::process::id()));
        std::fs::write(&file, "a\n<!-- t:begin -->\nold\n<!-- t:end -->\nb\n").unwrap();
        assert_eq!(splice(&file, "t", "new\n"), Ok(true));
        assert_eq!(block(&file, "t").as_deref(), Some("new\n"));
        assert_eq!(splice(&file, "t", "new\n"), Ok(false));
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, "a\n<!-- t:begin -->\nnew\n<!-- t:end -->\nb\n");
        assert!(splice(&file, "missing", "x").is_err());
        std::fs::remove_file(&file).unwrap();
    }
}
