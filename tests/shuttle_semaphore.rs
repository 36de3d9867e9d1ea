//! `Semaphore` and `BoundedSemaphore` under shuttle: random and PCT (depth 3) schedules at 5–6
//! threads, more than loom can afford, 2,000 schedules per check. Each scenario runs against
//! the implementation (`Face::Implementation`) and against the spec (shuttle's
//! `BatchSemaphore`, `Face::Spec`): the same verdicts under both faces.
//!
//! Shuttle treats every atomic as SeqCst, so these checks find interleaving bugs (too many
//! holders, lost wake-ups: a thread parked forever is reported as a deadlock), not weak-memory
//! ones; those are loom's (`tests/loom_semaphore.rs`).
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_semaphore`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use common::shuttle::random_and_pct;
use std::time::Duration;

use racelab::check::{Explorer, FailureKind};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{BoundedSemaphore, Face, Semaphore};

/// Schedules per check.
const SCHEDULES: usize = 2_000;

/// `threads` threads, `rounds` acquisitions each, `permits` permits: never more holders than
/// permits, and every permit back at the end.
fn holders(threads: usize, permits: usize, rounds: usize) {
    let sem = Arc::new(Semaphore::new(permits));
    let inside = Arc::new(AtomicUsize::new(0));
    let enter = move |sem: &Semaphore, inside: &AtomicUsize, id: usize| {
        for round in 0..rounds {
            if (id + round) % 2 == 0 {
                sem.acquire();
            } else {
                while !sem.try_acquire() {
                    thread::yield_now();
                }
            }
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            assert!(now <= permits, "{now} holders of {permits} permits");
            thread::yield_now();
            inside.fetch_sub(1, Ordering::SeqCst);
            sem.release();
        }
    };
    let workers: Vec<_> = (1..threads)
        .map(|id| {
            let (sem, inside) = (Arc::clone(&sem), Arc::clone(&inside));
            thread::spawn(move || enter(&sem, &inside, id))
        })
        .collect();
    enter(&sem, &inside, 0);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(sem.available(), permits);
}

/// Five threads blocked on an empty semaphore; `release_n(3)` and `release_n(2)` from two
/// other threads let all of them through.
fn release_n_wakes_everyone() {
    let sem = Arc::new(Semaphore::new(0));
    let waiters: Vec<_> = (0..5)
        .map(|_| {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.acquire())
        })
        .collect();
    let releasers: Vec<_> = [3, 2]
        .into_iter()
        .map(|n| {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release_n(n))
        })
        .collect();
    for t in waiters.into_iter().chain(releasers) {
        t.join().unwrap();
    }
    assert_eq!(sem.available(), 0);
}

/// A bounded semaphore of 2, both taken; five threads release: exactly two win, three get
/// `OverReleaseError`, and the count ends at 2.
fn racing_bounded_releases() {
    let sem = Arc::new(BoundedSemaphore::new(2));
    sem.acquire();
    sem.acquire();
    let releasers: Vec<_> = (0..5)
        .map(|_| {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release())
        })
        .collect();
    let results: Vec<_> = releasers.into_iter().map(|r| r.join().unwrap()).collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 2, "{results:?}");
    for error in results.iter().filter_map(|r| r.err()) {
        assert_eq!((error.released, error.initial), (1, 2));
        assert_eq!(error.available, 2);
    }
    assert_eq!(sem.available(), 2);
}

/// Producer/consumer on two semaphores (free slots, filled slots) of a 2-slot buffer: five
/// producers, one consumer; nobody is left blocked.
fn slots_and_items() {
    let free = Arc::new(Semaphore::new(2));
    let filled = Arc::new(Semaphore::new(0));
    let producers: Vec<_> = (0..5)
        .map(|_| {
            let (free, filled) = (Arc::clone(&free), Arc::clone(&filled));
            thread::spawn(move || {
                free.acquire();
                filled.release();
            })
        })
        .collect();
    for _ in 0..5 {
        filled.acquire();
        free.release();
    }
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!((free.available(), filled.available()), (2, 0));
}

/// Timed acquires (under shuttle the timeout is the schedule's choice) beside untimed ones:
/// two untimed and three timed acquirers on one permit; a timed one that gets the permit gives
/// it back, so the untimed ones always get through, and nobody stays queued.
fn timed_beside_untimed() {
    let sem = Arc::new(Semaphore::new(1));
    let threads: Vec<_> = (0..5)
        .map(|i| {
            let sem = Arc::clone(&sem);
            thread::spawn(move || {
                if i < 2 {
                    sem.acquire();
                    sem.release();
                } else if sem.acquire_timeout(Duration::from_secs(1)) {
                    sem.release();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sem.available(), 1);
    assert_eq!(sem.waiters(), 0);
}

mod implementation {
    use super::*;

    // This suite proves the implementation: racelab's primitives show it, not their spec (see
    // `racelab::face`).
    const FACE: Face = Face::Implementation;

    random_and_pct! {
        holders_six_threads_two_permits: "shuttle_semaphore_6_of_2", SCHEDULES, || holders(6, 2, 2);
        holders_five_threads_one_permit: "shuttle_semaphore_5_of_1", SCHEDULES, || holders(5, 1, 2);
        release_n_wakes_everyone: "shuttle_semaphore_release_n", SCHEDULES, release_n_wakes_everyone;
        racing_bounded_releases: "shuttle_bounded_racing", SCHEDULES, racing_bounded_releases;
        slots_and_items: "shuttle_semaphore_buffer", SCHEDULES, slots_and_items;
        timed_beside_untimed: "shuttle_semaphore_timed", SCHEDULES, timed_beside_untimed;
    }
}

mod spec {
    use super::*;

    // The same scenarios against the spec (shuttle's BatchSemaphore): the same verdicts.
    const FACE: Face = Face::Spec;

    random_and_pct! {
        holders_six_threads_two_permits: "shuttle_semaphore_spec_6_of_2", SCHEDULES, || holders(6, 2, 2);
        release_n_wakes_everyone: "shuttle_semaphore_spec_release_n", SCHEDULES, release_n_wakes_everyone;
        racing_bounded_releases: "shuttle_bounded_spec_racing", SCHEDULES, racing_bounded_releases;
        slots_and_items: "shuttle_semaphore_spec_buffer", SCHEDULES, slots_and_items;
        timed_beside_untimed: "shuttle_semaphore_spec_timed", SCHEDULES, timed_beside_untimed;
    }
}

/// The checker can fail, under both faces: a consumer that takes one item too many blocks
/// forever, and shuttle reports the deadlock, naming the semaphore.
#[test]
fn shuttle_catches_a_semaphore_deadlock_under_both_faces() {
    for face in [Face::Implementation, Face::Spec] {
        let failure = Explorer::new(format!("shuttle_semaphore_deadlock_{face}"))
            .face(face)
            .iterations(100)
            .expect_failure(|| {
                let items = Arc::new(Semaphore::new(0));
                let producer = {
                    let items = Arc::clone(&items);
                    thread::spawn(move || items.release())
                };
                items.acquire();
                items.acquire(); // one more than was produced
                producer.join().unwrap();
            });
        assert_eq!(failure.kind, FailureKind::Deadlock, "{face}: {failure}");
        assert!(failure.message.contains("sem"), "{face}: {failure}");
    }
}
