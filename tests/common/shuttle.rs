//! The shuttle tiers' one way to run a check (shuttle builds only): [`check`] runs a scenario
//! under one scheduler, and [`random_and_pct!`] stamps out the two tests of a scenario, one
//! per entry of [`CONFIGURATIONS`].
#![allow(dead_code)] // each test binary uses its own subset

use racelab::check::{Explorer, Report, Scheduler};
use racelab::Face;

/// shuttle's random scheduler.
pub const RANDOM: Scheduler = Scheduler::Random;
/// PCT at depth 3: finds, with a known probability per schedule, any bug that needs at most
/// two forced preemptions.
pub const PCT3: Scheduler = Scheduler::Pct { depth: 3 };
/// The two configurations every shuttle scenario runs under, with the suffix each check's
/// name gets. [`random_and_pct!`] writes one test per entry; a test that runs both itself
/// loops over this list.
pub const CONFIGURATIONS: [(Scheduler, &str); 2] = [(RANDOM, "random"), (PCT3, "pct3")];

/// Runs `body` as the check `name` on `iterations` schedules of `scheduler`, and asserts that
/// every requested schedule was explored (unless `RACELAB_ITERATIONS` sets another budget).
/// racelab's primitives show `face` (a primitive's own suite: the implementation; a program
/// that uses them: the spec). The deliberate panics ([`EXPECTED_PANIC`](crate::common::EXPECTED_PANIC)) of the
/// scenarios are kept quiet.
pub fn check<F>(face: Face, name: &str, scheduler: Scheduler, iterations: usize, body: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    crate::common::quiet_expected_panics();
    let report = Explorer::new(name)
        .face(face)
        .scheduler(scheduler)
        .iterations(iterations)
        .run(body);
    if std::env::var_os("RACELAB_ITERATIONS").is_none() {
        assert_eq!(
            report.executions, iterations as u64,
            "{name}: schedules explored"
        );
    }
    report
}

/// One module per scenario with two tests, `random` and `pct3`, whose checks are named
/// `"{name}_random"` and `"{name}_pct3"`.
///
/// ```text
/// random_and_pct! {
///     /// What the scenario proves.
///     lock_three_threads: "shuttle_lock_3x2", 10_000, || scenarios::lock_counter(3, 2);
///     // or, for a test that does more than `check` around the scenario:
///     tutorial_example: "shuttle_tutorial" => |name, scheduler| tutorial(name, scheduler);
/// }
/// ```
///
/// The first form runs `body` through [`check`] with the file's `FACE` (each file that uses the
/// macro says which face its checks explore); the second calls `run(name, scheduler)`.
/// Each module sees its file's items (`use super::*`).
#[allow(unused_macros)]
macro_rules! random_and_pct {
    ($($(#[$doc:meta])* $test:ident: $name:literal, $iterations:expr, $body:expr;)*) => {
        $(
            $(#[$doc])*
            mod $test {
                #[allow(unused_imports)]
                use super::*;

                #[test]
                fn random() {
                    $crate::common::shuttle::check(
                        FACE,
                        concat!($name, "_random"),
                        $crate::common::shuttle::RANDOM,
                        $iterations,
                        $body,
                    );
                }

                #[test]
                fn pct3() {
                    $crate::common::shuttle::check(
                        FACE,
                        concat!($name, "_pct3"),
                        $crate::common::shuttle::PCT3,
                        $iterations,
                        $body,
                    );
                }
            }
        )*
    };
    ($($(#[$doc:meta])* $test:ident: $name:literal => $run:expr;)*) => {
        $(
            $(#[$doc])*
            mod $test {
                #[allow(unused_imports)]
                use super::*;

                #[test]
                fn random() {
                    ($run)(concat!($name, "_random"), $crate::common::shuttle::RANDOM);
                }

                #[test]
                fn pct3() {
                    ($run)(concat!($name, "_pct3"), $crate::common::shuttle::PCT3);
                }
            }
        )*
    };
}

#[allow(unused_imports)]
pub(crate) use random_and_pct;
