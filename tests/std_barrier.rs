//! `Barrier` on real threads: the behaviours CPython's `Lib/test/lock_tests.py` checks for
//! `Barrier` (`BarrierTests`, N = 5 threads), without their sleeps — "every thread is waiting"
//! is read from [`Barrier::n_waiting`] — and the shared scenarios under contention.
//!
//! Run: `cargo test --test std_barrier`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

#[path = "common/scenarios/barrier.rs"]
mod barrier_scenarios;
mod common;

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use barrier_scenarios as scenarios;
use common::watch::{panic_text, wait_until, within};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{Barrier, BarrierError, BrokenBarrier};

const N: usize = 5;

fn assert_send_sync<T: Send + Sync>() {}

/// Runs `f` on `n - 1` new threads and the calling one; returns every result.
fn run_threads<T: Send + 'static>(n: usize, f: impl Fn() -> T + Send + Sync + 'static) -> Vec<T> {
    let f = Arc::new(f);
    let handles: Vec<_> = (1..n)
        .map(|_| {
            let f = Arc::clone(&f);
            thread::spawn(move || f())
        })
        .collect();
    let mut results = vec![f()];
    results.extend(handles.into_iter().map(|h| h.join().unwrap()));
    results
}

// test_constructor
#[test]
fn zero_parties_is_an_error() {
    assert_eq!(Barrier::new(0).err(), Some(BarrierError));
    assert_eq!(Barrier::with_action(0, || {}).err(), Some(BarrierError));
    let barrier = Barrier::new(3).unwrap();
    assert_eq!(barrier.parties(), 3);
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
    assert_eq!(
        format!("{barrier:?}"),
        "Barrier { parties: 3, n_waiting: 0, broken: false, .. }"
    );
    assert_send_sync::<Barrier>();
}

#[test]
fn errors_say_what_python_says() {
    let parties = BarrierError.to_string();
    assert!(parties.starts_with("parties must be >= 1"), "{parties}");
    insta::assert_snapshot!("barrier_error", parties);
    let broken = BrokenBarrier.to_string();
    assert!(
        broken.starts_with("waiting on a broken barrier"),
        "{broken}"
    );
    insta::assert_snapshot!("broken_barrier", broken);
}

// test_single_thread
#[test]
fn a_barrier_of_one_passes_at_once() {
    let barrier = Barrier::new(1).unwrap();
    for _ in 0..3 {
        assert_eq!(barrier.wait(), Ok(0));
    }
}

// test_barrier / test_barrier_10: every thread's phase-1 work is done before any phase 2.
#[test]
fn no_thread_starts_a_pass_before_all_finished_the_last() {
    within(|| {
        for passes in [1, 10] {
            scenarios::nobody_passes_early(N, passes);
        }
    });
}

// test_wait_return: one index of each in 0..N; exactly one thread gets 0.
#[test]
fn wait_returns_distinct_arrival_indices() {
    within(|| {
        let barrier = Arc::new(Barrier::new(N).unwrap());
        let mut indices = run_threads(N, move || barrier.wait().unwrap());
        indices.sort_unstable();
        assert_eq!(indices, (0..N).collect::<Vec<_>>());
    });
}

// test_action: the action runs once per pass, by the last arriver.
#[test]
fn the_action_runs_once_per_pass_in_the_last_arriver() {
    within(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let barrier = {
            let runs = Arc::clone(&runs);
            Arc::new(
                Barrier::with_action(N, move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap(),
            )
        };
        let results = run_threads(N, move || {
            (0..3).map(|_| barrier.wait().unwrap()).collect::<Vec<_>>()
        });
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        for pass in 0..3 {
            let last = results.iter().filter(|r| r[pass] == N - 1).count();
            assert_eq!(last, 1, "pass {pass}: one last arriver");
        }
    });
}

