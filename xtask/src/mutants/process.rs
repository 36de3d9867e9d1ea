//! Running a checker's process with a deadline, its output to a log file.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt as _;

use crate::scratch::shown;

/// Runs `cmd`, stdout and stderr to `log`. `None`: it ran over `timeout`, and it and every
/// process it started were killed.
pub(super) fn run_logged(
    mut cmd: Command,
    log: &Path,
    timeout: Duration,
) -> Result<Option<ExitStatus>, String> {
    let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", shown(&cmd)))?;
    match child.wait_timeout(timeout).map_err(|e| e.to_string())? {
        Some(status) => Ok(Some(status)),
        None => {
            kill_tree(&mut child);
            Ok(None)
        }
    }
}

/// Kills `child` and the processes it started (`cargo miri` runs the interpreter in a
/// grandchild), each by its id, then reaps `child`.
fn kill_tree(child: &mut Child) {
    let mut pids = vec![child.id()];
    let mut i = 0;
    while i < pids.len() {
        pids.extend(children_of(pids[i]));
        i += 1;
    }
    for &pid in pids.iter().skip(1).rev() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The processes whose parent is `pid` (Linux `/proc`; elsewhere none).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parent = |stat: &str| -> Option<u32> {
        // `PID (COMM) STATE PPID ...`: COMM may hold spaces and parentheses.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| parent(&s))
                == Some(pid)
        })
        .collect()
}
