//! `Semaphore` and `BoundedSemaphore` on real threads: the behaviour CPython's
//! `Lib/test/lock_tests.py` checks for `threading.Semaphore` and `BoundedSemaphore`
//! (`BaseSemaphoreTests`, `SemaphoreTests`, `BoundedSemaphoreTests`), every error path, the
//! timeouts, and a snapshot of every error's `Display`.
//!
//! Where CPython sleeps until "all N threads are blocked", these tests ask the semaphore itself
//! (`waiters()`, the number of parked acquirers), and every body runs under [`within`], so a
//! lost wake-up fails the test instead of hanging it. Nothing waits with `sleep`.
//!
//! Run: `cargo test --test std_semaphore`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use std::time::{Duration, Instant};

use common::watch::{wait_until, within};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{BoundedSemaphore, Lock, OverReleaseError, Semaphore};

/// The two flavours behind one interface, so each CPython base test runs on both.
trait Sem: Send + Sync + 'static {
    fn make(permits: usize) -> Self;
    fn acquire(&self);
    fn try_acquire(&self) -> bool;
    fn acquire_timeout(&self, timeout: Duration) -> bool;
    fn release(&self);
    fn release_n(&self, n: usize);
    fn available(&self) -> usize;
    fn waiters(&self) -> usize;
}

impl Sem for Semaphore {
    fn make(permits: usize) -> Self {
        Semaphore::new(permits)
    }
    fn acquire(&self) {
        Semaphore::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        Semaphore::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        Semaphore::acquire_timeout(self, timeout)
    }
    fn release(&self) {
        Semaphore::release(self);
    }
    fn release_n(&self, n: usize) {
        Semaphore::release_n(self, n);
    }
    fn available(&self) -> usize {
        Semaphore::available(self)
    }
    fn waiters(&self) -> usize {
        Semaphore::waiters(self)
    }
}

