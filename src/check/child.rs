//! Every loom check runs in a child process.
//!
//! A loom deadlock (or branch-limit failure) panics inside a destructor during cleanup and
//! aborts the whole process. So under loom the parent never explores a check itself: for the
//! `n`-th check of the running test it reruns that test in a child process — the test binary
//! itself, `--exact`, with `RACELAB_CHILD=<n>[:<file>]` — and reads the result back from the
//! child's stderr, where the child's panic hook wrote each capture before loom could abort
//! (the format is in `wire`). A deadlock is then reported like any other failure, and the
//! tests after it still run.
//!
//! In the child, the checks before the `n`-th return exactly what the parent got for them
//! (the file in `RACELAB_CHILD` holds those results), so code between checks behaves the same;
//! the `n`-th check runs for real, and once it is done the child writes its result and exits
//! at once. Code after the check therefore runs only in the parent, once.
//!
//! std's `process::Command` is all this needs; a subprocess-isolation crate would be a runtime
//! dependency of the library for ~40 lines.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::cell::RefCell;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use super::capture::Captured;
use super::command::current_test;
use super::failure::FailureKind;
use super::wire;

/// The variable that tells a test binary it is the child for one check: internal, set by the
/// harness (`<n>`, or `<n>:<file>` with the results of the checks before it).
pub(crate) const CHILD_VAR: &str = "RACELAB_CHILD";

/// What a child whose check found no failure writes (loom's backend: `RACELAB-EXPLORED=<n>`).
const EXPLORED: &str = "RACELAB-EXPLORED=";

/// What a child run produced (in a child, for a check before its own: what the parent's
/// child produced for it).
#[derive(Debug, Clone)]
pub(crate) struct ChildOutcome {
    pub(crate) captured: Option<Captured>,
    /// How the child ended, for the error message when nothing was captured.
    pub(crate) status: String,
    /// The end of the child's stderr, where it writes what its check explored.
    pub(crate) stderr_tail: String,
}

/// The checks of the test running on this thread.
#[derive(Default)]
struct Checks {
    test: String,
    /// How many checks the test has started.
    started: usize,
    /// Parent: every finished check's outcome, for the next check's child.
    done: Vec<ChildOutcome>,
}

thread_local! {
    static CHECKS: RefCell<Checks> = RefCell::default();
}

/// `true` if this process is a child started for one check.
pub(crate) fn is_child() -> bool {
    std::env::var_os(CHILD_VAR).is_some()
}

/// The check this child was started for, and what the parent got for the checks before it.
fn child_task() -> Option<(usize, Vec<ChildOutcome>)> {
    let value = std::env::var(CHILD_VAR).ok()?;
    let (n, file) = match value.split_once(':') {
        Some((n, file)) => (n, Some(file)),
        None => (value.as_str(), None),
    };
    let n = n
        .parse()
        .unwrap_or_else(|_| panic!("racelab: {CHILD_VAR}={value:?} names no check"));
    let earlier = match file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .unwrap_or_else(|e| panic!("racelab: cannot read the checks file {file}: {e}"));
            wire::decode_checks(&text)
        }
        None => Vec::new(),
    };
    Some((n, earlier))
}

/// Starts a check of the running test: `true` if it runs in this process — it is the check
/// this child was started for, or there is no test to rerun (outside a `#[test]` thread) —
/// and `false` if [`run_in_child`] gives its outcome.
pub(crate) fn runs_here() -> bool {
    let Some(test) = current_test() else {
        return true;
    };
    let n = CHECKS.with(|c| {
        let mut c = c.borrow_mut();
        if c.test != test {
            *c = Checks {
                test: test.clone(),
                ..Checks::default()
            };
        }
        c.started += 1;
        c.started
    });
    child_task().is_some_and(|(wanted, _)| n == wanted)
}

