//! The lock on real threads: every public item of `RawLock`, `Lock<T>`, `LockGuard` and
//! `ReleaseError`, every error path, the shared scenarios under contention, and the harness
//! (`check::Explorer` / `explore`) as the std backend runs it.
//!
//! Tests that block on the lock run their body through [`within`], so a lost wake-up fails
//! the test after 30 s instead of hanging the suite; nothing waits with `sleep`.
//!
//! Run: `cargo test --test std_lock`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use common::watch::{panic_text, wait_until, within};
use std::panic::{self, AssertUnwindSafe};

use common::{scenarios, EXPECTED_PANIC};
use racelab::check::{self, Explorer, FailureKind, Replay, Scheduler};
use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{Lock, LockGuard, RawLock, ReleaseError};

/// The iteration count a std `Explorer` really runs: `RACELAB_ITERATIONS` overrides the
/// configured one, and a person may have it set in their shell.
fn expected_iterations(configured: u64) -> u64 {
    std::env::var("RACELAB_ITERATIONS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(configured)
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_sync<T: Sync>() {}

// ---------------------------------------------------------------------------------------
// RawLock
// ---------------------------------------------------------------------------------------

#[test]
fn raw_lock_new_and_default_are_free() {
    for lock in [RawLock::new(), RawLock::default()] {
        assert!(!lock.is_locked());
        assert!(!lock.has_waiters());
        assert_eq!(
            format!("{lock:?}"),
            "RawLock { locked: false, waiters: false }"
        );
    }
    assert_send_sync::<RawLock>();
}

#[test]
fn raw_lock_acquire_then_release() {
    let lock = RawLock::new();
    lock.acquire();
    assert!(lock.is_locked());
    assert!(!lock.has_waiters());
    assert_eq!(
        format!("{lock:?}"),
        "RawLock { locked: true, waiters: false }"
    );
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.is_locked());
    // Usable again.
    lock.acquire();
    assert_eq!(lock.release(), Ok(()));
}

#[test]
fn raw_lock_try_acquire_fails_exactly_while_held() {
    let lock = RawLock::new();
    assert!(lock.try_acquire());
    assert!(lock.is_locked());
    assert!(!lock.try_acquire(), "try_acquire took a held lock");
    assert!(lock.is_locked(), "a failed try_acquire changed the lock");
    lock.release().unwrap();
    assert!(lock.try_acquire(), "try_acquire failed on a free lock");
    lock.release().unwrap();
}

#[test]
fn raw_lock_try_acquire_fails_while_another_thread_holds_it() {
    let lock = Arc::new(RawLock::new());
    lock.acquire();
    let l = Arc::clone(&lock);
    assert!(!thread::spawn(move || l.try_acquire()).join().unwrap());
    lock.release().unwrap();
    let l = Arc::clone(&lock);
    assert!(thread::spawn(move || {
        let got = l.try_acquire();
        l.release().unwrap();
        got
    })
    .join()
    .unwrap());
}

#[test]
fn raw_lock_released_twice_is_release_error_and_stays_usable() {
    within(|| {
        let lock = Arc::new(RawLock::new());
        assert_eq!(lock.release(), Err(ReleaseError), "never acquired");
        lock.acquire();
        assert_eq!(lock.release(), Ok(()));
        let second = lock.release();
        assert_eq!(second, Err(ReleaseError));
        assert_eq!(
            second.unwrap_err().to_string(),
            "release of an unlocked lock: release() was called while the lock was not held"
        );
        assert!(!lock.is_locked(), "the failed release changed the lock");
        // Still a working lock, for this thread and another.
        assert!(lock.try_acquire());
        assert!(!lock.try_acquire());
        assert_eq!(lock.release(), Ok(()));
        let l = Arc::clone(&lock);
        thread::spawn(move || {
            l.acquire();
            l.release().unwrap();
        })
        .join()
        .unwrap();
        assert!(!lock.is_locked());
    });
}

/// The lock has no owner (Python's `Lock`): a thread that never acquired it may release it,
/// and that release wakes a thread blocked in `acquire`. The thread that did acquire it then
/// finds it no longer held: its own `release` is `ReleaseError`.
#[test]
fn raw_lock_released_by_a_thread_that_does_not_hold_it_wakes_the_waiter() {
    within(|| {
        let lock = Arc::new(RawLock::new());
        lock.acquire(); // this thread is the "holder"
        let got_it = Arc::new(AtomicBool::new(false));
        let (l, g) = (Arc::clone(&lock), Arc::clone(&got_it));
        let waiter = thread::spawn(move || {
            l.acquire();
            g.store(true, Ordering::SeqCst);
            l.release().expect("the waiter holds the lock");
        });
        wait_until("the waiter is queued", || lock.has_waiters());
        assert!(!got_it.load(Ordering::SeqCst));
        let l = Arc::clone(&lock);
        let stranger = thread::spawn(move || l.release());
        assert_eq!(stranger.join().unwrap(), Ok(()), "a non-holder may release");
        waiter.join().expect("the waiter was woken and finished");
        assert!(got_it.load(Ordering::SeqCst));
        assert!(!lock.is_locked());
        assert!(!lock.has_waiters());
        assert_eq!(
            lock.release(),
            Err(ReleaseError),
            "the holder's release came too late"
        );
    });
}

#[test]
fn raw_lock_has_waiters_while_a_thread_is_blocked_in_acquire() {
    within(|| {
        let lock = Arc::new(RawLock::new());
        let acquired = Arc::new(AtomicBool::new(false));
        lock.acquire();
        let (l, a) = (Arc::clone(&lock), Arc::clone(&acquired));
        let waiter = thread::spawn(move || {
            l.acquire();
            a.store(true, Ordering::SeqCst);
            l.release().unwrap();
        });
        // The waiter spins briefly, then queues itself: has_waiters turns true and stays true
        // until this thread releases.
        wait_until("the waiter is queued", || lock.has_waiters());
        assert!(!acquired.load(Ordering::SeqCst), "acquire took a held lock");
        assert_eq!(
            format!("{lock:?}"),
            "RawLock { locked: true, waiters: true }"
        );
        lock.release().unwrap();
        waiter.join().unwrap();
        assert!(acquired.load(Ordering::SeqCst));
        assert!(!lock.is_locked());
        assert!(!lock.has_waiters(), "a woken waiter stayed queued");
        assert_eq!(
            format!("{lock:?}"),
            "RawLock { locked: false, waiters: false }"
        );
    });
}

#[test]
fn raw_lock_wakes_every_queued_waiter() {
    within(|| {
        // Several threads queue behind one holder; each release wakes one, and all get through.
        const WAITERS: usize = 4;
        let lock = Arc::new(RawLock::new());
        let through = Arc::new(AtomicUsize::new(0));
        lock.acquire();
        let threads: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (l, t) = (Arc::clone(&lock), Arc::clone(&through));
                thread::spawn(move || {
                    l.acquire();
                    t.fetch_add(1, Ordering::SeqCst);
                    l.release().unwrap();
                })
            })
            .collect();
        wait_until("a waiter is queued", || lock.has_waiters());
        assert_eq!(through.load(Ordering::SeqCst), 0);
        lock.release().unwrap();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(through.load(Ordering::SeqCst), WAITERS);
        assert!(!lock.is_locked());
        assert!(!lock.has_waiters());
    });
}

