//! The RLock scenarios (included by `tests/{loom,shuttle,std}_rlock.rs`): plain functions on
//! `racelab::sync`, each asserting what it proves.
#![allow(dead_code)] // each test binary uses its own subset

use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{RLock, RLockReleaseError};

/// A counter behind an `RLock`: its accesses are loom-checked, so two owners at once (or an
/// ownership hand-over without happens-before) is a reported race.
pub struct Counted {
    pub lock: RLock,
    value: UnsafeCell<usize>,
    inside: AtomicBool,
}

// SAFETY: `value` is only touched by the thread that owns `lock` (asserted by `inside`).
unsafe impl Sync for Counted {}

impl Counted {
    pub fn new() -> Self {
        Counted {
            lock: RLock::new(),
            value: UnsafeCell::new(0),
            inside: AtomicBool::new(false),
        }
    }

    /// One round: acquires `depth` times (reentrant), bumps the counter at the innermost
    /// level, releases `depth` times; checks ownership and the count on the way.
    pub fn round(&self, depth: usize) {
        for level in 1..=depth {
            self.lock.acquire();
            assert!(self.lock.is_owned(), "acquire returned without ownership");
            assert_eq!(self.lock.recursion_count(), level, "recursion count");
        }
        // Relaxed: a detector only; exclusion itself is what the RLock must provide.
        assert!(
            !self.inside.swap(true, Ordering::Relaxed),
            "two owners of the RLock at once"
        );
        // SAFETY: this thread owns the lock.
        self.value.with_mut(|v| unsafe { *v += 1 });
        self.inside.store(false, Ordering::Relaxed);
        for level in (1..=depth).rev() {
            assert_eq!(self.lock.recursion_count(), level, "recursion count");
            self.lock.release().expect("the owner's release");
        }
        assert!(!self.lock.is_owned(), "still owned after the last release");
        assert_eq!(self.lock.recursion_count(), 0);
    }

    pub fn value(&self) -> usize {
        self.lock.acquire();
        // SAFETY: this thread owns the lock.
        let value = self.value.with(|v| unsafe { *v });
        self.lock.release().unwrap();
        value
    }
}

/// `threads` threads, `rounds` rounds each at reentry depth `depth`: one owner at a time, and
/// every round counted.
pub fn rlock_exclusion(threads: usize, rounds: usize, depth: usize) {
    let counted = Arc::new(Counted::new());
    let handles: Vec<_> = (1..threads)
        .map(|_| {
            let counted = Arc::clone(&counted);
            thread::spawn(move || {
                for _ in 0..rounds {
                    counted.round(depth);
                }
            })
        })
        .collect();
    for _ in 0..rounds {
        counted.round(depth);
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(counted.value(), threads * rounds);
    assert!(!counted.lock.is_locked());
}

/// The owner re-acquires without blocking while another thread contends; a `try_acquire` by
/// the other thread fails while the owner holds any count.
pub fn rlock_reentrancy() {
    let lock = Arc::new(RLock::new());
    let held = Arc::new(AtomicBool::new(true));
    lock.acquire();
    let contender = {
        let lock = Arc::clone(&lock);
        let held = Arc::clone(&held);
        thread::spawn(move || {
            if lock.try_acquire() {
                // Acquire (the lock's): main clears `held` before its last release, which
                // happens-before this acquire.
                assert!(
                    !held.load(Ordering::Relaxed),
                    "try_acquire succeeded against the owner"
                );
                lock.release().unwrap();
            }
            assert!(!lock.is_owned());
            assert_eq!(lock.recursion_count(), 0);
            lock.acquire();
            assert_eq!(lock.recursion_count(), 1);
            lock.release().unwrap();
        })
    };
    // Reentrant: never blocks, however the contender is scheduled.
    lock.acquire();
    assert!(lock.try_acquire());
    assert_eq!(lock.recursion_count(), 3);
    lock.release().unwrap();
    lock.release().unwrap();
    assert!(lock.is_owned(), "one acquire left: still owned");
    // Relaxed: published by the release below (the contender reads it after acquiring).
    held.store(false, Ordering::Relaxed);
    lock.release().unwrap();
    assert!(!lock.is_owned());
    contender.join().unwrap();
    assert!(!lock.is_locked());
}

/// A release by a thread that does not own the lock is `RLockReleaseError` and changes
/// nothing, whether the lock is free or held by another thread, at any point of the owner's
/// run.
pub fn rlock_non_owner_release() {
    let lock = Arc::new(RLock::new());
    let owner = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            lock.acquire();
            lock.acquire();
            lock.release().unwrap();
            assert_eq!(lock.recursion_count(), 1, "a stranger's release counted");
            lock.release().unwrap();
            assert_eq!(lock.release(), Err(RLockReleaseError), "released too often");
        })
    };
    // main never owns the lock: every release is refused, whatever the owner is doing.
    assert_eq!(lock.release(), Err(RLockReleaseError));
    // A scheduling point between the two attempts (a refused release reads one atomic, which
    // is no choice point for shuttle's PCT): the owner can run in between.
    thread::yield_now();
    assert_eq!(lock.release(), Err(RLockReleaseError));
    owner.join().unwrap();
    assert!(!lock.is_locked(), "refused releases changed the lock");
    // Now main can own it.
    assert!(lock.try_acquire());
    lock.release().unwrap();
}

/// Checks every thread's count survives interleaving: `threads` threads each take the lock at
/// a different depth (1, 2, 3, …) and count a shared counter of owners.
pub fn rlock_depths(threads: usize) {
    let counted = Arc::new(Counted::new());
    let owners = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (1..threads)
        .map(|t| {
            let counted = Arc::clone(&counted);
            let owners = Arc::clone(&owners);
            thread::spawn(move || {
                counted.round(t + 1);
                owners.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    counted.round(1);
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(owners.load(Ordering::Relaxed), threads - 1);
    assert_eq!(counted.value(), threads);
}

/// A timed acquire racing the owner's release (under loom and shuttle the timeout is the
/// checker's choice): taken (then owned, count 1) or timed out (then not owned); never both
/// threads inside.
pub fn timed_acquire_racing_release() {
    let counted = Arc::new(Counted::new());
    let owner = {
        let counted = Arc::clone(&counted);
        thread::spawn(move || counted.round(2))
    };
    if counted
        .lock
        .acquire_timeout(std::time::Duration::from_secs(5))
    {
        assert!(counted.lock.is_owned());
        assert_eq!(counted.lock.recursion_count(), 1);
        counted.lock.release().unwrap();
    } else {
        assert!(!counted.lock.is_owned());
    }
    owner.join().unwrap();
    assert_eq!(counted.value(), 1);
}
