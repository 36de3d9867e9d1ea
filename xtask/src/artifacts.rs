//! What a cargo build produced, read from cargo's machine-readable messages
//! (`--message-format=json`) rather than from its human-readable lines.
//!
//! Each `compiler-artifact` message names the target (`target.name`, `target.kind`), whether
//! it is a test build (`profile.test`) and the `executable` it wrote, if any; each
//! `compiler-message` carries a diagnostic with its `rendered` text.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::scratch::shown;

/// One executable cargo wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executable {
    /// The target's name: `loom_lock` for `tests/loom_lock.rs`, `icount` for a binary.
    pub name: String,
    /// The target's kinds: `test`, `bin`, `lib`, ….
    pub kinds: Vec<String>,
    /// Built with the test harness (`cargo test`'s profile).
    pub test: bool,
    pub path: PathBuf,
}

/// Runs the cargo build `cmd` with `--message-format=json` added (so `cmd` must not end in
/// `-- ARGS`) and returns the executables it wrote. On failure: the compiler's errors as it
/// rendered them, else the end of cargo's own stderr. The rendered diagnostics and cargo's
/// stderr also go to `log`, if given.
pub fn build(mut cmd: Command, log: Option<&Path>) -> Result<Vec<Executable>, String> {
    cmd.arg("--message-format=json");
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", shown(&cmd)))?;
    let (executables, errors, rendered) = read(&String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    if let Some(log) = log {
        let _ = fs::write(log, format!("$ {}\n{rendered}{stderr}", shown(&cmd)));
    }
    if output.status.success() {
        return Ok(executables);
    }
    let why = if errors.is_empty() {
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    } else {
        errors.join("\n")
    };
    Err(format!("the build failed: {}\n{why}", shown(&cmd)))
}

/// The executables, the rendered errors, and every rendered diagnostic of cargo's JSON lines.
fn read(stdout: &str) -> (Vec<Executable>, Vec<String>, String) {
    let (mut executables, mut errors, mut rendered) = (Vec::new(), Vec::new(), String::new());
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue; // a build script's own output, passed through
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                let Some(path) = message["executable"].as_str() else {
                    continue;
                };
                let kinds = message["target"]["kind"]
                    .as_array()
                    .map(|kinds| {
                        let names = kinds.iter().filter_map(Value::as_str);
                        names.map(str::to_owned).collect()
                    })
                    .unwrap_or_default();
                executables.push(Executable {
                    name: message["target"]["name"].as_str().unwrap_or("").to_owned(),
                    kinds,
                    test: message["profile"]["test"].as_bool() == Some(true),
                    path: PathBuf::from(path),
                });
            }
            Some("compiler-message") => {
                let text = message["message"]["rendered"].as_str().unwrap_or("");
                if message["message"]["level"].as_str() == Some("error") {
                    errors.push(text.trim_end().to_owned());
                }
                rendered.push_str(text);
            }
            _ => {}
        }
    }
    (executables, errors, rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_artifacts_and_errors() {
        let stdout = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"racelab"},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","target":{"kind":["test"],"name":"loom_lock"},"profile":{"test":true},"executable":"/t/release/deps/loom_lock-0123"}
{"reason":"compiler-message","message":{"level":"warning","rendered":"warning: unused\n"}}
{"reason":"compiler-message","message":{"level":"error","rendered":"error[E0308]: mismatched types\n"}}
not json: a build script's line
{"reason":"build-finished","success":false}"#;
        let (executables, errors, rendered) = read(stdout);
        assert_eq!(
            executables,
            [Executable {
                name: "loom_lock".into(),
                kinds: vec!["test".into()],
                test: true,
                path: "/t/release/deps/loom_lock-0123".into(),
            }]
        );
        assert_eq!(errors, ["error[E0308]: mismatched types"]);
        assert_eq!(
            rendered,
            "warning: unused\nerror[E0308]: mismatched types\n"
        );
    }
}