#[test]
fn raw_lock_counter_under_contention() {
    within(|| {
        scenarios::raw_lock_counter(4, 5_000);
    });
}

#[test]
fn raw_lock_racing_releases_exactly_one_wins() {
    within(|| {
        for _ in 0..300 {
            scenarios::racing_releases();
        }
    });
}

#[test]
fn raw_lock_handoff_release_wakes_the_waiter() {
    within(|| {
        for _ in 0..300 {
            scenarios::handoff_release();
        }
    });
}

// ---------------------------------------------------------------------------------------
// ReleaseError
// ---------------------------------------------------------------------------------------

#[test]
fn release_error_is_a_plain_error_value() {
    let err = ReleaseError;
    assert_eq!(format!("{err:?}"), "ReleaseError");
    assert_eq!(
        err.to_string(),
        "release of an unlocked lock: release() was called while the lock was not held"
    );
    let dyn_err: &dyn std::error::Error = &err;
    assert!(dyn_err.source().is_none());
    let copy = err;
    assert_eq!(copy, err.clone());
    let set: std::collections::HashSet<_> = [err, copy].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_send_sync::<ReleaseError>();
}

// ---------------------------------------------------------------------------------------
// Lock<T> and LockGuard
// ---------------------------------------------------------------------------------------

#[test]
fn lock_new_lock_and_guard_access() {
    let lock = Lock::new(5);
    assert!(!lock.is_locked());
    {
        let mut guard = lock.lock();
        assert!(lock.is_locked());
        assert_eq!(*guard, 5);
        *guard += 1;
    }
    assert!(!lock.is_locked(), "the guard did not release on drop");
    assert_eq!(*lock.lock(), 6);
}

