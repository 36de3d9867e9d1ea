//! loom failures in a child process.
//!
//! A loom deadlock (or branch-limit failure) panics inside a destructor during cleanup and
//! aborts the whole process. So `expect_failure` under loom reruns the current test in a
//! child process — the test binary itself, filtered to this one test, with `RACELAB_CHILD`
//! naming it — and reads the failure back from the child's stderr, where the panic hook wrote
//! it before the abort. The protocol is a block of `key=value` lines between two markers.
//!
//! std's `process::Command` is all this needs; a subprocess-isolation crate would be a runtime
//! dependency of the library for ~40 lines.

use super::capture::Captured;
use super::failure::FailureKind;
use crate::trace::{Step, Trace, WaitFor};

const BEGIN: &str = "RACELAB-FAILURE-BEGIN";
const END: &str = "RACELAB-FAILURE-END";
/// The variable that tells a test binary it is the child for one test.
pub(crate) const CHILD_VAR: &str = "RACELAB_CHILD";

/// The libtest name of the running test: libtest names each test's thread after it.
pub(crate) fn current_test() -> Option<String> {
    #[allow(clippy::disallowed_methods)] // the OS thread's name, outside any model
    let thread = std::thread::current();
    thread
        .name()
        .filter(|n| *n != "main" && !n.is_empty())
        .map(str::to_owned)
}

/// `true` if this process is the child for the running test.
pub(crate) fn is_child() -> bool {
    match (std::env::var(CHILD_VAR), current_test()) {
        (Ok(wanted), Some(test)) => wanted == test,
        _ => false,
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The block the child's panic hook writes for every panic; `chosen` marks the one the child
/// itself picked as the failure once loom's check returned (absent when loom aborted first).
pub(crate) fn encode(c: &Captured, chosen: bool) -> String {
    let mut out = format!("\n{BEGIN}\n");
    if chosen {
        out.push_str("chosen=1\n");
    }
    out.push_str(&format!("kind={}\n", c.kind.name()));
    out.push_str(&format!("raw={}\n", escape(&c.raw)));
    out.push_str(&format!("execution={}\n", c.execution));
    out.push_str(&format!("message={}\n", escape(&c.message)));
    if let Some(location) = &c.location {
        out.push_str(&format!("location={}\n", escape(location)));
    }
    for name in &c.trace.threads {
        out.push_str(&format!("thread={}\n", escape(name)));
    }
    for step in &c.trace.steps {
        out.push_str(&format!("step={}\t{}\n", step.thread, escape(&step.event)));
    }
    for w in &c.wait_for {
        out.push_str(&format!(
            "wait={}\t{}\t{}\t{}\n",
            escape(&w.thread),
            escape(&w.holds.join(",")),
            escape(&w.waits_for),
            escape(w.held_by.as_deref().unwrap_or("")),
        ));
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Reads the failure out of a child's stderr: the block the child chose, or else (loom
/// aborted before it could choose) as `capture::choose` would.
pub(crate) fn decode(stderr: &str) -> Option<Captured> {
    let mut blocks = Vec::new();
    let mut rest = stderr;
    while let Some(at) = rest.find(BEGIN) {
        let start = at + BEGIN.len();
        let Some(len) = rest[start..].find(END) else {
            break;
        };
        if let Some(block) = decode_block(&rest[start..start + len]) {
            blocks.push(block);
        }
        rest = &rest[start + len..];
    }
    if let Some(chosen) = blocks.iter().position(|(_, chosen)| *chosen) {
        return Some(blocks.swap_remove(chosen).0);
    }
    super::capture::choose(blocks.into_iter().map(|(c, _)| c).collect(), None)
}

fn decode_block(block: &str) -> Option<(Captured, bool)> {
    let mut chosen = false;
    let mut c = Captured {
        kind: FailureKind::Panic,
        raw: String::new(),
        message: String::new(),
        location: None,
        trace: Trace::default(),
        wait_for: Vec::new(),
        execution: 0,
    };
    for line in block.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "chosen" => chosen = true,
            "kind" => c.kind = FailureKind::from_name(value)?,
            "raw" => c.raw = unescape(value),
            "execution" => c.execution = value.parse().ok()?,
            "message" => c.message = unescape(value),
            "location" => c.location = Some(unescape(value)),
            "thread" => c.trace.threads.push(unescape(value)),
            "step" => {
                let (thread, event) = value.split_once('\t')?;
                c.trace.steps.push(Step {
                    thread: thread.parse().ok()?,
                    event: unescape(event),
                });
            }
            "wait" => {
                let mut parts = value.split('\t').map(unescape);
                let thread = parts.next()?;
                let holds = parts.next()?;
                let waits_for = parts.next()?;
                let held_by = parts.next()?;
                c.wait_for.push(WaitFor {
                    thread,
                    holds: holds
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    waits_for,
                    held_by: (!held_by.is_empty()).then_some(held_by),
                });
            }
            _ => {}
        }
    }
    Some((c, chosen))
}

/// What the child run produced.
pub(crate) struct ChildOutcome {
    pub(crate) captured: Option<Captured>,
    /// How the child ended, for the error message when nothing was captured.
    pub(crate) status: String,
    pub(crate) stderr_tail: String,
}

/// Reruns the running test in a child process and reads back its first failure.
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
        captured: decode(&stderr),
        status: output.status.to_string(),
        stderr_tail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    }
}
