//! The harness itself under loom, on a user's own code: every check survives loom's abort on a
//! deadlock and reports it like any other failure, each check of a test reports its own
//! failure, code after a check runs once, quieted panics are still failures, a body that fails
//! before the thread it spawned ever ran is reported (loom aborts the process dropping that
//! thread's closure), and the reproduce command names the build that found the failure.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_harness`
#![cfg(loom)]

use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use racelab::check::{panic_message, Explorer, FailureKind};
use racelab::sync::{thread, Arc};
use racelab::Lock;

/// A user's own deadlock: the thread takes a lock it already holds.
fn self_deadlock() {
    let lock = Lock::new(0);
    let _held = lock.lock();
    let _again = lock.lock();
}

/// A user's own lost update: two unlocked read-modify-writes of one counter.
fn lost_update() {
    let n = Arc::new(Lock::new(0));
    let n2 = Arc::clone(&n);
    let t = thread::spawn(move || {
        let v = *n2.lock();
        *n2.lock() = v + 1;
    });
    let v = *n.lock();
    *n.lock() = v + 1;
    t.join().unwrap();
    assert_eq!(*n.lock(), 2, "lost update");
}

/// Runs `f`, which must panic, and returns its panic message.
fn panic_of(f: impl FnOnce()) -> String {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => panic!("expected a panic"),
        Err(payload) => panic_message(&*payload).to_owned(),
    }
}

#[test]
fn a_deadlock_in_run_is_a_racelab_failure_not_an_abort() {
    // Before: loom aborted the whole test binary here (no report, no `test result:` line).
    let message = panic_of(|| {
        Explorer::new("harness_run_deadlock").run(self_deadlock);
    });
    assert!(
        message.starts_with(
            "racelab: check `harness_run_deadlock` failed: deadlock after 1 execution"
        ),
        "{message}"
    );
    assert!(message.contains("reproduce with:"), "{message}");
}

/// A body that fails while a thread it spawned has not run yet, the thread's closure holding a
/// racelab lock (a loom object): loom drops the closure outside the execution, the drop panics
/// during the unwinding, and the process aborts.
fn fails_before_its_thread_runs() {
    let lock = Arc::new(Lock::new(0));
    let theirs = Arc::clone(&lock);
    let _never_joined = thread::spawn(move || *theirs.lock() += 1);
    panic!("the body fails before its thread runs");
}

#[test]
fn a_failure_before_a_spawned_thread_runs_is_reported_not_a_crash() {
    // Before: "the child process for check 1 ... ended (signal: 6 (SIGABRT)) without
    // reporting what it found": the abort came before the plain panic was written.
    let failure = Explorer::new("harness_fails_before_thread")
        .find_failure(fails_before_its_thread_runs)
        .expect("the body always fails");
    assert_eq!(
        (failure.kind, failure.message.as_str()),
        (FailureKind::Panic, "the body fails before its thread runs"),
        "{failure}"
    );
    assert!(
        failure
            .location
            .as_deref()
            .is_some_and(|at| at.starts_with("tests/loom_harness.rs:")),
        "{failure}"
    );
    let message = panic_of(|| {
        Explorer::new("harness_run_fails_before_thread").run(fails_before_its_thread_runs);
    });
    assert!(
        message.starts_with(
            "racelab: check `harness_run_fails_before_thread` failed: panic after 1 execution"
        ),
        "{message}"
    );
    assert!(
        message.contains("the body fails before its thread runs"),
        "{message}"
    );
}

#[test]
fn two_checks_in_one_test_each_report_their_own_failure() {
    let first = Explorer::new("harness_first")
        .find_failure(|| panic!("the first check's failure"))
        .expect("the first fails");
    // Before: the second call returned the first's failure.
    let second = Explorer::new("harness_second")
        .find_failure(lost_update)
        .expect("the second fails");
    let third = Explorer::new("harness_third")
        .find_failure(self_deadlock)
        .expect("the third fails");
    assert_eq!(
        (first.kind, first.message.as_str()),
        (FailureKind::Panic, "the first check's failure")
    );
    assert_eq!(second.kind, FailureKind::Panic);
    assert!(
        second
            .message
            .starts_with("assertion `left == right` failed: lost update"),
        "{}",
        second.message
    );
    assert_eq!(third.kind, FailureKind::Deadlock);
}