#[test]
fn lock_try_lock_is_none_exactly_while_held() {
    let lock = Lock::new(String::from("a"));
    let mut guard = lock.try_lock().expect("a free lock");
    guard.push('b');
    assert!(lock.try_lock().is_none(), "try_lock took a held lock");
    assert!(lock.is_locked());
    drop(guard);
    assert_eq!(*lock.try_lock().expect("free again"), "ab");
}

#[test]
fn lock_try_lock_contended_never_blocks() {
    within(|| {
        for _ in 0..300 {
            scenarios::try_lock_contended();
        }
    });
}

#[test]
fn lock_try_lock_fails_while_another_thread_holds_the_guard() {
    within(|| {
        let lock = Arc::new(Lock::new(0));
        let held = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let (l, h, r) = (Arc::clone(&lock), Arc::clone(&held), Arc::clone(&release));
        let holder = thread::spawn(move || {
            let mut guard = l.lock();
            *guard = 1;
            h.store(true, Ordering::SeqCst);
            wait_until("the test lets go", || r.load(Ordering::SeqCst));
        });
        wait_until("the holder has the lock", || held.load(Ordering::SeqCst));
        assert!(lock.try_lock().is_none());
        assert!(lock.is_locked());
        assert_eq!(format!("{lock:?}"), "Lock { data: <locked>, .. }");
        release.store(true, Ordering::SeqCst);
        holder.join().unwrap();
        assert_eq!(*lock.try_lock().expect("released by the holder's guard"), 1);
    });
}

#[test]
fn lock_counter_eight_threads() {
    within(|| {
        scenarios::lock_counter(8, 10_000);
    });
}

#[test]
fn lock_get_mut_and_into_inner_need_no_locking() {
    let mut lock = Lock::new(vec![1, 2]);
    lock.get_mut().push(3);
    assert!(!lock.is_locked(), "get_mut must not take the lock");
    assert_eq!(*lock.lock(), [1, 2, 3]);
    assert_eq!(lock.into_inner(), [1, 2, 3]);
}

#[test]
fn lock_default_and_from() {
    let lock: Lock<Vec<u8>> = Lock::default();
    assert!(lock.lock().is_empty());
    assert!(!lock.is_locked());
    let lock: Lock<&str> = Lock::from("x");
    assert_eq!(*lock.lock(), "x");
    let lock: Lock<i64> = 7.into();
    assert_eq!(lock.into_inner(), 7);
}

#[test]
fn lock_holds_an_unsized_value() {
    let lock: Box<Lock<[i32]>> = Box::new(Lock::new([1, 2, 3]));
    lock.lock()[1] = 20;
    assert_eq!(&*lock.lock(), &[1, 20, 3]);
    assert_eq!(format!("{lock:?}"), "Lock { data: [1, 20, 3], .. }");
    let guard = lock.try_lock().unwrap();
    assert_eq!(guard.len(), 3);
    assert!(lock.try_lock().is_none());
}

#[test]
fn lock_debug_shows_the_value_or_locked() {
    let lock = Lock::new(5);
    assert_eq!(format!("{lock:?}"), "Lock { data: 5, .. }");
    let guard = lock.lock();
    assert_eq!(format!("{lock:?}"), "Lock { data: <locked>, .. }");
    drop(guard);
    // Debug's own try_lock released again.
    assert!(!lock.is_locked());
}

#[test]
fn lock_is_sync_for_send_data() {
    // Like std's Mutex: `T: Send` is enough, `Cell` is not `Sync` but may be locked.
    assert_send_sync::<Lock<std::cell::Cell<u32>>>();
    assert_sync::<LockGuard<'static, u32>>();
}

#[test]
fn guard_display_and_debug_forward_to_the_value() {
    let lock = Lock::new(String::from("hi"));
    let guard = lock.lock();
    assert_eq!(guard.to_string(), "hi");
    assert_eq!(format!("{guard:?}"), "\"hi\"");
    // Formatting flags reach the value.
    assert_eq!(format!("{guard:>4}|"), "  hi|");
    drop(guard);
    let lock = Lock::new(3.5_f64);
    assert_eq!(format!("{:.2}", lock.lock()), "3.50");
}

#[test]
fn guard_releases_the_lock_while_unwinding() {
    common::quiet_expected_panics();
    let lock = Lock::new(0);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut guard = lock.lock();
        *guard += 1;
        panic!("{}", EXPECTED_PANIC);
    }));
    let payload = caught.expect_err("the critical section panicked");
    assert_eq!(panic_text(&*payload), EXPECTED_PANIC);
    assert!(
        !lock.is_locked(),
        "the guard did not release while unwinding"
    );
    // No poisoning: the value is what the panicking section left.
    assert_eq!(*lock.try_lock().expect("free after the panic"), 1);
}

