//! The checkers run after loom, on the mutants loom leaves alive.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use super::mutator::Mutant;
use super::process::run_logged;
use super::{Applied, Verdict};
use crate::exec;
use crate::miri;
use crate::scratch::shown;

/// A checker for the mutants loom leaves alive: one command in the scratch copy, which fails
/// (exits non-zero or is killed by a signal) on a mutant it kills.
///
/// To add one: a test that passes on the real code and fails on the mutant, and an entry here
/// whose `command` runs it (`cargo` in `scratch`, its own target dir under `root/target`, so
/// it never rebuilds the real tree's artifacts) and whose `unavailable` says why it cannot run
/// on a machine without its tool.
pub(super) struct Checker {
    pub(super) name: &'static str,
    /// What it runs, as the table names it.
    what: &'static str,
    /// `Some(why)` when it cannot run on this machine (or in this tree, given its root).
    unavailable: fn(root: &Path) -> Option<String>,
    /// The command, given the workspace root and the scratch copy.
    command: fn(root: &Path, scratch: &Path) -> Command,
    timeout: Duration,
}

/// Run after loom, in this order, on the mutants loom leaves alive.
pub(super) const AFTER_LOOM: &[Checker] = &[Checker {
    name: "miri",
    what: "miri_lock (seeds 0..32)",
    unavailable: |root| {
        if !root.join("tests/miri_lock.rs").is_file() {
            Some("tests/miri_lock.rs is not in the tree".into())
        } else if !miri::installed() {
            Some("the nightly miri component is not installed".into())
        } else {
            None
        }
    },
    command: miri_lock,
    timeout: Duration::from_secs(900),
}];

/// `tests/miri_lock.rs` under Miri's data-race detector, over many schedules: it kills the
/// weakened sides of the `notified` pair (`wake_one`'s Release store, `Waiter::wait`'s Acquire
/// load), which loom's at-once `unpark` cannot.
fn miri_lock(root: &Path, scratch: &Path) -> Command {
    let mut cmd = miri::cargo_miri(scratch);
    cmd.env("CARGO_TARGET_DIR", root.join("target/miri-mutants"))
        .env("MIRIFLAGS", "-Zmiri-many-seeds=0..32")
        .args(["test", "-p", "racelab", "--test", "miri_lock"]);
    cmd
}

/// The checkers of [`AFTER_LOOM`], each with its state on this machine.
pub(super) struct Extras {
    /// `Err(why)`: cannot run here; `Ok(false)`: not yet checked on the unmutated code.
    state: Vec<Result<bool, String>>,
}

impl Extras {
    pub(super) fn new(root: &Path) -> Self {
        let state = AFTER_LOOM
            .iter()
            .map(|c| match (c.unavailable)(root) {
                Some(why) => {
                    println!("    checker {}: {why}; not run on loom's survivors", c.name);
                    Err(why)
                }
                None => Ok(false),
            })
            .collect();
        Extras { state }
    }

    /// Runs each checker on `mutant`, which survived loom, until one kills it.
    pub(super) fn judge(
        &mut self,
        root: &Path,
        scratch: &Path,
        mutant: &Mutant,
        log: &Path,
        logs: &Path,
    ) -> Result<Verdict, String> {
        let (mut ran, mut skipped) = (vec!["loom"], Vec::new());
        for (checker, state) in AFTER_LOOM.iter().zip(&mut self.state) {
            match state {
                Err(why) => {
                    skipped.push(format!("{} ({why})", checker.name));
                    continue;
                }
                Ok(false) => {
                    println!("    checker {} on the unmutated code", checker.name);
                    let path = logs.join(format!("baseline.{}.log", checker.name));
                    match Self::run(checker, root, scratch, &path)? {
                        Some(s) if s.success() => *state = Ok(true),
                        other => {
                            return Err(format!(
                                "checker {} fails without any mutant ({}; see {}): fix it first",
                                checker.name,
                                other.map_or("timed out".into(), exec::describe),
                                path.display()
                            ))
                        }
                    }
                }
                Ok(true) => {}
            }
            let path = PathBuf::from(format!("{}.{}.log", log.display(), checker.name));
            let status = {
                let _applied = Applied::write(scratch, mutant)?;
                Self::run(checker, root, scratch, &path)?
            };
            ran.push(checker.name);
            match status {
                Some(s) if s.success() => {}
                Some(s) => {
                    return Ok(Verdict::Killed {
                        checker: checker.name,
                        by: checker.what.into(),
                        status: exec::describe(s),
                    })
                }
                None => {
                    return Ok(Verdict::Timeout {
                        checker: checker.name,
                        by: checker.what.into(),
                        after: checker.timeout,
                    })
                }
            }
        }
        Ok(Verdict::Survived { ran, skipped })
    }

    fn run(
        checker: &Checker,
        root: &Path,
        scratch: &Path,
        log: &Path,
    ) -> Result<Option<ExitStatus>, String> {
        let cmd = (checker.command)(root, scratch);
        println!("    $ {}", shown(&cmd));
        run_logged(cmd, log, checker.timeout)
    }
}
