//! `Event` under shuttle: random and PCT (depth 3) schedules at 5–6 threads, 2,000 schedules
//! per check, of the implementation (an `Event` shows it under both faces, see its docs).
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_event`
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
use racelab::{Event, Face};

// This suite proves the implementation: racelab's primitives show it, not their spec (see
// `racelab::face`).
const FACE: Face = Face::Implementation;

/// Schedules per check.
const SCHEDULES: usize = 2_000;

/// Five waiters, one setter: everyone returns, and everyone sees what the setter wrote.
fn five_waiters() {
    let event = Arc::new(Event::new());
    let data = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (0..5)
        .map(|_| {
            let (event, data) = (Arc::clone(&event), Arc::clone(&data));
            thread::spawn(move || {
                event.wait();
                assert_eq!(data.load(Ordering::SeqCst), 42, "woken before the set");
            })
        })
        .collect();
    data.store(42, Ordering::SeqCst);
    event.set();
    for w in waiters {
        w.join().unwrap();
    }
}

/// Five waiters parked; `set` then `clear` at once: every one of them still returns.
fn set_then_clear() {
    let event = Arc::new(Event::new());
    let waiters: Vec<_> = (0..5)
        .map(|_| {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait())
        })
        .collect();
    while event.waiters() < 5 {
        thread::yield_now();
    }
    event.set();
    event.clear();
    for w in waiters {
        w.join().unwrap();
    }
    assert!(!event.is_set());
}

/// Rounds of set / clear from two threads while four threads wait twice each; a final `set`
/// lets everyone out. Nobody is left parked, whatever the interleaving.
fn set_clear_rounds() {
    let event = Arc::new(Event::new());
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                event.wait();
                event.wait();
            })
        })
        .collect();
    let togglers: Vec<_> = (0..2)
        .map(|_| {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                for _ in 0..2 {
                    event.set();
                    event.clear();
                }
            })
        })
        .collect();
    for t in togglers {
        t.join().unwrap();
    }
    event.set();
    for w in waiters {
        w.join().unwrap();
    }
}

/// A wait that starts after a `clear` is not woken by the `set` before it, even while that
/// `set` is still on its way to the queue (between its CAS and its wake-up): `s` sets while
/// `a` waits; `main` clears as soon as it sees the flag and signals `cleared`; `w` waits only
/// after `cleared`, and `a` sets again only after `cleared`. `w` must return on `a`'s `set`,
/// never on `s`'s: a `set` wakes only the waiters of the generation it ended. (The signal is
/// an event too, so nothing spins.)
fn wait_after_clear_waits_for_the_next_set() {
    let event = Arc::new(Event::new());
    let cleared = Arc::new(Event::new());
    let second = Arc::new(AtomicUsize::new(0));
    let a = {
        let (event, cleared, second) = (
            Arc::clone(&event),
            Arc::clone(&cleared),
            Arc::clone(&second),
        );
        thread::spawn(move || {
            event.wait();
            cleared.wait();
            second.store(1, Ordering::SeqCst);
            event.set();
        })
    };
    let others: Vec<_> = (0..2)
        .map(|_| {
            let (event, cleared, second) = (
                Arc::clone(&event),
                Arc::clone(&cleared),
                Arc::clone(&second),
            );
            thread::spawn(move || {
                cleared.wait();
                event.wait();
                assert_eq!(
                    second.load(Ordering::SeqCst),
                    1,
                    "woken by the set before the clear"
                );
            })
        })
        .collect();
    let s = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            // `a` (and `main`) must be queued before this `set`, or the `clear` could leave
            // `a` waiting.
            while event.waiters() < 2 {
                thread::yield_now();
            }
            event.set();
        })
    };
    // The first time the flag is up, it is `s`'s set (`a` sets only after `cleared`).
    event.wait();
    event.clear();
    cleared.set();
    for t in others.into_iter().chain([a, s]) {
        t.join().unwrap();
    }
}

/// Timed waits (under shuttle the timeout is the schedule's choice) beside untimed ones: two
/// untimed and three timed waiters, one setter; the untimed ones always return, and nobody
/// stays queued.
fn timed_beside_untimed() {
    let event = Arc::new(Event::new());
    let waiters: Vec<_> = (0..5)
        .map(|i| {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                if i < 2 {
                    event.wait();
                } else {
                    let _ = event.wait_timeout(Duration::from_secs(1));
                }
            })
        })
        .collect();
    event.set();
    for w in waiters {
        w.join().unwrap();
    }
    assert_eq!(event.waiters(), 0);
}

random_and_pct! {
    five_waiters: "shuttle_event_5", SCHEDULES, five_waiters;
    set_then_clear: "shuttle_event_set_then_clear", SCHEDULES, set_then_clear;
    set_clear_rounds: "shuttle_event_rounds", SCHEDULES, set_clear_rounds;
    timed_beside_untimed: "shuttle_event_timed", SCHEDULES, timed_beside_untimed;
    wait_after_clear_waits_for_the_next_set: "shuttle_event_next_generation", 20_000,
        wait_after_clear_waits_for_the_next_set;
}

/// The checker can fail: a waiter that starts after the only `set` has been cleared blocks
/// forever, and shuttle reports the deadlock, naming the event.
#[test]
fn shuttle_catches_a_wait_after_clear() {
    let failure = Explorer::new("shuttle_event_wait_after_clear")
        .face(FACE)
        .iterations(100)
        .expect_failure(|| {
            let event = Arc::new(Event::new());
            let setter = {
                let event = Arc::clone(&event);
                thread::spawn(move || {
                    event.set();
                    event.clear();
                })
            };
            setter.join().unwrap();
            event.wait();
        });
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    assert!(failure.message.contains("event"), "{failure}");
}