impl Sem for BoundedSemaphore {
    fn make(permits: usize) -> Self {
        BoundedSemaphore::new(permits)
    }
    fn acquire(&self) {
        BoundedSemaphore::acquire(self);
    }
    fn try_acquire(&self) -> bool {
        BoundedSemaphore::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> bool {
        BoundedSemaphore::acquire_timeout(self, timeout)
    }
    fn release(&self) {
        BoundedSemaphore::release(self).expect("a release after an acquire");
    }
    fn release_n(&self, n: usize) {
        BoundedSemaphore::release_n(self, n).expect("releases after acquires");
    }
    fn available(&self) -> usize {
        BoundedSemaphore::available(self)
    }
    fn waiters(&self) -> usize {
        BoundedSemaphore::waiters(self)
    }
}

/// `test_acquire`.
fn acquire_release<S: Sem>() {
    let sem = S::make(1);
    sem.acquire();
    sem.release();
    let sem = S::make(2);
    sem.acquire();
    sem.acquire();
    assert_eq!(sem.available(), 0);
    sem.release();
    sem.release();
    assert_eq!(sem.available(), 2);
}

/// `test_acquire_contended` (`release` one at a time) and `test_multirelease` (`release(n)`):
/// 7 permits, one taken; 10 threads acquire twice each, recording the phase they got through
/// in. Exactly as many get through per phase as permits were released.
fn acquire_contended<S: Sem>(release: fn(&S, usize)) {
    within(move || {
        let sem = Arc::new(S::make(7));
        sem.acquire();
        let phase = Arc::new(AtomicUsize::new(0));
        let results = Arc::new(Lock::new(Vec::new()));
        let finished = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..10)
            .map(|_| {
                let (sem, phase, results, finished) = (
                    Arc::clone(&sem),
                    Arc::clone(&phase),
                    Arc::clone(&results),
                    Arc::clone(&finished),
                );
                thread::spawn(move || {
                    for _ in 0..2 {
                        sem.acquire();
                        results.lock().push(phase.load(Ordering::SeqCst));
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        // "wait_count(n)": n results recorded, and every thread not finished parked.
        let settle = |n: usize| {
            wait_until("the threads settle", || {
                results.lock().len() == n && sem.waiters() == 10 - finished.load(Ordering::SeqCst)
            });
        };
        settle(6);
        assert_eq!(*results.lock(), vec![0; 6]);
        phase.store(1, Ordering::SeqCst);
        release(&sem, 7);
        settle(13);
        let mut expected = vec![0; 6];
        expected.extend([1; 7]);
        assert_eq!(*results.lock(), expected);
        phase.store(2, Ordering::SeqCst);
        release(&sem, 6);
        settle(19);
        expected.extend([2; 6]);
        assert_eq!(*results.lock(), expected);
        // The semaphore is still taken.
        assert!(!sem.try_acquire());
        // A final release lets the last thread finish.
        sem.release();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(results.lock().len(), 20);
        assert_eq!(sem.available(), 0);
    });
}

fn release_one_at_a_time<S: Sem>(sem: &S, n: usize) {
    for _ in 0..n {
        sem.release();
    }
}

fn release_all_at_once<S: Sem>(sem: &S, n: usize) {
    sem.release_n(n);
}

/// `test_try_acquire`.
fn try_acquire<S: Sem>() {
    let sem = S::make(2);
    assert!(sem.try_acquire());
    assert!(sem.try_acquire());
    assert!(!sem.try_acquire());
    sem.release();
    assert!(sem.try_acquire());
}

/// `test_try_acquire_contended`: 4 permits, one taken; 5 threads try twice each: exactly 3 of
/// the 10 tries succeed.
fn try_acquire_contended<S: Sem>() {
    within(|| {
        let sem = Arc::new(S::make(4));
        sem.acquire();
        let threads: Vec<_> = (0..5)
            .map(|_| {
                let sem = Arc::clone(&sem);
                thread::spawn(move || [sem.try_acquire(), sem.try_acquire()])
            })
            .collect();
        let mut results: Vec<bool> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        results.sort();
        let mut expected = vec![false; 7];
        expected.extend([true; 3]);
        assert_eq!(results, expected);
    });
}

/// `test_acquire_timeout`: timed acquires succeed while permits last; then one waits out its
/// whole timeout and fails.
fn acquire_timeout<S: Sem>() {
    let sem = S::make(2);
    let short = Duration::from_millis(5);
    assert!(sem.acquire_timeout(short));
    assert!(sem.acquire_timeout(short));
    assert!(!sem.acquire_timeout(short));
    sem.release();
    assert!(sem.acquire_timeout(short));
    let timeout = Duration::from_millis(50);
    let start = Instant::now();
    assert!(!sem.acquire_timeout(timeout));
    // A lower bound only: the wait may take longer on a loaded machine, never shorter.
    assert!(
        start.elapsed() >= timeout,
        "gave up early: {:?}",
        start.elapsed()
    );
    // The timed-out waiter left the queue.
    assert_eq!(sem.waiters(), 0);
    assert_eq!(sem.available(), 0);
}

/// `test_default_value`: the default is one permit; a second acquirer blocks until a release.
fn default_value<S: Sem + Default>() {
    within(|| {
        let sem = Arc::new(S::default());
        sem.acquire();
        let finished = Arc::new(AtomicUsize::new(0));
        let t = {
            let (sem, finished) = (Arc::clone(&sem), Arc::clone(&finished));
            thread::spawn(move || {
                sem.acquire();
                sem.release();
                finished.store(1, Ordering::SeqCst);
            })
        };
        // The thread is blocked in acquire().
        wait_until("the second acquirer parks", || sem.waiters() == 1);
        assert_eq!(finished.load(Ordering::SeqCst), 0);
        sem.release();
        t.join().unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        assert_eq!(sem.available(), 1);
    });
}

/// A timed acquire is woken by a release well before its deadline.
fn timed_acquire_woken_by_release<S: Sem>() {
    within(|| {
        let sem = Arc::new(S::make(1));
        sem.acquire();
        let t = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.acquire_timeout(Duration::from_secs(60)))
        };
        wait_until("the timed acquirer parks", || sem.waiters() == 1);
        sem.release();
        assert!(t.join().unwrap(), "the release wakes the timed acquirer");
        assert_eq!(sem.available(), 0);
    });
}

// Each CPython base test, once per flavour.
#[test]
fn semaphore_acquire() {
    acquire_release::<Semaphore>();
}
#[test]
fn bounded_acquire() {
    acquire_release::<BoundedSemaphore>();
}
#[test]
fn semaphore_acquire_contended() {
    acquire_contended::<Semaphore>(release_one_at_a_time);
}
#[test]
fn bounded_acquire_contended() {
    acquire_contended::<BoundedSemaphore>(release_one_at_a_time);
}
#[test]
fn semaphore_multirelease() {
    acquire_contended::<Semaphore>(release_all_at_once);
}
#[test]
fn bounded_multirelease() {
    acquire_contended::<BoundedSemaphore>(release_all_at_once);
}
#[test]
fn semaphore_try_acquire() {
    try_acquire::<Semaphore>();
}
#[test]
fn bounded_try_acquire() {
    try_acquire::<BoundedSemaphore>();
}
#[test]
fn semaphore_try_acquire_contended() {
    try_acquire_contended::<Semaphore>();
}
#[test]
fn bounded_try_acquire_contended() {
    try_acquire_contended::<BoundedSemaphore>();
}
#[test]
fn semaphore_acquire_timeout() {
    acquire_timeout::<Semaphore>();
}
#[test]
fn bounded_acquire_timeout() {
    acquire_timeout::<BoundedSemaphore>();
}
#[test]
fn semaphore_default_value() {
    default_value::<Semaphore>();
}
#[test]
fn bounded_default_value() {
    default_value::<BoundedSemaphore>();
}
#[test]
fn semaphore_timed_acquire_woken_by_release() {
    timed_acquire_woken_by_release::<Semaphore>();
}
#[test]
fn bounded_timed_acquire_woken_by_release() {
    timed_acquire_woken_by_release::<BoundedSemaphore>();
}

/// `SemaphoreTests.test_release_unacquired`: unbounded releases are allowed and raise the count.
#[test]
fn semaphore_release_unacquired_raises_the_count() {
    let sem = Semaphore::new(1);
    sem.release();
    assert_eq!(sem.available(), 2);
    sem.acquire();
    sem.acquire();
    sem.release();
    assert_eq!(sem.available(), 1);
}

/// `release_n(0)` releases nothing (Python rejects it; here it is simply nothing).
#[test]
fn release_of_zero_permits_does_nothing() {
    let sem = Semaphore::new(0);
    sem.release_n(0);
    assert_eq!(sem.available(), 0);
    let bounded = BoundedSemaphore::new(1);
    assert_eq!(bounded.release_n(0), Ok(()));
    assert_eq!(bounded.available(), 1);
}

/// `BoundedSemaphoreTests.test_release_unacquired`: a release cannot go past the initial value.
#[test]
fn bounded_release_unacquired_is_an_error() {
    let sem = BoundedSemaphore::default();
    assert_eq!(
        sem.release(),
        Err(OverReleaseError {
            released: 1,
            available: 1,
            initial: 1
        })
    );
    sem.acquire();
    assert_eq!(sem.release(), Ok(()));
    assert!(sem.release().is_err());
    assert_eq!(sem.available(), 1, "a failed release changes nothing");
}

/// A bounded `release_n` is all or nothing: a batch that would pass the bound adds no permit.
#[test]
fn bounded_release_n_is_all_or_nothing() {
    let sem = BoundedSemaphore::new(3);
    for _ in 0..2 {
        sem.acquire();
    }
    assert_eq!(
        sem.release_n(3),
        Err(OverReleaseError {
            released: 3,
            available: 1,
            initial: 3
        })
    );
    assert_eq!(sem.available(), 1);
    assert_eq!(sem.release_n(2), Ok(()));
    assert_eq!(sem.available(), 3);
    assert_eq!(sem.initial(), 3);
}

/// Racing over-releases: of two releases into one free slot, exactly one wins.
#[test]
fn racing_bounded_releases_exactly_one_wins() {
    within(|| {
        for _ in 0..200 {
            let sem = Arc::new(BoundedSemaphore::new(1));
            sem.acquire();
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.release().is_ok())
                })
                .collect();
            let wins = threads
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|&ok| ok)
                .count();
            assert_eq!(wins, 1);
            assert_eq!(sem.available(), 1);
        }
    });
}

