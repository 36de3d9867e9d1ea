//! loom failures in a child process.
//!
//! A loom deadlock (or branch-limit failure) panics inside a destructor during cleanup and
//! aborts the whole process. So `expect_failure` under loom reruns the current test in a
//! child process — the test binary itself, filtered to this one test, with `RACELAB_CHILD`
//! naming it — and reads the failure back from the child's stderr, where the panic hook wrote
//! it before the abort (the format is in `wire`).
//!
//! std's `process::Command` is all this needs; a subprocess-isolation crate would be a runtime
//! dependency of the library for ~40 lines.

use std::io::Write as _;

use super::capture::Captured;
use super::command::current_test;
use super::wire;

/// The variable that tells a test binary it is the child for one test.
pub(crate) const CHILD_VAR: &str = "RACELAB_CHILD";

/// `true` if this process is the child for the running test.
pub(crate) fn is_child() -> bool {
    match (std::env::var(CHILD_VAR), current_test()) {
        (Ok(wanted), Some(test)) => wanted == test,
        _ => false,
    }
}

/// The child's `capture::OnCapture`: writes the capture to stderr at once, readable for a
/// person (the message, the wait-for cycle, the swimlane) and for the parent (the wire block).
pub(crate) fn announce(c: &Captured) {
    let mut block = format!("\nracelab: {}: {}\n", c.kind, c.message);
    for edge in &c.wait_for {
        block.push_str(&format!("  {edge}\n"));
    }
    block.push_str(&c.trace.render(120, None));
    block.push_str(&wire::encode(c, false));
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(block.as_bytes());
    let _ = err.flush();
}

/// What the child run produced.
pub(crate) struct ChildOutcome {
    pub(crate) captured: Option<Captured>,
    /// How the child ended, for the error message when nothing was captured.
    pub(crate) status: String,
    pub(crate) stderr_tail: String,
}

/// Reruns the running test in a child process and reads back its failure.
pub(crate) fn run_in_child() -> ChildOutcome {
    let Some(test) = current_test() else {
        panic!(
            "racelab: expect_failure under loom runs the test again in a child process, and \
             needs the test's name; call it from a #[test] thread (libtest names it after the test)"
        );
    };
    let exe = std::env::current_exe().expect("racelab: cannot find the running test binary");
    let output = std::process::Command::new(exe)
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, &test)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("racelab: cannot start the child test process");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
    ChildOutcome {
        captured: wire::decode(&stderr),
        status: output.status.to_string(),
        stderr_tail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    }
}
