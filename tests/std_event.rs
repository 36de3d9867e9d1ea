//! `Event` on real threads: the behaviour CPython's `Lib/test/lock_tests.py` checks for
//! `threading.Event` (`EventTests`), the timeouts, and `set` then `clear` (gh-57711).
//!
//! Where CPython sleeps until "all N threads are blocked", these tests ask the event itself
//! (`waiters()`, the number of parked waiters), and every body runs under [`within`], so a
//! lost wake-up fails the test instead of hanging it. Nothing waits with `sleep`.
//!
//! Run: `cargo test --test std_event`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use std::time::{Duration, Instant};

use common::watch::{wait_until, within};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::Event;

/// CPython's `support.LONG_TIMEOUT`: a wait that must not time out.
const LONG: Duration = Duration::from_secs(300);

/// `test_is_set`.
#[test]
fn is_set_follows_set_and_clear() {
    let event = Event::new();
    assert!(!event.is_set());
    event.set();
    assert!(event.is_set());
    event.set();
    assert!(event.is_set());
    event.clear();
    assert!(!event.is_set());
    event.clear();
    assert!(!event.is_set());
}

/// `_check_notify`: N threads blocked on their first wait; nobody gets through before `set`,
/// and everyone gets through both waits after it.
fn check_notify(event: &Arc<Event>) {
    const N: usize = 5;
    let first = Arc::new(AtomicUsize::new(0));
    let second = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..N)
        .map(|_| {
            let (event, first, second) =
                (Arc::clone(event), Arc::clone(&first), Arc::clone(&second));
            thread::spawn(move || {
                event.wait();
                first.fetch_add(1, Ordering::SeqCst);
                event.wait();
                second.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // Threads blocked on the first wait.
    wait_until("N threads park", || event.waiters() == N);
    assert_eq!(first.load(Ordering::SeqCst), 0);
    event.set();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(first.load(Ordering::SeqCst), N);
    assert_eq!(second.load(Ordering::SeqCst), N);
    assert_eq!(event.waiters(), 0);
}

/// `test_notify`: all threads get notified; again after an explicit `clear`.
#[test]
fn set_wakes_every_waiter() {
    within(|| {
        let event = Arc::new(Event::new());
        check_notify(&event);
        event.set();
        event.clear();
        check_notify(&event);
    });
}

/// `test_timeout`: with the flag clear, a zero wait and a timed wait both fail (the timed one
/// after its whole timeout); with it set, both succeed at once.
#[test]
fn timed_waits() {
    within(|| {
        const N: usize = 5;
        let timeout = Duration::from_millis(50);
        let run = |event: &Arc<Event>| -> Vec<(bool, bool, Duration)> {
            let threads: Vec<_> = (0..N)
                .map(|_| {
                    let event = Arc::clone(event);
                    thread::spawn(move || {
                        let zero = event.wait_timeout(Duration::ZERO);
                        let start = Instant::now();
                        let timed = event.wait_timeout(timeout);
                        (zero, timed, start.elapsed())
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        };
        let event = Arc::new(Event::new());
        for (zero, timed, took) in run(&event) {
            assert!(!zero);
            assert!(!timed);
            // A lower bound only: the wait may take longer on a loaded machine, never shorter.
            assert!(took >= timeout, "gave up early: {took:?}");
        }
        // Every timed-out waiter left the queue.
        assert_eq!(event.waiters(), 0);
        event.set();
        for (zero, timed, _) in run(&event) {
            assert!(zero);
            assert!(timed);
        }
    });
}

/// `test_set_and_clear` (gh-57711): `wait` returns true even when the event is cleared before
/// the waiting thread is woken up.
#[test]
fn set_then_clear_still_wakes_the_waiters() {
    within(|| {
        const N: usize = 5;
        let event = Arc::new(Event::new());
        let threads: Vec<_> = (0..N)
            .map(|_| {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait_timeout(LONG))
            })
            .collect();
        wait_until("N threads park", || event.waiters() == N);
        event.set();
        event.clear();
        for t in threads {
            assert!(t.join().unwrap(), "a waiter woken by set returns true");
        }
        assert!(!event.is_set());
    });
}

/// A wait that starts after `clear` blocks until the next `set`, however many sets came before.
#[test]
fn a_wait_after_clear_blocks_until_the_next_set() {
    within(|| {
        let event = Arc::new(Event::new());
        event.set();
        event.clear();
        assert!(!event.wait_timeout(Duration::from_millis(5)));
        let t = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait())
        };
        wait_until("the waiter parks", || event.waiters() == 1);
        event.set();
        t.join().unwrap();
    });
}

/// A set wakes a timed waiter long before its deadline.
#[test]
fn set_wakes_a_timed_waiter() {
    within(|| {
        let event = Arc::new(Event::new());
        let t = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait_timeout(LONG))
        };
        wait_until("the waiter parks", || event.waiters() == 1);
        event.set();
        assert!(t.join().unwrap());
    });
}

/// Many rounds of set / clear against waiters with and without timeouts: nobody is left
/// parked, and every timed wait that fails took its whole timeout.
#[test]
fn set_clear_rounds_leave_nobody_parked() {
    within(|| {
        let event = Arc::new(Event::new());
        let rounds = 500;
        let go = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..4)
            .map(|i| {
                let (event, go) = (Arc::clone(&event), Arc::clone(&go));
                thread::spawn(move || {
                    for round in 1..=rounds {
                        wait_until("the round starts", || go.load(Ordering::SeqCst) >= round);
                        if i % 2 == 0 {
                            event.wait();
                        } else {
                            let _ = event.wait_timeout(Duration::from_micros(20));
                        }
                    }
                })
            })
            .collect();
        for round in 1..=rounds {
            go.store(round, Ordering::SeqCst);
            event.set();
            event.clear();
            if round % 2 == 0 {
                thread::yield_now();
            }
        }
        // The last round may have cleared before some untimed waiter arrived: set for good.
        event.set();
        for t in waiters {
            t.join().unwrap();
        }
        assert_eq!(event.waiters(), 0);
    });
}

#[test]
fn debug_shows_the_flag() {
    let event = Event::default();
    assert_eq!(format!("{event:?}"), "Event { set: false, waiters: false }");
    event.set();
    assert_eq!(format!("{event:?}"), "Event { set: true, waiters: false }");
}
