//! Under loom, a failure's trace shows the program's own steps: its atomics, cells, spawns,
//! joins, parks and unparks, threads named in spawn order, objects by the names they were given
//! (which survive moves) or numbered per kind, and a FAILED row naming thread and line.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_trace`
#![cfg(loom)]

#[path = "trace/scenarios.rs"]
mod scenarios;

use racelab::check::{Explorer, Failure, FailureKind};

use scenarios::{MARK, SHOW, STALE};

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

/// The line of `tests/trace/scenarios.rs` that contains `marker`.
fn line_of(marker: &str) -> usize {
    include_str!("trace/scenarios.rs")
        .lines()
        .position(|l| l.contains(marker))
        .expect("the marker is in the scenarios")
        + 1
}

#[test]
fn a_relaxed_flag_shows_the_users_own_loads_and_stores() {
    racelab::check::quiet_panics(MARK);
    let failure =
        Explorer::new("loom_trace_relaxed_flag").expect_failure(scenarios::relaxed_flag::<false>);
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(failure.message.contains(STALE), "{}", failure.message);
    assert_eq!(failure.trace.threads, ["main", "t1", "t2"]);
    assert_eq!(rows(&failure, "main")[..2], ["spawn t1", "spawn t2"]);
    assert_eq!(
        rows(&failure, "t1"),
        ["store data = 42 (Relaxed)", "store ready = true (Relaxed)"]
    );
    assert_eq!(
        rows(&failure, "t2"),
        ["load ready = true (Relaxed)", "load data = 0 (Relaxed)"]
    );
    let at = format!(
        "tests/trace/scenarios.rs:{}",
        line_of("the STALE assertion")
    );
    assert_eq!(failure.location.as_deref(), Some(at.as_str()));
    assert_eq!(failure.thread(), Some("t2"));
    let swimlane = failure.swimlane();
    let last = swimlane.lines().last().unwrap();
    assert!(
        last.contains(&format!("FAILED in t2 at {at}: panic: ")) && last.contains(STALE),
        "{swimlane}"
    );
    // The fix passes: the same program with Release / Acquire.
    Explorer::new("loom_trace_release_flag").run(scenarios::relaxed_flag::<true>);
}

#[test]
fn a_ring_reads_in_spawn_order() {
    racelab::check::quiet_panics(MARK);
    let failure = Explorer::new("loom_trace_ring").expect_failure(scenarios::ring);
    assert_eq!(failure.kind, FailureKind::Panic);
    assert_eq!(failure.trace.threads, ["main", "t1", "t2", "t3"]);
    // The thread that ran out of turn names itself by spawn order; the trace agrees.
    let k: usize = failure
        .message
        .split("trace test: t")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("{}", failure.message));
    assert_eq!(failure.thread(), Some(format!("t{k}").as_str()));
    let main = rows(&failure, "main");
    assert_eq!(
        main[..3],
        ["spawn t1", "spawn t2", "spawn t3"],
        "{}",
        failure.swimlane()
    );
    // Its hop is the last step, in its own column: t{k} is the k-th thread spawned.
    let last = failure.trace.steps.last().unwrap();
    assert_eq!(last.thread, k, "{}", failure.swimlane());
    assert!(
        last.event.starts_with("fetch_add hop += 1 -> "),
        "{}",
        failure.swimlane()
    );
    assert_eq!(rows(&failure, &format!("t{k}")).len(), 1);
}

#[test]
fn names_survive_moves_and_unnamed_objects_are_numbered_per_kind() {
    racelab::check::quiet_panics(MARK);
    let failure = Explorer::new("loom_trace_names").expect_failure(scenarios::names_and_moves);
    assert!(failure.message.starts_with(SHOW), "{}", failure.message);
    assert_eq!(failure.trace.threads, ["main", "worker"]);
    assert_eq!(
        rows(&failure, "main"),
        [
            "spawn worker",
            "acquire lock#2",
            "release lock#2",
            "load atomic#2 = 7 (SeqCst)",
            "write slot",
            "store go = true (SeqCst)",
            "unpark worker",
            "join worker",
            "load count = 1 (SeqCst)",
        ],
        "{}",
        failure.swimlane()
    );
    assert_eq!(
        rows(&failure, "worker"),
        [
            "load go = true (SeqCst)",
            "acquire queue",
            "release queue",
            "fetch_add count += 1 -> 1 (SeqCst)",
        ],
        "{}",
        failure.swimlane()
    );
    assert_eq!(failure.thread(), Some("main"));
}

#[test]
fn park_and_unpark_are_rows() {
    racelab::check::quiet_panics(MARK);
    let failure = Explorer::new("loom_trace_park").expect_failure(scenarios::park_unpark);
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
    assert_eq!(
        rows(&failure, "main"),
        [
            "spawn t1",
            "store go = true (SeqCst)",
            "unpark t1",
            "join t1",
            "load parked = true (SeqCst)",
        ],
        "{}",
        failure.swimlane()
    );
}