#[test]
fn guard_released_by_a_panicking_thread_unblocks_the_others() {
    within(|| {
        common::quiet_expected_panics();
        let lock = Arc::new(Lock::new(Vec::new()));
        let l = Arc::clone(&lock);
        let panicked = thread::spawn(move || {
            let mut guard = l.lock();
            guard.push("before the panic");
            panic!("{}", EXPECTED_PANIC);
        })
        .join()
        .expect_err("the thread panicked");
        assert_eq!(panic_text(&*panicked), EXPECTED_PANIC);
        let l = Arc::clone(&lock);
        thread::spawn(move || l.lock().push("after"))
            .join()
            .unwrap();
        assert_eq!(*lock.lock(), ["before the panic", "after"]);
    });
}

// ---------------------------------------------------------------------------------------
// check: the harness on the std backend
// ---------------------------------------------------------------------------------------

/// The message of the deliberately failing checked bodies below. Not `EXPECTED_PANIC`: the
/// harness's panic hook must see it whichever hook was installed first, so that the failure's
/// location is known.
const CHECKED_FAILURE: &str = "racelab test: a checked body failed on purpose";

#[test]
fn explore_runs_the_body_with_the_default_budget() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&runs);
    let report = check::explore(move || {
        r.fetch_add(1, Ordering::SeqCst);
        scenarios::lock_counter(2, 20);
    });
    let n = expected_iterations(100);
    assert_eq!(report.name, "explore");
    assert_eq!(report.backend, "std");
    assert_eq!(report.budget, format!("stress × {n}"));
    assert_eq!(report.executions, n);
    assert_eq!(report.result, "pass");
    assert_eq!(runs.load(Ordering::SeqCst) as u64, n);
}

#[test]
fn explorer_report_fields_record_and_display() {
    // preemption_bound, scheduler and seed steer loom and shuttle; std ignores them.
    let report = Explorer::new("std_lock_explorer")
        .iterations(7)
        .preemption_bound(1)
        .scheduler(Scheduler::Pct { depth: 3 })
        .seed(42)
        .std_timeout(30)
        .run(scenarios::racing_releases);
    let n = expected_iterations(7);
    let budget = format!("stress × {n}");
    assert_eq!(report.name, "std_lock_explorer");
    assert_eq!(report.backend, racelab::sync::BACKEND);
    assert_eq!(report.backend, "std");
    assert_eq!(report.budget, budget);
    assert_eq!(report.executions, n);
    assert_eq!(report.result, "pass");
    let record = report.record();
    let fields: Vec<&str> = record.split('\t').collect();
    assert_eq!(fields.len(), 6, "{record:?}");
    assert_eq!(
        fields[..4],
        ["std_lock_explorer", "std", &*budget, &*n.to_string()]
    );
    assert!(fields[4].parse::<f64>().is_ok(), "seconds: {record:?}");
    assert_eq!(fields[5], "pass");
    let shown = report.to_string();
    assert!(
        shown.starts_with(&format!(
            "std_lock_explorer [std {budget}] {n} executions in "
        )),
        "{shown}"
    );
    assert!(shown.ends_with(" s: pass"), "{shown}");
    assert_eq!(report.clone(), report);
}

#[test]
fn explorer_run_panics_with_the_first_failure_and_stops_there() {
    if expected_iterations(10) < 3 {
        return; // RACELAB_ITERATIONS set too low to reach the failing run
    }
    let runs = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&runs);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        Explorer::new("fails_on_third").iterations(10).run(move || {
            if r.fetch_add(1, Ordering::SeqCst) == 2 {
                panic!("{}", CHECKED_FAILURE);
            }
        })
    }));
    let message = panic_text(&*caught.expect_err("the third execution panicked"));
    let headline = format!(
        "racelab: check `fails_on_third` failed: panic after 3 executions: {CHECKED_FAILURE}\n"
    );
    assert!(message.starts_with(&headline), "{message}");
    assert!(message.contains("\nat tests/std_lock.rs:"), "{message}");
    assert!(
        message.ends_with("std run #3 (not replayable)\n"),
        "{message}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 3, "ran on after the failure");
}

