//! The spec and the implementation face give the same verdicts on client programs of the lock
//! (loom). See `tests/common/faces.rs`.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_faces`
#![cfg(loom)]

mod common;

use common::faces::{self, agree};
use racelab::check::{Explorer, FailureKind};
use racelab::Face;

#[test]
fn the_body_runs_with_the_checks_face() {
    for face in [Face::Spec, Face::Implementation] {
        let name = format!("faces_seen_{face}");
        Explorer::new(name)
            .face(face)
            .run(move || faces::sees_face(face));
    }
}

#[test]
fn a_correct_client_passes_under_both() {
    let (spec, implementation) = agree("faces_counter", faces::counter, None);
    // Exhaustive counts, so deterministic: the spec has one scheduling point per lock
    // operation, the implementation several.
    assert!(
        spec < implementation,
        "spec {spec} executions, implementation {implementation}"
    );
}

#[test]
fn a_check_then_act_fails_the_same_way_under_both() {
    agree(
        "faces_check_then_act",
        faces::check_then_act,
        Some((FailureKind::Panic, "the check and the act were not atomic")),
    );
}

#[test]
fn an_abba_deadlock_is_reported_with_its_cycle_under_both() {
    agree(
        "faces_abba",
        faces::abba,
        Some((FailureKind::Deadlock, "holds A and waits for B")),
    );
    agree(
        "faces_abba",
        faces::abba,
        Some((FailureKind::Deadlock, "holds B and waits for A")),
    );
}

#[test]
fn a_holder_that_panics_does_not_poison_under_both() {
    common::quiet_expected_panics();
    agree("faces_panicking_holder", faces::panicking_holder, None);
    agree(
        "faces_panicking_holder_then_ends",
        faces::panicking_holder_then_ends,
        None,
    );
}

#[test]
fn the_raw_lock_contract_holds_under_both() {
    agree("faces_raw_contract", faces::raw_contract, None);
}