#[test]
fn scoped_threads_borrow_and_are_joined_by_the_scope() {
    racelab::check::quiet_panics(MARK);
    Explorer::new("loom_trace_scope").run(scenarios::scoped::<false>);
    let failure = Explorer::new("loom_trace_scope_rows").expect_failure(scenarios::scoped::<true>);
    assert!(failure.message.starts_with(SHOW), "{}", failure.message);
    assert_eq!(failure.trace.threads, ["main", "t1", "t2"]);
    let main = rows(&failure, "main");
    assert_eq!(
        main,
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
fn sleep_under_loom_names_the_alternative() {
    racelab::check::quiet_panics("racelab::sync::thread::sleep");
    let failure = Explorer::new("loom_trace_sleep").expect_failure(|| {
        racelab::sync::thread::sleep(std::time::Duration::from_millis(1));
    });
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(
        failure.message.contains("loom has no time") && failure.message.contains("yield_now"),
        "{}",
        failure.message
    );
}

#[test]
fn a_long_run_is_collapsed_and_keeps_the_failing_step() {
    racelab::check::quiet_panics(MARK);
    let failure = Explorer::new("loom_trace_long_run").expect_failure(scenarios::long_run);
    assert_eq!(
        failure.trace.steps.len(),
        2 + 30,
        "{:?}",
        failure.trace.steps
    );
    assert_eq!(failure.thread(), Some("t1"));
    let swimlane = failure.swimlane();
    assert!(swimlane.contains("… 22 more steps"), "{swimlane}");
    assert!(
        swimlane.contains("fetch_add n += 1 -> 30 (Relaxed)"),
        "the failing thread's last step is shown:\n{swimlane}"
    );
    assert!(swimlane.lines().count() < 20, "{swimlane}");
}

#[test]
fn a_data_race_on_a_named_cell_shows_both_accesses() {
    let failure = Explorer::new("loom_trace_cell_race").expect_failure(scenarios::cell_race);
    assert_eq!(failure.kind, FailureKind::DataRace, "{failure}");
    let all: Vec<(usize, &str)> = failure
        .trace
        .steps
        .iter()
        .map(|s| (s.thread, s.event.as_str()))
        .collect();
    assert!(
        all.contains(&(1, "write data")) && all.contains(&(0, "read data")),
        "{}",
        failure.swimlane()
    );
    // The racing access is the failing thread's last row.
    let failed = failure
        .trace
        .failed
        .expect("the trace names the failing thread");
    let last = all.iter().rev().find(|(t, _)| *t == failed).unwrap();
    assert!(
        last.1 == "write data" || last.1 == "read data",
        "{}",
        failure.swimlane()
    );
}

/// A check-then-act on one SeqCst atomic: loom's first failing execution has the second
/// thread load the old value *after* the first stored the new one — impossible under SeqCst,
/// allowed by loom, which models SeqCst as Acquire/Release. The row is marked and the report
/// says what that means.
fn seqcst_check_then_act() {
    use racelab::sync::atomic::{AtomicUsize, Ordering};
    use racelab::sync::{thread, Arc};
    let used = Arc::new(AtomicUsize::new(0));
    let take = |used: &AtomicUsize| {
        let seen = used.load(Ordering::SeqCst);
        if seen == 0 {
            used.store(seen + 1, Ordering::SeqCst);
            true
        } else {
            false
        }
    };
    let other = {
        let used = Arc::clone(&used);
        thread::spawn(move || take(&used))
    };
    let mine = take(&used);
    let theirs = other.join().unwrap();
    assert!(!(mine && theirs), "both took the only permit");
}

#[test]
fn a_seqcst_load_loom_lets_read_a_stale_value_is_marked() {
    let failure = Explorer::new("trace_stale_seqcst")
        .preemption_bound(0)
        .expect_failure(seqcst_check_then_act);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    let swimlane = failure.swimlane();
    assert!(
        swimlane.contains("load atomic#1 = 0 (SeqCst) stale!"),
        "{swimlane}"
    );
    let report = failure.to_string();
    assert!(
        report.contains("loom models SeqCst loads and stores as Acquire and Release"),
        "{report}"
    );
}

#[test]
fn a_relaxed_stale_load_has_no_seqcst_note() {
    // The Relaxed flag's stale read is the C11 model's own, not loom's approximation.
    let failure = Explorer::new("trace_relaxed_flag_no_note")
        .expect_failure(scenarios::relaxed_flag::<false>);
    assert!(!failure.to_string().contains("stale!"), "{failure}");
}
