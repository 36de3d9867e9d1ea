//! `RLock` on real threads: the behaviours CPython's `Lib/test/lock_tests.py` checks for
//! `RLock` (`BaseLockTests` and `RLockTests`), without their sleeps, and the shared scenarios
//! under contention. Tests that block run inside [`within`], so a lost wake-up fails instead
//! of hanging.
//!
//! Run: `cargo test --test std_rlock`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;
#[path = "common/scenarios/rlock.rs"]
mod rlock_scenarios;

use std::time::{Duration, Instant};

use common::watch::{wait_until, within};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{RLock, RLockReleaseError};
use rlock_scenarios as scenarios;

fn assert_send_sync<T: Send + Sync>() {}

// test_constructor / test_repr
#[test]
fn new_and_default_are_free() {
    for lock in [RLock::new(), RLock::default()] {
        assert!(!lock.is_locked());
        assert!(!lock.is_owned());
        assert_eq!(lock.recursion_count(), 0);
        assert_eq!(
            format!("{lock:?}"),
            "RLock { locked: false, owned: false, recursion_count: 0 }"
        );
    }
    assert_send_sync::<RLock>();
}

// test_acquire_release, test_reacquire, test_recursion_count
#[test]
fn reacquire_counts_and_the_last_release_frees() {
    let lock = RLock::new();
    lock.acquire();
    lock.acquire();
    lock.acquire();
    assert_eq!(lock.recursion_count(), 3);
    assert_eq!(
        format!("{lock:?}"),
        "RLock { locked: true, owned: true, recursion_count: 3 }"
    );
    lock.release().unwrap();
    lock.release().unwrap();
    assert!(lock.is_locked() && lock.is_owned());
    assert_eq!(lock.recursion_count(), 1);
    lock.release().unwrap();
    assert!(!lock.is_locked() && !lock.is_owned());
    assert_eq!(lock.recursion_count(), 0);
}

// test_release_unacquired
#[test]
fn release_of_an_unacquired_lock_is_an_error() {
    let lock = RLock::new();
    assert_eq!(lock.release(), Err(RLockReleaseError));
    lock.acquire();
    lock.acquire();
    lock.release().unwrap();
    lock.acquire();
    lock.release().unwrap();
    lock.release().unwrap();
    assert_eq!(lock.release(), Err(RLockReleaseError));
    assert!(!lock.is_locked(), "a refused release changed the lock");
}

#[test]
fn release_error_says_what_python_says() {
    let text = RLockReleaseError.to_string();
    assert!(
        text.starts_with("cannot release un-acquired lock"),
        "{text}"
    );
    insta::assert_snapshot!("rlock_release_error", text);
    let error: Box<dyn std::error::Error> = Box::new(RLockReleaseError);
    assert_eq!(error.to_string(), text);
}

// test_different_thread: acquired in one thread, released in another: refused.
#[test]
fn release_from_a_different_thread_is_refused() {
    within(|| {
        let lock = Arc::new(RLock::new());
        let holder = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.acquire();
                lock
            })
        };
        let lock = holder.join().unwrap();
        // The holder thread is gone, still owning the lock.
        assert!(lock.is_locked());
        assert!(!lock.is_owned());
        assert_eq!(lock.recursion_count(), 0);
        assert_eq!(lock.release(), Err(RLockReleaseError));
        assert!(lock.is_locked());
        assert!(!lock.try_acquire());
    });
}

// test__is_owned
#[test]
fn is_owned_only_in_the_owning_thread() {
    within(|| {
        let lock = Arc::new(RLock::new());
        assert!(!lock.is_owned());
        lock.acquire();
        assert!(lock.is_owned());
        lock.acquire();
        assert!(lock.is_owned());
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                assert!(!lock.is_owned());
                assert_eq!(lock.recursion_count(), 0);
                assert!(!lock.try_acquire(), "try_acquire against the owner");
                if lock.try_acquire() {
                    lock.release().unwrap();
                }
            })
        };
        other.join().unwrap();
        lock.release().unwrap();
        assert!(lock.is_owned());
        lock.release().unwrap();
        assert!(!lock.is_owned());
    });
}