// test_abort: a thread that aborts breaks the barrier for the others (BrokenBarrierError).
#[test]
fn abort_breaks_every_waiter() {
    within(|| {
        let barrier = Arc::new(Barrier::new(N).unwrap());
        let handles: Vec<_> = (1..N)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || barrier.wait())
            })
            .collect();
        wait_until("every other thread waits", || barrier.n_waiting() == N - 1);
        barrier.abort();
        for h in handles {
            assert_eq!(h.join().unwrap(), Err(BrokenBarrier));
        }
        assert!(barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
        assert_eq!(barrier.wait(), Err(BrokenBarrier), "broken until reset");
    });
}

// test_reset: a reset while threads wait breaks their waits; then the barrier works again.
#[test]
fn reset_breaks_the_waiters_and_the_barrier_works_again() {
    within(|| {
        let barrier = Arc::new(Barrier::new(N).unwrap());
        let handles: Vec<_> = (1..N)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || barrier.wait())
            })
            .collect();
        wait_until("every other thread waits", || barrier.n_waiting() == N - 1);
        barrier.reset();
        for h in handles {
            assert_eq!(h.join().unwrap(), Err(BrokenBarrier));
        }
        assert!(!barrier.is_broken(), "reset leaves it whole");
        let barrier2 = Arc::clone(&barrier);
        let mut indices = run_threads(N, move || barrier2.wait().unwrap());
        indices.sort_unstable();
        assert_eq!(indices, (0..N).collect::<Vec<_>>());
    });
}

// test_abort_and_reset
#[test]
fn abort_then_reset_then_use_again() {
    within(|| {
        let barrier = Barrier::new(N).unwrap();
        barrier.abort();
        assert!(barrier.is_broken());
        barrier.reset();
        assert!(!barrier.is_broken());
        let barrier = Arc::new(barrier);
        let mut indices = run_threads(N, move || barrier.wait().unwrap());
        indices.sort_unstable();
        assert_eq!(indices, (0..N).collect::<Vec<_>>());
    });
}

// test_timeout: a timed wait that runs out breaks the barrier for everyone.
#[test]
fn a_timeout_breaks_the_barrier() {
    within(|| {
        let barrier = Arc::new(Barrier::new(N).unwrap());
        let handles: Vec<_> = (2..N)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || barrier.wait())
            })
            .collect();
        wait_until("the others wait", || barrier.n_waiting() == N - 2);
        // One party never arrives: the timed wait gives up and breaks it.
        assert_eq!(
            barrier.wait_timeout(Duration::from_millis(20)),
            Err(BrokenBarrier)
        );
        assert!(barrier.is_broken());
        for h in handles {
            assert_eq!(h.join().unwrap(), Err(BrokenBarrier));
        }
    });
}

#[test]
fn wait_timeout_passes_when_everyone_arrives() {
    within(|| {
        let barrier = Arc::new(Barrier::new(N).unwrap());
        let mut indices = run_threads(N, move || {
            barrier.wait_timeout(Duration::from_secs(20)).unwrap()
        });
        indices.sort_unstable();
        assert_eq!(indices, (0..N).collect::<Vec<_>>());
    });
}

// An action that raises breaks the barrier (CPython's `_release`: `self._break(); raise`).
#[test]
fn a_panicking_action_breaks_the_barrier_and_panics_in_its_thread() {
    within(|| {
        racelab::check::quiet_panics("racelab: expected panic in a barrier action");
        let barrier = Arc::new(
            Barrier::with_action(2, || panic!("racelab: expected panic in a barrier action"))
                .unwrap(),
        );
        let other = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait())
        };
        wait_until("the other waits", || barrier.n_waiting() == 1);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| barrier.wait()));
        let payload = caught.expect_err("the action's panic reaches the last arriver");
        assert_eq!(
            panic_text(&*payload),
            "racelab: expected panic in a barrier action"
        );
        assert_eq!(other.join().unwrap(), Err(BrokenBarrier));
        assert!(barrier.is_broken());
        barrier.reset();
        assert!(!barrier.is_broken());
    });
}

#[test]
fn scenarios_under_contention() {
    within(|| {
        for _ in 0..50 {
            scenarios::nobody_passes_early(N, 5);
            scenarios::abort_breaks_waiters(N);
            scenarios::reset_breaks_waiters();
            scenarios::timed_wait_racing_arrival();
        }
    });
}
