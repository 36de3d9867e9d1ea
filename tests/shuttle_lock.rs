//! The lock under shuttle: random and PCT (depth 3) schedules of the shared lock scenarios,
//! at 3 and 4 threads (more than loom can afford), plus a guard released while unwinding and
//! a deliberately racy lock that shuttle must catch.
//!
//! Shuttle treats every atomic as SeqCst, so these checks find interleaving bugs (mutual
//! exclusion, lost wake-ups: a thread parked forever is reported as a deadlock), not
//! weak-memory ones; those are loom's (`tests/loom_lock.rs`).
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_lock`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use common::scenarios::{self, Inside};
use common::EXPECTED_PANIC;
use racelab::check::{Explorer, FailureKind, Scheduler};
use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::Lock;

const RANDOM: Scheduler = Scheduler::Random;
const PCT3: Scheduler = Scheduler::Pct { depth: 3 };
/// Schedules per check. All of this file's checks together take about 3 s of CPU in release
/// (a random schedule costs several times a PCT one: the harness starts a fresh shuttle runner
/// for each random seed, so that any failure replays alone).
const LOCK_SCHEDULES: usize = 10_000;

/// Runs `body` as the check `name` and asserts that every requested schedule was explored.
fn check<F>(name: &str, scheduler: Scheduler, iterations: usize, body: F)
where
    F: Fn() + Send + Sync + 'static,
{
    let report = Explorer::new(name)
        .scheduler(scheduler)
        .iterations(iterations)
        .run(body);
    if std::env::var_os("RACELAB_ITERATIONS").is_none() {
        assert_eq!(
            report.executions, iterations as u64,
            "{name}: schedules explored"
        );
    }
}

#[test]
fn lock_three_threads_random() {
    check("shuttle_lock_3x2_random", RANDOM, LOCK_SCHEDULES, || {
        scenarios::lock_counter(3, 2)
    });
}

#[test]
fn lock_three_threads_pct3() {
    check("shuttle_lock_3x2_pct3", PCT3, LOCK_SCHEDULES, || {
        scenarios::lock_counter(3, 2)
    });
}

#[test]
fn lock_four_threads_random() {
    check("shuttle_lock_4x2_random", RANDOM, LOCK_SCHEDULES, || {
        scenarios::lock_counter(4, 2)
    });
}

#[test]
fn lock_four_threads_pct3() {
    check("shuttle_lock_4x2_pct3", PCT3, LOCK_SCHEDULES, || {
        scenarios::lock_counter(4, 2)
    });
}

#[test]
fn raw_lock_three_threads_random() {
    check(
        "shuttle_raw_lock_3x2_random",
        RANDOM,
        LOCK_SCHEDULES,
        || scenarios::raw_lock_counter(3, 2),
    );
}

#[test]
fn raw_lock_three_threads_pct3() {
    check("shuttle_raw_lock_3x2_pct3", PCT3, LOCK_SCHEDULES, || {
        scenarios::raw_lock_counter(3, 2)
    });
}

#[test]
fn try_lock_against_lock_random() {
    check(
        "shuttle_try_lock_random",
        RANDOM,
        LOCK_SCHEDULES,
        scenarios::try_lock_contended,
    );
}

#[test]
fn try_lock_against_lock_pct3() {
    check(
        "shuttle_try_lock_pct3",
        PCT3,
        LOCK_SCHEDULES,
        scenarios::try_lock_contended,
    );
}

#[test]
fn racing_releases_random() {
    check(
        "shuttle_racing_releases_random",
        RANDOM,
        LOCK_SCHEDULES,
        scenarios::racing_releases,
    );
}

#[test]
fn racing_releases_pct3() {
    check(
        "shuttle_racing_releases_pct3",
        PCT3,
        LOCK_SCHEDULES,
        scenarios::racing_releases,
    );
}

#[test]
fn handoff_release_random() {
    check(
        "shuttle_handoff_release_random",
        RANDOM,
        LOCK_SCHEDULES,
        scenarios::handoff_release,
    );
}

#[test]
fn handoff_release_pct3() {
    check(
        "shuttle_handoff_release_pct3",
        PCT3,
        LOCK_SCHEDULES,
        scenarios::handoff_release,
    );
}

/// One of three threads panics while holding the guard (and catches its panic): the guard's
/// `Drop` releases the lock during unwinding, so the waiting threads still get it, and the
/// panicking thread's half-done update is all that is lost.
fn guard_released_while_unwinding() {
    let lock = Arc::new(Lock::new(0usize));
    let inside = Arc::new(Inside::new());
    let others: Vec<_> = (0..2)
        .map(|_| {
            let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
            thread::spawn(move || {
                let mut guard = lock.lock();
                inside.enter();
                *guard += 1;
                inside.leave();
            })
        })
        .collect();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut guard = lock.lock();
        inside.enter();
        *guard += 100;
        inside.leave();
        panic!("{}", EXPECTED_PANIC);
    }));
    assert!(panicked.is_err(), "the critical section was meant to panic");
    for t in others {
        t.join().unwrap();
    }
    assert!(!lock.is_locked(), "the unwinding guard left the lock held");
    assert_eq!(*lock.lock(), 102);
}

#[test]
fn guard_released_while_unwinding_random() {
    common::quiet_expected_panics();
    check(
        "shuttle_lock_unwinding_random",
        RANDOM,
        LOCK_SCHEDULES,
        guard_released_while_unwinding,
    );
}

#[test]
fn guard_released_while_unwinding_pct3() {
    common::quiet_expected_panics();
    check(
        "shuttle_lock_unwinding_pct3",
        PCT3,
        LOCK_SCHEDULES,
        guard_released_while_unwinding,
    );
}

/// The classic broken lock: check, then set, as two steps. Two threads can both see it free.
struct CheckThenSetLock(AtomicBool);

impl CheckThenSetLock {
    fn acquire(&self) {
        while self.0.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        // BUG: another thread can take the lock between the load above and this store.
        self.0.store(true, Ordering::SeqCst);
    }

    fn release(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

fn check_then_set_counter() {
    let lock = Arc::new(CheckThenSetLock(AtomicBool::new(false)));
    let inside = Arc::new(Inside::new());
    let (lock2, inside2) = (Arc::clone(&lock), Arc::clone(&inside));
    let t = thread::spawn(move || {
        lock2.acquire();
        inside2.enter();
        inside2.leave();
        lock2.release();
    });
    lock.acquire();
    inside.enter();
    inside.leave();
    lock.release();
    t.join().unwrap();
}

/// The checker can fail: shuttle finds the check-then-set race, and the failure is the
/// mutual-exclusion assertion, not some other panic or a deadlock.
#[test]
fn shuttle_catches_a_check_then_set_lock() {
    let failure = Explorer::new("shuttle_check_then_set_caught")
        .iterations(1000)
        .expect_failure(check_then_set_counter);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(
        failure
            .message
            .contains("two threads inside the critical section at once"),
        "shuttle failed for another reason: {failure}"
    );
}

/// Regression: a panic caught inside the model in an earlier, passing execution (or earlier in
/// the failing one) was reported instead of the failure that propagated.
#[test]
fn regression_a_caught_panic_does_not_mask_the_real_failure() {
    let failure = Explorer::new("shuttle_masking")
        .iterations(200)
        .expect_failure(|| {
            let caught =
                std::panic::catch_unwind(|| panic!("racelab test: caught inside the model"));
            assert!(caught.is_err());
            let n = Arc::new(AtomicUsize::new(0));
            let m = Arc::clone(&n);
            let t = thread::spawn(move || {
                let v = m.load(Ordering::SeqCst);
                m.store(v + 1, Ordering::SeqCst);
            });
            let v = n.load(Ordering::SeqCst);
            n.store(v + 1, Ordering::SeqCst);
            t.join().unwrap();
            assert_eq!(n.load(Ordering::SeqCst), 2, "racelab test: lost update");
        });
    assert_eq!(failure.kind, FailureKind::Panic);
    assert!(
        failure.message.contains("racelab test: lost update"),
        "{failure}"
    );
}
