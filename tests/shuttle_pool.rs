//! The pool under shuttle: the shared pool scenarios at 3–5 workers (loom stops at 2), and
//! the lifecycle races — `close`, `terminate` and `Drop` racing one or two submitting threads,
//! `close` racing `terminate` with two concurrent `join`s, and the last handle to the pool
//! dropped inside one of its own tasks — each under random and PCT (depth 3) schedules; and the
//! rest of Python's pool at 5 workers (`imap`, `imap_unordered`, callbacks racing `terminate`,
//! a timed wait racing its task). What
//! each race asserts is written with it, in `tests/common/scenarios/pool.rs`; the checks here
//! add that the race went both ways across the schedules ([`Tally`]).
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_pool`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use common::scenarios::{self, Shutdown};
use common::shuttle::{check, random_and_pct, CONFIGURATIONS};
use racelab::sync::Arc;
use racelab::Face;

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

/// Schedules per check. The lifecycle and shared-scenario checks together take about 10 s of
/// CPU in release; the ten rest-of-pool checks (5 workers, up to 15 items) about 55 s more
/// (measured on a loaded 2-core machine: 1.8–10.5 s each).
const POOL_SCHEDULES: usize = 5_000;

// ---- the shared scenarios, at shuttle scale ----

random_and_pct! {
    delivers: "shuttle_pool_delivers_5x10", POOL_SCHEDULES, || scenarios::pool_delivers(5, 10);
    close_join: "shuttle_pool_close_join_3x6", POOL_SCHEDULES,
        || scenarios::pool_close_join(3, 6);
    terminate_race: "shuttle_pool_terminate_race_4x8", POOL_SCHEDULES,
        || scenarios::pool_terminate_race(4, 8);
    panicking_task: "shuttle_pool_panicking_task_3", POOL_SCHEDULES,
        || scenarios::pool_panicking_task(3);
    drop_with_queued: "shuttle_pool_drop_queued_3x6", POOL_SCHEDULES,
        || scenarios::pool_drop_with_queued(3, 6);
}

// ---- the rest of Python's pool, at 5 workers ----

random_and_pct! {
    /// 15 items through a window of 10: the refill path runs while workers finish.
    imap_in_order: "shuttle_pool_imap_in_order_5x15", POOL_SCHEDULES,
        || scenarios::imap_in_order(5, 15);
    imap_unordered: "shuttle_pool_imap_unordered_5x15", POOL_SCHEDULES,
        || scenarios::imap_unordered_each_once(5, 15);
    callback_once: "shuttle_pool_callback_once_5", POOL_SCHEDULES,
        || scenarios::callback_once_racing_terminate(5);
    map_callback_once: "shuttle_pool_map_callback_once_5x10", POOL_SCHEDULES,
        || scenarios::map_callback_once_racing_terminate(5, 10);
    /// In shuttle the timeout is the schedule's choice (see `AsyncResult::wait_timeout`).
    get_timeout: "shuttle_pool_get_timeout_5", POOL_SCHEDULES,
        || scenarios::get_timeout_race(5);
}

// ---- lifecycle races ----

random_and_pct! {
    close_and_terminate_race: "shuttle_pool_close_vs_terminate_4x6", POOL_SCHEDULES,
        || scenarios::close_and_terminate_race(4, 6);
    last_handle_dropped_in_a_task: "shuttle_pool_drop_in_task_3x4", POOL_SCHEDULES,
        || scenarios::last_handle_dropped_in_a_task(3, 4);
}

/// Counts, across all schedules of one check, how the race went: a race whose every schedule
/// went the same way proves little. Kept outside the model with std atomics on purpose: it
/// observes the schedules and must not become a scheduling point itself.
#[allow(clippy::disallowed_types)]
#[derive(Default)]
struct Tally {
    schedules: std::sync::atomic::AtomicUsize,
    with_refusal: std::sync::atomic::AtomicUsize,
    with_cancellation: std::sync::atomic::AtomicUsize,
}

impl Tally {
    fn record(&self, outcome: scenarios::Outcome) {
        use std::sync::atomic::Ordering::Relaxed; // statistics, read after the run
        self.schedules.fetch_add(1, Relaxed);
        if outcome.refused > 0 {
            self.with_refusal.fetch_add(1, Relaxed);
        }
        if outcome.cancelled > 0 {
            self.with_cancellation.fetch_add(1, Relaxed);
        }
    }

    /// Asserts that the race went both ways: some schedules refused a submission and some
    /// did not, and (after `terminate`) some cancelled a queued task.
    fn assert_both_ways(&self, name: &str, shutdown: Shutdown) {
        use std::sync::atomic::Ordering::Relaxed;
        let schedules = self.schedules.load(Relaxed);
        let refused = self.with_refusal.load(Relaxed);
        let cancelled = self.with_cancellation.load(Relaxed);
        println!(
            "{name}: {refused} of {schedules} schedules refused a submission, \
             {cancelled} cancelled a queued task"
        );
        if std::env::var_os("RACELAB_ITERATIONS").is_some() {
            return; // a budget cut short may not see both sides
        }
        if shutdown == Shutdown::Drop {
            assert_eq!(refused, 0, "{name}: a pool nobody closed refused a task");
        } else {
            assert!(
                0 < refused && refused < schedules,
                "{name}: the race went one way only"
            );
        }
        if shutdown == Shutdown::Terminate {
            assert!(
                cancelled > 0,
                "{name}: terminate never cancelled a queued task"
            );
        }
    }
}

/// One test per (shutdown, submitters, workers) that runs both [`CONFIGURATIONS`], each with
/// its own [`Tally`]: 3–5 workers, 1–2 submitters.
macro_rules! lifecycle_checks {
    ($($test:ident: $shutdown:ident, $workers:literal workers, $submitters:literal x $per:literal, $iterations:expr;)*) => {
        $(
            #[test]
            fn $test() {
                for (scheduler, label) in CONFIGURATIONS {
                    let name = format!(
                        "shuttle_pool_{}_{}w_{}x{}_{label}",
                        stringify!($test), $workers, $submitters, $per
                    );
                    let tally = Arc::new(Tally::default());
                    let seen = Arc::clone(&tally);
                    check(FACE, &name, scheduler, $iterations, move || {
                        seen.record(scenarios::submit_while_shutting_down(
                            $workers, $submitters, $per, Shutdown::$shutdown,
                        ))
                    });
                    tally.assert_both_ways(&name, Shutdown::$shutdown);
                }
            }
        )*
    };
}

lifecycle_checks! {
    close_races_one_submitter: Close, 3 workers, 1 x 6, POOL_SCHEDULES;
    close_races_two_submitters: Close, 5 workers, 2 x 4, POOL_SCHEDULES;
    terminate_races_one_submitter: Terminate, 3 workers, 1 x 6, POOL_SCHEDULES;
    terminate_races_two_submitters: Terminate, 4 workers, 2 x 4, POOL_SCHEDULES;
    close_then_drop_races_two_submitters: CloseThenDrop, 4 workers, 2 x 4, POOL_SCHEDULES;
    drop_races_two_submitters: Drop, 5 workers, 2 x 4, POOL_SCHEDULES;
}
