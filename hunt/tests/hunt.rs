//! The hunt: one test per (program, lock flavour), each a single `find_failure` with the
//! search `cargo xtask hunt` asks for. A failure must be the program's own (kind and message);
//! a search that finds nothing is data for the hunt's table, not a test failure.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!     cargo test --release -p racelab-hunt --test hunt -- --test-threads=1
//! RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!     cargo test --release -p racelab-hunt --test hunt -- --test-threads=1
//! ```
//!
//! `RACELAB_HUNT_SEARCH` picks the search: `default` (the default `Explorer`, also when unset)
//! or `dfs` (loom's plain unbounded depth-first search). Only in checker builds: a std build
//! has nothing to hunt with, so the std test stage builds this file to nothing.
#![cfg(any(loom, shuttle))]
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

use racelab::check::Explorer;
use racelab::Face;
use racelab_hunt::corpus::{atomicity, deadlock, order, ring};
use racelab_hunt::{CheckerMutex, Flavour, Program, RacelabLock};

/// The flavour name of a program that takes no lock.
const NO_LOCK: &str = "no-lock";
/// The flavour name of a race lab model (racelab's own primitives).
const MODEL: &str = "model";

/// The explorer for one hunt: `program/flavour`, with the search `RACELAB_HUNT_SEARCH` names.
fn explorer(name: &str) -> Explorer {
    match std::env::var("RACELAB_HUNT_SEARCH").as_deref() {
        Ok("default") | Err(_) => Explorer::new(name),
        Ok("dfs") => Explorer::new(name).unbounded(),
        Ok(other) => panic!("RACELAB_HUNT_SEARCH={other:?}: expected `default` or `dfs`"),
    }
}

/// The flavour name of racelab's `Lock` showing its implementation instead of its spec.
const RACELAB_IMPLEMENTATION: &str = "racelab-implementation";

/// Hunts `body`'s bug against racelab's specs (the default face); asserts that a failure found
/// is `program`'s.
fn hunt(program: &Program, flavour: &str, body: fn()) {
    hunt_with(program, flavour, Face::Spec, body);
}

/// Hunts `body`'s bug with racelab's primitives showing `face`.
fn hunt_with(program: &Program, flavour: &str, face: Face, body: fn()) {
    let name = if flavour == MODEL {
        format!("lab.{}/{flavour}", program.name)
    } else {
        format!("{}/{flavour}", program.name)
    };
    match explorer(&name).face(face).find_failure(body) {
        Ok(failure) => {
            assert_eq!(
                failure.kind, program.kind,
                "{name}: the wrong kind of failure:\n{failure}"
            );
            let message = program.message_for(if flavour == RACELAB_IMPLEMENTATION {
                RacelabLock::NAME
            } else {
                flavour
            });
            assert!(
                failure.message.contains(message),
                "{name}: the failure's message does not say {message:?}:\n{failure}"
            );
        }
        // The record says "not found" with what was explored: the table's data.
        Err(report) => println!("racelab-hunt: {name}: not found ({report})"),
    }
}

/// `locked name => (PROGRAM, function)`: one test per lock flavour;
/// `plain name => (PROGRAM, function)`: one test.
macro_rules! hunt_tests {
    ($(locked $name:ident => ($program:expr, $module:ident::$body:ident);)* $(plain $pname:ident => ($pprogram:expr, $pbody:path);)*) => {
        $(mod $name {
            use super::*;

            #[test]
            fn racelab_lock() {
                hunt(&$program, RacelabLock::NAME, $module::$body::<RacelabLock>);
            }

            /// The same program with racelab's `Lock` showing its implementation: its verdict
            /// must agree with the spec's (`cargo xtask hunt` compares them).
            #[test]
            fn racelab_implementation() {
                hunt_with(
                    &$program,
                    RACELAB_IMPLEMENTATION,
                    Face::Implementation,
                    $module::$body::<RacelabLock>,
                );
            }

            #[test]
            fn checker_mutex() {
                hunt(&$program, CheckerMutex::NAME, $module::$body::<CheckerMutex>);
            }
        })*
        $(#[test]
        fn $pname() {
            hunt(&$pprogram, NO_LOCK, $pbody);
        })*

        /// How many classic programs the tests above hunt.
        const CLASSICS: usize = [$(stringify!($name),)* $(stringify!($pname),)*].len();
    };
}

