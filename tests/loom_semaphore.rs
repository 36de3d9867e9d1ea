//! `Semaphore` and `BoundedSemaphore` under loom: every interleaving of 2–3 threads under the
//! C11 memory model, of the implementation (`Face::Implementation`; under loom it is the
//! semaphore's only face, see `Semaphore`'s docs).
//!
//! - never more holders than permits (holders counted inside; with one permit the holders
//!   share a counter in loom's `UnsafeCell`, so a release that does not happen-before the next
//!   acquire is a reported causality violation);
//! - no lost wake-up: a waiter left parked is a deadlock, which loom reports;
//! - `release_n` wakes as many waiters as it returns permits;
//! - `try_acquire` fails only while no permit is free;
//! - the error path: a bounded over-release is `OverReleaseError` and changes nothing; of two
//!   racing releases into one free slot exactly one wins.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_semaphore`
#![cfg(loom)]

use std::time::Duration;

use racelab::check::Explorer;
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{BoundedSemaphore, Face, OverReleaseError, Semaphore};

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

/// The preemption bound of the three-thread checks, as for the lock's (`tests/loom_lock.rs`):
/// unbounded, three threads spinning on the queue bit and parking take loom minutes (over
/// 300,000 executions unfinished in 60 s); every interleaving with at most two preemptions
/// takes about a second.
const BOUND: usize = 2;

/// A semaphore of one permit guarding a plain counter: `threads` threads add one each.
fn one_permit_counter(threads: usize) {
    struct Shared {
        sem: Semaphore,
        count: UnsafeCell<usize>,
    }
    // SAFETY: `count` is only accessed while holding the semaphore's single permit.
    unsafe impl Sync for Shared {}

    let shared = Arc::new(Shared {
        sem: Semaphore::new(1),
        count: UnsafeCell::new(0),
    });
    let add = |shared: &Shared| {
        shared.sem.acquire();
        // SAFETY: we hold the only permit.
        shared.count.with_mut(|c| unsafe { *c += 1 });
        shared.sem.release();
    };
    let workers: Vec<_> = (1..threads)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || add(&shared))
        })
        .collect();
    add(&shared);
    for w in workers {
        w.join().unwrap();
    }
    // SAFETY: every worker has finished (joined), and this thread's own access is done.
    let count = shared.count.with(|c| unsafe { *c });
    assert_eq!(count, threads, "lost an update");
    assert_eq!(shared.sem.available(), 1);
}

/// `threads` threads share `permits` permits; at most `permits` are inside at once.
fn bounded_holders(threads: usize, permits: usize) {
    let sem = Arc::new(Semaphore::new(permits));
    let inside = Arc::new(AtomicUsize::new(0));
    let enter = move |sem: &Semaphore, inside: &AtomicUsize| {
        sem.acquire();
        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
        assert!(now <= permits, "{now} holders of {permits} permits");
        inside.fetch_sub(1, Ordering::SeqCst);
        sem.release();
    };
    let workers: Vec<_> = (1..threads)
        .map(|_| {
            let (sem, inside) = (Arc::clone(&sem), Arc::clone(&inside));
            thread::spawn(move || enter(&sem, &inside))
        })
        .collect();
    enter(&sem, &inside);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(sem.available(), permits);
}

#[test]
fn loom_semaphore_one_permit_two_threads() {
    Explorer::new("loom_semaphore_mutex_2")
        .face(FACE)
        .run(|| one_permit_counter(2));
}

#[test]
fn loom_semaphore_one_permit_three_threads() {
    Explorer::new("loom_semaphore_mutex_3")
        .face(FACE)
        .preemption_bound(BOUND)
        .run(|| one_permit_counter(3));
}

#[test]
fn loom_semaphore_two_permits_three_threads() {
    Explorer::new("loom_semaphore_2_of_3")
        .face(FACE)
        .preemption_bound(BOUND)
        .run(|| bounded_holders(3, 2));
}