#[test]
fn a_check_after_a_failed_run_sees_the_same_earlier_result() {
    // The child for the second check must see the first fail exactly as the parent did.
    let first = panic_of(|| {
        Explorer::new("harness_failed_run").run(|| panic!("the run's failure"));
    });
    assert!(first.contains("the run's failure"), "{first}");
    let second = Explorer::new("harness_after_run")
        .find_failure(self_deadlock)
        .expect("the second fails");
    assert_eq!(second.kind, FailureKind::Deadlock);
}

/// A file that each run of a test appends a line to after its check: the child and the
/// parent run the same test, so two lines mean the code after the check ran twice.
fn effects_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("loom_harness_{name}"))
}

fn append(file: &PathBuf, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .expect("the effects file opens");
    writeln!(f, "{line}").expect("the effects file is written");
}

#[test]
fn code_after_a_check_runs_once() {
    let file = effects_file("after");
    // Each run of the test (the parent's and each child's) starts the file over.
    let _ = std::fs::remove_file(&file);
    append(&file, "start");
    let panicked = Explorer::new("harness_after_panic")
        .find_failure(|| panic!("boom"))
        .expect("it fails");
    append(&file, "after the panic's check");
    let deadlocked = Explorer::new("harness_after_deadlock")
        .find_failure(self_deadlock)
        .expect("it fails");
    append(&file, "after the deadlock's check");
    assert_eq!(
        (panicked.kind, deadlocked.kind),
        (FailureKind::Panic, FailureKind::Deadlock)
    );
    // Before: the child ran on past the panic's check and appended too (the file then held
    // the child's lines before the parent restarted it, or duplicates).
    assert_eq!(
        std::fs::read_to_string(&file).expect("the effects file reads"),
        "start\nafter the panic's check\nafter the deadlock's check\n"
    );
}

#[test]
fn quieted_panics_are_still_failures() {
    racelab::check::quiet_panics("loom_harness quiet:");
    // Before: "not found" after 1 execution.
    let failure = Explorer::new("harness_quiet")
        .find_failure(|| panic!("loom_harness quiet: the failure"))
        .expect("a quieted panic is still captured");
    assert_eq!(
        (failure.kind, failure.message.as_str()),
        (FailureKind::Panic, "loom_harness quiet: the failure")
    );
    let message = panic_of(|| {
        Explorer::new("harness_quiet_run").run(|| panic!("loom_harness quiet: in a run"));
    });
    assert!(
        message.starts_with("racelab: check `harness_quiet_run` failed: panic"),
        "{message}"
    );
}

#[test]
fn the_reproduce_command_is_this_build() {
    let failure = Explorer::new("harness_command")
        .find_failure(self_deadlock)
        .expect("it fails");
    let command = failure.command.expect("a reproduce command");
    // Before: `-C debug-assertions` and `target/loom` whatever the build, and RACELAB_CHILD,
    // which made the replay run in-process and abort at the end.
    assert!(!command.contains("RACELAB_CHILD"), "{command}");
    let flags = if cfg!(debug_assertions) {
        "RUSTFLAGS=\"--cfg loom -C debug-assertions\""
    } else {
        "RUSTFLAGS=\"--cfg loom\""
    };
    assert!(command.starts_with(flags), "{command}");
    let exe = std::env::current_exe().expect("the test binary");
    let target_dir = exe
        .ancestors()
        .nth(3)
        .expect("<target>/<profile>/deps/<exe>");
    let target_dir = target_dir.to_string_lossy();
    assert!(
        target_dir.ends_with(
            command
                .split("CARGO_TARGET_DIR=")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .expect("a target dir")
        ),
        "{command} vs {target_dir}"
    );
    assert!(
        command.ends_with("-- the_reproduce_command_is_this_build --exact --nocapture"),
        "{command}"
    );
}

#[test]
fn a_passing_run_reports_what_its_child_explored() {
    let report = Explorer::new("harness_pass").run(|| {
        let n = Arc::new(Lock::new(0));
        let n2 = Arc::clone(&n);
        let t = thread::spawn(move || *n2.lock() += 1);
        *n.lock() += 1;
        t.join().unwrap();
        assert_eq!(*n.lock(), 2);
    });
    assert!(report.executions > 1, "{report}");
    assert_eq!(report.result, "pass");
}
