//! The std-shaped facade under shuttle: the same scenarios as `tests/loom_facade.rs` on random
//! and PCT (depth 3) schedules, one scenario at 4 threads (more than loom can afford), and the
//! same classic bugs caught: `if` instead of `while` around a wait, a lost wake-up, an ABBA
//! deadlock reported with its wait-for cycle.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_facade`
#![cfg(shuttle)]
// The clippy.toml convention for a shuttle build: its facade re-exports std's `Arc`, so the
// type ban would flag every `Arc`; the method ban (std::thread::spawn and friends) stays on.
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

mod common;

use common::scenarios::facade;
use common::shuttle::random_and_pct;
use racelab::check::{Explorer, FailureKind};
use racelab::Face;

// The facade is what a user's program runs: it shows its spec (the only face it has).
const FACE: Face = Face::Spec;

/// Schedules per check; the whole file takes a few seconds of CPU in release.
const SCHEDULES: usize = 2_000;

random_and_pct! {
    mutex_four_threads: "shuttle_facade_mutex_4", SCHEDULES, || facade::mutex_counter(4);
    mutex_try_lock: "shuttle_facade_try_lock", SCHEDULES, facade::mutex_try_lock;
    mutex_poisoning: "shuttle_facade_poison", SCHEDULES, facade::mutex_poisoning;
    condvar_producer_consumer: "shuttle_facade_condvar_pc", SCHEDULES,
        || facade::condvar_producer_consumer(3);
    condvar_while_two_consumers: "shuttle_facade_condvar_while", SCHEDULES,
        facade::condvar_while_two_consumers;
    condvar_wait_while: "shuttle_facade_wait_while", SCHEDULES, facade::condvar_wait_while;
    condvar_wait_timeout: "shuttle_facade_wait_timeout", SCHEDULES,
        || facade::condvar_wait_timeout(None);
    rwlock_readers_writer: "shuttle_facade_rwlock", SCHEDULES, facade::rwlock_readers_writer;
    barrier_rounds: "shuttle_facade_barrier_3x2", SCHEDULES, || facade::barrier_rounds(3, 2);
    once_inits_once: "shuttle_facade_once", SCHEDULES, facade::once_inits_once;
    once_lock_set_race: "shuttle_facade_once_lock_set", SCHEDULES, facade::once_lock_set_race;
    mpsc_order_and_disconnect: "shuttle_facade_mpsc_order", SCHEDULES,
        facade::mpsc_order_and_disconnect;
    mpsc_receiver_gone: "shuttle_facade_mpsc_receiver_gone", SCHEDULES,
        facade::mpsc_receiver_gone;
    mpsc_rendezvous: "shuttle_facade_mpsc_rendezvous", SCHEDULES, facade::mpsc_rendezvous;
    mpsc_bounded: "shuttle_facade_mpsc_bounded", SCHEDULES, facade::mpsc_bounded;
}

fn caught(name: &str, body: fn()) -> racelab::check::Failure {
    common::quiet_expected_panics();
    Explorer::new(name)
        .iterations(SCHEDULES)
        .expect_failure(body)
}

#[test]
fn condvar_if_instead_of_while_is_caught() {
    let failure = caught(
        "shuttle_facade_condvar_if",
        facade::buggy_condvar_if_not_while,
    );
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert_eq!(
        failure.message, "woken to an empty queue: `if` instead of `while`",
        "{failure}"
    );
}

#[test]
fn condvar_lost_wakeup_is_a_deadlock() {
    let failure = caught(
        "shuttle_facade_lost_wakeup",
        facade::buggy_condvar_lost_wakeup,
    );
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    assert!(
        failure.message.contains("waits for notify on cv"),
        "{failure}"
    );
    let swimlane = failure.swimlane();
    assert!(
        swimlane.contains("notify_one cv: nobody waits, lost"),
        "{swimlane}"
    );
}

/// Random schedules only: the scenario has one thread, and PCT insists on concurrency.
#[test]
fn condvar_wait_timeout_alone_times_out() {
    common::shuttle::check(
        FACE,
        "shuttle_facade_wait_timeout_alone",
        common::shuttle::RANDOM,
        100,
        facade::condvar_wait_timeout_alone,
    );
}

#[test]
fn condvar_wait_timeout_explores_both_outcomes() {
    for (insist, other) in [(false, "timed out"), (true, "notified")] {
        let failure = Explorer::new(format!("shuttle_facade_wait_timeout_not_{other}"))
            .iterations(SCHEDULES)
            .expect_failure(move || facade::condvar_wait_timeout(Some(insist)));
        assert_eq!(failure.kind, FailureKind::Panic, "{other}: {failure}");
        assert!(
            failure.message.contains("the other outcome"),
            "{other}: {failure}"
        );
    }
}

#[test]
fn abba_on_facade_mutexes_is_reported_with_its_cycle() {
    let failure = caught("shuttle_facade_abba", facade::buggy_abba_mutexes);
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    for edge in ["holds A and waits for B", "holds B and waits for A"] {
        assert!(failure.message.contains(edge), "{edge}: {failure}");
    }
}

/// The error types are std's own in every build: code that matches on `std::sync`'s errors
/// keeps compiling.
#[test]
fn the_error_types_are_std_s() {
    use std::any::TypeId;
    assert_eq!(
        TypeId::of::<racelab::sync::PoisonError<()>>(),
        TypeId::of::<std::sync::PoisonError<()>>()
    );
    assert_eq!(
        TypeId::of::<racelab::sync::TryLockError<()>>(),
        TypeId::of::<std::sync::TryLockError<()>>()
    );
    assert_eq!(
        TypeId::of::<racelab::sync::mpsc::TrySendError<u8>>(),
        TypeId::of::<std::sync::mpsc::TrySendError<u8>>()
    );
    assert_eq!(
        TypeId::of::<racelab::sync::mpsc::RecvTimeoutError>(),
        TypeId::of::<std::sync::mpsc::RecvTimeoutError>()
    );
}

#[test]
fn rwlock_recursive_read_against_a_waiting_writer_is_a_deadlock() {
    let failure = caught(
        "shuttle_facade_rwlock_recursive_read",
        facade::buggy_rwlock_recursive_read,
    );
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    for wait in [
        "waits for read rwlock (writer ahead)",
        "waits for write rwlock (held)",
    ] {
        assert!(failure.message.contains(wait), "{wait}: {failure}");
    }
}