/// Never more holders than permits, under contention: 8 threads, 3 permits, 2,000 rounds each.
#[test]
fn never_more_holders_than_permits() {
    within(|| {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (sem, inside, most) =
                    (Arc::clone(&sem), Arc::clone(&inside), Arc::clone(&most));
                thread::spawn(move || {
                    for round in 0..2_000 {
                        if (i + round) % 3 == 0 {
                            if !sem.acquire_timeout(Duration::from_micros(50)) {
                                continue;
                            }
                        } else {
                            sem.acquire();
                        }
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        assert!(now <= 3, "{now} holders of 3 permits");
                        inside.fetch_sub(1, Ordering::SeqCst);
                        sem.release();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available(), 3);
        assert_eq!(sem.waiters(), 0);
        assert!(most.load(Ordering::SeqCst) >= 1);
    });
}

/// A semaphore counts at most `usize::MAX >> 2` permits.
#[test]
#[should_panic(expected = "a semaphore counts at most")]
fn too_many_permits_panics() {
    let _ = Semaphore::new(usize::MAX);
}

/// Releasing past the largest count is a panic, not a wrap-around.
#[test]
#[should_panic(expected = "semaphore count overflow")]
fn release_overflow_panics() {
    let sem = Semaphore::new(usize::MAX >> 2);
    sem.release();
}

#[test]
fn over_release_error_display() {
    let error = BoundedSemaphore::new(2).release().unwrap_err();
    insta::assert_snapshot!("over_release_error_display", error.to_string());
    let error: &dyn std::error::Error = &error;
    assert!(error.source().is_none());
}

#[test]
fn debug_shows_the_count() {
    let sem = Semaphore::new(2);
    assert_eq!(
        format!("{sem:?}"),
        "Semaphore { available: 2, waiters: false }"
    );
    let bounded = BoundedSemaphore::new(2);
    assert!(bounded.try_acquire());
    assert_eq!(
        format!("{bounded:?}"),
        "BoundedSemaphore { available: 1, initial: 2, waiters: false }"
    );
}
