//! Client programs of racelab's lock, each run under both faces (checker builds only): the
//! spec face a program that uses the lock is explored against by default, and the
//! implementation face the lock's own suites explore. Their verdicts must agree — the check
//! that keeps the spec honest (`racelab::face`; `cargo xtask hunt` does the same over the whole
//! hunt corpus).

use std::panic::{self, AssertUnwindSafe};

use racelab::check::{Explorer, FailureKind};
use racelab::sync::atomic::{AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{trace, Face, Lock, RawLock};

/// What a check concluded: `None` for a pass, else the failure's kind and message.
pub type Verdict = Option<(FailureKind, String)>;

/// Runs `client` under `face` and returns its verdict and how many executions it took.
pub fn verdict(name: &str, face: Face, client: fn()) -> (Verdict, u64) {
    let explorer = Explorer::new(format!("{name}/{face}")).face(face);
    match explorer.find_failure(client) {
        Ok(failure) => (Some((failure.kind, failure.message)), failure.executions),
        Err(report) => {
            assert!(
                !report.budget.contains("not finished"),
                "{name}/{face}: the search was cut short, so it proved nothing: {report}"
            );
            (None, report.executions)
        }
    }
}

/// Runs `client` under both faces; asserts that both verdicts are `expected` (a failure's
/// message must contain the text given). Returns the executions under (spec, implementation).
pub fn agree(name: &str, client: fn(), expected: Option<(FailureKind, &str)>) -> (u64, u64) {
    let (spec, spec_executions) = verdict(name, Face::Spec, client);
    let (implementation, implementation_executions) = verdict(name, Face::Implementation, client);
    for (face, verdict) in [(Face::Spec, &spec), (Face::Implementation, &implementation)] {
        match (verdict, expected) {
            (None, None) => {}
            (Some((kind, message)), Some((want_kind, want_text))) => {
                assert_eq!(*kind, want_kind, "{name}/{face}: {message}");
                assert!(
                    message.contains(want_text),
                    "{name}/{face}: {message:?} does not say {want_text:?}"
                );
            }
            (got, want) => panic!("{name}/{face}: verdict {got:?}, expected {want:?}"),
        }
    }
    println!(
        "faces: {name}: spec {spec_executions} executions, implementation \
         {implementation_executions}"
    );
    (spec_executions, implementation_executions)
}

/// Asserts, inside every execution and in a spawned thread too, that racelab's primitives are
/// created with `face` (the checker runs the body where the check's face is in force).
pub fn sees_face(face: Face) {
    assert_eq!(
        racelab::face::current(),
        face,
        "the check's face, in the body"
    );
    let spawned = thread::spawn(racelab::face::current);
    assert_eq!(
        spawned.join().unwrap(),
        face,
        "the check's face, in a spawned thread"
    );
}

/// Two threads add 1 twice each under the lock: always 4.
pub fn counter() {
    let lock = Arc::new(Lock::new(0));
    let other = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            for _ in 0..2 {
                *lock.lock() += 1;
            }
        })
    };
    for _ in 0..2 {
        *lock.lock() += 1;
    }
    other.join().unwrap();
    assert_eq!(*lock.lock(), 4);
}

/// The check and the act under two acquisitions: both threads can see "empty" and fill.
pub fn check_then_act() {
    let slot = Arc::new(Lock::new(None::<usize>));
    let fills = Arc::new(AtomicUsize::new(0));
    let fill = |slot: &Lock<Option<usize>>, fills: &AtomicUsize, who: usize| {
        let empty = slot.lock().is_none();
        if empty {
            *slot.lock() = Some(who);
            // Relaxed: a counter the final assertion reads after the join.
            fills.fetch_add(1, Ordering::Relaxed);
        }
    };
    let other = {
        let (slot, fills) = (Arc::clone(&slot), Arc::clone(&fills));
        thread::spawn(move || fill(&slot, &fills, 2))
    };
    fill(&slot, &fills, 1);
    other.join().unwrap();
    // Relaxed: after the join, which ordered the other thread's increment before this.
    let fills = fills.load(Ordering::Relaxed);
    assert!(
        fills == 1,
        "filled {fills} times: the check and the act were not atomic"
    );
}

/// Two threads take two locks in opposite orders.
pub fn abba() {
    let a = Arc::new(Lock::new(()));
    let b = Arc::new(Lock::new(()));
    trace::label(&*a, "A");
    trace::label(&*b, "B");
    let other = {
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        thread::spawn(move || {
            let _b = b.lock();
            let _a = a.lock();
        })
    };
    {
        let _a = a.lock();
        let _b = b.lock();
    }
    other.join().unwrap();
}

/// A holder panics inside its critical section (caught by its own thread) while the other
/// thread may be blocked on the lock: the lock does not poison, so the other gets it, and sees
/// the holder's write.
pub fn panicking_holder() {
    let lock = Arc::new(Lock::new(0));
    let other = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                let mut guard = lock.lock();
                *guard = 1;
                panic!("{}", crate::common::EXPECTED_PANIC);
            }));
            assert!(caught.is_err());
            *lock.lock() += 10;
        })
    };
    let seen = *lock.lock();
    assert!(seen == 0 || seen == 1 || seen == 11, "saw {seen}");
    other.join().unwrap();
    assert_eq!(*lock.lock(), 11);
}

/// A holder panics inside its critical section, catches it, and its thread ends at once, while
/// `main` may be blocked on the lock: `main` gets the lock.
pub fn panicking_holder_then_ends() {
    let lock = Arc::new(Lock::new(0));
    let other = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                let mut guard = lock.lock();
                *guard = 1;
                panic!("{}", crate::common::EXPECTED_PANIC);
            }));
            assert!(caught.is_err());
        })
    };
    let seen = *lock.lock();
    assert!(seen == 0 || seen == 1, "saw {seen}");
    other.join().unwrap();
    assert_eq!(*lock.lock(), 1);
}

/// `RawLock`'s contract: release of a free lock is an error, any thread may release, and
/// exactly one of two racing releases of a held lock wins.
pub fn raw_contract() {
    let lock = Arc::new(RawLock::new());
    assert!(lock.release().is_err(), "released a free lock");
    assert!(lock.try_acquire());
    assert!(!lock.try_acquire());
    assert!(lock.is_locked());
    let wins = Arc::new(AtomicUsize::new(0));
    let other = {
        let (lock, wins) = (Arc::clone(&lock), Arc::clone(&wins));
        thread::spawn(move || {
            if lock.release().is_ok() {
                // Relaxed: read after the join.
                wins.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    if lock.release().is_ok() {
        // Relaxed: read after the join.
        wins.fetch_add(1, Ordering::Relaxed);
    }
    other.join().unwrap();
    // Relaxed: after the join.
    assert_eq!(wins.load(Ordering::Relaxed), 1, "racing releases");
    assert!(!lock.is_locked());
    lock.acquire();
    lock.release().unwrap();
}

/// The face-agreement tests, written once for both checkers (`tests/loom_faces.rs`,
/// `tests/shuttle_faces.rs`); `exhaustive` (loom) also compares the counter's execution counts,
/// which only an exhaustive search makes deterministic.
#[allow(unused_macros)] // each test binary compiles tests/common; two use this
macro_rules! face_tests {
    (exhaustive: $exhaustive:expr) => {
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
            if $exhaustive {
                // Exhaustive counts, so deterministic: the spec has one scheduling point per lock
                // operation, the implementation several.
                assert!(
                    spec < implementation,
                    "spec {spec} executions, implementation {implementation}"
                );
            }
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
    };
}
#[allow(unused_imports)]
pub(crate) use face_tests;
