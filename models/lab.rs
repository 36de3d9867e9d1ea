//! What every model shares: its entry in the catalogue, and the checks its tests run.
//!
//! A model file defines `pub const MODEL: Model` and two functions, `buggy` and `fixed` (a file
//! with a second flavour adds `MODEL_<FLAVOUR>` and its own pair, e.g. `buggy_locked` and
//! `fixed_locked`). Its tests module calls `model_tests!` (below), which writes the standard
//! tests of each pair: they call [`caught_by_loom`], [`caught_by_shuttle`] (or
//! [`missed_by_shuttle`]), [`std_stress`] and [`fixed_passes`], which assert the expected
//! failure *kind and message*, and snapshot the swimlane (insta names a snapshot after the
//! calling module: `racelab_models__<file>__tests__loom_buggy.snap`).

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
        .scheduler(Scheduler::Random)
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

/// Writes a model file's standard tests, inside its `#[cfg(test)] mod tests`, one group per
/// buggy/fixed pair `MODEL => buggy, fixed`. The tests are named after the pair's two functions,
/// so for `MODEL_LOCKED => buggy_locked, fixed_locked`:
///
/// | test | backend | what it checks |
/// |---|---|---|
/// | `buggy_locked_is_caught_by_loom` | loom | [`caught_by_loom`]; snapshot `loom_buggy_locked` |
/// | `buggy_locked_is_caught_by_shuttle` | shuttle | [`caught_by_shuttle`]; snapshot `shuttle_buggy_locked` |
/// | `buggy_locked_under_std_stress` | std | [`std_stress`] |
/// | `fixed_locked_passes` | each | [`fixed_passes`] |
///
/// Options, in braces after a pair, each at most once, in any order:
///
/// - `quiet_panics: MESSAGE`: each test first silences the panics that start with `MESSAGE`
///   (`racelab::check::quiet_panics`), for a model whose buggy variant panics on purpose;
/// - `shuttle: misses`: `<buggy>_is_missed_by_shuttle` ([`missed_by_shuttle`]) takes the place
///   of the shuttle test, for a bug shuttle cannot see (`shuttle: false` in the `Model`);
/// - `std: none`: no std stress test, for a buggy variant that is undefined behaviour on real
///   threads.
///
/// ```ignore
/// #[cfg(test)]
/// mod tests {
///     crate::lab::model_tests! {
///         MODEL => buggy, fixed;
///         MODEL_CELL => buggy_cell, fixed_cell { shuttle: misses, std: none };
///     }
/// }
/// ```
///
/// The `MODEL` constants are the enclosing file's (`super::`). A test that does not fit this
/// shape is written out in the same module, next to the call.
#[cfg(test)]
macro_rules! model_tests {
    // A pair's options, gathered into [quiet_panics] [shuttle] [std]; then its tests.
    (@options $pair:tt [] $shuttle:tt $std:tt quiet_panics: $message:expr $(, $($rest:tt)*)?) => {
        $crate::lab::model_tests!(@options $pair [$message] $shuttle $std $($($rest)*)?);
    };
    (@options $pair:tt $quiet:tt [catches] $std:tt shuttle: misses $(, $($rest:tt)*)?) => {
        $crate::lab::model_tests!(@options $pair $quiet [misses] $std $($($rest)*)?);
    };
    (@options $pair:tt $quiet:tt $shuttle:tt [stress] std: none $(, $($rest:tt)*)?) => {
        $crate::lab::model_tests!(@options $pair $quiet $shuttle [none] $($($rest)*)?);
    };
    (@options $pair:tt $quiet:tt $shuttle:tt $std:tt) => {
        $crate::lab::model_tests!(@caught loom $pair $quiet);
        $crate::lab::model_tests!(@shuttle $shuttle $pair $quiet);
        $crate::lab::model_tests!(@std $std $pair $quiet);
        $crate::lab::model_tests!(@fixed $pair $quiet);
    };
    (@caught $backend:ident [$model:ident $buggy:ident $fixed:ident] [$($quiet:expr)?]) => {
        ::pastey::paste! {
            #[test]
            #[cfg($backend)]
            fn [<$buggy _is_caught_by_ $backend>]() {
                $(racelab::check::quiet_panics($quiet);)?
                insta::assert_snapshot!(
                    concat!(stringify!($backend), "_", stringify!($buggy)),
                    $crate::lab::[<caught_by_ $backend>](&super::$model).swimlane(),
                    concat!(
                        "lab::caught_by_",
                        stringify!($backend),
                        "(&",
                        stringify!($model),
                        ").swimlane()"
                    )
                );
            }
        }
    };
    (@shuttle [catches] $pair:tt $quiet:tt) => {
        $crate::lab::model_tests!(@caught shuttle $pair $quiet);
    };
    (@shuttle [misses] [$model:ident $buggy:ident $fixed:ident] [$($quiet:expr)?]) => {
        ::pastey::paste! {
            #[test]
            #[cfg(shuttle)]
            fn [<$buggy _is_missed_by_shuttle>]() {
                $(racelab::check::quiet_panics($quiet);)?
                $crate::lab::missed_by_shuttle(&super::$model);
            }
        }
    };
    (@std [stress] [$model:ident $buggy:ident $fixed:ident] [$($quiet:expr)?]) => {
        ::pastey::paste! {
            #[test]
            #[cfg(not(any(loom, shuttle)))]
            fn [<$buggy _under_std_stress>]() {
                $(racelab::check::quiet_panics($quiet);)?
                $crate::lab::std_stress(&super::$model);
            }
        }
    };
    (@std [none] $pair:tt $quiet:tt) => {};
    (@fixed [$model:ident $buggy:ident $fixed:ident] [$($quiet:expr)?]) => {
        ::pastey::paste! {
            #[test]
            fn [<$fixed _passes>]() {
                $(racelab::check::quiet_panics($quiet);)?
                $crate::lab::fixed_passes(&super::$model);
            }
        }
    };
    // The pairs, one after another.
    () => {};
    ($model:ident => $buggy:ident, $fixed:ident $({ $($options:tt)* })?; $($rest:tt)*) => {
        $crate::lab::model_tests!(
            @options [$model $buggy $fixed] [] [catches] [stress] $($($options)*)?
        );
        $crate::lab::model_tests!($($rest)*);
    };
}

#[cfg(test)]
pub(crate) use model_tests;