#[test]
fn expect_failure_returns_a_panic_as_data() {
    // Releasing a free lock is an error, so the body's assertion fails on its first run.
    let failure = Explorer::new("caught_panic")
        .iterations(5)
        .expect_failure(|| {
            let lock = RawLock::new();
            assert!(lock.release().is_ok(), "{}", CHECKED_FAILURE);
        });
    assert_eq!(failure.kind, FailureKind::Panic);
    assert_eq!(failure.message, CHECKED_FAILURE);
    let location = failure.location.as_deref().expect("a panic has a location");
    assert!(location.starts_with("tests/std_lock.rs:"), "{location}");
    assert_eq!(failure.replay, Replay::Std { run: 1 });
    assert_eq!(failure.executions, 1);
    assert!(failure.trace.is_empty(), "std builds record no trace");
    assert!(failure.wait_for.is_empty());
    assert_eq!(failure.command, None);
    assert_eq!(
        failure.to_string(),
        format!(
            "panic after 1 execution: {CHECKED_FAILURE}\nat {location}\nstd run #1 (not replayable)\n"
        )
    );
}

#[test]
fn check_expect_failure_uses_the_default_explorer() {
    let failure = check::expect_failure(|| panic!("{}", CHECKED_FAILURE));
    assert_eq!(failure.kind, FailureKind::Panic);
    assert_eq!(failure.message, CHECKED_FAILURE);
    assert_eq!(failure.executions, 1);
}

#[test]
fn expect_failure_reports_a_std_deadlock_after_the_timeout() {
    // A self-deadlock: the lock is not reentrant. The watchdog gives up after 1 s and leaves
    // the blocked run thread parked (it is leaked, by design).
    let failure = Explorer::new("self_deadlock")
        .iterations(3)
        .std_timeout(1)
        .expect_failure(|| {
            let lock = RawLock::new();
            lock.acquire();
            lock.acquire();
        });
    assert_eq!(failure.kind, FailureKind::Deadlock);
    assert_eq!(
        failure.message,
        "no progress within 1 s in run 1: deadlocked (its threads are left blocked)"
    );
    assert_eq!(failure.location, None);
    assert_eq!(failure.replay, Replay::Std { run: 1 });
    assert_eq!(failure.executions, 1);
}

#[test]
fn expect_failure_without_a_failure_panics_and_find_failure_returns_the_report() {
    let n = expected_iterations(4);
    let caught = panic::catch_unwind(|| {
        Explorer::new("never_fails")
            .iterations(4)
            .expect_failure(scenarios::handoff_release)
    });
    let message = panic_text(&*caught.expect_err("nothing was caught"));
    assert_eq!(
        message,
        format!(
            "racelab: check `never_fails` expected a failure, but {n} executions (std stress × {n}) found none"
        )
    );
    let report = Explorer::new("never_fails")
        .iterations(4)
        .find_failure(scenarios::handoff_release)
        .expect_err("nothing to find");
    assert_eq!(report.executions, n);
    assert_eq!(report.result, "not found");
    assert_eq!(report.budget, format!("stress × {n}"));
}

#[test]
fn find_failure_returns_the_failure() {
    let failure = Explorer::new("found")
        .iterations(3)
        .find_failure(|| panic!("{}", CHECKED_FAILURE))
        .expect("the body fails");
    assert_eq!(failure.kind, FailureKind::Panic);
    assert_eq!(failure.message, CHECKED_FAILURE);
}

#[test]
fn failure_kinds_have_names() {
    let kinds = [
        (FailureKind::Deadlock, "deadlock"),
        (FailureKind::Panic, "panic"),
        (FailureKind::DataRace, "data race"),
        (FailureKind::Leak, "leak"),
        (FailureKind::StepLimit, "step limit"),
    ];
    for (kind, name) in kinds {
        assert_eq!(kind.name(), name);
        assert_eq!(kind.to_string(), name);
    }
}

#[test]
fn explorer_and_scheduler_are_plain_values() {
    assert_eq!(Scheduler::Pct { depth: 2 }, Scheduler::Pct { depth: 2 });
    assert_ne!(Scheduler::Random, Scheduler::Pct { depth: 2 });
    let explorer = Explorer::new("x").iterations(3);
    let copy = explorer.clone();
    assert_eq!(format!("{explorer:?}"), format!("{copy:?}"));
}

/// Regression: a panic the body caught itself (as the pool catches a task's) was reported as
/// the failure instead of the assertion that really failed.
#[test]
fn regression_a_caught_panic_does_not_mask_the_real_failure() {
    let failure = Explorer::new("masking").iterations(3).expect_failure(|| {
        let caught = std::panic::catch_unwind(|| panic!("racelab test: caught inside the body"));
        assert!(caught.is_err());
        panic!("racelab test: the real failure");
    });
    assert_eq!(failure.kind, FailureKind::Panic);
    assert_eq!(failure.message, "racelab test: the real failure");
}
