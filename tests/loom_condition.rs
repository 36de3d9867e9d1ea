//! `Condition` under loom (implementation face): every interleaving of 2–3 threads. No lost
//! wake-up with `while` loops (a waiter left blocked is a loom deadlock), the wake-up ordered
//! after the notifier's writes (the data is in loom's `UnsafeCell` behind the lock), FIFO
//! order, and `notify(n)`.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_condition`
#![cfg(loom)]

#[path = "common/scenarios/condition.rs"]
mod scenarios;

use racelab::check::Explorer;
use racelab::Face;

// This suite proves the implementation (see `racelab::face`).
const FACE: Face = Face::Implementation;

#[test]
fn condition_flag_handoff() {
    Explorer::new("loom_condition_flag")
        .face(FACE)
        .run(scenarios::flag_handoff);
}

#[test]
fn condition_no_lost_wakeup() {
    Explorer::new("loom_condition_no_lost_wakeup")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::no_lost_wakeup(1, 2));
}

#[test]
fn condition_no_lost_wakeup_two_consumers() {
    Explorer::new("loom_condition_no_lost_wakeup_2")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::no_lost_wakeup(2, 1));
}

#[test]
fn condition_fifo() {
    Explorer::new("loom_condition_fifo")
        .face(FACE)
        .preemption_bound(1)
        .run(|| scenarios::fifo(2));
}

#[test]
fn condition_notify_n() {
    Explorer::new("loom_condition_notify_n")
        .face(FACE)
        .preemption_bound(2)
        .run(|| scenarios::notify_n(2, 1));
}

/// The spec face (what programs that use a `Condition` are explored against): its queue and
/// gates are the checker's own locks; no lost wake-up, FIFO order.
#[test]
fn condition_spec_face() {
    Explorer::new("loom_condition_spec_no_lost_wakeup")
        .face(Face::Spec)
        .preemption_bound(2)
        .run(|| scenarios::no_lost_wakeup(2, 1));
    Explorer::new("loom_condition_spec_fifo")
        .face(Face::Spec)
        .preemption_bound(2)
        .run(|| scenarios::fifo(2));
}

/// A timed wait: woken or timed out (the checker's choice, racing the notify), never lost.
#[test]
fn condition_timed_wait_racing_notify() {
    Explorer::new("loom_condition_timed_wait")
        .face(FACE)
        .run(scenarios::timed_wait_racing_notify);
}