// test_try_acquire / test_try_acquire_contended
#[test]
fn try_acquire_is_reentrant_and_fails_against_another_owner() {
    within(|| {
        let lock = Arc::new(RLock::new());
        assert!(lock.try_acquire());
        assert!(lock.try_acquire());
        let contender = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || lock.try_acquire())
        };
        assert!(!contender.join().unwrap());
        lock.release().unwrap();
        lock.release().unwrap();
        let contender = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let taken = lock.try_acquire();
                lock.release().unwrap();
                taken
            })
        };
        assert!(contender.join().unwrap());
    });
}

// test_acquire_contended: N threads block on the held lock; none gets in until it is freed.
#[test]
fn contended_acquire_waits_for_the_last_release() {
    within(|| {
        const N: usize = 5;
        let lock = Arc::new(RLock::new());
        let started = Arc::new(AtomicUsize::new(0));
        let inside = Arc::new(AtomicUsize::new(0));
        lock.acquire();
        lock.acquire();
        let handles: Vec<_> = (0..N)
            .map(|_| {
                let (lock, started, inside) =
                    (Arc::clone(&lock), Arc::clone(&started), Arc::clone(&inside));
                thread::spawn(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    lock.acquire();
                    inside.fetch_add(1, Ordering::SeqCst);
                    lock.release().unwrap();
                })
            })
            .collect();
        wait_until("every contender started", || {
            started.load(Ordering::SeqCst) == N
        });
        lock.release().unwrap();
        // Still held once: nobody may be inside yet.
        assert_eq!(inside.load(Ordering::SeqCst), 0, "entered a held RLock");
        lock.release().unwrap();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(inside.load(Ordering::SeqCst), N);
        assert!(!lock.is_locked());
    });
}

// test_timeout
#[test]
fn acquire_timeout_gives_up_against_another_owner_and_succeeds_when_free() {
    within(|| {
        let lock = Arc::new(RLock::new());
        assert!(lock.acquire_timeout(Duration::from_millis(1)));
        assert!(
            lock.acquire_timeout(Duration::ZERO),
            "reentrant: never waits"
        );
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let start = Instant::now();
                let taken = lock.acquire_timeout(Duration::from_millis(20));
                (taken, start.elapsed())
            })
        };
        let (taken, waited) = other.join().unwrap();
        assert!(!taken, "acquired a lock another thread owns");
        assert!(
            waited >= Duration::from_millis(20),
            "gave up early: {waited:?}"
        );
        lock.release().unwrap();
        lock.release().unwrap();
        // Free: a timed acquire from another thread takes it.
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let taken = lock.acquire_timeout(Duration::from_secs(10));
                lock.release().unwrap();
                taken
            })
        };
        assert!(other.join().unwrap());
    });
}

/// A timed acquirer gets the lock once the owner frees it, long before its timeout.
#[test]
fn acquire_timeout_takes_the_lock_when_it_is_freed() {
    within(|| {
        let lock = Arc::new(RLock::new());
        lock.acquire();
        let started = Arc::new(AtomicUsize::new(0));
        let other = {
            let (lock, started) = (Arc::clone(&lock), Arc::clone(&started));
            thread::spawn(move || {
                started.store(1, Ordering::SeqCst);
                let taken = lock.acquire_timeout(Duration::from_secs(20));
                if taken {
                    lock.release().unwrap();
                }
                taken
            })
        };
        wait_until("the contender started", || {
            started.load(Ordering::SeqCst) == 1
        });
        lock.release().unwrap();
        assert!(other.join().unwrap());
    });
}

#[test]
fn scenarios_under_contention() {
    within(|| {
        for _ in 0..50 {
            scenarios::rlock_exclusion(4, 100, 3);
            scenarios::rlock_depths(5);
            scenarios::rlock_reentrancy();
            scenarios::rlock_non_owner_release();
            scenarios::timed_acquire_racing_release();
        }
    });
}
