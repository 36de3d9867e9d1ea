//! The lock's hand-off under Miri's data-race detector: the orderings that loom cannot test.
//!
//! A waiter may find its node already `notified` on its *first* look, without parking: the
//! releasing thread unlinked the node, took its thread handle, set the flag and unparked it
//! between the waiter's push and that look. Then nothing but the `notified` pair — the Release
//! store in `wake_one`, the Acquire load in `Waiter::wait` — orders the waker's `take` of the
//! handle before the waiter's own read of it (and before the node's stack memory is reused).
//! loom cannot show it: its `unpark` synchronises at once. Miri follows std's real park and
//! unpark, which synchronise only through a consumed token, so with either side of the pair
//! weakened to Relaxed its data-race detector reports that read — on a schedule that opens
//! the window, which Miri's random preemption does now and then: run it over many seeds.
//!
//! Run (std threads; the plain run is a quick hand-off test):
//! `cargo test --test miri_lock`
//!
//! Under Miri, over many schedules (the seed range is what makes the window likely to open):
//! `MIRIFLAGS="-Zmiri-ignore-leaks -Zmiri-many-seeds=0..32" cargo +nightly miri test --test miri_lock`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use racelab::sync::atomic::{AtomicU64, Ordering};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::RawLock;

/// Hand-offs per run: each is one chance for the window to open.
const ROUNDS: u64 = 50;

struct Shared {
    lock: RawLock,
    /// Plain data behind `lock`: an access that is not ordered by the lock is a race Miri
    /// reports, and a lost update fails the count.
    count: UnsafeCell<u64>,
    /// The round `main` holds the lock for (0: none yet).
    round: AtomicU64,
    /// The last round the waiter finished.
    done: AtomicU64,
}

// SAFETY: `count` is accessed only while `lock` is held.
unsafe impl Sync for Shared {}

impl Shared {
    fn increment(&self) {
        // SAFETY: the caller holds `lock`.
        self.count.with_mut(|c| unsafe { *c += 1 });
    }
}

/// `main` holds the lock while the other thread queues on it, and releases it the moment it
/// sees the waiter queued, so the release's wake-up races with the waiter's first look at its
/// `notified` flag. Each round: `main` acquires and opens the round; the waiter acquires (it
/// spins, queues and parks, or finds its node already notified), increments, releases.
#[test]
fn release_races_the_waiters_first_look() {
    let shared = Arc::new(Shared {
        lock: RawLock::new(),
        count: UnsafeCell::new(0),
        round: AtomicU64::new(0),
        done: AtomicU64::new(0),
    });
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            for round in 1..=ROUNDS {
                // Acquire: pairs with `main`'s Release store of the round (which it makes while
                // holding the lock, so this thread's acquire below contends).
                while shared.round.load(Ordering::Acquire) < round {
                    thread::yield_now();
                }
                shared.lock.acquire();
                shared.increment();
                shared.lock.release().expect("held");
                // Release: pairs with `main`'s Acquire load of `done`.
                shared.done.store(round, Ordering::Release);
            }
        })
    };
    for round in 1..=ROUNDS {
        shared.lock.acquire();
        // Release: pairs with the waiter's Acquire load of `round`.
        shared.round.store(round, Ordering::Release);
        while !shared.lock.has_waiters() {
            thread::yield_now();
        }
        shared.increment();
        shared.lock.release().expect("held");
        // Acquire: pairs with the waiter's Release store of `done`.
        while shared.done.load(Ordering::Acquire) < round {
            thread::yield_now();
        }
    }
    waiter.join().expect("the waiter panicked");
    shared.lock.acquire();
    // SAFETY: the lock is held.
    let count = shared.count.with(|c| unsafe { *c });
    shared.lock.release().expect("held");
    assert_eq!(count, 2 * ROUNDS, "an update was lost");
}
