//! Under shuttle, a failure's trace shows the program's own steps, as under loom: threads in
//! spawn order, objects by name or numbered per kind with the same numbers as loom's, a FAILED
//! row naming thread and line.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_trace`
#![cfg(shuttle)]
// shuttle's `Arc` is std's: the facade's own, not a stray import.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

#[path = "trace/scenarios.rs"]
mod scenarios;

use racelab::check::{Explorer, Failure, FailureKind};

use scenarios::{MARK, SHOW};

/// The rows of thread `name`, in order.
fn rows<'a>(failure: &'a Failure, name: &str) -> Vec<&'a str> {
    let column = failure
        .trace
        .threads
        .iter()
        .position(|t| t == name)
        .unwrap_or_else(|| panic!("no thread {name} in {:?}", failure.trace.threads));
    failure
        .trace
        .steps
        .iter()
        .filter(|s| s.thread == column)
        .map(|s| s.event.as_str())
        .collect()
}

/// The failure `body` is expected to have (the harness runs every shuttle check on an OS
/// thread of its own).
fn failure_of(name: &'static str, body: fn()) -> Failure {
    racelab::check::quiet_panics(MARK);
    Explorer::new(name).expect_failure(body)
}

#[test]
fn a_ring_reads_in_spawn_order() {
    let failure = failure_of("shuttle_trace_ring", scenarios::ring);
    assert_eq!(failure.kind, FailureKind::Panic);
    assert_eq!(failure.trace.threads, ["main", "t1", "t2", "t3"]);
    let k: usize = failure
        .message
        .split("trace test: t")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("{}", failure.message));
    assert_eq!(failure.thread(), Some(format!("t{k}").as_str()));
    assert_eq!(
        rows(&failure, "main")[..3],
        ["spawn t1", "spawn t2", "spawn t3"]
    );
    let last = failure.trace.steps.last().unwrap();
    assert_eq!(last.thread, k, "{}", failure.swimlane());
    assert!(
        last.event.starts_with("fetch_add hop += 1 -> "),
        "{}",
        failure.swimlane()
    );
    let line = include_str!("trace/scenarios.rs")
        .lines()
        .position(|l| l.contains("ran out of turn\""))
        .unwrap()
        + 1;
    let at = format!("tests/trace/scenarios.rs:{line}");
    assert_eq!(failure.location.as_deref(), Some(at.as_str()));
    assert!(
        failure
            .swimlane()
            .contains(&format!("FAILED in t{k} at {at}: panic: ")),
        "{}",
        failure.swimlane()
    );
}

#[test]
fn names_and_numbers_are_loom_s() {
    let failure = failure_of("shuttle_trace_names", scenarios::names_and_moves);
    assert!(failure.message.starts_with(SHOW), "{}", failure.message);
    assert_eq!(failure.trace.threads, ["main", "worker"]);
    let main = rows(&failure, "main");
    // The same names as under loom (tests/loom_trace.rs): `queue` and `count` survive the
    // moves into `Arc`s; the unnamed lock is lock#2 and the unnamed atomic atomic#2.
    for row in [
        "spawn worker",
        "acquire lock#2",
        "release lock#2",
        "load atomic#2 = 7 (SeqCst)",
        "write slot",
        "store go = true (SeqCst)",
        "unpark worker",
        "join worker",
        "load count = 1 (SeqCst)",
    ] {
        assert!(main.contains(&row), "{row}:\n{}", failure.swimlane());
    }
    let worker = rows(&failure, "worker");
    for row in [
        "load go = true (SeqCst)",
        "acquire queue",
        "release queue",
        "fetch_add count += 1 -> 1 (SeqCst)",
    ] {
        assert!(worker.contains(&row), "{row}:\n{}", failure.swimlane());
    }
    assert_eq!(failure.thread(), Some("main"));
}

#[test]
fn scoped_threads_are_joined_by_the_scope() {
    Explorer::new("shuttle_trace_scope").run(scenarios::scoped::<false>);
    let failure = failure_of("shuttle_trace_scope_rows", scenarios::scoped::<true>);
    assert_eq!(failure.trace.threads, ["main", "t1", "t2"]);
    assert_eq!(
        rows(&failure, "main"),
        [
            "spawn t1",
            "spawn t2",
            "join t1",
            "join t2",
            "load n = 11 (SeqCst)"
        ],
        "{}",
        failure.swimlane()
    );
}

#[test]
fn a_relaxed_flag_is_loom_s_to_find() {
    // shuttle runs every atomic as SeqCst: the flag's bug never shows, and the fix passes.
    Explorer::new("shuttle_trace_relaxed_flag").run(scenarios::relaxed_flag::<false>);
    Explorer::new("shuttle_trace_release_flag").run(scenarios::relaxed_flag::<true>);
}

#[test]
fn park_and_unpark_are_rows() {
    let failure = failure_of("shuttle_trace_park", scenarios::park_unpark);
    assert!(failure.message.starts_with(SHOW), "{}", failure.message);
    assert_eq!(
        rows(&failure, "t1"),
        [
            "load go = false (SeqCst)",
            "store parked = true (SeqCst)",
            "park",
            "load go = true (SeqCst)",
        ],
        "{}",
        failure.swimlane()
    );
    let main = rows(&failure, "main");
    for row in [
        "spawn t1",
        "store go = true (SeqCst)",
        "unpark t1",
        "join t1",
    ] {
        assert!(main.contains(&row), "{row}:\n{}", failure.swimlane());
    }
}

#[test]
fn a_long_run_is_collapsed_and_keeps_the_failing_step() {
    let failure = failure_of("shuttle_trace_long_run", scenarios::long_run);
    assert_eq!(failure.thread(), Some("t1"));
    let swimlane = failure.swimlane();
    assert!(swimlane.contains("more steps"), "{swimlane}");
    assert!(
        swimlane.contains("fetch_add n += 1 -> 30 (Relaxed)"),
        "the failing thread's last step is shown:\n{swimlane}"
    );
}