/// Two threads blocked on an empty semaphore; one `release_n(2)` lets both through (a lost
/// wake-up would leave one parked: a deadlock).
#[test]
fn loom_semaphore_release_n_wakes_two() {
    Explorer::new("loom_semaphore_release_n")
        .face(FACE)
        .preemption_bound(BOUND)
        .run(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.acquire())
                })
                .collect();
            sem.release_n(2);
            for w in waiters {
                w.join().unwrap();
            }
            assert_eq!(sem.available(), 0);
        });
}

/// A release from a thread that never acquired wakes the waiter (any thread may release).
#[test]
fn loom_semaphore_release_from_another_thread() {
    Explorer::new("loom_semaphore_handoff").face(FACE).run(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release())
        };
        sem.acquire();
        releaser.join().unwrap();
        assert_eq!(sem.available(), 0);
    });
}

/// `try_acquire` against a holder: it fails only while the other thread holds the permit,
/// and after the holder is done it succeeds.
#[test]
fn loom_semaphore_try_acquire() {
    Explorer::new("loom_semaphore_try_acquire")
        .face(FACE)
        .run(|| {
            let sem = Arc::new(Semaphore::new(1));
            let holding = Arc::new(AtomicUsize::new(0));
            let holder = {
                let (sem, holding) = (Arc::clone(&sem), Arc::clone(&holding));
                thread::spawn(move || {
                    sem.acquire();
                    holding.store(1, Ordering::SeqCst);
                    holding.store(0, Ordering::SeqCst);
                    sem.release();
                })
            };
            if sem.try_acquire() {
                assert_eq!(
                    holding.load(Ordering::SeqCst),
                    0,
                    "two holders of one permit"
                );
                sem.release();
            }
            holder.join().unwrap();
            assert!(sem.try_acquire(), "a free permit is taken");
        });
}

/// The error path: two racing releases into one free slot of a bounded semaphore; exactly one
/// wins, the other is `OverReleaseError` and leaves the count as it was. Every interleaving
/// (nobody parks here, so three threads stay small).
#[test]
fn loom_bounded_over_release() {
    Explorer::new("loom_bounded_over_release")
        .face(FACE)
        .run(|| {
            let sem = Arc::new(BoundedSemaphore::new(1));
            sem.acquire();
            let releasers: Vec<_> = (0..2)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    thread::spawn(move || sem.release())
                })
                .collect();
            let results: Vec<_> = releasers.into_iter().map(|r| r.join().unwrap()).collect();
            let errors: Vec<_> = results.iter().filter_map(|r| r.err()).collect();
            assert_eq!(
                errors,
                [OverReleaseError {
                    released: 1,
                    available: 1,
                    initial: 1
                }],
                "exactly one release wins: {results:?}"
            );
            assert_eq!(sem.available(), 1);
        });
}

/// A bounded semaphore's waiter is woken by a release that is in bounds.
#[test]
fn loom_bounded_release_wakes_a_waiter() {
    Explorer::new("loom_bounded_wake").face(FACE).run(|| {
        let sem = Arc::new(BoundedSemaphore::new(1));
        sem.acquire();
        let waiter = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || {
                sem.acquire();
                sem.release().expect("its own permit");
            })
        };
        sem.release().expect("main's permit");
        waiter.join().unwrap();
        assert_eq!(sem.available(), 1);
        assert!(
            sem.release().is_err(),
            "the count is back at its initial value"
        );
    });
}

/// A timed acquire racing a release (under loom the timeout is the checker's choice: it comes
/// before or after the release's wake-up): it either gets the permit or leaves it free, and it
/// never stays queued.
#[test]
fn loom_semaphore_timed_acquire_races_a_release() {
    Explorer::new("loom_semaphore_timed").face(FACE).run(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release())
        };
        let got = sem.acquire_timeout(Duration::from_secs(1));
        releaser.join().unwrap();
        assert_eq!(sem.available(), usize::from(!got), "got = {got}");
        assert_eq!(sem.waiters(), 0, "a timed-out waiter left the queue");
    });
}
