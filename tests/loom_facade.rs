//! The std-shaped facade under loom: a user's `Mutex`, `Condvar`, `RwLock`, `Barrier`,
//! `Once`/`OnceLock`/`LazyLock` and `mpsc` code, every interleaving (up to the stated
//! preemption bound). Each type keeps std's promises, and the classic bugs written with them
//! are caught: `if` instead of `while` around a wait, a lost wake-up, an ABBA deadlock
//! (reported with its wait-for cycle).
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_facade`
#![cfg(loom)]

mod common;

use common::scenarios::facade;
use racelab::check::{Explorer, FailureKind};

fn run(name: &str, body: fn()) {
    common::quiet_expected_panics();
    Explorer::new(name).run(body);
}

fn run_bounded(name: &str, bound: usize, body: fn()) {
    common::quiet_expected_panics();
    Explorer::new(name).preemption_bound(bound).run(body);
}

#[test]
fn mutex_excludes() {
    run("loom_facade_mutex", || facade::mutex_counter(2));
    run_bounded("loom_facade_mutex_3", 2, || facade::mutex_counter(3));
}

#[test]
fn mutex_try_lock() {
    run("loom_facade_try_lock", facade::mutex_try_lock);
}

#[test]
fn mutex_poisons_like_std() {
    run("loom_facade_poison", facade::mutex_poisoning);
}

#[test]
fn condvar_producer_consumer_passes() {
    run("loom_facade_condvar_pc", || {
        facade::condvar_producer_consumer(2)
    });
}

#[test]
fn condvar_while_with_two_consumers_passes() {
    run_bounded(
        "loom_facade_condvar_while",
        2,
        facade::condvar_while_two_consumers,
    );
}

#[test]
fn condvar_if_instead_of_while_is_caught() {
    let failure =
        Explorer::new("loom_facade_condvar_if").expect_failure(facade::buggy_condvar_if_not_while);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert_eq!(
        failure.message, "woken to an empty queue: `if` instead of `while`",
        "{failure}"
    );
}

#[test]
fn condvar_lost_wakeup_is_a_deadlock() {
    let failure =
        Explorer::new("loom_facade_lost_wakeup").expect_failure(facade::buggy_condvar_lost_wakeup);
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

#[test]
fn condvar_wait_while_passes() {
    run("loom_facade_wait_while", facade::condvar_wait_while);
}

#[test]
fn condvar_wait_timeout_explores_both_outcomes() {
    run("loom_facade_wait_timeout", || {
        facade::condvar_wait_timeout(None)
    });
    run(
        "loom_facade_wait_timeout_alone",
        facade::condvar_wait_timeout_alone,
    );
    for (insist, other) in [(false, "timed out"), (true, "notified")] {
        let failure = Explorer::new(format!("loom_facade_wait_timeout_not_{other}"))
            .expect_failure(move || facade::condvar_wait_timeout(Some(insist)));
        assert_eq!(failure.kind, FailureKind::Panic, "{other}: {failure}");
        assert!(
            failure.message.contains("the other outcome"),
            "{other}: {failure}"
        );
    }
}

#[test]
fn rwlock_readers_never_see_half_a_write() {
    run_bounded("loom_facade_rwlock", 2, facade::rwlock_readers_writer);
}

#[test]
fn barrier_holds_everyone_and_has_one_leader() {
    run("loom_facade_barrier_2x2", || facade::barrier_rounds(2, 2));
    run_bounded("loom_facade_barrier_3x1", 2, || {
        facade::barrier_rounds(3, 1)
    });
}

#[test]
fn once_family_initialises_once() {
    run_bounded("loom_facade_once", 2, facade::once_inits_once);
    run("loom_facade_once_lock_set", facade::once_lock_set_race);
}

#[test]
fn mpsc_order_and_disconnection() {
    run_bounded(
        "loom_facade_mpsc_order",
        2,
        facade::mpsc_order_and_disconnect,
    );
    run("loom_facade_mpsc_receiver_gone", facade::mpsc_receiver_gone);
}

#[test]
fn mpsc_rendezvous_and_bounded() {
    run("loom_facade_mpsc_rendezvous", facade::mpsc_rendezvous);
    run("loom_facade_mpsc_bounded", facade::mpsc_bounded);
}

#[test]
fn abba_on_facade_mutexes_is_reported_with_its_cycle() {
    let failure = Explorer::new("loom_facade_abba").expect_failure(facade::buggy_abba_mutexes);
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
    let failure = Explorer::new("loom_facade_rwlock_recursive_read")
        .expect_failure(facade::buggy_rwlock_recursive_read);
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    for wait in [
        "waits for read rwlock (writer ahead)",
        "waits for write rwlock (held)",
    ] {
        assert!(failure.message.contains(wait), "{wait}: {failure}");
    }
}