hunt_tests! {
    locked order_violation => (order::ORDER_VIOLATION, order::order_violation);
    locked publication => (order::PUBLICATION, order::publication);
    locked missing_join => (order::MISSING_JOIN, order::missing_join);
    locked check_then_act => (atomicity::CHECK_THEN_ACT, atomicity::check_then_act);
    locked lost_update => (atomicity::LOST_UPDATE, atomicity::lost_update);
    locked wrong_lock => (atomicity::WRONG_LOCK, atomicity::wrong_lock);
    locked double_checked_init => (atomicity::DOUBLE_CHECKED_INIT, atomicity::double_checked_init);
    locked bounded_buffer => (atomicity::BOUNDED_BUFFER, atomicity::bounded_buffer);
    locked two_stage => (atomicity::TWO_STAGE, atomicity::two_stage);
    locked abba_deadlock => (deadlock::ABBA, deadlock::abba);
    locked dining_philosophers => (deadlock::PHILOSOPHERS, deadlock::philosophers);
    locked hold_and_wait => (deadlock::HOLD_AND_WAIT, deadlock::hold_and_wait);
    locked token_ring => (ring::TOKEN_RING, ring::token_ring);
    plain split_counter => (atomicity::SPLIT_COUNTER, atomicity::split_counter);
    plain reorder => (atomicity::REORDER, atomicity::reorder);
    plain lost_wakeup_park => (deadlock::LOST_WAKEUP, deadlock::lost_wakeup);
}

/// `name => MODEL`: one test per race lab model, its buggy twin.
macro_rules! model_tests {
    ($($name:ident => $model:path;)*) => {
        mod lab {
            use super::*;

            $(#[test]
            fn $name() {
                let model = &$model;
                hunt(&Program::from_model(model), MODEL, model.buggy);
            })*
        }

        /// How many models the tests above hunt.
        const MODELS: usize = [$(stringify!($name),)*].len();
    };
}

model_tests! {
    tutorial_example => racelab_models::tutorial_example::MODEL;
    lock_convoy => racelab_models::lock_convoy::MODEL;
    missing_release => racelab_models::missing_release::MODEL;
    missing_release_panic => racelab_models::missing_release::MODEL_PANIC;
    semaphore_leak => racelab_models::semaphore_leak::MODEL;
    lost_update => racelab_models::lost_update::MODEL;
    lost_update_locked => racelab_models::lost_update::MODEL_LOCKED;
    check_then_act => racelab_models::check_then_act::MODEL;
    abba_deadlock => racelab_models::abba_deadlock::MODEL;
    dining_philosophers => racelab_models::dining_philosophers::MODEL;
    rlock_misuse => racelab_models::rlock_misuse::MODEL;
    self_deadlock => racelab_models::self_deadlock::MODEL;
    self_deadlock_direct => racelab_models::self_deadlock::MODEL_DIRECT;
    lost_wakeup => racelab_models::lost_wakeup::MODEL;
    lost_wakeup_no_recheck => racelab_models::lost_wakeup::MODEL_NO_RECHECK;
    if_not_while => racelab_models::if_not_while::MODEL;
    cargill_buffer => racelab_models::cargill_buffer::MODEL;
    wrong_barrier_count => racelab_models::wrong_barrier_count::MODEL;
    event_cleared => racelab_models::event_cleared::MODEL;
    pool_starvation => racelab_models::pool_starvation::MODEL;
    shutdown_race => racelab_models::shutdown_race::MODEL;
    relaxed_publication => racelab_models::relaxed_publication::MODEL;
    relaxed_publication_cell => racelab_models::relaxed_publication::MODEL_CELL;
    broken_lock => racelab_models::broken_lock::MODEL;
}

/// The tests hunt every classic of the corpus and every model of the race lab.
#[test]
fn the_corpus_is_hunted_whole() {
    assert_eq!(CLASSICS, racelab_hunt::corpus::PROGRAMS.len());
    assert_eq!(MODELS, racelab_models::MODELS.len());
}
