//! shuttle's default strategy: random and PCT(3) schedules alternate, so a bug that only one
//! of them finds easily is found by the default; a search cut short by its time budget says so.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_search`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

use std::time::Duration;

use racelab::check::{self, Explorer, FailureKind, Replay, Scheduler};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};

const LATE: &str = "racelab test: the reader ran after every step";
const STEPS: usize = 20;

/// The reader fails only if it runs after all `STEPS` of main's steps: a random scheduler
/// delays it that long with probability about 2^-20; PCT does whenever it gives main the
/// higher priority, about every other run.
fn starved_reader() {
    let steps = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&steps);
    let reader = thread::spawn(move || {
        // SeqCst, here and below: shuttle runs every atomic as SeqCst anyway.
        assert_ne!(seen.load(Ordering::SeqCst), STEPS, "{LATE}");
    });
    for _ in 0..STEPS {
        steps.fetch_add(1, Ordering::SeqCst);
    }
    reader.join().unwrap();
}

/// Two increments of one counter: no bug.
fn two_increments() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = Arc::clone(&n);
    let t = thread::spawn(move || n2.fetch_add(1, Ordering::SeqCst));
    n.fetch_add(1, Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2);
}

#[test]
fn the_default_finds_what_random_scheduling_misses() {
    let failure = Explorer::new("shuttle_search_default").expect_failure(starved_reader);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(failure.message.contains(LATE), "{failure}");
    assert!(failure.executions <= 20, "{failure}");
    // The recorded schedule replays it, whichever scheduler made it.
    let Replay::ShuttleSchedule { schedule } = &failure.replay else {
        panic!("a shuttle failure replays by its schedule: {failure}");
    };
    let replayed = check::replay(starved_reader, schedule).expect("the replay fails again");
    assert!(replayed.message.contains(LATE), "{replayed}");
}

#[test]
fn random_scheduling_alone_misses_it() {
    let missed = Explorer::new("shuttle_search_random")
        .scheduler(Scheduler::Random)
        .find_failure(starved_reader)
        .expect_err("random scheduling delays the reader 20 steps about once in a million runs");
    assert_eq!(missed.budget, "random × 1000", "{missed}");
    assert_eq!(missed.result, "not found", "{missed}");
}

#[test]
fn the_default_says_what_it_ran() {
    let report = Explorer::new("shuttle_search_pass")
        .iterations(10)
        .run(two_increments);
    assert_eq!(report.budget, "random+pct(3) × 10", "{report}");
    assert_eq!(report.result, "pass", "{report}");
}

#[test]
fn a_search_cut_short_by_the_budget_is_not_a_pass() {
    let report = Explorer::new("shuttle_search_budget")
        .iterations(usize::MAX)
        .time_budget(Duration::from_secs(1))
        .run(two_increments);
    assert_eq!(
        report.budget,
        format!(
            "random+pct(3) × {} of {} (budget 1 s)",
            report.executions,
            usize::MAX
        ),
        "{report}"
    );
    assert_eq!(report.result, "not finished", "{report}");
}
