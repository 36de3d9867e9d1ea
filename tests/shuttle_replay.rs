//! A shuttle failure replays from its report: the schedule it prints, passed back through
//! `RACELAB_REPLAY` (the report's command) or `check::replay`, runs the same failing execution
//! again — same failure, same interleaving — in one execution.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_replay`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

use racelab::check::{self, Explorer, FailureKind, Replay};
use racelab::sync::{thread, Arc};
use racelab::Lock;

const LOST: &str = "racelab test: an increment was lost";

/// A read and a write of a counter, each under the lock but not under one guard: some
/// schedules lose an increment (and the lock's events make a trace).
fn lost_update() {
    let n = Arc::new(Lock::new(0));
    let m = Arc::clone(&n);
    let increment = move |n: &Lock<usize>| {
        let seen = *n.lock();
        *n.lock() = seen + 1;
    };
    let t = thread::spawn(move || increment(&m));
    increment(&n);
    t.join().unwrap();
    assert_eq!(*n.lock(), 2, "{LOST}");
}

/// The only test in this binary: it sets `RACELAB_REPLAY`, which every check reads.
#[test]
fn a_failure_replays_from_the_schedule_its_report_prints() {
    std::env::remove_var("RACELAB_REPLAY");
    let found = Explorer::new("shuttle_replay_search")
        .iterations(1000)
        .expect_failure(lost_update);
    assert_eq!(found.kind, FailureKind::Panic, "{found}");
    assert!(found.message.contains(LOST), "{found}");
    assert!(!found.trace.is_empty(), "{found}");
    let Replay::ShuttleSchedule { schedule } = &found.replay else {
        panic!("a shuttle failure replays by its schedule: {found}");
    };
    assert!(
        !schedule.is_empty() && schedule.bytes().all(|b| b.is_ascii_hexdigit()),
        "{schedule:?}"
    );

    // The report prints one recipe: the command, which carries the schedule.
    let command = found
        .command
        .clone()
        .expect("a command, from inside a test");
    let shown = found.to_string();
    assert_eq!(shown.matches(schedule.as_str()).count(), 1, "{shown}");
    assert!(
        shown.ends_with(&format!("reproduce with:\n  {command}\n")),
        "{shown}"
    );
    assert!(
        command.ends_with(
            "cargo test --release -p racelab --test shuttle_replay -- \
             a_failure_replays_from_the_schedule_its_report_prints --exact --nocapture"
        ),
        "{command}"
    );
    let replay_var = command
        .split_whitespace()
        .find_map(|word| word.strip_prefix("RACELAB_REPLAY="))
        .expect("the command sets RACELAB_REPLAY");
    assert_eq!(replay_var, schedule);

    // The command's route: the same check with RACELAB_REPLAY set runs that one execution.
    std::env::set_var("RACELAB_REPLAY", replay_var);
    let replayed = Explorer::new("shuttle_replay_search")
        .iterations(1000)
        .expect_failure(lost_update);
    std::env::remove_var("RACELAB_REPLAY");
    assert_eq!(replayed.executions, 1, "{replayed}");
    assert_eq!(
        (&replayed.kind, &replayed.message, &replayed.location),
        (&found.kind, &found.message, &found.location)
    );
    assert_eq!(replayed.trace, found.trace, "a different interleaving");
    assert_eq!(replayed.replay, found.replay);
    assert_eq!(replayed.command, found.command);

    // The library's route, with the schedule as shuttle prints it (wrapped over lines).
    let wrapped: Vec<String> = schedule
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    let replayed = check::replay(lost_update, &wrapped.join("\n")).expect("the failure again");
    assert_eq!(replayed.executions, 1, "{replayed}");
    assert_eq!(replayed.message, found.message);
    assert_eq!(replayed.trace, found.trace, "a different interleaving");
    assert_eq!(replayed.replay, found.replay);
}
