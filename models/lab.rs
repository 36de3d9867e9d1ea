//! What every model shares: its entry in the catalogue, and the checks its tests run.
//!
//! A model file defines `pub const MODEL: Model` and two functions, `buggy` and `fixed` (a file
//! with a second flavour adds `MODEL_<FLAVOUR>` and its own pair); its
//! tests call [`caught_by_loom`], [`caught_by_shuttle`], [`fixed_passes`] and [`std_stress`],
//! which assert the expected failure *kind and message*, and snapshot the swimlane themselves
//! (insta names a snapshot after the calling module).

use racelab::check::{Explorer, Failure, FailureKind, Scheduler};

/// How a model fits loom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loom {
    /// Every interleaving.
    Exhaustive,
    /// Every interleaving with at most this many preemptions.
    Bounded(usize),
    /// Not checked under loom, and why (e.g. more than loom's 5 threads).
    Skip(&'static str),
}

/// A model's description and budgets.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// The file name, e.g. `abba_deadlock`; a second pair in the same file adds its flavour,
    /// e.g. `lost_update_locked` in `lost_update.rs`.
    pub name: &'static str,
    /// The bug class, e.g. `deadlock (lock order)`.
    pub bug_class: &'static str,
    /// Where it comes from: the tutorial's section, or the classic.
    pub source: &'static str,
    /// The fix, in one line.
    pub fix: &'static str,
    /// The failure the buggy variant must produce.
    pub kind: FailureKind,
    /// A piece of the message the buggy variant's failure must contain.
    pub message: &'static str,
    /// How the model fits loom.
    pub loom: Loom,
    /// `false` if shuttle cannot find this bug (it treats atomics as SeqCst).
    pub shuttle: bool,
    /// shuttle's budget per search (random and PCT each).
    pub shuttle_iterations: usize,
    /// The buggy variant.
    pub buggy: fn(),
    /// The fixed variant.
    pub fixed: fn(),
}

/// The seeds the catalogue's shuttle medians are measured over.
pub const MEASURE_SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// PCT's bug depth for the models.
pub const PCT_DEPTH: usize = 3;

fn explorer(model: &Model, what: &str) -> Explorer {
    let explorer = Explorer::new(format!("{}/{what}", model.name));
    match model.loom {
        Loom::Bounded(bound) => explorer.preemption_bound(bound),
        _ => explorer,
    }
}

/// Asserts that `failure` is the one the model promises.
pub fn assert_expected(model: &Model, failure: &Failure) {
    assert_eq!(
        failure.kind, model.kind,
        "{}: wrong kind of failure:\n{failure}",
        model.name
    );
    assert!(
        failure.message.contains(model.message),
        "{}: the failure's message does not say {:?}:\n{failure}",
        model.name,
        model.message
    );
}

/// loom finds the buggy variant's failure (in a child process, so a deadlock is an ordinary
/// result). Returns it for the swimlane snapshot.
pub fn caught_by_loom(model: &Model) -> Failure {
    assert!(
        !matches!(model.loom, Loom::Skip(_)),
        "{} does not run under loom",
        model.name
    );
    let failure = explorer(model, "buggy").expect_failure(model.buggy);
    assert_expected(model, &failure);
    failure
}

/// shuttle finds the buggy variant's failure with its random scheduler and with PCT; the
/// catalogue's medians are measured over [`MEASURE_SEEDS`] at the same time. Returns the
/// random scheduler's failure (default seed) for the swimlane snapshot.
pub fn caught_by_shuttle(model: &Model) -> Failure {
    let failure = explorer(model, "buggy")
        .iterations(model.shuttle_iterations)
        .expect_failure(model.buggy);
    assert_expected(model, &failure);
    let pct = explorer(model, "buggy-pct")
        .iterations(model.shuttle_iterations)
        .scheduler(Scheduler::Pct { depth: PCT_DEPTH })
        .expect_failure(model.buggy);
    assert_expected(model, &pct);
    // The catalogue's measurements: only when a run is being recorded (`cargo xtask test` /
    // `verify`), so `cargo xtask model NAME` shows one failure, not twelve.
    if std::env::var_os("RACELAB_REPORT").is_none() {
        return failure;
    }
    for (label, scheduler) in [
        ("random", Scheduler::Random),
        ("pct", Scheduler::Pct { depth: PCT_DEPTH }),
    ] {
        for seed in MEASURE_SEEDS {
            let found = explorer(model, &format!("measure-{label}-seed{seed}"))
                .iterations(model.shuttle_iterations)
                .scheduler(scheduler)
                .seed(seed)
                .find_failure(model.buggy);
            if let Ok(failure) = found {
                assert_expected(model, &failure);
            }
        }
    }
    failure
}

/// shuttle cannot find the bug: the whole budget passes. (For weak-memory bugs: shuttle runs
/// every atomic as SeqCst.)
pub fn missed_by_shuttle(model: &Model) {
    assert!(!model.shuttle);
    let missed = explorer(model, "buggy")
        .iterations(model.shuttle_iterations)
        .find_failure(model.buggy);
    if let Ok(failure) = missed {
        panic!(
            "{}: shuttle was not expected to find this bug, but did:\n{failure}",
            model.name
        );
    }
}

/// The fixed variant passes under the active backend.
pub fn fixed_passes(model: &Model) {
    let explorer = explorer(model, "fixed");
    let explorer = if cfg!(shuttle) {
        explorer.iterations(model.shuttle_iterations)
    } else {
        explorer
    };
    explorer.run(model.fixed);
}

/// Plain std threads, 1,000 runs: does real scheduling find the bug? A deadlock counts after
/// a 2 s watchdog. Recorded for the catalogue; nothing is asserted, since real scheduling
/// proves nothing either way.
pub fn std_stress(model: &Model) -> Option<Failure> {
    let found = Explorer::new(format!("{}/buggy-std", model.name))
        .iterations(1000)
        .std_timeout(2)
        .find_failure(model.buggy);
    match found {
        Ok(failure) => {
            // std has no trace: a deadlock is only "no progress", so only the kind can match.
            if model.kind == FailureKind::Deadlock {
                assert_eq!(
                    failure.kind,
                    FailureKind::Deadlock,
                    "{}:\n{failure}",
                    model.name
                );
            } else {
                assert_expected(model, &failure);
            }
            Some(failure)
        }
        Err(_) => None,
    }
}
