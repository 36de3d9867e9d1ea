//! The race lab: one file per model. Each model is a small program with a `buggy` and a `fixed`
//! variant that differ only in the lines marked `// BUG:` (the buggy variant's) and `// FIX:`
//! (their fixed twins), side by side in an `if FIXED { .. } else { .. }`; its tests show the
//! buggy one caught (by kind and message) and the fixed one passing, under every backend it
//! fits. "The tutorial" the models cite is the Python lock-and-pool example racelab grew from,
//! shown next to its racelab version in README's tutorial section.
//!
//! `models/README.md` is the catalogue; `cargo xtask model NAME` tells a model's story, runs
//! it, and prints the failing interleaving and the command that replays it.
// std primitives are enforced in loom builds (and, for functions, shuttle builds): in a std
// build the facade *is* std, which clippy cannot tell from a stray import. See clippy.toml.
#![cfg_attr(
    not(any(loom, shuttle)),
    allow(clippy::disallowed_types, clippy::disallowed_methods)
)]
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]

pub mod catalogue;
pub mod lab;

pub mod abba_deadlock;
pub mod broken_lock;
pub mod cargill_buffer;
pub mod check_then_act;
pub mod dining_philosophers;
pub mod event_cleared;
pub mod if_not_while;
pub mod lock_convoy;
pub mod lost_update;
pub mod lost_wakeup;
pub mod missing_release;
pub mod pool_starvation;
pub mod relaxed_publication;
pub mod rlock_misuse;
pub mod self_deadlock;
pub mod semaphore_leak;
pub mod shutdown_race;
pub mod tutorial_example;
pub mod wrong_barrier_count;

/// Every model, in catalogue order: the tutorial's own first, then the classics around them.
pub const MODELS: &[&lab::Model] = &[
    &tutorial_example::MODEL,
    &lock_convoy::MODEL,
    &missing_release::MODEL,
    &missing_release::MODEL_PANIC,
    &semaphore_leak::MODEL,
    &lost_update::MODEL,
    &lost_update::MODEL_LOCKED,
    &check_then_act::MODEL,
    &abba_deadlock::MODEL,
    &dining_philosophers::MODEL,
    &self_deadlock::MODEL,
    &self_deadlock::MODEL_DIRECT,
    &rlock_misuse::MODEL,
    &lost_wakeup::MODEL,
    &lost_wakeup::MODEL_NO_RECHECK,
    &if_not_while::MODEL,
    &cargill_buffer::MODEL,
    &wrong_barrier_count::MODEL,
    &event_cleared::MODEL,
    &pool_starvation::MODEL,
    &shutdown_race::MODEL,
    &relaxed_publication::MODEL,
    &relaxed_publication::MODEL_CELL,
    &broken_lock::MODEL,
];
