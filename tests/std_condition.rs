//! `Condition` on real threads: the behaviours CPython's `Lib/test/lock_tests.py` checks for
//! `Condition` (`ConditionTests`), without their sleeps — "every thread is waiting" is read
//! from the condition's own [`Condition::waiting`], as CPython's tests read `_waiters` — and the
//! shared scenarios under contention.
//!
//! CPython's `test_unacquired_wait` has no port: `wait` takes the lock's guard, so waiting
//! without holding the lock does not compile. `test_unacquired_notify` neither: `notify` without
//! the lock is allowed here, as with std's `Condvar` (see `Condition`'s docs).
//!
//! Run: `cargo test --test std_condition`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;
#[path = "common/scenarios/condition.rs"]
mod condition_scenarios;

use std::time::{Duration, Instant};

use common::watch::{wait_until, within};
use condition_scenarios as scenarios;
use racelab::sync::{thread, Arc};
use racelab::{Condition, Lock};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn new_default_and_debug() {
    assert_eq!(
        format!("{:?}", Condition::new()),
        r#"Condition { name: "cond", waiting: 0 }"#
    );
    assert_eq!(Condition::default().waiting(), 0);
    assert_eq!(
        format!("{:?}", Condition::named("not_full")),
        r#"Condition { name: "not_full", waiting: 0 }"#
    );
    assert_send_sync::<Condition>();
}

#[test]
fn notify_with_nobody_waiting_is_a_no_op() {
    let cond = Condition::new();
    cond.notify_one();
    cond.notify(3);
    cond.notify_all();
    assert_eq!(cond.waiting(), 0);
}

/// Starts `n` threads that each wait once and then count themselves; returns once all of them
/// are queued on `cond`.
fn start_waiters(shared: &Arc<(Lock<usize>, Condition)>, n: usize) -> Vec<thread::JoinHandle<()>> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let shared = Arc::clone(shared);
            thread::spawn(move || {
                let (lock, cond) = &*shared;
                let mut woken = cond.wait(lock.lock());
                *woken += 1;
            })
        })
        .collect();
    let cond = &shared.1;
    wait_until("every waiter queued", || cond.waiting() == n);
    handles
}

// test_notify: 5 waiters; notify(1), notify(3), then notify_all wake exactly that many.
#[test]
fn notify_wakes_exactly_n_then_notify_all_the_rest() {
    within(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        let handles = start_waiters(&shared, 5);
        let (lock, cond) = &*shared;
        cond.notify_one();
        wait_until("one woken", || *lock.lock() == 1);
        assert_eq!(cond.waiting(), 4);
        cond.notify(3);
        wait_until("three more woken", || *lock.lock() == 4);
        assert_eq!(cond.waiting(), 1);
        cond.notify(10); // more than are waiting: wakes the one left
        wait_until("the last woken", || *lock.lock() == 5);
        assert_eq!(cond.waiting(), 0);
        for h in handles {
            h.join().unwrap();
        }
        // notify_all, on a second batch.
        let handles = start_waiters(&shared, 4);
        cond.notify_all();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*lock.lock(), 9);
    });
}

// test_notify: Python wakes in FIFO order.
#[test]
fn waiters_wake_in_fifo_order() {
    within(|| {
        for _ in 0..20 {
            scenarios::fifo(5);
        }
    });
}

// test_timeout: a wait nobody notifies returns after the timeout, reporting it.
#[test]
fn wait_timeout_times_out_without_a_notify() {
    let (lock, cond) = (Lock::new(()), Condition::new());
    let start = Instant::now();
    let (guard, result) = cond.wait_timeout(lock.lock(), Duration::from_millis(20));
    assert!(result.timed_out());
    assert!(start.elapsed() >= Duration::from_millis(20));
    drop(guard);
    assert!(!lock.is_locked());
    assert_eq!(cond.waiting(), 0, "a timed-out waiter left its gate queued");
}

#[test]
fn wait_timeout_returns_on_notify_before_its_timeout() {
    within(|| {
        let shared = Arc::new((Lock::new(false), Condition::new()));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond) = &*shared;
                let (guard, result) = cond.wait_timeout(lock.lock(), Duration::from_secs(20));
                (*guard, result.timed_out())
            })
        };
        let (lock, cond) = &*shared;
        wait_until("the waiter queued", || cond.waiting() == 1);
        *lock.lock() = true;
        cond.notify_one();
        assert_eq!(waiter.join().unwrap(), (true, false));
    });
}

/// A timed waiter chosen by a notify just as it times out still counts as woken, and the
/// notify is not lost for anyone: many rounds of a notify racing a 1 ms timeout.
#[test]
fn a_notify_racing_a_timeout_is_never_lost() {
    within(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        for _ in 0..200 {
            let waiter = {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (lock, cond) = &*shared;
                    let (guard, result) = cond.wait_timeout(lock.lock(), Duration::from_millis(1));
                    drop(guard);
                    result.timed_out()
                })
            };
            let (_, cond) = &*shared;
            cond.notify_one();
            let _ = waiter.join().unwrap();
            assert_eq!(cond.waiting(), 0, "a gate left in the queue");
        }
    });
}

// test_waitfor
#[test]
fn wait_while_returns_once_the_condition_is_false() {
    within(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond) = &*shared;
                *cond.wait_while(lock.lock(), |n| *n < 5)
            })
        };
        let (lock, cond) = &*shared;
        for _ in 0..5 {
            wait_until("the waiter waits", || cond.waiting() == 1);
            *lock.lock() += 1;
            cond.notify_one();
        }
        assert_eq!(waiter.join().unwrap(), 5);
    });
}

// test_waitfor_timeout
#[test]
fn wait_timeout_while_reports_a_timeout_with_the_condition_still_true() {
    let (lock, cond) = (Lock::new(0usize), Condition::new());
    let start = Instant::now();
    let (guard, result) =
        cond.wait_timeout_while(lock.lock(), Duration::from_millis(20), |n| *n == 0);
    assert!(result.timed_out());
    assert_eq!(*guard, 0);
    assert!(start.elapsed() >= Duration::from_millis(20));
    drop(guard);
    *lock.lock() = 1;
    let (guard, result) =
        cond.wait_timeout_while(lock.lock(), Duration::from_secs(10), |n| *n == 0);
    assert!(!result.timed_out(), "the condition was already false");
    assert_eq!(*guard, 1);
}

#[test]
fn scenarios_under_contention() {
    within(|| {
        for _ in 0..50 {
            scenarios::flag_handoff();
            scenarios::no_lost_wakeup(4, 50);
            scenarios::notify_n(5, 3);
            scenarios::timed_wait_racing_notify();
        }
    });
}