/// The outcome of the check [`runs_here`] just started elsewhere. In the parent, reruns the
/// test in a child process for it, passing the child's progress lines on as they come; in a
/// child, returns what the parent got for this earlier check.
///
/// # Panics
///
/// If the child ends without reporting what its check found.
pub(crate) fn run_in_child() -> ChildOutcome {
    let Some(test) = current_test() else {
        unreachable!("runs_here() runs a check outside a test in-process")
    };
    let (n, done) = CHECKS.with(|c| {
        let c = c.borrow();
        (c.started, c.done.clone())
    });
    if let Some((wanted, earlier)) = child_task() {
        let Some(outcome) = earlier.into_iter().nth(n - 1).filter(|_| n < wanted) else {
            panic!(
                "racelab: this child process was started for check {wanted} of `{test}`, but the \
                 test started check {n} without the parent's outcome for it (does the test start \
                 the same checks each time it runs?)"
            );
        };
        return outcome;
    }
    let outcome = spawn(&test, n, &done);
    CHECKS.with(|c| c.borrow_mut().done.push(outcome.clone()));
    outcome
}

/// The child's `capture::OnCapture`: writes a checker's capture (a deadlock, a branch limit:
/// what loom may abort the process on) to stderr at once, readable for a person (the message,
/// the wait-for cycle, the swimlane) and for the parent (the wire block). A plain panic is
/// reported when the check returns (writing each one would cost a block per execution in a
/// check whose model catches its own panics) — unless the process aborts right after
/// (`fatal`: a destructor panicked during the unwinding), when it is the chosen failure.
pub(crate) fn announce(c: &Captured, fatal: bool) {
    if c.kind == FailureKind::Panic && !fatal {
        return;
    }
    let mut block = format!("\nracelab: {}: {}\n", c.kind, c.message);
    for edge in &c.wait_for {
        block.push_str(&format!("  {edge}\n"));
    }
    block.push_str(&c.trace.render(120, None));
    block.push_str(&wire::encode(c, fatal));
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(block.as_bytes());
    let _ = err.flush();
}

/// Ends the child once its check is done and has written its result: nothing after the check
/// runs in the child.
pub(crate) fn exit() -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(0)
}

/// Reruns the running test in a child process for its `n`-th check, with the outcomes of the
/// checks before it.
fn spawn(test: &str, n: usize, earlier: &[ChildOutcome]) -> ChildOutcome {
    static FILES: AtomicU64 = AtomicU64::new(0);
    let exe = std::env::current_exe().expect("racelab: cannot find the running test binary");
    let file = (!earlier.is_empty()).then(|| {
        // Relaxed: only uniqueness of the number matters.
        let unique = FILES.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "racelab-checks-{}-{unique}.txt",
            std::process::id()
        ));
        std::fs::write(&path, wire::encode_checks(earlier))
            .unwrap_or_else(|e| panic!("racelab: cannot write {}: {e}", path.display()));
        path
    });
    let task = match &file {
        Some(path) => format!("{n}:{}", path.display()),
        None => n.to_string(),
    };
    let mut child = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, task)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("racelab: cannot start the child test process");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    for line in BufReader::new(child.stdout.take().expect("piped"))
        .lines()
        .map_while(Result::ok)
    {
        if line.starts_with("racelab-check: ") {
            println!("{line}");
        }
    }
    let status = child
        .wait()
        .expect("racelab: cannot wait for the child test process");
    let stderr = stderr_reader.join().unwrap_or_default();
    if let Some(path) = file {
        let _ = std::fs::remove_file(path);
    }
    let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    // A child whose check ended writes the failure it chose, or what it explored; the blocks
    // its hook wrote as panics happened count only if loom aborted the child first (a check
    // that passed may have caught panics of its own).
    let explored = stderr.lines().any(|l| l.starts_with(EXPLORED));
    let captured = wire::decode(&stderr).filter(|_| !explored);
    if captured.is_none() && !explored {
        panic!(
            "racelab: the child process for check {n} of `{test}` ended ({status}) without \
             reporting what it found; its stderr ended with:\n{tail}"
        );
    }
    ChildOutcome {
        captured,
        status: status.to_string(),
        stderr_tail: tail,
    }
}
