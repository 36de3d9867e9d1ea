//! `Event` under loom: every interleaving of 2–3 threads under the C11 memory model, of the
//! implementation (an `Event` shows it under both faces, see its docs).
//!
//! - every waiter returns after `set` (a waiter left parked is a deadlock, which loom
//!   reports), and what the setter wrote before `set` is visible to it (a cell in loom's
//!   `UnsafeCell`: a read not ordered after the write is a reported causality violation);
//! - `set` then `clear` still wakes the threads that were waiting;
//! - a wait that starts after `clear` blocks: with no `set` to follow, loom reports the
//!   deadlock, and the report names what the thread waits for.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_event`
#![cfg(loom)]

use std::time::Duration;

use racelab::check::{Explorer, FailureKind};
use racelab::sync::cell::UnsafeCell;
use racelab::sync::{thread, Arc};
use racelab::{Event, Face};

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

/// The preemption bound of the three-thread checks, as for the lock's (`tests/loom_lock.rs`):
/// unbounded, two setters and a waiter had not finished in 60 s (over 250,000 executions);
/// bound 2 is about 2,000.
const BOUND: usize = 2;

/// Data the setter writes before `set` and every waiter reads after `wait`.
struct Shared {
    event: Event,
    data: UnsafeCell<usize>,
}

// SAFETY: `data` is written only before `set` and read only after a `wait` that `set` ended;
// loom checks that the event orders the two.
unsafe impl Sync for Shared {}

/// `waiters` threads wait; the main thread writes the data, then sets the event.
fn waiters_see_the_set(waiters: usize) {
    let shared = Arc::new(Shared {
        event: Event::new(),
        data: UnsafeCell::new(0),
    });
    let threads: Vec<_> = (0..waiters)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                shared.event.wait();
                // SAFETY: the setter wrote before `set`, which this `wait` returned after.
                let data = shared.data.with(|d| unsafe { *d });
                assert_eq!(data, 42, "woken before the setter's write");
            })
        })
        .collect();
    // SAFETY: no waiter reads before the `set` below.
    shared.data.with_mut(|d| unsafe { *d = 42 });
    shared.event.set();
    for t in threads {
        t.join().unwrap();
    }
    assert!(shared.event.is_set());
}

#[test]
fn loom_event_one_waiter() {
    Explorer::new("loom_event_1")
        .face(FACE)
        .run(|| waiters_see_the_set(1));
}

#[test]
fn loom_event_two_waiters() {
    Explorer::new("loom_event_2")
        .face(FACE)
        .preemption_bound(BOUND)
        .run(|| waiters_see_the_set(2));
}

/// `set` then `clear` at once, after the waiter has queued: it still returns, wherever in its
/// wait the `set` finds it (queueing, about to park, parked). (A wait that starts only after
/// the `clear` blocks instead: `loom_event_wait_after_clear_blocks`.)
#[test]
fn loom_event_set_then_clear() {
    Explorer::new("loom_event_set_then_clear")
        .face(FACE)
        .run(|| {
            let event = Arc::new(Event::new());
            let waiter = {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait())
            };
            // Let the waiter park before the set: only then must set-then-clear wake it.
            while event.waiters() == 0 {
                thread::yield_now();
            }
            event.set();
            event.clear();
            waiter.join().unwrap();
            assert!(!event.is_set());
        });
}

/// Two setters racing with a waiter: one wake-up each way, nobody left parked.
#[test]
fn loom_event_racing_sets() {
    Explorer::new("loom_event_racing_sets")
        .face(FACE)
        .preemption_bound(BOUND)
        .run(|| {
            let event = Arc::new(Event::new());
            let setters: Vec<_> = (0..2)
                .map(|_| {
                    let event = Arc::clone(&event);
                    thread::spawn(move || event.set())
                })
                .collect();
            event.wait();
            for s in setters {
                s.join().unwrap();
            }
            assert!(event.is_set());
        });
}

/// A wait after `clear` blocks: with no `set` to follow, the waiter parks forever, which loom
/// reports as a deadlock naming what it waits for.
#[test]
fn loom_event_wait_after_clear_blocks() {
    let failure = Explorer::new("loom_event_wait_after_clear")
        .face(FACE)
        .expect_failure(|| {
            let event = Event::new();
            event.set();
            event.clear();
            event.wait();
        });
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    assert!(
        failure.message.contains("event"),
        "the deadlock names the event: {failure}"
    );
}

/// A timed wait racing a `set` (under loom the timeout is the checker's choice: it comes before
/// or after the `set`'s wake-up): `true` or `false`, the flag set after the join, and nobody
/// left queued.
#[test]
fn loom_event_timed_wait_races_a_set() {
    Explorer::new("loom_event_timed").face(FACE).run(|| {
        let event = Arc::new(Event::new());
        let setter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.set())
        };
        let _ = event.wait_timeout(Duration::from_secs(1));
        setter.join().unwrap();
        assert!(event.is_set());
        assert_eq!(event.waiters(), 0, "a timed-out waiter left the queue");
    });
}
