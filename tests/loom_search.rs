//! loom's search order and budget: iterative preemption bounding finds a bug that needs one
//! early preemption at a low bound in few executions, where loom's own depth-first order
//! explores every late interleaving first; a search cut short by its time budget says so.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_search`
#![cfg(loom)]

use std::time::Duration;

use racelab::check::{Explorer, FailureKind};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};

const EARLY: &str = "racelab test: a worker took the token before main";

/// Main and three workers take a token `ROUNDS` times each; each worker assumes main took it
/// first (the bug: spawn order is not run order). Failing takes one preemption, of main right
/// after a spawn, at the very start: loom's depth-first order explores the late interleavings
/// of all four threads before it ever revisits that choice.
fn token_ring() {
    const ROUNDS: usize = 2;
    let hops = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let hops = Arc::clone(&hops);
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    // SeqCst, here and below: a test of the search, not of orderings.
                    let before = hops.fetch_add(1, Ordering::SeqCst);
                    assert!(before > 0, "{EARLY}");
                }
            })
        })
        .collect();
    for _ in 0..ROUNDS {
        hops.fetch_add(1, Ordering::SeqCst);
    }
    for worker in workers {
        worker.join().unwrap();
    }
}

/// Three threads each add to one counter `rounds` times: no bug, and a state space that grows
/// as a multinomial in `rounds`.
fn three_counters(rounds: usize) {
    let n = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let n = Arc::clone(&n);
            thread::spawn(move || {
                for _ in 0..rounds {
                    n.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(n.load(Ordering::SeqCst), 3 * rounds);
}

#[test]
fn an_early_preemption_is_found_at_bound_1_in_few_executions() {
    let failure = Explorer::new("loom_search_early_preemption").expect_failure(token_ring);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(failure.message.contains(EARLY), "{failure}");
    assert_eq!(failure.preemption_bound, Some(1), "{failure}");
    assert!(
        failure.executions <= 100,
        "found only after {} executions:\n{failure}",
        failure.executions
    );
}

#[test]
fn loom_depth_first_order_does_not_find_it_in_seconds() {
    let missed = Explorer::new("loom_search_early_preemption_unbounded")
        .unbounded()
        .time_budget(Duration::from_secs(3))
        .find_failure(token_ring)
        .expect_err("loom's depth-first order explores late choices first");
    assert_eq!(missed.budget, "unbounded not finished in 3 s", "{missed}");
    assert_eq!(missed.result, "not found", "{missed}");
    assert!(missed.executions > 1_000, "{missed}");
}

#[test]
fn a_small_state_space_is_proved_exhaustively() {
    let report = Explorer::new("loom_search_exhaustive").run(|| three_counters(1));
    assert_eq!(report.budget, "exhaustive", "{report}");
    assert_eq!(report.result, "pass", "{report}");
    let unbounded = Explorer::new("loom_search_exhaustive_unbounded")
        .unbounded()
        .run(|| three_counters(1));
    assert_eq!(unbounded.budget, "unbounded", "{unbounded}");
    assert!(
        report.executions >= unbounded.executions,
        "{report}\n{unbounded}"
    );
}

#[test]
fn a_pinned_bound_is_one_search() {
    let report = Explorer::new("loom_search_pinned")
        .preemption_bound(1)
        .run(|| three_counters(2));
    assert_eq!(report.budget, "bound 1 (pinned)", "{report}");
    assert_eq!(report.result, "pass", "{report}");
}

#[test]
fn a_pass_cut_short_by_the_budget_says_what_it_proved() {
    let report = Explorer::new("loom_search_budget")
        .time_budget(Duration::from_secs(1))
        .run(|| three_counters(6));
    assert!(
        report.budget.starts_with("all executions with ≤ ")
            && report.budget.ends_with(" not finished in 1 s)"),
        "{report}"
    );
    assert_eq!(report.result, "pass", "{report}");
}

#[test]
fn an_unbounded_search_cut_short_is_not_a_pass() {
    let report = Explorer::new("loom_search_budget_unbounded")
        .unbounded()
        .time_budget(Duration::from_secs(1))
        .run(|| three_counters(6));
    assert_eq!(report.budget, "unbounded not finished in 1 s", "{report}");
    assert_eq!(report.result, "not finished", "{report}");
}

#[test]
fn a_search_for_a_failure_cut_short_says_so() {
    let report = Explorer::new("loom_search_budget_not_found")
        .time_budget(Duration::from_secs(1))
        .find_failure(|| three_counters(6))
        .expect_err("three counters never fail");
    assert_eq!(report.result, "not found", "{report}");
    assert!(report.budget.ends_with(" not finished in 1 s)"), "{report}");
}
